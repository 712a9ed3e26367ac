"""torch.ao.nn.quantized.Embedding: an embedding table stored with 8-bit rows."""

from .... import _dtype
from ...._ops.creation import ones, zeros
from ....nn.modules.module import Module
from ...quantization._dtypes import quint8
from . import functional as qF

__all__ = ["Embedding"]


class Embedding(Module):
    """An embedding whose rows are stored in uint8 with a float scale and zero point each
    (Note [Weight-only embeddings]); lookups return float32 rows.

    Buffers: ``weight`` (uint8, num_embeddings x embedding_dim), ``weight_scale`` and
    ``weight_zero_point`` (float32, num_embeddings). Built by ``from_float`` or by
    ``quantize_dynamic`` with ``float_qparams_weight_only_qconfig``.
    """

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 dtype=quint8):
        super().__init__()
        if max_norm is not None:
            raise NotImplementedError("a quantized Embedding cannot renormalize (max_norm)")
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = padding_idx
        self.dtype = dtype
        self.register_buffer("weight", zeros(num_embeddings, embedding_dim, dtype=_dtype.uint8))
        self.register_buffer("weight_scale", ones(num_embeddings))
        self.register_buffer("weight_zero_point", zeros(num_embeddings))

    def forward(self, indices):
        return qF.embedding_rows(indices, self.weight, self.weight_scale, self.weight_zero_point)

    def _get_name(self):
        return "QuantizedEmbedding"

    def extra_repr(self):
        return (f"num_embeddings={self.num_embeddings}, embedding_dim={self.embedding_dim}, "
                f"dtype={self.dtype}, qscheme=torch.per_channel_affine_float_qparams")

    @classmethod
    def from_float(cls, mod, dtype=quint8):
        """The quantized copy of float ``nn.Embedding`` ``mod``."""
        q = cls(mod.num_embeddings, mod.embedding_dim, mod.padding_idx)
        q.weight, q.weight_scale, q.weight_zero_point = qF.quantize_rows(mod.weight)
        return q

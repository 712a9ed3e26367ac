"""torch.ao.nn.quantized.dynamic.Linear: a Linear with int8 weights (or float16)."""

from ..... import _dtype
from ....._ops.creation import empty, zeros
from .....nn.modules.module import Module
from ....quantization._dtypes import qint8
from .. import functional as qF

__all__ = ["Linear"]


class Linear(Module):
    r"""A dynamically quantized Linear: :math:`y = xA^T + b` with ``A`` stored in int8 with
    one scale per output channel and ``x`` quantized per call (see
    Note [Dynamic int8 arithmetic]); ``dtype=torch.float16`` stores ``A`` in float16.

    Buffers (the state_dict): ``weight`` (int8, out x in), ``weight_scale`` (float32, out;
    absent for float16) and ``bias`` (float32). Built by ``from_float`` or
    ``torcia.ao.quantization.quantize_dynamic``.
    """

    _FLOAT_MODULE = "Linear"

    def __init__(self, in_features, out_features, bias_=True, dtype=qint8):
        super().__init__()
        if dtype is not qint8 and dtype is not _dtype.float16:
            raise RuntimeError(f"Unsupported dtype specified for dynamic quantized Linear: "
                               f"{dtype}")
        self.in_features = in_features
        self.out_features = out_features
        self.dtype = dtype
        wdt = _dtype.int8 if dtype is qint8 else _dtype.float16
        self.register_buffer("weight", zeros(out_features, in_features, dtype=wdt))
        if dtype is qint8:
            self.register_buffer("weight_scale", empty(out_features).fill_(1.0))
        self.register_buffer("bias", zeros(out_features) if bias_ else None)

    def forward(self, x):
        if self.dtype is qint8:
            return qF.linear_dynamic(x, self.weight, self.weight_scale, self.bias)
        return qF.linear_dynamic_fp16(x, self.weight, self.bias)

    def _get_name(self):
        return "DynamicQuantizedLinear"

    def extra_repr(self):
        scheme = "torch.per_channel_affine" if self.dtype is qint8 else None
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"dtype={self.dtype}, qscheme={scheme}")

    def dequantized_weight(self):
        """The float32 weight this layer computes with."""
        if self.dtype is qint8:
            return qF.dequantize_weight(self.weight, self.weight_scale)
        return self.weight.float()

    @classmethod
    def from_float(cls, mod, dtype=qint8):
        """The quantized copy of float ``nn.Linear`` ``mod``."""
        q = cls(mod.in_features, mod.out_features, mod.bias is not None, dtype=dtype)
        if dtype is qint8:
            w, s = qF.quantize_weight(mod.weight)
            q.weight, q.weight_scale = w, s
        else:
            q.weight = mod.weight.detach().to(_dtype.float16)
        if mod.bias is not None:
            q.bias = mod.bias.detach().float().clone()
        return q

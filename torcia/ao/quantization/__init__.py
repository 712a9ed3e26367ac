"""torch.ao.quantization: ``quantize_dynamic`` and the qconfig names it takes.

Dynamic quantization stores the weights of Linear, LSTM and GRU layers in int8 with one
scale per output channel and quantizes their inputs on the fly at each call (see
Note [Dynamic int8 arithmetic] in torcia/ao/nn/quantized/dynamic/functional.py): a model's
saved state shrinks about 4x and needs no calibration data.
"""

import copy

from ... import _dtype
from ._dtypes import qint8, quint8

__all__ = ["quantize_dynamic", "QConfig", "default_dynamic_qconfig",
           "per_channel_dynamic_qconfig", "float16_dynamic_qconfig",
           "float_qparams_weight_only_qconfig",
           "get_default_dynamic_quant_module_mappings", "qint8", "quint8"]


class QConfig:
    """How a layer is quantized; here only the weight dtype matters (int8 weights are always
    per-channel, activations always quantized per call)."""

    __slots__ = ("name", "dtype")

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f"QConfig({self.name}, weight dtype={self.dtype})"


default_dynamic_qconfig = QConfig("default_dynamic_qconfig", qint8)
per_channel_dynamic_qconfig = QConfig("per_channel_dynamic_qconfig", qint8)
float16_dynamic_qconfig = QConfig("float16_dynamic_qconfig", _dtype.float16)
float_qparams_weight_only_qconfig = QConfig("float_qparams_weight_only_qconfig", quint8)


def get_default_dynamic_quant_module_mappings():
    """Float layer class -> quantized class."""
    from ... import nn
    from ..nn import quantized
    from ..nn.quantized import dynamic
    return {nn.Linear: dynamic.Linear, nn.LSTM: dynamic.LSTM, nn.GRU: dynamic.GRU,
            nn.Embedding: quantized.Embedding}


def quantize_dynamic(model, qconfig_spec=None, dtype=qint8, mapping=None, inplace=False):
    """Replace the layers of ``model`` named by ``qconfig_spec`` with dynamically quantized
    ones (int8 weights, per-channel scales; activations quantized per call).

    Args:
        model: the float model (put in eval mode, as PyTorch does).
        qconfig_spec: a set of layer types (``{nn.Linear, nn.LSTM}``), or a dict from layer
            types or qualified submodule names to qconfigs; None quantizes every Linear,
            LSTM and GRU. Types match exactly, as in PyTorch (so MultiheadAttention's
            ``out_proj``, a NonDynamicallyQuantizableLinear, stays float). Embeddings take
            ``{nn.Embedding: float_qparams_weight_only_qconfig}`` (8-bit rows).
        dtype: ``torcia.qint8`` (int8 weights) or ``torcia.float16`` (float16 weights).
        mapping: float type -> quantized class (with ``from_float``); default
            ``get_default_dynamic_quant_module_mappings()``.
        inplace: change ``model`` itself instead of a deep copy.

    Example::

        >>> qmodel = torcia.ao.quantization.quantize_dynamic(
        ...     model, {nn.Linear, nn.LSTM}, dtype=torcia.qint8)
    """
    if dtype is not qint8 and dtype is not _dtype.float16:
        raise ValueError(f"Don't know how to quantize with default settings for {dtype}. "
                         "Provide full qconfig please")
    default = default_dynamic_qconfig if dtype is qint8 else float16_dynamic_qconfig
    if mapping is None:
        mapping = get_default_dynamic_quant_module_mappings()
    if qconfig_spec is None:
        from ... import nn
        qconfig_spec = dict.fromkeys((nn.Linear, nn.LSTM, nn.GRU), default)
    elif isinstance(qconfig_spec, (set, frozenset, list, tuple)):
        qconfig_spec = dict.fromkeys(qconfig_spec, default)
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    own = qconfig_spec.get("") if "" in qconfig_spec else qconfig_spec.get(type(model))
    if own is not None and type(model) in mapping:
        return _convert(model, own, mapping, dtype)
    _swap(model, qconfig_spec, mapping, dtype, "", own)
    return model


def _convert(child, qc, mapping, dtype):
    from ... import nn
    if type(child) is nn.Embedding and qc is not float_qparams_weight_only_qconfig:
        raise AssertionError("Embedding quantization is only supported with "
                             "float_qparams_weight_only_qconfig.")
    return mapping[type(child)].from_float(child, dtype=qc.dtype or dtype)


def _swap(module, spec, mapping, dtype, prefix, inherited):
    for name, child in list(module.named_children()):
        full = prefix + name
        qc = spec.get(full, spec.get(type(child), inherited))
        if qc is not None and type(child) in mapping:
            setattr(module, name, _convert(child, qc, mapping, dtype))
        else:
            _swap(child, spec, mapping, dtype, full + ".", qc)

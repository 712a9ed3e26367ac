"""torch.qint8 / torch.quint8: markers naming quantized storage, not tensor dtypes.

torcia has no quantized tensors: quantized layers keep int8 tensors and float scales
(torcia/ao/nn/quantized). ``torcia.qint8`` exists so PyTorch code such as
``quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)`` runs; it prints as torch's does.
"""

__all__ = ["qint8", "quint8"]


class _QuantizedDtype:
    __slots__ = ("name",)
    is_floating_point = False
    is_complex = False
    is_signed = True
    itemsize = 1

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))


def _by_name(name):
    return {"qint8": qint8, "quint8": quint8}[name]


qint8 = _QuantizedDtype("qint8")
quint8 = _QuantizedDtype("quint8")

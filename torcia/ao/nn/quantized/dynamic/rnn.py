"""torch.ao.nn.quantized.dynamic.LSTM and GRU: recurrent layers with int8 weights."""

from ..... import _dtype
from ....._ops.creation import zeros
from .....nn.modules.module import Module
from .....nn.utils.rnn import PackedSequence
from ....quantization._dtypes import qint8
from .. import functional as qF

__all__ = ["LSTM", "GRU"]


class _RNNBase(Module):
    """Per layer and direction, int8 buffers ``weight_ih_l{k}``, ``weight_hh_l{k}`` with
    per-row scales ``weight_ih_l{k}_scale``, ``weight_hh_l{k}_scale`` and float biases
    ``bias_ih_l{k}``, ``bias_hh_l{k}`` (``_reverse`` for the second direction): nn.LSTM's
    names, quantized as Note [Dynamic int8 arithmetic]."""

    _GATES = 0
    _MODE = ""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=qint8):
        super().__init__()
        if dtype is not qint8:
            raise RuntimeError(f"dynamic quantized {self._MODE} supports torch.qint8, got "
                               f"{dtype}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout = bias, batch_first, float(dropout)
        self.bidirectional, self.dtype = bidirectional, dtype
        self._names = []
        dirs = 2 if bidirectional else 1
        rows = self._GATES * hidden_size
        for layer in range(num_layers):
            cols = input_size if layer == 0 else hidden_size * dirs
            for d in range(dirs):
                sfx = f"_l{layer}" + ("_reverse" if d else "")
                shapes = {f"weight_ih{sfx}": (rows, cols), f"weight_ih{sfx}_scale": (rows,),
                          f"weight_hh{sfx}": (rows, hidden_size),
                          f"weight_hh{sfx}_scale": (rows,)}
                if bias:
                    shapes.update({f"bias_ih{sfx}": (rows,), f"bias_hh{sfx}": (rows,)})
                for n, shape in shapes.items():
                    wdt = _dtype.int8 if len(shape) == 2 else _dtype.float32
                    self.register_buffer(n, zeros(shape, dtype=wdt))
                    self._names.append(n)

    def _weights(self):
        return [getattr(self, n) for n in self._names]

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first:
            s += f", batch_first={self.batch_first}"
        if self.bidirectional:
            s += f", bidirectional={self.bidirectional}"
        return s + f", dtype={self.dtype}"

    def _get_name(self):
        return "DynamicQuantized" + self._MODE

    @classmethod
    def from_float(cls, mod, dtype=qint8):
        """The quantized copy of float ``nn.LSTM`` / ``nn.GRU`` ``mod``."""
        if getattr(mod, "proj_size", 0):
            raise RuntimeError("dynamic quantization of an LSTM with proj_size is not "
                               "supported")
        q = cls(mod.input_size, mod.hidden_size, mod.num_layers, mod.bias, mod.batch_first,
                mod.dropout, mod.bidirectional, dtype=dtype)
        for n in q._names:
            if n.endswith("_scale"):
                continue
            w = getattr(mod, n).detach()
            if n.startswith("weight"):
                qw, s = qF.quantize_weight(w)
                setattr(q, n, qw)
                setattr(q, n + "_scale", s)
            else:
                setattr(q, n, w.float().clone())
        return q

    def _prepare(self, input, hx, state_count):
        if isinstance(input, PackedSequence):
            raise NotImplementedError(f"dynamic quantized {self._MODE} does not take packed "
                                      "sequences yet")
        if input.dim() not in (2, 3):
            raise ValueError(f"{self._MODE}: Expected input to be 2D or 3D, got "
                             f"{input.dim()}D instead")
        batched = input.dim() == 3
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
        if hx is None:
            batch = input.size(0) if self.batch_first else input.size(1)
            n = self.num_layers * (2 if self.bidirectional else 1)
            hx = tuple(zeros(n, batch, self.hidden_size, dtype=input.dtype)
                       for _ in range(state_count))
        elif state_count == 1:
            hx = (hx if batched else hx.unsqueeze(1),)
        else:
            hx = tuple(h if batched else h.unsqueeze(1) for h in hx)
        return input, hx, batched


class LSTM(_RNNBase):
    """A dynamically quantized LSTM (torch.ao.nn.quantized.dynamic.LSTM): arguments, input
    and output as ``nn.LSTM`` (no proj_size, no packed sequences)."""

    _MODE = "LSTM"
    _GATES = 4

    def forward(self, input, hx=None):
        input, hx, batched = self._prepare(input, hx, 2)
        out, h, c = qF.lstm_dynamic(input, hx, self._weights(), self.bias, self.num_layers,
                                    self.bidirectional, self.batch_first)
        if not batched:
            out, h, c = out.squeeze(0 if self.batch_first else 1), h.squeeze(1), c.squeeze(1)
        return out, (h, c)


class GRU(_RNNBase):
    """A dynamically quantized GRU (torch.ao.nn.quantized.dynamic.GRU): arguments, input and
    output as ``nn.GRU`` (no packed sequences)."""

    _MODE = "GRU"
    _GATES = 3

    def forward(self, input, hx=None):
        input, hx, batched = self._prepare(input, hx, 1)
        out, h = qF.gru_dynamic(input, hx[0], self._weights(), self.bias, self.num_layers,
                                self.bidirectional, self.batch_first)
        if not batched:
            out, h = out.squeeze(0 if self.batch_first else 1), h.squeeze(1)
        return out, h

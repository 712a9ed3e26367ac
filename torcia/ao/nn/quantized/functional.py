"""Quantized ops: dynamic (int8 weights with per-channel scales, activations quantized on
the fly, per call) and weight-only (embeddings with 8-bit rows).

Note [Dynamic int8 arithmetic]
A weight matrix W (out, in) is stored as int8 ``Wq = round(W / s)`` with one float32 scale
``s[o] = max|W[o]| / 127`` per output channel (symmetric, zero point 0). At each call the
activation x is quantized per tensor to 8 bits, asymmetric as PyTorch's quint8:
``xs = (max(x, 0) - min(x, 0)) / 255``, zero point ``z = round(-min(x, 0) / xs)``,
``xq = clamp(round(x / xs) + z, 0, 255)``. Then

    y = xs * s[o] * sum_k (xq - z)[k] * Wq[o, k] + bias[o]

The integer sum is computed by BLAS on float32 arrays holding the integers (NumPy has no
int8 GEMM): products are below 2^15 and float32 adds integers exactly up to 2^24, so for
inner sizes up to 512 this is exactly the int32 accumulation of an int8 kernel, and beyond
it differs from it by float32 rounding (a relative 6e-8). The float32 copy of ``Wq`` is
made once per weight (and remade if the weight changes: its version counter) and cached
beside it, as int8 kernels keep "packed" weights; files and state_dicts hold the int8.
These ops are inference ops: their results do not require grad.
"""

import weakref

import numpy as np

from ...._ops._core import Tensor, wrap, xp_of

__all__ = ["quantize_weight", "dequantize_weight", "linear_dynamic", "linear_dynamic_fp16",
           "lstm_dynamic", "gru_dynamic", "quantize_rows", "embedding_rows"]

_packed = {}  # id(weight) -> (weakref to weight, version, float32 W^T of the integers)


def quantize_weight(weight, axis=0):
    """``(int8 weight, float32 scales)``: symmetric per-channel quantization along ``axis``
    (the output channels); see Note [Dynamic int8 arithmetic]."""
    w = weight.detach()._data.astype(np.float32)
    xp = xp_of(weight)
    other = tuple(d for d in range(w.ndim) if d != axis)
    amax = xp.max(xp.abs(w), axis=other, keepdims=True) if other else xp.abs(w)
    scale = xp.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
    q = xp.clip(xp.rint(w / scale), -127, 127).astype(np.int8)
    return wrap(q, weight._device), wrap(scale.reshape(-1), weight._device)


def dequantize_weight(qweight, scale, axis=0):
    """The float32 weight an int8 weight and its per-channel scales stand for."""
    shape = [1] * qweight.dim()
    shape[axis] = -1
    return wrap(qweight._data.astype(np.float32) * scale._data.reshape(shape),
                qweight._device)


def _packed_t(weight):
    """The float32 transpose of int8 ``weight``'s integers, cached per weight and version."""
    entry = _packed.get(id(weight))
    if entry is not None and entry[0]() is weight and entry[1] == weight._vc[0]:
        return entry[2]
    xp = xp_of(weight)
    wt = xp.ascontiguousarray(weight._data.T.astype(np.float32))
    key = id(weight)
    ref = weakref.ref(weight, lambda _, k=key: _packed.pop(k, None))
    _packed[key] = (ref, weight._vc[0], wt)
    return wt


def _qmatmul(xp, x, wt, wscale):
    """``x @ W^T`` with x quantized per tensor to 8 bits (Note [Dynamic int8 arithmetic])."""
    lo = min(float(x.min()), 0.0) if x.size else 0.0
    hi = max(float(x.max()), 0.0) if x.size else 0.0
    xs = (hi - lo) / 255.0 or 1.0
    zp = min(max(round(-lo / xs), 0), 255)
    # clamp(round(x / xs) + z, 0, 255) - z in one pass: clamp(round(x / xs), -z, 255 - z)
    xq = xp.multiply(x, np.float32(1.0 / xs), dtype=np.float32)
    xp.rint(xq, out=xq)
    xp.clip(xq, -zp, 255 - zp, out=xq)
    acc = xq @ wt
    acc *= wscale * np.float32(xs)
    return acc


def _check_float(input, name):
    if not isinstance(input, Tensor) or input._data.dtype.kind != "f":
        raise RuntimeError(f"{name}: expected a floating-point input tensor")


def linear_dynamic(input, weight, scale, bias=None):
    """``input @ W^T + bias`` for an int8 ``weight`` (out, in) with per-channel ``scale``,
    ``input`` quantized per call; see Note [Dynamic int8 arithmetic].

    Shape: input (*, in) -> (*, out).
    """
    _check_float(input, "linear_dynamic")
    xp = xp_of(input)
    x = input._data
    if x.shape[-1] != weight._data.shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({int(np.prod(x.shape[:-1]))}x{x.shape[-1]} and "
                           f"{weight._data.shape[1]}x{weight._data.shape[0]})")
    y = _qmatmul(xp, x.reshape(-1, x.shape[-1]).astype(np.float32, copy=False),
                 _packed_t(weight), scale._data)
    if bias is not None:
        y += bias._data
    y = y.reshape(x.shape[:-1] + (weight._data.shape[0],)).astype(x.dtype, copy=False)
    return wrap(y, input._device)


def linear_dynamic_fp16(input, weight, bias=None):
    """``input @ W^T + bias`` for a float16 ``weight``, computed in float32."""
    _check_float(input, "linear_dynamic_fp16")
    x = input._data
    y = x.reshape(-1, x.shape[-1]).astype(np.float32, copy=False) @ \
        weight._data.astype(np.float32).T
    if bias is not None:
        y += bias._data
    return wrap(y.reshape(x.shape[:-1] + (weight._data.shape[0],)).astype(x.dtype, copy=False),
                input._device)


def _sigmoid(xp, x):
    return 0.5 * xp.tanh(0.5 * x) + 0.5


def _rnn_dynamic(mode, input, hx, weights, has_biases, num_layers, bidirectional, batch_first):
    """A multi-layer LSTM or GRU with int8 weights. ``weights`` holds, per layer and
    direction, ``w_ih, w_ih_scale, w_hh, w_hh_scale`` (+ ``b_ih, b_hh`` with biases)."""
    _check_float(input, f"{mode.lower()}_dynamic")
    xp = xp_of(input)
    x = input._data.astype(np.float32, copy=False)
    if batch_first:
        x = x.transpose(1, 0, 2)
    T, B = x.shape[0], x.shape[1]
    dirs = 2 if bidirectional else 1
    per = 6 if has_biases else 4
    h0 = hx[0]._data if mode == "LSTM" else hx._data
    c0 = hx[1]._data if mode == "LSTM" else None
    gates = 4 if mode == "LSTM" else 3
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            i = layer * dirs + d
            w = weights[i * per:(i + 1) * per]
            wih, sih, whh, shh = w[0], w[1]._data, w[2], w[3]._data
            bih = w[4]._data if has_biases else None
            bhh = w[5]._data if has_biases else None
            H = whh._data.shape[0] // gates
            gx = _qmatmul(xp, xp.ascontiguousarray(x).reshape(T * B, -1), _packed_t(wih), sih)
            if bih is not None:
                gx += bih
            gx = gx.reshape(T, B, gates * H)
            whh_t = _packed_t(whh)
            h = h0[i].astype(np.float32)
            c = c0[i].astype(np.float32) if c0 is not None else None
            out = xp.empty((T, B, H), np.float32)
            for t in (range(T - 1, -1, -1) if d == 1 else range(T)):
                gh = _qmatmul(xp, h, whh_t, shh)
                if bhh is not None:
                    gh += bhh
                if mode == "LSTM":
                    g = gx[t] + gh
                    ig, fg = _sigmoid(xp, g[:, :H]), _sigmoid(xp, g[:, H:2 * H])
                    cg, og = xp.tanh(g[:, 2 * H:3 * H]), _sigmoid(xp, g[:, 3 * H:])
                    c = fg * c + ig * cg
                    h = og * xp.tanh(c)
                else:
                    r = _sigmoid(xp, gx[t, :, :H] + gh[:, :H])
                    z = _sigmoid(xp, gx[t, :, H:2 * H] + gh[:, H:2 * H])
                    n = xp.tanh(gx[t, :, 2 * H:] + r * gh[:, 2 * H:])
                    h = (1 - z) * n + z * h
                out[t] = h
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = outs[0] if dirs == 1 else xp.concatenate(outs, axis=2)
    if batch_first:
        x = x.transpose(1, 0, 2)
    dt = input._data.dtype
    dev = input._device
    result = wrap(xp.ascontiguousarray(x).astype(dt, copy=False), dev)
    hn = wrap(xp.stack(hs).astype(dt, copy=False), dev)
    if mode == "LSTM":
        return result, hn, wrap(xp.stack(cs).astype(dt, copy=False), dev)
    return result, hn


def lstm_dynamic(input, hx, weights, has_biases, num_layers, bidirectional, batch_first):
    """A multi-layer LSTM with int8 weights (gates in PyTorch's order i, f, g, o): returns
    ``(output, h_n, c_n)`` as ``torch.lstm``. ``hx`` is ``(h_0, c_0)``."""
    return _rnn_dynamic("LSTM", input, hx, weights, has_biases, num_layers, bidirectional,
                        batch_first)


def gru_dynamic(input, hx, weights, has_biases, num_layers, bidirectional, batch_first):
    """A multi-layer GRU with int8 weights (gates r, z, n): returns ``(output, h_n)``."""
    return _rnn_dynamic("GRU", input, hx, weights, has_biases, num_layers, bidirectional,
                        batch_first)


# Note [Weight-only embeddings]
# An embedding table is only gathered from, never multiplied, so its rows are stored in 8 bits
# with a float scale and zero point each (PyTorch's per_channel_affine_float_qparams, quint8):
# ``q = round((w - min) / scale)`` in [0, 255] with ``scale = (max - min) / 255`` and
# ``zero_point = -min / scale``; a lookup dequantizes only the rows it gathers,
# ``(q - zero_point) * scale``.


def quantize_rows(weight):
    """``(uint8 weight, float32 scales, float32 zero points)``, one per row; see
    Note [Weight-only embeddings]."""
    w = weight.detach()._data.astype(np.float32)
    xp = xp_of(weight)
    lo, hi = w.min(axis=1), w.max(axis=1)
    scale = xp.where(hi > lo, (hi - lo) / 255.0, 1.0).astype(np.float32)
    zp = (-lo / scale).astype(np.float32)
    q = xp.clip(xp.rint(w / scale[:, None] + zp[:, None]), 0, 255).astype(np.uint8)
    dev = weight._device
    return wrap(q, dev), wrap(scale, dev), wrap(zp, dev)


def embedding_rows(input, weight, scale, zero_point):
    """Look up rows ``input`` of a uint8 embedding table with per-row ``scale`` and
    ``zero_point``, as float32 (Note [Weight-only embeddings])."""
    idx = input._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {input.dtype} instead")
    n = weight._data.shape[0]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError("index out of range in self")
    rows = weight._data[idx].astype(np.float32)
    rows -= zero_point._data[idx][..., None]
    rows *= scale._data[idx][..., None]
    return wrap(rows, input._device)

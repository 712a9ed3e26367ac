"""Pooling and resampling: max/avg/adaptive/lp pooling, max_unpool, and interpolate.

Every op here is linear in its input once the max-pooling windows' winners are known, so
each node's backward applies the op's adjoint, itself a recorded op whose backward applies
the op again (``_linear`` below): first- and higher-order gradients share one code path.
The array work is in the backend's kernels (strided window views, see ``_backend/cpu.py``).
Node names are PyTorch's (MaxPool2DWithIndicesBackward0, AvgPool2DBackward0,
AdaptiveAvgPool2DBackward0, UpsampleBilinear2DBackward0, ...); 1-d pooling runs as 2-d
pooling of an unsqueezed input, as in PyTorch, so its graph ends in SqueezeBackward1.
"""

import math
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap
from ._core import Node, record, requires_grad

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d", "interpolate", "upsample", "upsample_nearest",
           "upsample_bilinear"]


_LOWP = (_dtype.float16.np, _dtype.bfloat16.np)
_ORD = {1: "single", 2: "tuple of two", 3: "tuple of three"}


def _kernels(t):
    return t._device_backend()


def _is_int(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool)


def _legacy(t):
    return t.dtype._legacy


# -- linear ops and their adjoints ---------------------------------------------------------
class _Adjoint(Node):
    """Backward of an op linear in its input: the op's adjoint, a differentiable function."""

    def backward(self, grad):
        if self.check is not None:
            self.saved_tensors  # noqa: B018  (raises if the saved input changed in place)
        return self.adjoint(grad)

    check = None


_NODES = {}


def _node(name):
    cls = _NODES.get(name)
    if cls is None:
        cls = _NODES[name] = type(name, (_Adjoint,), {})
    return cls


def _linear(input, arr, name, adjoint, save_input=False):
    """Wrap ``arr`` (the op's value on ``input``); record node ``name`` whose backward is
    ``adjoint(grad)``."""
    result = wrap(arr, input._device)
    if requires_grad(input):
        node = record(_node(name), (input,), (result,))
        node.adjoint = adjoint
        if save_input:
            node.save(input)
            node.check = True
    return result


def _in_float(x, fn):
    """``fn(x)`` computed in float32 for float16/bfloat16."""
    if x.dtype in _LOWP:
        return fn(x.astype(np.float32)).astype(x.dtype)
    return fn(x)


# -- parameters ------------------------------------------------------------------------------
def _param(value, k, what, name, default=None):
    """An int or sequence as a k-tuple; PyTorch's message when its length is wrong."""
    if value is None or (isinstance(value, (list, tuple)) and len(value) == 0 and
                         default is not None):
        return default
    if _is_int(value):
        return (int(value),) * k
    v = tuple(int(x) for x in value)
    if len(v) == 1:
        return v * k
    if len(v) != k:
        raise RuntimeError(f"{name}: {what}")
    return v


def _pool_params(name, k, kernel_size, stride, padding, dilation):
    tw = _ORD[k]
    ks = _param(kernel_size, k, f"kernel_size must either be a single int, or a {tw} ints", name)
    st = _param(stride, k, f"stride must either be omitted, a single int, or a {tw} ints", name,
                default=ks)
    pd = _param(padding, k, f"padding must either be a single int, or a {tw} ints", name)
    dl = _param(dilation, k, f"dilation must be either a single int, or a {tw} ints", name)
    return ks, st, pd, dl


def _out_sizes(size, ks, st, pd, dl, ceil_mode, K):
    """Output sizes, with PyTorch's checks of pooling_output_shape in its order."""
    out = []
    for n, k, s, p, d in zip(size, ks, st, pd, dl):
        if s == 0:
            raise RuntimeError("stride should not be zero")
        if p < 0:
            raise RuntimeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p}, kernel_size={k} and dilation={d}")
        out.append(K.pool_out_size(n, k, s, p, d, ceil_mode))
    return tuple(out)


def _shape_check(x, k, ks, st, dl, out):
    """PyTorch's pool{2,3}d_shape_check after the output size is known."""
    if any(v <= 0 for v in ks):
        raise RuntimeError("kernel size should be greater than zero, but got " +
                           _hw(k, "k", ks))
    if any(v <= 0 for v in st):
        raise RuntimeError("stride should be greater than zero, but got " + _hw(k, "d", st))
    if any(v <= 0 for v in dl):
        raise RuntimeError("dilation should be greater than zero, but got " +
                           _hw(k, "dilation", dl))
    if any(n == 0 for n in x.shape[-k - 1:]):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(x.shape)}")
    if any(o < 1 for o in out):
        c = x.shape[-k - 1]
        raise RuntimeError(f"Given input size: ({'x'.join(map(str, (c,) + x.shape[-k:]))}). "
                           f"Calculated output size: ({'x'.join(map(str, (c,) + out))}). "
                           "Output size is too small")


def _hw(k, prefix, vals):
    names = {1: ("W",), 2: ("H", "W"), 3: ("T", "H", "W")}[k]
    return " ".join(f"{prefix}{n}: {v}" for n, v in zip(names, vals))


def _need_tensor(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


# -- max pooling -----------------------------------------------------------------------------
def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, k):
    """Max pooling over the last k dims of a (N, C, *S) or (C, *S) input."""
    name = f"max_pool{k}d"
    _need_tensor(input, name)
    ks, st, pd, dl = _pool_params(name, k, kernel_size, stride, padding, dilation)
    x = input._data
    if x.ndim not in (k + 1, k + 2):
        raise RuntimeError(f"non-empty {k + 1}D or {k + 2}D (batch mode) tensor expected for "
                           "input")
    K = _kernels(input)
    out = _out_sizes(x.shape[-k:], ks, st, pd, dl, ceil_mode, K)
    _shape_check(x, k, ks, st, dl, out)
    m, out = K.max_pool(x, ks, st, pd, dl, ceil_mode)
    win = _Winners(K, x, m, (ks, st, pd, dl, out), ceil_mode)
    result = _linear(input, m, f"MaxPool{k}DWithIndicesBackward0",
                     lambda g: _max_scatter(g, win, k), save_input=True)
    win.watch(result)
    if return_indices:
        idx = K.argmax_to_index(win.arg(), x.shape[-k:], ks, st, pd, dl)
        return result, wrap(idx, input._device)
    return result


class _Winners:
    """Which element of each window won a max pooling: found, when first needed, from the
    input and the maxima (Note [Max pooling winners])."""

    def __init__(self, K, x, m, geom, ceil_mode):
        self.K, self.x, self.m, self.geom, self.ceil_mode = K, x, m, geom, ceil_mode
        self._arg = None
        self._vc = None

    def watch(self, result):
        self._vc, self._v = result._vc, result._vc[0]

    def maxima(self):
        if self._vc is not None and self._vc[0] != self._v:  # the output changed in place
            self.m = self.K.max_pool(self.x, *self.geom[:4], self.ceil_mode)[0]
            self._vc = None
        return self.m

    def arg(self):
        if self._arg is None:
            self._arg = self.K.max_pool_argmax(self.x, self.maxima(), *self.geom)
        return self._arg


# Note [Max pooling winners]
# The forward keeps only the maxima (one np.maximum per kernel offset). The backward finds
# each window's winner again by comparing the input with the maxima, offset by offset,
# keeping the first equal element (PyTorch's ``val > max`` keeps the first of ties, which
# matters after relu, where whole windows are 0). That costs about what tracking the argmax
# in the forward would, without NumPy's slow masked copies. The indices are built only for
# return_indices, a NaN window, or a graph of the backward (create_graph).

def _max_scatter(grad, win, k):
    """Gradient of max pooling: each output's gradient onto its window's winner."""
    ks, st, pd, dl, out = win.geom
    g = _kernels(grad).max_pool_backward(grad._data, win.x, win.maxima(), win._arg, ks, st,
                                         pd, dl, out)
    return _linear(grad, g, f"MaxPool{k}DWithIndicesBackwardBackward0",
                   lambda gg: _max_gather(gg, win, k))


def _max_gather(gg, win, k):
    ks, st, pd, dl, out = win.geom
    g = _kernels(gg).max_pool_gather(gg._data, win.arg(), win.x.shape, ks, st, pd, dl, out)
    return _linear(gg, g, f"MaxPool{k}DWithIndicesBackward0", lambda g2: _max_scatter(g2, win, k))


def _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    _need_tensor(input, "max_pool1d")
    x = input._data
    if x.ndim not in (2, 3) or any(n == 0 for n in x.shape[1 if x.ndim == 3 else 0:]):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 "
                           f"dim batch size for input, but got:{list(x.shape)}")
    ks = _param(kernel_size, 1, "kernel_size must be an int or int list of size 1",
                "max_pool1d")
    st = _param(stride, 1, "stride must be an int or int list of size 1", "max_pool1d",
                default=ks)
    pd = _param(padding, 1, "padding must be an int or int list of size 1", "max_pool1d")
    dl = _param(dilation, 1, "dilation must be an int or int list of size 1", "max_pool1d")
    checks = ((ks[0] > 0, f"kernel_size must be greater than zero, but got {ks[0]}"),
              (st[0] > 0, f"stride must be greater than zero, but got {st[0]}"),
              (pd[0] >= 0, f"padding must be non-negative, but got {pd[0]}"),
              (pd[0] <= ks[0] // 2, f"padding should be at most half of kernel size, but got "
                                    f"padding={pd[0]} and kernel_size={ks[0]}"),
              (dl[0] > 0, f"dilation must be greater than zero, but got {dl[0]}"))
    for ok, msg in checks:
        if not ok:
            raise RuntimeError(f"max_pool1d() {msg}")
    out = _kernels(input).pool_out_size(x.shape[-1], ks[0], st[0], pd[0], dl[0], ceil_mode)
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    r = _max_pool(input.unsqueeze(-2), (1,) + ks, (1,) + st, (0,) + pd, (1,) + dl, ceil_mode,
                  return_indices, 2)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling over (N, C, L) or (C, L); with ``return_indices`` also the argmax
    positions (int64), as MaxUnpool1d takes them."""
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling over (N, C, H, W) or (C, H, W).

    ``stride`` defaults to ``kernel_size``; padding is by -inf, at most half the (dilated)
    kernel; ``ceil_mode`` lets the last window start inside the input or left padding.
    Example: ``F.max_pool2d(torch.randn(1, 1, 4, 4), 2).shape == (1, 1, 2, 2)``.
    """
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     2)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices,
                     3)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, True)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 2)


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=True):
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, True, 3)


# -- average pooling -------------------------------------------------------------------------
def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override, k):
    name = f"avg_pool{k}d"
    _need_tensor(input, name)
    tw = _ORD[k]
    ks = _param(kernel_size, k, f"kernel_size must either be a single int, or a {tw} ints",
                name)
    st = _param(stride, k, f"stride must either be omitted, a single int, or a {tw} ints", name,
                default=ks)
    pd = _param(padding, k, f"padding must either be a single int, or a {tw} ints", name)
    x = input._data
    if x.ndim not in (k + 1, k + 2):
        if x.ndim < k + 1:
            n = max(x.ndim, 1)
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, "
                             f"{n - 1}], but got {-k - 1})")
        raise RuntimeError(f"non-empty {k + 1}D or {k + 2}D (batch mode) tensor expected for "
                           "input")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    K = _kernels(input)
    ones = (1,) * k
    out = _out_sizes(x.shape[-k:], ks, st, pd, ones, ceil_mode, K)
    _shape_check(x, k, ks, st, ones, out)
    if x.dtype.kind not in "fc" and x.dtype not in _LOWP:
        # PyTorch averages integers in their own type (truncating division)
        y, _ = K.avg_pool(x.astype(np.float64), ks, st, pd, ceil_mode, count_include_pad,
                          divisor_override)
        return wrap(np.trunc(y).astype(x.dtype), input._device)
    geom = (tuple(x.shape), ks, st, pd, ceil_mode, count_include_pad, divisor_override, out)
    y = _in_float(x, lambda a: K.avg_pool(a, ks, st, pd, ceil_mode, count_include_pad,
                                          divisor_override)[0])
    return _linear(input, y, f"AvgPool{k}DBackward0", lambda g: _avg_scatter(g, geom, k))


def _avg_scatter(grad, geom, k):
    x_shape, ks, st, pd, ceil_mode, cip, div, out = geom
    K = _kernels(grad)
    g = _in_float(grad._data, lambda a: K.avg_pool_backward(a, x_shape, ks, st, pd, ceil_mode,
                                                            cip, div, out))
    return _linear(grad, g, f"AvgPool{k}DBackwardBackward0", lambda gg: _avg_again(gg, geom, k))


def _avg_again(gg, geom, k):
    x_shape, ks, st, pd, ceil_mode, cip, div, out = geom
    K = _kernels(gg)
    y = _in_float(gg._data, lambda a: K.avg_pool(a, ks, st, pd, ceil_mode, cip, div)[0])
    return _linear(gg, y, f"AvgPool{k}DBackward0", lambda g: _avg_scatter(g, geom, k))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling over (N, C, L) or (C, L)."""
    _need_tensor(input, "avg_pool1d")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "avg_pool1d)")
    ks = _param(kernel_size, 1, "kernel_size must be an int or int list of size 1",
                "avg_pool1d")
    st = _param(stride, 1, "stride must be an int or int list of size 1", "avg_pool1d",
                default=ks)
    pd = _param(padding, 1, "padding must be an int or int list of size 1", "avg_pool1d")
    r = _avg_pool(input.unsqueeze(-2), (1,) + ks, (1,) + st, (0,) + pd, ceil_mode,
                  count_include_pad, None, 2)
    return r.squeeze(-2)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling over (N, C, H, W) or (C, H, W).

    Windows are clipped to the zero-padded input; the divisor is their size counting the
    padding (``count_include_pad``) or not, or ``divisor_override``.
    """
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling over (N, C, D, H, W) or (C, D, H, W)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 3)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """Power-average pooling: (sum over the window of x^p)^(1/p)."""
    from .pointwise import abs as _abs
    from .pointwise import relu, sign
    if norm_type == math.inf:
        return max_pool1d(_abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool1d(-_abs(input), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(_abs(out))).mul(kernel_size).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-D power-average pooling: (sum over the window of x^p)^(1/p)."""
    from .pointwise import abs as _abs
    from .pointwise import relu, sign
    kw, kh = (kernel_size, kernel_size) if _is_int(kernel_size) else tuple(kernel_size)
    if norm_type == math.inf:
        return max_pool2d(_abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool2d(-_abs(input), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(_abs(out))).mul(kw * kh).pow(1.0 / norm_type)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-D power-average pooling."""
    from .pointwise import abs as _abs
    from .pointwise import relu, sign
    kd, kw, kh = (kernel_size,) * 3 if _is_int(kernel_size) else tuple(kernel_size)
    if norm_type == math.inf:
        return max_pool3d(_abs(input), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool3d(-_abs(input), kernel_size, stride, 0, 1, ceil_mode)
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return (sign(out) * relu(_abs(out))).mul(kd * kw * kh).pow(1.0 / norm_type)


# -- adaptive pooling ------------------------------------------------------------------------
def _adaptive_size(output_size, x, k, name):
    if _is_int(output_size):
        out = (int(output_size),) * k
    else:
        out = tuple(output_size)
        if len(out) != k:
            if k == 1:
                raise RuntimeError(f"{name}() argument 'output_size' should contain one int "
                                   f"(got {len(out)})")
            raise RuntimeError(f"{name}: output_size must be {k}")
    return tuple(x.shape[-k + i] if o is None else int(o) for i, o in enumerate(out))


def _adaptive_checks(input, k, name, maxpool=False):
    x = input._data
    if x.ndim not in (k + 1, k + 2):
        sep = ": " if maxpool else " "
        raise RuntimeError(f"{name}(): Expected {k + 1}D or {k + 2}D tensor, but got"
                           f"{sep}{list(x.shape)}")
    for i in range(x.ndim - k, x.ndim):
        if x.shape[i] == 0:
            raise RuntimeError(f"{name}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but input has sizes {list(x.shape)} with dimension "
                               f"{i} being empty")
    if x.dtype.kind not in "f" and x.dtype not in _LOWP:
        raise NotImplementedError(f"\"{name}\" not implemented for '{_legacy(input)}'")


def _windows(K, size, out):
    return [K.adaptive_windows(n, o) for n, o in zip(size, out)]


def _adaptive_taps(K, size, out):
    """Per dim: the windows as taps (index, mask) padded to the longest, and the counts."""
    taps, counts = [], []
    for n, o in zip(size, out):
        start, end = K.adaptive_windows(n, o)
        kmax = int((end - start).max()) if o else 0
        taps.append([(np.minimum(start + j, end - 1), (start + j) < end) for j in range(kmax)])
        counts.append(end - start)
    return taps, counts


def _adaptive_avg(input, output_size, k):
    name = f"adaptive_avg_pool{k}d"
    _need_tensor(input, name)
    _adaptive_checks(input, k, name)
    x = input._data
    out = _adaptive_size(output_size, x, k, name)
    if all(o == 1 for o in out) and k == 2:
        return input.mean(tuple(range(-k, 0)), keepdim=True)
    K = _kernels(input)
    size = x.shape[-k:]
    axes = tuple(range(x.ndim - k, x.ndim))
    taps, counts = _adaptive_taps(K, size, out)

    def forward(a):
        for ax, tp, cnt in sorted(zip(axes, taps, counts), key=lambda t: -t[0]):
            acc = np.zeros(a.shape[:ax] + (len(cnt),) + a.shape[ax + 1:], a.dtype)
            for idx, valid in tp:
                v = np.take(a, idx, axis=ax)
                shape = (-1,) + (1,) * (a.ndim - 1 - ax)
                acc += np.where(valid.reshape(shape), v, 0)
            a = acc
        for ax, cnt in zip(axes, counts):
            a /= cnt.reshape((-1,) + (1,) * (a.ndim - 1 - ax)).astype(a.dtype)
        return a

    mats = [_avg_matrix(K, n, o) for n, o in zip(size, out)]
    y = _in_float(x, forward)
    return _linear(input, y, f"AdaptiveAvgPool{k}DBackward0",
                   lambda g: _separable_adjoint(g, mats, axes, forward,
                                                f"AdaptiveAvgPool{k}DBackwardBackward0",
                                                f"AdaptiveAvgPool{k}DBackward0"))


def _avg_matrix(K, n, o):
    start, end = K.adaptive_windows(n, o)
    cols = np.arange(n)
    inside = (cols >= start[:, None]) & (cols < end[:, None])
    return inside / (end - start)[:, None]


def _separable_adjoint(grad, mats, axes, forward, name, fwd_name):
    """The adjoint of a separable resampling (per-axis matrices), recorded so that its own
    backward is the resampling again."""
    K = _kernels(grad)
    g = _in_float(grad._data, lambda a: K.separable_adjoint(a, mats, axes))
    return _linear(grad, g, name, lambda gg: _separable_again(gg, mats, axes, forward, name,
                                                              fwd_name))


def _separable_again(gg, mats, axes, forward, name, fwd_name):
    y = _in_float(gg._data, forward)
    return _linear(gg, y, fwd_name, lambda g: _separable_adjoint(g, mats, axes, forward, name,
                                                                 fwd_name))


def adaptive_avg_pool1d(input, output_size):
    """Averages (N, C, L) or (C, L) over ``output_size`` windows spanning the input."""
    _need_tensor(input, "adaptive_avg_pool1d")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "adaptive_avg_pool1d)")
    if not _is_int(output_size):
        if len(output_size) != 1:
            raise RuntimeError("adaptive_avg_pool1d() argument 'output_size' should contain one "
                               f"int (got {len(output_size)})")
        output_size = output_size[0]
    return _adaptive_avg(input.unsqueeze(-2), (1, output_size), 2).squeeze(-2)


def adaptive_avg_pool2d(input, output_size):
    """Averages (N, C, H, W) or (C, H, W) over windows [floor(i*H/oH), ceil((i+1)*H/oH)); a
    None size keeps the input's. A 1x1 output is a mean (MeanBackward1, as in PyTorch)."""
    return _adaptive_avg(input, output_size, 2)


def adaptive_avg_pool3d(input, output_size):
    """Adaptive average pooling over the last 3 dims."""
    return _adaptive_avg(input, output_size, 3)


def _adaptive_max(input, output_size, return_indices, k):
    name = f"adaptive_max_pool{k}d"
    _need_tensor(input, name)
    _adaptive_checks(input, k, name, maxpool=True)
    x = input._data
    out = _adaptive_size(output_size, x, k, name)
    K = _kernels(input)
    if x.dtype in _LOWP:
        m, idx = K.adaptive_max_pool(x.astype(np.float32), out)
        m = m.astype(x.dtype)
    else:
        m, idx = K.adaptive_max_pool(x, out)
    size = x.shape[-k:]
    result = _linear(input, m, f"AdaptiveMaxPool{k}DBackward0",
                     lambda g: _plane_scatter(g, idx, size, k), save_input=True)
    if return_indices:
        return result, wrap(idx, input._device)
    return result


def _plane_scatter(grad, idx, size, k):
    """Gradient of a gather at flat per-plane indices: added back at those places."""
    K = _kernels(grad)
    g = _in_float(grad._data, lambda a: K.scatter_planes(a, idx, size))
    return _linear(grad, g, f"AdaptiveMaxPool{k}DBackwardBackward0",
                   lambda gg: _plane_gather(gg, idx, size, k))


def _plane_gather(gg, idx, size, k):
    K = _kernels(gg)
    return _linear(gg, K.gather_planes(gg._data, idx, k), f"AdaptiveMaxPool{k}DBackward0",
                   lambda g: _plane_scatter(g, idx, size, k))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive max pooling of (N, C, L) or (C, L); optionally with argmax indices."""
    _need_tensor(input, "adaptive_max_pool1d")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"Expected 2 to 3 dimensions, but got {input.dim()}-dimensional "
                           "tensor for argument #1 'self' (while checking arguments for "
                           "adaptive_max_pool1d)")
    if not _is_int(output_size):
        output_size = output_size[0]
    r = _adaptive_max(input.unsqueeze(-2), (1, output_size), return_indices, 2)
    if return_indices:
        return r[0].squeeze(-2), r[1].squeeze(-2)
    return r.squeeze(-2)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive max pooling of (N, C, H, W) or (C, H, W); optionally with argmax indices."""
    return _adaptive_max(input, output_size, return_indices, 2)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Adaptive max pooling over the last 3 dims."""
    return _adaptive_max(input, output_size, return_indices, 3)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool1d(input, output_size, True)


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool2d(input, output_size, True)


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=True):
    return adaptive_max_pool3d(input, output_size, True)


# -- max_unpool ------------------------------------------------------------------------------
def _unpool_output_size(input, kernel_size, stride, padding, output_size):
    k = len(kernel_size)
    size = input.shape
    default = [(size[-k + d] - 1) * stride[d] + kernel_size[d] - 2 * padding[d]
               for d in range(k)]
    if output_size is None:
        return default
    output_size = list(output_size)
    if len(output_size) == k + 2:
        output_size = output_size[2:]
    if len(output_size) != k:
        raise ValueError(f"output_size should be a sequence containing {k} or {k + 2} elements, "
                         f"but it has a length of '{len(output_size)}'")
    for d in range(k):
        lo, hi = default[d] - stride[d], default[d] + stride[d]
        if not lo < output_size[d] < hi:
            raise ValueError(f'invalid output_size "{tuple(output_size)}" (dim {d} must be '
                             f'between {lo} and {hi})')
    return output_size


def _max_unpool(input, indices, out_size, k):
    x, idx = input._data, indices._data
    if idx.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: "
                           f"{_legacy(indices)}")
    if idx.shape != x.shape:
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(x.shape)}) but got indices tensor with shape: "
                           f"{list(idx.shape)}")
    plane = 1
    for s in out_size:
        plane *= s
    bad = (idx < 0) | (idx >= plane)
    if bad.any():
        raise RuntimeError(f"Found an invalid max index: {int(idx[bad].flat[0])} (output "
                           f"volumes are of size {'x'.join(map(str, out_size))})")
    K = _kernels(input)
    y = K.put_planes(x, idx, tuple(out_size))
    return _linear(input, y, f"MaxUnpool{k}DBackward0",
                   lambda g: _unpool_gather(g, idx, tuple(out_size), k))


def _unpool_gather(grad, idx, size, k):
    K = _kernels(grad)
    return _linear(grad, K.gather_planes(grad._data, idx, k),
                   f"MaxUnpool{k}DBackwardBackward0",
                   lambda gg: _unpool_put(gg, idx, size, k))


def _unpool_put(gg, idx, size, k):
    K = _kernels(gg)
    return _linear(gg, K.put_planes(gg._data, idx, size), f"MaxUnpool{k}DBackward0",
                   lambda g: _unpool_gather(g, idx, size, k))


def _unpool_params(kernel_size, stride, padding, k):
    ks = _param(kernel_size, k, "", "max_unpool")
    st = ks if stride is None else _param(stride, k, "", "max_unpool")
    return ks, st, _param(padding, k, "", "max_unpool")


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool1d: values put back at their indices, zeros elsewhere."""
    ks, st, pd = _unpool_params(kernel_size, stride, padding, 1)
    out = _unpool_output_size(input, ks, st, pd, output_size)
    return _max_unpool(input.unsqueeze(-1), indices.unsqueeze(-1), list(out) + [1],
                       2).squeeze(-1)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: values put back at their indices, zeros elsewhere."""
    ks, st, pd = _unpool_params(kernel_size, stride, padding, 2)
    return _max_unpool(input, indices, _unpool_output_size(input, ks, st, pd, output_size), 2)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool3d."""
    ks, st, pd = _unpool_params(kernel_size, stride, padding, 3)
    return _max_unpool(input, indices, _unpool_output_size(input, ks, st, pd, output_size), 3)


# -- interpolate -----------------------------------------------------------------------------
# Note [Interpolation index math]
# Source positions follow PyTorch's CPU kernels (UpSample.h, UpSampleKernel.cpp), rounding
# as they round, so that the same pixels are picked (checked over sweeps of sizes/factors):
#   scale = 1 / scale_factor when a factor is used, else in / out; with align_corners,
#           (in - 1) / (out - 1) (0 for out == 1). "opmath" is float32 for float32/16 and
#           float64 for float64 inputs.
#   nearest, 2-d:    nearest_idx: out == in copies, out == 2 * in halves, else
#                    min(floor(dst * scale), in - 1) in float32
#   nearest-exact, 2-d: min(floor((dst + 0.5) * scale), in - 1) in float32
#   nearest, 1-d/3-d (the generic kernel): floor of dst * scale (opmath) rounded to float32
#   nearest-exact, 1-d/3-d: floor(max(scale * (dst + 0.5) - 0.5, 0) + 0.5), same rounding
#   linear:  real = align ? scale * dst : max(scale * (dst + 0.5) - 0.5, 0);
#            i0 = min(floor(real), in - 1), l1 = clamp(real - i0, 0, 1), i1 = i0 + (i0 < in - 1)
#            (out == in copies)
#   cubic:   real as linear without the clamp at 0; taps i0 - 1 .. i0 + 2 clamped into the
#            input, weights of the cubic convolution with A = -0.75.
# scale * (dst + 0.5) - 0.5 is one FMA in PyTorch's compiled code, so it is rounded once here
# too (_fma_half). The resampling is separable: each axis is gathered and weighted in turn,
# last axis first, which is PyTorch's h0 * (w0 * x00 + w1 * x01) + h1 * (...) in its order;
# the values agree to float rounding (PyTorch's blends use FMAs).

_MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_UP_NAMES = {"nearest": "UpsampleNearest{k}DBackward0",
             "nearest-exact": "UpsampleNearestExact{k}DBackward0",
             "linear": "UpsampleLinear1DBackward0", "bilinear": "UpsampleBilinear2DBackward0",
             "trilinear": "UpsampleTrilinear3DBackward0",
             "bicubic": "UpsampleBicubic2DBackward0"}


def _scale(n_in, n_out, align_corners, scale, ft):
    if align_corners:
        return ft(n_in - 1) / ft(n_out - 1) if n_out > 1 else ft(0)
    if scale is not None and scale > 0:
        return ft(1.0 / scale)
    return ft(n_in) / ft(n_out)


def _fma_half(s, dst, ft):
    """s * (dst + 0.5) - 0.5 rounded once, as PyTorch's compiled kernels compute it (an FMA;
    exact in float64 for float32 operands)."""
    h = dst.astype(ft) + ft(0.5)
    if ft is np.float32:
        return (np.float64(s) * h.astype(np.float64) - 0.5).astype(np.float32)
    return s * h - ft(0.5)


def _taps(mode, n_in, n_out, align_corners, scale, ft, k):
    """[(index, weight or None)] of one axis (Note [Interpolation index math])."""
    dst = np.arange(n_out)
    if mode == "nearest" and k == 2:  # nearest_idx: float math, two exact special cases
        if n_out == n_in:
            return [(dst, None)]
        if n_out == 2 * n_in:
            return [(dst >> 1, None)]
        s = _scale(n_in, n_out, False, scale, np.float32)
        src = np.floor(dst.astype(np.float32) * s)
        return [(np.minimum(src.astype(np.int64), n_in - 1), None)]
    if mode == "nearest-exact" and k == 2:
        s = _scale(n_in, n_out, False, scale, np.float32)
        src = np.floor((dst.astype(np.float32) + np.float32(0.5)) * s)
        return [(np.minimum(src.astype(np.int64), n_in - 1), None)]
    s = _scale(n_in, n_out, align_corners, scale, ft)
    if mode == "nearest":  # the generic kernel: opmath math, floorf
        src = np.floor((dst.astype(ft) * s).astype(np.float32))
        return [(np.minimum(src.astype(np.int64), n_in - 1), None)]
    if mode == "nearest-exact":
        real = np.maximum(_fma_half(s, dst, ft), ft(0)) + ft(0.5)
        src = np.floor(real.astype(np.float32))
        return [(np.minimum(src.astype(np.int64), n_in - 1), None)]
    if mode == "bicubic":
        real = dst.astype(ft) * s if align_corners else _fma_half(s, dst, ft)
        i0 = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
        t = np.clip(real - i0.astype(ft), ft(0), ft(1)).astype(ft)
        a = ft(-0.75)

        def conv1(x):
            return ((a + 2) * x - (a + 3)) * x * x + 1

        def conv2(x):
            return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
        ws = [conv2(t + 1), conv1(t), conv1(1 - t), conv2(2 - t)]
        return [(np.clip(i0 - 1 + j, 0, n_in - 1), ws[j].astype(ft)) for j in range(4)]
    # linear family
    if n_out == n_in:
        return [(dst, np.ones(n_out, ft)), (dst, np.zeros(n_out, ft))]
    if align_corners:
        real = dst.astype(ft) * s
    else:
        real = np.maximum(_fma_half(s, dst, ft), ft(0))
    i0 = np.minimum(np.floor(real).astype(np.int64), n_in - 1)
    l1 = np.clip(real - i0.astype(ft), ft(0), ft(1)).astype(ft)
    l0 = (ft(1) - l1).astype(ft)
    i1 = i0 + (i0 < n_in - 1)
    return [(i0, l0), (i1, l1)]


def _upsample(input, out, scales, mode, align_corners, k):
    x = input._data
    if any(o <= 0 for o in out) or any(n <= 0 for n in x.shape[2:]):
        names = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}[k]
        ins = ", ".join(f"{n}: {v}" for n, v in zip(names, x.shape[2:]))
        outs = ", ".join(f"{n}: {v}" for n, v in zip(names, out))
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({ins}) output ({outs})")
    if x.dtype.kind not in "f" and x.dtype not in _LOWP:
        kind = "nearest" if mode == "nearest" else mode.replace("-", "_")
        if mode == "nearest-exact":
            kind = "_nearest_exact"
        raise NotImplementedError(f"\"upsample_{kind}{k}d_channels_last\" not implemented for "
                                  f"'{_legacy(input)}'")
    ft = np.float64 if x.dtype == np.float64 else np.float32
    size = x.shape[2:]
    taps = [_taps(mode, n, o, align_corners, s, ft, k) for n, o, s in zip(size, out, scales)]
    axes = tuple(range(2, 2 + k))
    K = _kernels(input)

    def forward(a):
        return K.separable(a, taps, axes)

    mats = [K.separable_matrix(tp, n) for tp, n in zip(taps, size)]
    y = _in_float(x, forward)
    name = _UP_NAMES[mode].format(k=k)
    return _linear(input, np.ascontiguousarray(y), name,
                   lambda g: _separable_adjoint(g, mats, axes, forward,
                                                name.replace("Backward0", "BackwardBackward0"),
                                                name))


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resamples (N, C, *S) to ``size`` or ``scale_factor`` times S.

    Modes: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' and 'bicubic' (4-D),
    'trilinear' (5-D), 'area' (adaptive average pooling). Pixel positions follow PyTorch's
    index math exactly (Note [Interpolation index math]).
    """
    _need_tensor(input, "interpolate")
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scales = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got "
                    f"input with spatial dimensions of {list(input.shape[2:])} and output size "
                    f"of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) format "
                    "and output size in (o1, o2, ...,oK) format.")
            if not all(_is_int(s) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] "
                                "or Tuple[int, int, int], but got size with types "
                                f"{[type(s) for s in size]}")
            out = [int(s) for s in size]
        else:
            out = [int(size)] * dim
    elif scale_factor is not None:
        out = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, "
                    "C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scales = [float(s) for s in scale_factor]
        else:
            scales = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and out is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        out = [int(math.floor(input.shape[i + 2] * scales[i])) for i in range(dim)]
        scales = None
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported by torcia")
    if out is None:
        out = [int(input.shape[i + 2] * scales[i]) for i in range(dim)]
    if scales is None:
        scales = [None] * dim
    nd = input.dim()
    if mode in ("nearest", "nearest-exact") and nd in (3, 4, 5):
        return _upsample(input, out, scales, mode, None, nd - 2)
    if mode == "area" and nd in (3, 4, 5):
        return (adaptive_avg_pool1d, adaptive_avg_pool2d, adaptive_avg_pool3d)[nd - 3](input,
                                                                                       out)
    ok = {("linear", 3), ("bilinear", 4), ("trilinear", 5), ("bicubic", 4)}
    if (mode, nd) in ok:
        return _upsample(input, out, scales, mode, align_corners, nd - 2)
    need = {"linear": 3, "bilinear": 4, "trilinear": 5, "bicubic": 4}
    if mode in need and nd in (3, 4, 5):
        raise NotImplementedError(f"Got {nd}D input, but {mode} mode needs {need[mode]}D input")
    raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got "
                              f"{nd}D) for the modes: nearest | linear | bilinear | bicubic | "
                              f"trilinear | lanczos | area | nearest-exact (got {mode})")


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated form of ``interpolate``."""
    import warnings
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` "
                  "instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    import warnings
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    import warnings
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)

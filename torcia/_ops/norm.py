"""Normalization ops: batch_norm, layer_norm, group_norm, instance_norm, rms_norm and
local_response_norm, with PyTorch's functional signatures (``torch.nn.functional``).

batch_norm, layer_norm and group_norm are one node each (NativeBatchNormBackward0, ...), as
in PyTorch; instance_norm, rms_norm and local_response_norm are compositions, as there.
See Note [Normalization backward] for how the derivatives stay twice differentiable.
"""

import numbers

import numpy as np

from .. import _dtype
from ..autograd import grad_mode
from ._core import Node, Tensor, _write, record, requires_grad, wrap

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
           "local_response_norm"]

_LOW = (np.dtype(_dtype.float16.np), np.dtype(_dtype.bfloat16.np))


# Note [Normalization backward]
# With xhat = (x - mean) * invstd over the reduced axes and g the output gradient times the
# weight, the input gradient is
#     invstd * (g - mean(g) - xhat * mean(g * xhat)),
# written with Tensor ops so that create_graph=True records it. Backward normally uses the
# mean and invstd the forward saved; when a graph of the backward is recorded it recomputes
# them from the input with Tensor ops, so the second derivative sees their dependence on the
# input (PyTorch has a separate double-backward formula for the same purpose).
def _input_grad(g, xhat, invstd, axes):
    return (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * invstd


def _stats(x, axes, eps):
    """Differentiable mean and 1/sqrt(biased var + eps) over ``axes`` (kept)."""
    mean = x.mean(axes, keepdim=True)
    d = x - mean
    return mean, ((d * d).mean(axes, keepdim=True) + eps).rsqrt()


def _compute_dtype(a):
    """The array dtype the statistics are computed in: float32 for half types."""
    return np.dtype(np.float32) if a.dtype in _LOW else a.dtype


def _check_float(input, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if input._data.dtype.kind not in "f" and input._data.dtype not in _LOW:
        raise NotImplementedError(f'"{name}" not implemented for '
                                  f"'{_dtype.from_np[input._data.dtype]._legacy}'")


def _vec(t, name, n):
    """The array of an optional per-channel tensor, checked to hold ``n`` elements."""
    if t is None:
        return None
    if t._data.size != n:
        raise RuntimeError(f"{name} should contain {n} elements not {t._data.size}")
    return t._data.reshape(n)


# -- batch_norm ------------------------------------------------------------------------------
class NativeBatchNormBackward0(Node):
    def backward(self, grad):
        x, weight, mean, invstd = self.saved_tensors
        need = self.needs_input_grad
        shape, axes = self.shape, self.axes
        if self.training and grad_mode.state.enabled:
            mean, invstd = _stats(x, axes, self.eps)
        else:
            mean, invstd = mean.view(shape), invstd.view(shape)
        xhat = (x - mean) * invstd
        gi = gw = gb = None
        if need[0]:
            g = grad if weight is None else grad * weight.view(shape)
            gi = _input_grad(g, xhat, invstd, axes) if self.training else g * invstd
        if need[1]:
            gw = (grad * xhat).sum(axes)
        if need[2]:
            gb = grad.sum(axes)
        return gi, gw, gb


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    r"""Batch normalization over the channel dim 1 of an (N, C, *) input.

    In training, normalizes with the batch's statistics and updates ``running_mean`` and
    ``running_var`` in place (``(1 - momentum) * running + momentum * batch``, the variance
    unbiased); otherwise normalizes with the running statistics.
    """
    _check_float(input, "batch_norm")
    if training:
        _verify_batch_size(input.shape)
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum,
                       eps)[0]


def _batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """ATen's batch norm (no check of the batch size): the output, the batch mean and
    1/std as arrays (or None in evaluation)."""
    _check_float(input, "batch_norm")
    a = input._data
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    c = a.shape[1] if a.ndim > 1 else 0
    rm = _vec(running_mean, "running_mean", c)
    rv = _vec(running_var, "running_var", c)
    w = _vec(weight, "weight", c)
    b = _vec(bias, "bias", c)
    if a.dtype not in _LOW:
        for t in (weight, bias, running_mean, running_var):
            if t is not None and t._data.dtype != a.dtype:
                raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    axes = (0,) + tuple(range(2, a.ndim))
    shape = (1, c) + (1,) * (a.ndim - 2)
    ct = _compute_dtype(a)
    x = a.astype(ct, copy=False)
    if training:
        mean = x.mean(axis=axes)
        var = x.var(axis=axes)
        if a.dtype in _LOW and (weight is None or weight._data.dtype in _LOW):
            # PyTorch keeps the batch mean in the parameters' dtype and normalizes with that
            # rounded value (which matters when a channel's values are nearly equal)
            mean = mean.astype(a.dtype).astype(ct)
        if rm is not None or rv is not None:
            _update_running(running_mean, running_var, mean, var, a.size // max(c, 1),
                            momentum)
    else:
        if rm is None or rv is None:
            raise RuntimeError(f"running_{'mean' if rm is None else 'var'} must be defined in "
                               "evaluation mode")
        mean, var = rm.astype(ct), rv.astype(ct)
    invstd = (1 / np.sqrt(var + ct.type(eps))).astype(ct)
    alpha = invstd if w is None else invstd * w
    beta = -mean * alpha if b is None else b - mean * alpha
    y = x * alpha.reshape(shape)
    y += beta.reshape(shape)
    result = wrap(y.astype(a.dtype, copy=False), input._device)
    if requires_grad(input, weight, bias):
        node = record(NativeBatchNormBackward0, (input, weight, bias), (result,))
        node.save(input, weight, wrap(mean.astype(ct, copy=False), input._device),
                  wrap(invstd, input._device))
        node.training, node.eps, node.axes, node.shape = bool(training), eps, axes, shape
    return (result, mean, invstd) if training else (result, None, None)


def _update_running(running_mean, running_var, mean, var, n, momentum):
    """PyTorch's running-statistics update (computed in float64, stored in place)."""
    m = float(momentum)
    if running_mean is not None:
        rm = running_mean._data
        new = m * mean.astype(np.float64) + (1 - m) * rm.astype(np.float64).reshape(mean.shape)
        _write(running_mean, wrap(new.astype(rm.dtype).reshape(rm.shape)))
    if running_var is not None:
        rv = running_var._data
        unbiased = var.astype(np.float64) * (n / (n - 1))  # n > 1: checked in training
        new = m * unbiased + (1 - m) * rv.astype(np.float64).reshape(var.shape)
        _write(running_var, wrap(new.astype(rv.dtype).reshape(rv.shape)))


def _verify_batch_size(size):
    n = size[0] if len(size) else 1
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError("Expected more than 1 value per channel when training, got input size "
                         f"{size}")


# -- layer_norm ------------------------------------------------------------------------------
class NativeLayerNormBackward0(Node):
    def backward(self, grad):
        x, weight, mean, rstd = self.saved_tensors
        need = self.needs_input_grad
        axes = self.axes
        if grad_mode.state.enabled:
            mean, rstd = _stats(x, axes, self.eps)
        xhat = (x - mean) * rstd
        lead = tuple(range(x.dim() - len(axes)))
        gi = gw = gb = None
        if need[0]:
            g = grad if weight is None else grad * weight
            gi = _input_grad(g, xhat, rstd, axes)
        if need[1]:
            gw = (grad * xhat).sum(lead) if lead else grad * xhat
        if need[2]:
            gb = grad.sum(lead) if lead else grad
        return gi, gw, gb


def _normalized_shape(normalized_shape, fn):
    if isinstance(normalized_shape, numbers.Integral):
        raise TypeError(f"{fn}(): argument 'normalized_shape' (position 2) must be tuple of "
                        f"ints, not {type(normalized_shape).__name__}")
    return tuple(int(s) for s in normalized_shape)


def _check_normalized(input, shape, weight, bias, star="*, "):
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but "
                               f"got {name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(shape)}")
    dims = tuple(input.shape)
    if len(dims) < len(shape) or dims[len(dims) - len(shape):] != shape:
        want = ", ".join(str(s) for s in shape)
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[{star}{want}], but got input of size{list(dims)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    r"""Layer normalization over the last ``len(normalized_shape)`` dims, with an optional
    elementwise affine ``weight``/``bias`` of shape ``normalized_shape``."""
    _check_float(input, "layer_norm")
    shape = _normalized_shape(normalized_shape, "layer_norm")
    _check_normalized(input, shape, weight, bias)
    a = input._data
    ct = _compute_dtype(a)
    x = a.astype(ct, copy=False)
    axes = tuple(range(a.ndim - len(shape), a.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    y = x - mean
    rstd = (1 / np.sqrt((y * y).mean(axis=axes, keepdims=True) + ct.type(eps))).astype(ct)
    y *= rstd
    if weight is not None:
        y *= weight._data
    if bias is not None:
        y += bias._data
    result = wrap(y.astype(a.dtype, copy=False), input._device)
    if requires_grad(input, weight, bias):
        node = record(NativeLayerNormBackward0, (input, weight, bias), (result,))
        node.save(input, weight, wrap(mean, input._device), wrap(rstd, input._device))
        node.axes, node.eps = axes, eps
    return result


# -- group_norm ------------------------------------------------------------------------------
class NativeGroupNormBackward0(Node):
    def backward(self, grad):
        x, weight, mean, rstd = self.saved_tensors
        need = self.needs_input_grad
        n, c, g = x.shape[0], x.shape[1], self.groups
        xs = x.reshape(n, g, -1)
        if grad_mode.state.enabled:
            mean, rstd = _stats(xs, (2,), self.eps)
        xhat = ((xs - mean) * rstd).reshape(x.shape)
        shape = (1, c) + (1,) * (x.dim() - 2)
        axes = (0,) + tuple(range(2, x.dim()))
        gi = gw = gb = None
        if need[0]:
            gx = grad if weight is None else grad * weight.view(shape)
            gi = _input_grad(gx.reshape(n, g, -1), xhat.reshape(n, g, -1), rstd, (2,))
            gi = gi.reshape(x.shape)
        if need[1]:
            gw = (grad * xhat).sum(axes)
        if need[2]:
            gb = grad.sum(axes)
        return gi, gw, gb


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    r"""Group normalization: the channels of an (N, C, *) input split into ``num_groups``
    groups, each normalized over its channels and positions; per-channel affine."""
    _check_float(input, "group_norm")
    a = input._data
    if a.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{a.ndim}")
    _verify_batch_size([a.shape[0] * a.shape[1] // num_groups, num_groups] + list(a.shape[2:]))
    return _group_norm(input, num_groups, weight, bias, eps)


def _group_norm(input, num_groups, weight, bias, eps):
    _check_float(input, "group_norm")
    a = input._data
    n, c = a.shape[0], a.shape[1]
    if c % num_groups:
        raise RuntimeError("Expected number of channels in input to be divisible by "
                           f"num_groups, but got input of shape {list(a.shape)} and "
                           f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t._data.ndim != 1 or t._data.size != c):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} "
                               f"and input of shape {list(a.shape)}")
    ct = _compute_dtype(a)
    xs = a.astype(ct, copy=False).reshape(n, num_groups, -1)
    mean = xs.mean(axis=2, keepdims=True)
    y = xs - mean
    rstd = (1 / np.sqrt((y * y).mean(axis=2, keepdims=True) + ct.type(eps))).astype(ct)
    y *= rstd
    y = y.reshape(a.shape)
    shape = (1, c) + (1,) * (a.ndim - 2)
    if weight is not None:
        y *= weight._data.reshape(shape)
    if bias is not None:
        y += bias._data.reshape(shape)
    result = wrap(y.astype(a.dtype, copy=False), input._device)
    if requires_grad(input, weight, bias):
        node = record(NativeGroupNormBackward0, (input, weight, bias), (result,))
        node.save(input, weight, wrap(mean, input._device), wrap(rstd, input._device))
        node.groups, node.eps = num_groups, eps
    return result


# -- compositions ----------------------------------------------------------------------------
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    r"""Instance normalization: each (sample, channel) of an (N, C, *) input normalized over
    its positions. As in PyTorch, a batch_norm of the input viewed as (1, N*C, *)."""
    if use_input_stats:
        _verify_spatial_size(input.shape)
    return _instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                          momentum, eps)


def _instance_norm(input, weight, bias, running_mean, running_var, use_input_stats, momentum,
                   eps):
    if not use_input_stats and (running_mean is None or running_var is None):
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false")
    shape = tuple(input.shape)
    n, c = shape[0], shape[1]

    def rep(t):
        return None if t is None else t.repeat(n)
    rm, rv = rep(running_mean), rep(running_var)
    out = _batch_norm(input.contiguous().view((1, n * c) + shape[2:]), rep(weight), rep(bias),
                      rm, rv, use_input_stats, momentum, eps)[0]
    with grad_mode.no_grad():
        if running_mean is not None:
            running_mean.copy_(rm.view(n, c).mean(0))
        if running_var is not None:
            running_var.copy_(rv.view(n, c).mean(0))
    return out.view(shape)


def _verify_spatial_size(size):
    n = 1
    for s in size[2:]:
        n *= s
    if n == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{size}")


def rms_norm(input, normalized_shape, weight=None, eps=None):
    r"""Root-mean-square normalization over the last ``len(normalized_shape)`` dims:
    ``input * rsqrt(mean(input**2) + eps) * weight``; ``eps`` defaults to the dtype's
    machine epsilon. Composed of Tensor ops, as PyTorch's CPU version."""
    _check_float(input, "rms_norm")
    shape = _normalized_shape(normalized_shape, "rms_norm")
    _check_normalized(input, shape, weight, None, star="*")
    if eps is None:
        eps = _dtype.finfo(input.dtype).eps
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    x = input.float() if input._data.dtype in _LOW else input
    result = x * x.pow(2).mean(dims, keepdim=True).add(eps).rsqrt()
    if x is not input:
        result = result.type_as(input)
    return result if weight is None else result * weight


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    r"""Local response normalization across channels (dim 1): ``input / (k + alpha *
    mean of input**2 over a window of size channels) ** beta``, zero-padded as PyTorch."""
    dim = input.dim()
    if dim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality                          input "
                         f"(got {dim} dimensions)")
    if input.numel() == 0:
        return input
    from .shape import cat
    sq = input.mul(input)
    shape = tuple(input.shape)
    pad_front, pad_back = size // 2, (size - 1) // 2
    parts = []
    if pad_front:
        parts.append(sq.new_zeros((shape[0], pad_front) + shape[2:]))
    parts.append(sq)
    if pad_back:
        parts.append(sq.new_zeros((shape[0], pad_back) + shape[2:]))
    padded = cat(parts, 1) if len(parts) > 1 else sq
    c = shape[1]
    window = padded.narrow(1, 0, c)
    for i in range(1, size):
        window = window + padded.narrow(1, i, c)
    div = (window / size).mul(alpha).add(k).pow(beta)
    return input / div


# -- torch-level forms: torch.batch_norm(input, weight, bias, running_mean, ...) -----------------
# ATen's signatures: the per-channel tensors come first, every argument is positional, and
# the checks torch.nn.functional adds in Python (more than one value per channel when
# training) are not made.
def _torch_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps,
                      cudnn_enabled):
    """``torch.batch_norm``: :func:`batch_norm` with ATen's argument order."""
    return _batch_norm(input, weight, bias, running_mean, running_var, training, momentum,
                       eps)[0]


def _torch_instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                         momentum, eps, cudnn_enabled):
    """``torch.instance_norm``: :func:`instance_norm` with ATen's argument order."""
    return _instance_norm(input, weight, bias, running_mean, running_var, use_input_stats,
                          momentum, eps)


def _torch_layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5,
                      cudnn_enable=True):
    """``torch.layer_norm``: :func:`layer_norm` (``cudnn_enable`` is ignored)."""
    return layer_norm(input, normalized_shape, weight, bias, eps)


def _torch_group_norm(input, num_groups, weight=None, bias=None, eps=1e-5, cudnn_enabled=True):
    """``torch.group_norm``: :func:`group_norm` without the batch-size check."""
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    return _group_norm(input, num_groups, weight, bias, eps)


def native_layer_norm(input, normalized_shape, weight, bias, eps):
    """``torch.native_layer_norm``: the output of :func:`layer_norm` with the mean and 1/std
    it normalized by (shaped to broadcast against the input; not differentiable)."""
    out = layer_norm(input, normalized_shape, weight, bias, eps)
    a = input._data
    ct = _compute_dtype(a)
    axes = tuple(range(a.ndim - len(_normalized_shape(normalized_shape, "native_layer_norm")),
                       a.ndim))
    x = a.astype(ct, copy=False)
    mean = x.mean(axis=axes, keepdims=True)
    d = x - mean
    rstd = 1 / np.sqrt((d * d).mean(axis=axes, keepdims=True) + ct.type(eps))
    return (out, wrap(mean.astype(a.dtype), input._device),
            wrap(rstd.astype(a.dtype), input._device))


def native_batch_norm(input, weight, bias, running_mean, running_var, training, momentum, eps):
    """``torch.native_batch_norm``: the output of ``torch.batch_norm`` with the batch mean and
    1/std in training (empty tensors in evaluation; not differentiable)."""
    out, mean, invstd = _batch_norm(input, weight, bias, running_mean, running_var, training,
                                    momentum, eps)
    if mean is None:
        mean = invstd = np.zeros(0, input._data.dtype)
    dt = input._data.dtype
    return (out, wrap(mean.astype(dt), input._device), wrap(invstd.astype(dt), input._device))


def _named(fn, name):
    fn.__name__ = fn.__qualname__ = name
    return fn


TORCH = {"batch_norm": _named(_torch_batch_norm, "batch_norm"),
         "instance_norm": _named(_torch_instance_norm, "instance_norm"),
         "layer_norm": _named(_torch_layer_norm, "layer_norm"),
         "group_norm": _named(_torch_group_norm, "group_norm"),
         "rms_norm": rms_norm, "native_layer_norm": native_layer_norm,
         "native_batch_norm": native_batch_norm}

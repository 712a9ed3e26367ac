"""Activation functions: the ops behind ``torch.nn.functional``'s activations.

Each op is a forward on arrays next to its backward node written with Tensor ops, with
PyTorch's node names and its gradients at the kinks (the ``<=``/``<`` choices below are
PyTorch's). ``relu``, ``sigmoid`` and ``tanh`` live in ``pointwise``, ``softmax`` and
``log_softmax`` in ``reduction``: the functional forms here only call them.

In-place forms (``inplace=True``, ``elu_``...) record the node PyTorch records for them
(``EluBackward1`` saves the result instead of the input); see ``_inplace``.
"""

import math
import warnings

import numpy as np

from .. import _dtype
from .._backend import special as _special
from .._tensor import wrap
from ..autograd.graph import _SavedOutput
from ..random import _check_generator
from . import reduction
from ._core import Node, apply_inplace, grad_enabled, normalize_dim, record, requires_grad
from .indexing import where
from .pointwise import _LOWP, _legacy, _need_tensor, sigmoid, tanh
from .pointwise import relu as _relu
from .random import _uniform_double

__all__ = ["threshold", "threshold_", "relu", "relu_", "relu6", "hardtanh", "hardtanh_", "elu",
           "elu_", "selu", "selu_", "celu", "celu_", "leaky_relu", "leaky_relu_", "prelu",
           "rrelu", "rrelu_", "glu", "gelu", "logsigmoid", "hardshrink", "tanhshrink",
           "softsign", "softplus", "softmin", "softmax", "gumbel_softmax", "log_softmax",
           "softshrink", "tanh", "sigmoid", "hardsigmoid", "silu", "mish", "hardswish"]

METHODS = ["hardshrink", "prelu"]  # also Tensor methods


# -- plumbing -----------------------------------------------------------------------------------
def _float_only(input, name, kernel):
    _need_tensor(input, name, 1, "input")
    if input._data.dtype.kind not in "f" and input._data.dtype not in _LOWP:
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_legacy(input)}'")


def _run(kernel, a):
    """``kernel(a)``, computed in float32 for float16/bfloat16 (PyTorch's opmath type)."""
    if a.dtype in _LOWP:
        return kernel(a.astype(np.float32)).astype(a.dtype)
    r = kernel(a)
    return r if r.dtype == a.dtype else r.astype(a.dtype)


def _op(input, kernel, node_cls, save_result=False, **attrs):
    """Apply array ``kernel`` to ``input``; record ``node_cls`` saving the input (or the
    result) and setting ``attrs`` on the node."""
    result = wrap(_run(kernel, input._data), input._device)
    if node_cls is not None and requires_grad(input):
        node = record(node_cls, (input,), (result,))
        node.save(result if save_result else input)
        if attrs:
            node.__dict__.update(attrs)
    return result


def _inplace(input, compute):
    """Write ``compute(src)`` into ``input``; a node that saved its result saves ``input``
    instead, so a later in-place change of it is caught as PyTorch catches it."""
    holder = []

    def run(src):
        out = compute(src)
        holder.append(out)
        return out
    apply_inplace(input, run)
    node = holder[0]._grad_fn if holder else None
    if node is not None and node._saved and type(node._saved[0]) is _SavedOutput:
        node.save(input, *node._saved[1:])  # (for a view, inside its base's CopySlices)
    return input


def _apply(input, inplace, forward):
    return _inplace(input, forward) if inplace else forward(input)


# -- threshold, relu, hardtanh ------------------------------------------------------------------
class ThresholdBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return where(x <= self.threshold, 0.0, grad)


class ThresholdBackward1(ThresholdBackward0):
    """In place (the mask is still the original input's)."""


def threshold(input, threshold, value, inplace=False):
    """``value`` where ``input <= threshold``, else ``input``."""
    return _threshold(input, threshold, value, inplace)


def _threshold(input, threshold, value, inplace):
    _need_tensor(input, "threshold", 1, "input")

    def fn(a):
        return np.where(a <= threshold, np.asarray(value).astype(a.dtype), a)

    node = ThresholdBackward1 if inplace else ThresholdBackward0
    return _apply(input, inplace, lambda x: _op(x, fn, node, threshold=threshold))


def threshold_(input, threshold, value):
    return _threshold(input, threshold, value, True)


def relu_(input):
    """In-place ``relu``."""
    return input.relu_()


class HardtanhBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return where((x <= self.min_val) | (x >= self.max_val), 0.0, grad)


def _hardtanh(input, min_val, max_val, inplace):
    _need_tensor(input, "hardtanh", 1, "input")
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"clamp_scalar_cpu\" not implemented for 'Bool'")

    def fn(a):
        lo, hi = np.asarray(min_val).astype(a.dtype), np.asarray(max_val).astype(a.dtype)
        return np.minimum(np.maximum(a, lo), hi)
    return _apply(input, inplace, lambda x: _op(x, fn, HardtanhBackward0, inplace,
                                               min_val=min_val, max_val=max_val))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """``input`` clamped to [min_val, max_val]; the gradient is 0 at and beyond the bounds."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _hardtanh(input, min_val, max_val, inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """``min(max(input, 0), 6)`` (a hardtanh)."""
    return _hardtanh(input, 0.0, 6.0, inplace)


def relu(input, inplace=False):
    """``max(input, 0)``; the gradient at 0 is 0."""
    return input.relu_() if inplace else _relu(input)


# -- the ELU family -----------------------------------------------------------------------------
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class EluBackward0(Node):
    """``x <= 0``: alpha * scale * input_scale * exp(x * input_scale); else scale."""

    def backward(self, grad):
        (x,) = self.saved_tensors
        neg = grad * (self.input_scale * self.alpha * self.scale) * (x * self.input_scale).exp()
        return where(x <= 0, neg, grad * self.scale)


class EluBackward1(Node):
    """In place: the same derivative from the result, ``input_scale * (result + alpha*scale)``."""

    def backward(self, grad):
        (r,) = self.saved_tensors
        if self.alpha < 0:
            raise RuntimeError(
                "In-place elu backward calculation is triggered with a negative slope which is "
                "not supported. This is caused by calling in-place forward function with a "
                "negative slope, please call out-of-place version instead.")
        neg = grad * self.input_scale * (r + self.alpha * self.scale)
        return where(r <= 0, neg, grad * self.scale)


class CeluBackward0(EluBackward0):
    pass


class CeluBackward1(EluBackward1):
    pass


def _elu(input, alpha, scale, input_scale, inplace, nodes):
    _float_only(input, "elu", "elu_cpu")

    def fn(a):
        return np.where(a > 0, a * scale, np.expm1(a * input_scale) * (alpha * scale))

    def forward(x):
        return _op(x, fn, nodes[inplace], inplace, alpha=alpha, scale=scale,
                   input_scale=input_scale)
    return _apply(input, inplace, forward)


def elu(input, alpha=1.0, inplace=False):
    """``input`` where positive, else ``alpha * (exp(input) - 1)``."""
    return _elu(input, alpha, 1.0, 1.0, inplace, (EluBackward0, EluBackward1))


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """``scale * elu(input, alpha)`` with the self-normalising constants."""
    return _elu(input, _SELU_ALPHA, _SELU_SCALE, 1.0, inplace, (EluBackward0, EluBackward1))


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return _elu(input, alpha, 1.0, 1.0 / alpha, inplace, (CeluBackward0, CeluBackward1))


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


# -- leaky relu, prelu, rrelu -------------------------------------------------------------------
class LeakyReluBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return where(x > 0, grad, grad * self.negative_slope)


class LeakyReluBackward1(LeakyReluBackward0):
    def backward(self, grad):
        if self.negative_slope < 0:
            raise RuntimeError(
                "In-place leakyReLu backward calculation is triggered with a negative slope "
                "which is not supported. This is caused by calling in-place forward function "
                "with a negative slope, please call out-of-place version instead. File an issue "
                "at https://github.com/pytorch/pytorch if you do require supporting in-place "
                "leakRelu backward calculation with negative slope")
        return super().backward(grad)


def _leaky_arrays(a, slope):
    return np.where(a > 0, a, a * slope)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``input`` where positive, else ``negative_slope * input``."""
    _float_only(input, "leaky_relu", "leaky_relu_cpu")

    def forward(x):
        return _op(x, lambda a: _leaky_arrays(a, negative_slope),
                   LeakyReluBackward1 if inplace else LeakyReluBackward0, inplace,
                   negative_slope=negative_slope)
    return _apply(input, inplace, forward)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


class PreluKernelBackward0(Node):
    def backward(self, grad):
        x, w = self.saved_tensors
        gx = where(x > 0, grad, w * grad) if self.needs_input_grad[0] else None
        gw = where(x > 0, 0.0, x * grad) if self.needs_input_grad[1] else None
        return gx, gw


def prelu(input, weight):
    """``input`` where positive, else ``weight * input``, with one weight per channel (dim 1)
    or a single shared weight."""
    _need_tensor(input, "prelu", 1, "input")
    if input.dtype is not weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {input.dtype._legacy} "
                           f"and {weight.dtype._legacy}")
    nd = input.dim()
    if weight.numel() != 1:
        if nd == 0:
            raise RuntimeError("Not allow zero-dim input tensor.")
        channels = input.shape[1] if nd > 1 else 1
        if channels != weight.numel():
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {weight.numel()} and channel size = "
                               f"{channels}.")
    if weight.dim() > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: "
                           f"ndim = {weight.dim()}")
    _float_only(input, "prelu", "prelu_cpu")
    if nd != weight.dim():
        shape = [1] * nd
        if nd > 1:
            shape[1] = weight.numel()
        weight = weight.reshape(shape)
    w = weight._data
    result = wrap(_run(lambda a: np.where(a > 0, a, a * w.astype(a.dtype)), input._data),
                  input._device)
    if requires_grad(input, weight):
        node = record(PreluKernelBackward0, (input, weight), (result,))
        node.save(input, weight)
    return result


class RreluWithNoiseBackward0(Node):
    def backward(self, grad):
        x, noise = self.saved_tensors
        if self.training:
            return grad * noise
        return where(x > 0, grad, grad * self.negative_slope)


class RreluWithNoiseBackward1(RreluWithNoiseBackward0):
    pass


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False,
          generator=None):
    """Randomized leaky ReLU: in training each non-positive element is scaled by a slope drawn
    from U(lower, upper) (one double draw per such element, in order, as PyTorch draws them);
    in evaluation the slope is ``(lower + upper) / 2``."""
    _need_tensor(input, "rrelu", 1, "input")
    if lower > upper:
        raise RuntimeError("Lower bound should be less than or equal to the upper bound")
    _float_only(input, "rrelu", "leaky_relu_cpu")
    slope = (float(lower) + float(upper)) / 2
    node_cls = RreluWithNoiseBackward1 if inplace else RreluWithNoiseBackward0

    def forward(x):
        a = x._data
        if training:
            g = _check_generator(generator)
            c = np.ascontiguousarray(a)
            neg = c <= 0
            noise = np.ones(c.shape, a.dtype)
            k = int(neg.sum())
            if k:
                # the bounds are first rounded to the opmath type (float for float32)
                op = np.float64 if a.dtype == np.float64 else np.float32
                lo, hi = float(op(lower)), float(op(upper))
                r = _uniform_double(g, k) * (hi - lo) + lo
                noise[neg] = r.astype(op)
            out = _run(lambda v: v * noise.astype(v.dtype), a)
        else:
            noise = np.empty(a.shape, a.dtype)
            out = _run(lambda v: _leaky_arrays(v, slope), a)
        result = wrap(out, x._device)
        if requires_grad(x):
            node = record(node_cls, (x,), (result,))
            node.save(result if inplace else x, wrap(noise, x._device))
            node.training, node.negative_slope = training, slope
        return result
    return _apply(input, inplace, forward)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False, generator=None):
    return rrelu(input, lower, upper, training, True, generator)


# -- gated and smooth units ---------------------------------------------------------------------
class GluBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        n = x.shape[self.dim] // 2
        a, b = x.narrow(self.dim, 0, n), x.narrow(self.dim, n, n)
        s = b.sigmoid()
        from .shape import cat
        return cat([grad * s, grad * a * s * (1 - s)], self.dim)


def glu(input, dim=-1):
    """``a * sigmoid(b)`` where ``a`` and ``b`` are the halves of ``input`` along ``dim``."""
    _need_tensor(input, "glu", 1, "input")
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = normalize_dim(dim, input.dim())
    size = input.shape[d]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {size}")
    _float_only(input, "glu", "glu_cpu")
    from .pointwise import _sigmoid
    n = size // 2

    def fn(a):
        first, second = np.split(a, [n], axis=d)
        return first * _sigmoid(second)
    return _op(input, fn, GluBackward0, dim=d)


_SQRT1_2 = 1 / math.sqrt(2)
_GELU_BETA = math.sqrt(2) * (2 / math.sqrt(math.pi)) * 0.5
_GELU_KAPPA = 0.044715
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)
_LOG2_E = 1 / math.log(2)


class GeluBackward0(Node):
    """Saves the input and, in the compute dtype, what the forward computed that the first
    derivative reuses: Phi(x) (exact) or (1 + tanh(inner)) / 2 ('tanh')."""

    def backward(self, grad):
        x, kept = self.saved_tensors
        g = grad._data
        if not grad_enabled.enabled and type(g) is np.ndarray and g.ndim:  # array ops
            r = _gelu_grad(g.astype(kept._data.dtype, copy=False), x._data, kept._data,
                           self.approximate == "tanh")
            return wrap(r.astype(x._data.dtype, copy=False), grad._device)
        if self.approximate == "tanh":  # create_graph: Tensor ops, differentiable again
            x_sq = x * x
            inner = (x + x_sq * x * _GELU_KAPPA) * _GELU_BETA
            t = inner.tanh()
            left_d = (1 + t) * 0.5
            right_d = (1 - t * t) * (_GELU_BETA * (1 + 3 * _GELU_KAPPA * x_sq))
            return grad * (left_d + x * 0.5 * right_d)
        cdf = ((x * _SQRT1_2).erf() + 1) * 0.5
        pdf = (x * x * -0.5).exp() * (2 / math.sqrt(math.pi) * _SQRT1_2 * 0.5)
        return grad * (cdf + x * pdf)


def _gelu_grad(g, x, kept, tanh_form):
    """grad * GELU'(x) on arrays: Phi(x) + x pdf(x) from the saved Phi, or the derivative of
    the tanh form from the saved s = (1 + tanh(inner)) / 2."""
    x = x.astype(kept.dtype, copy=False)
    if tanh_form:  # s + x 2 s (1 - s) beta (1 + 3 kappa x^2), as 1 - t^2 = 4 s (1 - s)
        r = np.subtract(1.0, kept)
        r *= kept
        s = x * x
        s *= 3 * _GELU_KAPPA
        s += 1.0
        r *= s
        r *= x
        r *= 2 * _GELU_BETA
        r += kept
    else:
        r = x * x
        r *= -0.5
        np.exp(r, out=r)
        r *= x
        r *= _INV_SQRT_2PI
        r += kept
    r *= g
    return r


def gelu(input, approximate="none"):
    """``x * Phi(x)`` (Phi the standard normal CDF); ``approximate='tanh'`` uses
    ``0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``."""
    _need_tensor(input, "gelu", 1, "input")
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    _float_only(input, "gelu", "GeluKernelImpl")
    a = input._data
    c = a.astype(np.float32) if a.dtype in _LOWP else a  # PyTorch's opmath for half types
    if approximate == "tanh":  # (1 + tanh(u)) / 2 = 1 / (1 + exp(-2u)): exact in the tail
        kept = np.asarray(c * c)
        kept *= c
        kept *= _GELU_KAPPA
        kept += c
        kept *= -2 * _GELU_BETA * _LOG2_E
        with np.errstate(over="ignore"):
            np.exp2(kept, out=kept)
        kept += 1.0
        np.divide(1.0, kept, out=kept)
        r = c * kept
    else:
        kept = _special.normal_cdf(c)  # Note [GELU's normal CDF in float32]
        r = c * kept
    result = wrap(np.asarray(r).astype(a.dtype, copy=False), input._device)
    if requires_grad(input):
        node = record(GeluBackward0, (input,), (result,))
        node.save(input, wrap(np.asarray(kept), input._device))
        node.approximate = approximate
    return result


class SiluBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        s = x.sigmoid()
        return grad * s * (1 + x * (1 - s))


def silu(input, inplace=False):
    """``input * sigmoid(input)`` (the swish)."""
    _float_only(input, "silu", "silu_cpu")
    return _apply(input, inplace, lambda x: _op(x, lambda a: a / (1 + np.exp(-a)),
                                                 SiluBackward0))


class MishBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        t = x.exp().log1p().tanh()
        return grad * (t + x * x.sigmoid() * (1 - t * t))


def mish(input, inplace=False):
    """``input * tanh(softplus(input))``."""
    _float_only(input, "mish", "mish_cpu")
    return _apply(input, inplace, lambda x: _op(x, lambda a: a * np.tanh(np.log1p(np.exp(a))),
                                                 MishBackward0))


class HardsigmoidBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return where((x > -3) & (x < 3), grad / 6, 0.0)


def hardsigmoid(input, inplace=False):
    """``relu6(input + 3) / 6``; the gradient is 0 at +-3."""
    _float_only(input, "hardsigmoid", "hardsigmoid_cpu")
    return _apply(input, inplace, lambda x: _op(
        x, lambda a: np.minimum(np.maximum(a + 3, 0), 6) / 6, HardsigmoidBackward0))


class HardswishBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        mid = grad * (x / 3 + 0.5)
        return where(x <= -3, 0.0, where(x < 3, mid, grad))


def hardswish(input, inplace=False):
    """``input * relu6(input + 3) / 6``."""
    _float_only(input, "hardswish", "hardswish_cpu")
    return _apply(input, inplace, lambda x: _op(
        x, lambda a: a * np.minimum(np.maximum(a + 3, 0), 6) / 6, HardswishBackward0))


class SoftplusBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        xb = x * self.beta
        z = xb.exp()
        return where(xb > self.threshold, grad, grad * z / (z + 1))


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * input)) / beta``, linear where ``beta * input > threshold``."""
    _float_only(input, "softplus", "softplus_cpu")

    def fn(a):
        xb = a * beta
        return np.where(xb > threshold, a, np.log1p(np.exp(xb)) / beta)
    return _op(input, fn, SoftplusBackward0, beta=beta, threshold=threshold)


class LogSigmoidBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        z = (-x.abs()).exp()
        return where(x < 0, grad * (1 - z / (1 + z)), grad * (z / (1 + z)))


def _log_sigmoid(a):
    return np.minimum(a, 0) - np.log1p(np.exp(-np.abs(a)))


def logsigmoid(input):
    """``log(sigmoid(input))``, computed stably."""
    _float_only(input, "logsigmoid", "log_sigmoid_cpu")
    return _op(input, _log_sigmoid, LogSigmoidBackward0)


# -- shrinkage ---------------------------------------------------------------------------------
class HardshrinkBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return where((x >= -self.lambd) & (x <= self.lambd), 0.0, grad)


class SoftshrinkBackward0(HardshrinkBackward0):
    pass


def hardshrink(input, lambd=0.5):
    """0 where ``|input| <= lambd``, else ``input``."""
    _float_only(input, "hardshrink", "hardshrink_cpu")
    return _op(input, lambda a: np.where((a >= -lambd) & (a <= lambd), 0, a),
               HardshrinkBackward0, lambd=lambd)


def softshrink(input, lambd=0.5):
    """``input - lambd`` above ``lambd``, ``input + lambd`` below ``-lambd``, else 0."""
    _float_only(input, "softshrink", "softshrink_check")
    real = input.dtype if input.dtype.is_floating_point else _dtype.float32
    if lambd < 0:
        big = _dtype.finfo(real).max
        raise RuntimeError(f"lambda must be in range [0, {big:g}] for input dtype "
                           f"{real._legacy}, but found {lambd:g}")

    def fn(a):
        return np.where(a > lambd, a - lambd, np.where(a < -lambd, a + lambd, 0))
    return _op(input, fn, SoftshrinkBackward0, lambd=lambd)


def tanhshrink(input):
    """``input - tanh(input)``."""
    return input - input.tanh()


def softsign(input):
    """``input / (1 + |input|)``."""
    return input / (input.abs() + 1)


# -- softmax family (the ops are reduction.softmax/log_softmax) -----------------------------------
def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along ``dim``; without one, PyTorch's deprecated implicit choice (with its
    warning): dim 0 for 0-, 1- and 3-D inputs, else 1."""
    if dim is None:
        dim = _softmax_dim("softmax", input.dim(), _stacklevel)
    return reduction.softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-input)``."""
    if dim is None:
        dim = _softmax_dim("softmin", input.dim(), _stacklevel)
    return reduction.softmax(-input, dim, dtype)


def gumbel_softmax(logits, tau=1, hard=False, eps=1e-10, dim=-1):
    """Samples of the Gumbel-softmax distribution (``hard``: one-hot in the forward pass,
    the soft sample's gradient in the backward), drawn as PyTorch draws them."""
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    from .creation import empty_like, zeros_like
    gumbels = -empty_like(logits).exponential_().log()
    y_soft = ((logits + gumbels) / tau).softmax(dim)
    if not hard:
        return y_soft
    index = y_soft.max(dim, keepdim=True)[1]
    y_hard = zeros_like(logits).scatter_(dim, index, 1.0)
    return y_hard - y_soft.detach() + y_soft


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(input))`` along ``dim``, computed stably."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.dim(), _stacklevel)
    return reduction.log_softmax(input, dim, dtype)


# torch-level functions (torch.selu, torch.prelu, ...)
TORCH = {name: globals()[name] for name in ("selu", "selu_", "celu", "celu_", "prelu", "rrelu",
                                            "rrelu_", "hardshrink", "threshold", "threshold_")}

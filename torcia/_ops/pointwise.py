"""Pointwise ops: arithmetic, comparisons, logic, and elementwise math.

Each op is a forward on arrays next to its backward node written with Tensor ops. Broadcast
gradients are summed back to each input's shape by the engine, not here.
"""

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..autograd.graph import record_binary
from ._core import (Node, apply_inplace, broadcast_error, grad_enabled, operands, record,
                    requires_grad, wrap)

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "pow", "exp", "rsub", "reciprocal", "log", "eq", "ne", "not_equal", "lt", "less", "le",
           "less_equal", "gt", "greater", "ge", "greater_equal", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "logical_and", "logical_or", "logical_xor",
           "logical_not"]

# Tensor methods; each also gets an in-place ``name_`` form where listed in INPLACE.
METHODS = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "pow", "exp", "reciprocal", "log", "eq", "ne", "not_equal", "lt", "less",
           "le", "less_equal", "gt", "greater", "ge", "greater_equal", "bitwise_and",
           "bitwise_or", "bitwise_xor", "bitwise_not", "logical_and", "logical_or",
           "logical_xor", "logical_not"]
INPLACE = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "pow", "exp", "reciprocal", "log", "bitwise_and", "bitwise_or",
           "bitwise_xor", "bitwise_not", "logical_and", "logical_or", "logical_xor",
           "logical_not"]


def _tensors(input, other):
    """The tensor operands of a binary op, None in place of a Python scalar."""
    return (input if isinstance(input, Tensor) else None,
            other if isinstance(other, Tensor) else None)


def _device_of(input, other):
    return input._device if isinstance(input, Tensor) else other._device


def binary(fn, node_cls, input, other, name, out=None, result_np=None, **node_attrs):
    """Apply array function ``fn`` to two operands with PyTorch's promotion and broadcasting.

    ``node_cls.saves`` maps what backward needs ("self", "other", "result") to the inputs
    whose gradients need it; an item is saved only when one of those inputs needs a gradient.
    A Python-number operand is a None input, kept as ``self_scalar``/``other_scalar``.
    """
    x = input if isinstance(input, Tensor) else None
    y = other if isinstance(other, Tensor) else None
    if x is not None and y is not None and result_np is None and (
            x._data.dtype is y._data.dtype):  # fast path: two tensors of one dtype
        a, b = x._data, y._data
        same = True  # until shapes are compared, when recording
    else:
        a, b, rt = operands(input, other, name)
        if result_np is not None:
            a, b, rt = _cast_pair(a, b, result_np(rt))
        same = False
    try:
        r = fn(a, b)
    except ValueError:
        raise broadcast_error(a, b) from None
    result = wrap(r, (x if x is not None else y)._device)
    if out is not None:
        return _to_out(result, out, name, (x, y))
    if node_cls is not None and grad_enabled.enabled and (
            (x is not None and (x._rg or x._base is not None and x._view_requires_grad())) or
            (y is not None and (y._rg or y._base is not None and y._view_requires_grad()))):
        spec = _save_specs.get(node_cls)
        if spec is None:
            spec = _spec(node_cls)
        node = record_binary(node_cls, x, y, result, spec, same and a.shape == b.shape)
        if x is None:
            node.self_scalar = input
        if y is None:
            node.other_scalar = other
        if node_attrs:
            node.__dict__.update(node_attrs)
    return result


_SAVE_KEYS = {"self": 0, "other": 1, "result": 2}
_save_specs = {}


def _spec(cls):
    """``cls.saves`` compiled to (value index, input bit mask) pairs."""
    spec = _save_specs[cls] = tuple((_SAVE_KEYS[k], sum(1 << i for i in idx))
                                    for k, idx in cls.saves.items())
    return spec


def save(node, values):
    """Save ``node.saves`` items of ``values`` (self, other, result) for backward, each only
    when an input it serves needs a gradient (as PyTorch saves)."""
    spec = _save_specs.get(type(node)) or _spec(type(node))
    nf = node.next_functions
    mask = nf[0][0] is not None
    if len(nf) > 1 and nf[1][0] is not None:
        mask |= 2
    node.save(*[values[k] if m & mask else None for k, m in spec])


def _cast_pair(a, b, npd):
    a = a.astype(npd) if hasattr(a, "dtype") and a.dtype != npd else a
    b = b.astype(npd) if hasattr(b, "dtype") and b.dtype != npd else b
    return a, b, npd


def _to_out(result, out, name, inputs):
    """Write an op's result into a user's ``out=`` tensor (no autograd through out=)."""
    if requires_grad(*[t for t in inputs if isinstance(t, Tensor)]) or (
            grad_enabled.enabled and out._rg):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out._data.shape != result._data.shape:
        out._data = np.empty(result._data.shape, out._data.dtype)
    from ._core import _write
    _write(out, result)
    return out


def unary(fn, node_cls, input, name, out=None, to_float=True):
    """Apply array function ``fn`` elementwise; integer inputs become the default float
    dtype when ``to_float`` (as torch.exp(int_tensor) gives float32)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    a = input._data
    if to_float and a.dtype.kind in "iub":
        a = a.astype(_dtype.get_default_dtype().np)
    result = wrap(fn(a), input._device)
    if out is not None:
        return _to_out(result, out, name, (input,))
    if node_cls is not None and requires_grad(input):
        node = record(node_cls, (input,), (result,))
        if node_cls.saves:
            save(node, (input, None, result))
    return result


# -- arithmetic ---------------------------------------------------------------------------
class AddBackward0(Node):
    saves = {}
    alpha = 1

    def backward(self, grad):
        return grad, (grad if self.alpha == 1 else grad * self.alpha)


def _check_alpha(input, other, alpha):
    if isinstance(alpha, float) and all(not isinstance(t, Tensor) or t._data.dtype.kind in "iub"
                                        for t in (input, other)):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, broadcast and promoted as in PyTorch."""
    if alpha == 1:
        return binary(np.add, AddBackward0, input, other, "add", out)
    _check_alpha(input, other, alpha)
    return binary(lambda a, b: a + b * alpha, AddBackward0, input, other, "add", out,
                  alpha=alpha)


class SubBackward0(Node):
    saves = {}
    alpha = 1

    def backward(self, grad):
        return grad, (-grad if self.alpha == 1 else -grad * self.alpha)


def sub(input, other, *, alpha=1, out=None):
    """``input - alpha * other``."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_ and (
            not isinstance(other, Tensor) or other._data.dtype == np.bool_):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if alpha == 1:
        return binary(np.subtract, SubBackward0, input, other, "sub", out)
    _check_alpha(input, other, alpha)
    return binary(lambda a, b: a - b * alpha, SubBackward0, input, other, "sub", out,
                  alpha=alpha)


subtract = sub


class RsubBackward1(Node):
    alpha = 1

    def backward(self, grad):
        return -grad if self.alpha == 1 else -grad * self.alpha


def rsub(input, other, *, alpha=1):
    """``other - alpha * input``; with a number ``other`` its node has one edge."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    a, b, _ = operands(input, other, "rsub")
    result = wrap(np.subtract(b, a * alpha if alpha != 1 else a), input._device)
    if requires_grad(input):
        record(RsubBackward1, (input,), (result,)).alpha = alpha
    return result


class MulBackward0(Node):
    saves = {"other": (0,), "self": (1,)}

    def backward(self, grad):
        other, self_ = self.saved_tensors
        need = self.needs_input_grad
        return (_mulc(grad, _either(other, self.other_scalar)) if need[0] else None,
                _mulc(grad, _either(self_, self.self_scalar)) if need[1] else None)


def _either(saved, scalar):
    return saved if saved is not None else scalar


def _mulc(grad, x):
    """grad * conj(x): PyTorch's convention for complex gradients."""
    if isinstance(x, Tensor):
        if x._data.dtype.kind == "c":
            return grad * x.conj()
    elif isinstance(x, complex):
        return grad * x.conjugate()
    return grad * x


def mul(input, other, *, out=None):
    """Elementwise product."""
    return binary(np.multiply, MulBackward0, input, other, "mul", out)


multiply = mul


class DivBackward0(Node):
    saves = {"other": (0, 1), "self": (1,)}

    def backward(self, grad):
        other, self_ = self.saved_tensors
        y = _either(other, self.other_scalar)
        gx = gy = None
        if self.needs_input_grad[0]:
            gx = grad / (y.conj() if isinstance(y, Tensor) and y.is_complex() else y)
        if self.needs_input_grad[1]:
            q = _either(self_, self.self_scalar) / y
            gy = -grad * (q / y).conj() if q.is_complex() else -grad * q / y
        return gx, gy


def _true_div_dtype(rt):
    return _dtype.get_default_dtype().np if rt.kind in "iub" else rt


def div(input, other, *, rounding_mode=None, out=None):
    """Division; ``rounding_mode`` None (true division), "trunc" or "floor"."""
    if rounding_mode is None:
        return binary(np.true_divide, DivBackward0, input, other, "div", out,
                      result_np=_true_div_dtype)
    if rounding_mode == "floor":
        from .pointwise_more import floor_divide
        return floor_divide(input, other, out=out)
    if rounding_mode == "trunc":
        from .pointwise_more import _div_trunc
        return _div_trunc(input, other, out=out)
    raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                       f"found '{rounding_mode}'")


divide = true_divide = div


class NegBackward0(Node):
    saves = {}

    def backward(self, grad):
        return -grad


def neg(input, *, out=None):
    """``-input``."""
    if isinstance(input, Tensor) and input._data.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                           "you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")
    return unary(np.negative, NegBackward0, input, "neg", out, to_float=False)


negative = neg


class PowBackward0(Node):
    """d(x**c) = c * x**(c-1); the exponent is a number."""

    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        c = self.exponent
        if c == 0:
            return grad * 0
        return _mulc(grad, x.pow(c - 1) * c)


class PowBackward1(Node):
    """d(x**y): y * x**(y-1) for x, x**y * log(x) for y (both tensors)."""

    saves = {"self": (0, 1), "other": (0, 1), "result": (1,)}

    def backward(self, grad):
        x, y, result = self.saved_tensors
        gx = gy = None
        if self.needs_input_grad[0]:
            gx = _mulc(grad, where_zero(y, y * x.pow(y - 1)))
        if self.needs_input_grad[1]:
            gy = _mulc(grad, where_zero(x, result * x.log(), x_zero_ok=(y >= 0)))
        return gx, gy


class PowBackward2(Node):
    """d(c**y) = c**y * log(c); the base is a number."""

    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        c = self.base
        if c == 0:
            return grad * 0
        return _mulc(grad, result * np.log(complex(c) if isinstance(c, complex) or c < 0
                                           else c))


def where_zero(cond, value, x_zero_ok=None):
    """``value`` where ``cond != 0``, else 0 (keeps the 0 * inf of x**0 out of gradients)."""
    from .indexing import where
    mask = cond == 0
    if x_zero_ok is not None:
        mask = mask & x_zero_ok
    return where(mask, value.new_zeros(()), value)


def pow(input, exponent, *, out=None):
    """``input ** exponent`` for tensors and numbers."""
    if isinstance(input, Tensor) and isinstance(exponent, Tensor):
        if exponent._data.dtype.kind in "iu" and input._data.dtype.kind in "iu" and (
                exponent._data < 0).any():
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return binary(np.power, PowBackward1, input, exponent, "pow", out)
    if isinstance(input, Tensor):
        if input._data.dtype.kind in "iu" and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        a, b, _ = operands(input, exponent, "pow")
        result = wrap(np.power(a, b), input._device)
        if out is not None:
            return _to_out(result, out, "pow", (input,))
        if requires_grad(input):
            node = record(PowBackward0, (input,), (result,))
            node.save(input)
            node.exponent = exponent
        return result
    a, b, _ = operands(input, exponent, "pow")
    result = wrap(np.power(a, b), exponent._device)
    if out is not None:
        return _to_out(result, out, "pow", (exponent,))
    if requires_grad(exponent):
        node = record(PowBackward2, (exponent,), (result,))
        node.save(result)
        node.base = input
    return result


# -- elementwise math -------------------------------------------------------------------------
class ExpBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return _mulc(grad, result)


def exp(input, *, out=None):
    return unary(np.exp, ExpBackward0, input, "exp", out)


class ReciprocalBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return _mulc(-grad, result * result)


def reciprocal(input, *, out=None):
    """``1 / input``; integers give the default float dtype."""
    return unary(np.reciprocal, ReciprocalBackward0, input, "reciprocal", out)


class LogBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad / (x.conj() if x.is_complex() else x)


def log(input, *, out=None):
    """Natural logarithm."""
    return unary(np.log, LogBackward0, input, "log", out)


# -- comparisons: bool results, no gradient ---------------------------------------------------
def _compare(fn, name):
    def op(input, other, *, out=None):
        return binary(fn, None, input, other, name, out, result_np=None)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` comparison, giving a bool tensor."
    return op


eq = _compare(np.equal, "eq")
ne = not_equal = _compare(np.not_equal, "ne")
lt = less = _compare(np.less, "lt")
le = less_equal = _compare(np.less_equal, "le")
gt = greater = _compare(np.greater, "gt")
ge = greater_equal = _compare(np.greater_equal, "ge")


# -- logical and bitwise: integer or bool operands, no gradient -------------------------------
def _bitwise(fn, name):
    def op(input, other, *, out=None):
        for t in (input, other):
            kind = t._data.dtype.kind if isinstance(t, Tensor) else (
                "f" if isinstance(t, float) else "i")
            if kind not in "biu":
                raise RuntimeError(f"\"{name}_cpu\" not implemented for 'Float'")
        return binary(fn, None, input, other, name, out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}`` of integer or bool tensors."
    return op


bitwise_and = _bitwise(np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise(np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise(np.bitwise_xor, "bitwise_xor")


def bitwise_not(input, *, out=None):
    """Elementwise NOT (logical for bool tensors)."""
    if input._data.dtype.kind not in "biu":
        raise RuntimeError("\"bitwise_not_cpu\" not implemented for 'Float'")
    return unary(np.invert, None, input, "bitwise_not", out, to_float=False)


def _logical(fn, name):
    def op(input, other, *, out=None):
        a = input._data if isinstance(input, Tensor) else input
        b = other._data if isinstance(other, Tensor) else other
        like = input if isinstance(input, Tensor) else other
        try:
            r = fn(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None
        result = wrap(r, like._device)
        return result if out is None else _to_out(result, out, name, (input, other))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``: nonzero values count as True; bool result."
    return op


logical_and = _logical(np.logical_and, "logical_and")
logical_or = _logical(np.logical_or, "logical_or")
logical_xor = _logical(np.logical_xor, "logical_xor")


def logical_not(input, *, out=None):
    return unary(np.logical_not, None, input, "logical_not", out, to_float=False)

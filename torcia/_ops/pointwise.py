"""Pointwise ops: arithmetic, comparisons, logic, and elementwise math.

Each op is a forward on arrays next to its backward node written with Tensor ops. Broadcast
gradients are summed back to each input's shape by the engine, not here.
"""

import builtins
import math
import operator

import numpy as np

from .. import _dtype
from .._backend import gamma as _gamma
from .._backend import special as _special
from .._device import CPU
from .._tensor import Tensor
from ..autograd.graph import record_binary
from ._core import (
    F32_F64,
    Node,
    apply_inplace,
    broadcast_error,
    grad_enabled,
    operands,
    record,
    requires_grad,
    wrap,
)

_new = object.__new__

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "pow", "exp", "rsub", "reciprocal", "log", "eq", "ne", "not_equal", "lt",
           "less", "le", "less_equal", "gt", "greater", "ge", "greater_equal", "bitwise_and",
           "bitwise_or", "bitwise_xor", "bitwise_not", "logical_and", "logical_or", "logical_xor",
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


def binary(fn, node_cls, input, other, name, out=None, result_np=None, attrs=None):
    """Apply array function ``fn`` to two operands with PyTorch's promotion and broadcasting.

    ``node_cls.saves`` maps what backward needs ("self", "other", "result") to the inputs
    whose gradients need it; an item is saved only when one of those inputs needs a gradient.
    A Python-number operand is a None input, kept as ``self_scalar``/``other_scalar``;
    ``attrs`` are set on the node.
    """
    if isinstance(input, Tensor) and isinstance(other, Tensor) and result_np is None:
        x, y = input, other
        a, b = x._data, y._data
        same = a.dtype is b.dtype  # fast path: two tensors of one dtype, no promotion
        if not same:
            a, b, rt = operands(input, other, name)
    else:
        x = input if isinstance(input, Tensor) else None
        y = other if isinstance(other, Tensor) else None
        a, b, rt = operands(input, other, name)
        if result_np is not None:
            a, b, rt = _cast_pair(a, b, result_np(rt))
        same = False
    try:
        r = fn(a, b)
    except ValueError:
        raise broadcast_error(a, b) from None
    dev = (x if x is not None else y)._device
    if dev is CPU and type(r) is not np.ndarray:
        r = np.asarray(r)  # NumPy gives a scalar for 0-d operands
    result = _new(Tensor)
    result._data, result._device, result._rg, result._grad_fn = r, dev, False, None
    result._vc, result._base = [0], None
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
        if attrs:
            node.__dict__.update(attrs)
    return result


_BOOL = np.dtype(np.bool_)


def _operator(fn, node_cls, slow):
    """The Python operator (``a * b``) of the binary op ``slow``, with binary()'s most common
    case inline: two tensors of one dtype (not bool: ``-`` refuses it), neither a view, so
    nothing to promote and no view history to check. Skipping the op's and binary()'s
    frames and tests saves about a tenth of a small op's cost when recording."""
    spec = _spec(node_cls)

    def op(input, other):
        if isinstance(other, Tensor) and isinstance(input, Tensor):
            a, b = input._data, other._data
            if (a.dtype is b.dtype and a.dtype is not _BOOL and input._base is None
                    and other._base is None):
                try:
                    r = fn(a, b)
                except ValueError:
                    return slow(input, other)  # (which raises PyTorch's broadcast error)
                dev = input._device
                if dev is CPU and type(r) is not np.ndarray:
                    r = np.asarray(r)  # NumPy gives a scalar for 0-d operands
                result = _new(Tensor)
                result._data, result._device, result._rg, result._grad_fn = r, dev, False, None
                result._vc, result._base = [0], None
                if grad_enabled.enabled and (input._rg or other._rg):
                    record_binary(node_cls, input, other, result, spec, a.shape == b.shape)
                return result
        return slow(input, other)
    return op


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


def unary(fn, node_cls, input, name, out=None, to_float=True, **node_attrs):
    """Apply array function ``fn`` elementwise; integer inputs become the default float
    dtype when ``to_float`` (as torch.exp(int_tensor) gives float32). ``node_attrs`` are
    set on the backward node."""
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
        if node_attrs:
            node.__dict__.update(node_attrs)
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
                  attrs={"alpha": alpha})


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
                  attrs={"alpha": alpha})


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
        g = grad._data
        if (other is not None and self_ is not None and not grad_enabled.enabled
                and g.dtype is other._data.dtype is self_._data.dtype and g.dtype.kind != "c"):
            # both gradients of a real product, without _mulc's dispatch (the common case)
            return wrap(g * other._data, grad._device), wrap(g * self_._data, grad._device)
        nf = self.next_functions
        return (_mulc(grad, _either(other, self.other_scalar)) if nf[0][0] is not None else None,
                _mulc(grad, _either(self_, self.self_scalar)) if nf[1][0] is not None else None)


def _either(saved, scalar):
    return saved if saved is not None else scalar


def _mulc(grad, x):
    """grad * conj(x): PyTorch's convention for complex gradients."""
    if isinstance(x, Tensor):
        d = x._data
        if d.dtype.kind == "c":
            return grad * x.conj()
        if d.dtype is grad._data.dtype and not grad_enabled.enabled:
            return wrap(grad._data * d, grad._device)  # binary()'s same-dtype no-grad path
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
        return _div_rounding(_floor_div_arrays, input, other, "div_floor_cpu", out)
    if rounding_mode == "trunc":
        return _div_rounding(_trunc_div_arrays, input, other, "div_trunc_cpu", out)
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
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
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


# =============================================================================================
# More elementwise math. Each public op: PyTorch's name, signature, dtypes and node names.
# =============================================================================================
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
_LOWP = (np.dtype(np.float16), _dtype.bfloat16.np)

# C++ type names, as PyTorch prints a dtype in some checks ("expected dtype float ...").
_CPP_NAMES = {"bool": "bool", "uint8": "unsigned char", "int8": "signed char",
              "int16": "short int", "int32": "int", "int64": "long int", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double",
              "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _legacy(x):
    """A tensor's dtype as PyTorch's kernel errors name it ('Float', 'Long', 'ComplexFloat')."""
    return _dtype.from_np[x._data.dtype]._legacy


def _not_implemented(kernel, x):
    """PyTorch's error for a kernel without a loop for tensor (or torcia dtype) ``x``'s dtype."""
    legacy = x._legacy if isinstance(x, _dtype.dtype) else _legacy(x)
    return NotImplementedError(f"\"{kernel}\" not implemented for '{legacy}'")


def _need_tensor(x, name, pos, arg):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _kind(x):
    return x._data.dtype.kind if isinstance(x, Tensor) else None


def _in_float32(kernel):
    """``kernel`` computed in float32 for float16/bfloat16 arrays (PyTorch's opmath type)."""
    def fn(a):
        if a.dtype in _LOWP:
            return kernel(a.astype(np.float32)).astype(a.dtype)
        return kernel(a)
    return fn


def _in_float64(kernel):
    """A float64 ``kernel`` applied to a real floating array of any width, rounded back."""
    def fn(a):
        if a.dtype == np.float64:
            return kernel(a)
        return kernel(a.astype(np.float64)).astype(a.dtype)
    return fn


def _where(cond, a, b):
    from .indexing import where
    return where(cond, a, b)


def _zeros(grad):
    from .creation import zeros_like
    return zeros_like(grad)


def _finish(result, out, name, inputs, node_cls=None, saved=(), **attrs):
    """Write ``result`` to ``out``, or record ``node_cls`` over ``inputs`` (tensors or None),
    saving ``saved`` tensors and setting ``attrs`` on the node."""
    if out is not None:
        return _to_out(result, out, name, inputs)
    if node_cls is not None and requires_grad(*inputs):
        node = record(node_cls, inputs, (result,))
        if saved:
            node.save(*saved)
        if attrs:
            node.__dict__.update(attrs)
    return result


def _broadcast_check(*arrays):
    shapes = [np.shape(a) for a in arrays]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        for i in range(len(arrays)):
            for j in range(i + 1, len(arrays)):
                try:
                    np.broadcast_shapes(shapes[i], shapes[j])
                except ValueError:
                    raise broadcast_error(arrays[i], arrays[j]) from None
        raise broadcast_error(arrays[0], arrays[-1]) from None


def _promoted(args, rt=None):
    """Arrays of ``args`` (tensors, numbers or None) in their result dtype, and that dtype;
    numbers stay weakly typed scalars, as in ``operands``."""
    from ._core import _scalar
    if rt is None:
        rt = _dtype.result_type(*[a for a in args if a is not None]).np
    arrays = []
    for a in args:
        if isinstance(a, Tensor):
            d = a._data
            arrays.append(d if d.dtype == rt else d.astype(rt))
        else:
            arrays.append(None if a is None else _scalar(a, rt))
    return arrays, rt


def _device(*args):
    for a in args:
        if isinstance(a, Tensor):
            return a._device


class NotImplementedBackward(Node):
    """An op without a derivative (PyTorch's ``torch::autograd::NotImplemented``)."""

    op = ""

    def name(self):
        return "torch::autograd::NotImplemented"

    def backward(self, *grads):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")


class _ZeroGrad(Node):
    """Piecewise-constant ops (floor, sign, rounding division): a zero gradient."""

    def backward(self, grad):
        return _zeros(grad)


# -- exponentials and logarithms ----------------------------------------------------------
class Exp2Backward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return _mulc(grad, result * _LN2)


def exp2(input, *, out=None):
    """``2 ** input``, elementwise."""
    return unary(np.exp2, Exp2Backward0, input, "exp2", out)


class Expm1Backward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return _mulc(grad, result + 1)


def expm1(input, *, out=None):
    """``exp(input) - 1``, accurate near 0."""
    return unary(np.expm1, Expm1Backward0, input, "expm1", out)


class Log2Backward0(Node):
    saves = {"self": (0,)}
    ln_base = _LN2  # d/dx log_b(x) = 1 / (x ln b)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad / (x.conj() * self.ln_base if x.is_complex() else x * self.ln_base)


def log2(input, *, out=None):
    """Base-2 logarithm."""
    return unary(np.log2, Log2Backward0, input, "log2", out)


class Log10Backward0(Log2Backward0):
    ln_base = _LN10


def log10(input, *, out=None):
    """Base-10 logarithm."""
    return unary(np.log10, Log10Backward0, input, "log10", out)


class Log1PBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad / (x.conj() + 1 if x.is_complex() else x + 1)


def log1p(input, *, out=None):
    """``log(1 + input)``, accurate near 0."""
    return unary(np.log1p, Log1PBackward0, input, "log1p", out)


class SqrtBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return grad / (2 * (result.conj() if result.is_complex() else result))


def sqrt(input, *, out=None):
    """Square root (nan for negative real inputs)."""
    return unary(np.sqrt, SqrtBackward0, input, "sqrt", out)


class RsqrtBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return _mulc(grad, result.pow(3) * -0.5)


def _rsqrt(a):
    return np.reciprocal(np.sqrt(a))


def rsqrt(input, *, out=None):
    """``1 / sqrt(input)``."""
    return unary(_rsqrt, RsqrtBackward0, input, "rsqrt", out)


def square(input, *, out=None):
    """``input ** 2`` (integers stay integers; a bool tensor gives int64, as in PyTorch)."""
    return pow(input, 2, out=out)


# -- trigonometric and hyperbolic ---------------------------------------------------------
class SinBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _mulc(grad, x.cos())


def sin(input, *, out=None):
    return unary(np.sin, SinBackward0, input, "sin", out)


class CosBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _mulc(grad, -x.sin())


def cos(input, *, out=None):
    return unary(np.cos, CosBackward0, input, "cos", out)


class TanBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return _mulc(grad, result * result + 1)


def tan(input, *, out=None):
    return unary(np.tan, TanBackward0, input, "tan", out)


class AsinBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _mulc(grad, (1 - x * x).rsqrt())


def asin(input, *, out=None):
    return unary(np.arcsin, AsinBackward0, input, "asin", out)


class AcosBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _mulc(grad, -(1 - x * x).rsqrt())


def acos(input, *, out=None):
    return unary(np.arccos, AcosBackward0, input, "acos", out)


class AtanBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad / (x * x + 1).conj() if x.is_complex() else grad / (x * x + 1)


def atan(input, *, out=None):
    return unary(np.arctan, AtanBackward0, input, "atan", out)


class SinhBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _mulc(grad, x.cosh())


def sinh(input, *, out=None):
    return unary(np.sinh, SinhBackward0, input, "sinh", out)


class CoshBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _mulc(grad, x.sinh())


def cosh(input, *, out=None):
    return unary(np.cosh, CoshBackward0, input, "cosh", out)


class TanhBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return _mulc(grad, 1 - result * result)


def tanh(input, *, out=None):
    return unary(np.tanh, TanhBackward0, input, "tanh", out)


class AsinhBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _mulc(grad, (x * x + 1).rsqrt())


def asinh(input, *, out=None):
    return unary(np.arcsinh, AsinhBackward0, input, "asinh", out)


class AcoshBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _mulc(grad, (x * x - 1).rsqrt())


def acosh(input, *, out=None):
    return unary(np.arccosh, AcoshBackward0, input, "acosh", out)


class AtanhBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        d = 1 - x * x
        return grad / (d.conj() if d.is_complex() else d)


def atanh(input, *, out=None):
    return unary(np.arctanh, AtanhBackward0, input, "atanh", out)


class Atan2Backward0(Node):
    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, y = self.saved_tensors
        d = x * x + y * y
        r = _where(d == 0, 0.0, grad / d)  # 0 at the origin, as PyTorch
        need = self.needs_input_grad
        return (r * y if need[0] else None), (-r * x if need[1] else None)


def atan2(input, other, *, out=None):
    """The angle of the point (other, input): arctan(input / other) in the right quadrant."""
    _need_tensor(input, "atan2", 1, "input")
    _need_tensor(other, "atan2", 2, "other")
    for t in (input, other):
        if t.is_complex():
            raise _not_implemented("atan2_cpu", t)
    return binary(np.arctan2, Atan2Backward0, input, other, "atan2", out,
                  result_np=_true_div_dtype)


class _InplaceNotDifferentiable(Node):
    """In-place asinh_/acosh_/atanh_: PyTorch records a node whose backward raises."""

    def backward(self, grad):
        raise NotImplementedError(f"the derivative for 'inplace version of {self.op}' is not "
                                  "implemented.")


class AsinhBackward1(_InplaceNotDifferentiable):
    op = "asinh"


class AcoshBackward1(_InplaceNotDifferentiable):
    op = "acosh"


class AtanhBackward1(_InplaceNotDifferentiable):
    op = "atanh"


def _inplace_no_grad(fn, node_cls):
    def method(self):
        return apply_inplace(self, lambda src: unary(fn, node_cls, src, node_cls.op))
    method.__name__ = method.__qualname__ = node_cls.op + "_"
    method.__doc__ = f"In-place ``{node_cls.op}`` (PyTorch gives it no derivative)."
    return method


asinh_ = arcsinh_ = _inplace_no_grad(np.arcsinh, AsinhBackward1)
acosh_ = arccosh_ = _inplace_no_grad(np.arccosh, AcoshBackward1)
atanh_ = arctanh_ = _inplace_no_grad(np.arctanh, AtanhBackward1)
arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2
arcsinh, arccosh, arctanh = asinh, acosh, atanh


# -- activations ----------------------------------------------------------------------------
class SigmoidBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return _mulc(grad, result * (1 - result))


def _sigmoid(a):
    """1 / (1 + exp(-a)), without overflow for large negative a."""
    if a.dtype.kind == "c":
        return 1 / (1 + np.exp(-a))
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype, copy=False)


def sigmoid(input, *, out=None):
    """The logistic function ``1 / (1 + exp(-input))``, computed stably."""
    return unary(_in_float32(_sigmoid), SigmoidBackward0, input, "sigmoid", out)


class LogitBackward0(Node):
    saves = {"self": (0,)}
    eps = None

    def backward(self, grad):
        (x,) = self.saved_tensors
        g = grad / (x * (1 - x))
        if self.eps is None:
            return _where((x < 0) | (x > 1), math.nan, g)
        return _where((x < self.eps) | (x > 1 - self.eps), 0.0, g)


def logit(input, eps=None, *, out=None):
    """``log(p / (1 - p))``; with ``eps``, p is first clamped to [eps, 1 - eps]."""
    _need_tensor(input, "logit", 1, "input")
    if input.is_complex():
        raise _not_implemented("logit_cpu", input)

    def fn(a):
        if eps is not None:
            a = np.clip(a, eps, 1 - eps)
        return np.log(a / (1 - a))
    return unary(_in_float32(fn), LogitBackward0, input, "logit", out,
                 **({} if eps is None else {"eps": eps}))


class ReluBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        g = grad._data
        if not grad_enabled.enabled and g.dtype in F32_F64 and type(g) is np.ndarray \
                and np.isfinite(g).all():
            # grad * (result > 0, NaN kept) is exact for finite grads and 8x faster than
            # NumPy's where (a masked select), which the recorded form below needs
            return wrap(g * ~(result._data <= 0), grad._device)
        return _where(result <= 0, 0.0, grad)  # 0 at the kink, as PyTorch's threshold_backward


def relu(input):
    """``max(input, 0)``; its gradient at 0 is 0."""
    _need_tensor(input, "relu", 1, "input")
    if input._data.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    if input.is_complex():
        raise NotImplementedError("clamp is not supported for complex types")
    return unary(_relu_arr, ReluBackward0, input, "relu", to_float=False)


_ZEROS = {}  # dtype -> a read-only flat array of zeros (Note [relu against an array])
_ZEROS_MAX = 1 << 21


# Note [relu against an array]
# NumPy's maximum against the scalar 0 takes a slow loop for float32 (11.9 us on 30,000
# elements here) where against an array of zeros it takes its vector loop (3.7 us). relu keeps
# one read-only zeros array per dtype, up to _ZEROS_MAX elements, and views it in the
# input's shape; larger or non-float inputs compare with the scalar.
def _relu_arr(a):
    if type(a) is np.ndarray and a.dtype in F32_F64 and a.size <= _ZEROS_MAX:
        z = _ZEROS.get(a.dtype)
        if z is None or z.size < a.size:
            z = _ZEROS[a.dtype] = np.zeros(max(a.size, 1 << 14), a.dtype)
            z.flags.writeable = False
        return np.maximum(a, z[:a.size].reshape(a.shape))
    return np.maximum(a, 0).astype(a.dtype, copy=False)


# -- error function -------------------------------------------------------------------------
class ErfBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * (-x * x).exp() * _TWO_OVER_SQRT_PI


class ErfcBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * (-x * x).exp() * -_TWO_OVER_SQRT_PI


class ErfinvBackward0(Node):
    saves = {"result": (0,)}

    def backward(self, grad):
        (result,) = self.saved_tensors
        return grad * (result * result).exp() * _SQRT_PI_OVER_2


def _real_only(input, kernel):
    _need_tensor(input, kernel.split("_")[0], 1, "input")
    if input.is_complex():
        raise _not_implemented(kernel, input)


def erf(input, *, out=None):
    """The error function ``2/sqrt(pi) * integral_0^x exp(-t^2) dt``."""
    _real_only(input, "erf_vml_cpu")
    return unary(_in_float32(_special.erf), ErfBackward0, input, "erf", out)


def erfc(input, *, out=None):
    """``1 - erf(input)``, accurate where erf is close to 1."""
    _real_only(input, "erfc_vml_cpu")
    return unary(_in_float64(_special.erfc), ErfcBackward0, input, "erfc", out)


def erfinv(input, *, out=None):
    """The inverse of erf on [-1, 1] (+-inf at +-1, nan outside)."""
    _real_only(input, "erfinv_vml_cpu")
    return unary(_in_float64(_special.erfinv), ErfinvBackward0, input, "erfinv", out)


# -- sign, rounding and magnitude -----------------------------------------------------------
class SignBackward0(_ZeroGrad):
    pass


def _sign(a):
    if a.dtype == np.bool_:
        return a.copy()
    return ((a > 0).astype(a.dtype) - (a < 0).astype(a.dtype)).astype(a.dtype, copy=False)


def sign(input, *, out=None):
    """-1, 0 or 1 by the sign of each element (0 for nan, as PyTorch)."""
    _need_tensor(input, "sign", 1, "input")
    if input.is_complex():
        raise NotImplementedError("Unlike NumPy, torch.sign is not intended to support complex "
                                  "numbers. Please use torch.sgn instead.")
    return unary(_sign, SignBackward0, input, "sign", out, to_float=False)


class SgnBackward0(Node):
    saves = {"self": (0,), "result": (0,)}

    def backward(self, grad):
        x, s = self.saved_tensors
        if not x.is_complex():
            return _zeros(grad)
        a = x.abs()
        g = (grad - s * (grad * s.conj()).real) / a
        return _where(a == 0, 0.0, g)


def _sgn(a):
    if a.dtype.kind != "c":
        return _sign(a)
    m = np.abs(a)
    return np.where(m == 0, 0, a / np.where(m == 0, 1, m)).astype(a.dtype, copy=False)


def sgn(input, *, out=None):
    """``input / abs(input)`` for complex tensors (0 at 0); ``sign`` for real ones."""
    return unary(_sgn, SgnBackward0, input, "sgn", out, to_float=False)


def signbit(input, *, out=None):
    """Whether each element's sign bit is set (True for -0.0)."""
    _need_tensor(input, "signbit", 1, "input")
    if input.is_complex():
        raise NotImplementedError("signbit is not implemented for complex tensors.")
    a = input._data
    fn = np.signbit if a.dtype.kind == "f" or a.dtype in _LOWP else (lambda v: v < 0)
    return unary(fn, None, input, "signbit", out, to_float=False)


def _rounding(name, fn, node_cls, input, out):
    _need_tensor(input, name, 1, "input")
    a = input._data
    if a.dtype == np.bool_:
        raise _not_implemented(f"{name}_vml_cpu", input)
    if input.is_complex():
        raise NotImplementedError(f"{name} is not supported for complex inputs")
    if a.dtype.kind in "iu":
        return unary(np.copy, node_cls, input, name, out, to_float=False)
    return unary(fn, node_cls, input, name, out, to_float=False)


class FloorBackward0(_ZeroGrad):
    pass


class CeilBackward0(_ZeroGrad):
    pass


class TruncBackward0(_ZeroGrad):
    pass


class RoundBackward0(_ZeroGrad):
    pass


class RoundBackward1(_ZeroGrad):
    pass


def floor(input, *, out=None):
    return _rounding("floor", np.floor, FloorBackward0, input, out)


def ceil(input, *, out=None):
    return _rounding("ceil", np.ceil, CeilBackward0, input, out)


def trunc(input, *, out=None):
    """Rounds toward zero."""
    return _rounding("trunc", np.trunc, TruncBackward0, input, out)


fix = trunc


def round(input, *, decimals=0, out=None):
    """Rounds half to even, to ``decimals`` decimal places (negative: to tens, hundreds...)."""
    _need_tensor(input, "round", 1, "input")
    if decimals == 0:
        if input._data.dtype == np.bool_ or input.is_complex():
            raise _not_implemented("round_vml_cpu", input)
        return _rounding("round", np.rint, RoundBackward0, input, out)
    if input._data.dtype.kind in "biuc":
        raise _not_implemented("round_cpu", input)
    if decimals > 0:
        def fn(a):
            p = a.dtype.type(10.0 ** decimals)
            return np.rint(a * p) / p
    else:
        def fn(a):
            p = a.dtype.type(10.0 ** -decimals)
            return np.rint(a / p) * p
    return unary(fn, RoundBackward1, input, "round", out, to_float=False)


class FracBackward0(Node):
    def backward(self, grad):
        return grad


def frac(input, *, out=None):
    """``input - trunc(input)``: the fractional part, with the input's sign."""
    _need_tensor(input, "frac", 1, "input")
    if input._data.dtype.kind not in "f" and input._data.dtype not in _LOWP:
        raise _not_implemented("frac_cpu", input)
    return unary(lambda a: a - np.trunc(a), FracBackward0, input, "frac", out)


class AbsBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * x.sgn()


def abs(input, *, out=None):
    """Absolute value; complex tensors give their (real) modulus."""
    _need_tensor(input, "abs", 1, "input")
    if input._data.dtype == np.bool_:
        raise _not_implemented("abs_cpu", input)
    return unary(np.abs, AbsBackward0, input, "abs", out, to_float=False)


absolute = abs


# -- classification -------------------------------------------------------------------------
def _test(fn, name, complex_error=None):
    def op(input):
        _need_tensor(input, name, 1, "input")
        if complex_error and input.is_complex():
            raise RuntimeError(complex_error)
        a = input._data
        if a.dtype.kind in "biu":  # integers are finite numbers
            return wrap(np.full(a.shape, name == "isfinite"), input._device)
        return wrap(fn(a), input._device)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"Elementwise ``{name}``, giving a bool tensor."
    return op


def _isfinite(a):
    if a.dtype.kind == "c":
        return np.isfinite(a.real) & np.isfinite(a.imag)
    return np.isfinite(a)


isnan = _test(np.isnan, "isnan")
isinf = _test(np.isinf, "isinf")
isfinite = _test(_isfinite, "isfinite")
isposinf = _test(np.isposinf, "isposinf", "isposinf does not support complex inputs.")
isneginf = _test(np.isneginf, "isneginf", "isneginf does not support complex inputs.")


def isreal(input):
    """True where the element has no imaginary part (everywhere for real dtypes)."""
    _need_tensor(input, "isreal", 1, "input")
    a = input._data
    if a.dtype.kind == "c":
        return wrap(a.imag == 0, input._device)
    return wrap(np.ones(a.shape, np.bool_), input._device)


class NanToNumBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _where(x.isfinite(), grad, 0.0)


def _nan_to_num_real(a, nan, posinf, neginf):
    info = _dtype.finfo(_dtype.from_np[a.dtype])
    hi = info.max if posinf is None else posinf
    lo = info.min if neginf is None else neginf
    t = a.dtype.type
    r = np.where(np.isnan(a), t(nan), a)
    r = np.where(r == np.inf, t(hi), r)
    return np.where(r == -np.inf, t(lo), r).astype(a.dtype, copy=False)


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """Replace nan by ``nan``, +inf by ``posinf`` and -inf by ``neginf`` (the dtype's
    largest/smallest finite values by default)."""
    _need_tensor(input, "nan_to_num", 1, "input")
    if input.is_complex() and requires_grad(input):
        raise RuntimeError("nan_to_num does not support automatic differentiation for outputs "
                           "with complex dtype.")

    def fn(a):
        if a.dtype.kind in "biu":
            return a.copy()
        if a.dtype.kind == "c":
            r = np.empty_like(a)
            r.real = _nan_to_num_real(a.real, nan, posinf, neginf)
            r.imag = _nan_to_num_real(a.imag, nan, posinf, neginf)
            return r
        return _nan_to_num_real(a, nan, posinf, neginf)
    return unary(fn, NanToNumBackward0, input, "nan_to_num", out, to_float=False)


# -- clamping ----------------------------------------------------------------------------------
class ClampBackward1(Node):
    """Number bounds: the gradient passes where min <= x <= max (bounds included)."""

    saves = {"self": (0,)}
    min = max = None

    def backward(self, grad):
        (x,) = self.saved_tensors
        if self.min is not None and self.max is not None:
            mask = (x >= self.min) & (x <= self.max)
        elif self.min is not None:
            mask = x >= self.min
        else:
            mask = x <= self.max
        return _where(mask, grad, 0.0)


class ClampBackward0(Node):
    """Tensor bounds: to x where min <= x <= max, else to the bound that was taken."""

    def backward(self, grad):
        x, lo, hi = self.saved_tensors
        need = self.needs_input_grad
        gx = glo = ghi = None
        if lo is not None and hi is not None:
            if need[0]:
                gx = _where((x >= lo) & (x <= hi), grad, 0.0)
            if need[1]:
                glo = _where((x < lo) & (lo < hi), grad, 0.0)
            if need[2]:
                ghi = _where((x > hi) | (hi < lo), grad, 0.0)
        elif lo is not None:
            gx = _where(x >= lo, grad, 0.0) if need[0] else None
            glo = _where(x < lo, grad, 0.0) if need[1] else None
        else:
            gx = _where(x <= hi, grad, 0.0) if need[0] else None
            ghi = _where(x > hi, grad, 0.0) if need[2] else None
        return gx, glo, ghi


_BOUND_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
                "int64": "int64_t", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
                "float32": "float", "float64": "double"}


def _check_bound(v, rt):
    """PyTorch's overflow check of a number bound cast to the result dtype (an unsigned type
    takes negative values down to -max, which wrap around)."""
    if isinstance(v, bool) or not isinstance(v, (int, float)) or rt.kind in "bc":
        return
    if rt.kind in "iu":
        info = np.iinfo(rt)
        lo = -int(info.max) if rt.kind == "u" else int(info.min)
        bad = not lo <= v <= int(info.max)
    else:
        big = _dtype.finfo(_dtype.from_np[rt]).max
        bad = math.isfinite(v) and builtins.abs(v) > big
    if bad:
        raise RuntimeError(f"value cannot be converted to type "
                           f"{_BOUND_NAMES[_dtype.from_np[rt].name]} without overflow")


def _clamp_dtype_check(input, lo, hi, tensor_bounds, name="clamp"):
    """PyTorch's errors for complex and bool clamping."""
    rt = _dtype.result_type(*[v for v in (input, lo, hi) if v is not None])
    if tensor_bounds:
        if name == "clamp" and input.is_complex():
            raise NotImplementedError("clamp is not supported for complex types")
        if rt.is_complex:
            kernel = "maximum_cpu" if lo is not None else "minimum_cpu"
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{rt._legacy}'")
        return
    if rt.is_complex:
        raise NotImplementedError("clamp is not supported for complex types")
    if rt is _dtype.bool:
        kernel = ("clamp_scalar_cpu" if lo is not None and hi is not None else
                  "clamp_min_scalar_cpu" if lo is not None else "clamp_max_scalar_cpu")
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _clamp_arrays(a, lo, hi):
    r = a
    if lo is not None:
        r = np.maximum(r, lo)
    if hi is not None:
        r = np.minimum(r, hi)
    return r


def clamp(input, min=None, max=None, *, out=None):
    """Limit each element to [min, max]; bounds are numbers or tensors, either may be None."""
    _need_tensor(input, "clamp", 1, "input")
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    tensors = [isinstance(b, Tensor) for b in bounds]
    if any(tensors) and not all(tensors):
        raise TypeError("clamp() received an invalid combination of arguments - got (Tensor, "
                        f"min={type(min).__name__}, max={type(max).__name__})")
    _clamp_dtype_check(input, min, max, any(tensors))
    (a, lo, hi), rt = _promoted((input, min, max))
    if not any(tensors):
        for b in bounds:
            _check_bound(b, rt)
    if any(tensors):
        _broadcast_check(*[v for v in (a, lo, hi) if v is not None])
    r = _clamp_arrays(a, lo, hi).astype(rt, copy=False)
    result = wrap(r, input._device)
    if any(tensors):
        return _finish(result, out, "clamp", (input, min, max), ClampBackward0,
                       (input, min, max))
    return _finish(result, out, "clamp", (input,), ClampBackward1, (input,), min=min, max=max)


clip = clamp


class ClampMinBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _where(x >= self.min, grad, 0.0)


class ClampMinBackward1(Node):
    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, lo = self.saved_tensors
        need = self.needs_input_grad
        return (_where(x >= lo, grad, 0.0) if need[0] else None,
                _where(x < lo, grad, 0.0) if need[1] else None)


class ClampMaxBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return _where(x <= self.max, grad, 0.0)


class ClampMaxBackward1(Node):
    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, hi = self.saved_tensors
        need = self.needs_input_grad
        return (_where(x <= hi, grad, 0.0) if need[0] else None,
                _where(x > hi, grad, 0.0) if need[1] else None)


def _clamp_one(fn, node0, node1, input, bound, name, out):
    _need_tensor(input, name, 1, "input")
    if name == "clamp_min":
        _clamp_dtype_check(input, bound, None, isinstance(bound, Tensor), name)
    else:
        _clamp_dtype_check(input, None, bound, isinstance(bound, Tensor), name)
    if isinstance(bound, Tensor):
        return binary(fn, node1, input, bound, name, out)
    (a, b), rt = _promoted((input, bound))
    _check_bound(bound, rt)
    result = wrap(fn(a, b).astype(rt, copy=False), input._device)
    key = "min" if name == "clamp_min" else "max"
    return _finish(result, out, name, (input,), node0, (input,), **{key: bound})


def clamp_min(input, min, *, out=None):
    """``max(input, min)`` with clamp's gradient (passes where input >= min)."""
    return _clamp_one(np.maximum, ClampMinBackward0, ClampMinBackward1, input, min,
                      "clamp_min", out)


def clamp_max(input, max, *, out=None):
    """``min(input, max)`` with clamp's gradient (passes where input <= max)."""
    return _clamp_one(np.minimum, ClampMaxBackward0, ClampMaxBackward1, input, max,
                      "clamp_max", out)


# -- maximum and minimum ------------------------------------------------------------------------
class MaximumBackward0(Node):
    """Ties split the gradient half/half, as PyTorch does."""

    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, y = self.saved_tensors
        g = _where(x == y, grad / 2, grad)
        need = self.needs_input_grad
        return (_where(x < y, 0.0, g) if need[0] else None,
                _where(x > y, 0.0, g) if need[1] else None)


class MinimumBackward0(Node):
    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, y = self.saved_tensors
        g = _where(x == y, grad / 2, grad)
        need = self.needs_input_grad
        return (_where(x > y, 0.0, g) if need[0] else None,
                _where(x < y, 0.0, g) if need[1] else None)


class FmaxBackward0(Node):
    """Ties and nan in ``other`` send the gradient to ``self``."""

    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, y = self.saved_tensors
        to_self = (x >= y) | y.isnan()
        need = self.needs_input_grad
        return (_where(to_self, grad, 0.0) if need[0] else None,
                _where(to_self, 0.0, grad) if need[1] else None)


class FminBackward0(Node):
    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, y = self.saved_tensors
        to_self = (x <= y) | y.isnan()
        need = self.needs_input_grad
        return (_where(to_self, grad, 0.0) if need[0] else None,
                _where(to_self, 0.0, grad) if need[1] else None)


def _extremum(fn, node_cls, input, other, name, out):
    _need_tensor(input, name, 1, "input")
    _need_tensor(other, name, 2, "other")
    if input.is_complex() or other.is_complex():
        raise RuntimeError(f"{name} not implemented for complex tensors.")
    return binary(fn, node_cls, input, other, name, out)


def maximum(input, other, *, out=None):
    """Elementwise maximum (nan wins); the gradient splits evenly at ties."""
    return _extremum(np.maximum, MaximumBackward0, input, other, "maximum", out)


def minimum(input, other, *, out=None):
    """Elementwise minimum (nan wins); the gradient splits evenly at ties."""
    return _extremum(np.minimum, MinimumBackward0, input, other, "minimum", out)


def fmax(input, other, *, out=None):
    """Elementwise maximum ignoring nan (nan only where both are nan)."""
    return _extremum(np.fmax, FmaxBackward0, input, other, "fmax", out)


def fmin(input, other, *, out=None):
    """Elementwise minimum ignoring nan (nan only where both are nan)."""
    return _extremum(np.fmin, FminBackward0, input, other, "fmin", out)


# -- interpolation and fused multiply-add ------------------------------------------------------
class LerpBackward0(Node):
    """Number weight."""

    def backward(self, grad):
        w = self.weight
        need = self.needs_input_grad
        wc = w.conjugate() if isinstance(w, complex) else w
        return (grad * (1 - wc) if need[0] else None), (grad * wc if need[1] else None)


class LerpBackward1(Node):
    """Tensor weight."""

    def backward(self, grad):
        x, end, w = self.saved_tensors
        need = self.needs_input_grad
        return (_mulc(grad, 1 - w) if need[0] else None,
                _mulc(grad, w) if need[1] else None,
                _mulc(grad, end - x) if need[2] else None)


def _lerp_arrays(s, e, w):
    d = e - s
    small = np.abs(w) < 0.5
    return np.where(small, s + w * d, e - d * (1 - w))


def lerp(input, end, weight, *, out=None):
    """``input + weight * (end - input)``, computed from the nearer end as PyTorch does."""
    _need_tensor(input, "lerp", 1, "input")
    _need_tensor(end, "lerp", 2, "end")
    if end._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected dtype {_CPP_NAMES[input.dtype.name]} for `end` but got "
                           f"dtype {_CPP_NAMES[end.dtype.name]}")
    wt = isinstance(weight, Tensor)
    if wt and weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected dtype {_CPP_NAMES[input.dtype.name]} for `weight` but "
                           f"got dtype {_CPP_NAMES[weight.dtype.name]}")
    if input._data.dtype.kind in "biu":
        raise _not_implemented("lerp_kernel_tensor" if wt else "lerp_kernel_scalar", input)
    if isinstance(weight, complex) and not input.is_complex():
        raise RuntimeError(f"value cannot be converted to type {_CPP_NAMES[input.dtype.name]} "
                           "without overflow")
    s, e = input._data, end._data
    w = weight._data if wt else weight
    _broadcast_check(s, e, *((w,) if wt else ()))
    r = _lerp_arrays(s, e, w).astype(s.dtype, copy=False)
    result = wrap(r, input._device)
    if wt:
        return _finish(result, out, "lerp", (input, end, weight), LerpBackward1,
                       (input, end, weight))
    return _finish(result, out, "lerp", (input, end), LerpBackward0, weight=weight)


class AddcmulBackward0(Node):
    def backward(self, grad):
        t1, t2 = self.saved_tensors
        v = self.value
        need = self.needs_input_grad
        return (grad if need[0] else None,
                _mulc(grad, t2 * v) if need[1] else None,
                _mulc(grad, t1 * v) if need[2] else None)


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 * tensor2``."""
    _need_tensor(input, "addcmul", 1, "input")
    (a, b, c), rt = _promoted((input, tensor1, tensor2))
    _broadcast_check(a, b, c)
    v = value
    if rt.kind in "iub" and isinstance(v, float):
        v = int(v)
    r = (a + (v * b) * c if v != 1 else a + b * c).astype(rt, copy=False)
    result = wrap(r, input._device)
    return _finish(result, out, "addcmul", (input, tensor1, tensor2), AddcmulBackward0,
                   (tensor1, tensor2), value=value)


class AddcdivBackward0(Node):
    def backward(self, grad):
        t1, t2 = self.saved_tensors
        v = self.value
        need = self.needs_input_grad
        return (grad if need[0] else None,
                _mulc(grad, v / t2) if need[1] else None,
                _mulc(-grad, t1 * v / (t2 * t2)) if need[2] else None)


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``input + value * tensor1 / tensor2``."""
    _need_tensor(input, "addcdiv", 1, "input")
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))"
            ".to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    (a, b, c), rt = _promoted((input, tensor1, tensor2))
    _broadcast_check(a, b, c)
    r = (a + (value * b) / c if value != 1 else a + b / c).astype(rt, copy=False)
    result = wrap(r, input._device)
    return _finish(result, out, "addcdiv", (input, tensor1, tensor2), AddcdivBackward0,
                   (tensor1, tensor2), value=value)


# -- rounding division, remainders --------------------------------------------------------------
def _int_zero_check(b):
    """PyTorch raises for integer division by zero (floor_divide, remainder, fmod, div)."""
    if np.ndim(b) == 0 and not hasattr(b, "dtype"):
        if b == 0:
            raise RuntimeError("ZeroDivisionError")
    elif not b.all():
        raise RuntimeError("ZeroDivisionError")


def _floor_div_arrays(a, b):
    return np.floor_divide(a, b)


def _trunc_div_arrays(a, b):
    rt = a.dtype if hasattr(a, "dtype") else b.dtype
    if rt.kind in "iu":
        q = np.floor_divide(a, b)
        fix = (q * b != a) & ((np.asarray(a) < 0) != (np.asarray(b) < 0))
        return (q + fix).astype(rt, copy=False)
    return np.trunc(np.true_divide(a, b))


def _integer_op(input, other, name, kernel, fn, node_cls, out, attrs=None):
    """A division-like op: no bool or complex, integer division by zero raises."""
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    _, b, rt = operands(input, other, name)
    if rt.kind in "bc":
        raise _not_implemented(kernel, _dtype.from_np[rt])
    if rt.kind in "iu":
        _int_zero_check(b)

    def compute(x, y):
        return np.asarray(fn(x, y)).astype(rt, copy=False)
    if node_cls is NotImplementedBackward and not (isinstance(input, Tensor) and
                                                   isinstance(other, Tensor)):
        # PyTorch's NotImplemented node has edges to the tensor operands only
        t = input if isinstance(input, Tensor) else other
        result = binary(compute, None, input, other, name, out)
        return _finish(result, out, name, (t,), node_cls, **(attrs or {}))
    return binary(compute, node_cls, input, other, name, out, attrs=attrs)


def _div_rounding(fn, input, other, kernel, out):
    return _integer_op(input, other, "div", kernel, fn, DivBackward2, out)


class DivBackward2(_ZeroGrad):
    """div with a rounding_mode: piecewise constant, zero gradients."""

    def backward(self, grad):
        z = _zeros(grad)
        need = self.needs_input_grad
        return (z if need[0] else None), (z if need[1] else None)


def floor_divide(input, other, *, out=None):
    """Division rounded down (``//``); integer division by zero raises."""
    return _integer_op(input, other, "floor_divide", "div_floor_cpu", _floor_div_arrays,
                       NotImplementedBackward, out, attrs={"op": "floor_divide"})


def _remainder_arrays(a, b):
    rt = a.dtype if hasattr(a, "dtype") else b.dtype
    if rt.kind in "iu":
        return np.remainder(a, b)
    m = np.fmod(a, b)
    fix = (m != 0) & ((np.asarray(b) < 0) != (m < 0))
    return np.where(fix, m + b, m).astype(rt, copy=False)


class RemainderBackward0(Node):
    def backward(self, grad):
        return grad


class RemainderBackward1(Node):
    saves = {"self": (1,), "other": (1,)}

    def backward(self, grad):
        x, y = self.saved_tensors
        need = self.needs_input_grad
        return (grad if need[0] else None,
                -grad * div(x, y, rounding_mode="floor") if need[1] else None)


def remainder(input, other, *, out=None):
    """Python's ``%``: the result has the sign of ``other``."""
    if isinstance(input, Tensor) and not isinstance(other, Tensor):
        result = _integer_op(input, other, "remainder", "remainder_cpu", _remainder_arrays,
                             None, out)
        return _finish(result, None, "remainder", (input,), RemainderBackward0)
    if not isinstance(input, Tensor):
        return _integer_op(input, other, "remainder", "remainder_cpu", _remainder_arrays,
                           NotImplementedBackward, out, attrs={"op": "remainder"})
    return _integer_op(input, other, "remainder", "remainder_cpu", _remainder_arrays,
                       RemainderBackward1, out)


class FmodBackward0(Node):
    def backward(self, grad):
        return grad


class FmodBackward1(Node):
    saves = {"self": (1,), "other": (1,)}

    def backward(self, grad):
        x, y = self.saved_tensors
        need = self.needs_input_grad
        return (grad if need[0] else None,
                -grad * div(x, y, rounding_mode="trunc") if need[1] else None)


def fmod(input, other, *, out=None):
    """C's ``fmod``: the remainder has the sign of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError("fmod() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    if not isinstance(other, Tensor):
        result = _integer_op(input, other, "fmod", "fmod_cpu", np.fmod, None, out)
        return _finish(result, None, "fmod", (input,), FmodBackward0)
    return _integer_op(input, other, "fmod", "fmod_cpu", np.fmod, FmodBackward1, out)


# -- powers, hypot, log-sum-exp, x*log(y), copysign -----------------------------------------------
def float_power(input, exponent, *, out=None):
    """``input ** exponent`` computed in float64 (complex128 if either is complex)."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(exponent).__name__})")
    cplx = any(isinstance(v, complex) or isinstance(v, Tensor) and v.is_complex()
               for v in (input, exponent))
    dt = _dtype.complex128 if cplx else _dtype.float64
    b = input.to(dt) if isinstance(input, Tensor) else input
    e = exponent.to(dt) if isinstance(exponent, Tensor) else exponent
    return pow(b, e, out=out)


def float_power_(self, exponent):
    """In-place ``float_power``: ``self`` must already be float64 (complex128)."""
    cplx = self.is_complex() or isinstance(exponent, complex) or (
        isinstance(exponent, Tensor) and exponent.is_complex())
    want = _dtype.complex128 if cplx else _dtype.float64
    if self.dtype is not want:
        raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype._legacy} but "
                           f"the operation's result requires dtype {want._legacy}")
    others = [exponent] if isinstance(exponent, Tensor) else []
    return apply_inplace(self, lambda src: float_power(src, exponent), others)


class HypotBackward0(Node):
    saves = {"self": (0,), "other": (1,), "result": (0, 1)}

    def backward(self, grad):
        x, y, result = self.saved_tensors
        need = self.needs_input_grad
        return (grad * x / result if need[0] else None,
                grad * y / result if need[1] else None)


def _float_binary(name, input, other, allow_complex=False):
    _need_tensor(input, name, 1, "input")
    _need_tensor(other, name, 2, "other")
    rt = _dtype.result_type(input, other)
    if not (rt.is_floating_point or allow_complex and rt.is_complex):
        raise _not_implemented(f"{name}_cpu", rt)


def hypot(input, other, *, out=None):
    """``sqrt(input**2 + other**2)`` without overflow."""
    _float_binary("hypot", input, other)
    return binary(np.hypot, HypotBackward0, input, other, "hypot", out)


class LogaddexpBackward0(Node):
    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, y = self.saved_tensors
        need = self.needs_input_grad
        gx = gy = None
        if need[0]:
            d = (y - x).exp() + 1
            gx = grad / (d.conj() if d.is_complex() else d)
        if need[1]:
            d = (x - y).exp() + 1
            gy = grad / (d.conj() if d.is_complex() else d)
        return gx, gy


def _logaddexp(a, b):
    if a.dtype.kind != "c":
        return np.logaddexp(a, b)
    hi = np.where(a.real >= b.real, a, b)
    lo = np.where(a.real >= b.real, b, a)
    return hi + np.log1p(np.exp(lo - hi))


def logaddexp(input, other, *, out=None):
    """``log(exp(input) + exp(other))``, computed without overflow."""
    _float_binary("logaddexp", input, other, allow_complex=True)
    return binary(_logaddexp, LogaddexpBackward0, input, other, "logaddexp", out)


class Logaddexp2Backward0(Node):
    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, y = self.saved_tensors
        need = self.needs_input_grad
        return (grad / ((y - x).exp2() + 1) if need[0] else None,
                grad / ((x - y).exp2() + 1) if need[1] else None)


def logaddexp2(input, other, *, out=None):
    """``log2(2**input + 2**other)``, computed without overflow."""
    _float_binary("logaddexp2", input, other)
    return binary(np.logaddexp2, Logaddexp2Backward0, input, other, "logaddexp2", out)


def _xlogy_arrays(x, y):
    with np.errstate(all="ignore"):
        r = np.where(x == 0, 0, x * np.log(y))
    return np.where(np.isnan(y), np.nan, r)


class XlogyBackward0(Node):
    saves = {"self": (0, 1), "other": (0, 1)}

    def backward(self, grad):
        x, y = self.saved_tensors
        need = self.needs_input_grad
        return (grad * xlogy((x != 0).to(grad.dtype), y) if need[0] else None,
                grad * x / y if need[1] else None)


class XlogyBackward1(Node):
    """Number ``self``."""

    saves = {"other": (0,)}

    def backward(self, grad):
        (y,) = self.saved_tensors
        return grad * self.self_scalar / y


class XlogyBackward2(Node):
    """Number ``other``."""

    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * xlogy((x != 0).to(grad.dtype), self.other_scalar)


def xlogy(input, other, *, out=None):
    """``input * log(other)``, 0 where input is 0 (unless other is nan)."""
    x_t, y_t = isinstance(input, Tensor), isinstance(other, Tensor)
    if not (x_t or y_t):
        raise TypeError("xlogy() received an invalid combination of arguments - got "
                        f"({type(input).__name__}, {type(other).__name__})")
    rt = _dtype.result_type(input, other)
    for t in (input, other):
        if isinstance(t, Tensor) and t.is_complex() or rt.is_complex:
            raise _not_implemented("xlogy_cpu", t if isinstance(t, Tensor) else
                                   (input if x_t else other))
    (a, b), npd = _promoted((input, other), _true_div_dtype(rt.np))
    if x_t and y_t:
        _broadcast_check(a, b)
    result = wrap(np.asarray(_xlogy_arrays(a, b)).astype(npd, copy=False), _device(input, other))
    if x_t and y_t:
        return _finish(result, out, "xlogy", (input, other), XlogyBackward0, (input, other))
    if y_t:
        return _finish(result, out, "xlogy", (other,), XlogyBackward1, (other,),
                       self_scalar=input)
    return _finish(result, out, "xlogy", (input,), XlogyBackward2, (input,),
                   other_scalar=other)


class CopysignBackward0(Node):
    saves = {"self": (0,), "result": (0,)}

    def backward(self, grad):
        x, result = self.saved_tensors
        need = self.needs_input_grad
        gx = _where(x == 0, 0.0, grad * (result / x)) if need[0] else None
        return gx, (_zeros(grad) if need[1] else None)


class CopysignBackward1(Node):
    saves = {"self": (0,), "result": (0,)}

    def backward(self, grad):
        x, result = self.saved_tensors
        return _where(x == 0, 0.0, grad * (result / x))


def copysign(input, other, *, out=None):
    """The magnitude of ``input`` with the sign of ``other``."""
    _need_tensor(input, "copysign", 1, "input")
    for t in (input, other):
        if isinstance(t, Tensor) and t.is_complex():
            raise _not_implemented("copysign_cpu", t)
    if isinstance(other, Tensor):
        return binary(np.copysign, CopysignBackward0, input, other, "copysign", out,
                      result_np=_true_div_dtype)
    (a, b), rt = _promoted((input, other), _true_div_dtype(_dtype.result_type(input, other).np))
    result = wrap(np.copysign(a, b).astype(rt, copy=False), input._device)
    if out is not None:
        return _to_out(result, out, "copysign", (input,))
    if requires_grad(input):
        node = record(CopysignBackward1, (input,), (result,))
        node.save(input, result)
    return result


# -- angles, complex parts ---------------------------------------------------------------------
class Deg2RadBackward0(Node):
    def backward(self, grad):
        return grad * (math.pi / 180)


class Rad2DegBackward0(Node):
    def backward(self, grad):
        return grad * (180 / math.pi)


def deg2rad(input, *, out=None):
    """Degrees to radians."""
    _need_tensor(input, "deg2rad", 1, "input")
    if input.is_complex():
        raise RuntimeError("deg2rad is not supported for complex tensors.")
    return unary(lambda a: (a * (math.pi / 180)).astype(a.dtype, copy=False), Deg2RadBackward0,
                 input, "deg2rad", out)


def rad2deg(input, *, out=None):
    """Radians to degrees."""
    _need_tensor(input, "rad2deg", 1, "input")
    if input.is_complex():
        raise RuntimeError("rad2deg is not supported for complex tensors.")
    return unary(lambda a: (a * (180 / math.pi)).astype(a.dtype, copy=False), Rad2DegBackward0,
                 input, "rad2deg", out)


class ConjBackward0(Node):
    def backward(self, grad):
        return grad.conj()


class ConjPhysicalBackward0(Node):
    def backward(self, grad):
        return grad.conj_physical()


def conj(input):
    """The complex conjugate; a real tensor is returned as is.

    PyTorch returns a lazily conjugated view; torcia returns a conjugated copy."""
    _need_tensor(input, "conj", 1, "input")
    if not input.is_complex():
        return input
    return unary(np.conj, ConjBackward0, input, "conj", to_float=False)


def conj_physical(input, *, out=None):
    """The complex conjugate, materialised; a real tensor is returned as is."""
    _need_tensor(input, "conj_physical", 1, "input")
    if not input.is_complex():
        return input if out is None else _to_out(input, out, "conj_physical", (input,))
    return unary(np.conj, ConjPhysicalBackward0, input, "conj_physical", out, to_float=False)


def resolve_conj(input):
    return input


def resolve_neg(input):
    return input


def is_conj(input):
    return False


def is_neg(input):
    return False


class RealBackward(Node):
    """Gradient of ``real`` (PyTorch: a select of view_as_real, named SelectBackward0)."""

    def name(self):
        return "SelectBackward0"

    def backward(self, grad):
        return grad * (1 + 0j)


class ImagBackward(RealBackward):
    def backward(self, grad):
        return grad * 1j


def real(input):
    """The real part: a view for complex tensors, the tensor itself otherwise."""
    _need_tensor(input, "real", 1, "input")
    if not input.is_complex():
        return input
    from ._core import make_view
    return make_view(input, input._data.real, real, RealBackward)


def imag(input):
    """The imaginary part, a view (complex tensors only)."""
    _need_tensor(input, "imag", 1, "input")
    if not input.is_complex():
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    from ._core import make_view
    return make_view(input, input._data.imag, imag, ImagBackward)


class AngleBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        if not x.is_complex():
            return _zeros(grad)
        return _where(x == 0, 0.0, grad * x / (x.abs() ** 2) * 1j)


def _angle(a):
    if a.dtype.kind == "c":
        return np.angle(a).astype(a.real.dtype, copy=False)
    return np.where(np.isnan(a), a, np.where(a < 0, a.dtype.type(math.pi), 0)).astype(
        a.dtype, copy=False)


def angle(input, *, out=None):
    """The argument of each element (pi for negative reals, 0 otherwise)."""
    return unary(_angle, AngleBackward0, input, "angle", out)


def positive(input):
    """``+input``: the tensor itself."""
    _need_tensor(input, "positive", 1, "input")
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def heaviside(input, values, *, out=None):
    """0 where input < 0, 1 where input > 0, ``values`` where input == 0."""
    _need_tensor(input, "heaviside", 1, "input")
    _need_tensor(values, "heaviside", 2, "values")
    if input.is_complex() or values.is_complex():
        raise RuntimeError("heaviside is not yet implemented for complex tensors.")
    if input._data.dtype != values._data.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different "
                           "dtypes.")

    def fn(a, b):
        return np.where(a == 0, b, a > 0).astype(a.dtype, copy=False)
    return binary(fn, NotImplementedBackward, input, values, "heaviside", out,
                  attrs={"op": "heaviside"})


# -- shifts ---------------------------------------------------------------------------------------
def _shift(left):
    name = "bitwise_left_shift" if left else "bitwise_right_shift"
    kernel = "lshift_cpu" if left else "rshift_cpu"

    def fn(a, b):
        rt = a.dtype if hasattr(a, "dtype") else b.dtype
        bits = rt.itemsize * 8
        b = np.asarray(b, rt) if not hasattr(b, "dtype") else b
        ok = (b >= 0) & (b < bits)
        safe = np.where(ok, b, 0).astype(rt, copy=False)
        if left:
            return np.where(ok, np.left_shift(a, safe), 0).astype(rt, copy=False)
        over = np.right_shift(a, bits - 1) if rt.kind == "i" else np.zeros_like(a)
        return np.where(ok, np.right_shift(a, safe), over).astype(rt, copy=False)

    def op(input, other, *, out=None):
        rt = _dtype.result_type(input, other)
        if rt.is_floating_point or rt.is_complex or rt is _dtype.bool:  # integers only
            raise _not_implemented(kernel, rt)
        return binary(fn, None, input, other, name, out)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (f"Elementwise {'left' if left else 'right'} shift of integer tensors "
                  f"(``{'<<' if left else '>>'}``), as PyTorch defines out-of-range shifts.")
    return op


bitwise_left_shift = _shift(True)
bitwise_right_shift = _shift(False)


# -- torch.name_(tensor, ...): module-level in-place forms ----------------------------------------
def _torch_inplace(name):
    def op(input, *args, **kwargs):
        return getattr(input, name + "_")(*args, **kwargs)
    op.__name__ = op.__qualname__ = name + "_"
    op.__doc__ = f"In-place ``{name}``: ``torch.{name}_(t)`` is ``t.{name}_()``."
    return op


_TORCH_INPLACE = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "sqrt", "rsqrt",
                  "square", "sin", "cos", "tan", "asin", "arcsin", "acos", "arccos", "atan",
                  "arctan", "sinh", "cosh", "tanh", "sigmoid", "logit", "relu", "erf", "erfc",
                  "floor", "ceil", "round", "trunc", "fix", "frac", "abs", "nan_to_num", "clamp",
                  "clip", "clamp_min", "clamp_max", "xlogy", "deg2rad", "rad2deg", "conj_physical",
                  "reciprocal", "neg", "negative"]
for _name in _TORCH_INPLACE:
    globals()[_name + "_"] = _torch_inplace(_name)
del _name

__all__ += [
    "exp2", "expm1", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "sin", "cos", "tan",
    "asin", "arcsin", "acos", "arccos", "atan", "arctan", "atan2", "arctan2", "sinh", "cosh",
    "tanh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "sigmoid", "logit",
    "relu", "erf", "erfc", "erfinv", "sign", "sgn", "signbit", "floor", "ceil", "round",
    "trunc", "fix", "frac", "abs", "absolute", "isnan", "isinf", "isposinf", "isneginf",
    "isfinite", "isreal", "nan_to_num", "clamp", "clip", "clamp_min", "clamp_max", "maximum",
    "minimum", "fmax", "fmin", "lerp", "addcmul", "addcdiv", "floor_divide", "remainder",
    "fmod", "float_power", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign", "deg2rad",
    "rad2deg", "conj", "conj_physical", "resolve_conj", "resolve_neg", "is_conj", "is_neg",
    "real", "imag", "angle", "positive", "heaviside", "bitwise_left_shift",
    "bitwise_right_shift", "asinh_", "arcsinh_", "acosh_", "arccosh_", "atanh_", "arctanh_",
] + [n + "_" for n in _TORCH_INPLACE]

_MORE_METHODS = [
    "exp2", "expm1", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "sin", "cos", "tan",
    "asin", "arcsin", "acos", "arccos", "atan", "arctan", "atan2", "arctan2", "sinh", "cosh",
    "tanh", "asinh", "arcsinh", "acosh", "arccosh", "atanh", "arctanh", "sigmoid", "logit",
    "relu", "erf", "erfc", "erfinv", "sign", "sgn", "signbit", "floor", "ceil", "round",
    "trunc", "fix", "frac", "abs", "absolute", "isnan", "isinf", "isposinf", "isneginf",
    "isfinite", "isreal", "nan_to_num", "clamp", "clip", "clamp_min", "clamp_max", "maximum",
    "minimum", "fmax", "fmin", "lerp", "addcmul", "addcdiv", "floor_divide", "remainder",
    "fmod", "float_power", "float_power_", "hypot", "logaddexp", "logaddexp2", "xlogy",
    "copysign", "deg2rad", "rad2deg", "conj", "conj_physical", "resolve_conj", "resolve_neg",
    "is_conj", "is_neg", "angle", "positive", "heaviside", "bitwise_left_shift",
    "bitwise_right_shift", "asinh_", "arcsinh_", "acosh_", "arccosh_", "atanh_", "arctanh_"]
METHODS += _MORE_METHODS
INPLACE += [
    "exp2", "expm1", "log2", "log10", "log1p", "sqrt", "rsqrt", "square", "sin", "cos", "tan",
    "asin", "arcsin", "acos", "arccos", "atan", "arctan", "atan2", "arctan2", "sinh", "cosh",
    "tanh", "sigmoid", "logit", "relu", "erf", "erfc", "erfinv", "sign", "sgn", "floor", "ceil",
    "round", "trunc", "fix", "frac", "abs", "absolute", "nan_to_num", "clamp", "clip", "clamp_min",
    "clamp_max", "lerp", "addcmul", "addcdiv", "floor_divide", "remainder", "fmod", "hypot",
    "xlogy", "copysign", "deg2rad", "rad2deg", "conj_physical", "heaviside", "bitwise_left_shift",
    "bitwise_right_shift"]


# =============================================================================================
# Gamma-family and Bessel special functions, sinc, frexp/ldexp, gcd/lcm, nextafter, closeness.
# The special-function kernels (torcia/_backend/gamma.py) work in float64; float32 and the
# half types are computed there and rounded back.
class LgammaBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * digamma(x)


def lgamma(input, *, out=None):
    """``log|Gamma(input)|``, elementwise (+inf at 0 and the negative integers)."""
    _real_only(input, "lgamma_vml_cpu")
    return unary(_in_float64(_gamma.lgamma), LgammaBackward0, input, "lgamma", out)


class DigammaBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * polygamma(1, x)


def digamma(input, *, out=None):
    """The logarithmic derivative of Gamma, ``psi(x) = Gamma'(x) / Gamma(x)``."""
    _real_only(input, "digamma")
    return unary(_in_float64(_gamma.digamma), DigammaBackward0, input, "digamma", out)


class PolygammaBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * polygamma(self.n + 1, x)


def polygamma(n, input, *, out=None):
    """The ``n``-th derivative of digamma (``n = 0`` is digamma itself)."""
    n = operator.index(n)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    _real_only(input, "digamma" if n == 0 else "trigamma" if n == 1 else "polygamma")
    if n == 0:
        kernel = _gamma.digamma
    else:
        def kernel(a):
            return _gamma.polygamma(n, a)
    return unary(_in_float64(kernel), PolygammaBackward0, input, "polygamma", out, n=n)


def _polygamma_method(self, n):
    return polygamma(n, self)


def _polygamma_inplace(self, n):
    return apply_inplace(self, lambda src: polygamma(n, src))


class MvlgammaBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * _mv_terms(x, self.p, digamma)


def _mv_terms(x, p, fn):
    """sum_i fn(x - i/2) over i < p, in Tensor ops (mvlgamma's derivative)."""
    from .creation import arange
    args = arange(-p * 0.5 + 0.5, 0.5, 0.5, dtype=x.dtype, device=x.device) + x.unsqueeze(-1)
    return fn(args).sum(-1)


def mvlgamma(input, p, *, out=None):
    """The multivariate log-gamma function of dimension ``p``:
    ``sum_{i<p} lgamma(x - i/2) + p (p - 1) / 4 log(pi)``."""
    _need_tensor(input, "mvlgamma", 1, "input")
    p = operator.index(p)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if input.is_complex():
        raise _not_implemented("arange_cpu", input)
    const = p * (p - 1) * math.log(math.pi) / 4

    def kernel(a):
        total = np.zeros_like(a)
        for i in range(p - 1, -1, -1):
            total += _gamma.lgamma(a - i * 0.5)
        return total + const
    return unary(_in_float64(kernel), MvlgammaBackward0, input, "mvlgamma", out, p=p)


def _mvlgamma_inplace(self, p):
    return apply_inplace(self, lambda src: mvlgamma(src, p))


class I0Backward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * special_i1(x)


def i0(input, *, out=None):
    """The modified Bessel function of the first kind of order 0."""
    _real_only(input, "i0_vml_cpu")
    return unary(_in_float64(_gamma.i0), I0Backward0, input, "i0", out)


class SpecialI1Backward0(Node):
    saves = {"self": (0,), "result": (0,)}

    def backward(self, grad):
        x, result = self.saved_tensors
        eps = float(np.finfo(x._data.dtype).eps) if x._data.dtype != _dtype.bfloat16.np \
            else 0.0078125
        big = x.abs() > eps
        safe = _where(big, x, x.new_full((), eps))
        return grad * _where(big, i0(safe) - result * safe.reciprocal(), x.new_full((), 0.5))


def special_i1(input, *, out=None):
    """The modified Bessel function of the first kind of order 1 (``torch.special.i1``)."""
    _real_only(input, "i1_cpu")
    return unary(_in_float64(_gamma.i1), SpecialI1Backward0, input, "special_i1", out)


class SincBackward0(Node):
    saves = {"self": (0,)}

    def backward(self, grad):
        (x,) = self.saved_tensors
        x_pi = x * math.pi
        sq_pi = x * x * math.pi
        out = grad * (x_pi * x_pi.cos() - x_pi.sin()) / sq_pi.conj()
        return _where(sq_pi == 0.0, _zeros(out), out)


def _sinc(a):
    with np.errstate(all="ignore"):
        prod = a * a.dtype.type(math.pi)
        return np.where(a == 0, a.dtype.type(1), np.sin(prod) / prod).astype(a.dtype, copy=False)


def sinc(input, *, out=None):
    """The normalised sinc function ``sin(pi x) / (pi x)`` (1 at 0)."""
    _need_tensor(input, "sinc", 1, "input")
    return unary(_in_float32(_sinc), SincBackward0, input, "sinc", out)


class FrexpBackward0(Node):
    def backward(self, grad, _grad_exponent=None):
        (exponent,) = self.saved_tensors
        return grad / exponent.exp2()


def frexp(input, *, out=None):
    """Mantissa in [0.5, 1) (signed) and int32 exponent with ``input = mantissa * 2**exponent``."""
    _need_tensor(input, "frexp", 1, "input")
    a = input._data
    if not input.is_floating_point():
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    if a.dtype == _dtype.bfloat16.np:
        m, e = np.frexp(a.astype(np.float32))
        m = m.astype(a.dtype)
    else:
        m, e = np.frexp(a)
    mantissa, exponent = wrap(m, input._device), wrap(e.astype(np.int32), input._device)
    from .. import return_types
    if out is not None:
        _to_out(mantissa, out[0], "frexp", (input,))
        _to_out(exponent, out[1], "frexp", (input,))
        return return_types.frexp(out)
    if requires_grad(input):
        node = record(FrexpBackward0, (input,), (mantissa, None))
        node.save(exponent)
    return return_types.frexp((mantissa, exponent))


class LdexpBackward0(Node):
    saves = {"other": (0,), "self": (1,)}

    def backward(self, grad):
        other, x = self.saved_tensors
        nf = self.next_functions
        scale = other.exp2() if other is not None else None
        return (grad * scale if nf[0][0] is not None else None,
                grad * x * scale * _LN2 if nf[1][0] is not None else None)


def ldexp(input, other, *, out=None):
    """``input * 2**other``; integer operands give the default float dtype."""
    _need_tensor(input, "ldexp", 1, "input")
    _need_tensor(other, "ldexp", 2, "other")
    rt = _dtype.result_type(input, other)
    if not (rt.is_floating_point or rt.is_complex):
        rt = _dtype.get_default_dtype()

    def fn(a, b):
        if b.dtype.kind in "iub":
            return np.ldexp(a, b.astype(np.int32)) if a.dtype.kind == "f" and \
                a.dtype != _dtype.bfloat16.np else a * np.exp2(b).astype(a.dtype)
        return a * np.exp2(b)
    return binary(fn, LdexpBackward0, input, other, "ldexp", out,
                  result_np=lambda _rt: rt.np)


def _integer_binary(fn, name):
    kernel = f"{name}_cpu"

    def op(input, other, *, out=None):
        _need_tensor(input, name, 1, "input")
        rt = _dtype.result_type(input, other)
        if rt.is_floating_point or rt.is_complex or rt is _dtype.bool:
            raise _not_implemented(kernel, rt)
        return binary(fn, None, input, other, name, out)
    op.__name__ = op.__qualname__ = name
    return op


gcd = _integer_binary(np.gcd, "gcd")
gcd.__doc__ = "Greatest common divisor of integer tensors, elementwise (non-negative)."
lcm = _integer_binary(np.lcm, "lcm")
lcm.__doc__ = "Least common multiple of integer tensors, elementwise (non-negative)."


class NextafterBackward0(Node):
    def backward(self, grad):
        return grad, (_zeros(grad) if self.next_functions[1][0] is not None else None)


def nextafter(input, other, *, out=None):
    """The next floating-point value after ``input`` towards ``other``."""
    _need_tensor(input, "nextafter", 1, "input")
    _need_tensor(other, "nextafter", 2, "other")
    rt = _dtype.result_type(input, other)
    if not rt.is_floating_point:
        raise _not_implemented("nextafter_cpu", rt)
    return binary(np.nextafter, NextafterBackward0, input, other, "nextafter", out)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` (and equality, for infinities);
    both tensors must have one dtype."""
    _need_tensor(input, "isclose", 1, "input")
    _need_tensor(other, "isclose", 2, "other")
    if input.dtype is not other.dtype:
        raise RuntimeError(f"{input.dtype._legacy} did not match {other.dtype._legacy}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    a, b = input._data, other._data
    _broadcast_check(a, b)
    with np.errstate(all="ignore"):
        close = a == b
        if equal_nan and (input.is_floating_point() or input.is_complex()):
            close = close | (np.isnan(a) & np.isnan(b))
        if rtol != 0 or atol != 0:
            if a.dtype == np.bool_:
                a = a.astype(_dtype.get_default_dtype().np)
                b = b.astype(a.dtype)
            allowed = atol + np.abs(_float_times(rtol, b))
            actual = np.abs(a - b)
            close = close | (_isfinite(actual) & (actual <= allowed))
    return wrap(np.asarray(close), input._device)


def _float_times(s, b):
    """``s * b`` as PyTorch computes a Python float times a tensor (integers: default float)."""
    if b.dtype.kind in "iu":
        b = b.astype(_dtype.get_default_dtype().np)
    if b.dtype == _dtype.bfloat16.np:
        return (s * b.astype(np.float32)).astype(b.dtype)
    return s * b


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether ``isclose`` holds everywhere (a Python bool)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """Whether two tensors have the same size and the same values (a Python bool; NaN is
    never equal)."""
    _need_tensor(input, "equal", 1, "input")
    _need_tensor(other, "equal", 2, "other")
    from ._core import check_same_device
    check_same_device(input, other)
    if input._data.shape != other._data.shape:
        return False
    return bool(eq(input, other)._data.all())


_MORE_TORCH_INPLACE = ["i0", "sinc", "gcd", "lcm", "ldexp"]  # torch has no lgamma_, digamma_
for _name in _MORE_TORCH_INPLACE:
    globals()[_name + "_"] = _torch_inplace(_name)
del _name

__all__ += ["lgamma", "digamma", "polygamma", "mvlgamma", "i0", "sinc", "frexp", "ldexp",
            "gcd", "lcm", "nextafter", "isclose", "allclose", "equal"] + [
    n + "_" for n in _MORE_TORCH_INPLACE]
METHODS += ["lgamma", "digamma", "i0", "sinc", "frexp", "ldexp", "gcd", "lcm", "nextafter",
            "isclose", "allclose", "equal"]
INPLACE += ["lgamma", "digamma", "i0", "sinc", "ldexp", "gcd", "lcm", "nextafter"]


# -- in-place comparisons: self keeps its dtype (1/0 values) and its history, with a zero
# gradient (PyTorch's EqBackward0 for a number operand, EqBackward1 for a tensor) ------------
class _CompareBackward1(Node):
    def backward(self, grad):
        zero = _zeros(grad)
        return zero, (zero if self.next_functions[1][0] is not None else None)


class EqBackward0(_ZeroGrad):
    pass


class EqBackward1(_CompareBackward1):
    pass


class NeBackward0(_ZeroGrad):
    pass


class NeBackward1(_CompareBackward1):
    pass


class LtBackward0(_ZeroGrad):
    pass


class LtBackward1(_CompareBackward1):
    pass


class LeBackward0(_ZeroGrad):
    pass


class LeBackward1(_CompareBackward1):
    pass


class GtBackward0(_ZeroGrad):
    pass


class GtBackward1(_CompareBackward1):
    pass


class GeBackward0(_ZeroGrad):
    pass


class GeBackward1(_CompareBackward1):
    pass


def _compare_inplace(fn, node0, node1):
    def op(self, other):
        tensor_other = other if isinstance(other, Tensor) else None

        def compute(src):
            out = wrap(fn(src, other)._data.astype(src._data.dtype), src._device)
            if requires_grad(src, tensor_other):
                if tensor_other is None:
                    record(node0, (src,), (out,))
                else:
                    record(node1, (src, tensor_other), (out,))
            return out
        return apply_inplace(self, compute, () if tensor_other is None else (tensor_other,))
    op.__name__ = op.__qualname__ = fn.__name__ + "_"
    op.__doc__ = f"In-place ``{fn.__name__}``: 1 where true, 0 where false, in self's dtype."
    return op


eq_ = _compare_inplace(eq, EqBackward0, EqBackward1)
ne_ = not_equal_ = _compare_inplace(ne, NeBackward0, NeBackward1)
lt_ = less_ = _compare_inplace(lt, LtBackward0, LtBackward1)
le_ = less_equal_ = _compare_inplace(le, LeBackward0, LeBackward1)
gt_ = greater_ = _compare_inplace(gt, GtBackward0, GtBackward1)
ge_ = greater_equal_ = _compare_inplace(ge, GeBackward0, GeBackward1)
METHODS += ["eq_", "ne_", "not_equal_", "lt_", "less_", "le_", "less_equal_", "gt_",
            "greater_", "ge_", "greater_equal_"]
Tensor.polygamma, Tensor.polygamma_ = _polygamma_method, _polygamma_inplace
Tensor.mvlgamma, Tensor.mvlgamma_ = mvlgamma, _mvlgamma_inplace

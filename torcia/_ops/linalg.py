"""Linear algebra: matrix products, einsum and tensordot, norms, and torch.linalg's functions.

Products call the array library's matmul (BLAS for float and complex types) on the tensors'
own arrays, transposed views included, without copies. Each primitive has PyTorch's node
(MmBackward0, BmmBackward0, MvBackward0, DotBackward0, Addmm..., LinalgInvExBackward0, ...)
with its derivative written in Tensor ops, so higher-order gradients work. ``matmul`` is
decomposed as PyTorch decomposes it (Note [matmul decomposition]), so its graphs carry the
same node names; with nothing to record it is a single matmul call of the array library.
"""

import math
import string
import warnings

import numpy as np

from .. import _dtype, return_types
from .._device import CPU
from .._tensor import Tensor
from ..autograd.graph import record_binary
from ._core import (
    F32_F64,
    Node,
    grad_enabled,
    normalize_dim,
    normalize_dims,
    record,
    requires_grad,
    wrap,
    xp_of,
)
from .creation import clone, eye, ones
from .indexing import where
from .pointwise import _to_out, mul
from .shape import UnsafeViewBackward0

__all__ = ["addbmm", "addmm", "addmv", "addr", "baddbmm", "bmm", "chain_matmul", "cholesky",
           "cross", "det", "dot", "einsum", "ger", "inner", "inverse", "logdet", "matmul",
           "matrix_power", "mm", "mv", "outer", "qr", "slogdet", "svd", "tensordot",
           "trace", "vdot"]
METHODS = ["matmul", "mm", "bmm", "mv", "dot", "vdot", "inner", "outer", "ger", "addmm",
           "addmv", "addr", "baddbmm", "addbmm", "det", "inverse", "logdet", "slogdet",
           "matrix_power", "cross", "trace", "svd", "cholesky", "qr"]
INPLACE = ["addmm", "addmv", "addr", "baddbmm", "addbmm"]


class LinAlgError(RuntimeError):
    """A linear-algebra function met an input it cannot handle (a singular matrix, ...)."""


# -- helpers ---------------------------------------------------------------------------------
_BF16 = _dtype.bfloat16.np
_CNAME = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
          "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
          "float16": "c10::Half", "bfloat16": "c10::BFloat16",
          "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _cname(a):
    """The C++ type name PyTorch's messages use for an array's dtype ("float", "long int")."""
    return _CNAME[a.dtype.name]


def _sname(a):
    """PyTorch's ScalarType name of an array's dtype ("Float", "Long")."""
    return _dtype.from_np[a.dtype]._legacy


def _low(a):
    return a.dtype == np.float16 or a.dtype == _BF16


def _matmul_arr(a, b):
    """``a @ b`` for arrays of one dtype; half types accumulate in float32, as PyTorch's."""
    if _low(a):
        return np.asarray(a.astype(np.float32) @ b.astype(np.float32)).astype(a.dtype)
    return a @ b


def _no_bool(a, kernel):
    if a.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


def _tensors(name, *args):
    for i, t in enumerate(args):
        if not isinstance(t, Tensor):
            arg = ("input", "other")[i] if i < 2 else f"arg{i}"
            raise TypeError(f"{name}(): argument '{arg}' (position {i + 1}) must be Tensor, not "
                            f"{type(t).__name__}")
    dev = args[0]._device
    for t in args[1:]:
        if t._device is not dev:
            raise RuntimeError("Expected all tensors to be on the same device, but found at "
                               f"least two devices, {dev} and {t._device}!")


def _conj(t):
    return t.conj() if t._data.dtype.kind == "c" else t


def _mH(t):
    """Conjugate transpose of the last two dims (a view for real tensors)."""
    return _conj(t.transpose(-2, -1))


def _scale(t, s):
    return t if s == 1 else t * s


def _int_scalars(a, *scalars):
    """Scalars as PyTorch applies them to integer tensors: truncated to integers."""
    if a.dtype.kind in "iub":
        return tuple(int(s) for s in scalars)
    return scalars


def _check_expand(t, target):
    """PyTorch's error when ``t`` (an addmm-family ``input``) does not expand to ``target``."""
    shape = t._data.shape
    if len(shape) > len(target):
        raise RuntimeError(f"expand(torch.{t.dtype._legacy}Tensor{{{list(shape)}}}, "
                           f"size={list(target)}): the number of sizes provided ({len(target)}) "
                           "must be greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    lead = len(target) - len(shape)
    for i in range(len(target) - 1, lead - 1, -1):
        s = shape[i - lead]
        if s != 1 and s != target[i]:
            raise RuntimeError(f"The expanded size of the tensor ({target[i]}) must match the "
                               f"existing size ({s}) at non-singleton dimension {i}.  Target "
                               f"sizes: {list(target)}.  Tensor sizes: {list(shape)}")


def _broadcast_shapes(sa, sb):
    """Broadcast two shapes; PyTorch's message (tensor a, tensor b) when they do not."""
    n = max(len(sa), len(sb))
    out = []
    for i in range(n):
        x = sa[i - n + len(sa)] if i >= n - len(sa) else 1
        y = sb[i - n + len(sb)] if i >= n - len(sb) else 1
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


# -- mm, bmm, mv, dot ------------------------------------------------------------------------
class MmBackward0(Node):
    def backward(self, grad):
        self_, mat2 = self.saved_tensors
        need = self.needs_input_grad
        return (mm(grad, _mH(mat2)) if need[0] else None,
                mm(_mH(self_), grad) if need[1] else None)


_SAVE_BOTH = ((0, 2), (1, 1))  # save self for the other operand's gradient and vice versa


def _check_mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x"
                           f"{a.shape[1]} and {b.shape[0]}x{b.shape[1]})")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cname(a)} != "
                           f"{_cname(b)}")
    _no_bool(a, "addmm_impl_cpu_")


_BLAS = frozenset(np.dtype(t) for t in (np.float32, np.float64, np.complex64, np.complex128))


def mm(input, mat2, *, out=None):
    """Matrix product of two 2-D tensors of one dtype.

    Example: ``torch.mm(torch.ones(2, 3), torch.ones(3, 4)).shape == (2, 4)``.
    """
    try:
        a, b = input._data, mat2._data
    except AttributeError:
        _tensors("mm", input, mat2)
    r = None
    if (a.ndim == 2 and b.ndim == 2 and a.dtype is b.dtype and a.dtype in _BLAS
            and input._device is mat2._device):
        try:
            r = a @ b  # the hot path: one BLAS call on the arrays as they are, views included
        except ValueError:
            pass  # a shape mismatch, reported below in PyTorch's words
    if r is None:
        _tensors("mm", input, mat2)
        _check_mm(a, b)
        r = _matmul_arr(a, b)
    result = wrap(r, input._device)
    if out is not None:
        return _to_out(result, out, "mm", (input, mat2))
    if grad_enabled.enabled and (input._rg or mat2._rg or input._base is not None
                                 or mat2._base is not None) and requires_grad(input, mat2):
        record_binary(MmBackward0, input, mat2, result, _SAVE_BOTH, True)
    return result


def matmul_operator(self, other):
    """``self @ other``; NotImplemented (so Python tries ``other``) when other is no tensor."""
    try:
        b = other._data
    except AttributeError:
        return NotImplemented
    if b.ndim == 2 and self._data.ndim == 2:
        return mm(self, other)
    return matmul(self, other)


def rmatmul_operator(self, other):
    """``other @ self`` for a tensor ``other``."""
    return matmul(other, self) if isinstance(other, Tensor) else NotImplemented


class BmmBackward0(Node):
    def backward(self, grad):
        self_, mat2 = self.saved_tensors
        need = self.needs_input_grad
        return (bmm(grad, _mH(mat2)) if need[0] else None,
                bmm(_mH(self_), grad) if need[1] else None)


def _check_bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[0] != a.shape[0] or b.shape[1] != a.shape[2]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_sname(a)} but found {_sname(b)}")
    _no_bool(a, "bmm")


def bmm(input, mat2, *, out=None):
    """Batched matrix product: (b, n, m) @ (b, m, p) -> (b, n, p)."""
    _tensors("bmm", input, mat2)
    a, b = input._data, mat2._data
    _check_bmm(a, b)
    result = wrap(_matmul_arr(a, b), input._device)
    if out is not None:
        return _to_out(result, out, "bmm", (input, mat2))
    if requires_grad(input, mat2):
        record_binary(BmmBackward0, input, mat2, result, _SAVE_BOTH, True)
    return result


class MvBackward0(Node):
    def backward(self, grad):
        self_, vec = self.saved_tensors
        need = self.needs_input_grad
        return (outer(grad, _conj(vec)) if need[0] else None,
                mv(_mH(self_), grad) if need[1] else None)


def mv(input, vec, *, out=None):
    """Matrix-vector product: (n, m) @ (m,) -> (n,)."""
    _tensors("mv", input, vec)
    a, v = input._data, vec._data
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {a.ndim}, {v.ndim}")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({a.shape[0]}), mat ({a.shape[0]}x"
                           f"{a.shape[1]}), vec ({v.shape[0]})")
    if a.dtype != v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_sname(v)}, "
                           f"{_sname(a)}, and {_sname(v)}")
    _no_bool(a, "addmv_impl_cpu")
    result = wrap(_matmul_arr(a, v), input._device)
    if out is not None:
        return _to_out(result, out, "mv", (input, vec))
    if requires_grad(input, vec):
        record_binary(MvBackward0, input, vec, result, _SAVE_BOTH, True)
    return result


def _check_dot(a, b, name="dot"):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_sname(a)} and {_sname(b)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    _no_bool(a, name)


class DotBackward0(Node):
    def backward(self, grad):
        self_, other = self.saved_tensors
        need = self.needs_input_grad
        return (grad * _conj(other) if need[0] else None,
                grad * _conj(self_) if need[1] else None)


def dot(input, other, *, out=None):
    """Inner product of two 1-D tensors of one dtype (no conjugation)."""
    _tensors("dot", input, other)
    a, b = input._data, other._data
    _check_dot(a, b)
    result = wrap(np.asarray(_matmul_arr(a, b)), input._device)
    if out is not None:
        return _to_out(result, out, "dot", (input, other))
    if requires_grad(input, other):
        record_binary(DotBackward0, input, other, result, _SAVE_BOTH, False)
    return result


class VdotBackward0(Node):
    def backward(self, grad):
        self_, other = self.saved_tensors
        need = self.needs_input_grad
        return (_conj(grad) * other if need[0] else None,
                grad * self_ if need[1] else None)


def vdot(input, other, *, out=None):
    """``sum(conj(input) * other)`` of two 1-D tensors."""
    _tensors("vdot", input, other)
    a, b = input._data, other._data
    _check_dot(a, b, "vdot")
    ac = a.conj() if a.dtype.kind == "c" else a
    result = wrap(np.asarray(_matmul_arr(ac, b)), input._device)
    if out is not None:
        return _to_out(result, out, "vdot", (input, other))
    if requires_grad(input, other):
        record_binary(VdotBackward0, input, other, result, _SAVE_BOTH, False)
    return result


# -- matmul ----------------------------------------------------------------------------------
# Note [matmul decomposition]
# PyTorch's matmul is not one autograd node: it calls dot (1-D @ 1-D), mv (2-D @ 1-D),
# mm (2-D @ 2-D; 1-D @ 2-D as unsqueeze, mm, squeeze_), folds a batched operand into the rows
# of an mm or mv when the other operand is a matrix or vector ("should_fold"), and otherwise
# expands both batch shapes, reshapes to 3-D and calls bmm, ending in _unsafe_view. We repeat
# that decomposition with Tensor ops when a graph is recorded (or to raise PyTorch's error), so
# ``y.grad_fn`` and the whole graph carry PyTorch's nodes; otherwise matmul is one array call.

class SqueezeBackward4(Node):
    """Node of PyTorch's in-place ``squeeze_(0)`` that ends a 1-D @ 2-D matmul."""

    def backward(self, grad):
        return grad.unsqueeze(0)


def _unsafe_view(t, shape):
    """PyTorch's ``_unsafe_view``: a reshape of an op's own fresh result (not a view)."""
    out = wrap(t._data.reshape(shape), t._device)
    if requires_grad(t):
        record(UnsafeViewBackward0, (t,), (out,))
    return out


def _should_fold(t1, t2):
    """Whether to fold the batch dims of the bigger operand into an mm/mv (PyTorch's rule)."""
    larger = t1.ndim >= t2.ndim
    big, d_small = (t1, t2.ndim) if larger else (t2, t1.ndim)
    if not (big.ndim >= 3 and d_small <= 2):
        return False
    if (t2 if larger else t1).requires_grad:
        return True  # fold even if it copies: a batched gradient of the small one costs more
    if t1.ndim == 2:
        return False
    if big._data.size == 0:
        return True
    shape, strides = list(big._data.shape), [s // big._data.itemsize for s in big._data.strides]
    if not larger:  # t1 is t2.mT
        shape[-1], shape[-2] = shape[-2], shape[-1]
        strides[-1], strides[-2] = strides[-2], strides[-1]
    return all(strides[i] == strides[i + 1] * shape[i + 1] for i in range(big.ndim - 2))


def _matmul_impl(t1, t2):
    d1, d2 = t1.ndim, t2.ndim
    if d1 == 1 and d2 == 1:
        return dot(t1, t2)
    if d1 == 2 and d2 == 1:
        return mv(t1, t2)
    if d1 == 1 and d2 == 2:
        r = mm(t1.unsqueeze(0), t2)
        out = wrap(r._data.reshape(r._data.shape[1:]), r._device)
        if requires_grad(r):
            record(SqueezeBackward4, (r,), (out,))
        return out
    if d1 == 2 and d2 == 2:
        return mm(t1, t2)
    if d1 == 3 and d2 == 3:  # a batch of one that needs a gradient is folded as a matrix
        if t1.shape[0] == 1 and t2.shape[0] != 1 and t1.requires_grad:
            return _matmul_impl(t1.squeeze(0), t2)
        if t2.shape[0] == 1 and t1.shape[0] != 1 and t2.requires_grad:
            return _matmul_impl(t1, t2.squeeze(0))
    if _should_fold(t1, t2):
        transpose = d2 > d1
        a1 = t2.transpose(-2, -1) if transpose else t1
        a2 = (t1.t() if d1 == 2 else t1) if transpose else t2
        out_shape = tuple(a1.shape[:-1])
        if a2.ndim == 2:
            out_shape += (a2.shape[1],)
        folded = a1.reshape(_prod(a1.shape[:-1]), a1.shape[-1])
        if a2.ndim == 2:
            r = _unsafe_view(mm(folded, a2), out_shape)
            return r.transpose(-2, -1).contiguous() if transpose else r
        return _unsafe_view(mv(folded, a2), out_shape)
    s1, s2 = t1.shape, t2.shape
    n = s1[-2] if d1 > 1 else 1
    m1 = s1[-1]
    m2 = s2[-2] if d2 > 1 else s2[0]
    p = s2[-1] if d2 > 1 else 1
    batch = _broadcast_shapes(tuple(s1[:max(d1 - 2, 0)]), tuple(s2[:max(d2 - 2, 0)]))
    bp = _prod(batch)
    e1 = t1.expand(batch + (n, m1)).reshape(bp, n, m1)
    e2 = t2.expand(batch + (m2,)).unsqueeze(-1) if d2 == 1 else t2.expand(batch + (m2, p))
    e2 = e2.reshape(bp, m2, p)
    out_shape = batch + ((n,) if d1 > 1 else ()) + ((p,) if d2 > 1 else ())
    return _unsafe_view(bmm(e1, e2), out_shape)


def matmul(input, other, *, out=None):
    """Matrix product with NumPy's rules: 1-D operands are promoted to matrices and removed
    from the result, batch dims broadcast.

    Shape: (*, n, m) @ (*, m, p) -> (*, n, p); (n, m) @ (m,) -> (n,); (m,) @ (m,) -> ().
    """
    try:
        a, b = input._data, other._data
    except AttributeError:
        _tensors("matmul", input, other)
    if a.ndim == 2 and b.ndim == 2:
        return mm(input, other, out=out)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{a.ndim}D and {b.ndim}D")
    if out is not None:
        if requires_grad(input, other) or out.requires_grad:
            raise RuntimeError("matmul(): functions with out=... arguments don't support "
                               "automatic differentiation, but one of the arguments requires "
                               "grad.")
        return _to_out(matmul(input.detach(), other.detach()), out, "matmul", ())
    if (not requires_grad(input, other) and a.dtype is b.dtype and a.dtype.kind in "fciu"
            and input._device is other._device):
        try:
            return wrap(_matmul_arr(a, b), input._device)
        except ValueError:
            pass  # a shape error: the decomposition raises PyTorch's message
    _tensors("matmul", input, other)
    return _matmul_impl(input, other)


# -- outer, inner, tensordot ------------------------------------------------------------------
def outer(input, vec2, *, out=None):
    """Outer product of two 1-D tensors (promoted as ``*`` promotes)."""
    _tensors("outer", input, vec2)
    if input.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D")
    if vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return mul(input.reshape(input.shape[0], 1), vec2, out=out)


ger = outer


def inner(input, other, *, out=None):
    """Sum of products over the last dim of both; a product when one is 0-D."""
    _tensors("inner", input, other)
    if input.ndim == 0 or other.ndim == 0:
        return mul(input, other, out=out)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but "
                           f"got shapes {list(input.shape)} and {list(other.shape)}")
    return tensordot(input, other, ([-1], [-1]), out=out)


def tensordot(a, b, dims=2, out=None):
    """Contract ``dims`` of ``a`` with ``dims`` of ``b``: an int (last ``dims`` of ``a`` with
    the first of ``b``) or a pair of dim lists."""
    _tensors("tensordot", a, b)
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, (tuple, list)):
        dims_a, dims_b = dims
        for i, d in enumerate((dims_a, dims_b)):
            if not isinstance(d, (list, tuple)):
                raise TypeError(f"tensordot(): argument '{('dims_self', 'dims_other')[i]}' "
                                f"(position {i + 3}) must be tuple of ints, not "
                                f"{type(d).__name__}")
        dims_a, dims_b = list(dims_a), list(dims_b)
    elif isinstance(dims, int) and not isinstance(dims, bool):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        dims_a, dims_b = list(range(-dims, 0)), list(range(dims))
    else:
        raise RuntimeError(  # noqa: TRY004 - PyTorch's type
            "tensordot expects dims to be int or Tuple[List[int], List[int]] or "
            f"List[List[int]] containing two lists, but got dims={dims}")
    result = _tensordot(a, b, dims_a, dims_b)
    return result if out is None else _to_out(result, out, "tensordot", (a, b))


def _tensordot(a, b, dims_a, dims_b):
    """PyTorch's tensordot: permute, reshape to matrices, mm (dot when nothing is left)."""
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    if a.dtype is not b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    t1, t2, csize = a, b, 1
    for da, db in zip(dims_a, dims_b):
        s1, s2 = a.shape[normalize_dim(da, a.ndim)], b.shape[normalize_dim(db, b.ndim)]
        if s2 == 1:  # a broadcast dim is summed right away
            t1 = t1.sum(da, keepdim=True)
        elif s1 == 1:
            t2 = t2.sum(db, keepdim=True)
        elif s1 != s2:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {s1} "
                               f"in dim {da} and second has size {s2} in dim {db}")
        else:
            csize *= s1
    ca = [normalize_dim(d, a.ndim) for d in dims_a]
    cb = [normalize_dim(d, b.ndim) for d in dims_b]
    free_a = [i for i in range(a.ndim) if i not in ca]
    free_b = [i for i in range(b.ndim) if i not in cb]
    rsizes = [t1.shape[i] for i in free_a] + [t2.shape[i] for i in free_b]
    p1 = t1.permute(free_a + ca)
    p2 = t2.permute(cb + free_b)
    if not free_a and not free_b:
        return dot(p1.reshape(csize), p2.reshape(csize)).reshape(rsizes)
    size1 = _prod(t1.shape[i] for i in free_a)
    size2 = _prod(t2.shape[i] for i in free_b)
    return mm(p1.reshape(size1, csize), p2.reshape(csize, size2)).reshape(rsizes)


# -- einsum ----------------------------------------------------------------------------------
class EinsumBackward0(Node):
    """Gradient of ``einsum``: for each operand, one einsum of the output gradient with the
    other operands. PyTorch has no such node (its einsum decomposes into permute, mul, sum and
    bmm nodes); torcia keeps einsum one node, on NumPy's einsum, and names it after it."""

    def backward(self, grad):
        ops = self.saved_tensors
        labels, out, sizes = self.labels, self.out, self.sizes
        used = set(out).union(*labels)
        grads = []
        for k, need in enumerate(self.needs_input_grad):
            if not need:
                grads.append(None)
                continue
            terms = [(grad, out)] + [(_full(ops[j], labels[j], sizes), labels[j])
                                     for j in range(len(ops)) if j != k]
            fresh = (c for c in string.ascii_letters if c not in used)
            present = set(out).union(*(labels[j] for j in range(len(ops)) if j != k))
            target, seen = [], set()
            for c in labels[k]:
                if c in seen:  # a repeated label (a diagonal): route it through an identity
                    f = next(fresh)
                    terms.append((eye(sizes[c], dtype=grad.dtype, device=grad.device), c + f))
                    target.append(f)
                    continue
                seen.add(c)
                target.append(c)
                if c not in present:  # summed over in this operand only: broadcast back
                    terms.append((ones(sizes[c], dtype=grad.dtype, device=grad.device), c))
            eq = ",".join(lab for _, lab in terms) + "->" + "".join(target)
            grads.append(einsum(eq, *[t for t, _ in terms]))
        return tuple(grads)


def _full(t, labels, sizes):
    """``t`` expanded over the dims where it broadcasts (size 1 against a larger size)."""
    shape = tuple(sizes[c] for c in labels)
    return t if t._data.shape == shape else t.expand(shape)


def _sublist_equation(args):
    def sub(lst):
        out = []
        for n in lst:
            if n is Ellipsis:
                out.append("...")
            elif 0 <= n < 26:
                out.append(chr(ord("A") + n))
            elif 26 <= n < 52:
                out.append(chr(ord("a") + n - 26))
            else:
                raise ValueError("einsum(): subscript in subscript list is not within the valid "
                                 "range [0, 52)")
        return "".join(out)
    ops, terms = list(args[0::2]), [sub(s) for s in args[1::2]]
    if len(args) % 2:  # an output sublist was given
        return ",".join(terms[:len(ops) - 1]) + "->" + sub(args[-1]), ops[:-1]
    return ",".join(terms), ops


def _parse_term(term, offset, what):
    """Labels of one equation term, with None standing for the ellipsis."""
    labels, i, ell = [], 0, False
    while i < len(term):
        c = term[i]
        if c == ".":
            if ell:
                raise RuntimeError(f"einsum(): found '.' for {what} for which an ellipsis was "
                                   "already found")
            if term[i:i + 3] != "...":
                raise RuntimeError(f"einsum(): found '.' for {what} that is not part of any "
                                   "ellipsis")
            labels.append(None)
            ell = True
            i += 3
            continue
        if c not in string.ascii_letters:
            raise RuntimeError(f"einsum(): invalid subscript given at index {offset + i} in the "
                               "equation string, subscripts must be in [a-zA-Z]")
        labels.append(c)
        i += 1
    return labels


def _parse_einsum(eq, operands):
    """Explicit labels per operand and output (ellipsis dims get letters) and label sizes."""
    eq = eq.replace(" ", "")
    lhs, arrow, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(operands):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the "
                           "equation")
    parsed, offset = [], 0
    for i, (term, t) in enumerate(zip(terms, operands)):
        labels = _parse_term(term, offset, f"operand {i}")
        offset += len(term) + 1
        n = len(labels) - (None in labels)
        if None not in labels and n != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) does not "
                               f"match the number of dimensions ({t.ndim}) for operand {i} and "
                               "no ellipsis was given")
        if n > t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n}) is "
                               f"more than the number of dimensions ({t.ndim}) for operand {i}")
        parsed.append(labels)
    used = {c for labels in parsed for c in labels if c is not None}
    n_ell = max((t.ndim - len(lab) + 1 for lab, t in zip(parsed, operands) if None in lab),
                default=0)
    ell = [c for c in string.ascii_letters if c not in used and c not in rhs][:n_ell]
    explicit = []
    for labels, t in zip(parsed, operands):
        k = t.ndim - len(labels) + 1
        out = []
        for c in labels:
            out.extend(ell[n_ell - k:] if c is None else [c])
        explicit.append("".join(out))
    if arrow:
        out_labels = _parse_term(rhs, len(lhs) + 2, "the output")
        for c in out_labels:
            if c is not None and c not in used:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   "equation for any input operand")
            if c is not None and out_labels.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   "the output")
        out = "".join("".join(ell) if c is None else c for c in out_labels)
    else:
        counts = {}
        for labels in parsed:
            for c in labels:
                if c is not None:
                    counts[c] = counts.get(c, 0) + 1
        out = "".join(ell) + "".join(sorted(c for c, n in counts.items() if n == 1))
    sizes = {}
    for i, (labels, t) in enumerate(zip(explicit, operands)):
        seen = {}
        for c, s in zip(labels, t.shape):
            if c in seen and seen[c] != s:
                raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {i} but the "
                                   f"sizes don't match, {s} != {seen[c]}")
            seen[c] = s
            prev = sizes.get(c)
            if prev is not None and prev != s and prev != 1 and s != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {s} for operand {i} which "
                                   f"does not broadcast with previously seen size {prev}")
            sizes[c] = s if prev is None or prev == 1 else prev
    return explicit, out, sizes


def einsum(*args):
    """Sum of products over the labels of an equation in Einstein notation, e.g.
    ``einsum("bij,bjk->bik", x, y)``; ``...`` stands for broadcast dims.

    Also takes the operands as one list, or the sublist form ``einsum(x, [0, 1], y, [1, 2])``.
    """
    if len(args) < 2:
        raise RuntimeError("einsum(): must specify the equation string and at least one operand, "
                           "or at least one operand and its subscripts list")
    if isinstance(args[0], str):
        eq, operands = args[0], list(args[1:])
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = list(operands[0])
    else:
        eq, operands = _sublist_equation(args)
    _tensors("einsum", *operands)
    labels, out, sizes = _parse_einsum(eq, operands)
    first = operands[0]._data.dtype
    for t in operands[1:]:
        if t._data.dtype != first:
            raise RuntimeError(f"expected scalar type {_sname(operands[0]._data)} but found "
                               f"{_sname(t._data)}")
    arrays = []
    for t, lab in zip(operands, labels):
        a = t._data
        shape = tuple(sizes[c] for c in lab)
        if a.shape != shape:
            a = xp_of(t).broadcast_to(a, shape)
        arrays.append(a.astype(np.float32) if _low(a) else a)
    xp = xp_of(operands[0])
    big = len(arrays) > 2 or max(a.size for a in arrays) > 4096
    r = xp.asarray(xp.einsum(",".join(labels) + "->" + out, *arrays, optimize=big))
    if any(np.may_share_memory(r, a) for a in arrays if isinstance(a, np.ndarray)):
        r = r.copy()  # NumPy returns views for pure permutations and diagonals
    if r.dtype != first:
        r = r.astype(first)
    result = wrap(r, operands[0]._device)
    if requires_grad(*operands):
        node = record(EinsumBackward0, operands, (result,))
        node.save(*operands)
        node.labels, node.out, node.sizes = labels, out, sizes
    return result


# -- addmm family: beta * input + alpha * (product) ----------------------------------------
def _addmm_arr(c, prod, alpha, beta):
    """``beta * c + alpha * prod`` into ``prod`` (a fresh array); ``c`` is ignored when
    ``beta`` is 0, so its NaNs do not propagate (PyTorch's rule)."""
    if alpha != 1:
        prod = prod * alpha if prod.dtype.kind in "iu" else np.multiply(prod, alpha, out=prod)
    if beta != 0:
        c = c if beta == 1 else c * beta
        if prod.dtype == c.dtype and type(prod) is type(c):
            np.add(prod, c, out=prod)  # prod is fresh and c broadcasts to it: no new array
        else:
            prod = prod + c
    return prod.astype(c.dtype, copy=False)


# Note [Linear layers as W @ x.T]
# A Linear layer's addmm multiplies a few rows of activations by a transposed weight
# (x @ W.T, W C-contiguous). For a batch of at most 128 rows and at least 128 outputs,
# OpenBLAS computes the same product faster as (W @ x.T).T: measured here, 100x784 @ 784x300
# 608 -> 555 us on one thread, 8x784 @ 784x300 159 -> 84 us, 32x128 @ 128x512 81 -> 65 us,
# while taller batches or narrow outputs lose (1024x128 @ 128x384: 2.2x slower). The
# transposed product is copied back to rows with the bias added in the same pass, so the
# result has the usual contiguous layout.
def _linear_mm(c, m1, m2):
    """``c + m1 @ m2`` by Note [Linear layers as W @ x.T] where it is faster; else None."""
    if (type(m1) is np.ndarray and m1.dtype in F32_F64 and m2.flags.f_contiguous
            and not m2.flags.c_contiguous and m1.flags.c_contiguous and m1.shape[0] <= 128
            and m2.shape[1] >= 128):  # (addmm has checked that c, m1 and m2 share a dtype)
        res = np.empty((m1.shape[0], m2.shape[1]), m1.dtype)
        np.add((m2.T @ m1.T).T, c, out=res)
        return res
    return None


class AddmmBackward0(Node):
    m2_t = False

    def backward(self, grad):
        mat1, mat2 = self.saved_tensors
        need = self.needs_input_grad
        g2 = None
        if need[2]:
            # PyTorch's mm_mat2_backward: for a transposed mat2 (a Linear's weight.t()) the
            # product is taken transposed, so the gradient arrives in the weight's layout
            g2 = _mH(mm(_mH(grad), mat1)) if self.m2_t else mm(_mH(mat1), grad)
        return (_scale(grad, self.beta) if need[0] else None,
                _scale(mm(grad, _mH(mat2)), self.alpha) if need[1] else None,
                _scale(g2, self.alpha) if need[2] else None)


def _save_products(node, m1, m2):
    nf = node.next_functions
    node.save(m1 if nf[2][0] is not None else None, m2 if nf[1][0] is not None else None)


def _record_add(cls, inputs, result, m1, m2, alpha, beta):
    if requires_grad(*inputs):
        node = record(cls, inputs, (result,))
        _save_products(node, m1, m2)
        node.alpha, node.beta = alpha, beta
        a = m2._data
        if a.ndim == 2 and a.strides == (a.itemsize, a.itemsize * a.shape[0]):
            node.m2_t = True


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)``; ``input`` broadcasts to the product's shape."""
    _tensors("addmm", input, mat1, mat2)
    c, m1, m2 = input._data, mat1._data, mat2._data
    for name, m in (("mat1", m1), ("mat2", m2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if m1.shape[1] != m2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({m1.shape[0]}x"
                           f"{m1.shape[1]} and {m2.shape[0]}x{m2.shape[1]})")
    _check_expand(input, (m1.shape[0], m2.shape[1]))
    if c.dtype != m2.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_sname(c)} and "
                           f"{_sname(m2)}")
    if m1.dtype != m2.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_sname(m1)} and "
                           f"{_sname(m2)}")
    _no_bool(c, "addmm_impl_cpu_")
    alpha, beta = _int_scalars(c, alpha, beta)
    r = _linear_mm(c, m1, m2) if alpha == 1 and beta == 1 else None
    if r is None:
        r = _addmm_arr(c, _matmul_arr(m1, m2), alpha, beta)
    result = wrap(r, input._device)
    if out is not None:
        return _to_out(result, out, "addmm", (input, mat1, mat2))
    _record_add(AddmmBackward0, (input, mat1, mat2), result, mat1, mat2, alpha, beta)
    return result


class BaddbmmBackward0(Node):
    def backward(self, grad):
        b1, b2 = self.saved_tensors
        need = self.needs_input_grad
        return (_scale(grad, self.beta) if need[0] else None,
                _scale(bmm(grad, _mH(b2)), self.alpha) if need[1] else None,
                _scale(bmm(_mH(b1), grad), self.alpha) if need[2] else None)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * bmm(batch1, batch2)``."""
    _tensors("baddbmm", input, batch1, batch2)
    c, b1, b2 = input._data, batch1._data, batch2._data
    _check_bmm(b1, b2)
    _check_expand(input, (b1.shape[0], b1.shape[1], b2.shape[2]))
    if c.dtype != b1.dtype:
        raise RuntimeError(f"Input dtypes must be the same, got: input {_cname(c)}, batch1: "
                           f"{_cname(b1)}, batch2: {_cname(b2)}")
    alpha, beta = _int_scalars(c, alpha, beta)
    result = wrap(_addmm_arr(c, _matmul_arr(b1, b2), alpha, beta), input._device)
    if out is not None:
        return _to_out(result, out, "baddbmm", (input, batch1, batch2))
    _record_add(BaddbmmBackward0, (input, batch1, batch2), result, batch1, batch2, alpha, beta)
    return result


class AddbmmBackward0(Node):
    def backward(self, grad):
        b1, b2 = self.saved_tensors
        need = self.needs_input_grad
        g = None
        if need[1] or need[2]:
            shape = self._meta[1][0] if need[1] else self._meta[2][0]
            g = grad.unsqueeze(0).expand(shape[0], grad.shape[0], grad.shape[1])
        return (_scale(grad, self.beta) if need[0] else None,
                _scale(bmm(g, _mH(b2)), self.alpha) if need[1] else None,
                _scale(bmm(_mH(b1), g), self.alpha) if need[2] else None)


def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``."""
    _tensors("addbmm", input, batch1, batch2)
    c, b1, b2 = input._data, batch1._data, batch2._data
    for name, m in (("batch1", b1), ("batch2", b2)):
        if m.ndim != 3:
            raise RuntimeError(f"{name} must be a 3D tensor")
    if b1.shape[0] != b2.shape[0]:
        raise RuntimeError(f"batch1 and batch2 must have same number of batches, got "
                           f"{b1.shape[0]} and {b2.shape[0]}")
    if b1.shape[2] != b2.shape[1]:
        raise RuntimeError(f"Incompatible matrix sizes for bmm ({b1.shape[1]}x{b1.shape[2]} and "
                           f"{b2.shape[1]}x{b2.shape[2]})")
    _check_expand(input, (b1.shape[1], b2.shape[2]))
    if c.dtype != b2.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_sname(c)} and "
                           f"{_sname(b2)}")
    if b1.dtype != b2.dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_sname(b1)} and "
                           f"{_sname(b2)}")
    _no_bool(c, "addmm_impl_cpu_")
    alpha, beta = _int_scalars(c, alpha, beta)
    n, p = b1.shape[1], b2.shape[2]
    # One GEMM: the batches side by side along the contracted dim.
    prod = _matmul_arr(np.ascontiguousarray(b1.transpose(1, 0, 2)).reshape(n, -1),
                       b2.reshape(-1, p)) if b1.size and b2.size else np.zeros((n, p), c.dtype)
    result = wrap(_addmm_arr(c, prod, alpha, beta), input._device)
    if out is not None:
        return _to_out(result, out, "addbmm", (input, batch1, batch2))
    _record_add(AddbmmBackward0, (input, batch1, batch2), result, batch1, batch2, alpha, beta)
    return result


class AddmvBackward0(Node):
    def backward(self, grad):
        mat, vec = self.saved_tensors
        need = self.needs_input_grad
        return (_scale(grad, self.beta) if need[0] else None,
                _scale(outer(grad, _conj(vec)), self.alpha) if need[1] else None,
                _scale(mv(_mH(mat), grad), self.alpha) if need[2] else None)


def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat @ vec)``."""
    _tensors("addmv", input, mat, vec)
    c, m, v = input._data, mat._data, vec._data
    if m.ndim != 2 or v.ndim != 1 or c.ndim > 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {c.ndim}, {m.ndim}, {v.ndim}")
    if m.shape[1] != v.shape[0] or (c.size != 1 and c.shape[0] != m.shape[0]):
        raise RuntimeError(f"size mismatch, got input ({c.shape[0] if c.ndim else 1}), mat "
                           f"({m.shape[0]}x{m.shape[1]}), vec ({v.shape[0]})")
    if not c.dtype == m.dtype == v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_sname(c)}, "
                           f"{_sname(m)}, and {_sname(v)}")
    _no_bool(c, "addmv_impl_cpu")
    alpha, beta = _int_scalars(c, alpha, beta)
    result = wrap(_addmm_arr(c, _matmul_arr(m, v), alpha, beta), input._device)
    if out is not None:
        return _to_out(result, out, "addmv", (input, mat, vec))
    _record_add(AddmvBackward0, (input, mat, vec), result, mat, vec, alpha, beta)
    return result


class AddrBackward0(Node):
    def backward(self, grad):
        vec1, vec2 = self.saved_tensors
        need = self.needs_input_grad
        dt = grad.dtype
        return (_scale(grad, self.beta) if need[0] else None,
                _scale(mv(grad, _conj(vec2).to(dt)), self.alpha) if need[1] else None,
                _scale(mv(_mH(grad), vec1.to(dt)), self.alpha) if need[2] else None)


def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * outer(vec1, vec2)``, promoted as arithmetic promotes."""
    _tensors("addr", input, vec1, vec2)
    for name, t in (("vec1", vec1), ("vec2", vec2)):
        if t.ndim != 1:
            raise RuntimeError(f"addr: Expected 1-D argument {name}, but got {t.ndim}-D")
    rt = _dtype.result_type(input, vec1, vec2)
    if not (rt.is_floating_point or rt.is_complex):
        for name, s in (("beta", beta), ("alpha", alpha)):
            if isinstance(s, float):
                raise RuntimeError(  # noqa: TRY004 - PyTorch's type
                    f"For integral input tensors, argument {name} must not be a floating point "
                    "number.")
    _check_expand(input, (vec1.shape[0], vec2.shape[0]))
    npd = rt.np
    prod = vec1._data.astype(npd)[:, None] * vec2._data.astype(npd)
    if rt is _dtype.bool:
        r = (prod & bool(alpha)) | (input._data.astype(npd) & bool(beta))
    else:
        r = _addmm_arr(input._data.astype(npd, copy=False), prod, alpha, beta)
    result = wrap(r, input._device)
    if out is not None:
        return _to_out(result, out, "addr", (input, vec1, vec2))
    _record_add(AddrBackward0, (input, vec1, vec2), result, vec1, vec2, alpha, beta)
    return result


# -- chains of products ---------------------------------------------------------------------
def multi_dot(tensors, *, out=None):
    """Product of a chain of matrices in the cheapest order; the first may be a row vector
    (1-D) and the last a column vector (1-D)."""
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    _tensors("multi_dot", *tensors)
    orig = tensors[:]
    out_shape = []
    if tensors[0].ndim == 1:
        tensors[0] = tensors[0].unsqueeze(0)
    elif tensors[0].ndim == 2:
        out_shape.append(tensors[0].shape[0])
    else:
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got "
                           f"{tensors[0].ndim}D")
    if tensors[-1].ndim == 1:
        tensors[-1] = tensors[-1].unsqueeze(-1)
    elif tensors[-1].ndim == 2:
        out_shape.append(tensors[-1].shape[1])
    else:
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got "
                           f"{tensors[-1].ndim}D")
    for i in range(1, n - 1):
        if tensors[i].ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i].ndim}D")
    a0 = tensors[0]._data
    for i in range(1, n):
        if tensors[i]._data.dtype != a0.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {_cname(a0)} and tensor {i} "
                               f"{_cname(tensors[i]._data)}")
        if tensors[i - 1].shape[-1] != tensors[i].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i - 1} and {i} with shapes "
                               f"{list(orig[i - 1].shape)} and {list(orig[i].shape)} cannot be "
                               "multiplied")
    if n == 2:
        result = mm(tensors[0], tensors[1])
    elif n == 3:
        a, b = tensors[0].shape[0], tensors[1].shape[0]
        c, d = tensors[2].shape
        if (a * c) * (b + d) > (b * d) * (a + c):
            result = mm(tensors[0], mm(tensors[1], tensors[2]))
        else:
            result = mm(mm(tensors[0], tensors[1]), tensors[2])
    else:
        result = _chain(tensors, _chain_order(tensors), 0, n - 1)
    result = result.view(out_shape)
    return result if out is None else _to_out(result, out, "multi_dot", orig)


def _chain_order(tensors):
    """Split points of the cheapest parenthesisation (the classic dynamic program)."""
    n = len(tensors)
    p = [t.shape[0] for t in tensors] + [tensors[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k
    return split


def _chain(tensors, split, i, j):
    if i == j:
        return tensors[i]
    k = split[i][j]
    return mm(_chain(tensors, split, i, k), _chain(tensors, split, k + 1, j))


def chain_matmul(*matrices, out=None):
    """Deprecated: product of 2-D tensors (use ``torch.linalg.multi_dot``)."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters.", UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    for t in matrices:
        if t.ndim != 2:
            raise RuntimeError(f"Tensor dimension is {t.ndim}, expected 2 instead.")
    if len(matrices) == 1:
        result = clone(matrices[0])
        return result if out is None else _to_out(result, out, "chain_matmul", matrices)
    return multi_dot(matrices, out=out)


# -- checks shared by torch.linalg ------------------------------------------------------------
def _check_float(t, name, low_precision=False):
    d = t._data.dtype
    if d.kind not in "fc" and d != _BF16:
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{_sname(t._data)}")
    if not low_precision and _low(t._data):
        raise RuntimeError(f"{name}: Low precision dtypes not supported. Got {_sname(t._data)}")


def _check_square(t, name, arg="A"):
    if t.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    if t.shape[-1] != t.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{t.shape[-2]} by {t.shape[-1]} matrices")


def _lu_info(m):
    """LAPACK getrf's ``info`` for one square matrix: the 1-based index of the first zero
    pivot of its partially pivoted LU factorisation (0 when there is none)."""
    a = np.array(m)
    n = a.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        if a[p, k] == 0:
            return k + 1
        if p != k:
            a[[k, p]] = a[[p, k]]
        a[k + 1:, k] /= a[k, k]
        a[k + 1:, k + 1:] -= np.outer(a[k + 1:, k], a[k, k + 1:])
    return n  # LAPACK failed where this elimination did not: blame the last pivot


def _solve_each(a, b, fn):
    """``fn(a_i, b_i)`` for each matrix of a stack, NaN where it fails, and LAPACK's info."""
    fa = a.reshape((-1,) + a.shape[-2:])
    fb = None if b is None else b.reshape((-1,) + b.shape[-2:])
    out = np.full((fa.shape[0],) + (fa.shape[1:] if b is None else fb.shape[1:]), np.nan,
                  a.dtype)
    info = np.zeros(fa.shape[0], np.int32)
    for i in range(fa.shape[0]):
        try:
            out[i] = fn(fa[i]) if b is None else fn(fa[i], fb[i])
        except np.linalg.LinAlgError:
            info[i] = _lu_info(fa[i])
    shape = a.shape if b is None else b.shape
    return out.reshape(shape), info.reshape(a.shape[:-2])


def _raise_info(info, name, message, batched):
    """PyTorch's LinAlgError for the first failed matrix of a batch."""
    flat = info.reshape(-1)
    bad = np.flatnonzero(flat)
    if bad.size:
        i = int(bad[0])
        prefix = f"{name}: (Batch element {i}): " if batched else f"{name}: "
        raise LinAlgError(prefix + message.format(info=int(flat[i])))


# -- inverse, solve, determinants -------------------------------------------------------------
class LinalgInvExBackward0(Node):
    def backward(self, grad, grad_info=None):
        (inv,) = self.saved_tensors
        inv_h = _mH(inv)
        return -matmul(inv_h, matmul(grad, inv_h))


def linalg_inv_ex(A, *, check_errors=False, out=None):
    """Inverse of square matrices and LAPACK's ``info`` (nonzero where a matrix is singular)."""
    _tensors("linalg.inv_ex", A)
    _check_square(A, "linalg.inv")
    _check_float(A, "linalg.inv")
    a = A._data
    xp = xp_of(A)
    try:
        inv = xp.linalg.inv(a)
        info = np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        inv, info = _solve_each(a, None, np.linalg.inv)
    if check_errors:
        _raise_info(info, "linalg.inv", "The diagonal element {info} is zero, the inversion "
                    "could not be completed because the input matrix is singular.", a.ndim > 2)
    result = wrap(xp.asarray(inv, dtype=a.dtype), A._device)
    info_t = wrap(np.asarray(info), A._device)
    if out is not None:
        _to_out(result, out[0], "linalg_inv_ex", (A,))
        _to_out(info_t, out[1], "linalg_inv_ex", (A,))
        return return_types.linalg_inv_ex_out(out)
    if requires_grad(A):
        record(LinalgInvExBackward0, (A,), (result,)).save(result)
    return return_types.linalg_inv_ex((result, info_t))


def linalg_inv(A, *, out=None):
    """Inverse of square matrices; LinAlgError for a singular one."""
    result = linalg_inv_ex(A, check_errors=True).inverse
    return result if out is None else _to_out(result, out, "linalg_inv", (A,))


def inverse(input, *, out=None):
    return linalg_inv(input, out=out)


class LinalgSolveExBackward0(Node):
    def backward(self, grad, grad_info=None):
        A, X = self.saved_tensors
        need = self.needs_input_grad
        gB = linalg_solve(_mH(A), grad, left=self.left)
        gA = None
        if need[0]:
            if self.vector:
                gA = -gB.unsqueeze(-1) * _conj(X).unsqueeze(-2)
            elif self.left:
                gA = -matmul(gB, _mH(X))
            else:
                gA = -matmul(_mH(X), gB)
        return gA, (gB if need[1] else None)


def linalg_solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """Solution ``X`` of ``A X = B`` (``X A = B`` when ``left=False``) and LAPACK's info.

    ``B`` is a batch of vectors when it is 1-D or shaped like ``A`` without its last dim.
    """
    _tensors("linalg.solve", A, B)
    _check_float(A, "linalg.solve")
    a, b = A._data, B._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"linalg.solve: Expected A and B to have the same dtype, but found A "
                           f"of type {_sname(a)} and B of type {_sname(b)} instead")
    vector = b.ndim == 1 or (a.ndim - 1 == b.ndim and b.shape == a.shape[:-1])
    bm = b[..., None] if vector else b
    _check_square(A, "linalg.solve")
    if bm.ndim < 2:
        raise RuntimeError("linalg.solve: The input tensor B must have at least 2 dimensions.")
    if (a.shape[-1] != bm.shape[-2]) if left else (a.shape[-1] != bm.shape[-1]):
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({a.shape[-2]}x{a.shape[-1]} and "
                           f"{bm.shape[-2]}x{bm.shape[-1]})")
    batch = _broadcast_shapes(bm.shape[:-2], a.shape[:-2])
    if not left and vector:
        raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                           "supported for left=False. In this case linalg.solve is equivalent "
                           "to B / A.squeeze(-1)")
    xp = xp_of(A)
    ab = xp.broadcast_to(a, batch + a.shape[-2:])
    bb = xp.broadcast_to(bm, batch + bm.shape[-2:])
    if not left:  # X A = B  <=>  A^T X^T = B^T
        ab, bb = xp.swapaxes(ab, -1, -2), xp.swapaxes(bb, -1, -2)
    try:
        x = xp.linalg.solve(ab, bb)
        info = np.zeros(a.shape[:-2], np.int32)  # one per matrix of A, as LAPACK's getrf
    except np.linalg.LinAlgError:
        x = _solve_each(ab, bb, np.linalg.solve)[0]
        info = _solve_each(a, None, np.linalg.inv)[1]
    if check_errors:
        _raise_info(info, "torch.linalg.solve", "The solver failed because the input matrix is "
                    "singular.", a.ndim > 2)
    if not left:
        x = xp.swapaxes(x, -1, -2)
    if vector:
        x = x[..., 0]
    result = wrap(xp.ascontiguousarray(x, dtype=a.dtype), A._device)
    info_t = wrap(np.asarray(info), A._device)
    if out is not None:
        _to_out(result, out[0], "linalg_solve_ex", (A, B))
        _to_out(info_t, out[1], "linalg_solve_ex", (A, B))
        return return_types.linalg_solve_ex_out(out)
    if requires_grad(A, B):
        node = record(LinalgSolveExBackward0, (A, B), (result,))
        node.save(A, result)
        node.left, node.vector = left, vector
    return return_types.linalg_solve_ex((result, info_t))


def linalg_solve(A, B, *, left=True, out=None):
    """Solution of ``A X = B`` for square, invertible ``A``; LinAlgError when singular."""
    result = linalg_solve_ex(A, B, left=left, check_errors=True).result
    return result if out is None else _to_out(result, out, "linalg_solve", (A, B))


class LinalgDetBackward0(Node):
    def backward(self, grad):
        A, det = self.saved_tensors
        scale = (grad * _conj(det)).unsqueeze(-1).unsqueeze(-1)
        return scale * _mH(linalg_inv(A))


def linalg_det(A, *, out=None):
    """Determinant of square matrices (its gradient needs them invertible)."""
    _tensors("linalg.det", A)
    _check_square(A, "linalg.det")
    _check_float(A, "linalg.det")
    a = A._data
    result = wrap(xp_of(A).asarray(xp_of(A).linalg.det(a), dtype=a.dtype), A._device)
    if out is not None:
        return _to_out(result, out, "linalg_det", (A,))
    if requires_grad(A):
        record(LinalgDetBackward0, (A,), (result,)).save(A, result)
    return result


def det(input):
    return linalg_det(input)


class LinalgSlogdetBackward0(Node):
    num_outputs = 2

    def backward(self, grad_sign, grad_logabsdet):
        if grad_logabsdet is None:
            return None
        (A,) = self.saved_tensors
        return grad_logabsdet.unsqueeze(-1).unsqueeze(-1) * _mH(linalg_inv(A))


def _slogdet(A, name):
    _tensors(name, A)
    _check_square(A, name)
    _check_float(A, name)
    a = A._data
    xp = xp_of(A)
    sign, logabs = xp.linalg.slogdet(a)
    sign_t = wrap(xp.asarray(sign, dtype=a.dtype), A._device)
    logabs_t = wrap(xp.asarray(logabs, dtype=_real(a.dtype)), A._device)
    if requires_grad(A):
        record(LinalgSlogdetBackward0, (A,), (sign_t, logabs_t)).save(A)
    return sign_t, logabs_t


def linalg_slogdet(A, *, out=None):
    """Sign and log of the absolute value of the determinant."""
    return return_types.linalg_slogdet(_slogdet(A, "linalg.slogdet"))


def slogdet(input):
    return return_types.slogdet(_slogdet(input, "linalg.slogdet"))


def logdet(input):
    """Log of the determinant: NaN where it is negative, -inf where it is zero."""
    sign, logabs = _slogdet(input, "linalg.slogdet")
    return where(sign < 0, math.nan, logabs)


def linalg_matrix_power(A, n, *, out=None):
    """``A`` to the integer power ``n`` by repeated squaring (inverse first when n < 0)."""
    _tensors("linalg.matrix_power", A)
    _check_square(A, "linalg.matrix_power")
    if n == 0:
        ident = eye(A.shape[-1], dtype=A.dtype, device=A.device).expand(A.shape)
        result = clone(A).copy_(ident)
    else:
        a = A
        if n < 0:
            a, n = linalg_inv(A), -n
        if n == 1:
            result = clone(a)
        elif n == 2:
            result = matmul(a, a)
        elif n == 3:
            result = matmul(matmul(a, a), a)
        else:
            z = result = None
            while n > 0:
                bit, n = n % 2, n // 2
                z = a if z is None else matmul(z, z)
                if bit:
                    result = z if result is None else matmul(result, z)
    return result if out is None else _to_out(result, out, "linalg_matrix_power", (A,))


def matrix_power(input, n):
    return linalg_matrix_power(input, n)


# -- cross, trace ---------------------------------------------------------------------------
class LinalgCrossBackward0(Node):
    def backward(self, grad):
        self_, other = self.saved_tensors
        need = self.needs_input_grad
        return (linalg_cross(_conj(other), grad, dim=self.dim) if need[0] else None,
                linalg_cross(grad, _conj(self_), dim=self.dim) if need[1] else None)


def linalg_cross(input, other, *, dim=-1, out=None):
    """Cross product of 3-vectors along ``dim``; other dims broadcast."""
    _tensors("linalg.cross", input, other)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    d = normalize_dim(dim, input.ndim)
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_sname(a)} but found {_sname(b)}")
    _broadcast_shapes(a.shape, b.shape)
    xp = xp_of(input)
    result = wrap(xp.ascontiguousarray(xp.cross(a, b, axis=d)), input._device)
    if out is not None:
        return _to_out(result, out, "linalg_cross", (input, other))
    if requires_grad(input, other):
        node = record_binary(LinalgCrossBackward0, input, other, result, _SAVE_BOTH,
                             a.shape == b.shape)
        node.dim = d
    return result


def cross(input, other, dim=None, *, out=None):
    """Cross product along ``dim`` (default, deprecated: the first dim of size 3)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        shape = _broadcast_shapes(input.shape, other.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), None)
        if dim is None:
            raise RuntimeError("no dimension of size 3 in input")
    return linalg_cross(input, other, dim=dim, out=out)


class TraceBackward0(Node):
    def backward(self, grad):
        shape, npd, device = self._meta[0]
        return grad * eye(shape[0], shape[1], dtype=_dtype.from_np[npd], device=device)


def trace(input):
    """Sum of the main diagonal of a 2-D tensor (integers sum in int64)."""
    _tensors("trace", input)
    a = input._data
    if a.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {a.ndim}")
    _no_bool(a, "trace")
    result = wrap(xp_of(input).asarray(xp_of(input).trace(
        a, dtype=np.int64 if a.dtype.kind in "iu" else a.dtype)), input._device)
    if requires_grad(input):
        record(TraceBackward0, (input,), (result,))
    return result


# -- norms ----------------------------------------------------------------------------------
def _ord_str(p):
    return f"{p:g}" if isinstance(p, float) else str(p)


def _check_norm_dtype(dtype, t, name):
    if dtype is None:
        return None
    d = _dtype.to_dtype(dtype)
    if not (d.is_floating_point or d.is_complex):
        raise RuntimeError(f"{name}: dtype should be floating point or complex, but got "
                           f"{d._legacy}")
    src = t.dtype
    if src.is_complex != d.is_complex:
        raise RuntimeError(f"{name}: dtype should be {'complex' if src.is_complex else 'real'} "
                           f"if input is {'complex' if src.is_complex else 'real'}, but got "
                           f"{d._legacy}")
    if _dtype.promote_types(src, d) is not d:
        raise RuntimeError(f"{name}: the dtype of the input ({src._legacy}) should be convertible "
                           f"without narrowing to the specified dtype ({d._legacy})")
    return d


def _vector_norm_arr(a, p, axis, keepdim):
    """The ``p``-norm of array ``a`` over ``axis``; half types are computed in float32."""
    if _low(a):
        a = a.astype(np.float32)
    if p == 2 and a.dtype.kind == "f":
        return np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdim))
    x = np.abs(a)
    if p == 2:
        return np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdim))
    if p == 1:
        return np.sum(x, axis=axis, keepdims=keepdim)
    if p == math.inf:
        return np.max(x, axis=axis, keepdims=keepdim, initial=0)
    if p == -math.inf:
        return np.min(x, axis=axis, keepdims=keepdim, initial=math.inf)
    if p == 0:
        return np.sum(x != 0, axis=axis, keepdims=keepdim, dtype=x.dtype)
    return np.sum(x ** p, axis=axis, keepdims=keepdim) ** (1.0 / p)


def _real(npd):
    """The real dtype matching NumPy dtype ``npd`` (float32 for complex64)."""
    return {"c8": np.dtype(np.float32), "c16": np.dtype(np.float64)}.get(
        f"{npd.kind}{npd.itemsize}", npd)


class LinalgVectorNormBackward0(Node):
    def backward(self, grad):
        x, norm = self.saved_tensors
        p = self.ord
        if p == 0:
            return None
        if not self.keepdim and x.ndim:
            kshape = [1 if self.dims is None or i in self.dims else s
                      for i, s in enumerate(x.shape)]
            grad, norm = grad.reshape(kshape), norm.reshape(kshape)
        xa = x._data
        sgn = wrap(np.sign(xa), x._device)  # a constant: sign has no derivative
        if p == 1:
            return grad * sgn
        if p == 2:
            return grad * _zero_where(norm == 0, x / norm)
        if math.isinf(p):
            ax = np.abs(xa)
            mask = (ax == norm._data) | np.isnan(ax)
            count = mask.sum(axis=self.dims, keepdims=True)
            return sgn * ((grad / wrap(count.astype(xa.dtype), x._device))
                          * wrap(mask.astype(xa.dtype), x._device))
        absx = x * sgn
        if p < 1:
            scaled = _zero_where(x == 0, sgn * absx.pow(p - 1))
            return scaled * grad * norm.pow(1 - p)
        scaled = sgn * absx.pow(p - 1) if p < 2 else x * absx.pow(p - 2)
        return scaled * _zero_where(norm == 0, grad / norm.pow(p - 1))


def _zero_where(mask, t):
    return where(mask, 0.0, t)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """``sum(|x|**ord) ** (1/ord)`` over ``dim`` (all dims when None); ord may be inf, -inf
    or 0 (the number of nonzeros)."""
    _tensors("linalg.vector_norm", x)
    if isinstance(ord, Tensor):
        ord = ord.item()
    if not isinstance(ord, (int, float, np.number)) or isinstance(ord, bool):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not "
                        f"{type(ord).__name__}")
    _check_float(x, "linalg.vector_norm", low_precision=True)
    d = _check_norm_dtype(dtype, x, "linalg.vector_norm")
    a = x._data if d is None else x._data.astype(d.np)
    dims = None if dim is None else normalize_dims(dim, a.ndim)
    if dims is not None and (not dims or a.ndim == 0):
        dims = None
    if ord < 0 or ord == math.inf:
        reduced = range(a.ndim) if dims is None else dims
        if a.size == 0 and (a.ndim == 0 or any(a.shape[i] == 0 for i in reduced)):
            raise RuntimeError(f"linalg.vector_norm cannot compute the {_ord_str(ord)} norm on "
                               "an empty tensor because the operation does not have an identity")
    r = _vector_norm_arr(a, ord, dims, keepdim)
    result = wrap(np.asarray(r).astype(_real(a.dtype), copy=False), x._device)
    if out is not None:
        return _to_out(result, out, "linalg_vector_norm", (x,))
    if requires_grad(x):
        node = record(LinalgVectorNormBackward0, (x,), (result,))
        node.save(x, result)
        node.ord, node.dims, node.keepdim = ord, dims, keepdim
    return result


def _maxmin(t, dim, keepdim, largest):
    return t.amax(dim, keepdim) if largest else t.amin(dim, keepdim)


def _backshift(d0, d1, ndim):
    perm = [i for i in range(ndim) if i not in (d0, d1)] + [d0, d1]
    return perm, [perm.index(i) for i in range(ndim)]


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """Matrix norms over the two dims ``dim``: 'fro', 'nuc', 1, -1, 2, -2, inf, -inf."""
    _tensors("linalg.matrix_norm", A)
    if isinstance(ord, str):
        d0, d1 = _matrix_norm_checks(A, dim, dtype, ord != "nuc")
        if ord == "fro":
            result = vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
        elif ord == "nuc":
            result = _svd_norm(A, d0, d1, keepdim, dtype, None)
        else:
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    else:
        p = float(ord)
        if abs(p) not in (1.0, 2.0, math.inf):
            raise RuntimeError(f"linalg.matrix_norm: Order {_ord_str(p)} not supported.")
        d0, d1 = _matrix_norm_checks(A, dim, dtype, abs(p) != 2)
        if abs(p) == 2:
            result = _svd_norm(A, d0, d1, keepdim, dtype, p > 0)
        else:
            if abs(p) == math.inf:
                d0, d1 = d1, d0
            if not keepdim and d0 < d1:
                d1 -= 1
            result = _maxmin(vector_norm(A, 1.0, (d0,), keepdim, dtype=dtype), d1, keepdim, p > 0)
    return result if out is None else _to_out(result, out, "linalg_matrix_norm", (A,))


def _svd_norm(A, d0, d1, keepdim, dtype, largest):
    """Nuclear (largest None), spectral (True) or smallest-singular-value (False) norm."""
    perm, inverse_perm = _backshift(d0, d1, A.ndim)
    a = A if dtype is None else A.to(dtype)
    s = linalg_svdvals(a.permute(perm))
    r = s.sum(-1, keepdim) if largest is None else _maxmin(s, -1, keepdim, largest)
    if keepdim:
        r = r.unsqueeze(-1).permute(inverse_perm)
    return r


def _matrix_norm_checks(A, dim, dtype, low_precision):
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                           "dimensions.")
    _check_float(A, "linalg.matrix_norm", low_precision)
    dim = [dim] if isinstance(dim, int) else list(dim)
    if len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(map(str, dim))}")
    d0, d1 = (normalize_dim(d, A.ndim) for d in dim)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    _check_norm_dtype(dtype, A, "linalg.matrix_norm")
    return d0, d1


def linalg_norm(A, ord=None, dim=None, keepdim=False, *, out=None, dtype=None):
    """A vector norm (1-D input, int dim, or ord None) or a matrix norm (2-D input or a
    2-tuple dim): see ``vector_norm`` and ``matrix_norm``."""
    _tensors("linalg.norm", A)
    if dim is not None:
        dim = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dim) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. "
                               f"Got {list(dim)}")
    elif ord is not None and A.ndim not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.ndim}D.")
    if isinstance(ord, str) or (ord is not None and (len(dim) == 2 if dim is not None
                                                     else A.ndim == 2)):
        result = matrix_norm(A, ord, dim if dim is not None else (0, 1), keepdim, dtype=dtype)
    else:
        result = vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype)
    return result if out is None else _to_out(result, out, "linalg_norm", (A,))


# -- singular value decomposition -------------------------------------------------------------
class LinalgSvdBackward0(Node):
    """PyTorch's svd_backward for the reduced SVD ``A = U diag(S) Vh`` (real or complex)."""

    num_outputs = 3

    def backward(self, gU, gS, gVh):
        U, S, Vh = self.saved_tensors
        k = S.shape[-1]
        if self.full_matrices:  # only the first k singular vectors carry information
            U, Vh = U.narrow(-1, 0, k), Vh.narrow(-2, 0, k)
            gU = None if gU is None else gU.narrow(-1, 0, k)
            gVh = None if gVh is None else gVh.narrow(-2, 0, k)
        m, n = U.shape[-2], Vh.shape[-1]
        if gU is None and gVh is None:
            return matmul(U * gS.unsqueeze(-2), Vh)
        ident = eye(k, dtype=S.dtype, device=S.device)
        S2 = S * S
        E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + ident  # E[j, k] = S_k^2 - S_j^2, 1 on diag
        V = _mH(Vh)
        gV = None if gVh is None else _mH(gVh)
        ret = None
        if gU is not None:
            UhgU = matmul(_mH(U), gU)
            ret = (UhgU - _mH(UhgU)) * S.unsqueeze(-2)
        if gV is not None:
            VhgV = matmul(Vh, gV)
            term = S.unsqueeze(-1) * (VhgV - _mH(VhgV))
            ret = term if ret is None else ret + term
        ret = ret / E
        if gS is not None:
            ret = ret + gS.unsqueeze(-1) * ident
        if m > n and gU is not None:
            gA = matmul(U, ret)
            gUSinv = gU / S.unsqueeze(-2)
            gA = gA + gUSinv - matmul(U, matmul(_mH(U), gUSinv))
            return matmul(gA, Vh)
        if m < n and gV is not None:
            gA = matmul(ret, Vh)
            SinvgVh = _mH(gV) / S.unsqueeze(-1)
            gA = gA + SinvgVh - matmul(matmul(SinvgVh, V), Vh)
            return matmul(U, gA)
        return matmul(matmul(U, ret), Vh)


def _svd(A, full_matrices, name):
    _tensors(name, A)
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions.")
    _check_float(A, "linalg.svd")
    xp = xp_of(A)
    u, s, vh = xp.linalg.svd(A._data, full_matrices=full_matrices)
    outs = tuple(wrap(xp.ascontiguousarray(x), A._device) for x in (u, s, vh))
    if requires_grad(A):
        node = record(LinalgSvdBackward0, (A,), outs)
        node.save(*outs)
        node.full_matrices = full_matrices and min(A.shape[-2:]) != max(A.shape[-2:])
    return outs


def linalg_svd(A, full_matrices=True, *, driver=None, out=None):
    """``A = U diag(S) Vh`` with singular values ``S`` in descending order.

    Singular vectors are unique only up to sign (phase), so compare functions of them that do
    not depend on it. Gradients need distinct singular values (as in PyTorch).
    """
    return return_types.linalg_svd(_svd(A, full_matrices, "linalg.svd"))


def linalg_svdvals(A, *, driver=None, out=None):
    """Singular values of ``A`` in descending order."""
    if requires_grad(A):
        result = _svd(A, False, "linalg.svdvals")[1]
    else:
        _tensors("linalg.svdvals", A)
        if A.ndim < 2:
            raise RuntimeError("linalg.svdvals: The input tensor A must have at least 2 "
                               "dimensions.")
        _check_float(A, "linalg.svd")
        result = wrap(xp_of(A).linalg.svd(A._data, compute_uv=False), A._device)
    return result if out is None else _to_out(result, out, "linalg_svdvals", (A,))


def svd(input, some=True, compute_uv=True, *, out=None):
    """The old ``torch.svd``: returns ``U, S, V`` (not ``Vh``)."""
    U, S, Vh = _svd(input, not some, "linalg.svd")
    V = Vh.transpose(-2, -1)
    if V.is_complex():
        V = V.conj()
    if not compute_uv:
        U, V = U.new_zeros(U.shape), V.new_zeros(V.shape)
    return return_types.svd((U, S, V))


# -- cholesky, eigh, qr -----------------------------------------------------------------------
def _info_prefix(name, i, batched):
    return f"{name}: (Batch element {i}): " if batched else f"{name}: "


class LinalgCholeskyExBackward0(Node):
    """PyTorch's cholesky_backward: gA = L^-H Phi(L^H gL) L^-1, Phi taking the lower triangle
    with a halved diagonal, symmetrised."""

    def backward(self, grad, grad_info=None):
        (L,) = self.saved_tensors
        if self.upper:
            L, grad = _mH(L), _mH(grad)
        gA = matmul(_mH(L), grad).tril()
        gA = 0.5 * (gA + _mH(gA.tril(-1)))
        gA = linalg_solve(_mH(L), gA)
        return linalg_solve(L, gA, left=False)


def _cholesky_info(m):
    """Order of the first leading minor of ``m`` that is not positive-definite."""
    for k in range(1, m.shape[-1] + 1):
        try:
            np.linalg.cholesky(m[:k, :k])
        except np.linalg.LinAlgError:
            return k
    return m.shape[-1]


def linalg_cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """Cholesky factor ``L`` (lower; ``upper=True`` gives ``L^H``) of Hermitian positive-definite
    matrices, and LAPACK's info (the order of the first minor that is not positive-definite)."""
    _tensors("linalg.cholesky", A)
    _check_square(A, "linalg.cholesky")
    _check_float(A, "linalg.cholesky")
    a = A._data
    xp = xp_of(A)
    try:
        low = xp.linalg.cholesky(a)
        info = np.zeros(a.shape[:-2], np.int32)
    except np.linalg.LinAlgError:
        flat = a.reshape((-1,) + a.shape[-2:])
        low = np.full(flat.shape, np.nan, a.dtype)
        info = np.zeros(flat.shape[0], np.int32)
        for i, m in enumerate(flat):
            try:
                low[i] = np.linalg.cholesky(m)
            except np.linalg.LinAlgError:
                info[i] = _cholesky_info(m)
        low, info = low.reshape(a.shape), info.reshape(a.shape[:-2])
    if check_errors:
        bad = np.flatnonzero(info.reshape(-1))
        if bad.size:
            i, k = int(bad[0]), int(info.reshape(-1)[bad[0]])
            raise LinAlgError(_info_prefix("linalg.cholesky", i, a.ndim > 2) +
                              "The factorization could not be completed because the input is not "
                              f"positive-definite (the leading minor of order {k} is not "
                              "positive-definite).")
    if upper:
        low = xp.swapaxes(low, -1, -2).conj() if low.dtype.kind == "c" else \
            xp.swapaxes(low, -1, -2)
    result = wrap(xp.ascontiguousarray(low), A._device)
    info_t = wrap(np.asarray(info), A._device)
    if requires_grad(A):
        node = record(LinalgCholeskyExBackward0, (A,), (result,))
        node.save(result)
        node.upper = upper
    return return_types.linalg_cholesky_ex((result, info_t))


def linalg_cholesky(A, *, upper=False, out=None):
    """Cholesky factor of Hermitian positive-definite matrices; LinAlgError otherwise."""
    result = linalg_cholesky_ex(A, upper=upper, check_errors=True).L
    return result if out is None else _to_out(result, out, "linalg_cholesky", (A,))


def cholesky(input, upper=False, *, out=None):
    """The old ``torch.cholesky`` (``linalg.cholesky`` with ``upper``)."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be "
                  "replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, "
                  "upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis "
                  "transform will produce equivalent results for all valid (symmetric positive "
                  "definite) inputs.", UserWarning, stacklevel=2)
    return linalg_cholesky(input, upper=upper, out=out)


class LinalgEighBackward0(Node):
    """PyTorch's eigh backward: gA = V (diag(gL) + (V^H gV) / E) V^H, E_ij = L_j - L_i, made
    Hermitian."""

    num_outputs = 2

    def backward(self, gL, gV):
        L, V = self.saved_tensors
        Vh = _mH(V)
        if gV is None:
            return matmul(V * gL.unsqueeze(-2), Vh)
        ident = eye(L.shape[-1], dtype=L.dtype, device=L.device)
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + ident
        ret = matmul(Vh, gV) / E * (1 - ident)
        if gL is not None:
            ret = ret + gL.unsqueeze(-1) * ident
        gA = matmul(V, matmul(ret, Vh))
        return 0.5 * (gA + _mH(gA))  # the Hermitian part, as PyTorch returns


def _eigh(A, UPLO, name, vectors=True):
    _tensors(name, A)
    _check_square(A, name)
    _check_float(A, name)
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    xp = xp_of(A)
    if not vectors and not requires_grad(A):
        return wrap(xp.linalg.eigvalsh(A._data, UPLO=UPLO), A._device), None
    w, v = xp.linalg.eigh(A._data, UPLO=UPLO)
    outs = (wrap(xp.ascontiguousarray(w), A._device), wrap(xp.ascontiguousarray(v), A._device))
    if requires_grad(A):
        record(LinalgEighBackward0, (A,), outs).save(*outs)
    return outs


def linalg_eigh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) and eigenvectors of Hermitian matrices, from the ``UPLO``
    triangle. Eigenvectors are unique only up to sign (phase)."""
    return return_types.linalg_eigh(_eigh(A, UPLO, "linalg.eigh"))


def linalg_eigvalsh(A, UPLO="L", *, out=None):
    """Eigenvalues (ascending) of Hermitian matrices."""
    result = _eigh(A, UPLO, "linalg.eigh", vectors=False)[0]
    return result if out is None else _to_out(result, out, "linalg_eigvalsh", (A,))


class LinalgQrBackward0(Node):
    """Gradient of the reduced QR: for a square or tall A (Q n-column),
    gA = (gQ + Q copyltu(M)) R^-H with M = R gR^H - gQ^H Q; a wide A = [X | Y] is split,
    its square part X taking gQ + Y gR_Y^H."""

    num_outputs = 2

    def backward(self, gQ, gR):
        Q, R = self.saved_tensors
        m, n = Q.shape[-2], R.shape[-1]
        if gQ is None:
            gQ = Q.new_zeros(Q.shape)
        if gR is None:
            gR = R.new_zeros(R.shape)
        if m >= n:
            return _qr_square_grad(Q, R, gQ, gR)
        X, gRX, gRY = R.narrow(-1, 0, m), gR.narrow(-1, 0, m), gR.narrow(-1, m, n - m)
        Y = matmul(Q, R.narrow(-1, m, n - m))  # the right block of A
        gX = _qr_square_grad(Q, X, gQ + matmul(Y, _mH(gRY)), gRX)
        from .shape import cat
        return cat([gX, matmul(Q, gRY)], -1)


def _qr_square_grad(Q, R, gQ, gR):
    M = matmul(R, _mH(gR)) - matmul(_mH(gQ), Q)
    low = M.tril(-1)
    sym = low + _mH(low) + M * eye(M.shape[-1], dtype=M.dtype, device=M.device)
    b = gQ + matmul(Q, sym)
    return _mH(linalg_solve(R, _mH(b)))  # b R^-H


def linalg_qr(A, mode="reduced", *, out=None):
    """``A = Q R`` with orthonormal columns in ``Q`` and upper-triangular ``R``; ``mode`` is
    'reduced', 'complete' or 'r' (R only, an empty Q)."""
    _tensors("linalg.qr", A)
    if A.ndim < 2:
        raise RuntimeError("linalg.qr: The input tensor A must have at least 2 dimensions.")
    _check_float(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           "'reduced' (default), 'r', or 'complete'")
    xp = xp_of(A)
    q, r = xp.linalg.qr(A._data, mode="complete" if mode == "complete" else "reduced")
    Q = wrap(xp.ascontiguousarray(q) if mode != "r" else xp.empty((0,), A._data.dtype),
             A._device)
    R = wrap(xp.ascontiguousarray(r), A._device)
    if requires_grad(A):
        node = record(LinalgQrBackward0, (A,), (Q, R))
        node.save(Q, R)
        node.mode = mode
        m, n = A.shape[-2:]
        if mode == "r" or (mode == "complete" and m > n):
            node.__class__ = _QrNotDifferentiable
    return return_types.linalg_qr((Q, R))


class _QrNotDifferentiable(LinalgQrBackward0):
    def backward(self, gQ, gR):
        if self.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and "
                           "nrows > ncols.")

    def name(self):
        return "LinalgQrBackward0"


def qr(input, some=True, *, out=None):
    """The old ``torch.qr``: ``some=False`` gives the complete factorisation."""
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release.\nThe boolean parameter 'some' has been replaced with a "
                  "string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\n"
                  "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')", UserWarning,
                  stacklevel=2)
    Q, R = linalg_qr(input, "reduced" if some else "complete")
    return return_types.qr((Q, R))


def vecdot(x, y, *, dim=-1, out=None):
    """``sum(conj(x) * y, dim)`` with broadcasting."""
    result = (_conj(x) * y).sum(dim)
    return result if out is None else _to_out(result, out, "linalg_vecdot", (x, y))


# -- kron, vander -----------------------------------------------------------------------------
def kron(input, other, *, out=None):
    """The Kronecker product: blocks ``input[i, j] * other`` (any number of dims, the shorter
    shape padded with leading ones). Composed as ATen composes it."""
    ta, tb = input._data.shape, other._data.shape
    nd = max(len(ta), len(tb))
    sa = (1,) * (nd - len(ta)) + tuple(ta)
    sb = (1,) * (nd - len(tb)) + tuple(tb)
    a_shape = [s for pair in zip(sa, [1] * nd) for s in pair]
    b_shape = [s for pair in zip([1] * nd, sb) for s in pair]
    result = _unsafe_view(mul(_unsafe_view(input, a_shape), _unsafe_view(other, b_shape)),
                          [x * y for x, y in zip(sa, sb)])
    return result if out is None else _to_out(result.detach(), out, "kron", (input, other))


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of a 1-D tensor: columns ``x**(N-1), ..., x, 1`` (ascending with
    ``increasing``); integer inputs give int64."""
    from .creation import ones
    from .reduction import cumprod
    from .shape import cat, flip
    if x._data.ndim != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x._data.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    d = _dtype.promote_types(x.dtype, _dtype.int64)
    cols = [ones(x._data.shape[0], 1, dtype=d, device=x.device)] if n > 0 else \
        [x.new_empty((x._data.shape[0], 0), dtype=d)]
    if n > 1:
        cols.append(cumprod(x.to(d).unsqueeze(1).expand(-1, n - 1), 1))
    result = cat(cols, 1) if len(cols) > 1 else cols[0]
    return result if increasing else flip(result, [1])


__all__ += ["kron", "vander"]
METHODS += ["kron"]


# -- triangular solves ----------------------------------------------------------------------------
def _trsolve(a, b, upper, unit, left=True):
    """``A^{-1} B`` (``B A^{-1}`` when not ``left``) for the triangle of ``a`` that ``upper``
    names, by substitution over rows (what BLAS's trsm does): a zero diagonal gives inf/nan,
    not an error. ``a`` and ``b`` are broadcast stacks of one dtype."""
    if not left:  # X A = B  <=>  A^T X^T = B^T, and A^T has the other triangle
        return np.swapaxes(_trsolve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2), not upper,
                                    unit), -1, -2)
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a = np.broadcast_to(a, batch + a.shape[-2:])
    x = np.array(np.broadcast_to(b, batch + b.shape[-2:]))
    n = a.shape[-1]
    rows = range(n - 1, -1, -1) if upper else range(n)
    with np.errstate(all="ignore"):
        for i in rows:
            lo, hi = (i + 1, n) if upper else (0, i)
            if hi > lo:
                x[..., i, :] -= (a[..., i:i + 1, lo:hi] @ x[..., lo:hi, :])[..., 0, :]
            if not unit:
                x[..., i, :] /= a[..., i, i][..., None]
    return x


def _host(t):
    """``t``'s values as a NumPy array (the kernels below run on the CPU)."""
    return t._cpu_array() if isinstance(t, Tensor) else t


def _on(arr, device):
    """A tensor on ``device`` holding the NumPy array ``arr``."""
    if device is not CPU:
        from .. import _backend
        arr = _backend.get(device).from_numpy(arr)
    return wrap(arr, device)


def _colmajor(x):
    """``x`` with each matrix stored column by column, as LAPACK leaves its results."""
    t = np.empty(x.shape[:-2] + (x.shape[-1], x.shape[-2]), x.dtype)
    t[...] = np.swapaxes(x, -1, -2)
    return np.swapaxes(t, -1, -2)


def _colmajor_strides(shape):
    """The element strides of a stack of column-major matrices of ``shape``."""
    *batch, m, n = shape
    strides = [1, m]
    size = m * n
    for k in reversed(batch):
        strides.insert(0, size)
        size *= k
    return tuple(strides[:len(batch)]) + (1, m)


def _triangle(t, upper, unitriangular):
    """``t``'s triangle (without the diagonal for a unit triangular matrix)."""
    return t.triu(int(unitriangular)) if upper else t.tril(-int(unitriangular))


class LinalgSolveTriangularBackward0(Node):
    def backward(self, grad):
        A, X = self.saved_tensors
        need = self.needs_input_grad
        gB = linalg_solve_triangular(_mH(A), grad, upper=not self.upper, left=self.left,
                                     unitriangular=self.unitriangular)
        gA = None
        if need[0]:
            gA = -matmul(gB, _mH(X)) if self.left else -matmul(_mH(X), gB)
            gA = _triangle(gA, self.upper, self.unitriangular)
        return gA, (gB if need[1] else None)


def _check_solve_shapes(a, b, name, left=True, arg="A"):
    if a.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor {arg} must have at least 2 dimensions.")
    if b.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{name}: {arg} must be batches of square matrices, but they are "
                           f"{a.shape[-2]} by {a.shape[-1]} matrices")
    if (a.shape[-1] != b.shape[-2]) if left else (a.shape[-1] != b.shape[-1]):
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({a.shape[-2]}x{a.shape[-1]} and "
                           f"{b.shape[-2]}x{b.shape[-1]})")
    _broadcast_shapes(a.shape[:-2], b.shape[:-2])


def linalg_solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """Solution ``X`` of ``A X = B`` (``X A = B`` when not ``left``) for a triangular ``A``:
    only its upper (``upper=True``) or lower triangle is read, and its diagonal is taken as
    ones when ``unitriangular``. Batches of ``A`` and ``B`` broadcast."""
    _tensors("linalg.solve_triangular", A, B)
    _check_float(A, "linalg.solve_triangular")
    _check_solve_shapes(A._data, B._data, "linalg.solve_triangular", left)
    rt = _dtype.promote_types(A.dtype, B.dtype).np
    a, b = _host(A).astype(rt, copy=False), _host(B).astype(rt, copy=False)
    x = _trsolve(a, b, upper, unitriangular, left)
    result = _on(_colmajor(x.astype(rt, copy=False)), A._device)
    if out is not None:
        return _to_out(result, out, "linalg_solve_triangular", (A, B))
    if requires_grad(A, B):
        node = record(LinalgSolveTriangularBackward0, (A, B), (result,))
        node.save(A, result)
        node.upper, node.left, node.unitriangular = upper, left, unitriangular
    return result


def _check_b_A(b, A, name):
    """The checks of the old solvers (triangular_solve, cholesky_solve): ``b`` first."""
    for t, arg, old in ((b, "b", "b"), (A, "A", "u")):
        if t.ndim < 2:
            raise RuntimeError(
                f"torch.{name}: Expected {arg} to have at least 2 dimensions, but it has "
                f"{t.ndim} dimensions instead" if name == "triangular_solve" else
                f"{old} should have at least 2 dimensions, but has {t.ndim} dimensions instead")
    if b.dtype is not A.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{_sname(b._data)} and A of type {_sname(A._data)} instead.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")
    if A.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for {name}: each A matrix is "
                           f"{A.shape[-2]} by {A.shape[-1]} but each b matrix is {b.shape[-2]} "
                           f"by {b.shape[-1]}")
    return _broadcast_shapes(b.shape[:-2], A.shape[:-2])


def triangular_solve(input, A, upper=True, transpose=False, unitriangular=False, *, out=None):
    """Deprecated ``linalg.solve_triangular`` with the operands reversed: solves ``op(A) X =
    input`` (``op`` the transpose when ``transpose``) and returns ``(X, A)`` with ``A``
    broadcast to the batch shape and copied."""
    warnings.warn("torch.triangular_solve is deprecated in favor of "
                  "torch.linalg.solve_triangularand will be removed in a future PyTorch "
                  "release.\ntorch.linalg.solve_triangular has its arguments reversed and does "
                  "not return a copy of one of the inputs.\nX = torch.triangular_solve(B, "
                  "A).solution\nshould be replaced with\nX = torch.linalg.solve_triangular(A, "
                  "B).", UserWarning, stacklevel=2)
    _tensors("triangular_solve", input, A)
    _check_float(A, "triangular_solve")
    batch = _check_b_A(input, A, "triangular_solve")
    M = A.mT if transpose else A
    X = linalg_solve_triangular(M, input, upper=upper != transpose, unitriangular=unitriangular)
    coeff = A.expand(batch + tuple(A.shape[-2:])).mT.contiguous().mT  # column-major, as LAPACK
    if out is not None:
        _to_out(X, out[0], "triangular_solve", (input, A))
        _to_out(coeff, out[1], "triangular_solve", (input, A))
        return return_types.triangular_solve(out)
    return return_types.triangular_solve((X, coeff))


# -- Cholesky solves ------------------------------------------------------------------------------
def _chol_solve_arr(b, f, upper):
    """``(L L^H)^{-1} b`` (``(U^H U)^{-1} b`` when ``upper``) from the triangle of ``f``."""
    fh = np.conj(np.swapaxes(f, -1, -2))
    if upper:
        return _trsolve(f, _trsolve(fh, b, False, False), True, False)
    return _trsolve(fh, _trsolve(f, b, False, False), True, False)


class CholeskySolveBackward0(Node):
    def backward(self, grad):
        L, X = self.saved_tensors
        gB = cholesky_solve(grad, L, self.upper)
        gL = None
        if self.needs_input_grad[1]:
            common = matmul(gB, _mH(X))
            common = common + _mH(common)
            gL = -matmul(L, common) if self.upper else -matmul(common, L)
        return gB, gL


def cholesky_solve(input, input2, upper=False, *, out=None):
    """Solution ``X`` of ``A X = input`` where ``A = L L^H`` is given by its Cholesky factor
    ``input2`` (``A = U^H U`` when ``upper``); only that triangle of ``input2`` is read."""
    _tensors("cholesky_solve", input, input2)
    _check_float(input2, "cholesky_solve")
    batch = _check_b_A(input, input2, "cholesky_solve")
    x = _chol_solve_arr(_host(input), _host(input2), upper)
    x = np.broadcast_to(x, batch + x.shape[-2:])
    result = _on(_colmajor(x.astype(input._data.dtype, copy=False)), input._device)
    if out is not None:
        return _to_out(result, out, "cholesky_solve", (input, input2))
    if requires_grad(input, input2):
        node = record(CholeskySolveBackward0, (input, input2), (result,))
        node.save(input2, result)
        node.upper = upper
    return result


class CholeskyInverseBackward0(Node):
    def backward(self, grad):
        L, inv = self.saved_tensors
        common = matmul(inv, matmul(grad + _mH(grad), inv))
        return -matmul(L, common) if self.upper else -matmul(common, L)


def cholesky_inverse(input, upper=False, *, out=None):
    """Inverse of ``A = L L^H`` (``A = U^H U`` when ``upper``) from its Cholesky factor
    ``input``; only that triangle is read."""
    _tensors("cholesky_inverse", input)
    _check_square(input, "cholesky_inverse")
    _check_float(input, "cholesky_inverse")
    a = _host(input)
    eye_ = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    inv = _chol_solve_arr(eye_, a, upper)
    result = _on(_colmajor(inv.astype(a.dtype, copy=False)), input._device)
    if out is not None:
        return _to_out(result, out, "cholesky_inverse", (input,))
    if requires_grad(input):
        node = record(CholeskyInverseBackward0, (input,), (result,))
        node.save(input, result)
        node.upper = upper
    return result


# -- pseudo-inverse -------------------------------------------------------------------------------
class LinalgPinvBackward0(Node):
    def backward(self, grad):
        A, P = self.saved_tensors
        m, n = A.shape[-2], A.shape[-1]
        Ph, gh = _mH(P), _mH(grad)
        if m <= n:
            K = matmul(gh, P)
            KPh = matmul(K, Ph)
            return (-_mH(matmul(P, K)) + KPh - matmul(matmul(A, P), KPh)
                    + matmul(matmul(Ph, P), gh - matmul(K, A)))
        K = matmul(P, gh)
        PhK = matmul(Ph, K)
        return (-_mH(matmul(K, P)) + matmul(matmul(gh - matmul(A, K), P), Ph) + PhK
                - matmul(matmul(PhK, P), A))


def _tol_arg(t):
    return _host(t)


def linalg_pinv(A, rcond=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """Moore-Penrose pseudo-inverse from the SVD (the eigendecomposition when ``hermitian``):
    singular values at or below ``max(atol, rtol * largest)`` count as zero. Without either
    tolerance ``rtol`` is ``eps * max(m, n)``; with only ``atol > 0`` it is 0. The older
    ``rcond`` is ``rtol``."""
    a = _host(A)
    if a.ndim < 2 or (a.dtype.kind not in "fc" or a.dtype == np.float16):
        raise RuntimeError(f"linalg.pinv({_sname(a)}{{{list(a.shape)}}}): expected a tensor "
                           "with 2 or more dimensions of float, double, cfloat or cdouble types")
    if rcond is not None:
        atol, rtol = 0.0, rcond
    m, n = a.shape[-2], a.shape[-1]
    real = np.dtype(a.dtype.char.lower()) if a.dtype.kind == "c" else a.dtype
    if rtol is None:
        positive_atol = atol is not None and np.any(np.asarray(_tol_arg(atol)) > 0)
        rtol = 0.0 if positive_atol else float(np.finfo(real).eps) * max(m, n)
    atol = 0.0 if atol is None else atol
    if a.size == 0:
        p = np.zeros(a.shape[:-2] + (n, m), a.dtype)
    elif hermitian:
        w, v = np.linalg.eigh(a)
        s = np.abs(w)
        tol = np.maximum(np.asarray(_tol_arg(atol), real)[..., None],
                         np.asarray(_tol_arg(rtol), real)[..., None] * s.max(-1, keepdims=True))
        with np.errstate(all="ignore"):
            winv = np.where(s > tol, 1 / w, 0).astype(a.dtype)
        p = (v * winv[..., None, :]) @ np.conj(np.swapaxes(v, -1, -2))
    else:
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        tol = np.maximum(np.asarray(_tol_arg(atol), real)[..., None],
                         np.asarray(_tol_arg(rtol), real)[..., None] * s[..., :1])
        with np.errstate(all="ignore"):
            sinv = np.where(s > tol, 1 / s, 0).astype(a.dtype)
        p = (np.conj(np.swapaxes(vh, -1, -2)) * sinv[..., None, :]) @ \
            np.conj(np.swapaxes(u, -1, -2))
    result = _on(np.ascontiguousarray(p, dtype=a.dtype), A._device)
    if out is not None:
        return _to_out(result, out, "linalg_pinv", (A,))
    if requires_grad(A):
        record(LinalgPinvBackward0, (A,), (result,)).save(A, result)
    return result


def pinverse(input, rcond=1e-15):
    """Pseudo-inverse: ``linalg.pinv(input, rtol=rcond)``."""
    return linalg_pinv(input, rcond=rcond)


# -- matrix exponential ---------------------------------------------------------------------------
_PADE = {3: (120., 60., 12., 1.),
         5: (30240., 15120., 3360., 420., 30., 1.),
         7: (17297280., 8648640., 1995840., 277200., 25200., 1512., 56., 1.),
         9: (17643225600., 8821612800., 2075673600., 302702400., 30270240., 2162160., 110880.,
             3960., 90., 1.),
         13: (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
              129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
              40840800., 960960., 16380., 182., 1.)}
_THETA = ((3, 1.495585217958292e-2), (5, 2.539398330063230e-1), (7, 9.504178996162932e-1),
          (9, 2.097847961257068e0))
_THETA13 = 5.371920351148152e0


def _expm(a):
    """exp of one square matrix (float64 or complex128): scaling and squaring with a Padé
    approximant of degree 3 to 13 (Higham 2005)."""
    n = a.shape[0]
    eye_ = np.eye(n, dtype=a.dtype)
    norm = np.abs(a).sum(0).max() if n else 0.0
    if not np.isfinite(norm):
        return np.full_like(a, np.nan)
    deg = next((d for d, theta in _THETA if norm <= theta), 13)
    s = max(0, int(math.ceil(math.log2(norm / _THETA13)))) if deg == 13 else 0
    a = a / 2.0 ** s
    b = _PADE[deg]
    a2 = a @ a
    if deg < 13:
        powers = [eye_, a2]
        while len(powers) < (deg + 1) // 2:
            powers.append(powers[-1] @ a2)
        u = a @ sum(b[2 * k + 1] * p for k, p in enumerate(powers))
        v = sum(b[2 * k] * p for k, p in enumerate(powers))
    else:
        a4 = a2 @ a2
        a6 = a4 @ a2
        u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4
                 + b[3] * a2 + b[1] * eye_)
        v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 \
            + b[0] * eye_
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


class LinalgMatrixExpBackward0(Node):
    def backward(self, grad):
        (A,) = self.saved_tensors
        from .shape import cat
        n = A.shape[-1]
        Ah = _mH(A)
        top = cat([Ah, grad], -1)
        bottom = cat([Ah.new_zeros(Ah.shape), Ah], -1)
        return linalg_matrix_exp(cat([top, bottom], -2))[..., :n, n:]


def linalg_matrix_exp(A):
    """The matrix exponential ``sum_k A^k / k!`` of square matrices, computed in double
    precision by scaling and squaring with Padé approximants."""
    _tensors("linalg.matrix_exp", A)
    _check_square(A, "linalg.matrix_exp")
    _check_float(A, "linalg.matrix_exp", low_precision=True)
    a = _host(A)
    wide = np.complex128 if a.dtype.kind == "c" else np.float64
    flat = a.astype(wide).reshape((-1,) + a.shape[-2:]) if a.size else a.astype(wide)
    r = np.stack([_expm(m) for m in flat]) if a.size else flat
    result = _on(r.reshape(a.shape).astype(a.dtype), A._device)
    if requires_grad(A):
        record(LinalgMatrixExpBackward0, (A,), (result,)).save(A)
    return result


def matrix_exp(input):
    """``linalg.matrix_exp``."""
    return linalg_matrix_exp(input)


# -- LU factorization -----------------------------------------------------------------------------
def _getrf(a):
    """LAPACK getrf on a stack: the packed LU factors with partial pivoting, the 1-based
    pivots (int32) and info (the first zero pivot, 1-based; 0 when none). Pivots are chosen
    as LAPACK's i?amax does: the first largest |re| + |im|."""
    a = np.array(a)
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    flat = a.reshape((-1, m, n))
    piv = np.zeros((flat.shape[0], k), np.int32)
    info = np.zeros(flat.shape[0], np.int32)
    idx = np.arange(flat.shape[0])
    with np.errstate(all="ignore"):
        for j in range(k):
            col = flat[:, j:, j]
            mag = np.abs(col.real) + np.abs(col.imag) if col.dtype.kind == "c" else np.abs(col)
            p = j + np.argmax(mag, axis=1)
            piv[:, j] = p + 1
            rows = flat[idx, p].copy()
            flat[idx, p] = flat[:, j]
            flat[:, j] = rows
            pivot = flat[:, j, j]
            zero = pivot == 0
            info[(info == 0) & zero] = j + 1
            scale = np.where(zero, 1, pivot)
            flat[:, j + 1:, j] /= scale[:, None]
            flat[:, j + 1:, j + 1:] -= flat[:, j + 1:, j:j + 1] * flat[:, j:j + 1, j + 1:]
    return flat.reshape(a.shape), piv.reshape(batch + (k,)), info.reshape(batch)


class LinalgLuFactorExBackward0(Node):
    def backward(self, grad, grad_pivots=None, grad_info=None):
        LU, pivots = self.saved_tensors
        P, L, U = lu_unpack(LU, pivots)
        m, n = LU.shape[-2], LU.shape[-1]
        k = min(m, n)
        return _lu_backward(grad[..., :, :k], grad[..., :k, :], P, L, U)


def _lu_backward(gL, gU, P, L, U):
    """The gradient of ``A = P L U`` from those of the unit lower ``L`` (m, k) and the upper
    ``U`` (k, n): PyTorch's ``linalg_lu_backward``, by cases on the shape."""
    from .shape import cat
    m, n = L.shape[-2], U.shape[-1]
    k = min(m, n)
    if m == n:
        gA = matmul(_mH(L), gL).tril(-1) + matmul(gU, _mH(U)).triu()
        gA = linalg_solve_triangular(_mH(U), gA, upper=False, left=False)
        gA = linalg_solve_triangular(_mH(L), gA, upper=True, unitriangular=True)
    elif m < n:
        U1 = U[..., :, :k]
        gA = matmul(_mH(L), gL) - matmul(gU.triu(), _mH(U))
        gA = linalg_solve_triangular(_mH(U1), gA.tril(-1), upper=False, left=False)
        gA = cat([gA + gU[..., :, :k].triu(), gU[..., :, k:]], -1)
        gA = linalg_solve_triangular(_mH(L), gA, upper=True, unitriangular=True)
    else:
        L1 = L[..., :k, :]
        gA = matmul(gU, _mH(U)) - matmul(_mH(L), gL.tril(-1))
        gA = linalg_solve_triangular(_mH(L1), gA.triu(), upper=True, unitriangular=True)
        gA = cat([gA + gL[..., :k, :].tril(-1), gL[..., k:, :]], -2)
        gA = linalg_solve_triangular(_mH(U), gA, upper=False, left=False)
    return matmul(P, gA)


def _lu_factor_ex(A, pivot, check_errors, name):
    _tensors(name, A)
    if A.ndim < 2:
        raise RuntimeError(f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(A.shape)} instead")
    if A._data.dtype.kind not in "fc" or _low(A._data):
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_sname(A._data)}'")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the "
                           "CPU")
    lu, piv, info = _getrf(_host(A))
    if check_errors:
        try:
            _raise_info(info, "torch.linalg.lu_factor", "U[{info},{info}] is zero and using it "
                        "on lu_solve would result in a division by zero. If you still want to "
                        "perform the factorization, consider calling linalg.lu(A, pivot) or "
                        "linalg.lu_factor_ex(A, pivot)", A.ndim > 2)
        except LinAlgError as e:  # PyTorch raises a plain RuntimeError here
            raise RuntimeError(str(e)) from None
    LU = _on(_colmajor(lu), A._device)
    pivots = _on(piv, A._device)
    if requires_grad(A):
        record(LinalgLuFactorExBackward0, (A,), (LU,)).save(LU, pivots)
    return LU, pivots, _on(info, A._device)


def linalg_lu_factor_ex(A, *, pivot=True, check_errors=False, out=None):
    """LU factorization with partial pivoting, packed as LAPACK's getrf: ``(LU, pivots,
    info)`` with ``L`` unit lower (below the diagonal of ``LU``), ``U`` upper, the 1-based
    row interchanges ``pivots`` and ``info`` > 0 where a pivot is zero."""
    res = _lu_factor_ex(A, pivot, check_errors, "linalg.lu_factor_ex")
    if out is not None:
        for r, o in zip(res, out):
            _to_out(r, o, "linalg_lu_factor_ex", (A,))
        return return_types.linalg_lu_factor_ex(out)
    return return_types.linalg_lu_factor_ex(res)


def linalg_lu_factor(A, *, pivot=True, out=None):
    """``(LU, pivots)`` of :func:`linalg_lu_factor_ex`; a zero pivot raises."""
    LU, pivots, _ = _lu_factor_ex(A, pivot, True, "linalg.lu_factor")
    if out is not None:
        _to_out(LU, out[0], "linalg_lu_factor", (A,))
        _to_out(pivots, out[1], "linalg_lu_factor", (A,))
        return return_types.linalg_lu_factor(out)
    return return_types.linalg_lu_factor((LU, pivots))


def lu(A, pivot=True, get_infos=False, out=None):
    """Deprecated ``linalg.lu_factor``: ``(LU, pivots)``, with ``infos`` when
    ``get_infos``; a singular matrix does not raise."""
    warnings.warn("torch.lu is deprecated in favor of torch.linalg.lu_factor / "
                  "torch.linalg.lu_factor_ex and will be removed in a future PyTorch release.\n"
                  "LU, pivots = torch.lu(A, compute_pivots)\nshould be replaced with\nLU, "
                  "pivots = torch.linalg.lu_factor(A, compute_pivots)\nand\nLU, pivots, info = "
                  "torch.lu(A, compute_pivots, get_infos=True)\nshould be replaced with\nLU, "
                  "pivots, info = torch.linalg.lu_factor_ex(A, compute_pivots)", UserWarning,
                  stacklevel=2)
    LU, pivots, info = _lu_factor_ex(A, pivot, False, "linalg.lu_factor")
    res = (LU, pivots, info) if get_infos else (LU, pivots)
    if out is not None:
        for r, o in zip(res, out):
            _to_out(r, o, "lu", (A,))
        res = tuple(out)
    return return_types._lu_with_info(res) if get_infos else res


def _permutation(piv, m, dtype):
    """The permutation matrices P (A = P L U) of 1-based LAPACK row interchanges ``piv``."""
    batch = piv.shape[:-1]
    flat = piv.reshape((-1, piv.shape[-1])).astype(np.int64) - 1
    perm = np.tile(np.arange(m), (flat.shape[0], 1))
    idx = np.arange(flat.shape[0])
    for i in range(flat.shape[1]):
        j = flat[:, i]
        pi, pj = perm[idx, i].copy(), perm[idx, j].copy()
        perm[idx, i], perm[idx, j] = pj, pi
    P = np.zeros((flat.shape[0], m, m), dtype)
    P[idx[:, None], perm, np.arange(m)[None, :]] = 1
    return P.reshape(batch + (m, m))


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True, *, out=None):
    """``(P, L, U)`` with ``A = P L U`` from the packed factors of ``linalg.lu_factor``;
    what is not unpacked is an empty tensor."""
    _tensors("lu_unpack", LU_data, LU_pivots)
    if LU_pivots._data.dtype != np.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor of "
                           "torch.int32 dtype.\nNote: this function is intended to be used with "
                           "the output produced by torch.linalg.lu_factor")
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    empty = LU_data.new_empty((0,))
    L = U = P = empty
    if unpack_data:
        L = LU_data[..., :, :k].tril(-1) + eye(m, k, dtype=LU_data.dtype,
                                               device=LU_data.device)
        U = LU_data[..., :k, :].triu()
    if unpack_pivots:
        P = _on(_permutation(_host(LU_pivots), m, LU_data._data.dtype), LU_data._device)
    if out is not None:
        for r, o in zip((P, L, U), out):
            _to_out(r, o, "lu_unpack", (LU_data,))
        return return_types.lu_unpack(out)
    return return_types.lu_unpack((P, L, U))


def linalg_lu_solve(LU, pivots, B, *, left=True, adjoint=False, out=None):
    """Solution of ``A X = B`` (``X A = B`` when not ``left``; ``A^H`` for ``A`` when
    ``adjoint``) from the packed LU factors of ``A``."""
    _tensors("linalg.lu_solve", LU, pivots, B)
    _check_float(LU, "linalg.lu_solve")
    if LU._data.dtype != B._data.dtype:
        raise RuntimeError(f"linalg.lu_solve: Expected LU and B to have the same dtype, but "
                           f"found LU of type {_sname(LU._data)} and B of type "
                           f"{_sname(B._data)} instead")
    _check_solve_shapes(LU._data, B._data, "linalg.lu_solve", left, "LU")
    P, L, U = lu_unpack(LU, pivots.int() if pivots.dtype is not _dtype.int32 else pivots)
    if left and not adjoint:    # X = U^-1 L^-1 P^T B
        X = matmul(P.mT, B)
        X = linalg_solve_triangular(L, X, upper=False, unitriangular=True)
        X = linalg_solve_triangular(U, X, upper=True)
    elif left:                  # X = P L^-H U^-H B
        X = linalg_solve_triangular(_mH(U), B, upper=False)
        X = linalg_solve_triangular(_mH(L), X, upper=True, unitriangular=True)
        X = matmul(P, X)
    elif not adjoint:           # X = B U^-1 L^-1 P^T
        X = linalg_solve_triangular(U, B, upper=True, left=False)
        X = linalg_solve_triangular(L, X, upper=False, left=False, unitriangular=True)
        X = matmul(X, P.mT)
    else:                       # X = B P L^-H U^-H
        X = matmul(B, P)
        X = linalg_solve_triangular(_mH(L), X, upper=True, left=False, unitriangular=True)
        X = linalg_solve_triangular(_mH(U), X, upper=False, left=False)
    if X.stride() != _colmajor_strides(X.shape):
        from .creation import contiguous_format
        X = X.mT.clone(memory_format=contiguous_format).mT  # column-major, as LAPACK leaves it
    return X if out is None else _to_out(X, out, "linalg_lu_solve", (LU, B))


def lu_solve(input, LU_data, LU_pivots, *, out=None):
    """Deprecated ``linalg.lu_solve(LU_data, LU_pivots, input)``."""
    warnings.warn("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be "
                  "removed in a future PyTorch release.\nNote that torch.linalg.lu_solve has its "
                  "arguments reversed.\nX = torch.lu_solve(B, LU, pivots)\nshould be replaced "
                  "with\nX = torch.linalg.lu_solve(LU, pivots, B)", UserWarning, stacklevel=2)
    return linalg_lu_solve(LU_data, LU_pivots, input, out=out)


# -- deprecated norms (left in ATen for TorchScript) ----------------------------------------------
def frobenius_norm(input, dim, keepdim=False, *, out=None):
    """Deprecated: ``linalg.vector_norm(input, 2, dim, keepdim)``."""
    warnings.warn("at::frobenius_norm is deprecated and it is just left for JIT compatibility. "
                  "It will be removed in a future PyTorch release. Please use "
                  "`linalg.vector_norm(A, 2., dim, keepdim)` instead", UserWarning, stacklevel=2)
    dim = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dim) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dim)} dimensions "
                           "instead.")
    return vector_norm(input, 2, dim, keepdim, out=out)


def nuclear_norm(input, dim=None, keepdim=False, *, out=None):
    """Deprecated: ``linalg.matrix_norm(input, 'nuc', dim, keepdim)`` (``dim`` the last two
    dims by default; ``nuclear_norm(input, keepdim)`` is accepted too)."""
    warnings.warn("at::nuclear_norm is deprecated and it is just left for JIT compatibility. It "
                  "will be removed in a future PyTorch release. Please use "
                  "`linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead", UserWarning,
                  stacklevel=2)
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    dim = (-2, -1) if dim is None else tuple(dim)
    return matrix_norm(input, "nuc", dim, keepdim, out=out)


def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm of ``v`` over every dim but ``dim``, shaped to broadcast against
    ``v`` (the whole norm for ``dim=-1``): weight normalization's ``g / ||v||``."""
    if dim == -1:
        return v.norm(pow)
    if dim == 0:
        shape = (v.shape[0],) + (1,) * (v.dim() - 1)
        return v.contiguous().view(v.shape[0], -1).norm(pow, 1).view(shape)
    if dim == v.dim() - 1:
        shape = (1,) * (v.dim() - 1) + (v.shape[-1],)
        return v.contiguous().view(-1, v.shape[-1]).norm(pow, 0).view(shape)
    return norm_except_dim(v.transpose(0, dim), pow, 0).transpose(0, dim)


def addmv_(input, mat, vec, *, beta=1, alpha=1):
    """In-place ``addmv``: ``input = beta * input + alpha * (mat @ vec)``."""
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


# -- removed functions: PyTorch keeps them to say what replaces them ------------------------------
_REMOVED = "This function was deprecated since version 1.9 and is now removed."


def matrix_rank(input, tol=None, symmetric=False, *, out=None):
    raise RuntimeError(
        f"{_REMOVED}\nPlease use the `torch.linalg.matrix_rank` function instead. The parameter "
        "'symmetric' was renamed in `torch.linalg.matrix_rank()` to 'hermitian'.")


def solve(input, A, *, out=None):
    raise RuntimeError(
        f"{_REMOVED} `torch.solve` is deprecated in favor of `torch.linalg.solve`. "
        "`torch.linalg.solve` has its arguments reversed and does not return the LU "
        "factorization.\n\nTo get the LU factorization see `torch.lu`, which can be used with "
        "`torch.lu_solve` or `torch.lu_unpack`.\nX = torch.solve(B, A).solution should be "
        "replaced with:\nX = torch.linalg.solve(A, B)")


def lstsq(input, A, *, out=None):
    raise RuntimeError(
        f"{_REMOVED} `torch.lstsq` is deprecated in favor of `torch.linalg.lstsq`.\n"
        "`torch.linalg.lstsq` has reversed arguments and does not return the QR decomposition "
        "in the returned tuple (although it returns other information about the problem).\n\n"
        "To get the QR decomposition consider using `torch.linalg.qr`.\n\nThe returned solution "
        "in `torch.lstsq` stored the residuals of the solution in the last m - n columns of the "
        "returned value whenever m > n. In torch.linalg.lstsq, the residuals are in the field "
        "'residuals' of the returned named tuple.\n\nThe unpacking of the solution, as in\n"
        "X, _ = torch.lstsq(B, A).solution[:A.size(1)]\nshould be replaced with:\n"
        "X = torch.linalg.lstsq(A, B).solution")


def symeig(input, eigenvectors=False, upper=True, *, out=None):
    raise RuntimeError(
        f"{_REMOVED} The default behavior has changed from using the upper triangular portion "
        "of the matrix by default to using the lower triangular portion.\n\nL, _ = "
        "torch.symeig(A, upper=upper) should be replaced with:\nL = torch.linalg.eigvalsh(A, "
        "UPLO='U' if upper else 'L')\n\nand\n\nL, V = torch.symeig(A, eigenvectors=True) should "
        "be replaced with:\nL, V = torch.linalg.eigh(A, UPLO='U' if upper else 'L')")


def eig(input, eigenvectors=False, *, e=None, v=None):
    raise RuntimeError(
        f"{_REMOVED} `torch.linalg.eig` returns complex tensors of dtype `cfloat` or `cdouble` "
        "rather than real tensors mimicking complex tensors.\n\nL, _ = torch.eig(A) should be "
        "replaced with:\nL_complex = torch.linalg.eigvals(A)\n\nand\n\nL, V = torch.eig(A, "
        "eigenvectors=True) should be replaced with:\nL_complex, V_complex = "
        "torch.linalg.eig(A)")


__all__ += ["triangular_solve", "cholesky_solve", "cholesky_inverse", "pinverse", "matrix_exp",
            "lu", "lu_unpack", "lu_solve", "frobenius_norm", "nuclear_norm", "norm_except_dim",
            "addmv_", "matrix_rank", "solve", "lstsq", "symeig", "eig"]
METHODS += ["triangular_solve", "cholesky_solve", "cholesky_inverse", "pinverse", "matrix_exp",
            "lu", "lu_solve", "solve", "lstsq", "symeig", "eig"]

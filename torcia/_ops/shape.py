"""Shape ops: views, joins, splits, flips, diagonals, broadcasting.

Views (view, transpose, select, split, diagonal, expand, ...) share memory and the version
counter with their input and have PyTorch's strides; each records how to redo itself
(``view_fn``) for in-place autograd on views. Joins, repeats, flips and rolls are copies.
See Note [View strides].
"""

import itertools
import math
import operator
import warnings

import numpy as np

from .. import _dtype
from .._device import CPU
from .._tensor import Size, Tensor
from ..autograd.graph import gradient_edge
from ._core import (
    Node,
    check_same_device,
    make_view,
    normalize_dim,
    record,
    requires_grad,
    wrap,
    xp_of,
)
from .creation import clone, contiguous_format

__all__ = ["adjoint", "atleast_1d", "atleast_2d", "atleast_3d", "broadcast_shapes",
           "broadcast_tensors", "broadcast_to", "cat", "chunk", "column_stack",
           "concat", "concatenate", "diag", "diag_embed", "diagonal", "dsplit",
           "dstack", "flatten", "flip", "fliplr", "flipud", "hsplit",
           "hstack", "meshgrid", "moveaxis", "movedim", "narrow", "narrow_copy",
           "permute", "ravel", "reshape", "roll", "rot90", "row_stack", "select",
           "split", "split_with_sizes", "squeeze", "stack", "swapaxes", "swapdims", "t",
           "tensor_split", "tile", "transpose", "tril", "triu", "unbind", "unflatten",
           "unsqueeze", "view_as_complex", "view_as_real", "vsplit", "vstack"]
METHODS = ["view", "view_as", "reshape", "reshape_as", "flatten", "unflatten", "squeeze",
           "unsqueeze", "transpose", "swapaxes", "swapdims", "permute", "t", "adjoint",
           "movedim", "moveaxis", "select", "narrow", "unbind", "expand", "expand_as",
           "broadcast_to", "slice_dim", "alias", "repeat", "tile", "split", "split_with_sizes",
           "chunk", "tensor_split", "hsplit", "vsplit", "dsplit", "flip", "fliplr", "flipud",
           "roll", "diag", "diagonal", "diag_embed", "tril", "triu", "ravel", "T", "mT", "H",
           "mH", "unsqueeze_", "squeeze_", "t_", "transpose_", "swapaxes_", "swapdims_",
           "unfold", "rot90", "narrow_copy"]
INPLACE = ["tril", "triu"]

# Note [View strides]
# A view's strides are PyTorch's, not whatever NumPy picks: Tensor.stride() reads them from
# the array, and user code (and is_contiguous) depends on them. NumPy's own view functions
# (reshape, swapaxes, basic indexing) give the same strides; where they do not (new size-1
# dims, expand, diagonal) the array is built with as_strided from strides computed as ATen
# computes them. An expanded array with a stride-0 dim of size > 1 is read-only, so writing
# into it raises PyTorch's internal-overlap error.


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(map(operator.index, shape))


def _as_strided(t, arr, shape, strides, writeable=True):
    """A view of array ``arr`` (memory of tensor ``t``) with element ``strides``."""
    item = arr.itemsize
    strides = tuple(s * item for s in strides)
    if not writeable and isinstance(arr, np.ndarray):
        return np.lib.stride_tricks.as_strided(arr, tuple(shape), strides, writeable=False)
    return xp_of(t).lib.stride_tricks.as_strided(arr, tuple(shape), strides)


def _strides(arr):
    item = arr.itemsize
    return [s // item for s in arr.strides]


def _redo(op, *args):
    """A view_fn applying ``op(b, *args)``."""
    return lambda b: op(b, *args)


def _dim(dim, ndim):
    """``normalize_dim`` for ops that need at least one dim (unbind, roll)."""
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, ndim)


def _distinct_dims(dims, ndim):
    """Normalized dims in the given order; PyTorch's error for a repeated one."""
    out = []
    for d in dims:
        d = normalize_dim(d, ndim)
        if d in out:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        out.append(d)
    return tuple(out)


def infer_shape(shape, numel):
    """Resolve one -1 in ``shape`` so the sizes multiply to ``numel`` (ATen's infer_size)."""
    infer, known = None, 1
    for i, s in enumerate(shape):
        if s == -1:
            if infer is not None:
                raise RuntimeError("only one dimension can be inferred")
            infer = i
        elif s >= 0:
            known *= s
        else:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"{list(shape)}")
    if numel == known or (infer is not None and known > 0 and numel % known == 0):
        if infer is None:
            return shape
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                               "because the unspecified dimension size -1 can be any value and "
                               "is ambiguous")
        return shape[:infer] + (numel // known,) + shape[infer + 1:]
    raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")


# -- view, reshape, flatten ----------------------------------------------------------------
class ViewBackward0(Node):
    def backward(self, grad):
        return grad.reshape(self._meta[0][0])


class UnsafeViewBackward0(ViewBackward0):
    pass


class ReshapeAliasBackward0(ViewBackward0):
    pass


def _compute_stride(old_shape, old_stride, shape):
    """Strides of ``shape`` viewing a tensor of ``old_shape``/``old_stride``, or None when
    no strides can (ATen's computeStride, whose size-1 and empty cases NumPy's differ from)."""
    if not old_shape:
        return [1] * len(shape)
    if 0 in old_shape:
        if tuple(old_shape) == tuple(shape):
            return list(old_stride)
        out, acc = [0] * len(shape), 1
        for i in range(len(shape) - 1, -1, -1):
            out[i] = acc
            acc *= max(shape[i], 1)
        return out
    out = [0] * len(shape)
    view_d = len(shape) - 1
    base = old_stride[-1]
    tensor_numel = view_numel = 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_stride[tensor_d - 1] != tensor_numel * base):
            while view_d >= 0 and (view_numel < tensor_numel or shape[view_d] == 1):
                out[view_d] = view_numel * base
                view_numel *= shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                base = old_stride[tensor_d - 1]
                tensor_numel = view_numel = 1
    return out if view_d == -1 else None


def _canonical(a):
    """Whether ``a`` has C-contiguous strides, size-1 dims included (NumPy then keeps
    them canonical through reshape, as ATen does)."""
    return a.flags.c_contiguous and a.size and (a.base is None or 1 not in a.shape)


def _view_array(t, a, shape):
    """``a`` (memory of ``t``) seen with ``shape`` and PyTorch's strides, or None when no
    strides can (see Note [View strides])."""
    if _canonical(a):
        return a.reshape(shape)  # NumPy's strides are ATen's here
    strides = _compute_stride(a.shape, _strides(a), shape)
    return None if strides is None else _as_strided(t, a, shape, strides)


def view(self, *shape):
    """The same memory seen with another shape (one size may be -1); or seen as ``dtype``."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int, np.integer, Tensor)):
        return _view_dtype(self, _dtype.to_dtype(shape[0]))
    shape = infer_shape(_shape_args(shape), self._data.size)
    arr = _view_array(self, self._data, shape)
    if arr is None:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return make_view(self, arr, lambda b: view(b, shape), ViewBackward0)


def _view_dtype(self, dtype):
    """Reinterpret the bytes as ``dtype`` (not differentiable; shares the version counter)."""
    a = self._data
    old, new = self.dtype, dtype
    if new.itemsize != old.itemsize:
        what = f"to view {old._legacy} as {new._legacy} (different element sizes)"
        nd = a.ndim
        if nd == 0:
            raise RuntimeError(f"self.dim() cannot be 0 {what}")
        strides = _strides(a)
        if new.itemsize > old.itemsize:
            ratio = new.itemsize // old.itemsize
            if a.shape[-1] % ratio:
                raise RuntimeError(f"self.size(-1) must be divisible by {ratio} {what}, but "
                                   f"got {a.shape[-1]}")
            if strides[-1] != 1:
                raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
            if self.storage_offset() % ratio:
                raise RuntimeError(f"self.storage_offset() must be divisible by {ratio} {what}, "
                                   f"but got {self.storage_offset()}")
            for i in range(nd - 1):
                if strides[i] % ratio:
                    raise RuntimeError(f"self.stride({i}) must be divisible by {ratio} {what}, "
                                       f"but got {strides[i]}")
        elif strides[-1] != 1:
            raise RuntimeError(f"self.stride(-1) must be 1 {what}, but got {strides[-1]}")
    out = wrap(a.view(new.np), self._device)
    out._vc = self._vc
    return out


def view_as(self, other):
    return view(self, other._data.shape)


def reshape(input, *shape):
    """A view when strides allow (see ``view``), else a contiguous copy."""
    shape = infer_shape(_shape_args(shape), input._data.size)
    a = input._data
    arr = _view_array(input, a, shape)
    if arr is not None and a.flags.c_contiguous:
        return make_view(input, arr, lambda b: view(b, shape), ViewBackward0)
    if arr is not None:
        return make_view(input, arr, lambda b: reshape(b, shape), ReshapeAliasBackward0)
    copy = clone(input, memory_format=contiguous_format)
    out = wrap(copy._data.reshape(shape), input._device)
    if requires_grad(copy):
        record(UnsafeViewBackward0, (copy,), (out,))
    return out


def reshape_as(self, other):
    return reshape(self, other._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dims ``start_dim..end_dim`` into one (a view when strides allow)."""
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, 1)
    s, e = normalize_dim(start_dim, nd), normalize_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (math.prod(shape[s:e + 1]),) + shape[e + 1:])


def ravel(input):
    """The elements as a 1-D tensor (a view of ``input`` when it is contiguous)."""
    return view(input.contiguous(), -1)


def unflatten(input, dim, sizes):
    """Split dim ``dim`` into ``sizes`` (one may be -1); always a view."""
    shape = input._data.shape
    d = normalize_dim(dim, len(shape))
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if -1 not in sizes and math.prod(sizes) != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the "
                           f"size of dim {d} ({shape[d]}) in the input tensor")
    return view(input, shape[:d] + infer_shape(sizes, shape[d]) + shape[d + 1:])


# -- squeeze, unsqueeze --------------------------------------------------------------------
class SqueezeBackward0(Node):
    def backward(self, grad):
        return grad.reshape(self._meta[0][0])


class SqueezeBackward1(SqueezeBackward0):
    pass


class SqueezeBackward2(SqueezeBackward0):
    pass


def _squeeze_dims(shape, dim):
    """Dims ``squeeze(dim)`` removes, and its node class."""
    if dim is None:
        return tuple(i for i, s in enumerate(shape) if s == 1), 0
    if isinstance(dim, (tuple, list)):
        dims = _distinct_dims(dim, len(shape))
        return tuple(d for d in dims if shape and shape[d] == 1), 2
    d = normalize_dim(dim, len(shape))
    return ((d,) if shape and shape[d] == 1 else ()), 1


def _squeezed(a, dims):
    return a[tuple(0 if i in dims else slice(None) for i in range(a.ndim))] if dims \
        else a.view()


def squeeze(input, dim=None):
    """Drop size-1 dims: all of them, ``dim``, or those in a tuple ``dim`` (a view)."""
    dims, k = _squeeze_dims(input._data.shape, dim)
    cls = (SqueezeBackward0, SqueezeBackward1, SqueezeBackward2)[k]
    return make_view(input, _squeezed(input._data, dims), lambda b: squeeze(b, dims), cls)


class UnsqueezeBackward0(Node):
    def backward(self, grad):
        return grad.squeeze(self.dim)


def _unsqueezed(t, a, d):
    """``a`` with a size-1 dim at ``d``, strided as ATen's unsqueeze (see Note)."""
    if _canonical(a):
        return a.reshape(a.shape[:d] + (1,) + a.shape[d:])
    strides = _strides(a)
    new = a.shape[d] * strides[d] if d < a.ndim else 1
    return _as_strided(t, a, a.shape[:d] + (1,) + a.shape[d:],
                       strides[:d] + [new] + strides[d:])


def unsqueeze(input, dim):
    """Insert a size-1 dim at ``dim`` (a view)."""
    d = normalize_dim(dim, input._data.ndim + 1)
    out = make_view(input, _unsqueezed(input, input._data, d), lambda b: unsqueeze(b, d))
    if requires_grad(input):
        record(UnsqueezeBackward0, (input,), (out,)).dim = d
    return out


# -- transposes and permutations -----------------------------------------------------------
class TransposeBackward0(Node):
    def backward(self, grad):
        return grad.transpose(self.dim0, self.dim1)


def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    nd = input._data.ndim
    d0, d1 = normalize_dim(dim0, nd), normalize_dim(dim1, nd)
    out = make_view(input, input._data.swapaxes(d0, d1) if nd else input._data.view(),
                    lambda b: transpose(b, d0, d1))
    if requires_grad(input):
        node = record(TransposeBackward0, (input,), (out,))
        node.dim0, node.dim1 = d0, d1
    return out


swapaxes = swapdims = transpose


class TBackward0(Node):
    def backward(self, grad):
        return grad.t()


def t(input):
    """Transpose of a tensor with at most 2 dims (a view)."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return make_view(input, input._data.T, t, TBackward0)


class PermuteBackward0(Node):
    def backward(self, grad):
        return grad.permute(tuple(np.argsort(self.dims).tolist()))


def permute(input, *dims):
    """Reorder dims (a view)."""
    nd = input._data.ndim
    dims = _shape_args(dims)
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does "
                           f"not match the length of the desired ordering of dimensions i.e. "
                           f"input.dim() = {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(normalize_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    out = make_view(input, input._data.transpose(dims), lambda b: permute(b, dims))
    if requires_grad(input):
        record(PermuteBackward0, (input,), (out,)).dims = dims
    return out


def movedim(input, source, destination):
    """Move dims ``source`` to positions ``destination``; the others keep their order."""
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} "
                           f"dims) should contain the same number of dims as destination "
                           f"({list(dst)} dims)")
    nd = input._data.ndim
    src_n = [normalize_dim(d, nd) for d in src]
    dst_n = [normalize_dim(d, nd) for d in dst]
    for name, given, norm in (("source", src, src_n), ("destination", dst, dst_n)):
        if len(set(norm)) != len(norm):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
    if nd == 0:
        return alias(input)
    order = [-1] * nd
    for s, d in zip(src_n, dst_n):
        order[d] = s
    rest = iter(i for i in range(nd) if i not in src_n)
    order = [next(rest) if o == -1 else o for o in order]
    return permute(input, order)


moveaxis = movedim


def _numpy_T(self):
    nd = self._data.ndim
    if nd == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=2)
    elif nd != 2:
        warnings.warn("The use of `x.T` on tensors of dimension other than 2 to reverse their "
                      "shape is deprecated and it will throw an error in a future release. "
                      "Consider `x.mT` to transpose batches of matrices or `x.permute(*torch."
                      "arange(x.ndim - 1, -1, -1))` to reverse the dimensions of a tensor.",
                      UserWarning, stacklevel=2)
    return permute(self, tuple(range(nd - 1, -1, -1)))


def _conj(t):
    return t.conj() if t._data.dtype.kind == "c" else t


def _matrix_transpose(self, what):
    nd = self._data.ndim
    if nd < 2:
        raise RuntimeError(f"tensor.{what} is only supported on matrices or batches of "
                           f"matrices. Got {nd}-D tensor.")
    return transpose(self, -2, -1)


def _numpy_H(self):
    nd = self._data.ndim
    if nd == 0:
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=2)
        return _conj(self)
    if nd != 2:
        hint = " For batches of matrices, consider using tensor.mH" if nd > 2 else ""
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got "
                           f"{nd}-D tensor.{hint}")
    return _conj(transpose(self, 0, 1))


def adjoint(input):
    """Conjugate transpose of the last two dims."""
    return _conj(_matrix_transpose(input, "adjoint()"))


T = property(_numpy_T, doc="Dims reversed (a view); warns unless the tensor is 2-D.")
mT = property(lambda self: _matrix_transpose(self, "mT"),
              doc="Transpose of the last two dims (a view).")
H = property(_numpy_H, doc="Conjugate transpose of a matrix.")
mH = property(lambda self: _conj(_matrix_transpose(self, "mH")),
              doc="Conjugate transpose of the last two dims.")


# -- select, slice, narrow, unbind ---------------------------------------------------------
class SelectBackward0(Node):
    def backward(self, grad):
        full = grad.new_zeros(self._meta[0][0])
        full.select(self.dim, self.index).copy_(grad)
        return full


def select(input, dim, index):
    """The slice at ``index`` along ``dim``, that dim removed (a view)."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = normalize_dim(dim, nd)
    size = input._data.shape[d]
    index = int(index)
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input._data.shape)} at dimension {d}")
    i = index % size
    key = (slice(None),) * d + (i, Ellipsis)  # Ellipsis: a 0-d view, not a NumPy scalar
    out = make_view(input, input._data[key], lambda b: select(b, d, i))
    if requires_grad(input):
        node = record(SelectBackward0, (input,), (out,))
        node.dim, node.index = d, i
    return out


class SliceBackward0(Node):
    def backward(self, grad):
        full = grad.new_zeros(self._meta[0][0])
        full.slice_dim(self.dim, self.start, self.stop, self.step).copy_(grad)
        return full


def slice_dim(input, dim=0, start=None, stop=None, step=1):
    """``input[..., start:stop:step, ...]`` along ``dim`` (a view); step must be positive."""
    if step <= 0:
        raise ValueError("step must be greater than zero")
    d = normalize_dim(dim, input._data.ndim)
    start, stop, step = slice(start, stop, step).indices(input._data.shape[d])
    stop = max(stop, start)
    key = (slice(None),) * d + (slice(start, stop, step),)
    out = make_view(input, input._data[key], lambda b: slice_dim(b, d, start, stop, step))
    if requires_grad(input):
        node = record(SliceBackward0, (input,), (out,))
        node.dim, node.start, node.stop, node.step = d, start, stop, step
    return out


def narrow(input, dim, start, length):
    """``length`` elements of dim ``dim`` from ``start`` (a view)."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    length = int(length)
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = normalize_dim(dim, nd)
    size = input._data.shape[d]
    start = int(start)
    if not -size <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], "
                         f"but got {start})")
    if start < 0:
        start += size
    if start > size - length:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return slice_dim(input, d, start, start + length, 1)


class AliasBackward0(Node):
    def backward(self, grad):
        return grad


def alias(input):
    """The same tensor seen again (``x[...]``)."""
    return make_view(input, input._data.view(), alias, AliasBackward0)


def _zeros_like_meta(shape, meta):
    from .creation import zeros
    return zeros(shape, dtype=_dtype.from_np[meta[1]], device=meta[2])


class UnbindBackward0(Node):
    def backward(self, *grads):
        shape = self._meta[0][0]
        sub = shape[:self.dim] + shape[self.dim + 1:]
        filled = [g if g is not None else _zeros_like_meta(sub, self._meta[0]) for g in grads]
        return stack(filled, self.dim)


def unbind(input, dim=0):
    """All slices along ``dim``, as a tuple of views."""
    d = _dim(dim, input._data.ndim)
    a = input._data
    n = a.shape[d]
    outs = tuple(make_view(input, a[(slice(None),) * d + (i, Ellipsis)], _redo(select, d, i))
                 for i in range(n))
    if requires_grad(input):
        node = record(UnbindBackward0, (input,), outs)
        node.num_outputs, node.dim = n, d
    return outs


# -- split, chunk, tensor_split ------------------------------------------------------------
class SplitWithSizesBackward0(Node):
    def backward(self, *grads):
        ref = next(g for g in grads if g is not None)
        shape = self._meta[0][0]
        d = self.dim
        parts = [g if g is not None else ref.new_zeros(shape[:d] + (n,) + shape[d + 1:])
                 for g, n in zip(grads, self.sizes)]
        return cat(parts, d)


class SplitBackward0(SplitWithSizesBackward0):
    pass


def _split_views(input, sizes, d, node_cls):
    a = input._data
    outs, start = [], 0
    for n in sizes:
        key = (slice(None),) * d + (slice(start, start + n),)
        outs.append(make_view(input, a[key], _redo(slice_dim, d, start, start + n)))
        start += n
    outs = tuple(outs)
    if requires_grad(input):
        node = record(node_cls, (input,), outs)
        node.num_outputs, node.dim, node.sizes = len(outs), d, tuple(sizes)
    return outs


def _split_dim_of(input, dim, name):
    if not input._data.ndim:
        raise RuntimeError(f"{name} expects at least a 1-dimensional tensor")
    return normalize_dim(dim, input._data.ndim)


def split_with_sizes(input, split_sizes, dim=0):
    """Views of consecutive pieces of dim ``dim`` with the given sizes (summing to it)."""
    d = _split_dim_of(input, dim, "split")
    size = input._data.shape[d]
    sizes = [int(s) for s in split_sizes]
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative "
                           f"entries, but got split_sizes={sizes}")
    if sum(sizes) != size:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} "
                           f"(input tensor's size at dimension {d}), but got "
                           f"split_sizes={sizes}")
    return _split_views(input, sizes, d, SplitWithSizesBackward0)


def split(tensor, split_size_or_sections, dim=0):
    """Views of pieces of size ``split_size`` (the last may be smaller), or of given sizes."""
    if isinstance(split_size_or_sections, (list, tuple)):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    d = _split_dim_of(tensor, dim, "split")
    size = tensor._data.shape[d]
    step = int(split_size_or_sections)
    if step < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size="
                           f"{step}")
    if step == 0 and size != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                           f"dimension size of {size}")
    n = max(-(-size // step), 1) if step else 1
    sizes = [step] * (n - 1) + [size - step * (n - 1)]
    return _split_views(tensor, sizes, d, SplitBackward0)


def chunk(input, chunks, dim=0):
    """``chunks`` views (or fewer) of equal size along ``dim``, the last maybe smaller."""
    chunks = int(chunks)
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    d = _split_dim_of(input, dim, "chunk")
    size = input._data.shape[d]
    step = -(-size // chunks)
    if step == 0 and size == 0:
        return split_with_sizes(input, [0] * chunks, d)
    return split(input, step, d)


def tensor_split(input, indices_or_sections, dim=0):
    """Views split at ``indices`` or into ``sections`` nearly equal pieces (numpy's rule)."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        if spec._data.dtype != np.int64:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to have dtype "
                               f"of long, but got {spec.dtype._legacy}")
        if spec._data.ndim > 1:
            raise RuntimeError(f"tensor_split expected tensor_indices_or_sections to be a "
                               f"zero-dimensional or one-dimensional tensor, but got a tensor "
                               f"with {spec._data.ndim} dims")
        spec = spec.item() if spec._data.ndim == 0 else spec.tolist()
    d = normalize_dim(dim, nd)
    size = input._data.shape[d]
    if isinstance(spec, (list, tuple)):
        bounds = [0] + [int(i) for i in spec] + [size]
        return tuple(slice_dim(input, d, s, e) for s, e in itertools.pairwise(bounds))
    n = int(spec)
    if n <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {n}")
    q, r = divmod(size, n)
    outs, start = [], 0
    for i in range(n):
        length = q + (i < r)
        outs.append(slice_dim(input, d, start, start + length))
        start += length
    return tuple(outs)


def _split_dim(input, spec, dim, name, min_dims):
    nd = input._data.ndim
    if nd < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, "
                           f"but got a tensor with {nd} dimensions!")
    if isinstance(spec, int):
        size = input._data.shape[dim]
        if spec == 0 or size % spec:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the "
                               f"size of the dimension {size} is not divisible by the "
                               f"split_size {spec}!")
    return tensor_split(input, spec, dim)


def hsplit(input, indices_or_sections):
    """``tensor_split`` along dim 1 (dim 0 for 1-D tensors); sections must divide evenly."""
    return _split_dim(input, indices_or_sections, 1 if input._data.ndim > 1 else 0, "hsplit",
                      1)


def vsplit(input, indices_or_sections):
    return _split_dim(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):
    return _split_dim(input, indices_or_sections, 2, "dsplit", 3)


# -- expand and broadcasting ---------------------------------------------------------------
class ExpandBackward0(Node):
    def backward(self, grad):
        return grad.sum_to_size(self._meta[0][0])


def _expand_geometry(self, sizes):
    """ATen's inferExpandGeometry: target shape and strides, with PyTorch's errors."""
    shape = self._data.shape
    strides = _strides(self._data)
    nd, n = len(shape), len(sizes)
    if n < nd:
        raise RuntimeError(f"expand({self.type()}{{{list(shape)}}}, size={list(sizes)}): the "
                           f"number of sizes provided ({n}) must be greater or equal to the "
                           f"number of dimensions in the tensor ({nd})")
    out_shape, out_strides = [0] * n, [0] * n
    for i in range(n - 1, -1, -1):
        k = i - (n - nd)
        size, stride = (shape[k], strides[k]) if k >= 0 else (1, (
            out_shape[i + 1] * out_strides[i + 1] if i + 1 < n else 1))
        target = sizes[i]
        if target == -1:
            if k < 0:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target = size
        if size != target:
            if size != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({target}) must match the existing size "
                    f"({size}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  "
                    f"Tensor sizes: {list(shape)}")
            if target < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {target}: "
                                   f"{list(sizes)}")
            stride = 0
        out_shape[i], out_strides[i] = target, stride
    return tuple(out_shape), out_strides


def expand(self, *sizes):
    """A view repeating size-1 dims (and new leading dims) without copying; -1 keeps a size.

    Writing into it raises, as PyTorch does, when elements share memory (Note [View strides]).
    """
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    sizes = _shape_args(sizes)
    a = self._data
    if sizes == a.shape:
        arr = a.view()
    else:
        shape, strides = _expand_geometry(self, sizes)
        if not a.ndim:
            strides = [0] * len(shape)
        overlap = any(st == 0 and s > 1 for s, st in zip(shape, strides))
        arr = _as_strided(self, a, shape, strides, writeable=not overlap)
    return make_view(self, arr, lambda b: expand(b, sizes), ExpandBackward0)


def expand_as(self, other):
    return expand(self, other._data.shape)


broadcast_to = expand


def _broadcast_pair(sa, sb):
    """Broadcast shape of two shapes, with PyTorch's error naming tensors a and b."""
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


def broadcast_tensors(*tensors):
    """Views of ``tensors`` expanded to their common shape (unchanged ones as they are)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        return ()
    shape = tensors[0]._data.shape
    for t in tensors[1:]:
        shape = _broadcast_pair(shape, t._data.shape)
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


def broadcast_shapes(*shapes):
    """The shape tensors of ``shapes`` broadcast to, as ``torch.Size``."""
    shapes = [(s,) if isinstance(s, (int, np.integer)) else tuple(s) for s in shapes
              if s is not None]
    if not shapes:
        return Size(())
    common = [1] * max(len(s) for s in shapes)
    for arg, shape in enumerate(shapes):
        for idx in range(-1, -1 - len(shape), -1):
            if shape[idx] == common[idx]:
                continue
            if common[idx] == 1:
                if shape[idx] < 0:
                    raise ValueError("Attempting to broadcast a dimension with negative length!")
                common[idx] = shape[idx]
            if shape[idx] != 1 and common[idx] != shape[idx]:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {shape[idx]} "
                                   f"at {idx}! Mismatching argument at index {arg} had {shape}; "
                                   f"but expected shape should be broadcastable to {common}")
    return Size(common)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids of 0-D/1-D ``tensors``: 'ij' (matrix) or 'xy' (Cartesian) indexing."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but '
                           f'received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if any(t._data.dtype != tensors[0]._data.dtype for t in tensors):
        raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
    n = len(tensors)
    order = list(range(n))
    if indexing == "xy" and n >= 2:
        order[0], order[1] = 1, 0
    grid = [0] * n
    for i, t in enumerate(tensors):
        grid[order[i]] = t._data.size
    outs = []
    for i, t in enumerate(tensors):
        shape = [1] * n
        shape[order[i]] = -1
        outs.append(expand(view(t, shape), grid))
    return tuple(outs)


# -- joins ---------------------------------------------------------------------------------
def _c_order(xp, arr):
    """``arr`` C-contiguous (NumPy keeps an F-ordered input's layout; PyTorch does not)."""
    return arr if arr.flags.c_contiguous else xp.ascontiguousarray(arr)


def _tensor_list(tensors):
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


def _result_np(tensors):
    dt = tensors[0]._data.dtype
    for t in tensors:
        if t._data.dtype != dt:
            return _dtype.result_type(*tensors).np
    return dt


def _finish_join(result, tensors, out, name, node_cls, **attrs):
    if out is not None:
        from .pointwise import _to_out
        if not _dtype.can_cast(result.dtype, out.dtype):
            raise TypeError(f"torch.{name}(): input types can't be cast to the desired output "
                            f"type {out.dtype._legacy}")
        return _to_out(result, out, name, tensors)
    if requires_grad(*tensors):
        node = record(node_cls, tensors, (result,))
        node.__dict__.update(attrs)
    return result


class CatBackward0(Node):
    def backward(self, grad):
        outs, start = [], 0
        for meta in self._meta:
            if meta[0] == (0,):  # skipped by cat (legacy empty tensor)
                outs.append(grad.new_zeros((0,)))
                continue
            n = meta[0][self.dim]
            outs.append(grad.narrow(self.dim, start, n))
            start += n
        return tuple(outs)


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim (1-D empty tensors are skipped, as in PyTorch)."""
    tensors = _tensor_list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    check_same_device(*tensors)
    real = [t._data for t in tensors if t._data.shape != (0,)]  # legacy empty ones skipped
    rt = _result_np(tensors)
    if not real:
        result = wrap(xp_of(tensors[0]).empty((0,), rt), tensors[0]._device)
        return _finish_join(result, tensors, out, "cat", CatBackward0, dim=0)
    ref = real[0].shape
    nd = len(ref)
    d = normalize_dim(dim, nd)
    for i, t in enumerate(tensors):
        s = t._data.shape
        if s == (0,) or s == ref:
            continue
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(s)}")
        for k in range(nd):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref[k]} but got size {s[k]} for tensor "
                                   f"number {i} in the list.")
    xp = xp_of(tensors[0])
    result = wrap(_c_order(xp, xp.concatenate(real, axis=d, dtype=rt)), tensors[0]._device)
    return _finish_join(result, tensors, out, "cat", CatBackward0, dim=d)


concat = cat


def concatenate(tensors, axis=0, out=None):
    """``cat`` with NumPy's argument name."""
    return cat(tensors, axis, out=out)


class StackBackward0(Node):
    def backward(self, grad):
        return grad.unbind(self.dim)


def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim ``dim``."""
    tensors = _tensor_list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry {i}")
    d = normalize_dim(dim, len(shape) + 1)
    check_same_device(*tensors)
    xp = xp_of(tensors[0])
    arr = xp.stack([t._data for t in tensors], axis=d, dtype=_result_np(tensors))
    result = wrap(_c_order(xp, arr), tensors[0]._device)
    return _finish_join(result, tensors, out, "stack", StackBackward0, dim=d)


def _nonempty(tensors, name):
    tensors = _tensor_list(tensors)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    """Join along dim 1 (dim 0 for 1-D tensors)."""
    ts = atleast_1d(_nonempty(tensors, "hstack"))
    return cat(ts, 0 if ts[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """Join along dim 0 after making every tensor at least 2-D."""
    return cat(atleast_2d(_nonempty(tensors, "vstack")), 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """Join along dim 2 after making every tensor at least 3-D."""
    return cat(atleast_3d(_nonempty(tensors, "dstack")), 2, out=out)


def column_stack(tensors, *, out=None):
    """Join as columns: 0-D and 1-D tensors become columns, then join along dim 1."""
    ts = [reshape(t, t._data.size, 1) if t._data.ndim <= 1 else t
          for t in _nonempty(tensors, "column_stack")]
    return cat(ts, 1, out=out)


def _atleast(args, fn):
    if len(args) == 1 and isinstance(args[0], Tensor):
        return fn(args[0])
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        args = args[0]
    return tuple(fn(t) for t in args)


def atleast_1d(*tensors):
    """Each tensor with at least one dim (0-D ones become shape [1])."""
    return _atleast(tensors, lambda t: reshape(t, 1) if t._data.ndim == 0 else t)


def _2d(t):
    nd = t._data.ndim
    return reshape(t, 1, 1) if nd == 0 else unsqueeze(t, 0) if nd == 1 else t


def atleast_2d(*tensors):
    """Each tensor with at least two dims (a 1-D one becomes a row)."""
    return _atleast(tensors, _2d)


def _3d(t):
    nd = t._data.ndim
    if nd == 0:
        return reshape(t, 1, 1, 1)
    if nd == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if nd == 2 else t


def atleast_3d(*tensors):
    """Each tensor with at least three dims ([n] -> [1, n, 1], [m, n] -> [m, n, 1])."""
    return _atleast(tensors, _3d)


# -- repeat, flip, roll --------------------------------------------------------------------
class RepeatBackward0(Node):
    def backward(self, grad):
        shape, reps = self._meta[0][0], self.repeats
        padded = (1,) * (len(reps) - len(shape)) + shape
        split = [n for pair in zip(reps, padded) for n in pair]
        return grad.reshape(split).sum(tuple(range(0, len(split), 2))).reshape(shape)


def repeat(self, *sizes):
    """``self`` tiled ``sizes[i]`` times along each dim (new leading dims allowed); a copy."""
    reps = _shape_args(sizes)
    shape = self._data.shape
    if len(reps) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(reps) - len(shape)) + shape
    target = [r * s for r, s in zip(reps, padded)]
    for s in target:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {target}")
    xp = xp_of(self)
    result = wrap(_c_order(xp, xp.tile(self._data.reshape(padded), reps)), self._device)
    if requires_grad(self):
        record(RepeatBackward0, (self,), (result,)).repeats = reps
    return result


def tile(input, *dims):
    """``repeat`` with ``dims`` padded with leading 1s to ``input``'s number of dims."""
    reps = _shape_args(dims)
    return repeat(input, (1,) * (input._data.ndim - len(reps)) + reps)


class FlipBackward0(Node):
    def backward(self, grad):
        return grad.flip(self.dims)


def flip(input, *dims):
    """Reverse the order of elements along ``dims`` (a copy)."""
    dims = _distinct_dims(_shape_args(dims), input._data.ndim)
    # order="K": the copy keeps the input's layout, as PyTorch's flip does
    arr = xp_of(input).flip(input._data, dims).copy(order="K") if dims else \
        input._data.copy(order="K")
    result = wrap(arr, input._device)
    if requires_grad(input):
        record(FlipBackward0, (input,), (result,)).dims = dims
    return result


def fliplr(input):
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, 1)


def flipud(input):
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, 0)


class RollBackward0(Node):
    def backward(self, grad):
        return grad.roll(tuple(-s for s in self.shifts), self.dims)


def roll(input, shifts, dims=None):
    """Shift elements circularly along ``dims`` (over the flattened tensor when None)."""
    shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
    dims = () if dims is None else (dims,) if isinstance(dims, (int, np.integer)) \
        else tuple(dims)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if len(shifts) != len(dims) and not (not dims and len(shifts) == 1):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:"
                           f"{len(dims)}")
    a = input._data
    xp = xp_of(input)
    if dims:
        dims = tuple(_dim(d, a.ndim) for d in dims)
        arr = _c_order(xp, xp.roll(a, shifts, dims))
    else:
        arr = xp.roll(a.reshape(-1), shifts[0]).reshape(a.shape)
    result = wrap(arr, input._device)
    if requires_grad(input):
        node = record(RollBackward0, (input,), (result,))
        node.shifts, node.dims = shifts, dims or None
    return result


# -- diagonals and triangles ---------------------------------------------------------------
def _diag_dims(dim1, dim2, ndim):
    d1, d2 = normalize_dim(dim1, ndim), normalize_dim(dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


def _diagonal_array(t, a, offset, d1, d2):
    """Writable view of the diagonal of array ``a`` (memory of ``t``), appended as last dim."""
    s1, s2 = a.shape[d1], a.shape[d2]
    n = max(min(s1, s2 - offset) if offset >= 0 else min(s1 + offset, s2), 0)
    if n:
        key = [slice(None)] * a.ndim
        key[d1 if offset < 0 else d2] = slice(abs(offset), None)
        a = a[tuple(key)]
    strides = _strides(a)
    keep = [i for i in range(a.ndim) if i not in (d1, d2)]
    return _as_strided(t, a, [a.shape[i] for i in keep] + [n],
                       [strides[i] for i in keep] + [strides[d1] + strides[d2]])


class DiagonalBackward0(Node):
    def backward(self, grad):
        full = grad.new_zeros(self._meta[0][0])
        full.diagonal(self.offset, self.dim1, self.dim2).copy_(grad)
        return full


class DiagonalBackward0_copy(DiagonalBackward0):  # PyTorch's name
    pass


def diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal at ``offset`` of the planes ``(dim1, dim2)``, as a last dim (a view)."""
    d1, d2 = _diag_dims(dim1, dim2, input._data.ndim)
    offset = int(offset)
    arr = _diagonal_array(input, input._data, offset, d1, d2)
    out = make_view(input, arr, lambda b: diagonal(b, offset, d1, d2))
    if requires_grad(input):
        node = record(DiagonalBackward0, (input,), (out,))
        node.offset, node.dim1, node.dim2 = offset, d1, d2
    return out


class DiagEmbedBackward0(Node):
    def backward(self, grad):
        return grad.diagonal(self.offset, self.dim1, self.dim2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """Matrices in the planes ``(dim1, dim2)`` whose ``offset`` diagonal is ``input``'s last
    dim; zeros elsewhere."""
    shape = input._data.shape
    nd = len(shape) + 1
    d1, d2 = _diag_dims(dim1, dim2, nd)
    offset = int(offset)
    n = (shape[-1] if shape else 1) + abs(offset)
    out_shape = list(shape[:-1])
    for d in sorted((d1, d2)):
        out_shape.insert(d, n)
    arr = xp_of(input).zeros(out_shape, input._data.dtype)
    _diagonal_array(input, arr, offset, d1, d2)[...] = input._data
    result = wrap(arr, input._device)
    if requires_grad(input):
        node = record(DiagEmbedBackward0, (input,), (result,))
        node.offset, node.dim1, node.dim2 = offset, d1, d2
    return result


def diag(input, diagonal=0, *, out=None):
    """1-D input: a square matrix with it on diagonal ``diagonal``; 2-D: that diagonal."""
    nd = input._data.ndim
    if nd not in (1, 2):
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {nd}D")
    d = int(diagonal)
    if out is not None:
        from .pointwise import _to_out
        arr = diag_embed(input.detach(), d, 0, 1)._data if nd == 1 else \
            _diagonal_array(input, input._data, d, 0, 1).copy()
        return _to_out(wrap(arr, input._device), out, "diag", (input,))
    if nd == 1:
        return diag_embed(input, d, 0, 1)
    result = wrap(_diagonal_array(input, input._data, d, 0, 1).copy(), input._device)
    if requires_grad(input):
        node = record(DiagonalBackward0_copy, (input,), (result,))
        node.offset, node.dim1, node.dim2 = d, 0, 1
    return result


class TrilBackward0(Node):
    def backward(self, grad):
        return grad.tril(self.diagonal)


class TriuBackward0(Node):
    def backward(self, grad):
        return grad.triu(self.diagonal)


def _triangle(input, diagonal, out, name, fn, node_cls):
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    k = int(diagonal)
    result = wrap(_c_order(xp_of(input), fn(input._data, k)), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, name, (input,))
    if requires_grad(input):
        record(node_cls, (input,), (result,)).diagonal = k
    return result


def tril(input, diagonal=0, *, out=None):
    """Lower triangle of the last two dims (elements on and below ``diagonal``); zeros else."""
    return _triangle(input, diagonal, out, "tril", xp_of(input).tril, TrilBackward0)


def triu(input, diagonal=0, *, out=None):
    """Upper triangle of the last two dims (elements on and above ``diagonal``); zeros else."""
    return _triangle(input, diagonal, out, "triu", xp_of(input).triu, TriuBackward0)


# -- unfold, rot90, narrow_copy, complex views -------------------------------------------
class UnfoldBackward0(Node):
    def backward(self, grad):
        shape = self._meta[0][0]
        if not shape:
            return grad.sum()
        d, size, step = self.dim, self.size, self.step
        n = grad.shape[d]
        full = grad.new_zeros(shape)
        for j in range(size):  # window offset j: one strided slice per offset
            full.slice_dim(d, j, j + (n - 1) * step + 1, step).add_(grad.select(-1, j))
        return full


def unfold(self, dimension, size, step):
    """All windows of ``size`` elements along ``dimension``, ``step`` apart, as a new last
    dim (a view)."""
    a = self._data
    d = normalize_dim(dimension, a.ndim)
    size, step = int(size), int(step)
    max_size = a.shape[d] if a.ndim else 1
    if size > max_size:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {max_size} but size is "
                           f"{size}")
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    shape, strides = list(a.shape), _strides(a)
    if a.ndim:
        shape[d] = (shape[d] - size) // step + 1
        strides[d], last = strides[d] * step, strides[d]
    else:
        last = 1
    arr = _as_strided(self, a, shape + [size], strides + [last])
    out = make_view(self, arr, lambda b: unfold(b, d, size, step))
    if requires_grad(self):
        node = record(UnfoldBackward0, (self,), (out,))
        node.dim, node.size, node.step = d, size, step
    return out


class Rot90Backward0(Node):
    def backward(self, grad):
        return grad.rot90(-self.k, self.dims)


def rot90(input, k=1, dims=(0, 1)):
    """Rotate by 90 degrees ``k`` times in the plane ``dims``, from the first dim towards
    the second (a copy)."""
    dims = tuple(dims)
    nd = input._data.ndim
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d0, d1 = (normalize_dim(d, nd) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} "
                           f"and dim1 = {dims[1]}")
    k = int(k) % 4
    a = input._data
    xp = xp_of(input)
    if k == 0:
        arr = a.copy()
    elif k == 2:
        arr = xp.flip(a, (d0, d1)).copy(order="K")
    else:
        arr = xp.flip(a, d1 if k == 1 else d0).copy(order="K").swapaxes(d0, d1)
    result = wrap(arr, input._device)
    if requires_grad(input):
        node = record(Rot90Backward0, (input,), (result,))
        node.k, node.dims = k, (d0, d1)
    return result


class NarrowCopyBackward0(SliceBackward0):
    pass


def narrow_copy(input, dim, start, length):
    """``narrow`` as a new tensor."""
    view = narrow(input, dim, start, length)
    result = wrap(view._data.copy(), input._device)
    if requires_grad(input):
        node = record(NarrowCopyBackward0, (input,), (result,))
        g = view._grad_fn
        node.dim, node.start, node.stop, node.step = g.dim, g.start, g.stop, g.step
    return result


class ViewAsRealBackward0(Node):
    def backward(self, grad):
        return view_as_complex(grad.contiguous())


class ViewAsComplexBackward0(Node):
    def backward(self, grad):
        return view_as_real(grad)


def view_as_real(input):
    """A complex tensor's memory as real numbers, real and imaginary parts in a new last
    dim of size 2 (a view)."""
    a = input._data
    if a.dtype.kind != "c":
        raise RuntimeError("view_as_real is only supported for complex tensors")
    re = a.real  # the real parts, a view with the complex strides
    arr = _as_strided(input, re, a.shape + (2,), _strides(re) + [1])
    return make_view(input, arr, view_as_real, ViewAsRealBackward0)


def view_as_complex(input):
    """A real tensor whose last dim has size 2 seen as complex numbers (a view)."""
    a = input._data
    if a.dtype not in (np.float32, np.float64):
        raise RuntimeError(f"view_as_complex is only supported for half, float and double "
                           f"tensors, but got a tensor of scalar type: {input.dtype._legacy}")
    if not a.ndim:
        raise RuntimeError("Input tensor must have one or more dimensions")
    if a.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    strides = _strides(a)
    if strides[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(st % 2 for st in strides[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    arr = a.view(np.complex64 if a.dtype == np.float32 else np.complex128)[..., 0]
    return make_view(input, arr, view_as_complex, ViewAsComplexBackward0)


# -- in-place metadata changes (unsqueeze_, t_, ...) ---------------------------------------
class UnsqueezeBackward1(UnsqueezeBackward0):
    pass


class SqueezeBackward3(SqueezeBackward0):
    pass


class SqueezeBackward4(SqueezeBackward0):
    pass


class SqueezeBackward5(SqueezeBackward0):
    pass


class TBackward1(TBackward0):
    pass


class TransposeBackward1(TransposeBackward0):
    pass


def _restride_(self, arr, redo, node_cls, **attrs):
    """Give ``self`` new metadata ``arr`` over the same memory, as an in-place op does."""
    rg = requires_grad(self)
    if rg:
        base = self._base
        if base is None and self._grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                               "operation.")
        if base is not None and base._grad_fn is None and base._rg:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                               "an in-place operation.")
        src = wrap(self._data, self._device)
        src._grad_fn, src._output_nr = gradient_edge(self)
        src._rg = True
    self._data = arr
    self._vc[0] += 1
    if self._base is not None:
        old = self._view_fn
        self._view_fn = lambda b: redo(old(b))
        self._view_version = self._vc[0]
    if rg:
        node = record(node_cls, (src,), (self,))
        node.__dict__.update(attrs)
        self._output_nr = 0
    return self


def unsqueeze_(self, dim):
    d = normalize_dim(dim, self._data.ndim + 1)
    return _restride_(self, _unsqueezed(self, self._data, d), lambda b: unsqueeze(b, d),
                      UnsqueezeBackward1, dim=d)


def squeeze_(self, dim=None):
    dims, k = _squeeze_dims(self._data.shape, dim)
    cls = (SqueezeBackward3, SqueezeBackward4, SqueezeBackward5)[k]
    return _restride_(self, _squeezed(self._data, dims), lambda b: squeeze(b, dims), cls)


def t_(self):
    nd = self._data.ndim
    if nd > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {nd}D")
    return _restride_(self, self._data.T, t, TBackward1)


def transpose_(self, dim0, dim1):
    nd = self._data.ndim
    d0, d1 = normalize_dim(dim0, nd), normalize_dim(dim1, nd)
    arr = self._data.swapaxes(d0, d1) if nd else self._data.view()
    return _restride_(self, arr, lambda b: transpose(b, d0, d1), TransposeBackward1, dim0=d0,
                      dim1=d1)


swapaxes_ = swapdims_ = transpose_


# =============================================================================================
# as_strided and the *_scatter ops, repeat_interleave, block_diag, cartesian_prod,
# combinations, unsafe splits, and the *_copy forms of the view ops.
def _root(t):
    return t._base if t._base is not None else t


def _storage_size(arr):
    """Elements of the storage a root array spans (its extent in memory)."""
    if arr.size == 0:
        return 0
    return 1 + sum((n - 1) * s for n, s in zip(arr.shape, _strides(arr)))


def _min_storage(size, stride, offset):
    """Elements a strided geometry needs, ATen's computeStorageNbytes in elements."""
    if any(n == 0 for n in size):
        return 0
    return offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))


def _check_geometry(size, stride):
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(size)} and "
                           f"strides={list(stride)}")


def _strided_array(t, root_arr, size, stride, offset):
    """An array over ``root_arr``'s storage with element geometry (size, stride, offset)."""
    item = root_arr.itemsize
    extent = _storage_size(root_arr)
    need = _min_storage(size, stride, offset)
    if need > extent:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {item} requiring a storage size of "
                           f"{need * item} are out of bounds for storage of size {extent * item}")
    st = xp_of(t).lib.stride_tricks
    flat = st.as_strided(root_arr, (max(extent, offset),), (item,))
    overlap = any(s == 0 and n > 1 for n, s in zip(size, stride))
    return _as_strided(t, flat[offset:], size, stride, writeable=not overlap)


class AsStridedBackward0(Node):
    """ATen's as_strided_backward: scatter-add the gradient into a zero buffer spanning both
    geometries' storage, divide by how often the input sees each element, and read the input
    geometry back out of it."""

    def backward(self, grad):
        from .indexing import index_add, take
        in_size, in_stride, in_off = self.input_geometry
        size, stride, off = self.size, self.stride, self.offset
        shared = min(in_off, off)
        in_off, off = in_off - shared, off - shared
        n = max(_min_storage(in_size, in_stride, in_off), _min_storage(size, stride, off))
        out_idx = _geometry_indices(size, stride, off)
        in_idx = _geometry_indices(in_size, in_stride, in_off)
        dev = grad._device
        storage = index_add(grad.new_zeros(n), 0, wrap(out_idx.reshape(-1), dev),
                            grad.reshape(-1))
        count = np.bincount(in_idx.reshape(-1), minlength=n)
        if (count > 1).any():
            storage = storage / wrap(count.astype(grad._data.dtype), dev)
        return take(storage, wrap(in_idx, dev))


class AsStridedBackward1(AsStridedBackward0):
    pass


def _geometry_indices(size, stride, offset):
    """Storage index of every element of a strided geometry (an int64 array of ``size``)."""
    idx = np.full(tuple(size), offset, np.int64)
    for d, (n, s) in enumerate(zip(size, stride)):
        shape = [1] * len(size)
        shape[d] = n
        idx = idx + (np.arange(n, dtype=np.int64) * s).reshape(shape)
    return idx


def _geometry(t):
    return tuple(t._data.shape), t.stride(), t.storage_offset()


def as_strided(input, size, stride, storage_offset=None):
    """A view of ``input``'s storage with the given sizes, strides (in elements) and offset
    (``input``'s own offset when None)."""
    size, stride = tuple(map(operator.index, size)), tuple(map(operator.index, stride))
    _check_geometry(size, stride)
    offset = input.storage_offset() if storage_offset is None else int(storage_offset)
    root = _root(input)
    arr = _strided_array(input, root._data, size, stride, offset)
    out = make_view(input, arr, lambda b: as_strided(b, size, stride, offset))
    if requires_grad(input):
        node = record(AsStridedBackward0, (input,), (out,))
        node.input_geometry = _geometry(input)
        node.size, node.stride, node.offset = size, stride, offset
    return out


def as_strided_(self, size, stride, storage_offset=None):
    """``self`` becomes ``as_strided(self, size, stride, storage_offset)`` in place."""
    size, stride = tuple(map(operator.index, size)), tuple(map(operator.index, stride))
    _check_geometry(size, stride)
    offset = self.storage_offset() if storage_offset is None else int(storage_offset)
    geometry = _geometry(self)
    arr = _strided_array(self, _root(self)._data, size, stride, offset)
    return _restride_(self, arr, lambda b: as_strided(b, size, stride, offset),
                      AsStridedBackward1, input_geometry=geometry, size=size, stride=stride,
                      offset=offset)


def _scatter_into(input, src, region, name):
    """``input``'s values with ``region(copy)`` (a view function) replaced by ``src``."""
    from .creation import clone as _clone
    base = _clone(input.detach())
    view = region(base)
    if tuple(view._data.shape) != tuple(src._data.shape):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src._data.shape)}, slice size = {list(view._data.shape)}")
    view._data[...] = src._data
    return wrap(base._data, input._device)


def _record_scatter(cls, input, src, result, **attrs):
    if requires_grad(input, src):
        node = record(cls, (input, src), (result,))
        node.__dict__.update(attrs)
    return result


class SelectScatterBackward0(Node):
    def backward(self, grad):
        nf = self.next_functions
        g_src = grad.select(self.dim, self.index)
        return (select_scatter(grad, g_src.new_zeros(g_src.shape), self.dim, self.index)
                if nf[0][0] is not None else None,
                g_src if nf[1][0] is not None else None)


def select_scatter(input, src, dim, index):
    """``input`` with its slice at ``index`` along ``dim`` replaced by ``src`` (a copy)."""
    d = normalize_dim(dim, input._data.ndim)
    index = int(index)
    result = _scatter_into(input, src, lambda b: select(b, d, index), "select_scatter")
    return _record_scatter(SelectScatterBackward0, input, src, result, dim=d, index=index)


class SliceScatterBackward0(Node):
    def backward(self, grad):
        nf = self.next_functions
        args = (self.dim, self.start, self.end, self.step)
        g_src = slice_dim(grad, *args)
        return (slice_scatter(grad, g_src.new_zeros(g_src.shape), *args)
                if nf[0][0] is not None else None,
                g_src if nf[1][0] is not None else None)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``input`` with ``input[..., start:end:step, ...]`` (along ``dim``) replaced by ``src``."""
    d = normalize_dim(dim, input._data.ndim)
    result = _scatter_into(input, src, lambda b: slice_dim(b, d, start, end, step),
                           "slice_scatter")
    return _record_scatter(SliceScatterBackward0, input, src, result, dim=d, start=start,
                           end=end, step=step)


class DiagonalScatterBackward0(Node):
    def backward(self, grad):
        nf = self.next_functions
        args = (self.offset, self.dim1, self.dim2)
        g_src = diagonal(grad, *args)
        return (diagonal_scatter(grad, g_src.new_zeros(g_src.shape), *args)
                if nf[0][0] is not None else None,
                g_src if nf[1][0] is not None else None)


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``input`` with its ``offset`` diagonal over ``(dim1, dim2)`` replaced by ``src``."""
    d1, d2 = _diag_dims(dim1, dim2, input._data.ndim)
    offset = int(offset)
    result = _scatter_into(input, src, lambda b: diagonal(b, offset, d1, d2),
                           "diagonal_scatter")
    return _record_scatter(DiagonalScatterBackward0, input, src, result, offset=offset, dim1=d1,
                           dim2=d2)


class AsStridedScatterBackward0(Node):
    def backward(self, grad):
        nf = self.next_functions
        args = (self.size, self.stride, self.offset)
        g = grad.contiguous()
        g_src = as_strided(g, *args)
        return (as_strided_scatter(g, g_src.new_zeros(g_src.shape), *args)
                if nf[0][0] is not None else None,
                g_src.clone() if nf[1][0] is not None else None)


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """A copy of ``input`` whose elements seen by ``as_strided(size, stride, offset)`` (over
    the copy's own storage) are replaced by ``src``."""
    size, stride = tuple(map(operator.index, size)), tuple(map(operator.index, stride))
    _check_geometry(size, stride)
    offset = 0 if storage_offset is None else int(storage_offset)
    result = _scatter_into(input, src, lambda b: as_strided(b, size, stride, offset),
                           "as_strided_scatter")
    return _record_scatter(AsStridedScatterBackward0, input, src, result, size=size,
                           stride=stride, offset=offset)


# -- repeat_interleave, block_diag, cartesian_prod, combinations ------------------------------
def _repeat_indices(repeats, output_size=None):
    """``torch.repeat_interleave(repeats)``: each index i repeated repeats[i] times."""
    r = repeats._data
    if r.ndim != 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if r.dtype not in (np.int64, np.int32):
        raise NotImplementedError(f"\"repeat_interleave_cpu\" not implemented for "
                                  f"'{repeats.dtype._legacy}'")
    if r.size and r.min() < 0:
        raise RuntimeError("repeats can not be negative")
    if output_size is not None and int(r.sum()) != output_size:
        raise RuntimeError("allocated size does not match required size")
    xp = xp_of(repeats)
    return wrap(xp.repeat(xp.arange(r.size, dtype=r.dtype), r), repeats._device)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``) repeated ``repeats`` times (an int, or a tensor
    with one count per slice); with only a tensor of counts, the repeated indices."""
    from .indexing import index_select
    if repeats is None:
        return _repeat_indices(input, output_size)
    x = input if dim is not None else input.flatten()
    d = normalize_dim(dim if dim is not None else 0, input._data.ndim)
    if not isinstance(repeats, Tensor):
        repeats = operator.index(repeats)
        if repeats < 0:
            raise RuntimeError("Repeats must be non-negative")
        x = x.unsqueeze(d + 1)
        shape = list(x.shape)
        shape[d + 1] = repeats
        if output_size is not None and repeats * shape[d] != output_size:
            raise RuntimeError(f"repeat_interleave: Invalid output_size, expected "
                               f"{repeats * shape[d]} but got {output_size}")
        return clone(x.expand(shape), memory_format=contiguous_format).flatten(d, d + 1)
    if repeats.ndim == 0 or (repeats.ndim == 1 and repeats.shape[0] == 1):
        repeats = repeats.reshape(1).expand(x.shape[d])
    elif repeats.ndim == 1:
        if repeats.shape[0] != x.shape[d]:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {repeats.shape[0]} and input.size({d}) = "
                               f"{x.shape[d]}")
    else:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    return index_select(x, d, _repeat_indices(repeats, output_size))


class BlockDiagBackward0(Node):
    def backward(self, grad):
        grads, r, c = [], 0, 0
        for shape, (rows, cols) in zip(self.shapes, self.blocks):
            grads.append(grad[r:r + rows, c:c + cols].reshape(shape))
            r, c = r + rows, c + cols
        return tuple(grads)


def block_diag(*tensors):
    """A block-diagonal matrix of the given tensors (0-D and 1-D tensors are rows)."""
    blocks = []
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. "
                               f"Input {i} has {t._data.ndim} dimensions")
        s = t._data.shape
        blocks.append((1, 1) if len(s) == 0 else (1, s[0]) if len(s) == 1 else s)
    if not tensors:
        from .creation import empty
        return empty(1, 0)
    npd = _result_np(tensors)
    xp = xp_of(tensors[0])
    arr = xp.zeros((sum(b[0] for b in blocks), sum(b[1] for b in blocks)), npd)
    r = c = 0
    for t, (rows, cols) in zip(tensors, blocks):
        arr[r:r + rows, c:c + cols] = t._data.reshape(rows, cols)
        r, c = r + rows, c + cols
    result = wrap(arr, tensors[0]._device)
    if requires_grad(*tensors):
        node = record(BlockDiagBackward0, tensors, (result,))
        node.shapes, node.blocks = [t._data.shape for t in tensors], blocks
    return result


def cartesian_prod(*tensors):
    """All tuples taking one element from each 1-D tensor, as rows (itertools.product order)."""
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t._data.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.flatten() for g in grids], 1)


def combinations(input, r=2, with_replacement=False):
    """All length-``r`` combinations of the elements of a 1-D tensor, as rows
    (itertools.combinations order; ``with_replacement`` allows repeats)."""
    from .creation import empty
    from .indexing import index_select
    if input._data.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input._data.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return empty(0, dtype=input.dtype, device=input.device)
    n = input._data.shape[0]
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    idx = np.array(list(pick(range(n), r)), np.int64).reshape(-1, r)
    return stack([index_select(input, 0, wrap(idx[:, k].copy(), input._device))
                  for k in range(r)], 1)


# -- unsafe splits: pieces sharing memory that are not views (in-place changes allowed) ------
class UnsafeSplitBackward0(SplitWithSizesBackward0):
    pass


class UnsafeSplitWithSizesBackward0(SplitWithSizesBackward0):
    pass


def unsafe_split(tensor, split_size, dim=0):
    """``split`` whose pieces are not tracked as views (PyTorch's unsafe_split)."""
    with _no_grad():
        pieces = split(tensor, split_size, dim)
    return _unsafe_pieces(pieces, tensor, UnsafeSplitBackward0, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):
    with _no_grad():
        pieces = split_with_sizes(input, split_sizes, dim)
    return _unsafe_pieces(pieces, input, UnsafeSplitWithSizesBackward0, dim)


def unsafe_chunk(input, chunks, dim=0):
    with _no_grad():
        pieces = chunk(input, chunks, dim)
    return _unsafe_pieces(pieces, input, UnsafeSplitBackward0, dim)


def _unsafe_pieces(pieces, input, node_cls, dim):
    outs = tuple(wrap(p._data, input._device) for p in pieces)
    if requires_grad(input):
        node = record(node_cls, (input,), outs)
        node.num_outputs = len(outs)
        node.dim = normalize_dim(dim, input._data.ndim)
        node.sizes = tuple(p._data.shape[node.dim] for p in pieces)
    return outs


def _no_grad():
    from ..autograd.grad_mode import no_grad
    return no_grad()


# -- *_copy: a view op's result as a new tensor -------------------------------------------------
# Each is the view op followed by a contiguous copy; the view's backward node is kept, renamed
# as PyTorch names it (ViewBackward0 -> ViewBackward0_copy).
_COPY_NODES = {}


def _copy_node(cls):
    if cls.__name__.endswith("_copy"):
        return cls
    new = _COPY_NODES.get(cls)
    if new is None:
        new = _COPY_NODES[cls] = type(cls.__name__ + "_copy", (cls,), {})
    return new


def _copy_variant(view_op, name):
    def op(input, *args, **kwargs):
        views = view_op(input, *args, **kwargs)
        many = isinstance(views, (tuple, list))
        seq = tuple(views) if many else (views,)
        outs = tuple(wrap(v._data.copy(), v._device) for v in seq)
        fn = seq[0]._grad_fn if seq else None
        if fn is not None and name == "view_as_complex_copy":
            raise RuntimeError("view_as_complex_copy does not support automatic "
                               "differentiation for outputs with complex dtype.")
        if fn is not None and fn is not input._grad_fn:
            fn.__class__ = _copy_node(type(fn))
            for v, o in zip(seq, outs):
                o._grad_fn, o._output_nr, o._rg = v._grad_fn, v._output_nr, True
        return outs if many else outs[0]
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``{view_op.__name__}`` as a new tensor (not a view)."
    return op


def _dtype_or_shape_view(input, size):
    return input.view(size)


_COPY_OF = {"alias_copy": alias, "as_strided_copy": as_strided, "diagonal_copy": diagonal,
            "expand_copy": expand, "permute_copy": permute, "select_copy": select,
            "slice_copy": slice_dim, "split_copy": split,
            "split_with_sizes_copy": split_with_sizes, "squeeze_copy": squeeze, "t_copy": t,
            "transpose_copy": transpose, "unbind_copy": unbind, "unfold_copy": unfold,
            "unsqueeze_copy": unsqueeze, "view_as_complex_copy": view_as_complex,
            "view_as_real_copy": view_as_real, "view_copy": _dtype_or_shape_view}
for _name, _view in _COPY_OF.items():
    globals()[_name] = _copy_variant(_view, _name)
del _name, _view


def detach_copy(input):
    """A copy of ``input``; as in PyTorch it records a node whose backward is not
    implemented."""
    from .pointwise import NotImplementedBackward
    result = wrap(input._data.copy(), input._device)
    if requires_grad(input):
        node = record(NotImplementedBackward, (input,), (result,))
        node.op = "detach_copy"
    return result


__all__ += ["as_strided", "as_strided_", "select_scatter", "slice_scatter", "diagonal_scatter",
            "as_strided_scatter", "repeat_interleave", "block_diag", "cartesian_prod",
            "combinations", "unsafe_split", "unsafe_split_with_sizes", "unsafe_chunk",
            "detach_copy"] + list(_COPY_OF)
METHODS += ["as_strided", "as_strided_", "select_scatter", "slice_scatter", "diagonal_scatter",
            "as_strided_scatter", "repeat_interleave", "unsafe_split", "unsafe_split_with_sizes",
            "unsafe_chunk"]


def diagflat(input, offset=0):
    """A matrix with ``input``'s elements (flattened) on diagonal ``offset``."""
    return diag_embed(input.contiguous().view(-1), offset)


def fill_diagonal_(self, fill_value, wrap=False):
    """Fill the main diagonal (all indices equal) with ``fill_value``, in place; a tall matrix
    with ``wrap`` restarts it every ``width + 1`` rows (ATen's as_strided method)."""
    nd = self._data.ndim
    if nd < 2:
        raise RuntimeError("dimensions must larger than 1")
    height, width = self._data.shape[:2]
    if nd > 2 and any(s != height for s in self._data.shape[1:]):
        raise RuntimeError("all dimensions of input must be of equal length")
    offset = self.storage_offset()
    stride = sum(self.stride())
    size = min(height, width)
    as_strided(self, (size,), (stride,), offset).fill_(fill_value)
    if wrap and nd == 2 and height > width + 1:
        step = width + 1
        n = (self.numel() + step - 1) // step - size
        as_strided(self, (n,), (stride,), offset + self.stride(0) * (width + 1)).fill_(
            fill_value)
    return self


__all__ += ["diagflat"]
METHODS += ["diagflat", "fill_diagonal_"]


# -- resize_ --------------------------------------------------------------------------------------
def _storage(a):
    """The outermost array owning ``a``'s memory (its storage), or None when that is not a
    plain C-contiguous array holding ``a``."""
    from .._tensor import _address
    root = a
    while isinstance(root.base, np.ndarray):
        root = root.base
    if not root.flags.c_contiguous or not root.flags.writeable:
        return None
    offset = _address(a) - _address(root)
    return (root, offset) if 0 <= offset <= root.nbytes else None


def resize_(self, *sizes, memory_format=None):
    """Give ``self`` the shape ``sizes`` in place, with contiguous strides from its storage
    offset: the storage is kept while large enough (its values show through, shrinking then
    growing back restores them), else replaced by a larger one holding the old storage's
    values first and uninitialised memory after."""
    if self.requires_grad:
        raise RuntimeError("cannot resize variables that require grad")
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Size)):
        sizes = tuple(sizes[0])
    shape = tuple(operator.index(s) for s in sizes)
    if any(s < 0 for s in shape):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{next(s for s in shape if s < 0)}: {list(shape)}")
    a = self._data
    if shape == a.shape:
        return self
    dt = a.dtype
    n = math.prod(shape)
    found = _storage(a) if isinstance(a, np.ndarray) else None
    if found is not None and n * dt.itemsize <= found[0].nbytes - found[1]:
        root, offset = found
        new = np.ndarray(shape, dt, buffer=root, offset=offset)
    else:
        new = np.empty(shape, dt)
        flat = new.reshape(-1)
        if found is not None:
            root, offset = found
            old = root.reshape(-1).view(np.uint8)[offset:]
            old = old[:len(old) - len(old) % dt.itemsize].view(dt)
        else:
            old = np.asarray(self._cpu_array()).reshape(-1)
        k = min(len(old), n)
        flat[:k] = old[:k]
        if self._device is not CPU:
            new = self._device_backend().from_numpy(new)
    self._data = new
    self._vc[0] += 1
    return self


def resize_as_(input, the_template, *, memory_format=None):
    """``input.resize_(the_template.shape)``."""
    return resize_(input, the_template.shape, memory_format=memory_format)


__all__ += ["resize_as_"]
METHODS += ["resize_", "resize_as_"]

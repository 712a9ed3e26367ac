"""Indexing: ``tensor[...]`` reads and writes, gather/scatter, index_*, masks, take/put, where.

Basic indices (ints, slices, None, Ellipsis) give views made of select/slice/unsqueeze steps,
as PyTorch builds them; tensor, list and bool-mask indices give copies (IndexBackward0).

# Note [Advanced indexing]
``self[index]`` runs in two steps, as PyTorch's ``applySlicing`` does. First every int, slice,
None and Python bool is applied as a view (select, slice, unsqueeze), walking the dims left to
right, while tensor indices are recorded in a list with one entry per dim they consume (None
for a dim left whole; a bool mask consumes ``mask.dim()`` dims). Second, ``_index`` (aten's
``index``) expands masks into their ``nonzero()`` coordinates, broadcasts the integer indices
and gathers. Where the result's indexed dims go is NumPy's rule, which PyTorch shares: in place
of the indexed dims when those are adjacent, else first. Assignment runs the same first step
and then ``index_put_`` on the view, so a write into a view reaches the base as CopySlices.
"""

import numbers
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._core import (
    Node,
    apply_inplace,
    as_tensor_arg,
    broadcast_error,
    normalize_dim,
    record,
    requires_grad,
    wrap,
    xp_of,
)
from .shape import alias, expand, select, slice_dim, unsqueeze

__all__ = ["argwhere", "gather", "index_add", "index_copy", "index_fill", "index_put",
           "index_put_", "index_select", "masked_fill", "masked_scatter", "masked_select",
           "nonzero", "put", "scatter", "scatter_add", "scatter_reduce", "take", "take_along_dim",
           "where"]
METHODS = ["__getitem__", "__setitem__", "index_put", "index_put_", "gather", "scatter",
           "scatter_", "scatter_add", "scatter_add_", "scatter_reduce", "scatter_reduce_",
           "index_select", "index_add", "index_add_", "index_copy", "index_copy_", "index_fill",
           "index_fill_", "masked_fill", "masked_fill_", "masked_select", "masked_scatter",
           "masked_scatter_", "take", "take_along_dim", "put", "put_", "nonzero", "argwhere"]

_BASIC = (int, slice, type(None), type(Ellipsis), np.integer)
_INT_INDEX = (np.dtype(np.int64), np.dtype(np.int32))
_MASK = (np.dtype(np.bool_), np.dtype(np.uint8))


def _key_tuple(index):
    """``index`` as a tuple of entries (PyTorch's treatSequenceAsTuple for lists)."""
    if isinstance(index, tuple):
        return index
    if isinstance(index, list) and len(index) < 32 and any(
            isinstance(k, (Tensor, list, tuple, np.ndarray, slice)) or k is None or
            k is Ellipsis for k in index):
        warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated "
                      "and will be changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. "
                      "In pytorch 2.9 this will be interpreted as tensor index, "
                      "x[torch.tensor(seq)], which will result either in an error or a "
                      "different result", UserWarning, stacklevel=3)
        return tuple(index)
    return (index,)


def __getitem__(self, index):
    """``self[index]`` with PyTorch's semantics and graph nodes (see Note [Advanced indexing])."""
    if type(index) is not tuple:
        if isinstance(index, (int, np.integer)) and not isinstance(index, bool):
            if self._data.ndim == 0:
                raise IndexError(_ZERO_DIM_MSG)
            return _select(self, 0, int(index))
        index = _key_tuple(index)
    if all(isinstance(k, _BASIC) and not isinstance(k, bool) for k in index):
        return _basic_get(self, index)
    view, indices = _apply_slicing(self, index)
    if not any(i is not None for i in indices):
        return view
    return _index(view, indices)


_ZERO_DIM_MSG = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                 "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")


def _select(out, dim, i):
    """``select`` with the IndexError PyTorch's indexing words."""
    size = out._data.shape[dim]
    if not -size <= i < size:
        raise IndexError(f"index {i} is out of bounds for dimension {dim} with size {size}")
    return select(out, dim, i)


def _ellipsis_dims(index, ndim):
    """Number of dims an Ellipsis stands for; IndexError when ``index`` has too many entries."""
    specified = 0
    for k in index:
        if k is None or k is Ellipsis or isinstance(k, bool):
            continue
        if isinstance(k, Tensor) and k._data.dtype in _MASK:
            specified += k._data.ndim
        else:
            specified += 1
    if specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    return ndim - specified


def _slice(out, dim, k, single):
    """Apply slice ``k`` at ``dim``; a whole-dim slice is skipped unless it is the index."""
    if k.step == 0:
        raise ValueError("slice step cannot be zero")
    if k.step is not None and k.step < 0:
        raise ValueError("step must be greater than zero")
    size = out._data.shape[dim]
    start, stop, step = k.indices(size)
    stop = max(stop, start)
    if single or (start, stop, step) != (0, size, 1):
        return slice_dim(out, dim, start, stop, step), True
    return out, False


def _basic_get(self, index):
    """A view for an index of ints, slices, None and Ellipsis."""
    nd = self._data.ndim
    skip = _ellipsis_dims(index, nd)
    out, dim, touched = self, 0, False
    single = len(index) == 1
    for k in index:
        if k is None:
            out = unsqueeze(out, dim)
            dim += 1
            touched = True
        elif k is Ellipsis:
            dim += skip
        elif isinstance(k, slice):
            out, t = _slice(out, dim, k, single)
            touched |= t
            dim += 1
        else:
            out = _select(out, dim, int(k))
            touched = True
    return out if touched else alias(self)


def _as_index(k, like):
    """A list or NumPy array used as an index, as a tensor on ``like``'s device."""
    arr = np.array(k)
    if arr.dtype.kind == "f" and arr.size == 0:
        arr = arr.astype(np.int64)
    if arr.dtype.kind not in "iub":
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    return as_tensor_arg(arr, like=None).to(like._device)


def _apply_slicing(self, index):
    """The view for the basic entries of ``index`` and the tensor indices left to apply.

    Returns ``(view, indices)``: ``indices`` has one entry per dim of ``view`` it consumes,
    None for a dim left whole (a bool mask consumes ``mask.dim()`` dims).
    """
    items = []
    for k in index:
        if isinstance(k, (list, np.ndarray)):
            k = _as_index(k, self)
        if isinstance(k, Tensor):
            if k._data.dtype not in _INT_INDEX and k._data.dtype not in _MASK:
                raise IndexError("tensors used as indices must be long, int, byte or bool "
                                 "tensors")
            if k._data.ndim == 0 and k._data.dtype in _INT_INDEX:
                k = int(k.item())
        elif isinstance(k, (float, complex, str)) or not (
                k is None or k is Ellipsis or isinstance(k, (int, slice, np.integer, Tensor))):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or "
                             f"byte Variables are valid indices (got {_type_name(k)})")
        items.append(k)
    nd = self._data.ndim
    skip = _ellipsis_dims(items, nd)
    out, dim = self, 0
    indices = []
    covered = 0  # dims of ``out`` that ``indices`` speaks for

    def add(t, consumes):
        nonlocal covered
        indices.extend([None] * (dim - covered))
        indices.append(t)
        covered = dim + consumes

    single = len(items) == 1
    for k in items:
        if k is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif k is Ellipsis:
            dim += skip
        elif isinstance(k, bool) or (isinstance(k, Tensor) and k._data.ndim == 0):
            # a Python bool, or a 0-dim bool/byte tensor: a new dim of size 1, kept or not
            keep = bool(k) if isinstance(k, bool) else bool(k._data)
            out = unsqueeze(out, dim)
            add(wrap(np.zeros(1 if keep else 0, np.int64), self._device), 1)
            dim += 1
        elif isinstance(k, slice):
            out, _ = _slice(out, dim, k, single)
            dim += 1
        elif isinstance(k, Tensor):
            consumes = k._data.ndim if k._data.dtype in _MASK else 1
            add(k, consumes)
            dim += consumes
        else:
            out = _select(out, dim, int(k))
    return out, indices


# -- aten::index and aten::index_put ---------------------------------------------------------
def _expand_indices(t, indices):
    """Check ``indices`` against ``t`` and expand masks into coordinates (aten expandTensors).

    Returns ``(arrays, bshape)``: one integer array or None per leading dim of ``t``, and the
    broadcast shape of the arrays.
    """
    shape = t._data.shape
    nd = len(shape)
    arrs = []
    for idx in indices:
        if idx is None:
            arrs.append(None)
            continue
        a = idx._data
        if a.dtype in _INT_INDEX:
            arrs.append(a)
        elif a.dtype in _MASK:
            if a.dtype == np.uint8:
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                              "dtype torch.bool instead.", UserWarning, stacklevel=4)
            p = len(arrs)
            if p + a.ndim > nd:
                raise IndexError(f"too many indices for tensor of dimension {nd} "
                                 f"(got {p + a.ndim})")
            for j in range(a.ndim):
                if a.shape[j] != shape[p + j]:
                    raise IndexError(f"The shape of the mask {list(a.shape)} at index {j} does "
                                     f"not match the shape of the indexed tensor {list(shape)} "
                                     f"at index {p + j}")
            arrs.extend(a.nonzero())
        else:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if len(arrs) > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd} (got {len(arrs)})")
    defined = [(i, a) for i, a in enumerate(arrs) if a is not None]
    try:
        bshape = np.broadcast_shapes(*[a.shape for _, a in defined])
    except ValueError:
        raise IndexError("shape mismatch: indexing tensors could not be broadcast together with "
                         "shapes " + ", ".join(str(list(a.shape)) for _, a in defined)) from None
    for i, a in defined:
        n = shape[i]
        if a.size and (a.min() < -n or a.max() >= n):
            _raise_out_of_bounds(shape, defined, bshape)
    return arrs, bshape


def _raise_out_of_bounds(shape, defined, bshape):
    """PyTorch's IndexError for the first bad index (in element order, then dim order)."""
    found = []
    for pos, (i, a) in enumerate(defined):
        n = shape[i]
        flat = np.broadcast_to(np.asarray(a), bshape).ravel()
        bad = (flat < -n) | (flat >= n)
        if bad.any():
            first = int(bad.argmax())
            found.append((first, pos, int(flat[first]), n))
    _, pos, value, n = min(found)
    raise IndexError(f"index {value} is out of bounds for dimension {pos} with size {n}")


def _contiguous(xp, arr):
    """``arr`` (a result of NumPy indexing) in C order, as PyTorch lays results out."""
    arr = xp.asarray(arr)
    return arr if arr.flags.c_contiguous else xp.ascontiguousarray(arr)


def _np_key(arrs):
    return tuple(slice(None) if a is None else a for a in arrs)


def _index_shape(shape, arrs, bshape):
    """Shape of ``arr[_np_key(arrs)]`` (NumPy's and PyTorch's placement rule)."""
    pos = [i for i, a in enumerate(arrs) if a is not None]
    rest = shape[len(arrs):]
    if pos[-1] - pos[0] + 1 == len(pos):
        return shape[:pos[0]] + tuple(bshape) + shape[pos[-1] + 1:len(arrs)] + rest
    return tuple(bshape) + tuple(s for i, s in enumerate(shape[:len(arrs)]) if i not in pos) \
        + rest


class IndexBackward0(Node):
    def backward(self, grad):
        indices = self.saved_tensors
        return _index_put(grad.new_zeros(self._meta[0][0]), indices, grad, True)


def _index(self, indices):
    """aten::index: ``self`` gathered at tensor ``indices`` (None entries keep a dim whole)."""
    arrs, _ = _expand_indices(self, indices)
    # NumPy may lay the result out in another order; PyTorch's is contiguous (view() works)
    xp = xp_of(self)
    result = wrap(_contiguous(xp, self._data[_np_key(arrs)]), self._device)
    if requires_grad(self):
        node = record(IndexBackward0, (self,), (result,))
        node.save(*indices)
    return result


class IndexPutBackward0(Node):
    def backward(self, grad):
        indices = self.saved_tensors
        need_self, need_values = self.needs_input_grad
        gs = gv = None
        if need_self:
            gs = grad if self.accumulate else _index_put(grad, indices, grad.new_zeros(()),
                                                        False)
        if need_values:
            gv = _index(grad, indices)
        return gs, gv


def _check_put(self, indices, values):
    """Checks of index_put; returns the NumPy key."""
    if values._data.dtype != self._data.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{self.dtype._legacy} for the destination and "
                           f"{values.dtype._legacy} for the source.")
    arrs, bshape = _expand_indices(self, indices)
    if not any(a is not None for a in arrs):
        key = ()
        target = self._data.shape
    else:
        key = _np_key(arrs)
        target = _index_shape(self._data.shape, arrs, bshape)
    vs = values._data.shape
    if len(vs) > len(target) or any(v != 1 and v != t for v, t in zip(vs[::-1], target[::-1])):
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(vs)} cannot be "
                           f"broadcast to indexing result of shape {list(target)}")
    return key


def _put_arrays(out, key, v, accumulate, xp):
    if accumulate:
        xp.add.at(out, key, v)
    else:
        out[key] = v


def _index_put(self, indices, values, accumulate):
    """aten::index_put (out of place); ``indices`` may hold None entries."""
    key = _check_put(self, indices, values)
    out = self._data.copy()
    _put_arrays(out, key, values._data, accumulate, xp_of(self))
    result = wrap(out, self._device)
    if requires_grad(self, values):
        node = record(IndexPutBackward0, (self, values), (result,))
        node.save(*indices)
        node.accumulate = accumulate
    return result


def _index_list(indices):
    indices = list(indices) if isinstance(indices, (tuple, list)) else [indices]
    for k, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {k} in argument 0, but got "
                            f"{type(t).__name__}")
    return indices


def _values_arg(values, name):
    if not isinstance(values, Tensor):
        raise TypeError(f"{name}(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")


def index_put(input, indices, values, accumulate=False):
    """``input`` with ``values`` written (or added, with ``accumulate``) at ``indices``."""
    _values_arg(values, "index_put")
    return _index_put(input, _index_list(indices), values, accumulate)


def index_put_(input, indices, values, accumulate=False):
    """In-place ``index_put``."""
    _values_arg(values, "index_put_")
    return _index_put_inplace(input, _index_list(indices), values, accumulate)


def _index_put_inplace(self, indices, values, accumulate):
    if not requires_grad(self, values):
        key = _check_put(self, indices, values)
        if not self._data.flags.writeable:
            return apply_inplace(self, lambda src: _index_put(src, indices, values, accumulate))
        _put_arrays(self._data, key, values._data, accumulate, xp_of(self))
        self._vc[0] += 1
        return self
    return apply_inplace(self, lambda src: _index_put(src, indices, values, accumulate),
                         (values,))


# -- assignment ------------------------------------------------------------------------------
def _type_name(value):
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def __setitem__(self, index, value):
    """``self[index] = value``: an in-place write into the indexed region (differentiable)."""
    if not isinstance(value, (Tensor, numbers.Number, np.generic)):
        raise TypeError(f"can't assign a {_type_name(value)} to a {self.type()}")
    if type(index) is not tuple:
        if index is False:
            return
        if index is True or index is None:
            return _copy_to(unsqueeze(self, 0), value)
        if index is Ellipsis:
            return _copy_to(self, value)
        if isinstance(index, (int, np.integer)):
            if self._data.ndim == 0:
                raise IndexError(_ZERO_DIM_MSG)
            return _copy_to(_select(self, 0, int(index)), value)
        index = _key_tuple(index)
    if all(isinstance(k, _BASIC) and not isinstance(k, bool) for k in index):
        return _copy_to(_basic_get(self, index), value)
    view, indices = _apply_slicing(self, index)
    if not any(i is not None for i in indices):
        return _copy_to(view, value)
    if isinstance(value, Tensor):
        strip = _strip_leading_ones(value._data.shape)
        if strip != value._data.shape:
            value = value.view(strip)
    else:
        value = wrap(np.asarray(value).astype(self._data.dtype), self._device)
    _index_put_inplace(view, indices, value, False)


def _strip_leading_ones(shape):
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return shape[i:]


def _copy_to(dst, src):
    """PyTorch's setitem ``copy_to``: copy, fill, or copy of ``src`` expanded to ``dst``."""
    if not isinstance(src, Tensor):
        dst.fill_(src)
        return
    shape = src._data.shape
    if shape == dst._data.shape:
        dst.copy_(src)
    elif not shape:
        dst.fill_(src)
    else:
        strip = _strip_leading_ones(shape)
        if strip != shape:
            src = src.view(strip)
        dst.copy_(expand(src, dst._data.shape))


# -- helpers for the dim-wise ops ------------------------------------------------------------
def _inplace(fn):
    """The in-place Tensor method of out-of-place op ``fn`` (tensor kwargs count as inputs)."""
    def method(self, *args, **kwargs):
        others = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        return apply_inplace(self, lambda src: fn(src, *args, **kwargs), others)
    method.__name__ = method.__qualname__ = fn.__name__ + "_"
    method.__doc__ = f"In-place form of ``{fn.__name__}``."
    return method


def _check_tensor(x, name, arg, pos):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _first_bad(arr, lo, hi):
    """The first value of ``arr`` outside [lo, hi), or None."""
    if not arr.size:
        return None
    if arr.min() >= lo and arr.max() < hi:
        return None
    flat = np.asarray(arr).ravel()
    return int(flat[((flat < lo) | (flat >= hi)).argmax()])


def _along_key(index_arr, dim, xp):
    """Key picking, for each position p of an index array, element p with p[dim] = index[p]."""
    nd = index_arr.ndim
    key = []
    for d in range(nd):
        if d == dim:
            key.append(index_arr)
        else:
            shape = [1] * nd
            shape[d] = index_arr.shape[d]
            key.append(xp.arange(index_arr.shape[d]).reshape(shape))
    return tuple(key)


def _scalar_value(value, t):
    """A Python number ``value`` checked against ``t``'s dtype (PyTorch's overflow error)."""
    kind = t._data.dtype.kind
    bad = (isinstance(value, complex) and kind != "c") or (
        kind in "iu" and (not np.isfinite(value) or not (
            np.iinfo(t._data.dtype).min <= value <= np.iinfo(t._data.dtype).max)))
    if bad:
        names = {"float32": "float", "float64": "double", "int32": "int", "int64": "int64_t",
                 "int16": "int16_t", "int8": "int8_t", "uint8": "uint8_t", "float16": "Half",
                 "bfloat16": "BFloat16"}
        raise RuntimeError(f"value cannot be converted to type "
                           f"{names.get(str(t.dtype)[6:], str(t.dtype)[6:])} without overflow")
    return value


# -- gather / scatter ------------------------------------------------------------------------
def _dim_index_prelude(self, dim, index, name, dtype_msg):
    """Normalize ``dim`` and check ``index``'s dtype and rank (gather/scatter family)."""
    if index._data.dtype not in _INT_INDEX:
        raise RuntimeError(dtype_msg)
    nd = self._data.ndim
    d = normalize_dim(dim, nd)
    if max(index._data.ndim, 1) != max(nd, 1):
        raise RuntimeError(f"Index tensor must have the same number of dimensions as {name} "
                           "tensor")
    return d


class GatherBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return scatter_add(grad.new_zeros(self._meta[0][0]), self.dim, index, grad)


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """Values of ``input`` along ``dim`` at ``index``: ``out[i][j] = input[index[i][j]][j]``."""
    d = _dim_index_prelude(input, dim, index, "input", "gather(): Expected dtype int32/int64 "
                           "for index")
    a, idx = input._data, index._data
    if a.ndim == 0:
        a, idx = a.reshape(1), idx.reshape(-1)
    for k in range(a.ndim):
        if k != d and idx.shape[k] > a.shape[k]:
            raise RuntimeError(f"Size does not match at dimension {k} expected index "
                               f"{list(index._data.shape)} to be no larger than self "
                               f"{list(input._data.shape)} apart from dimension {d}")
    bad = _first_bad(idx, 0, a.shape[d])
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size "
                           f"{a.shape[d]}")
    if idx.shape != a.shape:  # index may be smaller than input apart from dim
        a = a[tuple(slice(None) if k == d else slice(0, n) for k, n in enumerate(idx.shape))]
    xp = xp_of(input)
    res = _contiguous(xp, xp.take_along_axis(a, idx, axis=d)).reshape(index._data.shape)
    result = wrap(res, input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "gather", (input,))
    if requires_grad(input):
        node = record(GatherBackward0, (input,), (result,))
        node.dim = d
        node.save(index)
    return result


def _scatter_check(self, d, index, src, name="scatter"):
    """Shape and bounds checks shared by the scatter ops; returns the arrays (0-dim as 1-d)."""
    a, idx = self._data, index._data
    s = src._data if src is not None else None
    if a.ndim == 0:
        a, idx = a.reshape(1), idx.reshape(-1)
        s = s.reshape(-1) if s is not None else None
    if src is not None and src._data.dtype != self._data.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    if s is not None and s.ndim != idx.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    too_big = any(k != d and idx.shape[k] > a.shape[k] for k in range(a.ndim))
    if s is not None:
        too_big = too_big or any(idx.shape[k] > s.shape[k] for k in range(a.ndim))
        if too_big:
            raise RuntimeError(f"Expected index {list(index._data.shape)} to be no larger than "
                               f"self {list(self._data.shape)} apart from dimension {d} and to "
                               f"be no larger size than src {list(src._data.shape)}")
    elif too_big:
        raise RuntimeError(f"Expected index {list(index._data.shape)} to be no larger than self "
                           f"{list(self._data.shape)} apart from dimension {d}")
    bad = _first_bad(idx, 0, a.shape[d])
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size "
                           f"{a.shape[d]}")
    if s is not None:
        s = s[tuple(slice(0, n) for n in idx.shape)]
    return a, idx, s


class ScatterBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        need_self, need_src = self.needs_input_grad
        return (scatter(grad, self.dim, index, 0) if need_self else None,
                gather(grad, self.dim, index) if need_src else None)


class ScatterBackward1(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return scatter(grad, self.dim, index, 0)


class NotImplementedBackward(Node):
    """The node of an op PyTorch gives no derivative (it names it NotImplemented)."""

    def backward(self, *grads):
        raise RuntimeError(f"derivative for aten::{self.op} is not implemented")

    def name(self):
        return "torch::autograd::NotImplemented"


def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    """``input`` with ``src`` (a tensor) or ``value`` (a number) written along ``dim`` at
    ``index``; ``reduce='add'``/``'multiply'`` combines instead of overwriting."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    d = _dim_index_prelude(input, dim, index, "self", "scatter(): Expected dtype int32/int64 "
                           "for index")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    tsrc = src if isinstance(src, Tensor) else None
    a, idx, s = _scatter_check(input, d, index, tsrc)
    xp = xp_of(input)
    res = a.copy()
    key = _along_key(idx, d, xp)
    v = s if tsrc is not None else np.asarray(src).astype(a.dtype)
    if reduce == "add":
        xp.add.at(res, key, v)
    elif reduce == "multiply":
        xp.multiply.at(res, key, v)
    else:
        res[key] = v
    result = wrap(res.reshape(input._data.shape), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "scatter", (input, tsrc))
    if reduce is not None:
        if requires_grad(input, tsrc):
            record(NotImplementedBackward, (input, tsrc) if tsrc is not None else (input,),
                   (result,)).op = "scatter"
    elif tsrc is not None:
        if requires_grad(input, tsrc):
            node = record(ScatterBackward0, (input, tsrc), (result,))
            node.dim = d
            node.save(index)
    elif requires_grad(input):
        node = record(ScatterBackward1, (input,), (result,))
        node.dim = d
        node.save(index)
    return result


class ScatterAddBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return grad, (gather(grad, self.dim, index) if self.needs_input_grad[1] else None)


def scatter_add(input, dim, index, src, *, out=None):
    """``input`` with ``src`` added along ``dim`` at ``index`` (duplicates all add)."""
    d = _dim_index_prelude(input, dim, index, "self", "scatter(): Expected dtype int32/int64 "
                           "for index")
    a, idx, s = _scatter_check(input, d, index, src)
    xp = xp_of(input)
    res = a.copy()
    xp.add.at(res, _along_key(idx, d, xp), s)
    result = wrap(res.reshape(input._data.shape), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "scatter_add", (input, src))
    if requires_grad(input, src):
        node = record(ScatterAddBackward0, (input, src), (result,))
        node.dim = d
        node.save(index)
    return result


_REDUCE_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum",
                 "amin": "minimum"}


class ScatterReduceBackward0(Node):
    def backward(self, grad):
        self_, index, src, result = self.saved_tensors
        d, reduce, include_self = self.dim, self.reduce, self.include_self
        if reduce == "sum":
            gs, gsrc = grad, gather(grad, d, index)
        elif reduce == "prod":
            masked_self = self_.masked_fill(self_ == 0, 1)
            masked_self_result = scatter_reduce(masked_self, d, index, src, reduce,
                                                include_self=include_self)
            gs = grad * masked_self_result / masked_self
            src_zero = src == 0
            src_num_zeros = scatter_add(self_.new_zeros(self_.shape), d, index,
                                        src_zero.to(self_.dtype))
            src_num_zeros = gather(src_num_zeros, d, index)
            src_single_zero = src_zero & (src_num_zeros == 1)
            masked_src = src.masked_fill(src_single_zero, 1)
            masked_src_result = scatter_reduce(self_, d, index, masked_src, reduce,
                                               include_self=include_self)
            gsrc1 = gather(grad * masked_src_result, d, index)
            gsrc = where(src_single_zero, gsrc1,
                         gather(grad * result, d, index) / src.masked_fill(src_zero, 1))
        elif reduce == "mean":
            n = grad.new_ones(grad.shape) if include_self else grad.new_zeros(grad.shape)
            n = scatter_add(n, d, index, src.new_ones(src.shape))
            n = n.masked_fill(n == 0, 1)
            gs = grad / n
            gsrc = gather(gs, d, index)
        else:  # amax / amin: the gradient is shared evenly among the tied winners
            value = gather(result, d, index)
            self_is_result = (self_ == result).to(self_.dtype)
            src_is_result = (src == value).to(self_.dtype)
            n = scatter_add(self_is_result, d, index, src_is_result)
            share = grad / n
            gs = self_is_result * share
            gsrc = src_is_result * gather(share, d, index)
        if not include_self:
            gs = scatter(gs, d, index, 0)
        return gs, gsrc


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """Reduce ``src`` into ``input`` along ``dim`` at ``index`` with ``reduce`` (sum, prod,
    mean, amax, amin); ``include_self=False`` leaves ``input``'s own values out."""
    if reduce not in _REDUCE_UFUNC:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    d = _dim_index_prelude(input, dim, index, "self", "scatter(): Expected dtype int32/int64 "
                           "for index")
    a, idx, s = _scatter_check(input, d, index, src)
    xp = xp_of(input)
    res = a.copy()
    key = _along_key(idx, d, xp)
    if not include_self:
        init = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
        if init is None:
            init = _extreme(a.dtype, reduce == "amin")
        res[key] = init
    getattr(xp, _REDUCE_UFUNC[reduce]).at(res, key, s)  # maximum keeps NaN, as PyTorch
    if reduce == "mean":
        count = xp.full(a.shape, 1 if include_self else 0, np.int64)
        xp.add.at(count, key, 1)
        count = xp.maximum(count, 1)
        if a.dtype.kind in "iu":
            res = xp.floor_divide(res, count).astype(a.dtype)
        else:
            res = (res / count).astype(a.dtype)
    result = wrap(res.reshape(input._data.shape), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "scatter_reduce", (input, src))
    if requires_grad(input, src):
        node = record(ScatterReduceBackward0, (input, src), (result,))
        node.dim, node.reduce, node.include_self = d, reduce, include_self
        node.save(input, index, src, result)
    return result


def _extreme(dtype, high):
    if dtype.kind == "f" or dtype == _dtype.bfloat16.np:
        return np.inf if high else -np.inf
    if dtype.kind == "b":
        return high
    info = np.iinfo(dtype)
    return info.max if high else info.min


# -- index_* ---------------------------------------------------------------------------------
def _vector_index(index, name, msg):
    if index._data.ndim > 1:
        raise IndexError(msg)
    return index._data.reshape(-1)


class IndexSelectBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return index_add(grad.new_zeros(self._meta[0][0]), self.dim, index, grad)


def index_select(input, dim, index, *, out=None):
    """The slices of ``input`` along ``dim`` at the positions in the 1-d ``index``."""
    if index._data.dtype not in _INT_INDEX:
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    idx = _vector_index(index, "index_select", "index_select(): Index is supposed to be a "
                        "vector")
    a = input._data
    d = normalize_dim(dim, a.ndim)
    if a.ndim == 0:
        if idx.size != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got "
                               f"{idx.size} value(s)")
        if int(idx[0]) != 0:
            raise IndexError("index out of range in self")
        res = a.copy()
    else:
        n = a.shape[d]
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            bad = _first_bad(idx, 0, n)
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
        res = xp_of(input).take(a, idx, axis=d)
    result = wrap(res, input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "index_select", (input,))
    if requires_grad(input):
        node = record(IndexSelectBackward0, (input,), (result,))
        node.dim = d
        node.save(index)
    return result


def _dim_key(d, idx):
    return (slice(None),) * d + (idx,)


class IndexAddBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        need_self, need_src = self.needs_input_grad
        gsrc = None
        if need_src:
            gsrc = index_select(grad, self.dim, index)
            if self.alpha != 1:
                gsrc = gsrc * self.alpha
            gsrc = gsrc.reshape(self._meta[1][0])
        return (grad if need_self else None), gsrc


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """``input`` with ``alpha * source`` added at positions ``index`` along ``dim``."""
    if index._data.dtype not in _INT_INDEX:
        raise RuntimeError(f"index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{index.dtype._legacy}")
    if index._data.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{index._data.ndim} with type: {index.dtype._legacy} and size: "
                         f"{list(index._data.shape)}")
    a, s, idx = input._data, source._data, index._data.reshape(-1)
    d = normalize_dim(dim, a.ndim)
    if s.dtype != a.dtype:
        raise RuntimeError(f"index_add_(): self ({input.dtype._legacy}) and source "
                           f"({source.dtype._legacy}) must have the same scalar type")
    a1 = a.reshape(1) if a.ndim == 0 else a
    s1 = s.reshape(1) if s.ndim == 0 else s
    if s1.shape[d] != idx.size:
        raise RuntimeError(f"index_add_(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({s1.shape[d]}), for dim: {d}")
    if s1.ndim != a1.ndim or any(s1.shape[k] != a1.shape[k] for k in range(a1.ndim)
                                 if k != d):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(a.shape)} "
                           f"source.shape = {list(s.shape)}")
    bad = _first_bad(idx, 0, a1.shape[d])
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size "
                           f"{a1.shape[d]}")
    res = a1.copy()
    xp_of(input).add.at(res, _dim_key(d, idx), s1 * alpha if alpha != 1 else s1)
    result = wrap(res.reshape(a.shape), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "index_add", (input, source))
    if requires_grad(input, source):
        node = record(IndexAddBackward0, (input, source), (result,))
        node.dim, node.alpha = d, alpha
        node.save(index)
    return result


class IndexCopyBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        need_self, need_src = self.needs_input_grad
        return (index_fill(grad, self.dim, index, 0) if need_self else None,
                index_select(grad, self.dim, index).reshape(self._meta[1][0])
                if need_src else None)


def index_copy(input, dim, index, source):
    """``input`` with the slices of ``source`` copied to positions ``index`` along ``dim``."""
    if index._data.dtype != np.int64:
        raise RuntimeError(f"index_copy_(): Expected a long tensor for index, but got "
                           f"{index.dtype._legacy}")
    if index._data.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{index._data.ndim})")
    a, s, idx = input._data, source._data, index._data.reshape(-1)
    d = normalize_dim(dim, a.ndim)
    if s.dtype != a.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, "
                           f"but got (self) {input.dtype._legacy} and (source) "
                           f"{source.dtype._legacy}")
    if s.ndim and a.ndim and s.ndim != a.ndim:
        raise IndexError(f"index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({s.ndim}), "
                         f"destination dimensionality ({a.ndim})")
    a1 = a.reshape(1) if a.ndim == 0 else a
    s1 = s.reshape(1) if s.ndim == 0 else s
    ds = [n for k, n in enumerate(a1.shape) if k != d]
    ss = [n for k, n in enumerate(s1.shape) if k != d]
    if ds != ss:
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice "
                           f"shapes. Destination slice shape: {' '.join(map(str, ds))} at "
                           f"dimension {d} and source slice shape: {' '.join(map(str, ss))} "
                           "at dimension 0.")
    if s1.shape[d] != idx.size:
        raise IndexError(f"index_copy_(): Number of indices ({idx.size}) should be equal to "
                         f"source.size(dim) ({s1.shape[d]})")
    bad = _first_bad(idx, 0, a1.shape[d])
    if bad is not None:
        raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} with "
                         f"size {a1.shape[d]}")
    res = a1.copy()
    res[_dim_key(d, idx)] = s1
    result = wrap(res.reshape(a.shape), input._device)
    if requires_grad(input, source):
        node = record(IndexCopyBackward0, (input, source), (result,))
        node.dim = d
        node.save(index)
    return result


class IndexFillBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return index_fill(grad, self.dim, index, 0)


class IndexFillBackward1(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        need_self, need_value = self.needs_input_grad
        return (index_fill(grad, self.dim, index, 0) if need_self else None,
                index_select(grad, self.dim, _unique_index(index)).sum() if need_value
                else None)


def _unique_index(index):
    """The distinct entries of an index tensor (a position filled twice counts once)."""
    return wrap(xp_of(index).unique(index._data.reshape(-1)), index._device)


def index_fill(input, dim, index, value):
    """``input`` with the slices at positions ``index`` along ``dim`` set to ``value``."""
    if index._data.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    tval = value if isinstance(value, Tensor) else None
    if tval is not None and tval._data.ndim:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {tval._data.ndim} dimension(s).")
    a, idx = input._data, index._data.reshape(-1)
    d = normalize_dim(dim, a.ndim)
    a1 = a.reshape(1) if a.ndim == 0 else a
    n = a1.shape[d]
    bad = _first_bad(idx, -n, n)
    if bad is not None:
        raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {n}")
    v = tval._data if tval is not None else _scalar_value(value, input)
    res = a1.copy()
    res[_dim_key(d, idx)] = np.asarray(v).astype(a.dtype)
    result = wrap(res.reshape(a.shape), input._device)
    if tval is not None:
        if requires_grad(input, tval):
            node = record(IndexFillBackward1, (input, tval), (result,))
            node.dim = d
            node.save(index)
    elif requires_grad(input):
        node = record(IndexFillBackward0, (input,), (result,))
        node.dim = d
        node.save(index)
    return result


# -- masks -----------------------------------------------------------------------------------
def _broadcast(*tensors):
    """The broadcast shape of ``tensors``' shapes; PyTorch's error names the first clash."""
    shape = tensors[0]._data.shape
    for t in tensors[1:]:
        try:
            shape = np.broadcast_shapes(shape, t._data.shape)
        except ValueError:
            raise broadcast_error(np.empty(shape, np.bool_), t._data) from None
    return shape


_MASK_DTYPE_NAMES = {"int32": "int", "int64": "long int", "int16": "short int",
                     "int8": "signed char", "uint8": "unsigned char", "float32": "float",
                     "float64": "double"}


class MaskedFillBackward0(Node):
    def backward(self, grad):
        (mask,) = self.saved_tensors
        return masked_fill(grad, mask, 0)


class MaskedFillBackward1(Node):
    def backward(self, grad):
        (mask,) = self.saved_tensors
        need_self, need_value = self.needs_input_grad
        return (masked_fill(grad, mask, 0) if need_self else None,
                where(mask, grad, 0).sum() if need_value else None)


def masked_fill(input, mask, value):
    """``input`` with ``value`` where ``mask`` is True (mask and input broadcast)."""
    _check_tensor(mask, "masked_fill", "mask", 2)
    if mask._data.dtype != np.bool_:
        name = str(mask.dtype)[6:]
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_MASK_DTYPE_NAMES.get(name, name)}")
    tval = value if isinstance(value, Tensor) else None
    if tval is not None and tval._data.ndim:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {tval._data.ndim} dimension(s).")
    _broadcast(mask, input)
    a = input._data
    v = tval._data.astype(a.dtype) if tval is not None else \
        np.asarray(_scalar_value(value, input)).astype(a.dtype)
    result = wrap(xp_of(input).where(mask._data, v, a), input._device)
    if tval is not None:
        if requires_grad(input, tval):
            record(MaskedFillBackward1, (input, tval), (result,)).save(mask)
    elif requires_grad(input):
        record(MaskedFillBackward0, (input,), (result,)).save(mask)
    return result


class MaskedSelectBackward0(Node):
    def backward(self, grad):
        (mask,) = self.saved_tensors
        return masked_scatter(grad.new_zeros(self.shape), mask, grad)


def masked_select(input, mask, *, out=None):
    """A 1-d tensor of ``input``'s values where ``mask`` is True (both broadcast)."""
    _check_tensor(mask, "masked_select", "mask", 2)
    if mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = _broadcast(mask, input)
    xp = xp_of(input)
    a, m = xp.broadcast_to(input._data, shape), xp.broadcast_to(mask._data, shape)
    result = wrap(a[m], input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "masked_select", (input,))
    if requires_grad(input):
        node = record(MaskedSelectBackward0, (input,), (result,))
        node.shape = shape
        node.save(mask)
    return result


class MaskedScatterBackward0(Node):
    def backward(self, grad):
        (mask,) = self.saved_tensors
        need_self, need_src = self.needs_input_grad
        gsrc = None
        if need_src:
            shape = self._meta[1][0]
            n = int(np.prod(shape))
            sel = masked_select(grad, mask)
            if sel.numel() < n:
                from .shape import cat
                sel = cat([sel, sel.new_zeros(n - sel.numel())])
            gsrc = sel.reshape(shape)
        return (masked_fill(grad, mask, 0) if need_self else None), gsrc


def masked_scatter(input, mask, source):
    """``input`` with the first values of ``source`` written, in order, where ``mask`` is
    True (mask and input broadcast)."""
    _check_tensor(mask, "masked_scatter", "mask", 2)
    if mask._data.dtype != np.bool_:
        name = str(mask.dtype)[6:]
        raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with "
                           f"dtype {_dtype.to_dtype(name)._legacy}")
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but "
                           f"got{input.dtype._legacy} and {source.dtype._legacy}")
    shape = _broadcast(mask, input)
    xp = xp_of(input)
    m = xp.broadcast_to(mask._data, shape)
    count = int(m.sum())
    if count > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    res = xp.array(xp.broadcast_to(input._data, shape))
    res[m] = source._data.reshape(-1)[:count]
    result = wrap(res, input._device)
    if requires_grad(input, source):
        record(MaskedScatterBackward0, (input, source), (result,)).save(mask)
    return result


# -- take / put ------------------------------------------------------------------------------
def _flat_index(self, index, name):
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{name}(): Expected a long tensor for index, but got "
                           f"{index.dtype._legacy}")
    n = self._data.size
    bad = _first_bad(index._data, -n, n)
    if bad is not None:
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         "elements.")
    return index._data


class TakeBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        return put(grad.new_zeros(self._meta[0][0]), index, grad, accumulate=True)


def take(input, index):
    """``input`` seen as 1-d, at ``index`` (result shaped like ``index``)."""
    idx = _flat_index(input, index, "take")
    result = wrap(input._data.reshape(-1)[idx], input._device)
    if requires_grad(input):
        record(TakeBackward0, (input,), (result,)).save(index)
    return result


class PutBackward0(Node):
    def backward(self, grad):
        (index,) = self.saved_tensors
        need_self, need_src = self.needs_input_grad
        gs = gsrc = None
        if need_self:
            gs = grad if self.accumulate else put(grad, index, grad.new_zeros(
                self._meta[1][0]))
        if need_src:
            gsrc = take(grad, index).reshape(self._meta[1][0])
        return gs, gsrc


def put(input, index, source, accumulate=False):
    """``input`` with ``source``'s values written (or added) at flat positions ``index``."""
    if source._data.dtype != input._data.dtype:
        raise RuntimeError(f"put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {input.dtype._legacy} and source.dtype = "
                           f"{source.dtype._legacy}")
    if source._data.size != index._data.size:
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source._data.size}, "
                         f"index.numel() = {index._data.size}")
    idx = _flat_index(input, index, "put").reshape(-1)
    res = input._data.copy()
    flat = res.reshape(-1)
    _put_arrays(flat, idx, source._data.reshape(-1), accumulate, xp_of(input))
    result = wrap(res, input._device)
    if requires_grad(input, source):
        node = record(PutBackward0, (input, source), (result,))
        node.accumulate = accumulate
        node.save(index)
    return result


def take_along_dim(input, indices, dim=None, *, out=None):
    """Values of ``input`` at ``indices`` along ``dim`` (broadcasting the other dims), or of
    the flattened ``input`` when ``dim`` is None."""
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1), out=out)
    nd = input._data.ndim
    if indices._data.ndim != nd:
        raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {nd} dimensions for input, and "
                           f"{indices._data.ndim} dimensions for indices")
    d = normalize_dim(dim, nd)
    shape = list(input._data.shape)
    shape[d] = indices._data.shape[d]
    try:
        bshape = list(np.broadcast_shapes(tuple(shape), indices._data.shape))
    except ValueError:
        raise broadcast_error(np.empty(shape, np.bool_), indices._data) from None
    idx = expand(indices, bshape)
    bshape[d] = input._data.shape[d]
    return gather(expand(input, bshape), d, idx, out=out)


# -- nonzero / where -------------------------------------------------------------------------
def nonzero(input, *, out=None, as_tuple=False):
    """Coordinates of the nonzero elements: an (N, ndim) tensor, or one 1-d tensor per dim."""
    a = input._data
    xp = xp_of(input)
    if as_tuple:
        return tuple(wrap(c.astype(np.int64, copy=False), input._device)
                     for c in (a.reshape(1) if a.ndim == 0 else a).nonzero())
    result = wrap(xp.argwhere(a).astype(np.int64, copy=False), input._device)
    if out is not None:
        out._data = result._data
        out._vc[0] += 1
        return out
    return result


def argwhere(input):
    """``nonzero(input)``: an (N, ndim) tensor of the coordinates of nonzero elements."""
    return nonzero(input)


class WhereBackward0(Node):
    def backward(self, grad):
        (cond,) = self.saved_tensors
        zero = grad.new_zeros(())
        return (where(cond, grad, zero) if self.needs_input_grad[0] else None,
                where(cond, zero, grad) if self.needs_input_grad[1] else None)


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other`` (broadcast; numbers allowed); with only
    ``condition``, ``nonzero(condition, as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    dt = condition._data.dtype
    if dt != np.bool_:
        if dt != np.uint8:
            raise RuntimeError(f"where expected condition to be a boolean tensor, but got a "
                               f"tensor with dtype {condition.dtype._legacy}")
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated "
                      "and will be removed in a future version of PyTorch. Use a boolean "
                      "condition instead.", UserWarning, stacklevel=2)
    x = input if isinstance(input, Tensor) else None
    y = other if isinstance(other, Tensor) else None
    rt = _dtype.result_type(input, other).np
    _broadcast(condition, *[t for t in (x, y) if t is not None])
    xp = xp_of(condition)
    a = x._data.astype(rt, copy=False) if x is not None else rt.type(input)
    b = y._data.astype(rt, copy=False) if y is not None else rt.type(other)
    result = wrap(xp.where(condition._data.astype(bool, copy=False), a, b), condition._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "where", (x, y))
    if requires_grad(x, y):
        node = record(WhereBackward0, (x, y), (result,))
        node.save(condition)
    return result


def _where_method(self, condition, y):
    """``self.where(condition, y)`` is ``torch.where(condition, self, y)``."""
    return where(condition, self, y)


Tensor.where = _where_method
scatter_ = _inplace(scatter)
scatter_add_ = _inplace(scatter_add)
scatter_reduce_ = _inplace(scatter_reduce)
index_add_ = _inplace(index_add)
index_copy_ = _inplace(index_copy)
index_fill_ = _inplace(index_fill)
masked_fill_ = _inplace(masked_fill)
masked_scatter_ = _inplace(masked_scatter)
put_ = _inplace(put)


def unravel_index(indices, shape):
    """The coordinates, in a tensor of ``shape``, of flat ``indices`` (a tuple of int64
    tensors, one per dim; negative indices wrap around, as in PyTorch)."""
    import itertools as _it
    import operator as _op

    from .creation import tensor
    if indices.is_complex() or indices.is_floating_point() or indices.dtype is _dtype.bool:
        raise TypeError(f"expected 'indices' to be integer dtype, but got {indices.dtype}")
    if isinstance(shape, int):
        shape = (shape,)
    elif isinstance(shape, (list, tuple)):
        for d in shape:
            if not isinstance(d, int):
                raise TypeError(f"expected 'shape' sequence to only contain ints, but got "
                                f"{type(d)}")
        shape = tuple(shape)
    else:
        raise TypeError(f"expected 'shape' to be int or sequence of ints, but got {type(shape)}")
    if any(d < 0 for d in shape):
        raise ValueError(f"'shape' cannot have negative values, but got {shape}")
    coefs = list(reversed(list(_it.accumulate(reversed(shape[1:] + (1,)), func=_op.mul))))
    dev = indices.device
    res = indices.unsqueeze(-1).floor_divide(tensor(coefs, device=dev, dtype=_dtype.int64)) \
        % tensor(list(shape), device=dev, dtype=_dtype.int64)
    return res.unbind(-1)


__all__ += ["unravel_index"]


def nonzero_static(input, *, size, fill_value=-1):
    """``nonzero(input)`` padded with ``fill_value`` rows (or cut) to exactly ``size`` rows."""
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise RuntimeError("nonzero_static: 'size' must be an non-negative integer")
    xp = xp_of(input)
    idx = xp.argwhere(input._data)[:size].astype(np.int64)
    out = xp.full((size, input._data.ndim), fill_value, np.int64)
    out[:idx.shape[0]] = idx
    return wrap(out, input._device)


__all__ += ["nonzero_static"]
METHODS += ["nonzero_static"]


def index_reduce(input, dim, index, source, reduce, *, include_self=True, out=None):
    """``input`` with the slices of ``source`` reduced (``'prod'``, ``'mean'``, ``'amax'``
    or ``'amin'``) into positions ``index`` along ``dim``; ``include_self=False`` leaves
    ``input``'s own values at those positions out. A ``scatter_reduce`` with ``index``
    broadcast over ``source``'s other dims."""
    import warnings
    warnings.warn("index_reduce() is in beta and the API may change at any time.", UserWarning,
                  stacklevel=2)
    if reduce not in ("prod", "mean", "amax", "amin"):
        raise RuntimeError("index_reduce(): Expected reduce to be one of prod, mean, amax or "
                           f"amin but got {reduce}.")
    if index._data.dtype not in _INT_INDEX:
        raise RuntimeError(f"index_reduce_(): Expected dtype int32/int64 for index but got: "
                           f"{index.dtype._legacy}")
    if index._data.ndim > 1:
        raise IndexError(f"index_reduce_(): Index is supposed to be a vector, but got dim: "
                         f"{index._data.ndim} with type: {index.dtype._legacy} and size: "
                         f"{list(index._data.shape)}")
    a, s = input._data, source._data
    d = normalize_dim(dim, a.ndim)
    if s.dtype != a.dtype:
        raise RuntimeError(f"index_reduce_(): self ({input.dtype._legacy}) and source "
                           f"({source.dtype._legacy}) must have the same scalar type")
    n = index._data.size
    s_shape = s.shape if s.ndim else (1,)
    a_shape = a.shape if a.ndim else (1,)
    if s_shape[d] != n:
        raise RuntimeError(f"index_reduce_(): Number of indices ({n}) should be equal to "
                           f"source.size(dim): ({s_shape[d]}), for dim: {d}")
    if len(s_shape) != len(a_shape) or any(s_shape[k] != a_shape[k]
                                           for k in range(len(a_shape)) if k != d):
        raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(a.shape)} "
                           f"source.shape = {list(s.shape)}")
    if _first_bad(index._data, 0, a_shape[d]) is not None:
        raise IndexError("index out of range in self")
    view = [1] * len(s_shape)
    view[d] = n
    idx = index.long().reshape(view).expand(s_shape)
    src = source.reshape(s_shape)
    this = input.reshape(a_shape)
    result = scatter_reduce(this, d, idx, src, reduce, include_self=include_self)
    result = result.reshape(a.shape)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "index_reduce", (input, source))
    return result


__all__ += ["index_reduce"]
METHODS += ["index_reduce"]
INPLACE = ["index_reduce"]

"""Sorting and searching: sort, argsort, msort, topk, kthvalue, unique, searchsorted, bucketize.

Sorts are stable, as PyTorch's CPU sort is for the sizes tests use; NaN sorts above every
number (last ascending, first descending). ``descending`` keeps equal elements in their
original order, so it is not simply the ascending order reversed (see ``_argsort``).
The gradient of an op that picks elements (sort, topk, kthvalue) goes back to the picked
positions: ``zeros(input.shape).scatter(dim, indices, grad)``.
"""

import numpy as np

from .. import _dtype, return_types
from .._tensor import Tensor
from ._core import Node, normalize_dim, record, requires_grad, wrap, xp_of
from .indexing import _contiguous, scatter

__all__ = ["argsort", "bucketize", "kthvalue", "msort", "searchsorted", "sort", "topk",
           "unique", "unique_consecutive"]
METHODS = ["argsort", "kthvalue", "msort", "sort", "topk", "unique", "unique_consecutive"]


def _sortable(a):
    """``a`` in a dtype NumPy orders correctly (its bfloat16 sort does not), exactly."""
    return a.astype(np.float32) if a.dtype == _dtype.bfloat16.np else a


def _argsort(a, d, descending, xp):
    """Stable argsort of array ``a`` along ``d``; descending keeps ties in original order."""
    a = _sortable(a)
    if not descending:
        return xp.argsort(a, axis=d, kind="stable")
    # Ascending-stable order of the reversed array, reversed back, lists equal elements in
    # their original order while putting larger (and NaN) first.
    n = a.shape[d]
    idx = xp.argsort(xp.flip(a, d), axis=d, kind="stable")
    return (n - 1) - xp.flip(idx, d)


class SortBackward0(Node):
    def backward(self, grad):
        (indices,) = self.saved_tensors
        return scatter(grad.new_zeros(self._meta[0][0]), self.dim, indices, grad)


class SortBackward1(SortBackward0):  # sort(stable=True)
    pass


class TopkBackward0(SortBackward0):
    pass


class KthvalueBackward0(Node):
    def backward(self, grad):
        (indices,) = self.saved_tensors
        if not self.keepdim and len(self._meta[0][0]):
            grad, indices = grad.unsqueeze(self.dim), indices.unsqueeze(self.dim)
        return scatter(grad.new_zeros(self._meta[0][0]), self.dim, indices, grad)


def _picked(input, values, indices, node_cls, d, **attrs):
    """Wrap the values/indices arrays of a selecting op and record its node."""
    xp = xp_of(input)  # results are contiguous, as PyTorch's are
    v = wrap(_contiguous(xp, values), input._device)
    i = wrap(_contiguous(xp, indices.astype(np.int64, copy=False)), input._device)
    if requires_grad(input):
        node = record(node_cls, (input,), (v,))
        node.dim = d
        node.__dict__.update(attrs)
        node.save(i)
    return v, i


def _sorted(input, dim, descending):
    a = input._data
    d = normalize_dim(dim, a.ndim)
    if a.ndim == 0:
        return a.copy(), np.zeros((), np.int64), d
    xp = xp_of(input)
    idx = _argsort(a, d, descending, xp)
    return xp.take_along_axis(a, idx, axis=d), idx, d


def sort(input, dim=-1, descending=False, stable=False, *, out=None):
    """Sorted values along ``dim`` and their original indices (a named tuple).

    Example::

        >>> torch.sort(torch.tensor([3., 1., 2.]))
        torch.return_types.sort(values=tensor([1., 2., 3.]), indices=tensor([1, 2, 0]))
    """
    values, idx, d = _sorted(input, dim, descending)
    cls = SortBackward1 if stable else SortBackward0
    result = return_types.sort(_picked(input, values, idx, cls, d))
    return _to_out(result, out, "sort", input)


def _to_out(result, out, name, input):
    if out is None:
        return result
    from .pointwise import _to_out as write
    for r, o in zip(result, out):
        write(r, o, name, (input,))
    return type(result)(out)


def argsort(input, dim=-1, descending=False, stable=False):
    """Indices that sort ``input`` along ``dim``."""
    a = input._data
    d = normalize_dim(dim, a.ndim)
    if a.ndim == 0:
        return wrap(np.zeros((), np.int64), input._device)
    return wrap(_argsort(a, d, descending, xp_of(input)).astype(np.int64, copy=False),
                input._device)


def msort(input, *, out=None):
    """``input`` sorted along its first dim."""
    result = sort(input, 0).values
    if out is not None:
        from .pointwise import _to_out as write
        return write(result, out, "msort", (input,))
    return result


def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices, sorted."""
    a = input._data
    d = normalize_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    values, idx, d = _sorted(input, d, largest)
    if a.ndim:
        key = (slice(None),) * d + (slice(0, k),)
        values, idx = values[key], idx[key]
    result = return_types.topk(_picked(input, values, idx, TopkBackward0, d))
    return _to_out(result, out, "topk", input)


def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """The ``k``-th smallest value along ``dim`` (1-based) and its index."""
    a = input._data
    d = normalize_dim(dim, a.ndim)
    n = a.shape[d] if a.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    values, idx, d = _sorted(input, d, False)
    if a.ndim:
        key = (slice(None),) * d + (slice(k - 1, k) if keepdim else k - 1,)
        values, idx = values[key], idx[key]
    result = return_types.kthvalue(_picked(input, values, idx, KthvalueBackward0, d,
                                           keepdim=keepdim))
    return _to_out(result, out, "kthvalue", input)


# -- unique ----------------------------------------------------------------------------------
class _NoDerivative(Node):
    """The node of an op without a derivative: backward raises PyTorch's error."""

    op = ""

    def backward(self, *grads):
        raise NotImplementedError(f"the derivative for '{self.op}' is not implemented.")


class Unique2Backward0(_NoDerivative):
    op = "_unique2"


class UniqueDimBackward0(_NoDerivative):
    op = "unique_dim"


class UniqueConsecutiveBackward0(_NoDerivative):
    op = "unique_consecutive"


def _unique_out(input, values, inverse, counts, return_inverse, return_counts, node_cls):
    dev = input._device
    out = wrap(values, dev)  # along a dim: laid out dim-first, as PyTorch's (not contiguous)
    if requires_grad(input):
        record(node_cls, (input,), (out,))
    if not (return_inverse or return_counts):
        return out
    res = [out]
    if return_inverse:
        res.append(wrap(inverse.astype(np.int64, copy=False), dev))
    if return_counts:
        res.append(wrap(counts.astype(np.int64, copy=False), dev))
    return tuple(res)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values (or slices along ``dim``) of ``input``, in ascending order.

    With ``return_inverse``, also where each element went; with ``return_counts``, how
    often each value occurs. NaNs are all distinct, as in PyTorch.
    """
    a = input._data
    xp = xp_of(input)
    if dim is None:
        values, inverse, counts = xp.unique(_sortable(a).reshape(-1), return_inverse=True,
                                            return_counts=True, equal_nan=False)
        values = values.astype(a.dtype, copy=False)
        return _unique_out(input, values, inverse.reshape(a.shape), counts, return_inverse,
                           return_counts, Unique2Backward0)
    d = normalize_dim(dim, a.ndim)
    values, inverse, counts = xp.unique(_sortable(a), axis=d, return_inverse=True,
                                        return_counts=True)
    values = values.astype(a.dtype, copy=False)
    return _unique_out(input, values, inverse.reshape(-1), counts, return_inverse,
                       return_counts, UniqueDimBackward0)


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``input`` with each run of equal consecutive values (or slices along ``dim``) kept
    once; optionally where each element went and each run's length."""
    a = input._data
    xp = xp_of(input)
    if dim is None:
        rows = a.reshape(-1, 1)
    else:
        d = normalize_dim(dim, a.ndim)
        moved = xp.moveaxis(a, d, 0)
        rows = moved.reshape(moved.shape[0], -1)
    n = rows.shape[0]
    is_start = xp.concatenate([xp.ones(min(n, 1), bool), (rows[1:] != rows[:-1]).any(axis=1)])
    starts = xp.flatnonzero(is_start)
    counts = xp.diff(xp.append(starts, n))
    inverse = xp.cumsum(is_start) - 1
    if dim is None:
        values, inverse = a.reshape(-1)[starts], inverse.reshape(a.shape)
    else:
        values = xp.moveaxis(moved[starts], 0, d)
    return _unique_out(input, values, inverse, counts, return_inverse, return_counts,
                       UniqueConsecutiveBackward0)


# -- searchsorted / bucketize ----------------------------------------------------------------
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """For each value of ``input``, the index in the innermost dim of ``sorted_sequence``
    where it would be inserted to keep the order (``right``/``side='right'``: after equals).
    """
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to "
                               "opposites, got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    scalar = not isinstance(input, Tensor)
    v = np.asarray(input) if scalar else input._data
    if seq.ndim == 0:
        raise RuntimeError("torch.searchsorted(): boundaries tensor should have positive "
                           "dimension, but got 0 dimension")
    if seq.ndim > 1 and v.ndim == 0:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when "
                           f"boundaries tensor dimension is 1, but we got boundaries tensor "
                           f"dim({seq.ndim}) and input value's dim({v.ndim}) numel({v.size})")
    if seq.ndim > 1 and (seq.ndim != v.ndim or seq.shape[:-1] != v.shape[:-1]):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or "
                           f"the first N-1 dimensions of boundaries tensor and input value "
                           f"tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(v.shape)}")
    xp = xp_of(sorted_sequence)
    if sorter is not None:
        if sorter._data.shape != seq.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same "
                               f"size, but got boundary tensor {list(seq.shape)}and got sorter "
                               f"tensor {list(sorter._data.shape)}")
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    seq, v = _sortable(seq), _sortable(v)
    how = "right" if right else "left"
    if seq.ndim == 1:
        res = xp.searchsorted(seq, v, side=how)
    else:
        rows = seq.reshape(-1, seq.shape[-1])
        vals = v.reshape(rows.shape[0], -1)
        res = xp.stack([xp.searchsorted(r, q, side=how) for r, q in zip(rows, vals)])
        res = res.reshape(v.shape)
    res = xp.asarray(res).astype(np.int32 if out_int32 else np.int64)
    result = wrap(res, sorted_sequence._device)
    if out is not None:
        from .pointwise import _to_out as write
        return write(result, out, "searchsorted", ())
    return result


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """The bucket of each value of ``input`` between the 1-d ``boundaries``
    (``right=False``: ``boundaries[i-1] < x <= boundaries[i]``)."""
    if boundaries._data.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got "
                           f"dim({boundaries._data.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` is in ``test_elements`` (either may be a number), compared
    in their promoted dtype; a bool tensor shaped like ``elements``."""
    from ._core import as_tensor_arg
    like = elements if isinstance(elements, Tensor) else test_elements
    if not isinstance(like, Tensor):
        raise TypeError("isin() received an invalid combination of arguments - got "
                        f"({type(elements).__name__}, {type(test_elements).__name__})")
    rt = _dtype.result_type(elements, test_elements)
    e, t = as_tensor_arg(elements, like), as_tensor_arg(test_elements, like)
    if rt is _dtype.bool or rt.is_complex:
        raise RuntimeError(f"Unsupported input type encountered for isin(): {rt._legacy}")
    xp = xp_of(like)
    a, b = e._data.astype(rt.np, copy=False), t._data.astype(rt.np, copy=False)
    r = xp.isin(_sortable(a), _sortable(b).reshape(-1), assume_unique=assume_unique,
                invert=invert)
    return wrap(xp.asarray(r), like._device)


__all__ += ["isin"]

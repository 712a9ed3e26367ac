"""Indexing: ``tensor[...]`` reads and writes, gather/scatter, masks, where.

Basic indices (ints, slices, None, Ellipsis) give views made of select/slice/unsqueeze steps,
as PyTorch builds them; tensor, list and bool-mask indices give copies (IndexBackward0).
"""

import numpy as np

from .._tensor import Tensor
from ._core import Node, as_tensor_arg, record, requires_grad, wrap
from .shape import alias, select, slice_dim, unsqueeze

__all__ = ["where"]
METHODS = ["__getitem__", "__setitem__"]

_BASIC = (int, slice, type(None), type(Ellipsis), np.integer)


def _expand_ellipsis(index, ndim):
    """Replace Ellipsis by full slices; check the index is not longer than ``ndim``."""
    consumed = sum(1 for k in index if k is not None and k is not Ellipsis and
                   not isinstance(k, bool))
    n_ell = sum(1 for k in index if k is Ellipsis)
    if n_ell > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    if consumed > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    if n_ell:
        i = next(i for i, k in enumerate(index) if k is Ellipsis)
        index = index[:i] + (slice(None),) * (ndim - consumed) + index[i + 1:]
    return index


def __getitem__(self, index):
    """``self[index]`` with PyTorch's semantics and graph nodes."""
    if not isinstance(index, tuple):
        index = (index,)
    if all(isinstance(k, _BASIC) and not isinstance(k, bool) for k in index):
        return _basic_get(self, index)
    raise NotImplementedError("advanced indexing (tensor, list or mask indices) is not "
                              "implemented yet")


def _basic_get(self, index):
    full = _expand_ellipsis(index, self._data.ndim)
    out, dim = self, 0
    touched = False
    for k in full:
        if k is None:
            out = unsqueeze(out, dim)
            dim += 1
            touched = True
        elif isinstance(k, slice):
            size = out._data.shape[dim]
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            if k != slice(None) or (not touched and len(full) == 1 and Ellipsis not in index):
                start, stop, step = k.indices(size)
                out = slice_dim(out, dim, start, max(stop, start), step)
                touched = True
            dim += 1
        else:
            out = select(out, dim, int(k))
            touched = True
    return out if touched else alias(self)


def __setitem__(self, index, value):
    """``self[index] = value``: an in-place copy into the indexed region (differentiable)."""
    if not isinstance(index, tuple):
        index = (index,)
    if all(isinstance(k, _BASIC) and not isinstance(k, bool) for k in index):
        region = _basic_get(self, index)
        if isinstance(value, Tensor):
            region.copy_(value)
        else:
            region.fill_(value) if region._data.ndim == 0 or np.ndim(value) == 0 \
                else region.copy_(as_tensor_arg(value, like=region))
        return
    raise NotImplementedError("advanced index assignment (tensor, list or mask indices) is not "
                              "implemented yet")


class WhereBackward0(Node):
    def backward(self, grad):
        (cond,) = self.saved_tensors
        zero = grad.new_zeros(())
        return (where(cond, grad, zero) if self.needs_input_grad[0] else None,
                where(cond, zero, grad) if self.needs_input_grad[1] else None)


def where(condition, input=None, other=None, *, out=None):
    """``input`` where ``condition`` else ``other``; one-argument form is nonzero(as_tuple)."""
    from .. import _dtype
    if input is None and other is None:
        raise NotImplementedError("where(condition) is not implemented yet")
    if condition._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {condition.dtype._legacy}")
    x = input if isinstance(input, Tensor) else None
    y = other if isinstance(other, Tensor) else None
    like = x if x is not None else y
    rt = _dtype.result_type(input, other).np if like is not None else \
        _dtype.result_type(input, other).np
    a = input._data.astype(rt, copy=False) if x is not None else np.asarray(input, rt)
    b = other._data.astype(rt, copy=False) if y is not None else np.asarray(other, rt)
    result = wrap(np.where(condition._data, a, b), condition._device)
    if requires_grad(x, y):
        node = record(WhereBackward0, (x, y), (result,))
        node.save(condition)
    return result

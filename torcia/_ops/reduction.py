"""Reductions over dims (int, tuple or all) with keepdim, as PyTorch's."""

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._core import Node, normalize_dims, record, requires_grad, wrap

__all__ = ["sum", "mean", "sum_to_size"]
METHODS = ["sum", "mean", "sum_to_size"]


def _acc_dtype(arr, dtype):
    """NumPy dtype a sum accumulates and returns in: ints and bool give int64 (PyTorch)."""
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    if arr.dtype.kind in "iub":
        return np.dtype(np.int64)
    return arr.dtype


def expand_reduced(grad, shape, dims, keepdim):
    """Broadcast a reduction's gradient back to the input's ``shape``."""
    if not keepdim and dims and len(shape):
        for d in dims:
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


def _low_precision(arr):
    return arr.dtype in (np.float16, _dtype.bfloat16.np)


class SumBackward0(Node):
    def backward(self, grad):
        return grad.expand(self._meta[0][0])


class SumBackward1(Node):
    def backward(self, grad):
        return expand_reduced(grad, self._meta[0][0], self.dims, self.keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum of elements over ``dim`` (all dims when None); ints accumulate in int64."""
    a = input._data
    dims = normalize_dims(dim, a.ndim) if dim is not None else None
    npd = _acc_dtype(a, dtype)
    if _low_precision(a) and dtype is None:  # accumulate half types in float32, as PyTorch
        r = a.sum(axis=dims, keepdims=keepdim, dtype=np.float32).astype(a.dtype)
    else:
        r = a.sum(axis=dims, keepdims=keepdim, dtype=npd)
    result = wrap(np.asarray(r), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "sum", (input,))
    if requires_grad(input):
        if dim is None:
            record(SumBackward0, (input,), (result,))
        else:
            node = record(SumBackward1, (input,), (result,))
            node.dims, node.keepdim = dims, keepdim
    return result


class MeanBackward0(Node):
    def backward(self, grad):
        shape = self._meta[0][0]
        return grad.expand(shape) / max(int(np.prod(shape)), 1)


class MeanBackward1(Node):
    def backward(self, grad):
        shape = self._meta[0][0]
        n = int(np.prod([shape[d] for d in self.dims])) if shape else 1
        return expand_reduced(grad, shape, self.dims, self.keepdim) / n


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim``; needs a floating or complex dtype, as in PyTorch."""
    a = input._data
    npd = _dtype.to_dtype(dtype).np if dtype is not None else a.dtype
    if npd.kind not in "fc" and npd != _dtype.bfloat16.np:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_dtype.from_np[npd]._legacy}")
    dims = normalize_dims(dim, a.ndim) if dim is not None else None
    if _low_precision(a):
        r = a.mean(axis=dims, keepdims=keepdim, dtype=np.float32).astype(npd)
    else:
        r = a.astype(npd, copy=False).mean(axis=dims, keepdims=keepdim)
    result = wrap(np.asarray(r), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "mean", (input,))
    if requires_grad(input):
        if dim is None:
            record(MeanBackward0, (input,), (result,))
        else:
            node = record(MeanBackward1, (input,), (result,))
            node.dims, node.keepdim = dims, keepdim
    return result


def sum_to_size(self, *size):
    """Sum ``self`` down to ``size``, which it must be broadcastable from."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = self._data.shape
    if tuple(size) == shape:
        return self
    lead = len(shape) - len(size)
    if lead < 0 or any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{', '.join(map(str, size))}}} is not expandable to size "
                           f"{{{', '.join(map(str, shape))}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and shape[lead + i] != 1)
    out = sum(self, dims, keepdim=True) if dims else self
    return out.view(size) if lead else out


def _is_tensor(x):
    return isinstance(x, Tensor)

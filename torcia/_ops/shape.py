"""Shape ops. Views (view, transpose, select, ...) share memory with their input, as in
PyTorch; each records how to redo itself (``view_fn``) for in-place autograd on views."""

import numpy as np

from .._tensor import Tensor
from ._core import Node, make_view, normalize_dim, record, requires_grad, wrap
from .creation import clone

__all__ = ["reshape", "flatten", "squeeze", "unsqueeze", "transpose", "swapaxes", "swapdims",
           "permute", "t", "select", "narrow", "unbind", "expand_copy", "cat", "concat",
           "concatenate", "stack"]
METHODS = ["view", "view_as", "reshape", "reshape_as", "flatten", "squeeze", "unsqueeze",
           "transpose", "swapaxes", "swapdims", "permute", "t", "select", "narrow", "unbind",
           "expand", "expand_as", "slice_dim", "alias"]


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def infer_shape(shape, numel):
    """Resolve one -1 in ``shape`` so the sizes multiply to ``numel``."""
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            if s < 0:
                raise RuntimeError(f"invalid shape dimension {s}")
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class ViewBackward0(Node):
    def backward(self, grad):
        return grad.reshape(self._meta[0][0])


class UnsafeViewBackward0(ViewBackward0):
    pass


def view(self, *shape):
    """The same memory seen with another shape; fails where strides do not allow it."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and not isinstance(
            shape[0], Tensor):
        from .. import _dtype
        return _view_dtype(self, _dtype.to_dtype(shape[0]))
    shape = infer_shape(_shape_args(shape), self._data.size)
    a = self._data
    if a.flags.c_contiguous:
        arr = a.reshape(shape)
    else:
        try:
            arr = np.reshape(a, shape, copy=False)
        except ValueError:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            ) from None
    out = make_view(self, arr, lambda b: b.view(shape))
    if requires_grad(self):
        record(ViewBackward0, (self,), (out,))
    return out


def _view_dtype(self, dtype):
    if dtype.itemsize != self._data.itemsize:
        raise RuntimeError("view(dtype) with a different element size is not supported yet")
    return make_view(self, self._data.view(dtype.np), lambda b: b.view(dtype))


def view_as(self, other):
    return view(self, other._data.shape)


def reshape(input, *shape):
    """A view when strides allow, else a copy (as PyTorch's reshape)."""
    shape = infer_shape(_shape_args(shape), input._data.size)
    a = input._data
    if a.flags.c_contiguous or _viewable(a, shape):
        return view(input, shape)
    copy = clone(input)
    out = wrap(copy._data.reshape(shape), input._device)
    if requires_grad(copy):
        record(UnsafeViewBackward0, (copy,), (out,))
    return out


def _viewable(a, shape):
    try:
        np.reshape(a, shape, copy=False)
        return True
    except ValueError:
        return False


def reshape_as(self, other):
    return reshape(self, other._data.shape)


def flatten(input, start_dim=0, end_dim=-1):
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, 1)
    s, e = normalize_dim(start_dim, nd), normalize_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    return reshape(input, shape[:s] + (-1,) + shape[e + 1:])


class SqueezeBackward0(Node):
    def backward(self, grad):
        return grad.reshape(self._meta[0][0])


class SqueezeBackward1(SqueezeBackward0):
    pass


class SqueezeBackward2(SqueezeBackward0):
    pass


def squeeze(input, dim=None):
    """Drop size-1 dims (all, one, or a tuple of them)."""
    shape = input._data.shape
    if dim is None:
        dims, cls = tuple(i for i, s in enumerate(shape) if s == 1), SqueezeBackward0
    elif isinstance(dim, (tuple, list)):
        dims = tuple(normalize_dim(d, len(shape)) for d in dim)
        dims, cls = tuple(d for d in dims if shape and shape[d] == 1), SqueezeBackward2
    else:
        d = normalize_dim(dim, len(shape))
        dims, cls = ((d,) if shape and shape[d] == 1 else ()), SqueezeBackward1
    new = tuple(s for i, s in enumerate(shape) if i not in dims)
    out = make_view(input, input._data.reshape(new), lambda b: b.squeeze(dims))
    if requires_grad(input):
        record(cls, (input,), (out,))
    return out


class UnsqueezeBackward0(Node):
    def backward(self, grad):
        return grad.squeeze(self.dim)


def unsqueeze(input, dim):
    """Insert a size-1 dim at ``dim``."""
    d = normalize_dim(dim, input._data.ndim + 1)
    out = make_view(input, np.expand_dims(input._data, d), lambda b: b.unsqueeze(d))
    if requires_grad(input):
        record(UnsqueezeBackward0, (input,), (out,)).dim = d
    return out


class TransposeBackward0(Node):
    def backward(self, grad):
        return grad.transpose(self.dim0, self.dim1)


def transpose(input, dim0, dim1):
    """Swap two dims (a view)."""
    nd = input._data.ndim
    d0, d1 = normalize_dim(dim0, nd), normalize_dim(dim1, nd)
    out = make_view(input, np.swapaxes(input._data, d0, d1) if nd else input._data.view(),
                    lambda b: b.transpose(d0, d1))
    if requires_grad(input):
        node = record(TransposeBackward0, (input,), (out,))
        node.dim0, node.dim1 = d0, d1
    return out


swapaxes = swapdims = transpose


class TBackward0(Node):
    def backward(self, grad):
        return grad.t()


def t(input):
    """Transpose of a tensor with at most 2 dims."""
    nd = input._data.ndim
    if nd > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {nd}D")
    out = make_view(input, input._data.T, t)
    if requires_grad(input):
        record(TBackward0, (input,), (out,))
    return out


class PermuteBackward0(Node):
    def backward(self, grad):
        return grad.permute(tuple(np.argsort(self.dims)))


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
    out = make_view(input, input._data.transpose(dims), lambda b: b.permute(dims))
    if requires_grad(input):
        record(PermuteBackward0, (input,), (out,)).dims = dims
    return out


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
        raise IndexError(f"index {index} is out of bounds for dimension {d} with size {size}")
    i = index % size
    key = (slice(None),) * d + (i,)
    out = make_view(input, input._data[key], lambda b: b.select(d, i))
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
    out = make_view(input, input._data[key], lambda b: b.slice_dim(d, start, stop, step))
    if requires_grad(input):
        node = record(SliceBackward0, (input,), (out,))
        node.dim, node.start, node.stop, node.step = d, start, stop, step
    return out


def narrow(input, dim, start, length):
    d = normalize_dim(dim, input._data.ndim)
    size = input._data.shape[d]
    start = int(start)
    if start < 0:
        start += size
    if not 0 <= start <= size or start + length > size or length < 0:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                           f"({size}).")
    return slice_dim(input, d, start, start + length, 1)


class AliasBackward0(Node):
    def backward(self, grad):
        return grad


def alias(input):
    """The same tensor seen again (``x[...]``)."""
    out = make_view(input, input._data.view(), lambda b: b.alias())
    if requires_grad(input):
        record(AliasBackward0, (input,), (out,))
    return out


class UnbindBackward0(Node):
    def backward(self, *grads):
        shape = self._meta[0][0]
        sub = shape[:self.dim] + shape[self.dim + 1:]
        filled = [g if g is not None else _zeros_like_meta(sub, self._meta[0]) for g in grads]
        return stack(filled, self.dim)


def _zeros_like_meta(shape, meta):
    from .creation import zeros
    from .. import _dtype
    return zeros(shape, dtype=_dtype.from_np[meta[1]], device=meta[2])


def unbind(input, dim=0):
    """All slices along ``dim``, as a tuple of views."""
    d = normalize_dim(dim, input._data.ndim)
    n = input._data.shape[d]
    outs = tuple(make_view(input, input._data[(slice(None),) * d + (i,)],
                           (lambda i: lambda b: b.select(d, i))(i)) for i in range(n))
    if requires_grad(input):
        node = record(UnbindBackward0, (input,), outs)
        node.num_outputs, node.dim = n, d
    return outs


class ExpandBackward0(Node):
    def backward(self, grad):
        return grad.sum_to_size(self._meta[0][0])


def expand(self, *sizes):
    """A view repeating size-1 dims (and new leading dims) without copying; -1 keeps a size."""
    sizes = _shape_args(sizes)
    shape = self._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the "
                           "number of sizes provided ({len(sizes)}) must be greater or equal to "
                           f"the number of dimensions in the tensor ({len(shape)})")
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s == -1:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            target.append(s)
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s and cur != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({cur}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}")
        target.append(s)
    target = tuple(target)
    if target == shape:
        arr = self._data.view()
    else:
        arr = np.broadcast_to(self._data, target)
    out = make_view(self, arr, lambda b: b.expand(target))
    if requires_grad(self):
        record(ExpandBackward0, (self,), (out,))
    return out


def expand_as(self, other):
    return expand(self, other._data.shape)


def expand_copy(input, size):
    return clone(expand(input, size))


class CatBackward0(Node):
    def backward(self, grad):
        outs, start = [], 0
        for meta in self._meta:
            n = meta[0][self.dim] if len(meta[0]) else 0
            outs.append(grad.narrow(self.dim, start, n) if len(meta[0]) else None)
            start += n
        return tuple(outs)


def cat(tensors, dim=0, *, out=None):
    """Join tensors along an existing dim (1-d empty tensors are skipped, as in PyTorch)."""
    from .. import _dtype
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    real = [t for t in tensors if t._data.shape != (0,)] or tensors[:1]
    nd = real[0]._data.ndim
    if nd == 0:
        raise RuntimeError("zero-dimensional tensor (at position 0) cannot be concatenated")
    d = normalize_dim(dim, nd)
    ref = real[0]._data.shape
    for i, t in enumerate(real):
        s = t._data.shape
        if len(s) != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{len(s)}")
        for k in range(nd):
            if k != d and s[k] != ref[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. "
                                   f"Expected size {ref[k]} but got size {s[k]} for tensor "
                                   f"number {tensors.index(t)} in the list.")
    rt = _dtype.result_type(*tensors).np if len({t._data.dtype for t in tensors}) > 1 \
        else tensors[0]._data.dtype
    arr = np.concatenate([t._data for t in real], axis=d, dtype=rt)
    result = wrap(arr, tensors[0]._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "cat", tensors)
    if requires_grad(*tensors):
        node = record(CatBackward0, real, (result,))
        node.dim = d
    return result


concat = concatenate = cat


def stack(tensors, dim=0, *, out=None):
    """Join same-shaped tensors along a new dim."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    for i, t in enumerate(tensors):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(shape)} at entry 0 and {list(t._data.shape)} at entry {i}")
    d = normalize_dim(dim, len(shape) + 1)
    return cat([unsqueeze(t, d) for t in tensors], d, out=out)

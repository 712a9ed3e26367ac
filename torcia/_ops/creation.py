"""Tensor factories (tensor, zeros, arange, ...), copies and dtype/device moves.

Random factories live in ``random.py``.
"""

import math
import warnings
from collections.abc import Sequence

import numpy as np

from .. import _dtype
from .._device import CPU, to_device
from .._tensor import Size, Tensor, wrap
from ._core import Node, record, requires_grad

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "full", "empty",
           "zeros_like", "ones_like", "full_like", "empty_like", "arange", "range", "linspace",
           "logspace", "eye", "empty_strided", "scalar_tensor", "clone", "to_copy",
           "complex", "polar"]

METHODS = ["clone", "new_tensor", "new_zeros", "new_ones", "new_full", "new_empty",
           "zero_", "fill_", "copy_"]


def _backend_array(arr, device):
    """Move a NumPy array to ``device``'s array library."""
    if device is None or device is CPU:
        return arr
    from .. import _backend
    return _backend.get(device).from_numpy(arr)


def _finish(arr, device, requires_grad, out=None):
    if out is not None:
        if requires_grad:
            raise RuntimeError("out= arguments don't support automatic differentiation")
        out._data = _backend_array(arr.astype(out._data.dtype, copy=False), out._device)
        out._vc[0] += 1
        return out
    device = to_device(device) or CPU
    t = wrap(_backend_array(arr, device), device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_np(data):
    """A NumPy array of Python/NumPy data with PyTorch's dtype inference (float -> default)."""
    if isinstance(data, Tensor):
        return data._cpu_array(), True
    if isinstance(data, np.ndarray):
        return data, True
    if isinstance(data, np.generic):
        return np.asarray(data), True
    if isinstance(data, (list, tuple)):
        _check_ragged(data)
        if any(isinstance(x, Tensor) for x in _flat(data)):
            parts = [_infer_np(x)[0] if isinstance(x, (Tensor, list, tuple))
                     else np.asarray(x) for x in data]
            arr = np.array(parts) if parts else np.zeros((0,), np.float32)
            return arr, True
    elif data is None or isinstance(data, str):
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    arr = np.array(data)
    if arr.dtype == object:
        raise TypeError(f"Could not infer dtype of {type(next(iter(_flat(data)), data)).__name__}")
    return arr, False


def _flat(data):
    stack = [data]
    while stack:
        x = stack.pop()
        if isinstance(x, (list, tuple)):
            stack.extend(x)
        else:
            yield x


def _check_ragged(data):
    """PyTorch's ValueError for nested sequences of unequal lengths."""
    level = [data]
    dim = 0
    while level:
        seqs = [x for x in level if isinstance(x, (list, tuple))]
        if not seqs:
            return
        if len(seqs) != len(level):
            raise ValueError(f"expected sequence of length {len(seqs[0])} at dim {dim} "
                             f"(got {type(level[len(seqs) - 1 if len(seqs) < len(level) else 0]).__name__})")
        n = len(seqs[0])
        for s in seqs:
            if len(s) != n:
                raise ValueError(f"expected sequence of length {n} at dim {dim + 1} "
                                 f"(got {len(s)})")
        level = [x for s in seqs for x in s]
        dim += 1


def _default_for(arr):
    """Map NumPy's inferred float64/complex128 for Python numbers to PyTorch's defaults."""
    if arr.dtype == np.float64:
        return _dtype.get_default_dtype().np
    if arr.dtype == np.complex128:
        return _dtype.get_default_dtype().to_complex().np
    if arr.dtype.kind in "iu":
        return np.dtype(np.int64)
    return arr.dtype


def _check_np_dtype(arr):
    if arr.dtype not in _dtype.from_np:
        raise TypeError(f"can't convert np.ndarray of type numpy.{arr.dtype}. The only supported "
                        "types are: float64, float32, float16, complex64, complex128, int64, "
                        "int32, int16, int8, uint8, and bool.")


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested lists, numbers, arrays, tensors)."""
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
    arr, typed = _infer_np(data)
    if dtype is not None:
        target = _dtype.to_dtype(dtype).np
    elif typed:
        target = arr.dtype
    else:
        target = _default_for(arr)
    _check_np_dtype(np.empty(0, target))
    arr = np.array(arr, dtype=target, copy=True, order="C")
    if device is None and isinstance(data, Tensor):
        device = data._device
    return _finish(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory when it already is one of the right kind."""
    device = to_device(device)
    if isinstance(data, Tensor):
        return data.to(device=device, dtype=dtype)
    if isinstance(data, np.ndarray) and (device is None or device is CPU):
        _check_np_dtype(data)
        t = wrap(data)
        return t if dtype is None else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    t = tensor(obj, dtype=dtype, device=device) if copy else as_tensor(obj, dtype, device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """A tensor sharing ``ndarray``'s memory: a change to one shows in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    _check_np_dtype(ndarray)
    return wrap(ndarray)


def _size(size):
    """A shape tuple from ``f(2, 3)``, ``f((2, 3))`` or ``f([2, 3])``."""
    if len(size) == 1 and isinstance(size[0], (Sequence, Size)) and not isinstance(size[0], str):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s)
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"expected a sequence of integers or a single integer, got "
                            f"'{type(s).__name__}'")
        out.append(int(s))
    if any(s < 0 for s in out):
        neg = next(s for s in out if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: {out}")
    return tuple(out)


def _np_dtype(dtype, default=None):
    if dtype is None:
        return (default or _dtype.get_default_dtype()).np
    return _dtype.to_dtype(dtype).np


def _filled(fill, size, dtype, device, requires_grad, out=None):
    shape = _size(size)
    npd = _np_dtype(dtype)
    arr = np.zeros(shape, npd) if fill == 0 else np.full(shape, fill, npd)
    return _finish(arr, device, requires_grad, out)


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _filled(0, size, dtype, device, requires_grad, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _filled(1, size, dtype, device, requires_grad, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    shape = _size(size)
    return _finish(np.empty(shape, _np_dtype(dtype)), device, requires_grad)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    shape = _size((size,))
    return _finish(np.empty(shape, _np_dtype(dtype)), device, requires_grad)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False):
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value.item() if isinstance(fill_value, Tensor)
                                    else fill_value)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    return _finish(np.full(_size((size,)), fill_value, _np_dtype(dtype)), device, requires_grad)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False):
    return _finish(np.array(s, _np_dtype(dtype)), device, requires_grad)


def _like(input, dtype, device):
    return (input.dtype if dtype is None else _dtype.to_dtype(dtype),
            input._device if device is None else device)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    dtype, device = _like(input, dtype, device)
    return zeros(input._data.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    dtype, device = _like(input, dtype, device)
    return ones(input._data.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    dtype, device = _like(input, dtype, device)
    return empty(input._data.shape, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    dtype, device = _like(input, dtype, device)
    return full(input._data.shape, fill_value, dtype=dtype, device=device,
                requires_grad=requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self.dtype, device=device or self._device,
                  requires_grad=requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False):
    return zeros(*size, dtype=dtype or self.dtype, device=device or self._device,
                 requires_grad=requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False):
    return ones(*size, dtype=dtype or self.dtype, device=device or self._device,
                requires_grad=requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False):
    return empty(*size, dtype=dtype or self.dtype, device=device or self._device,
                 requires_grad=requires_grad)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    return full(size, fill_value, dtype=dtype or self.dtype, device=device or self._device,
                requires_grad=requires_grad)


def _num(x):
    return x.item() if isinstance(x, Tensor) else x


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """Values from ``start`` up to (not including) ``end`` by ``step``."""
    start, end, step = _num(start), _num(end), _num(step)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        floating = any(isinstance(v, float) for v in (start, end, step))
        dtype = _dtype.get_default_dtype() if floating else _dtype.int64
    n = math.ceil((end - start) / step)
    arr = (np.arange(n, dtype=np.float64) * step + start) if not all(
        isinstance(v, int) for v in (start, end, step)) else np.arange(start, end, step)
    return _finish(arr.astype(_np_dtype(dtype)), device, requires_grad)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False):
    """Deprecated in PyTorch: values from ``start`` to ``end`` inclusive."""
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    if end is None:
        start, end = 0, start
    n = int((end - start) / step) + 1
    arr = np.arange(n, dtype=np.float64) * step + start
    return _finish(arr.astype(_np_dtype(dtype)), device, requires_grad)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end``, computed as PyTorch does:
    the first half counts up from ``start``, the second half down from ``end``."""
    npd = _np_dtype(dtype)
    return _finish(_linspace(_num(start), _num(end), steps, npd), device, requires_grad)


def _linspace(start, end, steps, npd):
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    compute = np.float64 if np.dtype(npd).kind in "iub" else npd
    if np.dtype(compute) in (np.float16, _dtype.bfloat16.np):
        compute = np.float32
    if steps == 0:
        return np.zeros(0, npd)
    if steps == 1:
        return np.full(1, start, npd)
    s, e = np.asarray(start, compute), np.asarray(end, compute)
    step = (e - s) / np.asarray(steps - 1, compute)
    idx = np.arange(steps)
    half = steps // 2
    out = np.where(idx < half, s + step * idx.astype(compute),
                   e - step * (steps - idx - 1).astype(compute))
    return out.astype(npd)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    npd = _np_dtype(dtype)
    exps = _linspace(_num(start), _num(end), steps, np.float64 if npd.kind in "iub" else npd)
    return _finish(np.power(np.asarray(base, exps.dtype), exps).astype(npd), device,
                   requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    return _finish(np.eye(n, n if m is None else m, dtype=_np_dtype(dtype)), device,
                   requires_grad)


def complex(real, imag, *, out=None):
    """A complex tensor from real and imaginary parts of the same floating dtype."""
    if real.dtype != imag.dtype or real.dtype not in (_dtype.float32, _dtype.float64):
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{real.dtype._legacy} and {imag.dtype._legacy}")
    return real + imag * 1j


def polar(abs, angle, *, out=None):
    from .pointwise import cos, sin
    return complex(abs * cos(angle), abs * sin(angle))


# -- copies and moves ------------------------------------------------------------------------
class CloneBackward0(Node):
    def backward(self, grad):
        return grad


def clone(input, *, memory_format=None):
    """A copy with its own memory; gradients flow back to ``input``."""
    out = wrap(input._data.copy(), input._device)
    if requires_grad(input):
        record(CloneBackward0, (input,), (out,))
    return out


class ToCopyBackward0(Node):
    def backward(self, grad):
        shape, dtype, device = self._meta[0]
        return grad.to(device=device)


def to_copy(self, device, dtype, copy=False):
    """``self`` on ``device`` with ``dtype``; ``self`` itself when nothing changes."""
    same_dev = device is None or device is self._device
    npd = self._data.dtype if dtype is None else dtype.np
    if same_dev and npd == self._data.dtype and not copy:
        return self
    arr = self._data
    if not same_dev:
        from .. import _backend
        arr = _backend.get(device).from_numpy(self._cpu_array())
    else:
        device = self._device
    arr = arr.astype(npd, copy=copy or not same_dev or npd != arr.dtype)
    out = wrap(arr, device)
    if requires_grad(self) and (out._data.dtype.kind in "fc" or dtype is _dtype.bfloat16):
        record(ToCopyBackward0, (self,), (out,))
    return out


def zero_(self):
    """Fill with zeros, in place."""
    return fill_(self, 0)


class FillBackward(Node):
    def backward(self, grad):
        return (None,) if len(self.next_functions) == 1 else (None, grad.sum())


def fill_(self, value):
    """Fill with ``value`` (a number or 0-dim tensor), in place."""
    from ._core import apply_inplace
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.dim()} dimensions.")

        def compute(src):
            out = wrap(np.full(src._data.shape, value._data, src._data.dtype), src._device)
            if requires_grad(src, value):
                record(FillBackward, (src, value), (out,))
            return out
        return apply_inplace(self, compute, (value,))

    def compute(src):
        out = wrap(np.full(src._data.shape, value, src._data.dtype), src._device)
        if requires_grad(src):
            record(FillBackward, (src,), (out,))
        return out
    return apply_inplace(self, compute)


class CopyBackwards(Node):
    def backward(self, grad):
        src_shape, src_dtype, src_device = self._meta[1]
        return (None, grad.to(device=src_device))


def copy_(self, src, non_blocking=False):
    """Copy ``src``'s values (broadcast, cast) into ``self``, in place."""
    from ._core import apply_inplace, as_tensor_arg
    src = as_tensor_arg(src)

    def compute(dst):
        arr = src._data
        if src._device is not dst._device:
            from .. import _backend
            arr = _backend.get(dst._device).from_numpy(src._cpu_array())
        out = wrap(np.broadcast_to(arr, np.broadcast_shapes(arr.shape, dst._data.shape))
                   .astype(dst._data.dtype), dst._device)
        if requires_grad(dst, src):
            record(CopyBackwards, (dst, src), (out,))
        return out
    return apply_inplace(self, compute, (src,))

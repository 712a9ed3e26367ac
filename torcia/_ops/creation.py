"""Tensor factories (tensor, zeros, arange, ...), copies and dtype/device moves.

Random factories live in ``random.py``. Values follow PyTorch bit for bit: Python data is
converted element by element with PyTorch's checks (Note [Python data]), casts follow ATen's
``static_cast`` (Note [Casts]) and ranges are computed with PyTorch's formulas
(Note [arange values], Note [linspace values]).
"""

import builtins
import math
import operator
import warnings
from itertools import chain

import numpy as np

from .. import _dtype
from .._device import CPU, device_arg
from .._tensor import Size, Tensor, wrap
from ._core import Node, record, requires_grad

__all__ = [
    "BFloat16Tensor",
    "BoolTensor",
    "ByteTensor",
    "CharTensor",
    "DoubleTensor",
    "FloatTensor",
    "HalfTensor",
    "IntTensor",
    "LongTensor",
    "ShortTensor",
    "arange",
    "as_tensor",
    "asarray",
    "channels_last",
    "channels_last_3d",
    "clone",
    "complex",
    "contiguous_format",
    "empty",
    "empty_like",
    "empty_strided",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "is_complex",
    "is_floating_point",
    "is_nonzero",
    "linspace",
    "logspace",
    "ones",
    "ones_like",
    "polar",
    "preserve_format",
    "range",
    "scalar_tensor",
    "tensor",
    "to_copy",
    "zeros",
    "zeros_like",
]

METHODS = ["clone", "new_tensor", "new_zeros", "new_ones", "new_full", "new_empty",
           "zero_", "fill_", "copy_"]

_bool, _int, _float, _complex, _range = builtins.bool, builtins.int, builtins.float, \
    builtins.complex, builtins.range
_BF16 = _dtype.bfloat16.np
_F16 = np.dtype(np.float16)


class memory_format:
    """A memory layout request, printed as PyTorch prints it (``torch.contiguous_format``)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


# -- arguments ---------------------------------------------------------------------------------
def _tp_name(x):
    """A type's name as CPython's C code prints it (``str``, ``numpy.float32``, ``Tensor``)."""
    t = type(x)
    if t.__module__ == "numpy":
        return "numpy." + t.__name__
    return t.__name__


def _dtype_arg(dtype, fn):
    """``dtype=`` as a torcia dtype (Python number types allowed, as in PyTorch) or None."""
    if dtype is None or type(dtype) is _dtype.dtype:
        return dtype
    if dtype in (_float, _int, _bool, _complex):
        return _dtype.to_dtype(dtype)
    raise TypeError(f"{fn}(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")


def _is_int(x):
    if isinstance(x, (_bool, np.bool_)):
        return False
    if isinstance(x, Tensor):
        return x._data.size == 1 and x._data.ndim == 0 and x._data.dtype.kind in "iu"
    try:
        operator.index(x)
    except TypeError:
        return False
    return True


def _size(fn, args, **kw):
    """A shape tuple from ``f(2, 3)``, ``f((2, 3))``, ``f(torch.Size)`` or ``size=``."""
    if kw:
        if set(kw) != {"size"}:
            raise TypeError(f"{fn}() got an unexpected keyword argument "
                            f"'{next(k for k in kw if k != 'size')}'")
        if args:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        args = (kw["size"],)
    if not args:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    if len(args) == 1 and not _is_int(args[0]):
        seq = args[0]
        if not isinstance(seq, (tuple, list, Size)):
            raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(seq).__name__}")
        args = seq
    elif len(args) > 1 and isinstance(args[0], (tuple, list)):
        raise TypeError(f"{fn}() takes 1 positional argument but {len(args)} were given")
    out = []
    for i, s in enumerate(args):
        if not _is_int(s):
            raise TypeError(f"{fn}(): argument 'size' failed to unpack the object at pos {i + 1} "
                            f"with error \"type must be tuple of ints,but got "
                            f"{type(s).__name__}\"")
        out.append(operator.index(s))
    for s in out:
        if s < 0:
            if fn == "zeros":
                raise RuntimeError("zeros: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {out}")
    return tuple(out)


def _seq_size(fn, size):
    """The ``size`` of full/new_full, which must be a sequence."""
    if not isinstance(size, (tuple, list, Size)):
        raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    return _size(fn, tuple(size)) if size else ()


def _check_tensor(x, fn, arg="input", pos=1):
    if not isinstance(x, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Tensor, not "
                        f"{type(x).__name__}")


def _backend_array(arr, device):
    """Move a NumPy array to ``device``'s array library."""
    if device is CPU:
        return arr
    from .. import _backend
    return _backend.get(device).from_numpy(arr)


def _finish(arr, device, requires_grad, out=None):
    """The tensor of a factory: ``arr`` on ``device`` (canonical), or written into ``out``."""
    if requires_grad and arr.dtype.kind not in "fc" and arr.dtype != _BF16:
        raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                           "gradients")
    if out is not None:
        if requires_grad:
            raise RuntimeError("out= arguments don't support automatic differentiation")
        out._data = _backend_array(_cast(arr, out._data.dtype), out._device)
        out._vc[0] += 1
        return out
    t = wrap(_backend_array(arr, device), device)
    if requires_grad:
        t._rg = True
    return t


# -- conversions -------------------------------------------------------------------------------
# Note [Casts]
# A cast between dtypes is C++'s static_cast in ATen, which differs from NumPy's astype in three
# places: a double (or a wide integer) becomes a Half or BFloat16 through a float (two
# roundings, not one), complex to real keeps the real part with a warning, and complex to bool
# tests both parts.

def _layout_perm(shape, strides):
    """Dimensions from innermost to outermost as PyTorch's ``infer_dense_strides`` orders them
    (an insertion sort by stride; zero strides keep their contiguous place)."""
    ndim = len(shape)
    perm = list(_range(ndim - 1, -1, -1))

    def should_swap(d0, d1):
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if shape[d0] > shape[d1] else 0

    for i in _range(1, ndim):
        dim1 = i
        for j in _range(1, i + 1):
            dim0 = i - j
            c = should_swap(perm[dim0], perm[dim1])
            if c > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif c < 0:
                break
    return perm


def _empty_like(arr, npd, contiguous=False):
    """An uninitialised array shaped like ``arr``, laid out as PyTorch's preserve_format
    (``arr``'s dimension order kept, gaps closed) or C-contiguous."""
    flags = arr.flags
    if contiguous or flags.c_contiguous or arr.ndim < 2:
        return np.empty(arr.shape, npd)
    if flags.f_contiguous:
        return np.empty(arr.shape, npd, order="F")
    outer = _layout_perm(arr.shape, arr.strides)[::-1]
    base = np.empty([arr.shape[d] for d in outer], npd)
    return base.transpose(np.argsort(outer))


def _copy(arr, npd=None, contiguous=False):
    """A copy of ``arr`` (converted by ``_cast`` to ``npd``) in preserve_format's layout."""
    npd = arr.dtype if npd is None else np.dtype(npd)
    flags = arr.flags
    if contiguous or flags.c_contiguous or arr.ndim < 2:
        order = "C"
    elif flags.f_contiguous:
        order = "F"
    else:
        out = _empty_like(arr, npd)
        out[...] = _cast(arr, npd)
        return out
    if arr.dtype == npd:
        return arr.copy(order=order)
    out = _cast(arr, npd)  # astype keeps a C or Fortran layout
    return np.asfortranarray(out) if order == "F" and not out.flags.f_contiguous else out


_warned_complex_cast = [False]


def _cast(arr, npd, copy=False):
    """``arr`` as dtype ``npd`` with ATen's cast semantics (Note [Casts]); ``arr`` itself when
    the dtype is already ``npd`` (a copy in preserve_format's layout with ``copy=True``)."""
    npd = np.dtype(npd)
    src = arr.dtype
    if src == npd:
        return _copy(arr) if copy else arr
    if copy:
        return _copy(arr, npd)
    if src.kind == "c" and npd.kind != "c":
        if npd.kind == "b":
            return np.not_equal(arr, 0)
        if not _warned_complex_cast[0]:  # PyTorch warns once per process
            _warned_complex_cast[0] = True
            warnings.warn("Casting complex values to real discards the imaginary part",
                          UserWarning, stacklevel=4)
        arr, src = arr.real, arr.real.dtype
        if src == npd:
            return arr.copy()
    if (npd == _F16 or npd == _BF16) and (src.itemsize > 4 or (src.kind in "iu"
                                                               and src.itemsize >= 4)):
        arr = arr.astype(np.float32)
    return arr.astype(npd)


# C++ names of element types in "value cannot be converted" messages of fills and ranges
_CPP = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
        "int64": "int64_t", "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t",
        "float16": "c10::Half", "bfloat16": "c10::BFloat16", "float32": "float",
        "float64": "double", "complex64": "c10::complex<float>",
        "complex128": "c10::complex<double>", "bool": "bool"}


_FMAX = {d: _dtype.finfo(d).max for d in (_dtype.float16, _dtype.bfloat16, _dtype.float32,
                                         _dtype.float64)}


def _overflows(value, d):
    """PyTorch's ``c10::overflows<T>(value)`` for a Python number and a torcia dtype."""
    if d is _dtype.bool:
        return False
    if isinstance(value, _complex):
        if not d.is_complex and value.imag != 0:
            return True
        return _overflows(value.real, d) or (d.is_complex and _overflows(value.imag, d))
    if d.is_complex:
        d = d.to_real()
    if isinstance(value, _float):
        if d.is_floating_point:
            if math.isinf(value) or math.isnan(value):
                return False
            return not -_FMAX[d] <= value <= _FMAX[d]
        if math.isnan(value):
            return True
        info = np.iinfo(d.np)
        return value < info.min or value > info.max
    if d.is_floating_point:
        return False
    info = np.iinfo(d.np)
    if not d.is_signed and value < 0:  # unsigned types let negative values wrap around
        return -value > info.max
    return value < info.min or value > info.max


def _scalar(value, fn, arg="fill_value", pos=2):
    """A PyTorch Scalar argument (number, NumPy scalar or 0-dim tensor) as a Python number,
    with the dtype a factory infers from it."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Number, not "
                            "Tensor")
        d = value.dtype
        v = value.item()
        if d is _dtype.bool:
            return v, _dtype.bool
        if d.is_complex:
            return _complex(v), _dtype.get_default_dtype().to_complex()
        if d.is_floating_point:
            return _float(v), _dtype.get_default_dtype()
        return _int(v), _dtype.int64
    if isinstance(value, np.generic):
        if isinstance(value, np.integer):
            return _int(value), _dtype.int64
        if isinstance(value, np.complexfloating):  # PyTorch reads these as real doubles
            if not _warned_complex_cast[0]:
                _warned_complex_cast[0] = True
                warnings.warn("Casting complex values to real discards the imaginary part",
                              UserWarning, stacklevel=3)
            return _float(value.real), _dtype.get_default_dtype()
        if isinstance(value, (np.floating, np.bool_)):
            return _float(value), _dtype.get_default_dtype()
    if isinstance(value, _bool):
        return value, _dtype.bool
    if isinstance(value, _int):
        if value >= 2 ** 64:
            raise OverflowError("int too big to convert")
        if value < -2 ** 63:
            raise OverflowError("can't convert negative int to unsigned")
        return value, _dtype.int64
    if isinstance(value, _float):
        return value, _dtype.get_default_dtype()
    if isinstance(value, _complex):
        return value, _dtype.get_default_dtype().to_complex()
    raise TypeError(f"{fn}(): argument '{arg}' (position {pos}) must be Number, not "
                    f"{type(value).__name__}")


def _checked(value, d):
    """``value`` converted for a fill of dtype ``d``: PyTorch's overflow check, then C++'s
    conversion (floats truncate toward zero; negative integers wrap into unsigned types)."""
    if _overflows(value, d):
        raise RuntimeError(f"value cannot be converted to type {_CPP[d.name]} without overflow")
    if d is _dtype.bool:
        return _bool(value)
    if d.is_complex:
        return value
    if isinstance(value, _complex):
        value = value.real
    if not d.is_floating_point:
        value = _int(value)
        if not d.is_signed and value < 0:
            value += 2 ** (8 * d.itemsize)
    return value


def _fill_array(shape, value, d):
    """An array of ``shape`` filled with a checked ``value`` (Note [Casts] for half types)."""
    v = _checked(value, d)
    if d is _dtype.float16 or d is _dtype.bfloat16:
        v = np.float32(v)
    return np.full(shape, v, d.np)


# -- tensor(): Python data ---------------------------------------------------------------------
# Note [Python data]
# PyTorch reads nested sequences in three passes (torch/csrc/utils/tensor_new.cpp): the shape
# from the first element of each level, the dtype from every element (Python floats take the
# default dtype, NumPy scalars and tensors their own, all promoted together), then every
# element is stored with a per-type check (a float into an integer type truncates, but NaN or an
# out-of-range value raises; None raises TypeError; a sequence of the wrong length raises
# ValueError naming the dimension). Plain lists of Python numbers take a NumPy fast path that
# gives the same values; everything else walks the data as PyTorch does.

_PY_NUMBERS = frozenset((_bool, _int, _float, _complex))
_NP_KINDS = {np.dtype(np.bool_), np.dtype(np.int64), np.dtype(np.float64),
             np.dtype(np.complex128)}
_SUPPORTED_NP = "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, " \
                "uint64, uint32, uint16, uint8, and bool"
_warned_ndarray_list = [False]


def _is_seq(x):
    """CPython's PySequence_Check, except that tensors are not sequences (as in PyTorch)."""
    if isinstance(x, (list, tuple)):
        return True
    if isinstance(x, (Tensor, dict, np.generic)) or x is None:
        return False
    return hasattr(type(x), "__getitem__") and not hasattr(x, "keys")


def _np_dtype_of(npd):
    """The torcia dtype of a NumPy array's dtype, or PyTorch's TypeError."""
    d = _dtype.from_np.get(npd)  # non-native byte orders are other NumPy dtypes: not found
    if d is not None:
        return d
    if npd.kind in "biufc" and not npd.isnative:
        raise ValueError("given numpy array has byte order different from the native byte "
                         "order. Conversion between byte orders is currently not supported.")
    raise TypeError(f"can't convert np.ndarray of type numpy.{npd.type.__name__}. The only "
                    f"supported types are: {_SUPPORTED_NP}.")


def _compute_sizes(data):
    sizes = []
    obj = data
    while _is_seq(obj):
        n = len(obj)
        sizes.append(n)
        if len(sizes) > 64:
            raise ValueError(f"too many dimensions '{_tp_name(obj)}'")
        if n == 0:
            break
        obj = obj[0]
    return sizes


def _default_complex():
    d = _dtype.get_default_dtype()
    if d is _dtype.bfloat16:
        raise RuntimeError("invalid default scalar type for complex")
    return d.to_complex()


def _infer(obj):
    """PyTorch's dtype of Python data (``infer_scalar_type``)."""
    if isinstance(obj, np.ndarray):
        return _np_dtype_of(obj.dtype)
    if isinstance(obj, np.generic):
        return _np_dtype_of(obj.dtype)
    if isinstance(obj, _float):
        return _dtype.get_default_dtype()
    if isinstance(obj, _bool):
        return _dtype.bool
    if isinstance(obj, _int):
        return _dtype.int64
    if isinstance(obj, _complex):
        return _default_complex()
    if isinstance(obj, Tensor):
        return obj.dtype
    if isinstance(obj, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{_tp_name(obj)}'")
    if _is_seq(obj):
        n = len(obj)
        if n == 0:
            return _dtype.get_default_dtype()
        out = None
        for i in _range(n):
            item = obj[i]
            if item is obj:
                raise TypeError("new(): self-referential lists are incompatible")
            d = _infer(item)
            out = d if out is None else _dtype.promote_types(out, d)
            if out is _dtype.complex128:
                return out
        return out
    raise RuntimeError(f"Could not infer dtype of {_tp_name(obj)}")


def _as_double(x):
    """CPython's PyFloat_AsDouble, with its TypeError."""
    if isinstance(x, _float):
        return x
    if hasattr(type(x), "__float__"):
        return _float(x)
    if hasattr(type(x), "__index__"):
        return _float(operator.index(x))
    raise TypeError(f"must be real number, not {_tp_name(x)}")


def _store_int(x, d):
    """PyTorch's ``unpackIntegral``: floats are range-checked and truncated, the rest must
    have ``__index__``; negative values wrap into unsigned types."""
    if isinstance(x, _float):
        if math.isnan(x) or _overflows(x, d):
            raise RuntimeError(f"value cannot be converted to type {d.name} without overflow")
        v = _int(x)
    else:
        v = operator.index(x)
        if d is _dtype.uint64:
            if v < 0:
                raise OverflowError("can't convert negative int to unsigned")
            if v >= 2 ** 64:
                raise OverflowError("int too big to convert")
            return v
        if not -2 ** 63 <= v < 2 ** 63:
            raise ValueError("Overflow when unpacking long long")
        if _overflows(v, d):
            raise RuntimeError(f"value cannot be converted to type {d.name} without overflow")
    if not d.is_signed and v < 0:
        v += 2 ** (8 * d.itemsize)
    return v


def _store_bool(x):
    if isinstance(x, (_float, np.bool_)):
        return _bool(x)
    if isinstance(x, _complex):
        return x != 0
    try:
        return _bool(operator.index(x))
    except OverflowError:
        return True


def _store_complex(x):
    if isinstance(x, _complex):
        return x
    if hasattr(type(x), "__complex__") and not isinstance(x, Tensor):
        return _complex(x)
    if isinstance(x, Tensor) and x.is_complex():
        return _complex(x.item()) if x._data.size == 1 else _as_double(x)
    return _complex(_as_double(x))


def _converter(d):
    """Per-element store function for dtype ``d`` and the NumPy dtype it writes."""
    if d is _dtype.bool:
        return _store_bool, np.bool_
    if d.is_complex:
        return _store_complex, np.complex128
    if d.is_floating_point:
        return _as_double, np.float64
    return (lambda x: _store_int(x, d)), (np.uint64 if d is _dtype.uint64 else np.int64)


def _flatten(obj, sizes, dim, out):
    """Append ``obj``'s elements to ``out`` in order, checking every length against sizes."""
    if dim == len(sizes):
        out.append(obj)
        return
    if (isinstance(obj, np.ndarray) and obj.shape == tuple(sizes[dim:])
            and obj.dtype.kind in "biufc"):
        out.extend(obj.ravel().tolist() if obj.dtype != _BF16 else
                   obj.astype(np.float32).ravel().tolist())
        return
    if isinstance(obj, (list, tuple)):
        seq = obj
    else:
        try:
            seq = list(obj)
        except TypeError:
            raise TypeError("not a sequence") from None
    n = sizes[dim]
    if len(seq) != n:
        raise ValueError(f"expected sequence of length {n} at dim {dim} (got {len(seq)})")
    for item in seq:
        if isinstance(item, np.ndarray) and not _warned_ndarray_list[0]:
            _warned_ndarray_list[0] = True
            warnings.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. "
                          "Please consider converting the list to a single numpy.ndarray with "
                          "numpy.array() before converting to a tensor.", UserWarning,
                          stacklevel=5)
        _flatten(item, sizes, dim + 1, out)


def _fast_array(data, sizes):
    """NumPy's array of ``data`` when it is regular nested lists of Python numbers, else None."""
    level = [data]
    for _ in sizes:
        if not set(map(type, level)) <= {list, tuple}:
            return None
        level = list(chain.from_iterable(level))
    types = set(map(type, level))
    if not types <= _PY_NUMBERS:
        return None
    try:
        arr = np.array(data)
    except (ValueError, OverflowError):
        return None
    kind = "c" if _complex in types else "f" if _float in types else "i" if _int in types \
        else "b"
    if arr.dtype not in _NP_KINDS or arr.dtype.kind != kind or arr.shape != tuple(sizes):
        return None  # e.g. integers beyond int64, which NumPy turns into floats
    return arr


def _convert_fast(arr, d):
    """A NumPy array of Python numbers (bool/int64/float64/complex128) stored as dtype ``d``
    with PyTorch's per-element rules; None when only the element walk can say what happens."""
    kind = arr.dtype.kind
    if d is _dtype.bool or kind == "b":
        return _cast(arr, d.np)
    if d.is_complex or d.is_floating_point:
        if kind == "c" and not d.is_complex:
            raise TypeError("must be real number, not complex")
        return _cast(arr.astype(np.float64) if kind == "i" and not d.is_complex else arr, d.np)
    if kind == "c" or (kind == "f" and arr.size and np.abs(arr).max(initial=0) >= 2 ** 53):
        return None  # complex into integers, or big integers NumPy rounded: walk the data
    if kind == "f":
        bad = np.isnan(arr)
        if d is not _dtype.uint64:
            info = np.iinfo(d.np)
            bad |= (arr < info.min) | (arr > info.max)
        if bad.any():
            raise RuntimeError(f"value cannot be converted to type {d.name} without overflow")
        arr = arr.astype(np.int64)
    elif d is not _dtype.uint64 and d is not _dtype.int64:
        info = np.iinfo(d.np)
        lo = -info.max if not d.is_signed else info.min
        if arr.size and (arr.min() < lo or arr.max() > info.max):
            raise RuntimeError(f"value cannot be converted to type {d.name} without overflow")
    elif d is _dtype.uint64 and arr.size and arr.min() < 0:
        raise OverflowError("can't convert negative int to unsigned")
    return arr.astype(d.np)


def _from_data(data, d):
    """A NumPy array of Python data (not a Tensor or ndarray) as PyTorch stores it."""
    if isinstance(data, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{_tp_name(data)}'")
    sizes = _compute_sizes(data)
    if sizes:
        arr = _fast_array(data, sizes)
        if arr is not None:
            if d is None:
                kind = arr.dtype.kind
                d = (_dtype.bool if kind == "b" else _dtype.int64 if kind == "i" else
                     _dtype.get_default_dtype() if kind == "f" else _default_complex())
            out = _convert_fast(arr, d)
            if out is not None:
                return out
    if d is None:
        d = _infer(data)
    flat = []
    _flatten(data, sizes, 0, flat)
    conv, carrier = _converter(d)
    values = np.array([conv(x) for x in flat], dtype=carrier).reshape(sizes)
    return _cast(values, d.np)


def _from_ndarray(arr, d):
    """A copy of a NumPy array in dtype ``d`` (its own when None), layout kept when dense."""
    _np_dtype_of(arr.dtype)
    return _cast(arr, arr.dtype if d is None else d.np, copy=True)


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of ``data`` (nested sequences, numbers, arrays, tensors).

    Python floats take the default dtype, integers int64, bools bool, complex numbers the
    default complex dtype; NumPy arrays and scalars keep theirs.
    """
    d = _dtype_arg(dtype, "tensor")
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        dev = data._device if device is None else device_arg(device, "tensor")
        arr = _cast(data._cpu_array(), data._data.dtype if d is None else d.np, copy=True)
        return _finish(arr, dev, requires_grad)
    dev = device_arg(device, "tensor")
    if isinstance(data, np.ndarray):
        arr = _from_ndarray(data, d)
    else:
        arr = _from_data(data, d)
    return _finish(arr, dev, requires_grad)


def _check_numpy_strides(arr):
    if any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    if any(s % arr.itemsize for s in arr.strides):
        raise ValueError("given numpy array strides not a multiple of the element byte size. "
                         "Copy the numpy array to reallocate the memory.")


def from_numpy(ndarray):
    """A tensor sharing ``ndarray``'s memory: a change to one shows in the other."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if ndarray.dtype != _BF16:
        _np_dtype_of(ndarray.dtype)
    _check_numpy_strides(ndarray)
    if not ndarray.flags.writeable:
        warnings.warn("The given NumPy array is not writable, and PyTorch does not support "
                      "non-writable tensors. This means writing to this tensor will result in "
                      "undefined behavior. You may want to copy the array to protect its data "
                      "or make it writable before converting it to a tensor. This type of "
                      "warning will be suppressed for the rest of this program.", UserWarning,
                      stacklevel=2)
    return wrap(ndarray)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory with a tensor or NumPy array when no dtype or
    device change is asked for."""
    d = _dtype_arg(dtype, "as_tensor")
    dev = None if device is None else device_arg(device, "as_tensor")
    if isinstance(data, Tensor):
        return data.to(device=dev, dtype=d)
    if isinstance(data, np.ndarray):
        return from_numpy(data).to(device=dev, dtype=d)
    return tensor(data, dtype=d, device=dev)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=None):
    """``obj`` as a tensor: shares memory with a tensor or NumPy array unless ``copy=True`` or
    a dtype/device change needs a copy (``copy=False`` then raises)."""
    d = _dtype_arg(dtype, "asarray")
    dev = None if device is None else device_arg(device, "asarray")
    if isinstance(obj, (Tensor, np.ndarray)):
        if isinstance(obj, np.ndarray):
            if obj.dtype != _BF16:
                _np_dtype_of(obj.dtype)
            _check_numpy_strides(obj)
            t = wrap(obj)
        else:
            t = obj
            if requires_grad is None:
                if obj.requires_grad:
                    warnings.warn("torch.asarray: unspecified requires_grad now defaults to "
                                  "obj.requires_grad instead of False. Pass requires_grad=False "
                                  "explicitly to get the old behavior and silence this warning.",
                                  UserWarning, stacklevel=2)
                requires_grad = obj.requires_grad
        changes = (d is not None and d is not t.dtype) or (dev is not None and dev is not t._device)
        if copy is False and changes:
            if d is not None and d is not t.dtype:
                raise ValueError(f"can't alias tensor with dtype '{t.dtype._legacy}' into dtype "
                                 f"'{d._legacy}'.")
            raise ValueError(f"can't alias tensor on device '{t._device}' into device '{dev}'.")
        if copy or changes:
            t = t.to(device=dev, dtype=d, copy=True).detach()
        if isinstance(obj, Tensor) and t is obj and not requires_grad and obj.requires_grad:
            t = obj.detach()
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        t = tensor(obj, dtype=d, device=dev)
    if requires_grad and not t.requires_grad:
        t = t if t._base is None and t._grad_fn is None else t.detach()
        if not (t.is_floating_point() or t.is_complex()):
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t.requires_grad_(True)
    return t


def legacy_new(cls, args, kwargs, dtype=None):
    """``torch.Tensor(...)``: ``Tensor(2, 3)`` (uninitialised), ``Tensor(size)``,
    ``Tensor(data)`` (in the default dtype), ``Tensor(other)`` (an alias of ``other``)."""
    device = kwargs.pop("device", None)
    if kwargs:
        got = ", ".join([type(a).__name__ for a in args] +
                        [f"{k}={type(v).__name__ if type(v) is not _dtype.dtype else 'torch.dtype'}"
                         for k, v in kwargs.items()])
        bad = ", ".join(kwargs)
        why = f"      didn't match because some of the keywords were incorrect: {bad}\n"
        raise TypeError(f"new() received an invalid combination of arguments - got ({got}), "
                        "but expected one of:\n * (*, torch.device device = None)\n"
                        f"{why if not args else ''} * (torch.Storage storage)\n"
                        " * (Tensor other)\n * (tuple of ints size, *, torch.device device = "
                        f"None)\n{why if args else ''} * (object data, *, torch.device device "
                        f"= None)\n{why if args else ''}")
    dev = device_arg(device, "new")
    d = _dtype.get_default_dtype() if dtype is None else dtype
    if len(args) == 1 and (isinstance(args[0], Tensor) or not _is_int(args[0])):
        data = args[0]
        if isinstance(data, Tensor):
            if dtype is not None and data.dtype is not dtype:
                from .._tensor import _CPP_NAMES
                opts = ("TensorOptions(dtype={}, device=cpu, layout=Strided, requires_grad=false "
                        "(default), pinned_memory=false (default), memory_format=(nullopt))")
                raise TypeError(f"expected {opts.format(_CPP_NAMES[dtype.name])} (got "
                                f"{opts.format(_CPP_NAMES[data.dtype.name])})")
            t = data.view_as(data) if data.requires_grad else data._alias()
        elif isinstance(data, Size):
            t = _finish(np.empty(_size("new", tuple(data)), d.np), dev, False)
        elif isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{_tp_name(data)}'")
        elif isinstance(data, np.ndarray):
            t = _finish(_from_ndarray(data, d), dev, False)
        elif _is_seq(data):
            t = _finish(_from_data(data, d), dev, False)
        else:
            raise TypeError(f"new(): data must be a sequence (got {_tp_name(data)})")
    else:
        shape = _size("new", args) if args else (0,)
        t = _finish(np.empty(shape, d.np), dev, False)
    return t if cls is Tensor else t._as_subclass(cls)


class _LegacyTensorType(type):
    """The metaclass of ``torcia.FloatTensor`` and friends: calling one builds a tensor of its
    dtype (``LongTensor([1, 2])``, ``FloatTensor(2, 3)``); ``isinstance`` tests the dtype."""

    def __call__(cls, *args, **kwargs):
        return legacy_new(Tensor, args, kwargs, cls.dtype)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj._device.type == "cpu"

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_type(d):
    return _LegacyTensorType(d._legacy + "Tensor", (), {"dtype": d, "is_cuda": False,
                                                          "__module__": "torcia"})


DoubleTensor = _legacy_type(_dtype.float64)
FloatTensor = _legacy_type(_dtype.float32)
HalfTensor = _legacy_type(_dtype.float16)
BFloat16Tensor = _legacy_type(_dtype.bfloat16)
LongTensor = _legacy_type(_dtype.int64)
IntTensor = _legacy_type(_dtype.int32)
ShortTensor = _legacy_type(_dtype.int16)
CharTensor = _legacy_type(_dtype.int8)
ByteTensor = _legacy_type(_dtype.uint8)
BoolTensor = _legacy_type(_dtype.bool)


def is_floating_point(input):
    """Whether ``input``'s dtype is a floating-point type."""
    _check_tensor(input, "is_floating_point")
    return input.is_floating_point()


def is_complex(input):
    """Whether ``input``'s dtype is a complex type."""
    _check_tensor(input, "is_complex")
    return input.is_complex()


def is_nonzero(input):
    """Whether the single value of ``input`` is nonzero (RuntimeError for other sizes)."""
    _check_tensor(input, "is_nonzero")
    return bool(input)


# -- filled tensors ----------------------------------------------------------------------------
def _factory_dtype(dtype, fn):
    d = _dtype_arg(dtype, fn)
    return _dtype.get_default_dtype() if d is None else d


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    """A tensor of zeros of shape ``size`` (ints, a sequence or a torch.Size)."""
    shape = _size("zeros", size, **kw)
    d = _factory_dtype(dtype, "zeros")
    return _finish(np.zeros(shape, d.np), device_arg(device, "zeros"), requires_grad, out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    """A tensor of ones of shape ``size``."""
    shape = _size("ones", size, **kw)
    d = _factory_dtype(dtype, "ones")
    return _finish(np.ones(shape, d.np), device_arg(device, "ones"), requires_grad, out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None, **kw):
    """An uninitialised tensor of shape ``size``."""
    shape = _size("empty", size, **kw)
    d = _factory_dtype(dtype, "empty")
    return _finish(np.empty(shape, d.np), device_arg(device, "empty"), requires_grad, out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """A tensor of shape ``size`` filled with ``fill_value``; its dtype follows the value
    (bool, int64, the default float or complex dtype) unless ``dtype`` is given."""
    shape = _seq_size("full", size)
    value, inferred = _scalar(fill_value, "full")
    d = _dtype_arg(dtype, "full") or inferred
    return _finish(_fill_array(shape, value, d), device_arg(device, "full"), requires_grad, out)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """A 0-dim tensor holding ``s``, in the default dtype unless ``dtype`` is given."""
    value, _ = _scalar(s, "scalar_tensor", "s", 1)
    d = _factory_dtype(dtype, "scalar_tensor")
    return _finish(_fill_array((), value, d), device_arg(device, "scalar_tensor"), requires_grad)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False,
        pin_memory=False):
    """A 2-D tensor with ones on the diagonal: ``n`` rows, ``m`` (default ``n``) columns."""
    for name, v, pos in (("n", n, 1), ("m", m, 2)):
        if v is None:
            continue
        if not _is_int(v):
            raise TypeError(f"eye(): argument '{name}' (position {pos}) must be int, not "
                            f"{type(v).__name__}")
        if operator.index(v) < 0:
            raise RuntimeError(f"{name} must be greater or equal to 0, got {operator.index(v)}")
    n = operator.index(n)
    m = n if m is None else operator.index(m)
    d = _factory_dtype(dtype, "eye")
    return _finish(np.eye(n, m, dtype=d.np), device_arg(device, "eye"), requires_grad, out)


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised tensor of shape ``size`` whose memory is laid out with ``stride``."""
    shape = _seq_size("empty_strided", size)
    strides = tuple(operator.index(s) for s in stride)
    if len(shape) != len(strides):
        raise RuntimeError(f"dimensionality of sizes ({len(shape)}) must match dimensionality "
                           f"of strides ({len(strides)})")
    if any(s < 0 for s in strides):
        raise RuntimeError(f"Storage size calculation overflowed with sizes={list(shape)} and "
                           f"strides={list(strides)}")
    d = _factory_dtype(dtype, "empty_strided")
    storage = 0 if 0 in shape else 1 + sum((n - 1) * s for n, s in zip(shape, strides))
    buf = np.empty(storage, d.np)
    arr = np.lib.stride_tricks.as_strided(buf, shape, tuple(s * buf.itemsize for s in strides),
                                          writeable=True)
    return _finish(arr, device_arg(device, "empty_strided"), requires_grad)


def _like_array(fn, input, dtype, memory_format, make):
    """An array shaped like ``input`` in ``dtype``, laid out as PyTorch's preserve_format."""
    _check_tensor(input, fn)
    d = input.dtype if dtype is None else _dtype_arg(dtype, fn)
    src = input._data
    contiguous = memory_format is contiguous_format or not isinstance(src, np.ndarray)
    return make(_empty_like(src, d.np, contiguous), d)


def _filler(value):
    def fill(out, d):
        out[...] = value
        return out
    return fill


def _like_device(input, device, fn):
    return input._device if device is None else device_arg(device, fn)


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    arr = _like_array("zeros_like", input, dtype, memory_format, _filler(0))
    return _finish(arr, _like_device(input, device, "zeros_like"), requires_grad)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    arr = _like_array("ones_like", input, dtype, memory_format, _filler(1))
    return _finish(arr, _like_device(input, device, "ones_like"), requires_grad)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    arr = _like_array("empty_like", input, dtype, memory_format, lambda out, d: out)
    return _finish(arr, _like_device(input, device, "empty_like"), requires_grad)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    value, _ = _scalar(fill_value, "full_like")

    def make(out, d):
        out[...] = _fill_array((), value, d)
        return out
    arr = _like_array("full_like", input, dtype, memory_format, make)
    return _finish(arr, _like_device(input, device, "full_like"), requires_grad)


def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False,
               pin_memory=False):
    """A new tensor of ``data`` in this tensor's dtype and device (unless given)."""
    d = _dtype_arg(dtype, "new_tensor") or self.dtype
    dev = self._device if device is None else device_arg(device, "new_tensor")
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than tensor.new_tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        arr = _cast(data._cpu_array(), d.np, copy=True)
    elif isinstance(data, np.ndarray):
        arr = _from_ndarray(data, d)
    else:
        arr = _from_data(data, d)
    return _finish(arr, dev, requires_grad)


def _new(self, fn, make, size, dtype, device, requires_grad, kw):
    shape = _size(fn, size, **kw)
    d = _dtype_arg(dtype, fn) or self.dtype
    dev = self._device if device is None else device_arg(device, fn)
    return _finish(make(shape, d.np), dev, requires_grad)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False, **kw):
    return _new(self, "new_zeros", np.zeros, size, dtype, device, requires_grad, kw)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False, **kw):
    return _new(self, "new_ones", np.ones, size, dtype, device, requires_grad, kw)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None,
              pin_memory=False, **kw):
    return _new(self, "new_empty", np.empty, size, dtype, device, requires_grad, kw)


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False,
             layout=None, pin_memory=False):
    shape = _seq_size("new_full", size)
    value, _ = _scalar(fill_value, "new_full")
    d = _dtype_arg(dtype, "new_full") or self.dtype
    dev = self._device if device is None else device_arg(device, "new_full")
    return _finish(_fill_array(shape, value, d), dev, requires_grad)


# -- ranges ------------------------------------------------------------------------------------
def _range_scalar(x, fn, name, pos):
    """A range bound or step as a Python number, and whether PyTorch counts it integral."""
    if isinstance(x, Tensor):
        if x._data.ndim != 0:
            raise RuntimeError(f"{fn} only supports 0-dimensional start and end tensors, but got "
                               f"{name} with {x._data.ndim} dimension(s).")
        v = x.item()
        return v, x._data.dtype.kind in "biu"
    if isinstance(x, np.generic):
        if isinstance(x, np.complexfloating):
            return _complex(x), False
        return (x.item(), True) if isinstance(x, (np.integer, np.bool_)) else (_float(x), False)
    if isinstance(x, (_bool, _int)):
        return x, True
    if isinstance(x, (_float, _complex)):
        return x, False
    raise TypeError(f"{fn}(): argument '{name}' (position {pos}) must be Number, not "
                    f"{type(x).__name__}")


def _to_acc(value, acc, what):
    """PyTorch's ``Scalar::to<acc>()``: checked conversion of a range bound or step."""
    if isinstance(value, _complex):
        if value.imag != 0:
            raise RuntimeError(f"value cannot be converted to type {what} without overflow")
        value = value.real
    if acc is _dtype.int64:
        if isinstance(value, _float) and (math.isnan(value) or math.isinf(value)
                                          or _overflows(value, acc)):
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        return _int(value)
    value = _float(value)
    if acc is _dtype.float32 and _overflows(value, acc):
        raise RuntimeError("value cannot be converted to type float without overflow")
    return value


def _g(x):
    """A number as C++'s ostream prints it (six significant digits)."""
    return f"{x:g}" if isinstance(x, _float) else str(x)


def _two_product(a, b):
    """``a * b`` as an unevaluated sum ``p + e`` of doubles (Dekker's algorithm)."""
    p = a * b
    t = 134217729.0 * a
    ah = t - (t - a)
    al = a - ah
    t = 134217729.0 * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _fma(a, b, c):
    """``a * b + c`` in float64 with one rounding, as C's fma (which PyTorch's kernels use)."""
    a, b, c = np.asarray(a, np.float64), np.asarray(b, np.float64), np.asarray(c, np.float64)
    p, e = _two_product(a, b)
    s = p + c
    bb = s - p
    t = (p - (s - bb)) + (c - bb)
    out = s + (t + e)
    return np.where(np.isfinite(out), out, a * b + c)


# Note [arange values]
# PyTorch fills arange with ``start + step * i`` in the accumulate type (double for float and
# double, float for half types), rounded to the dtype, but its vectorised loop (256-bit
# vectors: 8 floats, 4 doubles, 16 halves; a scalar tail of n % (2 * lanes) elements) computes
# ``base + k * step`` from a rounded ``base`` at the start of each vector. The results differ in
# the last bit: torch.arange(-1, 1, 0.1)[10] is -2.98e-09, not 0. We compute the same way.
# (For more than 32768 elements PyTorch splits the work between threads, each with its own
# scalar tail; that split is not reproduced.)

def _arange_float(start, step, n, d):
    npd = d.np
    lanes = 32 // d.itemsize
    vec = n - n % (2 * lanes)  # elements the vectorised loop writes; the rest are scalar
    i = np.arange(n, dtype=np.float64)
    if d.itemsize == 2:  # half types accumulate in float: a float fma, exact in double
        start, step = _float(np.float32(start)), _float(np.float32(step))
    if d is _dtype.float64:
        scal = _fma(step, i, start)
    else:  # in double for float: PyTorch's fused multiply-add rounds differently only next
        scal = start + step * i  # to a float rounding tie (not seen in tests)
    if d.itemsize == 2:
        scal = scal.astype(np.float32)
    scal = scal.astype(npd)
    if not vec:
        return scal
    k = i[:vec] % lanes
    base = scal[:vec:lanes].repeat(lanes).astype(np.float64)  # each vector's first value
    vals = _fma(k, step, base) if d is _dtype.float64 else base + k * step
    if d.itemsize == 2:
        vals = vals.astype(np.float32)
    scal[:vec] = vals.astype(npd)
    return scal


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    """Values from ``start`` up to (not including) ``end`` by ``step``: int64 when every
    argument is an integer, else the default dtype (Note [arange values])."""
    if end is None:
        start, end = 0, start
    if (type(start) is _int and type(end) is _int and type(step) is _int and dtype is None
            and out is None and not requires_grad and step != 0
            and ((step > 0 and end >= start) or (step < 0 and end <= start))
            and -2 ** 62 < start < 2 ** 62 and -2 ** 62 < end < 2 ** 62):
        return _finish(np.arange(start, end, step, dtype=np.int64),
                       device_arg(device, "arange"), False)
    (start, i0), (end, i1), (step, i2) = (_range_scalar(start, "arange", "start", 1),
                                          _range_scalar(end, "arange", "end", 2),
                                          _range_scalar(step, "arange", "step", 3))
    d = _dtype_arg(dtype, "arange")
    if d is None:
        d = out.dtype if out is not None else (
            _dtype.int64 if i0 and i1 and i2 else _dtype.get_default_dtype())
    if d is _dtype.bool or d.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{d._legacy}'")
    acc = _dtype.int64 if not d.is_floating_point else (
        _dtype.float64 if d in (_dtype.float32, _dtype.float64) else _dtype.float32)
    what = "int64_t" if acc is _dtype.int64 else "double" if acc is _dtype.float64 else "float"
    xstart, xend, xstep = (_to_acc(v, acc, what) for v in (start, end, step))
    if not (xstep > 0 or xstep < 0):
        if acc is _dtype.int64 and step != 0:  # a fraction truncated to 0 for integers
            raise ValueError("step must be nonzero")
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(xstart) and math.isfinite(xend)):
        raise RuntimeError(f"unsupported range: {_g(xstart)} -> {_g(xend)}")
    if not ((xstep > 0 and xend >= xstart) or (xstep < 0 and xend <= xstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if d is _dtype.int64:
        sgn = (xstep > 0) - (xstep < 0)
        num = xend - xstart + xstep - sgn
        size_d = _float(abs(num) // abs(xstep) * (1 if (num >= 0) == (xstep > 0) else -1))
    else:
        size_d = math.ceil((_float(_to_acc(end, _dtype.float64, "double"))
                            - _float(_to_acc(start, _dtype.float64, "double")))
                           / _float(_to_acc(step, _dtype.float64, "double")))
    if not (size_d >= 0 and size_d <= 2.0 ** 63):
        raise RuntimeError("invalid size, possible overflow?")
    n = _int(size_d)
    if out is not None and out._data.size not in (0, n):
        warnings.warn(f"The number of elements in the out tensor of shape {list(out.shape)} is "
                      f"{out._data.size} which does not match the computed number of elements "
                      f"{n}. Note that this may occur as a result of rounding error. The out "
                      f"tensor will be resized to a tensor of shape ({n},).", UserWarning,
                      stacklevel=2)
    if acc is _dtype.int64:
        arr = (np.arange(n, dtype=np.int64) * np.int64(xstep) + np.int64(xstart)).astype(d.np)
    else:
        arr = _arange_float(xstart, xstep, n, d)
    return _finish(arr, device_arg(device, "arange"), requires_grad, out)


def range(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """Deprecated in PyTorch: values from ``start`` to ``end`` inclusive, in the default
    dtype unless ``dtype`` is given."""
    if end is None:
        raise TypeError('range() missing 1 required positional arguments: "end"')
    warnings.warn("torch.range is deprecated and will be removed in a future release because "
                  "its behavior is inconsistent with Python's range builtin. Instead, use "
                  "torch.arange, which produces values in [start, end).", UserWarning,
                  stacklevel=2)
    (start, _), (end, _), (step, _) = (_range_scalar(start, "range", "start", 1),
                                       _range_scalar(end, "range", "end", 2),
                                       _range_scalar(step, "range", "step", 3))
    d = _factory_dtype(dtype, "range")
    if d is _dtype.bool or d.is_complex:
        raise NotImplementedError(f"\"range_cpu\" not implemented for '{d._legacy}'")
    acc = _dtype.int64 if not d.is_floating_point else (
        _dtype.float64 if d in (_dtype.float32, _dtype.float64) else _dtype.float32)
    what = "int64_t" if acc is _dtype.int64 else "double" if acc is _dtype.float64 else "float"
    xstart, xend, xstep = (_to_acc(v, acc, what) for v in (start, end, step))
    if not (xstep > 0 or xstep < 0):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(xstart) and math.isfinite(xend)):
        raise RuntimeError(f"unsupported range: {_g(xstart)} -> {_g(xend)}")
    if not ((xstep > 0 and xend >= xstart) or (xstep < 0 and xend <= xstart)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if acc is _dtype.int64:
        q = abs(xend - xstart) // abs(xstep)
        n = q + 1
        arr = (np.arange(n, dtype=np.int64) * xstep + xstart).astype(d.np)
    else:
        n = _int((xend - xstart) / xstep + 1)
        i = np.arange(n, dtype=np.float64)
        arr = (_fma(i, xstep, xstart) if acc is _dtype.float64 else
               np.float32(xstart) + i.astype(np.float32) * np.float32(xstep)).astype(d.np)
    return _finish(arr, device_arg(device, "range"), requires_grad, out)


# Note [linspace values]
# PyTorch computes linspace in the output dtype itself (no wider accumulator):
# ``step = (end - start) / (steps - 1)``, then ``start + step * i`` for the first half and
# ``end - step * (steps - i - 1)`` for the second, so both ends are exact. Its compiler fuses
# the multiply-add (one rounding); half types round after every operation; integer dtypes
# compute in double and truncate.

def _linspace_bounds(start, end, fn):
    (s, _), (e, _) = _range_scalar(start, fn, "start", 1), _range_scalar(end, fn, "end", 2)
    return s, e


def _steps_arg(steps, fn):
    if isinstance(steps, Tensor):
        steps = steps.item()
    if not _is_int(steps):
        raise TypeError(f"{fn}(): argument 'steps' (position 3) must be int, not "
                        f"{type(steps).__name__}")
    steps = operator.index(steps)
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    return steps


def _range_dtype(dtype, fn, s, e):
    d = _dtype_arg(dtype, fn)
    if d is None:
        d = _default_complex() if isinstance(s, _complex) or isinstance(e, _complex) \
            else _dtype.get_default_dtype()
    if d is _dtype.bool:
        raise NotImplementedError(f"\"{fn}_cpu\" not implemented for 'Bool'")
    return d


def _as_dtype_scalar(v, d):
    """PyTorch's ``Scalar::to<scalar_t>()`` for a linspace bound."""
    if _overflows(v if not isinstance(v, _bool) else _int(v), d):
        raise RuntimeError(f"value cannot be converted to type {_CPP[d.name]} without overflow")
    return _checked(v, d)


def _linspace_values(s, e, steps, d):
    i = np.arange(steps, dtype=np.int64)
    half = steps // 2
    first = i < half
    k = steps - i - 1
    if d.is_complex:
        real = d.to_real()
        s, e = _complex(s), _complex(e)
        re = _linspace_values(s.real, e.real, steps, real)
        im = _linspace_values(s.imag, e.imag, steps, real)
        out = np.empty(steps, d.np)
        out.real, out.imag = re, im
        return out
    if not d.is_floating_point:
        si, ei = _as_dtype_scalar(s, d), _as_dtype_scalar(e, d)
        si = np.array(si).astype(d.np).item() if not isinstance(si, _bool) else si
        ei = np.array(ei).astype(d.np).item() if not isinstance(ei, _bool) else ei
        step = (_float(ei) - _float(si)) / (steps - 1)
        vals = np.where(first, _fma(step, i, si), _fma(-step, k, ei))
        return vals.astype(np.int64).astype(d.np)
    sv, ev = _as_dtype_scalar(_float(s), d), _as_dtype_scalar(_float(e), d)
    if d is _dtype.float64:
        step = (ev - sv) / (steps - 1)
        return np.where(first, _fma(step, i, sv), _fma(-step, k, ev))
    npd = d.np
    if d is _dtype.float32:
        s32, e32 = np.float32(sv), np.float32(ev)
        step = np.float64((e32 - s32) / np.float32(steps - 1))
        a = (step * i + np.float64(s32)).astype(npd)  # exact product, one rounding: a fma
        b = (np.float64(e32) - step * k).astype(npd)
        return np.where(first, a, b)
    f32 = np.float32

    def r(x):  # round to the half type, back in float
        return np.asarray(x, f32).astype(npd).astype(f32)

    s16, e16 = r(sv), r(ev)
    step = r(r(e16 - s16) / r(steps - 1))
    a = r(s16 + r(step * r(i.astype(f32))))
    b = r(e16 - r(step * r(k.astype(f32))))
    return np.where(first, a, b).astype(npd)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` (Note [linspace values])."""
    s, e = _linspace_bounds(start, end, "linspace")
    steps = _steps_arg(steps, "linspace")
    d = _range_dtype(dtype, "linspace", s, e)
    if steps == 0:
        arr = np.empty(0, d.np)
    elif steps == 1:
        arr = _fill_array((1,), s if not isinstance(s, _bool) else _int(s), d)
    else:
        arr = _linspace_values(s, e, steps, d)
    return _finish(arr, device_arg(device, "linspace"), requires_grad, out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """``base ** linspace(start, end, steps)``, computed as PyTorch does: exponents in double
    from the bounds rounded to ``dtype``, one libm ``pow`` per element."""
    s, e = _linspace_bounds(start, end, "logspace")
    steps = _steps_arg(steps, "logspace")
    d = _range_dtype(dtype, "logspace", s, e)
    base = _float(base)
    if steps == 0:
        arr = np.empty(0, d.np)
    elif d.is_complex:
        sv, ev = _complex(s), _complex(e)
        ctype = np.complex64 if d is _dtype.complex64 else np.complex128
        if steps == 1:
            vals = [np.power(ctype(base), ctype(sv))]
        else:
            step = (ctype(ev) - ctype(sv)) / ctype(steps - 1)
            vals = [np.power(ctype(base), ctype(sv) + step * ctype(j)) if j < steps // 2 else
                    np.power(ctype(base), ctype(ev) - step * ctype(steps - j - 1))
                    for j in _range(steps)]
        arr = np.array(vals, d.np)
    elif steps == 1:
        arr = _fill_array((1,), math.pow(base, _float(s)), d)
    else:
        sv = _as_dtype_scalar(_float(s) if d.is_floating_point else s, d)
        ev = _as_dtype_scalar(_float(e) if d.is_floating_point else e, d)
        if d.is_floating_point:
            sd = np.asarray(sv).astype(np.float32 if d.itemsize <= 4 else np.float64)
            ed = np.asarray(ev).astype(sd.dtype)
            if d.itemsize == 2:
                sd, ed = sd.astype(d.np).astype(np.float32), ed.astype(d.np).astype(np.float32)
                diff = np.float32(ed - sd).astype(d.np)
            else:
                diff = (ed - sd).astype(d.np)
            step = _float(diff) / (steps - 1)
            sv, ev = _float(sd), _float(ed)
        else:
            step = _float(ev - sv) / (steps - 1)
        i = np.arange(steps, dtype=np.int64)
        k = steps - i - 1
        exps = np.where(i < steps // 2, sv + step * i, ev - step * k)  # not fused here
        vals = np.array([math.pow(base, x) if _pow_ok(base, x) else np.power(base, x)
                         for x in exps.tolist()], np.float64)
        arr = _cast(vals, d.np) if d.is_floating_point else _float_to_int(vals, d)
    return _finish(arr, device_arg(device, "logspace"), requires_grad, out)


def _pow_ok(base, x):
    return not (base < 0 and not _float(x).is_integer()) and not (base == 0 and x < 0)


def _float_to_int(vals, d):
    with np.errstate(invalid="ignore"):
        return vals.astype(np.int64).astype(d.np)


# -- complex numbers ---------------------------------------------------------------------------
def _check_complex_parts(a, b, fn):
    _check_tensor(a, fn, "real" if fn == "complex" else "abs", 1)
    _check_tensor(b, fn, "imag" if fn == "complex" else "angle", 2)
    ok = (_dtype.float16, _dtype.float32, _dtype.float64)
    if a.dtype not in ok or b.dtype not in ok:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{a.dtype._legacy} and {b.dtype._legacy}")
    if a.dtype is not b.dtype:
        raise RuntimeError(f"Expected object of scalar type {a.dtype._legacy} but got scalar type "
                           f"{b.dtype._legacy} for second argument")
    if a.dtype is _dtype.float16:
        raise TypeError("torcia has no complex32 dtype: complex() of float16 tensors is not "
                        "supported")


class ComplexBackward0(Node):
    def backward(self, grad):
        from .pointwise import imag, real
        return real(grad), imag(grad)


def complex(real, imag, *, out=None):
    """A complex tensor from real and imaginary parts of the same floating dtype."""
    _check_complex_parts(real, imag, "complex")
    a, b = np.broadcast_arrays(real._cpu_array(), imag._cpu_array())
    arr = np.empty(a.shape, real.dtype.to_complex().np)
    arr.real, arr.imag = a, b
    result = _finish(arr, real._device, False, out)
    if out is None and requires_grad(real, imag):
        record(ComplexBackward0, (real, imag), (result,))
    return result


def polar(abs, angle, *, out=None):
    """``abs * (cos(angle) + i sin(angle))`` as a complex tensor."""
    _check_complex_parts(abs, angle, "polar")
    from .pointwise import cos, sin
    return complex(abs * cos(angle), abs * sin(angle), out=out)


# -- copies and moves ------------------------------------------------------------------------
class CloneBackward0(Node):
    def backward(self, grad):
        return grad


def clone(input, *, memory_format=None):
    """A copy with its own memory, laid out as ``input`` when that is dense (PyTorch's
    preserve_format); gradients flow back to ``input``."""
    arr = input._data
    if isinstance(arr, np.ndarray):
        arr = _copy(arr, contiguous=memory_format is contiguous_format)
    else:
        arr = arr.copy(order="C" if memory_format is contiguous_format else "K")
    out = wrap(arr, input._device)
    if requires_grad(input):
        record(CloneBackward0, (input,), (out,))
    return out


class ToCopyBackward0(Node):
    def backward(self, grad):
        device = self._meta[0][2]
        return grad.to(device=device)


def to_copy(self, device, dtype, copy=False):
    """``self`` on ``device`` with ``dtype``; ``self`` itself when nothing changes."""
    same_dev = device is None or device is self._device
    npd = self._data.dtype if dtype is None else dtype.np
    if same_dev and npd == self._data.dtype and not copy:
        return self
    if same_dev:
        device = self._device
        arr = self._data
        if isinstance(arr, np.ndarray):
            arr = _cast(arr, npd, copy=True)
        else:
            arr = arr.astype(npd, copy=True)
    else:
        arr = _backend_array(_cast(self._cpu_array(), npd, copy=True), device)
    out = wrap(arr, device)
    if requires_grad(self) and (out._data.dtype.kind in "fc" or dtype is _dtype.bfloat16):
        record(ToCopyBackward0, (self,), (out,))
    return out


def zero_(self):
    """Fill with zeros, in place."""
    return fill_(self, 0)


class FillBackward(Node):
    def backward(self, grad):  # self's old values are gone: zeros, as PyTorch returns
        zero = grad.new_zeros(grad.shape) if self.needs_input_grad[0] else None
        return (zero,) if len(self.next_functions) == 1 else (zero, grad.sum())


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
        src_device = self._meta[1][2]
        zero = grad.new_zeros(grad.shape) if self.needs_input_grad[0] else None
        return (zero, grad.to(device=src_device))


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


# -- fill, zero_, detach as functions; tril/triu indices; window functions ---------------------
class FillBackward0(Node):
    def backward(self, grad):
        return grad.new_zeros(grad.shape)


class FillBackward1(Node):
    def backward(self, grad):
        nf = self.next_functions
        return (grad.new_zeros(grad.shape) if nf[0][0] is not None else None,
                grad.sum() if nf[1][0] is not None else None)


def fill(input, value):
    """A tensor like ``input`` (same shape, dtype and layout) filled with ``value`` (a number
    or a 0-dim tensor)."""
    from ._core import requires_grad as _rg
    if isinstance(value, Tensor):
        if value.dim() != 0:
            raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor "
                               f"with {value.dim()} dimensions.")
        arr = _empty_like(input._data, input._data.dtype)
        arr[...] = _cast(value._data, input._data.dtype)
        out = wrap(arr, input._device)
        if _rg(input, value):
            record(FillBackward1, (input, value), (out,))
        return out
    arr = _empty_like(input._data, input._data.dtype)
    arr[...] = _fill_array((), value, _dtype.from_np[input._data.dtype])
    out = wrap(arr, input._device)
    if _rg(input):
        record(FillBackward0, (input,), (out,))
    return out


def detach(input):
    """``input.detach()``."""
    return input.detach()


def detach_(input):
    """``input.detach_()``."""
    return input.detach_()


def _tri_indices(name, row, col, offset, dtype, device, upper):
    dtype = _dtype.int64 if dtype is None else _dtype_arg(dtype, name)
    if dtype.is_floating_point or dtype.is_complex or dtype is _dtype.bool:
        raise NotImplementedError(f"\"{name}\" not implemented for '{dtype._legacy}'")
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    fn = np.triu_indices if upper else np.tril_indices
    r, c = fn(row, offset, col) if row and col else (np.zeros(0, np.int64),) * 2
    arr = np.stack([r, c]).astype(dtype.np)
    dev = device_arg(device, name)
    return wrap(_backend_array(arr, dev), dev)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The 2 x N (row, column) indices of the lower triangle of a row x col matrix, below
    diagonal ``offset``, in row-major order."""
    return _tri_indices("tril_indices", row, col, offset, dtype, device, False)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    """The 2 x N indices of the upper triangle from diagonal ``offset`` (see tril_indices)."""
    return _tri_indices("triu_indices", row, col, offset, dtype, device, True)


def _window(name, n, periodic, dtype, device, requires_grad, formula):
    """A window function of ``n`` points computed as ATen computes it: on
    ``arange(n + periodic)`` in ``dtype``, dropping the last point when ``periodic``."""
    d = _factory_dtype(dtype, name)
    if not (d.is_floating_point or d.is_complex):
        raise RuntimeError(
            f"{name} expects floating point dtypes, got: TensorOptions(dtype={_cpp_name(d)}, "
            "device=cpu, layout=Strided (default), requires_grad=false (default), "
            "pinned_memory=false, memory_format=(nullopt))")
    if n < 0:
        raise RuntimeError(f"{name} requires non-negative window_length, got window_length={n}")
    if d.is_complex:
        raise NotImplementedError(f"\"arange_cpu\" not implemented for '{d._legacy}'")
    npd = d.np
    if n <= 1:
        arr = np.ones(n, npd)
    else:
        m = n + 1 if periodic else n
        work = np.float32 if npd in (_F16, _BF16) else npd
        arr = formula(np.arange(m, dtype=work), m).astype(npd)[:n]
    return _finish(arr, device_arg(device, name), requires_grad)


def _cpp_name(d):
    from .pointwise import _CPP_NAMES
    return {"int64": "long int"}.get(d.np.name, _CPP_NAMES.get(str(d).split(".")[-1], d._legacy))


def hamming_window(window_length, periodic=True, alpha=0.54, beta=0.46, *, dtype=None,
                   layout=None, device=None, requires_grad=False, pin_memory=False):
    """``alpha - beta * cos(2 pi k / (N - 1))``; periodic windows use one more point and
    drop it (for spectral analysis)."""
    def f(k, m):
        return np.cos(k * (math.pi * 2.0 / (m - 1))) * -beta + alpha
    return _window("hamming_window", window_length, periodic, dtype, device, requires_grad, f)


def hann_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                requires_grad=False, pin_memory=False):
    """The Hann window, ``0.5 - 0.5 cos(2 pi k / (N - 1))`` (see hamming_window)."""
    def f(k, m):
        return np.cos(k * (math.pi * 2.0 / (m - 1))) * -0.5 + 0.5
    return _window("hann_window", window_length, periodic, dtype, device, requires_grad, f)


def blackman_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False, pin_memory=False):
    """The Blackman window, ``0.42 - 0.5 cos(2 pi k / (N-1)) + 0.08 cos(4 pi k / (N-1))``."""
    def f(k, m):
        w = k * (math.pi / (m - 1))
        return np.cos(w * 4) * 0.08 - np.cos(w * 2) * 0.5 + 0.42
    return _window("blackman_window", window_length, periodic, dtype, device, requires_grad, f)


def bartlett_window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
                    requires_grad=False, pin_memory=False):
    """The triangular Bartlett window, ``1 - |2k / (N - 1) - 1|``."""
    def f(k, m):
        w = k * (2.0 / (m - 1))
        half = ((m - 1) >> 1) + 1
        w[half:] = w[half:] * -1 + 2
        return w
    return _window("bartlett_window", window_length, periodic, dtype, device, requires_grad, f)


def kaiser_window(window_length, periodic=True, beta=12.0, *, dtype=None, layout=None,
                  device=None, requires_grad=False, pin_memory=False):
    """The Kaiser window, ``I0(beta sqrt(1 - ((k - a) / a)^2)) / I0(beta)``, a = (N - 1) / 2."""
    from .._backend import gamma

    def f(k, m):
        alpha = (m - 1) / 2.0
        x = beta * np.sqrt(np.abs(1 - ((k.astype(np.float64) - alpha) / alpha) ** 2))
        return gamma.i0(x) / gamma.i0(np.float64(beta))
    return _window("kaiser_window", window_length, periodic, dtype, device, requires_grad, f)


__all__ += ["fill", "fill_", "zero_", "detach", "detach_", "tril_indices", "triu_indices",
            "hamming_window", "hann_window", "blackman_window", "bartlett_window",
            "kaiser_window"]


def new_empty_strided(self, size, stride, *, dtype=None, device=None, requires_grad=False,
                      layout=None, pin_memory=False):
    """``empty_strided`` with ``self``'s dtype and device unless given."""
    return empty_strided(size, stride, dtype=self.dtype if dtype is None else dtype,
                         device=self.device if device is None else device,
                         requires_grad=requires_grad)


METHODS += ["new_empty_strided", "is_nonzero"]


_readonly_warned = [False]  # PyTorch warns once per process


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-D tensor sharing the memory of an object with the buffer protocol (bytes,
    bytearray, array.array, mmap ...): ``count`` elements of ``dtype`` from byte ``offset``."""
    mem = memoryview(buffer).cast("B")
    d = _dtype_arg(dtype, "frombuffer")
    item = d.np.itemsize
    length = mem.nbytes
    if length == 0 or count == 0:
        raise ValueError(f"both buffer length ({length}) and count ({count}) must not be 0")
    if not 0 <= offset < length:
        raise ValueError(f"offset ({offset} bytes) must be non-negative and no greater than "
                         f"buffer length ({length} bytes) minus 1")
    if count < 0:
        if (length - offset) % item:
            raise ValueError(f"buffer length ({length - offset} bytes) after offset ({offset} "
                             f"bytes) must be a multiple of element size ({item})")
        count = (length - offset) // item
    elif offset + count * item > length:
        raise ValueError(f"requested buffer length ({count} * {item} bytes) after offset "
                         f"({offset} bytes) must not be greater than actual buffer length "
                         f"({length} bytes)")
    if mem.readonly and not _readonly_warned[0]:
        _readonly_warned[0] = True
        warnings.warn("The given buffer is not writable, and PyTorch does not support "
                      "non-writable tensors. This means you can write to the underlying "
                      "(supposedly non-writable) buffer using the tensor. You may want to copy "
                      "the buffer to protect its data or make it writable before converting it "
                      "to a tensor. This type of warning will be suppressed for the rest of "
                      "this program.", UserWarning, stacklevel=2)
    arr = np.frombuffer(mem, dtype=d.np, count=count, offset=offset)  # read-only if mem is
    return _finish(arr, CPU, requires_grad)


__all__ += ["frombuffer"]


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """An uninitialised tensor of shape ``size`` whose dims lie in memory in the order
    ``physical_layout`` (outermost first): ``empty_permuted((2, 3, 4), (0, 2, 1))`` has
    strides (12, 1, 3)."""
    shape = _seq_size("empty_permuted", size)
    perm = [operator.index(p) for p in physical_layout]
    if len(shape) != len(perm):
        raise RuntimeError(f"Number of dimensions in size does not match the length of the "
                           f"physical_layout; i.e. len(size) = {len(shape)} is not equal to "
                           f"len(physical_layout) = {len(perm)}")
    seen = set()
    for i, p in enumerate(perm):
        if not 0 <= p < len(shape):
            raise RuntimeError(f"Dimension out of range (expected to be between 0 and "
                               f"{len(shape) - 1}, but got {p} at index {i}).  NB: negative dims "
                               "not currently supported; file an issue if you want it.")
        if p in seen:
            raise RuntimeError("Duplicate dim not allowed")
        seen.add(p)
    d = _factory_dtype(dtype, "empty_permuted")
    arr = np.empty([shape[p] for p in perm], d.np).transpose(np.argsort(perm))
    return _finish(arr, device_arg(device, "empty_permuted"), requires_grad)


def from_file(filename, shared=None, size=0, *, dtype=None, layout=None, device=None,
              pin_memory=False, requires_grad=False):
    """A 1-D tensor of ``size`` elements of ``dtype`` memory-mapped from a file. With
    ``shared`` the mapping is shared: writes to the tensor reach the file (which is created,
    or extended with zeros, to hold the tensor); otherwise it is private (copy on write) and
    the file must hold the tensor already."""
    import os
    d = _factory_dtype(dtype, "from_file")
    name = os.fspath(filename)
    nbytes = int(size) * d.np.itemsize
    try:
        if shared:
            fd = os.open(name, os.O_RDWR | os.O_CREAT, 0o600)
        else:
            fd = os.open(name, os.O_RDONLY)
    except OSError as e:
        mode = "read-write" if shared else "read-only"
        raise RuntimeError(f"unable to open file <{name}> in {mode} mode: {e.strerror} "
                           f"({e.errno})") from None
    try:
        length = os.fstat(fd).st_size
        if nbytes > length:
            if not shared:
                raise RuntimeError(f"file <{name}> size <{length}> is smaller than the required "
                                   f"mapping size <{nbytes}>")
            os.ftruncate(fd, nbytes)
    finally:
        os.close(fd)
    if nbytes == 0:
        arr = np.empty(0, d.np)
    else:
        arr = np.memmap(name, d.np, "r+" if shared else "c", shape=(int(size),)).view(np.ndarray)
    return _finish(arr, device_arg(device, "from_file"), requires_grad)


__all__ += ["empty_permuted", "from_file"]

"""dtype objects and PyTorch's type-promotion rules.

Each torcia dtype wraps one NumPy dtype (bfloat16 comes from ml_dtypes). Promotion follows
PyTorch, not NumPy: see Note [Type promotion].
"""

import builtins

import ml_dtypes
import numpy as np

__all__ = [
    "dtype", "finfo", "iinfo", "promote_types", "result_type", "can_cast",
    "get_default_dtype", "set_default_dtype",
    "float16", "half", "bfloat16", "float32", "float", "float64", "double",
    "complex64", "cfloat", "complex128", "cdouble",
    "uint8", "int8", "int16", "short", "int32", "int", "int64", "long", "bool",
    "uint16", "uint32", "uint64",
]

_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A tensor element type, printed as PyTorch prints it (``torch.float32``)."""

    __slots__ = ("name", "np", "itemsize", "is_floating_point", "is_complex", "is_signed",
                 "_category", "_rank", "_legacy")

    def __init__(self, name, np_dtype, category, rank, legacy):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.itemsize = self.np.itemsize
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = name not in ("uint8", "bool", "uint16", "uint32", "uint64")
        self._category = category
        self._rank = rank
        self._legacy = legacy  # 'Float' as in 'torch.FloatTensor'

    def __repr__(self):
        return "torch." + self.name

    def __reduce__(self):
        return (_by_name, (self.name,))

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        """The complex dtype of this one's precision (float16 gives complex64: torcia has no
        complex32); RuntimeError for integer and bool dtypes, as PyTorch."""
        if self._category == _COMPLEX:
            return self
        if self._category != _FLOAT:
            raise RuntimeError(f"Unknown Complex ScalarType for {self._legacy}")
        return complex128 if self is float64 else complex64


bool = dtype("bool", np.bool_, _BOOL, 0, "Bool")
uint8 = dtype("uint8", np.uint8, _INT, 1, "Byte")
int8 = dtype("int8", np.int8, _INT, 1, "Char")
int16 = short = dtype("int16", np.int16, _INT, 2, "Short")
int32 = int = dtype("int32", np.int32, _INT, 3, "Int")
int64 = long = dtype("int64", np.int64, _INT, 4, "Long")
float16 = half = dtype("float16", np.float16, _FLOAT, 1, "Half")
bfloat16 = dtype("bfloat16", ml_dtypes.bfloat16, _FLOAT, 1, "BFloat16")
float32 = float = dtype("float32", np.float32, _FLOAT, 2, "Float")
float64 = double = dtype("float64", np.float64, _FLOAT, 3, "Double")
complex64 = cfloat = dtype("complex64", np.complex64, _COMPLEX, 2, "ComplexFloat")
complex128 = cdouble = dtype("complex128", np.complex128, _COMPLEX, 3, "ComplexDouble")
# Storage-only unsigned types, as in PyTorch: creation, copies and casts, but no promotion
uint16 = dtype("uint16", np.uint16, _INT, 1, "UInt16")
uint32 = dtype("uint32", np.uint32, _INT, 1, "UInt32")
uint64 = dtype("uint64", np.uint64, _INT, 1, "UInt64")
_LIMITED = (uint16, uint32, uint64)

ALL = (bool, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64,
       complex64, complex128, uint16, uint32, uint64)
_NAMES = {d.name: d for d in ALL}
from_np = {d.np: d for d in ALL}  # NumPy dtype -> torcia dtype


def _by_name(name):
    return _NAMES[name]


def to_dtype(x):
    """A torcia dtype from a torcia dtype, NumPy dtype, Python type or torch dtype."""
    if type(x) is dtype:
        return x
    if x is builtins.float:  # Python's float is a double, whatever the default dtype
        return float64
    if x is builtins.int:
        return int64
    if x is builtins.bool:
        return bool
    if x is builtins.complex:
        return complex128
    name = getattr(x, "name", None) if not isinstance(x, str) else x
    if isinstance(name, str) and name.replace("torch.", "") in _NAMES:
        return _NAMES[name.replace("torch.", "")]
    try:
        return from_np[np.dtype(x)]
    except (TypeError, KeyError):
        raise TypeError(f"cannot interpret {x!r} as a data type") from None


# Note [Type promotion]
# PyTorch promotes by category (bool < integer < floating < complex) before width, and ranks
# operands in three priority groups: tensors with dimensions, 0-dim tensors, Python scalars.
# A lower group only changes the result when it brings a higher category, and a Python float
# or complex then contributes the default dtype, not float64 (torch.result_type docs).

def promote_types(type1, type2):
    """The smallest dtype to which both ``type1`` and ``type2`` can be cast (PyTorch's table)."""
    a, b = to_dtype(type1), to_dtype(type2)
    if a is b:
        return a
    if a in _LIMITED or b in _LIMITED:
        other = b if a in _LIMITED else a
        if other._category == _FLOAT:
            return other
        raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, "
                           f"attempted to promote {a._legacy} and {b._legacy}")
    if a._category != b._category:
        hi, lo = (a, b) if a._category > b._category else (b, a)
        if hi._category == _COMPLEX and lo._category == _FLOAT and lo is float64:
            return complex128
        return hi
    if a._category == _INT:
        if uint8 in (a, b):  # uint8 with a signed type needs the next wider signed type
            other = b if a is uint8 else a
            return int16 if other is int8 else other
        return a if a._rank > b._rank else b
    if {a, b} == {float16, bfloat16}:
        return float32
    return a if a._rank > b._rank else b


def _combine_categories(higher, lower):
    """Merge a higher-priority group's dtype with a lower one's (PyTorch's rule)."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_complex:
        return higher
    if lower.is_complex:
        return higher.to_complex() if higher.is_floating_point else lower
    if higher.is_floating_point:
        return higher
    if higher is bool or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(value):
    """The dtype a Python scalar takes part in promotion with."""
    if isinstance(value, builtins.bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.float):
        return _default[0]
    if isinstance(value, builtins.complex):
        return _default[0].to_complex()
    if isinstance(value, np.generic):
        return from_np[value.dtype]
    raise TypeError(f"expected a Tensor or a Python number, got {type(value).__name__}")


def result_type(*operands):
    """The dtype of an arithmetic op on ``operands`` (tensors or Python numbers)."""
    dim = zero = wrapped = None
    for x in operands:
        d = getattr(x, "_data", None)
        if d is None:
            t = scalar_dtype(x)
            wrapped = t if wrapped is None else promote_types(wrapped, t)
            continue
        t = from_np[d.dtype]
        if d.ndim:
            dim = t if dim is None else promote_types(dim, t)
        else:
            zero = t if zero is None else promote_types(zero, t)
    return _combine_categories(dim, _combine_categories(zero, wrapped))


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` into ``to`` in an op with out=/in-place."""
    return to_dtype(from_)._category <= to_dtype(to)._category


_default = [float32]


def get_default_dtype():
    return _default[0]


def set_default_dtype(d):
    """Set the dtype of Python floats in factories and promotion (float16/32/64, bfloat16)."""
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    if d not in (float16, bfloat16, float32, float64):
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d


def _info_dtype(fn, type):
    """The dtype argument of finfo/iinfo: a torcia dtype or Python number type."""
    if type in (builtins.float, builtins.int, builtins.bool, builtins.complex):
        return to_dtype(type)
    if not isinstance(type, dtype):
        name = "NoneType" if type is None else builtins.type(type).__name__
        raise TypeError(f"{fn}(): argument 'type' (position 1) must be torch.dtype, not {name}")
    return type


class finfo:
    """Machine limits of a floating (or complex) dtype, as torch.finfo."""

    __hash__ = None

    def __init__(self, type=_default):
        d = _default[0] if type is _default else _info_dtype("finfo", type)
        if not (d.is_floating_point or d.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        d = d.to_real()
        self.dtype = d.name
        info = ml_dtypes.finfo(d.np) if d is bfloat16 else np.finfo(d.np)
        self.bits = builtins.int(info.bits)
        self.eps = builtins.float(info.eps)
        self.max = builtins.float(info.max)
        self.min = builtins.float(info.min)
        self.tiny = self.smallest_normal = builtins.float(info.smallest_normal)
        self.resolution = 10.0 ** -builtins.int(info.precision)  # 10**-digits10, as a double

    def __eq__(self, other):
        return isinstance(other, finfo) and vars(self) == vars(other)

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as torch.iinfo."""

    __hash__ = None

    def __init__(self, type):
        d = _info_dtype("iinfo", type)
        if d is bool:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d._category != _INT:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        self.dtype = d.name
        info = np.iinfo(d.np)
        self.bits, self.min, self.max = info.bits, builtins.int(info.min), builtins.int(info.max)

    def __eq__(self, other):
        return isinstance(other, iinfo) and vars(self) == vars(other)

    def __repr__(self):  # PyTorch prints the limits as doubles, six significant digits
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"

"""DLPack: zero-copy exchange of tensors with NumPy, PyTorch, JAX, CuPy...

``torcia.from_dlpack(x)`` views the memory of any object with ``__dlpack__`` (or of a DLPack
capsule) as a torcia tensor; ``Tensor.__dlpack__`` lets others do the same with torcia's
tensors (``np.from_dlpack(t)``, ``torch.from_dlpack(t)``). NumPy does the protocol's work.

Note [DLPack bfloat16]
NumPy's DLPack code knows no bfloat16 (ml_dtypes' type is opaque to it), so a bfloat16 tensor
is exported as its uint16 bits with the capsule's dtype code rewritten to kDLBfloat, and a
bfloat16 capsule is imported with the code rewritten to uint16, then viewed as bfloat16. The
rewrite edits the ``DLTensor`` inside the capsule, whose layout the DLPack standard fixes.
"""

import ctypes

import numpy as np

from .._device import CPU
from .._dtype import bfloat16
from .._tensor import wrap

__all__ = ["from_dlpack", "to_dlpack"]

_CPU, _CUDA = 1, 2  # DLDeviceType codes
_UINT, _BFLOAT = 1, 4  # DLDataTypeCode values


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int32),
                ("dtype", _DLDataType), ("shape", ctypes.c_void_p),
                ("strides", ctypes.c_void_p), ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p),
                ("deleter", ctypes.c_void_p)]


class _DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p),
                ("flags", ctypes.c_uint64), ("dl_tensor", _DLTensor)]


_get_name = ctypes.pythonapi.PyCapsule_GetName
_get_name.restype, _get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype, _get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object,
                                                                ctypes.c_char_p]


def _dl_tensor(capsule):
    """The ``DLTensor`` inside an unconsumed DLPack capsule (edits reach the capsule)."""
    name = _get_name(capsule)
    if name == b"dltensor_versioned":
        return _DLManagedTensorVersioned.from_address(_get_pointer(capsule, name)).dl_tensor
    if name == b"dltensor":
        return _DLManagedTensor.from_address(_get_pointer(capsule, name)).dl_tensor
    raise ValueError(f"expected a DLPack capsule, got a capsule named {name!r} (a DLPack "
                     "capsule can be consumed only once)")


def _is_capsule(obj):
    return type(obj).__name__ == "PyCapsule"


class _Capsule:
    """Hands an already made capsule to ``np.from_dlpack``."""

    def __init__(self, capsule):
        self.capsule = capsule

    def __dlpack__(self, **kwargs):
        return self.capsule

    def __dlpack_device__(self):
        dev = _dl_tensor(self.capsule).device
        return dev.device_type, dev.device_id


# -- export ------------------------------------------------------------------------------------
def dlpack_device(t):
    """``Tensor.__dlpack_device__``: (DLDeviceType, index)."""
    if t._device.type == "cuda":
        return _CUDA, t._device.index or 0
    return _CPU, 0


def dlpack(t, stream=None, max_version=None, dl_device=None, copy=None):
    """``Tensor.__dlpack__``: a DLPack capsule viewing ``t``'s memory (Note [DLPack
    bfloat16])."""
    if t.requires_grad:
        raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
    if t._device is not CPU:
        raise BufferError(f"torcia cannot export a tensor on {t._device} through DLPack")
    arr = t._data
    bf16 = arr.dtype == bfloat16.np
    if bf16:
        arr = arr.view(np.uint16)
    kwargs = {k: v for k, v in (("max_version", max_version), ("dl_device", dl_device),
                                ("copy", copy)) if v is not None}
    if stream not in (None, -1):
        raise BufferError("stream must be None for a CPU tensor")
    capsule = arr.__dlpack__(**kwargs)
    if bf16:
        _dl_tensor(capsule).dtype.code = _BFLOAT
    return capsule


def to_dlpack(tensor):
    """A DLPack capsule viewing ``tensor``'s memory (the legacy, unversioned kind)."""
    return dlpack(tensor)


# -- import ------------------------------------------------------------------------------------
def _capsule_of(ext, copy):
    """A capsule from an object with ``__dlpack__``, asking for the versioned kind first and
    falling back as producers require."""
    tries = [{"max_version": (1, 0), "copy": copy}, {"copy": copy}, {}]
    for kwargs in tries:
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            return ext.__dlpack__(**kwargs)
        except TypeError:
            if not kwargs:
                raise
    raise AssertionError("unreachable")


def from_dlpack(ext_tensor, *, device=None, copy=None):
    """A torcia tensor sharing memory with ``ext_tensor``: an object with ``__dlpack__``
    (a NumPy array, a PyTorch or JAX tensor...) or a DLPack capsule.

    Args:
        ext_tensor: the tensor to view, or a capsule from ``to_dlpack``.
        device: the device of the result (default: the producer's). Only "cpu".
        copy (bool): True always copies, False never does; None copies only when needed.

    Example::

        >>> t = torcia.from_dlpack(torch_tensor)  # same memory, no copy
    """
    if _is_capsule(ext_tensor):
        if device is not None or copy is not None:
            raise AssertionError("device and copy kwargs not supported when ext_tensor is "
                                 "already a DLPack capsule.")
        capsule = ext_tensor
    else:
        if not hasattr(ext_tensor, "__dlpack__"):
            raise TypeError(f"from_dlpack expects an object with __dlpack__ or a DLPack "
                            f"capsule, got {type(ext_tensor).__name__}")
        kind = ext_tensor.__dlpack_device__()[0]
        if kind != _CPU:
            raise BufferError(f"torcia can only import CPU memory through DLPack (the producer "
                              f"is on DLPack device type {int(kind)})")
        capsule = _capsule_of(ext_tensor, copy)
    dl = _dl_tensor(capsule)
    if dl.device.device_type != _CPU:
        raise BufferError("torcia can only import CPU memory through DLPack")
    bf16 = dl.dtype.code == _BFLOAT and dl.dtype.bits == 16
    if bf16:
        dl.dtype.code = _UINT
    arr = np.from_dlpack(_Capsule(capsule))
    if bf16:
        arr = arr.view(bfloat16.np)
    if copy:
        arr = arr.copy()
    out = wrap(arr)
    if device is not None and str(device) != "cpu":
        out = out.to(device)
    return out

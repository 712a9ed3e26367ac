"""torcia.save / torcia.load: checkpoints in PyTorch's formats, safe by default.

Note [Checkpoint format]
``torch.save`` writes a zip archive (entries stored, not compressed) whose folder is the
file's stem ("archive" for file objects):

    ckpt/data.pkl                the object, pickled with protocol 2; a tensor is a call of
                                 torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
                                 stride, requires_grad, OrderedDict()) whose storage is the
                                 persistent id ('storage', torch.FloatStorage, '0', 'cpu', numel)
    ckpt/.format_version         "1"
    ckpt/.storage_alignment      "64": each storage's bytes start at a multiple of 64
    ckpt/byteorder               "little"
    ckpt/data/0, data/1, ...     the storages' bytes
    ckpt/version                 "3\\n"
    ckpt/.data/serialization_id  a random 40-digit id

Tensors sharing memory share one storage record, each with its own offset and strides, so
views stay views of each other after loading. dtypes without a typed storage class (uint16,
uint32, uint64) use torch.storage.UntypedStorage (numel counted in bytes) and
_rebuild_tensor_v3(..., dtype). torcia's pickler spells torcia objects with these torch names,
so ``torch.load(weights_only=True)`` reads torcia's files; torcia's loaders map the names back
to torcia objects, so ``torcia.load`` reads PyTorch's files without PyTorch installed.

The legacy format (PyTorch < 1.6, or ``_use_new_zipfile_serialization=False``) is a sequence
of pickles: a magic number, the protocol version (1001), system info, the object (persistent
ids carry a sixth item, a view of a storage or None), the list of storage keys; then each
storage as a little-endian int64 element count followed by its bytes.
"""

import codecs
import contextlib
import functools
import io
import mmap as _mmap
import operator
import os
import pickle
import pickletools
import secrets
import struct
import sys
import zipfile
import zlib
from collections import Counter, OrderedDict
from pickle import UnpicklingError

import numpy as np

from . import _dtype
from . import _weights_only_unpickler as _wo
from ._device import CPU, device
from ._tensor import Size, Tensor, _address, wrap

__all__ = ["save", "load", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals", "get_unsafe_globals_in_checkpoint", "DEFAULT_PROTOCOL"]

add_safe_globals, clear_safe_globals = _wo.add_safe_globals, _wo.clear_safe_globals
get_safe_globals, safe_globals = _wo.get_safe_globals, _wo.safe_globals

DEFAULT_PROTOCOL = 2
MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
_FILE_VERSION = 3  # the 'version' record torch.save writes
_MAX_FILE_VERSION = 10  # the newest file format PyTorch 2.13 (and torcia) can read
_ALIGN = 64
_CHUNK = 64 << 20


# -- PyTorch's names ---------------------------------------------------------------------------
class _TorchGlobal:
    """A PyTorch global (``torch._utils._rebuild_tensor_v2``), as torcia's pickler writes it."""

    __slots__ = ("module", "name")

    def __init__(self, module, name):
        self.module, self.name = module, name

    def __call__(self, *args, **kwargs):  # pickle requires reduce functions to be callable
        raise TypeError(f"{self!r} only names a PyTorch global in a checkpoint")

    def __repr__(self):
        return f"{self.module}.{self.name}"


class _StorageType:
    """A storage class named in a checkpoint (``torch.FloatStorage``): its element dtype."""

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype

    def __repr__(self):
        return f"torch.{self.name}"


class _Unsupported:
    """A PyTorch name torcia knows but cannot build (quantized, sparse, float8, ...)."""

    def __init__(self, what):
        self.what = what

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"torcia cannot load {self.what} (the checkpoint holds some)")

    def error(self):
        return RuntimeError(f"torcia cannot load tensors of {self.what}: it has no such dtype")

    def __repr__(self):
        return f"<unsupported: {self.what}>"


_STORAGE_NAMES = {
    _dtype.float64: "DoubleStorage", _dtype.float32: "FloatStorage",
    _dtype.float16: "HalfStorage", _dtype.bfloat16: "BFloat16Storage",
    _dtype.int64: "LongStorage", _dtype.int32: "IntStorage", _dtype.int16: "ShortStorage",
    _dtype.int8: "CharStorage", _dtype.uint8: "ByteStorage", _dtype.bool: "BoolStorage",
    _dtype.complex128: "ComplexDoubleStorage", _dtype.complex64: "ComplexFloatStorage"}
_QUANTIZED_STORAGES = ("QInt8Storage", "QUInt8Storage", "QInt32Storage", "QUInt4x2Storage",
                       "QUInt2x4Storage")
_MISSING_DTYPES = ("complex32", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2",
                   "float8_e5m2fnuz", "float8_e8m0fnu", "float4_e2m1fn_x2", "bits16", "bits8",
                   "bits1x8", "bits2x4", "bits4x2", "qint8", "quint8", "qint32", "quint4x2",
                   "quint2x4", *(f"uint{i}" for i in range(1, 8)),
                   *(f"int{i}" for i in range(1, 8)))
_QSCHEMES = ("per_tensor_affine", "per_tensor_symmetric", "per_channel_affine",
             "per_channel_symmetric", "per_channel_affine_float_qparams")
_UNTYPED = _StorageType("storage.UntypedStorage", _dtype.uint8)

_G_V2 = _TorchGlobal("torch._utils", "_rebuild_tensor_v2")
_G_V3 = _TorchGlobal("torch._utils", "_rebuild_tensor_v3")
_G_PARAM = _TorchGlobal("torch._utils", "_rebuild_parameter")
_G_PARAM_STATE = _TorchGlobal("torch._utils", "_rebuild_parameter_with_state")
_G_FROM_TYPE = _TorchGlobal("torch._tensor", "_rebuild_from_type_v2")
_G_TENSOR = _TorchGlobal("torch", "Tensor")
_G_DEVICE = _TorchGlobal("torch", "device")
_G_SIZE = _TorchGlobal("torch", "Size")
_G_LAYOUT = _TorchGlobal("torch.serialization", "_get_layout")
_G_UNTYPED = _TorchGlobal("torch.storage", "UntypedStorage")
_G_STORAGE = {d: _TorchGlobal("torch", name) for d, name in _STORAGE_NAMES.items()}
_G_DTYPE = {d: _TorchGlobal("torch", d.name) for d in _dtype.ALL}


# -- rebuilding tensors (the torch._utils functions a checkpoint calls) ------------------------
def _check_dtype(d):
    if isinstance(d, _Unsupported):
        raise d.error()
    if not isinstance(d, _dtype.dtype):
        raise RuntimeError(f"expected a dtype in the checkpoint, got {d!r}")
    return d


def _overlaps(size, stride):
    """Whether some elements of this layout share memory (then the array is read-only)."""
    reach = 1  # elements spanned by the dims seen so far, in increasing stride order
    for st, n in sorted((st, n) for n, st in zip(size, stride) if n > 1):
        if st < reach:
            return True
        reach += st * (n - 1)
    return False


def _tensor_on(storage, dtype, offset, size, stride):
    """A tensor of ``dtype`` viewing ``storage`` (a 1-D tensor) as offset/size/stride say."""
    if not isinstance(storage, Tensor) or storage.ndim != 1:
        raise TypeError(f"expected a storage, got {type(storage).__name__}")
    offset = operator.index(offset)
    size = tuple(operator.index(s) for s in size)
    stride = tuple(operator.index(s) for s in stride)
    if len(size) != len(stride) or offset < 0 or min(size + stride, default=0) < 0:
        raise RuntimeError(f"invalid tensor geometry in checkpoint: size {list(size)}, stride "
                           f"{list(stride)}, storage offset {offset}")
    arr, npd = storage._data, dtype.np
    if arr.dtype != npd:  # an untyped storage, or one viewed with another dtype
        raw = arr.view(np.uint8)
        arr = raw[:raw.size - raw.size % npd.itemsize].view(npd)
    xp = np if storage._device is CPU else storage._device_backend().xp
    if 0 in size:
        return wrap(xp.empty(size, npd), storage._device)
    need = offset + sum((n - 1) * st for n, st in zip(size, stride)) + 1
    if need > arr.shape[0]:
        isz = npd.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage "
                           f"offset {offset}, and itemsize {isz} requiring a storage size of "
                           f"{need * isz} are out of bounds for storage of size "
                           f"{arr.shape[0] * isz}")
    strides = tuple(st * npd.itemsize for st in stride)
    if xp is np:
        data = np.lib.stride_tricks.as_strided(arr[offset:], size, strides,
                                               writeable=not _overlaps(size, stride))
    else:
        data = xp.lib.stride_tricks.as_strided(arr[offset:], size, strides)
    return wrap(data, storage._device)


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _tensor_on(storage, storage.dtype, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    if requires_grad:
        t.requires_grad = True
    return t


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    t = _tensor_on(storage, _check_dtype(dtype), storage_offset, size, stride)
    if requires_grad:
        t.requires_grad = True
    return t


def _rebuild_parameter(data, requires_grad, backward_hooks=None):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad)
    _set_obj_state(p, state)
    return p


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    t = data.to(dtype=_check_dtype(dtype)).to(device)
    t.requires_grad = requires_grad
    return t


def _rebuild_device_tensor_from_numpy(data, dtype, device, requires_grad):
    return _rebuild_device_tensor_from_cpu_tensor(wrap(np.asarray(data)), dtype, device,
                                                  requires_grad)


_REBUILDERS = (_rebuild_tensor, _rebuild_tensor_v2, _rebuild_tensor_v3, _rebuild_parameter,
               _rebuild_parameter_with_state, _rebuild_device_tensor_from_cpu_tensor,
               _rebuild_device_tensor_from_numpy)

# Fields of Tensor a checkpoint's state may not set (memory, autograd wiring)
_TENSOR_INTERNALS = frozenset(("_data", "_device", "_rg", "_grad_fn", "_vc", "_base",
                               "_output_nr", "_grad", "_acc", "_hooks", "_retains_grad",
                               "_view_fn", "_view_version", "_creation_meta"))


def _set_obj_state(obj, state):
    """Set the Python attributes a tensor subclass or parameter was saved with."""
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    for items in (state, slots):
        for k, v in (items or {}).items():
            if not isinstance(k, str) or k in _TENSOR_INTERNALS or k.startswith("__"):
                raise UnpicklingError(f"refusing to set tensor attribute {k!r} from a "
                                      "checkpoint")
            setattr(obj, k, v)


def _rebuild_from_type_v2(func, new_type, args, state):
    """A tensor of a Tensor subclass, or one carrying Python attributes."""
    if func not in _REBUILDERS:
        raise UnpicklingError(f"_rebuild_from_type_v2 expects a tensor rebuild function, got "
                              f"{func!r}")
    ret = func(*args)
    if type(ret) is not new_type:
        if not (isinstance(new_type, type) and issubclass(new_type, Tensor)):
            raise UnpicklingError(f"{new_type!r} is not a Tensor subclass")
        ret = ret._as_subclass(new_type)
    if state:
        if getattr(type(ret), "__setstate__", None) is not None and hasattr(ret, "__setstate__"):
            ret.__setstate__(state)
        else:
            _set_obj_state(ret, state)
    return ret


def _get_layout(name):
    from . import strided
    if name == "torch.strided":
        return strided
    raise RuntimeError(f"torcia has no layout {name} (only torch.strided)")


@functools.cache
def _torch_globals():
    """PyTorch's ``weights_only`` allow-list: torch's name -> the torcia object it means."""
    from . import _ops
    from .nn.parameter import Parameter
    g = {"collections.OrderedDict": OrderedDict, "collections.Counter": Counter,
         "torch.nn.parameter.Parameter": Parameter, "torch.serialization._get_layout": _get_layout,
         "torch.Size": Size, "torch.Tensor": Tensor, "torch.device": device,
         "_codecs.encode": codecs.encode, "builtins.bytearray": bytearray,
         "builtins.set": set, "builtins.complex": complex,
         "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2}
    for fn in _REBUILDERS:
        g["torch._utils." + fn.__name__] = fn
    for name, what in (("_rebuild_qtensor", "quantized tensors"),
                       ("_rebuild_sparse_tensor", "sparse tensors"),
                       ("_rebuild_nested_tensor", "nested tensors"),
                       ("_rebuild_meta_tensor_no_storage", "tensors on the meta device"),
                       ("_rebuild_wrapper_subclass", "tensor subclasses without storage")):
        g["torch._utils." + name] = _Unsupported(what)
    for d in _dtype.ALL:
        g["torch." + d.name] = d
    for name in _MISSING_DTYPES:
        g["torch." + name] = _Unsupported(f"dtype torch.{name}")
    for name in _QSCHEMES:
        g["torch." + name] = _Unsupported(f"quantized tensors (torch.{name})")
    for d, name in _STORAGE_NAMES.items():
        g["torch." + name] = g["torch.cuda." + name] = _StorageType(name, d)
    for name in _QUANTIZED_STORAGES:
        g["torch." + name] = _StorageType(name, None)
    g["torch.storage.UntypedStorage"] = _UNTYPED
    for d in _STORAGE_NAMES:
        cls = getattr(_ops.creation, d._legacy + "Tensor", None)
        if cls is not None:
            g["torch." + cls.__name__] = cls
    return g


# -- saving ------------------------------------------------------------------------------------
class _Record:
    """One storage to write: its bytes and its persistent id."""

    __slots__ = ("key", "data", "pid", "numel")

    def __init__(self, key, data, dtype, location, legacy):
        self.key, self.data = key, data  # data: a uint8 array over the storage's bytes
        typed = dtype in _G_STORAGE
        self.numel = data.size // dtype.itemsize if typed else data.size
        self.pid = ("storage", _G_STORAGE[dtype] if typed else _G_UNTYPED, key, location,
                    self.numel) + ((None,) if legacy else ())


class _Bytes:
    """The ``__array_interface__`` of ``n`` bytes at ``address``, kept alive by ``base``."""

    def __init__(self, address, n, base):
        self.__array_interface__ = {"data": (address, True), "shape": (n,), "typestr": "|u1",
                                    "version": 3}
        self.base = base


def _extent(arr):
    """(lowest, highest + 1) byte address of array ``arr``'s elements."""
    lo = hi = _address(arr)
    for n, st in zip(arr.shape, arr.strides):
        if n > 1:
            if st < 0:
                lo += (n - 1) * st
            else:
                hi += (n - 1) * st
    return lo, hi + arr.itemsize


def _owner(arr):
    """The array owning ``arr``'s memory: its ``.base`` chain followed to the end (through
    the helper object ``as_strided`` puts in it)."""
    lo, hi = _extent(arr)
    while True:
        b = arr.base
        if not isinstance(b, np.ndarray):
            b = getattr(b, "base", None)
            if not isinstance(b, np.ndarray):
                return arr
        if b.size == 0:
            return arr
        blo, bhi = _extent(b)
        if not (blo <= lo and hi <= bhi):
            return arr
        arr = b


def _location(dev):
    return "cpu" if dev.type == "cpu" else f"{dev.type}:{dev.index or 0}"


class _Pickler(pickle._Pickler):
    """Python's (pure-Python) pickler, writing torcia objects under PyTorch's names.

    The C pickler cannot write a global under another module's name (it checks that the
    name imports to the same object), so this uses the Python implementation, whose type
    dispatch table may be extended. Tensors become storage records (persistent ids); NumPy
    scalars become Python numbers, which every weights-only reader accepts.
    """

    dispatch = dict(pickle._Pickler.dispatch)

    def __init__(self, file, protocol, legacy=False):
        super().__init__(file, protocol)
        self.legacy = legacy
        self.records = []
        self._regions = {}  # (low address, high address, dtype) -> _Record

    def persistent_id(self, obj):
        return obj.pid if type(obj) is _Record else None

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, (np.number, np.bool_)):
            obj = obj.item()
        super().save(obj, save_persistent_id)

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            return self._reduce_tensor(obj)
        t = type(obj)
        if t is device:
            return _G_DEVICE, ((obj.type,) if obj.index is None else (obj.type, obj.index))
        if t is Size:
            return _G_SIZE, (tuple(obj),)
        if t.__name__ == "layout" and t.__module__ == "torcia":
            return _G_LAYOUT, ("torch." + obj.name,)
        return NotImplemented

    def _write_global(self, g, obj):
        if self.proto >= 4:
            self.save(g.module)
            self.save(g.name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + f"{g.module}\n{g.name}\n".encode())
        self.memoize(obj)

    dispatch[_TorchGlobal] = lambda self, g: self._write_global(g, g)
    dispatch[_dtype.dtype] = lambda self, d: self._write_global(_G_DTYPE[d], d)

    def _reduce_tensor(self, t):
        """PyTorch's reduction of a tensor: a rebuild call over a storage record, wrapped in
        _rebuild_from_type_v2 for a subclass or a tensor carrying Python attributes."""
        from .nn.parameter import Parameter
        state = {k: v for k, v in t.__dict__.items() if k not in _TENSOR_INTERNALS}
        if isinstance(t, Parameter):
            if state:
                return _G_PARAM_STATE, (t.detach(), t.requires_grad, OrderedDict(), state)
            return _G_PARAM, (t.detach(), t.requires_grad, OrderedDict())
        record, offset, stride = self._storage_of(t)
        args = (record, offset, tuple(t.shape), stride, t.requires_grad, OrderedDict())
        func = _G_V2 if t.dtype in _G_STORAGE else _G_V3
        if func is _G_V3:
            args += (t.dtype,)
        if type(t) is Tensor and not state:
            return func, args
        return _G_FROM_TYPE, (func, _G_TENSOR if type(t) is Tensor else type(t), args, state)

    def _record(self, data, dtype, location):
        rec = _Record(str(len(self.records)), data, dtype, location, self.legacy)
        self.records.append(rec)
        return rec

    def _storage_of(self, t):
        """(record, storage offset, strides) of tensor ``t``: tensors whose memory lies in
        one allocation share its record; anything else gets a compact copy."""
        arr = t._data
        if t._device is CPU and arr.size:
            isz = arr.itemsize
            owner = _owner(arr)
            lo, hi = _extent(owner)
            ptr = _address(arr)
            steps = [(n, st) for n, st in zip(arr.shape, arr.strides) if n > 1]
            if ((ptr - lo) % isz == 0 and (hi - lo) % isz == 0
                    and all(st >= 0 and st % isz == 0 for _, st in steps)):
                key = (lo, hi, arr.dtype)
                rec = self._regions.get(key)
                if rec is None:
                    raw = np.asarray(_Bytes(lo, hi - lo, owner))
                    rec = self._regions[key] = self._record(raw, t.dtype, "cpu")
                # (the stride of a dim of size 1 is never used: any non-negative one does)
                return rec, (ptr - lo) // isz, tuple(max(st, 0) // isz for st in arr.strides)
        copy = np.array(t._cpu_array(), order="C", copy=True)
        raw = copy.reshape(-1).view(np.uint8)
        return self._record(raw, t.dtype, _location(t._device)), 0, t.stride()


def _write_record(zf, name, data):
    """One stored zip entry whose bytes start at a multiple of 64 (torch's alignment: the
    local header's extra field is padded, as PyTorch pads it)."""
    view = memoryview(data).cast("B")
    n = view.nbytes
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.file_size = n
    zip64 = n * 1.05 > zipfile.ZIP64_LIMIT  # the rule zipfile applies to a declared size
    start = zf.fp.tell() + 30 + len(name.encode("utf-8")) + (20 if zip64 else 0) + 4
    pad = -start % _ALIGN
    info.extra = struct.pack("<HH", 0x4246, pad) + b"Z" * pad
    with zf.open(info, "w", force_zip64=zip64) as out:
        for i in range(0, n, _CHUNK):
            out.write(view[i:i + _CHUNK])


def _write_zip(obj, fh, archive, protocol, byteorder=True):
    buf = io.BytesIO()
    pickler = _Pickler(buf, protocol)
    pickler.dump(obj)
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        def record(name, data):
            _write_record(zf, f"{archive}/{name}", data)
        record("data.pkl", buf.getbuffer())
        record(".format_version", b"1")
        record(".storage_alignment", str(_ALIGN).encode())
        if byteorder:
            record("byteorder", sys.byteorder.encode())
        for rec in pickler.records:
            record(f"data/{rec.key}", rec.data)
        record("version", f"{_FILE_VERSION}\n".encode())
        record(".data/serialization_id", str(secrets.randbits(128)).zfill(40).encode())


def _write_legacy(obj, fh, protocol):
    sys_info = {"protocol_version": PROTOCOL_VERSION,
                "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    for header in (MAGIC_NUMBER, PROTOCOL_VERSION, sys_info):
        pickle.dump(header, fh, protocol=protocol)
    pickler = _Pickler(fh, protocol, legacy=True)
    pickler.dump(obj)
    pickle.dump([rec.key for rec in pickler.records], fh, protocol=protocol)
    for rec in pickler.records:
        fh.write(struct.pack("<q", rec.numel))
        fh.write(memoryview(rec.data).cast("B"))


def _archive_name(path):
    """The zip folder torch.save uses: the file name without its extension ("archive" for a
    name that is not ASCII, which PyTorch writes through a Python stream)."""
    name = os.fspath(path)
    if isinstance(name, bytes):
        name = os.fsdecode(name)
    if not name.isascii():
        return "archive"
    base = os.path.basename(name)
    stem = base[:base.rfind(".")] if "." in base else base
    return stem or "archive"


def _save_atomically(path, write):
    """Write a file through ``write(fh)`` so that it is either complete or untouched: a
    temporary file in the same folder, flushed and fsynced, then renamed over ``path``."""
    target = os.path.realpath(os.fspath(path))  # through symlinks, as open() writes
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {os.path.dirname(os.fspath(path)) or folder} "
                           "does not exist.")
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666)
    try:
        with open(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, os.stat(target).st_mode & 0o7777)  # keep an existing file's mode
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError, AttributeError):  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save an object (tensors, state dicts, nested containers, numbers, strings, ...) in
    PyTorch's checkpoint format, which ``torch.load`` reads (Note [Checkpoint format]).

    A path is written atomically: to a temporary file in the same folder, flushed, fsynced
    and renamed over the target, so an error or a crash mid-save leaves any earlier file
    intact. Tensors sharing memory are stored once and stay shared after loading.

    Args:
        obj: the object to save.
        f: a path (str or os.PathLike) or a writable binary file object.
        pickle_module: accepted for PyTorch's signature; torcia always pickles with its own
            pickler (Python's, writing PyTorch's names).
        pickle_protocol (int): pickle protocol. Default: 2, which PyTorch's weights-only
            loader expects.
        _use_new_zipfile_serialization (bool): False writes the legacy (non-zip) format.

    Example::

        >>> torcia.save(model.state_dict(), "model.pt")
        >>> model.load_state_dict(torcia.load("model.pt"))
    """
    if _use_new_zipfile_serialization:
        def write(fh, archive):
            _write_zip(obj, fh, archive, pickle_protocol, not _disable_byteorder_record)
    else:
        def write(fh, archive):
            _write_legacy(obj, fh, pickle_protocol)
    if isinstance(f, (str, bytes, os.PathLike)):
        _save_atomically(f, lambda fh: write(fh, _archive_name(f)))
    elif hasattr(f, "write"):
        write(f, "archive")
        if hasattr(f, "flush"):
            f.flush()
    else:
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'write'")


# -- loading -----------------------------------------------------------------------------------
def _ascii(x):
    return x.decode("ascii") if isinstance(x, bytes) else x


def _default_restore(storage, location):
    dev = device(location)
    if dev.type == "cpu":
        return storage
    if dev.type == "cuda":
        from . import cuda
        if not cuda.is_available():
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but "
                "torcia.cuda.is_available() is False. If you are running on a CPU-only "
                "machine, please use torcia.load with map_location=torcia.device('cpu') to "
                "map your storages to the CPU.")
        return storage.to(dev)
    raise RuntimeError(f"don't know how to restore data location of a storage (tagged with "
                       f"{location})")


def _restorer(map_location):
    """``restore(storage, location)`` for a map_location: None, a str or device, a dict
    (location -> location), or a callable ``(storage, location) -> storage or None``, where a
    storage is a 1-D CPU tensor over the storage's elements."""
    if map_location is None:
        return _default_restore
    if isinstance(map_location, dict):
        mapping = {str(k): v for k, v in map_location.items()}
        return lambda st, loc: _default_restore(st, str(_ascii(mapping.get(loc, loc))))
    if isinstance(map_location, (str, bytes)) or not callable(map_location):
        target = str(_ascii(map_location))
        return lambda st, loc: _default_restore(st, target)

    def restore(st, loc):
        out = map_location(st, loc)
        if out is None:
            return _default_restore(st, loc)
        if not isinstance(out, Tensor) or out.ndim != 1:
            raise TypeError(f"map_location must return a storage (a 1-D tensor) or None, got "
                            f"{type(out).__name__}")
        return out
    return restore


class _StorageLoader:
    """The persistent_load of both formats: storage ids -> 1-D tensors, loaded once each."""

    def __init__(self, get_bytes, restore, weights_only, swap=False):
        self.get_bytes, self.restore, self.weights_only = get_bytes, restore, weights_only
        self.swap = swap  # the bytes are in the other byte order
        self.loaded = {}  # key -> storage (a 1-D tensor)
        self.locations = {}  # key -> the location it was saved from
        self.views = {}

    def __call__(self, pid):
        if not isinstance(pid, tuple) or not pid:
            raise UnpicklingError(f"Only persistent_load of storage is allowed, but got {pid!r}")
        kind = _ascii(pid[0])
        if kind == "module" and not self.weights_only and len(pid) > 1:
            return pid[1]  # a legacy whole-module checkpoint names its classes this way
        if kind != "storage" or len(pid) not in (5, 6):
            raise UnpicklingError(f"Only persistent_load of storage is allowed, but got "
                                  f"{kind!r}")
        storage_type, key, location, numel = pid[1:5]
        if not isinstance(storage_type, _StorageType):
            raise UnpicklingError(f"expected a storage class in a persistent id, got "
                                  f"{storage_type!r}")
        if storage_type.dtype is None:
            raise RuntimeError(f"torcia cannot load quantized tensors ({storage_type!r})")
        key, location = str(_ascii(key)), str(_ascii(location))
        if key not in self.loaded:
            dtype = storage_type.dtype
            numel = operator.index(numel)
            if numel < 0:
                raise UnpicklingError(f"negative storage size {numel}")
            arr = self.get_bytes(key, numel * dtype.itemsize).view(dtype.np)
            if self.swap:
                _swap_bytes(arr, dtype)
            self.loaded[key] = self.restore(wrap(arr), location)
            self.locations[key] = location
        st = self.loaded[key]
        view = pid[5] if len(pid) == 6 else None
        if view is not None:  # (view key, offset, size) of a legacy storage view
            view_key, offset, size = view
            if view_key not in self.views:
                offset, size = operator.index(offset), operator.index(size)
                self.views[view_key] = st[offset:offset + size]
            st = self.views[view_key]
        return st


def _swap_bytes(arr, dtype):
    """Reverse each element's bytes in place (a big-endian checkpoint on this machine)."""
    size = dtype.itemsize // (2 if dtype.is_complex else 1)
    if size > 1:
        arr.view(f"u{size}").byteswap(inplace=True)


def _find_class_full(find, module, name):
    """The full unpickler's name lookup: PyTorch's names map to torcia objects."""
    g = _torch_globals().get(f"{module}.{name}")
    if g is not None:
        return g
    for src, dst in (("torchvision", "torcia.vision"), ("torch", "torcia")):
        if module == src or module.startswith(src + "."):
            ours = dst + module[len(src):]
            try:
                return find(ours, name)
            except (ImportError, AttributeError):
                raise UnpicklingError(f"torcia has no equivalent of {module}.{name} (looked "
                                      f"for {ours}.{name})") from None
    return find(module, name)


def _param_setstate(p, state):
    _set_obj_state(p, state if isinstance(state, (dict, tuple)) else {})


def _unpickle(fh, persistent_load, weights_only, pickle_module, load_args):
    if weights_only:
        from .nn.parameter import Parameter
        u = _wo.Unpickler(fh, _torch_globals(), persistent_load,
                          builders={Parameter: _param_setstate}, new_fns={Parameter: Parameter},
                          encoding=load_args.get("encoding", "utf-8"),
                          errors=load_args.get("errors", "strict"))
        return u.load()

    class FullUnpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            return _find_class_full(super().find_class, module, name)

        def persistent_load(self, pid):
            return persistent_load(pid)

    return FullUnpickler(fh, **load_args).load()


class _ZipReader:
    """The records of a checkpoint's zip archive, read with clear errors for damaged files."""

    def __init__(self, fh, use_mmap=False):
        with self._errors("the zip archive"):
            self.zf = zipfile.ZipFile(fh)
        self.fh = fh
        names = self.zf.namelist()
        if not names:
            raise RuntimeError("PytorchStreamReader failed reading zip archive: it is empty")
        self.prefix = names[0].split("/", 1)[0] + "/" if "/" in names[0] else ""
        self.mm = None
        if use_mmap:
            self.mm = _mmap.mmap(fh.fileno(), 0, access=_mmap.ACCESS_COPY)

    @staticmethod
    @contextlib.contextmanager
    def _errors(what):
        try:
            yield
        except (zipfile.BadZipFile, zlib.error, EOFError, struct.error, ValueError,
                NotImplementedError) as e:
            raise RuntimeError(
                f"PytorchStreamReader failed reading {what}: {e}. The checkpoint is corrupted "
                "or truncated: it was not saved completely, was damaged in transfer, or is "
                "not a PyTorch checkpoint.") from None

    def has(self, name):
        try:
            self.zf.getinfo(self.prefix + name)
            return True
        except KeyError:
            return False

    def read(self, name):
        with self._errors(f"record {self.prefix}{name}"):
            return self.zf.read(self.prefix + name)

    def storage(self, key, nbytes):
        """Record ``data/<key>`` as a uint8 array of ``nbytes``: memory-mapped, or read
        straight into place (stored entries) with its CRC checked."""
        name = f"{self.prefix}data/{key}"
        try:
            info = self.zf.getinfo(name)
        except KeyError:
            raise RuntimeError(f"The checkpoint has no record {name}: the file is corrupted or "
                               "incomplete") from None
        if info.file_size != nbytes:
            raise RuntimeError(f"Record {name} holds {info.file_size} bytes but its storage "
                               f"needs {nbytes}: the checkpoint is corrupted")
        if info.compress_type != zipfile.ZIP_STORED:  # not written by torch.save: unzip it
            with self._errors(f"record {name}"):
                return np.frombuffer(bytearray(self.zf.read(info)), np.uint8)
        with self._errors(f"record {name}"):
            start = self._data_offset(info)
            if self.mm is not None:
                if start + nbytes > len(self.mm):
                    raise EOFError("the storage's bytes run past the end of the file")
                return np.ndarray((nbytes,), np.uint8, buffer=self.mm, offset=start)
            out = np.empty(nbytes, np.uint8)
            self.fh.seek(start)
            view, pos = memoryview(out), 0
            while pos < nbytes:
                got = self.fh.readinto(view[pos:])
                if not got:
                    raise EOFError("the storage's bytes run past the end of the file")
                pos += got
            if zlib.crc32(view) != info.CRC:
                raise zipfile.BadZipFile(f"Bad CRC-32 for file {name!r}")
        return out

    def _data_offset(self, info):
        """Where an entry's bytes start: after its local header (whose extra field, the
        alignment padding, may differ from the central directory's)."""
        self.fh.seek(info.header_offset)
        head = self.fh.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local file header for {info.filename!r}")
        n, m = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + n + m


def _load_zip(reader, restore, weights_only, pickle_module, load_args):
    for name in (".data/version", "version"):
        if reader.has(name):
            text = reader.read(name).strip()
            try:
                version = int(text or b"0")
            except ValueError:
                raise RuntimeError(f"Invalid version record {text!r}: the checkpoint is "
                                   "corrupted") from None
            if version > _MAX_FILE_VERSION:
                raise RuntimeError(
                    f"Attempted to read a PyTorch file with version {version}, but the maximum "
                    f"supported version for reading is {_MAX_FILE_VERSION}. The file was "
                    "written by a newer PyTorch than torcia can read; save it again with "
                    "torch.save from a PyTorch release that writes an older format.")
            break
    if not reader.has("data.pkl"):
        if reader.has("constants.pkl") or reader.has("code/"):
            raise RuntimeError("This is a TorchScript archive (torch.jit.save); torcia.load "
                               "reads torch.save checkpoints")
        raise RuntimeError(f"The checkpoint has no record {reader.prefix}data.pkl: it is not a "
                           "torch.save checkpoint or it is corrupted")
    order = reader.read("byteorder").decode() if reader.has("byteorder") else "little"
    if order not in ("little", "big"):
        raise ValueError("Unknown endianness type: " + order)

    loader = _StorageLoader(reader.storage, restore, weights_only, swap=order != sys.byteorder)
    return _unpickle(io.BytesIO(reader.read("data.pkl")), loader, weights_only, pickle_module,
                     load_args)


def _load_legacy(fh, restore, weights_only, pickle_module, load_args):
    """The pre-zip format (Note [Checkpoint format]). The object's pickle comes before the
    storages' bytes, so it is unpickled once over buffers that are filled afterwards, and
    again over the restored storages when map_location moved or replaced any."""
    def header():
        return _unpickle(fh, None, True, pickle, {})

    try:
        magic = header()
    except (UnpicklingError, EOFError, ValueError) as e:
        raise RuntimeError(f"Invalid checkpoint: neither a zip archive nor PyTorch's legacy "
                           f"format ({e})") from None
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = header()
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    header()  # system info: legacy storages are little-endian whatever machine wrote them
    buffers = {}

    def get_bytes(key, nbytes):
        buffers[key] = np.empty(nbytes, np.uint8)
        return buffers[key]

    start = fh.tell()
    loader = _StorageLoader(get_bytes, lambda st, loc: st, weights_only)
    result = _unpickle(fh, loader, weights_only, pickle_module, load_args)
    end = fh.tell()
    keys = header()
    if not isinstance(keys, list):
        raise RuntimeError("Invalid checkpoint: expected the list of storage keys")
    for key in keys:
        key = str(_ascii(key))
        if key not in loader.loaded:
            raise RuntimeError(f"Invalid checkpoint: storage {key} is not used by the object")
        st = loader.loaded[key]
        count = fh.read(8)
        if len(count) != 8:
            raise RuntimeError("The checkpoint is truncated: storage data is missing")
        (count,) = struct.unpack("<q", count)
        if count != st.numel():
            raise RuntimeError(f"storage has wrong size: expected {st.numel()} got {count}")
        view, pos = memoryview(buffers[key]), 0
        while pos < view.nbytes:
            got = fh.readinto(view[pos:])
            if not got:
                raise RuntimeError("The checkpoint is truncated: storage data is missing")
            pos += got
        if sys.byteorder == "big":
            _swap_bytes(st._data, st.dtype)
    restored = {k: restore(st, loader.locations[k]) for k, st in loader.loaded.items()}
    if all(restored[k] is loader.loaded[k] for k in restored):
        return result
    fh.seek(start)
    again = _StorageLoader(None, None, weights_only)
    again.loaded = restored
    return _unpickle(io.BytesIO(fh.read(end - start)), again, weights_only, pickle_module,
                     load_args)


def _is_zip(fh):
    pos = fh.tell()
    head = fh.read(4)
    fh.seek(pos)
    return head == b"PK\x03\x04"


def _is_tar(fh):
    pos = fh.tell()
    head = fh.read(512)
    fh.seek(pos)
    return len(head) == 512 and head[257:262] == b"ustar"


def _wo_message(message):
    unsafe = "Unsupported global" in message
    head = ("Weights only load failed. This file can still be loaded, to do so you have two "
            "options, do those steps only if you trust the source of the checkpoint.\n\t(1) "
            if unsafe else "Weights only load failed. ")
    advice = ("Re-running `torcia.load` with `weights_only` set to `False` will likely "
              "succeed, but it can result in arbitrary code execution. Do it only if you got "
              "the file from a trusted source.")
    if unsafe:
        return (head + advice + "\n\t(2) Alternatively, to load with `weights_only=True` "
                "please check the recommended steps in the following error message.\n\t"
                "WeightsUnpickler error: " + message)
    return f"{head}{advice}\n\nWeightsUnpickler error: {message}"


@contextlib.contextmanager
def _opened(f):
    if isinstance(f, (str, bytes, os.PathLike)):
        with open(f, "rb") as fh:
            yield fh
        return
    if not hasattr(f, "read"):
        raise AttributeError(f"'{type(f).__name__}' object has no attribute 'read'")
    seekable = getattr(f, "seekable", None)
    yield f if seekable is not None and seekable() else io.BytesIO(f.read())


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with ``torcia.save`` or PyTorch's ``torch.save`` (zip or legacy
    format); PyTorch need not be installed.

    By default only an allow-list of globals is unpickled (PyTorch's ``weights_only``
    rule): tensors, parameters, dtypes, devices, sizes, ``OrderedDict`` and plain Python
    containers and numbers, plus what :func:`add_safe_globals` adds. Anything else raises
    :class:`pickle.UnpicklingError` naming the refused global, and runs nothing.

    Args:
        f: a path (str or os.PathLike) or a readable binary file object.
        map_location: where storages go: None (where they were saved), a device or string
            (``"cpu"``), a dict from saved to new locations, or a callable
            ``(storage, location) -> storage or None``; a storage is passed as a 1-D CPU
            tensor over its elements.
        pickle_module: the module whose Unpickler reads the file when ``weights_only`` is
            False (default: pickle).
        weights_only (bool): unpickle only allowed globals. Default True (False when a
            pickle_module is given, as in PyTorch). False runs arbitrary code from the file:
            only for files you trust. PyTorch's class names then map to torcia's
            (``torch.nn.Linear`` to ``torcia.nn.Linear``).
        mmap (bool): memory-map the storages from the file (copy-on-write: changes to the
            tensors never reach the file) instead of reading them; needs a path to a zip
            checkpoint.
        **pickle_load_args: ``encoding`` / ``errors`` for Python 2 strings.

    Example::

        >>> sd = torcia.load("model.pt", map_location="cpu")
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is "
                           "specified")
    pickle_module = pickle_module or pickle
    pickle_load_args.setdefault("encoding", "utf-8")
    restore = _restorer(map_location)
    with _opened(f) as fh:
        try:
            if _is_zip(fh):
                if mmap and not isinstance(f, (str, bytes, os.PathLike)):
                    raise ValueError("f must be a file path in order to use the mmap argument")
                reader = _ZipReader(fh, bool(mmap))
                return _load_zip(reader, restore, weights_only, pickle_module,
                                 pickle_load_args)
            if mmap:
                raise RuntimeError(
                    "mmap can only be used with files saved with "
                    "`torch.save(_use_new_zipfile_serialization=True)`, please torch.save your "
                    "checkpoint with this option in order to use mmap.")
            if _is_tar(fh):
                raise RuntimeError("This checkpoint uses the tar format of PyTorch < 0.4, which "
                                   "torcia cannot read: load and save it again with PyTorch")
            return _load_legacy(fh, restore, weights_only, pickle_module, pickle_load_args)
        except UnpicklingError as e:
            if weights_only:
                raise UnpicklingError(_wo_message(str(e))) from None
            raise


def get_unsafe_globals_in_checkpoint(f):
    """The ``module.name`` globals in a zip checkpoint that weights-only loading would refuse
    (the file is only scanned, nothing is built)."""
    with _opened(f) as fh:
        data = _ZipReader(fh).read("data.pkl")
    allowed = _torch_globals()
    user = _wo._user_allowed()
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            found.add(".".join(_wo._compat_name(*arg.split(" ", 1))))
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add(f"{strings[-2]}.{strings[-1]}")
        elif isinstance(arg, str):
            strings.append(arg)
    return sorted(g for g in found if g not in allowed and g not in user)

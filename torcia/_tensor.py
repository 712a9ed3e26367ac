"""class Tensor: an array of the device's array library plus autograd fields.

Memory, dtype and shape live in ``_data`` (a NumPy array on the CPU, a CuPy array on a GPU).
Views share ``_data``'s memory and the version counter ``_vc`` of their ``_base``; every
in-place op bumps the counter, so saved tensors changed behind autograd's back are caught.
Ops themselves live in ``torcia/_ops``; ``torcia/_ops/__init__.py`` installs them as methods.
"""

import weakref

import numpy as np

from . import _dtype
from ._device import CPU, device as _device_cls, to_device
from .autograd import grad_mode

__all__ = ["Tensor", "Size", "wrap"]


class Size(tuple):
    """A tensor's shape: a tuple printed as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, key):
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other):
        return Size(tuple(self) + tuple(other))

    def __reduce__(self):
        return (Size, (tuple(self),))


_new = object.__new__


def wrap(arr, device=CPU):
    """A new Tensor (not requiring grad) around array ``arr``, without copying."""
    if not isinstance(arr, np.ndarray) and device is CPU:
        arr = np.asarray(arr)
    t = _new(Tensor)
    t._data = arr
    t._device = device
    t._rg = False
    t._grad_fn = None
    t._vc = [0]
    t._base = None
    return t


class Tensor:
    """A multi-dimensional array with autograd, as ``torch.Tensor``."""

    __slots__ = ("_data", "_device", "_rg", "_grad_fn", "_vc", "_base", "__dict__",
                 "__weakref__")
    __array_priority__ = 1000  # NumPy defers `ndarray op tensor` to the tensor
    # Rarely set fields live in the instance __dict__; these class values are their defaults.
    _output_nr = 0  # which output of its grad_fn this tensor is
    _grad = None
    _acc = None  # weakref to the leaf's AccumulateGrad node
    _hooks = None  # a leaf's gradient hooks
    _retains_grad = False
    _view_fn = None  # for a view: redoes the view on a tensor shaped like _base
    _view_version = 0  # version counter value when a view's grad_fn was last valid

    def __new__(cls, *args, device=None, dtype=None):
        """Legacy constructor: ``Tensor(2, 3)`` (uninitialised) or ``Tensor([1, 2])``."""
        from ._ops.creation import empty, tensor
        if dtype is not None and dtype is not _dtype.get_default_dtype():
            raise TypeError("Tensor(): dtype= is not supported; use torch.tensor(data, dtype=)")
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            t = data.detach() if isinstance(data, Tensor) else tensor(data, dtype=_dtype.float32
                                                                        if _is_int_data(data)
                                                                        else None)
            if isinstance(data, Tensor) and data.dtype is not _dtype.get_default_dtype():
                raise TypeError(f"expected {_dtype.get_default_dtype()} (got {data.dtype})")
        else:
            t = empty(*args, device=device)
        if cls is Tensor:
            return t
        return t._as_subclass(cls)

    def _as_subclass(self, cls):
        out = _new(cls)
        for slot in ("_data", "_device", "_rg", "_grad_fn", "_vc", "_base"):
            setattr(out, slot, getattr(self, slot))
        out.__dict__.update(self.__dict__)
        return out

    # -- basic attributes ------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        from ._ops._core import normalize_dim
        return self._data.shape[normalize_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dtype.from_np[self._data.dtype]

    @property
    def device(self):
        return self._device

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    @property
    def is_meta(self):
        return False

    @property
    def is_sparse(self):
        return False

    @property
    def is_quantized(self):
        return False

    @property
    def layout(self):
        from . import strided
        return strided

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    ndimension = dim

    def numel(self):
        return self._data.size

    nelement = numel

    def element_size(self):
        return self._data.itemsize

    @property
    def itemsize(self):
        return self._data.itemsize

    @property
    def nbytes(self):
        return self._data.nbytes

    def is_floating_point(self):
        return self._data.dtype.kind == "f" or self._data.dtype == _dtype.bfloat16.np

    def is_complex(self):
        return self._data.dtype.kind == "c"

    def is_signed(self):
        return self.dtype.is_signed

    def get_device(self):
        return -1 if self._device.type == "cpu" else (self._device.index or 0)

    def _device_backend(self):
        from . import _backend
        return _backend.get(self._device)

    def stride(self, dim=None):
        """Strides in elements, as PyTorch counts them."""
        item = self._data.itemsize
        strides = tuple(s // item for s in self._data.strides)
        if dim is None:
            return strides
        from ._ops._core import normalize_dim
        return strides[normalize_dim(dim, self._data.ndim)]

    def storage_offset(self):
        if self._base is None:
            return 0
        root = self._base._data
        return (_address(self._data) - _address(root)) // self._data.itemsize

    def data_ptr(self):
        return _address(self._data)

    def is_contiguous(self, memory_format=None):
        return self._data.flags.c_contiguous

    def contiguous(self, memory_format=None):
        if self._data.flags.c_contiguous:
            return self
        return self.clone()

    @property
    def _version(self):
        return self._vc[0]

    # -- autograd fields -------------------------------------------------------------------
    @property
    def requires_grad(self):
        if self._base is not None:
            self._view_requires_grad()
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value):
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad and not (self.is_floating_point() or self.is_complex()):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
        self._rg = bool(requires_grad)
        return self

    @property
    def grad_fn(self):
        if self._base is not None:
            self._view_requires_grad()
        return self._grad_fn

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def output_nr(self):
        return self._output_nr if self._grad_fn is not None else 0

    def _view_requires_grad(self):
        """Refresh a view whose memory changed in place since it was made; return _rg."""
        if self._view_version != self._vc[0]:
            from ._ops._core import regenerate_view_grad_fn
            regenerate_view_grad_fn(self)
        return self._rg

    @property
    def grad(self):
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if value._data.dtype != self._data.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
            if value._device != self._device:
                raise RuntimeError("assigned grad has data located on a different device")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return self._retains_grad

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self.retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                g = grad if grad_mode.state.enabled else grad.detach()
                t._grad = g.clone() if t._grad is None else t._grad + g
        node = self._grad_fn
        if node._retain_grad_hooks is None:
            node._retain_grad_hooks = {}
        node._retain_grad_hooks[self._output_nr] = keep

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; may return a new one."""
        from .autograd.graph import _add_hook, new_hook_dict
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is None:
            if self._hooks is None:
                self._hooks = new_hook_dict()
            return _add_hook(self._hooks, hook)
        node = self._grad_fn
        if node._tensor_pre_hooks is None:
            node._tensor_pre_hooks = {}
        hooks = node._tensor_pre_hooks.setdefault(self._output_nr, new_hook_dict())
        return _add_hook(hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. graph leaves (see torch.autograd)."""
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """An alias of the same memory, out of the graph (shares the version counter)."""
        return self._alias()

    def detach_(self):
        if self._base is not None:
            raise RuntimeError("Can't detach views in-place. Use detach() instead.")
        self._grad_fn, self._rg = None, False
        return self

    def _alias(self):
        out = wrap(self._data, self._device)
        out._vc = self._vc
        return out

    @property
    def data(self):
        """The same memory, out of the graph, with a version counter of its own."""
        return wrap(self._data, self._device)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, got {type(value).__name__}")
        self._data, self._device = value._data, value._device

    # -- conversions -----------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted "
                               "to Scalar")
        return _to_py(self._cpu_array().reshape(()))

    def tolist(self):
        arr = self._cpu_array()
        if arr.dtype == _dtype.bfloat16.np:
            arr = arr.astype(np.float32)
        return arr.tolist()

    def numpy(self, *, force=False):
        """The CPU array itself: tensor and array share memory."""
        if not force and self.requires_grad:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self._device is not CPU:
            if not force:
                raise TypeError(f"can't convert {self._device} device type tensor to numpy. "
                                "Use Tensor.cpu() to copy the tensor to host memory first.")
            return self._cpu_array()
        return self._data

    def _cpu_array(self):
        if self._device is CPU:
            return self._data
        return self._device_backend().to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        arr = self.detach().numpy(force=True)
        return arr if dtype is None else arr.astype(dtype, copy=False)

    def type(self, dtype=None, non_blocking=False):
        if dtype is None:
            prefix = "torch.cuda." if self._device.type == "cuda" else "torch."
            return f"{prefix}{self.dtype._legacy}Tensor"
        if isinstance(dtype, str):
            name = dtype.replace("torch.", "").replace("cuda.", "")
            legacy = {d._legacy + "Tensor": d for d in _dtype.ALL}
            if name not in legacy:
                raise ValueError(f"invalid type: '{dtype}'")
            dev = "cuda" if ".cuda." in dtype else self._device
            return self.to(device=dev, dtype=legacy[name])
        return self.to(_dtype.to_dtype(dtype))

    def cpu(self, memory_format=None):
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        return self.to(_device_cls("cuda") if device is None else
                       _device_cls("cuda", device) if isinstance(device, int) else device)

    def float(self, memory_format=None):
        return self.to(_dtype.float32)

    def double(self, memory_format=None):
        return self.to(_dtype.float64)

    def half(self, memory_format=None):
        return self.to(_dtype.float16)

    def bfloat16(self, memory_format=None):
        return self.to(_dtype.bfloat16)

    def long(self, memory_format=None):
        return self.to(_dtype.int64)

    def int(self, memory_format=None):
        return self.to(_dtype.int32)

    def short(self, memory_format=None):
        return self.to(_dtype.int16)

    def char(self, memory_format=None):
        return self.to(_dtype.int8)

    def byte(self, memory_format=None):
        return self.to(_dtype.uint8)

    def bool(self, memory_format=None):
        return self.to(_dtype.bool)

    def cfloat(self):
        return self.to(_dtype.complex64)

    def cdouble(self):
        return self.to(_dtype.complex128)

    def type_as(self, other):
        return self.to(other.dtype)

    def to(self, *args, **kwargs):
        """``to(dtype)``, ``to(device, dtype=None)``, ``to(other)``; returns self if unchanged."""
        device, dtype, copy = _parse_to(args, kwargs)
        from ._ops.creation import to_copy
        return to_copy(self, device, dtype, copy)

    # -- Python protocol -------------------------------------------------------------------
    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with {'more than one' if self._data.size else 'no'} "
                               "value is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self._scalar_value())

    def __int__(self):
        return int(self._scalar_value())

    def __complex__(self):
        return complex(self._scalar_value())

    def __index__(self):
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an "
                            "index")
        return int(self.item())

    def _scalar_value(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return self.item()

    def __hash__(self):
        return id(self)

    def __repr__(self, *, tensor_contents=None):
        from ._tensor_str import _str
        return _str(self, tensor_contents=tensor_contents)

    def __format__(self, spec):
        if self._data.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __deepcopy__(self, memo):
        if not self.is_leaf:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) "
                               "support the deepcopy protocol at the moment.  If you were "
                               "attempting to deepcopy a module, this may be because of a "
                               "torch.nn.utils.weight_norm usage, see "
                               "https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        out = wrap(self._data.copy(), self._device)._as_subclass(type(self)) \
            if type(self) is not Tensor else wrap(self._data.copy(), self._device)
        out._rg = self._rg
        if self._grad is not None:
            out._grad = self._grad.__deepcopy__(memo)
        out.__dict__.update(copy_dict(self.__dict__, memo))
        memo[id(self)] = out
        return out

    def __dir__(self):
        return sorted(set(dir(type(self))) | set(self.__dict__))


def copy_dict(d, memo):
    import copy
    return {k: copy.deepcopy(v, memo) for k, v in d.items()}


def _is_int_data(data):
    arr = np.asarray(data) if not isinstance(data, np.ndarray) else data
    return arr.dtype.kind in "iub"


def _address(arr):
    return arr.__array_interface__["data"][0] if isinstance(arr, np.ndarray) else arr.data.ptr


def _to_py(arr0d):
    if arr0d.dtype == _dtype.bfloat16.np:
        return float(arr0d.astype(np.float32))
    return arr0d.item()


def _parse_to(args, kwargs):
    """Parse Tensor.to's overloads into (device or None, dtype or None, copy)."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    if kwargs:
        raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
        device, dtype = other._device, other.dtype
    elif rest and (isinstance(rest[0], (str, _device_cls, int)) and not isinstance(rest[0], bool)):
        device = rest.pop(0)
    if rest and rest[0] is not None and not isinstance(rest[0], bool):
        dtype = rest.pop(0)
    if rest and isinstance(rest[0], bool):  # non_blocking
        rest.pop(0)
    if rest and isinstance(rest[0], bool):
        copy = rest.pop(0)
    if rest:
        raise TypeError(f"to() received an invalid combination of arguments - got {args}")
    return (to_device(device), None if dtype is None else _dtype.to_dtype(dtype), copy)


def install_operators():
    """Python operators on tensors, each calling its op (called once ops are imported)."""
    from ._ops import pointwise as P

    T = Tensor
    T.__add__ = T.__radd__ = P.add
    T.__iadd__ = lambda self, other: self.add_(other)
    T.__sub__ = P.sub
    T.__rsub__ = P.rsub
    T.__isub__ = lambda self, other: self.sub_(other)
    T.__mul__ = T.__rmul__ = P.mul
    T.__imul__ = lambda self, other: self.mul_(other)
    T.__truediv__ = P.div
    T.__rtruediv__ = lambda self, other: P.mul(P.reciprocal(self), other)
    T.__itruediv__ = lambda self, other: self.div_(other)
    T.__pow__ = P.pow
    T.__rpow__ = lambda self, other: P.pow(other, self)
    T.__ipow__ = lambda self, other: self.pow_(other)
    T.__neg__ = P.neg
    T.__pos__ = lambda self: self
    T.__eq__, T.__ne__, T.__lt__, T.__le__, T.__gt__, T.__ge__ = (
        P.eq, P.ne, P.lt, P.le, P.gt, P.ge)
    T.__and__ = T.__rand__ = P.bitwise_and
    T.__or__ = T.__ror__ = P.bitwise_or
    T.__xor__ = T.__rxor__ = P.bitwise_xor
    T.__invert__ = P.bitwise_not
    T.__iand__ = lambda self, other: self.bitwise_and_(other)
    T.__ior__ = lambda self, other: self.bitwise_or_(other)
    T.__ixor__ = lambda self, other: self.bitwise_xor_(other)

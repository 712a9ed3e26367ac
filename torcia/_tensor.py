"""class Tensor: an array of the device's array library plus autograd fields.

Memory, dtype and shape live in ``_data`` (a NumPy array on the CPU, a CuPy array on a GPU).
Views share ``_data``'s memory and the version counter ``_vc`` of their ``_base``; every
in-place op bumps the counter, so saved tensors changed behind autograd's back are caught.
Ops themselves live in ``torcia/_ops``; ``torcia/_ops/__init__.py`` installs them as methods.
"""

import operator
import weakref

import numpy as np

from . import _dtype
from ._device import CPU, to_device
from ._device import device as _device_cls
from .autograd import grad_mode

__all__ = ["Tensor", "Size", "wrap"]


class Size(tuple):
    """A tensor's shape: a tuple printed as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        items = tuple(sizes)
        if not all(type(s) is int for s in items):
            out = []
            for i, s in enumerate(items):
                try:
                    out.append(operator.index(s))  # NumPy integers, 0-dim integer tensors
                except TypeError:
                    raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is "
                                    f"'{type(s).__name__}')") from None
            items = tuple(out)
        return tuple.__new__(cls, items)

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
        return _make_size(Size, out) if isinstance(key, slice) else out

    def __add__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return _make_size(Size, tuple(self) + tuple(other))

    def __radd__(self, other):
        if not isinstance(other, tuple):
            return NotImplemented
        return _make_size(Size, tuple(other) + tuple(self))

    def __mul__(self, n):
        out = tuple.__mul__(self, n)
        return out if out is NotImplemented else _make_size(Size, out)

    __rmul__ = __mul__

    def __reduce__(self):
        return (Size, (tuple(self),))


_new = object.__new__
_make_size = tuple.__new__  # Size(shape) without checking ints (array shapes hold ints)


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
    _creation_meta = None  # why a view may not be changed in place (see _ops/_core.py)

    def __new__(cls, *args, **kwargs):
        """Legacy constructor: ``Tensor(2, 3)`` (uninitialised), ``Tensor([1, 2])`` (default
        dtype) or ``Tensor(other)`` (an alias); see ``creation.legacy_new``."""
        from ._ops.creation import legacy_new
        return legacy_new(cls, args, kwargs)

    def _as_subclass(self, cls):
        out = _new(cls)
        for slot in ("_data", "_device", "_rg", "_grad_fn", "_vc", "_base"):
            setattr(out, slot, getattr(self, slot))
        out.__dict__.update(self.__dict__)
        return out

    # -- basic attributes ------------------------------------------------------------------
    @property
    def shape(self):
        return _make_size(Size, self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return _make_size(Size, self._data.shape)
        return self._data.shape[_dim_of(self, dim)]

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
        if self._data.size == 0 and self._data.ndim:  # NumPy gives empty arrays 0 strides
            strides, n = [], 1
            for s in reversed(self._data.shape):
                strides.insert(0, n)
                n *= max(s, 1)
            strides = tuple(strides)
        if dim is None:
            return strides
        return strides[_dim_of(self, dim)]

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
        from ._ops.creation import contiguous_format
        return self.clone(memory_format=contiguous_format)

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
        if value and self._grad_fn is None and not (self.is_floating_point()
                                                    or self.is_complex()):
            raise RuntimeError("only Tensors of floating point and complex dtype can require "
                               "gradients")
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
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
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
        g = self._grad
        if g is None and self._grad_fn is not None and not self._retains_grad:
            import warnings
            warnings.warn(_NON_LEAF_GRAD, UserWarning, stacklevel=2)
        return g

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            # checked in PyTorch's order: dtype, device, size
            if value._data.dtype != self._data.dtype:
                raise RuntimeError(
                    "attempting to assign a gradient with dtype "
                    f"'{_CPP_NAMES[value.dtype.name]}' to a tensor with grad_dtype "
                    f"'{self.dtype._legacy}'. The gradient must match the tensor's grad_dtype "
                    "(defaults to the tensor's dtype). You can set the tensor's grad_dtype "
                    "attribute with a specific dtype, or None to allow any dtype. Set grad_dtype "
                    "with caution. Diverging the dtypes of a tensor and its gradient may break "
                    "downstream systems that assume they match.")
            if value._device != self._device:
                raise RuntimeError(
                    f"attempting to assign a gradient with device type '{value._device.type}' to "
                    f"a tensor with device type '{self._device.type}'. Please ensure that the "
                    "gradient and the tensor are on the same device")
            if value._data.shape != self._data.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor "
                    f"of size '{list(self.shape)}'. Please ensure that the gradient and the "
                    "tensor are the same size")
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
            node._has_hooks = True
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
            node._has_hooks = True
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
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution.")
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
        """``np.asarray(tensor)``: the tensor's memory (PyTorch's numpy() rules apply)."""
        arr = self.numpy()
        if dtype is not None:
            arr = arr.astype(dtype, copy=bool(copy))
        return arr.copy() if copy and arr is self._data else arr

    def __array_wrap__(self, array, context=None, return_scalar=False):
        """A NumPy function's result on tensors comes back as a tensor, as in PyTorch (which
        returns bool results as uint8)."""
        if array.dtype == np.bool_:
            array = array.astype(np.uint8)
        return wrap(array)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        """The type string (``'torch.FloatTensor'``), or a copy converted to the type given as
        a string, a dtype or a legacy class (``torch.DoubleTensor``)."""
        if dtype is None:
            prefix = "torch.cuda." if self._device.type == "cuda" else "torch."
            return f"{prefix}{self.dtype._legacy}Tensor"
        dev = self._device
        if isinstance(dtype, str):
            legacy = {f"torch.{d._legacy}Tensor": d for d in _dtype.ALL}
            name = dtype.replace("torch.cuda.", "torch.")
            if name not in legacy:
                raise ValueError(f"invalid type: '{dtype}'")
            target = legacy[name]
            if name != dtype:
                dev = to_device("cuda")
        elif isinstance(dtype, _dtype.dtype):
            target = dtype
        elif isinstance(getattr(dtype, "dtype", None), _dtype.dtype) and isinstance(dtype, type):
            target = dtype.dtype  # a legacy tensor class
        elif isinstance(dtype, type):
            mod = dtype.__module__
            name = dtype.__name__ if mod == "builtins" else f"{mod}.{dtype.__name__}"
            raise ValueError(f"invalid type: '{name}'")  # noqa: TRY004 - PyTorch's type
        else:
            raise TypeError("dtype must be a type, str, or dtype object")
        return self.to(device=dev, dtype=target)

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
        if not kwargs and len(args) == 1 and args[0] is self.dtype:
            return self  # the common no-op, without parsing
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
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous"
                               if self._data.size else
                               "Boolean value of Tensor with no values is ambiguous")
        return bool(self.item())

    def __float__(self):
        v = self._scalar_value()
        if isinstance(v, complex):
            if v.imag:
                raise RuntimeError("value cannot be converted to type double without overflow")
            v = v.real
        return float(v)

    def __int__(self):
        v = self._scalar_value()
        if isinstance(v, complex):
            if v.imag:
                raise RuntimeError("value cannot be converted to type int64_t without overflow")
            v = v.real
        return int(v)

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, complex, np.number, np.bool_)):
            return bool((element == self).any().item())
        raise RuntimeError("Tensor.__contains__ only supports Tensor or scalar, but you passed "
                           f"in a {type(element)}.")

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

    def __reduce_ex__(self, proto):
        """Pickled as PyTorch pickles a tensor: values, device, requires_grad and instance
        attributes (not the graph nor .grad); a non-leaf comes back as a leaf."""
        state = {k: v for k, v in self.__dict__.items() if k not in _GRAPH_FIELDS}
        return (_rebuild_tensor, (type(self), self._cpu_array(), str(self._device),
                                  self.requires_grad, state))

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """A DLPack capsule viewing this tensor's memory (see torcia/utils/dlpack.py)."""
        from .utils.dlpack import dlpack
        return dlpack(self, stream, max_version, dl_device, copy)

    def __dlpack_device__(self):
        from .utils.dlpack import dlpack_device
        return dlpack_device(self)

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


_NON_LEAF_GRAD = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information.")

# C++ type names, as PyTorch's messages print dtypes (TypeMeta names)
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool"}


def _dim_of(t, dim):
    """``dim`` of tensor ``t`` made non-negative, with PyTorch's IndexError texts."""
    ndim = t._data.ndim
    if ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    return dim % ndim


# Instance fields of autograd bookkeeping, not pickled (a weakref in them cannot be)
_GRAPH_FIELDS = frozenset(("_output_nr", "_grad", "_acc", "_hooks", "_retains_grad", "_view_fn",
                           "_view_version", "_creation_meta"))


def _rebuild_tensor(cls, arr, device, requires_grad, state):
    t = wrap(arr)
    if device != "cpu":
        t = t.to(device)
    if cls is not Tensor:
        t = t._as_subclass(cls)
    t._rg = bool(requires_grad)
    t.__dict__.update(state)
    return t


def copy_dict(d, memo):
    import copy
    return {k: copy.deepcopy(v, memo) for k, v in d.items()}


def _address(arr):
    return arr.__array_interface__["data"][0] if isinstance(arr, np.ndarray) else arr.data.ptr


def _to_py(arr0d):
    if arr0d.dtype == _dtype.bfloat16.np:
        return float(arr0d.astype(np.float32))
    return arr0d.item()


_TO_SIGNATURES = (
    " * (torch.device device = None, torch.dtype dtype = None, bool non_blocking = False, "
    "bool copy = False, *, torch.memory_format memory_format = None)\n"
    " * (torch.dtype dtype, bool non_blocking = False, bool copy = False, *, "
    "torch.memory_format memory_format = None)\n"
    " * (Tensor tensor, bool non_blocking = False, bool copy = False, *, "
    "torch.memory_format memory_format = None)\n")


def _arg_type_name(x):
    if isinstance(x, _dtype.dtype):
        return "torch.dtype"
    if isinstance(x, _device_cls):
        return "torch.device"
    return type(x).__name__


def _to_error(args, kwargs):
    parts = [_arg_type_name(a) for a in args]
    named = [f"{k}={_arg_type_name(v)}" for k, v in kwargs.items()]
    got = ", ".join(parts + named) if parts else "".join(f"{n}, " for n in named)
    return TypeError(f"to() received an invalid combination of arguments - got ({got}), but "
                     f"expected one of:\n{_TO_SIGNATURES}")


def _is_dtype_arg(x):
    return isinstance(x, _dtype.dtype) or x in (float, int, bool, complex)


def _parse_to(args, kwargs):
    """Parse Tensor.to's three overloads, as PyTorch: ``to(device=None, dtype=None,
    non_blocking=False, copy=False)``, ``to(dtype, non_blocking=False, copy=False)`` and
    ``to(tensor, non_blocking=False, copy=False)``; returns (device or None, dtype or None,
    copy)."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "copy", "memory_format"}
    if unknown:
        raise _to_error(args, kwargs)
    rest = list(args)
    device = dtype = None
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
        device, dtype = other._device, other.dtype
    elif rest and _is_dtype_arg(rest[0]):
        dtype = rest.pop(0)
    elif rest and (rest[0] is None or isinstance(rest[0], (str, _device_cls))
                   or (isinstance(rest[0], int) and not isinstance(rest[0], bool))):
        device = rest.pop(0)
        if rest and (rest[0] is None or _is_dtype_arg(rest[0])):
            dtype = rest.pop(0)
    flags = []
    while rest and isinstance(rest[0], bool) and len(flags) < 2:
        flags.append(rest.pop(0))
    if rest:
        raise _to_error(args, kwargs)
    device = kwargs.get("device", device)
    dtype = kwargs.get("dtype", dtype)
    copy = kwargs.get("copy", flags[1] if len(flags) > 1 else False)
    if dtype is not None and not _is_dtype_arg(dtype):
        raise _to_error(args, kwargs)
    if device is not None and not isinstance(device, (str, _device_cls, int)):
        raise _to_error(args, kwargs)
    return (to_device(device), None if dtype is None else _dtype.to_dtype(dtype), copy)


def install_operators():
    """Python operators on tensors, each calling its op (called once ops are imported)."""
    from ._ops import pointwise as P

    T = Tensor
    # a + b, a - b, a * b: the ops with their common case inline (see pointwise._operator)
    T.__add__ = P._operator(np.add, P.AddBackward0, P.add)
    T.__radd__ = P.add
    T.__iadd__ = lambda self, other: self.add_(other)
    T.__sub__ = P._operator(np.subtract, P.SubBackward0, P.sub)
    T.__rsub__ = P.rsub
    T.__isub__ = lambda self, other: self.sub_(other)
    T.__mul__ = P._operator(np.multiply, P.MulBackward0, P.mul)
    T.__rmul__ = P.mul
    T.__imul__ = lambda self, other: self.mul_(other)
    T.__truediv__ = P.div
    T.__rtruediv__ = lambda self, other: P.mul(P.reciprocal(self), other)
    T.__itruediv__ = lambda self, other: self.div_(other)
    T.__pow__ = P.pow
    T.__rpow__ = lambda self, other: P.pow(other, self)
    T.__ipow__ = lambda self, other: self.pow_(other)
    T.__neg__ = P.neg
    T.__eq__, T.__ne__, T.__lt__, T.__le__, T.__gt__, T.__ge__ = (
        P.eq, P.ne, P.lt, P.le, P.gt, P.ge)
    T.__and__ = T.__rand__ = P.bitwise_and
    T.__or__ = T.__ror__ = P.bitwise_or
    T.__xor__ = T.__rxor__ = P.bitwise_xor
    T.__invert__ = P.bitwise_not
    T.__iand__ = lambda self, other: self.bitwise_and_(other)
    T.__ior__ = lambda self, other: self.bitwise_or_(other)
    T.__ixor__ = lambda self, other: self.bitwise_xor_(other)
    from ._ops import linalg as L
    # PyTorch's Tensor has no __imatmul__: ``a @= b`` rebinds ``a`` to a new tensor.
    T.__matmul__, T.__rmatmul__ = L.matmul_operator, L.rmatmul_operator
    T.__pos__ = P.positive
    T.__abs__ = P.abs
    T.__floordiv__ = P.floor_divide
    T.__rfloordiv__ = lambda self, other: P.floor_divide(other, self)
    T.__ifloordiv__ = lambda self, other: self.floor_divide_(other)
    T.__mod__ = P.remainder
    T.__rmod__ = lambda self, other: P.remainder(other, self)
    T.__imod__ = lambda self, other: self.remainder_(other)
    T.__lshift__ = P.bitwise_left_shift
    T.__rlshift__ = lambda self, other: P.bitwise_left_shift(other, self)
    T.__ilshift__ = lambda self, other: self.bitwise_left_shift_(other)
    T.__rshift__ = P.bitwise_right_shift
    T.__rrshift__ = lambda self, other: P.bitwise_right_shift(other, self)
    T.__irshift__ = lambda self, other: self.bitwise_right_shift_(other)
    T.real = property(P.real, _set_part(P.real))
    T.imag = property(P.imag, _set_part(P.imag))


# Note [NumPy operands]
# An operator with a NumPy array operand converts the array to a tensor, so ``tensor + array``
# and ``array + tensor`` (NumPy defers to the tensor: __array_priority__) give a tensor with
# PyTorch's promotion. PyTorch instead hands ``tensor op array`` to NumPy, whose promotion can
# differ (int / int gives float64 there, the default float here), and ``array op tensor``
# raises; converting costs nothing on the operators' fast path.


def _set_part(get):
    """``t.real = v`` / ``t.imag = v``: copy ``v`` into that part of ``t``."""
    def setter(self, value):
        get(self).copy_(value)
    return setter

"""What every op family shares: operand conversion and promotion, views, in-place updates.

Ops reach the array library only through the tensor's backend (``xp_of``), so one op body
serves NumPy on the CPU and CuPy on a GPU.
"""

import numbers

import numpy as np

from .. import _dtype
from .._device import CPU
from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from ..autograd.graph import Node, gradient_edge, record

__all__ = ["wrap", "xp_of", "operands", "rt_np", "requires_grad", "make_view",
           "apply_inplace", "as_tensor_arg", "record", "Node", "grad_enabled", "Tensor",
           "broadcast_error", "normalize_dim", "normalize_dims", "check_same_device",
           "rebase_view_history", "F32_F64"]

grad_enabled = grad_mode.state  # read .enabled on the hot path
_NUMBER = (numbers.Number, np.generic)
F32_F64 = (np.dtype(np.float32), np.dtype(np.float64))  # the dtypes NumPy's fast paths take


def xp_of(t):
    """The array library of tensor ``t`` (NumPy for CPU tensors)."""
    return np if t._device is CPU else t._device_backend().xp


def requires_grad(*tensors):
    """Whether recording is on and some of ``tensors`` (None allowed) requires grad."""
    if not grad_enabled.enabled:
        return False
    for t in tensors:
        if t is not None and (t._rg or (t._base is not None and t._view_requires_grad())):
            return True
    return False


def as_tensor_arg(x, like=None):
    """A Tensor for an operand that may be a Python number, list or NumPy array."""
    if isinstance(x, Tensor):
        return x
    from .creation import tensor
    dtype = None
    if isinstance(x, _NUMBER) and like is not None:
        dtype = _dtype.result_type(like, x)
    return tensor(x, dtype=dtype, device=like._device if like is not None else None)


def rt_np(a, b):
    """NumPy dtype of PyTorch's result type for two operands (fast when dtypes agree)."""
    da = a._data.dtype if type(a) is Tensor or isinstance(a, Tensor) else None
    db = b._data.dtype if isinstance(b, Tensor) else None
    if da is not None and da is db:
        return da
    return _dtype.result_type(a, b).np


def operands(input, other, name):
    """Arrays of a binary op's operands in the result dtype, and that dtype.

    A Python scalar stays a scalar (NumPy treats it as weakly typed, as PyTorch does); a
    NumPy array or list becomes a tensor first.
    """
    if not isinstance(other, (Tensor, bool, int, float, complex)):
        other = _coerce(other, input, name)
    if not isinstance(input, (Tensor, bool, int, float, complex)):
        input = _coerce(input, other, name)
    rt = rt_np(input, other)
    a = input._data if isinstance(input, Tensor) else input
    b = other._data if isinstance(other, Tensor) else other
    if isinstance(a, np.ndarray) or hasattr(a, "dtype"):
        if a.dtype != rt:
            a = a.astype(rt)
    else:
        a = _scalar(a, rt)
    if isinstance(b, np.ndarray) or hasattr(b, "dtype"):
        if b.dtype != rt:
            b = b.astype(rt)
    else:
        b = _scalar(b, rt)
    return a, b, rt


def _coerce(x, like, name):
    if isinstance(x, (np.ndarray, np.generic, list, tuple)):
        return as_tensor_arg(x)
    raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor, not "
                    f"{type(x).__name__}")


def _scalar(v, rt):
    """A Python scalar in dtype ``rt``: kept weak unless NumPy would refuse it."""
    if rt.kind in "iub" and not isinstance(v, bool) and isinstance(v, int):
        info = np.iinfo(rt) if rt.kind != "b" else None
        if info is not None and not info.min <= v <= info.max:
            return np.array(v).astype(rt)  # wraps around as PyTorch's integer cast does
    if rt.kind in "iub" and isinstance(v, float):
        return np.array(v).astype(rt)
    if rt.kind != "c" and isinstance(v, complex):
        return np.array(v).astype(rt)
    if rt == _BF16:  # ml_dtypes does not treat Python numbers as weak: bf16 * 2.5 -> float32
        return np.array(v, rt)
    return v


_BF16 = _dtype.bfloat16.np


def broadcast_error(a, b):
    """PyTorch's RuntimeError for shapes that do not broadcast."""
    sa, sb = np.shape(a), np.shape(b)
    for i in range(1, max(len(sa), len(sb)) + 1):
        x = sa[-i] if i <= len(sa) else 1
        y = sb[-i] if i <= len(sb) else 1
        if x != y and x != 1 and y != 1:
            dim = max(len(sa), len(sb)) - i
            return RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                                f"({y}) at non-singleton dimension {dim}")
    return RuntimeError(f"shapes {list(sa)} and {list(sb)} cannot be broadcast together")


def check_same_device(*tensors):
    dev = None
    for t in tensors:
        if isinstance(t, Tensor) and t._data.ndim:
            if dev is None:
                dev = t._device
            elif t._device is not dev:
                raise RuntimeError("Expected all tensors to be on the same device, but found at "
                                   f"least two devices, {dev} and {t._device}!")


def normalize_dim(dim, ndim):
    """A dim in [0, ndim) from one that may be negative; IndexError as PyTorch words it."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim % n


def normalize_dims(dims, ndim):
    """A sorted tuple of distinct non-negative dims; None or () means all dims."""
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(sorted(normalize_dim(d, ndim) for d in dims))
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out if ndim else ()


# -- views ---------------------------------------------------------------------------------
def make_view(self, arr, view_fn, node_cls=None, node_init=None):
    """A tensor viewing ``self``'s memory through ``arr``; ``view_fn`` redoes the view.

    ``view_fn(base)`` applies the same view, made of Tensor ops, to a tensor shaped like the
    root base, so an in-place change of the view can be replayed on the base's gradient.
    """
    out = wrap(arr, self._device)
    base = self._base
    if base is None:
        out._base, out._view_fn = self, view_fn
    else:
        inner = self._view_fn
        out._base, out._view_fn = base, (lambda b: view_fn(inner(b)))
        cm = creation_meta(self)
        if cm is not None:
            out._creation_meta = cm  # propagates to views of views, as in PyTorch
    out._vc = self._vc
    out._view_version = self._vc[0]
    if node_cls is not None and requires_grad(self):
        node = record(node_cls, (self,), (out,))
        if node_init is not None:
            node_init(node)
    return out


class AsStridedBackward0(Node):
    """Gradient of a view whose values changed in place: scatter into the base's shape."""

    def backward(self, grad):
        full = grad.new_zeros(self.base_shape)
        self.view_fn(full).copy_(grad)
        return full


class CopySlices(Node):
    """The base's node after an in-place op on one of its views (PyTorch's CopySlices)."""

    def backward(self, grad):
        result = grad.clone()
        region = self.view_fn(result)
        grads = self.fn.backward(region.clone())
        if not isinstance(grads, tuple):
            grads = (grads,)
        if grads[0] is None:
            region.zero_()
        else:
            region.copy_(grads[0])
        return (result,) + tuple(grads[1:])

    def name(self):
        return "torch::autograd::CopySlices"


# Note [View creation meta]
# PyTorch forbids changing in place (while recording) a view that is an output of a
# multi-output view op (unbind, split, chunk) or that a custom Function returned, and any view
# of those: the graph rewrite would be wrong. Such a view carries the reason in
# ``_creation_meta`` (the end of PyTorch's error message); a direct output of a multi-output
# node is recognised by its grad_fn.
MULTI_OUTPUT_VIEW = (
    "This view is the output of a function that returns multiple views. Such functions do not "
    "allow the output views to be modified inplace. You should replace the inplace operation by "
    "an out-of-place one.")
CUSTOM_FUNCTION_VIEW = (
    "This view was created inside a custom Function (or because an input was returned as-is) "
    "and the autograd logic to handle view+inplace would override the custom backward "
    "associated with the custom Function, leading to incorrect gradients. This behavior is "
    "forbidden. You can fix this by cloning the output of the custom Function.")


def creation_meta(view):
    """Why ``view`` may not be changed in place while recording, or None (Note above)."""
    cm = view._creation_meta
    if cm is None:
        fn = view._grad_fn
        if fn is not None and fn.num_outputs > 1 and not fn.name().startswith("Unsafe"):
            return MULTI_OUTPUT_VIEW
    return cm


def _view_error(view, cm, what):
    from ..autograd.graph import _short
    return RuntimeError(f"Output {view._output_nr} of {_short(view._grad_fn.name())} is a view "
                        f"and {what}. {cm}")


def regenerate_view_grad_fn(view):
    """Point a view that went stale (its memory changed in place) at its base's new history."""
    base = view._base
    if base._rg and view._grad_fn is not None:
        cm = creation_meta(view)
        if cm is not None:
            raise _view_error(view, cm, "its base or another view of its base has been "
                                        "modified inplace")
    view._view_version = view._vc[0]
    if base._rg:
        old = (view._grad_fn, view._output_nr)
        node = record(AsStridedBackward0, (base,), (view,))
        node.base_shape, node.view_fn = base._data.shape, view._view_fn
        if view._retains_grad:
            _move_retain_grad(view, old)


def _move_retain_grad(t, old_edge):
    """retain_grad follows a tensor to its new history after an in-place change (PyTorch)."""
    old_fn, old_nr = old_edge
    hooks = old_fn._retain_grad_hooks if old_fn is not None else None
    keep = hooks.pop(old_nr, None) if hooks else None
    if keep is not None:
        new = t._grad_fn
        if new._retain_grad_hooks is None:
            new._retain_grad_hooks = {}
            new._has_hooks = True
        new._retain_grad_hooks[t._output_nr] = keep


# -- in-place ------------------------------------------------------------------------------
def apply_inplace(self, compute, others=()):
    """Run ``compute(src)`` (an out-of-place op) and write its result into ``self``.

    With recording on, the result's node becomes ``self``'s history; for a view, its base's
    history becomes a CopySlices over that node. ``compute`` receives a copy of ``self``'s
    values carrying ``self``'s autograd identity, so a node that saved the old values keeps
    them (PyTorch saves the original self the same way).
    """
    if not requires_grad(self, *others):
        out = compute(self)
        _write(self, out)
        return self
    base = self._base
    if base is not None and self._grad_fn is not None:
        cm = creation_meta(self)
        if cm is not None:
            raise _view_error(self, cm, "is being modified inplace")
    if base is None and self._grad_fn is None and self._rg:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if base is not None and base._grad_fn is None and base._rg:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    src = wrap(self._data.copy(), self._device)
    edge = gradient_edge(self)
    if edge[0] is not None:
        src._grad_fn, src._output_nr, src._rg = edge[0], edge[1], True
    out = compute(src)
    _write(self, out)
    fn = out._grad_fn
    if base is None:
        self._grad_fn, self._output_nr, self._rg = fn, out._output_nr, fn is not None
        if self._retains_grad:
            _move_retain_grad(self, edge)
        return self
    rebase_view_history(self, fn)
    return self


def rebase_view_history(view, fn):
    """After node ``fn`` (whose input 0 is ``view``) changed ``view`` in place, make the
    base's history a CopySlices over ``fn`` and point the view at it."""
    base = view._base
    node = record(CopySlices, (base,) + (None,) * (len(fn.next_functions) - 1), (base,))
    node.next_functions = (node.next_functions[0],) + fn.next_functions[1:]
    node._meta = None if fn._meta is None else (node._meta[0],) + fn._meta[1:]
    node.fn, node.view_fn = fn, view._view_fn
    regenerate_view_grad_fn(view)


def _writeable(t):
    """A writeable alias of ``t``'s memory: NumPy marks every view of an expanded array
    read-only, but PyTorch writes any of them without internal overlap (a row of an expanded
    tensor); one with overlap (a stride 0 over more than one element) raises its error."""
    d = t._data
    root = t._base._data if t._base is not None else None
    if root is not None and not any(st == 0 and n > 1 for n, st in zip(d.shape, d.strides)):
        try:
            from .._tensor import _address
            alias = np.ndarray(d.shape, d.dtype, buffer=root,
                               offset=_address(d) - _address(root), strides=d.strides)
            if alias.flags.writeable:
                return alias
        except (TypeError, ValueError):
            pass
    raise RuntimeError(
        "unsupported operation: more than one element of the written-to tensor refers to a "
        "single memory location. Please clone() the tensor before performing the operation.")


def _write(self, out):
    """Copy ``out``'s values into ``self``'s memory and bump the version counter."""
    d = self._data
    src = out._data
    if src is not d:
        if src.shape != d.shape:  # PyTorch checks the shape before the dtype
            try:
                shape = np.broadcast_shapes(src.shape, d.shape)
            except ValueError:
                shape = src.shape
            if shape != d.shape:
                raise RuntimeError(f"output with shape {list(d.shape)} doesn't match the "
                                   f"broadcast shape {list(shape)}")
        if not _dtype.can_cast(_dtype.from_np[src.dtype], _dtype.from_np[d.dtype]):
            raise RuntimeError(f"result type {_dtype.from_np[src.dtype]._legacy} can't be cast "
                               f"to the desired output type {_dtype.from_np[d.dtype]._legacy}")
        if not d.flags.writeable:
            d = _writeable(self)
        xp = xp_of(self)
        xp.copyto(d, src, casting="unsafe")
    self._vc[0] += 1


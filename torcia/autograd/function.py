"""Custom differentiable functions: subclass Function with forward and backward.

As in PyTorch, ``ctx`` is the backward node itself: ``y.grad_fn`` is the ctx of the call that
made ``y``, and its class is named ``<YourFunction>Backward``.
"""

from . import grad_mode
from .graph import Node, init_node

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What forward can tell backward: saved tensors, dirty and non-differentiable outputs."""

    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        self._to_save_forward = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The node of one custom Function call; ``backward`` calls the user's backward."""

    materialize_grads = True
    _fn_cls = None

    def __repr__(self):  # PyTorch's text for its Python-defined nodes
        return f"<torch.autograd.function.{type(self).__name__} object at {hex(id(self))}>"

    @property
    def saved_tensors(self):
        return Node.saved_tensors.fget(self)

    @property
    def needs_input_grad(self):
        return self._needs

    def backward(self, *grads):
        if self.materialize_grads:
            from .._ops.creation import zeros
            grads = tuple(zeros(m[0], dtype=m[1], device=m[2]) if g is None else g
                          for g, m in zip(grads, self._out_meta))
        result = self._fn_cls.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._arg_is_tensor)
        if len(result) < n:
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(result)})")
        extra = result[n:]
        if any(g is not None for g in extra):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of "
                               f"gradients (expected {n}, got {len(result)})")
        from .._tensor import Tensor
        out = []
        for i, (g, is_t) in enumerate(zip(result, self._arg_is_tensor)):
            if g is not None and not isinstance(g, Tensor):
                raise RuntimeError(f"expected Variable or None (got {type(g).__name__})")
            if is_t:
                out.append(g)
            elif g is not None:
                raise RuntimeError(f"function {self.name()} returned a gradient different than "
                                   f"None at position {i + 1}, but the corresponding forward "
                                   "input was not a Variable")
        return tuple(out)


class _FunctionMeta(type):
    """Gives each Function subclass its own backward-node class, named ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        super().__init__(name, bases, attrs)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_fn_cls": cls})


class Function(metaclass=_FunctionMeta):
    """Base class of custom autograd functions; call them with ``MyFn.apply(*args)``.

    Example::

        class Exp(Function):
            @staticmethod
            def forward(ctx, x):
                y = x.exp()
                ctx.save_for_backward(y)
                return y

            @staticmethod
            def backward(ctx, grad):
                (y,) = ctx.saved_tensors
                return grad * y
    """

    def __init__(self, *args, **kwargs):
        import warnings
        warnings.warn(f"{type(self)} should not be instantiated. Methods on autograd functions "
                      "are all static, so you should invoke them on the class itself. ",
                      DeprecationWarning, stacklevel=2)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom "
                                  "autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for "
                                  "your custom autograd.Function to use it with backward mode "
                                  "AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        from .._tensor import Tensor
        ctx = cls._backward_cls.__new__(cls._backward_cls)
        ctx._saved = None
        is_t = tuple(isinstance(a, Tensor) for a in args)
        tensors = [a for a in args if isinstance(a, Tensor)]
        ctx._arg_is_tensor = is_t
        ctx._needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        custom_setup = cls.setup_context is not Function.setup_context
        recording = grad_mode.state.enabled and any(t.requires_grad for t in tensors)
        if recording:  # edges to the inputs' histories as they are before forward runs
            init_node(ctx, tensors)
        with grad_mode.no_grad():
            if custom_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        dirty_ts = getattr(ctx, "_dirty", ())
        dirty = {id(t) for t in dirty_ts}
        non_diff = {id(t) for t in getattr(ctx, "_non_diff", ())}
        for t in dirty_ts:
            t._vc[0] += 1  # mark_dirty bumps the version, as PyTorch does
            if recording:
                _check_dirty(t, len(outs))
        # An input returned leaves as a new view of it, not as the input itself (but an input
        # changed in place stays itself when its history is rewritten).
        returned = outs
        outs = tuple(_view_of(o) if isinstance(o, Tensor) and (id(o) not in dirty or not recording)
                     and any(o is t for t in tensors) else o for o in outs)
        if recording:
            # (non-differentiable marks name the returned objects, before views replace them)
            diff_outs = tuple(o if isinstance(o, Tensor) and id(r) not in non_diff
                              and (o.is_floating_point() or o.is_complex()) else None
                              for o, r in zip(outs, returned))
            ctx.num_outputs = len(outs)
            ctx._out_meta = tuple((o._data.shape, o.dtype, o._device) if isinstance(o, Tensor)
                                  else ((), None, None) for o in outs)
            for nr, o in enumerate(diff_outs):
                if o is not None:
                    if o._base is not None and id(o) in dirty:
                        # a view changed in place: its base's history goes through ctx
                        from .._ops._core import rebase_view_history
                        rebase_view_history(o, ctx)
                    else:
                        o._grad_fn, o._output_nr, o._rg = ctx, nr, True
                        if o._base is not None:  # Note [View creation meta] in _ops/_core.py
                            from .._ops._core import CUSTOM_FUNCTION_VIEW
                            o._creation_meta = CUSTOM_FUNCTION_VIEW
        to_save = getattr(ctx, "_to_save", None)
        if to_save is not None:
            for i, t in enumerate(to_save):
                if t is not None and not isinstance(t, Tensor):
                    raise TypeError("save_for_backward can only save variables, but argument "
                                    f"{i} is of type {type(t).__name__}")
            ctx.save(*to_save)
            del ctx._to_save
        return outs[0] if single else outs


def _view_of(t):
    """A view of all of ``t`` (what a custom Function's returned input becomes)."""
    out = t._alias()
    if t._base is None:
        out._base, out._view_fn = t, _whole
    else:
        out._base, out._view_fn = t._base, t._view_fn
    out._view_version = t._vc[0]
    return out


def _whole(base):
    return base


def _check_dirty(t, n_outputs):
    """PyTorch's errors for a tensor a custom Function changed in place (mark_dirty)."""
    base = t._base
    if base is None:
        if t._grad_fn is None and t._rg:
            raise RuntimeError("a leaf Variable that requires grad has been used in an in-place "
                               "operation.")
        return
    if base._grad_fn is None and base._rg:
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                           "in-place operation.")
    if n_outputs > 1:
        raise RuntimeError(
            "If your Function modifies inplace an input that is a view of another Tensor, your "
            "Function cannot return more than one Tensor. This is not supported by the current "
            "autograd engine. You should either make sure the input is not a view (using "
            ".clone() for example) or make your Function only return one Tensor (potentially "
            "splitting it into two Functions: one doing the inplace that returns a single Tensor "
            "and a second one that does the other operations). You can ask on the forum "
            "https://discuss.pytorch.org/ if you need help to do this change.")


def once_differentiable(fn):
    """Run a custom backward without building a graph of it (no double backward)."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        from .._tensor import Tensor
        from .graph import record
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not grad_mode.state.enabled or not any(
                isinstance(a, Tensor) and a.requires_grad for a in args):
            return outputs
        # create_graph with gradients that require grad: the results get an Error node, so
        # differentiating them again raises instead of silently giving zero (PyTorch's rule)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        fakes = tuple(None if o is None else o.detach().requires_grad_() for o in outs)
        results = tuple(None if f is None else f._alias() for f in fakes)
        node = record(Error, fakes, results)
        node.num_outputs = len(outs)
        node.msg = ("trying to differentiate twice a function that was marked with "
                    "@once_differentiable")
        return results[0] if single else results
    return wrapper


class Error(Node):
    """A node whose backward raises (PyTorch's DelayedError)."""

    def name(self):
        return "torch::autograd::Error"

    def backward(self, *grads):
        raise RuntimeError(self.msg)

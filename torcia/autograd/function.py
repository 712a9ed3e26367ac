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
        return tuple(g for g, is_t in zip(result, self._arg_is_tensor) if is_t)


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
        with grad_mode.no_grad():
            if custom_setup:
                outputs = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, outputs)
            else:
                outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        dirty = {id(t) for t in getattr(ctx, "_dirty", ())}
        non_diff = {id(t) for t in getattr(ctx, "_non_diff", ())}
        # An input returned unchanged leaves as a new alias, not as the input itself.
        outs = tuple(o._alias() if isinstance(o, Tensor) and id(o) not in dirty and
                     any(o is t for t in tensors) else o for o in outs)
        recording = grad_mode.state.enabled and any(t.requires_grad for t in tensors)
        if recording:
            diff_outs = tuple(o if isinstance(o, Tensor) and id(o) not in non_diff
                              and (o.is_floating_point() or o.is_complex()) else None
                              for o in outs)
            init_node(ctx, tensors)
            ctx.num_outputs = len(outs)
            ctx._out_meta = tuple((o._data.shape, o.dtype, o._device) if isinstance(o, Tensor)
                                  else ((), None, None) for o in outs)
            for nr, o in enumerate(diff_outs):
                if o is not None:
                    o._grad_fn, o._output_nr, o._rg = ctx, nr, True
        to_save = getattr(ctx, "_to_save", None)
        if to_save is not None:
            ctx.save(*to_save)
            del ctx._to_save
        return outs[0] if single else outs


def once_differentiable(fn):
    """Run a custom backward without building a graph of it (no double backward)."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper

"""Module full backward hooks: identity nodes around a module's inputs and outputs.

The node on the outputs sees the gradients w.r.t. the outputs (and runs the backward
pre-hooks); the node on the inputs sees the gradients w.r.t. the inputs and runs the backward
hooks with both, as PyTorch's BackwardHook does.
"""

from .._tensor import Tensor
from ..autograd.function import Function


class _HookNode(Function):
    @staticmethod
    def forward(ctx, hook, kind, *tensors):
        ctx.hook, ctx.kind = hook, kind
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        if ctx.kind == "output":
            grads = ctx.hook._on_grad_outputs(grads)
        else:
            grads = ctx.hook._on_grad_inputs(grads)
        return (None, None) + tuple(grads)


class BackwardHook:
    """Runs one module call's backward hooks and pre-hooks."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0
        self.input_positions = None

    def _wrap(self, values, kind):
        """Pass the tensors in ``values`` that require grad through a hook node."""
        positions = [i for i, v in enumerate(values)
                     if isinstance(v, Tensor) and v.requires_grad]
        if not positions:
            return values, positions
        outs = _HookNode.apply(self, kind, *[values[i] for i in positions])
        new = list(values)
        for i, t in zip(positions, outs):
            new[i] = t
        return tuple(new), positions

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        args, self.input_positions = self._wrap(tuple(args), "input")
        return args

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        values = (result,) if single else tuple(result) if isinstance(result, (tuple, list)) \
            else (result,)
        self.n_outputs = len(values)
        wrapped, self.output_positions = self._wrap(values, "output")
        if not self.output_positions:
            return result
        if single:
            return wrapped[0]
        return type(result)(wrapped) if isinstance(result, (tuple, list)) else wrapped[0]

    def _on_grad_outputs(self, grads):
        full = [None] * self.n_outputs
        for i, g in zip(self.output_positions, grads):
            full[i] = g
        full = tuple(full)
        for hook in self.pre_hooks:
            new = hook(self.module, full)
            if new is not None:
                full = tuple(new)
        self.grad_outputs = full
        if not self.input_positions:  # no input needs a gradient: hooks run now
            self._run_hooks(tuple([None] * self.n_inputs))
        return tuple(full[i] for i in self.output_positions)

    def _on_grad_inputs(self, grads):
        full = [None] * self.n_inputs
        for i, g in zip(self.input_positions, grads):
            full[i] = g
        full = self._run_hooks(tuple(full))
        return tuple(full[i] for i in self.input_positions)

    def _run_hooks(self, grad_inputs):
        for hook in self.hooks:
            new = hook(self.module, grad_inputs, self.grad_outputs)
            if new is not None:
                new = tuple(new) if isinstance(new, (tuple, list)) else (new,)
                if len(new) != len(grad_inputs):
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input,"
                                       f" got {len(new)}, but expected {len(grad_inputs)}")
                grad_inputs = new
        return grad_inputs

"""Adagrad: per-coordinate learning rates from the sum of squared gradients (Duchi et al.)."""

import numpy as np

from .adam import _check_lr
from .optimizer import Optimizer, _addcdiv, _addcmul, _real, _step_tensor, _to_float

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    .. math::
        \tilde\gamma = \frac{\gamma}{1 + (t - 1)\eta}, \quad
        s_t = s_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\gamma \frac{g_t}{\sqrt{s_t} + \epsilon}

    Its state (``step`` and ``sum``) is made for every parameter at construction.

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): learning rate. Default: 1e-2.
        lr_decay (float, optional): learning rate decay :math:`\eta`. Default: 0.
        weight_decay (float, optional): L2 penalty. Default: 0.
        initial_accumulator_value (float, optional): the initial sum. Default: 0.
        eps (float, optional): added to the denominator. Default: 1e-10.
        foreach, fused (bool, optional): accepted; torcia has one implementation.
        maximize (bool, optional): maximize the objective instead. Default: False.
        differentiable (bool, optional): not supported (must be False).
    """

    _group_fallbacks = {"foreach": None, "maximize": False, "differentiable": False,
                        "fused": None}
    _tensor_state = ("step",)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= lr_decay:
            raise ValueError(f"Invalid lr_decay value: {lr_decay}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= initial_accumulator_value:
            raise ValueError("Invalid initial_accumulator_value value: "
                             f"{initial_accumulator_value}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "fused": fused}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p].update(self._init_state(p, group))

    def _init_state(self, p, group):
        from .._ops.creation import full_like
        value = self.defaults["initial_accumulator_value"]
        if p.is_complex():
            value = complex(value, value)
        return {"step": _step_tensor(), "sum": full_like(p, value)}

    def _hyper(self, g):
        return (_to_float(g["lr"]), g["lr_decay"], g["weight_decay"], g["eps"], g["maximize"])

    def _apply_single(self, p, grad, state, h):
        lr, lr_decay, weight_decay, eps, maximize = h
        param = _real(p._data)
        step_t, state_sum = state["step"], state["sum"]
        step_t._data += 1
        g = self._grad(param, _real(grad._data), maximize, weight_decay)
        clr = lr / (1 + (float(step_t._data) - 1) * lr_decay)
        tmp1, tmp2 = self._scratch(param, 1), self._scratch(param, 2)
        s = _real(state_sum._data)
        _addcmul(s, g, g, 1, tmp1)
        state_sum._vc[0] += 1
        std = np.sqrt(s, out=tmp2)
        std += eps
        _addcdiv(param, g, std, -clr, tmp1)

    def share_memory(self):
        """Kept for PyTorch's API: torcia's CPU arrays need no sharing step."""

"""Adadelta: an adaptive learning rate from running averages of squared gradients and updates
(Zeiler)."""

import numpy as np

from .adam import _check_lr
from .optimizer import Optimizer, _addcmul, _real, _step_tensor, _to_float, _zeros_like

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``.

    .. math::
        v_t = \rho v_{t-1} + (1 - \rho) g_t^2, \quad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}} g_t, \quad
        u_t = \rho u_{t-1} + (1 - \rho) \Delta_t^2, \quad
        \theta_t = \theta_{t-1} - \gamma \Delta_t

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): coefficient that scales delta. Default: 1.0.
        rho (float, optional): decay rate of the running averages. Default: 0.9.
        eps (float, optional): added inside the square roots. Default: 1e-6.
        weight_decay (float, optional): L2 penalty. Default: 0.
        foreach (bool, optional): accepted; torcia has one implementation.
        capturable, differentiable (bool, optional): not supported on the CPU (must be False).
        maximize (bool, optional): maximize the objective instead. Default: False.
    """

    _group_fallbacks = {"foreach": None, "maximize": False, "differentiable": False,
                        "capturable": False}
    _tensor_state = ("step",)

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _hyper(self, g):
        return _to_float(g["lr"]), g["rho"], g["eps"], g["weight_decay"], g["maximize"]

    def _init_state(self, p, group):
        return {"step": _step_tensor(), "square_avg": _zeros_like(p),
                "acc_delta": _zeros_like(p)}

    def _apply_single(self, p, grad, state, h):
        lr, rho, eps, weight_decay, maximize = h
        param = _real(p._data)
        state["step"]._data += 1
        g = self._grad(param, _real(grad._data), maximize, weight_decay)
        tmp1, tmp2, tmp3 = (self._scratch(param, i) for i in (1, 2, 3))
        square_avg, acc_delta = state["square_avg"], state["acc_delta"]
        v, u = _real(square_avg._data), _real(acc_delta._data)
        v *= rho
        _addcmul(v, g, g, 1 - rho, tmp1)
        std = np.add(v, eps, out=tmp2)
        np.sqrt(std, out=std)
        delta = np.add(u, eps, out=tmp3)
        np.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        u *= rho
        _addcmul(u, delta, delta, 1 - rho, tmp1)
        square_avg._vc[0] += 1
        acc_delta._vc[0] += 1
        param += np.multiply(delta, -lr, out=tmp1)

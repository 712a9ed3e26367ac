"""Adamax: Adam with the infinity norm (Kingma & Ba, section 7)."""

import numpy as np

from .adam import _check_betas, _check_lr
from .optimizer import Optimizer, _addcdiv, _lerp, _real, _step_tensor, _to_float, _zeros_like

__all__ = ["Adamax"]


class Adamax(Optimizer):
    r"""Adamax, as ``torch.optim.Adamax``.

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        u_t = \max(\beta_2 u_{t-1}, |g_t| + \epsilon), \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t} \frac{m_t}{u_t}

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): learning rate. Default: 2e-3.
        betas (Tuple[float, float], optional): decay rates. Default: (0.9, 0.999).
        eps (float, optional): added to :math:`|g_t|`. Default: 1e-8.
        weight_decay (float, optional): L2 penalty. Default: 0.
        foreach (bool, optional): accepted; torcia has one implementation.
        maximize (bool, optional): maximize the objective instead. Default: False.
        differentiable, capturable (bool, optional): not supported on the CPU (must be False).
    """

    _group_fallbacks = {"foreach": None, "maximize": False, "differentiable": False,
                        "capturable": False}
    _tensor_state = ("step",)

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_betas(betas, eps, lr, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def _hyper(self, g):
        beta1, beta2 = g["betas"]
        return _to_float(g["lr"]), beta1, beta2, g["eps"], g["weight_decay"], g["maximize"]

    def _init_state(self, p, group):
        return {"step": _step_tensor(), "exp_avg": _zeros_like(p), "exp_inf": _zeros_like(p)}

    def _apply_single(self, p, grad, state, h):
        lr, beta1, beta2, eps, weight_decay, maximize = h
        param = _real(p._data)
        step_t, exp_avg, exp_inf = state["step"], state["exp_avg"], state["exp_inf"]
        step_t._data += 1
        g = self._grad(param, _real(grad._data), maximize, weight_decay)
        tmp, tmp1 = self._scratch(param), self._scratch(param, 1)
        m, u = _real(exp_avg._data), _real(exp_inf._data)
        _lerp(m, g, 1 - beta1, tmp1)
        u *= beta2
        norm = np.abs(g, out=tmp1)
        norm += eps
        np.maximum(u, norm, out=u)
        exp_avg._vc[0] += 1
        exp_inf._vc[0] += 1
        clr = lr / (1 - beta1 ** float(step_t._data))
        _addcdiv(param, m, u, -clr, tmp)

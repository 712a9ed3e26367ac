"""RAdam: Adam with a rectified adaptive learning rate (Liu et al.)."""

import math

import numpy as np

from .adam import _check_betas, _check_lr
from .optimizer import Optimizer, _addcmul, _lerp, _real, _step_tensor, _to_float, _zeros_like

__all__ = ["RAdam"]


class RAdam(Optimizer):
    r"""RAdam, as ``torch.optim.RAdam``.

    .. math::
        \rho_\infty = \frac{2}{1 - \beta_2} - 1, \quad
        \rho_t = \rho_\infty - \frac{2 t \beta_2^t}{1 - \beta_2^t}, \quad
        \theta_t = \theta_{t-1} - \gamma \frac{m_t}{1 - \beta_1^t}
            \Big(r_t \frac{\sqrt{1 - \beta_2^t}}{\sqrt{v_t} + \epsilon} \text{ if }
            \rho_t > 5 \text{ else } 1\Big)

    with :math:`r_t = \sqrt{(\rho_t - 4)(\rho_t - 2)\rho_\infty /
    ((\rho_\infty - 4)(\rho_\infty - 2)\rho_t)}` and :math:`m_t, v_t` Adam's moments.

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): learning rate. Default: 1e-3.
        betas (Tuple[float, float], optional): decay rates. Default: (0.9, 0.999).
        eps (float, optional): added to the denominator. Default: 1e-8.
        weight_decay (float, optional): weight decay. Default: 0.
        decoupled_weight_decay (bool, optional): AdamW-style weight decay. Default: False.
        foreach (bool, optional): accepted; torcia has one implementation.
        maximize (bool, optional): maximize the objective instead. Default: False.
        capturable, differentiable (bool, optional): not supported on the CPU (must be False).
    """

    _group_fallbacks = {"foreach": None, "maximize": False, "differentiable": False,
                        "decoupled_weight_decay": False, "capturable": False}
    _tensor_state = ("step",)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_lr(lr)
        _check_betas(betas, eps, lr, weight_decay)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _hyper(self, g):
        beta1, beta2 = g["betas"]
        return (_to_float(g["lr"]), beta1, beta2, g["eps"], g["weight_decay"],
                g["decoupled_weight_decay"], g["maximize"])

    def _init_state(self, p, group):
        return {"step": _step_tensor(), "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)}

    def _apply_single(self, p, grad, state, h):
        lr, beta1, beta2, eps, weight_decay, decoupled, maximize = h
        param = _real(p._data)
        step_t, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
        step_t._data += 1
        step = float(step_t._data)
        if decoupled and weight_decay != 0:
            param *= 1 - lr * weight_decay
        g = self._grad(param, _real(grad._data), maximize, 0 if decoupled else weight_decay)
        tmp1, tmp2 = self._scratch(param, 1), self._scratch(param, 2)
        m, v = _real(exp_avg._data), _real(exp_avg_sq._data)
        _lerp(m, g, 1 - beta1, tmp1)
        v *= beta2
        _addcmul(v, g, g, 1 - beta2, tmp1)
        exp_avg._vc[0] += 1
        exp_avg_sq._vc[0] += 1
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        update = np.divide(m, bias_correction1, out=tmp1)
        update *= lr
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * beta2 ** step / bias_correction2
        if rho_t > 5.0:
            # the adaptive rate sqrt(1 - beta2^t) / (sqrt(v) + eps), as PyTorch's
            # ``number / tensor``: a reciprocal times the number
            adaptive = np.sqrt(v, out=tmp2)
            adaptive += eps
            np.reciprocal(adaptive, out=adaptive)
            adaptive *= bias_correction2 ** 0.5
            update *= adaptive
            update *= math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                                / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        param -= update

"""NAdam: Adam with Nesterov momentum (Dozat), with momentum decay."""

import numpy as np

from .adam import _check_betas, _check_lr
from .optimizer import (
    Optimizer,
    _addcdiv,
    _addcmul,
    _lerp,
    _real,
    _step_tensor,
    _to_float,
    _zeros_like,
)

__all__ = ["NAdam"]


class NAdam(Optimizer):
    r"""NAdam, as ``torch.optim.NAdam``.

    .. math::
        \mu_t = \beta_1 (1 - \tfrac12 0.96^{t \psi}), \quad
        \theta_t = \theta_{t-1} - \gamma \Big(\frac{(1 - \mu_t) g_t}{1 - \prod_{i \le t} \mu_i}
            + \frac{\mu_{t+1} m_t}{1 - \prod_{i \le t+1} \mu_i}\Big)
            \Big/ \Big(\sqrt{v_t / (1 - \beta_2^t)} + \epsilon\Big)

    with :math:`m_t, v_t` Adam's moment estimates and :math:`\psi` the momentum decay.

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): learning rate. Default: 2e-3.
        betas (Tuple[float, float], optional): decay rates. Default: (0.9, 0.999).
        eps (float, optional): added to the denominator. Default: 1e-8.
        weight_decay (float, optional): weight decay. Default: 0.
        momentum_decay (float, optional): :math:`\psi`. Default: 4e-3.
        decoupled_weight_decay (bool, optional): AdamW-style weight decay. Default: False.
        foreach (bool, optional): accepted; torcia has one implementation.
        maximize (bool, optional): maximize the objective instead. Default: False.
        capturable, differentiable (bool, optional): not supported on the CPU (must be False).
    """

    _group_fallbacks = {"maximize": False, "foreach": None, "capturable": False,
                        "differentiable": False, "decoupled_weight_decay": False}
    _tensor_state = ("step", "mu_product")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        _check_betas(betas, eps, lr, weight_decay)
        if not 0.0 <= momentum_decay:
            raise ValueError(f"Invalid momentum_decay value: {momentum_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _hyper(self, g):
        beta1, beta2 = g["betas"]
        return (_to_float(g["lr"]), beta1, beta2, g["eps"], g["weight_decay"],
                g["momentum_decay"], g["decoupled_weight_decay"], g["maximize"])

    def _init_state(self, p, group):
        return {"step": _step_tensor(), "mu_product": _step_tensor(1.0),
                "exp_avg": _zeros_like(p), "exp_avg_sq": _zeros_like(p)}

    def _apply_single(self, p, grad, state, h):
        lr, beta1, beta2, eps, weight_decay, momentum_decay, decoupled, maximize = h
        param = _real(p._data)
        step_t, mu_product = state["step"], state["mu_product"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        step_t._data += 1
        step = float(step_t._data)
        bias_correction2 = 1 - beta2 ** step
        if decoupled and weight_decay != 0:
            param *= 1 - lr * weight_decay
        g = self._grad(param, _real(grad._data), maximize, 0 if decoupled else weight_decay)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
        mu_product._data *= mu  # in the product's own (float32) precision, as PyTorch
        tmp1, tmp2 = self._scratch(param, 1), self._scratch(param, 2)
        m, v = _real(exp_avg._data), _real(exp_avg_sq._data)
        _lerp(m, g, 1 - beta1, tmp1)
        v *= beta2
        _addcmul(v, g, g, 1 - beta2, tmp1)
        exp_avg._vc[0] += 1
        exp_avg_sq._vc[0] += 1
        denom = np.divide(v, bias_correction2, out=tmp2)
        np.sqrt(denom, out=denom)
        denom += eps
        product = float(mu_product._data)
        _addcdiv(param, g, denom, -lr * (1.0 - mu) / (1.0 - product), tmp1)
        _addcdiv(param, m, denom, -lr * mu_next / (1.0 - product * mu_next), tmp1)

"""Adam: adaptive moment estimation (Kingma & Ba), with AMSGrad and decoupled weight decay."""

import numpy as np

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

__all__ = ["Adam"]


def _check_betas(betas, eps, lr, weight_decay):
    """The hyperparameter checks Adam-like optimizers share, with PyTorch's messages."""
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")


def _check_lr(lr):
    if hasattr(lr, "numel") and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``.

    .. math::
        m_t = \beta_1 m_{t-1} + (1 - \beta_1) g_t, \quad
        v_t = \beta_2 v_{t-1} + (1 - \beta_2) g_t^2, \quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}
            \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}

    with :math:`g_t` the gradient plus :math:`\lambda \theta_{t-1}` (L2 weight decay), or
    :math:`\theta_{t-1}` first scaled by :math:`1 - \gamma\lambda` when
    ``decoupled_weight_decay`` (AdamW); AMSGrad uses the running maximum of :math:`v_t`.

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): learning rate. Default: 1e-3.
        betas (Tuple[float, float], optional): decay rates of the moment estimates.
            Default: (0.9, 0.999).
        eps (float, optional): added to the denominator. Default: 1e-8.
        weight_decay (float, optional): weight decay. Default: 0.
        amsgrad (bool, optional): use AMSGrad. Default: False.
        maximize (bool, optional): maximize the objective instead. Default: False.
        decoupled_weight_decay (bool, optional): AdamW's weight decay. Default: False.
        foreach, fused (bool, optional): accepted; torcia has one implementation.
        capturable, differentiable (bool, optional): not supported on the CPU (must be False).

    Example::

        >>> optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    """

    _group_fallbacks = {"amsgrad": False, "maximize": False, "foreach": None,
                        "capturable": False, "differentiable": False,
                        "decoupled_weight_decay": False, "fused": None}
    _tensor_state = ("step",)

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        if hasattr(lr, "numel"):
            if foreach and not capturable:
                raise ValueError("lr as a Tensor is not supported for capturable=False and "
                                 "foreach=True")
            _check_lr(lr)
        _check_betas(betas, eps, lr, weight_decay)
        b0, b1 = betas[0], betas[1]
        if not ((isinstance(b0, float) and isinstance(b1, float))
                or (hasattr(b0, "numel") and hasattr(b1, "numel"))):
            raise ValueError("betas must be either both floats or both Tensors")
        for i, b in enumerate(betas):
            if hasattr(b, "numel"):
                if not capturable and foreach:
                    raise ValueError(f"betas[{i}] as a Tensor is not supported for "
                                     "capturable=False and foreach=True")
                if b.numel() != 1:
                    raise ValueError(f"Tensor betas[{i}] must be 1-element")
        betas = tuple(b.squeeze() if hasattr(b, "numel") and b.dim() else b for b in betas)
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize, "foreach": foreach,
                    "capturable": capturable, "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def _hyper(self, g):
        beta1, beta2 = g["betas"]
        return (_to_float(g["lr"]), _to_float(beta1), _to_float(beta2), g["eps"],
                g["weight_decay"], g["amsgrad"], g["maximize"], g["decoupled_weight_decay"])

    def _init_state(self, p, group):
        state = {"step": _step_tensor(), "exp_avg": _zeros_like(p),
                 "exp_avg_sq": _zeros_like(p)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = _zeros_like(p)
        return state

    def _apply_single(self, p, grad, state, h):
        lr, beta1, beta2, eps, weight_decay, amsgrad, maximize, decoupled = h
        param = _real(p._data)
        step_t, exp_avg, exp_avg_sq = state["step"], state["exp_avg"], state["exp_avg_sq"]
        step_t._data += 1
        step = float(step_t._data)
        if decoupled and weight_decay != 0:
            param *= 1 - lr * weight_decay
        g = self._grad(param, _real(grad._data), maximize, 0 if decoupled else weight_decay)
        tmp, tmp1 = self._scratch(param), self._scratch(param, 1)
        m, v = _real(exp_avg._data), _real(exp_avg_sq._data)
        _lerp(m, g, 1 - beta1, tmp1)
        v *= beta2
        _addcmul(v, g, g, 1 - beta2, tmp1)
        exp_avg._vc[0] += 1
        exp_avg_sq._vc[0] += 1
        if amsgrad:
            vmax = state["max_exp_avg_sq"]
            v = np.maximum(_real(vmax._data), v, out=_real(vmax._data))
            vmax._vc[0] += 1
        step_size = lr / (1 - beta1 ** step)
        denom = np.sqrt(v, out=tmp)
        denom /= (1 - beta2 ** step) ** 0.5
        denom += eps
        _addcdiv(param, m, denom, -step_size, tmp1)

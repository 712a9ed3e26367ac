"""RMSprop: gradients divided by a running root mean square (Hinton), optionally centered and
with momentum."""

import numpy as np

from .adam import _check_lr
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

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    .. math::
        v_t = \alpha v_{t-1} + (1 - \alpha) g_t^2, \quad
        \tilde v_t = v_t - \bar g_t^2 \text{ if centered else } v_t, \quad
        b_t = \mu b_{t-1} + \frac{g_t}{\sqrt{\tilde v_t} + \epsilon}, \quad
        \theta_t = \theta_{t-1} - \gamma b_t

    (without momentum, :math:`b_t` is the fraction itself), :math:`\bar g_t` being the running
    mean of the gradient.

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): learning rate. Default: 1e-2.
        alpha (float, optional): smoothing constant. Default: 0.99.
        eps (float, optional): added to the denominator. Default: 1e-8.
        weight_decay (float, optional): L2 penalty. Default: 0.
        momentum (float, optional): momentum factor. Default: 0.
        centered (bool, optional): normalise by the estimated variance. Default: False.
        capturable, differentiable (bool, optional): not supported on the CPU (must be False).
        foreach (bool, optional): accepted; torcia has one implementation.
        maximize (bool, optional): maximize the objective instead. Default: False.
    """

    _group_fallbacks = {"momentum": 0, "centered": False, "foreach": None, "maximize": False,
                        "differentiable": False, "capturable": False}
    _tensor_state = ("step",)

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= momentum:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if not 0.0 <= alpha:
            raise ValueError(f"Invalid alpha value: {alpha}")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def _hyper(self, g):
        return (_to_float(g["lr"]), g["alpha"], g["eps"], g["weight_decay"], g["momentum"],
                g["centered"], g["maximize"])

    def _init_state(self, p, group):
        state = {"step": _step_tensor(), "square_avg": _zeros_like(p)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = _zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = _zeros_like(p)
        return state

    def _apply_single(self, p, grad, state, h):
        lr, alpha, eps, weight_decay, momentum, centered, maximize = h
        param = _real(p._data)
        state["step"]._data += 1
        g = self._grad(param, _real(grad._data), maximize, weight_decay)
        tmp1, tmp2 = self._scratch(param, 1), self._scratch(param, 2)
        square_avg = state["square_avg"]
        v = _real(square_avg._data)
        v *= alpha
        _addcmul(v, g, g, 1 - alpha, tmp1)
        square_avg._vc[0] += 1
        if centered:
            grad_avg = state["grad_avg"]
            ga = _real(grad_avg._data)
            _lerp(ga, g, 1 - alpha, tmp1)
            grad_avg._vc[0] += 1
            avg = np.multiply(ga, -1, out=tmp2)
            avg *= ga
            avg += v
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(v, out=tmp2)
        avg += eps
        if momentum > 0:
            buf = state["momentum_buffer"]
            b = _real(buf._data)
            b *= momentum
            _addcdiv(b, g, avg, 1, tmp1)
            buf._vc[0] += 1
            param += np.multiply(b, -lr, out=tmp1)
        else:
            _addcdiv(param, g, avg, -lr, tmp1)

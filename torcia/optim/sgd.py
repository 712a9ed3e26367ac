"""SGD: stochastic gradient descent, optionally with momentum, Nesterov momentum and weight
decay."""

import numpy as np

from .._tensor import wrap
from .optimizer import Optimizer, _add_scaled, _to_float

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    .. math::
        g_t = \nabla f(\theta_{t-1}) + \lambda \theta_{t-1}, \quad
        b_t = \mu b_{t-1} + (1 - \tau) g_t \; (b_1 = g_1), \quad
        \theta_t = \theta_{t-1} - \gamma (g_t + \mu b_t \text{ if nesterov else } b_t)

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): learning rate :math:`\gamma`. Default: 1e-3.
        momentum (float, optional): momentum factor :math:`\mu`. Default: 0.
        dampening (float, optional): dampening :math:`\tau` for momentum. Default: 0.
        weight_decay (float, optional): L2 penalty :math:`\lambda`. Default: 0.
        nesterov (bool, optional): Nesterov momentum. Default: False.
        maximize (bool, optional): maximize the objective instead. Default: False.
        foreach, fused (bool, optional): accepted; torcia has one implementation.
        differentiable (bool, optional): not supported (must be False).

    Example::

        >>> optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        >>> optimizer.zero_grad()
        >>> loss_fn(model(input), target).backward()
        >>> optimizer.step()
    """

    _group_fallbacks = {"nesterov": False, "maximize": False, "foreach": None,
                        "differentiable": False, "fused": False}

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        if hasattr(lr, "numel") and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        if fused:
            if differentiable:
                raise RuntimeError("`fused` does not support `differentiable`")
            if foreach:
                raise RuntimeError("`fused` and `foreach` cannot be `True` together.")

    def _hyper(self, g):
        return (_to_float(g["lr"]), g["momentum"], g["dampening"], _to_float(g["weight_decay"]),
                g["nesterov"], g["maximize"])

    def _init_state(self, p, group):
        return {} if group["momentum"] != 0 else None  # the buffer is the first gradient

    def _apply_single(self, p, grad, state, h):
        lr, momentum, dampening, weight_decay, nesterov, maximize = h
        param = p._data
        g = self._grad(param, grad._data, maximize, weight_decay)
        tmp, tmp1 = self._scratch(param), self._scratch(param, 1)
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = wrap(g.copy(order="K"), p._device)
                b = buf._data
            else:
                b = buf._data
                b *= momentum
                b += np.multiply(g, 1 - dampening, out=tmp1) if dampening != 0 else g
                buf._vc[0] += 1
            g = _add_scaled(g, b, momentum, tmp, tmp1) if nesterov else b
        param += np.multiply(g, -lr, out=tmp)

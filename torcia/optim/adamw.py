"""AdamW: Adam with decoupled weight decay (Loshchilov & Hutter)."""

from .adam import Adam

__all__ = ["AdamW"]


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam whose weight decay scales the parameters by
    :math:`1 - \gamma\lambda` before the update instead of adding to the gradient.

    Args:
        params (iterable): parameters, named parameters or param group dicts.
        lr (float, Tensor, optional): learning rate. Default: 1e-3.
        betas (Tuple[float, float], optional): decay rates of the moment estimates.
            Default: (0.9, 0.999).
        eps (float, optional): added to the denominator. Default: 1e-8.
        weight_decay (float, optional): weight decay coefficient. Default: 1e-2.
        amsgrad (bool, optional): use AMSGrad. Default: False.
        maximize (bool, optional): maximize the objective instead. Default: False.
        foreach, fused (bool, optional): accepted; torcia has one implementation.
        capturable, differentiable (bool, optional): not supported on the CPU (must be False).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True

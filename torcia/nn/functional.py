"""torch.nn.functional: the functional form of every layer.

Differentiable ops live once in ``torcia/_ops/<family>.py``; this module holds the few
compositions that are only functional (``linear``, ``bilinear``) and re-exports the rest,
family by family.
"""

from .._ops.linalg import addmm, einsum, matmul
from .._ops.pointwise import relu  # noqa: F401
from .._ops.reduction import log_softmax, softmax  # noqa: F401

__all__ = ["linear", "bilinear", "relu", "softmax", "log_softmax"]


def linear(input, weight, bias=None):
    r"""Applies :math:`y = xA^T + b` (``input``: (*, in), ``weight``: (out, in)).

    As in PyTorch, with a bias the input is flattened to 2-D for one ``addmm`` and the result
    viewed back, so the graph holds AddmmBackward0; without one it is a ``matmul``.
    """
    if bias is None:
        return matmul(input, weight.t())
    if input.dim() == 2:
        return addmm(bias, input, weight.t())
    out = addmm(bias, input.reshape(-1, input.shape[-1]), weight.t())
    return out.view(*input.shape[:-1], weight.shape[0])


def bilinear(input1, input2, weight, bias=None):
    r"""Applies :math:`y = x_1^T A x_2 + b`."""
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias

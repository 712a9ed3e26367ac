"""torch.nn.functional: the functional form of every layer.

Differentiable ops live once in ``torcia/_ops/<family>.py``; this module holds the few
compositions that are only functional (``linear``, ``bilinear``) and re-exports the rest,
family by family.
"""

from .._ops import activation as _activation
from .._ops import attention as _attention
from .._ops import conv as _conv
from .._ops import distance as _distance
from .._ops import dropout as _dropout
from .._ops import loss as _loss
from .._ops import norm as _norm
from .._ops import pool as _pool
from .._ops import sparse as _sparse
from .._ops.activation import *  # noqa: F401,F403
from .._ops.attention import *  # noqa: F401,F403
from .._ops.attention import _canonical_mask, _none_or_dtype  # noqa: F401
from .._ops.conv import *  # noqa: F401,F403
from .._ops.distance import *  # noqa: F401,F403
from .._ops.dropout import *  # noqa: F401,F403
from .._ops.linalg import addmm, einsum, matmul
from .._ops.loss import *  # noqa: F401,F403
from .._ops.norm import *  # noqa: F401,F403
from .._ops.pool import *  # noqa: F401,F403
from .._ops.sparse import *  # noqa: F401,F403

__all__ = ["linear", "bilinear"]
__all__ += _activation.__all__
__all__ += _distance.__all__ + _dropout.__all__ + _loss.__all__ + _sparse.__all__
__all__ += _norm.__all__
__all__ += _conv.__all__ + _pool.__all__
__all__ += _attention.__all__


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
    r"""Applies :math:`y = x_1^T A x_2 + b` (``weight``: (out, in1, in2)); also
    ``torch.bilinear``."""
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    for i in range(input1.dim() - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    for k, t in ((1, input1), (2, input2)):
        if t.shape[-1] != weight.size(k):
            raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got "
                               f"{t.shape[-1]} but expected {weight.size(k)}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got "
                           f"{bias.shape[-1]} but expected {weight.shape[0]}")
    out = einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias

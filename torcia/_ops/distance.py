"""Distances between vectors: ``pairwise_distance``, ``cosine_similarity`` and
``normalize``, composed of Tensor ops as PyTorch composes them (so their gradients and graph
nodes are the composition's)."""

from .. import _dtype
from ..autograd import grad_mode
from .shape import broadcast_tensors

__all__ = ["pairwise_distance", "cosine_similarity", "normalize"]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The ``p``-norm of ``x1 - x2 + eps`` over the last dimension."""
    last = max(x1.dim(), x2.dim()) - 1
    return (x1 - x2 + eps).norm(p, last, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """``<x1, x2> / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``.

    As PyTorch, each input is divided by its (clamped) norm first, which keeps the result
    in [-1, 1].
    """
    common = _dtype.result_type(x1, x2)
    if not common.is_floating_point:
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{common._legacy}")
    if x1.dtype is not common:
        x1 = x1.to(common)
    if x2.dtype is not common:
        x2 = x2.to(common)
    x1, x2 = broadcast_tensors(x1, x2)
    n1 = x1.norm(2, dim, keepdim=True).clone()
    n2 = x2.norm(2, dim, keepdim=True).clone()
    with grad_mode.no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    from .pointwise import div
    denom = input.norm(p, dim, keepdim=True)
    if out is None:
        return input / denom.clamp_min(eps).expand_as(input)
    return div(input, denom.clamp_min_(eps).expand_as(input), out=out)


TORCH = {"pairwise_distance": pairwise_distance, "cosine_similarity": cosine_similarity}

"""Distances between vectors: ``pairwise_distance``, ``cosine_similarity`` and
``normalize``, composed of Tensor ops as PyTorch composes them (so their gradients and graph
nodes are the composition's)."""

from .. import _dtype
from ..autograd import grad_mode
from ._core import Node as _Node
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


# -- cdist, pdist ------------------------------------------------------------------------------
_CDIST_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                "donot_use_mm_for_euclid_dist": 2}


def _pnorm_arr(diff, p, axis=-1):
    """The ``p``-norm of array ``diff`` over ``axis``, as PyTorch's distance kernels take it."""
    import numpy as np
    a = np.abs(diff)
    if p == 0:
        return (a != 0).sum(axis).astype(diff.dtype)
    if p == 1:
        return a.sum(axis)
    if p == 2:
        return np.sqrt((a * a).sum(axis))
    if p == float("inf"):
        return a.max(axis, initial=0).astype(diff.dtype)
    return (a ** p).sum(axis) ** (1.0 / p)


class CdistBackward0(_Node):
    def backward(self, grad):
        from .reduction import pnorm_backward
        x1, x2, result = self.saved_tensors
        nf = self.next_functions
        if self.p == 0:
            return (x1 * 0 if nf[0][0] is not None else None,
                    x2 * 0 if nf[1][0] is not None else None)
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        w = pnorm_backward(grad.unsqueeze(-1), diff, result.unsqueeze(-1), self.p)
        return (w.sum(-2) if nf[0][0] is not None else None,
                -w.sum(-3) if nf[1][0] is not None else None)


class EuclideanDistBackward0(_Node):
    def backward(self, grad):
        x1, x2, result = self.saved_tensors
        ratio = grad / result
        ratio = ratio.masked_fill(result == 0, 0)
        nf = self.next_functions
        return (x1 * ratio.sum(-1, True) - ratio.matmul(x2) if nf[0][0] is not None else None,
                x2 * ratio.sum(-2).unsqueeze(-1) - ratio.mT.matmul(x1)
                if nf[1][0] is not None else None)


def _euclidean_dist(x1, x2):
    """ATen's ``_euclidean_dist``: distances through one matrix product,
    ``sqrt(max(|a|^2 - 2 a.b + |b|^2, 0))``."""
    import numpy as np

    from ._core import record, requires_grad, wrap
    a, b = x1._data, x2._data
    a_ = np.concatenate([a * -2, (a * a).sum(-1, keepdims=True), np.ones(a.shape[:-1] + (1,),
                                                                          a.dtype)], -1)
    b_ = np.concatenate([b, np.ones(b.shape[:-1] + (1,), b.dtype),
                         (b * b).sum(-1, keepdims=True)], -1)
    r = np.sqrt(np.maximum(a_ @ np.swapaxes(b_, -1, -2), 0)).astype(a.dtype, copy=False)
    result = wrap(r, x1._device)
    if requires_grad(x1, x2):
        node = record(EuclideanDistBackward0, (x1, x2), (result,))
        node.save(x1, x2, result)
    return result


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distance between each row of ``x1`` (..., R1, M) and each row of ``x2``
    (..., R2, M), batch dims broadcast: a (..., R1, R2) tensor. For p = 2 with more than 25
    rows (or ``compute_mode="use_mm_for_euclid_dist"``) it is computed through a matrix
    product, as PyTorch does."""
    import numpy as np

    from ._core import record, requires_grad, wrap
    from .shape import _broadcast_pair
    if compute_mode not in _CDIST_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mode = _CDIST_MODES[compute_mode]
    for t, name in ((x1, "X1"), (x2, "X2")):
        if t.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t.ndim}D")
    c1, c2 = x1.shape[-1], x2.shape[-1]
    if c1 != c2:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {c1} X2: {c2}")
    for t, name in ((x1, "X1"), (x2, "X2")):
        if not t.is_floating_point():
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{t.dtype._legacy}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1.dtype is not x2.dtype:
        raise RuntimeError(f"expected scalar type {x1.dtype._legacy} but found "
                           f"{x2.dtype._legacy}")
    r1, r2 = x1.shape[-2], x2.shape[-2]
    batch = tuple(_broadcast_pair(tuple(x1.shape[:-2]), tuple(x2.shape[:-2])))
    out_shape = batch + (r1, r2)
    n_batch = int(np.prod(batch, dtype=np.int64))
    empty = r1 == 0 or r2 == 0 or n_batch == 0 or c1 == 0
    if not empty and p == 2 and (mode == 1 or (mode == 0 and (r1 > 25 or r2 > 25))):
        if n_batch == 1:
            return _euclidean_dist(x1, x2).view(out_shape)
        return _euclidean_dist(x1.expand(batch + (r1, c1)),
                               x2.expand(batch + (r2, c2))).view(out_shape)
    a = np.broadcast_to(x1._data, batch + (r1, c1))
    b = np.broadcast_to(x2._data, batch + (r2, c2))
    if empty:
        r = np.zeros(out_shape, a.dtype)
    else:
        low = a.dtype == np.float16 or a.dtype.name == "bfloat16"
        diff = (a.astype(np.float32)[..., :, None, :] - b.astype(np.float32)[..., None, :, :]) \
            if low else a[..., :, None, :] - b[..., None, :, :]
        r = _pnorm_arr(diff, p).astype(a.dtype, copy=False)
    result = wrap(np.ascontiguousarray(r), x1._device)
    if requires_grad(x1, x2):
        node = record(CdistBackward0, (x1, x2), (result,))
        node.p = p
        node.save(x1, x2, result)
    return result


class PdistBackward0(_Node):
    def backward(self, grad):
        from .indexing import index_add
        from .reduction import pnorm_backward
        x, result = self.saved_tensors
        if self.p == 0 or not result.numel():
            return x * 0
        i, j = self.pairs
        diff = x[i] - x[j]
        w = pnorm_backward(grad.unsqueeze(-1), diff, result.unsqueeze(-1), self.p)
        return index_add(index_add(x * 0, 0, i, w), 0, j, -w)


def pdist(input, p=2):
    """The ``p``-norm distances between all pairs of rows i < j of a 2-D tensor, in row-major
    order of the pairs (the upper triangle of ``cdist(input, input)``)."""
    import numpy as np

    from ._core import record, requires_grad, wrap
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if not input.is_floating_point():
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    a = input._data
    n = a.shape[0]
    i, j = np.triu_indices(n, 1)
    low = a.dtype == np.float16 or a.dtype.name == "bfloat16"
    c = a.astype(np.float32) if low else a
    r = _pnorm_arr(c[i] - c[j], p).astype(a.dtype, copy=False) if n > 1 else \
        np.zeros(0, a.dtype)
    result = wrap(np.ascontiguousarray(r), input._device)
    if requires_grad(input):
        node = record(PdistBackward0, (input,), (result,))
        node.p = p
        node.pairs = (wrap(i.astype(np.int64), input._device),
                      wrap(j.astype(np.int64), input._device))
        node.save(input, result)
    return result


__all__ += ["pdist"]  # torch.nn.functional has pdist; cdist is torch.cdist only
TORCH.update({"cdist": cdist, "pdist": pdist})

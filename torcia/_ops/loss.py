"""Loss functions: the ops behind ``torch.nn.functional``'s losses.

Losses PyTorch computes in one kernel (mse, smooth L1, Huber, BCE, BCE with logits, NLL,
soft margin, multi margin, CTC) are a forward on arrays next to a backward node with
PyTorch's name; the others are compositions of Tensor ops in PyTorch's order, so their
graphs hold PyTorch's nodes. ``reduction`` is 'none', 'mean' or 'sum'; the deprecated
``size_average``/``reduce`` pair maps onto it with PyTorch's warning.
"""

import math
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from . import creation
from ._core import F32_F64, Node, record, requires_grad
from .activation import _log_sigmoid
from .distance import pairwise_distance
from .indexing import where
from .pointwise import _legacy
from .reduction import LogSoftmaxBackward0, log_softmax
from .shape import broadcast_tensors

__all__ = ["l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div",
           "poisson_nll_loss", "gaussian_nll_loss", "cosine_embedding_loss",
           "margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss",
           "multilabel_soft_margin_loss", "multi_margin_loss", "multilabel_margin_loss",
           "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "ctc_loss"]

_MEAN, _SUM, _NONE = "mean", "sum", "none"


# -- reductions ---------------------------------------------------------------------------------
def _legacy_reduction(size_average, reduce, emit_warning=True):
    """The ``reduction`` string for the deprecated ``size_average``/``reduce`` pair."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    ret = _MEAN if size_average and reduce else _SUM if reduce else _NONE
    if emit_warning:
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{ret}' instead.", stacklevel=3)
    return ret


def _reduction(reduction, size_average=None, reduce=None):
    """A checked reduction string: 'none', 'mean' or 'sum' (PyTorch's ``get_enum``)."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction == "elementwise_mean":
        warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                      "instead.", stacklevel=3)
        return _MEAN
    if reduction not in (_NONE, _MEAN, _SUM):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    if reduction == _MEAN:
        return loss.mean()
    if reduction == _SUM:
        return loss.sum()
    return loss


def _size_warning(input, target):
    if target.size() != input.size():
        warnings.warn(f"Using a target size ({target.size()}) that is different to the input "
                      f"size ({input.size()}). This will likely lead to incorrect results due "
                      "to broadcasting. Please ensure they have the same size.", stacklevel=3)


def _float_kernel(input, kernel):
    if not (input.dtype.is_floating_point):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_legacy(input)}'")


def _fused(node_cls, inputs, kernel, reduction, saved, **attrs):
    """Run a fused loss: ``kernel()`` gives the unreduced array; the mean and sum are taken
    here; ``node_cls`` records over ``inputs`` (None for non-differentiable operands)."""
    first = next(t for t in inputs if t is not None)
    r = kernel()
    if reduction == _MEAN:
        r = r.mean(dtype=r.dtype) if r.size else np.asarray(np.nan, r.dtype)
    elif reduction == _SUM:
        r = r.sum(dtype=r.dtype)
    result = wrap(np.asarray(r), first._device)
    if requires_grad(*inputs):
        node = record(node_cls, inputs, (result,))
        node.save(*saved)
        node.reduction = reduction
        node.__dict__.update(attrs)
    return result


def _not_differentiable(fn, arg, t):
    if t is not None and requires_grad(t):
        raise RuntimeError(f"The function '{fn}' is not differentiable with respect to argument "
                           f"'{arg}'. This input cannot have requires_grad True.")


def _norm(grad, reduction, numel):
    """The upstream gradient of a fused loss, divided by the count for 'mean'."""
    return grad / numel if reduction == _MEAN else grad


# -- regression losses --------------------------------------------------------------------------
def _promoted(input, target):
    rt = _dtype.result_type(input, target)
    return input.to(rt) if input.dtype is not rt else input, \
        target.to(rt) if target.dtype is not rt else target


class MseLossBackward0(Node):
    def backward(self, grad):
        x, t = self.saved_tensors
        g = (x - t) * _norm(grad * 2, self.reduction, x.numel())
        return g if self.needs_input_grad[0] else None, -g if self.needs_input_grad[1] else None


def _weighted(errors, weight, input, reduction):
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    loss = errors * weight
    if reduction == _NONE:
        return loss
    if reduction == _SUM:
        return loss.sum()
    return loss.sum() / weight.sum()


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)^2``, reduced."""
    _size_warning(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    x, t = broadcast_tensors(input, target)
    if weight is not None:
        return _weighted((x - t).pow(2), weight, input, reduction)
    x, t = _promoted(x, t)
    _float_kernel(x, "mse_cpu")
    a, b = x._data, t._data
    return _fused(MseLossBackward0, (x, t), lambda: (a - b) * (a - b), reduction, (x, t))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced."""
    _size_warning(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    x, t = broadcast_tensors(input, target)
    if weight is not None:
        return _weighted((x - t).abs(), weight, input, reduction)
    return _reduce((x - t).abs(), reduction)


class SmoothL1LossBackward0(Node):
    def backward(self, grad):
        x, t = self.saved_tensors
        d = x - t
        beta = self.beta
        g = _norm(grad, self.reduction, x.numel())
        gx = where(d <= -beta, -g, where(d >= beta, g, d * g / beta))
        return gx if self.needs_input_grad[0] else None, -gx if self.needs_input_grad[1] else None


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """``0.5 * d^2 / beta`` where ``|d| < beta``, else ``|d| - 0.5 * beta`` (d = input -
    target); ``beta=0`` is the L1 loss."""
    _size_warning(input, target)
    reduction = _reduction(reduction, size_average, reduce)
    x, t = broadcast_tensors(input, target)
    if beta == 0.0:
        return _reduce((x - t).abs(), reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    x, t = _promoted(x, t)
    _float_kernel(x, "smooth_l1_cpu")

    def kernel():
        z = np.abs(x._data - t._data)
        return np.where(z < beta, 0.5 * z * z / beta, z - 0.5 * beta)
    return _fused(SmoothL1LossBackward0, (x, t), kernel, reduction, (x, t), beta=beta)


class HuberLossBackward0(Node):
    def backward(self, grad):
        x, t = self.saved_tensors
        d = x - t
        delta = self.delta
        g = _norm(grad, self.reduction, x.numel())
        gx = where(d < -delta, -g * delta, where(d > delta, g * delta, d * g))
        return gx if self.needs_input_grad[0] else None, -gx if self.needs_input_grad[1] else None


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 * d^2`` where ``|d| < delta``, else ``delta * (|d| - 0.5 * delta)``."""
    _size_warning(input, target)
    reduction = _reduction(reduction)
    x, t = broadcast_tensors(input, target)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    x, t = _promoted(x, t)
    _float_kernel(x, "huber_cpu")

    def kernel():
        z = np.abs(x._data - t._data)
        return np.where(z < delta, 0.5 * z * z, delta * (z - 0.5 * delta))
    if weight is not None:
        loss = _fused(HuberLossBackward0, (x, t), kernel, _NONE, (x, t), delta=delta)
        return _weighted_mean(loss, weight, input, reduction)
    return _fused(HuberLossBackward0, (x, t), kernel, reduction, (x, t), delta=delta)


def _weighted_mean(loss, weight, input, reduction):
    """Huber's weighting: the 'mean' is the plain mean of the weighted losses."""
    if weight.size() != input.size():
        raise ValueError("Weights and input must have the same size.")
    return _reduce(loss * weight, reduction)


# -- binary cross entropy -----------------------------------------------------------------------
class BinaryCrossEntropyBackward0(Node):
    def backward(self, grad):
        x, t, w = self.saved_tensors
        g = _norm(grad, self.reduction, x.numel())
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = g * (x - t) / ((1 - x) * x).clamp_min(1e-12)
            if w is not None:
                gx = gx * w
        if self.needs_input_grad[1]:
            gt = -x.logit() * g
            if w is not None:
                gt = gt * w
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``-w * (t * log(x) + (1 - t) * log(1 - x))``, each log clamped at -100 as in
    PyTorch."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(f"Using a target size ({target.size()}) that is different to the "
                         f"input size ({input.size()}) is deprecated. Please ensure they have "
                         "the same size.")
    if weight is not None:
        from .shape import broadcast_shapes
        weight = weight.expand(broadcast_shapes(target.size(), weight.size()))
    if target.dtype is not input.dtype:
        raise RuntimeError(f"Found dtype {target.dtype._legacy} but expected "
                           f"{input.dtype._legacy}")
    _float_kernel(input, "binary_cross_entropy")
    _not_differentiable("binary_cross_entropy", "weight", weight)
    x, t = input._data, target._data

    def kernel():
        if ((x < 0) | (x > 1)).any():
            raise RuntimeError("all elements of input should be between 0 and 1")
        if ((t < 0) | (t > 1)).any():
            raise RuntimeError("all elements of target should be between 0 and 1")
        with np.errstate(divide="ignore"):
            r = ((t - 1) * np.maximum(np.log1p(-x), -100) - t * np.maximum(np.log(x), -100))
        return r * weight._data if weight is not None else r
    return _fused(BinaryCrossEntropyBackward0, (input, target), kernel, reduction,
                  (input, target, weight))


class BinaryCrossEntropyWithLogitsBackward0(Node):
    def backward(self, grad):
        x, t, w, pw = self.saved_tensors
        g = _norm(grad, self.reduction, x.numel())
        gx = gt = None
        if self.needs_input_grad[0]:
            if pw is not None:
                pt = pw * t
                gx = ((pt + 1 - t) * x.sigmoid() - pt) * g
            else:
                gx = (x.sigmoid() - t) * g
            if w is not None:
                gx = gx * w
        if self.needs_input_grad[1]:
            from .activation import logsigmoid
            gt = (logsigmoid(-x) - logsigmoid(x) * pw if pw is not None else -x) * g
            if w is not None:
                gt = gt * w
        return gx, gt


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """``binary_cross_entropy(sigmoid(input), target)`` computed stably from logits;
    ``pos_weight`` weights the positive term (broadcast along the last dimension)."""
    reduction = _reduction(reduction, size_average, reduce)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    _float_kernel(input, "binary_cross_entropy_with_logits")
    _not_differentiable("binary_cross_entropy_with_logits", "weight", weight)
    _not_differentiable("binary_cross_entropy_with_logits", "pos_weight", pos_weight)
    x, t = input._data, target._data.astype(input._data.dtype, copy=False)

    def kernel():
        ls = _log_sigmoid(x)
        if pos_weight is not None:
            ls = ls * ((pos_weight._data - 1) * t + 1)
        r = (1 - t) * x - ls
        return r * weight._data if weight is not None else r
    return _fused(BinaryCrossEntropyWithLogitsBackward0, (input, target), kernel, reduction,
                  (input, target, weight, pos_weight))


# -- negative log likelihood and cross entropy --------------------------------------------------
class NllLossBackward0(Node):
    """``-w[t] * grad`` (divided by the total weight for 'mean') at each target's class: the
    per-element factors are fixed in the forward (``coef``), so this is one scatter."""

    def backward(self, grad):
        _, index, coef = self.saved_tensors
        if not grad_mode.state.enabled:
            prev = self.next_functions[0][0]
            if type(prev) is LogSoftmaxBackward0 and prev.__dict__.get("fused_ce") and \
                    not prev._has_hooks:  # Note [fused cross-entropy]
                gv = coef._data * grad._data
                zeros = np.ndarray(self.input_shape, gv.dtype, np.zeros(1, gv.dtype),
                                   strides=(0,) * len(self.input_shape))  # no memory
                zeros.flags.writeable = False
                placeholder = wrap(zeros, grad._device)
                prev.onehot_grad = (placeholder, index._data, gv)
                return placeholder
        g = (grad * coef).unsqueeze(self.cdim)
        return grad.new_zeros(self.input_shape).scatter(self.cdim, index, g)


class NllLoss2DBackward0(NllLossBackward0):
    pass


def _nll(input, target, weight, reduction, ignore_index, node_cls):
    """NLL over class dimension 1 (0 for a 1-D input), any number of trailing dims."""
    t = target._data
    if t.dtype != np.int64:
        if t.dtype != np.uint8:
            raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                               f"{_legacy(target)}")
        t = t.astype(np.int64)
    _not_differentiable("nll_loss2d_forward" if node_cls is NllLoss2DBackward0 else
                        "nll_loss_forward", "weight", weight)
    x = input._data
    dt = x.dtype
    cdim = 0 if x.ndim == 1 else 1
    n_classes = x.shape[cdim]
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {input.dtype._legacy} but found "
                           f"{weight.dtype._legacy}")
    ignored = t == ignore_index
    any_ignored = bool(ignored.any())
    bad = (t < 0) | (t >= n_classes)
    if any_ignored:
        bad &= ~ignored
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")
    safe = np.where(ignored, 0, t) if any_ignored else t
    index = np.expand_dims(safe, cdim)
    picked = np.take_along_axis(x, index, cdim).squeeze(cdim) if x.ndim > 1 else x[safe]
    if weight is None:
        w = (~ignored).astype(dt) if any_ignored else None
    else:
        w = weight._data[safe]
        if any_ignored:
            w = np.where(ignored, 0, w).astype(dt)
    losses = -picked if w is None else -w * picked
    if any_ignored:
        losses = np.where(ignored, 0, losses).astype(dt)
    total = float(safe.size) if w is None else float(w.sum(dtype=np.float64))
    if reduction == _NONE:
        r = losses
    elif reduction == _SUM:
        r = np.asarray(losses.sum(dtype=np.float64), dt)
    else:
        r = np.asarray(losses.sum(dtype=np.float64) / total if total else np.nan, dt)
    result = wrap(r, input._device)
    if requires_grad(input):
        node = record(node_cls, (input,), (result,))
        coef = -np.ones(safe.shape, dt) if w is None else -w
        if reduction == _MEAN:
            with np.errstate(divide="ignore", invalid="ignore"):
                coef = coef / np.asarray(total, dt)
            if any_ignored:
                coef = np.where(ignored, 0, coef)
        dev = input._device
        node.save(target, wrap(index, dev), wrap(coef.astype(dt, copy=False), dev))
        node.reduction, node.cdim, node.input_shape = reduction, cdim, x.shape
    return result


def _check_weight(weight, n_classes, prefix=""):
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"{prefix}weight tensor should be defined either for all {n_classes} "
                           f"classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")


def _nll_loss_nd(input, target, weight, reduction, ignore_index):
    """PyTorch's ``nll_loss_nd``: (C), (N, C) -> NllLoss; (N, C, H, W) -> NllLoss2d; other
    ranks are viewed as (N, C, 1, -1) first."""
    nd = input.dim()
    if nd < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {nd})")
    if nd != 1 and input.shape[0] != (target.shape[0] if target.dim() else 1):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.dim() else 1}).")
    if nd <= 2:
        if target.dim() > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if not (nd == 1 and target.dim() == 0) and input.shape[0] != target.shape[0]:
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)}, target: "
                               f"{list(target.shape)})")
        _check_weight(weight, input.shape[-1])
        return _nll(input, target, weight, reduction, ignore_index, NllLossBackward0)
    if nd == 4:
        return _nll2d(input, target, weight, reduction, ignore_index)
    n, c = input.shape[:2]
    out_size = [n] + list(input.shape[2:])
    if list(target.shape[1:]) != list(input.shape[2:]):
        raise RuntimeError(f"Expected target size {out_size}, got {list(target.shape)}")
    input, target = input.contiguous(), target.contiguous()
    x = input.view(n, c, 1, -1) if input.numel() else input.view(n, c, 0, 0)
    t = target.view(n, 1, -1) if target.numel() else target.view(n, 0, 0)
    out = _nll2d(x, t, weight, reduction, ignore_index)
    return out.view(out_size) if reduction == _NONE else out


def _nll2d(input, target, weight, reduction, ignore_index):
    if target.dim() != 3:
        raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                           f"targets of dimension: {target.dim()}")
    if weight is not None and weight.numel() != input.shape[1]:
        raise RuntimeError("weight tensor should be defined either for all or no classes")
    s, ts = input.shape, target.shape
    if (s[0], s[2], s[3]) != tuple(ts):
        raise RuntimeError(f"size mismatch (got input: {list(s)} , target: {list(ts)}")
    return _nll(input, target, weight, reduction, ignore_index, NllLoss2DBackward0)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """``-input[n, target[n]]`` (times the class weight), for log-probability inputs of shape
    (C), (N, C) or (N, C, d1, ...); targets equal to ``ignore_index`` count for nothing and
    'mean' divides by the total weight of the rest."""
    reduction = _reduction(reduction, size_average, reduce)
    return _nll_loss_nd(input, target, weight, reduction, ignore_index)


def _broadcast_weight(weight, ndim, cdim):
    if ndim <= 1:
        return weight
    shape = [1] * ndim
    shape[cdim] = weight.shape[0]
    return weight.view(shape)


def _cross_entropy_probs(input, target, weight, reduction, label_smoothing):
    cdim = 0 if input.dim() == 1 else 1
    n_classes = input.shape[cdim]
    _check_weight(weight, n_classes, "cross_entropy: ")
    logp = log_softmax(input, cdim, input.dtype)
    if label_smoothing > 0:
        _check_smoothing(label_smoothing)
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    prod = logp * target
    if weight is not None:
        prod = prod * _broadcast_weight(weight, logp.dim(), cdim)
    if reduction == _MEAN:
        if logp.numel() == 0:
            return -prod.sum().fill_(math.nan)
        return -prod.sum() / (logp.numel() // n_classes)
    if reduction == _SUM:
        return -prod.sum()
    return -prod.sum(cdim)


def _check_smoothing(label_smoothing):
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing:g}")


def _cross_entropy_smoothing(input, target, weight, reduction, ignore_index, label_smoothing):
    cdim = 0 if input.dim() == 1 else 1
    logp = log_softmax(input, cdim, input.dtype)
    nll = _nll_loss_nd(logp, target, weight, reduction, ignore_index)
    n_classes = logp.shape[cdim]
    if weight is not None:
        smooth = -(logp * _broadcast_weight(weight, logp.dim(), cdim)).sum(cdim)
    else:
        smooth = -logp.sum(cdim)
    ignore = target == ignore_index
    smooth = smooth.masked_fill(ignore, 0.0)
    if reduction == _MEAN:
        if weight is not None:
            ret = smooth.sum() / weight.gather(0, target.masked_select(~ignore).flatten()).sum()
        else:
            ret = smooth.sum() / (~ignore).sum()
    elif reduction == _SUM:
        ret = smooth.sum()
    else:
        ret = smooth
    return (1 - label_smoothing) * nll + ret * (label_smoothing / n_classes)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """``nll_loss(log_softmax(input, 1), target)`` for class-index targets, or the cross
    entropy with class-probability targets (same shape as ``input``); ``label_smoothing``
    mixes the target with the uniform distribution."""
    reduction = _reduction(reduction, size_average, reduce)
    if tuple(input.shape) == tuple(target.shape):
        if not target.dtype.is_floating_point:
            raise RuntimeError("Expected floating point type for target with class "
                               f"probabilities, got {target.dtype._legacy}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probs(input, target, weight, reduction, label_smoothing)
    if label_smoothing > 0.0:
        _check_smoothing(label_smoothing)
        return _cross_entropy_smoothing(input, target, weight, reduction, ignore_index,
                                        label_smoothing)
    if weight is None and isinstance(target, Tensor):
        fused = _cross_entropy_fused(input, target, reduction, ignore_index)
        if fused is not None:
            return fused
    cdim = 0 if input.dim() == 1 else 1
    return _nll_loss_nd(log_softmax(input, cdim, input.dtype), target, weight, reduction,
                        ignore_index)


# Note [fused cross-entropy]
# The common call, cross_entropy(logits (N, C) float32/64, int64 class indices (N)) without
# weights, smoothing or ignored targets, computes log_softmax and the picked log-probabilities
# in one function (the values of the composed path, with no checks or masks to spare) and
# records the composed path's nodes, LogSoftmaxBackward0 -> NllLossBackward0, saving what
# they save. Its log-probabilities are internal (no one else can use them or hook them), so
# NllLossBackward0's gradient for them is known to be one value per row at the target
# (``coef * grad``): when no graph of the backward is recorded and the LogSoftmaxBackward0
# node has no hooks, NllLossBackward0 hands it over as (index, values) on that node and
# returns a zero-cost placeholder of the right shape for the engine, and LogSoftmaxBackward0
# computes softmax * (-values) plus values at the targets: one exp pass, one multiply and a
# scatter of N values, instead of a dense one-hot, a row sum and three more passes. With
# create_graph both nodes run their Tensor formulas, so double backward works as before.
def _cross_entropy_fused(input, target, reduction, ignore_index):
    """``nll_loss(log_softmax(input, 1), target)`` for the common case, or None."""
    x, t = input._data, target._data
    if x.ndim != 2 or t.ndim != 1 or t.dtype != np.int64 or type(x) is not np.ndarray or \
            x.dtype not in F32_F64 or x.shape[0] != t.shape[0] or not x.size:
        return None
    n, c = x.shape
    if t.min() < 0 or t.max() >= c or (0 <= ignore_index < c and (t == ignore_index).any()):
        return None  # ignored or out-of-range targets: the general path (and its errors)
    z = x - x.max(axis=1, keepdims=True)
    e = np.exp(z)
    z -= np.log(e.sum(axis=1, keepdims=True))  # log_softmax
    picked = z[np.arange(n), t]
    if reduction == _NONE:
        r = -picked
    else:
        total = picked.sum(dtype=np.float64)
        r = np.asarray(-total / n if reduction == _MEAN else -total, x.dtype)
    dev = input._device
    result = wrap(r, dev)
    if requires_grad(input):
        logp = wrap(z, dev)
        ls = record(LogSoftmaxBackward0, (input,), (logp,))
        ls.dim = 1
        ls.save(logp)
        ls.fused_ce = True
        nll = record(NllLossBackward0, (logp,), (result,))
        coef = np.full(n, -1.0 / n if reduction == _MEAN else -1.0, x.dtype)
        nll.save(target, wrap(t[:, None], dev), wrap(coef, dev))
        nll.reduction, nll.cdim, nll.input_shape = reduction, 1, x.shape
    return result


# -- divergences and likelihoods ----------------------------------------------------------------
def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """``target * (log(target) - input)`` for log-probability ``input`` (``log_target``: the
    target is given as log-probabilities too); 'batchmean' divides the sum by the batch
    size."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
        red = reduction
    else:
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          stacklevel=2)
        red = _SUM if reduction == "batchmean" else _reduction(reduction)
    if input.is_complex() or target.is_complex():
        raise RuntimeError("kl_div: Complex inputs not supported.")
    if not input.dtype.is_floating_point or not target.dtype.is_floating_point:
        raise RuntimeError("kl_div: Integral inputs not supported.")
    if log_target:
        out = target.exp() * (target - input)
    else:
        out = target.xlogy(target) - target * input
    reduced = _reduce(out, red)
    if reduction == "batchmean" and input.dim() != 0:
        reduced = reduced / input.size()[0]
    return reduced


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """``exp(input) - target * input`` (``log_input``) or ``input - target * log(input +
    eps)``; ``full`` adds Stirling's approximation of ``log(target!)``."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    if reduction not in (_NONE, _MEAN, _SUM):
        raise ValueError(reduction + " is not a valid value for reduction")
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """``0.5 * (log(var) + (input - target)^2 / var)`` (plus ``0.5 * log(2 pi)`` with
    ``full``), ``var`` clamped to ``eps`` without affecting its gradient."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * creation.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.size() != input.size():
        if input.size()[:-1] == var.size():
            var = var.unsqueeze(-1)
        elif not (input.dim() == var.dim() and
                  sum(y for x, y in zip(input.size(), var.size()) if x != y) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in (_NONE, _MEAN, _SUM):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with grad_mode.no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


# -- margin and embedding losses ---------------------------------------------------------------
def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1``."""
    reduction = _reduction(reduction, size_average, reduce)
    tdim = target.dim()
    if tdim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if tdim == 1 and not (input1.dim() == 2 and input2.dim() == 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    if tdim == 0 and not (input1.dim() == 1 and input2.dim() == 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    prod_sum = (input1 * input2).sum(tdim)
    mag1 = (input1 * input1).sum(tdim) + 1e-12
    mag2 = (input2 * input2).sum(tdim) + 1e-12
    denom = (mag1 * mag2).sqrt_()
    cos = prod_sum / denom
    zeros = creation.zeros_like(cos)
    pos = 1 - cos
    neg = (cos - margin).clamp_min_(0)
    output = where(target == 1, pos, zeros) + where(target == -1, neg, zeros)
    return _reduce(output, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -target * (input1 - input2) + margin)``."""
    reduction = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.size()}, input2: {input2.size()}, "
                           f"target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min_(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``input`` where ``target == 1``, ``max(0, margin - input)`` where ``target == -1``."""
    reduction = _reduction(reduction, size_average, reduce)
    zeros = creation.zeros_like(input)
    margin_clamp = (margin - input).clamp_min_(0)
    out = where(target != 1, margin_clamp, zeros) + where(target != -1, input, zeros)
    return _reduce(out, reduction)


class SoftMarginLossBackward0(Node):
    def backward(self, grad):
        x, t = self.saved_tensors
        z = (-t * x).exp()
        return -t * z / (1 + z) * _norm(grad, self.reduction, x.numel())


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-target * input))``."""
    reduction = _reduction(reduction, size_average, reduce)
    _not_differentiable("soft_margin_loss", "target", target)
    _float_kernel(input, "soft_margin_loss")
    x, t = broadcast_tensors(input, target)
    a, b = x._data, t._data.astype(x._data.dtype, copy=False)
    return _fused(SoftMarginLossBackward0, (x,), lambda: np.log1p(np.exp(-b * a)), reduction,
                  (x, t))


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """The mean over classes of the binary cross entropy of ``sigmoid(input)``."""
    from .activation import logsigmoid
    if size_average is not None or reduce is not None:
        reduction = _legacy_reduction(size_average, reduce)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.size(class_dim)
    if reduction == _NONE:
        return loss
    if reduction == _MEAN:
        return loss.mean()
    if reduction == _SUM:
        return loss.sum()
    raise ValueError(reduction + " is not valid")


class MultiMarginLossBackward0(Node):
    def backward(self, grad):
        x, t, w = self.saved_tensors
        coef = self.coef  # d loss_n / d x[n, j], per sample (before the upstream gradient)
        g = grad if self.reduction == _NONE else grad.expand(x.shape[:-1])
        if self.reduction == _MEAN:
            g = g / self.nframe
        g = g.unsqueeze(-1) if x.dim() > 1 else g
        return wrap(coef, x._device) * g


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """Multi-class hinge loss: ``sum_j max(0, w[y] * (margin - x[y] + x[j]))^p / C`` over
    ``j != y``."""
    reduction = _reduction(reduction, size_average, reduce)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    _not_differentiable("multi_margin_loss", "weight", weight)
    x = input._data
    nd = x.ndim
    if nd > 2 or (nd == 2 and x.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(x.shape)}")
    nframe = x.shape[0] if nd == 2 else 1
    dim = x.shape[-1] if nd else 1
    t = target._data.reshape(-1).astype(np.int64)
    if target.dim() > 1 or t.size != nframe:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{nframe}], but got {list(target.shape)}. Input has shape "
                           f"{list(x.shape)}.")
    if ((t < 0) | (t >= dim)).any():
        raise RuntimeError("target out of range")
    x2 = x.reshape(nframe, dim)
    xt = np.take_along_axis(x2, t[:, None], 1)
    z = margin - xt + x2
    active = (z > 0) & (np.arange(dim)[None, :] != t[:, None])
    h = np.where(active, z if p == 1 else z * z, 0).astype(x.dtype)
    wt = weight._data[t][:, None].astype(x.dtype) if weight is not None else None
    if wt is not None:
        h = h * wt
    losses = (h.sum(1) / dim).astype(x.dtype)
    # gradient of each sample's loss with respect to its row
    d = np.where(active, 1 if p == 1 else 2 * z, 0).astype(x.dtype)
    if wt is not None:
        d = d * wt
    d = d / dim
    coef = d.copy()
    np.put_along_axis(coef, t[:, None], -d.sum(1, keepdims=True), 1)
    if reduction == _NONE:
        r = losses if nd == 2 else losses.reshape(())
    elif reduction == _SUM:
        r = losses.sum(dtype=x.dtype)
    else:
        r = losses.mean(dtype=x.dtype)
    result = wrap(np.asarray(r), input._device)
    if requires_grad(input):
        node = record(MultiMarginLossBackward0, (input,), (result,))
        node.save(input, target, weight)
        node.reduction, node.nframe = reduction, nframe
        node.coef = coef.reshape(x.shape)
    return result


class MultilabelMarginLossBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        g = grad if self.reduction == _NONE else grad.expand(x.shape[:-1])
        if self.reduction == _MEAN:
            g = g / self.nframe
        return wrap(self.coef, x._device) * (g.unsqueeze(-1) if x.dim() > 1 else g)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """Multi-label hinge loss: ``sum_{j in y} sum_{i not in y} max(0, 1 - (x[j] - x[i])) / C``,
    where each row of ``target`` lists the classes of ``y``, ended by the first -1."""
    reduction = _reduction(reduction, size_average, reduce)
    x = input._data
    nd = x.ndim
    if nd > 2 or (nd == 2 and x.shape[1] == 0):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch "
                           f"size, but got: {list(x.shape)}")
    if target._data.shape != x.shape:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(x.shape)}")
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found {_legacy(target)}")
    dim = x.shape[-1] if nd else 1
    t = target._data.reshape(-1, dim)
    if ((t < -1) | (t >= dim)).any():
        raise RuntimeError("argument #2 'target' is out of range")
    x2 = x.reshape(-1, dim)
    n = x2.shape[0]
    # the targets before each row's first -1, and the classes they mark
    valid = np.cumprod(t >= 0, axis=1).astype(bool)
    rows = np.nonzero(valid)[0]
    is_target = np.zeros((n, dim), bool)
    is_target[rows, t[valid]] = True
    xt = np.where(valid, np.take_along_axis(x2, np.where(valid, t, 0), 1), 0)  # (n, k)
    z = 1 - xt[:, :, None] + x2[:, None, :]  # (n, k target slots, dim)
    active = (z > 0) & valid[:, :, None] & ~is_target[:, None, :]
    losses = (np.where(active, z, 0).sum((1, 2)) / dim).astype(x.dtype)
    coef = active.sum(1).astype(x.dtype)  # + for each non-target class
    np.add.at(coef, (np.repeat(np.arange(n), dim), np.where(valid, t, 0).reshape(-1)),
              -active.sum(2).reshape(-1).astype(x.dtype))
    coef /= dim
    if reduction == _NONE:
        r = losses if nd == 2 else losses.reshape(())
    elif reduction == _SUM:
        r = losses.sum(dtype=x.dtype)
    else:
        r = losses.mean(dtype=x.dtype)
    result = wrap(np.asarray(r), input._device)
    if requires_grad(input):
        node = record(MultilabelMarginLossBackward0, (input,), (result,))
        node.save(input)
        node.reduction, node.nframe, node.coef = reduction, n, coef.reshape(x.shape)
    return result


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the pairwise p-norm distance;
    ``swap`` uses ``min(d(a, n), d(p, n))``."""
    reduction = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.dim(), positive.dim(), negative.dim()
    if not (a == pd and pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{pd}D, and negative {nd}D inputs")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        from .pointwise import minimum
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """The triplet margin loss with any distance function (default: pairwise distance)."""
    if reduction not in (_MEAN, _SUM, _NONE):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    a, pd, nd = anchor.ndim, positive.ndim, negative.ndim
    if not (a == pd and pd == nd):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have "
                           f"the same number of dimensions, but got: anchor {a}D, positive "
                           f"{pd}D, and negative {nd}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        from .pointwise import minimum
        d_neg = minimum(d_neg, dist(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


# -- connectionist temporal classification -------------------------------------------------------
# Note [CTC in log space, vectorised over the batch]
# The forward (alpha) and backward (beta) recursions of Graves et al. (2006) run over time
# with the whole batch and every position s of the blank-extended targets l' at once:
#   alpha_t(s) = logsumexp(alpha_{t-1}(s), alpha_{t-1}(s-1), [alpha_{t-1}(s-2) if
#                l'(s-2) != l'(s)]) + lp_t(l'(s))
# and beta mirrored. Each logsumexp subtracts the maximum first, in PyTorch's order, so the
# float32 results track PyTorch's CPU kernel. The gradient is PyTorch's:
#   grad[t, n, c] = (exp(lp) - exp(logsumexp_{s: l'(s)=c}(alpha + beta) + nll - lp)) * g[n]
# which is the gradient with respect to the logits *before* a log_softmax (PyTorch's kernel
# assumes ``log_probs`` come from one): feed it log_softmax outputs and the gradients of the
# logits are exact; the ``exp(lp)`` term sums to zero through log_softmax's backward.
_NEG_INF = -np.inf


def _lse3(a, b, c):
    m = np.maximum(np.maximum(a, b), c)
    m = np.where(m == _NEG_INF, 0, m)
    with np.errstate(invalid="ignore"):
        return np.log(np.exp(a - m) + np.exp(b - m) + np.exp(c - m)) + m


def _shift(a, k, fill):
    """``a`` shifted right by ``k`` along the last axis (left for negative ``k``)."""
    out = np.full_like(a, fill)
    if k > 0:
        out[..., k:] = a[..., :-k]
    else:
        out[..., :k] = a[..., -k:]
    return out


def _ctc_alpha(lp, ext, il, tl, blank):
    """log_alpha (T, N, S) and the negative log-likelihoods (N,)."""
    T, N, _ = lp.shape
    S = ext.shape[1]
    s = np.arange(S)
    valid = s[None, :] < (2 * tl[:, None] + 1)
    skip = np.zeros((N, S), bool)
    skip[:, 2:] = ext[:, 2:] != ext[:, :-2]
    rows = np.arange(N)[:, None]
    lpe = lp[:, rows, ext]  # (T, N, S): log-probability of each extended label
    la = np.full((T, N, S), _NEG_INF, lp.dtype)
    if T:
        la[0, :, 0] = lp[0, :, blank]
        has = tl > 0
        la[0, has, 1] = lpe[0, has, 1]
    ninf = lp.dtype.type(_NEG_INF)
    for t in range(1, T):
        prev = la[t - 1]
        a3 = np.where(skip, _shift(prev, 2, ninf), ninf)
        cur = _lse3(prev, _shift(prev, 1, ninf), a3) + lpe[t]
        la[t] = np.where(valid, cur, ninf)
    nll = np.zeros(N, lp.dtype)
    n = np.arange(N)
    last = np.maximum(il - 1, 0)
    l1 = la[last, n, 2 * tl]
    l2 = np.where(tl > 0, la[last, n, np.maximum(2 * tl - 1, 0)], ninf)
    m = np.maximum(l1, l2)
    m = np.where(m == _NEG_INF, 0, m)
    with np.errstate(invalid="ignore"):
        ll = np.log(np.exp(l1 - m) + np.exp(l2 - m)) + m
    nll = np.where(il > 0, -ll, np.where(tl == 0, -0.0, np.inf)).astype(lp.dtype)
    return la, nll


def _ctc_grad(lp, ext, il, tl, blank, la, nll, zero_infinity):
    """PyTorch's gradient factor (before the upstream gradient): (T, N, C)."""
    T, N, C = lp.shape
    S = ext.shape[1]
    s = np.arange(S)
    n = np.arange(N)
    rows = n[:, None]
    valid = s[None, :] < (2 * tl[:, None] + 1)
    skip = np.zeros((N, S), bool)
    skip[:, :-2] = ext[:, :-2] != ext[:, 2:]
    skip &= s[None, :] < (2 * tl[:, None] - 1)
    lpe = lp[:, rows, ext]
    ninf = lp.dtype.type(_NEG_INF)
    lb = np.full((T, N, S), _NEG_INF, lp.dtype)
    has_in = il > 0
    last = np.maximum(il - 1, 0)
    lb[last[has_in], n[has_in], 2 * tl[has_in]] = lp[last[has_in], n[has_in], blank]
    both = has_in & (tl > 0)
    pos = 2 * tl[both] - 1
    lb[last[both], n[both], pos] = lpe[last[both], n[both], pos]
    for t in range(T - 2, -1, -1):
        nxt = lb[t + 1]
        b3 = np.where(skip, _shift(nxt, -2, ninf), ninf)
        cur = _lse3(nxt, _shift(nxt, -1, ninf), b3) + lpe[t]
        active = (t < il - 1)[:, None] & valid
        lb[t] = np.where(active, cur, lb[t])
    lab = la + lb
    # log-sum of alpha * beta per character, in PyTorch's order (s descending)
    g = np.full((T, N, C), _NEG_INF, lp.dtype)
    for k in range(S - 1, -1, -1):
        c = ext[:, k]
        cur = g[:, n, c]
        v = lab[:, :, k]
        m = np.maximum(cur, v)
        m = np.where(m == _NEG_INF, 0, m)
        g[:, n, c] = np.log(np.exp(cur - m) + np.exp(v - m)) + m
    with np.errstate(invalid="ignore", over="ignore"):
        grad = np.exp(lp) - np.exp(g + nll[None, :, None] - lp)
    tmask = np.arange(T)[:, None] < il[None, :]
    grad = np.where(tmask[:, :, None], grad, 0)
    if zero_infinity:
        grad = np.where(np.isinf(nll)[None, :, None], 0, grad)
    return grad.astype(lp.dtype, copy=False)


class CtcLossBackward0(Node):
    def backward(self, grad):
        (lp,) = self.saved_tensors
        factor = _ctc_grad(lp._data, *self.args, self.nll, self.zero_infinity)
        return wrap(factor, lp._device) * grad.view(1, -1, 1)


def _lengths(x, name):
    if hasattr(x, "_data"):
        if x.dtype.is_floating_point or x.dtype is _dtype.bool or x.is_complex():
            raise RuntimeError(f"{name} must be integral")
        return np.asarray(x._data, np.int64).reshape(-1)
    return np.asarray(x, np.int64).reshape(-1)


_CTC = "(while checking arguments for ctc_loss_allocate_outputs)"


def _ctc_forward(log_probs, targets, il, tl, blank, zero_infinity):
    if log_probs.dim() != 3:
        raise RuntimeError(f"Expected {3}-dimensional tensor, but got {log_probs.dim()}-"
                           f"dimensional tensor for argument #1 'log_probs' {_CTC}")
    T, N, C = log_probs.shape
    if not 0 <= blank < C:
        raise RuntimeError("blank must be in label range")
    if len(il) != N:
        raise RuntimeError("input_lengths must be of size batch_size")
    if len(tl) != N:
        raise RuntimeError("target_lengths must be of size batch_size")
    tg = targets._data.astype(np.int64)
    for v in tl:
        if v < 0:
            raise RuntimeError(f"Expected target_lengths to have value at least 0, but got "
                               f"value {v} {_CTC}")
    maxlen = int(tl.max()) if N else 0
    if tg.ndim == 1:
        if tg.shape[0] != int(tl.sum()):
            raise RuntimeError(f"Expected tensor to have size {int(tl.sum())} at dimension 0, "
                               f"but got size {tg.shape[0]} for argument #2 'targets' {_CTC}")
        starts = np.concatenate([[0], np.cumsum(tl)[:-1]]).astype(np.int64)
        padded = np.zeros((N, maxlen), np.int64)
        for i in range(N):
            padded[i, :tl[i]] = tg[starts[i]:starts[i] + tl[i]]
    else:
        if tg.shape[0] != N:
            raise RuntimeError(f"Expected tensor to have size {N} at dimension 0, but got size "
                               f"{tg.shape[0]} for argument #2 'targets' {_CTC}")
        if tg.shape[1] < maxlen:
            raise RuntimeError(f"Expected tensor to have size at least {maxlen} at dimension 1, "
                               f"but got size {tg.shape[1]} for argument #2 'targets' {_CTC}")
        padded = tg[:, :maxlen]
    for v in il:
        if v < 0:
            raise RuntimeError(f"Expected input_lengths to have value at least 0, but got value "
                               f"{v} {_CTC}")
        if v > T:
            raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got "
                               f"value {v} {_CTC}")
    ext = np.full((N, 2 * maxlen + 1), blank, np.int64)
    ext[:, 1::2] = padded
    lp = log_probs._data
    la, nll = _ctc_alpha(lp, ext, il, tl, blank)
    result = wrap(nll, log_probs._device)
    if requires_grad(log_probs):
        node = record(CtcLossBackward0, (log_probs,), (result,))
        node.save(log_probs)
        node.args, node.nll, node.zero_infinity = (ext, il, tl, blank, la), nll, zero_infinity
    return result


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """The Connectionist Temporal Classification loss of (T, N, C) (or (T, C)) log
    probabilities against padded (N, S) or concatenated targets; 'mean' divides each loss
    by its target length before averaging (see Note [CTC in log space, vectorised over the
    batch])."""
    reduction = _reduction(reduction)
    il = _lengths(input_lengths, "input_lengths")
    tl = _lengths(target_lengths, "target_lengths")
    batched = log_probs.dim() == 3
    lp = log_probs if batched else log_probs.unsqueeze(1)
    res = _ctc_forward(lp, targets, il, tl, blank, zero_infinity)
    if zero_infinity:
        res = where(res == math.inf, creation.zeros((), dtype=res.dtype), res)
    if reduction == _MEAN:
        lengths = creation.tensor(tl.tolist(), dtype=res.dtype).clamp_min(1)
        return (res / lengths).mean()
    if reduction == _SUM:
        return res.sum()
    return res if batched else res.squeeze(0)


# -- torch-level forms: torch.kl_div(input, target, reduction=1), ... --------------------------
# ATen's loss functions take the reduction as an enum (0 'none', 1 'mean', 2 'sum', the
# default) and have no size_average/reduce pair; each forwards to the function above.
_ENUM = {0: _NONE, 1: _MEAN, 2: _SUM}


def _enum(reduction, fn, position):
    if isinstance(reduction, bool) or not isinstance(reduction, int):
        raise TypeError(f"{fn}(): argument 'reduction' (position {position}) must be int, not "
                        f"{type(reduction).__name__}")
    if reduction not in _ENUM:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _ENUM[reduction]


def _bce_logits(input, target, weight=None, pos_weight=None, reduction=1):
    return binary_cross_entropy_with_logits(
        input, target, weight, reduction=_enum(reduction, "binary_cross_entropy_with_logits", 5),
        pos_weight=pos_weight)


def _kl_div(input, target, reduction=1, *, log_target=False):
    return kl_div(input, target, reduction=_enum(reduction, "kl_div", 3), log_target=log_target)


def _poisson_nll(input, target, log_input, full, eps, reduction):
    return poisson_nll_loss(input, target, log_input, full, eps=eps,
                            reduction=_enum(reduction, "poisson_nll_loss", 6))


def _cosine_embedding(input1, input2, target, margin=0.0, reduction=1):
    return cosine_embedding_loss(input1, input2, target, margin,
                                 reduction=_enum(reduction, "cosine_embedding_loss", 5))


def _margin_ranking(input1, input2, target, margin=0.0, reduction=1):
    return margin_ranking_loss(input1, input2, target, margin,
                               reduction=_enum(reduction, "margin_ranking_loss", 5))


def _hinge_embedding(input, target, margin=1.0, reduction=1):
    return hinge_embedding_loss(input, target, margin,
                                reduction=_enum(reduction, "hinge_embedding_loss", 4))


def _triplet_margin(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                    reduction=1):
    return triplet_margin_loss(anchor, positive, negative, margin, p, eps, swap,
                               reduction=_enum(reduction, "triplet_margin_loss", 8))


def _ctc(log_probs, targets, input_lengths, target_lengths, blank=0, reduction=1,
         zero_infinity=False):
    return ctc_loss(log_probs, targets, input_lengths, target_lengths, blank,
                    _enum(reduction, "ctc_loss", 6), zero_infinity)


TORCH = {}
for _name, _fn in (("binary_cross_entropy_with_logits", _bce_logits), ("kl_div", _kl_div),
                   ("poisson_nll_loss", _poisson_nll),
                   ("cosine_embedding_loss", _cosine_embedding),
                   ("margin_ranking_loss", _margin_ranking),
                   ("hinge_embedding_loss", _hinge_embedding),
                   ("triplet_margin_loss", _triplet_margin), ("ctc_loss", _ctc)):
    _fn.__name__ = _fn.__qualname__ = _name
    _fn.__doc__ = f"``torch.{_name}``: :func:`{_name}` with ATen's signature (the reduction " \
                  "an enum: 0 'none', 1 'mean', 2 'sum')."
    TORCH[_name] = _fn
del _name, _fn

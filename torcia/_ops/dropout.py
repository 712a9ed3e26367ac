"""Dropout: elementwise, channel-wise (feature) and alpha dropout.

Note [Dropout masks as PyTorch draws them]
PyTorch's CPU dropout is a composition: ``noise = empty_like(input)`` (for feature dropout
``input.new_empty((N, C, 1, ...))``), ``noise.bernoulli_(1 - p)``, then ``noise.div_(1 - p)``
and ``input * noise`` (alpha dropout: ``noise * a`` and ``+ b``). The mask is the only random
draw, one double uniform per element in the noise's memory order; ``bernoulli_`` reproduces
that stream, so a seeded torcia run drops the same elements as PyTorch. The graph holds
PyTorch's nodes too (MulBackward0, AddBackward0 for alpha dropout).
"""

import math
import warnings

from .. import _dtype
from . import creation

__all__ = ["dropout", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d",
           "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766  # -scale * alpha of SELU: the value dropped units take


def _dropout_impl(input, p, train, feature, alpha, inplace):
    """PyTorch's ``_dropout_impl`` (Note [Dropout masks as PyTorch draws them])."""
    if not 0 <= p <= 1:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    if p == 0 or not train or input.numel() == 0:
        return input
    if p == 1:
        zero = creation.zeros((), dtype=input.dtype, device=input.device)
        return input.mul_(zero) if inplace else input * zero
    if feature:
        if input.dim() < 2:
            raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
        shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2)
        noise = creation.empty(shape, dtype=input.dtype, device=input.device)
    else:
        noise = creation.empty_like(input)
    noise.bernoulli_(1 - p)
    if alpha:
        a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
        b = noise.add(-1).mul_(_ALPHA * a).add_(_ALPHA * a * p)
        noise.mul_(a)
    else:
        noise.div_(1 - p)
    out = input.mul_(noise) if inplace else input * noise
    return out.add_(b) if alpha else out


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``
    (identity when not ``training``)."""
    _check_p(p)
    return _dropout_impl(input, p, training, False, False, inplace)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalising mean and variance: dropped elements take
    the negative saturation value, then an affine map restores the statistics."""
    _check_p(p)
    return _dropout_impl(input, p, training, False, True, inplace)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels."""
    _check_p(p)
    return _dropout_impl(input, p, training, True, True, inplace)


def _batched(input, inplace, batched, fn):
    """Run ``fn`` on ``input`` with a batch dimension added when it has none."""
    if batched:
        return fn(input)
    input = input.unsqueeze_(0) if inplace else input.unsqueeze(0)
    result = fn(input)
    return result.squeeze_(0) if inplace else result.squeeze(0)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) inputs with probability ``p``."""
    _check_p(p)
    nd = input.dim()
    if nd not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {nd}D input. "
                           "Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an "
                           "optional batch dimension (i.e. 2D or 3D inputs).")
    return _batched(input, inplace, nd == 3,
                    lambda x: _dropout_impl(x, p, training, True, False, inplace))


def _deprecated_dims(name, nd, spatial):
    warnings.warn(f"{name}: Received a {nd}-D input to {name}, which is deprecated and will "
                  "result in an error in a future release. To retain the behavior and silence "
                  f"this warning, please use dropout instead. Note that {name} exists to "
                  f"provide channel-wise dropout on inputs with {spatial} spatial dimensions, "
                  "a channel dimension, and an optional batch dimension (i.e. "
                  f"{spatial + 1}D or {spatial + 2}D inputs).", stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, H, W) inputs with probability ``p``. As in PyTorch, a
    3-D input is taken as (N, C, L) (with a warning)."""
    _check_p(p)
    nd = input.dim()
    if nd not in (3, 4):
        _deprecated_dims("dropout2d", nd, 2)
    if nd == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout "
                      "behavior, please switch to using dropout1d instead.", stacklevel=2)
    return _dropout_impl(input, p, training, True, False, inplace)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) inputs with probability ``p``."""
    _check_p(p)
    nd = input.dim()
    if nd not in (4, 5):
        _deprecated_dims("dropout3d", nd, 3)
    return _batched(input, inplace, nd == 5,
                    lambda x: _dropout_impl(x, p, training, True, False, inplace))


# -- torch-level forms: torch.dropout(input, p, train), torch.feature_dropout_, ... ---------------
def _torch_level(name):
    feature, alpha, inplace = "feature" in name, "alpha" in name, name.endswith("_")

    def op(input, p, train):
        return _dropout_impl(input, p, train, feature, alpha, inplace)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = f"``torch.{name}(input, p, train)``."
    return op


TORCH = {name: _torch_level(name) for name in (
    "dropout", "dropout_", "alpha_dropout", "alpha_dropout_", "feature_dropout",
    "feature_dropout_", "feature_alpha_dropout", "feature_alpha_dropout_")}


def native_dropout(input, p, train):
    """``torch.native_dropout``: (output, mask). In training the mask keeps each element with
    probability ``1 - p`` (the draws of :func:`dropout`) and the output is ``input * mask /
    (1 - p)``; otherwise the output is a copy of the input and the mask all True."""
    if train is None or train:
        mask = creation.empty_like(input).bernoulli_(1 - p)
        out = input * mask * (1.0 / (1 - p))
        return out, mask.bool()
    return input.clone(), creation.ones_like(input, dtype=_dtype.bool)


TORCH["native_dropout"] = native_dropout

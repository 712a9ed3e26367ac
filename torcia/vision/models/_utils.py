"""Helpers the model builders share, as torchvision.models._utils: channel rounding, keyword
overrides, the deprecated ``pretrained=`` interface, and the Conv-Norm-Activation block
(torchvision keeps that one in ``torchvision.ops.misc``)."""

import functools
import inspect
import warnings

from ... import nn
from ._api import WeightsEnum

__all__ = ["ConvNormActivation", "Conv2dNormActivation", "handle_legacy_interface"]


def _make_divisible(v, divisor, min_value=None):
    """``v`` rounded to the nearest multiple of ``divisor`` (at least ``min_value``, and not
    below 90% of ``v``), as in the original TensorFlow MobileNet code."""
    if min_value is None:
        min_value = divisor
    new_v = max(min_value, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:  # rounding down must not lose more than 10%
        new_v += divisor
    return new_v


def _ovewrite_named_param(kwargs, param, new_value):
    """Set ``kwargs[param]`` to ``new_value``, refusing a different value the caller gave."""
    if param in kwargs:
        if kwargs[param] != new_value:
            raise ValueError(f"The parameter '{param}' expected value {new_value} but got "
                             f"{kwargs[param]} instead.")
    else:
        kwargs[param] = new_value


def _ovewrite_value_param(param, actual, expected):
    if actual is not None and actual != expected:
        raise ValueError(f"The parameter '{param}' expected value {expected} but got {actual} "
                         "instead.")
    return expected


def _sequence_to_str(seq, separate_last=""):
    if not seq:
        return ""
    if len(seq) == 1:
        return f"'{seq[0]}'"
    head = "'" + "', '".join(str(item) for item in seq[:-1]) + "'"
    tail = f"{'' if separate_last and len(seq) == 2 else ','} {separate_last}'{seq[-1]}'"
    return head + tail


def _kwonly_to_pos_or_kw(fn):
    """Accept a builder's keyword-only parameters positionally, with torchvision's
    deprecation warning (``resnet18(True)`` was the pre-0.13 call)."""
    params = inspect.signature(fn).parameters
    start = next(i for i, p in enumerate(params.values()) if p.kind == p.KEYWORD_ONLY)
    keyword_only = tuple(params)[start:]

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args, kw_args = args[:start], args[start:]
        if kw_args:
            moved = dict(zip(keyword_only, kw_args))
            warnings.warn(f"Using {_sequence_to_str(tuple(moved), separate_last='and ')} as "
                          "positional parameter(s) is deprecated since 0.13 and may be removed "
                          "in the future. Please use keyword parameter(s) instead.",
                          stacklevel=2)
            kwargs.update(moved)
        return fn(*args, **kwargs)
    return wrapper


def handle_legacy_interface(**weights):
    """Decorator: map the deprecated ``pretrained=`` (and positional) arguments of a builder
    to ``weights=``, warning as torchvision does. ``weights`` maps the new parameter name to
    ``(legacy name, default weights or a callable of kwargs giving them)``."""
    def outer_wrapper(builder):
        @_kwonly_to_pos_or_kw
        @functools.wraps(builder)
        def inner_wrapper(*args, **kwargs):
            for weights_param, (pretrained_param, default) in weights.items():
                sentinel = object()
                weights_arg = kwargs.get(weights_param, sentinel)
                if ((weights_param not in kwargs and pretrained_param not in kwargs)
                        or isinstance(weights_arg, WeightsEnum)
                        or (isinstance(weights_arg, str) and weights_arg != "legacy")
                        or weights_arg is None):
                    continue
                # a positional `pretrained` arrives as kwargs[weights_param]
                pretrained_positional = weights_arg is not sentinel
                if pretrained_positional:
                    kwargs[pretrained_param] = pretrained_arg = kwargs.pop(weights_param)
                else:
                    pretrained_arg = kwargs[pretrained_param]
                if pretrained_arg:
                    default_weights_arg = default(kwargs) if callable(default) else default
                    if not isinstance(default_weights_arg, WeightsEnum):
                        raise ValueError(f"No weights available for model {builder.__name__}")
                else:
                    default_weights_arg = None
                if not pretrained_positional:
                    warnings.warn(f"The parameter '{pretrained_param}' is deprecated since 0.13 "
                                  "and may be removed in the future, please use "
                                  f"'{weights_param}' instead.", stacklevel=2)
                msg = (f"Arguments other than a weight enum or `None` for '{weights_param}' are "
                       "deprecated since 0.13 and may be removed in the future. The current "
                       f"behavior is equivalent to passing `{weights_param}="
                       f"{default_weights_arg}`.")
                if pretrained_arg:
                    msg = (f"{msg} You can also use `{weights_param}="
                           f"{type(default_weights_arg).__name__}.DEFAULT` to get the most "
                           "up-to-date weights.")
                warnings.warn(msg, stacklevel=2)
                del kwargs[pretrained_param]
                kwargs[weights_param] = default_weights_arg
            return builder(*args, **kwargs)

        defaults = [d for _, d in weights.values() if isinstance(d, WeightsEnum)]
        if defaults:
            inner_wrapper._weights_enum = type(defaults[0])
        return inner_wrapper
    return outer_wrapper


class ConvNormActivation(nn.Sequential):
    """Convolution, then an optional normalization and activation layer, as a Sequential
    (so its children are named 0, 1, 2 in state_dict keys)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None,
                 groups=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1,
                 inplace=True, bias=None, conv_layer=nn.Conv2d):
        if padding is None:
            if isinstance(kernel_size, int) and isinstance(dilation, int):
                padding = (kernel_size - 1) // 2 * dilation
            else:
                n = len(kernel_size) if isinstance(kernel_size, (list, tuple)) else len(dilation)
                kernel_size = _ntuple(kernel_size, n)
                dilation = _ntuple(dilation, n)
                padding = tuple((kernel_size[i] - 1) // 2 * dilation[i] for i in range(n))
        if bias is None:
            bias = norm_layer is None
        layers = [conv_layer(in_channels, out_channels, kernel_size, stride, padding,
                             dilation=dilation, groups=groups, bias=bias)]
        if norm_layer is not None:
            layers.append(norm_layer(out_channels))
        if activation_layer is not None:
            params = {} if inplace is None else {"inplace": inplace}
            layers.append(activation_layer(**params))
        super().__init__(*layers)
        self.out_channels = out_channels
        if self.__class__ == ConvNormActivation:
            warnings.warn("Don't use ConvNormActivation directly, please use "
                          "Conv2dNormActivation and Conv3dNormActivation instead.",
                          stacklevel=2)


def _ntuple(x, n):
    return tuple(x) if isinstance(x, (list, tuple)) else (x,) * n


class Conv2dNormActivation(ConvNormActivation):
    """Conv2d, then BatchNorm2d (by default) and ReLU (by default); ``padding`` defaults to
    "same" for odd kernels.

    Args:
        in_channels, out_channels, kernel_size (3), stride (1), padding (None: computed),
        groups (1), norm_layer (BatchNorm2d; None for none), activation_layer (ReLU; None
        for none), dilation (1), inplace (True), bias (None: only without a norm layer).
    """

    def __init__(self, in_channels, out_channels, kernel_size=3, stride=1, padding=None,
                 groups=1, norm_layer=nn.BatchNorm2d, activation_layer=nn.ReLU, dilation=1,
                 inplace=True, bias=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, groups,
                         norm_layer, activation_layer, dilation, inplace, bias, nn.Conv2d)

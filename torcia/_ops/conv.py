"""Convolutions and the spatial ops around them: conv1d/2d/3d, conv_transpose1d/2d/3d,
unfold/fold (im2col/col2im), pad, pixel_shuffle/pixel_unshuffle.

Forward and first-order backward run the backend's kernels (see Note [Convolution as GEMM]
in ``_backend/cpu.py``). With ``create_graph=True`` the same gradients are written
with differentiable ops instead (Note [Convolution double backward]), so gradgradcheck and
higher-order gradients work. Node names are PyTorch's: ConvolutionBackward0 (for plain and
transposed convolutions), Im2ColBackward0, Col2ImBackward0, ConstantPadNdBackward0,
ReflectionPad2DBackward0, ReplicationPad1DBackward0, PixelShuffleBackward0, ...
"""

import numbers
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor, wrap
from ._core import Node, grad_enabled, record, requires_grad

__all__ = ["convolution", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold", "pad", "constant_pad_nd", "pixel_shuffle",
           "pixel_unshuffle", "channel_shuffle", "native_channel_shuffle"]


_LOWP = (_dtype.float16.np, _dtype.bfloat16.np)
_CHANNELS = {1: "width", 2: "height width", 3: "depth height width"}


def _kernels(t):
    return t._device_backend()


def _shape(t):
    return list(t._data.shape)


def _is_int(v):
    return isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool)


def _expand(value, k, name):
    """A conv parameter as a k-tuple (PyTorch's expand_param_if_needed)."""
    if _is_int(value):
        return (int(value),) * k
    v = tuple(int(x) for x in value)
    if len(v) == 1 and k != 1:
        return v * k
    if len(v) != k:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {k} "
                           f"values to match the convolution dimensions, but got "
                           f"{name}={list(v)}")
    return v


def _tuple(value, k):
    """An int or sequence as a k-tuple (torch's _single/_pair/_triple)."""
    if _is_int(value):
        return (int(value),) * k
    v = tuple(int(x) for x in value)
    return v * k if len(v) == 1 else v


def _compute_dtype(a):
    """float16/bfloat16 compute in float32 (PyTorch's opmath type); others as they are."""
    return np.float32 if a.dtype in _LOWP else None


def _legacy_name(t):
    return f"torch.{t.dtype._legacy}Tensor"


# -- convolution -----------------------------------------------------------------------------
# Note [Convolution double backward]
# ConvolutionBackward0 computes its gradients with the backend's array kernels when no graph
# of the backward is recorded. With create_graph=True it writes them with ops that are
# themselves differentiable:
#   conv:            grad_input  = conv_transpose(grad, weight)   (output_padding chosen so
#                                  the shape is the input's)
#                    grad_weight = _weight_grad(input, grad)
#   conv_transpose:  grad_input  = conv(grad, weight)
#                    grad_weight = _weight_grad(grad, input)
# and _weight_grad is itself a convolution: the batch becomes the channel dimension and the
# stride and dilation swap roles, i.e. for groups G (Cg input channels per group)
#   gw[g*Og + o, c, k] = sum_{n,l} gout[n, g*Og + o, l] * inp[n, g*Cg + c, l*stride + k*dil]
#                      = conv(inp viewed (Cg, G*N, *S), gout viewed (G*Og, N, *L),
#                             stride=dil, dilation=stride, groups=G)[..., :k] transposed.
# Every gradient is thus made of convolutions, permutes and slices, closed under
# differentiation to any order.

class ConvolutionBackward0(Node):
    def backward(self, grad):
        x, w = self.saved_tensors
        need = self.needs_input_grad
        if grad_enabled.enabled:
            return _graph_grads(self, grad, x, w, need)
        p = self.params
        stride, padding, dilation, groups = p[:4]
        k = self.k
        g = grad._data
        low = _compute_dtype(g)
        if low is not None:
            g = g.astype(low)
        K = _kernels(grad)
        gx = gw = gb = None
        wa = None if w is None else w._data.astype(low or w._data.dtype, copy=False)
        xa = None if x is None else x._data.astype(low or x._data.dtype, copy=False)
        if self.transposed:
            gx, gw = K.conv_transpose_backward(g, xa, wa, self.w_shape, stride, padding,
                                               dilation, groups, need[0], need[1])
            if need[2]:
                gb = g.sum(axis=(0,) + tuple(range(2, 2 + k)))
        else:
            cols = self.__dict__.pop("cols", None)
            gx, gw, gb = K.conv_backward(g, xa, wa, self.x_shape, self.w_shape, stride, padding,
                                         dilation, groups, need[0], need[1], need[2], cols)
        dev = grad._device
        return tuple(None if a is None else wrap(a.astype(dt, copy=False), dev)
                     for a, dt in ((gx, self.x_dtype), (gw, self.w_dtype),
                                   (gb, self.b_dtype)))


def _graph_grads(node, grad, x, w, need):
    """The gradients of Note [Convolution double backward], with differentiable ops."""
    stride, padding, dilation, groups = node.params[:4]
    gx = gw = gb = None
    ksize = node.w_shape[2:]
    if not node.transposed:
        if need[0]:
            out = grad.shape[2:]
            op = tuple(s - ((n - 1) * st - 2 * p + d * (k - 1) + 1) for s, n, st, p, d, k in
                       zip(node.x_shape[2:], out, stride, padding, dilation, ksize))
            gx = convolution(grad, w, None, stride, padding, dilation, True, op, groups)
        if need[1]:
            gw = _weight_grad(x, grad, ksize, stride, padding, dilation, groups)
    else:
        if need[0]:
            gx = convolution(grad, w, None, stride, padding, dilation, False,
                             (0,) * len(ksize), groups)
        if need[1]:
            gw = _weight_grad(grad, x, ksize, stride, padding, dilation, groups)
    if need[2]:
        gb = grad.sum((0,) + tuple(range(2, grad.dim())))
    return gx, gw, gb


def _weight_grad(inp, gout, ksize, stride, padding, dilation, groups):
    """sum_{n,l} gout (x) windows of inp, as one convolution (Note [Convolution double
    backward]); shape (gout channels, inp channels / groups, *ksize)."""
    n, cin = inp.shape[:2]
    o = gout.shape[1]
    k = len(ksize)
    sp = tuple(range(3, 3 + k))
    cg, og = cin // groups, o // groups
    xin = inp.reshape(n, groups, cg, *inp.shape[2:]).permute(2, 1, 0, *sp)
    xin = xin.reshape(cg, groups * n, *inp.shape[2:])
    ker = gout.reshape(n, groups, og, *gout.shape[2:]).permute(1, 2, 0, *sp)
    ker = ker.reshape(o, n, *gout.shape[2:])
    r = convolution(xin, ker, None, dilation, padding, stride, False, (0,) * k, groups)
    r = r[(slice(None), slice(None)) + tuple(slice(0, kk) for kk in ksize)]
    return r.transpose(0, 1)


def _check_conv(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """PyTorch's argument checks of convolution, in its order and words."""
    for name, vals in (("stride", stride), ("dilation", dilation)):
        if any(v <= 0 for v in vals):
            raise RuntimeError(f"non-positive {name} is not supported")
    if any(v < 0 for v in padding):
        raise RuntimeError("negative padding is not supported")
    if any(v < 0 for v in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    x, w = input._data, weight._data
    if w.ndim != x.ndim:
        raise RuntimeError(f"Expected {w.ndim}-dimensional input for {w.ndim}-dimensional "
                           f"weight {list(w.shape)}, but got {x.ndim}-dimensional input of "
                           f"size {list(x.shape)} instead")
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(w.shape)}] instead")
    if not transposed:
        if x.shape[1] != w.shape[1] * groups:
            raise RuntimeError(f"Given groups={groups}, weight of size {list(w.shape)}, expected "
                               f"input{list(x.shape)} to have {w.shape[1] * groups} channels, "
                               f"but got {x.shape[1]} channels instead")
        if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != w.shape[0]):
            raise RuntimeError(f"Given weight of size {list(w.shape)}, expected bias to be "
                               f"1-dimensional with {w.shape[0]} elements, but got bias of size "
                               f"{_shape(bias)} instead")
        padded = [s + 2 * p for s, p in zip(x.shape[2:], padding)]
        kern = [d * (k - 1) + 1 for d, k in zip(dilation, w.shape[2:])]
        if any(a < b for a, b in zip(padded, kern)):
            raise RuntimeError(f"Calculated padded input size per channel: "
                               f"({' x '.join(map(str, padded))}). Kernel size: "
                               f"({' x '.join(map(str, kern))}). Kernel size can't be greater "
                               "than actual input size")
    else:
        if x.shape[1] != w.shape[0]:
            raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected "
                               f"input{list(x.shape)} to have {w.shape[0]} channels, but got "
                               f"{x.shape[1]} channels instead")
        cout = w.shape[1] * groups
        if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != cout):
            raise RuntimeError(f"Given transposed=1, weight of size {list(w.shape)}, expected "
                               f"bias to be 1-dimensional with {cout} elements, but got bias of "
                               f"size {_shape(bias)} instead")
        if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
            k = len(stride)
            names = _CHANNELS[max(k, 2)].split()
            pad = [0] * (len(names) - k)  # conv_transpose1d runs as a 2-d one in PyTorch
            one = [1] * (len(names) - k)
            parts = [f"output_padding_{n}: {v}" for n, v in zip(names, pad +
                                                                 list(output_padding))]
            parts += [f"stride_{n}: {v}" for n, v in zip(names, one + list(stride))]
            parts += [f"dilation_{n}: {v}" for n, v in zip(names, one + list(dilation))]
            raise RuntimeError("output padding must be smaller than either stride or dilation, "
                               "but got " + " ".join(parts))
    if x.dtype != w.dtype:
        if x.dtype == np.float32 or x.dtype.kind != "f":
            raise RuntimeError(f"Input type ({_legacy_name(input)}) and weight type "
                               f"({_legacy_name(weight)}) should be the same or input should be "
                               "a MKLDNN tensor and weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {input.dtype._legacy} but found "
                           f"{weight.dtype._legacy}")
    if bias is not None and bias._data.dtype != x.dtype:
        raise RuntimeError(f"Input type ({_cname(x)}) and bias type ({_cname(bias._data)}) "
                           "should be the same")
    if x.dtype == np.bool_:
        raise NotImplementedError(f"\"slow_conv{len(stride)}d_cpu\" not implemented for 'Bool'")


def _cname(a):
    from .linalg import _cname as cname
    return cname(a)


def convolution(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups):
    """The convolution every conv and conv_transpose function calls (``torch.convolution``).

    ``input`` (N, C, *S), ``weight`` (O, C/groups, *k) or, transposed, (C, O/groups, *k).
    """
    if not isinstance(input, Tensor) or not isinstance(weight, Tensor):
        raise TypeError("convolution(): argument 'input' and 'weight' must be Tensor")
    k = weight._data.ndim - 2
    stride = _expand(stride, k, "stride")
    padding = _expand(padding, k, "padding")
    dilation = _expand(dilation, k, "dilation")
    output_padding = _expand(output_padding, k, "output_padding")
    groups = int(groups)
    _check_conv(input, weight, bias, stride, padding, dilation, transposed, output_padding,
                groups)
    x, w = input._data, weight._data
    b = None if bias is None else bias._data
    low = _compute_dtype(x)
    if low is not None:
        x, w = x.astype(low), w.astype(low)
        b = None if b is None else b.astype(low)
    K = _kernels(input)
    cols = None
    want_cols = not transposed and weight._rg and grad_enabled.enabled
    if transposed:
        out_size = tuple((s - 1) * st - 2 * p + d * (kk - 1) + op + 1 for s, st, p, d, kk, op in
                         zip(x.shape[2:], stride, padding, dilation, w.shape[2:],
                             output_padding))
        y = K.conv_transpose_forward(x, w, b, stride, padding, dilation, groups, out_size)
    else:
        y, cols = K.conv_forward(x, w, b, stride, padding, dilation, groups, want_cols)
    if low is not None:
        y = y.astype(input._data.dtype)
    result = wrap(y, input._device)
    if requires_grad(input, weight, bias):
        node = record(ConvolutionBackward0, (input, weight, bias), (result,))
        nf = node.next_functions
        need_x, need_w = nf[0][0] is not None, nf[1][0] is not None
        node.save(input if need_w else None, weight if need_x else None)
        node.params = (stride, padding, dilation, groups, output_padding)
        node.transposed, node.k = bool(transposed), k
        node.x_shape, node.w_shape = input._data.shape, weight._data.shape
        node.x_dtype, node.w_dtype = input._data.dtype, weight._data.dtype
        node.b_dtype = None if bias is None else bias._data.dtype
        if cols is not None and need_w:
            node.cols = cols  # im2col of the input, reused by the weight gradient
    return result


def _batchify(input, k, name):
    """(input with a batch dim, whether one was added); PyTorch's error for other dims."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    d = input._data.ndim
    if d == k + 2:
        return input, False
    if d == k + 1:
        return input.unsqueeze(0), True
    raise RuntimeError(f"Expected {k + 1}D (unbatched) or {k + 2}D (batched) input to {name}, "
                       f"but got input of size: {list(input._data.shape)}")


def _as_list(value, k):
    """An int argument as the k-list PyTorch's conv{k}d signature makes of it."""
    return (int(value),) * k if _is_int(value) else value


def _conv(input, weight, bias, stride, padding, dilation, groups, k, name):
    x, unbatched = _batchify(input, k, name)
    stride, dilation = _as_list(stride, k), _as_list(dilation, k)
    if isinstance(padding, str):
        x, padding = _string_padding(x, weight, stride, padding, dilation, k)
    padding = _as_list(padding, k)
    out = convolution(x, weight, bias, stride, padding, dilation, False, 0, groups)
    return out.squeeze(0) if unbatched else out


def _string_padding(x, weight, stride, padding, dilation, k):
    """padding='valid' or 'same' as numbers; 'same' with an odd total pads the input first
    (on the right), as PyTorch does."""
    if padding == "valid":
        return x, 0
    if padding != "same":
        raise RuntimeError(f"Invalid padding string: '{padding}'")
    if any(s != 1 for s in _expand(stride, k, "stride")):
        raise RuntimeError("padding='same' is not supported for strided convolutions")
    dil = _expand(dilation, k, "dilation")
    ksize = weight._data.shape[2:] if weight._data.ndim == k + 2 else (1,) * k
    pads, extra = [], [0] * (2 * k)
    for i, (d, kk) in enumerate(zip(dil, ksize)):
        total = d * (kk - 1)
        left = total // 2
        pads.append(left)
        if total - left != left:
            extra[2 * (k - 1 - i) + 1] = total - 2 * left
    if any(extra):
        warnings.warn("Using padding='same' with even kernel lengths and odd dilation may "
                      "require a zero-padded copy of the input be created", stacklevel=4)
        x = constant_pad_nd(x, extra, 0)
    return x, tuple(pads)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution over (N, C, L) or unbatched (C, L) input.

    ``weight`` (out_channels, in_channels / groups, kW); ``padding`` int, tuple, 'valid' or
    'same'. Example: ``F.conv1d(torch.randn(20, 16, 50), torch.randn(33, 16, 3))``.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C, H, W) or unbatched (C, H, W) input.

    ``weight`` (out_channels, in_channels / groups, kH, kW); ``padding`` int, tuple, 'valid' or
    'same'. Example: ``F.conv2d(torch.randn(1, 4, 5, 5), torch.randn(8, 4, 3, 3), padding=1)``.
    """
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C, D, H, W) or unbatched (C, D, H, W) input."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 3, "conv3d")


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, k,
                    name):
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    x, unbatched = _batchify(input, k, name)
    stride, padding, output_padding, dilation = (_as_list(v, k) for v in (
        stride, padding, output_padding, dilation))
    out = convolution(x, weight, bias, stride, padding, dilation, True, output_padding, groups)
    return out.squeeze(0) if unbatched else out


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution ("deconvolution"); ``weight`` (in, out / groups, kW)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1, "conv_transpose1d")


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution; ``weight`` (in, out / groups, kH, kW).

    Output size: (H - 1) * stride - 2 * padding + dilation * (kH - 1) + output_padding + 1.
    """
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2, "conv_transpose2d")


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution; ``weight`` (in, out / groups, kD, kH, kW)."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3, "conv_transpose3d")


# -- unfold / fold (im2col / col2im) ---------------------------------------------------------
class Im2ColBackward0(Node):
    def backward(self, grad):
        return fold(grad, self.size, *self.params)


class Col2ImBackward0(Node):
    def backward(self, grad):
        return unfold(grad, *self.params)


def _check_fold_params(kernel_size, dilation, padding, stride):
    checks = (("kernel size should be greater than zero", "kernel", kernel_size, 0),
              ("dilation should be greater than zero", "dilation", dilation, 0),
              ("padding should be non-negative", "pad", padding, -1),
              ("stride should be greater than zero", "stride", stride, 0))
    for what, name, (a, b), low in checks:
        if a <= low or b <= low:
            raise RuntimeError(f"{what}, but got {name}_height: {a} {name}_width: {b}")


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a batched (N, C, H, W) or unbatched (C, H, W) tensor, as
    columns (N, C * kH * kW, L) (im2col)."""
    k, d, p, s = (_tuple(v, 2) for v in (kernel_size, dilation, padding, stride))
    _check_fold_params(k, d, p, s)
    x = input._data
    if x.ndim not in (3, 4) or any(n == 0 for n in x.shape[-3:]):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size "
                           f"and other non-zero dimensions for input, but got: {list(x.shape)}")
    batched = x.ndim == 4
    xb = x if batched else x[None]
    out = [(n + 2 * pp - dd * (kk - 1) - 1) // ss + 1 for n, kk, ss, pp, dd in
           zip(xb.shape[2:], k, s, p, d)]
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input with spatial size ({xb.shape[2]}, {xb.shape[3]}), "
                           f"kernel_size=({k[0]}, {k[1]}), dilation=({d[0]}, {d[1]}), "
                           f"padding=({p[0]}, {p[1]}), calculated shape of the array of sliding "
                           f"blocks as ({out[0]}, {out[1]}), but its components must be at "
                           "least one.")
    cols = _kernels(input).unfold(xb, k, s, p, d)
    result = wrap(cols if batched else cols[0], input._device)
    if requires_grad(input):
        node = record(Im2ColBackward0, (input,), (result,))
        node.size, node.params = tuple(x.shape[-2:]), (k, d, p, s)
    return result


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sums columns (N, C * kH * kW, L) back into a (N, C, *output_size) tensor (col2im), the
    adjoint of ``unfold``."""
    size, k, d, p, s = (_tuple(v, 2) for v in (output_size, kernel_size, dilation, padding,
                                                 stride))
    _check_fold_params(k, d, p, s)
    c = input._data
    if c.ndim not in (2, 3) or any(n == 0 for n in c.shape[-2:]):
        raise RuntimeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 "
                           f"batch size and non-zero dimensions for input, but got: "
                           f"{list(c.shape)}")
    batched = c.ndim == 3
    cb = c if batched else c[None]
    kk = k[0] * k[1]
    if cb.shape[1] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product "
                           f"of kernel_size, but got input.size(1)={cb.shape[1]} and "
                           f"kernel_size=({k[0]}, {k[1]}).")
    out = [(n + 2 * pp - dd * (ks - 1) - 1) // ss + 1 for n, ks, ss, pp, dd in
           zip(size, k, s, p, d)]
    if out[0] * out[1] != cb.shape[2] or any(o < 1 for o in out):
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, "
                           f"{k[1]}), dilation=({d[0]}, {d[1]}), padding=({p[0]}, {p[1]}), "
                           f"stride=({s[0]}, {s[1]}), expected size of input's dimension 2 to "
                           f"match the calculated number of sliding blocks {out[0]} * {out[1]} "
                           f"= {out[0] * out[1]}, but got input.size(2)={cb.shape[2]}.")
    y = _kernels(input).fold(cb, size, k, s, p, d)
    result = wrap(y if batched else y[0], input._device)
    if requires_grad(input):
        record(Col2ImBackward0, (input,), (result,)).params = (k, d, p, s)
    return result


# -- padding ---------------------------------------------------------------------------------
class ConstantPadNdBackward0(Node):
    def backward(self, grad):
        return constant_pad_nd(grad, [-p for p in self.pad])


def _pad_pairs(pad, ndim):
    """[(dim, before, after)] for a PyTorch pad list (last dim first)."""
    return [(ndim - 1 - i, pad[2 * i], pad[2 * i + 1]) for i in range(len(pad) // 2)]


def constant_pad_nd(input, pad, value=0):
    """Pads (or, with negative amounts, crops) the last len(pad) // 2 dims with ``value``."""
    pad = [int(p) for p in pad]
    x = input._data
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > x.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad)} and input of dimension "
                           f"{x.ndim}")
    shape = list(x.shape)
    src = [slice(None)] * x.ndim
    dst = [slice(None)] * x.ndim
    for dim, lo, hi in _pad_pairs(pad, x.ndim):
        n = shape[dim] + lo + hi
        if shape[dim] + min(lo, 0) + min(hi, 0) < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        src[dim] = slice(max(-lo, 0), shape[dim] - max(-hi, 0))
        dst[dim] = slice(max(lo, 0), max(lo, 0) + max(shape[dim] - max(-lo, 0) - max(-hi, 0), 0))
        shape[dim] = n
    xp = _kernels(input).xp
    fill = 0 if value is None else value  # cast to the tensor's type as C++ casts (truncated)
    out = xp.full(shape, fill if x.dtype.kind != "b" else bool(fill), dtype=x.dtype)
    out[tuple(dst)] = x[tuple(src)]
    result = wrap(out, input._device)
    if requires_grad(input):
        record(ConstantPadNdBackward0, (input,), (result,)).pad = pad
    return result


class _PadBackward(Node):
    """The node of reflect/replicate padding; its backward folds the border back."""

    def backward(self, grad):
        return _pad_backward(grad, self.pad, self.mode, self.x_shape)


class _PadBackwardBackward(Node):
    def backward(self, grad):
        return _pad(grad, self.pad, self.mode)


_PAD_NODES = {}
for _mode, _title in (("reflect", "Reflection"), ("replicate", "Replication")):
    for _k in (1, 2, 3):
        _PAD_NODES[_mode, _k] = type(f"{_title}Pad{_k}DBackward0", (_PadBackward,), {})
        _PAD_NODES[_mode, _k, "bb"] = type(f"{_title}Pad{_k}DBackwardBackward0",
                                           (_PadBackwardBackward,), {})


def _pad_index(n, lo, hi, mode):
    """Input index of each output position of one padded dim, by PyTorch's kernels' rule:
    the input sits at [lo, lo + n) and is reflected (or clamped) about its own ends, so a
    negative amount crops without moving the reflection."""
    j = np.arange(n + lo + hi)
    if mode == "replicate":
        return np.clip(j - lo, 0, n - 1)
    return np.where(j < lo, lo - j, np.where(j < n + lo, j - lo, 2 * (n - 1) + lo - j))


def _pad(input, pad, mode):
    """reflect or replicate padding of the last len(pad) // 2 dims (negative pads crop)."""
    x = input._data
    xp = _kernels(input).xp
    y = x
    for dim, lo, hi in _pad_pairs(pad, x.ndim):
        y = xp.take(y, _pad_index(x.shape[dim], lo, hi, mode), axis=dim)
    result = wrap(xp.ascontiguousarray(y), input._device)
    if requires_grad(input):
        node = record(_PAD_NODES[mode, len(pad) // 2], (input,), (result,))
        node.pad, node.mode, node.x_shape = list(pad), mode, x.shape
    return result


def _pad_backward(grad, pad, mode, x_shape):
    """The adjoint of ``_pad``: each output's gradient added onto the input it copies."""
    g = grad._data
    xp = _kernels(grad).xp
    for dim, lo, hi in _pad_pairs(pad, g.ndim):
        n = x_shape[dim]
        idx = _pad_index(n, lo, hi, mode)
        gm = xp.moveaxis(g, dim, 0)
        acc = xp.zeros((n,) + gm.shape[1:], g.dtype)
        a, b = max(lo, 0), min(n + lo, len(idx))  # the copied middle: a contiguous range
        acc[a - lo:b - lo] += gm[a:b]
        for j in list(range(a)) + list(range(b, len(idx))):
            acc[idx[j]] += gm[j]
        g = xp.moveaxis(acc, 0, dim)
    result = wrap(xp.ascontiguousarray(g), grad._device)
    if requires_grad(grad):
        node = record(_PAD_NODES[mode, len(pad) // 2, "bb"], (grad,), (result,))
        node.pad, node.mode = list(pad), mode
    return result


def _pad_circular(input, pad):
    """Circular padding made of slice copies in PyTorch's order (its graph is CopySlices)."""
    from .creation import empty
    x = input._data
    pairs = _pad_pairs(pad, x.ndim)
    shape = list(x.shape)
    for dim, lo, hi in pairs:
        if lo > shape[dim] or hi > shape[dim]:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if shape[dim] + lo + hi < 0:
            raise RuntimeError("Negative padding value is resulting in an empty dimension")
    out_shape = list(shape)
    for dim, lo, hi in pairs:
        out_shape[dim] = shape[dim] + lo + hi
    out = empty(out_shape, dtype=input.dtype, device=input.device)
    dst, src = out, input
    for dim, lo, hi in pairs:  # the input (cropped by negative amounts) into the middle
        a, b = max(lo, 0), out_shape[dim] - max(hi, 0)
        dst = dst.narrow(dim, a, b - a)
        a, b = max(-lo, 0), shape[dim] - max(-hi, 0)
        src = src.narrow(dim, a, b - a)
    dst.copy_(src)
    for dim, lo, hi in pairs:  # then each side from the other end, last dim first
        m = out_shape[dim]
        if lo > 0:
            out.narrow(dim, 0, lo).copy_(out.narrow(dim, m - lo - max(hi, 0), lo))
        if hi > 0:
            out.narrow(dim, m - hi, hi).copy_(out.narrow(dim, max(lo, 0), hi))
    return out


_PAD_HELP = ("Supported combinations for non-constant padding:\n"
             "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
             "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
             "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def pad(input, pad, mode="constant", value=None):
    """Pads ``input``: ``pad`` lists (left, right) amounts from the last dim backwards.

    Modes: 'constant' (any number of dims, negative amounts crop), 'reflect', 'replicate'
    and 'circular' (the last 1, 2 or 3 dims of a batched or unbatched input).
    Example: ``F.pad(torch.ones(1, 2, 3), (1, 1), mode='reflect').shape == (1, 2, 5)``.
    """
    pad = [int(p) for p in pad]
    if mode == "constant":
        return constant_pad_nd(input, pad, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"Padding mode \"{mode}\" doesn't take in value argument")
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    x = input._data
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    k = len(pad) // 2
    if k not in (1, 2, 3) or x.ndim not in (k + 1, k + 2):
        raise NotImplementedError(f"Padding size {len(pad)} is not supported for {x.ndim}D "
                                  f"input tensor.\n{_PAD_HELP}")
    if mode == "circular":
        return _pad_circular(input, pad)
    dims = x.shape[1:] if x.ndim == k + 2 else x.shape
    if any(n == 0 for n in dims):
        raise RuntimeError(f"Expected {k + 1}D or {k + 2}D (batch mode) tensor with possibly 0 "
                           "batch size and other non-zero dimensions for input, but got: "
                           f"{list(x.shape)}")
    if k == 1 and x.shape[-1] + pad[0] + pad[1] < 1:
        raise RuntimeError(f"input (W: {x.shape[-1]}) is too small. Calculated output W: "
                           f"{x.shape[-1] + pad[0] + pad[1]}")
    if mode == "reflect":
        for i, (dim, lo, hi) in enumerate(_pad_pairs(pad, x.ndim)):
            n = x.shape[dim]
            if lo >= n or hi >= n:
                raise RuntimeError(f"Argument #{4 + 2 * i}: Padding size should be less than the "
                                   f"corresponding input dimension, but got: padding ({lo}, {hi}) "
                                   f"at dimension {dim} of input {list(x.shape)}")
    return _pad(input, pad, mode)


# -- pixel shuffle ---------------------------------------------------------------------------
class PixelShuffleBackward0(Node):
    def backward(self, grad):
        return pixel_unshuffle(grad, self.factor)


class PixelUnshuffleBackward0(Node):
    def backward(self, grad):
        return pixel_shuffle(grad, self.factor)


def _shuffle(input, r, up):
    name = "pixel_shuffle" if up else "pixel_unshuffle"
    what = "upscale_factor" if up else "downscale_factor"
    x = input._data
    if x.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input "
                           f"with {x.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {r}")
    *lead, c, h, w = x.shape
    if up:
        if c % (r * r):
            raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                               f"divisible by the square of upscale_factor, but input.size(-3)={c}"
                               f" is not divisible by {r * r}")
        y = x.reshape(*lead, c // (r * r), r, r, h, w)
        n = len(lead)
        y = y.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
        y = y.reshape(*lead, c // (r * r), h * r, w * r)
    else:
        if h % r:
            raise RuntimeError(f"pixel_unshuffle expects height to be divisible by "
                               f"downscale_factor, but input.size(-2)={h} is not divisible by {r}")
        if w % r:
            raise RuntimeError(f"pixel_unshuffle expects width to be divisible by "
                               f"downscale_factor, but input.size(-1)={w} is not divisible by {r}")
        y = x.reshape(*lead, c, h // r, r, w // r, r)
        n = len(lead)
        y = y.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
        y = y.reshape(*lead, c * r * r, h // r, w // r)
    result = wrap(_kernels(input).xp.ascontiguousarray(y), input._device)
    if requires_grad(input):
        node = record(PixelShuffleBackward0 if up else PixelUnshuffleBackward0, (input,),
                      (result,))
        node.factor = r
    return result


def pixel_shuffle(input, upscale_factor):
    """Rearranges (*, C * r^2, H, W) into (*, C, H * r, W * r)."""
    return _shuffle(input, int(upscale_factor), True)


def pixel_unshuffle(input, downscale_factor):
    """Rearranges (*, C, H * r, W * r) into (*, C * r^2, H, W), undoing pixel_shuffle."""
    return _shuffle(input, int(downscale_factor), False)


# -- channel shuffle ---------------------------------------------------------------------------
class ChannelShuffleBackward0(Node):
    def backward(self, grad):
        return channel_shuffle(grad, grad.shape[1] // self.groups)


def _channel_shuffle(input, groups):
    x = input._data
    if x.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(x.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of "
                           f"groups:{groups}")
    n, c = x.shape[:2]
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels "
                           f"and {groups} groups.")
    y = x.reshape(n, groups, c // groups, -1).swapaxes(1, 2).reshape(x.shape)
    return wrap(_kernels(input).xp.ascontiguousarray(y), input._device)


def channel_shuffle(input, groups):
    """Splits the C channels of an (N, C, *) input into ``groups`` groups and interleaves
    them: output channel ``i * groups + g`` is input channel ``g * (C // groups) + i``."""
    result = _channel_shuffle(input, int(groups))
    if requires_grad(input):
        node = record(ChannelShuffleBackward0, (input,), (result,))
        node.groups = int(groups)
    return result


def native_channel_shuffle(input, groups):
    """``channel_shuffle`` as ATen's ``native_channel_shuffle``, which has no derivative:
    the result requires grad, but backward through it raises."""
    from .pointwise import NotImplementedBackward
    result = _channel_shuffle(input, int(groups))
    if requires_grad(input):
        record(NotImplementedBackward, (input,), (result,)).op = "native_channel_shuffle"
    return result


# -- conv_tbc ----------------------------------------------------------------------------------
def conv_tbc(input, weight, bias, pad=0):
    """1-D convolution of a (time, batch, channel) input with a (kernel_width, in_channels,
    out_channels) weight, zero-padding ``pad`` steps at each end: ``conv1d`` on the
    transposed operands."""
    if input.dim() != 3:
        raise RuntimeError("Input must have 3 dims: time, batch, in_channel")
    if weight.dim() != 3:
        raise RuntimeError("Weight tensor must have 3 dims: kernel_width, in_channels, "
                           "out_channels.")
    if bias.dim() != 1:
        raise RuntimeError("Bias must be 1-D")
    if input.shape[2] != weight.shape[1]:
        raise RuntimeError("Input dim 2 (input channels) is not == dim 1 in the weight tensor")
    if weight.shape[2] != bias.shape[0]:
        raise RuntimeError("Bias size must equal dim 2 in the weight tensor (output channels).")
    out = conv1d(input.permute(1, 2, 0), weight.permute(2, 1, 0), bias, padding=pad)
    return out.permute(2, 0, 1)

"""Image operations on tensors ``(..., C, H, W)``, as torchvision's ``_functional_tensor``.

The kernels work on the tensors' NumPy arrays with PyTorch's formulas (``interpolate`` with
and without antialiasing, ``grid_sample`` for rotations and affine maps, the colour
conversions), computing in float32 as PyTorch does, so results agree with torchvision's to
float rounding. Results are new tensors that do not record autograd history.
"""

import math

import numpy as np

from ... import _dtype
from ..._tensor import Tensor, wrap

_INT_MAX = {np.dtype(np.uint8): 255, np.dtype(np.int8): 127, np.dtype(np.int16): 32767,
            np.dtype(np.uint16): 65535, np.dtype(np.int32): 2147483647,
            np.dtype(np.int64): 9223372036854775807}


# -- plumbing -------------------------------------------------------------------------------
def _is_tensor_a_torch_image(x):
    return x.ndim >= 2


def _assert_image_tensor(img):
    if not _is_tensor_a_torch_image(img):
        raise TypeError("Tensor is not a torch image.")


def _arr(img):
    """The tensor's values as a NumPy array (a view for CPU tensors)."""
    a = img._data
    return a if isinstance(a, np.ndarray) else img._cpu_array()


def _out(arr, like):
    t = wrap(np.ascontiguousarray(arr))
    return t if like.device.type == "cpu" else t.to(like.device)


def _is_float(a):
    return a.dtype.kind == "f" or a.dtype == _dtype.bfloat16.np


def _max_value(npdtype):
    return _INT_MAX.get(np.dtype(npdtype), 1)


def get_dimensions(img):
    _assert_image_tensor(img)
    channels = 1 if img.ndim == 2 else img.shape[-3]
    height, width = img.shape[-2:]
    return [channels, height, width]


def get_image_size(img):
    _assert_image_tensor(img)
    return [img.shape[-1], img.shape[-2]]


def get_image_num_channels(img):
    _assert_image_tensor(img)
    if img.ndim == 2:
        return 1
    if img.ndim > 2:
        return img.shape[-3]
    raise TypeError(f"Input ndim should be 2 or more. Got {img.ndim}")


def _assert_channels(img, permitted):
    c = get_dimensions(img)[0]
    if c not in permitted:
        raise TypeError(f"Input image tensor permitted channel values are {permitted}, but "
                        f"found {c}")


def _to_work(a):
    """(float array to compute on, whether the input was integer)."""
    if a.dtype in (np.float32, np.float64):
        return a, False
    return a.astype(np.float32), True


def _from_work(a, dtype, was_int):
    """Back to ``dtype``: integers are rounded half to even as ``torch.round``."""
    if was_int:
        a = np.rint(a)
        if np.dtype(dtype) == np.uint8:
            a = np.clip(a, 0, 255)  # float -> uint8 is only defined in range
    return a.astype(dtype)


# -- dtype conversion -----------------------------------------------------------------------
def convert_image_dtype(image, dtype=_dtype.float32):
    """Convert and rescale: integer images span [0, max], float images [0, 1]."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    if image.dtype == dtype:
        return image
    a = _arr(image)
    out_np = dtype.np
    if image.is_floating_point():
        if dtype.is_floating_point:
            return image.to(dtype)
        if (image.dtype == _dtype.float32 and dtype in (_dtype.int32, _dtype.int64)) or \
                (image.dtype == _dtype.float64 and dtype == _dtype.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed "
                               "safely.")
        eps = 1e-3
        max_val = float(_max_value(out_np))
        return image.mul(max_val + 1.0 - eps).to(dtype)
    input_max = float(_max_value(a.dtype))
    if dtype.is_floating_point:
        return image.to(dtype) / input_max
    output_max = float(_max_value(out_np))
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return _out(np.floor_divide(a, factor).astype(out_np), image)
    factor = int((output_max + 1) // (input_max + 1))
    return _out(a.astype(out_np) * np.array(factor, out_np), image)


# -- flips, crops, padding ------------------------------------------------------------------
def hflip(img):
    _assert_image_tensor(img)
    return _out(_arr(img)[..., ::-1], img)


def vflip(img):
    _assert_image_tensor(img)
    return _out(_arr(img)[..., ::-1, :], img)


def crop(img, top, left, height, width):
    _assert_image_tensor(img)
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    a = _arr(img)
    if left < 0 or top < 0 or right > w or bottom > h:
        pad_ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                    max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        part = a[..., max(top, 0):bottom, max(left, 0):right]
        return _out(_pad_array(part, [pad_ltrb[0], pad_ltrb[2], pad_ltrb[1], pad_ltrb[3]],
                               "constant", 0), img)
    return _out(a[..., top:bottom, left:right], img)


def _parse_pad_padding(padding):
    """[left, right, top, bottom] from an int or a 1-, 2- or 4-sequence."""
    if isinstance(padding, int):
        return [padding] * 4
    if len(padding) == 1:
        return [padding[0]] * 4
    if len(padding) == 2:
        return [padding[0], padding[0], padding[1], padding[1]]
    return [padding[0], padding[2], padding[1], padding[3]]


def _pad_array(a, lrtb, mode, fill):
    left, right, top, bottom = lrtb
    h, w = a.shape[-2:]
    # Negative padding crops.
    a = a[..., max(-top, 0):h - max(-bottom, 0), max(-left, 0):w - max(-right, 0)]
    widths = [(0, 0)] * (a.ndim - 2) + [(max(top, 0), max(bottom, 0)),
                                        (max(left, 0), max(right, 0))]
    if mode == "constant":
        return np.pad(a, widths, mode="constant", constant_values=np.array(fill).astype(a.dtype))
    return np.pad(a, widths, mode={"edge": "edge", "reflect": "reflect",
                                   "symmetric": "symmetric"}[mode])


def pad(img, padding, fill=0, padding_mode="constant"):
    _assert_image_tensor(img)
    if fill is None:
        fill = 0
    if not isinstance(padding, (int, tuple, list)):
        raise TypeError("Got inappropriate padding arg")
    if not isinstance(fill, (int, float)):
        raise TypeError("Got inappropriate fill arg")
    if not isinstance(padding_mode, str):
        raise TypeError("Got inappropriate padding_mode arg")
    if isinstance(padding, (tuple, list)) and len(padding) not in (1, 2, 4):
        raise ValueError("Padding must be an int or a 1, 2, or 4 element tuple, not a "
                         f"{len(padding)} element tuple")
    if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    lrtb = _parse_pad_padding(padding)
    a = _arr(img)
    if padding_mode == "reflect":
        h, w = a.shape[-2:]
        if max(lrtb[0], lrtb[1]) >= w or max(lrtb[2], lrtb[3]) >= h:
            raise RuntimeError("Padding size should be less than the corresponding input "
                               "dimension")
    return _out(_pad_array(a, lrtb, padding_mode, fill), img)


# -- resampling -----------------------------------------------------------------------------
def _nearest_indices(in_size, out_size, exact):
    scale = np.float32(in_size) / np.float32(out_size)
    i = np.arange(out_size, dtype=np.float32)
    if exact:
        src = np.floor((i + np.float32(0.5)) * scale)
    elif out_size == in_size:
        return np.arange(out_size)
    elif out_size == 2 * in_size:
        return np.arange(out_size) >> 1
    else:
        src = np.floor(i * scale)
    return np.minimum(src.astype(np.int64), in_size - 1)


def _linear_weights(in_size, out_size):
    """Indices and weights of align_corners=False linear interpolation (PyTorch's)."""
    scale = np.float32(in_size) / np.float32(out_size)
    i = np.arange(out_size, dtype=np.float32)
    src = np.maximum(scale * (i + np.float32(0.5)) - np.float32(0.5), np.float32(0))
    i0 = src.astype(np.int64)
    i1 = np.where(i0 < in_size - 1, i0 + 1, i0)
    l1 = (src - i0.astype(np.float32)).astype(np.float32)
    l0 = np.float32(1) - l1
    return np.stack([i0, i1], 1), np.stack([l0, l1], 1)


def _cubic_weights(in_size, out_size, a=-0.75):
    scale = np.float32(in_size) / np.float32(out_size)
    i = np.arange(out_size, dtype=np.float32)
    src = scale * (i + np.float32(0.5)) - np.float32(0.5)
    i0 = np.floor(src)
    t = (src - i0).astype(np.float32)
    a = np.float32(a)

    def near(x):  # |x| <= 1
        return ((a + 2) * x - (a + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a

    w = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], 1).astype(np.float32)
    idx = np.clip(i0.astype(np.int64)[:, None] + np.arange(-1, 3), 0, in_size - 1)
    return idx, w


def _aa_weights(in_size, out_size, interp_size, filt):
    """PyTorch's antialiased (PIL-style) separable weights."""
    scale = in_size / out_size
    support = interp_size * 0.5 * scale if scale >= 1.0 else interp_size * 0.5
    invscale = 1.0 / scale if scale >= 1.0 else 1.0
    kmax = int(math.ceil(support)) * 2 + 1
    idx = np.zeros((out_size, kmax), np.int64)
    wts = np.zeros((out_size, kmax), np.float64)
    for i in range(out_size):
        center = scale * (i + 0.5)
        xmin = max(int(center - support + 0.5), 0)
        xsize = min(int(center + support + 0.5), in_size) - xmin
        j = np.arange(xsize)
        w = filt((j + xmin - center + 0.5) * invscale)
        total = w.sum()
        if total != 0:
            w = w / total
        idx[i, :xsize] = xmin + j
        idx[i, xsize:] = xmin
        wts[i, :xsize] = w
    return idx, wts.astype(np.float32)


def _bilinear_filter(x):
    x = np.abs(x)
    return np.where(x < 1.0, 1.0 - x, 0.0)


def _bicubic_filter(x, a=-0.5):
    x = np.abs(x)
    return np.where(x < 1.0, ((a + 2.0) * x - (a + 3.0)) * x * x + 1,
                    np.where(x < 2.0, (((x - 5) * x + 8) * x - 4) * a, 0.0))


def _apply_axis(a, axis, idx, w):
    """``sum_k w[:, k] * a[idx[:, k]]`` along ``axis``, accumulated left to right."""
    a = np.moveaxis(a, axis, -1)
    out = a[..., idx[:, 0]] * w[:, 0]
    for k in range(1, idx.shape[1]):
        out += a[..., idx[:, k]] * w[:, k]
    return np.moveaxis(out, -1, axis)


def _interpolate(a, size, mode, antialias):
    """``interpolate(a, size, mode, align_corners=False, antialias)`` on a float array."""
    oh, ow = size
    h, w = a.shape[-2:]
    if mode in ("nearest", "nearest-exact"):
        exact = mode == "nearest-exact"
        rows = _nearest_indices(h, oh, exact)
        cols = _nearest_indices(w, ow, exact)
        return a[..., rows[:, None], cols[None, :]]
    dt = a.dtype
    if antialias and mode in ("bilinear", "bicubic"):
        interp, filt = (2, _bilinear_filter) if mode == "bilinear" else (4, _bicubic_filter)
        iw, ww = _aa_weights(w, ow, interp, filt)
        ih, wh = _aa_weights(h, oh, interp, filt)
    elif mode == "bilinear":
        iw, ww = _linear_weights(w, ow)
        ih, wh = _linear_weights(h, oh)
    elif mode == "bicubic":
        iw, ww = _cubic_weights(w, ow)
        ih, wh = _cubic_weights(h, oh)
    else:
        raise ValueError(f"Unsupported interpolation mode {mode}")
    out = _apply_axis(a, -1, iw, ww.astype(dt))
    return _apply_axis(out, -2, ih, wh.astype(dt)).astype(dt, copy=False)


def resize(img, size, interpolation="bilinear", antialias=True):
    _assert_image_tensor(img)
    if isinstance(size, tuple):
        size = list(size)
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ("bilinear", "bicubic"):
        antialias = False
    if interpolation not in ("nearest", "nearest-exact", "bilinear", "bicubic"):
        raise ValueError("This interpolation mode is unsupported with Tensor input")
    a = _arr(img)
    dtype = a.dtype
    work, was_int = _to_work(a)
    out = _interpolate(work, size, interpolation, antialias)
    if interpolation == "bicubic" and dtype == np.uint8:
        out = np.clip(out, 0, 255)
    if interpolation.startswith("nearest"):
        return _out(out.astype(dtype), img)
    return _out(_from_work(out, dtype, was_int), img)


def _gen_affine_grid(theta, w, h, ow, oh):
    """Sampling positions (normalised to [-1, 1]) of an ``oh x ow`` output."""
    d = 0.5
    dt = theta.dtype
    xs = np.linspace(-ow * 0.5 + d, ow * 0.5 + d - 1, ow, dtype=dt)
    ys = np.linspace(-oh * 0.5 + d, oh * 0.5 + d - 1, oh, dtype=dt)
    base = np.empty((oh, ow, 3), dt)
    base[..., 0] = xs
    base[..., 1] = ys[:, None]
    base[..., 2] = 1
    rescaled = theta.T / np.array([0.5 * w, 0.5 * h], dt)
    return (base.reshape(-1, 3) @ rescaled).reshape(oh, ow, 2).astype(dt)


def _grid_sample(a, grid, mode):
    """``grid_sample(a, grid, mode, padding_mode="zeros", align_corners=False)``; ``a`` is
    ``(..., C, H, W)`` float, ``grid`` ``(oh, ow, 2)``."""
    h, w = a.shape[-2:]
    dt = a.dtype
    x = ((grid[..., 0] + 1) * w - 1) / 2
    y = ((grid[..., 1] + 1) * h - 1) / 2
    if mode == "nearest":
        xi = np.rint(x).astype(np.int64)
        yi = np.rint(y).astype(np.int64)
        ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
        out = a[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
        return np.where(ok, out, np.zeros((), dt)).astype(dt)
    x0 = np.floor(x)
    y0 = np.floor(y)
    tx = (x - x0).astype(dt)
    ty = (y - y0).astype(dt)
    x0 = x0.astype(np.int64)
    y0 = y0.astype(np.int64)
    out = np.zeros(a.shape[:-2] + x.shape, dt)
    for dy, wy in ((0, 1 - ty), (1, ty)):
        for dx, wx in ((0, 1 - tx), (1, tx)):
            xi, yi = x0 + dx, y0 + dy
            ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
            v = a[..., np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)]
            out += np.where(ok, v * (wx * wy), np.zeros((), dt))
    return out


def _apply_grid_transform(img, grid, mode, fill):
    a = _arr(img)
    dtype = a.dtype
    work, was_int = _to_work(a)
    grid = grid.astype(work.dtype)
    if fill is not None:
        mask = np.ones(work.shape[:-3] + (1,) + work.shape[-2:], work.dtype)
        work = np.concatenate([work, mask], axis=-3)
    out = _grid_sample(work, grid, mode)
    if fill is not None:
        out, mask = out[..., :-1, :, :], out[..., -1:, :, :]
        mask = np.broadcast_to(mask, out.shape)
        fill_list = fill if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = np.array(fill_list, out.dtype).reshape(-1, 1, 1)
        fill_img = np.broadcast_to(fill_img, out.shape)
        if mode == "nearest":
            out = np.where(mask < 0.5, fill_img, out)
        else:
            out = out * mask + (1.0 - mask) * fill_img
    return _out(_from_work(out.astype(work.dtype), dtype, was_int), img)


def _assert_grid_transform_inputs(img, matrix, interpolation, fill, supported):
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor")
    _assert_image_tensor(img)
    if matrix is not None and not isinstance(matrix, list):
        raise TypeError("Argument matrix should be a list")
    if matrix is not None and len(matrix) != 6:
        raise ValueError("Argument matrix should have 6 float values")
    if fill is not None and isinstance(fill, (tuple, list)):
        n = get_dimensions(img)[0]
        if len(fill) > 1 and len(fill) != n:
            raise ValueError("The number of elements in 'fill' cannot broadcast to match the "
                             f"number of channels of the image ({len(fill)} != {n})")
    if interpolation not in supported:
        raise ValueError(f"Interpolation mode '{interpolation}' is unsupported with Tensor "
                         "input")


def affine(img, matrix, interpolation="nearest", fill=None):
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ("nearest", "bilinear"))
    dt = _arr(img).dtype if _is_float(_arr(img)) and _arr(img).dtype != np.float16 \
        else np.float32
    theta = np.array(matrix, dt).reshape(2, 3)
    h, w = img.shape[-2:]
    grid = _gen_affine_grid(theta, w, h, w, h)
    return _apply_grid_transform(img, grid, interpolation, fill)


def _compute_affine_output_size(matrix, w, h):
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, 0.5 * h, 1.0], [0.5 * w, -0.5 * h, 1.0]], np.float32)
    theta = np.array(matrix, np.float32).reshape(2, 3)
    new_pts = pts @ theta.T
    halfs = np.array([w * 0.5, h * 0.5], np.float32)
    mins = new_pts.min(0) + halfs
    maxs = new_pts.max(0) + halfs
    tol = np.float32(1e-4)
    cmax = np.ceil(np.trunc(maxs / tol) * tol)
    cmin = np.floor(np.trunc(mins / tol) * tol)
    size = cmax - cmin
    return int(size[0]), int(size[1])


def rotate(img, matrix, interpolation="nearest", expand=False, fill=None):
    _assert_grid_transform_inputs(img, matrix, interpolation, fill, ("nearest", "bilinear"))
    w, h = img.shape[-1], img.shape[-2]
    ow, oh = _compute_affine_output_size(matrix, w, h) if expand else (w, h)
    a = _arr(img)
    dt = a.dtype if a.dtype in (np.float32, np.float64) else np.float32
    theta = np.array(matrix, dt).reshape(2, 3)
    grid = _gen_affine_grid(theta, w, h, ow, oh)
    return _apply_grid_transform(img, grid, interpolation, fill)


# -- colour ---------------------------------------------------------------------------------
def _gray(a):
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    f = np.float32 if not (a.dtype == np.float64) else np.float64
    return (f(0.2989) * r.astype(f) + f(0.587) * g.astype(f)) + f(0.114) * b.astype(f)


def rgb_to_grayscale(img, num_output_channels=1):
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim}")
    _assert_channels(img, [1, 3])
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    a = _arr(img)
    if a.shape[-3] == 3:
        gray = _gray(a).astype(a.dtype)[..., None, :, :]  # integers truncate, as .to(dtype)
    else:
        gray = a.copy()
    if num_output_channels == 3:
        return _out(np.broadcast_to(gray, a.shape), img)
    return _out(gray, img)


def _blend(a, b, ratio):
    ratio = float(ratio)
    bound = _max_value(a.dtype)
    f = np.float64 if a.dtype == np.float64 else np.float32
    out = f(ratio) * a.astype(f) + f(1.0 - ratio) * b.astype(f)
    out = np.clip(out, 0, bound)
    return out.astype(a.dtype)


def adjust_brightness(img, brightness_factor):
    if brightness_factor < 0:
        raise ValueError(f"brightness_factor ({brightness_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    a = _arr(img)
    return _out(_blend(a, np.zeros_like(a), brightness_factor), img)


def adjust_contrast(img, contrast_factor):
    if contrast_factor < 0:
        raise ValueError(f"contrast_factor ({contrast_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [3, 1])
    a = _arr(img)
    f = a.dtype if _is_float(a) else np.float32
    if get_dimensions(img)[0] == 3:
        g = _gray(a)
        if a.dtype.kind in "ui":
            g = g.astype(a.dtype)
        src = g.astype(f)
    else:
        src = a.astype(f)
    mean = src.mean(axis=(-3, -2, -1) if src.ndim == a.ndim else (-2, -1), keepdims=True,
                    dtype=np.float64).astype(f)
    if src.ndim != a.ndim:
        mean = mean[..., None, :, :]
    return _out(_blend(a, mean, contrast_factor), img)


def adjust_saturation(img, saturation_factor):
    if saturation_factor < 0:
        raise ValueError(f"saturation_factor ({saturation_factor}) is not non-negative.")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    a = _arr(img)
    g = _gray(a)
    g = g.astype(a.dtype)[..., None, :, :]
    return _out(_blend(a, g, saturation_factor), img)


def _rgb2hsv(a):
    r, g, b = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    maxc = a.max(axis=-3)
    minc = a.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    ones = np.ones_like(maxc)
    s = cr / np.where(eqc, ones, maxc)
    div = np.where(eqc, ones, cr)
    rc = (maxc - r) / div
    gc = (maxc - g) / div
    bc = (maxc - b) / div
    f = a.dtype.type
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (f(2.0) + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (f(4.0) + gc - rc)
    h = hr + hg + hb
    h = np.fmod(h / f(6.0) + f(1.0), f(1.0))
    return np.stack([h, s, maxc], axis=-3)


def _hsv2rgb(a):
    h, s, v = a[..., 0, :, :], a[..., 1, :, :], a[..., 2, :, :]
    f = a.dtype.type
    i = np.floor(h * f(6.0))
    fr = h * f(6.0) - i
    i = i.astype(np.int32) % 6
    p = np.clip(v * (f(1.0) - s), 0.0, 1.0)
    q = np.clip(v * (f(1.0) - s * fr), 0.0, 1.0)
    t = np.clip(v * (f(1.0) - s * (f(1.0) - fr)), 0.0, 1.0)
    r = np.choose(i, [v, q, p, p, t, v])
    g = np.choose(i, [t, v, v, q, p, p])
    b = np.choose(i, [p, p, t, v, v, q])
    return np.stack([r, g, b], axis=-3).astype(a.dtype)


def adjust_hue(img, hue_factor):
    if not (-0.5 <= hue_factor <= 0.5):
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    if not isinstance(img, Tensor):
        raise TypeError("Input img should be Tensor image")
    _assert_image_tensor(img)
    _assert_channels(img, [1, 3])
    if get_dimensions(img)[0] == 1:
        return img
    orig = img.dtype
    x = convert_image_dtype(img, _dtype.float32)
    hsv = _rgb2hsv(_arr(x))
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + np.float32(hue_factor), np.float32(1.0))
    return convert_image_dtype(_out(_hsv2rgb(hsv), img), orig)


def invert(img):
    _assert_image_tensor(img)
    if img.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found "
                        f"{img.ndim}")
    _assert_channels(img, [1, 3])
    a = _arr(img)
    bound = _max_value(a.dtype)
    return _out((np.array(bound, a.dtype) - a).astype(a.dtype), img)


# -- blur -----------------------------------------------------------------------------------
def _gaussian_kernel1d(kernel_size, sigma):
    half = (kernel_size - 1) * 0.5
    x = np.linspace(-half, half, kernel_size, dtype=np.float32)
    pdf = np.exp(np.float32(-0.5) * (x / np.float32(sigma)) ** 2)
    return (pdf / pdf.sum(dtype=np.float32)).astype(np.float32)


def gaussian_blur(img, kernel_size, sigma):
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor. Got {type(img)}")
    _assert_image_tensor(img)
    a = _arr(img)
    dtype = a.dtype
    work, was_int = _to_work(a)
    kx = _gaussian_kernel1d(kernel_size[0], sigma[0]).astype(work.dtype)
    ky = _gaussian_kernel1d(kernel_size[1], sigma[1]).astype(work.dtype)
    k2 = ky[:, None] * kx[None, :]
    px, py = kernel_size[0] // 2, kernel_size[1] // 2
    h, w = work.shape[-2:]
    if px >= w or py >= h:
        raise RuntimeError("Padding size should be less than the corresponding input dimension")
    padded = np.pad(work, [(0, 0)] * (work.ndim - 2) + [(py, py), (px, px)], mode="reflect")
    out = np.zeros_like(work)
    for i in range(k2.shape[0]):
        for j in range(k2.shape[1]):
            out += k2[i, j] * padded[..., i:i + h, j:j + w]
    return _out(_from_work(out, dtype, was_int), img)

"""Image utilities, as ``torchvision.utils``: ``make_grid``, ``save_image`` and
``draw_bounding_boxes``."""

import math
import warnings

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from .._ops.shape import stack
from .._tensor import Tensor, wrap

__all__ = ["make_grid", "save_image", "draw_bounding_boxes"]


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
              pad_value=0.0):
    """Arrange a batch ``B x C x H x W`` (or a list of images) in a grid, ``nrow`` per row,
    ``padding`` pixels of ``pad_value`` apart; 1-channel images become 3-channel.
    ``normalize`` rescales to [0, 1] by ``value_range`` (default: min and max)."""
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError("tensor or list of tensors expected, got a list containing "
                                    f"{type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        tensor = stack(tensor, dim=0)
    a = tensor.detach()._cpu_array() if hasattr(tensor, "_cpu_array") else tensor._data
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        if a.shape[0] == 1:
            a = np.concatenate((a, a, a), 0)
        a = a[None]
    if a.ndim == 4 and a.shape[1] == 1:
        a = np.concatenate((a, a, a), 1)
    if normalize is True:
        a = a.copy()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max "
                            "are numbers")

        def norm_ip(img, low, high):
            np.clip(img, low, high, out=img)
            img -= np.array(low, img.dtype)
            img /= np.array(max(high - low, 1e-5), img.dtype)

        def norm_range(t):
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))

        if scale_each is True:
            for t in a:
                norm_range(t)
        else:
            norm_range(a)
    if a.shape[0] == 1:
        return wrap(np.ascontiguousarray(a[0]))
    nmaps = a.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(a.shape[2] + padding), int(a.shape[3] + padding)
    channels = a.shape[1]
    grid = np.full((channels, height * ymaps + padding, width * xmaps + padding), pad_value,
                   dtype=a.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            top, left = y * height + padding, x * width + padding
            grid[:, top:top + height - padding, left:left + width - padding] = a[k]
            k += 1
    return wrap(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """Save a tensor image (or a batch, as a :func:`make_grid`) with values in [0, 1]."""
    grid = make_grid(tensor, **kwargs)._data
    nd = np.clip(grid * np.array(255, grid.dtype) + np.array(0.5, grid.dtype), 0, 255)
    nd = nd.transpose(1, 2, 0).astype(np.uint8)
    Image.fromarray(nd).save(fp, format=format)


def _generate_color_palette(num_objects):
    palette = np.array([2 ** 25 - 1, 2 ** 15 - 1, 2 ** 21 - 1], dtype=np.int64)
    return [tuple(int(v) for v in (i * palette) % 255) for i in range(num_objects)]


def _parse_colors(colors, num_objects):
    if colors is None:
        colors = _generate_color_palette(num_objects)
    elif isinstance(colors, list):
        if len(colors) < num_objects:
            raise ValueError(f"Number of colors must be equal or larger than the number of "
                             f"objects, but got {len(colors)} < {num_objects}.")
    elif not isinstance(colors, (tuple, str)):
        raise ValueError(f"colors must be a tuple or a string, or a list thereof, but got "
                         f"{colors}.")
    elif isinstance(colors, tuple) and len(colors) != 3:
        raise ValueError(f"If passed as tuple, colors should be an RGB triplet, but got "
                         f"{colors}.")
    else:
        colors = [colors] * num_objects
    return [ImageColor.getrgb(c) if isinstance(c, str) else tuple(c) for c in colors]


def draw_bounding_boxes(image, boxes, labels=None, colors=None, fill=False, width=1, font=None,
                        font_size=None, label_colors=None):
    """Draw ``boxes`` (``N x 4``, ``xmin, ymin, xmax, ymax``) on a ``C x H x W`` uint8 or float
    image (1 or 3 channels); returns a new 3-channel tensor of the image's dtype."""
    if not isinstance(image, Tensor):
        raise TypeError(f"Tensor expected, got {type(image)}")
    if not (image.dtype.np == np.uint8 or image.is_floating_point()):
        raise ValueError(f"The image dtype must be uint8 or float, got {image.dtype}")
    if image.ndim != 3:
        raise ValueError("Pass individual images, not batches")
    if image.size(0) not in {1, 3}:
        raise ValueError("Only grayscale and RGB images are supported")
    b = boxes._cpu_array() if isinstance(boxes, Tensor) else np.asarray(boxes)
    if b.ndim != 2 or (b.shape[0] and b.shape[1] != 4):
        raise ValueError("boxes should be a tensor of shape (N, 4)")
    if (b[:, 0] > b[:, 2]).any() or (b[:, 1] > b[:, 3]).any():
        raise ValueError("Boxes need to be in (xmin, ymin, xmax, ymax) format. Use "
                         "torchvision.ops.box_convert to convert them")
    num_boxes = b.shape[0]
    if num_boxes == 0:
        warnings.warn("boxes doesn't contain any box. No box was drawn", stacklevel=2)
        return image
    if labels is None:
        labels = [None] * num_boxes
    elif len(labels) != num_boxes:
        raise ValueError(f"Number of boxes ({num_boxes}) and labels ({len(labels)}) mismatch. "
                         "Please specify labels for each box.")
    colors = _parse_colors(colors, num_objects=num_boxes)
    label_colors = _parse_colors(label_colors, num_boxes) if label_colors else colors
    if font is None:
        if font_size is not None:
            warnings.warn("Argument 'font_size' will be ignored since 'font' is not set.",
                          stacklevel=2)
        txt_font = ImageFont.load_default()
    else:
        txt_font = ImageFont.truetype(font=font, size=font_size or 10)
    a = image._cpu_array()
    if a.shape[0] == 1:
        a = np.tile(a, (3, 1, 1))
    floating = image.is_floating_point()
    if floating:
        a = (a * np.array(255.999, a.dtype)).astype(np.uint8)  # convert_image_dtype's scaling
    img = Image.fromarray(np.ascontiguousarray(a.transpose(1, 2, 0)))
    draw = ImageDraw.Draw(img, "RGBA") if fill else ImageDraw.Draw(img)
    for bbox, color, label, lcolor in zip(b.astype(np.int64).tolist(), colors, labels,
                                          label_colors):
        if fill:
            draw.rectangle(bbox, width=width, outline=color, fill=color + (100,))
        else:
            draw.rectangle(bbox, width=width, outline=color)
        if label is not None:
            margin = width + 1
            draw.text((bbox[0] + margin, bbox[1] + margin), label, fill=lcolor, font=txt_font)
    out = np.ascontiguousarray(np.asarray(img).transpose(2, 0, 1))
    if floating:
        return wrap((out.astype(image.dtype.np) / np.array(255, image.dtype.np)))
    return wrap(out)

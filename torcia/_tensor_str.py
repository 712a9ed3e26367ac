"""Tensor printing, as PyTorch prints: ``tensor([[1., 2.]], requires_grad=True)``.

The rules (all PyTorch's):

- Floats share one format per tensor, chosen from its nonzero finite values: integer-valued
  values print as ``1.``; scientific notation is used when max/min > 1000, max > 1e8 or
  min < 1e-4 (or as ``set_printoptions(sci_mode=)`` forces); else ``precision`` decimals.
  Every element is right-aligned to the widest nonzero finite one.
- Tensors with more than ``threshold`` elements are summarised: each dimension longer than
  ``2 * edgeitems`` keeps its first and last ``edgeitems`` entries around ``...``. Only the
  kept entries are formatted (and, on a GPU, copied to the host).
- Rows wrap at ``linewidth``; suffixes (``dtype=``, ``grad_fn=``...) follow the contents.
"""

import contextlib
import dataclasses
import math

import numpy as np

from . import _dtype

__all__ = ["get_printoptions", "printoptions", "set_printoptions"]


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: "bool | None" = None


PRINT_OPTS = _PrintOptions()

# profile -> (precision, threshold, edgeitems, linewidth)
_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set how tensors print (options as in NumPy's ``set_printoptions``).

    Args:
        precision: digits after the decimal point for floats (default 4).
        threshold: element count above which a tensor is summarised with ``...`` (1000).
        edgeitems: entries kept at each end of a summarised dimension (3).
        linewidth: characters per line before a row wraps (80).
        profile: ``"default"``, ``"short"`` (precision 2, edgeitems 2) or ``"full"`` (never
            summarise); the other arguments override it.
        sci_mode: True/False forces scientific notation on/off; None (the default, and what
            any call without it restores) chooses automatically.

    Example::

        >>> torch.set_printoptions(precision=2)
        >>> torch.tensor([1.12345])
        tensor([1.12])
        >>> torch.set_printoptions(profile="default")
    """
    if profile in _PROFILES:
        (PRINT_OPTS.precision, PRINT_OPTS.threshold, PRINT_OPTS.edgeitems,
         PRINT_OPTS.linewidth) = _PROFILES[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current print options, as a dict that ``set_printoptions(**d)`` accepts."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Context manager: ``set_printoptions(**kwargs)`` inside the block only."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """One format and width for all numbers of an array (float64, integer or bool)."""

    def __init__(self, arr):
        self.width = 1
        if arr.dtype.kind != "f":
            self.fmt = str
            self.width = max([1] + [len(str(v)) for v in arr.ravel().tolist()])
            return
        nz = arr[np.isfinite(arr) & (arr != 0)]
        sci = False
        if nz.size:
            absolute = np.abs(nz)
            hi, lo = absolute.max(), absolute.min()
            sci = PRINT_OPTS.sci_mode
            if sci is None:
                sci = bool(hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4)
        if sci:
            self.fmt = f"{{:.{PRINT_OPTS.precision}e}}".format
        elif not nz.size or bool(np.all(nz == np.ceil(nz))):
            self.fmt = _int_float
        else:
            self.fmt = f"{{:.{PRINT_OPTS.precision}f}}".format
        if nz.size:
            self.width = max(len(self.fmt(v)) for v in nz.tolist())

    def __call__(self, value):
        return self.fmt(value).rjust(self.width)


def _int_float(value):
    s = f"{value:.0f}"
    return s + "." if math.isfinite(value) else s


def _complex_str(real, imag):
    """``1.+2.j``: the imaginary part unpadded, with its sign."""
    imag = (imag + "j").lstrip()
    return real + imag if imag[0] in "+-" else real + "+" + imag


def _summarized(arr, xp):
    """The entries of ``arr`` that a summary shows; which dimensions were cut."""
    edge = PRINT_OPTS.edgeitems
    cut = []
    for axis, n in enumerate(arr.shape):
        cut.append(n > 2 * edge)
        if n > 2 * edge:
            keep = xp.asarray(np.r_[0:edge, n - edge:n].astype(np.int64))
            arr = arr.take(keep, axis=axis)
    return arr, cut


def _contents(t, indent):
    """The bracketed numbers of a non-empty tensor, starting at column ``indent``."""
    opts = PRINT_OPTS
    data = t._data
    summarize = data.size > opts.threshold
    cut = [False] * data.ndim
    if summarize:
        data, cut = _summarized(data, np if t._device.type == "cpu"
                                else t._device_backend().xp)
    if t._device.type != "cpu":
        data = t._device_backend().to_numpy(data)
    if data.dtype.kind == "c":
        data = data.astype(np.complex128)
        fmt_re, fmt_im = _Formatter(data.real), _Formatter(data.imag)
        strs = [_complex_str(fmt_re(v.real), fmt_im(v.imag)) for v in data.ravel().tolist()]
        elem_len = fmt_re.width + fmt_im.width + 3
    else:
        if t.dtype.is_floating_point:
            data = data.astype(np.float64)
        fmt = _Formatter(data)
        strs = [fmt(v) for v in data.ravel().tolist()]
        elem_len = fmt.width + 2
    if data.ndim == 0:
        return strs[0]
    shape, edge = data.shape, opts.edgeitems

    def block(axis, start, indent):
        n = shape[axis]
        if axis == len(shape) - 1:
            items = strs[start:start + n]
            if summarize and cut[axis]:
                items = items[:edge] + [" ..."] + items[edge:] if edge else ["..."]
            per_line = max(1, (opts.linewidth - indent) // elem_len)
            lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
            return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
        step = math.prod(shape[axis + 1:])
        parts = [block(axis + 1, start + i * step, indent + 1) for i in range(n)]
        if summarize and cut[axis]:
            parts = parts[:edge] + ["..."] + parts[edge:]
        sep = "," + "\n" * (len(shape) - axis - 1) + " " * (indent + 1)
        return "[" + sep.join(parts) + "]"

    return block(0, 0, indent)


def _add_suffixes(text, suffixes, indent):
    """Append ``, suffix`` for each suffix, on a new line where it would pass linewidth."""
    out = [text]
    # As PyTorch counts it: two more than the last line's length.
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > PRINT_OPTS.linewidth:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    out.append(")")
    return "".join(out)


def _str(self, tensor_contents=None):
    """``repr(tensor)``."""
    from ._tensor import Tensor
    cls = type(self)
    plain = cls is Tensor or cls.__name__ == "Parameter" and cls.__module__.startswith("torcia.")
    prefix = "tensor(" if plain else cls.__name__ + "("
    indent = len(prefix)
    suffixes = []
    dev = self._device
    if dev.type != "cpu":
        suffixes.append(f"device='{dev.type}:{dev.index or 0}'")
    default = _dtype.get_default_dtype()
    dtype = self.dtype
    if self._data.size == 0:
        if self._data.ndim != 1:
            suffixes.append(f"size={tuple(self._data.shape)}")
        if dtype is not default:
            suffixes.append(f"dtype={dtype}")
        text = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(self._data.shape)}")
        if dtype not in (default, default.to_complex(), _dtype.int64, _dtype.bool):
            suffixes.append(f"dtype={dtype}")
        text = None
    if tensor_contents is not None:
        text = tensor_contents
    elif text is None:
        text = _contents(self, indent)
    grad_fn = self.grad_fn
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn.name().rsplit('::', 1)[-1]}>")  # as PyTorch
    elif self.requires_grad:
        suffixes.append("requires_grad=True")
    out = _add_suffixes(prefix + text, suffixes, indent)
    if not plain and any(c.__name__ == "Parameter" for c in cls.__mro__):
        out = f"Parameter({out})"
    return out

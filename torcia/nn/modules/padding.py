"""Padding layers: constant/zero, reflection, replication and circular padding of the last
1, 2 or 3 dims, as PyTorch's (``padding`` an int or a (left, right, top, bottom, ...) tuple)."""

from .. import functional as F
from .module import Module

__all__ = ["CircularPad1d", "CircularPad2d", "CircularPad3d", "ConstantPad1d", "ConstantPad2d",
           "ConstantPad3d", "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d",
           "ReplicationPad1d", "ReplicationPad2d", "ReplicationPad3d", "ZeroPad1d", "ZeroPad2d",
           "ZeroPad3d"]


def _ntuple(padding, n):
    return tuple(padding) if isinstance(padding, (list, tuple)) else (padding,) * n


class _PadNd(Module):
    _mode = "constant"
    _k = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._k)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _CircularPadNd(_PadNd):
    _mode = "circular"

    def forward(self, input):
        k = self._k
        if input.dim() not in (k + 1, k + 2):
            raise ValueError(f"expected {k + 1}D or {k + 2}D input (got {input.dim()}D input)")
        return F.pad(input, self.padding, "circular")


class CircularPad1d(_CircularPadNd):
    """Pads the last dim circularly (the end wraps to the start)."""

    _k = 1


class CircularPad2d(_CircularPadNd):
    """Pads the last 2 dims circularly."""

    _k = 2


class CircularPad3d(_CircularPadNd):
    """Pads the last 3 dims circularly."""

    _k = 3


class _ConstantPadNd(Module):
    _k = 1

    def __init__(self, padding, value):
        super().__init__()
        self.value = value
        self.padding = _ntuple(padding, 2 * self._k)

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pads the last dim with a constant ``value``."""

    _k = 1


class ConstantPad2d(_ConstantPadNd):
    """Pads the last 2 dims with a constant ``value``: padding (left, right, top, bottom)."""

    _k = 2


class ConstantPad3d(_ConstantPadNd):
    """Pads the last 3 dims with a constant ``value``."""

    _k = 3


class ZeroPad1d(ConstantPad1d):
    """Pads the last dim with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pads the last 2 dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pads the last 3 dims with zeros."""

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Pads the last dim with its reflection (the edge itself not repeated)."""

    _mode, _k = "reflect", 1


class ReflectionPad2d(_PadNd):
    """Pads the last 2 dims with their reflection."""

    _mode, _k = "reflect", 2


class ReflectionPad3d(_PadNd):
    """Pads the last 3 dims with their reflection."""

    _mode, _k = "reflect", 3


class ReplicationPad1d(_PadNd):
    """Pads the last dim by repeating its edge values."""

    _mode, _k = "replicate", 1


class ReplicationPad2d(_PadNd):
    """Pads the last 2 dims by repeating their edge values."""

    _mode, _k = "replicate", 2


class ReplicationPad3d(_PadNd):
    """Pads the last 3 dims by repeating their edge values."""

    _mode, _k = "replicate", 3

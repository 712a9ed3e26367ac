"""Upsampling layers: Upsample (any interpolate mode), UpsamplingNearest2d and
UpsamplingBilinear2d (align_corners=True), with PyTorch's attributes and repr."""

from .. import functional as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    """Resamples (N, C, *S) to ``size`` or ``scale_factor`` times S with F.interpolate.

    Args:
        size: output spatial size; scale_factor: multiplier (one of the two).
        mode: 'nearest' (default), 'linear', 'bilinear', 'bicubic', 'trilinear',
            'nearest-exact' or 'area'.
        align_corners, recompute_scale_factor: as F.interpolate.

    Example: ``nn.Upsample(scale_factor=2)(torch.ones(1, 1, 2, 2)).shape == (1, 1, 4, 4)``
    """

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    """2D nearest-neighbour upsampling (Upsample with mode='nearest')."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """2D bilinear upsampling with align_corners=True."""

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)

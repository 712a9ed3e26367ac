"""torcia.vision.transforms, as ``torchvision.transforms``: image transforms for PIL images and
tensor images, composable with :class:`Compose`."""

from . import functional
from .transforms import *  # noqa: F401,F403
from .transforms import __all__ as _all

__all__ = list(_all) + ["functional"]

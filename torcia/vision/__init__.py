"""torcia.vision, as ``torchvision``: datasets, transforms and image utilities.

``from torcia.vision import datasets, transforms`` replaces
``from torchvision import datasets, transforms``. Images are handled with Pillow
(``pip install 'torcia[vision]'``).
"""

try:
    import PIL  # noqa: F401
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError("torcia.vision needs Pillow: pip install Pillow "
                      "(or pip install 'torcia[vision]')") from None

from . import datasets, models, transforms, utils  # noqa: E402

__all__ = ["datasets", "models", "transforms", "utils"]

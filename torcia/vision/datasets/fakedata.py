"""FakeData, as ``torchvision.datasets.FakeData``: random images, the same for an index every
time (and the same as torchvision's, since the generator streams are PyTorch's)."""

from ... import _dtype
from ... import random as _random
from ..._ops.random import randint, randn
from .. import transforms
from .vision import VisionDataset

__all__ = ["FakeData"]


class FakeData(VisionDataset):
    """``size`` random ``image_size`` images (PIL) with random labels in ``[0, num_classes)``;
    item ``i`` is drawn from a generator seeded ``i + random_offset``."""

    def __init__(self, size=1000, image_size=(3, 224, 224), num_classes=10, transform=None,
                 target_transform=None, random_offset=0):
        super().__init__(transform=transform, target_transform=target_transform)
        self.size = size
        self.num_classes = num_classes
        self.image_size = image_size
        self.random_offset = random_offset

    def __getitem__(self, index):
        if index >= len(self):
            raise IndexError(f"{self.__class__.__name__} index out of range")
        rng_state = _random.get_rng_state()
        _random.manual_seed(index + self.random_offset)
        img = randn(*self.image_size)
        target = randint(0, self.num_classes, size=(1,), dtype=_dtype.long)[0]
        _random.set_rng_state(rng_state)
        img = transforms.ToPILImage()(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target.item()

    def __len__(self):
        return self.size

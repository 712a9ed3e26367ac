"""DistributedSampler, as ``torch.utils.data.distributed``: each replica's share of a dataset."""

import importlib
import math

from ..._ops.random import randperm
from ...random import Generator
from .sampler import Sampler

__all__ = ["DistributedSampler"]


def _world():
    """(world_size, rank) of the default process group; PyTorch's errors when there is none."""
    try:
        dist = importlib.import_module("torcia.distributed")
    except ImportError:
        raise RuntimeError("Requires distributed package to be available") from None
    if not (getattr(dist, "is_available", lambda: False)()):
        raise RuntimeError("Requires distributed package to be available")
    return dist.get_world_size(), dist.get_rank()


class DistributedSampler(Sampler):
    """The indices of replica ``rank`` out of ``num_replicas``.

    Shuffled with a generator seeded ``seed + epoch`` (call :meth:`set_epoch` each epoch), then
    padded by repeating the first indices (or cut when ``drop_last``) to a multiple of
    ``num_replicas``, and strided: replica ``r`` takes positions ``r, r + num_replicas, ...``.
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None:
            num_replicas = _world()[0]
        if rank is None:
            rank = _world()[1]
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(self.dataset)
        if self.drop_last and n % self.num_replicas != 0:
            self.num_samples = math.ceil((n - self.num_replicas) / self.num_replicas)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            g = Generator()
            g.manual_seed(self.seed + self.epoch)
            indices = randperm(n, generator=g).tolist()
        else:
            indices = list(range(n))
        if not self.drop_last:
            pad = self.total_size - len(indices)
            if pad <= len(indices):
                indices += indices[:pad]
            else:
                indices += (indices * math.ceil(pad / len(indices)))[:pad]
        else:
            indices = indices[:self.total_size]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match "
                                 f"total_size ({self.total_size})")
        indices = indices[self.rank:self.total_size:self.num_replicas]
        if len(indices) != self.num_samples:
            raise AssertionError(f"Number of subsampled indices ({len(indices)}) does not "
                                 f"match num_samples ({self.num_samples})")
        return iter(indices)

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch seeds the shuffle: set it before each epoch for a new order."""
        self.epoch = epoch

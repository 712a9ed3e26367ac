"""torcia.nn.parallel, as ``torch.nn.parallel``: DistributedDataParallel."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]

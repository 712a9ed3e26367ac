"""torcia.distributed: multi-process training on MPI, as ``torch.distributed``.

Start the ranks with the launcher (torchrun's role)::

    torcia-run --nproc-per-node 2 train.py --epochs 3      # or: python -m torcia.distributed.run

and in the script::

    import torcia as torch
    import torcia.distributed as dist
    dist.init_process_group("mpi")          # "gloo" is served by MPI too
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    model = torch.nn.parallel.DistributedDataParallel(model)

Collectives go through mpi4py's buffer API on the tensors' memory (MPICH from PyPI: ``pip
install 'torcia[distributed]'``). Importing this package does not start MPI;
``init_process_group`` (or the launcher) does.
"""

from . import distributed_c10d
from .distributed_c10d import *  # noqa: F401,F403

__all__ = list(distributed_c10d.__all__)

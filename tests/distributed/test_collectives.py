"""Collectives on 2 ranks against NumPy; API checks that need no MPI job."""

import pytest

import torcia
import torcia.distributed as dist

from .launch import torcia_run


def test_every_collective_against_numpy():
    """all_reduce/reduce (every ReduceOp), broadcast, all_gather(_into_tensor), gather,
    scatter, reduce_scatter(_tensor), all_to_all(_single), send/recv, isend/irecv, groups,
    object collectives and errors, for 10 dtypes and 4 shapes (jobs/collectives.py)."""
    job = torcia_run("collectives.py")
    assert job.rc == 0, job.text
    for r in range(2):
        assert f"[rank{r}] collectives: " in job.out and " 0 failed" in job.out, job.text


def test_api_without_a_job():
    assert dist.is_available() and not dist.is_initialized()
    assert dist.group.WORLD is None
    for fn in (dist.get_rank, dist.get_world_size, dist.barrier,
               lambda: dist.all_reduce(torcia.ones(2))):
        with pytest.raises(ValueError, match="Default process group has not been initialized"):
            fn()
    with pytest.raises(RuntimeError, match="NCCL"):
        dist.init_process_group("nccl")
    with pytest.raises(ValueError, match="Invalid backend"):
        dist.init_process_group("carrier-pigeon")
    assert not dist.is_initialized()
    import torch
    assert repr(dist.ReduceOp.SUM) == repr(torch.distributed.ReduceOp.SUM)
    assert str(dist.ReduceOp.AVG) == str(torch.distributed.ReduceOp.AVG)
    assert [o.name for o in dist.ReduceOp.RedOpType] == \
        list(torch.distributed.ReduceOp.RedOpType.__members__)
    assert dist.Backend("MPI") == "mpi" == dist.Backend.MPI


def test_importing_torcia_does_not_start_mpi():
    import subprocess
    import sys
    code = "import sys, torcia; import torcia.distributed; print('mpi4py.MPI' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr

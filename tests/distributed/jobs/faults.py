"""Rank program for test_faults.py: rank 1 fails in the way ``sys.argv[1]`` names, while
rank 0 waits for it in a collective (or at the end of the script)."""

import datetime
import os
import signal
import sys
import time

import torcia as torch
import torcia.distributed as dist

mode = sys.argv[1]
if mode.startswith("pg_"):  # the limit from init_process_group, not from torcia-run
    dist.init_process_group("mpi", timeout=datetime.timedelta(seconds=2))
    mode = mode[3:]
else:
    dist.init_process_group("mpi")
rank = dist.get_rank()
t = torch.ones(4)
dist.all_reduce(t)  # every rank is up
if rank == 1:
    if mode == "raise":
        raise ValueError("rank one fails on purpose")
    if mode == "exit":
        sys.exit(3)
    if mode == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    if mode in ("sleep", "sleep_at_end", "recv"):
        time.sleep(600)
if mode == "ddp":  # rank 1 stalls in the middle of its backward pass
    from torcia.nn.parallel import DistributedDataParallel as DDP
    model = DDP(torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Linear(4, 1)),
                bucket_cap_mb=1e-5)
    model.module[0].weight.register_hook(lambda g: time.sleep(600) if rank == 1 else None)
    model(torch.ones(2, 4)).sum().backward()
elif mode == "recv":
    dist.recv(t, src=1)
elif mode != "sleep_at_end":
    dist.all_reduce(t)
print(f"[rank{rank}] reached the end", flush=True)

"""Rank program for test_launcher.py: prints torchrun's variables as one JSON line."""

import json
import os
import sys

import torcia.distributed as dist

KEYS = ["RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK",
        "GROUP_WORLD_SIZE", "ROLE_RANK", "MASTER_ADDR", "MASTER_PORT", "TORCHELASTIC_RUN_ID",
        "OMP_NUM_THREADS"]
dist.init_process_group("mpi")
import torcia as torch  # noqa: E402

t = torch.tensor([float(dist.get_rank() + 1)])
dist.all_reduce(t)
info = {k: os.environ.get(k) for k in KEYS}
info.update(argv=sys.argv, name=__name__, sum=t.item(), elastic=dist.is_torchelastic_launched(),
            rank=dist.get_rank(), world=dist.get_world_size())
print("ENV " + json.dumps(info), flush=True)

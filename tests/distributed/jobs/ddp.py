"""Rank program: DistributedDataParallel training, results saved for test_ddp.py to compare
with one process (``ddp.py OUT_DIR``)."""

import os
import sys

import numpy as np
from ddp_models import CASES, STEPS, Branchy, batch, build, optimizer, save, shard, state

import torcia as torch
import torcia.distributed as dist
import torcia.nn.functional as F
from torcia.nn.parallel import DistributedDataParallel as DDP

out_dir = sys.argv[1]
dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()

for case in CASES:
    torch.manual_seed(100 + rank)
    model = build(case)
    if rank:  # a replica that starts different: DDP broadcasts rank 0's values
        with torch.no_grad():
            for p in model.parameters():
                p.add_(1.0)
    ddp = DDP(model, **CASES[case][5])
    assert ddp.module is model
    assert all(k.startswith("module.") for k in ddp.state_dict())
    opt = optimizer(case, ddp.parameters())
    for step in range(STEPS):
        x, y = batch(case, step)
        opt.zero_grad()
        F.cross_entropy(ddp(shard(x, rank, world)), shard(y, rank, world)).backward()
        opt.step()
    ddp.eval()
    with torch.no_grad():  # a forward broadcasts rank 0's buffers (eval leaves them alone)
        ddp(shard(x, rank, world))
    save(os.path.join(out_dir, f"{case}_rank{rank}.npz"), state(model))

# no_sync: two local backward passes, then one that averages the accumulated sums
ddp = DDP(build("mlp64"))
for m in range(3):
    x, y = batch("mlp64", 100 + m)
    if m < 2:
        with ddp.no_sync():
            F.cross_entropy(ddp(shard(x, rank, world)), shard(y, rank, world)).backward()
        if m == 1:
            local = {f"local.{n}": p.grad.numpy().copy()
                     for n, p in ddp.module.named_parameters()}
    else:
        F.cross_entropy(ddp(shard(x, rank, world)), shard(y, rank, world)).backward()
final = {f"mean.{n}": p.grad.numpy() for n, p in ddp.module.named_parameters()}
save(os.path.join(out_dir, f"nosync_rank{rank}.npz"), {**local, **final})

# find_unused_parameters: `b` is used on rank 0 only, `never` on no rank
torch.manual_seed(0)
ddp = DDP(Branchy().double(), find_unused_parameters=True)
x = batch("mlp64", 200 + rank, 4)[0][:, :6]
ddp(x, rank == 0).pow(2).sum().backward()
grads = {n: p.grad.numpy() for n, p in ddp.module.named_parameters() if p.grad is not None}
save(os.path.join(out_dir, f"unused_rank{rank}.npz"), grads)

# overlap: with small buckets, the first bucket's all_reduce starts (asynchronously, from the
# gradient hooks) before backward has computed the first layer's gradients
events = []
all_reduce = dist.all_reduce


def logged_all_reduce(tensor, *args, **kwargs):
    events.append(f"all_reduce async={kwargs.get('async_op', False)} numel={tensor.numel()}")
    return all_reduce(tensor, *args, **kwargs)


ddp = DDP(build("mlp64"), bucket_cap_mb=0.001)
ddp.module.fc1.weight.register_hook(lambda g: events.append("fc1.weight grad"))
xo, yo = batch("mlp64", 300)
dist.all_reduce = logged_all_reduce
try:
    F.cross_entropy(ddp(shard(xo, rank, world)), shard(yo, rank, world)).backward()
finally:
    dist.all_reduce = all_reduce
save(os.path.join(out_dir, f"overlap_rank{rank}.npz"), {"events": np.array(events)})

# without find_unused_parameters, a parameter without a gradient is an error (on every rank)
torch.manual_seed(0)
ddp = DDP(Branchy().double())
try:
    ddp(x, True).pow(2).sum().backward()
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e) and "never.weight" in str(e), e
else:
    raise AssertionError("no error for a parameter without a gradient")
print(f"[rank{rank}] ddp job done", flush=True)
dist.destroy_process_group()

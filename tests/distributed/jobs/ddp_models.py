"""Models, data and single-process references shared by jobs/ddp.py and test_ddp.py.

Every case trains on batches of ``BATCH`` rows; with DDP, rank r takes rows
``r * BATCH / world`` to ``(r + 1) * BATCH / world`` of each batch.
"""

import numpy as np

import torcia as torch
import torcia.nn as nn
import torcia.nn.functional as F

BATCH = 16
STEPS = 4


class SeedMLP(nn.Module):
    """Seed 004's network: 784-300-10 with a ReLU."""

    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 300)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(300, 10)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


def bn_net():
    return nn.Sequential(nn.Linear(20, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 8),
                         nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))


class Branchy(nn.Module):
    """``b`` is used only when asked; ``never`` never is."""

    def __init__(self):
        super().__init__()
        self.a = nn.Linear(6, 3)
        self.b = nn.Linear(6, 3)
        self.never = nn.Linear(6, 3)

    def forward(self, x, use_b):
        out = self.a(x)
        return out + self.b(x) if use_b else out


# name: (model, dtype, features, classes, optimizer, DDP keyword arguments)
CASES = {
    "mlp64": (SeedMLP, torch.float64, 784, 10, "adam", {"bucket_cap_mb": 0.001}),
    "mlp32": (SeedMLP, torch.float32, 784, 10, "adam", {}),
    "bn64": (bn_net, torch.float64, 20, 4, "sgd", {"bucket_cap_mb": 0.0005}),
    "bn32": (bn_net, torch.float32, 20, 4, "sgd", {}),
}


def build(case):
    make, dtype, *_ = CASES[case]
    torch.manual_seed(0)
    return make().to(dtype)


def optimizer(case, params):
    if CASES[case][4] == "adam":
        return torch.optim.Adam(params, lr=5e-4)  # the seed's
    return torch.optim.SGD(params, lr=0.1, momentum=0.9)


def batch(case, step, n=BATCH):
    _, dtype, features, classes, *_ = CASES[case]
    g = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(n, features, generator=g, dtype=dtype)
    y = torch.randint(0, classes, (n,), generator=g)
    return x, y


def shard(t, rank, world):
    n = t.shape[0] // world
    return t[rank * n:(rank + 1) * n]


def state(model):
    """Parameters and buffers as float64 NumPy arrays, by state_dict key."""
    return {k: v.detach().double().numpy() for k, v in model.state_dict().items()}


def reference(case, world):
    """One process training on every whole batch. With BatchNorm, each rank's share is
    normalised with its own batch statistics (as the replicas do), and the running statistics
    follow rank 0's share (DDP broadcasts rank 0's buffers at every forward)."""
    model = build(case)
    opt = optimizer(case, model.parameters())
    buffers = [b for b in model.buffers()]
    for step in range(STEPS):
        x, y = batch(case, step)
        opt.zero_grad()
        if buffers:
            saved = [b.clone() for b in buffers]
            losses = []
            for r in reversed(range(world)):  # rank 0's share last: its statistics stay
                with torch.no_grad():
                    for b, s in zip(buffers, saved):
                        b.copy_(s)
                losses.append(F.cross_entropy(model(shard(x, r, world)), shard(y, r, world)))
            loss = sum(losses) / world
        else:
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
    return state(model)


def nosync_reference(world, micro=3):
    """``.grad`` of each rank after ``micro - 1`` local backward passes (its own sum), and
    the mean over ranks of the sums over all ``micro`` passes."""
    local = []
    for r in range(world):
        model = build("mlp64")
        for m in range(micro - 1):
            x, y = batch("mlp64", 100 + m)
            F.cross_entropy(model(shard(x, r, world)), shard(y, r, world)).backward()
        local.append({n: p.grad.numpy().copy() for n, p in model.named_parameters()})
    total = []
    for r in range(world):
        model = build("mlp64")
        for m in range(micro):
            x, y = batch("mlp64", 100 + m)
            F.cross_entropy(model(shard(x, r, world)), shard(y, r, world)).backward()
        total.append({n: p.grad.numpy() for n, p in model.named_parameters()})
    mean = {n: sum(t[n] for t in total) / world for n in total[0]}
    return local, mean


def unused_grads(rank_uses_b):
    """Per rank, the gradients of Branchy's parameters (None when it gets none)."""
    out = []
    for r, use_b in enumerate(rank_uses_b):
        torch.manual_seed(0)
        model = Branchy().double()
        x = batch("mlp64", 200 + r, 4)[0][:, :6]
        model(x, use_b).pow(2).sum().backward()
        out.append({n: None if p.grad is None else p.grad.numpy()
                    for n, p in model.named_parameters()})
    return out


def save(path, arrays):
    np.savez(path, **arrays)

"""Optimizer steps: Adam, AdamW and SGD with momentum on the parameters of the seed notes'
784-300-10 MLP and on 100 small tensors, torcia against PyTorch.

    python benchmarks/bench_optim.py
"""

import numpy as np
import torch
from common import best_of, report

import torcia

MLP = ((300, 784), (300,), (10, 300), (10,))
SMALL = ((10, 10),) * 100
OPTIMIZERS = {
    "SGD(momentum=0.9)": lambda lib, ps: lib.optim.SGD(ps, lr=0.01, momentum=0.9),
    "Adam": lambda lib, ps: lib.optim.Adam(ps, lr=1e-3),
    "AdamW": lambda lib, ps: lib.optim.AdamW(ps, lr=1e-3),
    "RMSprop": lambda lib, ps: lib.optim.RMSprop(ps, lr=1e-3),
}


def step_fn(lib, make, shapes):
    rng = np.random.default_rng(0)
    params = [lib.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
              for s in shapes]
    for p in params:
        p.grad = lib.tensor(rng.standard_normal(p.shape).astype(np.float32))
    opt = make(lib, params)
    for _ in range(5):  # the state and scratch arrays exist from here on
        opt.step()
    return opt.step


def main():
    rows = []
    for what, shapes in (("mlp 784-300-10 params", MLP), ("100 tensors 10x10", SMALL)):
        for name, make in OPTIMIZERS.items():
            ours, theirs = best_of([step_fn(torcia, make, shapes), step_fn(torch, make, shapes)],
                                   number=10, repeat=50)
            rows.append((f"{name} step, {what}", ours, theirs))
    report(rows)


if __name__ == "__main__":
    main()

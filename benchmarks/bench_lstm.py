"""One training step of an LSTM(32 -> 128), sequence 50, batch 32: forward, a loss on the
outputs, backward, and an SGD update written by hand, torcia against PyTorch.

    python benchmarks/bench_lstm.py
"""

import numpy as np
import torch
from common import best_of, report

import torcia

T, B, F, H = 50, 32, 32, 128


def step_fn(lib):
    lib.manual_seed(0)
    model = lib.nn.LSTM(F, H)
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((T, B, F)).astype(np.float32))
    target = lib.tensor(rng.standard_normal((T, B, H)).astype(np.float32))
    params = list(model.parameters())

    def step():
        out, _ = model(x)
        loss = ((out - target) ** 2).mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= 0.01 * p.grad
                p.grad = None
    return step


def main():
    ours, theirs = best_of([step_fn(torcia), step_fn(torch)], number=5, repeat=20)
    report([(f"lstm {F}->{H} seq {T} batch {B} train step", ours, theirs)])


if __name__ == "__main__":
    main()

"""One training step of the seed notes' MLP shape (784-300-10, batch 100), written with
tensor ops: matmul, relu, log_softmax, mean, backward.

    python benchmarks/bench_mlp.py
"""

import numpy as np
import torch
from common import best_of, report

import torcia


def step_fn(lib):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((100, 784)).astype(np.float32))
    w1 = lib.tensor((rng.standard_normal((784, 300)) * 0.05).astype(np.float32),
                    requires_grad=True)
    w2 = lib.tensor((rng.standard_normal((300, 10)) * 0.05).astype(np.float32),
                    requires_grad=True)

    def step():
        h = (x @ w1).relu()
        loss = (h @ w2).log_softmax(1).mean()
        loss.backward()
        w1.grad = w2.grad = None
    return step


def main():
    ours, theirs = best_of([step_fn(torcia), step_fn(torch)], number=5, repeat=20)
    report([("mlp 784-300-10 batch 100 fwd+bwd", ours, theirs)])


if __name__ == "__main__":
    main()

"""One training step of a small convnet on 28x28 images (batch 64), torcia against PyTorch:

    conv(1->32, 3, pad 1) - relu - maxpool 2 - conv(32->64, 3, pad 1) - relu - maxpool 2
    - linear(3136->128) - relu - linear(128->10), cross-entropy, hand-written SGD update.

Also times the layers alone (forward + backward), to show where the step's time goes.

    python benchmarks/bench_convnet.py            # add --quick for fewer repetitions
"""

import sys

import numpy as np
import torch
from common import best_of, report

import torcia


def model(lib):
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def data(lib):
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((64, 1, 28, 28)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, 64))
    return x, y


def step_fn(lib, lr=0.01):
    lib.manual_seed(0)
    net = model(lib)
    params = list(net.parameters())
    x, y = data(lib)
    F = lib.nn.functional

    def step():
        loss = F.cross_entropy(net(x), y)
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return step


def layer_fn(lib, make, shape, need_input_grad=True):
    """Forward and backward of one layer on a random input of ``shape``."""
    lib.manual_seed(0)
    layer = make(lib.nn)
    rng = np.random.default_rng(1)
    x = lib.tensor(rng.standard_normal(shape).astype(np.float32),
                   requires_grad=need_input_grad)
    g = None

    def run():
        nonlocal g
        out = layer(x)
        if g is None:
            g = lib.ones_like(out)
        out.backward(g)
        x.grad = None
        for p in layer.parameters():
            p.grad = None
    return run


LAYERS = [
    ("conv 1->32 3x3 pad1 on 64x1x28x28 (fwd+bwd)", lambda nn: nn.Conv2d(1, 32, 3, padding=1),
     (64, 1, 28, 28), False),
    ("conv 32->64 3x3 pad1 on 64x32x14x14 (fwd+bwd)",
     lambda nn: nn.Conv2d(32, 64, 3, padding=1), (64, 32, 14, 14), True),
    ("maxpool 2 on 64x32x28x28 (fwd+bwd)", lambda nn: nn.MaxPool2d(2), (64, 32, 28, 28), True),
    ("maxpool 2 on 64x64x14x14 (fwd+bwd)", lambda nn: nn.MaxPool2d(2), (64, 64, 14, 14), True),
]


def main():
    quick = "--quick" in sys.argv
    repeat = 5 if quick else 20
    rows = []
    ours, theirs = best_of([step_fn(torcia), step_fn(torch)], number=3, repeat=repeat)
    rows.append(("convnet step, batch 64, 28x28 (SGD by hand)", ours, theirs))
    for name, make, shape, need in LAYERS:
        ours, theirs = best_of([layer_fn(torcia, make, shape, need),
                                layer_fn(torch, make, shape, need)], number=3, repeat=repeat)
        rows.append((name, ours, theirs))
    report(rows)


if __name__ == "__main__":
    main()

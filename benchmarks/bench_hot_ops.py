"""Single hot ops of the training benchmarks, torcia against PyTorch: the error function,
exact and tanh GELU (forward, forward + backward) on the GPT benchmark's MLP activation
(16 x 64 x 512 float32), and cross-entropy forward + backward at a few shapes.

    python benchmarks/bench_hot_ops.py            # all rows
    python benchmarks/bench_hot_ops.py gelu ce    # rows whose name contains a word given
"""

import sys

import numpy as np
import torch
from common import best_of, report

import torcia

N = 16 * 64 * 512  # the GPT benchmark's c_fc output: batch 16, block 64, 4 * n_embd


def erf_rows(lib):
    rng = np.random.default_rng(0)
    x32 = lib.tensor(rng.standard_normal(N).astype(np.float32))
    x64 = lib.tensor(rng.standard_normal(N // 8))
    y32 = lib.tensor(rng.uniform(-0.99, 0.99, N // 8).astype(np.float32))
    return {"erf float32 512K": lambda: lib.erf(x32),
            "erf float64 64K": lambda: lib.erf(x64),
            "erfc float64 64K": lambda: lib.erfc(x64),
            "erfinv float32 64K": lambda: lib.erfinv(y32)}


def gelu_rows(lib):
    F = lib.nn.functional
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal(N).astype(np.float32))
    xr = lib.tensor(rng.standard_normal(N).astype(np.float32), requires_grad=True)
    g = lib.ones(N)

    def fwd_bwd(approximate):
        def run():
            F.gelu(xr, approximate=approximate).backward(g)
            xr.grad = None
        return run
    return {"gelu exact fwd 512K": lambda: F.gelu(x),
            "gelu exact fwd+bwd 512K": fwd_bwd("none"),
            "gelu tanh fwd 512K": lambda: F.gelu(x, approximate="tanh"),
            "gelu tanh fwd+bwd 512K": fwd_bwd("tanh")}


def ce_rows(lib):
    rows = {}
    rng = np.random.default_rng(0)
    for n, c in ((64, 10), (1024, 65), (256, 1000)):
        x = lib.tensor(rng.standard_normal((n, c)).astype(np.float32), requires_grad=True)
        t = lib.tensor(rng.integers(0, c, n))

        def run(x=x, t=t):
            lib.nn.functional.cross_entropy(x, t).backward()
            x.grad = None
        rows[f"cross_entropy fwd+bwd {n}x{c}"] = run
    return rows


def main():
    words = sys.argv[1:]
    rows = []
    for make in (erf_rows, gelu_rows, ce_rows):
        ours, theirs = make(torcia), make(torch)
        for name in ours:
            if words and not any(w in name for w in words):
                continue
            t_ours, t_theirs = best_of([ours[name], theirs[name]], number=5, repeat=20)
            rows.append((name, t_ours, t_theirs))
    report(rows)


if __name__ == "__main__":
    main()

"""Per-op overhead on tiny tensors: a chain of 100 ``c = a * b + a`` on 16x16 float32.

    python benchmarks/bench_overhead.py

Prints torcia/torch time ratios for forward + backward with grad, forward alone with grad,
and forward without grad (issue target: <= 1.0 for fwd+bwd and for no-grad).
"""

import numpy as np
import torch
from common import best_of, report

import torcia


def chain(a, b):
    for _ in range(100):
        a = a * b + a
    return a


def workloads(lib):
    rng = np.random.default_rng(0)
    a = lib.tensor(rng.random((16, 16), dtype=np.float32), requires_grad=True)
    b = lib.tensor(rng.random((16, 16), dtype=np.float32), requires_grad=True)

    def fwd_bwd():
        chain(a, b).sum().backward()

    def fwd():
        chain(a, b).sum()

    def no_grad():
        with lib.no_grad():
            chain(a, b)

    return {"chain100 a*b+a fwd+bwd (grad)": fwd_bwd, "chain100 a*b+a fwd (grad)": fwd,
            "chain100 a*b+a fwd (no_grad)": no_grad}


def main():
    ours, theirs = workloads(torcia), workloads(torch)
    rows = []
    for name in ours:
        t_ours, t_theirs = best_of([ours[name], theirs[name]])
        rows.append((name, t_ours, t_theirs))
    report(rows)


if __name__ == "__main__":
    main()

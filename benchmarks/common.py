"""Timing torcia against PyTorch in one process: interleaved runs, minimum of repetitions.

The machine these run on is shared and noisy, so each workload alternates between the two
libraries and keeps each one's fastest repetition; ratios are torcia time / torch time.
"""

import os
import time

import torch

# Both libraries get the same thread budget; PyTorch would otherwise pick its own.
torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))


def best_of(fns, number=5, repeat=40):
    """Minimum seconds per call of each function in ``fns``, interleaved repetitions."""
    best = [float("inf")] * len(fns)
    for fn in fns:  # warm up
        fn()
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            for _ in range(number):
                fn()
            best[i] = min(best[i], (time.perf_counter() - t) / number)
    return best


def environment():
    """The settings a result depends on, printed with every result."""
    return (f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} "
            f"threads={torch.get_num_threads()} cpus={os.cpu_count()}")


def report(rows):
    """Print rows of (workload, torcia seconds, torch seconds) with ratios."""
    print(f"{'workload':48s} {'torcia':>10s} {'torch':>10s} {'ratio':>7s}")
    for name, ours, theirs in rows:
        print(f"{name:48s} {ours * 1e3:9.3f}ms {theirs * 1e3:9.3f}ms {ours / theirs:7.2f}")
    print(environment())

"""Matrix multiply: torcia vs NumPy vs PyTorch on the same float32 arrays, in one process.

    python benchmarks/bench_matmul.py

All three multiply the very same memory (torcia and torch wrap the NumPy arrays without
copying), interleaved, keeping each one's fastest repetition. Prints GFLOP/s, torcia's share
of NumPy's GFLOP/s (target >= 0.95 at 2048) and torcia/torch time ratios, plus the
OPENBLAS_CORETYPE variable, which decides which kernels NumPy's OpenBLAS uses.
"""

import os
import platform
import tracemalloc

import numpy as np
import torch
from common import best_of

import torcia

# (size, calls per timing, timings): each timing takes a few milliseconds at least.
SIZES = [(2048, 1, 8), (256, 20, 30), (64, 200, 30)]


def workloads(n):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    ca, cb = torcia.from_numpy(a), torcia.from_numpy(b)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    ga, gb = (torcia.from_numpy(a.copy()).requires_grad_(), torcia.from_numpy(b.copy())
              .requires_grad_())
    tga, tgb = torch.from_numpy(a.copy()).requires_grad_(), torch.from_numpy(b.copy()) \
        .requires_grad_()
    forward = {"numpy": lambda: np.matmul(a, b), "torcia": lambda: ca @ cb,
               "torch": lambda: ta @ tb}
    transposed = {"numpy": lambda: np.matmul(a.T, b), "torcia": lambda: ca.t() @ cb,
                  "torch": lambda: ta.t() @ tb}
    backward = {"torcia": lambda: (ga @ gb).sum().backward(),
                "torch": lambda: (tga @ tgb).sum().backward()}
    return forward, transposed, backward


def extra_bytes(fn, result_bytes):
    """Bytes ``fn`` allocates at its peak beyond its result (0: no copies of the operands)."""
    fn()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - result_bytes


def main():
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}  "
          f"numpy {np.__version__}  torch {torch.__version__} "
          f"(threads {torch.get_num_threads()})  {platform.machine()} {os.cpu_count()} cpus")
    print(f"{'workload':34} {'numpy':>9} {'torcia':>9} {'torch':>9}   "
          f"{'torcia/numpy':>12} {'torcia/torch':>12}")
    print(f"{'':34} {'GFLOP/s':>9} {'GFLOP/s':>9} {'GFLOP/s':>9}   {'(GFLOP/s)':>12} "
          f"{'(time)':>12}")
    for n, number, repeat in SIZES:
        flops = 2.0 * n ** 3
        forward, transposed, backward = workloads(n)
        for label, group in [(f"{n}x{n} @ {n}x{n}", forward), (f"{n}x{n}.T @ {n}x{n}", transposed)]:
            names = list(group)
            times = dict(zip(names, best_of([group[k] for k in names], number, repeat)))
            gf = {k: flops / t / 1e9 for k, t in times.items()}
            print(f"{label:34} {gf['numpy']:9.1f} {gf['torcia']:9.1f} {gf['torch']:9.1f}   "
                  f"{gf['torcia'] / gf['numpy']:12.3f} {times['torcia'] / times['torch']:12.3f}")
            if n == 64:
                us = {k: t * 1e6 for k, t in times.items()}
                print(f"{'  (us per call)':34} {us['numpy']:9.2f} {us['torcia']:9.2f} "
                      f"{us['torch']:9.2f}")
        if n == 2048:
            nbytes = n * n * 4
            label = "  bytes allocated beyond result"
            print(f"{label:34} {extra_bytes(forward['numpy'], nbytes):9d} "
                  f"{extra_bytes(forward['torcia'], nbytes):9d}   (transposed: "
                  f"{extra_bytes(transposed['torcia'], nbytes)})")
        if n <= 256:
            t_ours, t_theirs = best_of([backward["torcia"], backward["torch"]], number, repeat)
            print(f"{f'{n}x{n} @ fwd+bwd (grad)':34} {'':9} {3 * flops / t_ours / 1e9:9.1f} "
                  f"{3 * flops / t_theirs / 1e9:9.1f}   {'':12} {t_ours / t_theirs:12.3f}")


if __name__ == "__main__":
    main()

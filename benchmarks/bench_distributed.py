"""torcia.distributed on 2 ranks of this machine: collective bandwidth and DDP step overhead.

1. all_reduce of a 10M-element float32 tensor against a bare mpi4py ``Allreduce`` on the
   same buffer, interleaved in one 2-rank job (minimum of many repetitions; bandwidth is
   the buffer's size over the time).
2. DistributedDataParallel step overhead for the convnet of bench_convnet.py (batch 64):
   a 2-rank DDP step (1 BLAS thread per rank, 32 images each) against a 1-rank, 1-thread
   plain step on 32 images. The two alternate, run after run, and each keeps its minimum.
   For reference the 2-rank job also times a plain local step on each rank at the same
   time (both cores busy, no communication): the DDP cost without the hardware sharing.

    python benchmarks/bench_distributed.py            # --quick for fewer repetitions
"""

import os
import re
import subprocess
import sys
import time

import numpy as np

HERE = os.path.abspath(__file__)
QUICK = "--quick" in sys.argv


def _best(fns, number, repeat, sync=None):
    """Minimum seconds per call of each of ``fns``, interleaved (``sync()`` before each)."""
    best = [float("inf")] * len(fns)
    for fn in fns:
        fn()
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            if sync is not None:
                sync()
            t = time.perf_counter()
            for _ in range(number):
                fn()
            best[i] = min(best[i], (time.perf_counter() - t) / number)
    return best


# -- rank programs ---------------------------------------------------------------------------
def allreduce_job():
    from mpi4py import MPI

    import torcia
    import torcia.distributed as dist
    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    arr = np.zeros(10_000_000, np.float32)  # zeros stay zeros: the sums never overflow
    t = torcia.from_numpy(arr)

    def bare():
        comm.Allreduce(MPI.IN_PLACE, arr, op=MPI.SUM)

    def ours():
        dist.all_reduce(t)

    def ours_async():
        dist.all_reduce(t, async_op=True).wait()

    times = _best([bare, ours, ours_async], 1, 10 if QUICK else 40, comm.Barrier)
    if dist.get_rank() == 0:
        for name, s in zip(["bare", "all_reduce", "all_reduce_async"], times):
            print(f"RESULT {name} {s!r}")


def convnet(torcia):
    nn = torcia.nn
    torcia.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))


def step_fn(torcia, model, rank, n=32):
    rng = np.random.default_rng(rank)
    x = torcia.tensor(rng.standard_normal((n, 1, 28, 28)).astype(np.float32))
    y = torcia.tensor(rng.integers(0, 10, n))
    opt = torcia.optim.SGD(model.parameters(), lr=0.01)
    F = torcia.nn.functional

    def step():
        opt.zero_grad()
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return step


def step_job(mode):
    import torcia
    number, repeat = (1, 20) if QUICK else (1, 60)  # single steps: the machine is noisy
    if mode == "single":
        (s,) = _best([step_fn(torcia, convnet(torcia), 0)], number, repeat)
        print(f"RESULT single {s!r}")
        return
    import torcia.distributed as dist
    from torcia.nn.parallel import DistributedDataParallel as DDP
    dist.init_process_group("mpi")
    rank = dist.get_rank()
    ddp = step_fn(torcia, DDP(convnet(torcia)), rank)
    local = step_fn(torcia, convnet(torcia), rank)
    times = _best([ddp, local], number, repeat, dist.barrier)
    if rank == 0:
        print(f"RESULT ddp {times[0]!r}\nRESULT local {times[1]!r}")


# -- the driver ------------------------------------------------------------------------------
def _run(args, ranks):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               TORCIA_NUM_THREADS="1")
    cmd = [sys.executable, HERE, *args] + (["--quick"] if QUICK else [])
    if ranks > 1:
        cmd = [sys.executable, "-m", "torcia.distributed.run", "--nproc-per-node", str(ranks),
               *cmd[1:]]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if p.returncode:
        raise SystemExit(p.stdout + p.stderr)
    return {k: float(v) for k, v in re.findall(r"RESULT (\w+) (\S+)", p.stdout)}


def main():
    if "--allreduce" in sys.argv:
        return allreduce_job()
    if "--step" in sys.argv:
        return step_job(sys.argv[sys.argv.index("--step") + 1])
    nbytes = 10_000_000 * 4
    load = os.getloadavg()
    r = _run(["--allreduce"], 2)
    print("all_reduce, 10M float32 (40 MB), 2 ranks, in place")
    print(f"{'':28s} {'time':>10s} {'GB/s':>8s} {'vs bare':>8s}")
    for name in ("bare", "all_reduce", "all_reduce_async"):
        label = {"bare": "mpi4py Allreduce (bare)", "all_reduce": "dist.all_reduce",
                 "all_reduce_async": "dist.all_reduce async+wait"}[name]
        print(f"{label:28s} {r[name] * 1e3:8.2f}ms {nbytes / r[name] / 1e9:8.2f} "
              f"{r['bare'] / r[name]:8.2f}x")
    best = {"single": float("inf"), "ddp": float("inf"), "local": float("inf")}
    for _ in range(2 if QUICK else 4):  # alternate the jobs; keep each one's minimum
        for k, v in {**_run(["--step", "single"], 1), **_run(["--step", "ddp"], 2)}.items():
            best[k] = min(best[k], v)
    print("\nconvnet training step (batch 64: 32 images per rank), 1 BLAS thread per process")
    print(f"{'1 rank, 32 images':44s} {best['single'] * 1e3:8.2f}ms")
    print(f"{'2 ranks DDP, 32 images each':44s} {best['ddp'] * 1e3:8.2f}ms "
          f"{best['ddp'] / best['single']:6.2f}x of 1 rank")
    print(f"{'2 ranks, plain local step each (no comm)':44s} {best['local'] * 1e3:8.2f}ms "
          f"{best['local'] / best['single']:6.2f}x of 1 rank")
    print(f"{'DDP cost over the plain 2-rank step':44s} {'':8s}   "
          f"{best['ddp'] / best['local']:6.2f}x (gradient averaging alone)")
    print(f"load average before/after: {load[0]:.2f} / {os.getloadavg()[0]:.2f} (other "
          "processes share the cores: the ratios above rise with it)")
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')} "
          f"cpus={os.cpu_count()}")


if __name__ == "__main__":
    main()

"""One training epoch of the seed notes' MLP (784-300-10, ReLU, CrossEntropyLoss, Adam
lr 5e-4, batch 100) over 60000 random Fashion-MNIST-shaped samples (float32 1x28x28 in
[0, 1], int64 labels 0-9): time and peak memory, torcia against PyTorch.

    python benchmarks/bench_mlp_epoch.py [--repeat 3]

Time: the two libraries alternate epochs in one process (same data, shared memory), each
keeping its fastest epoch, in wall-clock time and in CPU time of the process (the second is
steadier on a shared machine). On a machine busy with other work, run with ``BENCH_THREADS=1
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``: PyTorch's OpenMP workers spin while they wait
and, on oversubscribed cores, make its epochs many times slower than its real cost.

Memory: each library runs in a fresh subprocess (``--memory torcia|torch``) that builds the
data and the model, runs one warm-up step (so optimizer state and first-use buffers exist),
then records its resident set size and samples it every 0.2 ms from a thread during one
epoch. Peak RSS during the epoch minus the RSS before it is the epoch's extra memory: the
activations, gradients and temporaries at the worst moment, as the operating system sees
them (whatever allocator each library uses, NumPy's and PyTorch's alike). The dataset
(188 MB, identical in both) and the model are in the baseline, not in the peak delta.
"""

import argparse
import gc
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import torch
from common import environment

import torcia

N, BATCH = 60000, 100


def make_data():
    rng = np.random.default_rng(0)
    images = rng.random((N, 1, 28, 28), dtype=np.float32)
    labels = rng.integers(0, 10, N).astype(np.int64)
    return images, labels


def make_epoch(lib, images, labels):
    """A function running one epoch of the seed's train() on ``lib``."""
    nn = lib.nn
    lib.manual_seed(0)

    class SimpleFullyConnectedNet(nn.Module):
        def __init__(self, input_size, hidden_size, num_classes):
            super().__init__()
            self.fc1 = nn.Linear(input_size, hidden_size)
            self.relu = nn.ReLU()
            self.fc2 = nn.Linear(hidden_size, num_classes)

        def forward(self, x):
            return self.fc2(self.relu(self.fc1(x)))

    model = SimpleFullyConnectedNet(28 * 28, 300, 10)
    criterion = nn.CrossEntropyLoss()
    optimizer = lib.optim.Adam(model.parameters(), lr=0.0005)
    x_all, y_all = lib.from_numpy(images), lib.from_numpy(labels)

    def step(i):
        x = x_all[i:i + BATCH].reshape(-1, 28 * 28)
        y = y_all[i:i + BATCH]
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    def epoch():
        for i in range(0, N, BATCH):
            loss = step(i)
        return loss.item()
    return epoch, step


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def measure_memory(name):
    """Peak RSS increase during one epoch of ``name`` (run in its own process)."""
    lib = torcia if name == "torcia" else torch
    images, labels = make_data()
    epoch, step = make_epoch(lib, images, labels)
    step(0)
    gc.collect()
    base = rss_bytes()
    peak = [base]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_bytes())
            time.sleep(0.0002)
    thread = threading.Thread(target=sample)
    thread.start()
    t = time.perf_counter()
    epoch()
    seconds = time.perf_counter() - t
    done.set()
    thread.join()
    peak[0] = max(peak[0], rss_bytes())
    print(json.dumps({"base": base, "peak": peak[0], "seconds": seconds}))


def memory_of(name):
    out = subprocess.run([sys.executable, __file__, "--memory", name], capture_output=True,
                         text=True, check=True, cwd=os.path.dirname(os.path.abspath(__file__)))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--memory", choices=["torcia", "torch"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.memory:
        measure_memory(args.memory)
        return
    images, labels = make_data()
    ours_epoch, _ = make_epoch(torcia, images, labels)
    theirs_epoch, _ = make_epoch(torch, images, labels)
    wall, cpu = [float("inf")] * 2, [float("inf")] * 2
    ours_epoch(), theirs_epoch()  # warm up
    for _ in range(args.repeat):
        for i, fn in enumerate((ours_epoch, theirs_epoch)):
            w, c = time.perf_counter(), time.process_time()
            fn()
            wall[i] = min(wall[i], time.perf_counter() - w)
            cpu[i] = min(cpu[i], time.process_time() - c)
    print(f"{'mlp 784-300-10 Adam, 1 epoch (600 x batch 100)':48s} {'torcia':>10s} "
          f"{'torch':>10s} {'ratio':>7s}")
    print(f"{'  time (wall)':48s} {wall[0]:9.3f}s  {wall[1]:9.3f}s {wall[0] / wall[1]:7.2f}")
    print(f"{'  time (CPU)':48s} {cpu[0]:9.3f}s  {cpu[1]:9.3f}s {cpu[0] / cpu[1]:7.2f}")
    mo, mt = memory_of("torcia"), memory_of("torch")
    do, dt = mo["peak"] - mo["base"], mt["peak"] - mt["base"]
    print(f"{'  peak RSS increase during the epoch':48s} {do / 2**20:8.1f}MB {dt / 2**20:8.1f}MB "
          f"{do / max(dt, 1):7.2f}")
    print(f"{'  RSS before the epoch (data, model, optimizer)':48s} {mo['base'] / 2**20:8.1f}MB "
          f"{mt['base'] / 2**20:8.1f}MB {mo['base'] / mt['base']:7.2f}")
    print(f"{'  peak RSS during the epoch':48s} {mo['peak'] / 2**20:8.1f}MB "
          f"{mt['peak'] / 2**20:8.1f}MB {mo['peak'] / mt['peak']:7.2f}")
    print(environment())


if __name__ == "__main__":
    main()

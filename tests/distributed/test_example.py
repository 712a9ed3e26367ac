"""examples/fashion_mnist_ddp.py on 2 ranks reaches the one-process test accuracy (on real
Fashion-MNIST when installed, else on a small learnable set of IDX files written here)."""

import os
import re
import struct
import subprocess
import sys

import numpy as np

from .launch import ROOT, torcia_run

REAL = "/usr/share/datasets/fashion-mnist"
EXAMPLE = os.path.join(ROOT, "examples", "fashion_mnist_ddp.py")
ARGS = ["--model", "cnn", "--limit", "2000", "--epochs", "1", "--batch-size", "64"]


def _write_idx(path, array):
    header = struct.pack(">HBB", 0, 8, array.ndim) + b"".join(
        struct.pack(">I", s) for s in array.shape)
    with open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def _tiny_fashion_mnist(root):
    """10 classes of noisy 28x28 images, class c a bright 8x8 square at its own place."""
    raw = os.path.join(root, "FashionMNIST", "raw")
    os.makedirs(raw)
    rng = np.random.default_rng(0)
    for split, n in (("train", 2000), ("t10k", 1000)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 120, (n, 28, 28))
        for i, c in enumerate(labels):
            r, k = 2 + 9 * (c // 4), 2 + 6 * (c % 4)
            images[i, r:r + 8, k:k + 8] += 120
        _write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), images)
        _write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), labels)


def _accuracy(text):
    found = re.findall(r"final test accuracy ([\d.]+)%", text)
    assert found, text
    return float(found[-1])


def test_two_ranks_reach_the_one_process_accuracy(tmp_path):
    data = str(tmp_path / "data")
    if not os.path.isdir(REAL):
        _tiny_fashion_mnist(data)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=ROOT)
    single = subprocess.run([sys.executable, EXAMPLE, *ARGS, "--data-root", data],
                            capture_output=True, text=True, timeout=120, cwd=ROOT, env=env)
    assert single.returncode == 0, single.stdout + single.stderr
    job = torcia_run(EXAMPLE, *ARGS, "--data-root", data, limit=120)
    assert job.rc == 0, job.text
    assert "cnn on 2 ranks" in job.out and "32 per rank" in job.out
    one, two = _accuracy(single.stdout), _accuracy(job.out)
    assert one > 60, single.stdout  # it learns
    # the same steps up to float32 rounding: at most a few of the test images differ
    assert abs(one - two) <= 0.25, (one, two)

"""The main job (examples/fashion_mnist.py) end to end on small data: it trains, reports test
accuracy, keeps a checkpoint that PyTorch itself can read, draws its curves and resumes."""

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.vision.test_datasets import write_idx

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "fashion_mnist.py"
FASHION = "/usr/share/datasets/fashion-mnist"


def make_learnable_fashion(root, n_train=512, n_test=256):
    """Fashion-MNIST's raw layout with images a CNN can learn: class c lights up a bar."""
    rng = np.random.default_rng(0)
    raw = os.path.join(root, "FashionMNIST", "raw")
    os.makedirs(raw)
    for split, n in (("train", n_train), ("t10k", n_test)):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        images = rng.integers(0, 60, (n, 28, 28)).astype(np.uint8)
        for i, c in enumerate(labels):
            images[i, 2 + 2 * c: 4 + 2 * c, 4:24] = 255
        write_idx(os.path.join(raw, f"{split}-images-idx3-ubyte"), images)
        write_idx(os.path.join(raw, f"{split}-labels-idx1-ubyte"), labels)


def run_job(*args, cwd):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def accuracies(stdout):
    return [float(a) for a in re.findall(r"test accuracy (\d+\.\d+)%", stdout)]


@pytest.mark.parametrize("model", ["cnn", "mlp"])
def test_trains_saves_plots_and_resumes(tmp_path, model):
    make_learnable_fashion(tmp_path / "data")
    out = tmp_path / "run"
    common = ("--model", model, "--data-root", str(tmp_path / "data"), "--out", str(out),
              "--batch-size", "32")
    stdout, stderr = run_job(*common, "--epochs", "1", cwd=tmp_path)
    assert re.search(r"epoch 1/1: test loss \d+\.\d{4}, test accuracy \d+\.\d\d%", stdout)
    assert "batch/s" in stderr or "it/s" in stderr or "img_s=" in stderr  # the tqdm bar
    (acc,) = accuracies(stdout.split("best test accuracy")[0])
    assert acc >= 80.0, stdout
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # PyTorch reads the checkpoint with its safe loader, and its weights run in PyTorch
    ckpt = torch.load(out / "best.pt", weights_only=True)
    assert ckpt["epoch"] == 1 and ckpt["model_name"] == model
    assert ckpt["best_acc"] == pytest.approx(acc)
    assert set(ckpt["optimizer"]) == {"state", "param_groups"}
    assert all(isinstance(v, torch.Tensor) for v in ckpt["model"].values())

    stdout, _ = run_job(*common, "--epochs", "2", "--resume", cwd=tmp_path)
    assert f"resumed from {out / 'best.pt'} after epoch 1" in stdout
    assert "epoch 1/2" not in stdout and "epoch 2/2: test loss" in stdout
    assert torch.load(out / "best.pt", weights_only=True)["epoch"] in (1, 2)


@pytest.mark.skipif(not os.path.isdir(FASHION), reason="dataset-fashion-mnist not installed")
def test_real_fashion_mnist_subset(tmp_path):
    stdout, _ = run_job("--limit", "3000", "--epochs", "1", "--data-root", str(tmp_path / "d"),
                        "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert "3000 training and 3000 test images" in stdout
    (acc,) = accuracies(stdout.split("best test accuracy")[0])
    assert acc >= 70.0, stdout  # one epoch on 5% of the data; the full job reaches >= 90%

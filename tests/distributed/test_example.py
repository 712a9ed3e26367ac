"""examples/fashion_mnist_ddp.py on 2 ranks reaches the one-process test accuracy (on real
Fashion-MNIST when installed, else on the small learnable set
tests/test_main_job.py writes)."""

import os
import re
import subprocess
import sys

from ..test_main_job import make_learnable_fashion
from .launch import ROOT, torcia_run

REAL = "/usr/share/datasets/fashion-mnist"
EXAMPLE = os.path.join(ROOT, "examples", "fashion_mnist_ddp.py")
ARGS = ["--model", "cnn", "--limit", "2000", "--epochs", "1", "--batch-size", "64"]


def _accuracy(text):
    found = re.findall(r"final test accuracy ([\d.]+)%", text)
    assert found, text
    return float(found[-1])


def test_two_ranks_reach_the_one_process_accuracy(tmp_path):
    data = str(tmp_path / "data")
    if not os.path.isdir(REAL):
        make_learnable_fashion(data, n_train=2000, n_test=1000)
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

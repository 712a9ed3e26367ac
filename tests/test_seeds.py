"""The seed notes' programs run on torcia and print what PyTorch prints.

Each example program is run twice in fresh processes: as written (``import torcia as torch``,
``import torcia.nn as nn``...) and with real PyTorch swapped in, both after
``manual_seed(0)``; the outputs must be equal once object addresses are masked. Training
programs may differ in the last printed digit of a loss (float sums in another order), so
their numbers are compared within a tolerance while the text around them must be identical.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
NUMBER = re.compile(r"-?\d+\.\d+(?:e[-+]?\d+)?|-?\d+")


def run_program(source):
    # one thread: PyTorch's spinning OpenMP workers would otherwise fight the test runner
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env=env)
    assert proc.returncode == 0, proc.stderr
    return re.sub(r" at 0x[0-9a-f]+", " at 0x?", proc.stdout)


def seeded(source, module, replace=()):
    """The program with its torcia imports bound to ``module``, seeded first; ``replace``:
    (old, new) source edits (fewer epochs in tests)."""
    source = re.sub(r"^(import|from) torcia\b", rf"\1 {module}", source, flags=re.MULTILINE)
    source = re.sub(rf"^(import {module} as torch)$", r"\1\ntorch.manual_seed(0)", source,
                    count=1, flags=re.MULTILINE)
    for old, new in replace:
        assert old in source, old
        source = source.replace(old, new)
    return source


def assert_same_output(ours, theirs, rtol):
    """Identical text; numbers equal, or within ``rtol`` (relative, or one unit of the last
    printed digit) when ``rtol`` is given."""
    if rtol is None:
        assert ours == theirs
        return
    a_lines, e_lines = ours.splitlines(), theirs.splitlines()
    assert len(a_lines) == len(e_lines), f"{len(a_lines)} lines, torch prints {len(e_lines)}"
    for a, e in zip(a_lines, e_lines):
        assert NUMBER.sub("#", a) == NUMBER.sub("#", e), f"{a!r} != torch's {e!r}"
        for x, y in zip(NUMBER.findall(a), NUMBER.findall(e)):
            if x == y:
                continue
            digits = len(y.split(".")[1]) if "." in y else 0
            tol = max(rtol * abs(float(y)), 1.01 * 10.0 ** -digits)
            assert abs(float(x) - float(y)) <= tol, f"{a!r} != torch's {e!r}"


def outputs(name, replace=()):
    source = (EXAMPLES / name).read_text()
    assert "import torcia as torch" in source
    return (run_program(seeded(source, "torcia", replace)),
            run_program(seeded(source, "torch", replace)))


def test_example_prints_what_pytorch_prints():
    ours, theirs = outputs("seed_004_tensors.py")
    assert ours == theirs


def test_seed_004_autograd_values():
    out = run_program((EXAMPLES / "seed_004_tensors.py").read_text())
    assert "tensor([[1.5000, 1.5000],\n        [1.5000, 1.5000]])" in out
    assert "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])" in out
    assert "grad z = <PowBackward0 object at 0x?>" in out
    assert "out = 9.0" in out
    assert "OLD grad value is None" in out


def test_seed_000_rete_neurale_errors_and_training():
    ours, theirs = outputs("seed_000_rete_neurale.py")
    assert_same_output(ours, theirs, rtol=1e-3)
    assert "AttributeError: 'super' object has no attribute '_ReteNeuraleComeNegliAppunti__init'" \
        in ours
    assert "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)" in ours
    losses = [float(x) for x in re.findall(r"perdita = ([\d.]+)", ours)]
    assert len(losses) == 10 and losses[-1] < 0.1 * losses[0]


# The logistic regression of seed 004 runs 20000 Adam epochs; the test runs 2000 (the example
# itself keeps the notes' count).
FEWER_EPOCHS = [("num_epochs = 20000", "num_epochs = 2000")]


def test_seed_004_regression():
    ours, theirs = outputs("seed_004_regression.py", FEWER_EPOCHS)
    assert_same_output(ours, theirs, rtol=1e-3)
    losses = [float(x) for x in re.findall(r"Epoch \[\d+/60\], Loss: ([\d.]+)", ours)]
    assert len(losses) == 12 and losses[-1] < 0.3 < losses[0]  # converges as in the notes
    logistic = [float(x) for x in re.findall(r"Epoch \[\d+/2000\], Loss: ([\d.]+)", ours)]
    assert len(logistic) == 10 and logistic[-1] < logistic[0]


def test_seed_004_mnist_mlp():
    ours, theirs = outputs("seed_004_mnist_mlp.py")
    assert_same_output(ours, theirs, rtol=2e-3)
    accuracy = [int(x) for x in re.findall(r"Accuracy: (\d+)/2000", ours)]
    assert accuracy[0] < 400 and accuracy[-1] > 1800  # learns the synthetic classes


def test_seed_000_cnn():
    replace = [("for epoca in range(10):", "for epoca in range(3):")]
    ours, theirs = outputs("seed_000_cnn.py", replace)
    assert_same_output(ours, theirs, rtol=2e-3)
    losses = [float(x) for x in re.findall(r"perdita media = ([\d.]+)", ours)]
    assert len(losses) == 3 and losses[-1] < losses[0]


def test_seed_001_quickstart(tmp_path):
    """The quickstart on a generated Fashion-MNIST in ./data: the notes' prints, PyTorch's
    repr of the network, a state dict PyTorch loads into the same network."""
    import numpy as np
    import torch
    from torch import nn

    from tests.test_main_job import make_learnable_fashion
    make_learnable_fashion(tmp_path / "data", n_train=400, n_test=100)
    source = (EXAMPLES / "seed_001_quickstart.py").read_text().replace("epochs = 3",
                                                                       "epochs = 1")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                          timeout=300, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr
    out = re.sub(r" at 0x[0-9a-f]+", " at 0x?", proc.stdout)
    # train='false' is truthy: both loaders read the 400 training images; the loader's repr
    # is the one the notes show
    assert out.startswith("Training dataloader =  4\nTest dataloader = "
                          "<torch.utils.data.dataloader.DataLoader object at 0x?>\n"
                          "False\nDevice: None\n")
    namespace = {"nn": nn}
    exec(source[source.index("class NeuralNetwork"):source.index("model = ")], namespace)
    theirs = namespace["NeuralNetwork"]()
    assert str(theirs) + "\n" in out
    accuracy = float(re.search(r"Accuracy: ([\d.]+)%", out).group(1))
    assert accuracy > 50.0, out
    assert re.search(r'Predicted: "[\w/ -]+", Actual: "[\w/ -]+"\n$', out)
    state = torch.load(tmp_path / "model.pth", weights_only=True)
    theirs.load_state_dict(state)
    x = torch.from_numpy(np.random.default_rng(0).random((3, 1, 28, 28), dtype=np.float32))
    assert theirs(x).shape == (3, 10)

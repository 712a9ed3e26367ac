"""The seed notes' programs run on torcia and print what PyTorch prints.

Each example program is run twice in fresh processes: as written (``import torcia as torch``)
and with real PyTorch swapped in, both after ``manual_seed(0)``; the outputs must be equal
once object addresses are masked.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_program(source):
    proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                          timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    return re.sub(r" at 0x[0-9a-f]+", " at 0x?", proc.stdout)


def seeded(source, module):
    """The program with ``import torcia as torch`` bound to ``module`` and seeded first."""
    source = source.replace("import torcia as torch", f"import {module} as torch")
    return re.sub(r"^(import \w+ as torch)$", r"\1\ntorch.manual_seed(0)", source, count=1,
                  flags=re.MULTILINE)


@pytest.mark.parametrize("name", ["seed_004_tensors.py"])
def test_example_prints_what_pytorch_prints(name):
    source = (EXAMPLES / name).read_text()
    assert "import torcia as torch" in source
    ours = run_program(seeded(source, "torcia"))
    theirs = run_program(seeded(source, "torch"))
    assert ours == theirs


def test_seed_004_autograd_values():
    out = run_program((EXAMPLES / "seed_004_tensors.py").read_text())
    assert "tensor([[1.5000, 1.5000],\n        [1.5000, 1.5000]])" in out
    assert "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])" in out
    assert "grad z = <PowBackward0 object at 0x?>" in out
    assert "out = 9.0" in out
    assert "OLD grad value is None" in out

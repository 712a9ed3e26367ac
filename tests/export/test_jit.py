"""torcia.jit: trace -> save -> load in a fresh process gives the eager outputs; graph and
code printing; TracerWarning; safe loading of tampered files; jit.script's refusal.

Expected values come from running the eager model itself, never from the traced one.
"""

import io
import json
import os
import pickle
import subprocess
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

import torcia as torch
import torcia.nn as nn
from torcia.jit import TracerWarning

from . import models

ROOT = Path(__file__).resolve().parents[2]

# The fresh process: loads every saved module with torcia.jit.load while the tests package
# (where the model classes live) cannot be imported, and runs them on the saved inputs.
CHILD = r"""
import sys
sys.modules["tests"] = None  # the model classes must not be importable
import torcia
folder = sys.argv[1]
inputs = torcia.load(f"{folder}/inputs.pt")
outputs = {}
for name, xs in inputs.items():
    m = torcia.jit.load(f"{folder}/{name}.pt")
    assert type(m).__module__ == "torcia.jit._module", type(m)
    with torcia.no_grad():
        outputs[name] = [m(x) for x in xs]
assert not any(k.startswith("tests") for k in sys.modules if sys.modules[k] is not None)
torcia.save(outputs, f"{folder}/outputs.pt")
"""


@pytest.fixture(scope="module")
def fresh_outputs(zoo, tmp_path_factory):
    """Trace and save every model, then load and run them all in one fresh process."""
    folder = tmp_path_factory.mktemp("jit")
    inputs, traced = {}, {}
    for name in models.NAMES:
        model, x, x2, _ = zoo[name]
        with torch.no_grad():
            traced[name] = torch.jit.trace(model, x)
        torch.jit.save(traced[name], folder / f"{name}.pt")
        inputs[name] = [x, x2]
    torch.save(inputs, folder / "inputs.pt")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True,
                          text=True, timeout=300, cwd=folder, env=env)
    assert proc.returncode == 0, proc.stderr
    return torch.load(folder / "outputs.pt"), traced


@pytest.mark.parametrize("name", models.NAMES)
def test_trace_save_load_fresh_process(zoo, fresh_outputs, name):
    model, x, x2, _ = zoo[name]
    outputs, traced = fresh_outputs
    with torch.no_grad():
        for got, inp in zip(outputs[name], (x, x2)):
            want = model(inp)
            assert got.shape == want.shape
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=0, atol=1e-5)
            np.testing.assert_allclose(traced[name](inp).numpy(), want.numpy(), rtol=0,
                                       atol=1e-5)


def test_graph_and_code_print_one_line_per_op(zoo):
    model, x, x2, _ = zoo["pool_cnn"]
    traced = torch.jit.trace(model, x)
    graph = str(traced.graph)
    lines = graph.splitlines()
    op_lines = [ln for ln in lines if " = " in ln and "prim::Constant" not in ln]
    assert len(op_lines) == len(traced.graph.nodes)
    assert lines[0].startswith("graph(%x : Float(4, 1, 28, 28)")
    assert "%self.fc1.weight : Float(32, 784)" in graph
    # x.view(x.size(0), -1): the batch size is read from the tensor, not frozen
    assert any("prim::size(" in ln and ", 0)" in ln for ln in op_lines)
    assert any("Tensor.view(" in ln and ", -1)" in ln for ln in op_lines)
    assert "conv2d(" in graph and "batch_norm(" in graph and "max_pool2d(" in graph
    code = traced.code
    assert code.startswith("def forward(self,")
    assert ".size(0)" in code and "return " in code
    assert sorted(traced.state_dict()) == sorted(model.state_dict())


def test_traced_functions_and_nested_outputs():
    def fn(x, y):
        z = x @ y.t()
        return {"sum": z.sum(1), "parts": (z[:, :2], z.relu())}

    x, y = torch.randn(3, 4), torch.randn(5, 4)
    traced = torch.jit.trace(fn, (x, y))
    x2 = torch.randn(6, 4)
    got, want = traced(x2, y), fn(x2, y)
    assert set(got) == {"sum", "parts"}
    for a, b in zip([got["sum"], *got["parts"]], [want["sum"], *want["parts"]]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=0, atol=1e-6)


def test_data_dependent_control_flow_warns(zoo):
    model = models.DataDependent().eval()
    x = torch.ones(2, 4)
    with pytest.warns(TracerWarning, match="Converting a tensor to a Python boolean might "
                                           "cause the trace to be incorrect"):
        traced = torch.jit.trace(model, x)
    neg = -torch.ones(2, 4)  # takes the other branch in Python; the trace froze the first
    with torch.no_grad():
        np.testing.assert_allclose(traced(neg).numpy(), model.fc(neg).numpy(), atol=1e-6)
        assert not np.allclose(traced(neg).numpy(), model(neg).numpy())


@pytest.mark.parametrize("code, message", [
    ("float(x.mean())", "to a Python float"), ("int(x.argmax())", "to a Python integer"),
    ("x.max().item()", "to a Python number"), ("x.tolist()", "to a Python list"),
    ("x.numpy()", "to a NumPy array"), ("len(x)", "Using len to get tensor shape"),
    ("[r for r in x]", "Iterating over a tensor"), ("x.data + 1", "captured as a constant"),
])
def test_python_values_warn(code, message):
    def fn(x):
        eval(code, {"x": x})
        return x * 2
    with pytest.warns(TracerWarning, match=message):
        torch.jit.trace(fn, torch.randn(3, 4))


def test_sizes_only_do_not_warn():
    def fn(x):
        b, c = x.shape
        return x.reshape(b * c // 2, 2) * (c + 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TracerWarning)
        traced = torch.jit.trace(fn, torch.randn(4, 6))
    x = torch.randn(10, 6)
    np.testing.assert_allclose(traced(x).numpy(), fn(x).numpy())


def test_check_trace_reports_random_ops():
    model = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.5)).train()
    with pytest.warns(TracerWarning) as record:
        torch.jit.trace(model, torch.randn(8, 4))
    messages = [str(w.message) for w in record]
    assert any(m.startswith("Trace had nondeterministic nodes") for m in messages)
    assert any(m.startswith("Output nr 1. of the traced function does not match") for m in
               messages)


def test_script_points_to_trace_and_onnx():
    with pytest.raises(NotImplementedError, match="torcia.jit.trace.*torcia.onnx.export"):
        torch.jit.script(models.SeedMLP())


# -- safe loading ------------------------------------------------------------------------------
@pytest.fixture
def saved(tmp_path):
    model = models.SeedMLP().eval()
    path = tmp_path / "mlp.pt"
    torch.jit.save(torch.jit.trace(model, torch.randn(2, 784)), path)
    return path


def _rewrite(path, name_suffix, data):
    """Replace one record of the zip archive at ``path``."""
    with zipfile.ZipFile(path) as zf:
        records = {i.filename: zf.read(i) for i in zf.infolist()}
    key = next(k for k in records if k.endswith(name_suffix))
    records[key] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for k, v in records.items():
            zf.writestr(k, v)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_tampered_pickle_runs_nothing(saved, tmp_path):
    marker = tmp_path / "pwned"
    _rewrite(saved, "data.pkl", pickle.dumps({"format": "torcia.jit", "x": _Evil(marker)},
                                             protocol=2))
    with pytest.raises(torch.jit.Error, match="refusing .* nothing was run .*(system|posix)"):
        torch.jit.load(saved)
    assert not marker.exists()


def _forge(path, change):
    payload = torch.load(path)
    graph = json.loads(payload["graph"])
    change(graph, payload)
    payload["graph"] = json.dumps(graph)
    torch.save(payload, path)


@pytest.mark.parametrize("change, message", [
    (lambda g, p: g["nodes"][0].update(op="builtins.eval"), "'builtins.eval', which is not a "
                                                             "torcia op"),
    (lambda g, p: g["nodes"][0].update(op="os.system"), "'os.system', which is not a torcia op"),
    (lambda g, p: g["nodes"][0]["args"].__setitem__(0, {"v": "nowhere"}),
     "uses 'nowhere' before it is defined"),
    (lambda g, p: g["nodes"][0]["args"].__setitem__(0, {"import": "os"}),
     "unknown argument tag 'import'"),
    (lambda g, p: g["nodes"][0]["outputs"][0].update(name="__class__.x"), "bad output"),
    (lambda g, p: p["parameters"].__setitem__("fc1.weight", torch.zeros(3)), "does not match"),
    (lambda g, p: p.__setitem__("version", 99), "version 99 is not supported"),
])
def test_forged_graph_is_refused(saved, change, message):
    _forge(saved, change)
    with pytest.raises(torch.jit.Error, match=message):
        torch.jit.load(saved)


def test_damaged_files_are_refused(saved, tmp_path):
    data = saved.read_bytes()
    cut = tmp_path / "cut.pt"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(torch.jit.Error, match="cannot read"):
        torch.jit.load(cut)
    garbage = tmp_path / "garbage.pt"
    garbage.write_bytes(b"\x00not a model" * 100)
    with pytest.raises(torch.jit.Error, match="cannot read"):
        torch.jit.load(garbage)
    weights = tmp_path / "weights.pt"
    torch.save(models.SeedMLP().state_dict(), weights)
    with pytest.raises(torch.jit.Error, match="holds no torcia.jit module"):
        torch.jit.load(weights)


def test_file_objects_and_weights_only_readers(saved):
    buf = io.BytesIO(saved.read_bytes())
    m = torch.jit.load(buf)
    x = torch.randn(3, 784)
    with torch.no_grad():
        np.testing.assert_allclose(m(x).numpy(), torch.jit.load(saved)(x).numpy())
    # the file is an ordinary checkpoint too: PyTorch's weights_only loader reads its tensors
    import torch as pytorch
    payload = pytorch.load(saved, weights_only=True)
    assert payload["format"] == "torcia.jit"
    assert tuple(payload["parameters"]["fc1.weight"].shape) == (300, 784)

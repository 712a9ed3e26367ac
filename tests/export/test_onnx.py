"""torcia.onnx.export: every model runs in ONNX Runtime with torcia's outputs (atol 1e-4)
at the traced batch size and another one, passes onnx.checker (full_check) and strict shape
inference, and carries the requested names and dynamic axes; unsupported ops and damaged
files fail clearly.
"""

import numpy as np
import pytest

import torcia as torch
import torcia.nn as nn

from . import models

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


def _dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def _session(path):
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


@pytest.mark.parametrize("name", models.NAMES)
def test_onnxruntime_matches_torcia(zoo, tmp_path, name):
    model, x, x2, axes = zoo[name]
    path = tmp_path / f"{name}.onnx"
    proto = torch.onnx.export(model, (x,), path, input_names=["input"],
                              output_names=["output"],
                              dynamic_axes={"input": axes, "output": {0: "batch"}})
    onnx.checker.check_model(str(path), full_check=True)  # full_check: strict shape inference
    onnx.shape_inference.infer_shapes(proto, check_type=True, strict_mode=True)
    (inp,), (out,) = proto.graph.input, proto.graph.output
    assert inp.name == "input" and out.name == "output"
    assert _dims(inp) == [axes.get(i, s) for i, s in enumerate(x.shape)]
    assert _dims(out)[0] == "batch"
    assert proto.opset_import[0].version == 17
    sess = _session(path)
    for data in (x, x2):
        (got,) = sess.run(None, {"input": data.numpy()})
        with torch.no_grad():
            want = model(data).numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-4)


@pytest.mark.parametrize("opset", [18, 20])
def test_newer_opsets(zoo, tmp_path, opset):
    model, x, x2, axes = zoo["gpt"]
    path = tmp_path / "gpt.onnx"
    proto = torch.onnx.export(model, x, path, opset_version=opset,
                              dynamic_axes={"idx": axes})
    assert proto.opset_import[0].version == opset
    assert proto.graph.input[0].name == "idx" and proto.graph.output[0].name == "output"
    if opset >= 20:
        assert any(n.op_type == "Gelu" for n in proto.graph.node)
    (got,) = _session(path).run(None, {"idx": x2.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x2).numpy(), rtol=0, atol=1e-4)


def test_opset_range_and_names(zoo, tmp_path):
    model, x, _, _ = zoo["seed_mlp"]
    newest = onnx.defs.onnx_opset_version()
    with pytest.raises(ValueError, match=f"torcia exports opsets 17 to {newest}"):
        torch.onnx.export(model, x, tmp_path / "m.onnx", opset_version=newest + 1)
    with pytest.raises(ValueError, match="Unsupported ONNX opset version: 11"):
        torch.onnx.export(model, x, tmp_path / "m.onnx", opset_version=11)
    # list form of dynamic_axes names the axes as PyTorch does; no axes: all sizes fixed
    proto = torch.onnx.export(model, x, tmp_path / "m.onnx", input_names=["pixels"],
                              dynamic_axes={"pixels": [0]})
    assert _dims(proto.graph.input[0]) == ["pixels_dynamic_axes_1", 784]
    proto = torch.onnx.export(model, x, tmp_path / "s.onnx")
    assert _dims(proto.graph.input[0]) == [4, 784]
    assert _dims(proto.graph.output[0]) == [4, 10]


def test_eval_mode_export_restores_training(tmp_path):
    model = models.PoolCNN().train()
    x = torch.randn(2, 1, 28, 28)
    torch.onnx.export(model, x, tmp_path / "m.onnx")
    assert model.training and model.drop.training
    model.eval()
    (got,) = _session(tmp_path / "m.onnx").run(None, {"x": x.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(got, model(x).numpy(), rtol=0, atol=1e-4)


def test_several_outputs_and_inputs(tmp_path):
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.a, self.b = nn.Linear(6, 3), nn.Linear(6, 2)

        def forward(self, x, y):
            h = torch.cat([x, y], 1).relu()
            return self.a(h).softmax(-1), self.b(h).max(dim=1).values

    model = TwoHeads().eval()
    x, y = torch.randn(4, 2), torch.randn(4, 4)
    path = tmp_path / "two.onnx"
    torch.onnx.export(model, (x, y), path, input_names=["x", "y"], output_names=["p", "m"],
                      dynamic_axes={"x": {0: "n"}, "y": {0: "n"}, "p": {0: "n"}, "m": {0: "n"}})
    x2, y2 = torch.randn(9, 2), torch.randn(9, 4)
    p, m = _session(path).run(["p", "m"], {"x": x2.numpy(), "y": y2.numpy()})
    with torch.no_grad():
        wp, wm = model(x2, y2)
    np.testing.assert_allclose(p, wp.numpy(), atol=1e-5)
    np.testing.assert_allclose(m, wm.numpy(), atol=1e-5)


def test_quantized_embedding_and_linear(zoo, tmp_path):
    from torcia.ao.quantization import (
        default_dynamic_qconfig,
        float_qparams_weight_only_qconfig,
        quantize_dynamic,
    )
    model, x, x2, axes = zoo["gpt"]
    q = quantize_dynamic(model, {nn.Linear: default_dynamic_qconfig,
                                 nn.Embedding: float_qparams_weight_only_qconfig})
    path = tmp_path / "gpt_q.onnx"
    proto = torch.onnx.export(q, x, path, input_names=["idx"], dynamic_axes={"idx": axes})
    ops = {n.op_type for n in proto.graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} <= ops
    (got,) = _session(path).run(None, {"idx": x2.numpy()})
    with torch.no_grad():
        np.testing.assert_allclose(got, q(x2).numpy(), rtol=0, atol=1e-4)


def test_quantized_recurrent_layers_with_states(tmp_path):
    from torcia.ao.quantization import quantize_dynamic

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(6, 5, num_layers=2)
            self.gru = nn.GRU(5, 4, bidirectional=True, bias=False)

        def forward(self, x, h, c):
            y, (hn, cn) = self.lstm(x, (h, c))
            z, hg = self.gru(y)
            return z, hn, cn, hg

    torch.manual_seed(0)
    q = quantize_dynamic(Stack().eval(), {nn.LSTM, nn.GRU})
    args = (torch.randn(7, 3, 6), torch.randn(2, 3, 5), torch.randn(2, 3, 5))
    path = tmp_path / "q.onnx"
    proto = torch.onnx.export(q, args, path, input_names=["x", "h", "c"],
                              dynamic_axes={"x": {0: "time", 1: "batch"}, "h": {1: "batch"},
                                            "c": {1: "batch"}})
    onnx.shape_inference.infer_shapes(proto, check_type=True, strict_mode=True)
    assert {"Scan", "DynamicQuantizeLinear", "MatMulInteger"} <= {n.op_type
                                                                  for n in proto.graph.node}
    sess = _session(path)
    for data in (args, (torch.randn(4, 5, 6), torch.randn(2, 5, 5), torch.randn(2, 5, 5))):
        got = sess.run(None, {k: v.numpy() for k, v in zip("xhc", data)})
        with torch.no_grad():
            want = q(*data)
        for a, b in zip(got, want):
            assert a.shape == tuple(b.shape)
            np.testing.assert_allclose(a, b.numpy(), rtol=0, atol=1e-4)


def test_unsupported_op_is_named(tmp_path):
    def fn(x):
        return torch.cummax(x, 0).values
    with pytest.raises(torch.onnx.errors.UnsupportedOperatorError,
                       match="Exporting the operator 'torch.cummax' to ONNX opset version 17 "
                             "is not supported"):
        torch.onnx.export(fn, torch.randn(3, 4), tmp_path / "m.onnx")


def test_damaged_onnx_file_is_refused(zoo, tmp_path):
    model, x, _, _ = zoo["seed_mlp"]
    path = tmp_path / "m.onnx"
    torch.onnx.export(model, x, path)
    data = path.read_bytes()
    cut = tmp_path / "cut.onnx"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(Exception, match="(?i)protobuf|parse|load model"):
        _session(cut)
    proto = onnx.load(str(path))
    proto.graph.node[0].op_type = "RunShellCommand"
    forged = tmp_path / "forged.onnx"
    forged.write_bytes(proto.SerializeToString())
    with pytest.raises(onnx.checker.ValidationError, match="RunShellCommand"):
        onnx.checker.check_model(str(forged), full_check=True)
    with pytest.raises(Exception, match="RunShellCommand"):
        _session(forged)

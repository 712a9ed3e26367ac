"""torcia.ao.quantization.quantize_dynamic: int8 weights with per-channel scales, activations
quantized per call. The quantized models keep the float model's accuracy (the seed MLP on
Fashion-MNIST, or synthetic images where it is not installed) and loss (a small GPT trained
on text) within 1%, their saved state is at most 0.3x the float one, and they save, load and
trace.
"""

import gzip
import io
from pathlib import Path

import numpy as np
import pytest

import torcia as torch
import torcia.ao.nn.quantized as nnq
import torcia.nn as nn
import torcia.nn.functional as F
from torcia.ao.nn.quantized import dynamic as nnqd
from torcia.ao.quantization import (
    default_dynamic_qconfig,
    float_qparams_weight_only_qconfig,
    quantize_dynamic,
)

from . import models

FASHION = Path("/usr/share/datasets/fashion-mnist")


def _idx(name):
    with gzip.open(FASHION / name) as f:
        data = f.read()
    offset = 16 if "images" in name else 8
    return np.frombuffer(data, np.uint8, offset=offset)


def _images():
    """(train x, train y, test x, test y): Fashion-MNIST when installed, else synthetic."""
    if FASHION.exists():
        xs = _idx("train-images-idx3-ubyte.gz").reshape(-1, 784)[:20000]
        ys = _idx("train-labels-idx1-ubyte.gz")[:20000]
        xt = _idx("t10k-images-idx3-ubyte.gz").reshape(-1, 784)
        yt = _idx("t10k-labels-idx1-ubyte.gz")
        norm = lambda a: ((a.astype(np.float32) / 255) - 0.2860) / 0.3530  # noqa: E731
        return norm(xs), ys.astype(np.int64), norm(xt), yt.astype(np.int64)
    rng = np.random.default_rng(0)
    protos = rng.random((10, 784), dtype=np.float32)

    def make(n):
        y = rng.integers(0, 10, n)
        return (0.1 * protos[y] + rng.random((n, 784), dtype=np.float32)).astype(np.float32), y
    return (*make(20000), *make(5000))


def _state_size(model):
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return len(buf.getvalue())


@pytest.fixture(scope="module")
def trained_mlp():
    xs, ys, xt, yt = _images()
    torch.manual_seed(0)
    model = models.SeedMLP()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    order = np.random.default_rng(0).permutation(len(xs))
    for i in range(0, len(xs), 100):
        idx = order[i:i + 100]
        loss = F.cross_entropy(model(torch.from_numpy(xs[idx])), torch.from_numpy(ys[idx]))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval(), torch.from_numpy(xt), torch.from_numpy(yt)


def _accuracy(model, x, y):
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def test_mlp_accuracy_within_one_percent_and_size(trained_mlp):
    model, xt, yt = trained_mlp
    q = quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    assert isinstance(q.fc1, nnqd.Linear) and isinstance(model.fc1, nn.Linear)  # a copy
    acc_f, acc_q = _accuracy(model, xt, yt), _accuracy(q, xt, yt)
    assert acc_f > 0.8
    assert abs(acc_q - acc_f) <= 0.01, (acc_f, acc_q)
    assert _state_size(q) <= 0.3 * _state_size(model)


def test_quantized_weights_are_int8_per_channel(trained_mlp):
    model, _, _ = trained_mlp
    q = quantize_dynamic(model, {nn.Linear})
    w, s = q.fc1.weight, q.fc1.weight_scale
    assert w.dtype == torch.int8 and s.shape == (300,) and s.dtype == torch.float32
    ref = model.fc1.weight.detach().numpy()
    np.testing.assert_allclose(s.numpy(), np.abs(ref).max(1) / 127, rtol=1e-6)
    err = np.abs(w.numpy() * s.numpy()[:, None] - ref)
    assert (err <= s.numpy()[:, None] / 2 + 1e-7).all()  # round to nearest
    assert "DynamicQuantizedLinear(in_features=784, out_features=300, dtype=torch.qint8, " \
        "qscheme=torch.per_channel_affine)" in repr(q)


def test_activations_are_quantized_per_call():
    # x @ W^T computed from 8-bit x: equal to the float product on the quantization grid
    lin = nn.Linear(8, 3)
    q = nnqd.Linear.from_float(lin)
    x = torch.linspace(-1, 2, 16).reshape(2, 8)
    lo, hi = -1.0, 2.0
    xs = (hi - lo) / 255
    zp = round(-lo / xs)
    xq = (np.clip(np.rint(x.numpy() / xs) + zp, 0, 255) - zp) * xs
    wq = q.weight.numpy() * q.weight_scale.numpy()[:, None]
    want = xq @ wq.T + lin.bias.detach().numpy()
    np.testing.assert_allclose(q(x).numpy(), want, rtol=1e-5, atol=1e-6)


def test_save_load_state_dict_and_trace(trained_mlp, tmp_path):
    model, xt, _ = trained_mlp
    q = quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    torch.save(q.state_dict(), tmp_path / "q.pt")
    fresh = quantize_dynamic(models.SeedMLP(), {nn.Linear}, dtype=torch.qint8)
    fresh.load_state_dict(torch.load(tmp_path / "q.pt"))
    x = xt[:50]
    with torch.no_grad():
        np.testing.assert_array_equal(fresh(x).numpy(), q(x).numpy())
        traced = torch.jit.trace(q, x)
        torch.jit.save(traced, tmp_path / "q_traced.pt")
        np.testing.assert_array_equal(torch.jit.load(tmp_path / "q_traced.pt")(xt[:7]).numpy(),
                                      q(xt[:7]).numpy())
    assert (tmp_path / "q_traced.pt").stat().st_size <= 0.3 * _state_size(model) + 4096


TEXT = ("It is a truth universally acknowledged, that a single man in possession of a good "
        "fortune, must be in want of a wife. However little known the feelings or views of such "
        "a man may be on his first entering a neighbourhood, this truth is so well fixed in the "
        "minds of the surrounding families, that he is considered the rightful property of "
        "some one or other of their daughters. ") * 3


def test_gpt_loss_within_one_percent_and_size():
    chars = sorted(set(TEXT))
    data = torch.tensor([chars.index(c) for c in TEXT])
    torch.manual_seed(0)
    model = models.GPT(vocab=len(chars), block=32, embd=128, heads=4, layers=2)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    rng = np.random.default_rng(0)

    def batch(n):
        starts = rng.integers(0, len(data) - 33, n)
        x = torch.stack([data[s:s + 32] for s in starts])
        y = torch.stack([data[s + 1:s + 33] for s in starts])
        return x, y

    for _ in range(40):
        x, y = batch(8)
        loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    q = quantize_dynamic(model, {nn.Linear, nn.LSTM}, dtype=torch.qint8)
    x, y = batch(64)
    with torch.no_grad():
        loss_f = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1)).item()
        loss_q = F.cross_entropy(q(x).reshape(-1, len(chars)), y.reshape(-1)).item()
    assert loss_f < 2.5  # it learned something
    assert abs(loss_q - loss_f) <= 0.01 * loss_f, (loss_f, loss_q)
    assert _state_size(q) <= 0.3 * _state_size(model)
    # embeddings too, with 8-bit rows (PyTorch's float_qparams_weight_only_qconfig)
    spec = {nn.Linear: default_dynamic_qconfig, nn.Embedding: float_qparams_weight_only_qconfig}
    q8 = quantize_dynamic(model, spec)
    assert isinstance(q8.wte, nnq.Embedding)
    with torch.no_grad():
        loss_8 = F.cross_entropy(q8(x).reshape(-1, len(chars)), y.reshape(-1)).item()
    assert abs(loss_8 - loss_f) <= 0.01 * loss_f, (loss_f, loss_8)
    assert _state_size(q8) < _state_size(q)


def test_quantized_lstm_and_gru_follow_the_float_layers():
    torch.manual_seed(0)
    model = models.RNNClassifier().eval()
    q = quantize_dynamic(model, {nn.Linear, nn.LSTM, nn.GRU}, dtype=torch.qint8)
    assert isinstance(q.lstm, nnqd.LSTM) and isinstance(q.gru, nnqd.GRU)
    x = torch.randint(0, 50, (8, 20))
    with torch.no_grad():
        out_f, (h_f, c_f) = model.lstm(model.emb(x))
        out_q, (h_q, c_q) = q.lstm(q.emb(x))
        for a, b in ((out_q, out_f), (h_q, h_f), (c_q, c_f)):
            assert a.shape == b.shape  # 8-bit steps of activations: a few percent at most
            assert np.abs(a.numpy() - b.numpy()).max() <= 0.04 * np.abs(b.numpy()).max()
        np.testing.assert_allclose(q(x).numpy(), model(x).numpy(), atol=0.02)
    big = nn.LSTM(64, 128, num_layers=2)
    assert _state_size(quantize_dynamic(big, {nn.LSTM})) <= 0.3 * _state_size(big)
    # unbatched input and an explicit state, as nn.LSTM takes them
    h0, c0 = torch.zeros(4, 32), torch.zeros(4, 32)
    out, (h, c) = q.lstm(q.emb(x[0]), (h0, c0))
    assert out.shape == (20, 64) and h.shape == (4, 32)


def test_float16_weights_and_untouched_layers():
    model = nn.Sequential(nn.Linear(6, 5), nn.MultiheadAttention(5, 1))
    q = quantize_dynamic(model, dtype=torch.float16)
    assert isinstance(q[0], nnqd.Linear) and q[0].weight.dtype == torch.float16
    assert type(q[1].out_proj).__name__ == "NonDynamicallyQuantizableLinear"  # as PyTorch
    x = torch.randn(3, 6)
    with torch.no_grad():
        np.testing.assert_allclose(q[0](x).numpy(), model[0](x).numpy(), atol=1e-2)
    with pytest.raises(ValueError, match="Don't know how to quantize"):
        quantize_dynamic(model, dtype=torch.int32)
    with pytest.raises(AssertionError, match="only supported with "
                                             "float_qparams_weight_only_qconfig"):
        quantize_dynamic(nn.Sequential(nn.Embedding(4, 2)), {nn.Embedding})

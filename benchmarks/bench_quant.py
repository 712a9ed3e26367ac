"""Dynamic int8 quantization (torcia.ao.quantization.quantize_dynamic): saved size, accuracy
and CPU inference time of the quantized models against the float ones, with PyTorch's
quantize_dynamic beside for reference.

    python benchmarks/bench_quant.py            # Fashion-MNIST MLP, small GPT, LSTM classifier
    python benchmarks/bench_quant.py --quick    # fewer training steps and repetitions

Models: seed 004's MLP (784-300-10) trained two epochs on Fashion-MNIST (from
/usr/share/datasets/fashion-mnist when installed, else synthetic images), test accuracy;
bench_gpt.py's GPT (2 layers, n_embd 128, 4 heads, block 64, vocabulary 65, untied head)
trained on a text, held-out loss; an LSTM classifier (embedding 64, LSTM 128 x 2 layers,
Linear) on random tokens. Linear (and LSTM) layers are quantized with
``{nn.Linear, nn.LSTM}`` as the issue asks. Sizes are of ``torch.save(model.state_dict())``.
Times are the minimum of interleaved repetitions (common.best_of); the ratio column is
quantized time / float time of the same library.
"""

import gzip
import io
import os
import sys
from pathlib import Path

import numpy as np
import torch
from common import best_of, environment

import torcia

QUICK = "--quick" in sys.argv
FASHION = Path("/usr/share/datasets/fashion-mnist")
TEXT = (Path(__file__).resolve().parents[1] / "torcia" / "nn" / "modules" / "module.py")


def _idx(name):
    with gzip.open(FASHION / name) as f:
        data = f.read()
    return np.frombuffer(data, np.uint8, offset=16 if "images" in name else 8)


def fashion():
    if FASHION.exists():
        norm = lambda a: ((a.reshape(-1, 784).astype(np.float32) / 255) - 0.2860) / 0.3530  # noqa: E731,E501
        return (norm(_idx("train-images-idx3-ubyte.gz")),
                _idx("train-labels-idx1-ubyte.gz").astype(np.int64),
                norm(_idx("t10k-images-idx3-ubyte.gz")),
                _idx("t10k-labels-idx1-ubyte.gz").astype(np.int64), "Fashion-MNIST")
    rng = np.random.default_rng(0)
    protos = rng.random((10, 784), dtype=np.float32)
    y, yt = rng.integers(0, 10, 60000), rng.integers(0, 10, 10000)
    noise = lambda n: rng.random((n, 784), dtype=np.float32)  # noqa: E731
    return (0.1 * protos[y] + noise(60000), y, 0.1 * protos[yt] + noise(10000), yt,
            "synthetic images")


def state_size(lib, model):
    buf = io.BytesIO()
    lib.save(model.state_dict(), buf)
    return len(buf.getvalue())


def quantize(lib, model):
    nn = lib.nn
    return lib.ao.quantization.quantize_dynamic(model, {nn.Linear, nn.LSTM}, dtype=lib.qint8)


def quantize_with_embeddings(model):
    """Also the embeddings, with 8-bit rows (float_qparams_weight_only_qconfig)."""
    from torcia.ao import quantization as q
    nn = torcia.nn
    return q.quantize_dynamic(model, {nn.Linear: q.default_dynamic_qconfig,
                                      nn.LSTM: q.default_dynamic_qconfig,
                                      nn.Embedding: q.float_qparams_weight_only_qconfig})


# -- models, written once for both libraries -------------------------------------------------
def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 300), nn.ReLU(), nn.Linear(300, 10))


def gpt(lib, vocab=65, embd=128, heads=4, layers=2, block=64):
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(embd), nn.LayerNorm(embd)
            self.c_attn, self.c_proj = nn.Linear(embd, 3 * embd), nn.Linear(embd, embd)
            self.c_fc, self.mlp_proj = nn.Linear(embd, 4 * embd), nn.Linear(4 * embd, embd)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
            q, k, v = (y.view(b, t, heads, c // heads).transpose(1, 2) for y in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))
            return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x))))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = nn.Embedding(vocab, embd), nn.Embedding(block, embd)
            self.h = nn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(embd)
            self.lm_head = nn.Linear(embd, vocab)

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(lib.arange(idx.shape[1]))
            for block_ in self.h:
                x = block_(x)
            return self.lm_head(self.ln_f(x))

    return GPT()


def lstm_classifier(lib):
    nn = lib.nn

    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(1000, 64)
            self.lstm = nn.LSTM(64, 128, num_layers=2, batch_first=True)
            self.fc = nn.Linear(128, 5)

        def forward(self, x):
            out, _ = self.lstm(self.emb(x))
            return self.fc(out[:, -1])

    return Classifier()


# -- training (the same seeded start and data for both libraries) ---------------------------
def train(lib, model, batches, loss_fn, lr):
    opt = lib.optim.Adam(model.parameters(), lr=lr)
    for x, y in batches:
        loss = loss_fn(model(lib.from_numpy(x)), lib.from_numpy(y))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def main():
    print(environment())
    results = []  # (name, size float, size q8, metric name, float, q8)
    timing = []  # (workload, torcia float, torcia q8, torch float, torch q8)
    rng = np.random.default_rng(0)

    # seed MLP on Fashion-MNIST
    xs, ys, xt, yt, data_name = fashion()
    epochs = 1 if QUICK else 2
    order = np.concatenate([rng.permutation(len(xs)) for _ in range(epochs)])
    batches = [(xs[order[i:i + 100]], ys[order[i:i + 100]]) for i in range(0, len(order), 100)]
    models = {}
    for lib in (torcia, torch):
        lib.manual_seed(0)
        ce = lib.nn.functional.cross_entropy
        f = train(lib, mlp(lib), batches, ce, 1e-3)
        models[lib] = (f, quantize(lib, f))
    f, q = models[torcia]
    with torcia.no_grad():
        x = torcia.from_numpy(xt)
        acc = [(m(x).argmax(1).numpy() == yt).mean() for m in (f, q)]
    results.append((f"seed MLP 784-300-10, {data_name}", state_size(torcia, f),
                    state_size(torcia, q), "test accuracy", *acc))
    for batch in (1, 64, 1000):
        xb = xt[:batch]
        fns = []
        for lib in (torcia, torch):
            t = lib.from_numpy(xb)
            for m in models[lib]:
                fns.append(lambda m=m, t=t, lib=lib: _infer(lib, m, t))
        times = best_of(fns, number=5 if batch < 1000 else 2, repeat=10 if QUICK else 30)
        timing.append((f"MLP inference, batch {batch}", *times))

    # small GPT on text
    text = TEXT.read_text()[:20000]
    chars = sorted(set(text))[:65]
    ids = np.array([chars.index(c) if c in chars else 0 for c in text], np.int64)
    split = int(len(ids) * 0.9)
    steps = 60 if QUICK else 200
    starts = rng.integers(0, split - 65, (steps, 16))
    gbatches = [(np.stack([ids[s:s + 64] for s in st]), np.stack([ids[s + 1:s + 65] for s in st]))
                for st in starts]
    vstarts = rng.integers(split, len(ids) - 65, 64)
    vx = np.stack([ids[s:s + 64] for s in vstarts])
    vy = np.stack([ids[s + 1:s + 65] for s in vstarts])
    gmodels = {}
    for lib in (torcia, torch):
        lib.manual_seed(0)

        def lm_loss(logits, y, lib=lib):
            return lib.nn.functional.cross_entropy(logits.reshape(-1, 65), y.reshape(-1))
        g = train(lib, gpt(lib), gbatches, lm_loss, 3e-3)
        gmodels[lib] = (g, quantize(lib, g))
    g, gq = gmodels[torcia]
    with torcia.no_grad():
        losses = [torcia.nn.functional.cross_entropy(m(torcia.from_numpy(vx)).reshape(-1, 65),
                                                     torcia.from_numpy(vy).reshape(-1)).item()
                  for m in (g, gq)]
    results.append(("GPT 2x128 h4 T64, held-out text", state_size(torcia, g),
                    state_size(torcia, gq), "loss", *losses))
    ge = quantize_with_embeddings(g)
    with torcia.no_grad():
        loss_e = torcia.nn.functional.cross_entropy(ge(torcia.from_numpy(vx)).reshape(-1, 65),
                                                    torcia.from_numpy(vy).reshape(-1)).item()
    results.append(("  + embeddings in 8 bits", state_size(torcia, g), state_size(torcia, ge),
                    "loss", losses[0], loss_e))
    fns = []
    for lib in (torcia, torch):
        t = lib.from_numpy(vx[:16])
        fns += [lambda m=m, t=t, lib=lib: _infer(lib, m, t) for m in gmodels[lib]]
    timing.append(("GPT inference, batch 16 x 64 tokens",
                   *best_of(fns, number=2, repeat=8 if QUICK else 20)))

    # LSTM classifier
    tokens = rng.integers(0, 1000, (32, 50))
    lmodels = {}
    for lib in (torcia, torch):
        lib.manual_seed(0)
        m = lstm_classifier(lib).eval()
        lmodels[lib] = (m, quantize(lib, m))
    m, mq = lmodels[torcia]
    with torcia.no_grad():
        t = torcia.from_numpy(tokens)
        diff = float(np.abs(m(t).numpy() - mq(t).numpy()).max())
    results.append(("LSTM classifier 64-128x2, random tokens", state_size(torcia, m),
                    state_size(torcia, mq), "max |logit diff|", 0.0, diff))
    me = quantize_with_embeddings(m)
    with torcia.no_grad():
        diff_e = float(np.abs(m(t).numpy() - me(t).numpy()).max())
    results.append(("  + embeddings in 8 bits", state_size(torcia, m), state_size(torcia, me),
                    "max |logit diff|", 0.0, diff_e))
    fns = []
    for lib in (torcia, torch):
        t = lib.from_numpy(tokens)
        fns += [lambda m=m, t=t, lib=lib: _infer(lib, m, t) for m in lmodels[lib]]
    timing.append(("LSTM inference, batch 32 x 50 steps",
                   *best_of(fns, number=2, repeat=8 if QUICK else 20)))

    print(f"\n{'model':44s} {'float':>10s} {'int8':>10s} {'ratio':>6s}   metric (float -> int8)")
    for name, sf, sq, metric, a, b in results:
        print(f"{name:44s} {sf / 1e3:8.1f}kB {sq / 1e3:8.1f}kB {sq / sf:6.3f}   "
              f"{metric}: {a:.4f} -> {b:.4f}")
    print(f"\n{'workload':38s} {'torcia f32':>11s} {'torcia q8':>10s} {'q8/f32':>7s}"
          f" {'torch f32':>10s} {'torch q8':>10s} {'q8/f32':>7s}")
    for name, tf, tq, pf, pq in timing:
        print(f"{name:38s} {tf * 1e3:9.3f}ms {tq * 1e3:8.3f}ms {tq / tf:7.2f}"
              f" {pf * 1e3:8.3f}ms {pq * 1e3:8.3f}ms {pq / pf:7.2f}")
    print(environment(), f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', '(unset)')}")


def _infer(lib, model, x):
    with lib.no_grad():
        return model(x)


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=".*quantized tensor creation.*")
    main()

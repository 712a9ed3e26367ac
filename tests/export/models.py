"""The models the deployment tests export: the seeds' MLP and CNN, a pooling CNN, an
LSTM/GRU classifier, a small GPT, torcia.vision's resnet18 / vgg11 / mobilenet_v2, and
dynamically quantized MLP, GPT and LSTM classifier.

``zoo()`` builds each as ``(model in eval mode, traced input, input of another batch size,
dynamic axes of the input)``. A fresh process loading the saved files never imports this
module (the classes must not be needed there).
"""

import contextlib

import numpy as np

import torcia as torch
import torcia.nn as nn
import torcia.nn.functional as F


class SeedMLP(nn.Module):
    """Seed 004's SimpleFullyConnectedNet (784-300-10, ReLU)."""

    def __init__(self, input_size=784, hidden_size=300, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        return self.fc2(self.relu(self.fc1(x)))


class SeedCNN(nn.Module):
    """Seed 000's CNN (Conv2d 1->32, 3x3, view(-1, 32*26*26), 128, 10)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.fc1 = nn.Linear(32 * 26 * 26, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = x.view(-1, 32 * 26 * 26)
        x = torch.relu(self.fc1(x))
        return self.fc2(x)


class PoolCNN(nn.Module):
    """Conv/BatchNorm/ReLU/MaxPool blocks, Dropout, Flatten and ``x.view(x.size(0), -1)``."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(inplace=True),
            nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, stride=1, padding="same"),
            nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2, ceil_mode=False))
        self.drop = nn.Dropout(0.25)
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(16 * 7 * 7, 32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = self.features(x)
        x = x.view(x.size(0), -1)
        x = self.flatten(x.view(x.shape[0], 16, 7, 7))
        return self.fc2(self.drop(F.relu(self.fc1(x))))


class RNNClassifier(nn.Module):
    """Token ids -> Embedding -> 2-layer bidirectional LSTM -> GRU -> Linear on the last
    step."""

    def __init__(self, vocab=50, classes=5):
        super().__init__()
        self.emb = nn.Embedding(vocab, 16)
        self.lstm = nn.LSTM(16, 32, num_layers=2, batch_first=True, bidirectional=True)
        self.gru = nn.GRU(64, 24, batch_first=True)
        self.fc = nn.Linear(24, classes)

    def forward(self, x):
        out, (h, c) = self.lstm(self.emb(x))
        out, h = self.gru(out)
        return self.fc(out[:, -1])


class Block(nn.Module):
    def __init__(self, embd, heads):
        super().__init__()
        self.heads = heads
        self.ln_1, self.ln_2 = nn.LayerNorm(embd), nn.LayerNorm(embd)
        self.c_attn, self.c_proj = nn.Linear(embd, 3 * embd), nn.Linear(embd, embd)
        self.mlp = nn.Sequential(nn.Linear(embd, 4 * embd), nn.GELU(),
                                 nn.Linear(4 * embd, embd), nn.Dropout(0.1))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
        q, k, v = (y.view(b, t, self.heads, c // self.heads).transpose(1, 2) for y in (q, k, v))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """A small GPT: token + position embeddings, pre-LayerNorm blocks with causal
    scaled_dot_product_attention and a GELU MLP."""

    def __init__(self, vocab=65, block=32, embd=64, heads=4, layers=2):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, embd), nn.Embedding(block, embd)
        self.drop = nn.Dropout(0.1)
        self.h = nn.ModuleList([Block(embd, heads) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(embd)
        self.lm_head = nn.Linear(embd, vocab)

    def forward(self, idx):
        pos = torch.arange(0, idx.shape[1], dtype=torch.long)
        x = self.drop(self.wte(idx) + self.wpe(pos))
        for block in self.h:
            x = block(x)
        return self.lm_head(self.ln_f(x))


class DataDependent(nn.Module):
    """Python control flow on a tensor's value: what a trace cannot record."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        if x.sum() > 0:
            return self.fc(x)
        return -self.fc(x)


@contextlib.contextmanager
def fast_init():
    """Skip nn.init's draws (vgg11's 129M PyTorch-exact normal draws take half a minute);
    the caller sets the weights itself."""
    import torcia.nn.init as init
    names = ("kaiming_uniform_", "uniform_", "kaiming_normal_", "normal_", "constant_",
             "zeros_", "ones_", "xavier_uniform_", "trunc_normal_")
    saved = {n: getattr(init, n) for n in names if hasattr(init, n)}
    try:
        for n in saved:
            setattr(init, n, lambda t, *a, **k: t)
        yield
    finally:
        for n, f in saved.items():
            setattr(init, n, f)


def random_weights(model, seed=0):
    """Fill every parameter (and BatchNorm's running statistics) with seeded values scaled
    by fan-in, so activations stay of order one through deep networks."""
    rng = np.random.default_rng(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            arr = rng.standard_normal(tuple(p.shape), dtype=np.float32)
            if p.dim() >= 2:
                arr *= np.float32(1.0 / np.sqrt(p[0].numel()))
            elif name.endswith("weight"):  # norm layers' scales
                arr = 1 + 0.1 * arr
            else:
                arr *= 0.01
            p.copy_(torch.from_numpy(arr))
        for name, b in model.named_buffers():
            if name.endswith("running_var"):
                b.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, tuple(b.shape))
                                         .astype(np.float32)))
            elif name.endswith("running_mean"):
                b.copy_(torch.from_numpy(rng.standard_normal(tuple(b.shape),
                                                             dtype=np.float32) * 0.1))
    return model


def build(name):
    """``(model, traced input, other-batch input, dynamic axes of the input)``."""
    torch.manual_seed(0)
    gen = np.random.default_rng(1)

    def images(n, c, size):
        return torch.from_numpy(gen.standard_normal((n, c, size, size), dtype=np.float32))

    def tokens(n, t, vocab):
        return torch.from_numpy(gen.integers(0, vocab, (n, t)))

    batch = {0: "batch"}
    if name == "seed_mlp":
        x = torch.from_numpy(gen.random((4, 784), dtype=np.float32))
        return SeedMLP().eval(), x, torch.from_numpy(gen.random((7, 784), dtype=np.float32)), \
            batch
    if name == "seed_cnn":
        return SeedCNN().eval(), images(4, 1, 28), images(7, 1, 28), batch
    if name == "pool_cnn":
        return random_weights(PoolCNN()).eval(), images(4, 1, 28), images(7, 1, 28), batch
    if name == "rnn":
        return (RNNClassifier().eval(), tokens(4, 12, 50), tokens(7, 9, 50),
                {0: "batch", 1: "sequence"})
    if name == "gpt":
        return GPT().eval(), tokens(3, 16, 65), tokens(6, 11, 65), {0: "batch", 1: "sequence"}
    if name in ("resnet18", "mobilenet_v2", "vgg11"):
        from torcia.vision import models
        with fast_init():
            model = getattr(models, name)(num_classes=10)
        if name == "vgg11":  # the same layers with 64 hidden units instead of 4096: the
            # 500 MB of 25088x4096 weights would only slow the tests down (ops are the same)
            model.classifier[0] = nn.Linear(512 * 7 * 7, 64)
            model.classifier[3] = nn.Linear(64, 64)
            model.classifier[6] = nn.Linear(64, 10)
        random_weights(model)
        size = 32 if name == "vgg11" else 64
        return model.eval(), images(2, 3, size), images(3, 3, size), batch
    if name.endswith("_q8"):
        from torcia.ao.quantization import quantize_dynamic
        model, x, x2, axes = build(name[:-3])
        q = quantize_dynamic(model, {nn.Linear, nn.LSTM, nn.GRU}, dtype=torch.qint8)
        return q, x, x2, axes
    raise KeyError(name)


NAMES = ("seed_mlp", "seed_cnn", "pool_cnn", "rnn", "gpt", "resnet18", "mobilenet_v2",
         "vgg11", "seed_mlp_q8", "rnn_q8", "gpt_q8")

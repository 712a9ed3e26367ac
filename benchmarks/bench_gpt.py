"""One AdamW training step of a small GPT, torcia against PyTorch: 2 layers, n_embd 128,
4 heads, block 64, vocabulary 65, batch 16; token + position embeddings, pre-LayerNorm
blocks with causal scaled_dot_product_attention and a GELU MLP, the output layer tied to the
token embedding (nanoGPT's layout). Both libraries start from the same seeded weights and
see the same batch; the script checks that their losses agree before timing.

    python benchmarks/bench_gpt.py           # exact GELU (erf), as nn.GELU()
    python benchmarks/bench_gpt.py tanh      # also time GELU's tanh approximation
"""

import sys

import numpy as np
import torch
from common import best_of, report

import torcia

N_LAYER, N_EMBD, N_HEAD, BLOCK, VOCAB, BATCH = 2, 128, 4, 64, 65, 16


def make_model(lib, approximate="none"):
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1 = nn.LayerNorm(N_EMBD)
            self.c_attn = nn.Linear(N_EMBD, 3 * N_EMBD)
            self.c_proj = nn.Linear(N_EMBD, N_EMBD)
            self.ln_2 = nn.LayerNorm(N_EMBD)
            self.c_fc = nn.Linear(N_EMBD, 4 * N_EMBD)
            self.mlp_proj = nn.Linear(4 * N_EMBD, N_EMBD)

        def forward(self, x):
            b, t, c = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(c, dim=2)
            q, k, v = (y.view(b, t, N_HEAD, c // N_HEAD).transpose(1, 2) for y in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))
            return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate=approximate))

    class GPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(VOCAB, N_EMBD)
            self.wpe = nn.Embedding(BLOCK, N_EMBD)
            self.h = nn.ModuleList([Block() for _ in range(N_LAYER)])
            self.ln_f = nn.LayerNorm(N_EMBD)
            self.lm_head = nn.Linear(N_EMBD, VOCAB, bias=False)
            self.lm_head.weight = self.wte.weight  # weight tying
            self.apply(self._init_weights)

        @staticmethod
        def _init_weights(module):  # nanoGPT's: N(0, 0.02) weights, zero biases
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, mean=0.0, std=0.02)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

        def forward(self, idx):
            x = self.wte(idx) + self.wpe(lib.arange(idx.shape[1]))
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    return GPT()


def loss_fn(lib, logits, targets):
    return lib.nn.functional.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))


def step_fn(lib, steps_out=None, approximate="none"):
    lib.manual_seed(0)
    model = make_model(lib, approximate)
    opt = lib.optim.AdamW(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(0)
    idx = lib.tensor(rng.integers(0, VOCAB, (BATCH, BLOCK)))
    targets = lib.tensor(rng.integers(0, VOCAB, (BATCH, BLOCK)))

    def step():
        loss = loss_fn(lib, model(idx), targets)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if steps_out is not None:
            steps_out.append(loss.item())
    return step


def check_agreement(steps=3):
    """Both libraries' losses over a few steps from the same seed (printed; they agree to
    float32 rounding when init, forward, backward and AdamW all match)."""
    losses = {}
    for lib in (torcia, torch):
        out = losses[lib.__name__] = []
        step = step_fn(lib, out)
        for _ in range(steps):
            step()
    print("losses torcia", " ".join(f"{x:.6f}" for x in losses["torcia"]))
    print("losses torch ", " ".join(f"{x:.6f}" for x in losses["torch"]))


def main():
    check_agreement()
    rows = []
    for approximate in ["none"] + sys.argv[1:]:
        ours, theirs = best_of([step_fn(torcia, approximate=approximate),
                                step_fn(torch, approximate=approximate)], number=3, repeat=20)
        rows.append((f"gpt {N_LAYER}x{N_EMBD} h{N_HEAD} T{BLOCK} b{BATCH} AdamW step"
                     f"{'' if approximate == 'none' else ', gelu ' + approximate}", ours, theirs))
    report(rows)


if __name__ == "__main__":
    main()

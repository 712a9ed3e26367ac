"""A character-level GPT trained on a few lines of text, written as PyTorch code.

Causal self-attention through F.scaled_dot_product_attention, pre-LayerNorm blocks with a
GELU MLP, AdamW; then samples a continuation. The same file run with PyTorch (imports
changed) prints the same losses and the same sample.

    python examples/gpt_small.py
"""

import torcia as torch
import torcia.nn as nn
import torcia.nn.functional as F

TEXT = """To be, or not to be, that is the question:
Whether 'tis nobler in the mind to suffer
The slings and arrows of outrageous fortune,
Or to take arms against a sea of troubles
And by opposing end them. To die - to sleep,
No more; and by a sleep to say we end
The heart-ache and the thousand natural shocks
That flesh is heir to: 'tis a consummation
Devoutly to be wish'd.
"""
BLOCK, EMBD, HEADS, LAYERS, BATCH, STEPS = 32, 64, 4, 2, 16, 150


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(EMBD), nn.LayerNorm(EMBD)
        self.qkv, self.proj = nn.Linear(EMBD, 3 * EMBD), nn.Linear(EMBD, EMBD)
        self.mlp = nn.Sequential(nn.Linear(EMBD, 4 * EMBD), nn.GELU(), nn.Linear(4 * EMBD, EMBD))

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = (y.view(b, t, HEADS, c // HEADS).transpose(1, 2)
                   for y in self.qkv(self.ln_1(x)).split(c, dim=2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab):
        super().__init__()
        self.tok, self.pos = nn.Embedding(vocab, EMBD), nn.Embedding(BLOCK, EMBD)
        self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
        self.ln_f, self.head = nn.LayerNorm(EMBD), nn.Linear(EMBD, vocab)

    def forward(self, idx):
        x = self.tok(idx) + self.pos(torch.arange(idx.shape[1]))
        return self.head(self.ln_f(self.blocks(x)))


def main():
    torch.manual_seed(0)
    chars = sorted(set(TEXT))
    data = torch.tensor([chars.index(c) for c in TEXT])
    model = GPT(len(chars))
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    for step in range(STEPS + 1):
        starts = torch.randint(0, len(data) - BLOCK - 1, (BATCH,))
        x = torch.stack([data[s:s + BLOCK] for s in starts.tolist()])
        y = torch.stack([data[s + 1:s + BLOCK + 1] for s in starts.tolist()])
        loss = F.cross_entropy(model(x).view(-1, len(chars)), y.view(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 50 == 0:
            print(f"step {step:3d}  loss {loss.item():.3f}")
    model.eval()
    idx = data[:BLOCK].unsqueeze(0)
    with torch.no_grad():
        for _ in range(80):
            probs = F.softmax(model(idx[:, -BLOCK:])[:, -1], dim=-1)
            idx = torch.cat([idx, torch.multinomial(probs, 1)], dim=1)
    print("".join(chars[i] for i in idx[0, BLOCK:].tolist()))


if __name__ == "__main__":
    main()

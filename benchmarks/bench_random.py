"""Random samplers, torcia against PyTorch: in-place normal_/uniform_ and the rand/randn
factories on 4M elements (float32, and float64 for normal_/uniform_), a small normal_ (the
scalar path), and building resnet18 (its constructor's kaiming_normal_/uniform_ inits).

    BENCH_THREADS=1 python benchmarks/bench_random.py            # all rows
    BENCH_THREADS=1 python benchmarks/bench_random.py normal     # rows whose name has a word

The torch side of the resnet18 row builds the same layers with torch.nn (Conv2d, BatchNorm2d,
Linear with the shapes of torcia's model) and applies the same inits, as torchvision does.
"""

import sys

import torch
from common import best_of, report

import torcia

N = 4 * 1024 * 1024


def op_rows(lib):
    x32 = lib.empty(N)
    x64 = lib.empty(N, dtype=lib.float64)
    small = lib.empty(15)
    return {"normal_ float32 4M": lambda: x32.normal_(),
            "normal_(0.5, 2) float32 4M": lambda: x32.normal_(0.5, 2.0),
            "normal_ float64 4M": lambda: x64.normal_(),
            "uniform_(-0.1, 0.1) float32 4M": lambda: x32.uniform_(-0.1, 0.1),
            "uniform_ float64 4M": lambda: x64.uniform_(),
            "rand float32 4M": lambda: lib.rand(N),
            "randn float32 4M": lambda: lib.randn(N),
            "normal_ float32 15 (scalar path)": lambda: small.normal_()}


def torch_resnet18_like(model):
    """A function building torch layers with the shapes of torcia ``model``'s, with
    torchvision's resnet inits."""
    specs = []
    for m in model.modules():
        if isinstance(m, torcia.nn.Conv2d):
            specs.append(("conv", (m.in_channels, m.out_channels, m.kernel_size, m.stride,
                                   m.padding, m.bias is not None)))
        elif isinstance(m, torcia.nn.BatchNorm2d):
            specs.append(("bn", m.num_features))
        elif isinstance(m, torcia.nn.Linear):
            specs.append(("linear", (m.in_features, m.out_features)))

    def build():
        layers = []
        for kind, a in specs:
            if kind == "conv":
                c = torch.nn.Conv2d(a[0], a[1], a[2], a[3], a[4], bias=a[5])
                torch.nn.init.kaiming_normal_(c.weight, mode="fan_out", nonlinearity="relu")
            elif kind == "bn":
                c = torch.nn.BatchNorm2d(a)
                torch.nn.init.constant_(c.weight, 1)
                torch.nn.init.constant_(c.bias, 0)
            else:
                c = torch.nn.Linear(*a)
            layers.append(c)
        return torch.nn.ModuleList(layers)
    return build


def main():
    words = sys.argv[1:]
    rows = []
    ours, theirs = op_rows(torcia), op_rows(torch)
    for name in ours:
        if words and not any(w in name for w in words):
            continue
        number = 200 if "15" in name else 3
        t_ours, t_theirs = best_of([ours[name], theirs[name]], number=number, repeat=7)
        rows.append((name, t_ours, t_theirs))
    name = "build resnet18 (init)"
    if not words or any(w in name for w in words):
        from torcia.vision.models import resnet18
        t_ours, t_theirs = best_of([resnet18, torch_resnet18_like(resnet18())], number=1,
                                   repeat=5)
        rows.append((name, t_ours, t_theirs))
    report(rows)


if __name__ == "__main__":
    main()

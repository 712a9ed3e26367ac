"""Share of the main job's training step spent loading and collating a batch (num_workers=0).

    python benchmarks/bench_data_path.py [--data-root data] [--steps 200]

Runs examples/fashion_mnist.py's default model, data pipeline and optimizer, timing
``next(iterator)`` apart from the whole step (forward, backward, Adam). The data is the
main job's: ``--data-root`` is filled from Debian's dataset-fashion-mnist or downloaded.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))

import fashion_mnist as job  # noqa: E402

import torcia as torch  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data-root", default="data")
    p.add_argument("--steps", type=int, default=200)
    opts = p.parse_args()
    args = job.parse_args(["--data-root", opts.data_root])
    torch.manual_seed(0)
    train_loader, _ = job.loaders(args)
    model = job.MODELS[args.model]()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)

    def run(n):
        it, load, start = iter(train_loader), 0.0, time.perf_counter()
        for _ in range(n):
            t = time.perf_counter()
            images, labels = next(it)
            load += time.perf_counter() - t
            loss = job.F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        return load / n, (time.perf_counter() - start) / n

    run(20)  # warm-up
    load, step = run(opts.steps)
    print(f"{args.model}, batch {args.batch_size}: loading + collating {load * 1e3:.2f} ms of "
          f"a {step * 1e3:.2f} ms step = {100 * load / step:.1f}% (target < 15%)")


if __name__ == "__main__":
    main()

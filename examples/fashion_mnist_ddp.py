"""Data-parallel training on Fashion-MNIST with DistributedDataParallel.

    torcia-run --nproc-per-node 2 examples/fashion_mnist_ddp.py --epochs 3
    python examples/fashion_mnist_ddp.py --epochs 3        # one process, the same training

Each of the N ranks trains a replica of the model on 1/N of every batch (DistributedSampler
hands out the shares); DistributedDataParallel averages the gradients in backward, so every
replica takes the step one process would take on the whole batch: both commands end at the
same test accuracy. ``--batch-size`` is the global batch. The test set is split between the
ranks too, and the counts are summed with all_reduce. The models are the main job's
(examples/fashion_mnist.py).
"""

import argparse
import os
import time

from fashion_mnist import MODELS, fashion_sets

import torcia as torch
import torcia.distributed as dist
import torcia.nn.functional as F
from torcia.nn.parallel import DistributedDataParallel as DDP
from torcia.utils.data import DataLoader, DistributedSampler, Subset


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=sorted(MODELS), default="cnn")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=64, help="global batch (all ranks)")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--data-root", default="data")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=0,
                   help="use only this many training and test images (0: all)")
    p.add_argument("--save", default="", help="rank 0 saves the trained model here")
    return p.parse_args(argv)


def datasets_(args, rank):
    if rank == 0:  # one rank fetches the files; the others wait, then read them
        fashion_sets(args)
    if dist.is_initialized():
        dist.barrier()
    return fashion_sets(args)


def evaluate(model, test, rank, world):
    """Loss and accuracy over the whole test set, each rank scoring every world-th image."""
    model.eval()
    loader = DataLoader(Subset(test, range(rank, len(test), world)), batch_size=1000)
    totals = torch.zeros(3, dtype=torch.float64)  # loss sum, correct, seen
    with torch.no_grad():
        for images, labels in loader:
            out = model(images)
            totals += torch.tensor([F.cross_entropy(out, labels, reduction="sum").item(),
                                    (out.argmax(1) == labels).sum().item(), labels.numel()],
                                   dtype=torch.float64)
    if dist.is_initialized():
        dist.all_reduce(totals)
    loss, correct, seen = totals.tolist()
    return loss / seen, 100.0 * correct / seen


def main(argv=None):
    args = parse_args(argv)
    if "RANK" in os.environ:  # started by torcia-run (or torchrun-style launchers)
        dist.init_process_group("mpi")
    rank = dist.get_rank() if dist.is_initialized() else 0
    world = dist.get_world_size() if dist.is_initialized() else 1
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} is not divisible by {world} ranks")
    torch.manual_seed(args.seed)
    train, test = datasets_(args, rank)
    # The same shuffled order on every rank (seed + epoch); rank r takes positions r, r + N...
    # so the N shares of step k together are the whole batch k of a one-process run.
    sampler = DistributedSampler(train, num_replicas=world, rank=rank, shuffle=True,
                                 seed=args.seed)
    loader = DataLoader(train, batch_size=args.batch_size // world, sampler=sampler)
    model = MODELS[args.model]()
    if dist.is_initialized():
        model = DDP(model)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    if rank == 0:
        print(f"{args.model} on {world} rank{'s' if world > 1 else ''}: {len(train)} training "
              f"images, global batch {args.batch_size} ({args.batch_size // world} per rank)",
              flush=True)
    acc = 0.0
    for epoch in range(1, args.epochs + 1):
        sampler.set_epoch(epoch)
        model.train()
        start = time.perf_counter()
        train_loss = torch.zeros(2, dtype=torch.float64)  # loss sum, images
        for images, labels in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            optimizer.step()
            train_loss += torch.tensor([loss.item() * len(labels), len(labels)],
                                       dtype=torch.float64)
        seconds = time.perf_counter() - start
        if dist.is_initialized():
            dist.all_reduce(train_loss)
        test_loss, acc = evaluate(model, test, rank, world)
        if rank == 0:
            print(f"epoch {epoch}/{args.epochs}: {len(train) / seconds:.0f} images/s, train "
                  f"loss {train_loss[0].item() / train_loss[1].item():.4f}, test loss "
                  f"{test_loss:.4f}, test accuracy {acc:.2f}%", flush=True)
    if rank == 0:
        print(f"final test accuracy {acc:.2f}%", flush=True)
        if args.save:
            net = model.module if isinstance(model, DDP) else model
            torch.save(net.state_dict(), args.save)
    if dist.is_initialized():
        dist.destroy_process_group()
    return acc


if __name__ == "__main__":
    main()

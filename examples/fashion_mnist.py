"""Train a network on Fashion-MNIST with torcia: the project's main job.

    python examples/fashion_mnist.py                  # CNN, 4 epochs: ~91% test accuracy
    python examples/fashion_mnist.py --resume         # continue from the best checkpoint
    python examples/fashion_mnist.py --model mlp --epochs 3

Shows a progress bar (loss, images/s), prints the test accuracy after every epoch, keeps the
best model in a checkpoint (saved atomically: a crash never leaves a broken file), and draws
the loss and accuracy curves to a PNG. The data comes from ``--data-root``; on a machine with
Debian's dataset-fashion-mnist package it is copied from there, else downloaded.
"""

import argparse
import math
import os
import time

import torcia as torch
import torcia.nn as nn
import torcia.nn.functional as F
from torcia.utils.data import DataLoader
from torcia.vision import datasets, transforms

# Fashion-MNIST's mean and standard deviation over the training images.
MEAN, STD = 0.2860, 0.3530


class CNN(nn.Module):
    """Two 3x3 convolutions with max pooling, then two linear layers."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 64, 3, padding=1)
        self.fc1 = nn.Linear(64 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, num_classes)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.fc1(x.flatten(1)))
        return self.fc2(x)


class MLP(nn.Module):
    """The seed notes' network: 784-300-10 with a ReLU."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.fc1 = nn.Linear(28 * 28, 300)
        self.fc2 = nn.Linear(300, num_classes)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x.flatten(1))))


def resnet18(num_classes=10):
    """torchvision's resnet18 with a 3x3 single-channel stem for 28x28 images."""
    from torcia.vision.models import resnet18 as tv_resnet18
    model = tv_resnet18(num_classes=num_classes)
    model.conv1 = nn.Conv2d(1, 64, 3, padding=1, bias=False)
    model.maxpool = nn.Identity()
    return model


MODELS = {"cnn": CNN, "mlp": MLP, "resnet18": resnet18}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=sorted(MODELS), default="cnn")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--data-root", default="data")
    p.add_argument("--out", default="runs/fashion_mnist",
                   help="folder for the checkpoint and the plot")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--workers", type=int, default=0, help="DataLoader worker processes")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from the best checkpoint")
    p.add_argument("--limit", type=int, default=0,
                   help="use only this many training and test images (0: all)")
    return p.parse_args(argv)


def fashion_sets(args):
    """The normalized training and test sets from ``--data-root`` (fetched there when
    missing), cut to ``--limit`` images each."""
    tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])
    train = datasets.FashionMNIST(args.data_root, train=True, download=True, transform=tf)
    test = datasets.FashionMNIST(args.data_root, train=False, download=True, transform=tf)
    if args.limit:
        train = torch.utils.data.Subset(train, range(min(args.limit, len(train))))
        test = torch.utils.data.Subset(test, range(min(args.limit, len(test))))
    return train, test


def loaders(args):
    train, test = fashion_sets(args)
    return (DataLoader(train, batch_size=args.batch_size, shuffle=True,
                       num_workers=args.workers),
            DataLoader(test, batch_size=1000, num_workers=args.workers))


def evaluate(model, loader, device):
    """Mean loss and accuracy (percent) over ``loader``."""
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            total_loss += F.cross_entropy(outputs, labels, reduction="sum").item()
            correct += (outputs.argmax(1) == labels).sum().item()
            seen += labels.numel()
    return total_loss / seen, 100.0 * correct / seen


def train_epoch(model, loader, optimizer, scheduler, device, epoch, epochs, history):
    from tqdm import tqdm
    model.train()
    bar = tqdm(loader, desc=f"epoch {epoch}/{epochs}", unit="batch", dynamic_ncols=True)
    start, seen = time.perf_counter(), 0
    for images, labels in bar:
        images, labels = images.to(device), labels.to(device)
        loss = F.cross_entropy(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        seen += labels.numel()
        history["train_loss"].append(loss.item())
        bar.set_postfix(loss=f"{loss.item():.4f}",
                        img_s=f"{seen / (time.perf_counter() - start):.0f}")


def save_plot(history, path):
    """Training loss per step (with a moving average) and test accuracy per epoch."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
    losses = np.asarray(history["train_loss"])
    window = max(1, len(losses) // 50)
    smooth = np.convolve(losses, np.ones(window) / window, mode="valid")
    ax1.plot(losses, color="lightsteelblue", label="batch loss")
    ax1.plot(np.arange(window - 1, len(losses)), smooth, color="navy",
             label=f"mean of {window} batches")
    ax1.set_xlabel("training step")
    ax1.set_ylabel("cross-entropy loss")
    ax1.legend()
    epochs = np.arange(1, len(history["test_acc"]) + 1)
    ax2.plot(epochs, history["test_acc"], "o-", color="darkred")
    ax2.set_xticks(epochs)
    ax2.set_xlabel("epoch")
    ax2.set_ylabel("test accuracy (%)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    ckpt_path = os.path.join(args.out, "best.pt")
    plot_path = os.path.join(args.out, "curves.png")
    torch.manual_seed(args.seed)
    device = torch.device(args.device)

    train_loader, test_loader = loaders(args)
    model = MODELS[args.model]().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    # the learning rate falls along a cosine from --lr to 0 over the whole run
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(
        optimizer, T_max=args.epochs * len(train_loader))
    history = {"train_loss": [], "test_loss": [], "test_acc": []}
    first_epoch, best_acc = 1, -math.inf
    if args.resume and os.path.exists(ckpt_path):
        ckpt = torch.load(ckpt_path)
        if ckpt["model_name"] != args.model:
            raise SystemExit(f"{ckpt_path} holds a {ckpt['model_name']} model, not {args.model}")
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        scheduler.load_state_dict(ckpt["scheduler"])
        scheduler.T_max = args.epochs * len(train_loader)  # --epochs may extend the run
        torch.set_rng_state(ckpt["rng_state"])
        history, best_acc = ckpt["history"], ckpt["best_acc"]
        first_epoch = ckpt["epoch"] + 1
        print(f"resumed from {ckpt_path} after epoch {ckpt['epoch']} "
              f"(test accuracy {best_acc:.2f}%)")

    n_params = sum(p.numel() for p in model.parameters())
    print(f"{args.model}: {n_params:,} parameters, {len(train_loader.dataset)} training and "
          f"{len(test_loader.dataset)} test images, device {device}")
    for epoch in range(first_epoch, args.epochs + 1):
        train_epoch(model, train_loader, optimizer, scheduler, device, epoch, args.epochs,
                    history)
        test_loss, test_acc = evaluate(model, test_loader, device)
        history["test_loss"].append(test_loss)
        history["test_acc"].append(test_acc)
        print(f"epoch {epoch}/{args.epochs}: test loss {test_loss:.4f}, "
              f"test accuracy {test_acc:.2f}%")
        if test_acc > best_acc:
            best_acc = test_acc
            torch.save({"model_name": args.model, "model": model.state_dict(),
                        "optimizer": optimizer.state_dict(),
                        "scheduler": scheduler.state_dict(), "epoch": epoch,
                        "best_acc": best_acc, "history": history,
                        "rng_state": torch.get_rng_state()}, ckpt_path)
            print(f"saved the best model so far to {ckpt_path}")
        save_plot(history, plot_path)
    print(f"best test accuracy {best_acc:.2f}%; checkpoint {ckpt_path}; curves {plot_path}")
    return best_acc


if __name__ == "__main__":
    main()

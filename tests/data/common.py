"""Structural comparison of torcia and PyTorch results (dicts and named tuples included)."""

import collections

import numpy as np
import torch

import torcia
from tests.same import run


def canon(x):
    """A comparable picture of ``x``: tensors by dtype, shape, contiguity and values."""
    if isinstance(x, (torch.Tensor, torcia.Tensor)):
        arr = x.detach().cpu()
        if str(arr.dtype) == "torch.bfloat16":
            arr = arr.float()
        return ("Tensor", str(x.dtype), tuple(x.shape), x.is_contiguous(),
                np.asarray(arr.numpy()).tolist())
    if isinstance(x, collections.abc.Mapping):
        return (type(x).__name__, [(k, canon(v)) for k, v in x.items()])
    if isinstance(x, (list, tuple)):
        return (type(x).__name__, [canon(v) for v in x])
    if isinstance(x, np.ndarray):
        return ("ndarray", str(x.dtype), x.tolist())
    return (type(x).__name__, x)


def same_structure(fn):
    """``fn(torcia)`` and ``fn(torch)`` give equal canonical results (or the same error)."""
    ek, ev, _ = run(fn, torch)
    ak, av, _ = run(fn, torcia)
    assert ak == ek, f"torcia: {ak} {av!r}; torch: {ek} {ev!r}"
    if ek == "error":
        assert type(av).__name__ == type(ev).__name__ and str(av) == str(ev), (av, ev)
        return av
    assert canon(av) == canon(ev), f"\n{canon(av)}\n!= torch's\n{canon(ev)}"
    return av

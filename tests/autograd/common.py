"""Helpers for the autograd tests: run one function on torch and on torcia and compare.

Every check runs the same code with ``lib`` = torch (the oracle) and ``lib`` = torcia:

- ``same(fn)``: ``fn(lib)`` returns a nest of tensors, numbers, strings, bools and None;
  tensors compare by shape, dtype, values and requires_grad.
- ``same_error(fn)``: both raise; same exception type and message (or a regex).
- ``graph(t)``: a tensor's grad_fn as nested (name, children) tuples, for structure checks.
"""

import re

import numpy as np
import torch

import torcia

LIBS = (torch, torcia)


def arr(*shape, seed=0, low=-2.0, high=2.0, dtype=np.float64):
    """A reproducible random array."""
    return np.random.default_rng(seed).uniform(low, high, shape).astype(dtype)


def T(lib, a, requires_grad=True, dtype=None):
    """A fresh leaf of ``lib`` with ``a``'s values (a NumPy array, list or number)."""
    t = lib.tensor(np.array(a, copy=True), dtype=dtype)
    return t.requires_grad_(requires_grad) if requires_grad else t


def to_np(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        return (t.float() if t.dtype == torch.bfloat16 else t).numpy().copy()
    t = t.detach()
    return np.array((t.float() if t.dtype == torcia.bfloat16 else t).numpy(), copy=True)


def _compare(a, e, path, atol, rtol):
    if isinstance(e, torch.Tensor):
        assert isinstance(a, torcia.Tensor), f"{path}: {type(a).__name__}, torch gives a Tensor"
        assert tuple(a.shape) == tuple(e.shape), f"{path}: shape {tuple(a.shape)} != " \
                                                 f"torch's {tuple(e.shape)}"
        assert str(a.dtype) == str(e.dtype), f"{path}: dtype {a.dtype} != torch's {e.dtype}"
        assert a.requires_grad == e.requires_grad, \
            f"{path}: requires_grad {a.requires_grad} != torch's {e.requires_grad}"
        np.testing.assert_allclose(to_np(a), to_np(e), atol=atol, rtol=rtol, equal_nan=True,
                                   err_msg=path)
    elif isinstance(e, (tuple, list)):
        assert isinstance(a, (tuple, list)) and len(a) == len(e), \
            f"{path}: {a!r} != torch's {e!r}"
        for i, (x, y) in enumerate(zip(a, e)):
            _compare(x, y, f"{path}[{i}]", atol, rtol)
    elif isinstance(e, dict):
        assert isinstance(a, dict) and a.keys() == e.keys(), f"{path}: {a!r} != torch's {e!r}"
        for k in e:
            _compare(a[k], e[k], f"{path}[{k!r}]", atol, rtol)
    elif isinstance(e, float):
        assert isinstance(a, (int, float)), f"{path}: {a!r} != torch's {e!r}"
        np.testing.assert_allclose(a, e, atol=atol, rtol=rtol, err_msg=path)
    else:
        assert a == e, f"{path}: {a!r} != torch's {e!r}"


def same(fn, atol=1e-6, rtol=1e-6):
    """``fn(torcia)`` equals ``fn(torch)``; returns both results (torch's first)."""
    expected = fn(torch)
    actual = fn(torcia)
    _compare(actual, expected, "result", atol, rtol)
    return expected, actual


def error_of(fn, lib):
    try:
        fn(lib)
    except Exception as e:  # noqa: BLE001 - the oracle's exception, whatever its type
        return e
    return None


def same_error(fn, match=None):
    """Both libraries raise from ``fn(lib)``: same type, and torch's message (exactly, or the
    regex ``match`` when given, which torch's message must match too). Returns torcia's."""
    expected = error_of(fn, torch)
    assert expected is not None, "torch raised no error"
    actual = error_of(fn, torcia)
    assert actual is not None, f"torcia raised no error; torch raised {expected!r}"
    assert type(actual).__name__ == type(expected).__name__, \
        f"torcia raised {type(actual).__name__}: {actual}; torch raised " \
        f"{type(expected).__name__}: {expected}"
    if match is None:
        assert str(actual) == str(expected), \
            f"message\n{str(actual)!r}\n!= torch's\n{str(expected)!r}"
    else:
        assert re.search(match, str(expected)), f"torch's message {str(expected)!r} !~ {match!r}"
        assert re.search(match, str(actual)), f"message {str(actual)!r} !~ {match!r}"
    return actual


def graph(t, depth=8):
    """``t.grad_fn`` as nested ``(name, (children...))``; None for no node."""
    fn = t.grad_fn if not isinstance(t, tuple) else t[0]
    return _node_sig(fn, depth)


def _node_sig(fn, depth):
    if fn is None:
        return None
    name = fn.name()
    if depth == 0:
        return name
    return (name, tuple(_node_sig(n, depth - 1) for n, _ in fn.next_functions))


def grads(*tensors):
    """The ``.grad`` of each tensor (None where unset)."""
    return tuple(t.grad for t in tensors)

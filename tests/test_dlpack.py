"""DLPack and NumPy interop against PyTorch: zero-copy exchange both ways, every dtype
(bfloat16 too), non-contiguous tensors, capsules, and NumPy functions taking tensors."""

import numpy as np
import pytest
import torch

import torcia
from torcia.utils import dlpack

from .same import compare, same

DTYPES = ["float32", "float64", "float16", "bfloat16", "complex64", "complex128", "int8",
          "int16", "int32", "int64", "uint8", "bool"]


def sample(lib, dtype):
    x = lib.arange(12).reshape(3, 4) % 5
    return (x > 1) if dtype == "bool" else x.to(getattr(lib, dtype))


def layouts(x):
    return {"plain": x, "transposed": x.t(), "sliced": x[1:, ::2], "0-dim": x[1, 1],
            "empty": x[:0]}


@pytest.mark.parametrize("dtype", DTYPES)
def test_torch_to_torcia_zero_copy(dtype):
    base = sample(torch, dtype)
    for name, t in layouts(base).items():
        ours = torcia.from_dlpack(t)
        compare(ours, t, name)
        if t.numel():
            assert ours.data_ptr() == t.data_ptr(), name
    ours = torcia.from_dlpack(base)
    base[0, 0] = 1 if dtype != "bool" else False  # the same memory: seen through both
    compare(ours, base)


@pytest.mark.parametrize("dtype", DTYPES)
def test_torcia_to_torch_zero_copy(dtype):
    ours = sample(torcia, dtype)
    for name, t in layouts(ours).items():
        theirs = torch.from_dlpack(t)
        compare(t, theirs, name)
        if t.numel():
            assert theirs.data_ptr() == t.data_ptr(), name
    theirs = torch.from_dlpack(ours)
    ours[0, 0] = 1 if dtype != "bool" else False
    compare(ours, theirs)


def test_numpy_zero_copy_both_ways():
    t = torcia.arange(6.).reshape(2, 3)
    a = np.from_dlpack(t)
    a[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    b = np.arange(4, dtype=np.int16)
    u = torcia.from_dlpack(b)
    u.add_(1)
    assert b.tolist() == [1, 2, 3, 4] and u.dtype is torcia.int16
    assert np.shares_memory(np.from_dlpack(t.t()), t.numpy())


def test_capsules_and_device():
    cap = dlpack.to_dlpack(torcia.arange(3.))
    assert torch.from_dlpack(cap).tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(ValueError, match="consumed only once"):
        torcia.from_dlpack(cap)
    theirs = torch.utils.dlpack.to_dlpack(torch.arange(4, dtype=torch.bfloat16))
    compare(dlpack.from_dlpack(theirs), torch.arange(4, dtype=torch.bfloat16))
    assert tuple(map(int, torcia.ones(1).__dlpack_device__())) == \
        tuple(map(int, torch.ones(1).__dlpack_device__()))
    assert torcia.from_dlpack(torch.ones(2), copy=True).data_ptr() != 0
    with pytest.raises(TypeError, match="__dlpack__"):
        torcia.from_dlpack([1, 2])


def test_copy_argument():
    t = torch.arange(3.)
    copied = torcia.from_dlpack(t, copy=True)
    t[0] = 9.0
    assert copied[0].item() == 0.0


def test_requires_grad_refused_as_torch_does():
    same(lambda lib: lib.ones(2, requires_grad=True).__dlpack__())
    same(lambda lib: lib.from_dlpack(lib.ones(2, requires_grad=True).detach()))


# NumPy functions given tensors behave as they do with PyTorch's (results and errors)
NUMPY_CASES = {
    "asarray": lambda lib: np.asarray(lib.arange(6.).reshape(2, 3)),
    "array dtype": lambda lib: np.array(lib.arange(3), dtype=np.float64),
    "sum": lambda lib: np.sum(lib.arange(6.).reshape(2, 3)),
    "sum axis": lambda lib: np.sum(lib.arange(6.).reshape(2, 3), axis=0),
    "mean": lambda lib: np.mean(lib.arange(6.)),
    "mean axis": lambda lib: np.mean(lib.ones(2, 3), axis=1),
    "exp": lambda lib: np.exp(lib.arange(3.)),
    "abs": lambda lib: np.abs(lib.tensor([-1.0, 2.0])),
    "add": lambda lib: np.add(lib.arange(3.), 1),
    "greater": lambda lib: np.greater(lib.arange(3.), 1),
    "concatenate": lambda lib: np.concatenate([lib.ones(2), lib.zeros(2)]),
    "stack": lambda lib: np.stack([lib.ones(2), lib.zeros(2)]),
    "dot": lambda lib: np.dot(lib.arange(3.), lib.arange(3.)),
    "matmul": lambda lib: np.matmul(lib.ones(2, 2), lib.ones(2, 2)),
    "allclose": lambda lib: np.allclose(lib.ones(2), lib.ones(2)),
    "isclose": lambda lib: np.isclose(lib.ones(2), lib.ones(2)),
    "where": lambda lib: np.where(lib.tensor([True, False]), 1, 0),
    "argmax": lambda lib: np.argmax(lib.tensor([1.0, 5.0, 2.0])),
    "reshape": lambda lib: np.reshape(lib.arange(6.), (2, 3)),
    "transpose": lambda lib: np.transpose(lib.arange(6.).reshape(2, 3)),
    "sort": lambda lib: np.sort(lib.tensor([3.0, 1.0, 2.0])),
    "clip": lambda lib: np.clip(lib.arange(5.), 1, 3),
    "cumsum": lambda lib: np.cumsum(lib.arange(4.)),
    "histogram": lambda lib: np.histogram(lib.arange(6.), bins=3),
    "unique": lambda lib: np.unique(lib.tensor([1, 1, 2])),
    "norm": lambda lib: np.linalg.norm(lib.tensor([3.0, 4.0])),
    "float of product": lambda lib: float(np.float64(2) * lib.tensor(3.0)),
    "assert_allclose": lambda lib: np.testing.assert_allclose(lib.ones(2), lib.ones(2)),
    "requires grad": lambda lib: np.asarray(lib.ones(2, requires_grad=True)),
    "shares memory": lambda lib: np.shares_memory(np.asarray(x := lib.ones(3)), x.numpy()),
}


@pytest.mark.parametrize("name", list(NUMPY_CASES))
def test_numpy_functions_accept_tensors(name):
    same(NUMPY_CASES[name])


@pytest.mark.parametrize("fn", [np.max, np.prod, np.std])
def test_numpy_reductions_refused_as_in_torch(fn):
    # NumPy calls t.max(axis=None, out=None, ...): both libraries raise TypeError
    for lib in (torch, torcia):
        with pytest.raises(TypeError):
            fn(lib.arange(1.0, 4.0))

"""Sorting and searching against PyTorch: sort, argsort, msort, topk, kthvalue, unique,
unique_consecutive, searchsorted, bucketize."""

import numpy as np
import pytest
import torch

import torcia

from .opcheck import check, check_error

TIES = np.array([[1, 2, 2, 1, 2], [0, 0, 3, 3, 0]])
NAN = np.array([1.0, np.nan, 2.0, -np.inf, np.nan, 0.0, -0.0])


# -- sort / argsort / msort ------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", [((5,), 0), ((3, 4), -1), ((3, 4), 0), ((2, 3, 4), 1),
                                       ((), 0), ((0, 3), 0)])
@pytest.mark.parametrize("descending", [False, True])
def test_sort(shape, dim, descending):
    check(lambda lib, x: lib.sort(x, dim, descending), [shape])
    check(lambda lib, x: x.sort(dim=dim, descending=descending, stable=True), [shape],
          dtype="float64")


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", ["int64", "int32", "bool", "uint8"])
def test_sort_ties_stable(descending, dtype):
    """Equal elements keep their original order, ascending and descending."""
    arr = TIES.astype(dtype)
    check(lambda lib, x: (lib.sort(x, descending=descending, stable=True),
                          lib.argsort(x, dim=-1, descending=descending, stable=True),
                          x.sort(0, descending)), [arr], dtype=dtype, grad=False)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_low_precision(dtype):
    arr = np.array([[3.0, -1.0, 2.5, 0.5, 7.0, np.nan], [1.0, 4.0, -2.0, 6.0, 0.0, 8.0]])
    check(lambda lib, x: (lib.sort(x, descending=True), lib.topk(x, 2), lib.kthvalue(x, 2),
                          lib.unique(x), lib.argsort(x, stable=True),
                          lib.searchsorted(x[1:, :3].sort().values, x[1:])),
          [arr.astype(np.float32)], dtype=dtype, grad=False)


def test_sort_nan():
    check(lambda lib, x: (lib.sort(x), lib.sort(x, descending=True), x.argsort(stable=True)),
          [NAN], gradcheck=False)


@pytest.mark.parametrize("shape,dim", [((6,), 0), ((3, 4), 1), ((3, 4), -2), ((), 0)])
def test_argsort(shape, dim):
    check(lambda lib, x: (lib.argsort(x, dim), x.argsort(dim, True),
                          lib.argsort(x, dim=dim, descending=True, stable=True)), [shape],
          grad=False)


@pytest.mark.parametrize("shape", [(5,), (4, 3), (2, 3, 2)])
def test_msort(shape):
    check(lambda lib, x: lib.msort(x), [shape])
    check(lambda lib, x: x.msort(), [shape], dtype="float64")


def test_results_contiguous():
    """Results are contiguous, as PyTorch's, so view() works on them."""
    check(lambda lib, x: (lib.topk(x, 2).values.view(-1), lib.kthvalue(x, 2, 0).values.view(-1),
                          lib.sort(x, 0).values.view(-1), lib.topk(x, 2, 0).indices.view(-1)),
          [(3, 5)])
    for shape, dim in (((2, 3), 1), ((2, 3, 4), 1), ((3, 2), 0)):
        for fn in ("unique", "unique_consecutive"):
            strides = [getattr(lib, fn)(lib.zeros(shape, dtype=lib.int64), dim=dim).stride()
                       for lib in (torch, torcia)]
            assert strides[0] == strides[1], (fn, shape, dim, strides)


def test_sort_named_tuple():
    for lib in (torch, torcia):
        r = lib.sort(lib.tensor([3.0, 1.0, 2.0]))
        values, indices = r
        assert type(r).__name__ == "sort" and r.values is values and r.indices is indices
        assert repr(r).startswith("torch.return_types.sort(\nvalues=tensor(")
    assert repr(torcia.sort(torcia.tensor([3.0, 1.0]))) == repr(torch.sort(torch.tensor([3.0,
                                                                                       1.0])))


def test_sort_nodes():
    x = torcia.tensor([3.0, 1.0, 2.0], requires_grad=True)
    assert torcia.sort(x).values.grad_fn.name() == "SortBackward0"
    assert torcia.sort(x, stable=True).values.grad_fn.name() == "SortBackward1"
    assert torcia.msort(x).grad_fn.name() == "SortBackward0"
    assert torcia.topk(x, 2).values.grad_fn.name() == "TopkBackward0"
    assert torcia.kthvalue(x, 2).values.grad_fn.name() == "KthvalueBackward0"
    assert torcia.sort(x).indices.grad_fn is None


def test_sort_double_backward():
    check(lambda lib, x: lib.autograd.grad((lib.sort(x, 1).values ** 2 * lib.arange(4.0)).sum(),
                                           x, create_graph=True)[0], [(3, 4)])


def test_sort_errors():
    check_error(lambda lib, x: lib.sort(x, 5), [(3, 4)])
    check_error(lambda lib, x: lib.argsort(x, -3), [(3, 4)])


# -- topk / kthvalue -------------------------------------------------------------------------
@pytest.mark.parametrize("shape,k,dim", [((6,), 3, 0), ((3, 5), 2, -1), ((3, 5), 3, 0),
                                         ((2, 3, 4), 4, 2), ((3, 4), 0, 1), ((3, 4), 4, 1),
                                         ((), 1, 0), ((), 0, 0)])
@pytest.mark.parametrize("largest", [True, False])
def test_topk(shape, k, dim, largest):
    check(lambda lib, x: lib.topk(x, k, dim, largest), [shape])
    check(lambda lib, x: x.topk(k, dim=dim, largest=largest, sorted=True), [shape],
          dtype="float64")


def test_topk_unsorted():
    """sorted=False leaves the order to the implementation: compare the sorted selection."""
    check(lambda lib, x: lib.sort(lib.topk(x, 3, sorted=False).values).values, [(4, 7)])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_topk_kthvalue_int(dtype):
    arr = np.array([[5, 1, 9, 3], [2, 8, 0, 7]], dtype)
    check(lambda lib, x: (lib.topk(x, 2), lib.topk(x, 3, largest=False), lib.kthvalue(x, 2),
                          lib.kthvalue(x, 1, 0, True)), [arr], dtype=dtype, grad=False)


def test_topk_nan():
    arr = np.array([1.0, np.nan, 2.0, -1.0])
    check(lambda lib, x: (lib.topk(x, 2), lib.topk(x, 2, largest=False), lib.kthvalue(x, 4),
                          lib.kthvalue(x, 2)), [arr], gradcheck=False)


@pytest.mark.parametrize("shape,k,dim", [((6,), 3, 0), ((3, 5), 2, -1), ((3, 5), 3, 0),
                                         ((2, 3, 4), 4, 2), ((2, 3, 4), 1, 0), ((), 1, 0)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_kthvalue(shape, k, dim, keepdim):
    check(lambda lib, x: lib.kthvalue(x, k, dim, keepdim), [shape])
    check(lambda lib, x: x.kthvalue(k, dim=dim, keepdim=keepdim), [shape], dtype="float64")


@pytest.mark.parametrize("fn", [
    lambda lib, x: lib.topk(x, 5),
    lambda lib, x: lib.topk(x, -1),
    lambda lib, x: lib.topk(x, 4, dim=0),
    lambda lib, x: lib.topk(x, 1, dim=2),
    lambda lib, x: lib.kthvalue(x, 5),
    lambda lib, x: lib.kthvalue(x, 0),
    lambda lib, x: lib.kthvalue(x, 4, 0),
    lambda lib, x: lib.kthvalue(x, 1, dim=3),
])
def test_topk_kthvalue_errors(fn):
    check_error(fn, [(3, 4)])


# -- unique / unique_consecutive -------------------------------------------------------------
U = np.array([[3, 1, 2], [2, 3, 1], [3, 1, 2], [0, 0, 0]])


@pytest.mark.parametrize("inv", [False, True])
@pytest.mark.parametrize("counts", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_unique(inv, counts, dim):
    check(lambda lib, x: lib.unique(x, return_inverse=inv, return_counts=counts, dim=dim),
          [U], dtype="int64", grad=False)
    check(lambda lib, x: x.unique(sorted=True, return_inverse=inv, return_counts=counts,
                                  dim=dim), [U.astype(np.float32)], grad=False)


@pytest.mark.parametrize("arr", [np.array([1.0, np.nan, np.nan, 1.0, -0.0, 0.0]),
                                 np.array([True, False, True]), np.array(5),
                                 np.zeros(0, np.float32), np.array([[2, 1], [1, 2]])])
def test_unique_values(arr):
    check(lambda lib, x: (lib.unique(x), lib.unique(x, return_inverse=True, return_counts=True),
                          lib.unique(x, sorted=False)), [arr], dtype=str(arr.dtype), grad=False)


C = np.array([[1, 1], [1, 1], [2, 3], [2, 3], [1, 1], [0, 1]])


@pytest.mark.parametrize("inv", [False, True])
@pytest.mark.parametrize("counts", [False, True])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_unique_consecutive(inv, counts, dim):
    check(lambda lib, x: lib.unique_consecutive(x, return_inverse=inv, return_counts=counts,
                                                dim=dim), [C], dtype="int64", grad=False)
    check(lambda lib, x: x.unique_consecutive(return_inverse=inv, return_counts=counts,
                                              dim=dim), [C.astype(np.float64)], grad=False)


@pytest.mark.parametrize("arr", [np.array([1.0, 1.0, np.nan, np.nan, 2.0]), np.array(5),
                                 np.zeros(0, np.int64), np.array([True, True, False])])
def test_unique_consecutive_values(arr):
    check(lambda lib, x: lib.unique_consecutive(x, return_inverse=True, return_counts=True),
          [arr], dtype=str(arr.dtype), grad=False)


def test_unique_no_derivative():
    """unique's output requires grad but its backward raises, as in PyTorch."""
    for fn in (lambda lib, x: lib.unique(x), lambda lib, x: lib.unique(x, dim=0),
               lambda lib, x: lib.unique_consecutive(x)):
        def run(lib, x, fn=fn):
            x.requires_grad_(True)
            out = fn(lib, x)
            assert out.requires_grad
            out.sum().backward()
        check_error(run, [(3, 4)])
    x = torcia.ones(3, requires_grad=True)
    assert torcia.unique(x).grad_fn.name() == "Unique2Backward0"
    assert torcia.unique(x, dim=0).grad_fn.name() == "UniqueDimBackward0"
    assert torcia.unique_consecutive(x).grad_fn.name() == "UniqueConsecutiveBackward0"


def test_unique_errors():
    check_error(lambda lib, x: lib.unique(x, dim=2), [U], dtype="int64")
    check_error(lambda lib, x: lib.unique_consecutive(x, dim=-3), [U], dtype="int64")


# -- searchsorted / bucketize ----------------------------------------------------------------
B = np.array([1, 3, 5, 7])
B2 = np.array([[1, 3, 5, 7], [2, 4, 6, 8]])
V = np.array([3, 6, 9, 0, 1])
V2 = np.array([[3, 6, 9], [3, 6, 9]])


@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("b,v", [(B, V), (B, V2), (B2, V2), (B.astype(np.float32), V),
                                 (B, np.array([2.5, 3.0, 7.5], np.float32)),
                                 (B.astype(np.float64), np.array(3.0))])
def test_searchsorted(right, b, v):
    check(lambda lib, b, v: (lib.searchsorted(b, v, right=right),
                             lib.searchsorted(b, v, side="right" if right else "left",
                                              out_int32=True)), [b, v], grad=False)


def test_searchsorted_scalar_and_sorter():
    check(lambda lib, b: (lib.searchsorted(b, 3), lib.searchsorted(b, 3, right=True),
                          lib.searchsorted(b, 4.5)), [B], grad=False)
    s = np.array([5, 1, 3, 7])
    check(lambda lib, b, v, i: lib.searchsorted(b, v, sorter=i),
          [s, V, np.argsort(s, kind="stable")], grad=False)


@pytest.mark.parametrize("right", [False, True])
def test_bucketize(right):
    check(lambda lib, v, b: (lib.bucketize(v, b, right=right),
                             lib.bucketize(v, b, out_int32=True, right=right),
                             lib.bucketize(3, b, right=right)), [V2, B], grad=False)
    check(lambda lib, v, b: lib.bucketize(v, b), [np.array([0.5, 3.0, 9.0]), B], grad=False)


@pytest.mark.parametrize("fn", [
    lambda lib, b, v: lib.searchsorted(b, v, side="left", right=True),
    lambda lib, b, v: lib.searchsorted(b, v, side="middle"),
    lambda lib, b, v: lib.searchsorted(b.reshape(2, 2), v),
    lambda lib, b, v: lib.searchsorted(b.reshape(2, 2), lib.tensor(2.5)),
    lambda lib, b, v: lib.searchsorted(b[0], v),
    lambda lib, b, v: lib.searchsorted(b, v, sorter=lib.tensor([1, 2, 0])),
    lambda lib, b, v: lib.bucketize(v, b.reshape(1, 4)),
])
def test_search_errors(fn):
    check_error(fn, [B, V])

"""Reductions, scans and softmax against PyTorch: values, dtypes, gradients, gradcheck."""

import pickle
import warnings

import numpy as np
import pytest
import torch

import torcia

from .opcheck import check, check_error

FLOATS = ["float32", "float64"]
# (shape, dim) pairs for ops taking an int or a tuple of dims
DIMS = [((), None), ((), 0), ((5,), None), ((5,), 0), ((5,), -1), ((3, 4), None), ((3, 4), 0),
        ((3, 4), -1), ((3, 4), (0, 1)), ((2, 3, 4), (0, 2)), ((2, 3, 4), 1), ((2, 3, 4), (-1,))]
# (shape, dim) pairs for ops taking one int dim
DIM1 = [((), 0), ((5,), 0), ((5,), -1), ((3, 4), 0), ((3, 4), 1), ((2, 3, 4), 1),
        ((2, 3, 4), -1)]

TIES = np.array([[1., 3., 3., 0.], [2., 2., 1., 2.], [0.5, 0.5, 0.5, 0.5]])
ZEROS = {
    "one": np.array([[1.5, 0., 2.], [0.5, -1., 3.]]),
    "two_in_slice": np.array([[0., 2., 0., 1.5], [1., -0.5, 2., 1.2]]),
    "all_zero_row": np.array([[0., 0., 0.], [1.1, 0.9, -1.3]]),
    "first_last": np.array([[0., 1.5, 2., 0.], [0.7, 0., 1.3, 1.1]]),
}


def _warnings_off(fn):
    def wrapped(lib, *xs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(lib, *xs)
    return wrapped


# -- sums, means, statistics over int or tuple dims -------------------------------------------
DIM_OPS = {
    "sum": lambda lib, x, d, k: lib.sum(x, d, keepdim=k),
    "mean": lambda lib, x, d, k: lib.mean(x, d, keepdim=k),
    "nansum": lambda lib, x, d, k: lib.nansum(x, d, keepdim=k),
    "nanmean": lambda lib, x, d, k: lib.nanmean(x, d, keepdim=k),
    "amax": lambda lib, x, d, k: lib.amax(x, () if d is None else d, keepdim=k),
    "amin": lambda lib, x, d, k: lib.amin(x, () if d is None else d, keepdim=k),
    "std": lambda lib, x, d, k: lib.std(x, d, keepdim=k),
    "var": lambda lib, x, d, k: lib.var(x, d, keepdim=k, correction=0),
    "std_mean": lambda lib, x, d, k: lib.std_mean(x, d, keepdim=k, correction=0),
    "var_mean": lambda lib, x, d, k: lib.var_mean(x, d, keepdim=k),
    "logsumexp": lambda lib, x, d, k: lib.logsumexp(x, (0,) if d is None and x.ndim else
                                                    0 if d is None else d, keepdim=k),
    "norm": lambda lib, x, d, k: lib.norm(x, dim=d, keepdim=k),
    "norm1": lambda lib, x, d, k: lib.norm(x, 1, d, k),
    "norm3": lambda lib, x, d, k: lib.norm(x, 3, d, k),
    "norm0.5": lambda lib, x, d, k: lib.norm(x, 0.5, d, k),
    "norm1.5": lambda lib, x, d, k: lib.norm(x, 1.5, d, k),
    "norminf": lambda lib, x, d, k: lib.norm(x, float("inf"), d, k),
    "norm-inf": lambda lib, x, d, k: lib.norm(x, float("-inf"), d, k),
}


@pytest.mark.parametrize("shape,dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", list(DIM_OPS))
def test_dim_ops(op, shape, dim, keepdim, dtype):
    fn = DIM_OPS[op]
    if op in ("std", "std_mean", "var_mean") and np.prod(shape) == 1:
        pytest.skip("one element: std is 0 (no gradient) and Bessel's variance is NaN")
    check(_warnings_off(lambda lib, x: fn(lib, x, dim, keepdim)), [shape], dtype=dtype)


@pytest.mark.parametrize("op", ["sum", "mean", "nansum", "nanmean", "amax", "amin", "std",
                                "var", "logsumexp", "norm", "norminf"])
def test_ties_and_nan_free_ties(op):
    check(lambda lib, x: DIM_OPS[op](lib, x, 1, False), None, arrays=[TIES.copy()],
          dtype="float64", gradcheck=False)


def test_nan_ops_with_nans():
    a = np.array([[1., np.nan, 3.], [np.nan, np.nan, np.nan], [0.5, -1., 2.]])
    for dim in (None, 0, 1, (0, 1)):
        check(lambda lib, x, dim=dim: lib.nansum(x, dim), None, arrays=[a.copy()], dtype="float64")
        check(lambda lib, x, dim=dim: lib.nanmean(x, dim), None, arrays=[a.copy()], dtype="float64",
              gradcheck=False)
    check(lambda lib, x: lib.sum(x, 1), None, arrays=[a.copy()], gradcheck=False)  # NaN
    check(lambda lib, x: lib.max(x), None, arrays=[a.copy()], gradcheck=False)


def test_sum_variants():
    check(lambda lib, x: lib.sum(x, dim=None, keepdim=True), [(3, 4)])
    check(lambda lib, x: lib.sum(x, dim=()), [(3, 4)])
    check(lambda lib, x: lib.sum(x, []), [(3, 4)])
    check(lambda lib, x: x.sum([0, 1], True), [(3, 4)])
    check(lambda lib, x: lib.sum(x, 1, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: lib.mean(x, (0, 1), keepdim=True, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: x.mean(dim=None, keepdim=True), [(3, 4)])


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "bool", "int8"])
def test_int_sums(dtype):
    for fn in (lambda lib, x: lib.sum(x), lambda lib, x: lib.sum(x, 1),
               lambda lib, x: lib.prod(x), lambda lib, x: lib.prod(x, 0, True),
               lambda lib, x: lib.nansum(x, 0), lambda lib, x: lib.cumsum(x, 1),
               lambda lib, x: lib.cumprod(x, 0), lambda lib, x: lib.count_nonzero(x, 0),
               lambda lib, x: lib.mean(x, 1, dtype=lib.float32),
               lambda lib, x: lib.sum(x, 0, dtype=lib.float64),
               lambda lib, x: lib.cumsum(x, 0, dtype=lib.float32)):
        check(fn, [(3, 4)], dtype=dtype, grad=False)


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "int16"])
def test_int_extrema(dtype):
    for fn in (lambda lib, x: lib.max(x), lambda lib, x: lib.min(x, 1),
               lambda lib, x: lib.amax(x, 0), lambda lib, x: lib.amin(x, (0, 1)),
               lambda lib, x: lib.argmax(x, 1), lambda lib, x: lib.argmin(x),
               lambda lib, x: lib.aminmax(x, dim=0), lambda lib, x: lib.cummax(x, 1),
               lambda lib, x: lib.cummin(x, 0), lambda lib, x: lib.median(x, 1),
               lambda lib, x: lib.median(x), lambda lib, x: lib.mode(x, 0),
               lambda lib, x: lib.all(x, 1), lambda lib, x: lib.any(x),
               lambda lib, x: lib.logsumexp(x, 1)):
        check(fn, [(4, 5)], dtype=dtype, grad=False)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_accumulates_in_float32(dtype):
    big = np.full((2, 3000), 1.001, np.float32)
    for fn in (lambda lib, x: lib.sum(x), lambda lib, x: lib.mean(x, 1),
               lambda lib, x: lib.cumsum(x, 1)[:, -1], lambda lib, x: lib.softmax(x, 1)[:, :4],
               lambda lib, x: lib.std(x, 1), lambda lib, x: lib.norm(x)):
        check(fn, None, arrays=[big.copy()], dtype=dtype, grad=False, rtol=1e-2, atol=1e-2)
    check(lambda lib, x: lib.sum(x, 1), [(3, 4)], dtype=dtype, atol=1e-2, rtol=1e-2)


# -- prod and cumprod: gradients exact with zeros ---------------------------------------------
@pytest.mark.parametrize("shape,dim", DIM1)
@pytest.mark.parametrize("dtype", FLOATS)
def test_prod(shape, dim, dtype):
    check(lambda lib, x: lib.prod(x), [shape], dtype=dtype, low=0.5, high=1.5)
    check(lambda lib, x: lib.prod(x, dim), [shape], dtype=dtype)
    check(lambda lib, x: lib.prod(x, dim, keepdim=True), [shape], dtype=dtype)


@pytest.mark.parametrize("case", list(ZEROS))
def test_prod_cumprod_with_zeros(case):
    a = ZEROS[case]
    check(lambda lib, x: lib.prod(x), None, arrays=[a.copy()], dtype="float64")
    check(lambda lib, x: lib.prod(x, 1), None, arrays=[a.copy()], dtype="float64")
    check(lambda lib, x: lib.prod(x, 0, True), None, arrays=[a.copy()], dtype="float64")
    check(lambda lib, x: lib.cumprod(x, 1), None, arrays=[a.copy()], dtype="float64")
    check(lambda lib, x: lib.cumprod(x, 0), None, arrays=[a.copy()], dtype="float64")
    check(lambda lib, x: x.cumprod(-1), None, arrays=[a.astype(np.float32)])


def test_prod_dtype():
    check(lambda lib, x: lib.prod(x, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: lib.prod(x, 1, dtype=lib.float64), [(3, 4)])


# -- max, min and friends ---------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", DIM1)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["max", "min", "median", "nanmedian", "mode", "argmax",
                                "argmin"])
def test_index_reductions(op, shape, dim, keepdim, dtype):
    check(lambda lib, x: getattr(lib, op)(x, dim, keepdim), [shape], dtype=dtype)


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)])
@pytest.mark.parametrize("op", ["max", "min", "median", "nanmedian", "argmax", "argmin"])
def test_full_reductions(op, shape):
    check(lambda lib, x: getattr(lib, op)(x), [shape], dtype="float64")


@pytest.mark.parametrize("op", ["max", "min", "amax", "amin", "median", "nanmedian"])
def test_ties_split_evenly(op):
    check(lambda lib, x: getattr(lib, op)(x), None, arrays=[TIES.copy()], gradcheck=False)
    check(lambda lib, x: getattr(lib, op)(x[:, :3]), None, arrays=[TIES.copy()],
          gradcheck=False)


@pytest.mark.parametrize("op", ["max", "min", "median", "nanmedian", "mode", "argmax", "argmin",
                                "cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1])
def test_ties_along_dim(op, dim):
    check(lambda lib, x: getattr(lib, op)(x, dim), None, arrays=[TIES.copy()], gradcheck=False)


def test_with_nan():
    a = np.array([[1., np.nan, 3., np.nan, 0.], [2., 2., 1., 0., 5.], [np.nan] * 5])
    for op in ("max", "min", "argmax", "argmin", "median", "cummax", "cummin"):
        check(lambda lib, x, op=op: getattr(lib, op)(x, 1), None, arrays=[a.copy()],
              gradcheck=False)
    for op in ("median", "nanmedian", "amax", "max"):
        check(lambda lib, x, op=op: getattr(lib, op)(x[:2]), None, arrays=[a.copy()],
              gradcheck=False)
    # nanmedian's index in an all-NaN slice is whatever std::nth_element leaves: not checked
    check(lambda lib, x: lib.nanmedian(x[:2], 1), None, arrays=[a.copy()], gradcheck=False)
    check(lambda lib, x: lib.nanmedian(x[2:]), None, arrays=[a.copy()], gradcheck=False)
    check(lambda lib, x: lib.nanmedian(x, 1)[0], None, arrays=[a.copy()], grad=False)


def test_median_even_count_and_mode():
    check(lambda lib, x: lib.median(x), None, arrays=[np.array([4., 1., 3., 2.])])
    check(lambda lib, x: lib.median(x, 0), None, arrays=[np.array([4., 1., 3., 2., 2., 3.])],
          gradcheck=False)
    a = np.array([[3., 1., 3., 1., 2., 2.], [1., 1., 2., 2., 0., 0.], [5., 4., 4., 5., 5., 9.]])
    check(lambda lib, x: lib.mode(x), None, arrays=[a], gradcheck=False)
    check(lambda lib, x: x.mode(0, True), None, arrays=[a.copy()], gradcheck=False)


@pytest.mark.parametrize("shape,dim", [((3, 4), None), ((3, 4), 0), ((3, 4), -1), ((5,), 0),
                                       ((), None), ((2, 3, 4), 1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_aminmax(shape, dim, keepdim):
    check(lambda lib, x: lib.aminmax(x, dim=dim, keepdim=keepdim), [shape], dtype="float64")
    check(lambda lib, x: x.aminmax(dim=dim, keepdim=keepdim)[1], [shape])


def test_aminmax_ties():
    check(lambda lib, x: lib.aminmax(x, dim=1), None, arrays=[TIES.copy()], gradcheck=False)
    check(lambda lib, x: lib.aminmax(x), None, arrays=[TIES.copy()], gradcheck=False)


def test_bool_extrema():
    a = np.array([[True, False, True], [False, False, False]])
    for fn in (lambda lib, x: lib.max(x), lambda lib, x: lib.max(x, 1), lambda lib, x: x.min(0),
               lambda lib, x: lib.amax(x, 1), lambda lib, x: lib.all(x, 1),
               lambda lib, x: lib.any(x, 0), lambda lib, x: lib.cumsum(x, 1),
               lambda lib, x: lib.sum(x), lambda lib, x: lib.count_nonzero(x)):
        check(fn, None, arrays=[a.copy()], grad=False)


def test_max_binary_form():
    if not hasattr(torcia, "maximum"):
        pytest.skip("torcia.maximum (pointwise family) not present yet")
    check(lambda lib, x, y: lib.max(x, y), [(3, 4), (4,)])
    check(lambda lib, x, y: x.min(y), [(3, 4), (3, 4)])
    check(lambda lib, x, y: lib.max(x, other=y), [(3, 4), (3, 4)])


def test_argmax_keepdim_none():
    check(lambda lib, x: lib.argmax(x, keepdim=True), [(3, 4)], grad=False)
    check(lambda lib, x: x.argmin(dim=None, keepdim=True), [(2, 3, 4)], grad=False)


# -- std / var overloads ----------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    "x.std()", "x.std(0)", "x.std(0, True)", "x.std(1, False, True)", "x.std(True)",
    "x.std(False)", "x.std(unbiased=False)", "x.std(dim=0, correction=0)",
    "x.std(dim=None, correction=2)", "x.var((0, 1), False)", "x.var(1, keepdim=True)",
    "x.var(correction=1.5)", "lib.var(x, 0, False)", "lib.std(x, dim=(0,), correction=0)",
    "lib.std_mean(x)", "lib.std_mean(x, 0)", "lib.var_mean(x, 1, True, True)",
    "lib.var_mean(x, unbiased=False)", "lib.std_mean(x, dim=(0, 1), correction=0)",
    "lib.std_mean(x, 1)[0]", "lib.var_mean(x, 1)[1]"])
def test_std_var_overloads(call):
    check(lambda lib, x: eval(call), [(3, 4)], dtype="float64")


def test_std_degrees_of_freedom():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        check(lambda lib, x: lib.std(x), [(1,)], grad=False)
    with pytest.warns(UserWarning, match="var\\(\\): degrees of freedom"):
        check(lambda lib, x: lib.var(x, 0, correction=3), [(2, 3)], grad=False)


def test_std_zero_spread_gradient():
    check(lambda lib, x: lib.std(x, 1), None, arrays=[np.array([[2., 2., 2.], [1., 2., 3.]])],
          gradcheck=False)


# -- logsumexp, softmax -----------------------------------------------------------------------
def test_logsumexp_stable():
    a = np.array([[1000., 1000., -1000.], [-np.inf, -np.inf, -np.inf], [np.inf, 1., 2.]])
    check(lambda lib, x: lib.logsumexp(x, 1), None, arrays=[a.copy()], grad=False)
    b = np.array([[1000., 999., -1000.], [-1e4, -1e4 + 1, -1e4 + 3]])
    check(lambda lib, x: lib.logsumexp(x, 1, True), None, arrays=[b], dtype="float64")


@pytest.mark.parametrize("shape,dim", DIM1)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_softmax(op, shape, dim, dtype):
    check(lambda lib, x: getattr(lib, op)(x, dim), [shape], dtype=dtype)
    check(lambda lib, x: getattr(x, op)(dim), [shape], dtype=dtype)


def test_softmax_dtype_and_large_values():
    check(lambda lib, x: lib.softmax(x, 1, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: lib.log_softmax(x, 0, lib.float64), [(3, 4)])
    check(lambda lib, x: x.softmax(-1, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: lib.softmax(x, 1, dtype=lib.float32), [(3, 4)], dtype="int64",
          grad=False)
    a = np.array([[1000., 0., -1000.], [800., 800., 800.], [-np.inf, 0., 1.]])
    check(lambda lib, x: lib.softmax(x, 1), None, arrays=[a.copy()], gradcheck=False)
    check(lambda lib, x: lib.log_softmax(x, 1), None, arrays=[a[:2].copy()], gradcheck=False)


# -- norm -------------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 3, 0, 0.5, 1.5, float("inf"), float("-inf"), "fro", None])
def test_norm_at_zero(p):
    a = np.array([[0., 1.5, -2.], [0., 0., 0.]])
    check(lambda lib, x: lib.norm(x, p, 1), None, arrays=[a.copy()], gradcheck=False)
    check(lambda lib, x: lib.norm(x, p), None, arrays=[np.zeros((2, 3))], gradcheck=False)


def test_norm_variants():
    check(lambda lib, x: x.norm(), [(3, 4)])
    check(lambda lib, x: lib.norm(x, "fro", (0, 1), keepdim=True), [(2, 3, 4)])
    check(lambda lib, x: lib.norm(x, 0), [(3, 4)])
    check(lambda lib, x: lib.norm(x, 2, dim=1, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: lib.norm(x, p=4, dim=[0, 2]), [(2, 3, 4)])


# -- all, any, count_nonzero ------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", DIMS)
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "uint8"])
def test_all_any_count(shape, dim, dtype):
    a = np.random.default_rng(0).integers(0, 3, shape).astype(dtype)
    check(lambda lib, x: lib.count_nonzero(x, dim), None, arrays=[a], grad=False)
    for keepdim in (False, True):
        check(lambda lib, x, k=keepdim: lib.all(x, dim, k), None, arrays=[a], grad=False)
        check(lambda lib, x, k=keepdim: lib.any(x, dim, keepdim=k), None, arrays=[a], grad=False)


# -- cumulative ops ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape,dim", DIM1)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "cummin"])
def test_cumulative(op, shape, dim, dtype):
    check(lambda lib, x: getattr(lib, op)(x, dim), [shape], dtype=dtype)


def test_cumulative_dtype_and_inplace():
    check(lambda lib, x: lib.cumsum(x, 1, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: lib.cumprod(x, 0, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: (x * 1).cumsum_(1), [(3, 4)])
    check(lambda lib, x: (x * 1).cumprod_(0), [(3, 4)])


# -- empty tensors and dims -------------------------------------------------------------------
EMPTY = [
    lambda lib, x: lib.sum(x), lambda lib, x: lib.sum(x, 0), lambda lib, x: lib.mean(x, 1),
    lambda lib, x: lib.mean(x), lambda lib, x: lib.prod(x), lambda lib, x: lib.prod(x, 0),
    lambda lib, x: lib.nansum(x, 0), lambda lib, x: lib.max(x, 1), lambda lib, x: lib.amax(x, 1),
    lambda lib, x: lib.argmax(x, 1), lambda lib, x: lib.aminmax(x, dim=1),
    lambda lib, x: lib.logsumexp(x, 0), lambda lib, x: lib.cumsum(x, 0),
    lambda lib, x: lib.cumprod(x, 1), lambda lib, x: lib.cummax(x, 0),
    lambda lib, x: lib.norm(x), lambda lib, x: lib.norm(x, float("inf"), 1),
    lambda lib, x: lib.median(x), lambda lib, x: lib.median(x, 1), lambda lib, x: lib.mode(x, 1),
    lambda lib, x: lib.softmax(x, 0), lambda lib, x: lib.all(x), lambda lib, x: lib.any(x, 0),
    lambda lib, x: lib.count_nonzero(x, 1), lambda lib, x: lib.std(x, 0),
]


@pytest.mark.parametrize("i", range(len(EMPTY)))
def test_empty(i):
    check(_warnings_off(EMPTY[i]), None, arrays=[np.zeros((0, 3), np.float32)])


# -- errors -----------------------------------------------------------------------------------
ERRORS = [
    (lambda lib, x: lib.sum(x, 2), "float32"), (lambda lib, x: lib.mean(x, -3), "float32"),
    (lambda lib, x: lib.sum(x, (0, 0)), "float32"), (lambda lib, x: lib.max(x, 2), "float32"),
    (lambda lib, x: lib.amax(x, (0, 2)), "float32"), (lambda lib, x: lib.cumsum(x, 2), "float32"),
    (lambda lib, x: lib.softmax(x, 2), "float32"), (lambda lib, x: lib.std(x, 5), "float32"),
    (lambda lib, x: lib.logsumexp(x, 2), "float32"), (lambda lib, x: lib.argmax(x, 2), "float32"),
    (lambda lib, x: lib.median(x, -3), "float32"), (lambda lib, x: lib.norm(x, dim=3), "float32"),
    (lambda lib, x: lib.count_nonzero(x, (1, 1)), "float32"),
    (lambda lib, x: lib.mean(x), "int64"), (lambda lib, x: lib.mean(x, 0), "int32"),
    (lambda lib, x: lib.nanmean(x), "int64"), (lambda lib, x: lib.std(x), "int64"),
    (lambda lib, x: lib.var(x, 0), "int32"), (lambda lib, x: lib.norm(x), "int64"),
    (lambda lib, x: lib.softmax(x, 1), "int64"), (lambda lib, x: lib.log_softmax(x, 0), "int64"),
    (lambda lib, x: lib.argmax(x), "bool"),
    (lambda lib, x: x.sum_to_size(4, 4), "float32"), (lambda lib, x: x.sum_to_size(1, 2, 3),
                                                       "float32"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    fn, dtype = ERRORS[i]
    check_error(fn, [(2, 3)], dtype=dtype)


EMPTY_ERRORS = [
    lambda lib, x: lib.max(x), lambda lib, x: lib.min(x, 0), lambda lib, x: lib.amax(x),
    lambda lib, x: lib.amin(x, 0), lambda lib, x: lib.argmax(x), lambda lib, x: lib.argmin(x, 0),
    lambda lib, x: lib.aminmax(x), lambda lib, x: lib.aminmax(x, dim=0),
    lambda lib, x: lib.norm(x, float("inf")),
    pytest.param(lambda lib, x: lib.norm(x, float("-inf"), 0), marks=pytest.mark.xfail(
        reason="linalg.vector_norm does not yet name the empty dim in its message")),
    lambda lib, x: lib.median(x, 0), lambda lib, x: lib.mode(x, 0),
    lambda lib, x: lib.nanmedian(x, 0),
]


@pytest.mark.parametrize("fn", EMPTY_ERRORS)
def test_empty_errors(fn):
    check_error(fn, [(0, 3)])


def test_scalar_dim_error():
    check_error(lambda lib, x: lib.max(x, 1), [()])
    check_error(lambda lib, x: lib.sum(x, -2), [()])


# -- sum_to_size ------------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(3, 4), (1, 4), (4,), (3, 1), (1, 1), (1,), ()])
def test_sum_to_size(size):
    check(lambda lib, x: x.sum_to_size(size), [(3, 4)])
    if size:
        check(lambda lib, x: x.sum_to_size(*size), [(3, 4)])


# -- second derivatives (create_graph) against torch -----------------------------------------
def _double_backward(lib, fn, arr, w, v):
    x = (torch.from_numpy(arr.copy()) if lib is torch else torcia.from_numpy(arr.copy()))
    x.requires_grad_(True)
    out = fn(lib, x)
    out = out[0] if isinstance(out, tuple) else out
    wt = (torch if lib is torch else torcia).from_numpy(w.copy())
    (gx,) = lib.autograd.grad((out * wt).sum(), x, create_graph=True)
    vt = (torch if lib is torch else torcia).from_numpy(v.copy())
    (ggx,) = lib.autograd.grad((gx * gx * vt).sum() + (x * x).sum(), x)  # x: linear ops too
    return ggx.detach().numpy()


@pytest.mark.parametrize("name,fn", [
    ("prod", lambda lib, x: lib.prod(x)), ("prod_dim", lambda lib, x: lib.prod(x, 1)),
    ("cumprod", lambda lib, x: lib.cumprod(x, 1)), ("cumsum", lambda lib, x: lib.cumsum(x, 1)),
    ("softmax", lambda lib, x: lib.softmax(x, 1)),
    ("log_softmax", lambda lib, x: lib.log_softmax(x, 0)),
    ("std", lambda lib, x: lib.std(x, 1)), ("var_mean", lambda lib, x: lib.var_mean(x, 0)),
    ("logsumexp", lambda lib, x: lib.logsumexp(x, 1)), ("norm", lambda lib, x: lib.norm(x, 3)),
    ("norm2", lambda lib, x: lib.norm(x, dim=0)), ("max", lambda lib, x: lib.max(x, 1)),
    ("amax", lambda lib, x: lib.amax(x, 0)), ("cummax", lambda lib, x: lib.cummax(x, 1)),
    ("mean", lambda lib, x: lib.mean(x, 1))])
@pytest.mark.parametrize("case", ["random", "one", "first_last"])
def test_double_backward(name, fn, case):
    rng = np.random.default_rng(7)
    arr = rng.uniform(-2, 2, (2, 4)) if case == "random" else ZEROS[case]
    out = fn(torch, torch.from_numpy(arr))
    w = rng.uniform(-1, 1, (out[0] if isinstance(out, tuple) else out).shape)
    v = rng.uniform(-1, 1, arr.shape)
    np.testing.assert_allclose(_double_backward(torcia, fn, arr, w, v),
                               _double_backward(torch, fn, arr, w, v), rtol=1e-7, atol=1e-9)


# -- named tuples -----------------------------------------------------------------------------
def test_return_types():
    a = np.array([[1., 5., 2.], [4., 0., 4.]], np.float32)
    for op in ("max", "min", "median", "mode", "cummax", "nanmedian"):
        ours, theirs = getattr(torcia, op)(torcia.from_numpy(a), 1), \
            getattr(torch, op)(torch.from_numpy(a), 1)
        assert repr(ours) == repr(theirs)
        assert type(ours).__name__ == type(theirs).__name__
        values, indices = ours
        assert values is ours.values and indices is ours[1] is ours.indices
    mm = torcia.aminmax(torcia.from_numpy(a))
    assert repr(mm) == repr(torch.aminmax(torch.from_numpy(a)))
    assert mm.min is mm[0] and mm.max is mm[1]
    r = torcia.return_types.max((1, 2))
    assert isinstance(r, tuple) and r == (1, 2) and pickle.loads(pickle.dumps(r)) == r
    with pytest.raises(TypeError, match="takes a 2-sequence"):
        torcia.return_types.max((1,))


def test_out_arguments():
    x = torcia.tensor([[1., 5.], [4., 2.]])
    out = torcia.empty(0)
    assert torcia.sum(x, 1, out=out) is out and out.tolist() == [6., 6.]
    v, i = torcia.empty(0), torcia.empty(0, dtype=torcia.int64)
    res = torcia.max(x, 1, out=(v, i))
    assert res.values is v and v.tolist() == [5., 4.] and i.tolist() == [1, 0]
    with pytest.raises(RuntimeError, match="don't support automatic differentiation"):
        torcia.sum(x.requires_grad_(), out=out)


def test_grad_fn_names():
    x = torcia.ones(2, 3, requires_grad=True)
    y = torch.ones(2, 3, requires_grad=True)
    calls = ["lib.sum(x)", "x.sum(0)", "x.mean()", "x.mean(1)", "x.nansum()", "x.prod()",
             "x.prod(0)", "x.max()", "x.max(0)[0]", "x.min()", "x.min(1)[0]", "x.amax(0)",
             "x.amin()", "lib.aminmax(x)[0]", "x.std()", "x.var(0)", "lib.std_mean(x)[0]",
             "lib.var_mean(x)[1]", "x.logsumexp(0)", "x.norm()", "x.norm(1, 0)", "x.cumsum(0)",
             "x.cumprod(0)", "x.cummax(0)[0]", "x.cummin(1)[0]", "x.median()", "x.median(0)[0]",
             "x.nanmedian()", "x.nanmedian(0)[0]", "x.mode(0)[0]", "x.softmax(0)",
             "x.log_softmax(1)", "x.nanmean()", "x.sum_to_size(1, 3)"]
    for call in calls:
        ours = eval(call, {"lib": torcia, "x": x})
        theirs = eval(call, {"lib": torch, "x": y})
        assert ours.grad_fn.name() == theirs.grad_fn.name(), call
        if ".values" in call or ")[0]" in call and "lib." not in call:  # indices: no grad
            assert not eval(call.replace("[0]", "[1]"), {"lib": torcia, "x": x}).requires_grad

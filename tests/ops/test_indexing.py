"""Indexing against PyTorch: getitem/setitem, gather/scatter, index_*, masks, take/put, where."""

import warnings

import numpy as np
import pytest
import torch

import torcia

from .opcheck import check, check_error, make_array

X = (3, 4, 5)
I = np.array([0, 2, 0])  # duplicate indices: gradients accumulate
J = np.array([[1, 2], [0, -1]])
K = np.array([2, 0])
M = np.array([[True, False, True, True], [False, False, True, False],
              [True, True, False, False]])
M1 = np.array([True, False, True])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


# -- getitem -----------------------------------------------------------------------------------
BASIC = ["x[1]", "x[-1, 2]", "x[1:3, ::2]", "x[None, ..., 1]", "x[...]", "x[:]", "x[:, :]",
         "x[0:3, :]", "x[-3:10]", "x[1:1]", "x[..., 1, None]", "x[2, None, 1:, -1]", "x[()]"]
ADVANCED = ["x[[0, 2, 0]]", "x[i]", "x[i, :, i]", "x[:, j]", "x[j, 1]", "x[1, j]",
            "x[i, 1:3, i]", "x[:, i, 1]", "x[0, :, [0, 1]]", "x[[1, 2], 0, [3, 4]]",
            "x[[1, 2], 0:2, [3, 4]]", "x[None, k, None, k]", "x[k, None, k]", "x[..., i]",
            "x[..., k, None]", "x[k, ..., k]", "x[m]", "x[m, 1]", "x[1, m[0]]", "x[:, m[0]]",
            "x[m1]", "x[m1, 2:, k]", "x[True]", "x[False]", "x[None, True]", "x[:, True]",
            "x[k, True]", "x[lib.tensor(1)]", "x[lib.tensor(True)]", "x[lib.tensor(False)]",
            "x[0, lib.tensor(True)]", "x[np.array([0, 1])]", "x[np.array(1)]",
            "x[[True, False, True]]", "x[(i,)]", "x[[]]", "x[x > 0]", "x[(x > 0)[:, :, 0]]",
            "x[i.int()]", "x[m1.byte()]", "x[[[0, 1]]]", "x[[0, slice(None)]]", "x[[0, [1, 2]]]",
            "x[1:, [0, 1]]", "x[:, 1:2][:, [0]]", "x[j, j]", "x[j][[1, 0]]", "x[lib.tensor(1), k]",
            "x[k][:, k]", "x[i, j[:, :1], 1:]", "x[:, :, k].view(-1)", "x[1:, k].view(2, -1)"]


def _get(expr):
    def fn(lib, x, i, j, k, m, m1):
        return eval(expr, {"lib": lib, "np": np},
                    {"x": x, "i": i, "j": j, "k": k, "m": m, "m1": m1})
    return fn


@pytest.mark.parametrize("expr", BASIC + ADVANCED)
def test_getitem(expr):
    check(_get(expr), [X, I, J, K, M, M1])


@pytest.mark.parametrize("expr", ["x[i]", "x[m]", "x[1:, k]"])
def test_getitem_float64(expr):
    check(_get(expr), [X, I, J, K, M, M1], dtype="float64")


@pytest.mark.parametrize("expr", ["x[i]", "x[m]", "x[k, 1]"])
@pytest.mark.parametrize("dtype", ["int64", "bool", "uint8", "float16"])
def test_getitem_dtypes(expr, dtype):
    check(_get(expr), [X, I, J, K, M, M1], dtype=dtype, grad=False)


def test_getitem_nodes():
    x = torcia.randn(3, 4, 5, requires_grad=True) if hasattr(torcia, "randn") else \
        torcia.ones(3, 4, 5, requires_grad=True)
    idx = torcia.tensor([0, 1])
    assert x[idx].grad_fn.name() == "IndexBackward0"
    assert x[1:, idx].grad_fn.next_functions[0][0].name() == "SliceBackward0"
    assert x[idx, 0].grad_fn.next_functions[0][0].name() == "SelectBackward0"
    assert x[torcia.tensor(1)].grad_fn.name() == "SelectBackward0"
    y = x[idx]
    assert y._base is None  # advanced indexing copies


def test_getitem_double_backward():
    check(lambda lib, x, i: lib.autograd.grad((x[i] ** 2).sum(), x, create_graph=True)[0],
          [(4, 3), I])


GET_ERRORS = ["x[5]", "x[-4]", "x[lib.tensor([5])]", "x[:, lib.tensor([-5])]",
              "x[[0, 1], [5, 1]]", "x[[0, 1], :, [0, 7]]", "x[[0, 5], [9, 1]]",
              "x[[5, 0], [1, 9]]", "x[[[0, 5]], [[9], [1]]]", "x[lib.tensor([1.])]",
              "x[lib.tensor([0, 1]).short()]", "x[lib.tensor([True, False])]",
              "x[:, lib.tensor([True, False])]", "x[lib.tensor([0, 1]), lib.tensor([0, 1, 2])]",
              "x[1, 2, 3, 4]", "x[:, :, :, :]", "x[::0]", "x[::-1]", "x[1.5]", "x[np.True_]",
              "x[:, np.float64(1.0)]",
              "lib.tensor(5.)[0]", "lib.tensor(5.)[0,]", "lib.tensor(5.)[[0]]",
              "x[lib.tensor([[True] * 5] * 3)]", "x[m, lib.tensor([[1, 2]])]"]


@pytest.mark.parametrize("expr", GET_ERRORS)
def test_getitem_errors(expr):
    check_error(lambda lib, x, m: eval(expr, {"lib": lib, "np": np}, {"x": x, "m": m}), [X, M])


# -- setitem -----------------------------------------------------------------------------------
def _set(key, value):
    """``y[key] = value`` on a non-leaf copy of ``x``; ``key``/``value`` are source text."""
    def fn(lib, x, v, i, k, m):
        y = x * 1
        env = {"lib": lib, "np": np, "y": y, "v": v, "i": i, "k": k, "m": m}
        y[eval(f"np.s_[{key}]", env)] = eval(value, env)
        return y
    return fn


SET = [("0", "v", (4, 5)), ("0", "v", (5,)), ("0", "v", (1, 1, 4, 5)), ("0", "v", ()),
       ("1:, ::2", "v", (2, 2, 5)), ("..., 1", "v", (3, 4)), ("None", "v", (3, 4, 5)),
       ("...", "v", (4, 5)), ("0, 1, 2", "v", ()), ("0", "2.5", ()), ("1:, 2", "-1", ()),
       ("k", "v", (2, 4, 5)), ("k", "v", (5,)), ("k", "v", ()), ("k", "v", (1, 1, 4, 5)),
       ("i", "v", (3, 4, 5)), ("i", "v", (1, 5)), ("k, :, k", "v", (2, 4)),
       ("k, :, k", "v", (4,)), (":, [1, 2], 1:3", "v", (2,)), (":, [1, 2], 1:3", "v", (3, 2, 2)),
       ("1:, k", "v", (2, 2, 5)), ("m", "v", (5,)), ("m", "v", (6, 5)), ("m", "0", ()),
       ("m, 1", "v", (6,)), ("y > 0", "v", ()), ("y > 0", "3", ()), ("True", "v", (3, 4, 5)),
       ("False", "v", (3, 4, 5)), (":, True", "v", (5,)), ("lib.tensor(1)", "v", (4, 5)),
       ("k, 1", "v", (2, 5)), ("[0, 1]", "v", (5,)), ("k", "7", ()), ("k", "v[0]", (2, 5)),
       ("m[:, 0]", "v", (2, 1, 5))]


@pytest.mark.parametrize("key,value,vshape", SET)
def test_setitem(key, value, vshape):
    # writes to a duplicated index keep the last value, so gradcheck's numerical Jacobian
    # differs from PyTorch's formula there (torch's gradcheck fails the same way)
    check(_set(key, value), [X, vshape, I, K, M], gradcheck=key != "i")


def test_setitem_through_views():
    def fn(lib, x, v, k):
        y = x * 1
        y[1][k] = v[0]
        y[1, k][0] = v[1]
        y[:, 1:][k, 2] = v[2]
        return y
    check(fn, [X, (3, 5), K])


def test_setitem_augmented():
    """``y[key] += v`` reads, adds and writes back (setitem), as in PyTorch."""
    def fn(lib, x, v, k, m):
        y = x * 1
        y[k] += v[0]
        y[0] *= v[1]
        y[m] -= v[2, 0]
        y[:, k, 1] += 1.0
        return y
    check(fn, [X, (3, 4, 5), K, M])


@pytest.mark.parametrize("key,vshape", [("k", (5,)), ("m", ()), ("1", (4, 5))])
def test_setitem_float64(key, vshape):
    check(_set(key, "v"), [X, vshape, I, K, M], dtype="float64")


@pytest.mark.parametrize("key,value", [("k", "2.7"), ("1", "2.7"), ("m", "v"), ("k, 1", "v")])
@pytest.mark.parametrize("dtype", ["int64", "uint8", "float16"])
def test_setitem_dtypes(key, value, dtype):
    check(_set(key, value), [X, (), I, K, M], dtype=dtype, grad=False)


def test_bfloat16():
    """(The harness casts every input to bfloat16, so the indices are made here.)"""
    def fn(lib, x):
        k, m = lib.tensor(K), lib.tensor(M)
        y = x * 1
        y[k] = x[0]
        y[m] = 0.5
        y.index_put_((k, k), x[1, 1, :1], accumulate=True)
        return y, x[k, 1], x[m], x.gather(0, k[:, None, None].expand(2, 4, 5)), x.take(k)
    check(fn, [X], dtype="bfloat16", atol=1e-2, rtol=1e-2)


def test_setitem_leaf_no_grad():
    def fn(lib, x, v, k):
        y = lib.zeros(3, 4, dtype=x.dtype)
        y[k] = v
        y[0, k] = v[0, 0]
        return y
    check(fn, [(3, 4), (2, 4), K])


SET_ERRORS = [("[0, 1]", "lib.ones(3, 5)"), ("0", "lib.ones(3, 5)"), ("k", "lib.ones(2, 3)"),
              ("k", "lib.ones(5, dtype=lib.float64)"), ("k", "lib.ones(5, dtype=lib.int64)"),
              ("[5]", "3"), ("5", "3"), ("lib.tensor([0.])", "1"), ("k", "[1., 2.]"),
              ("0", "[1., 2., 3., 4., 5.]"), ("0", "np.ones(5)"), ("m[:2]", "1"),
              ("0", "lib.ones(2, 4, 5)"), ("[0, 1]", "lib.ones(2, 2, 4, 5)")]


@pytest.mark.parametrize("key,value", SET_ERRORS)
def test_setitem_errors(key, value):
    def fn(lib, x, k, m):
        y = x.clone()
        env = {"lib": lib, "np": np, "y": y, "k": k, "m": m}
        y[eval(f"np.s_[{key}]", env)] = eval(value, env)
    check_error(fn, [X, K, M])


def test_setitem_leaf_error():
    def fn(lib, x, k):
        x.requires_grad_(True)
        x[k] = 1.0
    check_error(fn, [X, K])


def test_setitem_nodes():
    names = []
    for lib in (torch, torcia):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 1
        y[lib.tensor([0, 1])] = 2.0
        z = x * 1
        z[:, [1, 2]] = 2.0
        w = x * 1
        w[1:, [1, 2]] = 2.0
        names.append([t.grad_fn.name() for t in (y, z, w)])
    assert names[1] == names[0] == ["IndexPutBackward0", "IndexPutBackward0",
                                    "torch::autograd::CopySlices"]


def test_setitem_saved_version():
    """A tensor saved for backward and then written by setitem raises PyTorch's error."""
    def fn(lib, x, k):
        x.requires_grad_(True)
        y = x * 1
        z = y * y
        y[k] = 0.0
        z.sum().backward()
    check_error(fn, [X, K], match="modified by an inplace operation")


# -- index_put -------------------------------------------------------------------------------
@pytest.mark.parametrize("acc", [False, True])
@pytest.mark.parametrize("vshape", [(3, 5), (5,), ()])
def test_index_put(acc, vshape):
    # duplicate indices without accumulate: see test_setitem on gradcheck
    check(lambda lib, x, v, i: x.index_put((i,), v, accumulate=acc), [(4, 5), vshape, I],
          gradcheck=acc)
    check(lambda lib, x, v, i: lib.index_put(x, (i, i), v[..., 0] if v.dim() else v,
                                             accumulate=acc), [(4, 5), vshape, I], gradcheck=acc)


def test_index_put_inplace():
    def fn(lib, x, v, i, m):
        y = x * 1
        y.index_put_((i,), v, accumulate=True)
        y.index_put_((m,), v[0, 0])
        y[1:].index_put_([i[:2]], v[:2], True)
        return y
    check(fn, [(4, 5), (3, 5), I, np.array([True, False, True, False])])


def test_index_put_errors():
    check_error(lambda lib, x, i: x.index_put((i, i, i), lib.tensor(1.)), [(3, 4), K])
    check_error(lambda lib, x, i: x.index_put((None, i), lib.tensor(1.)), [(3, 4), K])
    check_error(lambda lib, x, i: x.index_put((i,), 1.0), [(3, 4), K])
    check_error(lambda lib, x, i: x.index_put((i,), lib.ones(1, 2, 4)), [(3, 4), K])
    check_error(lambda lib, x: x.index_put((lib.tensor([True, False, True, True]),),
                                           lib.tensor(1.)), [(3, 4)])


# -- gather / scatter ------------------------------------------------------------------------
G = np.array([[0, 1, 2, 0], [2, 2, 1, 0]])
G1 = np.array([[0, 3], [3, 3], [1, 0]])
S = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])  # no duplicates within a column along dim 0


@pytest.mark.parametrize("dim,idx", [(0, G), (1, G1), (-1, G1[:2, :1]), (0, G[:1, :2])])
def test_gather(dim, idx):
    check(lambda lib, x, i: lib.gather(x, dim, i), [(3, 4), idx])
    check(lambda lib, x, i: x.gather(dim, i.int()), [(3, 4), idx], dtype="float64")


def test_gather_scalar():
    check(lambda lib, x, i: x.gather(0, i), [(), np.array([0, 0])])
    check(lambda lib, x, i: x.gather(0, i), [(), np.array(0)])


@pytest.mark.parametrize("fn", [
    lambda lib, x, i: x.gather(0, lib.tensor([[0, 1, 2, 3, 0]])),
    lambda lib, x, i: x.gather(0, lib.tensor([[5]])),
    lambda lib, x, i: x.gather(0, lib.tensor([[-1]])),
    lambda lib, x, i: x.gather(0, lib.tensor([[1.]])),
    lambda lib, x, i: x.gather(0, lib.tensor([1])),
    lambda lib, x, i: x.gather(2, i),
    lambda lib, x, i: x.scatter(0, i, lib.ones(1, 4)),
    lambda lib, x, i: x.scatter(0, i, lib.ones(3, 4, dtype=lib.float64)),
    lambda lib, x, i: x.scatter(0, lib.tensor([[7]]), 1.0),
    lambda lib, x, i: x.scatter(0, lib.tensor([0]), 1.0),
    lambda lib, x, i: x.scatter(0, lib.tensor([[0, 1, 2, 0, 1]]), 1.0),
    lambda lib, x, i: x.scatter(0, i, 2.0, reduce="mean"),
    lambda lib, x, i: x.scatter_add(0, lib.tensor([[0, 1, 2, 0, 1]]), lib.ones(4, 5)),
    lambda lib, x, i: x.scatter_reduce(0, i, x, "foo"),
])
def test_gather_scatter_errors(fn):
    check_error(fn, [(3, 4), G])


@pytest.mark.parametrize("dim,idx", [(0, S), (1, G1[:, :1]), (-1, np.array([[3, 0], [1, 2]]))])
def test_scatter(dim, idx):
    src = idx.shape  # a larger src has no gradient in PyTorch (its engine rejects the shape)
    check(lambda lib, x, i, s: x.scatter(dim, i, s), [(3, 4), idx, src])
    check(lambda lib, x, i, s: lib.scatter(x, dim, i, value=1.5), [(3, 4), idx, src])
    check(lambda lib, x, i, s: x.scatter(dim, i, -2), [(3, 4), idx, src])
    big = (3, 5)
    check(lambda lib, x, i, s: x.scatter(dim, i, s), [(3, 4), idx, big], grad=False)
    check(lambda lib, x, i, s: x.scatter_add(dim, i, s), [(3, 4), idx, big], grad=False)


def test_scatter_larger_src_backward_error():
    def fn(lib, x, i, s):
        x.requires_grad_(True)
        s.requires_grad_(True)
        lib.autograd.backward(x.scatter(0, i, s), lib.ones(3, 4))
    # the engine words it differently (torch: "Function ScatterBackward0 returned an invalid
    # gradient at index 1 - got [2, 4] but expected shape compatible with [3, 4]")
    check_error(fn, [(3, 4), S, (3, 4)], match=r"invalid gradient|not expandable")


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_reduce_arg(reduce):
    check(lambda lib, x, i, s: x.scatter(0, i, s, reduce=reduce), [(3, 4), G, (2, 4)],
          grad=False)
    check(lambda lib, x, i: x.scatter(0, i, 2.0, reduce=reduce), [(3, 4), G], grad=False)


def test_scatter_reduce_arg_backward_error():
    def fn(lib, x, i, s):
        x.requires_grad_(True)
        x.scatter(0, i, s, reduce="add").sum().backward()
    check_error(fn, [(3, 4), G, (2, 4)])


@pytest.mark.parametrize("dim,idx", [(0, G), (1, G1)])
def test_scatter_add(dim, idx):
    check(lambda lib, x, i, s: x.scatter_add(dim, i, s), [(3, 4), idx, idx.shape])
    check(lambda lib, x, i, s: lib.scatter_add(x, dim, i, s), [(3, 4), idx, idx.shape],
          dtype="float64")


def test_scatter_inplace():
    def fn(lib, x, s, i, j):
        y = x * 1
        y.scatter_(0, j, s)
        y.scatter_add_(0, i, s)
        y[1:].scatter_(1, i[:2, :2], 0.5)
        y.scatter_reduce_(0, i, s, "amax", include_self=False)
        return y
    check(fn, [(3, 4), (2, 4), G, S])


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=include_self),
          [(3, 4), G, (2, 4)])
    check(lambda lib, x, i, s: lib.scatter_reduce(x, 1, i, s, reduce,
                                                  include_self=include_self),
          [(3, 4), G1, G1.shape], dtype="float64")


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_int(reduce):
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, reduce), [(3, 4), G, (2, 4)],
          dtype="int64", grad=False)
    check(lambda lib, x, i, s: x.scatter_reduce(0, i, s, reduce, include_self=False),
          [(3, 4), G, (2, 4)], dtype="int64", grad=False)


@pytest.mark.parametrize("reduce", ["amax", "amin", "prod"])
def test_scatter_reduce_ties(reduce):
    """amax/amin share the gradient among tied winners; prod handles zeros."""
    x = np.array([[1.0, 5.0, 0.0], [2.0, 0.0, 3.0]])
    s = np.array([[1.0, 5.0, 2.0], [2.0, 1.0, 0.0]])
    i = np.array([[0, 0, 1], [0, 1, 1]])
    # gradcheck's finite differences cross the ties of amax/amin, so only prod runs it
    check(lambda lib, x, s, i: x.scatter_reduce(0, i, s, reduce), [x, s, i],
          gradcheck=reduce == "prod")


# -- index_* ---------------------------------------------------------------------------------
@pytest.mark.parametrize("dim,idx", [(0, np.array([2, 0, 2])), (1, np.array([3])),
                                     (-1, np.array(1)), (1, np.array([], dtype=np.int64))])
def test_index_select(dim, idx):
    check(lambda lib, x, i: lib.index_select(x, dim, i), [(3, 4), idx])
    check(lambda lib, x, i: x.index_select(dim, i.int()), [(3, 4), idx], dtype="float64")


def test_index_select_scalar():
    check(lambda lib, x, i: x.index_select(0, i), [(), np.array([0])])


@pytest.mark.parametrize("fn", [
    lambda lib, x: x.index_select(1, lib.tensor([[2]])),
    lambda lib, x: x.index_select(1, lib.tensor([7])),
    lambda lib, x: x.index_select(1, lib.tensor([-1, 7])),
    lambda lib, x: x.index_select(1, lib.tensor([1.])),
    lambda lib, x: x.index_add(1, lib.tensor([0, 0]), lib.ones(3, 3)),
    lambda lib, x: x.index_add(1, lib.tensor([[0]]), x[:, :1]),
    lambda lib, x: x.index_add(1, lib.tensor([0.]), x[:, :1]),
    lambda lib, x: x.index_add(1, lib.tensor([0]), x[:2, :1]),
    lambda lib, x: x.index_add(1, lib.tensor([-1]), x[:, :1]),
    lambda lib, x: x.index_add(0, lib.tensor([0]), x[:1].double()),
    lambda lib, x: x.index_copy(1, lib.tensor([0]), x[:2, :1]),
    lambda lib, x: x.index_copy(1, lib.tensor([0, 1]), x[:, :1]),
    lambda lib, x: x.index_copy(1, lib.tensor([0.]), x[:, :1]),
    lambda lib, x: x.index_copy(1, lib.tensor([[0]]), x[:, :1]),
    lambda lib, x: x.index_copy(1, lib.tensor([-1]), x[:, :1]),
    lambda lib, x: x.index_copy(0, lib.tensor([0]), x[:1].double()),
    lambda lib, x: x.index_copy(0, lib.tensor(0), x[0]),
    lambda lib, x: x.index_fill(1, lib.tensor([0.]), 1.0),
    lambda lib, x: x.index_fill(1, lib.tensor([4]), 1.0),
    lambda lib, x: x.index_fill(1, lib.tensor([-5]), 1.0),
    lambda lib, x: x.index_fill(0, lib.tensor([[0]]), 1.0),
    lambda lib, x: x.index_fill(0, lib.tensor([0]), lib.tensor([1.0])),
])
def test_index_errors(fn):
    check_error(fn, [(3, 4)])


@pytest.mark.parametrize("alpha", [1, 2.5])
def test_index_add(alpha):
    check(lambda lib, x, i, s: x.index_add(1, i, s, alpha=alpha),
          [(3, 4), np.array([0, 3, 0]), (3, 3)])
    check(lambda lib, x, i, s: lib.index_add(x, 0, i, s, alpha=alpha),
          [(3, 4), np.array([2, 2]), (2, 4)], dtype="float64")
    check(lambda lib, x, i, s: x.index_add(0, i, s), [(), np.array(0), ()])


def test_index_copy():
    check(lambda lib, x, i, s: x.index_copy(1, i, s), [(3, 4), np.array([3, 0]), (3, 2)])
    check(lambda lib, x, i, s: lib.index_copy(x, 0, i, s), [(3, 4), np.array([1]), (1, 4)],
          dtype="float64")


@pytest.mark.parametrize("value", [2.5, -1, "tensor"])
def test_index_fill(value):
    def fn(lib, x, i, v):
        return x.index_fill(1, i, v if value == "tensor" else value)
    # a negative index breaks PyTorch's backward for a tensor value (index_select rejects it)
    check(fn, [(3, 4), np.array([0, 3 if value == "tensor" else -1, 0]), ()])
    check(fn, [(3, 4), np.array(2), ()], dtype="float64")


def test_index_inplace():
    def fn(lib, x, s, i):
        y = x * 1
        y.index_add_(1, i, s, alpha=-2)
        y.index_copy_(1, i[:1], s[:, :1])
        y[1:].index_fill_(1, i, 3.0)
        return y
    check(fn, [(3, 4), (3, 2), np.array([1, 3])])


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_index_ops_int(dtype):
    def fn(lib, x, s, i):
        return (x.index_select(0, i), x.index_copy(0, i, s), x.index_fill(1, i, 1),
                x.index_add(0, i, s) if dtype != "bool" else x)
    check(fn, [(3, 4), (2, 4), np.array([2, 0])], dtype=dtype, grad=False)


# -- masks -----------------------------------------------------------------------------------
MF = np.array([True, False, True, False])


@pytest.mark.parametrize("mask", [M, MF, M[None]])
@pytest.mark.parametrize("value", [2.5, float("inf"), "tensor"])
def test_masked_fill(mask, value):
    def fn(lib, x, m, v):
        return lib.masked_fill(x, m, v if value == "tensor" else value)
    check(fn, [(3, 4), mask, ()], gradcheck=value != float("inf"))


def test_masked_fill_broadcast_input_and_inplace():
    check(lambda lib, x, m: x[0].masked_fill(m, 2.0), [(3, 4), M])

    def fn(lib, x, m, v):
        y = x * 1
        y.masked_fill_(m, v)
        y[1:].masked_fill_(m[0], -1.0)
        return y
    check(fn, [(3, 4), M, ()])


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_masked_int(dtype):
    check(lambda lib, x, m: (x.masked_fill(m, 1), x.masked_fill(m, lib.tensor(2)),
                             x.masked_select(m), x.masked_scatter(m, x.flip(0) if hasattr(
                                 x, "flip") else x)), [(3, 4), M], dtype=dtype, grad=False)


@pytest.mark.parametrize("fn", [
    lambda lib, x, m: x.masked_fill(m.int(), 2.0),
    lambda lib, x, m: x.masked_fill(m, lib.tensor([2.0])),
    lambda lib, x, m: x.masked_fill(lib.ones(5, dtype=lib.bool), 1.0),
    lambda lib, x, m: x.int().masked_fill(m, 1e20),
    lambda lib, x, m: x.masked_fill(m, 1 + 1j),
    lambda lib, x, m: x[0].masked_fill_(m, 2.0),
    lambda lib, x, m: x.masked_select(m.long()),
    lambda lib, x, m: x.masked_select(lib.ones(2, 3, 5, dtype=lib.bool)),
    lambda lib, x, m: x.masked_scatter(m, lib.ones(2)),
    lambda lib, x, m: x.masked_scatter(m, lib.ones(20, dtype=lib.float64)),
    lambda lib, x, m: x.masked_scatter(m.int(), lib.ones(20)),
])
def test_mask_errors(fn):
    check_error(fn, [(3, 4), M])


@pytest.mark.parametrize("mask", [M, MF, M[None], np.zeros((3, 4), bool)])
def test_masked_select(mask):
    check(lambda lib, x, m: lib.masked_select(x, m), [(3, 4), mask])
    check(lambda lib, x, m: x[1].masked_select(m), [(3, 4), mask], dtype="float64")


@pytest.mark.parametrize("mask,src", [(M, (12,)), (M, (2, 5)), (MF, (3, 3)), (M[None], (30,))])
def test_masked_scatter(mask, src):
    check(lambda lib, x, m, s: x.masked_scatter(m, s), [(3, 4), mask, src])

    def inplace(lib, x, m, s):
        y = x * 1
        y.masked_scatter_(m[0] if m.dim() == 3 else m, s)
        return y
    check(inplace, [(3, 4), mask, src], dtype="float64")


# -- take / put / take_along_dim -------------------------------------------------------------
def test_take():
    check(lambda lib, x, i: lib.take(x, i), [(3, 4), np.array([[0, 11], [11, -1]])])
    check(lambda lib, x, i: x.take(i), [(), np.array([0, 0, -1])], dtype="float64")
    check_error(lambda lib, x: x.take(lib.tensor([12])), [(3, 4)])
    check_error(lambda lib, x: x.take(lib.tensor([-13])), [(3, 4)])
    check_error(lambda lib, x: x.take(lib.tensor([0], dtype=lib.int32)), [(3, 4)])


@pytest.mark.parametrize("acc", [False, True])
def test_put(acc):
    check(lambda lib, x, i, s: x.put(i, s, accumulate=acc),
          [(3, 4), np.array([[1, -1], [5, 0]]), (4,)])
    check(lambda lib, x, i, s: lib.put(x, i, s, accumulate=acc),
          [(3, 4), np.array([1, 1, 2]), (3,)], dtype="float64", gradcheck=acc)

    def inplace(lib, x, i, s):
        y = x * 1
        y.put_(i, s, accumulate=acc)
        return y
    check(inplace, [(3, 4), np.array([7, 1, 7]), (1, 3)], gradcheck=acc)


def test_put_errors():
    check_error(lambda lib, x: x.put(lib.tensor([1]), lib.tensor([5., 6.])), [(3, 4)])
    check_error(lambda lib, x: x.put(lib.tensor([12]), lib.tensor([5.])), [(3, 4)])
    check_error(lambda lib, x: x.put(lib.tensor([1]), lib.tensor([5.]).double()), [(3, 4)])


@pytest.mark.parametrize("dim,idx", [(0, G), (1, np.array([[0, 1]])), (None, np.array([0, 11])),
                                     (-1, np.array([[3], [0], [1]])), (0, np.array([[2], [0]]))])
def test_take_along_dim(dim, idx):
    check(lambda lib, x, i: lib.take_along_dim(x, i, dim), [(3, 4), idx])
    check(lambda lib, x, i: x.take_along_dim(i, dim=dim), [(3, 4), idx], dtype="float64")


# -- nonzero / where ---------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 4), (5,), (), (2, 0, 3), (2, 3, 2)])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool"])
def test_nonzero(shape, dtype):
    def fn(lib, x):
        x = x * (x > 0) if dtype == "float32" else x
        return (lib.nonzero(x), x.nonzero(as_tuple=True), lib.argwhere(x), x.argwhere(),
                lib.where(x != 0))
    arr = np.asarray(make_array(shape, dtype))
    check(fn, [arr], dtype=dtype, grad=False)
    check(fn, [np.zeros(shape, dtype)], dtype=dtype, grad=False)


@pytest.mark.parametrize("fn", [
    lambda lib, c, x, y: lib.where(c, x, y),
    lambda lib, c, x, y: lib.where(c, x, 0.0),
    lambda lib, c, x, y: lib.where(c, 2, y),
    lambda lib, c, x, y: lib.where(c[0], x, y[0]),
    lambda lib, c, x, y: lib.where(c, x.double(), y),
    lambda lib, c, x, y: lib.where(c, x, y.double()[0]),
    lambda lib, c, x, y: x.where(c, y),
    lambda lib, c, x, y: x.where(c, -1),
    lambda lib, c, x, y: lib.where(c[:, :1], x[0], y[:, 1:2]),
])
def test_where(fn):
    check(fn, [M, (3, 4), (3, 4)])


@pytest.mark.parametrize("fn", [
    lambda lib, c: lib.where(c, 1.0, 0.0),
    lambda lib, c: lib.where(c, 1, 0),
    lambda lib, c: lib.where(c, 1, 0.0),
    lambda lib, c: lib.where(c, True, False),
    lambda lib, c: lib.where(c, lib.tensor(2.0), lib.zeros(4, dtype=lib.int32)),
    lambda lib, c: lib.where(c, 2, lib.zeros(4, dtype=lib.int32)),
    lambda lib, c: lib.where(c, lib.ones(4, dtype=lib.int64), lib.zeros(4, dtype=lib.int32)),
    lambda lib, c: lib.where(c[0, 0], lib.tensor(2.0), lib.zeros(4, dtype=lib.int32)),
    lambda lib, c: lib.where(c.byte(), 1.0, 0.0),
])
def test_where_scalars(fn):
    check(fn, [M], grad=False)


def test_where_errors():
    check_error(lambda lib, c, x: lib.where(c.int(), x, 0), [M, (3, 4)])
    check_error(lambda lib, c, x: lib.where(c, x, lib.ones(5)), [M, (3, 4)])
    check_error(lambda lib, c, x: lib.where(lib.ones(5) > 0, x, 1.0), [M, (3, 4)])


# -- double backward ---------------------------------------------------------------------------
@pytest.mark.parametrize("op", [
    lambda lib, x, i: x.gather(0, i),
    lambda lib, x, i: x.scatter(0, lib.tensor(S), x[:2] * 2),
    lambda lib, x, i: x.scatter_add(0, i, x[:2] ** 2),
    lambda lib, x, i: x.index_select(1, i[0]),
    lambda lib, x, i: x.index_add(1, i[0], x * 3),
    lambda lib, x, i: x.masked_fill(x > 0, 1.0),
    lambda lib, x, i: x.masked_select(x > 0),
    lambda lib, x, i: x.take(i),
    lambda lib, x, i: lib.where(x > 0, x, x * 2),
    lambda lib, x, i: x.index_put((i[0],), x[0, :1] * 2, accumulate=True),
])
def test_double_backward(op):
    def fn(lib, x, i):
        y = op(lib, x, i)
        (g,) = lib.autograd.grad((y * y).sum(), x, create_graph=True)
        return g
    check(fn, [(3, 4), np.array([[0, 2, 1, 0], [2, 2, 0, 1]])])


# -- graph node names ------------------------------------------------------------------------
def test_node_names():
    """Each op's grad_fn has PyTorch's name."""
    exprs = ["x.gather(0, g)", "x.scatter(0, g, s)", "x.scatter(0, g, 1.0)",
             "x.scatter_add(0, g, s)", "x.scatter_reduce(0, g, s, 'sum')",
             "x.index_select(1, i)", "x.index_add(1, i, s[:, :2])",
             "x.index_copy(1, i, s[:, :2])", "x.index_fill(1, i, 1.0)",
             "x.index_fill(1, i, v)", "x.masked_fill(m, 1.0)", "x.masked_fill(m, v)",
             "x.masked_select(m)", "x.masked_scatter(m, s)", "x.take(i)", "x.put(i, s[0, :2])",
             "lib.take_along_dim(x, g, 0)", "lib.where(m, x, 0.0)", "x[i]",
             "x.index_put((i,), v)", "x.scatter(0, g, s, reduce='add')"]
    tx = torch.randn(3, 4, requires_grad=True)
    ts = torch.randn(3, 4, requires_grad=True)
    tv = torch.tensor(1.0, requires_grad=True)
    cx = torcia.tensor(tx.detach().numpy(), requires_grad=True)
    cs = torcia.tensor(ts.detach().numpy(), requires_grad=True)
    cv = torcia.tensor(1.0, requires_grad=True)
    for expr in exprs:
        names = []
        for lib, x, s, v in ((torch, tx, ts, tv), (torcia, cx, cs, cv)):
            env = {"lib": lib, "x": x, "s": s, "v": v, "g": lib.tensor(G),
                   "i": lib.tensor([0, 1]), "m": lib.tensor(M)}
            names.append(eval(expr, env).grad_fn.name())
        assert names[1] == names[0].replace("torch::autograd::", "") or names[1] == names[0], \
            (expr, names)

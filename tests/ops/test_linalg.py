"""Linear algebra against PyTorch: products, einsum/tensordot, norms, inverse/solve/det."""

import math

import numpy as np
import pytest
import torch

import torcia

from .opcheck import RNG, check, check_error

DTYPES = ["float32", "float64"]
INF = math.inf


def tol(dtype):
    """Sums of products differ between BLAS libraries by more than an ulp in float32."""
    return {"atol": 1e-4, "rtol": 1e-4} if dtype == "float32" else {"atol": 1e-10, "rtol": 1e-9}


def wc(shape, dtype="float64"):
    """A well-conditioned random square matrix (or batch): random values plus n * I."""
    n = shape[-1]
    return (RNG.uniform(-1, 1, shape) + n * np.eye(n)).astype(dtype)


def spd(shape, dtype="float64"):
    """A symmetric positive-definite matrix (positive determinant)."""
    a = RNG.uniform(-1, 1, shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def away(shape, dtype="float64"):
    """Random values with |x| in [0.5, 2]: no kinks of |x| nearby."""
    return np.asarray(RNG.choice([-1.0, 1.0], shape) * RNG.uniform(0.5, 2.0, shape), dtype)


def chain(t):
    """Node names of ``t``'s graph, breadth first (accumulators left out)."""
    names, todo = [], [t.grad_fn]
    while todo:
        fn = todo.pop(0)
        if fn is None or "AccumulateGrad" in fn.name():
            continue
        names.append(fn.name())
        todo.extend(f for f, _ in fn.next_functions)
    return names


# -- matmul -----------------------------------------------------------------------------------
MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (3,)),
                 ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((1, 2, 3), (5, 3, 4)),
                 ((5, 2, 3), (1, 3, 4)), ((2, 1, 2, 3), (5, 3, 4)), ((2, 5, 2, 3), (2, 5, 3, 4)),
                 ((6, 5, 2, 3), (3, 4)), ((2, 3), (2, 5, 3, 4)), ((1, 2, 3), (1, 3, 4)),
                 ((0, 2, 3), (3, 4)), ((2, 0), (0, 3))]


@pytest.mark.parametrize("a,b", MATMUL_SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_matmul(a, b, dtype):
    check(lambda lib, x, y: lib.matmul(x, y), [a, b], dtype=dtype, **tol(dtype))


@pytest.mark.parametrize("a,b", MATMUL_SHAPES[:10])
def test_matmul_operator(a, b):
    check(lambda lib, x, y: x @ y, [a, b], **tol("float32"))
    check(lambda lib, x, y: x.matmul(y), [a, b], **tol("float32"))


@pytest.mark.parametrize("a,b", MATMUL_SHAPES)
def test_matmul_graph(a, b):
    """matmul's graph has PyTorch's nodes, for each operand requiring grad or not."""
    for ga, gb in [(True, True), (True, False), (False, True)]:
        x, y = RNG.standard_normal(a), RNG.standard_normal(b)
        got = [chain(lib.from_numpy(x).requires_grad_(ga) @ lib.from_numpy(y).requires_grad_(gb))
               for lib in (torch, torcia)]
        assert got[1] == got[0], (ga, gb)


def test_matmul_transposed_and_strided():
    check(lambda lib, x, y: x.t() @ y, [(4, 3), (4, 5)], **tol("float32"))
    check(lambda lib, x, y: x @ y.transpose(0, 1), [(3, 4), (5, 4)], **tol("float32"))
    check(lambda lib, x, y: x[::2] @ y[:, 1::2], [(6, 4), (4, 6)], **tol("float32"))
    check(lambda lib, x, y: x.transpose(1, 2) @ y, [(2, 4, 3), (4, 5)], **tol("float32"))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "uint8"])
def test_int_matmul(dtype):
    for a, b in MATMUL_SHAPES[:12]:
        check(lambda lib, x, y: lib.matmul(x, y), [a, b], dtype=dtype, grad=False)
    check(lambda lib, x, y: lib.mm(x, y), [(2, 3), (3, 4)], dtype=dtype, grad=False)
    check(lambda lib, x, y: lib.bmm(x, y), [(2, 2, 3), (2, 3, 4)], dtype=dtype, grad=False)
    check(lambda lib, x, y: lib.mv(x, y), [(2, 3), (3,)], dtype=dtype, grad=False)
    check(lambda lib, x, y: lib.dot(x, y), [(3,), (3,)], dtype=dtype, grad=False)


def test_half_matmul():
    check(lambda lib, x, y: x @ y, [(3, 4), (4, 2)], dtype="float16", atol=1e-2, rtol=1e-2,
          grad=False)
    check(lambda lib, x, y: x @ y, [(2, 3, 4), (4, 2)], dtype="bfloat16", atol=5e-2,
          rtol=5e-2, grad=False)


@pytest.mark.parametrize("dtype", DTYPES)
def test_products(dtype):
    t = tol(dtype)
    check(lambda lib, x, y: lib.mm(x, y), [(2, 3), (3, 4)], dtype=dtype, **t)
    check(lambda lib, x, y: x.mm(y), [(1, 5), (5, 1)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.bmm(x, y), [(4, 2, 3), (4, 3, 5)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.mv(x, y), [(4, 3), (3,)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.dot(x, y), [(5,), (5,)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.vdot(x, y), [(5,), (5,)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.outer(x, y), [(3,), (4,)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.ger(x, y), [(3,), (4,)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.inner(x, y), [(3,), (3,)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.inner(x, y), [(2, 3), (4, 5, 3)], dtype=dtype, **t)
    check(lambda lib, x, y: lib.inner(x, y), [(), (4, 3)], dtype=dtype, **t)


def test_product_node_names():
    for name, shapes in [("mm", [(2, 3), (3, 4)]), ("bmm", [(2, 2, 3), (2, 3, 4)]),
                         ("mv", [(2, 3), (3,)]), ("dot", [(3,), (3,)]), ("vdot", [(3,), (3,)]),
                         ("outer", [(3,), (2,)]), ("inner", [(2, 3), (4, 3)])]:
        xs = [RNG.standard_normal(s) for s in shapes]
        got = [chain(getattr(lib, name)(*[lib.from_numpy(x).requires_grad_() for x in xs]))
               for lib in (torch, torcia)]
        assert got[1][0] == got[0][0], name


def test_outer_promotes():
    a, b = np.arange(3), np.linspace(0, 1, 4, dtype=np.float32)
    check(lambda lib, x, y: lib.outer(x, y), [], arrays=[a, b])


def test_matmul_out():
    check(lambda lib, x, y: lib.matmul(x, y, out=lib.empty(2, 4)), [(2, 3), (3, 4)], grad=False,
          **tol("float32"))
    check(lambda lib, x, y: lib.mm(x, y, out=lib.empty(2, 4)), [(2, 3), (3, 4)], grad=False,
          **tol("float32"))


def test_second_order():
    """Backward formulas are Tensor ops: gradients of gradients match finite differences."""
    def ggc(fn, *arrays):
        ins = tuple(torcia.from_numpy(a).requires_grad_() for a in arrays)
        assert torcia.autograd.gradgradcheck(fn, ins)
    ggc(lambda x, y: x @ y, RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2)))
    ggc(lambda x, y: x @ y, RNG.standard_normal((2, 2, 3)), RNG.standard_normal((3,)))
    ggc(lambda x: torcia.linalg.inv(x), wc((3, 3)))
    ggc(lambda x: torcia.linalg.det(x), wc((3, 3)))
    ggc(lambda x, y: torcia.linalg.solve(x, y), wc((3, 3)), RNG.standard_normal((3, 2)))
    ggc(lambda x: torcia.linalg.vector_norm(x, 3), away((4,)))
    ggc(lambda x: torcia.linalg.vector_norm(x), away((2, 3)))
    ggc(lambda x, y: torcia.einsum("ij,jk->ik", x, y), RNG.standard_normal((2, 3)),
        RNG.standard_normal((3, 2)))


# -- einsum and tensordot ----------------------------------------------------------------------
EINSUM = [("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]),
          ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]), ("ii", [(3, 3)]), ("ii->i", [(3, 3)]),
          ("ij->ji", [(2, 3)]), ("ij", [(2, 3)]), ("ji", [(2, 3)]), ("ij->", [(2, 3)]),
          ("i,j->ij", [(3,), (4,)]), ("i,i->", [(3,), (3,)]), ("i,i", [(3,), (3,)]),
          ("...ij,...jk", [(2, 3, 4), (4, 5)]), ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
          ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]), ("...->...", [(2, 3)]),
          ("i...->...", [(3, 2, 2)]), ("ij,ij->ij", [(1, 3), (2, 3)]),
          ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]), ("iij->j", [(3, 3, 2)]),
          ("ijk,ikl->j", [(2, 3, 4), (2, 4, 5)]), ("Ab,bC->AC", [(2, 3), (3, 4)]),
          (" ij , jk -> ik ", [(2, 3), (3, 4)]), ("ij,jk", [(2, 1), (3, 4)])]


@pytest.mark.parametrize("eq,shapes", EINSUM)
@pytest.mark.parametrize("dtype", DTYPES)
def test_einsum(eq, shapes, dtype):
    check(lambda lib, *xs: lib.einsum(eq, *xs), shapes, dtype=dtype, **tol(dtype))


def test_einsum_forms():
    check(lambda lib, x, y: lib.einsum("ij,jk", [x, y]), [(2, 3), (3, 4)], **tol("float32"))
    check(lambda lib, x, y: lib.einsum(x, [0, 1], y, [1, 2], [0, 2]), [(2, 3), (3, 4)],
          **tol("float32"))
    check(lambda lib, x, y: lib.einsum(x, [..., 0, 1], y, [1, 2]), [(5, 2, 3), (3, 4)],
          **tol("float32"))
    check(lambda lib, x, y: lib.einsum("ij,jk", x, y), [(2, 3), (3, 4)], dtype="int64",
          grad=False)


@pytest.mark.parametrize("dims,shapes", [(2, [(2, 3, 4), (3, 4, 5)]), (1, [(2, 3), (3, 4)]),
                                         (0, [(2, 3), (4,)]), (3, [(2, 3, 4), (2, 3, 4)]),
                                         (([1, 0], [0, 1]), [(3, 4, 5), (4, 3, 2)]),
                                         (([0], [1]), [(3, 2), (4, 3)]),
                                         (([1], [0]), [(2, 3), (3,)]),
                                         (([1], [0]), [(2, 3, 4), (3, 4)]),
                                         (([1], [0]), [(2, 1, 4), (3, 4)])])
def test_tensordot(dims, shapes):
    check(lambda lib, x, y: lib.tensordot(x, y, dims), shapes, **tol("float32"))
    check(lambda lib, x, y: lib.tensordot(x, y, dims=dims), shapes, dtype="float64",
          **tol("float64"))


# -- addmm family -----------------------------------------------------------------------------
ADD_CASES = [("addmm", [(2, 4), (2, 3), (3, 4)]), ("addmm", [(4,), (2, 3), (3, 4)]),
             ("addmm", [(), (2, 3), (3, 4)]), ("addmv", [(2,), (2, 3), (3,)]),
             ("addmv", [(1,), (2, 3), (3,)]), ("addr", [(3, 2), (3,), (2,)]),
             ("addr", [(2,), (3,), (2,)]), ("baddbmm", [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
             ("baddbmm", [(4,), (2, 2, 3), (2, 3, 4)]), ("addbmm", [(2, 4), (5, 2, 3), (5, 3, 4)])]


@pytest.mark.parametrize("op,shapes", ADD_CASES)
@pytest.mark.parametrize("scalars", [{}, {"beta": 0.5, "alpha": 2.0}, {"beta": 0, "alpha": -1.5}])
def test_addmm_family(op, shapes, scalars):
    check(lambda lib, c, a, b: getattr(lib, op)(c, a, b, **scalars), shapes, **tol("float32"))
    check(lambda lib, c, a, b: getattr(c, op)(a, b, **scalars), shapes, dtype="float64",
          **tol("float64"))


@pytest.mark.parametrize("op,shapes", [ADD_CASES[i] for i in (0, 3, 5, 7, 9)])
def test_addmm_family_inplace(op, shapes):
    check(lambda lib, c, a, b: getattr(c.clone(), op + "_")(a, b, beta=0.5, alpha=2),
          shapes, **tol("float32"))


def test_addmm_family_ints_and_node_names():
    for op, shapes in ADD_CASES:
        check(lambda lib, c, a, b, op=op: getattr(lib, op)(c, a, b, beta=2, alpha=3), shapes,
              dtype="int64", grad=False)
        xs = [RNG.standard_normal(s) for s in shapes]
        got = [chain(getattr(lib, op)(*[lib.from_numpy(x).requires_grad_() for x in xs]))[0]
               for lib in (torch, torcia)]
        assert got[1] == got[0], op
    check(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0.5, alpha=2.5), ADD_CASES[0][1],
          dtype="int64", grad=False)
    a = np.arange(6.0).reshape(3, 2)
    check(lambda lib, c, x, y: lib.addr(c, x, y), [], arrays=[a, np.arange(3), np.ones(2)],
          grad=False)  # PyTorch's backward fails on mixed dtypes here


def test_addmm_ignores_nan_input_when_beta_is_zero():
    c = np.full((2, 4), np.nan, np.float32)
    check(lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), [], arrays=[
        c, RNG.standard_normal((2, 3)).astype(np.float32),
        RNG.standard_normal((3, 4)).astype(np.float32)], gradcheck=False, **tol("float32"))


def test_chains():
    t = tol("float32")
    check(lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), [(2, 3), (3, 4), (4, 5)], **t)
    check(lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), [(9, 2), (2, 8), (8, 3)], **t)
    check(lambda lib, a, b: lib.linalg.multi_dot([a, b]), [(3,), (3,)], **t)
    check(lambda lib, a, b, c, d: lib.linalg.multi_dot([a, b, c, d]),
          [(4,), (4, 6), (6, 2), (2,)], **t)
    check(lambda lib, a, b, c, d, e: lib.linalg.multi_dot([a, b, c, d, e]),
          [(2, 7), (7, 3), (3, 9), (9, 4), (4, 6)], **t)
    with pytest.warns(UserWarning):
        check(lambda lib, a, b, c: lib.chain_matmul(a, b, c), [(2, 3), (3, 4), (4, 5)], **t)


# -- norms ------------------------------------------------------------------------------------
VECTOR_ORDS = [2, 1, 3, 1.5, 0.5, INF, -INF, 0, -1, -2.5]


@pytest.mark.parametrize("ord", VECTOR_ORDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_vector_norm(ord, dtype):
    for shape, kw in [((5,), {}), ((3, 4), {}), ((3, 4), {"dim": 1}), ((3, 4), {"dim": (0, 1)}),
                      ((2, 3, 4), {"dim": (0, 2), "keepdim": True}), ((3, 4), {"keepdim": True}),
                      ((), {}), ((3, 4), {"dim": -2})]:
        check(lambda lib, x, kw=kw: lib.linalg.vector_norm(x, ord, **kw), [],
              arrays=[away(shape, dtype)], dtype=dtype, **tol(dtype))


def test_vector_norm_dtype_and_zero():
    check(lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.float64), [(3, 4)])
    check(lambda lib, x: lib.linalg.vector_norm(x * 0), [(3,)], gradcheck=False)
    check(lambda lib, x: lib.linalg.vector_norm(x, INF, dim=1), [], arrays=[np.zeros((0, 3))],
          dtype="float64")


MATRIX_ORDS = ["fro", "nuc", 1, -1, 2, -2, INF, -INF]


@pytest.mark.parametrize("ord", MATRIX_ORDS)
def test_matrix_norm(ord):
    for shape, kw in [((3, 4), {}), ((4, 3), {}), ((2, 3, 3), {}), ((3, 2, 4), {"dim": (0, 2)}),
                      ((3, 2, 4), {"dim": (2, 0), "keepdim": True}), ((3, 3), {"keepdim": True})]:
        check(lambda lib, x, kw=kw: lib.linalg.matrix_norm(x, ord, **kw), [],
              arrays=[away(shape, "float64")], dtype="float64", **tol("float64"))
    check(lambda lib, x: lib.linalg.matrix_norm(x, ord), [], arrays=[away((3, 4), "float32")],
          **tol("float32"))


def test_norm_forms():
    x = away((3, 4), "float64")
    for kw in [{}, {"ord": 2}, {"ord": "fro"}, {"ord": "nuc"}, {"ord": 1, "dim": 1},
               {"ord": INF}, {"dim": (0, 1), "ord": -1}, {"dim": 0}, {"keepdim": True}]:
        check(lambda lib, x, kw=kw: lib.linalg.norm(x, **kw), [], arrays=[x], dtype="float64")
    for kw in [{}, {"p": 1}, {"p": "fro", "dim": 1}, {"p": "nuc"}, {"p": 3, "dim": 0},
               {"p": 2, "dim": (0, 1)}, {"dim": 1, "keepdim": True}]:
        check(lambda lib, x, kw=kw: lib.norm(x, **kw), [], arrays=[x], dtype="float64")
        check(lambda lib, x, kw=kw: x.norm(**kw), [], arrays=[x], dtype="float64")
    check(lambda lib, x: lib.linalg.norm(x), [], arrays=[away((2, 3, 4), "float64")],
          dtype="float64")


def test_norm_node_names():
    x = away((3, 4), "float64")
    for fn in [lambda lib, t: lib.linalg.vector_norm(t, 3),
               lambda lib, t: lib.linalg.matrix_norm(t, 1),
               lambda lib, t: lib.linalg.matrix_norm(t, "nuc"),
               lambda lib, t: lib.linalg.matrix_norm(t, -2), lambda lib, t: t.norm()]:
        got = [chain(fn(lib, lib.from_numpy(x).requires_grad_())) for lib in (torch, torcia)]
        assert got[1] == got[0]


# -- inverse, solve, determinants ---------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (1, 1)])
def test_inv_det(dtype, shape):
    t = tol(dtype)
    a = [wc(shape, dtype)]
    check(lambda lib, x: lib.linalg.inv(x), [], arrays=a, dtype=dtype, **t)
    check(lambda lib, x: lib.linalg.inv_ex(x), [], arrays=a, dtype=dtype, **t)
    check(lambda lib, x: lib.inverse(x), [], arrays=a, dtype=dtype, **t)
    check(lambda lib, x: lib.linalg.det(x), [], arrays=a, dtype=dtype, **t)
    check(lambda lib, x: x.det(), [], arrays=a, dtype=dtype, **t)
    check(lambda lib, x: lib.linalg.slogdet(x), [], arrays=a, dtype=dtype, **t)
    check(lambda lib, x: lib.slogdet(x), [], arrays=a, dtype=dtype, **t)
    check(lambda lib, x: lib.logdet(x), [], arrays=[spd(shape, dtype)], dtype=dtype, **t)


@pytest.mark.parametrize("a,b,kw", [((3, 3), (3,), {}), ((3, 3), (3, 2), {}),
                                    ((2, 3, 3), (3,), {}), ((2, 3, 3), (2, 3), {}),
                                    ((2, 3, 3), (5, 2, 3, 1), {}), ((3, 3), (2, 3, 4), {}),
                                    ((3, 3), (2, 3), {"left": False}),
                                    ((2, 3, 3), (4, 3), {"left": False})])
@pytest.mark.parametrize("dtype", DTYPES)
def test_solve(a, b, kw, dtype):
    t = tol(dtype)
    arrs = [wc(a, dtype), RNG.standard_normal(b).astype(dtype)]
    check(lambda lib, x, y: lib.linalg.solve(x, y, **kw), [], arrays=arrs, dtype=dtype, **t)
    check(lambda lib, x, y: lib.linalg.solve_ex(x, y, **kw), [], arrays=arrs, dtype=dtype, **t)


def test_linalg_node_names():
    a, b = wc((3, 3)), RNG.standard_normal((3,))
    for fn in [lambda lib, x, y: lib.linalg.inv(x), lambda lib, x, y: lib.linalg.solve(x, y),
               lambda lib, x, y: lib.linalg.det(x), lambda lib, x, y: lib.logdet(x @ x.mT),
               lambda lib, x, y: lib.linalg.slogdet(x)[1], lambda lib, x, y: lib.trace(x),
               lambda lib, x, y: lib.linalg.cross(x, x), lambda lib, x, y: lib.linalg.svdvals(x),
               lambda lib, x, y: lib.linalg.matrix_power(x, 3),
               lambda lib, x, y: lib.linalg.matrix_power(x, -2),
               lambda lib, x, y: lib.linalg.matrix_power(x, 1)]:
        got = [chain(fn(lib, lib.from_numpy(a).requires_grad_(), lib.from_numpy(b)))
               for lib in (torch, torcia)]
        assert got[1] == got[0]


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, 6, -1, -3])
def test_matrix_power(n):
    check(lambda lib, x: lib.linalg.matrix_power(x, n), [], arrays=[wc((3, 3)) / 3],
          dtype="float64", **tol("float64"))
    check(lambda lib, x: x.matrix_power(n), [], arrays=[wc((2, 3, 3), "float32") / 3],
          **tol("float32"))
    if n >= 0:
        check(lambda lib, x: lib.linalg.matrix_power(x, n), [(3, 3)], dtype="int64", grad=False)


def test_cross_trace():
    check(lambda lib, x, y: lib.linalg.cross(x, y), [(4, 3), (4, 3)])
    check(lambda lib, x, y: lib.linalg.cross(x, y), [(4, 3), (1, 3)])
    check(lambda lib, x, y: lib.linalg.cross(x, y, dim=0), [(3, 2), (3, 2)], dtype="float64")
    check(lambda lib, x, y: lib.cross(x, y, dim=1), [(2, 3), (2, 3)])
    check(lambda lib, x, y: x.cross(y, 0), [(3, 2), (3, 2)])
    check(lambda lib, x, y: lib.linalg.cross(x, y), [(3,), (3,)], dtype="int64", grad=False)
    with pytest.warns(UserWarning):
        check(lambda lib, x, y: lib.cross(x, y), [(2, 3), (2, 3)])
    check(lambda lib, x: lib.trace(x), [(3, 3)])
    check(lambda lib, x: x.trace(), [(2, 4)], dtype="float64")
    for dtype in ["int64", "int32", "uint8"]:
        check(lambda lib, x: lib.trace(x), [(3, 3)], dtype=dtype, grad=False)


def _rank_one(u, s, vh):
    """The first singular vectors' outer product: the same for either sign."""
    return u[..., :1] * vh[..., :1, :]


def test_svd():
    """Singular vectors are unique up to sign: compare functions that do not see the sign."""
    t = tol("float64")
    for shape in [(3, 3), (4, 3), (3, 5), (2, 4, 3)]:
        a = [RNG.standard_normal(shape)]
        check(lambda lib, x: lib.linalg.svdvals(x), [], arrays=a, dtype="float64", **t)
        check(lambda lib, x: lib.linalg.svd(x, full_matrices=False)[1], [], arrays=a,
              dtype="float64", **t)
        check(lambda lib, x: [u * u for u in lib.linalg.svd(x, full_matrices=False)], [],
              arrays=a, dtype="float64", **t)
        check(lambda lib, x: _rank_one(*lib.linalg.svd(x, full_matrices=False)), [], arrays=a,
              dtype="float64", **t)
        check(lambda lib, x: lib.svd(x)[1], [], arrays=a, dtype="float64", **t)
    check(lambda lib, x: lib.linalg.svdvals(x), [(3, 4)], **tol("float32"))


def test_svd_full_matrices():
    a = [RNG.standard_normal((4, 3))]
    check(lambda lib, x: [lib.linalg.svd(x)[0][:, :3] ** 2, lib.linalg.svd(x)[1]], [],
          arrays=a, dtype="float64", **tol("float64"))


@pytest.mark.filterwarnings("ignore:torch.(cholesky|qr) is deprecated")
def test_cholesky_eigh_qr():
    """Inputs symmetrised inside the function, so gradcheck perturbs both triangles."""
    t = tol("float64")
    for shape in [(3, 3), (2, 4, 4)]:
        a = [spd(shape) / 2]
        check(lambda lib, x: lib.linalg.cholesky(x + x.mT), [], arrays=a, dtype="float64", **t)
        check(lambda lib, x: lib.linalg.cholesky(x + x.mT, upper=True), [], arrays=a,
              dtype="float64", **t)
        check(lambda lib, x: lib.linalg.cholesky_ex(x + x.mT), [], arrays=a, dtype="float64", **t)
        check(lambda lib, x: lib.cholesky(x + x.mT), [], arrays=a, dtype="float64", **t)
        check(lambda lib, x: lib.linalg.eigvalsh(x + x.mT), [], arrays=a, dtype="float64", **t)
        check(lambda lib, x: [v * v if v.ndim == x.ndim else v for v in lib.linalg.eigh(x + x.mT)],
              [], arrays=a, dtype="float64", **t)
    check(lambda lib, x: lib.linalg.cholesky(x), [], arrays=[spd((3, 3), "float32")],
          gradcheck=False, **tol("float32"))
    for shape in [(4, 3), (3, 3), (3, 5), (2, 4, 3)]:
        check(lambda lib, x: lib.linalg.qr(x), [shape], dtype="float64", **t)
        check(lambda lib, x: lib.linalg.qr(x), [shape], **tol("float32"))
    check(lambda lib, x: lib.linalg.qr(x, mode="complete"), [(3, 5)], dtype="float64", **t)
    check(lambda lib, x: lib.qr(x), [(4, 3)], dtype="float64", **t)
    check(lambda lib, x: lib.linalg.qr(x, mode="r")[1], [(4, 3)], dtype="float64", grad=False)
    x = torcia.from_numpy(RNG.standard_normal((4, 3))).requires_grad_()
    with pytest.raises(RuntimeError, match="mode='complete' and nrows > ncols"):
        torcia.linalg.qr(x, mode="complete")[0].sum().backward()


# -- errors -----------------------------------------------------------------------------------
def _i64(*s):
    return np.ones(s, np.int64)


def _f64(*s):
    return np.ones(s, np.float64)


def _f32(*s):
    return np.ones(s, np.float32)


ERRORS = [
    (lambda lib, x, y: lib.mm(x, y), [_f32(2, 3), _f32(2, 3)]),
    (lambda lib, x, y: lib.mm(x, y), [_f32(2, 3), _f64(3, 2)]),
    (lambda lib, x, y: lib.mm(x, y), [_f64(2, 3), _f32(3, 2)]),
    (lambda lib, x, y: lib.mm(x, y), [_i64(2, 3), _f32(3, 2)]),
    (lambda lib, x, y: lib.mm(x, y), [_f32(3), _f32(3, 2)]),
    (lambda lib, x, y: lib.mm(x, y), [_f32(2, 3), _f32(3)]),
    (lambda lib, x, y: lib.mm(x, y), [np.ones((2, 2), bool), np.ones((2, 2), bool)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(2, 3), _f64(3, 2)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(3), _f32(4)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(2, 3), _f32(4)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(3), _f32(4, 2)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(5, 2, 3), _f32(5, 4, 2)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(5, 2, 3), _f32(4, 2)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(5, 2, 3), _f32(4)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(4, 2, 3), _f32(2, 3, 4)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(5, 2, 3), _f64(5, 3, 2)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(3), _f64(3)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(2, 3), _f64(3)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(3), _f64(5, 3, 2)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(), _f32(2, 3)]),
    (lambda lib, x, y: lib.matmul(x, y), [_f32(2), np.ones((), np.float32)]),
    (lambda lib, x, y: x @ y, [_f32(2, 3), _f32(2, 3)]),
    (lambda lib, x, y: lib.bmm(x, y), [_f32(2, 3), _f32(3, 2)]),
    (lambda lib, x, y: lib.bmm(x, y), [_f32(2, 2, 3), _f32(3, 3, 2)]),
    (lambda lib, x, y: lib.bmm(x, y), [_f32(2, 2, 3), _f64(2, 3, 2)]),
    (lambda lib, x, y: lib.bmm(x, y), [_f32(2, 2, 3), _f32(2, 3)]),
    (lambda lib, x, y: lib.mv(x, y), [_f32(2, 3), _f32(2)]),
    (lambda lib, x, y: lib.mv(x, y), [_f32(2, 3), _f64(3)]),
    (lambda lib, x, y: lib.mv(x, y), [_f32(3), _f32(3)]),
    (lambda lib, x, y: lib.dot(x, y), [_f32(3), _f32(4)]),
    (lambda lib, x, y: lib.dot(x, y), [_f32(3), _f64(3)]),
    (lambda lib, x, y: lib.dot(x, y), [_f32(3, 1), _f32(3)]),
    (lambda lib, x, y: lib.vdot(x, y), [_f32(3), _f32(4)]),
    (lambda lib, x, y: lib.inner(x, y), [_f32(2, 3), _f32(4, 2)]),
    (lambda lib, x, y: lib.outer(x, y), [_f32(3), _f32(2, 2)]),
    (lambda lib, x, y: lib.outer(x, y), [_f32(3, 1), _f32(2)]),
    (lambda lib, c, x, y: lib.addmm(c, x, y), [_f32(2, 4), _f32(2, 3), _f32(2, 3)]),
    (lambda lib, c, x, y: lib.addmm(c, x, y), [_f32(3, 4), _f32(2, 3), _f32(3, 4)]),
    (lambda lib, c, x, y: lib.addmm(c, x, y), [_f64(2, 4), _f32(2, 3), _f32(3, 4)]),
    (lambda lib, c, x, y: lib.addmm(c, x, y), [_f32(2, 4), _f64(2, 3), _f32(3, 4)]),
    (lambda lib, c, x, y: lib.addmm(c, x, y), [_f32(2, 4), _f32(3), _f32(3, 4)]),
    (lambda lib, c, x, y: lib.addmm(c, x, y), [_f32(2, 2, 4), _f32(2, 3), _f32(3, 4)]),
    (lambda lib, c, x, y: lib.addmv(c, x, y), [_f32(3), _f32(2, 3), _f32(3)]),
    (lambda lib, c, x, y: lib.addmv(c, x, y), [_f32(2, 2), _f32(2, 3), _f32(3)]),
    (lambda lib, c, x, y: lib.addmv(c, x, y), [_f64(2), _f32(2, 3), _f32(3)]),
    (lambda lib, c, x, y: lib.addr(c, x, y), [_f32(2, 3), _f32(3), _f32(2)]),
    (lambda lib, c, x, y: lib.addr(c, x, y), [_f32(3, 2), _f32(3, 1), _f32(2)]),
    (lambda lib, c, x, y: lib.addr(c, x, y, beta=0.5), [_i64(3, 2), _i64(3), _i64(2)]),
    (lambda lib, c, x, y: lib.addr(c, x, y, alpha=0.5), [_i64(3, 2), _i64(3), _i64(2)]),
    (lambda lib, c, x, y: lib.baddbmm(c, x, y), [_f32(2, 2, 4), _f32(2, 2, 3), _f32(3, 3, 4)]),
    (lambda lib, c, x, y: lib.baddbmm(c, x, y), [_f32(3, 2, 4), _f32(2, 2, 3), _f32(2, 3, 4)]),
    (lambda lib, c, x, y: lib.baddbmm(c, x, y), [_f64(2, 2, 4), _f32(2, 2, 3), _f32(2, 3, 4)]),
    (lambda lib, c, x, y: lib.baddbmm(c, x, y), [_f32(2, 2, 4), _f32(2, 2, 3), _f64(2, 3, 4)]),
    (lambda lib, c, x, y: lib.addbmm(c, x, y), [_f32(2, 4), _f32(5, 2, 3), _f32(4, 3, 4)]),
    (lambda lib, c, x, y: lib.addbmm(c, x, y), [_f32(2, 4), _f32(5, 2, 3), _f32(5, 2, 4)]),
    (lambda lib, x, y: lib.einsum("ij,jk->ik", x), [_f32(2, 3)]),
    (lambda lib, x, y: lib.einsum("ij,jk->ik", x, y), [_f32(2, 3), _f32(4, 2)]),
    (lambda lib, x, y: lib.einsum("ij,jk->ikl", x, y), [_f32(2, 3), _f32(3, 2)]),
    (lambda lib, x, y: lib.einsum("ij,jk", x, y), [_f32(2, 3), _f64(3, 2)]),
    (lambda lib, x: lib.einsum("ijk", x), [_f32(2, 3)]),
    (lambda lib, x: lib.einsum("ii", x), [_f32(2, 3)]),
    (lambda lib, x: lib.einsum("ij->jj", x), [_f32(2, 3)]),
    (lambda lib, x: lib.einsum("i->i", x, x), [_f32(3)]),
    (lambda lib, x, y: lib.tensordot(x, y, 1), [_f32(2, 3), _f32(4, 2)]),
    (lambda lib, x, y: lib.tensordot(x, y, ([1, 0], [1])), [_f32(2, 3), _f32(3, 2)]),
    (lambda lib, x, y: lib.tensordot(x, y, 3), [_f32(2, 3), _f32(3, 2)]),
    (lambda lib, x, y: lib.tensordot(x, y, -1), [_f32(2, 3), _f32(3, 2)]),
    (lambda lib, x, y: lib.tensordot(x, y, 1), [_f32(2, 3), _f64(3, 2)]),
    (lambda lib, x, y: lib.tensordot(x, y, (1, 0)), [_f32(2, 3), _f32(3, 2)]),
    (lambda lib, x, y: lib.linalg.multi_dot([x]), [_f32(3), _f32(3)]),
    (lambda lib, x, y: lib.linalg.multi_dot([x, y]), [_f32(3), _f32(4)]),
    (lambda lib, x, y: lib.linalg.multi_dot([x, y]), [_f32(2, 2, 3), _f32(3, 4)]),
    (lambda lib, x, y: lib.linalg.multi_dot([x, y]), [_f32(2, 3), _f64(3, 4)]),
    (lambda lib, x, y: lib.linalg.multi_dot([x, x, y]), [_f32(2, 2), _f32(2, 2, 2)]),
    (lambda lib, x: lib.linalg.inv(x), [_i64(3, 3)]),
    (lambda lib, x: lib.linalg.inv(x), [_f32(2, 3)]),
    (lambda lib, x: lib.linalg.inv(x), [_f32(3)]),
    (lambda lib, x: lib.linalg.inv(x), [np.ones((3, 3), np.float16)]),
    (lambda lib, x: lib.linalg.det(x), [_i64(3, 3)]),
    (lambda lib, x: lib.det(x), [_f32(2, 3)]),
    (lambda lib, x: lib.linalg.slogdet(x), [_f32(2, 3)]),
    (lambda lib, x, y: lib.linalg.solve(x, y), [_f32(3, 3), _f32(4)]),
    (lambda lib, x, y: lib.linalg.solve(x, y), [_f32(3, 3), _f32(4, 2)]),
    (lambda lib, x, y: lib.linalg.solve(x, y), [_f32(3, 4), _f32(3)]),
    (lambda lib, x, y: lib.linalg.solve(x, y), [_f32(3, 3), _f64(3)]),
    (lambda lib, x, y: lib.linalg.solve(x, y), [_i64(3, 3), _i64(3)]),
    (lambda lib, x, y: lib.linalg.solve(x, y), [_f32(2, 3, 3), _f32(5, 3, 1)]),
    (lambda lib, x, y: lib.linalg.solve(x, y, left=False), [_f32(3, 3), _f32(3, 2)]),
    (lambda lib, x: lib.linalg.vector_norm(x), [_i64(3)]),
    (lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.int64), [_f32(3)]),
    (lambda lib, x: lib.linalg.vector_norm(x, dtype=lib.float32), [_f64(3)]),
    (lambda lib, x: lib.linalg.vector_norm(x, "fro"), [_f32(3)]),
    (lambda lib, x: lib.linalg.vector_norm(x, dim=(0, 0)), [_f32(3, 4)]),
    (lambda lib, x: lib.linalg.vector_norm(x, dim=2), [_f32(3, 4)]),
    (lambda lib, x: lib.linalg.vector_norm(x, INF), [_f32(0, 3)]),
    (lambda lib, x: lib.linalg.vector_norm(x, -1), [_f32(0, 3)]),
    (lambda lib, x: lib.linalg.matrix_norm(x), [_f32(3)]),
    (lambda lib, x: lib.linalg.matrix_norm(x, 3), [_f32(3, 3)]),
    (lambda lib, x: lib.linalg.matrix_norm(x, 2.5), [_f32(3, 3)]),
    (lambda lib, x: lib.linalg.matrix_norm(x, "abc"), [_f32(3, 3)]),
    (lambda lib, x: lib.linalg.matrix_norm(x), [_i64(3, 3)]),
    (lambda lib, x: lib.linalg.matrix_norm(x, dim=(0,)), [_f32(3, 3)]),
    (lambda lib, x: lib.linalg.matrix_norm(x, dim=(0, -2)), [_f32(3, 3)]),
    (lambda lib, x: lib.linalg.norm(x, 2), [_f32(2, 2, 2)]),
    (lambda lib, x: lib.linalg.norm(x, "fro"), [_f32(3)]),
    (lambda lib, x: lib.linalg.norm(x, dim=(0, 1, 2)), [_f32(3, 3)]),
    (lambda lib, x: lib.norm(x, p="nuc"), [_f32(3)]),
    (lambda lib, x: lib.norm(x, p="fro", dim=(0, 1, 2)), [_f32(2, 3, 3)]),
    (lambda lib, x: lib.linalg.matrix_power(x, 2), [_f32(2, 3)]),
    (lambda lib, x: lib.linalg.matrix_power(x, 2), [_f32(3)]),
    (lambda lib, x: lib.linalg.matrix_power(x, -1), [_i64(3, 3)]),
    (lambda lib, x, y: lib.linalg.cross(x, y), [_f32(4), _f32(4)]),
    (lambda lib, x, y: lib.linalg.cross(x, y), [_f32(3), _f32(2, 3)]),
    (lambda lib, x, y: lib.linalg.cross(x, y), [_f32(3), _f64(3)]),
    (lambda lib, x, y: lib.linalg.cross(x, y, dim=1), [_f32(3), _f32(3)]),
    (lambda lib, x, y: lib.cross(x, y), [_f32(2, 4), _f32(2, 4)]),
    (lambda lib, x: lib.trace(x), [_f32(2, 2, 2)]),
    (lambda lib, x: lib.trace(x), [np.ones((2, 2), bool)]),
    (lambda lib, x: lib.linalg.svdvals(x), [_i64(3, 3)]),
    (lambda lib, x: lib.linalg.cholesky(x), [_f32(2, 3)]),
    (lambda lib, x: lib.linalg.eigh(x), [_f32(2, 3)]),
    (lambda lib, x: lib.linalg.eigh(x, UPLO="X"), [_f32(3, 3)]),
    (lambda lib, x: lib.linalg.qr(x), [_i64(3, 3)]),
    (lambda lib, x: lib.linalg.qr(x, mode="full"), [_f32(3, 3)]),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    fn, arrays = ERRORS[i]
    check_error(fn, arrays)


@pytest.mark.parametrize("fn,a", [
    (lambda lib, x: lib.linalg.inv(x), np.zeros((3, 3))),
    (lambda lib, x: lib.linalg.inv(x), np.zeros((2, 3, 3))),
    (lambda lib, x: lib.linalg.inv(x), np.array([[1.0, 2.0], [2.0, 4.0]])),
    (lambda lib, x: lib.linalg.inv(x), np.array([[1, 2, 3], [4, 5, 6], [7, 8, 9]], np.float32)),
    (lambda lib, x: lib.linalg.inv(x), np.array([[0.0, 2.0], [0.0, 4.0]])),
    (lambda lib, x: lib.linalg.matrix_power(x, -1), np.zeros((3, 3), np.float32)),
    (lambda lib, x: lib.linalg.solve(x, x[..., 0]), np.zeros((3, 3))),
    (lambda lib, x: lib.linalg.solve(x, x), np.zeros((2, 3, 3))),
    (lambda lib, x: lib.linalg.cholesky(x), -np.eye(3)),
    (lambda lib, x: lib.linalg.cholesky(x), np.diag([1.0, 2.0, -1.0])),
    (lambda lib, x: lib.linalg.cholesky(x), np.stack([np.eye(2), np.diag([1.0, -1.0])]))])
def test_singular(fn, a):
    """LinAlgError (a RuntimeError) with PyTorch's message; info from inv_ex/solve_ex."""
    with pytest.raises(torch.linalg.LinAlgError) as expected:
        fn(torch, torch.from_numpy(a))
    with pytest.raises(torcia.linalg.LinAlgError) as got:
        fn(torcia, torcia.from_numpy(a))
    assert isinstance(got.value, RuntimeError)
    assert str(got.value) == str(expected.value)


def test_info():
    a = np.stack([np.eye(3), np.zeros((3, 3))])
    for lib in (torch, torcia):
        assert lib.linalg.inv_ex(lib.from_numpy(a)).info.tolist() == [0, 1]
        assert str(lib.linalg.inv_ex(lib.from_numpy(a)).info.dtype) == "torch.int32"
        assert lib.linalg.solve_ex(lib.from_numpy(a), lib.from_numpy(a)).info.tolist() == [0, 1]

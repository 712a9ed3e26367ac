"""Top-level names of ``torch`` that are not ops of one family: the ATen-signature forms of
the norms and losses (``torch.batch_norm``, ``torch.kl_div`` ...), the older linear-algebra
solvers and factorizations (triangular_solve, cholesky_solve, lu, lu_solve, pinverse,
matrix_exp), igamma/igammac, index_reduce, histogramdd, binomial, resize_, channel_shuffle,
conv_tbc, embedding_bag, the factories empty_permuted and from_file, process settings, and
the program transforms run eagerly (vmap, compile, cond, while_loop).

Values, dtypes and gradients go through ``check`` (with torcia's float64 gradcheck),
exceptions through ``check_error``, other outcomes through ``same``; PyTorch is the oracle.
"""

import os

import numpy as np
import pytest
import torch

import torcia

from ..same import same
from .opcheck import check, check_error, run_gradcheck

R = np.random.default_rng(11)
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def rand(*shape, low=-1.0, high=1.0, dtype=np.float64):
    return R.uniform(low, high, shape).astype(dtype)


def wc(*shape):
    """A well-conditioned square matrix (or batch)."""
    n = shape[-1]
    return rand(*shape) + n * np.eye(n)


def chol(*shape):
    """A lower Cholesky factor with a diagonal well away from 0."""
    a = rand(*shape)
    return np.tril(a, -1) + np.eye(shape[-1]) * R.uniform(1.0, 2.0, shape[:-1])[..., None, :]


def arrays(*arrs, **kw):
    return dict(arrays=list(arrs), **kw)


# -- torch-level norms ---------------------------------------------------------------------------
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm(training):
    rm, rv = rand(3), rand(3, low=0.5, high=2)
    state = {}

    def fn(lib, x, w, b):
        m, v = lib.tensor(rm), lib.tensor(rv)
        out = lib.batch_norm(x, w, b, m, v, training, 0.3, 1e-5, False)
        state[lib] = (m, v)
        return out
    check(fn, None, **arrays(rand(4, 3, 5), rand(3), rand(3)))
    for a, e in zip(state[torcia], state[torch]):
        np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-12)


def test_batch_norm_one_value_per_channel():
    """ATen's batch_norm does not check the batch size (torch.nn.functional does)."""
    same(lambda lib: lib.batch_norm(lib.ones(1, 3), None, None, None, None, True, 0.1, 1e-5,
                                    False).shape)
    same(lambda lib: lib.batch_norm(lib.ones(2, 3), None, None, None, None, False, 0.1, 1e-5,
                                    False))


def test_instance_layer_group_rms_norm():
    check(lambda lib, x, w, b: lib.instance_norm(x, w, b, None, None, True, 0.1, 1e-5, False),
          None, **arrays(rand(2, 3, 6), rand(3), rand(3)))
    check(lambda lib, x, w, b: lib.layer_norm(x, [4, 5], w, b, 1e-5, True), None,
          **arrays(rand(3, 4, 5), rand(4, 5), rand(4, 5)))
    check(lambda lib, x, w, b: lib.group_norm(x, 2, w, b, 1e-5, True), None,
          **arrays(rand(2, 4, 3), rand(4), rand(4)))
    check(lambda lib, x, w: lib.rms_norm(x, [5], w), None, **arrays(rand(3, 5), rand(5)))
    check_error(lambda lib: lib.instance_norm(lib.ones(2, 3, 4), None, None, None, None, False,
                                              0.1, 1e-5, False))
    check_error(lambda lib: lib.group_norm(lib.ones(2, 3, 4), 2))


def test_native_norms():
    # the statistics are outputs without a derivative: gradcheck would see them move
    check(lambda lib, x, w, b: lib.native_layer_norm(x, [5], w, b, 1e-5), None,
          gradcheck=False, **arrays(rand(4, 3, 5), rand(5), rand(5)))
    check(lambda lib, x: lib.native_batch_norm(x, None, None, None, None, True, 0.1, 1e-5),
          None, gradcheck=False, **arrays(rand(4, 3, 5)))
    check(lambda lib, x: lib.native_batch_norm(x, None, None, lib.zeros(3, dtype=lib.float64),
                                               lib.ones(3, dtype=lib.float64), False, 0.1,
                                               1e-5), None, **arrays(rand(4, 3, 5)))


def test_native_dropout():
    def fn(lib):
        lib.manual_seed(5)
        x = lib.arange(1.0, 41.0).view(4, 10).requires_grad_()
        out, mask = lib.native_dropout(x, 0.3, True)
        out.sum().backward()
        return out.detach(), mask, x.grad
    same(fn, strides=False)
    same(lambda lib: lib.native_dropout(lib.ones(3), 0.5, False)[1])


# -- torch-level losses (reduction as an enum) ----------------------------------------------------
@pytest.mark.parametrize("reduction", [0, 1, 2])
def test_losses(reduction):
    r = reduction
    check(lambda lib, x, t: lib.kl_div(x, t, r), None, **arrays(rand(3, 4), rand(3, 4, low=0.1)))
    check(lambda lib, x, t: lib.kl_div(x, t, r, log_target=True), None,
          **arrays(rand(3, 4), rand(3, 4)))
    w, p = rand(3, 4), rand(4, low=0.5)  # neither has a derivative in PyTorch
    check(lambda lib, x, t: lib.binary_cross_entropy_with_logits(x, t, lib.tensor(w),
                                                                 lib.tensor(p), r), None,
          **arrays(rand(3, 4), rand(3, 4, low=0, high=1)))
    check(lambda lib, x, t: lib.poisson_nll_loss(x, t, True, True, 1e-8, r), None,
          **arrays(rand(3, 4), rand(3, 4, low=0, high=3)))
    check(lambda lib, x, t: lib.poisson_nll_loss(x, t, False, False, 1e-8, r), None,
          **arrays(rand(3, 4, low=0.2, high=2), rand(3, 4, low=0, high=3)))
    sign = np.where(R.random(5) > 0.5, 1.0, -1.0)
    check(lambda lib, a, b, t: lib.cosine_embedding_loss(a, b, t, 0.1, r), None,
          **arrays(rand(5, 3), rand(5, 3), sign))
    check(lambda lib, a, b, t: lib.margin_ranking_loss(a, b, t, 0.2, r), None,
          **arrays(rand(5), rand(5), sign))
    check(lambda lib, a, t: lib.hinge_embedding_loss(a, t, 0.5, r), None,
          **arrays(rand(5), sign))
    check(lambda lib, a, p, n: lib.triplet_margin_loss(a, p, n, 1.0, 2, 1e-6, True, r), None,
          **arrays(rand(4, 3), rand(4, 3), rand(4, 3)))


def test_ctc_loss():
    lp = np.log(R.dirichlet(np.ones(5), (6, 2)))
    targets = np.array([[1, 2, 2], [3, 1, 0]], np.int64)
    for r in (0, 1, 2):
        # PyTorch's derivative assumes normalized log-probabilities: no gradcheck
        check(lambda lib, x, t: lib.ctc_loss(x, t, [6, 5], [3, 2], 0, r, False), None,
              gradcheck=False, **arrays(lp, targets))


def test_loss_reduction_must_be_an_int():
    check_error(lambda lib: lib.kl_div(lib.ones(2), lib.ones(2), "sum"))
    check_error(lambda lib: lib.margin_ranking_loss(lib.ones(2), lib.ones(2), lib.ones(2), 0.0,
                                                    "mean"))
    check_error(lambda lib: lib.poisson_nll_loss(lib.ones(2), lib.ones(2)), match="missing")


def test_bilinear():
    check(lambda lib, a, b, w, c: lib.bilinear(a, b, w, c), None,
          **arrays(rand(2, 3), rand(2, 4), rand(5, 3, 4), rand(5)))
    for shapes in [((2, 3), (2, 4), (5, 2, 4), None), ((2, 3), (3, 4), (5, 3, 4), None),
                   ((2, 3), (2, 1, 4), (5, 3, 4), None), ((2, 3), (2, 4), (5, 3, 4), (4,))]:
        check_error(lambda lib: lib.bilinear(*[lib.ones(s) if s else None for s in shapes]))


def test_rnn_functions():
    """torch.lstm_cell, torch.gru_cell, ... (ATen's signatures) are exported."""
    check(lambda lib, x, h, c, wi, wh, bi, bh: lib.lstm_cell(x, (h, c), wi, wh, bi, bh), None,
          **arrays(rand(2, 3), rand(2, 4), rand(2, 4), rand(16, 3), rand(16, 4), rand(16),
                   rand(16)))
    check(lambda lib, x, h, wi, wh: lib.gru_cell(x, h, wi, wh), None,
          **arrays(rand(2, 3), rand(2, 4), rand(12, 3), rand(12, 4)))
    check(lambda lib, x, h, wi, wh, bi, bh: lib.rnn_tanh(x, h, (wi, wh, bi, bh), True, 1, 0.0,
                                                         False, False, False), None,
          **arrays(rand(5, 2, 3), rand(1, 2, 4), rand(4, 3), rand(4, 4), rand(4), rand(4)))


# -- shuffles and conv_tbc ------------------------------------------------------------------------
def test_channel_shuffle():
    check(lambda lib, x: lib.channel_shuffle(x, 3), None, **arrays(rand(2, 6, 2, 2)))
    check(lambda lib, x: lib.nn.functional.channel_shuffle(x, 2), None, **arrays(rand(2, 4, 3)))
    check(lambda lib, x: lib.native_channel_shuffle(x, 3), None, grad=False,
          **arrays(rand(2, 6, 3)))
    check(lambda lib, x: lib.nn.ChannelShuffle(2)(x), None, **arrays(rand(1, 4, 2, 2)))
    same(lambda lib: repr(lib.nn.ChannelShuffle(3)))
    for shape, g in [((2, 5, 3), 3), ((2, 6, 3), 0), ((6,), 3), ((2, 6), 3)]:
        check_error(lambda lib: lib.channel_shuffle(lib.ones(shape), g))

    def backward(lib):
        x = lib.ones(2, 6, 3, requires_grad=True)
        lib.native_channel_shuffle(x, 3).sum().backward()
    check_error(backward)


def test_conv_tbc():
    check(lambda lib, x, w, b: lib.conv_tbc(x, w, b, 1), None,
          **arrays(rand(7, 2, 3), rand(3, 3, 4), rand(4)), atol=1e-10, rtol=1e-9)
    check(lambda lib, x, w, b: lib.conv_tbc(x, w, b), None,
          **arrays(rand(5, 1, 2), rand(2, 2, 3), rand(3)), atol=1e-10, rtol=1e-9)
    for shapes in [((7, 2), (3, 3, 4), (4,)), ((7, 2, 3), (3, 2, 4), (4,)),
                   ((7, 2, 3), (3, 3, 4), (5,))]:
        check_error(lambda lib: lib.conv_tbc(*[lib.ones(s) for s in shapes]))


# -- triangular and Cholesky solves ---------------------------------------------------------------
TOL = dict(atol=1e-10, rtol=1e-9)


@pytest.mark.parametrize("upper,left,unit", [(False, True, False), (True, True, False),
                                             (True, False, True), (False, False, False)])
def test_solve_triangular(upper, left, unit):
    for a, b in [((3, 3), (3,)), ((3, 2), (3, 3)), ((3, 3), (2, 3))]:
        check_error(lambda lib: lib.linalg.solve_triangular(lib.ones(a), lib.ones(b),
                                                            upper=upper))
    b = rand(4, 3, 2) if left else rand(4, 2, 3)
    check(lambda lib, a, b: lib.linalg.solve_triangular(a, b, upper=upper, left=left,
                                                        unitriangular=unit), None,
          **arrays(wc(3, 3), b), **TOL)


@pytest.mark.parametrize("upper,transpose,unit", [(True, False, False), (False, True, False),
                                                  (True, True, True)])
def test_triangular_solve(upper, transpose, unit):
    check(lambda lib, b, a: lib.triangular_solve(b, a, upper, transpose, unit), None,
          **arrays(rand(2, 3, 2), wc(3, 3)), **TOL)
    check(lambda lib, b, a: b.triangular_solve(a, upper, transpose, unit), None,
          **arrays(rand(3, 4), wc(2, 3, 3)), **TOL)


def test_triangular_solve_warns_and_checks():
    same(lambda lib: lib.triangular_solve(lib.ones(2, 1), lib.eye(2)).solution)
    with pytest.warns(UserWarning, match="torch.triangular_solve is deprecated"):
        torcia.triangular_solve(torcia.ones(2, 1), torcia.eye(2))
    for b, a in [((3, 2), (2, 3)), ((4, 2), (3, 3)), ((3,), (3, 3)), ((3, 2), (3,))]:
        check_error(lambda lib: lib.triangular_solve(lib.ones(b), lib.ones(a)))
    check_error(lambda lib: lib.triangular_solve(lib.ones(3, 2, dtype=lib.float64),
                                                 lib.ones(3, 3)))


@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_solve_and_inverse(upper):
    L = chol(3, 3)
    f = L.T.copy() if upper else L
    # PyTorch's gradient for the factor is that of the full matrix in A = L L^H; its
    # triangle is the derivative, which gradcheck confirms through tril/triu.
    check(lambda lib, b, l: lib.cholesky_solve(b, l, upper), None, gradcheck=False,
          **arrays(rand(2, 3, 2), f), **TOL)
    check(lambda lib, l: lib.cholesky_inverse(l, upper), None, gradcheck=False,
          **arrays(f), **TOL)
    check(lambda lib, b, l: b.cholesky_solve(l, upper), None, gradcheck=False,
          **arrays(rand(3, 1), f), **TOL)
    tri = (lambda t: t.triu()) if upper else (lambda t: t.tril())
    run_gradcheck(lambda lib, b, l: lib.cholesky_solve(b, tri(l), upper), [rand(3, 2), f])
    run_gradcheck(lambda lib, l: lib.cholesky_inverse(tri(l), upper), [f])


def test_cholesky_errors():
    for b, a in [((3, 2), (2, 3)), ((4, 2), (3, 3)), ((3,), (3, 3)), ((3, 2), (3,))]:
        check_error(lambda lib: lib.cholesky_solve(lib.ones(b), lib.ones(a)))
    for a in [(2, 3), (3,)]:
        check_error(lambda lib: lib.cholesky_inverse(lib.ones(a)))


# -- pinverse, matrix_exp -------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (2, 4, 4)])
def test_pinverse(shape):
    check(lambda lib, a: lib.pinverse(a), None, **arrays(rand(*shape)), **TOL)
    check(lambda lib, a: a.pinverse(1e-10), None, **arrays(rand(*shape)), **TOL)


def test_linalg_pinv():
    check(lambda lib, a: lib.linalg.pinv(a, atol=0.5), None, grad=False, **arrays(rand(4, 3)))
    check(lambda lib, a: lib.linalg.pinv(a, rtol=0.3), None, grad=False, **arrays(rand(4, 3)))
    s = rand(3, 3)
    check(lambda lib, a: lib.linalg.pinv(a + a.mT, hermitian=True), None, **arrays(s), **TOL)
    check(lambda lib, a: lib.pinverse(a), None, dtype="float32",
          **arrays(rand(3, 2, dtype=np.float32)), atol=1e-5, rtol=1e-4)
    for x in [lib_ones for lib_ones in ((3,), (3, 3))]:
        dt = "long" if len(x) == 2 else "float"
        check_error(lambda lib: lib.pinverse(lib.ones(x, dtype=getattr(lib, dt))))


@pytest.mark.parametrize("scale", [0.01, 1.0, 20.0])
def test_matrix_exp(scale):
    check(lambda lib, a: lib.matrix_exp(a), None, **arrays(rand(2, 4, 4) * scale),
          atol=1e-10, rtol=1e-9)


def test_matrix_exp_more():
    check(lambda lib, a: lib.linalg.matrix_exp(a), None, dtype="float32",
          **arrays(rand(3, 3, dtype=np.float32)), atol=1e-5, rtol=1e-5)
    check(lambda lib, a: a.matrix_exp(), None, **arrays(rand(1, 1)))
    z = rand(3, 3) + 1j * rand(3, 3)
    check(lambda lib, a: lib.matrix_exp(a), None, grad=False, **arrays(z), **TOL)
    same(lambda lib: lib.matrix_exp(lib.zeros(0, 0)))
    for x in [(2, 3), (3,)]:
        check_error(lambda lib: lib.matrix_exp(lib.ones(x)))
    check_error(lambda lib: lib.matrix_exp(lib.ones(3, 3, dtype=lib.long)))

    def second(lib):  # double backward through the block-matrix derivative
        a = lib.tensor([[0.1, 0.4], [-0.3, 0.2]], dtype=lib.float64, requires_grad=True)
        g, = lib.autograd.grad(lib.matrix_exp(a).sum(), a, create_graph=True)
        return lib.autograd.grad(g.pow(2).sum(), a)[0]
    np.testing.assert_allclose(second(torcia).numpy(), second(torch).numpy(), rtol=1e-10)


# -- LU -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (3, 5), (5, 3)])
def test_lu_factor(shape):
    check(lambda lib, a: lib.linalg.lu_factor(a), None, **arrays(rand(*shape)), **TOL)
    check(lambda lib, a: lib.linalg.lu_factor_ex(a), None, **arrays(rand(*shape)), **TOL)
    check(lambda lib, a: lib.lu(a, get_infos=True), None, **arrays(rand(*shape)), **TOL)
    check(lambda lib, a: lib.lu_unpack(*lib.linalg.lu_factor(a)), None,
          **arrays(rand(*shape)), **TOL)


def test_lu_singular_and_errors():
    same(lambda lib: tuple(lib.lu(lib.zeros(3, 3), get_infos=True)))
    same(lambda lib: type(lib.lu(lib.eye(2), get_infos=True)).__name__)
    same(lambda lib: lib.linalg.lu_factor_ex(lib.tensor([[1.0, 2.0], [2.0, 4.0]])).info)
    check_error(lambda lib: lib.linalg.lu_factor(lib.zeros(3, 3)))
    check_error(lambda lib: lib.linalg.lu_factor(lib.zeros(2, 3, 3)))
    check_error(lambda lib: lib.lu(lib.ones(3)))
    check_error(lambda lib: lib.linalg.lu_factor(lib.ones(3, 3, dtype=lib.long)))
    check_error(lambda lib: lib.linalg.lu_factor(lib.stack([lib.eye(3), lib.zeros(3, 3)])))
    check_error(lambda lib: lib.lu(lib.ones(3, 3), pivot=False))
    same(lambda lib: lib.lu(lib.eye(2)))
    with pytest.warns(UserWarning, match="torch.lu is deprecated"):
        torcia.lu(torcia.eye(2))


def test_lu_unpack_and_solve():
    LU, piv = torch.linalg.lu_factor(torch.from_numpy(rand(2, 3, 3)))
    LU, piv = LU.numpy(), piv.numpy()
    check(lambda lib, a, p: lib.lu_unpack(a, p, False, True), None, grad=False,
          **arrays(LU, piv))
    check(lambda lib, a, p: lib.lu_unpack(a, p, True, False), None, **arrays(LU, piv))
    check(lambda lib, b, a, p: lib.lu_solve(b, a, p), None, **arrays(rand(2, 3, 2), LU, piv),
          **TOL)
    check(lambda lib, b, a, p: b.lu_solve(a, p), None, **arrays(rand(3, 1), LU, piv), **TOL)
    for left in (True, False):
        for adjoint in (True, False):
            check(lambda lib, a, p, b: lib.linalg.lu_solve(a, p, b, left=left, adjoint=adjoint),
                  None, **arrays(LU, piv, rand(2, 3, 3)), **TOL)
    check_error(lambda lib: lib.lu_unpack(lib.eye(2), lib.ones(2)))
    check_error(lambda lib: lib.lu_solve(lib.ones(4, 2), lib.eye(3), lib.ones(3, dtype=lib.int32)))
    check_error(lambda lib: lib.lu_solve(lib.ones(3), lib.eye(3), lib.ones(3, dtype=lib.int32)))
    same(lambda lib: lib.lu_solve(lib.ones(2, 1), lib.eye(2), lib.tensor([1, 2], dtype=lib.int32)))
    with pytest.warns(UserWarning, match="torch.lu_solve is deprecated"):
        torcia.lu_solve(torcia.ones(2, 1), torcia.eye(2), torcia.tensor([1, 2], dtype=torcia.int32))


# -- deprecated and removed linear algebra --------------------------------------------------------
def test_deprecated_norms():
    check(lambda lib, a: lib.frobenius_norm(a, (0, 2)), None, **arrays(rand(3, 4, 2)))
    check(lambda lib, a: lib.frobenius_norm(a, (1,), True), None, **arrays(rand(3, 4, 2)))
    check(lambda lib, a: lib.nuclear_norm(a), None, **arrays(rand(3, 4)), **TOL)
    check(lambda lib, a: lib.nuclear_norm(a, True), None, **arrays(rand(3, 4)), **TOL)
    check(lambda lib, a: lib.nuclear_norm(a, (0, 2)), None, **arrays(rand(3, 4, 2)), **TOL)
    with pytest.warns(UserWarning, match="at::frobenius_norm is deprecated"):
        torcia.frobenius_norm(torcia.ones(2, 2), (0, 1))
    with pytest.warns(UserWarning, match="at::nuclear_norm is deprecated"):
        torcia.nuclear_norm(torcia.ones(2, 2))


@pytest.mark.parametrize("dim", [-1, 0, 1, 2])
def test_norm_except_dim(dim):
    check(lambda lib, v: lib.norm_except_dim(v, 2, dim), None, **arrays(rand(3, 4, 2)))
    check(lambda lib, v: lib.norm_except_dim(v, 3, dim), None, **arrays(rand(3, 4, 2)))


@pytest.mark.parametrize("name", ["matrix_rank", "lstsq", "eig", "solve", "symeig"])
def test_removed_functions(name):
    check_error(lambda lib: getattr(lib, name)(lib.eye(2), lib.eye(2)))
    if name != "matrix_rank":
        check_error(lambda lib: getattr(lib.eye(2), name)(lib.eye(2)))


def test_addmv_():
    def fn(lib, x, m, v):
        y = x.clone()
        return lib.addmv_(y, m, v, beta=0.5, alpha=2)
    check(fn, None, **arrays(rand(3), rand(3, 4), rand(4)))


# -- igamma, igammac ------------------------------------------------------------------------------
A_SPECIAL = np.array([0.5, 1, 2, 0, 0, -1, 3, np.inf, 1, np.nan, 1e-3, 100, 30, 1e4, 0.2])
X_SPECIAL = np.array([0.5, 0, 3, 0, 1, 1, -1, 1, np.inf, 1, 1e-3, 90, 31, 1.01e4, 50])


@pytest.mark.parametrize("op", ["igamma", "igammac"])
def test_igamma_values(op):
    # PyTorch's asymptotic series is accurate to about 1e-9 near large a = x
    check(lambda lib, a, x: getattr(lib, op)(a, x), None, grad=False,
          **arrays(A_SPECIAL, X_SPECIAL), atol=1e-12, rtol=1e-8)
    check(lambda lib, a, x: getattr(lib, op)(a, x), None, grad=False, dtype="float32",
          **arrays(rand(4, 5, low=0.01, high=20, dtype=np.float32),
                   rand(5, low=0, high=25, dtype=np.float32)), atol=1e-6, rtol=1e-5)
    a1, a2 = rand(3, 4, low=0.2, high=6), rand(4, low=0.5, high=3)  # no derivative in a
    check(lambda lib, x: getattr(lib, op)(lib.tensor(a1), x), None,
          **arrays(rand(3, 4, low=0.1, high=8)), atol=1e-12, rtol=1e-8)
    check(lambda lib, x: getattr(lib.tensor(a2), op)(x), None,
          **arrays(rand(4, low=0.5, high=3)), atol=1e-12, rtol=1e-8)
    check(lambda lib, a, x: getattr(lib, op)(a, x), None, grad=False, dtype="float16",
          **arrays(np.float16([1.0, 2.0, 0.5]), np.float16([1.0, 3.0, 0.25])), atol=1e-3,
          rtol=1e-3)


def test_igamma_errors_and_inplace():
    check_error(lambda lib: lib.igamma(lib.tensor([1, 2]), lib.tensor([1, 2])))
    check_error(lambda lib: lib.igamma(lib.ones(2), 2.0))
    check_error(lambda lib: lib.igammac(lib.ones(2, dtype=lib.cfloat), lib.ones(2)))
    same(lambda lib: lib.igamma(lib.tensor([1, 2]), lib.tensor([1.0, 2.0])).dtype)

    def grad_a(lib):
        a = lib.tensor([1.5], requires_grad=True)
        lib.igamma(a, lib.tensor([2.0])).sum().backward()
    check_error(grad_a)
    check(lambda lib, a, x: a.clone().igammac_(x), None, grad=False,
          **arrays(np.array([0.5, 2.0]), np.array([1.0, 1.0])), atol=1e-12, rtol=1e-10)


# -- index_reduce ---------------------------------------------------------------------------------
@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce(reduce, include_self):
    idx = np.array([0, 2, 0, 3], np.int64)
    check(lambda lib, x, i, s: lib.index_reduce(x, 0, i, s, reduce, include_self=include_self),
          None, **arrays(rand(4, 3, low=0.5, high=2), idx, rand(4, 3, low=0.5, high=2)), **TOL)
    check(lambda lib, x, i, s: x.index_reduce(1, i, s, reduce, include_self=include_self),
          None, **arrays(rand(2, 5, low=0.5, high=2), idx, rand(2, 4, low=0.5, high=2)), **TOL)


def test_index_reduce_more():
    same(lambda lib: lib.arange(12).view(3, 4).index_reduce_(
        0, lib.tensor([0, 2, 2], dtype=lib.int32), lib.arange(12).view(3, 4), "mean"))
    same(lambda lib: lib.index_reduce(lib.ones(2), 0, lib.tensor([1]), lib.tensor([5.0]),
                                      "amax"))
    with pytest.warns(UserWarning, match="index_reduce.. is in beta"):
        torcia.index_reduce(torcia.ones(2), 0, torcia.tensor([1]), torcia.tensor([5.0]), "amin")
    x, s = (3, 4), (2, 4)
    for args in [(0, [0, 2], s, "sum"), (0, [[0, 2]], s, "amax"), (0, [0, 5], s, "amax"),
                 (0, [0, 1, 2], s, "amax"), (1, [0, 2], s, "amax"), (0, [0, -1], s, "amax"),
                 (0, [0, 1], (2, 3), "prod")]:
        d, i, ss, r = args
        check_error(lambda lib: lib.index_reduce(lib.ones(x), d, lib.tensor(i), lib.ones(ss), r))
    check_error(lambda lib: lib.index_reduce(lib.ones(x), 0, lib.tensor([0.0, 1.0]),
                                             lib.ones(s), "prod"))
    check_error(lambda lib: lib.index_reduce(lib.ones(x), 0, lib.tensor([0, 1]),
                                             lib.ones(s, dtype=lib.float64), "prod"))


# -- histogramdd ----------------------------------------------------------------------------------
def test_histogramdd():
    pts = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.3, 1.7]])
    w = np.array([1.0, 2.0, 4.0, 8.0, 3.0])
    check(lambda lib, x, w: lib.histogramdd(x, bins=[3, 3], weight=w), None, grad=False,
          **arrays(pts, w))
    check(lambda lib, x: lib.histogramdd(x, bins=[2, 2], range=[0.0, 1.0, 0.0, 1.0],
                                         density=True), None, grad=False, **arrays(pts))
    check(lambda lib, x: lib.histogramdd(x, bins=4), None, grad=False,
          **arrays(rand(3, 20, 3, dtype=np.float32)))
    check(lambda lib, x, b0, b1: lib.histogramdd(x, bins=[b0, b1], density=True), None,
          grad=False, **arrays(pts, np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 3.0])))
    for kw in [dict(bins=[3]), dict(bins=[3, 3], range=[0.0, 1.0]), dict(bins=[0, 3]),
               dict(bins=[3, 3], range=[1.0, 0.0, 0.0, 1.0]),
               dict(bins=[3, 3], weight=np.ones(3))]:
        def fn(lib, kw=kw):
            kw = dict(kw)
            if "weight" in kw:
                kw["weight"] = lib.tensor(kw["weight"])
            return lib.histogramdd(lib.tensor(pts), **kw)
        check_error(fn)
    check_error(lambda lib: lib.histogramdd(lib.ones(3), bins=[3]))
    check_error(lambda lib: lib.histogramdd(lib.ones(3, 2, dtype=lib.long), bins=[3, 3]))


# -- binomial -------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binomial_matches_pytorch_draws(dtype):
    counts = np.round(10 ** R.uniform(0, 3, 300))
    probs = R.uniform(0, 1, 300)

    def fn(lib):
        d = getattr(lib, dtype)
        lib.manual_seed(3)
        out = lib.binomial(lib.tensor(counts, dtype=d), lib.tensor(probs, dtype=d))
        return out, lib.rand(2)  # the generator is left where PyTorch leaves it
    same(fn)
    same(lambda lib: lib.binomial(lib.tensor([[10.0], [100.0]]), lib.tensor([0.0, 0.3, 1.0]),
                                  generator=lib.Generator().manual_seed(1)))


def test_binomial_errors():
    check_error(lambda lib: lib.binomial(lib.tensor([1, 2]), lib.tensor([0.5, 0.5])))
    check_error(lambda lib: lib.binomial(lib.ones(2), lib.ones(2, dtype=lib.float64)))
    check_error(lambda lib: lib.binomial(lib.ones(2).half(), lib.ones(2).half()))
    check_error(lambda lib: lib.binomial(lib.ones(2), 0.5))

    def backward(lib):
        c = lib.tensor([5.0], requires_grad=True)
        lib.binomial(c, lib.tensor([0.5])).sum().backward()
    check_error(backward)


# -- resize_, empty_permuted, from_file -----------------------------------------------------------
def test_resize():
    def shrink_grow(lib):
        y = lib.arange(6.0)
        y.resize_(2)
        first = y.clone()
        return first, y.resize_(6), y._version
    same(shrink_grow)
    same(lambda lib: lib.arange(6.0).view(2, 3).t().resize_(6))
    same(lambda lib: lib.arange(6.0).view(2, 3).t().resize_(3, 2))
    same(lambda lib: lib.arange(4.0).resize_((2, 2)))
    same(lambda lib: lib.arange(4.0).resize_(10)[:4])

    def view(lib):
        base = lib.arange(6.0)
        v = base[2:4]
        v.resize_(3)
        return v, base
    same(view)
    same(lambda lib: lib.resize_as_(lib.zeros(2), lib.ones(2, 3)).shape)
    same(lambda lib: lib.zeros(3).resize_as_(lib.ones(1, 3)))
    check_error(lambda lib: lib.zeros(2, requires_grad=True).resize_(3))
    check_error(lambda lib: lib.zeros(2).resize_(2, -1), match="negative dimension")


def test_empty_permuted():
    same(lambda lib: lib.empty_permuted((2, 3, 4), (0, 2, 1)).stride())
    same(lambda lib: lib.empty_permuted([2, 3, 4], [2, 0, 1], dtype=lib.int64).stride())
    same(lambda lib: lib.empty_permuted((2, 3), (1, 0), requires_grad=True).requires_grad)
    for layout in [(0, 1), (0, 1, 1), (0, 1, 3)]:
        check_error(lambda lib: lib.empty_permuted((2, 3, 4), layout))


def test_from_file(tmp_path):
    path = str(tmp_path / "data.bin")
    np.arange(10, dtype=np.float32).tofile(path)
    same(lambda lib: lib.from_file(path, size=10))
    same(lambda lib: lib.from_file(path, size=4, dtype=lib.float64))
    same(lambda lib: lib.from_file(path))
    check_error(lambda lib: lib.from_file(path, size=12))
    check_error(lambda lib: lib.from_file(path + "x", False, 4))
    t = torcia.from_file(path, True, 4)
    t[0] = 100
    assert np.fromfile(path, np.float32)[0] == 100  # a shared mapping writes through
    t = torcia.from_file(path, False, 4)
    t[1] = 100
    assert np.fromfile(path, np.float32)[1] == 1  # a private one does not
    new = str(tmp_path / "new.bin")
    assert torcia.from_file(new, True, 4).tolist() == [0.0] * 4
    assert os.path.getsize(new) == 16


# -- embedding_bag --------------------------------------------------------------------------------
@pytest.mark.parametrize("mode,padding_idx,offsets", [
    (0, None, [0, 4]), (1, None, [0, 4, 4]), (2, None, [0, 4, 4]), (0, 2, [0, 4]),
    (1, 2, [0, 4]), (2, 4, [0, 5])])
def test_embedding_bag(mode, padding_idx, offsets):
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9], np.int64)
    check(lambda lib, w, i, o: lib.embedding_bag(w, i, o, False, mode, False, None, False,
                                                 padding_idx), None,
          **arrays(rand(10, 3), idx, np.array(offsets, np.int64)))


def test_embedding_bag_weights_and_last_offset():
    idx = np.array([1, 2, 4, 5, 4, 3], np.int64)
    check(lambda lib, w, i, o, p: lib.embedding_bag(w, i, o, False, 0, False, p), None,
          **arrays(rand(10, 3), idx, np.array([0, 2], np.int64), rand(6)))
    check(lambda lib, w, i, o: lib.embedding_bag(w, i, o, False, 1, False, None, True), None,
          **arrays(rand(10, 3), idx, np.array([0, 2, 6], np.int64)))


# -- devices, dlpack, process settings ------------------------------------------------------------
def test_device_functions():
    same(lambda lib: lib.get_device(lib.ones(2)))
    same(lambda lib: (lib.is_distributed(lib.ones(2)), lib.ones(2).is_distributed()))
    same(lambda lib: lib.get_device_module("cpu").__name__.split(".")[-1])
    same(lambda lib: lib.get_device_module(lib.device("cpu")).current_device())
    same(lambda lib: lib.get_device_module().device_count())
    same(lambda lib: lib.get_device_module(3))
    same(lambda lib: lib.get_device_module("foo"))
    cpu = torcia.get_device_module("cpu")
    assert cpu is torcia.cpu and cpu.is_available() and cpu.is_initialized()
    with cpu.stream(cpu.Stream()) as _:
        cpu.synchronize()
    assert cpu.Event().query()


def test_memory_format_and_dlpack():
    same(lambda lib: type(lib.channels_last) is lib.memory_format)
    same(lambda lib: [lib.contiguous_format, lib.preserve_format, lib.channels_last_3d])
    x = torcia.arange(6.0).view(2, 3)
    y = torch.from_dlpack(torcia.to_dlpack(x))
    assert y.tolist() == x.tolist()
    z = torcia.from_dlpack(torch.to_dlpack(torch.arange(3)))
    assert z.tolist() == [0, 1, 2]


def test_set_default_tensor_type():
    try:
        for t in ("DoubleTensor", "torch.FloatTensor", "torch.HalfTensor", "FloatTensor"):
            same(lambda lib, t=t: (lib.set_default_tensor_type(getattr(lib, t) if "." not in t
                                                               else t),
                                   lib.get_default_dtype(), lib.tensor([1.5]).dtype))
        for t in ("LongTensor", "torch.LongTensor", "torch.float64", "torch.cuda.FloatTensor"):
            same(lambda lib, t=t: lib.set_default_tensor_type(getattr(lib, t) if "." not in t
                                                              else t))
        same(lambda lib: lib.set_default_tensor_type(lib.float64))
        same(lambda lib: lib.set_default_tensor_type("torch.Foo"))
        with pytest.warns(UserWarning, match=r"set_default_tensor_type\(\) is deprecated"):
            torcia.set_default_tensor_type(torcia.FloatTensor)
    finally:
        torch.set_default_dtype(torch.float32)
        torcia.set_default_dtype(torcia.float32)


def test_set_flush_denormal():
    try:
        same(lambda lib: (lib.set_flush_denormal(True),
                          lib.tensor([1e-323], dtype=lib.float64) * 1.0,
                          lib.tensor([1e-30]) * lib.tensor([1e-10])))
    finally:
        torch.set_flush_denormal(False)
        torcia.set_flush_denormal(False)
    same(lambda lib: lib.tensor([1e-30]) * lib.tensor([1e-10]))
    same(lambda lib: lib.set_flush_denormal(1))


# -- compile, vmap, cond, while_loop --------------------------------------------------------------
def test_compile_returns_the_model():
    def f(x):
        return x * 2
    assert torcia.compile(f) is f
    assert torcia.compile(f, mode="max-autotune", fullgraph=True, dynamic=False) is f
    assert torcia.compile(backend="eager")(f) is f
    m = torcia.nn.Linear(2, 3)
    assert torcia.compile(m) is m

    @torcia.compile
    def g(x):
        return x + 1

    @torcia.compile(options={"trace.enabled": False})
    def h(x):
        return x - 1
    assert g(torcia.ones(1)).item() == 2 and h(torcia.ones(1)).item() == 0
    same(lambda lib: lib.compile(f, mode="default", options={}))
    same(lambda lib: lib.compile()(None))
    assert torcia.compiler.disable(f) is f and torcia.compiler.disable()(f) is f
    assert not torcia.compiler.is_compiling()


VMAP_CASES = [
    lambda lib, x: lib.vmap(lib.sum)(x),
    lambda lib, x: lib.vmap(lambda a: a.sum(0), in_dims=1)(x),
    lambda lib, x: lib.vmap(lambda a, b: a * b, in_dims=(0, None))(x, x[0]),
    lambda lib, x: lib.vmap(lambda a: (a, a.sum()), out_dims=(1, 0))(x),
    lambda lib, x: lib.vmap(lambda a: {"y": a * 2}, out_dims=0)(x)["y"],
    lambda lib, x: lib.vmap(lambda d: d["a"].sum(), in_dims=({"a": 0},))({"a": x}),
    lambda lib, x: lib.vmap(lambda a, *, k: a * k)(x, k=2.0),
    lambda lib, x: lib.vmap(lambda a: a, in_dims=-1)(x),
    lambda lib, x: lib.vmap(lib.vmap(lambda a: a * a))(x),
    lambda lib, x: lib.vmap(lambda a: a.sum())(x[:0]),
    lambda lib, x: lib.vmap(lambda a: a @ a.mT, chunk_size=2)(x.view(4, 3, 1)),
]


@pytest.mark.parametrize("case", range(len(VMAP_CASES)))
def test_vmap(case):
    check(VMAP_CASES[case], None, **arrays(rand(4, 3)))


VMAP_ERRORS = [
    lambda lib, x: lib.vmap(lambda a, b: a + b, in_dims=(0, 0))(x, lib.ones(5, 3)),
    lambda lib, x: lib.vmap(lambda a: a, in_dims=2)(x),
    lambda lib, x: lib.vmap(lambda a: 3)(x),
    lambda lib, x: lib.vmap(lambda a: a)(3),
    lambda lib, x: lib.vmap(lambda a, b: a, in_dims=(None, None))(x, x),
    lambda lib, x: lib.vmap(lambda a: a, in_dims="a")(x),
    lambda lib, x: lib.vmap(lambda a: a, out_dims=2)(x),
    lambda lib, x: lib.vmap(lambda a: None)(x),
    lambda lib, x: lib.vmap(lambda a: a, randomness="x"),
    lambda lib, x: lib.vmap(lambda a: a)(),
]


@pytest.mark.parametrize("case", range(len(VMAP_ERRORS)))
def test_vmap_errors(case):
    check_error(lambda lib: VMAP_ERRORS[case](lib, lib.ones(4, 3)))


def test_vmap_structure_error():
    check_error(lambda lib: lib.vmap(lambda a: a, in_dims=(0, 0))(lib.ones(2)),
                match=r"in_dims is not compatible with the structure of `inputs`")


def test_vmap_randomness_same():
    torcia.manual_seed(0)
    out = torcia.vmap(lambda a: a + torcia.rand(()), randomness="same")(torcia.zeros(3))
    assert out[0] == out[1] == out[2]
    out = torcia.vmap(lambda a: a + torcia.rand(()), randomness="different")(torcia.zeros(3))
    assert len(set(out.tolist())) == 3


def test_cond_and_while_loop():
    x = rand(4, 3)
    for pred in (True, False, 1):
        check(lambda lib, x: lib.cond(pred, lambda a: a.sin(), lambda a: a.cos(), (x,)), None,
              **arrays(x))
    check(lambda lib, x: lib.cond(x.sum() > 100, lambda a, b: a + b, lambda a, b: a - b,
                                  [x, x * 2]), None, **arrays(x))
    check_error(lambda lib: lib.cond(lib.tensor([True, False]), lambda: 1, lambda: 2, ()))
    check_error(lambda lib: lib.cond(lib.tensor(True), lambda a: a, lambda a: a, (1,)))
    check_error(lambda lib: lib.cond(lib.tensor(True), 1, lambda: 2, ()))
    check(lambda lib, x: lib.while_loop(lambda i, a: i < 3, lambda i, a: (i + 1, a * 2),
                                        (lib.tensor(0), x)), None, **arrays(x))
    check_error(lambda lib: lib.while_loop(lambda i: i < 3, 1, (lib.tensor(0),)))
    check_error(lambda lib: lib.while_loop(lambda i: i < 3, lambda i: i + 1, (1.5,)))

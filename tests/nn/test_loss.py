"""Losses, functional and module, against PyTorch: every reduction, weights, ignore_index,
label smoothing, probability and K-dim targets, CTC on random valid inputs, node names,
legacy size_average/reduce, reprs and errors."""

import numpy as np
import pytest
import torch

import torcia

from ..ops.opcheck import check, check_error
from ..same import same

RNG = np.random.default_rng(7)
REDUCTIONS = ["mean", "sum", "none"]


def f32(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, shape).astype(np.float32)


def const(lib, a, like=None):
    """``a`` as a tensor that does not require grad (class weights, targets), in the dtype of
    ``like`` when given (gradcheck runs in float64)."""
    t = lib.from_numpy(np.array(a, copy=True))
    return t if like is None else t.to(like.dtype)


def labels(high, *shape, ignore=None):
    t = RNG.integers(0, high, shape).astype(np.int64)
    if ignore is not None:
        t.flat[::3] = ignore
    return t


def node(fn, *args):
    """The top node's name and its inputs' node names of ``fn(torch, ...)``."""
    out = fn(torch, *[torch.from_numpy(a).requires_grad_(a.dtype.kind == "f") for a in args])
    return out.grad_fn.name()


def check_node(fn, *arrays, grads=None, top_only=False):
    """The output's node and its next nodes are named as torch's (the first ``grads``
    arrays require grad, by default every floating one). ``top_only``: only the output's
    node (PyTorch's C++ compositions record ``MulBackward1``/``AddBackward1`` for their
    tensor-scalar steps, where torcia's pointwise ops record ``...Backward0``)."""
    grads = len(arrays) if grads is None else grads
    rg = [a.dtype.kind == "f" and i < grads for i, a in enumerate(arrays)]
    ct = [torcia.from_numpy(a.copy()).requires_grad_(r) for a, r in zip(arrays, rg)]
    tt = [torch.from_numpy(a.copy()).requires_grad_(r) for a, r in zip(arrays, rg)]
    a, e = fn(torcia, *ct), fn(torch, *tt)

    def names(t):
        fn_ = t.grad_fn
        if top_only:
            return fn_.name()
        return fn_.name(), [n[0].name() if n[0] is not None else None
                            for n in fn_.next_functions]
    assert names(a) == names(e), (names(a), names(e))


# -- regression losses ---------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,kw", [
    ("mse_loss", {}), ("l1_loss", {}), ("smooth_l1_loss", {}), ("smooth_l1_loss", {"beta": 0.3}),
    ("smooth_l1_loss", {"beta": 0.0}), ("huber_loss", {}), ("huber_loss", {"delta": 0.4}),
    ("soft_margin_loss", {}),
])
def test_regression(name, kw, reduction):
    def fn(lib, x, t):
        return getattr(lib.nn.functional, name)(x, t, reduction=reduction, **kw)
    if name == "soft_margin_loss":  # not differentiable in the target
        tgt = np.sign(f32(4, 5))
        check(lambda lib, x: fn(lib, x, const(lib, tgt, x)), [(4, 5)])
        return
    check(fn, [(4, 5), (4, 5)])
    check(fn, [(4, 5), (4, 5)], dtype="float64", gradcheck=False)
    check_node(fn, f32(3, 4), f32(3, 4))


@pytest.mark.filterwarnings("ignore::UserWarning")  # expected; compared by same(warns=True)
def test_regression_kinks_and_broadcast():
    x = np.array([0.0, 0.3, -0.3, 1.0, -1.0, 2.0], np.float32)
    t = np.zeros(6, np.float32)
    for name, kw in [("smooth_l1_loss", {"beta": 0.3}), ("huber_loss", {"delta": 1.0}),
                     ("l1_loss", {}), ("mse_loss", {})]:
        check(lambda lib, a, b: getattr(lib.nn.functional, name)(a, b, **kw), [x, t],
              gradcheck=False)
        same(lambda lib: getattr(lib.nn.functional, name)(lib.ones(3, 1), lib.ones(3)).shape,
             warns=True)
    check(lambda lib, a, b: lib.nn.functional.mse_loss(a, b), [(3, 1), (4,)], gradcheck=False)
    check(lambda lib, a, b: lib.nn.functional.mse_loss(a, b), [(3, 4), (3, 4)], dtype="float64")


def test_weighted_regression():
    for name in ("mse_loss", "l1_loss", "huber_loss"):
        for red in REDUCTIONS:
            check(lambda lib, x, t, w: getattr(lib.nn.functional, name)(x, t, reduction=red,
                                                                         weight=w),
                  [(3, 4), (3, 4), f32(3, 4, low=0.1, high=1)])


def test_legacy_size_average_reduce():
    for sa, rd in [(False, None), (None, False), (True, True), (False, True)]:
        for name in ("mse_loss", "l1_loss", "nll_loss", "binary_cross_entropy"):
            def fn(lib, sa=sa, rd=rd, name=name):
                a = lib.rand(3, 4, generator=lib.Generator().manual_seed(0))
                t = lib.tensor([0, 1, 3]) if name == "nll_loss" else a.flip(0)
                return getattr(lib.nn.functional, name)(a, t, size_average=sa, reduce=rd).shape
            same(fn, warns=True)
        same(lambda lib, sa=sa, rd=rd: lib.nn.MSELoss(sa, rd).reduction, warns=True)
        same(lambda lib, sa=sa, rd=rd: lib.nn.CrossEntropyLoss(None, sa, -100, rd).reduction,
             warns=True)


# -- binary cross entropy ----------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce(reduction):
    F = "nn.functional"
    p = f32(3, 4, low=0.05, high=0.95)
    t = f32(3, 4, low=0, high=1)
    w = f32(4, low=0.2, high=2)
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y, reduction=reduction),
          [p, t])
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(
        x, y, weight=const(lib, w, x), reduction=reduction), [p, t])
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x.sigmoid(), y,
                                                                   reduction=reduction),
          [(3, 4), t])
    # log clamped at -100 at 0 and 1
    edge = np.array([0.0, 1.0, 0.5, 1e-30], np.float32)
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y, reduction=reduction),
          [edge, np.array([1.0, 0.0, 1.0, 1.0], np.float32)], grad=False)
    assert F


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits(reduction):
    t = f32(3, 4, low=0, high=1)
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(
        x, y, reduction=reduction), [(3, 4), t])
    w, pw = f32(3, 1, low=0.1, high=2), f32(4, low=0.1, high=3)
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(
        x, y, weight=const(lib, w, x), pos_weight=const(lib, pw, x), reduction=reduction),
        [(3, 4), t])
    # stable for large logits
    big = np.array([-200.0, -50.0, 0.0, 50.0, 200.0], np.float32)
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(
        x, y, reduction=reduction), [big, np.array([1, 0, 1, 0, 1], np.float32)],
        gradcheck=False)


def test_bce_nodes_and_errors():
    p, t = f32(3, low=0.1, high=0.9), f32(3, low=0, high=1)
    check_node(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y), p, t)
    check_node(lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(x, y), p, t)
    check_error(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y),
                [f32(3, low=0, high=1), f32(3, 1, low=0, high=1)])
    check_error(lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(x, y),
                [(3,), (3, 1)])
    check_error(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x * 3 + 2, y),
                [f32(3, low=0, high=1), f32(3, low=0, high=1)])
    check_error(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y * 3 + 2),
                [f32(3, low=0, high=1), f32(3, low=0, high=1)])
    check_error(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y.double()),
                [f32(3, low=0, high=1), f32(3, low=0, high=1)])


def test_bce_target_gradient():
    p, t = f32(2, 3, low=0.1, high=0.9), f32(2, 3, low=0, high=1)
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy(x, y), [p, t])
    check(lambda lib, x, y: lib.nn.functional.binary_cross_entropy_with_logits(
        x, y, pos_weight=lib.tensor([1.0, 2.0, 0.5])), [(2, 3), t])


# -- nll and cross entropy ---------------------------------------------------------------------
NLL_CASES = [  # (input shape, target shape, classes)
    ((5, 4), (5,), 4), ((4,), (), 4), ((2, 3, 5), (2, 5), 3), ((2, 3, 4, 2), (2, 4, 2), 3),
    ((2, 3, 2, 2, 2), (2, 2, 2, 2), 3),
]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,tshape,c", NLL_CASES)
def test_nll_loss(shape, tshape, c, reduction):
    t = labels(c, *tshape)
    w = f32(c, low=0.1, high=2)
    F = lambda lib: lib.nn.functional  # noqa: E731
    check(lambda lib, x, y: F(lib).nll_loss(x, y, reduction=reduction), [shape, t])
    check(lambda lib, x, y: F(lib).nll_loss(x, y, weight=const(lib, w, x), reduction=reduction),
          [shape, t])
    ti = labels(c, *tshape, ignore=1 if not tshape else None)
    ii = 1 if tshape else -100  # (a scalar target equal to ignore_index gives nan)
    check(lambda lib, x, y: F(lib).nll_loss(x, y, weight=const(lib, w, x), ignore_index=ii,
                                             reduction=reduction), [shape, ti])
    check_node(lambda lib, x, y: F(lib).nll_loss(x, y, reduction=reduction), f32(*shape), t)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape,tshape,c", NLL_CASES)
def test_cross_entropy(shape, tshape, c, reduction):
    t = labels(c, *tshape)
    ti = labels(c, *tshape, ignore=-100 if tshape else None)
    w = f32(c, low=0.1, high=2)
    probs = RNG.dirichlet(np.ones(c), int(np.prod(tshape)) or 1).astype(np.float32)
    probs = np.moveaxis(probs.reshape(tshape + (c,)), -1, 1 if len(shape) > 1 else 0)
    F = lambda lib: lib.nn.functional  # noqa: E731
    check(lambda lib, x, y: F(lib).cross_entropy(x, y, reduction=reduction), [shape, t])
    check(lambda lib, x, y: F(lib).cross_entropy(x, y, weight=const(lib, w, x),
                                                 reduction=reduction), [shape, ti])
    for ls in (0.1, 1.0):
        check(lambda lib, x, y: F(lib).cross_entropy(x, y, label_smoothing=ls,
                                                     reduction=reduction), [shape, ti])
        check(lambda lib, x, y: F(lib).cross_entropy(x, y, weight=const(lib, w, x),
                                                     label_smoothing=ls, reduction=reduction),
              [shape, ti])
        check(lambda lib, x, y: F(lib).cross_entropy(x, y, weight=const(lib, w, x),
                                                     label_smoothing=ls, reduction=reduction),
              [shape, probs])
    check(lambda lib, x, y: F(lib).cross_entropy(x, y, reduction=reduction), [shape, probs])
    check_node(lambda lib, x, y: F(lib).cross_entropy(x, y, reduction=reduction),
               f32(*shape), t)
    if reduction != "mean":  # (torch's mean is a C++ division by a number: DivBackward1)
        check_node(lambda lib, x, y: F(lib).cross_entropy(x, y, reduction=reduction),
                   f32(*shape), probs)


def test_cross_entropy_float64_and_all_ignored():
    t = labels(4, 6)
    check(lambda lib, x, y: lib.nn.functional.cross_entropy(x, y, label_smoothing=0.2),
          [(6, 4), t], dtype="float64")
    ign = np.full(3, -100, np.int64)
    for red in REDUCTIONS:
        check(lambda lib, x, y: lib.nn.functional.cross_entropy(x, y, reduction=red),
              [(3, 4), ign], gradcheck=False)
        check(lambda lib, x, y: lib.nn.functional.nll_loss(x, y, reduction=red),
              [(3, 4), ign], gradcheck=False)


def test_nll_cross_entropy_errors():
    F = lambda lib: lib.nn.functional  # noqa: E731
    cases = [
        (lambda lib, x, y: F(lib).cross_entropy(x, y), [(3, 5), labels(5, 4)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y), [(3, 5), labels(5, 2)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y), [(3, 5), labels(5, 1, 3)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y), [(3, 5), np.array([1, 2, 5])]),
        (lambda lib, x, y: F(lib).nll_loss(x, y), [(3, 5), np.array([1, 2, -1])]),
        (lambda lib, x, y: F(lib).nll_loss(x, y.int()), [(3, 5), labels(5, 3)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y.float()), [(3, 5), labels(5, 3)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y, weight=lib.ones(4)), [(3, 5), labels(5, 3)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y, weight=lib.ones(5).double()),
         [(3, 5), labels(5, 3)]),
        (lambda lib, x, y: F(lib).nll_loss(x[0, 0], y[0]), [(3, 5), labels(5, 3)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y), [(2, 3, 4), labels(3, 2, 5)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y), [(2, 3, 4, 5), labels(3, 2, 4)]),
        (lambda lib, x, y: F(lib).nll_loss(x, y), [(2, 3, 4, 5), labels(3, 2, 4, 6)]),
        (lambda lib, x, y: F(lib).cross_entropy(x, y.long()), [(3, 5), (3, 5)]),
        (lambda lib, x, y: F(lib).cross_entropy(x, y, ignore_index=1), [(3, 5), (3, 5)]),
        (lambda lib, x, y: F(lib).cross_entropy(x, y, weight=lib.ones(4)), [(3, 5), (3, 5)]),
        (lambda lib, x, y: F(lib).cross_entropy(x, y, label_smoothing=1.5),
         [(3, 5), labels(5, 3)]),
        (lambda lib, x, y: F(lib).cross_entropy(x, y, reduction="foo"), [(3, 5), labels(5, 3)]),
    ]
    for case in cases:
        check_error(*case)


# -- divergences and likelihoods -----------------------------------------------------------------
@pytest.mark.filterwarnings("ignore::UserWarning")  # expected; compared by same(warns=True)
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
def test_kl_div(reduction):
    p = RNG.dirichlet(np.ones(5), 3).astype(np.float32)
    for log_target in (False, True):
        def fn(lib, x, y, log_target=log_target):
            y = y.log() if log_target else y
            return lib.nn.functional.kl_div(x.log_softmax(1), y, reduction=reduction,
                                            log_target=log_target)
        check(fn, [(3, 5), p])
    same(lambda lib: lib.nn.functional.kl_div(lib.zeros(2, 2), lib.ones(2, 2),
                                              reduction=reduction), warns=True)
    if reduction != "batchmean":
        check_node(lambda lib, x, y: lib.nn.functional.kl_div(x, y, reduction=reduction),
                   f32(3, 4), p[:, :4])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_poisson_gaussian(reduction):
    t = RNG.poisson(3, (4, 5)).astype(np.float32)
    F = lambda lib: lib.nn.functional  # noqa: E731
    for log_input in (True, False):
        for full in (False, True):
            check(lambda lib, x: F(lib).poisson_nll_loss(
                x if log_input else x.exp(), const(lib, t, x), log_input=log_input, full=full,
                reduction=reduction), [(4, 5)])
    v = f32(4, 5, low=0.1, high=2)
    for full in (False, True):
        check(lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v, full=full,
                                                            reduction=reduction),
              [(4, 5), (4, 5), v])
        check(lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v, reduction=reduction),
              [(4, 5), (4, 5), f32(4, low=0.1, high=2)])
        check(lambda lib, x, y, v: F(lib).gaussian_nll_loss(x, y, v, reduction=reduction),
              [(4, 5), (4, 5), f32(4, 1, low=1e-8, high=1e-7)], gradcheck=False)  # clamped
    check(lambda lib, x, y: F(lib).gaussian_nll_loss(x, y, 0.5, reduction=reduction),
          [(4, 5), (4, 5)])
    check_node(lambda lib, x, y: F(lib).poisson_nll_loss(x, y, reduction=reduction),
               f32(3, 2), t[:3, :2])


@pytest.mark.filterwarnings("ignore::UserWarning")  # expected; compared by same(warns=True)
def test_likelihood_errors():
    F = lambda lib: lib.nn.functional  # noqa: E731
    cases = [
        (lambda lib, x: F(lib).gaussian_nll_loss(x, x, lib.ones(3, 2)), [(3, 5)]),
        (lambda lib, x: F(lib).gaussian_nll_loss(x, x, -lib.ones(3, 5)), [(3, 5)]),
        (lambda lib, x: F(lib).gaussian_nll_loss(x, x, -1.0), [(3, 5)]),
        (lambda lib, x: F(lib).gaussian_nll_loss(x, x, 1.0, reduction="foo"), [(3, 5)]),
        (lambda lib, x: F(lib).poisson_nll_loss(x, x, reduction="foo"), [(3, 5)]),
        (lambda lib, x: F(lib).kl_div(x, x.long(), reduction="sum"), [(3, 5)]),
        (lambda lib, x: F(lib).kl_div(x, x, reduction="foo"), [(3, 5)]),
        (lambda lib, x: F(lib).mse_loss(x.long(), x.long()), [(3, 5)]),
        (lambda lib, x: F(lib).smooth_l1_loss(x, x, beta=-1.0), [(3, 5)]),
        (lambda lib, x: F(lib).huber_loss(x, x, delta=0.0), [(3, 5)]),
        (lambda lib, x: F(lib).mse_loss(x, x[:2]), [(3, 5)]),
        (lambda lib, x: F(lib).l1_loss(x, x, reduction="avg"), [(3, 5)]),
    ]
    for case in cases:
        check_error(*case)


# -- margin and embedding losses -------------------------------------------------------------------
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_margin_losses(reduction):
    F = lambda lib: lib.nn.functional  # noqa: E731
    pm = np.array([1, -1, 1, -1], np.float32)
    check(lambda lib, a, b: F(lib).cosine_embedding_loss(a, b, lib.tensor([1, -1, 1, -1]),
                                                         margin=0.2, reduction=reduction),
          [(4, 5), (4, 5)])
    check(lambda lib, a, b: F(lib).cosine_embedding_loss(a, b, lib.tensor(-1), margin=-0.5,
                                                         reduction=reduction),
          [(5,), (5,)])
    check(lambda lib, a, b, y: F(lib).margin_ranking_loss(a, b, y, margin=0.3,
                                                          reduction=reduction),
          [(4,), (4,), pm])
    check(lambda lib, a, y: F(lib).hinge_embedding_loss(a, y, margin=0.7, reduction=reduction),
          [(4,), pm])
    check(lambda lib, a: F(lib).soft_margin_loss(a, const(lib, pm, a), reduction=reduction),
          [(4,)])
    for swap in (False, True):
        for p in (1, 2, 3):
            check(lambda lib, a, b, c: F(lib).triplet_margin_loss(
                a, b, c, margin=0.5, p=p, swap=swap, reduction=reduction),
                [(4, 6), (4, 6), (4, 6)])
    check(lambda lib, a, b, c: F(lib).triplet_margin_with_distance_loss(
        a, b, c, distance_function=lambda x, y: 1 - F(lib).cosine_similarity(x, y), swap=True,
        reduction=reduction), [(4, 6), (4, 6), (4, 6)])
    check(lambda lib, a, b, c: F(lib).triplet_margin_with_distance_loss(
        a, b, c, reduction=reduction), [(4, 6), (4, 6), (4, 6)])
    y = (RNG.random((4, 5)) > 0.5).astype(np.float32)
    check(lambda lib, a, y, w: F(lib).multilabel_soft_margin_loss(a, y, weight=w,
                                                                  reduction=reduction),
          [(4, 5), y, f32(5, low=0.1, high=1)])
    for p in (1, 2):
        check(lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([0, 3, 2, 4]), p=p,
                                                      margin=0.8, reduction=reduction),
              [(4, 5)], low=-0.5, high=0.5)
        w = f32(5, low=0.1, high=2)
        check(lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([0, 3, 2, 4]), p=p,
                                                      weight=const(lib, w, a), reduction=reduction),
              [(4, 5)], low=-0.5, high=0.5)
    check(lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor(2), reduction=reduction),
          [(5,)], low=-0.5, high=0.5)
    for name, args in [("cosine_embedding_loss", (f32(3, 4), f32(3, 4))),
                       ("margin_ranking_loss", (f32(3), f32(3))),
                       ("hinge_embedding_loss", (f32(3),)), ("soft_margin_loss", (f32(3),)),
                       ("triplet_margin_loss", (f32(3, 4), f32(3, 4), f32(3, 4))),
                       ("multi_margin_loss", (f32(3, 4),))]:
        tgt = {"cosine_embedding_loss": pm[:3].astype(np.int64),
               "margin_ranking_loss": pm[:3], "hinge_embedding_loss": pm[:3],
               "soft_margin_loss": pm[:3], "multi_margin_loss": labels(4, 3)}.get(name)
        extra = () if tgt is None else (tgt,)
        check_node(lambda lib, *xs, name=name: getattr(F(lib), name)(*xs, reduction=reduction),
                   *args, *extra, grads=len(args), top_only=name == "margin_ranking_loss")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss(reduction):
    t = np.full((5, 6), -1, np.int64)
    t[0, :3] = [2, 2, 1]  # a repeated target counts twice
    t[1, :1] = 5
    t[2, :5] = [0, 1, 3, 4, 5]
    t[3, 1:] = 3  # nothing before the first -1
    t[4, :6] = [1, 2, 3, 4, 5, 0]
    check(lambda lib, x: lib.nn.functional.multilabel_margin_loss(x, const(lib, t),
                                                                  reduction=reduction),
          [(5, 6)], low=-0.6, high=0.6)
    check(lambda lib, x: lib.nn.MultiLabelMarginLoss(reduction=reduction)(
        x, lib.tensor([3, 0, -1, 1])), [(4,)], low=-0.6, high=0.6)
    check_node(lambda lib, x: lib.nn.functional.multilabel_margin_loss(
        x, lib.tensor([[3, 0, -1, 1]]), reduction=reduction), f32(1, 4))
    for fn in [lambda lib, x: lib.nn.functional.multilabel_margin_loss(x, lib.zeros(2, 3).long()),
               lambda lib, x: lib.nn.functional.multilabel_margin_loss(
                   x, lib.tensor([[3, 0, -1, 4], [1, 2, 3, -1]])),
               lambda lib, x: lib.nn.functional.multilabel_margin_loss(
                   x, lib.tensor([[3, 0, -2, 1], [1, 2, 3, -1]])),
               lambda lib, x: lib.nn.functional.multilabel_margin_loss(x, lib.zeros(2, 4).int()),
               lambda lib, x: lib.nn.functional.multilabel_margin_loss(
                   x.view(2, 2, 2), lib.zeros(2, 2, 2).long())]:
        check_error(fn, [(2, 4)])


def test_margin_errors():
    F = lambda lib: lib.nn.functional  # noqa: E731
    x = (3, 5)
    cases = [
        (lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([1, 2])), [x]),
        (lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([1, 2, 7])), [x]),
        (lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([1, 2, 3]), p=3), [x]),
        (lambda lib, a: F(lib).multi_margin_loss(a, lib.tensor([1, 2, 3]),
                                                 weight=lib.ones(1, 5)), [x]),
        (lambda lib, a: F(lib).cosine_embedding_loss(a, a, lib.tensor([[1, -1, 1]])), [x]),
        (lambda lib, a: F(lib).cosine_embedding_loss(a, a, lib.tensor(1)), [x]),
        (lambda lib, a: F(lib).cosine_embedding_loss(a[0], a[0], lib.tensor([1])), [x]),
        (lambda lib, a: F(lib).margin_ranking_loss(a, a, lib.ones(3)), [x]),
        (lambda lib, a: F(lib).triplet_margin_loss(a, a, a[0]), [x]),
        (lambda lib, a: F(lib).triplet_margin_loss(a, a, a, margin=0.0), [x]),
        (lambda lib, a: F(lib).triplet_margin_with_distance_loss(a, a, a[0]), [x]),
        (lambda lib, a: F(lib).triplet_margin_with_distance_loss(a, a, a, reduction="x"), [x]),
    ]
    for case in cases:
        check_error(*case)


# -- CTC ---------------------------------------------------------------------------------------
def ctc_inputs(T, N, C, S, rng, concatenated=False, zero_lengths=False):
    il = rng.integers(max(1, T // 2), T + 1, N)
    tl = rng.integers(0 if zero_lengths else 1, S + 1, N)
    tl = np.minimum(tl, (il - 1) // 2 + 1)  # leave room for the repeats' blanks
    tg = rng.integers(1, C, (N, S))
    tg[0, :2] = tg[0, 0]  # a repeated label needs a blank between
    if concatenated:
        tg = np.concatenate([tg[i, :tl[i]] for i in range(N)])
    il[0] = T
    return tg.astype(np.int64), il.astype(np.int64), tl.astype(np.int64)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("concatenated", [False, True])
def test_ctc_loss(reduction, concatenated):
    rng = np.random.default_rng(3 + concatenated)
    for T, N, C, S in [(12, 3, 5, 4), (20, 4, 7, 6)]:
        tg, il, tl = ctc_inputs(T, N, C, S, rng, concatenated, zero_lengths=True)

        def fn(lib, x, tg=tg, il=il, tl=tl):
            return lib.nn.functional.ctc_loss(x.log_softmax(2), lib.from_numpy(tg),
                                              lib.from_numpy(il), lib.from_numpy(tl),
                                              reduction=reduction)
        check(fn, [(T, N, C)], atol=2e-5, rtol=2e-5)
        check(fn, [(T, N, C)], dtype="float64", gradcheck=False)


def test_ctc_raw_log_probs_gradient_and_options():
    rng = np.random.default_rng(11)
    T, N, C, S = 15, 4, 6, 5
    tg, il, tl = ctc_inputs(T, N, C, S, rng)

    # PyTorch's gradient with respect to the log-probabilities themselves (not through
    # log_softmax): matched too, on a leaf tensor of log-probabilities
    def raw(lib, x):
        return lib.nn.functional.ctc_loss(x, lib.from_numpy(tg), lib.from_numpy(il),
                                          lib.from_numpy(tl), blank=0, reduction="sum")
    lp = torch.randn(T, N, C).log_softmax(2).numpy()
    check(raw, [lp], gradcheck=False, atol=2e-5, rtol=2e-5)

    # another blank, lists as lengths, int32 targets, zero_infinity with impossible samples
    tg2 = np.where(tg == 2, 1, tg)
    il2 = il.copy()
    il2[1] = 1
    tl2 = tl.copy()
    tl2[1] = 3
    for zi in (False, True):
        for red in REDUCTIONS:
            def fn(lib, x, zi=zi, red=red):
                return lib.nn.functional.ctc_loss(
                    x.log_softmax(2), lib.from_numpy(tg2).int(), il2.tolist(), tuple(tl2),
                    blank=2, reduction=red, zero_infinity=zi)
            check(fn, [(T, N, C)], gradcheck=False, atol=2e-5, rtol=2e-5)
    # unbatched input
    check(lambda lib, x: lib.nn.functional.ctc_loss(
        x.log_softmax(1), lib.tensor([1, 2, 2]), lib.tensor(T), lib.tensor(3), reduction="none"),
        [(T, C)], atol=2e-5)
    # node names
    check_node(lambda lib, x: lib.nn.functional.ctc_loss(
        x, lib.from_numpy(tg), lib.from_numpy(il), lib.from_numpy(tl)), lp)
    check_node(lambda lib, x: lib.nn.functional.ctc_loss(
        x, lib.from_numpy(tg), lib.from_numpy(il), lib.from_numpy(tl), reduction="none"), lp)
    # module
    check(lambda lib, x: lib.nn.CTCLoss(blank=0, zero_infinity=True)(
        x.log_softmax(2), lib.from_numpy(tg), lib.from_numpy(il), lib.from_numpy(tl)),
        [(T, N, C)], gradcheck=False, atol=2e-5)


def test_ctc_errors():
    T, N, C = 6, 2, 4
    tg = torch.tensor([[1, 2], [3, 0]])

    def case(il, tl, targets=tg, **kw):
        return lambda lib, x: lib.nn.functional.ctc_loss(
            x.log_softmax(2), lib.tensor(targets.tolist()), lib.tensor(il), lib.tensor(tl), **kw)
    for fn in [case([7, 5], [1, 1]), case([6, 5], [3, 1]), case([6, 5], [1]),
               case([6], [1, 1]), case([6, 5], [1, -1]), case([6, -5], [1, 1]),
               case([6, 5], [1, 1], blank=4), case([6, 5], [1, 1], targets=torch.tensor([1, 2, 3])),
               case([6.0, 5.0], [1, 1]), case([6, 5], [1, 1], reduction="foo")]:
        check_error(fn, [(T, N, C)])


# -- modules ---------------------------------------------------------------------------------
MODULES = [
    ("L1Loss", {}), ("MSELoss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}),
    ("HuberLoss", {"delta": 0.5}), ("SoftMarginLoss", {}), ("KLDivLoss", {"log_target": True}),
    ("PoissonNLLLoss", {"full": True}), ("BCELoss", {}), ("BCEWithLogitsLoss", {}),
    ("HingeEmbeddingLoss", {"margin": 0.5}), ("MultiLabelSoftMarginLoss", {}),
]


@pytest.mark.filterwarnings("ignore::UserWarning")  # expected; compared by same(warns=True)
@pytest.mark.parametrize("name,kw", MODULES)
def test_elementwise_modules(name, kw):
    t = f32(3, 4, low=0, high=1) if "BCE" in name else np.sign(f32(3, 4)) \
        if name in ("SoftMarginLoss", "HingeEmbeddingLoss", "MultiLabelSoftMarginLoss") \
        else RNG.poisson(2, (3, 4)).astype(np.float32)

    if name == "MultiLabelSoftMarginLoss":
        t = (t > 0).astype(np.float32)

    def fn(lib, x):
        x = x.sigmoid() if name == "BCELoss" else x
        return getattr(lib.nn, name)(**kw)(x, const(lib, t, x))
    check(fn, [(3, 4)])
    same(lambda lib: repr(getattr(lib.nn, name)(**kw)))


def test_weighted_modules_and_reprs():
    w = f32(5, low=0.1, high=2)
    t = labels(5, 4, ignore=-100)
    check(lambda lib, x: lib.nn.CrossEntropyLoss(weight=const(lib, w, x), label_smoothing=0.1)(
        x, const(lib, t)), [(4, 5)])
    check(lambda lib, x: lib.nn.NLLLoss(const(lib, w, x), ignore_index=2)(x, const(lib, t % 5)),
          [(4, 5)])
    check(lambda lib, x: lib.nn.MultiMarginLoss(p=2, weight=const(lib, w, x))(
        x, const(lib, t % 5)), [(4, 5)])
    check(lambda lib, x: lib.nn.BCEWithLogitsLoss(pos_weight=lib.full((5,), 2.0))(
        x, lib.ones(4, 5)), [(4, 5)])
    check(lambda lib, x, v: lib.nn.GaussianNLLLoss(full=True)(x, lib.zeros(4, 5), v),
          [(4, 5), f32(4, 5, low=0.2, high=1)])
    check(lambda lib, a, b: lib.nn.CosineEmbeddingLoss(0.1)(a, b, lib.tensor([1, -1, 1, 1])),
          [(4, 5), (4, 5)])
    check(lambda lib, a, b: lib.nn.MarginRankingLoss(0.1)(a, b, lib.tensor([1., -1, 1, 1])),
          [(4,), (4,)])
    check(lambda lib, a, b, c: lib.nn.TripletMarginLoss(p=1, swap=True)(a, b, c),
          [(4, 5), (4, 5), (4, 5)])
    check(lambda lib, a, b, c: lib.nn.TripletMarginWithDistanceLoss(margin=0.3)(a, b, c),
          [(4, 5), (4, 5), (4, 5)])
    for make in [
        lambda lib: lib.nn.CrossEntropyLoss(lib.ones(3), ignore_index=1, label_smoothing=0.2),
        lambda lib: lib.nn.NLLLoss(reduction="none"), lambda lib: lib.nn.CTCLoss(blank=3),
        lambda lib: lib.nn.TripletMarginLoss(margin=2.0), lambda lib: lib.nn.BCELoss(lib.ones(2)),
        lambda lib: lib.nn.BCEWithLogitsLoss(pos_weight=lib.ones(2)),
        lambda lib: lib.nn.TripletMarginWithDistanceLoss(),
        lambda lib: lib.nn.MultiMarginLoss(2, 0.5), lambda lib: lib.nn.GaussianNLLLoss(),
    ]:
        same(lambda lib, make=make: repr(make(lib)))
        same(lambda lib, make=make: [(k, tuple(v.shape)) for k, v in
                                     make(lib).state_dict().items()])
        same(lambda lib, make=make: sorted(k for k in vars(make(lib)) if not k.startswith("_")))
    same(lambda lib: lib.nn.NLLLoss2d().reduction, warns=True)
    same(lambda lib: lib.nn.TripletMarginLoss(margin=-1.0))
    same(lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=0))
    same(lambda lib: lib.nn.MultiMarginLoss(p=3))
    same(lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)))
    same(lambda lib: lib.nn.HuberLoss(delta="1"))

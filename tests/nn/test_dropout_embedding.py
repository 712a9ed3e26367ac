"""Dropout (seeded masks equal to PyTorch's), Embedding, EmbeddingBag, one_hot and the
distance functions (normalize, cosine_similarity, pairwise_distance) against PyTorch."""

import numpy as np
import pytest
import torch

import torcia

from ..ops.opcheck import check, check_error
from ..same import same

RNG = np.random.default_rng(5)


# -- dropout -----------------------------------------------------------------------------------
def seeded(fn):
    """``fn(lib)`` after seeding both libraries' generators alike, plus the next draw (so the
    number of random values consumed is compared too)."""
    def run(lib):
        lib.manual_seed(1234)
        out = fn(lib)
        return out, lib.rand(3)
    return run


DROPOUTS = {
    "dropout": lambda F, x: F.dropout(x, 0.3),
    "dropout_p0.9": lambda F, x: F.dropout(x, 0.9, training=True),
    "dropout1d": lambda F, x: F.dropout1d(x.reshape(4, 3, -1), 0.5),
    "dropout1d_unbatched": lambda F, x: F.dropout1d(x.reshape(3, -1), 0.4),
    "dropout2d": lambda F, x: F.dropout2d(x.reshape(2, 3, 4, -1), 0.5),
    "dropout3d": lambda F, x: F.dropout3d(x.reshape(2, 2, 3, 2, -1), 0.5),
    "dropout3d_unbatched": lambda F, x: F.dropout3d(x.reshape(3, 2, 2, -1), 0.5),
    "alpha_dropout": lambda F, x: F.alpha_dropout(x, 0.2, training=True),
    "feature_alpha_dropout": lambda F, x: F.feature_alpha_dropout(x.reshape(4, 6, -1), 0.4,
                                                                  True),
}


@pytest.mark.parametrize("name", DROPOUTS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dropout_masks_equal_torch(name, dtype):
    fn = DROPOUTS[name]

    def run(lib):
        x = lib.arange(1, 49, dtype=getattr(lib, dtype)).reshape(4, 12).requires_grad_()
        y = fn(lib.nn.functional, x)
        y.backward(lib.ones_like(y) * 2)
        return y.detach(), x.grad, y.grad_fn.name()
    same(seeded(run))


@pytest.mark.parametrize("name", DROPOUTS)
def test_dropout_inplace(name):
    fn = DROPOUTS[name]
    inplace = {"dropout": lambda F, x: F.dropout(x, 0.3, inplace=True),
               "alpha_dropout": lambda F, x: F.alpha_dropout(x, 0.2, True, inplace=True)}
    if name not in inplace:
        return

    def run(lib):
        x = lib.randn(5, 7, requires_grad=True)
        y = x * 1
        out = inplace[name](lib.nn.functional, y)
        assert out is y
        y.sum().backward()
        return y.detach(), x.grad, y.grad_fn.name()
    same(seeded(run))
    assert fn


def test_dropout_feature_inplace_and_views():
    def run(lib):
        F = lib.nn.functional
        a = lib.randn(2, 3, 4, 5)
        F.dropout2d(a, 0.5, inplace=True)
        b = lib.randn(3, 5)
        F.dropout1d(b, 0.5, inplace=True)
        c = lib.randn(6, 4).t()  # a transposed input: the mask follows its memory order
        d = F.dropout(c, 0.5)
        e = lib.randn(3, 4, 5)[:, 1]
        return a, b, d, F.dropout(e, 0.25)
    same(seeded(run), strides=False)


def test_dropout_eval_identity_and_edge_cases():
    def run(lib):
        F = lib.nn.functional
        x = lib.randn(4, 5, requires_grad=True)
        return [F.dropout(x, 0.5, training=False) is x, F.dropout(x, 0.0) is x,
                F.alpha_dropout(x, 0.5) is x, F.feature_alpha_dropout(x, 0.5) is x,
                F.dropout(x, 1.0), F.dropout(x, 1.0).grad_fn.name(),
                F.alpha_dropout(x, 1.0, True), F.dropout(lib.empty(0, 3), 0.5).shape]
    same(seeded(run))


def test_dropout_warnings_and_errors():
    same(lambda lib: lib.nn.functional.dropout(lib.ones(3), 1.5))
    same(lambda lib: lib.nn.functional.dropout(lib.ones(3), -0.1))
    same(lambda lib: lib.nn.functional.dropout1d(lib.ones(3), 0.5))
    same(lambda lib: lib.nn.functional.feature_alpha_dropout(lib.ones(3), 0.5, True))
    same(lambda lib: lib.nn.functional.dropout(lib.ones(3, dtype=lib.long), 0.5))
    same(lambda lib: lib.nn.Dropout(2.0))
    for shape in [(3, 4, 5), (3, 4), (2, 3, 4, 5, 6)]:
        same(seeded(lambda lib, shape=shape: lib.nn.functional.dropout2d(lib.ones(*shape))),
             warns=True)
    for shape in [(3, 4, 5), (2, 3, 4, 5, 6, 7)]:
        same(seeded(lambda lib, shape=shape: lib.nn.functional.dropout3d(lib.ones(*shape))),
             warns=True)


@pytest.mark.parametrize("name", ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d",
                                  "AlphaDropout", "FeatureAlphaDropout"])
def test_dropout_modules(name):
    shapes = {"Dropout1d": (2, 3, 8), "Dropout2d": (2, 3, 4, 2), "Dropout3d": (2, 3, 2, 2, 2),
              "FeatureAlphaDropout": (2, 3, 4)}

    def run(lib):
        m = getattr(lib.nn, name)(0.4)
        x = lib.randn(*shapes.get(name, (4, 6)))
        train = m(x)
        m.eval()
        return train, m(x) is x, repr(m), repr(getattr(lib.nn, name)(0.1, inplace=True))
    same(seeded(run))


def test_torch_level_dropout():
    def run(lib):
        x = lib.randn(3, 4, 5)
        return [lib.dropout(x, 0.5, True), lib.dropout(x, 0.5, train=False) is x,
                lib.feature_dropout(x, 0.5, True), lib.alpha_dropout(x, 0.5, True),
                lib.feature_alpha_dropout(x, 0.3, True), lib.dropout_(x.clone(), 0.2, True)]
    same(seeded(run))


def test_dropout_in_a_training_step():
    def run(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(6, 8), lib.nn.ReLU(), lib.nn.Dropout(0.5),
                                  lib.nn.Linear(8, 3))
        x = lib.randn(5, 6)
        loss = lib.nn.functional.cross_entropy(model(x), lib.tensor([0, 1, 2, 1, 0]))
        loss.backward()
        return [p.grad for p in model.parameters()]
    a, e = run(torcia), run(torch)
    for x, y in zip(a, e):
        np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-5, atol=1e-6)


# -- embedding -----------------------------------------------------------------------------------
def idx(*shape, high=10):
    return RNG.integers(0, high, shape).astype(np.int64)


def test_embedding():
    F = lambda lib: lib.nn.functional  # noqa: E731
    i = idx(3, 4)
    i[0, :2] = 2  # repeats
    check(lambda lib, w: F(lib).embedding(lib.from_numpy(i), w), [(10, 5)])
    check(lambda lib, w: F(lib).embedding(lib.from_numpy(i).int(), w), [(10, 5)])
    check(lambda lib, w: F(lib).embedding(lib.tensor(3), w), [(10, 5)])
    # (padding rows and frequency scaling are not the true gradient: no gradcheck)
    for pad in (2, -8, 0):
        check(lambda lib, w: F(lib).embedding(lib.from_numpy(i), w, padding_idx=pad),
              [(10, 5)], gradcheck=False)
    check(lambda lib, w: F(lib).embedding(lib.from_numpy(i), w, scale_grad_by_freq=True),
          [(10, 5)], gradcheck=False)
    check(lambda lib, w: F(lib).embedding(lib.from_numpy(i), w, padding_idx=2,
                                          scale_grad_by_freq=True), [(10, 5)], dtype="float64",
          gradcheck=False)
    check(lambda lib, w: lib.embedding(w, lib.from_numpy(i)), [(10, 5)])
    assert F(torcia).embedding(torcia.tensor([1]), torcia.randn(3, 2, requires_grad=True)) \
        .grad_fn.name() == "EmbeddingBackward0"


def test_embedding_max_norm():
    w0 = RNG.uniform(-2, 2, (8, 4)).astype(np.float32)

    def run(lib):
        w = lib.tensor(w0, requires_grad=True)
        i = lib.tensor([[1, 3, 3], [5, 1, 0]])
        outs = []
        for norm_type in (2.0, 1.0, 3.0, float("inf")):
            w2 = w.detach().clone().requires_grad_()
            out = lib.nn.functional.embedding(i, w2, max_norm=1.0, norm_type=norm_type)
            out.sum().backward()
            outs += [out.detach(), w2.detach(), w2.grad, w2._version]
        return outs
    a, e = run(torcia), run(torch)
    for x, y in zip(a, e):
        if isinstance(y, torch.Tensor):
            np.testing.assert_allclose(x.numpy(), y.numpy(), rtol=1e-6, atol=1e-6)
        else:
            assert x == y


def test_embedding_errors():
    F = lambda lib: lib.nn.functional  # noqa: E731
    w = (10, 3)
    for fn in [lambda lib, w: F(lib).embedding(lib.tensor([1.0, 2.0]), w),
               lambda lib, w: F(lib).embedding(lib.tensor([1, 12]), w),
               lambda lib, w: F(lib).embedding(lib.tensor([1, -1]), w),
               lambda lib, w: F(lib).embedding(lib.tensor([1, 2]), w[0]),
               lambda lib, w: F(lib).embedding(lib.tensor([1, 2]), w, padding_idx=10),
               lambda lib, w: F(lib).embedding(lib.tensor([1, 2]), w, padding_idx=-11)]:
        check_error(fn, [w])


def test_embedding_module():
    def run(lib):
        lib.manual_seed(3)
        m = lib.nn.Embedding(10, 4, padding_idx=1)
        out = m(lib.tensor([[1, 2], [4, 1]]))
        out.pow(2).sum().backward()
        pre = lib.nn.Embedding.from_pretrained(lib.ones(5, 3))
        pre2 = lib.nn.Embedding.from_pretrained(lib.ones(5, 3), freeze=False, padding_idx=0)
        return [m.weight, m.weight.grad, repr(m), repr(pre), pre.weight.requires_grad,
                pre2.weight.requires_grad, repr(pre2), list(m.state_dict()),
                repr(lib.nn.Embedding(5, 2, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True,
                                      sparse=True)),
                repr(lib.nn.Embedding(7, 3, padding_idx=-1))]
    same(run)
    same(lambda lib: lib.nn.Embedding(5, 2, _weight=lib.ones(4, 2)))
    same(lambda lib: lib.nn.Embedding(5, 2, padding_idx=5))
    same(lambda lib: lib.nn.Embedding.from_pretrained(lib.ones(5)))


# -- embedding bag -------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag(mode):
    F = lambda lib: lib.nn.functional  # noqa: E731
    flat = np.array([1, 2, 4, 5, 4, 3, 2, 9, 1], np.int64)
    # (with include_last_offset, offsets end with the input's length: PyTorch's kernels
    # disagree with each other, and read memory out of bounds, when they do not)
    for offsets in ([0, 2, 2, 6], [0, 9], [0, 3, 5, 9]):
        off = np.array(offsets, np.int64)
        for last in (False, True) if offsets[-1] == len(flat) else (False,):
            check(lambda lib, w: F(lib).embedding_bag(lib.from_numpy(flat), w,
                                                      lib.from_numpy(off), mode=mode,
                                                      include_last_offset=last), [(10, 3)])
        check(lambda lib, w: F(lib).embedding_bag(lib.from_numpy(flat), w, lib.from_numpy(off),
                                                  mode=mode, padding_idx=4), [(10, 3)])
    two_d = idx(4, 3)
    check(lambda lib, w: F(lib).embedding_bag(lib.from_numpy(two_d), w, mode=mode), [(10, 3)])
    check(lambda lib, w: F(lib).embedding_bag(lib.from_numpy(two_d).int(), w, mode=mode),
          [(10, 3)], dtype="float64")
    if mode != "max":
        for f in (flat, np.array([3, 3, 9, 9, 9, 1]), np.array([2, 2, 2, 2, 2, 3])):
            check(lambda lib, w, f=f: F(lib).embedding_bag(lib.from_numpy(f), w,
                                                           lib.tensor([0, 4, 4]), mode=mode,
                                                           scale_grad_by_freq=True),
                  [(10, 3)], gradcheck=False)


def test_embedding_bag_per_sample_weights():
    F = lambda lib: lib.nn.functional  # noqa: E731
    flat = np.array([1, 2, 4, 5, 4, 3], np.int64)
    check(lambda lib, w, p: F(lib).embedding_bag(lib.from_numpy(flat), w, lib.tensor([0, 2, 5]),
                                                 mode="sum", per_sample_weights=p), [(8, 3), (6,)])
    check(lambda lib, w, p: F(lib).embedding_bag(lib.from_numpy(flat), w, lib.tensor([0, 2, 5]),
                                                 mode="sum", per_sample_weights=p, padding_idx=4),
          [(8, 3), (6,)])
    check(lambda lib, w, p: F(lib).embedding_bag(lib.from_numpy(flat.reshape(2, 3)), w,
                                                 mode="sum", per_sample_weights=p),
          [(8, 3), (2, 3)])

    def names(lib):
        w = lib.randn(8, 3, requires_grad=True)
        p = lib.rand(6, requires_grad=True)
        out = F(lib).embedding_bag(lib.from_numpy(flat), w, lib.tensor([0, 2]), mode="sum",
                                   per_sample_weights=p)
        return out.grad_fn.name(), len(out.grad_fn.next_functions)
    assert names(torcia) == names(torch)


def test_embedding_bag_errors_and_module():
    F = lambda lib: lib.nn.functional  # noqa: E731
    i = lambda lib: lib.tensor([1, 2, 3, 4])  # noqa: E731
    for fn in [
        lambda lib, w: F(lib).embedding_bag(i(lib), w, lib.tensor([1, 2]), mode="sum"),
        lambda lib, w: F(lib).embedding_bag(i(lib), w, lib.tensor([0, 5]), mode="sum"),
        lambda lib, w: F(lib).embedding_bag(i(lib), w, lib.tensor([0, 2]), mode="foo"),
        lambda lib, w: F(lib).embedding_bag(i(lib), w, lib.tensor([0, 2]), mode="mean",
                                            per_sample_weights=lib.rand(4)),
        lambda lib, w: F(lib).embedding_bag(lib.tensor([1, 2, 3, 11]), w, lib.tensor([0])),
        lambda lib, w: F(lib).embedding_bag(lib.tensor([1, -2, 3]), w, lib.tensor([0]),
                                            mode="max"),
        lambda lib, w: F(lib).embedding_bag(lib.tensor([1, 2, 30]), w.double(), lib.tensor([0])),
        lambda lib, w: F(lib).embedding_bag(i(lib), w, lib.tensor([0, 2]), mode="sum",
                                            per_sample_weights=lib.rand(4).double()),
        lambda lib, w: F(lib).embedding_bag(i(lib), w, lib.tensor([0, 2]), mode="sum",
                                            per_sample_weights=lib.rand(3)),
        lambda lib, w: F(lib).embedding_bag(i(lib), w),
        lambda lib, w: F(lib).embedding_bag(i(lib).view(2, 2), w, lib.tensor([0])),
        lambda lib, w: F(lib).embedding_bag(i(lib), w[0], lib.tensor([0])),
        lambda lib, w: F(lib).embedding_bag(i(lib), w, lib.tensor([[0]])),
        lambda lib, w: F(lib).embedding_bag(i(lib), w, lib.tensor([0]), mode="max",
                                            scale_grad_by_freq=True),
    ]:
        check_error(fn, [(10, 3)])

    def run(lib):
        lib.manual_seed(2)
        m = lib.nn.EmbeddingBag(10, 3, mode="max", padding_idx=0)
        out = m(lib.tensor([[1, 0, 2], [0, 0, 0]]))
        out.sum().backward()
        pre = lib.nn.EmbeddingBag.from_pretrained(lib.ones(4, 2), mode="sum")
        return [m.weight, out, m.weight.grad, repr(m), repr(pre), pre.weight.requires_grad,
                pre(lib.tensor([1, 2, 3]), lib.tensor([0, 1])),
                repr(lib.nn.EmbeddingBag(5, 2, max_norm=2.0, norm_type=1.0,
                                         scale_grad_by_freq=True, include_last_offset=True))]
    same(run)


# -- one_hot ---------------------------------------------------------------------------------------
def test_one_hot():
    same(lambda lib: lib.nn.functional.one_hot(lib.tensor([[0, 2], [1, 4]])))
    same(lambda lib: lib.nn.functional.one_hot(lib.tensor([0, 2]), 5))
    same(lambda lib: lib.nn.functional.one_hot(lib.tensor(3), num_classes=4))
    same(lambda lib: lib.nn.functional.one_hot(lib.zeros(0, 2, dtype=lib.long), 3))
    for fn in [lambda lib: lib.nn.functional.one_hot(lib.tensor([1, 2]).int()),
               lambda lib: lib.nn.functional.one_hot(lib.tensor([1, -2])),
               lambda lib: lib.nn.functional.one_hot(lib.tensor([1, 2]), 2),
               lambda lib: lib.nn.functional.one_hot(lib.tensor([], dtype=lib.long)),
               lambda lib: lib.nn.functional.one_hot(lib.tensor([[1, 0]]), 0)]:
        same(fn)


# -- distances ------------------------------------------------------------------------------------
def test_distances():
    F = lambda lib: lib.nn.functional  # noqa: E731
    for p in (2.0, 1.0, 3.0):
        check(lambda lib, x: F(lib).normalize(x, p=p), [(3, 4)])
        check(lambda lib, x: F(lib).normalize(x, p=p, dim=0), [(3, 4)])
        check(lambda lib, a, b: F(lib).pairwise_distance(a, b, p=p), [(3, 4), (3, 4)])
    check(lambda lib, x: F(lib).normalize(x * 0), [(3, 4)], gradcheck=False)
    check(lambda lib, a, b: F(lib).pairwise_distance(a, b, keepdim=True, eps=0.1),
          [(3, 4), (4,)])
    check(lambda lib, a, b: F(lib).pairwise_distance(a, b), [(4,), (4,)])
    check(lambda lib, a, b: F(lib).cosine_similarity(a, b), [(3, 4), (3, 4)])
    check(lambda lib, a, b: F(lib).cosine_similarity(a, b, dim=-1), [(2, 3, 4), (3, 4)])
    # (the norms are clamped without changing their gradient, as in PyTorch: no gradcheck)
    check(lambda lib, a, b: F(lib).cosine_similarity(a, b, dim=0, eps=1.0), [(3, 4), (3, 1)],
          gradcheck=False)
    check(lambda lib, a, b: F(lib).cosine_similarity(a, b.long()), [(3, 4), (3, 4)],
          grad=False)
    check(lambda lib, a, b: lib.cosine_similarity(a, b), [(3, 4), (3, 4)], dtype="float64")
    check(lambda lib, a, b: lib.pairwise_distance(a, b), [(3, 4), (3, 4)], dtype="float64")
    check(lambda lib, a, b: lib.nn.CosineSimilarity(dim=0)(a, b), [(3, 4), (3, 4)])
    check(lambda lib, a, b: lib.nn.PairwiseDistance(p=1.0, keepdim=True)(a, b),
          [(3, 4), (3, 4)])
    for fn in [lambda lib, a: F(lib).cosine_similarity(a, a[:2]),
               lambda lib, a: F(lib).cosine_similarity(a.long(), a.long()),
               lambda lib, a: F(lib).pairwise_distance(a, a[:2])]:
        check_error(fn, [(3, 4)])

    def out_arg(lib):
        x = lib.tensor([[3.0, 4.0], [0.0, 0.0]])
        out = lib.empty(2, 2)
        r = lib.nn.functional.normalize(x, out=out)
        return r is out, out
    same(out_arg)
    same(lambda lib: [repr(lib.nn.CosineSimilarity()), repr(lib.nn.PairwiseDistance()),
                      lib.nn.PairwiseDistance(3.0).norm])

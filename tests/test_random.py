"""Random sampling against PyTorch's CPU generator: every value must be bit-identical.

Each case seeds both libraries the same way, runs the same calls on each and compares the
results exactly (values, dtypes, shapes), so a difference in how a single draw is consumed
or transformed fails the test.
"""

import copy
import math
import pickle
import warnings

import numpy as np
import pytest
import torch

import torcia

SEEDS = (0, 1, 12345)
SIZES = (1, 7, 15, 16, 17, 100, 1000, (3, 5), (4, 4, 4))
FLOATS = ("float32", "float64", "float16", "bfloat16")


def arr(x):
    """A NumPy copy of a torcia or torch tensor (bfloat16 widened to float32)."""
    if isinstance(x, (list, tuple)):
        return [arr(v) for v in x]
    if not isinstance(x, (torch.Tensor, torcia.Tensor)):
        return np.asarray(x)
    x = x.detach()
    if str(x.dtype).endswith("bfloat16"):
        x = x.float()
    return np.array(x.numpy())


def same(fn, seed=0):
    """Run ``fn(lib)`` on torcia and on torch after seeding both; assert identical results."""
    outs = []
    for lib in (torcia, torch):
        lib.manual_seed(seed)
        outs.append(fn(lib))
    a, b = outs
    if not isinstance(a, (list, tuple)):
        a, b = [a], [b]
    assert len(a) == len(b)
    for x, y in zip(a, b):
        if isinstance(x, torcia.Tensor):
            assert str(x.dtype) == str(y.dtype)
        xa, ya = arr(x), arr(y)
        assert xa.shape == ya.shape
        np.testing.assert_array_equal(xa, ya)


def dt(lib, name):
    return getattr(lib, name)


# -- factories ---------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand(seed, size, dtype):
    same(lambda L: L.rand(size, dtype=dt(L, dtype)), seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_randn(seed, size, dtype):
    same(lambda L: L.randn(size, dtype=dt(L, dtype)), seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_default_dtype_and_size_forms(seed):
    same(lambda L: [L.rand(2, 3), L.randn(L.Size([4, 5])), L.rand([3]), L.randn(size=(2, 2)),
                    L.rand(0), L.randn(0, 3)], seed)
    torcia.set_default_dtype(torcia.float64)
    torch.set_default_dtype(torch.float64)
    try:
        same(lambda L: [L.rand(5), L.randn(20), L.randn(3)], seed)
    finally:
        torch.set_default_dtype(torch.float32)


def test_large_float32_and_float64():
    same(lambda L: [L.randn(100003), L.randn(50001, dtype=L.float64),
                    L.rand(100000, dtype=L.float64)], 99)


@pytest.mark.parametrize("dtype", ("complex64", "complex128"))
def test_complex(dtype):
    same(lambda L: [L.rand(5, dtype=dt(L, dtype)), L.randn(9, dtype=dt(L, dtype)),
                    L.randn(3, dtype=dt(L, dtype))], 3)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", ("int64", "int32", "int16", "int8", "uint8", "float32",
                                   "float64", "float16", "bfloat16"))
def test_randint(seed, size, dtype):
    high = 100 if dtype != "bfloat16" else 50
    same(lambda L: [L.randint(high, size if isinstance(size, tuple) else (size,),
                              dtype=dt(L, dtype)),
                    L.randint(-3 if dtype != "uint8" else 3, high,
                              size if isinstance(size, tuple) else (size,), dtype=dt(L, dtype))],
         seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_randint_forms_and_wide_ranges(seed):
    same(lambda L: [L.randint(5, (4,)), L.randint(2, 9, (2, 3)), L.randint(high=7, size=(3,)),
                    L.randint(low=-4, high=4, size=(5,)), L.randint(0, 2, (6,), dtype=L.bool),
                    L.randint(-2 ** 40, 2 ** 40, (20,)), L.randint(0, 2 ** 33, (5,),
                                                                    dtype=L.float64),
                    L.randint(0, 10, (3,), dtype=L.float32, requires_grad=True)], seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", (0, 1, 2, 3, 5, 16, 100, 1000, 30000))
def test_randperm(seed, n):
    same(lambda L: L.randperm(n), seed)


def test_randperm_dtypes():
    same(lambda L: [L.randperm(50, dtype=L.float32), L.randperm(100, dtype=L.int16),
                    L.randperm(2000, dtype=L.float16), L.randperm(7, dtype=L.float64)], 4)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_like_factories(seed, dtype):
    same(lambda L: [L.rand_like(L.zeros(3, 4, dtype=dt(L, dtype))),
                    L.randn_like(L.zeros(20, dtype=dt(L, dtype))),
                    L.randn_like(L.zeros(2, 3, dtype=dt(L, dtype))),
                    L.randint_like(L.zeros(4, dtype=dt(L, dtype)), 10),
                    L.randint_like(L.zeros(4, 2, dtype=dt(L, dtype)), 3, 10),
                    L.rand_like(L.zeros(3, dtype=dt(L, dtype)), dtype=L.float64)], seed)


def test_like_factories_keep_a_permuted_layout():
    # the new tensor keeps input's strides, so it is filled in that memory order
    same(lambda L: [L.rand_like(L.zeros(30, 40).t()), L.randn_like(L.zeros(30, 40).t()),
                    L.randn_like(L.zeros(4, 5, 6).permute(2, 0, 1))], 8)


# -- normal --------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n", (3, 16, 40))
def test_normal_overloads(seed, dtype, n):
    def fn(L):
        d = dt(L, dtype)
        mean = L.linspace(-2, 2, n, dtype=d)
        std = L.linspace(0.1, 3, n, dtype=d)
        return [L.normal(mean, std), L.normal(mean, 2.5), L.normal(0.3, std),
                L.normal(-1.5, 0.7, (n,), dtype=d), L.normal(mean.reshape(1, n), std[:1]),
                L.normal(mean, std, generator=L.Generator().manual_seed(5))]
    same(fn, seed)


def test_normal_broadcast_and_mixed_dtypes():
    same(lambda L: [L.normal(L.zeros(4, 1), L.linspace(0.5, 2, 5)),
                    L.normal(L.zeros(5), L.ones(5, dtype=L.float64)),
                    L.normal(L.zeros(5, dtype=L.float64), L.ones(5)),
                    L.normal(2.0, 3.0, size=(3, 7))], 2)


# -- in-place samplers ---------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_and_normal_inplace(seed, size, dtype):
    same(lambda L: [L.empty(size, dtype=dt(L, dtype)).uniform_(-1 / 3, 2.7),
                    L.empty(size, dtype=dt(L, dtype)).normal_(0.3, 1.7),
                    L.empty(size, dtype=dt(L, dtype)).uniform_(),
                    L.empty(size, dtype=dt(L, dtype)).normal_()], seed)


@pytest.mark.parametrize("dtype", ("float32", "float64"))
def test_inplace_on_views_follows_memory_order(dtype):
    def fn(L):
        d = dt(L, dtype)
        base = L.zeros(10, 12, dtype=d)
        base.t().uniform_()
        base[::2, 1:].normal_()  # non-contiguous: the scalar path in memory order
        return [base, L.zeros(20, 30, dtype=d).t().normal_(1, 2),
                L.zeros(4, 5, 6, dtype=d).permute(2, 0, 1).exponential_(),
                L.zeros(6, 8, dtype=d)[:, ::2].random_(0, 9)]
    same(fn, 5)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", ("int64", "int32", "int16", "int8", "uint8", "bool",
                                   "float32", "float64", "float16", "bfloat16"))
def test_random_(seed, dtype):
    def fn(L):
        d = dt(L, dtype)
        hi = 2 if dtype == "bool" else 100
        return [L.empty(50, dtype=d).random_(), L.empty(50, dtype=d).random_(hi),
                L.empty(50, dtype=d).random_(0 if dtype in ("bool", "uint8") else -5, hi),
                L.empty(20, dtype=d).random_(1 if dtype != "bool" else 0, None),
                L.empty(7, dtype=d).random_(to=hi)]
    same(fn, seed)


def test_random_full_int64_range():
    same(lambda L: [L.empty(20, dtype=L.int64).random_(-2 ** 63, None),
                    L.empty(5, dtype=L.int64).random_(-2 ** 62, 2 ** 62)], 1)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_bernoulli(seed, dtype):
    def fn(L):
        d = dt(L, dtype)
        p = L.linspace(0, 1, 37, dtype=d)
        return [L.bernoulli(p), p.bernoulli(), L.bernoulli(L.zeros(30, dtype=d), 0.3),
                L.empty(10, 37, dtype=d).bernoulli_(p), L.empty(9, dtype=d).bernoulli_(0.7),
                L.empty(4, 37, dtype=L.int64).bernoulli_(p.double()),
                L.empty(5, dtype=L.bool).bernoulli_()]
    same(fn, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_exponential_log_normal_cauchy_geometric(seed, dtype):
    def fn(L):
        d = dt(L, dtype)
        return [L.empty(101, dtype=d).exponential_(), L.empty(101, dtype=d).exponential_(2.5),
                L.empty(33, dtype=d).log_normal_(), L.empty(32, dtype=d).log_normal_(0.2, 0.5),
                L.empty(64, dtype=d).cauchy_(), L.empty(64, dtype=d).cauchy_(-1, 0.25),
                L.empty(64, dtype=d).geometric_(0.3), L.empty(9, dtype=L.int64).geometric_(0.05)]
    same(fn, seed)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("n, k, replacement", [(5, 1, False), (5, 3, False), (6, 6, False),
                                               (300, 4, False), (400, 30, False), (5, 1, True),
                                               (5, 20, True), (300, 50, True)])
def test_multinomial(seed, dtype, n, k, replacement):
    def fn(L):
        p = L.linspace(0.1, 1, 3 * n, dtype=dt(L, dtype)) ** 2
        return [L.multinomial(p[:n], k, replacement),
                p.reshape(3, n).multinomial(k, replacement)]
    same(fn, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_multinomial_ties(seed):
    # zero-probability categories are drawn last, tied: their order is libstdc++'s
    same(lambda L: [L.multinomial(L.tensor([0., 1, 0, 2, 0, 0]), 6),
                    L.multinomial(L.tensor([[0., 1, 0, 2, 0, 0], [1, 0, 0, 0, 0, 0.]]), 5),
                    L.multinomial(L.tensor([0.] * 199 + [1.]), 3),
                    L.multinomial(L.tensor([0., 1, 0, 2, 0, 0]), 50, True)], seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_poisson(seed):
    same(lambda L: [L.poisson(L.linspace(0, 9.5, 40)),
                    L.poisson(L.linspace(10, 500, 40, dtype=L.float64)),
                    L.poisson(L.tensor([[0.5, 30.0], [3.0, 100.0]]))], seed)


# -- state carried between calls -----------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
def test_interleaved_calls(seed):
    def fn(L):
        return [L.rand(3), L.randn(5), L.randn(3), L.randint(0, 10, (4,)), L.randn(17),
                L.randn(1), L.rand(2, dtype=L.float64), L.randperm(7), L.randn(2),
                L.empty(3).normal_(), L.empty(5).log_normal_(), L.randn(1),
                L.empty(20).exponential_(), L.bernoulli(L.full((4,), 0.5)), L.randn(2, 2),
                L.multinomial(L.ones(10), 3), L.rand(1)]
    same(fn, seed)


def test_normal_cache_survives_between_calls():
    # randn(1) caches the second Box-Muller value; the next scalar-path sample uses it
    same(lambda L: [L.randn(1), L.randn(1), L.randn(1), L.empty(3, dtype=L.float64).normal_(),
                    L.randn(100), L.randn(1)], 3)


@pytest.mark.parametrize("seed", SEEDS)
def test_generators_are_independent(seed):
    def fn(L):
        g = L.Generator().manual_seed(seed + 1)
        h = L.Generator()  # the default seed
        return [L.rand(3, generator=g), L.rand(3), L.randn(20, generator=g), L.randn(1),
                L.randn(3, generator=g), L.randint(0, 5, (4,), generator=g),
                L.randperm(10, generator=g), L.empty(4).uniform_(generator=g),
                L.normal(L.zeros(3), 1.0, generator=g), L.rand(2, generator=h),
                L.multinomial(L.ones(5), 2, generator=g), L.bernoulli(L.rand(4), generator=g),
                L.rand(2)]
    same(fn, seed)


def test_default_seed():
    g, h = torcia.Generator(), torch.Generator()
    assert g.initial_seed() == h.initial_seed() == 67280421310721
    np.testing.assert_array_equal(arr(torcia.rand(5, generator=g)), arr(torch.rand(5, generator=h)))


@pytest.mark.parametrize("s", (0, 1, 2 ** 32 + 5, 2 ** 63 + 9, 2 ** 64 - 1, -1, -12345))
def test_seed_values(s):
    assert torcia.manual_seed(s).initial_seed() == torch.manual_seed(s).initial_seed()
    assert torcia.initial_seed() == torch.initial_seed()
    same(lambda L: L.rand(4), s)


def test_manual_seed_returns_the_default_generator():
    assert torcia.manual_seed(3) is torcia.default_generator
    g = torcia.Generator()
    assert g.manual_seed(4) is g
    assert g.device == torcia.device("cpu")
    assert torcia.random.initial_seed() == 3


def test_seed_is_nondeterministic_and_reseeds():
    s = torcia.seed()
    assert torcia.initial_seed() == s
    a = torcia.rand(3)
    torcia.manual_seed(s)
    np.testing.assert_array_equal(arr(torcia.rand(3)), arr(a))
    assert len({torcia.Generator().seed() for _ in range(5)}) == 5


# -- state tensors -------------------------------------------------------------------------------
def test_state_has_pytorchs_layout():
    def fn(L):
        return [L.get_rng_state(), L.randn(3), L.get_rng_state(), L.rand(700),
                L.get_rng_state(), L.rand(621), L.get_rng_state(), L.Generator().get_state()]
    same(fn, 21)


def test_state_round_trips():
    torcia.manual_seed(5)
    torcia.randn(3)  # leaves a cached normal sample in the state
    state = torcia.get_rng_state()
    a = [arr(torcia.randn(5)), arr(torcia.rand(700))]
    torcia.set_rng_state(state)
    b = [arr(torcia.randn(5)), arr(torcia.rand(700))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    torcia.set_rng_state(state)
    np.testing.assert_array_equal(arr(torcia.get_rng_state()), arr(state))


def test_state_moves_between_libraries():
    torch.manual_seed(8)
    torch.randn(5)
    torch.rand(10)
    theirs = torch.get_rng_state()
    torcia.set_rng_state(torcia.from_numpy(theirs.numpy().copy()))
    np.testing.assert_array_equal(arr(torcia.get_rng_state()), arr(theirs))
    np.testing.assert_array_equal(arr(torcia.randn(7)), arr(torch.randn(7)))
    np.testing.assert_array_equal(arr(torcia.rand(1000)), arr(torch.rand(1000)))
    torch.set_rng_state(torch.from_numpy(arr(torcia.get_rng_state())))
    np.testing.assert_array_equal(arr(torcia.randn(3)), arr(torch.randn(3)))


def test_generator_state_clone_copy_pickle():
    g = torcia.Generator().manual_seed(11)
    torcia.randn(1, generator=g)
    for other in (g.clone_state(), copy.deepcopy(g), pickle.loads(pickle.dumps(g)),
                  torcia.Generator().set_state(g.get_state())):
        np.testing.assert_array_equal(arr(torcia.randn(5, generator=other)),
                                      arr(torcia.randn(5, generator=g.clone_state())))
    before = arr(g.get_state())
    torcia.rand(3)  # the default generator does not touch g
    np.testing.assert_array_equal(arr(g.get_state()), before)


def test_fork_rng():
    torcia.manual_seed(1)
    with torcia.random.fork_rng():
        torcia.rand(10)
        torcia.randn(1)
    after = arr(torcia.rand(3))
    torcia.manual_seed(1)
    np.testing.assert_array_equal(after, arr(torcia.rand(3)))


# -- autograd and errors -------------------------------------------------------------------------
@pytest.mark.parametrize("name, call", [
    ("UniformBackward0", lambda y: y.uniform_()), ("NormalBackward0", lambda y: y.normal_()),
    ("RandomBackward0", lambda y: y.random_(0, 5)), ("RandomBackward1", lambda y: y.random_(5)),
    ("RandomBackward2", lambda y: y.random_()), ("BernoulliBackward2", lambda y: y.bernoulli_()),
    ("ExponentialBackward0", lambda y: y.exponential_()),
    ("LogNormalBackward0", lambda y: y.log_normal_()), ("CauchyBackward0", lambda y: y.cauchy_()),
    ("GeometricBackward0", lambda y: y.geometric_(0.5))])
def test_inplace_samplers_have_zero_gradients(name, call):
    x = torcia.randn(3, requires_grad=True)
    y = x * 2
    call(y)
    assert y.grad_fn.name() == name
    y.sum().backward()
    np.testing.assert_array_equal(arr(x.grad), np.zeros(3, np.float32))
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        call(x)
    with torcia.no_grad():
        call(x)  # nn.init's way


def test_normal_with_tensor_parameters_has_zero_gradients():
    m = torcia.randn(3, requires_grad=True)
    s = torcia.rand(3, requires_grad=True)
    out = torcia.normal(m, s)
    assert out.grad_fn.name() == "NormalBackward3"
    out.sum().backward()
    np.testing.assert_array_equal(arr(m.grad), np.zeros(3, np.float32))
    np.testing.assert_array_equal(arr(s.grad), np.zeros(3, np.float32))
    assert torcia.normal(m, 1.0).grad_fn.name() == "NormalBackward1"
    assert torcia.normal(0.0, s).grad_fn.name() == "NormalBackward2"
    assert torcia.bernoulli(s).grad_fn.name() == "BernoulliBackward0"
    assert torcia.rand(2, requires_grad=True).requires_grad


def test_out_argument():
    same(lambda L: [L.rand(3, out=L.empty(3)), L.randn(4, out=L.empty(2, dtype=L.float64)),
                    L.randint(0, 4, (3,), out=L.empty(3, dtype=L.int64)),
                    L.randperm(5, out=L.empty(5, dtype=L.int64))], 2)


ERRORS = [
    lambda L: L.rand(2, dtype=L.int64), lambda L: L.randn(2, dtype=L.bool),
    lambda L: L.empty(3).uniform_(2, 1), lambda L: L.empty(3).uniform_(-3e38, 3e38),
    lambda L: L.empty(3).normal_(0, -1), lambda L: L.normal(L.zeros(3), -L.ones(3)),
    lambda L: L.normal(L.zeros(3, dtype=L.int64), 1.0), lambda L: L.normal(L.zeros(2), L.ones(3)),
    lambda L: L.normal(0.0, 1.0), lambda L: L.empty(3).exponential_(0),
    lambda L: L.empty(3, dtype=L.int64).exponential_(), lambda L: L.empty(3).geometric_(1.5),
    lambda L: L.empty(3).log_normal_(1, 0), lambda L: L.empty(3).cauchy_(0, -1),
    lambda L: L.empty(3).bernoulli_(1.5),
    lambda L: L.empty(3).bernoulli_(L.tensor([0.5, 2.0, 0])),
    lambda L: L.empty(3).bernoulli_(L.tensor([1, 0, 1])),
    lambda L: L.empty(3).bernoulli_(L.ones(2)),
    lambda L: L.randint(5, 3, (2,)), lambda L: L.randint(0, 300, (2,), dtype=L.uint8),
    lambda L: L.randint(-1, 3, (2,), dtype=L.uint8), lambda L: L.randint(0, 2 ** 60, (2,),
                                                                          dtype=L.float16),
    lambda L: L.randint(10), lambda L: L.randperm(-1), lambda L: L.randperm(3000, dtype=L.float16),
    lambda L: L.randperm(300, dtype=L.int8), lambda L: L.randperm(3, dtype=L.bool),
    lambda L: L.multinomial(L.ones(3), 4), lambda L: L.multinomial(L.ones(3), 0),
    lambda L: L.multinomial(L.ones(2, 2, 2), 1), lambda L: L.multinomial(L.zeros(3), 1),
    lambda L: L.multinomial(L.tensor([1., -1, 1]), 1),
    lambda L: L.multinomial(L.tensor([1., -1, 1]), 2, True),
    lambda L: L.multinomial(L.tensor([1, 2]), 1), lambda L: L.empty(3, dtype=L.complex64).random_(),
    lambda L: L.empty(3, dtype=L.int64).uniform_(), lambda L: L.empty(3).random_(5, 2),
    lambda L: L.poisson(L.tensor([-1.0])), lambda L: L.randint(0, 3, (2,), requires_grad=True),
    lambda L: L.rand(3, out=L.empty(2), dtype=L.float64), lambda L: L.set_rng_state(L.zeros(5)),
    lambda L: L.set_rng_state(L.zeros(5, dtype=L.uint8)),
    lambda L: L.Generator().manual_seed("a"), lambda L: L.manual_seed(2 ** 64),
    lambda L: L.zeros(3, 1).expand(3, 2).uniform_(),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_match(i):
    got = []
    for lib in (torcia, torch):
        with pytest.raises(Exception) as info:
            ERRORS[i](lib)
        got.append((type(info.value), str(info.value).split("\n")[0]))
    assert got[0] == got[1]


def test_out_of_range_float_bounds_warn():
    with pytest.warns(UserWarning, match=r"out of bounds \[-\(2\^24\), 2\^24\]"):
        torcia.randint(0, 2 ** 30, (2,), dtype=torcia.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torcia.randint(0, 2 ** 20, (2,), dtype=torcia.float32)


# -- the exact-arithmetic helpers, against exact references ---------------------------------------
def test_glibc_log_and_fma_helpers():
    from fractions import Fraction

    from torcia._ops.random import _fma32, _fma64, _log
    rng = np.random.default_rng(0)
    x = 1 - np.floor(rng.random(20000) * 2 ** 53) * 2.0 ** -53
    np.testing.assert_array_equal(_log(x), np.array([math.log(v) for v in x]))
    a, b = rng.standard_normal(3000), rng.standard_normal(3000)
    for c in (rng.standard_normal(3000), -a * b * (1 + 1e-12 * rng.standard_normal(3000))):
        exact = [float(Fraction(p) * Fraction(q) + Fraction(r)) for p, q, r in zip(a, b, c)]
        np.testing.assert_array_equal(_fma64(a, b, c), np.array(exact))
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    c32 = (-a32.astype(np.float64) * b32 * (1 + 1e-6)).astype(np.float32)
    got = _fma32(a32, b32, c32)
    for p, q, r, g in zip(a32[:500], b32[:500], c32[:500], got[:500]):
        exact = Fraction(float(p)) * Fraction(float(q)) + Fraction(float(r))
        near = [np.float32(float(exact)), np.nextafter(np.float32(float(exact)), np.float32(1)),
                np.nextafter(np.float32(float(exact)), np.float32(-1))]
        best = min(near, key=lambda v: abs(Fraction(float(v)) - exact))
        assert g == best


# -- the fast float paths: bit-exact at scale ---------------------------------------------------
def _ref_fma32(a, b, c):
    """A literal float32 fma: the exact value (a * b + c as a Fraction) rounded to float32
    by the tie-checked double emulation, for arrays."""
    from torcia._ops.random import _fma32
    return _fma32(a, b, c)


_F32 = np.float32
_REF_LOG_P = [_F32(v) for v in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1,
                                -1.2420140846E-1, 1.4249322787E-1, -1.6668057665E-1,
                                2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]


def _ref_avx_log(x):
    """avx_mathfun's log256_ps op by op (float32 arithmetic, GCC's fma contractions)."""
    bits = np.maximum(x, _F32(1.1754943508222875e-38)).view(np.int32)
    e = ((bits >> 23) - 127).astype(_F32) + _F32(1)
    x = ((bits & ~0x7F800000) | 0x3F000000).view(_F32)
    mask = x < _F32(0.707106781186547524)
    e = e - mask.astype(_F32)
    x = (x - _F32(1)) + np.where(mask, x, _F32(0))
    z = x * x
    y = _ref_fma32(_REF_LOG_P[0], x, _REF_LOG_P[1])
    for p in _REF_LOG_P[2:]:
        y = _ref_fma32(y, x, p)
    y = y * x
    y = _ref_fma32(y, z, e * _F32(-2.12194440e-4))
    y = _ref_fma32(z, _F32(-0.5), y)
    return _ref_fma32(e, _F32(0.693359375), x + y)


def _ref_avx_sincos(x):
    """avx_mathfun's sincos256_ps op by op."""
    sign_sin = x.view(np.int32) & np.int32(-0x80000000)
    x = np.abs(x)
    j = (x * _F32(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F32)
    sign_sin = sign_sin ^ ((j & 4) << 29)
    sign_cos = (~(j - 2) & 4) << 29
    poly = (j & 2) == 0
    x = _ref_fma32(y, _F32(-0.78515625), x)
    x = _ref_fma32(y, _F32(-2.4187564849853515625e-4), x)
    x = _ref_fma32(y, _F32(-3.77489497744594108e-8), x)
    z = x * x
    yc = _ref_fma32(_F32(2.443315711809948E-005), z, _F32(-1.388731625493765E-003))
    yc = _ref_fma32(yc, z, _F32(4.166664568298827E-002))
    yc = _ref_fma32(yc * z, z, -(z * _F32(0.5))) + _F32(1)
    ys = _ref_fma32(_F32(-1.9515295891E-4), z, _F32(8.3321608736E-3))
    ys = _ref_fma32(ys, z, _F32(-1.6666654611E-1))
    ys = _ref_fma32(ys * z, x, x)
    sin = np.where(poly, ys, yc)
    cos = np.where(poly, yc, ys)
    return ((sin.view(np.int32) ^ sign_sin).view(_F32),
            (cos.view(np.int32) ^ sign_cos.astype(np.int32)).view(_F32))


def _kernel_inputs():
    """24-bit draws k for the float Box-Muller kernel: a stride through all 2**24 (every
    exponent of 1 - u and every octant of the angle), and the ends, powers of two and octant
    boundaries in full. TORCIA_EXHAUSTIVE=1 takes all 2**24 (the kernel's whole domain)."""
    import os
    if os.environ.get("TORCIA_EXHAUSTIVE"):
        return np.arange(1 << 24, dtype=np.int32)
    parts = [np.arange(0, 1 << 24, 53), np.arange(4096), np.arange((1 << 24) - 4096, 1 << 24)]
    for p in range(25):  # 1 - u near a power of two
        c = (1 << 24) - (1 << p)
        parts.append(np.arange(max(c - 64, 0), min(c + 64, 1 << 24)))
    for o in range(1, 9):  # 2 pi u near a multiple of pi / 4
        c = int(o / 8 * (1 << 24))
        parts.append(np.arange(c - 512, min(c + 512, 1 << 24)))
    return np.unique(np.concatenate(parts)).astype(np.int32)


def test_float_box_muller_kernel_matches_the_literal_emulation():
    # the float kernel skips the per-fma tie checks (see Note [The float Box-Muller kernel]):
    # its radius, sine and cosine must equal the op-by-op emulation for every input
    from torcia._ops.random import _BoxMuller32
    k = _kernel_inputs()
    step = 1 << 16
    bm = _BoxMuller32(step)
    for i in range(0, k.size, step):
        kk = k[i:i + step]
        b = bm if kk.size == step else bm.sliced(kk.size)
        u = kk.astype(np.float32) * _F32(2.0 ** -24)
        want_r = np.sqrt(_F32(-2) * _ref_avx_log(_F32(1) - u))
        want_s, want_c = _ref_avx_sincos(_F32(2.0 * math.pi) * u)
        b.radius(kk, b.R)
        b.sincos(kk)
        for got, want in ((b.R, want_r), (b.W[1], want_s), (b.W[0], want_c)):
            np.testing.assert_array_equal(got.view(np.int32), want.view(np.int32))


def _chunks_equal(make, total, chunk, seed):
    """``make(lib, n)`` drawn ``total`` values at a time in ``chunk``s from one seeded stream
    in each library; every chunk bit-identical."""
    torcia.manual_seed(seed)
    torch.manual_seed(seed)
    done = 0
    while done < total:
        n = min(chunk, total - done)
        a, b = arr(make(torcia, n)), arr(make(torch, n))
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.view(np.uint8), b.view(np.uint8))
        done += n


def test_normal_float32_tens_of_millions_against_torch():
    # ~50M values through the float kernel; odd sizes end with the redrawn last block
    _chunks_equal(lambda L, n: L.empty(n).normal_(), 24_000_003, 4_000_001, 7)
    _chunks_equal(lambda L, n: L.randn(n), 16_000_000, 4_000_000, 2024)
    _chunks_equal(lambda L, n: L.empty(n).normal_(0.25, 3.5), 6_000_037, 3_000_011, 11)
    _chunks_equal(lambda L, n: L.empty(n).normal_(-7.0, 0.01), 4_000_000, 4_000_000, 12)


@pytest.mark.parametrize("mean, std", [(0.0, 1e-40), (0.0, 0.0), (1e30, 1.0), (3.0, 1e-30),
                                       (-0.5, 1e20), (2.0 ** -30, 2.0 ** 20), (0.0, 1.0 + 1e-12)])
def test_normal_float32_unusual_mean_and_std(mean, std):
    _chunks_equal(lambda L, n: L.empty(n).normal_(mean, std), 200_003, 200_003, 5)


@pytest.mark.parametrize("dtype", ("float16", "bfloat16", "float64"))
def test_normal_other_dtypes_at_scale(dtype):
    total = 1_000_003 if dtype == "float64" else 4_000_009
    _chunks_equal(lambda L, n: L.empty(n, dtype=dt(L, dtype)).normal_(0.5, 2.0), total,
                  total, 3)


@pytest.mark.parametrize("low, high", [(0.0, 1.0), (-0.1, 0.1), (-1 / 3, 2.7), (1000.0, 1000.001),
                                       (1e-20, 1.0), (-3.0, 1e-30), (0.5, 0.5), (-1e30, 1e30),
                                       (2.0 ** 24, 2.0 ** 24 + 8)])
@pytest.mark.parametrize("dtype", ("float32", "float16", "bfloat16"))
def test_uniform_float_at_scale(low, high, dtype):
    if dtype == "float16" and max(abs(low), abs(high), high - low) > 65504:
        msgs = []  # out of range for half: the same error
        for lib in (torcia, torch):
            with pytest.raises(RuntimeError) as info:
                lib.empty(3, dtype=lib.float16).uniform_(low, high)
            msgs.append(str(info.value).split("\n")[0])
        assert msgs[0] == msgs[1]
        return
    _chunks_equal(lambda L, n: L.empty(n, dtype=dt(L, dtype)).uniform_(low, high), 1_000_003,
                  1_000_003, 17)


def test_rand_and_uniform_float32_tens_of_millions_against_torch():
    _chunks_equal(lambda L, n: L.rand(n), 10_000_001, 5_000_001, 3)
    _chunks_equal(lambda L, n: L.empty(n).uniform_(-0.05, 0.05), 8_000_000, 4_000_000, 4)
    _chunks_equal(lambda L, n: L.empty(n, dtype=L.float64).uniform_(-2, 5), 2_000_001,
                  2_000_001, 5)


@pytest.mark.parametrize("n", (0, 1, 2, 15, 16, 17, 31, 33, 47, 1025))
@pytest.mark.parametrize("dtype", FLOATS)
def test_small_and_odd_sizes_in_one_stream(n, dtype):
    same(lambda L: [L.empty(n, dtype=dt(L, dtype)).normal_(), L.rand(n, dtype=dt(L, dtype)),
                    L.randn(n, dtype=dt(L, dtype)), L.empty(n, dtype=dt(L, dtype)).uniform_(-2, 3),
                    L.empty(n, dtype=dt(L, dtype)).normal_(1, 2), L.rand(3)], n)


def test_inplace_fill_writes_into_the_tensor():
    def fn(L):
        base = L.zeros(40, 50)
        rows = base[3:30]  # a contiguous view
        rows.normal_()
        base[30:].uniform_(-1, 1)
        big = L.empty(300_001)
        before = big._version
        big.normal_(2, 3)
        assert big._version == before + 1
        x = L.randn(64, requires_grad=True)
        y = x * 1
        y.normal_()  # recorded: a copy of y is sampled, then written back
        assert y.grad_fn.name() == "NormalBackward0"
        return [base, big, y]
    same(fn, 21)


def test_non_contiguous_at_scale():
    same(lambda L: [L.zeros(700, 300).t().normal_(), L.zeros(500, 400)[:, ::3].uniform_(-1, 2),
                    L.zeros(300, 301, dtype=L.float64).t().normal_(0.5, 2)], 31)


def test_fma32_rounds_twice_rounded_ties_correctly():
    from fractions import Fraction

    from torcia._ops.random import _fma32
    # a * b + c rounds (in double) onto a float32 tie the exact value is not on: the exact
    # value decides. One such family: c odd at float32 precision, a * b = half an ulp of c
    # minus a little (or plus a little).
    rng = np.random.default_rng(1)
    e = rng.integers(-20, 20, 2000)
    mant = rng.integers(1 << 23, 1 << 24, 2000) | 1  # odd significands
    c = (mant * 2.0 ** (e - 23)).astype(np.float32)
    d = rng.integers(1, 1 << 10, 2000) * 2.0 ** -23
    a = (2.0 ** (e - 24) * (1 + d)).astype(np.float32)
    b = (1 - d * rng.choice([1, -1], 2000)).astype(np.float32)
    got = _fma32(a, b, c)
    exact = [Fraction(float(x)) * Fraction(float(y)) + Fraction(float(z)) for x, y, z in
             zip(a, b, c)]
    want = []
    for v in exact:  # round the exact value to float32, ties to even
        f = np.float32(float(v))
        lo, hi = (f, np.nextafter(f, np.float32(np.inf))) if Fraction(float(f)) <= v else (
            np.nextafter(f, np.float32(-np.inf)), f)
        dl, dh = v - Fraction(float(lo)), Fraction(float(hi)) - v
        want.append(lo if dl < dh or (dl == dh and not int(lo.view(np.int32)) & 1) else hi)
    np.testing.assert_array_equal(got, np.array(want, np.float32))


def test_draws_match_the_raw_stream(monkeypatch):
    import torcia.random as R
    g = torcia.Generator().manual_seed(77)
    raw = np.random.MT19937(0)
    raw.state = {"bit_generator": "MT19937", "state": {"key": R._init_key(77), "pos": 624}}
    ref = raw.random_raw(1000)
    got = np.concatenate([g._random32(5), g._random64(3).view(np.uint32).reshape(-1, 2)[:, ::-1]
                          .ravel(), g._random(7), g._random32(0), g._random32(1)])
    np.testing.assert_array_equal(got, ref[:19])
    # without NumPy's 64-bit draws (where they would not be high word first), the same values
    monkeypatch.setattr(R, "_FAST64", False)
    same(lambda L: [L.randn(1003), L.rand(77), L.empty(51).uniform_(-1, 2),
                    L.randint(0, 2 ** 40, (9,)), L.rand(5, dtype=L.float64)], 9)


def test_vectorised_log_is_glibcs():
    from torcia._ops.random import _log
    rng = np.random.default_rng(3)
    x = np.concatenate([1 - rng.integers(0, 2 ** 53, 400_000) * 2.0 ** -53,  # normal_'s 1 - u
                        np.exp(rng.uniform(-708, 709, 200_000)),
                        1 + rng.integers(-2 ** 24, 2 ** 24, 100_000) * 2.0 ** -53,  # near 1
                        rng.integers(1, 0x7FF0000000000000, 100_000).view(np.float64),
                        [0.0, -0.0, -1.0, np.inf, -np.inf, np.nan, 5e-324, 1e-310, 1.0,
                         2.2250738585072014e-308, 1.7976931348623157e308]])
    with np.errstate(all="ignore"):
        want = np.array([math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan)
                         for v in x.tolist()])
    np.testing.assert_array_equal(_log(x), want)
    np.testing.assert_array_equal(_log(x[:7].reshape(7, 1)), want[:7].reshape(7, 1))

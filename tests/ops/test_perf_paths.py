"""The fast paths against PyTorch: float32 erf and its float64 rational approximations,
erfinv, exact and tanh GELU with their array backward, the fused cross-entropy (values,
gradients, node names, double backward, hooks), the softmax backward on arrays, and
sum_to_size's owned result. Values only: speed lives in benchmarks/."""

import numpy as np
import pytest
import torch

import torcia

from .opcheck import check

RNG = np.random.default_rng(77)


def _both(fn, *arrays, requires_grad=False):
    """``fn`` on torcia and torch tensors made from the same arrays."""
    out = []
    for lib in (torcia, torch):
        ts = [lib.from_numpy(a.copy()) for a in arrays]
        if requires_grad:
            for t in ts:
                if t.dtype.is_floating_point:
                    t.requires_grad_(True)
        out.append((fn(lib, *ts), ts))
    return out


# -- erf, erfc, erfinv ---------------------------------------------------------------------------
def _erf32_points():
    edges = np.array([0.0, -0.0, 1e-45, 1e-38, 1e-20, 1e-7, 0.5, 0.99999994, 1.0, 1.0000001,
                      3.8, 3.92, 4.0, 4.0000005, 10.0, 3e38, np.inf, np.nan], np.float32)
    return np.concatenate([np.linspace(-6, 6, 400_001, dtype=np.float32),
                           RNG.standard_normal(200_000).astype(np.float32),
                           edges, -edges])


def test_erf_float32_within_two_ulp_of_torch():
    x = _erf32_points()
    ours = torcia.erf(torcia.from_numpy(x)).numpy()
    theirs = torch.erf(torch.from_numpy(x)).numpy()
    assert ours.dtype == np.float32
    np.testing.assert_array_max_ulp(ours, theirs, maxulp=2)
    assert np.array_equal(np.signbit(ours), np.signbit(theirs))  # erf(-0.) is -0.


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_erf_half_types(dtype):
    x = np.linspace(-4, 4, 2001, dtype=np.float32)
    (a, _), (b, _) = _both(lambda lib, t: lib.erf(t.to(getattr(lib, dtype))).float(), x)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("op", ["erf", "erfc"])
def test_erf_erfc_float64_regions(op):
    # Cody's three regions and their boundaries, both signs, and erfc's far tail
    x = np.concatenate([np.linspace(-8, 8, 160_001), np.linspace(0.46, 0.48, 2001),
                        np.linspace(3.99, 4.01, 2001), np.linspace(4, 26.5, 20_001),
                        [0.46875, np.nextafter(0.46875, 1), 4.0, np.nextafter(4.0, 5), 1e-300,
                         0.0, -0.0, 30.0, np.inf, -np.inf, np.nan]])
    x = np.concatenate([x, -x])
    ours = getattr(torcia, op)(torcia.from_numpy(x)).numpy()
    theirs = getattr(torch, op)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=4e-15, atol=0)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_erfinv_tails(dtype):
    y = np.concatenate([RNG.uniform(-1, 1, 20_000), 1 - 10.0 ** -RNG.uniform(0, 15.9, 2000),
                        -(1 - 10.0 ** -RNG.uniform(0, 7, 2000)), [0.0, -0.0, 1.0, -1.0, 1.5,
                                                                 np.nan, 1e-300]])
    y = y.astype(dtype)
    if dtype == "float32":
        y = y[np.abs(y) <= 1]  # (float32 rounds some of them to 1)
    ours = torcia.erfinv(torcia.from_numpy(y)).numpy()
    theirs = torch.erfinv(torch.from_numpy(y)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-13 if dtype == "float64" else 4e-7, atol=0)


# -- GELU ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_float32_values_and_grads(approximate):
    x = np.concatenate([np.linspace(-12, 12, 100_001, dtype=np.float32),
                        RNG.standard_normal(100_000).astype(np.float32) * 3,
                        np.array([0.0, -0.0, 1e-30, -1e-30, 50.0, -50.0], np.float32)])
    g = RNG.standard_normal(x.shape).astype(np.float32)
    (a, (xa,)), (b, (xb,)) = _both(
        lambda lib, t: lib.nn.functional.gelu(t, approximate=approximate), x,
        requires_grad=True)
    # PyTorch's float32 GELU (an Abramowitz-Stegun erf) is itself 1.3e-6 from exact, and its
    # tanh saturates early, which zeroes the tanh form's gradient from x = -5 on (true: 1e-6)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=2e-6)
    a.backward(torcia.from_numpy(g))
    b.backward(torch.from_numpy(g))
    np.testing.assert_allclose(xa.grad.numpy(), xb.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert a.grad_fn.name() == b.grad_fn.name() == "GeluBackward0"
    # against the same formulas in float64 (torch as the calculator)
    (c, (xc,)), _ = [_both(lambda lib, t: lib.nn.functional.gelu(t, approximate=approximate),
                           x.astype(np.float64), requires_grad=True)[1]] * 2
    c.backward(torch.from_numpy(g.astype(np.float64)))
    np.testing.assert_allclose(a.detach().numpy(), c.detach().numpy(), rtol=2e-6, atol=6e-7)
    np.testing.assert_allclose(xa.grad.numpy(), xc.grad.numpy(), rtol=1e-4, atol=6e-6)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_gelu_other_dtypes(approximate, dtype):
    tol = {"float64": 1e-12, "float16": 2e-3, "bfloat16": 2e-2}[dtype]
    check(lambda lib, x: lib.nn.functional.gelu(x, approximate=approximate), [(40, 50)],
          dtype=dtype, atol=tol, rtol=tol, grad_atol=tol * 10, grad_rtol=tol * 10,
          gradcheck=dtype == "float64", low=-6, high=6)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_double_backward(approximate):
    x = RNG.uniform(-4, 4, (6, 7))

    def second(lib, t):
        y = lib.nn.functional.gelu(t, approximate=approximate)
        (g,) = lib.autograd.grad(y.pow(2).sum(), t, create_graph=True)
        (gg,) = lib.autograd.grad(g.sin().sum(), t)
        return g, gg
    (a, _), (b, _) = _both(second, x, requires_grad=True)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)


# -- cross-entropy ---------------------------------------------------------------------------------
CE_CASES = [((1, 1), "mean"), ((64, 10), "mean"), ((7, 1000), "mean"), ((33, 65), "sum"),
            ((33, 65), "none")]


@pytest.mark.parametrize("shape,reduction", CE_CASES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropy_fused(shape, reduction, dtype):
    n, c = shape
    x = (RNG.standard_normal(shape) * 4).astype(dtype)
    t = RNG.integers(0, c, n)
    up = RNG.standard_normal(n).astype(dtype) if reduction == "none" else np.array(1.7, dtype)
    res = []
    for lib in (torcia, torch):
        xs, ts = lib.from_numpy(x.copy()).requires_grad_(), lib.from_numpy(t)
        loss = lib.nn.functional.cross_entropy(xs, ts, reduction=reduction)
        names = [loss.grad_fn.name(), loss.grad_fn.next_functions[0][0].name()]
        loss.backward(lib.from_numpy(up.copy()))
        res.append((loss.detach().numpy(), xs.grad.numpy(), names))
    (la, ga, na), (lb, gb, nb) = res
    tol = 1e-6 if dtype == "float32" else 1e-13
    np.testing.assert_allclose(la, lb, rtol=tol, atol=tol)
    np.testing.assert_allclose(ga, gb, rtol=tol * 10, atol=tol)
    assert la.dtype == lb.dtype and na == nb == ["NllLossBackward0", "LogSoftmaxBackward0"]


def test_cross_entropy_ignored_and_bad_targets_take_the_general_path():
    x = RNG.standard_normal((6, 5))
    for t, kw in [(np.array([0, -100, 4, 2, -100, 1]), {}),
                  (np.array([0, 3, 4, 3, 3, 1]), {"ignore_index": 3})]:
        check(lambda lib, x, t=t, kw=kw: lib.nn.functional.cross_entropy(
            x, lib.from_numpy(t), **kw), [x], arrays=[x.copy()], dtype="float64")
    for lib in (torcia, torch):
        with pytest.raises(IndexError, match="Target 5 is out of bounds"):
            lib.nn.functional.cross_entropy(lib.from_numpy(x), lib.tensor([0, 1, 2, 3, 4, 5]))


def test_cross_entropy_double_backward_and_retain_graph():
    x = RNG.standard_normal((8, 6))
    t = RNG.integers(0, 6, 8)

    def run(lib, xs):
        loss = lib.nn.functional.cross_entropy(xs, lib.from_numpy(t))
        (g,) = lib.autograd.grad(loss, xs, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), xs, retain_graph=True)
        loss.backward(retain_graph=True)
        first = xs.grad.clone()
        loss.backward()  # twice through the same graph: the fused hand-over each time
        return g, gg, first, xs.grad
    (a, _), (b, _) = _both(run, x, requires_grad=True)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u.detach().numpy(), v.detach().numpy(), rtol=1e-12,
                                   atol=1e-14)


def test_cross_entropy_hooked_log_softmax_node():
    x = RNG.standard_normal((5, 4))
    t = RNG.integers(0, 4, 5)

    def run(lib, xs):
        loss = lib.nn.functional.cross_entropy(xs, lib.from_numpy(t))
        seen = []
        node = loss.grad_fn.next_functions[0][0]
        node.register_prehook(lambda grads: (seen.append(grads[0].clone()), (grads[0] * 3,))[1])
        loss.backward()
        return seen[0], xs.grad
    (a, _), (b, _) = _both(run, x, requires_grad=True)
    for u, v in zip(a, b):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("op,dim", [("softmax", 1), ("softmax", 0), ("log_softmax", -1),
                                    ("log_softmax", 0)])
def test_softmax_backward_arrays(op, dim):
    check(lambda lib, x: getattr(lib.nn.functional, op)(x, dim=dim) * 1.5, [(9, 13)],
          dtype="float64", gradcheck=True)
    check(lambda lib, x: getattr(lib.nn.functional, op)(x, dim=dim)[:, ::2], [(9, 13)])


# -- sum_to_size -----------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,size", [((4, 5, 6), (6,)), ((4, 5, 6), (5, 1)),
                                        ((4, 5, 6), (1, 1, 6)), ((4, 5, 6), ()),
                                        ((3, 4), (3, 4))])
def test_sum_to_size_values_and_owned(shape, size):
    x = RNG.standard_normal(shape).astype(np.float32)
    (a, _), (b, _) = _both(lambda lib, t: t.sum_to_size(size), x)
    assert tuple(a.shape) == tuple(b.shape) and a.stride() == b.stride()
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)
    if size != shape:
        assert a._data.base is None  # no view: the engine keeps such a gradient as it is


def test_linear_bias_grad_is_not_copied_from_a_view():
    lin = torcia.nn.Linear(5, 3)
    lin(torcia.randn(7, 2, 5)).sum().backward()
    assert lin.bias.grad._data.base is None
    ref = torch.nn.Linear(5, 3)
    ref.load_state_dict({k: torch.from_numpy(v.detach().numpy())
                         for k, v in lin.state_dict().items()})
    x = torch.from_numpy(RNG.standard_normal((7, 2, 5)).astype(np.float32))
    lin.zero_grad()
    lin(torcia.from_numpy(x.numpy())).sum().backward()
    ref(x).sum().backward()
    np.testing.assert_allclose(lin.bias.grad.numpy(), ref.bias.grad.numpy(), rtol=1e-5)


# -- Linear as (W @ x.T).T (Note [Linear layers as W @ x.T]) -------------------------------------
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("rows,inp,outp", [(8, 784, 300), (100, 64, 128), (128, 30, 200),
                                           (129, 30, 200), (8, 30, 127)])
def test_linear_layout_paths(dtype, rows, inp, outp):
    """Both sides of the path's bounds: values, gradients and a contiguous result."""
    out = check(lambda lib, x, w, b: lib.nn.functional.linear(x, w, b),
                [(rows, inp), (outp, inp), (outp,)], dtype=dtype, gradcheck=False,
                atol=1e-4 if dtype == "float32" else 1e-10)
    assert out.is_contiguous()
    check(lambda lib, c, x, w: lib.addmm(c, x, w.t()), [(rows, outp), (rows, inp), (outp, inp)],
          dtype=dtype, gradcheck=False, atol=1e-4 if dtype == "float32" else 1e-10)

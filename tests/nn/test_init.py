"""nn.init against PyTorch: with the same seed every initialisation fills bit-identical
values (orthogonal_ within LAPACK rounding), gains and errors match."""

import numpy as np
import pytest
import torch

import torcia

from ..same import same


def ok(fn, **kw):
    r = same(fn, **kw)
    assert not isinstance(r, BaseException), f"both raised {type(r).__name__}: {r}"
    return r


@pytest.mark.parametrize("args", [
    ("linear",), ("conv1d",), ("conv2d",), ("conv3d",), ("conv_transpose1d",),
    ("conv_transpose2d",), ("conv_transpose3d",), ("sigmoid",), ("tanh",), ("relu",),
    ("leaky_relu",), ("leaky_relu", 0.2), ("leaky_relu", 3), ("leaky_relu", True),
    ("leaky_relu", "x"), ("selu",), ("gelu",), ("relu", 5), ("Linear",),
])
def test_calculate_gain(args):
    same(lambda lib: lib.nn.init.calculate_gain(*args))


SHAPES = [(5, 3), (4, 3, 2), (6, 2, 3, 3), (3, 1, 2, 2, 2), (1, 7)]


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("call", [
    "init.uniform_(t)", "init.uniform_(t, -0.5, 2.0)", "init.normal_(t)",
    "init.normal_(t, 1.0, 0.1)", "init.trunc_normal_(t)", "init.trunc_normal_(t, 0.5, 2.0, -1, 1)",
    "init.trunc_normal_(t, 0.0, 1.0, 2.0, 3.0)", "init.trunc_normal_(t, 1.0, 0.5, -1.0, -0.5)",
    "init.constant_(t, 0.3)", "init.ones_(t)", "init.zeros_(t)", "init.xavier_uniform_(t)",
    "init.xavier_uniform_(t, gain=init.calculate_gain('relu'))", "init.xavier_normal_(t)",
    "init.xavier_normal_(t, 2.0)", "init.kaiming_uniform_(t)",
    "init.kaiming_uniform_(t, a=5 ** 0.5)",
    "init.kaiming_uniform_(t, mode='fan_out', nonlinearity='relu')",
    "init.kaiming_normal_(t)", "init.kaiming_normal_(t, 0.1, 'fan_out', 'leaky_relu')",
    "init.kaiming_normal_(t, nonlinearity='tanh')", "init.kaiming_uniform_(t, mode='FAN_IN')",
])
def test_fills_bit_identical(shape, call):
    def fn(lib):
        lib.manual_seed(7)
        t = lib.empty(shape)
        r = eval(call, {"init": lib.nn.init, "t": t})
        return r is t, t, lib.rand(2)  # also: the same number of draws
    ok(fn)


@pytest.mark.parametrize("call", [
    "init.uniform_(t, generator=g)", "init.normal_(t, 0, 2, generator=g)",
    "init.trunc_normal_(t, generator=g)", "init.xavier_uniform_(t, generator=g)",
    "init.xavier_normal_(t, generator=g)", "init.kaiming_uniform_(t, generator=g)",
    "init.kaiming_normal_(t, generator=g)",
])
def test_generator_argument(call):
    def fn(lib):
        lib.manual_seed(1)
        g = lib.Generator().manual_seed(3)
        t = lib.empty(4, 5)
        eval(call, {"init": lib.nn.init, "t": t, "g": g})
        return t, lib.rand(2)
    ok(fn)


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_dtypes(dtype):
    def fn(lib):
        lib.manual_seed(2)
        out = []
        for name in ("uniform_", "normal_", "xavier_uniform_", "kaiming_normal_"):
            t = lib.empty(3, 4, dtype=getattr(lib, dtype))
            getattr(lib.nn.init, name)(t)
            out.append(t)
        return out
    ok(fn)


def test_on_parameters_without_recording():
    def fn(lib):
        lib.manual_seed(4)
        p = lib.nn.Parameter(lib.empty(3, 3))
        for name in ("uniform_", "normal_", "xavier_normal_", "kaiming_uniform_", "zeros_",
                     "ones_", "eye_"):
            r = getattr(lib.nn.init, name)(p)
        lib.nn.init.constant_(p, 2.5)
        return r is p, p, p.grad_fn, p.is_leaf, p.requires_grad
    ok(fn)


@pytest.mark.parametrize("shape", [(3, 3), (2, 5), (5, 2)])
def test_eye(shape):
    ok(lambda lib: lib.nn.init.eye_(lib.empty(shape)))


@pytest.mark.parametrize("shape,groups", [((4, 3, 3), 1), ((6, 2, 3, 3), 2), ((2, 4, 3, 3, 3), 1),
                                          ((4, 4, 2, 4), 2), ((3, 5, 2), 3)])
def test_dirac(shape, groups):
    ok(lambda lib: lib.nn.init.dirac_(lib.ones(shape), groups))


@pytest.mark.parametrize("call", [
    "init.eye_(lib.empty(3))", "init.eye_(lib.empty(2, 2, 2))", "init.dirac_(lib.empty(3, 3))",
    "init.dirac_(lib.empty(3, 3, 3), 2)", "init.xavier_uniform_(lib.empty(3))",
    "init.kaiming_normal_(lib.empty(3))", "init.kaiming_uniform_(lib.empty(2, 2), mode='x')",
    "init.kaiming_uniform_(lib.empty(2, 2), nonlinearity='foo')",
    "init.orthogonal_(lib.empty(3))", "init.sparse_(lib.empty(3, 3, 3), 0.1)",
    "init.kaiming_uniform_(lib.empty(0, 3))", "init.kaiming_normal_(lib.empty(3, 0))",
    "init.xavier_uniform_(lib.empty(0, 3))", "init.orthogonal_(lib.empty(0, 3))",
    "init._calculate_fan_in_and_fan_out(lib.empty(2))",
    "init._calculate_fan_in_and_fan_out(lib.empty(2, 3, 4, 5))",
    "init.trunc_normal_(lib.empty(2, 2), mean=10.0)",
    "init.uniform(lib.empty(2, 2))", "init.normal(lib.empty(2, 2))",
    "init.constant(lib.empty(2, 2), 1.0)", "init.xavier_uniform(lib.empty(2, 2))",
    "init.xavier_normal(lib.empty(2, 2))", "init.kaiming_uniform(lib.empty(2, 2))",
    "init.kaiming_normal(lib.empty(2, 2))", "init.eye(lib.empty(2, 2))",
    "init.dirac(lib.empty(2, 2, 2))", "init.orthogonal(lib.empty(2, 2)).shape",
    "init.sparse(lib.empty(2, 2), 0.5)",
])
def test_errors_warnings_and_deprecated_aliases(call):
    def fn(lib):
        lib.manual_seed(0)
        return eval(call, {"init": lib.nn.init, "lib": lib})
    same(fn, warns=True)


@pytest.mark.parametrize("shape,gain", [((3, 5), 1), ((5, 3), 2.0), ((4, 2, 3), 1),
                                        ((6, 6), 0.5), ((1, 4), 1)])
def test_orthogonal(shape, gain):
    def fn(lib):
        lib.manual_seed(11)
        t = lib.empty(shape)
        lib.nn.init.orthogonal_(t, gain)
        return t, lib.rand(3)
    a, b = fn(torcia), fn(torch)
    np.testing.assert_allclose(a[0].numpy(), b[0].numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(a[1].numpy(), b[1].numpy())
    flat = a[0].reshape(shape[0], -1).numpy().astype(np.float64)
    gram = flat @ flat.T if shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(len(gram)) * gain ** 2, atol=1e-5)


@pytest.mark.parametrize("sparsity", [0.1, 0.5, 0.9])
def test_sparse(sparsity):
    def fn(lib):
        lib.manual_seed(5)
        t = lib.empty(6, 4)
        lib.nn.init.sparse_(t, sparsity, std=0.5)
        return t, lib.rand(2)
    ok(fn)


def test_layer_default_inits_are_torchs():
    def fn(lib):
        lib.manual_seed(12)
        return [list(m.parameters()) for m in (lib.nn.Linear(20, 7), lib.nn.Bilinear(3, 2, 4),
                                               lib.nn.Linear(784, 300))]
    ok(fn)

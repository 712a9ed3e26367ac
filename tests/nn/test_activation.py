"""Activations, functional and module, against PyTorch: values, dtypes, gradients (at the
kinks too), gradcheck, node names, in-place forms, reprs, errors and seeded RReLU noise."""

import warnings

import numpy as np
import pytest
import torch

import torcia

from ..ops.opcheck import check, check_error
from ..same import same

# Inputs that hit every kink: 0, +-lambda (0.5), +-1, +-3, 6, the softplus threshold.
KINKS = np.array([-7.0, -3.0, -2.5, -1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 2.5, 3.0, 6.0,
                  7.0, 20.0, 21.0], np.float32)

FUNCTIONAL = {
    "relu": lambda F, x: F.relu(x),
    "relu6": lambda F, x: F.relu6(x),
    "elu": lambda F, x: F.elu(x),
    "elu_alpha": lambda F, x: F.elu(x, alpha=0.7),
    "selu": lambda F, x: F.selu(x),
    "celu": lambda F, x: F.celu(x, 1.5),
    "gelu": lambda F, x: F.gelu(x),
    "gelu_tanh": lambda F, x: F.gelu(x, approximate="tanh"),
    "silu": lambda F, x: F.silu(x),
    "mish": lambda F, x: F.mish(x),
    "leaky_relu": lambda F, x: F.leaky_relu(x),
    "leaky_relu_slope": lambda F, x: F.leaky_relu(x, 0.2),
    "hardtanh": lambda F, x: F.hardtanh(x),
    "hardtanh_bounds": lambda F, x: F.hardtanh(x, -0.5, 2.5),
    "softplus": lambda F, x: F.softplus(x),
    "softplus_beta": lambda F, x: F.softplus(x, beta=2, threshold=5),
    "softsign": lambda F, x: F.softsign(x),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x),
    "hardswish": lambda F, x: F.hardswish(x),
    "logsigmoid": lambda F, x: F.logsigmoid(x),
    "sigmoid": lambda F, x: F.sigmoid(x),
    "tanh": lambda F, x: F.tanh(x),
    "threshold": lambda F, x: F.threshold(x, 0.5, -2.0),
    "tanhshrink": lambda F, x: F.tanhshrink(x),
    "softshrink": lambda F, x: F.softshrink(x),
    "softshrink_l": lambda F, x: F.softshrink(x, 1.0),
    "hardshrink": lambda F, x: F.hardshrink(x),
    "hardshrink_l": lambda F, x: F.hardshrink(x, 1.0),
    "rrelu_eval": lambda F, x: F.rrelu(x),
    "softmax": lambda F, x: F.softmax(x, dim=-1),
    "log_softmax": lambda F, x: F.log_softmax(x, dim=0),
    "softmin": lambda F, x: F.softmin(x, dim=-1),
    "glu": lambda F, x: F.glu(x[..., :4]),
    "glu_dim0": lambda F, x: F.glu(x[:2], 0),
}


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional(name):
    fn = FUNCTIONAL[name]
    check(lambda lib, x: fn(lib.nn.functional, x), [(3, 5)], low=-4, high=4)
    check(lambda lib, x: fn(lib.nn.functional, x), [KINKS], gradcheck=False)


@pytest.mark.parametrize("name", FUNCTIONAL)
def test_functional_float64_and_node_names(name):
    fn = FUNCTIONAL[name]
    out = check(lambda lib, x: fn(lib.nn.functional, x), [(4, 4)], dtype="float64",
                gradcheck=False)
    x = torch.randn(4, 4, requires_grad=True)
    assert out.grad_fn.name() == fn(torch.nn.functional, x).grad_fn.name()


@pytest.mark.parametrize("name", ["relu", "elu", "selu", "gelu", "silu", "softplus",
                                  "hardswish", "logsigmoid", "leaky_relu", "hardtanh"])
def test_low_precision(name):
    fn = FUNCTIONAL[name]
    for dt in ("float16", "bfloat16"):
        check(lambda lib, x: fn(lib.nn.functional, x), [(6, 7)], dtype=dt, atol=1e-2,
              rtol=1e-2, grad=False)


def test_gelu_gradgrad():
    # double backward through GeluBackward0 (its formula is made of Tensor ops)
    def fn(lib, x):
        y = lib.nn.functional.gelu(x, approximate="tanh") + lib.nn.functional.silu(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        return g
    check(fn, [(3, 4)])


INPLACE = {
    "relu": lambda F, x: F.relu(x, inplace=True),
    "relu_": lambda F, x: F.relu_(x),
    "relu6": lambda F, x: F.relu6(x, inplace=True),
    "elu": lambda F, x: F.elu(x, 0.5, inplace=True),
    "elu_": lambda F, x: F.elu_(x),
    "selu": lambda F, x: F.selu(x, inplace=True),
    "celu": lambda F, x: F.celu(x, 2.0, inplace=True),
    "silu": lambda F, x: F.silu(x, inplace=True),
    "mish": lambda F, x: F.mish(x, inplace=True),
    "leaky_relu": lambda F, x: F.leaky_relu(x, 0.1, inplace=True),
    "leaky_relu_": lambda F, x: F.leaky_relu_(x, 0.1),
    "hardtanh": lambda F, x: F.hardtanh(x, inplace=True),
    "hardtanh_": lambda F, x: F.hardtanh_(x, -0.5, 0.5),
    "hardsigmoid": lambda F, x: F.hardsigmoid(x, inplace=True),
    "hardswish": lambda F, x: F.hardswish(x, inplace=True),
    "threshold": lambda F, x: F.threshold(x, 0.1, 20.0, inplace=True),
    "threshold_": lambda F, x: F.threshold_(x, 0.1, -1.0),
    "rrelu_eval": lambda F, x: F.rrelu(x, inplace=True),
}


@pytest.mark.parametrize("name", INPLACE)
def test_inplace(name):
    fn = INPLACE[name]

    def run(lib, x):
        y = x * 1
        out = fn(lib.nn.functional, y)
        assert out is y
        return y, y.grad_fn.name()
    out = check(lambda lib, x: run(lib, x)[0], [(3, 5)], low=-4, high=4)
    x = torch.randn(3, requires_grad=True)
    assert run(torcia, torcia.randn(3, requires_grad=True))[1] == run(torch, x)[1]
    assert out.shape == (3, 5)


def test_inplace_saved_result_is_version_checked():
    def fn(lib):
        x = lib.tensor([-1.0, 2.0], requires_grad=True)
        y = lib.nn.functional.elu(x * 1, inplace=True)
        y.mul_(2)
        y.sum().backward()
    same(fn, match="modified by an inplace operation")


def test_inplace_negative_slope_errors():
    for call in (lambda F, y: F.leaky_relu(y, -0.1, inplace=True),
                 lambda F, y: F.elu(y, -0.5, inplace=True)):
        def fn(lib, call=call):
            y = lib.tensor([-1.0, 2.0], requires_grad=True) * 1
            call(lib.nn.functional, y)
            y.sum().backward()
        same(fn)


def test_inplace_on_view():
    for f in ("elu", "hardtanh", "silu", "leaky_relu"):
        def fn(lib, x, f=f):
            y = x * 1
            getattr(lib.nn.functional, f)(y[1:], inplace=True)
            return y
        check(fn, [(3, 4)], low=-3, high=3)

    def twice(lib):  # the second change bumps the version the first node saved
        y = lib.tensor([[-1.0, 2.0], [3.0, -4.0]], requires_grad=True) * 1
        lib.nn.functional.elu(y[1:], inplace=True)
        lib.nn.functional.hardtanh(y[:1], inplace=True)
        y.sum().backward()
    same(twice, match="modified by an inplace operation")


def test_prelu():
    F = "nn.functional"
    check(lambda lib, x, w: lib.nn.functional.prelu(x, w), [(2, 3, 4), (3,)])
    check(lambda lib, x, w: lib.nn.functional.prelu(x, w), [(2, 3), (1,)])
    check(lambda lib, x, w: lib.nn.functional.prelu(x, w), [(5,), (1,)])
    check(lambda lib, x, w: lib.prelu(x, w), [(2, 3, 2, 2), (3,)])
    check(lambda lib, x, w: x.prelu(w), [KINKS, np.array([0.3], np.float32)], gradcheck=False)
    assert F
    for shapes in ([(2, 4), (3,)], [(4,), (4,)], [(2, 4), (1, 1)]):
        check_error(lambda lib, x, w: lib.nn.functional.prelu(x, w), shapes)
    check_error(lambda lib, x, w: lib.nn.functional.prelu(x, w.double()), [(2, 3), (3,)])

    def names(lib):
        x = lib.randn(2, 3, requires_grad=True)
        w = lib.full((3,), 0.25, requires_grad=True)
        fn = lib.nn.functional.prelu(x, w).grad_fn
        return [fn.name()] + [e[0].name() for e in fn.next_functions]
    assert names(torcia) == names(torch)


def test_integer_inputs():
    ints = np.array([-3, -1, 0, 2, 7], np.int64)
    for name in ("relu", "relu6", "hardtanh", "threshold"):
        check(lambda lib, x: FUNCTIONAL[name](lib.nn.functional, x), [ints], grad=False)
    for name in ("elu", "selu", "celu", "gelu", "silu", "mish", "leaky_relu", "softplus",
                 "hardsigmoid", "hardswish", "logsigmoid", "softshrink", "hardshrink",
                 "rrelu_eval"):
        check_error(lambda lib, x: FUNCTIONAL[name](lib.nn.functional, x), [ints])


def test_errors():
    F = FUNCTIONAL
    cases = [
        (lambda lib, x: lib.nn.functional.glu(x), [(3, 5)]),
        (lambda lib, x: lib.nn.functional.glu(x, 0), [(3, 4)]),
        (lambda lib, x: lib.nn.functional.glu(x[0, 0]), [(3, 4)]),
        (lambda lib, x: lib.nn.functional.gelu(x, approximate="foo"), [(3,)]),
        (lambda lib, x: lib.nn.functional.hardtanh(x, 2.0, 1.0), [(3,)]),
        (lambda lib, x: lib.nn.functional.rrelu(x, 0.5, 0.1, True), [(3,)]),
        (lambda lib, x: lib.nn.functional.celu(x, 0.0), [(3,)]),
        (lambda lib, x: lib.nn.functional.softshrink(x, -0.5), [(3,)]),
        (lambda lib, x: lib.nn.functional.softshrink(x, -0.5), [(3,)], "float64"),
        (lambda lib, x: lib.nn.functional.relu(x > 0), [(3,)]),
    ]
    for case in cases:
        check_error(*case)
    assert F


@pytest.mark.filterwarnings("ignore::UserWarning")  # expected; compared by same(warns=True)
def test_implicit_softmax_dim_warns():
    for name in ("softmax", "softmin", "log_softmax"):
        for shape in ((4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)):
            def fn(lib, name=name, shape=shape):
                lib.manual_seed(0)
                x = lib.randn(*shape)
                return getattr(lib.nn.functional, name)(x).sum(0)  # dim 0 ->  shape differs
            same(lambda lib, fn=fn: tuple(fn(lib).shape), warns=True)
    for mod in ("Softmax", "Softmin", "LogSoftmax"):
        same(lambda lib, mod=mod: getattr(lib.nn, mod)()(lib.ones(2, 3)), warns=True)
    check(lambda lib, x: lib.nn.functional.softmax(x), [(2, 3, 4)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        torcia.nn.functional.softmax(torcia.ones(3), dim=0)


def test_rrelu_training_noise_matches_torch():
    def fn(lib):
        lib.manual_seed(7)
        x = lib.randn(5, 40, requires_grad=True)
        y = lib.nn.functional.rrelu(x, 0.1, 0.4, training=True)
        y.backward(lib.ones_like(y))
        z = lib.nn.RReLU(0.2, 0.3)(lib.randn(3, 7))
        w = lib.randn(4, 9).double()
        lib.nn.functional.rrelu(w, training=True, inplace=True)
        return y.detach(), x.grad, z, w, y.grad_fn.name(), lib.rand(2)
    same(fn, strides=False)


MODULES = [
    ("ReLU", (), {}), ("ReLU", (True,), {}), ("ReLU6", (), {}), ("ReLU6", (), {"inplace": True}),
    ("LeakyReLU", (), {}), ("LeakyReLU", (0.2, True), {}), ("ELU", (), {}),
    ("ELU", (0.5,), {"inplace": True}), ("SELU", (), {}), ("SELU", (True,), {}),
    ("CELU", (), {}), ("CELU", (2.0,), {}), ("GELU", (), {}), ("GELU", ("tanh",), {}),
    ("SiLU", (), {}), ("SiLU", (True,), {}), ("Mish", (), {}), ("Mish", (True,), {}),
    ("Sigmoid", (), {}), ("Tanh", (), {}), ("Softplus", (), {}),
    ("Softplus", (), {"beta": 2, "threshold": 10}), ("Softsign", (), {}),
    ("Hardtanh", (), {}), ("Hardtanh", (-2.0, 3.0, True), {}), ("Hardsigmoid", (), {}),
    ("Hardsigmoid", (True,), {}), ("Hardswish", (), {}), ("LogSigmoid", (), {}),
    ("Softmax", (1,), {}), ("Softmax", (), {"dim": -1}), ("LogSoftmax", (0,), {}),
    ("Softmin", (1,), {}), ("GLU", (), {}), ("GLU", (0,), {}), ("Threshold", (0.1, 20), {}),
    ("Threshold", (0.1, 20.0, True), {}), ("Tanhshrink", (), {}), ("Softshrink", (), {}),
    ("Softshrink", (1.0,), {}), ("Hardshrink", (), {}), ("Hardshrink", (0.25,), {}),
    ("RReLU", (), {}), ("RReLU", (0.1, 0.3, True), {}), ("PReLU", (), {}),
    ("PReLU", (4,), {"init": 0.1}), ("Softmax2d", (), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES)
def test_module(name, args, kwargs):
    def fn(lib, x):
        m = getattr(lib.nn, name)(*args, **kwargs)
        if name == "RReLU":
            m.eval()
        return m(x * 1)  # (a copy: some layers work in place)
    check(fn, [(2, 4, 3, 2)], low=-4, high=4, gradcheck=name != "PReLU")
    same(lambda lib: repr(getattr(lib.nn, name)(*args, **kwargs)))
    same(lambda lib: [(k, v.shape) for k, v in
                      getattr(lib.nn, name)(*args, **kwargs).state_dict().items()])


def test_module_attributes():
    for name, args, kwargs in MODULES:
        t = getattr(torch.nn, name)(*args, **kwargs)
        c = getattr(torcia.nn, name)(*args, **kwargs)
        for k, v in vars(t).items():
            if not k.startswith("_"):
                assert getattr(c, k) == v or isinstance(v, torch.Tensor), (name, k)


def test_module_errors():
    same(lambda lib: lib.nn.Hardtanh(1.0, 1.0))
    same(lambda lib: lib.nn.Softmax2d()(lib.ones(3, 4)))
    same(lambda lib: lib.nn.Hardtanh(min_value=-2.0), warns=True)


def test_prelu_module_grad_and_params():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.PReLU(3, init=0.2)
        x = lib.randn(2, 3, 5)
        m(x).pow(2).sum().backward()
        return [n for n, _ in m.named_parameters()], m.num_parameters, m.init, m.weight.grad
    same(lambda lib: fn(lib)[:3])
    np.testing.assert_allclose(fn(torcia)[3].numpy(), fn(torch)[3].numpy(), rtol=1e-5)


def test_gumbel_softmax_matches_torch_draws():
    def fn(lib):
        lib.manual_seed(0)
        y = lib.randn(3, 5, requires_grad=True)
        soft = lib.nn.functional.gumbel_softmax(y, tau=0.5)
        hard = lib.nn.functional.gumbel_softmax(y, hard=True, dim=0)
        return hard.detach(), soft.argmax(1), hard.grad_fn.name(), lib.rand(2)
    same(fn)
    for hard in (False, True):
        check(lambda lib, y, hard=hard: (lib.manual_seed(1), lib.nn.functional.gumbel_softmax(
            y, 0.7, hard=hard))[1], [(4, 6)], gradcheck=False)


def test_torch_level_names():
    check(lambda lib, x: lib.selu(x), [(3, 4)])
    check(lambda lib, x: lib.celu(x, 0.5), [(3, 4)])
    check(lambda lib, x: lib.hardshrink(x, 0.3) + x.hardshrink(), [(3, 4)])
    check(lambda lib, x: lib.threshold(x, 0.1, 2.0), [(3, 4)])
    check(lambda lib, x: lib.rrelu(x, 0.1, 0.2), [(3, 4)])
    check(lambda lib, x: lib.selu_(x * 1), [(3, 4)])
    check(lambda lib, x: lib.celu_(x * 1), [(3, 4)])
    check(lambda lib, x: lib.threshold_(x * 1, 0.0, -1.0), [(3, 4)])
    check(lambda lib, x: lib.relu_(x * 1), [(3, 4)])

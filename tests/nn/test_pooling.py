"""Pooling against PyTorch: max (with indices, ceil_mode, dilation, padding, ties and NaN),
average (count_include_pad, divisor_override, ceil_mode), adaptive average/max, lp pooling
and max_unpool, functional and layers, with gradcheck and gradgradcheck in float64, node
names, reprs and errors."""

import numpy as np
import pytest
import torch

import torcia

from ..ops.opcheck import check, check_error
from ..same import same
from .spatialcheck import check_layer, node_names

F_MAX2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": (3, 2), "stride": (1, 2), "padding": (1, 0), "dilation": (2, 1)},
    {"kernel_size": 2, "stride": 1},
    {"kernel_size": 2, "ceil_mode": True},
    {"kernel_size": (2, 3), "stride": 3, "dilation": 2, "ceil_mode": True},
]


@pytest.mark.parametrize("kw", F_MAX2D)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 6, 5)])
def test_max_pool2d(kw, shape):
    check(lambda lib, x: lib.nn.functional.max_pool2d(x, **kw), [shape])
    check(lambda lib, x: lib.nn.functional.max_pool2d(x, return_indices=True, **kw), [shape],
          gradcheck=False)


def test_max_pool2d_ties_and_nan():
    """Ties go to the first maximum in the window, NaN wins (the last NaN), as in PyTorch."""
    x = np.zeros((1, 2, 4, 6), np.float32)
    x[0, 1, :2, :2] = 1.0
    x[0, 1, 2, 2] = np.nan
    x[0, 1, 3, 3] = np.nan
    x[0, 0, 1, 1] = -0.0
    for kw in ({"kernel_size": 2}, {"kernel_size": 3, "stride": 1, "padding": 1}):
        check(lambda lib, x: lib.nn.functional.max_pool2d(x, return_indices=True, **kw), [x],
              gradcheck=False)


def test_max_pool_relu_zeros_gradient():
    """After relu, whole windows are 0: the gradient goes to one element per window."""
    x = np.maximum(np.random.default_rng(0).standard_normal((2, 3, 8, 8)), 0).astype(np.float32)
    check(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [x], gradcheck=False)


@pytest.mark.parametrize("kw", [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "return_indices": True},
    {"kernel_size": 2, "dilation": 2, "stride": 1},
])
@pytest.mark.parametrize("shape", [(2, 3, 9), (3, 8)])
def test_max_pool1d(kw, shape):
    check(lambda lib, x: lib.nn.functional.max_pool1d(x, **kw), [shape], gradcheck=False)


def test_max_pool3d():
    check(lambda lib, x: lib.nn.functional.max_pool3d(x, 2, stride=(1, 2, 2), padding=1,
                                                      return_indices=True),
          [(1, 2, 4, 5, 4)], gradcheck=False)
    check(lambda lib, x: lib.nn.functional.max_pool3d(x, 2), [(1, 2, 4, 4, 4)])


def test_max_pool_int_and_half():
    x = np.random.default_rng(0).integers(-9, 9, (2, 3, 6, 6))
    check(lambda lib, x: lib.nn.functional.max_pool2d(x, 3, 2, 1, return_indices=True), [x],
          grad=False)
    check(lambda lib, x: lib.nn.functional.max_pool2d(x, 2), [(2, 3, 6, 6)], dtype="float16",
          grad=False)


AVG2D = [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1},
    {"kernel_size": 3, "stride": 2, "padding": 1, "count_include_pad": False},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True, "count_include_pad": False},
    {"kernel_size": (2, 3), "stride": 1, "divisor_override": 5},
    {"kernel_size": 2, "ceil_mode": True},
]


@pytest.mark.parametrize("kw", AVG2D)
@pytest.mark.parametrize("shape", [(2, 3, 7, 8), (3, 5, 6)])
def test_avg_pool2d(kw, shape):
    check(lambda lib, x: lib.nn.functional.avg_pool2d(x, **kw), [shape])


@pytest.mark.parametrize("kw", [
    {"kernel_size": 2},
    {"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True,
     "count_include_pad": False},
])
def test_avg_pool1d(kw):
    check(lambda lib, x: lib.nn.functional.avg_pool1d(x, **kw), [(2, 3, 9)])
    check(lambda lib, x: lib.avg_pool1d(x, **kw), [(3, 9)])


def test_avg_pool3d_and_int():
    check(lambda lib, x: lib.nn.functional.avg_pool3d(x, 2, padding=1, ceil_mode=True),
          [(1, 2, 3, 4, 5)])
    x = np.random.default_rng(0).integers(-9, 9, (2, 3, 6, 6))
    check(lambda lib, x: lib.nn.functional.avg_pool2d(x, 2), [x], grad=False)


@pytest.mark.parametrize("out", [(2, 3), 3, (5, 4), (1, 1), 1, (None, 2), (7, 9), (1, 3)])
def test_adaptive_avg_pool2d(out):
    check(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, out), [(2, 3, 5, 7)])


@pytest.mark.parametrize("out", [(2, 3), 3, (5, 4), (None, 2), (7, 9)])
def test_adaptive_max_pool2d(out):
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, out), [(2, 3, 5, 7)])
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool2d(x, out, return_indices=True),
          [(3, 5, 7)], gradcheck=False)


def test_adaptive_1d_3d():
    check(lambda lib, x: lib.nn.functional.adaptive_avg_pool1d(x, 4), [(2, 3, 9)])
    check(lambda lib, x: lib.nn.functional.adaptive_avg_pool1d(x, 1), [(3, 9)])
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool1d(x, 4, True), [(2, 3, 9)],
          gradcheck=False)
    check(lambda lib, x: lib.nn.functional.adaptive_avg_pool3d(x, (2, 3, 2)), [(1, 2, 3, 5, 4)])
    check(lambda lib, x: lib.nn.functional.adaptive_max_pool3d(x, 2), [(1, 2, 3, 5, 4)])


def test_lp_pool():
    check(lambda lib, x: lib.nn.functional.lp_pool2d(x, 2, 2), [(2, 3, 6, 6)], low=0.5, high=2)
    check(lambda lib, x: lib.nn.functional.lp_pool2d(x, 3, (2, 3), stride=1, ceil_mode=True),
          [(2, 3, 5, 6)], low=0.5, high=2)
    check(lambda lib, x: lib.nn.functional.lp_pool1d(x, 1.5, 3, 2), [(2, 3, 9)], low=0.5,
          high=2)
    check(lambda lib, x: lib.nn.functional.lp_pool2d(x, float("inf"), 2), [(2, 3, 6, 6)])


def test_max_unpool():
    def fn(lib, x):
        F = lib.nn.functional
        y, i = F.max_pool2d(x, 2, return_indices=True)
        return F.max_unpool2d(y * 2, i, 2, output_size=x.shape[-2:])
    check(fn, [(2, 3, 7, 6)])

    def fn1(lib, x):
        F = lib.nn.functional
        y, i = F.max_pool1d(x, 3, 3, 1, return_indices=True)
        return F.max_unpool1d(y, i, 3, 3, 1, output_size=x.shape[-1:])
    check(fn1, [(2, 3, 9)])


@pytest.mark.parametrize("fn", [
    lambda F, x: F.max_pool2d(x, 3, 2, 1),
    lambda F, x: F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
    lambda F, x: F.adaptive_avg_pool2d(x, (3, 2)),
    lambda F, x: F.adaptive_max_pool2d(x, (3, 2)),
    lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2, output_size=(5, 6)),
])
def test_double_backward(fn):
    x = torcia.from_numpy(np.random.default_rng(3).standard_normal((2, 2, 5, 6)))
    assert torcia.autograd.gradgradcheck(lambda t: fn(torcia.nn.functional, t),
                                         (x.requires_grad_(),))


@pytest.mark.parametrize("fn", [
    lambda F, x: F.max_pool2d(x, 2),
    lambda F, x: F.max_pool1d(x[0], 2),
    lambda F, x: F.avg_pool2d(x, 2),
    lambda F, x: F.avg_pool1d(x[0], 2),
    lambda F, x: F.adaptive_avg_pool2d(x, 2),
    lambda F, x: F.adaptive_avg_pool2d(x, 1),
    lambda F, x: F.adaptive_avg_pool1d(x[0], 3),
    lambda F, x: F.adaptive_max_pool2d(x, 2),
    lambda F, x: F.lp_pool2d(x, 2, 2),
    lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2),
    lambda F, x: F.max_pool3d(x.unsqueeze(0), 2),
    lambda F, x: F.avg_pool3d(x.unsqueeze(0), 2),
])
def test_node_names(fn):
    names = []
    for lib in (torch, torcia):
        x = lib.ones(2, 3, 4, 4, requires_grad=True)
        names.append(node_names(fn(lib.nn.functional, x)))
    assert names[1] == names[0]


ERRORS = [
    lambda F, x: F.max_pool2d(x[0, 0], 2),
    lambda F, x: F.max_pool2d(x.unsqueeze(0), 2),
    lambda F, x: F.max_pool2d(x, 0),
    lambda F, x: F.max_pool2d(x, (1, 2, 3)),
    lambda F, x: F.max_pool2d(x, 2, stride=0),
    lambda F, x: F.max_pool2d(x, 2, padding=2),
    lambda F, x: F.max_pool2d(x, 3, padding=2),
    lambda F, x: F.max_pool2d(x, 2, dilation=0),
    lambda F, x: F.max_pool2d(x, 6),
    lambda F, x: F.max_pool2d(x[:, :0], 2),
    lambda F, x: F.max_pool1d(x, 2),
    lambda F, x: F.max_pool1d(x[0], 0),
    lambda F, x: F.max_pool1d(x[0], 2, padding=2),
    lambda F, x: F.max_pool1d(x[0], 6),
    lambda F, x: F.avg_pool2d(x, 0),
    lambda F, x: F.avg_pool2d(x, 2, padding=2),
    lambda F, x: F.avg_pool2d(x, 6),
    lambda F, x: F.avg_pool2d(x, 2, divisor_override=0),
    lambda F, x: F.avg_pool1d(x, 2),
    lambda F, x: F.avg_pool1d(x[0], 6),
    lambda F, x: F.adaptive_avg_pool2d(x[0, 0], 2),
    lambda F, x: F.adaptive_avg_pool2d(x, (2, 3, 4)),
    lambda F, x: F.adaptive_avg_pool2d(x[:, :, :0], 2),
    lambda F, x: F.adaptive_avg_pool2d(x.long(), 2),
    lambda F, x: F.adaptive_avg_pool1d(x, 2),
    lambda F, x: F.adaptive_avg_pool1d(x[0], (1, 2)),
    lambda F, x: F.adaptive_max_pool2d(x[0, 0], 2),
    lambda F, x: F.adaptive_max_pool2d(x.long(), 2),
    lambda F, x: F.adaptive_max_pool1d(x, 2),
    lambda F, x: F.max_unpool2d(*F.max_pool2d(x, 2, return_indices=True), 2, output_size=(7, 5)),
    lambda F, x: F.max_unpool2d(F.max_pool2d(x, 2), torch.zeros(2, 3, 2, 1).long()
                                if isinstance(x, torch.Tensor) else
                                torcia.zeros(2, 3, 2, 1).long(), 2),
    lambda F, x: F.max_unpool2d(F.max_pool2d(x, 2), F.max_pool2d(x, 2), 2),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_error(lambda lib, x: ERRORS[i](lib.nn.functional, x), [(2, 3, 5, 5)])


def test_unpool_invalid_index():
    # which invalid index PyTorch names depends on its threads: only the wording is compared
    check_error(lambda lib, x: lib.nn.functional.max_unpool2d(
        lib.nn.functional.max_pool2d(x, 2), lib.nn.functional.max_pool2d(
            x, 2, return_indices=True)[1] + 20, 2), [(2, 3, 5, 5)],
        match=r"^Found an invalid max index: \d+ \(output volumes are of size 4x4\)$")


# -- layers ----------------------------------------------------------------------------------
LAYERS = [
    (lambda nn: nn.MaxPool2d(2), (2, 3, 6, 7)),
    (lambda nn: nn.MaxPool2d(3, 2, 1, dilation=1, ceil_mode=True), (2, 3, 6, 7)),
    (lambda nn: nn.MaxPool2d((2, 3), stride=(1, 2), return_indices=True), (3, 6, 7)),
    (lambda nn: nn.MaxPool1d(3, 2, 1), (2, 3, 9)),
    (lambda nn: nn.MaxPool3d(2), (1, 2, 4, 4, 4)),
    (lambda nn: nn.AvgPool2d(3, 2, 1, count_include_pad=False), (2, 3, 6, 7)),
    (lambda nn: nn.AvgPool2d(2, divisor_override=3), (2, 3, 6, 7)),
    (lambda nn: nn.AvgPool1d(3, 2, 1, ceil_mode=True), (2, 3, 9)),
    (lambda nn: nn.AvgPool3d(2, stride=1), (1, 2, 3, 4, 3)),
    (lambda nn: nn.AdaptiveAvgPool2d((3, 4)), (2, 3, 7, 9)),
    (lambda nn: nn.AdaptiveAvgPool2d((None, 2)), (2, 3, 7, 9)),
    (lambda nn: nn.AdaptiveAvgPool2d(1), (2, 3, 7, 9)),
    (lambda nn: nn.AdaptiveAvgPool1d(4), (2, 3, 9)),
    (lambda nn: nn.AdaptiveAvgPool3d((1, 2, 3)), (1, 2, 3, 4, 5)),
    (lambda nn: nn.AdaptiveMaxPool2d((3, 4)), (2, 3, 7, 9)),
    (lambda nn: nn.AdaptiveMaxPool2d(2, return_indices=True), (3, 7, 9)),
    (lambda nn: nn.AdaptiveMaxPool1d(4), (2, 3, 9)),
    (lambda nn: nn.LPPool2d(2, 2), (2, 3, 6, 6)),
    (lambda nn: nn.LPPool1d(3, 2, stride=1), (2, 3, 9)),
]


@pytest.mark.parametrize("make,shape", LAYERS)
def test_layer(make, shape):
    x = None
    if "LPPool" in repr(make(torcia.nn)):
        x = np.random.default_rng(0).uniform(0.5, 2, shape).astype(np.float32)
    check_layer(make, shape, x=x)


def test_max_unpool_layer():
    def call(layer, x):
        lib = torch if isinstance(x, torch.Tensor) else torcia
        y, i = lib.nn.MaxPool2d(2, return_indices=True)(x)
        return layer(y, i, output_size=x.shape)
    check_layer(lambda nn: nn.MaxUnpool2d(2), (2, 3, 5, 5), call=call)

    def call1(layer, x):
        lib = torch if isinstance(x, torch.Tensor) else torcia
        y, i = lib.nn.MaxPool1d(3, 2, return_indices=True)(x)
        return layer(y, i)
    check_layer(lambda nn: nn.MaxUnpool1d(3, 2), (2, 3, 7), call=call1)


def test_layer_attributes():
    same(lambda lib: [getattr(lib.nn.MaxPool2d(3, padding=1), a) for a in
                      ("kernel_size", "stride", "padding", "dilation", "return_indices",
                       "ceil_mode")])
    same(lambda lib: [getattr(lib.nn.AvgPool1d(3), a) for a in
                      ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad")])
    same(lambda lib: repr(lib.nn.MaxUnpool2d(2, padding=1)))
    same(lambda lib: repr(lib.nn.Sequential(lib.nn.AvgPool2d(2), lib.nn.MaxPool1d(2),
                                            lib.nn.AdaptiveMaxPool2d((2, None)))))


def test_torch_namespace():
    x = np.random.default_rng(2).standard_normal((2, 3, 8)).astype(np.float32)
    same(lambda lib: lib.adaptive_max_pool1d(lib.from_numpy(x), 3))
    same(lambda lib: lib.max_pool1d_with_indices(lib.from_numpy(x), 2))
    same(lambda lib: lib.max_pool1d(lib.from_numpy(x), 3, 2, 1))
    same(lambda lib: lib.max_pool2d(lib.from_numpy(x), 2))
    same(lambda lib: lib.avg_pool1d(lib.from_numpy(x), 2))
    same(lambda lib: lib.adaptive_avg_pool1d(lib.from_numpy(x), 2), strides=False)

"""Padding, interpolation, pixel shuffle and fold/unfold against PyTorch: F.pad in every mode
(negative amounts too), interpolate's exact pixel choice over many sizes and scale factors,
the layers (repr, forward, gradients), gradcheck and gradgradcheck, node names and errors."""

import numpy as np
import pytest
import torch

import torcia

from ..ops.opcheck import check, check_error
from ..same import same
from .spatialcheck import check_layer, node_names

PADS = [
    ("constant", (2, 3, 5), (1, 2)),
    ("constant", (2, 3, 5), (1, -2, 0, 1)),
    ("constant", (2, 3, 4, 5), (1, 1, 2, 0, 1, 1)),
    ("constant", (2, 3, 4, 5), (-1, -1, -1, -2)),
    ("constant", (5,), (2, 3)),
    ("reflect", (2, 3, 5), (2, 4)),
    ("reflect", (3, 5), (1, 0)),
    ("reflect", (2, 3, 4, 5), (1, 2, 3, 0)),
    ("reflect", (2, 3, 4, 5), (-1, 2, 1, -1)),
    ("reflect", (1, 2, 3, 4, 5), (1, 1, 2, 2, 1, 0)),
    ("replicate", (2, 3, 5), (3, 1)),
    ("replicate", (2, 3, 4, 5), (2, 0, -1, 3)),
    ("replicate", (2, 3, 3, 4), (1, 2, 1, 1, 2, 0)),
    ("circular", (2, 3, 5), (2, 3)),
    ("circular", (2, 3, 4, 5), (1, 2, 3, 1)),
    ("circular", (2, 3, 4, 5), (-1, 2, 1, -2)),
    ("circular", (1, 2, 3, 4, 5), (1, 1, 2, 0, 1, 2)),
]


@pytest.mark.parametrize("mode,shape,pad", PADS)
def test_pad(mode, shape, pad):
    check(lambda lib, x: lib.nn.functional.pad(x, pad, mode=mode), [shape])


def test_pad_value_and_dtypes():
    check(lambda lib, x: lib.nn.functional.pad(x, (1, 2), value=2.5), [(2, 3)])
    x = np.arange(12).reshape(3, 4)
    check(lambda lib, x: lib.nn.functional.pad(x, (1, 2, 1, 0), value=7), [x], grad=False)
    check(lambda lib, x: lib.nn.functional.pad(x, (1, 1), mode="reflect"), [x], grad=False)
    check(lambda lib, x: lib.constant_pad_nd(x, (1, 1), 3.0), [(2, 3)])


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_double_backward(mode):
    x = torcia.from_numpy(np.random.default_rng(0).standard_normal((2, 3, 4, 5)))
    assert torcia.autograd.gradgradcheck(
        lambda t: torcia.nn.functional.pad(t, (2, 1, -1, 3), mode=mode), (x.requires_grad_(),))


PAD_ERRORS = [
    lambda F, x: F.pad(x, (1, 2, 3)),
    lambda F, x: F.pad(x, (1,) * 10),
    lambda F, x: F.pad(x, (1, 1), mode="reflect", value=1),
    lambda F, x: F.pad(x, (1, 1), mode="foo"),
    lambda F, x: F.pad(x, (1, 1), mode="reflect"),
    lambda F, x: F.pad(x[0], (5, 1), mode="reflect"),
    lambda F, x: F.pad(x, (1, 1, 5, 1), mode="reflect"),
    lambda F, x: F.pad(x[0], (6, 1), mode="circular"),
    lambda F, x: F.pad(x[0], (-2, -4), mode="circular"),
    lambda F, x: F.pad(x[:, :0, 0], (1, 1), mode="replicate"),
    lambda F, x: F.pad(x[0, 0, 0], (1, 1), mode="replicate"),
    lambda F, x: F.pad(x, (-6, 1)),
]


@pytest.mark.parametrize("i", range(len(PAD_ERRORS)))
def test_pad_errors(i):
    check_error(lambda lib, x: PAD_ERRORS[i](lib.nn.functional, x), [(2, 3, 5, 5)])


# -- interpolate -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic", "area"])
def test_interpolate_sweep(mode):
    """Many input/output sizes and factors: the same source pixels and weights as PyTorch."""
    rng = np.random.default_rng(7)
    ac = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    cases = [{"size": (h, w)} for h, w in ((1, 1), (3, 7), (8, 8), (10, 4), (13, 17), (5, 9))]
    cases += [{"scale_factor": s} for s in (0.5, 0.7, 1.0, 1.5, 2.0, 2.3, 3.0, (1.7, 0.6))]
    cases += [{"scale_factor": s, "recompute_scale_factor": True} for s in (0.7, 1.3, 2.5)]
    for shape in ((1, 2, 5, 6), (2, 1, 7, 3), (1, 1, 1, 4)):
        x = rng.standard_normal(shape).astype(np.float32)
        for kw in cases:
            for a in ac:
                extra = {} if a is None else {"align_corners": a}
                try:
                    exp = torch.nn.functional.interpolate(torch.from_numpy(x), mode=mode, **kw,
                                                          **extra)
                except RuntimeError:  # an empty output: torcia must refuse it too
                    with pytest.raises(RuntimeError):
                        torcia.nn.functional.interpolate(torcia.from_numpy(x), mode=mode, **kw,
                                                         **extra)
                    continue
                got = torcia.nn.functional.interpolate(torcia.from_numpy(x), mode=mode, **kw,
                                                       **extra)
                assert tuple(got.shape) == tuple(exp.shape), (shape, kw, a)
                if mode.startswith("nearest"):  # the same pixels, bit for bit
                    np.testing.assert_array_equal(got.numpy(), exp.numpy(), f"{shape} {kw}")
                else:  # weights agree to float32 rounding (PyTorch's kernels use FMAs)
                    np.testing.assert_allclose(got.numpy(), exp.numpy(), rtol=1e-5, atol=1e-5,
                                               err_msg=f"{shape} {kw} {a}")


def test_interpolate_float64_exact_nearest():
    x = np.random.default_rng(1).standard_normal((1, 1, 9, 11))
    for s in (0.3, 0.9, 1.1, 1.9, 2.7, 3.3):
        for mode in ("nearest", "nearest-exact"):
            same(lambda lib: lib.nn.functional.interpolate(lib.from_numpy(x), scale_factor=s,
                                                           mode=mode))


@pytest.mark.parametrize("kw", [
    {"scale_factor": 2, "mode": "nearest"},
    {"size": (4, 7), "mode": "nearest-exact"},
    {"scale_factor": 1.7, "mode": "bilinear"},
    {"size": (3, 8), "mode": "bilinear", "align_corners": True},
    {"scale_factor": 0.6, "mode": "bicubic"},
    {"size": (7, 4), "mode": "bicubic", "align_corners": True},
    {"size": (3, 2), "mode": "area"},
])
def test_interpolate_grad(kw):
    check(lambda lib, x: lib.nn.functional.interpolate(x, **kw), [(2, 3, 5, 6)])


def test_interpolate_1d_3d():
    check(lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=2.5, mode="linear"),
          [(2, 3, 5)])
    check(lambda lib, x: lib.nn.functional.interpolate(x, size=7, mode="linear",
                                                       align_corners=True), [(2, 3, 5)])
    check(lambda lib, x: lib.nn.functional.interpolate(x, size=8), [(2, 3, 5)])
    check(lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=(2, 1.5, 0.5),
                                                       mode="trilinear"), [(1, 2, 3, 4, 4)])
    check(lambda lib, x: lib.nn.functional.interpolate(x, size=(4, 5, 6)), [(1, 2, 3, 4, 4)])


def test_interpolate_half():
    check(lambda lib, x: lib.nn.functional.interpolate(x, scale_factor=2, mode="bilinear"),
          [(1, 2, 4, 5)], dtype="bfloat16", grad=False, atol=0.02, rtol=0.02)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic"])
def test_interpolate_double_backward(mode):
    x = torcia.from_numpy(np.random.default_rng(2).standard_normal((1, 2, 4, 5)))
    assert torcia.autograd.gradgradcheck(
        lambda t: torcia.nn.functional.interpolate(t, scale_factor=1.5, mode=mode),
        (x.requires_grad_(),))


INTERP_ERRORS = [
    lambda F, x: F.interpolate(x, size=3, scale_factor=2),
    lambda F, x: F.interpolate(x),
    lambda F, x: F.interpolate(x, size=(3, 4, 5)),
    lambda F, x: F.interpolate(x, scale_factor=(2, 3, 4)),
    lambda F, x: F.interpolate(x, scale_factor=2, align_corners=True),
    lambda F, x: F.interpolate(x, size=3, recompute_scale_factor=True),
    lambda F, x: F.interpolate(x, scale_factor=2, mode="linear"),
    lambda F, x: F.interpolate(x[0], scale_factor=2, mode="bilinear"),
    lambda F, x: F.interpolate(x, scale_factor=2, mode="foo"),
    lambda F, x: F.interpolate(x[0, 0], scale_factor=2),
    lambda F, x: F.interpolate(x, size=(0, 3)),
    lambda F, x: F.interpolate(x.long(), scale_factor=2, mode="bilinear"),
]


@pytest.mark.parametrize("i", range(len(INTERP_ERRORS)))
def test_interpolate_errors(i):
    check_error(lambda lib, x: INTERP_ERRORS[i](lib.nn.functional, x), [(2, 3, 5, 5)])


def test_upsample_deprecated():
    same(lambda lib: lib.nn.functional.upsample_bilinear(lib.ones(1, 1, 2, 2),
                                                         scale_factor=2).shape, warns=True)
    same(lambda lib: lib.nn.functional.upsample_nearest(lib.ones(1, 1, 2, 2), 3), warns=True)
    same(lambda lib: lib.nn.functional.upsample(lib.ones(1, 1, 2, 2), size=3), warns=True)
    check(lambda lib, x: lib.nn.functional.upsample_bilinear(x, size=(3, 5)), [(1, 2, 2, 3)])


# -- pixel shuffle, unfold / fold ------------------------------------------------------------
def test_pixel_shuffle():
    check(lambda lib, x: lib.nn.functional.pixel_shuffle(x, 2), [(2, 8, 3, 4)])
    check(lambda lib, x: lib.nn.functional.pixel_shuffle(x, 3), [(9, 2, 2)])
    check(lambda lib, x: lib.pixel_shuffle(x, 2), [(2, 1, 4, 2, 3)])
    check(lambda lib, x: lib.nn.functional.pixel_unshuffle(x, 2), [(2, 3, 4, 6)])
    check(lambda lib, x: lib.pixel_unshuffle(x, 3), [(2, 6, 3)])


@pytest.mark.parametrize("kw", [
    {"kernel_size": 2},
    {"kernel_size": (2, 3), "stride": (1, 2), "padding": 1, "dilation": (2, 1)},
    {"kernel_size": 3, "stride": 2, "padding": (0, 1)},
])
def test_unfold_fold(kw):
    check(lambda lib, x: lib.nn.functional.unfold(x, **kw), [(2, 3, 6, 7)])
    check(lambda lib, x: lib.nn.functional.unfold(x, **kw), [(3, 6, 7)])
    cols = torch.nn.functional.unfold(torch.zeros(2, 3, 6, 7), **kw).shape
    check(lambda lib, c: lib.nn.functional.fold(c, (6, 7), **kw), [tuple(cols)])
    check(lambda lib, c: lib.nn.functional.fold(c, (6, 7), **kw), [tuple(cols[1:])])


def test_unfold_fold_double_backward():
    x = torcia.from_numpy(np.random.default_rng(4).standard_normal((1, 2, 4, 5)))
    assert torcia.autograd.gradgradcheck(
        lambda t: torcia.nn.functional.fold(torcia.nn.functional.unfold(t, 2, padding=1) ** 2,
                                            (4, 5), 2, padding=1), (x.requires_grad_(),))


SHAPE_ERRORS = [
    lambda F, x: F.pixel_shuffle(x[0, 0], 2),
    lambda F, x: F.pixel_shuffle(x, 2),
    lambda F, x: F.pixel_shuffle(x, 0),
    lambda F, x: F.pixel_unshuffle(x, 2),
    lambda F, x: F.pixel_unshuffle(x[0, 0], 2),
    lambda F, x: F.pixel_unshuffle(x[..., :4], 2),
    lambda F, x: F.unfold(x, 6),
    lambda F, x: F.unfold(x, 2, stride=0),
    lambda F, x: F.unfold(x, 2, padding=-1),
    lambda F, x: F.unfold(x, 2, dilation=0),
    lambda F, x: F.unfold(x, 0),
    lambda F, x: F.unfold(x.unsqueeze(0), 2),
    lambda F, x: F.fold(x[0, :, :3].reshape(2, 12, 2), (5, 5), 2),
    lambda F, x: F.fold(x[0, 0, :2, :2].reshape(1, 1, 4), (2, 2), 2),
    lambda F, x: F.fold(x, (5, 5), 2),
]


@pytest.mark.parametrize("i", range(len(SHAPE_ERRORS)))
def test_shape_errors(i):
    check_error(lambda lib, x: SHAPE_ERRORS[i](lib.nn.functional, x), [(2, 3, 5, 5)])


@pytest.mark.parametrize("fn", [
    lambda F, x: F.pad(x, (1, 1, 1, 1)),
    lambda F, x: F.pad(x, (1, 1, 1, 1), mode="reflect"),
    lambda F, x: F.pad(x[0], (1, 1), mode="replicate"),
    lambda F, x: F.pad(x, (1, 1, 1, 1), mode="circular"),
    lambda F, x: F.interpolate(x, scale_factor=2),
    lambda F, x: F.interpolate(x[0], scale_factor=2),
    lambda F, x: F.interpolate(x, scale_factor=2, mode="bilinear"),
    lambda F, x: F.interpolate(x[0], scale_factor=2, mode="linear"),
    lambda F, x: F.interpolate(x, scale_factor=2, mode="bicubic"),
    lambda F, x: F.interpolate(x, scale_factor=2, mode="nearest-exact"),
    lambda F, x: F.pixel_shuffle(x[:, :, :2], 2),
    lambda F, x: F.pixel_unshuffle(x, 2),
    lambda F, x: F.unfold(x, 2),
    lambda F, x: F.fold(F.unfold(x, 2), (4, 4), 2),
])
def test_node_names(fn):
    names = []
    for lib in (torch, torcia):
        x = lib.ones(2, 4, 4, 4, requires_grad=True)
        names.append(node_names(fn(lib.nn.functional, x)))
    assert names[1] == names[0]


# -- layers ----------------------------------------------------------------------------------
LAYERS = [
    (lambda nn: nn.ZeroPad2d((1, 2, 0, 3)), (2, 3, 4, 5)),
    (lambda nn: nn.ZeroPad1d(2), (2, 3, 4)),
    (lambda nn: nn.ConstantPad1d((1, 2), 3.5), (2, 3, 4)),
    (lambda nn: nn.ConstantPad2d(1, -1.0), (3, 4, 5)),
    (lambda nn: nn.ConstantPad3d((1, 0, 0, 1, 1, 1), 2.0), (1, 2, 3, 4, 5)),
    (lambda nn: nn.ReflectionPad1d((2, 1)), (2, 3, 5)),
    (lambda nn: nn.ReflectionPad2d(2), (2, 3, 4, 5)),
    (lambda nn: nn.ReflectionPad3d(1), (1, 2, 3, 4, 5)),
    (lambda nn: nn.ReplicationPad1d(3), (2, 3, 5)),
    (lambda nn: nn.ReplicationPad2d((1, 0, 2, 3)), (3, 4, 5)),
    (lambda nn: nn.ReplicationPad3d(1), (1, 2, 3, 4, 5)),
    (lambda nn: nn.CircularPad1d(2), (2, 3, 5)),
    (lambda nn: nn.CircularPad2d((1, 2, 2, 1)), (2, 3, 4, 5)),
    (lambda nn: nn.CircularPad3d(1), (1, 2, 3, 4, 5)),
    (lambda nn: nn.Upsample(scale_factor=2), (2, 3, 4, 5)),
    (lambda nn: nn.Upsample(size=(5, 7), mode="bilinear"), (2, 3, 4, 5)),
    (lambda nn: nn.Upsample(scale_factor=(1.5, 2), mode="bicubic", align_corners=True),
     (1, 2, 4, 5)),
    (lambda nn: nn.Upsample(scale_factor=1.5, mode="linear"), (2, 3, 5)),
    (lambda nn: nn.UpsamplingNearest2d(scale_factor=3), (2, 3, 2, 3)),
    (lambda nn: nn.UpsamplingBilinear2d(size=(5, 4)), (2, 3, 2, 3)),
    (lambda nn: nn.PixelShuffle(2), (2, 8, 3, 3)),
    (lambda nn: nn.PixelUnshuffle(2), (2, 2, 4, 6)),
    (lambda nn: nn.Unfold((2, 3), padding=1, stride=2), (2, 3, 5, 6)),
    (lambda nn: nn.Fold((4, 5), 2), (2, 12, 12)),
    (lambda nn: nn.Fold(output_size=(5, 5), kernel_size=3, padding=1, dilation=2, stride=2),
     (1, 18, 4)),
]


@pytest.mark.parametrize("make,shape", LAYERS)
def test_layer(make, shape):
    check_layer(make, shape)


def test_circular_pad_layer_error():
    same(lambda lib: lib.nn.CircularPad2d(1)(lib.ones(2, 3)))


def test_layer_attributes():
    same(lambda lib: [getattr(lib.nn.Upsample(scale_factor=(2, 3), mode="bilinear"), a)
                      for a in ("name", "size", "scale_factor", "mode", "align_corners",
                                "recompute_scale_factor")])
    same(lambda lib: [lib.nn.ZeroPad2d(2).padding, lib.nn.ConstantPad1d(2, 1).value,
                      lib.nn.ReflectionPad3d((1, 2, 3, 4, 5, 6)).padding])

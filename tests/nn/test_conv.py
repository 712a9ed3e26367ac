"""Convolutions against PyTorch: conv1d/2d/3d and conv_transpose1d/2d/3d in many geometries
(values, dtypes, gradients, gradcheck and gradgradcheck in float64), the Conv and ConvTranspose
layers (seeded init bit for bit, repr, padding modes, output_size), node names and errors."""

import warnings

import numpy as np
import pytest
import torch

import torcia

from ..ops.opcheck import check, check_error
from .spatialcheck import check_layer, node_names

TOL = {"atol": 1e-4, "rtol": 1e-4}  # float32 sums of products: BLAS orders differ


def conv(F_name, **kw):
    return lambda lib, x, w, b: getattr(lib.nn.functional, F_name)(x, w, b, **kw)


# (input shape, weight shape, keyword arguments)
CONV2D = [
    ((2, 3, 6, 5), (4, 3, 3, 3), {}),
    ((2, 3, 6, 5), (4, 3, 3, 3), {"padding": 1}),
    ((2, 3, 7, 6), (4, 3, 3, 2), {"stride": 2, "padding": (1, 0)}),
    ((1, 2, 8, 7), (3, 2, 3, 3), {"stride": (2, 3), "padding": 2, "dilation": (2, 1)}),
    ((2, 4, 6, 6), (6, 2, 3, 3), {"groups": 2, "padding": 1}),
    ((2, 4, 5, 5), (4, 1, 3, 3), {"groups": 4, "stride": 2}),  # depthwise
    ((2, 3, 5, 4), (5, 3, 1, 1), {}),  # 1x1
    ((2, 3, 6, 5), (4, 3, 3, 3), {"padding": "same"}),
    ((2, 3, 6, 5), (4, 3, 2, 4), {"padding": "same", "dilation": (1, 2)}),
    ((2, 3, 6, 5), (4, 3, 3, 3), {"padding": "valid"}),
    ((3, 6, 5), (4, 3, 3, 3), {}),  # unbatched
    ((0, 3, 5, 5), (4, 3, 3, 3), {}),  # empty batch
    ((2, 8, 6, 5), (4, 8, 3, 3), {"padding": 1}),  # C*K = 72: the channel-first GEMM layout
    ((2, 8, 7, 6), (4, 8, 3, 3), {"stride": 2, "dilation": (1, 2)}),
    ((2, 8, 5, 12), (4, 8, 3, 3), {"padding": 1}),
    ((2, 8, 6, 12), (6, 4, 3, 3), {"padding": 1, "groups": 2}),
    ((1, 16, 9, 14), (4, 16, 3, 2), {"padding": (2, 0), "dilation": (2, 1)}),
    ((2, 70, 3, 4), (5, 70, 1, 1), {}),
]


@pytest.mark.parametrize("x,w,kw", CONV2D)
def test_conv2d(x, w, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'same' with an even kernel warns in both libraries
        check(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, **kw), [x, w, (w[0],)],
              **TOL)


@pytest.mark.parametrize("x,w,kw", CONV2D[:6])
def test_conv2d_float64_no_bias(x, w, kw):
    check(lambda lib, x, w: lib.nn.functional.conv2d(x, w, **kw), [x, w], dtype="float64",
          atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("x,w,kw", [
    ((2, 3, 9), (4, 3, 3), {}),
    ((2, 3, 9), (4, 3, 3), {"stride": 2, "padding": 1, "dilation": 2}),
    ((2, 4, 8), (6, 2, 2), {"groups": 2, "padding": "same"}),
    ((3, 9), (2, 3, 4), {"padding": 2}),
])
def test_conv1d(x, w, kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda lib, x, w, b: lib.nn.functional.conv1d(x, w, b, **kw), [x, w, (w[0],)],
              **TOL)


@pytest.mark.parametrize("x,w,kw", [
    ((1, 2, 4, 5, 4), (3, 2, 2, 3, 2), {}),
    ((1, 2, 5, 4, 4), (2, 1, 3, 2, 2), {"stride": (2, 1, 1), "padding": 1, "groups": 2}),
])
def test_conv3d(x, w, kw):
    check(lambda lib, x, w, b: lib.nn.functional.conv3d(x, w, b, **kw), [x, w, (w[0],)],
          **TOL)


# (input shape, weight shape (in, out/groups, *k), keyword arguments)
CONV_T2D = [
    ((2, 3, 4, 5), (3, 2, 3, 3), {}),
    ((2, 3, 4, 5), (3, 2, 3, 3), {"stride": 2, "padding": 1, "output_padding": 1}),
    ((1, 4, 3, 4), (4, 2, 2, 3), {"stride": (2, 3), "dilation": (2, 1), "groups": 2}),
    ((2, 2, 3, 3), (2, 3, 3, 3), {"stride": 3, "padding": 2, "output_padding": (2, 0)}),
    ((3, 4, 5), (3, 2, 3, 3), {"padding": 1}),  # unbatched
]


@pytest.mark.parametrize("x,w,kw", CONV_T2D)
def test_conv_transpose2d(x, w, kw):
    out = w[1] * kw.get("groups", 1)
    check(lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, **kw),
          [x, w, (out,)], **TOL)


@pytest.mark.parametrize("x,w,kw", [
    ((2, 3, 6), (3, 2, 3), {"stride": 2, "output_padding": 1}),
    ((2, 4, 5), (4, 1, 2), {"groups": 2, "dilation": 3, "padding": 1}),
])
def test_conv_transpose1d(x, w, kw):
    out = w[1] * kw.get("groups", 1)
    check(lambda lib, x, w, b: lib.nn.functional.conv_transpose1d(x, w, b, **kw),
          [x, w, (out,)], **TOL)


def test_conv_transpose3d():
    check(lambda lib, x, w: lib.nn.functional.conv_transpose3d(x, w, stride=2, padding=1),
          [(1, 2, 3, 2, 3), (2, 2, 2, 3, 2)], **TOL)


@pytest.mark.parametrize("k", [(3, 3), (3, 4)])
def test_batch_split_into_chunks(monkeypatch, k):
    """A batch whose columns exceed the kernels' memory budget is processed in chunks."""
    from torcia._backend import cpu
    monkeypatch.setattr(cpu, "_COLS_LIMIT", 300)
    check(lambda lib, x, w, b: lib.nn.functional.conv2d(x, w, b, padding=1),
          [(5, 3 * k[1] - 6, 5, 4), (4, 3 * k[1] - 6) + k, (4,)], gradcheck=False, **TOL)
    check(lambda lib, x, w, b: lib.nn.functional.conv_transpose2d(x, w, b, stride=2),
          [(5, 3, 3, 4), (3, 2) + k, (2,)], gradcheck=False, **TOL)


def test_torch_namespace():
    check(lambda lib, x, w: lib.conv2d(x, w, None, 1, 1), [(1, 2, 5, 5), (3, 2, 3, 3)], **TOL)
    check(lambda lib, x, w: lib.convolution(x, w, None, [2, 2], [1, 0], [1, 1], False, [0, 0],
                                            1), [(1, 2, 5, 5), (3, 2, 3, 3)], **TOL)
    check(lambda lib, x, w: lib.conv_transpose1d(x, w, stride=2), [(1, 2, 5), (2, 3, 3)],
          **TOL)


def test_half_precision_forward():
    for dtype in ("float16", "bfloat16"):
        check(lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1),
              [(1, 2, 5, 5), (3, 2, 3, 3)], dtype=dtype, grad=False, atol=0.05, rtol=0.02)


def test_integer_conv():
    x = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5) % 7
    w = np.arange(4 * 3 * 3 * 3).reshape(4, 3, 3, 3) % 5 - 2
    check(lambda lib, x, w: lib.nn.functional.conv2d(x, w, padding=1), [x, w], grad=False)


@pytest.mark.parametrize("fn", [
    lambda F, x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, dilation=(1, 2), groups=2),
    lambda F, x, w, b: F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1,
                                          groups=2),
])
def test_double_backward(fn):
    """Second-order gradients: gradgradcheck, and values against torch's double backward."""
    rng = np.random.default_rng(5)
    arrs = [rng.standard_normal(s) for s in ((2, 4, 5, 5), (4, 2, 3, 2), (4,))]
    ins = tuple(torcia.from_numpy(a.copy()).requires_grad_() for a in arrs)
    assert torcia.autograd.gradgradcheck(lambda *xs: fn(torcia.nn.functional, *xs), ins)
    outs = []
    for lib in (torch, torcia):
        xs = [lib.from_numpy(a.copy()).requires_grad_() for a in arrs]
        y = fn(lib.nn.functional, *xs)
        gx, gw = lib.autograd.grad((y * y).sum(), xs[:2], create_graph=True)
        (gx.sin().sum() + (gw * gw).sum()).backward()
        outs.append([t.grad.detach().numpy() for t in xs])
    for a, e in zip(outs[1], outs[0]):
        np.testing.assert_allclose(a, e, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("fn", [
    lambda F, x, w: F.conv2d(x, w),
    lambda F, x, w: F.conv1d(x[0, :, 0], w[:, :, 0]),
    lambda F, x, w: F.conv2d(x, w[:, :, :2, :2], padding="same"),
    lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1), stride=2),
])
def test_node_names(fn):
    names = []
    for lib in (torch, torcia):
        x = lib.ones(2, 3, 5, 5, requires_grad=True)
        w = lib.ones(4, 3, 3, 3, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            y = fn(lib.nn.functional, x, w)
        names.append(node_names(y))
        assert len(y.grad_fn.next_functions) == len(names[0] and y.grad_fn.next_functions)
    assert names[1] == names[0]


def test_saved_input_modified_in_place():
    def fn(lib):
        x = lib.ones(1, 1, 4, 4, requires_grad=True) * 1
        w = lib.ones(1, 1, 3, 3, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w)
        x.mul_(2)
        y.sum().backward()
    from ..same import same
    same(fn, match="modified by an inplace operation")


ERRORS = [
    lambda F, x, w: F.conv2d(x[0, 0], w),
    lambda F, x, w: F.conv2d(x.unsqueeze(0), w),
    lambda F, x, w: F.conv2d(x, w[:, :2]),
    lambda F, x, w: F.conv2d(x, w, groups=2),
    lambda F, x, w: F.conv2d(x, w[:, :1], groups=3),
    lambda F, x, w: F.conv2d(x, w, w[0, 0, 0]),
    lambda F, x, w: F.conv2d(x[:, :, :2, :2], w),
    lambda F, x, w: F.conv2d(x, w, stride=0),
    lambda F, x, w: F.conv2d(x, w, stride=(1, 2, 3)),
    lambda F, x, w: F.conv2d(x, w, padding=-1),
    lambda F, x, w: F.conv2d(x, w, dilation=0),
    lambda F, x, w: F.conv2d(x, w, groups=0),
    lambda F, x, w: F.conv2d(x, w, padding="same", stride=2),
    lambda F, x, w: F.conv2d(x, w, padding="foo"),
    lambda F, x, w: F.conv2d(x, w.double()),
    lambda F, x, w: F.conv2d(x.double(), w),
    lambda F, x, w: F.conv2d(x, w, w[:, 0, 0, 0].double()),
    lambda F, x, w: F.conv2d(x.bool(), w.bool()),
    lambda F, x, w: F.conv1d(x, w[:, :, 0]),
    lambda F, x, w: F.conv1d(x[0], w[:, :, 0]),
    lambda F, x, w: F.conv3d(x, w),
    lambda F, x, w: F.conv_transpose2d(x, w),
    lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1), output_padding=1),
    lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1), output_padding=2, stride=2),
    lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1), output_padding=-1),
    lambda F, x, w: F.conv_transpose1d(x[0], w[:, :, 0].transpose(0, 1), output_padding=1),
    lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1), w[0, 0, 0]),
    lambda F, x, w: F.conv_transpose2d(x[0, 0], w.transpose(0, 1)),
    lambda F, x, w: F.conv_transpose2d(x, w.transpose(0, 1), groups=2),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors(i):
    check_error(lambda lib, x, w: ERRORS[i](lib.nn.functional, x, w), [(2, 3, 5, 5),
                                                                       (4, 3, 3, 3)])


# -- layers ----------------------------------------------------------------------------------
LAYERS = [
    (lambda nn: nn.Conv2d(3, 4, 3), (2, 3, 6, 5)),
    (lambda nn: nn.Conv2d(3, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=3,
                          bias=False), (2, 3, 7, 6)),
    (lambda nn: nn.Conv2d(2, 4, 3, padding="same", padding_mode="reflect"), (2, 2, 5, 6)),
    (lambda nn: nn.Conv2d(2, 4, 3, padding=2, padding_mode="replicate"), (1, 2, 4, 5)),
    (lambda nn: nn.Conv2d(2, 4, 3, padding=(1, 2), padding_mode="circular"), (1, 2, 4, 5)),
    (lambda nn: nn.Conv2d(2, 4, 4, padding="same"), (1, 2, 6, 6)),
    (lambda nn: nn.Conv2d(2, 4, 3, padding="valid"), (2, 5, 5)),
    (lambda nn: nn.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), (2, 4, 9)),
    (lambda nn: nn.Conv1d(4, 6, 3, padding=1, padding_mode="reflect"), (4, 9)),
    (lambda nn: nn.Conv3d(2, 3, (2, 3, 2), padding=(1, 0, 1)), (1, 2, 3, 4, 4)),
    (lambda nn: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1),
     (2, 3, 4, 5)),
    (lambda nn: nn.ConvTranspose2d(4, 6, (2, 3), groups=2, dilation=2, bias=False),
     (1, 4, 3, 3)),
    (lambda nn: nn.ConvTranspose1d(3, 2, 4, stride=3), (2, 3, 5)),
    (lambda nn: nn.ConvTranspose3d(2, 2, 2, stride=2), (1, 2, 2, 3, 2)),
]


@pytest.mark.parametrize("make,shape", LAYERS)
def test_layer(make, shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_layer(make, shape, atol=1e-5, rtol=1e-4)


def test_layer_float64():
    check_layer(lambda nn: nn.Conv2d(3, 4, 3, padding=1), (2, 3, 5, 5), dtype="float64",
                atol=1e-12, rtol=1e-12, grad_atol=1e-12, grad_rtol=1e-12)


def test_seeded_init_many():
    """Default initialisation draws the same numbers in the same order as PyTorch."""
    def build(nn):
        return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.Conv2d(32, 64, 5, groups=4),
                             nn.ConvTranspose2d(64, 8, 2, stride=2), nn.Conv1d(3, 5, 7))
    torch.manual_seed(3)
    t = build(torch.nn)
    torcia.manual_seed(3)
    c = build(torcia.nn)
    for (k, a), (_, b) in zip(c.state_dict().items(), t.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy()), k


def test_conv_transpose_output_size():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1)
        x = lib.ones(1, 2, 4, 4)
        return [m(x, output_size=[8, 8]).shape, m(x, output_size=(1, 3, 7, 8)).shape]
    from ..same import same
    same(fn)
    same(lambda lib: lib.nn.ConvTranspose2d(2, 3, 3, stride=2)(lib.ones(1, 2, 4, 4),
                                                               output_size=[12, 9]))
    same(lambda lib: lib.nn.ConvTranspose2d(2, 3, 3, stride=2)(lib.ones(1, 2, 4, 4),
                                                               output_size=[9]))


@pytest.mark.parametrize("make", [
    lambda nn: nn.Conv2d(4, 4, 3, groups=0),
    lambda nn: nn.Conv2d(3, 4, 3, groups=2),
    lambda nn: nn.Conv2d(4, 3, 3, groups=2),
    lambda nn: nn.Conv2d(4, 4, 3, padding="same", stride=2),
    lambda nn: nn.ConvTranspose2d(4, 4, 3, padding_mode="reflect"),
])
def test_layer_constructor_errors(make):
    from ..same import same
    same(lambda lib: make(lib.nn))


def test_padding_mode_error():
    # the message prints a set, whose order depends on each module's string hashes
    from ..same import same
    same(lambda lib: lib.nn.Conv2d(4, 4, 3, padding_mode="mirror"),
         match=r"^padding_mode must be one of \{('(zeros|reflect|replicate|circular)'(, )?){4}"
               r"\}, but got padding_mode='mirror'$")
    same(lambda lib: lib.nn.Conv2d(4, 4, 3, padding="full"),
         match=r"^Invalid padding string 'full', should be one of \{'(same|valid)', "
               r"'(same|valid)'\}$")


def test_layer_attributes():
    from ..same import same
    same(lambda lib: [(k, tuple(v.shape)) for k, v in
                      lib.nn.Conv2d(4, 6, (3, 2), groups=2).state_dict().items()])
    same(lambda lib: [getattr(lib.nn.ConvTranspose1d(4, 6, 3, stride=2), a) for a in
                      ("in_channels", "out_channels", "kernel_size", "stride", "padding",
                       "dilation", "transposed", "output_padding", "groups", "padding_mode",
                       "_reversed_padding_repeated_twice")])
    same(lambda lib: lib.nn.Conv2d(2, 2, (4, 3), padding="same",
                                   dilation=(1, 3))._reversed_padding_repeated_twice)


def test_small_cnn_with_torch_weights():
    """A convnet loaded from PyTorch's state dict computes PyTorch's outputs and gradients."""
    def build(nn):
        return nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                             nn.Flatten(), nn.Linear(16 * 3 * 3, 10))
    torch.manual_seed(1)
    tm = build(torch.nn)
    cm = build(torcia.nn)
    cm.load_state_dict({k: torcia.from_numpy(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((4, 1, 12, 12)).astype(np.float32)
    y = np.array([1, 0, 3, 9])
    tl = torch.nn.functional.cross_entropy(tm(torch.from_numpy(x)), torch.from_numpy(y))
    cl = torcia.nn.functional.cross_entropy(cm(torcia.from_numpy(x)), torcia.from_numpy(y))
    np.testing.assert_allclose(cl.item(), tl.item(), rtol=1e-5)
    tl.backward()
    cl.backward()
    for (k, a), (_, b) in zip(cm.named_parameters(), tm.named_parameters()):
        np.testing.assert_allclose(a.grad.numpy(), b.grad.numpy(), rtol=1e-4, atol=1e-5,
                                   err_msg=k)

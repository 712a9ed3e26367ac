"""Tensor printing: repr(torcia tensor) must equal repr(torch tensor) built from the same data."""

import time

import numpy as np
import pytest
import torch

import torcia

_TO_TORCH = {torcia.float16: torch.float16, torcia.bfloat16: torch.bfloat16,
             torcia.float32: torch.float32, torcia.float64: torch.float64,
             torcia.complex64: torch.complex64, torcia.complex128: torch.complex128,
             torcia.int8: torch.int8, torcia.int16: torch.int16, torcia.int32: torch.int32,
             torcia.int64: torch.int64, torcia.uint8: torch.uint8, torcia.bool: torch.bool}


@pytest.fixture(autouse=True)
def _default_printoptions():
    torcia.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    yield
    torcia.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")


def pair(arr, dtype=None, requires_grad=False):
    """The same data as a torcia and a torch tensor (cast to ``dtype`` in each library)."""
    arr = np.array(arr, order="C")
    a, b = torcia.from_numpy(arr.copy()), torch.from_numpy(arr.copy())
    if dtype is not None:
        a, b = a.to(dtype), b.to(_TO_TORCH[dtype])
    if requires_grad:
        a.requires_grad_()
        b.requires_grad_()
    return a, b


def same(arr, dtype=None, requires_grad=False):
    a, b = pair(arr, dtype, requires_grad)
    assert repr(a) == repr(b)
    assert str(a) == str(b)
    return a, b


rng = np.random.default_rng(0)


def normal(shape, scale=1.0, dtype=np.float32):
    return (rng.standard_normal(shape) * scale).astype(dtype)


SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (2, 1, 2, 3), (4, 1), (1, 1, 1)]


@pytest.mark.parametrize("scale", [1e-5, 1e-3, 1.0, 37.0, 1e3, 1e5, 1e8, 1e12])
@pytest.mark.parametrize("shape", SHAPES)
def test_float_scales(shape, scale):
    same(normal(shape, scale))


@pytest.mark.parametrize("dtype", [torcia.float64, torcia.float16, torcia.bfloat16])
@pytest.mark.parametrize("scale", [1e-5, 1.0, 1e3])
@pytest.mark.parametrize("shape", [(), (7,), (3, 4), (2, 2, 3)])
def test_float_dtypes(shape, scale, dtype):
    same(normal(shape, scale), dtype)


@pytest.mark.parametrize("values", [
    [1.0, 2.0, 3.0], [-1.0, 20.0, 300.0], [0.0, 0.0], [-0.0, 1.0], [-0.0, 0.5], [1e10, 1.0],
    [1.5, 1e-5], [0.0001, 1.0], [1e-4, 0.1], [123456789.0, 1.0], [1e8, 2.0], [3.0, 3000.0],
    [1.0, 1000.0], [1.0, 1001.0], [np.nan], [np.inf, -np.inf, np.nan], [np.nan, 1.0, 2.0],
    [np.inf, 1.5, -2.25], [np.nan, 1e-8, 1.0], [-np.inf, 0.0, 1e20], [5e-324, 1.0],
    [0.1, 0.25, -0.125], [2.0 ** 60, -3.0], [1e300, 1e-300],
])
def test_float_values(values):
    same(np.array(values, dtype=np.float32))
    same(np.array(values, dtype=np.float64))


def test_integer_valued_floats_2d():
    same(rng.integers(-50, 50, (4, 5)).astype(np.float32))
    same(np.arange(12, dtype=np.float32).reshape(3, 4))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8, np.int16])
@pytest.mark.parametrize("shape", [(), (6,), (3, 4), (2, 2, 3)])
def test_int(shape, dtype):
    lo = 0 if dtype == np.uint8 else -120
    same(rng.integers(lo, 120, shape).astype(dtype))


def test_int_wide():
    same(np.array([1, -12345678901, 7]))
    same(rng.integers(-10**9, 10**9, (30, 30)))


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 1, 3)])
def test_bool(shape):
    same(rng.random(shape) > 0.5)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
@pytest.mark.parametrize("shape", [(), (4,), (3, 3), (2, 2, 2)])
def test_complex(shape, dtype):
    same((normal(shape) + 1j * normal(shape, 100.0)).astype(dtype))


def test_complex_special():
    same(np.array([1 + 2j, -1 - 2j, 0j, -0.0 - 0.0j], dtype=np.complex64))
    same(np.array([complex(np.nan, 1), complex(1, np.inf), complex(2, -np.inf)],
                  dtype=np.complex64))
    same(np.array([1e-6 + 1j, 3 + 4e9j], dtype=np.complex64))
    same((normal(2000) + 1j * normal(2000)).astype(np.complex64))
    same((normal(30) + 1j * normal(30)).astype(np.complex64))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 1)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64, np.int32, np.bool_,
                                   np.complex64])
def test_empty(shape, dtype):
    same(np.zeros(shape, dtype=dtype))


def test_empty_float16():
    same(np.zeros((0,), np.float32), torcia.float16)


@pytest.mark.parametrize("shape", [(1001,), (40, 40), (3, 1000), (1000, 3), (7, 7, 7, 7),
                                   (2, 600), (11, 5, 20), (1, 2000)])
def test_summarised(shape):
    same(normal(shape))
    same(rng.integers(-1000, 1000, shape))


def test_summarised_mixed():
    x = normal((50, 50))
    x[0, 0], x[-1, -1], x[25, 25] = np.nan, np.inf, 1e9  # the middle value is not shown
    same(x)
    same(normal((40, 40), 1e-6), torcia.float64)
    same(normal((40, 40)), torcia.bfloat16)


@pytest.mark.parametrize("n", [10, 12, 13, 30, 100, 999])
def test_long_rows_wrap(n):
    same(normal((n,)))
    same(normal((2, n)))
    same(normal((2, 2, n), 1e-6))
    same(rng.integers(-10, 10, (n,)))
    same(rng.random((3, n)) > 0.5)


def test_requires_grad():
    same(normal((3,)), requires_grad=True)
    same(normal(()), requires_grad=True)
    same(normal((2, 3)), torcia.float64, requires_grad=True)
    same(normal((0, 2)), requires_grad=True)


@pytest.mark.parametrize("shape", [(), (4,), (2, 30), (2000,)])
def test_grad_fn(shape):
    a, b = pair(normal(shape), requires_grad=True)
    assert repr(a + 1) == repr(b + 1)
    a, b = pair(normal(shape), torcia.float64, requires_grad=True)
    assert repr(a + 1) == repr(b + 1)


def test_suffix_wraps_to_new_line():
    same(normal((2, 9)), torcia.float64, requires_grad=True)
    same(normal((9,)), torcia.float16, requires_grad=True)
    a, b = pair(normal((2, 10)), torcia.float64, requires_grad=True)
    assert repr(a + 1) == repr(b + 1)


def test_default_dtype_float64():
    torcia.set_default_dtype(torcia.float64)
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for dtype in (np.float32, np.float64, np.complex64, np.complex128, np.int64):
            same(normal((3,)).astype(dtype))
            same(np.zeros((0,), dtype))
    finally:
        torch.set_default_dtype(old)
        torcia.set_default_dtype(torcia.float32)


OPTIONS = [{"precision": 2}, {"precision": 0}, {"precision": 8}, {"threshold": 5},
           {"threshold": 5, "edgeitems": 1}, {"edgeitems": 0, "threshold": 5}, {"edgeitems": 0},
           {"linewidth": 40}, {"linewidth": 200}, {"linewidth": 1}, {"sci_mode": True},
           {"sci_mode": False}, {"profile": "short"}, {"profile": "full"},
           {"profile": "short", "precision": 6}, {"precision": 3, "sci_mode": True}]


@pytest.mark.parametrize("opts", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in
                                                                 o.items()))
def test_printoptions(opts):
    torcia.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    for data in (normal((12,)), normal((4, 9), 1e3), normal((3, 3), 1e-6), normal(()),
                 np.arange(20.0), rng.integers(-9, 9, (3, 11)), normal((40, 40)),
                 np.array([np.nan, 1.0, 1e9]), (normal((8,)) + 1j * normal((8,)))):
        same(data)
    same(normal((3,)), torcia.float64, requires_grad=True)


def test_set_printoptions_resets_sci_mode():
    torcia.set_printoptions(sci_mode=True)
    torch.set_printoptions(sci_mode=True)
    torcia.set_printoptions(precision=3)
    torch.set_printoptions(precision=3)
    same(normal((4,)))


def test_printoptions_helpers():
    from torch import _tensor_str as torch_str

    from torcia import _tensor_str
    opts = {"precision": 2, "threshold": 10, "edgeitems": 1, "linewidth": 60, "sci_mode": True}
    torcia.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    assert _tensor_str.get_printoptions() == torch_str.get_printoptions()
    with _tensor_str.printoptions(precision=6), torch_str.printoptions(precision=6):
        assert _tensor_str.get_printoptions() == torch_str.get_printoptions()
        same(normal((3,)))
    assert _tensor_str.get_printoptions() == torch_str.get_printoptions()
    torcia.set_printoptions(profile="full")
    torch.set_printoptions(profile="full")
    assert _tensor_str.get_printoptions() == torch_str.get_printoptions()


def test_views():
    a, b = pair(normal((3, 5)))
    assert repr(a.t()) == repr(b.t())
    assert repr(a[:, 1]) == repr(b[:, 1])
    assert repr(a[1:, ::2]) == repr(b[1:, ::2])
    a, b = pair(normal((40, 50)))
    assert repr(a.t()) == repr(b.t())


def test_subclass_prefix():
    class Sub(torcia.Tensor):
        pass

    class TSub(torch.Tensor):
        pass

    TSub.__name__ = "Sub"
    a, b = pair(normal((2, 3)))
    assert repr(a._as_subclass(Sub)) == repr(b.as_subclass(TSub))


def test_print_and_str(capsys):
    a, b = pair(normal((2, 3)))
    print(a)
    assert capsys.readouterr().out == repr(b) + "\n"


@pytest.mark.parametrize("spec", ["", ".4f", ".2e", "10.3f", "g"])
def test_format_0dim(spec):
    for data, rg in ((np.float32(3.14159), False), (np.float32(-2.5), True),
                     (np.float64(1e-7), False)):
        a, b = pair(np.array(data), requires_grad=rg)
        assert format(a, spec) == format(b, spec)
    for dtype in (torcia.float16, torcia.bfloat16, torcia.complex64):
        a, b = pair(np.array(1.2345, np.float32), dtype)
        assert format(a, spec) == format(b, spec)


@pytest.mark.parametrize("spec", ["", "d", "5d", "+d", ".1f"])
def test_format_0dim_int(spec):
    a, b = pair(np.array(-7))
    assert format(a, spec) == format(b, spec)
    a, b = pair(np.array(True))
    assert format(a, spec) == format(b, spec)


def test_format_nd():
    a, b = pair(normal((3,)))
    assert format(a, "") == format(b, "")
    assert f"{a}" == f"{b}"
    with pytest.raises(TypeError):
        format(a, ".2f")
    with pytest.raises(TypeError):
        format(b, ".2f")


def test_tensor_contents():
    a, b = pair(normal((2,)), requires_grad=True)
    assert a.__repr__(tensor_contents="[...]") == b.__repr__(tensor_contents="[...]")


def test_large_is_fast():
    a = torcia.from_numpy(normal((1000, 1000)))
    start = time.perf_counter()
    text = repr(a)
    assert time.perf_counter() - start < 0.2
    assert text == repr(torch.from_numpy(a.numpy()))


@pytest.mark.skipif(not torcia.cuda.is_available(), reason="needs CUDA")
def test_cuda_device_suffix():
    a, b = pair(normal((2, 3)))
    assert repr(a.cuda()).endswith(", device='cuda:0')")
    assert repr(a.cuda()).replace(", device='cuda:0'", "") == repr(b)

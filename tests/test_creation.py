"""Tensor factories against PyTorch: values (bit for bit), dtypes, shapes, strides, errors.

Each case is an expression in ``lib`` (torch or torcia) run by ``same``.
"""

import math
import warnings

import numpy as np
import pytest
import torch

import torcia

from .same import assert_values, same

NS = {"np": np, "math": math}


def ev(expr, **kw):
    return same(lambda lib: eval(expr, {**NS, "lib": lib}), **kw)


def params(*exprs):
    return pytest.mark.parametrize("expr", exprs)


# -- tensor() ----------------------------------------------------------------------------------
@params(
    "lib.tensor(1)", "lib.tensor(2.5)", "lib.tensor(True)", "lib.tensor(1 + 2j)",
    "lib.tensor([1, 2, 3])", "lib.tensor([1.5, 2])", "lib.tensor([True, False])",
    "lib.tensor([True, 2])", "lib.tensor([True, 2.5])", "lib.tensor([1, 2j])",
    "lib.tensor([True, 1j])", "lib.tensor([[1, 2], [3, 4]])", "lib.tensor(((1, 2), (3, 4.5)))",
    "lib.tensor([])", "lib.tensor([[]])", "lib.tensor([[], []])", "lib.tensor([[[]]])",
    "lib.tensor(range(4))", "lib.tensor([range(2), range(2)])", "lib.tensor((1, 2))",
    "lib.tensor(-2**63)", "lib.tensor(2**63 - 1)", "lib.tensor(1e400)", "lib.tensor(-1e400)",
    "lib.tensor(float('nan'))", "lib.tensor([0.1, 0.2, 0.3])", "lib.tensor(1e39)",
    "lib.tensor([1e-46, 3.4028235e38])", "lib.tensor(2**64, dtype=lib.float32)",
    "lib.tensor(2**63, dtype=lib.float32)", "lib.tensor([[1, 2], [3, 4]]).stride()",
)
def test_tensor_python_data(expr):
    ev(expr)


@params(
    "lib.tensor(np.float32(1.5))", "lib.tensor(np.float64(2.5))", "lib.tensor(np.int32(3))",
    "lib.tensor(np.uint8(3))", "lib.tensor(np.bool_(True))", "lib.tensor(np.complex64(1j))",
    "lib.tensor(np.float16(0.1))", "lib.tensor([np.float32(1.5), 2])",
    "lib.tensor([np.int32(3), np.int64(2)])", "lib.tensor([np.float64(1.5)])",
    "lib.tensor([np.uint8(1), np.int8(1)])", "lib.tensor([np.float16(1), 2.5])",
    "lib.tensor([np.int16(1), True])", "lib.tensor([np.float64(1.5)], dtype=lib.int64)",
    "lib.tensor([np.int8(-1)], dtype=lib.uint8)",
)
def test_tensor_numpy_scalars(expr):
    ev(expr)


@params(
    "lib.tensor([lib.tensor(1), lib.tensor(2.)])", "lib.tensor([lib.tensor(1.5), 2])",
    "lib.tensor([lib.tensor(1), 2.5])", "lib.tensor([lib.tensor(1, dtype=lib.int32), 2])",
    "lib.tensor([lib.tensor(1, dtype=lib.int32), lib.tensor(1, dtype=lib.uint8)])",
    "lib.tensor([lib.tensor(1j)])", "lib.tensor([lib.tensor([1.5])])",
    "lib.tensor([[1, 2], lib.tensor([3, 4])])",
    "lib.tensor([lib.tensor(1.5)], dtype=lib.complex64)",
    "lib.tensor([lib.tensor([1., 2.]), lib.tensor([3., 4.])])",
    "lib.tensor([lib.tensor([1, 2]), lib.tensor([3, 4])])",
    "lib.tensor([lib.tensor(1.5), 2], dtype=lib.int64)",
    "lib.tensor([lib.tensor(1.5)], dtype=lib.bool)",
)
def test_tensor_of_tensors(expr):
    ev(expr)


@params(
    "lib.tensor(3, dtype=lib.uint8)", "lib.tensor(-1, dtype=lib.uint8)",
    "lib.tensor(-255, dtype=lib.uint8)", "lib.tensor(1.5, dtype=lib.int64)",
    "lib.tensor([1.7, -1.7], dtype=lib.int32)", "lib.tensor([[1, 2], [0, 4]], dtype=lib.bool)",
    "lib.tensor(2.5, dtype=lib.bool)", "lib.tensor(1j, dtype=lib.bool)",
    "lib.tensor(0j, dtype=lib.bool)", "lib.tensor(float('nan'), dtype=lib.bool)",
    "lib.tensor([True, False], dtype=lib.float32)", "lib.tensor(1e6, dtype=lib.float16)",
    "lib.tensor(1 + 2**-11 + 2**-40, dtype=lib.float16)",
    "lib.tensor(1 + 2**-8 + 2**-40, dtype=lib.bfloat16)",
    "lib.tensor(2**30 + 2**22 + 1, dtype=lib.bfloat16)", "lib.tensor([1, 2], dtype=float)",
    "lib.tensor([1, 2], dtype=int)", "lib.tensor([1, 2], dtype=bool)",
    "lib.tensor([1, 2], dtype=complex)", "lib.tensor([1.5], dtype=lib.complex64)",
    "lib.tensor([True], dtype=lib.complex128)", "lib.tensor([-1], dtype=lib.uint16)",
    "lib.tensor([1.5], dtype=lib.uint32)", "lib.tensor([2**63], dtype=lib.uint64)",
    "lib.tensor([2**64 - 1], dtype=lib.uint64)", "lib.tensor([1, 2], dtype=lib.uint16)",
    "lib.tensor([0.1, 1e-8], dtype=lib.float64)", "lib.tensor([[0.1, 3]], dtype=lib.float16)",
    "lib.tensor([2**62 + 1, 0.5], dtype=lib.int64)",
    "lib.tensor([1, 2**62 + 1], dtype=lib.float64)",
)
def test_tensor_dtype_argument(expr):
    ev(expr)


@params(
    "lib.tensor([[1, 2], [3]])", "lib.tensor([[1, 2], 3])", "lib.tensor([1, [2, 3]])",
    "lib.tensor([1.0, [2, 3]])", "lib.tensor([[1, 2], [3, [4]]])", "lib.tensor('a')",
    "lib.tensor(b'ab')", "lib.tensor(['a'])", "lib.tensor([b'ab'])", "lib.tensor(['ab', 'cd'])",
    "lib.tensor([1, 'a'])", "lib.tensor([[1, 2], 'ab'])", "lib.tensor(None)", "lib.tensor([None])",
    "lib.tensor([1, None])", "lib.tensor({1: 2})", "lib.tensor({1, 2})", "lib.tensor(object())",
    "lib.tensor((x for x in [1]))", "lib.tensor([[1, 2], {3, 4}])", "lib.tensor(2**63)",
    "lib.tensor([2**63])", "lib.tensor([1, 2**63])", "lib.tensor(300, dtype=lib.uint8)",
    "lib.tensor(-256, dtype=lib.uint8)", "lib.tensor(128, dtype=lib.int8)",
    "lib.tensor(-129, dtype=lib.int8)", "lib.tensor(70000, dtype=lib.uint16)",
    "lib.tensor(-1.5, dtype=lib.uint8)", "lib.tensor(255.5, dtype=lib.uint8)",
    "lib.tensor(float('nan'), dtype=lib.int64)", "lib.tensor(float('inf'), dtype=lib.int64)",
    "lib.tensor([1.5, float('nan')], dtype=lib.int32)", "lib.tensor(1j, dtype=lib.int64)",
    "lib.tensor(1j, dtype=lib.float32)", "lib.tensor([1, 2j], dtype=lib.float64)",
    "lib.tensor(None, dtype=lib.float32)", "lib.tensor([None], dtype=lib.int64)",
    "lib.tensor(None, dtype=lib.complex64)", "lib.tensor('a', dtype=lib.complex64)",
    "lib.tensor(10**400, dtype=lib.float32)", "lib.tensor(2**63, dtype=lib.uint8)",
    "lib.tensor([-1], dtype=lib.uint64)", "lib.tensor([2**64], dtype=lib.uint64)",
    "lib.tensor(np.float32(1.5), dtype=lib.int64)", "lib.tensor([np.array(5), np.array(6.)])",
    "lib.tensor(np.str_('a'))", "lib.tensor([1, 2], dtype='float32')",
    "lib.tensor([1, 2], dtype=np.float32)", "lib.tensor(1, requires_grad=True)",
    "lib.tensor([1, 2], device='foo')", "lib.tensor([1, 2], device=1.5)",
)
def test_tensor_errors(expr):
    ev(expr)


def test_tensor_nested_ndarrays():
    ev("lib.tensor([np.array([1, 2], dtype=np.float32), np.array([3, 4], dtype=np.float32)])")
    ev("lib.tensor([np.array([1, 2], dtype=np.float32), [3.5, 4]])")
    ev("lib.tensor([[np.array([1, 2])]])")


NP_DTYPES = ["float64", "float32", "float16", "complex64", "complex128", "int64", "int32",
             "int16", "int8", "uint8", "uint16", "uint32", "uint64", "bool"]


@pytest.mark.parametrize("npd", NP_DTYPES)
def test_tensor_from_every_numpy_dtype(npd):
    arr = (np.arange(-3, 9).reshape(3, 4) % (2 if npd == "bool" else 100)).astype(npd)
    ev("lib.tensor(a)".replace("a", f"np.arange(-3, 9).reshape(3, 4).astype('{npd}')")
       if npd != "bool" else "lib.tensor(np.arange(12).reshape(3, 4) % 2 == 0)")
    same(lambda lib: lib.tensor(arr.T))  # strides of a dense transposed array are kept
    same(lambda lib: lib.tensor(arr[:, ::2]))
    same(lambda lib: lib.from_numpy(arr))
    same(lambda lib: lib.as_tensor(arr))
    for target in ("float32", "float64", "int64", "float16", "bfloat16", "bool", "complex64"):
        if npd.startswith("uint") and npd != "uint8" and target in ("bfloat16",):
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same(lambda lib, t=target: lib.tensor(arr, dtype=getattr(lib, t)))


@params(
    "lib.tensor(np.array(['a']))", "lib.tensor(np.array([1.0], dtype=np.longdouble))",
    "lib.tensor(np.array([1, 2], dtype=object))", "lib.tensor(np.datetime64(1, 'D'))",
    "lib.tensor(np.ones(2, dtype='>f4'))", "lib.from_numpy(np.ones(2, dtype='>f4'))",
    "lib.from_numpy(np.array([1.0], dtype=np.longdouble))", "lib.from_numpy([1])",
    "lib.from_numpy(np.array(['a']))", "lib.from_numpy(np.ones(3)[::-1])",
    "lib.as_tensor(np.ones(3)[::-1])", "lib.as_tensor(np.array(['a']))",
    "lib.tensor(np.array(5))", "lib.from_numpy(np.array(3.5))",
    "lib.from_numpy(np.ones(3, dtype=np.float32)[None, :, None]).stride()",
    "lib.from_numpy(np.ones((3, 4), dtype=np.float32)[:, ::2]).stride()",
    "lib.tensor(np.ones((2, 3)).T).stride()", "lib.tensor(np.ones((2, 3))[:, ::2]).stride()",
)
def test_numpy_arrays(expr):
    ev(expr)


def test_tensor_from_tensor():
    ev("lib.tensor(lib.tensor([1., 2.], requires_grad=True))", warns=True)
    ev("lib.tensor(lib.tensor([1., 2.]), dtype=lib.int64)")
    ev("lib.tensor(lib.ones(2, 3).t()).stride()")
    ev("lib.tensor(lib.tensor(1.5), dtype=lib.int64)")
    ev("lib.tensor(lib.tensor([1., 2.]), requires_grad=True)")
    src = torcia.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = torcia.tensor(src)
    out[0] = 5
    assert src[0].item() == 1.0


def test_requires_grad_and_device():
    ev("lib.tensor([1., 2.], requires_grad=True)")
    ev("lib.tensor([1, 2], device='cpu')")
    ev("lib.tensor([1, 2], device=lib.device('cpu', 0)).device")
    ev("lib.zeros(2, device='cpu:0').device")
    ev("lib.tensor([1j], requires_grad=True)")


def test_tensor_default_dtype():
    for d in ("float64", "float16", "bfloat16"):
        def fn(lib, d=d):
            lib.set_default_dtype(getattr(lib, d))
            try:
                out = [lib.tensor([1.5, 2]), lib.tensor(0.1), lib.tensor([1, 2]),
                       lib.tensor([np.float32(1), 0.5]), lib.tensor([0.1, 1], dtype=lib.float32)]
                if d != "bfloat16":
                    out.append(lib.tensor([1j]).dtype if d == "float64" else lib.float32)
                return out
            finally:
                lib.set_default_dtype(lib.float32)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            same(fn)


# -- memory sharing --------------------------------------------------------------------------
def test_from_numpy_shares_memory():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = torcia.from_numpy(a)
    a[0, 0] = 10
    assert t[0, 0].item() == 10
    t[1, 2] = -1
    assert a[1, 2] == -1
    assert t.data_ptr() == a.__array_interface__["data"][0]
    assert t.numpy() is a or np.shares_memory(t.numpy(), a)


def test_from_numpy_not_writable_warns():
    ev("lib.from_numpy(np.frombuffer(b'\\x00' * 8, dtype=np.float32))", warns=True)


def test_as_tensor_memory():
    a = np.ones(3)
    t = torcia.as_tensor(a)
    a[0] = 7
    assert t[0].item() == 7
    t2 = torcia.as_tensor(a, dtype=torcia.float32)  # a dtype change copies
    a[1] = 9
    assert t2[1].item() == 1
    x = torcia.ones(2)
    assert torcia.as_tensor(x) is x
    same(lambda lib: lib.as_tensor(lib.ones(2, requires_grad=True)))
    ev("lib.as_tensor([1, 2.5])")
    ev("lib.as_tensor(np.float32(1.5))")
    ev("lib.as_tensor(np.array([1, 2], dtype=np.uint16))")
    ev("lib.as_tensor([1, 2], dtype=lib.float64)")


def test_asarray():
    a = np.ones(2)
    assert torcia.asarray(a).data_ptr() == a.__array_interface__["data"][0]
    assert torcia.asarray(a, copy=True).data_ptr() != a.__array_interface__["data"][0]
    assert torcia.asarray(a, dtype=torcia.float32).data_ptr() != a.__array_interface__["data"][0]
    x = torcia.ones(2)
    assert torcia.asarray(x) is x
    assert torcia.asarray(x, copy=True).data_ptr() != x.data_ptr()
    for expr in ["lib.asarray([1, 2.5])", "lib.asarray(np.ones(2, dtype=np.float32))",
                 "lib.asarray(np.ones(2), dtype=lib.float32, copy=False)",
                 "lib.asarray(lib.ones(2), dtype=lib.float64)",
                 "lib.asarray(lib.ones(2, requires_grad=True), requires_grad=False)",
                 "lib.asarray(lib.ones(2), requires_grad=True)", "lib.asarray([1, 2], copy=False)",
                 "lib.asarray([1, 2], requires_grad=True)", "lib.asarray(3.5)",
                 "lib.asarray(np.float64(3.5))", "lib.asarray([np.float64(3.5)])",
                 "lib.asarray([lib.tensor(1.), lib.tensor(2.)])", "lib.asarray(np.ones(3)[::-1])",
                 "lib.asarray(np.array(['a']))", "lib.asarray('a')", "lib.asarray(None)"]:
        ev(expr)
    ev("lib.asarray(lib.ones(2, requires_grad=True))", match="unspecified requires_grad")


# -- zeros, ones, empty, full ------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["zeros", "ones"])
@params(
    "f(2, 3)", "f((2, 3))", "f([2, 3])", "f(lib.Size([2, 3]))", "f(())", "f([])", "f(0)",
    "f(2, 0, 3)", "f(1, 1, 3)", "f(np.int64(2))", "f(lib.tensor(2))", "f(size=(3,))",
    "f(2, dtype=lib.int32)", "f(2, dtype=float)", "f(2, dtype=lib.bool)",
    "f(2, dtype=lib.complex64)", "f(2, dtype=lib.bfloat16)", "f(2, dtype=lib.uint16)",
    "f(2, requires_grad=True)", "f(2, 3).stride()", "f(2, 0, 3).stride()", "f(3, 0).stride()",
    "f(2, 1).stride()",
    # errors
    "f()", "f(2, 3.0)", "f(2.0)", "f((2, 3.0))", "f(-1)", "f(2, -3)", "f((-2, 3))",
    "f((2,), 3)", "f(lib.tensor([2, 3]))", "f(lib.tensor(2.))", "f(True)",
    "f(2, dtype='float32')", "f(2, dtype=lib.int64, requires_grad=True)", "f(2, size=(3,))",
    "f(2, device=1.5)", "f(2, device='foo')", "f(2, foo=1)",
)
def test_zeros_ones(fn, expr):
    same(lambda lib: eval(expr, {**NS, "lib": lib, "f": getattr(lib, fn)}))


@params(
    "lib.empty(2, 3).shape", "lib.empty((2, 3)).stride()", "lib.empty(size=(3,)).shape",
    "lib.empty(2, 3, dtype=lib.int8).dtype", "lib.empty(0).shape", "lib.empty(2, 0, 3).stride()",
    "lib.empty()", "lib.empty(2.5)", "lib.empty(-1)", "lib.empty(2, -1)",
    "lib.empty(2, requires_grad=True).requires_grad",
)
def test_empty(expr):
    ev(expr)


@params(
    "lib.full((2,), 1)", "lib.full((2,), 1.5)", "lib.full((2,), True)", "lib.full((2,), 1j)",
    "lib.full((2,), np.float64(1.5))", "lib.full((2,), np.int32(2))",
    "lib.full((2,), np.float32(1.5))",
    "lib.full((2,), np.bool_(True))", "lib.full((2,), lib.tensor(2.5))",
    "lib.full((2,), lib.tensor(2))",
    "lib.full((2,), lib.tensor(2.5, dtype=lib.float64))", "lib.full((2,), lib.tensor(True))",
    "lib.full((2,), lib.tensor(1j))", "lib.full([2], 1.)", "lib.full(lib.Size([2, 3]), 7)",
    "lib.full((), 2.)", "lib.full((2,), fill_value=2.)", "lib.full(size=(2,), fill_value=2.)",
    "lib.full((2, 3), 7).stride()", "lib.full((2,), 1.5, requires_grad=True)",
    "lib.full((2,), -1, dtype=lib.uint8)", "lib.full((2,), 1.5, dtype=lib.int64)",
    "lib.full((2,), -1.5, dtype=lib.int64)", "lib.full((2,), 1 + 0j, dtype=lib.int64)",
    "lib.full((2,), 2, dtype=lib.bool)", "lib.full((2,), 0.5, dtype=lib.bool)",
    "lib.full((2,), float('nan'), dtype=lib.bool)", "lib.full((2,), 1e309, dtype=lib.float32)",
    "lib.full((2,), 2**63, dtype=lib.float32)", "lib.full((2,), 2**64 - 1, dtype=lib.uint64)",
    "lib.full((2,), 0.1, dtype=lib.float16)", "lib.full((2,), 0.1, dtype=lib.bfloat16)",
    "lib.full((2,), 1 + 2**-11 + 2**-40, dtype=lib.float16)", "lib.full((2,), 3, dtype=float)",
    # errors
    "lib.full((2,), lib.tensor([2]))", "lib.full((2,), None)", "lib.full((2,), 'a')",
    "lib.full(2, 1.)", "lib.full((-1,), 1.)", "lib.full((2,), 300, dtype=lib.uint8)",
    "lib.full((2,), float('nan'), dtype=lib.int64)", "lib.full((2,), 2**63)",
    "lib.full((2,), 1e39)", "lib.full((2,), 1j, dtype=lib.float32)",
    "lib.full((2,), 1e5, dtype=lib.float16)", "lib.full((2,), 1e39, dtype=lib.bfloat16)",
    "lib.full((2,), 128, dtype=lib.int8)", "lib.full((2,), 2**15, dtype=lib.int16)",
    "lib.full((2,), 2**31, dtype=lib.int32)", "lib.full((2,), 2**17, dtype=lib.uint16)",
    "lib.full((2,), 1j, dtype=lib.int64)", "lib.full((2,), 1e39, dtype=lib.complex64)",
    "lib.full((2,), 1e39j, dtype=lib.complex64)", "lib.full((2,), 2**64, dtype=lib.float32)",
    "lib.full((2,), -2**63 - 1)",
)
def test_full(expr):
    ev(expr)


def test_full_complex_numpy_scalar():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch warns once per process that it drops 1j
        ev("lib.full((2,), np.complex64(1 + 1j))")
    ev("lib.full((2,), -0.0)")
    ev("lib.full((2,), -0.0, dtype=lib.float16)")


@params(
    "lib.scalar_tensor(1)", "lib.scalar_tensor(1.5)", "lib.scalar_tensor(True)",
    "lib.scalar_tensor(1, dtype=lib.int64)", "lib.scalar_tensor(lib.tensor(2))",
    "lib.scalar_tensor(np.float64(2))", "lib.scalar_tensor(2**63)",
    "lib.scalar_tensor(1.5, dtype=lib.int32)", "lib.scalar_tensor(0.1, dtype=lib.float64)",
    "lib.scalar_tensor(1j)", "lib.scalar_tensor('a')", "lib.scalar_tensor(300, dtype=lib.uint8)",
    "lib.scalar_tensor(1., requires_grad=True)",
)
def test_scalar_tensor(expr):
    ev(expr)


@params(
    "lib.eye(3)", "lib.eye(2, 3)", "lib.eye(3, 2, dtype=lib.int64)", "lib.eye(0)",
    "lib.eye(3, dtype=lib.bool)", "lib.eye(n=2, m=3)", "lib.eye(2, 3).stride()",
    "lib.eye(2, requires_grad=True)", "lib.eye(2, dtype=lib.complex64)", "lib.eye(1, 0)",
    "lib.eye(-1)", "lib.eye(2, -1)", "lib.eye(2.0)",
)
def test_eye(expr):
    ev(expr)


@params(
    "lib.empty_strided((2, 3), (1, 2)).stride()", "lib.empty_strided((2, 3), (3, 1)).stride()",
    "lib.empty_strided((2, 3), (0, 1)).stride()",
    "lib.empty_strided((2, 3), (1, 2)).is_contiguous()",
    "lib.empty_strided((2, 3), (1, 2)).shape", "lib.empty_strided((2, 3), (1,))",
    "lib.empty_strided((2, 3), (-1, 1))", "lib.empty_strided((2, 0), (1, 1)).shape",
    "lib.empty_strided((2, 3), (1, 2), dtype=lib.float64).dtype",
)
def test_empty_strided(expr):
    ev(expr)


def test_empty_strided_memory():
    t = torcia.empty_strided((2, 3), (1, 2))
    t.zero_()
    t[1, 2] = 5.0
    assert t.tolist() == [[0.0, 0.0, 0.0], [0.0, 0.0, 5.0]]


# -- _like and new_ ----------------------------------------------------------------------------
@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like"])
@params(
    "f(x).dtype", "f(x).shape", "f(x.t()).stride()",
    "f(x, memory_format=lib.contiguous_format).stride()",
    "f(y[::2, ::3]).stride()", "f(y.t()[::2]).stride()", "f(x, dtype=lib.int64).dtype",
    "f(x, requires_grad=True).requires_grad", "f(xg).requires_grad",
    "f(lib.ones(2, 0, 3)).stride()",
    "f(x, dtype=lib.int64, requires_grad=True)", "f([1, 2])",
)
def test_like(fn, expr):
    def run(lib):
        g = {**NS, "lib": lib, "f": getattr(lib, fn), "x": lib.ones(2, 3),
             "y": lib.ones(4, 6), "xg": lib.ones(2, requires_grad=True)}
        out = eval(expr, g)
        return out
    same(run)


def test_like_values():
    ev("lib.zeros_like(lib.ones(2, 3, dtype=lib.int32))")
    ev("lib.ones_like(lib.ones(2, 3).t())")
    ev("lib.ones_like(lib.ones(2), dtype=lib.int64)")
    ev("lib.ones_like(lib.ones(2, requires_grad=True))")
    ev("lib.zeros_like(lib.ones(2, 3).t(), memory_format=lib.contiguous_format)")


@params(
    "lib.full_like(lib.zeros(2, dtype=lib.int64), 2.5)", "lib.full_like(lib.zeros(2, 3).t(), 7)",
    "lib.full_like(lib.zeros(2, dtype=lib.uint8), -1)", "lib.full_like(lib.zeros(2), 1.5)",
    "lib.full_like(lib.zeros(2), 0.1, dtype=lib.float64)", "lib.full_like(lib.zeros(2), True)",
    "lib.full_like(lib.zeros(2, dtype=lib.uint8), 300)", "lib.full_like(lib.zeros(2), 1e39)",
    "lib.full_like(lib.zeros(2), 1j)", "lib.full_like(lib.zeros(2, dtype=lib.int64), float('nan'))",
    "lib.full_like([1, 2], 1)",
)
def test_full_like(expr):
    ev(expr)


@params(
    "x.new_tensor([1.5, 2])", "xi.new_tensor([1.5, 2])",
    "xi.new_tensor([1.5, 2], dtype=lib.float64)",
    "x.new_tensor(lib.tensor([1, 2]))", "x.new_tensor([1, 2], requires_grad=True)",
    "xi8.new_tensor(300)", "x.new_tensor(np.array([1, 2]))",
    "x.new_zeros(2, 3)", "x.new_zeros((2, 3))", "x.new_zeros([2, 3], dtype=lib.int64)",
    "x.new_zeros(())", "x.new_zeros(2, requires_grad=True)", "xg.new_zeros(2)",
    "x.new_ones(3)", "xi8.new_ones(2, 2)", "xi8.new_full((2,), 3)", "xi8.new_full((2,), 1.5)",
    "x.new_full((2,), True)", "x.new_empty(2, 3).shape", "xi8.new_empty(2, 3).dtype",
    "xi8.new_full((2,), 300)", "x.new_full(2, 1.)", "x.new_zeros()", "x.new_zeros(-1)",
    "x.new_ones(2, dtype=lib.complex64)",
)
def test_new_methods(expr):
    def run(lib):
        g = {**NS, "lib": lib, "x": lib.zeros(2), "xi": lib.zeros(2, dtype=lib.int32),
             "xi8": lib.zeros(2, dtype=lib.int8), "xg": lib.zeros(2, requires_grad=True)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return eval(expr, g)
    same(run)


# -- arange, range, linspace, logspace ---------------------------------------------------------
@params(
    "lib.arange(5)", "lib.arange(5.)", "lib.arange(0, 1, 0.1)", "lib.arange(0, 1, 0.1).shape",
    "lib.arange(0, 1, 0.1, dtype=lib.float64)", "lib.arange(1, 2.5, 0.5)", "lib.arange(10, 0, -3)",
    "lib.arange(10, 0, -3.5)", "lib.arange(0, 0)", "lib.arange(np.int32(3))",
    "lib.arange(np.float32(3))", "lib.arange(np.float64(3))", "lib.arange(lib.tensor(3))",
    "lib.arange(lib.tensor(3.))", "lib.arange(lib.tensor(3, dtype=lib.int32))", "lib.arange(True)",
    "lib.arange(3, dtype=lib.float16)", "lib.arange(3, dtype=lib.bfloat16)",
    "lib.arange(3, dtype=lib.uint8)", "lib.arange(0.5, 3, dtype=lib.int64)",
    "lib.arange(-0.5, 3.2, dtype=lib.int64)", "lib.arange(0, 3.5, 1.5, dtype=lib.int32)",
    "lib.arange(0, 10, 1.5, dtype=lib.int64)", "lib.arange(0, 10, 1.5, dtype=lib.int32)",
    "lib.arange(0, 10, 3, dtype=lib.float32)", "lib.arange(start=1, end=4)", "lib.arange(end=4)",
    "lib.arange(1, 4, step=2)", "lib.arange(0, 1, 1/3)", "lib.arange(0, 1, 1/3, dtype=lib.float64)",
    "lib.arange(-1, 1, 0.1)", "lib.arange(0.1, 0.7, 0.2)", "lib.arange(1, 2, 0.1)",
    "lib.arange(1, 2, 0.1, dtype=lib.float64)", "lib.arange(0, 3, 0.3, dtype=lib.float16)",
    "lib.arange(0, 100, 0.7)", "lib.arange(0, 100, 0.7, dtype=lib.float64)",
    "lib.arange(-3, 7, 0.013)", "lib.arange(-3, 7, 0.013, dtype=lib.float64)",
    "lib.arange(-3, 7, 0.013, dtype=lib.bfloat16)", "lib.arange(0, 50, 0.37, dtype=lib.float16)",
    "lib.arange(1e8, 1e8 + 10, 1.)", "lib.arange(16777216, 16777226, 1, dtype=lib.float32)",
    "lib.arange(2**53, 2**53 + 4, dtype=lib.float64)", "lib.arange(5., requires_grad=True)",
    "lib.arange(-5, 5, 3, dtype=lib.int8)", "lib.arange(100, 300, 7, dtype=lib.uint8)",
    "lib.arange(0, 2**40, 2**37)", "lib.arange(-7, 8, 2).stride()", "lib.arange(10, 0, -1.25)",
    # errors
    "lib.arange(0, 10, -1)", "lib.arange(5, 0)", "lib.arange(0, 5, 0)", "lib.arange(1j)",
    "lib.arange(3, dtype=lib.bool)", "lib.arange(3, dtype=lib.complex64)",
    "lib.arange(float('inf'))", "lib.arange(float('nan'))", "lib.arange(0, 1e20)",
    "lib.arange(5, requires_grad=True)", "lib.arange(0.5, float('-inf'), -1)",
    "lib.arange(0, 1, float('nan'))", "lib.arange(0, 1, 0.3, dtype=lib.int64)",
)
def test_arange(expr):
    ev(expr)


def test_arange_random_bit_exact():
    rng = np.random.default_rng(7)
    for _ in range(60):
        start = float(rng.uniform(-50, 50))
        step = float(rng.uniform(0.001, 3)) * (1 if rng.random() < 0.8 else -1)
        n = int(rng.integers(0, 600))
        end = start + step * n
        for name in ("float32", "float64", "float16", "bfloat16"):
            same(lambda lib, a=(start, end, step), d=name: lib.arange(*a, dtype=getattr(lib, d)))


def test_arange_out_warns():
    same(lambda lib: lib.arange(5, out=lib.zeros(2)), warns=True)
    same(lambda lib: lib.arange(5, out=lib.zeros(0, dtype=lib.int32)))


@params(
    "lib.range(0, 3)", "lib.range(0, 3, 0.5)", "lib.range(0, 1, 0.1)", "lib.range(3)",
    "lib.range(0, 3, dtype=lib.int64)", "lib.range(3, 0, -1)",
    "lib.range(0, 1, 0.1, dtype=lib.float64)",
    "lib.range(0, 2, 0.3, dtype=lib.float16)", "lib.range(0, 5, 0)", "lib.range(5, 0)",
)
def test_range(expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ev(expr)
    if "(3)" not in expr and ", 0)" not in expr and "(5, 0)" not in expr:
        ev(expr, warns=True)


@params(
    "lib.linspace(0, 1, 5)", "lib.linspace(0, 1j, 3)", "lib.linspace(0, 10, 5, dtype=lib.int64)",
    "lib.linspace(0., 1., 0)", "lib.linspace(2.5, 5, 1, dtype=lib.int64)",
    "lib.linspace(2.5, 5, 1)",
    "lib.linspace(0, 1, lib.tensor(3))", "lib.linspace(lib.tensor(0), lib.tensor(1.), 3)",
    "lib.linspace(0, 1, 3, requires_grad=True)", "lib.linspace(0, float('inf'), 3)",
    "lib.linspace(0, float('nan'), 3)", "lib.linspace(-1, 1, 3, dtype=lib.uint8)",
    "lib.linspace(-3.3, 7.7, 21)", "lib.linspace(-3.3, 7.7, 21, dtype=lib.float64)",
    "lib.linspace(0, 1, 5).stride()", "lib.linspace(3, -3, 7, dtype=lib.int8)",
    "lib.linspace(0, 1, 3, dtype=lib.float64)", "lib.linspace(0, 100, 33, dtype=lib.int32)",
    "lib.linspace(-1, 1, 3000, dtype=lib.float16)", "lib.linspace(-1, 1, 3000, dtype=lib.bfloat16)",
    # errors
    "lib.linspace(0, 1, -1)", "lib.linspace(lib.tensor([0.]), 1., 3)",
    "lib.linspace(0, 1, 3, dtype=lib.bool)", "lib.linspace(300, 301, 2, dtype=lib.uint8)",
)
def test_linspace(expr):
    ev(expr)


def test_linspace_random_bit_exact():
    rng = np.random.default_rng(3)
    for _ in range(40):
        s, e = (float(x) for x in rng.uniform(-100, 100, 2))
        n = int(rng.integers(2, 400))
        for name in ("float32", "float64", "float16", "bfloat16", "int64", "int16"):
            same(lambda lib, a=(s, e, n), d=name: lib.linspace(*a, dtype=getattr(lib, d)))


def test_linspace_complex():
    for dt in ("complex64", "complex128"):
        same(lambda lib, d=dt: lib.linspace(-1 + 2j, 3 - 1j, 17, dtype=getattr(lib, d)))


@params(
    "lib.logspace(0, 2, 3)", "lib.logspace(0, 2, 3, base=2)", "lib.logspace(0, 2, 3, 2)",
    "lib.logspace(0, 2, 3, dtype=lib.int64)", "lib.logspace(0, 2, 1)", "lib.logspace(0, 2, 0)",
    "lib.logspace(0, 2, 3, base=-2)", "lib.logspace(-3.3, 7.7, 21)",
    "lib.logspace(-3.3, 7.7, 21, dtype=lib.float64)", "lib.logspace(-1, 1, 50, base=3.7)",
    "lib.logspace(-1, 1, 50, dtype=lib.float16)", "lib.logspace(-1, 1, 50, dtype=lib.bfloat16)",
    "lib.logspace(0, 3, 7, base=2, dtype=lib.int32)",
    "lib.logspace(0.1, 0.2, 1, dtype=lib.float64)",
    "lib.logspace(0, 2, 3, dtype=lib.bool)",
)
def test_logspace(expr):
    ev(expr)


def test_logspace_random_bit_exact():
    rng = np.random.default_rng(5)
    for _ in range(20):
        s, e = (float(x) for x in rng.uniform(-5, 5, 2))
        n = int(rng.integers(2, 200))
        base = float(rng.uniform(0.5, 12))
        for name in ("float32", "float64"):
            same(lambda lib, a=(s, e, n, base), d=name: lib.logspace(*a, dtype=getattr(lib, d)))


def test_logspace_complex():
    a = torcia.logspace(0, 1j, 5)
    e = torch.logspace(0, 1j, 5)
    assert str(a.dtype) == str(e.dtype)
    np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-6)


# -- complex, polar ----------------------------------------------------------------------------
@params(
    "lib.complex(lib.tensor([1.]), lib.tensor([2.]))",
    "lib.complex(lib.tensor([1.], dtype=lib.float64), lib.tensor([2.], dtype=lib.float64))",
    "lib.complex(lib.tensor([1., 2.]), lib.tensor([[2.], [3.]]))",
    "lib.complex(lib.tensor([float('inf')]), lib.tensor([float('nan')]))",
    "lib.complex(lib.tensor([1.]), lib.tensor([2.], dtype=lib.float64))",
    "lib.complex(lib.tensor([1]), lib.tensor([2]))", "lib.complex(lib.tensor([1.]), 2.)",
    "lib.polar(lib.tensor([1.]), lib.tensor([1.], dtype=lib.float64))",
    "lib.polar(lib.tensor([1]), lib.tensor([1]))",
)
def test_complex(expr):
    ev(expr)


def test_complex_grad():
    def fn(lib):
        re = lib.tensor([1.0, -2.0], requires_grad=True)
        im = lib.tensor([0.5, 3.0], requires_grad=True)
        z = lib.complex(re, im)
        (z * lib.tensor([2 - 1j, 1 + 3j])).real.sum().backward()
        return re.grad, im.grad
    same(fn)


def test_polar():
    a = torcia.polar(torcia.tensor([1.0, 2.0]), torcia.tensor([0.0, 3.14159]))
    e = torch.polar(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 3.14159]))
    assert str(a.dtype) == str(e.dtype)
    np.testing.assert_allclose(a.numpy(), e.numpy(), rtol=1e-6, atol=1e-7)


# -- legacy constructor ------------------------------------------------------------------------
@params(
    "lib.Tensor(2, 3).shape", "lib.Tensor(2, 3).dtype", "lib.Tensor([1, 2])",
    "lib.Tensor([[1, 2.5]])",
    "lib.Tensor([True])", "lib.Tensor(np.array([1., 2.]))", "lib.Tensor(np.array([1, 2]))",
    "lib.Tensor(lib.tensor([1., 2.]))", "lib.Tensor(lib.tensor([1, 2]))",
    "lib.Tensor(lib.tensor([1., 2.], dtype=lib.float64))", "lib.Tensor()", "lib.Tensor(())",
    "lib.Tensor([])", "lib.Tensor(lib.Size([2, 3])).shape", "lib.Tensor((2, 3))",
    "lib.Tensor(3).shape", "lib.Tensor(np.int64(3)).shape", "lib.Tensor(2, device='cpu').shape",
    "lib.Tensor([1, 2], device='cpu')", "lib.Tensor(lib.tensor(3))",
    "lib.Tensor(2, 3).requires_grad",
    "lib.Tensor(2, 3).stride()",
    # errors
    "lib.Tensor([1j])", "lib.Tensor(2.5)", "lib.Tensor('a')", "lib.Tensor(2, 3, dtype=lib.float64)",
    "lib.Tensor(-1)", "lib.Tensor(2, -1)", "lib.Tensor(None)", "lib.Tensor([[1, 2], [3]])",
    "lib.Tensor(True)", "lib.Tensor(2, 3.5)",
)
def test_legacy_constructor(expr):
    ev(expr)


def test_legacy_constructor_aliases():
    x = torcia.ones(3)
    y = torcia.Tensor(x)
    assert y.data_ptr() == x.data_ptr()
    same(lambda lib: lib.Tensor([1, 2.5]) if lib.set_default_dtype(lib.float64) is None else 0)
    torch.set_default_dtype(torch.float32)
    torcia.set_default_dtype(torcia.float32)


def test_clone_is_independent_and_preserves_layout():
    ev("lib.ones(2, 3).t().clone().stride()")
    ev("lib.ones(4, 6)[::2, ::3].clone().stride()")
    ev("lib.ones(2, 3).t().clone(memory_format=lib.contiguous_format).stride()")
    ev("lib.ones(2, 3).t().contiguous().stride()")
    x = torcia.arange(6.0)
    y = x.clone()
    y[0] = 100
    assert x[0].item() == 0 and y.data_ptr() != x.data_ptr()


def test_default_dtype_factories():
    for d in ("float64", "float16", "bfloat16"):
        def fn(lib, d=d):
            lib.set_default_dtype(getattr(lib, d))
            try:
                return [lib.zeros(1).dtype, lib.arange(0, 1, 0.5), lib.linspace(0, 1, 3),
                        lib.full((1,), 1.5), lib.full((1,), 2).dtype, lib.ones(2),
                        lib.eye(2).dtype, lib.scalar_tensor(1), lib.arange(3).dtype,
                        lib.empty(1).dtype, lib.Tensor([1]).dtype, lib.logspace(0, 1, 3)]
            finally:
                lib.set_default_dtype(lib.float32)
        same(fn)


def test_bit_exact_helper_is_strict():
    with pytest.raises(AssertionError):
        assert_values(torcia.tensor([0.1]), torch.tensor([0.1], dtype=torch.float64).float() + 1e-7)

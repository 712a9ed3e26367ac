"""Arithmetic operators against PyTorch: values, dtypes, gradients, gradcheck."""

import numpy as np
import pytest

from .opcheck import check, check_error

SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (3,)), ((5,), ())]


@pytest.mark.parametrize("a,b", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_binary(op, a, b, dtype):
    check(lambda lib, x, y: getattr(lib, op)(x, y), [a, b], dtype=dtype)


@pytest.mark.parametrize("expr", ["x + y", "x - y", "x * y", "x / y", "y - x", "-x + y * x",
                                  "x ** 2", "x ** y", "2 ** x", "2 - x", "2 / x", "x / 3",
                                  "3 * x - y / 2"])
def test_operators(expr):
    check(lambda lib, x, y: eval(expr), [(3, 4), (4,)], low=0.5, high=2.0)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_int_arithmetic(dtype):
    ops = ["x + y", "x * y", "x / y", "x + 2", "x * 2.5"] + (["x - y"] if dtype != "bool" else [])
    for expr in ops:
        check(lambda lib, x, y: eval(expr), [(3, 4), (3, 4)], dtype=dtype, grad=False)


def test_alpha():
    check(lambda lib, x, y: lib.add(x, y, alpha=2.5), [(3,), (3,)])
    check(lambda lib, x, y: lib.sub(x, y, alpha=-0.5), [(3,), (2, 3)])


def test_broadcast_error():
    check_error(lambda lib, x, y: x + y, [(2, 3), (3, 2)])


def test_bool_sub_error():
    check_error(lambda lib, x, y: x - y, [(2,), (2,)], dtype="bool")


def test_mixed_dtypes():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.linspace(0.5, 2, 6, dtype=np.float32).reshape(2, 3)
    check(lambda lib, x, y: x * y + x / y, [a, b], arrays=[a, b])

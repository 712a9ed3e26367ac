"""dtypes against PyTorch: names, aliases, attributes, finfo/iinfo, the default dtype, casting
and promotion tables."""

import itertools
import pickle

import numpy as np
import pytest
import torch

import torcia

from .same import same

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
         "float64", "complex64", "complex128", "uint16", "uint32", "uint64"]
ALIASES = ["half", "float", "double", "cfloat", "cdouble", "short", "int", "long"]
FLOATS = ["float16", "bfloat16", "float32", "float64"]
INTS = ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64"]


@pytest.mark.parametrize("name", NAMES + ALIASES)
def test_dtype_attributes(name):
    same(lambda lib: (repr(getattr(lib, name)), str(getattr(lib, name)),
                      getattr(lib, name).is_floating_point, getattr(lib, name).is_complex,
                      getattr(lib, name).is_signed, getattr(lib, name).itemsize))
    same(lambda lib: getattr(lib, name))
    same(lambda lib: getattr(lib, name).to_real())


@pytest.mark.parametrize("name", NAMES)
def test_to_complex(name):
    if name == "float16":  # PyTorch gives complex32, which torcia does not have
        return
    same(lambda lib: getattr(lib, name).to_complex())


@pytest.mark.parametrize("alias,name", [("half", "float16"), ("float", "float32"),
                                        ("double", "float64"), ("cfloat", "complex64"),
                                        ("cdouble", "complex128"), ("short", "int16"),
                                        ("int", "int32"), ("long", "int64")])
def test_aliases_are_the_same_object(alias, name):
    assert getattr(torcia, alias) is getattr(torcia, name)


def test_dtype_identity():
    same(lambda lib: (lib.float32 == lib.float32, lib.float32 == lib.float64,
                      lib.float32 == "float32", lib.float32 != lib.int32,
                      hash(lib.float32) == hash(lib.float32), type(lib.float32).__name__,
                      isinstance(lib.float32, lib.dtype), {lib.float32: 1}[lib.float]))
    for name in NAMES:
        d = getattr(torcia, name)
        assert pickle.loads(pickle.dumps(d)) is d


@pytest.mark.parametrize("name", FLOATS + ["complex64", "complex128"])
def test_finfo(name):
    same(lambda lib: lib.finfo(getattr(lib, name)))
    same(lambda lib: str(lib.finfo(getattr(lib, name))))
    same(lambda lib: tuple(getattr(lib.finfo(getattr(lib, name)), f) for f in
                           ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution",
                            "dtype")))


@pytest.mark.parametrize("name", INTS)
def test_iinfo(name):
    same(lambda lib: lib.iinfo(getattr(lib, name)))
    same(lambda lib: tuple(getattr(lib.iinfo(getattr(lib, name)), f) for f in
                           ("bits", "min", "max", "dtype")))


@pytest.mark.parametrize("expr", [
    "lib.finfo()", "lib.finfo(float)", "lib.finfo(complex)", "lib.finfo(type=lib.float64)",
    "lib.finfo(lib.float32) == lib.finfo(lib.float32)",
    "lib.finfo(lib.float32) == lib.finfo(lib.complex64)", "lib.finfo(lib.float32) == 1",
    "lib.iinfo(int)", "lib.iinfo(lib.int8) == lib.iinfo(lib.int8)",
    "lib.finfo(lib.int32)", "lib.finfo(lib.bool)", "lib.finfo(int)", "lib.finfo('float32')",
    "lib.finfo(np.float32)", "lib.finfo(None)", "lib.iinfo(lib.bool)", "lib.iinfo(lib.float32)",
    "lib.iinfo(None)", "lib.iinfo('int8')",
])
def test_info_misc(expr):
    same(lambda lib: eval(expr, {"lib": lib, "np": np}))
    # the class is 'torch.finfo' in PyTorch's message, 'finfo' in Python's
    same(lambda lib: hash(lib.finfo(lib.float32)), match="unhashable type")


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_can_cast_and_promote_types(a, b):
    same(lambda lib: lib.can_cast(getattr(lib, a), getattr(lib, b)))
    same(lambda lib: lib.promote_types(getattr(lib, a), getattr(lib, b)))


@pytest.mark.parametrize("expr", [
    "lib.can_cast(float, lib.float32)", "lib.can_cast(lib.int64, int)",
    "lib.promote_types(float, lib.int32)", "lib.promote_types(int, lib.uint8)",
    "lib.promote_types(bool, complex)",
])
def test_python_types_as_dtypes(expr):
    same(lambda lib: eval(expr, {"lib": lib}))


@pytest.mark.parametrize("d", FLOATS)
def test_default_dtype(d):
    def fn(lib):
        lib.set_default_dtype(getattr(lib, d))
        try:
            return [lib.get_default_dtype(), lib.tensor(1.5).dtype, lib.tensor([1, 2]).dtype,
                    lib.zeros(2).dtype, lib.arange(0.0, 1.0).dtype, lib.full((1,), 0.5).dtype,
                    lib.ones(1, dtype=lib.float32).dtype, lib.finfo().dtype,
                    (lib.ones(2, dtype=lib.int64) * 1.5).dtype, lib.tensor(0.1)]
        finally:
            lib.set_default_dtype(lib.float32)
    same(fn)


@pytest.mark.parametrize("expr", [
    "lib.set_default_dtype(lib.int32)", "lib.set_default_dtype(lib.complex64)",
    "lib.set_default_dtype(float)", "lib.set_default_dtype('float64')",
    "lib.set_default_dtype(lib.bool)", "lib.get_default_dtype()",
])
def test_set_default_dtype_errors(expr):
    same(lambda lib: eval(expr, {"lib": lib}))


def test_python_float_inference():
    same(lambda lib: [lib.tensor(0.1), lib.tensor([1, 2.0]), lib.tensor(1).dtype,
                      lib.tensor(True).dtype, lib.tensor(1j).dtype,
                      (lib.ones(2, dtype=lib.float16) + 0.1), (lib.ones(2, dtype=lib.int32) + 0.5),
                      (lib.ones(2, dtype=lib.int32) + 2).dtype, lib.result_type(lib.ones(2), 1.0)])


@pytest.mark.parametrize("name", NAMES)
def test_dtype_of_tensors(name):
    same(lambda lib: lib.zeros(3, dtype=getattr(lib, name)))
    same(lambda lib: lib.zeros(3, dtype=getattr(lib, name)).dtype)
    same(lambda lib: lib.ones(2, dtype=getattr(lib, name)).to(lib.float32))
    same(lambda lib: lib.ones(2).to(getattr(lib, name)))


def test_dtype_is_not_constructible():
    with pytest.raises(TypeError):
        torch.dtype()
    with pytest.raises(TypeError):
        torcia.dtype()

"""default_collate / default_convert against PyTorch's on the same inputs.

Every case builds its input for each library (tensors of that library, the same NumPy arrays
and Python values) and requires the same output structure, types, dtypes and values.
"""

import collections

import numpy as np
import pytest
import torch

import torcia
from tests.data.common import same_structure
from tests.same import same

Point = collections.namedtuple("Point", ["x", "y"])


CASES = {
    "ints": lambda m: [0, 1, 2, 3],
    "bools": lambda m: [True, False, True],
    "floats": lambda m: [0.5, 1.25, -2.0],
    "ints_then_float": lambda m: [1, 2.5],
    "strings": lambda m: ["a", "b", "c"],
    "bytes": lambda m: [b"a", b"b"],
    "tensors": lambda m: [m.arange(6.0).reshape(2, 3) + i for i in range(4)],
    "int_tensors": lambda m: [m.tensor([i, i + 1]) for i in range(3)],
    "scalar_tensors": lambda m: [m.tensor(float(i)) for i in range(3)],
    "mixed_dtype_tensors": lambda m: [m.tensor([1, 2]), m.tensor([1.5, 2.5])],
    "numpy_arrays": lambda m: [np.arange(6, dtype=np.float32).reshape(2, 3) + i
                               for i in range(3)],
    "numpy_uint8": lambda m: [np.full((2, 2), i, np.uint8) for i in range(3)],
    "numpy_float64_scalars": lambda m: [np.float64(1.5), np.float64(2.5)],
    "numpy_int32_scalars": lambda m: [np.int32(1), np.int32(2)],
    "numpy_bool_scalars": lambda m: [np.bool_(True), np.bool_(False)],
    "tuples": lambda m: [(m.ones(2) * i, i, "s") for i in range(3)],
    "lists": lambda m: [[i, float(i)] for i in range(3)],
    "dicts": lambda m: [{"a": i, "b": m.zeros(2) + i, "c": {"d": [i, i]}} for i in range(3)],
    "namedtuples": lambda m: [Point(i, m.tensor([i])) for i in range(3)],
    "ordered_dicts": lambda m: [collections.OrderedDict(x=i, y=float(i)) for i in range(2)],
    "nested": lambda m: [((m.ones(1), [np.zeros(2)]), {"k": (1, 2.0)}) for _ in range(2)],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_default_collate_matches_torch(name):
    same_structure(lambda m: m.utils.data.default_collate(CASES[name](m)))


@pytest.mark.parametrize("name", ["ints", "tensors", "numpy_arrays", "numpy_float64_scalars",
                                  "dicts", "namedtuples", "tuples", "lists", "strings"])
def test_default_convert_matches_torch(name):
    same_structure(lambda m: m.utils.data.default_convert(CASES[name](m)))


def test_default_convert_single_values():
    for make in (lambda m: np.arange(3), lambda m: np.float32(2.0), lambda m: 5,
                 lambda m: (np.zeros(2), 1), lambda m: {"a": np.ones(1)},
                 lambda m: np.array(["x", "y"])):
        same_structure(lambda m: m.utils.data.default_convert(make(m)))


def test_collate_errors_match_torch():
    same(lambda m: m.utils.data.default_collate([[1, 2], [3]]))
    same(lambda m: m.utils.data.default_collate([object(), object()]), match="default_collate")
    same(lambda m: m.utils.data.default_collate([np.array(["a"]), np.array(["b"])]))
    same(lambda m: m.utils.data.default_collate([m.zeros(2), m.zeros(3)]))


def test_collated_stack_is_fresh_memory_and_contiguous():
    items = [torcia.arange(4.0) for _ in range(3)]
    out = torcia.utils.data.default_collate(items)
    out[0, 0] = 100.0
    assert items[0][0].item() == 0.0
    assert out.is_contiguous() and out.shape == (3, 4)


def test_collate_keeps_autograd_when_inputs_require_grad():
    xs = [torcia.ones(2, requires_grad=True) for _ in range(2)]
    out = torcia.utils.data.default_collate(xs)
    ref = torch.utils.data.default_collate([torch.ones(2, requires_grad=True) for _ in range(2)])
    assert out.requires_grad == ref.requires_grad
    out.sum().backward()
    assert xs[0].grad.tolist() == [1.0, 1.0]

"""Type promotion against PyTorch: result_type, promote_types and the dtypes of real op
outputs, over every pair of dtypes and operand kinds (dim>0 tensor, 0-dim tensor, Python
bool/int/float/complex), with float32 and float64 as the default dtype."""

import itertools

import pytest
import torch

import torcia

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
          "float32", "float64", "complex64", "complex128"]
SCALARS = [True, 3, 2.5, 1 + 2j]
KINDS = ["dim", "zero"]


@pytest.fixture(params=["float32", "float64"])
def default(request):
    torch_before = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, request.param))
    torcia.set_default_dtype(getattr(torcia, request.param))
    yield request.param
    torch.set_default_dtype(torch_before)


def _operand(lib, spec):
    """A tensor of dtype name ``spec[0]`` (kind "dim" or "zero"), or a Python scalar."""
    if not isinstance(spec, tuple):
        return spec
    name, kind = spec
    shape = (2,) if kind == "dim" else ()
    return lib.ones(shape, dtype=getattr(lib, name))


OPERANDS = [(d, k) for d in DTYPES for k in KINDS] + SCALARS


def _name(x):
    return str(x).replace("torch.", "")


# Skips, with their reason: torch promotes float16 with a complex *operand* (not type) to
# complex32 (ComplexHalf), a dtype torcia does not have.
def _complex32(result):
    return _name(result) == "complex32"


def _complex32_pair(x, y):
    try:
        return _complex32(torch.result_type(_operand(torch, x), _operand(torch, y)))
    except Exception:  # noqa: BLE001 - two Python numbers
        return False


def test_promote_types(default):
    bad = []
    for a, b in itertools.product(DTYPES, DTYPES):
        want = torch.promote_types(getattr(torch, a), getattr(torch, b))
        got = torcia.promote_types(getattr(torcia, a), getattr(torcia, b))
        if _name(want) != _name(got):
            bad.append((a, b, _name(got), _name(want)))
    assert not bad, bad


def test_result_type(default):
    bad = []
    for x, y in itertools.product(OPERANDS, OPERANDS):
        try:
            want = _name(torch.result_type(_operand(torch, x), _operand(torch, y)))
        except Exception as e:  # noqa: BLE001 - torch refuses two Python scalars
            want = type(e).__name__
        if _complex32(want):
            continue
        try:
            got = _name(torcia.result_type(_operand(torcia, x), _operand(torcia, y)))
        except Exception as e:  # noqa: BLE001
            got = type(e).__name__
        if got != want:
            bad.append((x, y, got, want))
    assert not bad, bad[:20]


def _outcome(lib, fn, x, y):
    """The output dtype name of ``fn(lib, x, y)``, or the exception type and message."""
    try:
        out = fn(lib, _operand(lib, x), _operand(lib, y))
    except Exception as e:  # noqa: BLE001 - any exception type is an outcome to compare
        return type(e).__name__
    return _name(out.dtype)


OPS = {
    "add": lambda lib, x, y: lib.add(x, y),
    "mul": lambda lib, x, y: x * y,
    "div": lambda lib, x, y: lib.div(x, y),
    "eq": lambda lib, x, y: lib.eq(x, y),
    "maximum": lambda lib, x, y: lib.maximum(x, y),
    "where": lambda lib, x, y: lib.where(lib.tensor([True, False]), x, y),
    "atan2": lambda lib, x, y: lib.atan2(x, y),
    "remainder": lambda lib, x, y: lib.remainder(x, y),
    "clamp_min": lambda lib, x, y: lib.clamp_min(x, y),
}


@pytest.mark.parametrize("op", sorted(OPS))
def test_op_output_dtypes(op, default):
    fn = OPS[op]
    bad = []
    for x, y in itertools.product(OPERANDS, OPERANDS):
        if not isinstance(x, tuple) and not isinstance(y, tuple):
            continue  # two Python numbers: not a tensor op
        if _complex32_pair(x, y):
            continue
        want = _outcome(torch, fn, x, y)
        got = _outcome(torcia, fn, x, y)
        if got != want:
            bad.append((x, y, got, want))
    assert not bad, bad[:20]


@pytest.mark.parametrize("op", ["add_", "mul_", "div_"])
def test_inplace_casting(op, default):
    """In-place ops keep self's dtype and raise PyTorch's error when the result type can't be
    cast to it (a category above: float into an integer tensor, complex into float)."""
    bad = []
    for x, y in itertools.product([(d, k) for d in DTYPES for k in KINDS], OPERANDS):
        outcomes = []
        for lib in (torch, torcia):
            a, b = _operand(lib, x), _operand(lib, y)
            try:
                r = getattr(a, op)(b)
                outcomes.append((_name(r.dtype), r is a))
            except Exception as e:  # noqa: BLE001
                outcomes.append((type(e).__name__, str(e).split("\n")[0]))
        want, got = outcomes
        if _complex32_pair(x, y):
            continue
        if got != want:
            bad.append((x, y, got, want))
    assert not bad, bad[:20]


def test_out_casting():
    bad = []
    for x, y in itertools.product([(d, "dim") for d in DTYPES], [(d, "dim") for d in DTYPES]):
        outcomes = []
        for lib in (torch, torcia):
            a = _operand(lib, x)
            out = _operand(lib, y)
            try:
                r = lib.add(a, a, out=out)
                outcomes.append((_name(r.dtype), r is out))
            except Exception as e:  # noqa: BLE001
                outcomes.append((type(e).__name__, str(e)))
        if outcomes[0] != outcomes[1]:
            bad.append((x, y, outcomes[1], outcomes[0]))
    assert not bad, bad[:20]

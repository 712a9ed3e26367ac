"""``same(fn)``: run ``fn(torch)`` and ``fn(torcia)`` and require identical outcomes.

Outcomes are compared structurally: tensors by dtype, shape, strides, device, requires_grad
and bit-exact values; dtypes, devices and sizes by their repr; numbers by type and value
(NaN equal to NaN); sequences element by element; exceptions by type and message.
PyTorch 2.13.0 CPU is the oracle: no expected value here comes from torcia.
"""

import math
import re
import warnings

import numpy as np
import torch

import torcia


def run(fn, lib):
    """``("ok", value, warnings)`` or ``("error", exception, warnings)``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            out = ("ok", fn(lib))
        except Exception as e:  # noqa: BLE001 - the exception is the outcome compared
            out = ("error", e)
    return out + ([str(w.message).split(" (Triggered internally at ")[0] for w in caught],)


def same(fn, *, strides=True, match=None, warns=False):
    """Assert that ``fn(torcia)`` behaves as ``fn(torch)``; return torcia's value.

    ``match``: a regex torcia's error message must match instead of equalling torch's.
    ``warns``: also require the same warning messages.
    """
    ek, ev, ew = run(fn, torch)
    ak, av, aw = run(fn, torcia)
    if ek == "error":
        assert ak == "error", f"torcia returned {av!r}; torch raised {type(ev).__name__}: {ev}"
        assert type(av).__name__ == type(ev).__name__, \
            f"torcia raised {type(av).__name__}: {av}; torch raised {type(ev).__name__}: {ev}"
        if match is None:
            assert str(av) == str(ev), f"message {str(av)!r} != torch's {str(ev)!r}"
        else:
            assert re.search(match, str(av)), f"message {str(av)!r} does not match {match!r}"
        return av
    if ak == "error":
        raise AssertionError(f"torcia raised {type(av).__name__}: {av}; torch returned {ev!r}")
    compare(av, ev, "result", strides)
    if warns:
        assert aw == ew, f"warnings {aw} != torch's {ew}"
    return av


def to_numpy(t):
    """A NumPy copy of a torch or torcia tensor's values (bfloat16 widened exactly)."""
    t = t.detach()
    if str(t.dtype) == "torch.bfloat16":
        t = t.float()
    return np.array(t.cpu().numpy(), copy=True, order="C")


def assert_values(a, e, what="values"):
    """Bit-exact equality of two tensors' values (any NaN equals any NaN)."""
    x, y = np.atleast_1d(to_numpy(a)), np.atleast_1d(to_numpy(e))
    assert x.shape == y.shape, f"{what}: shape {x.shape} != torch's {y.shape}"
    assert x.dtype == y.dtype, f"{what}: numpy dtype {x.dtype} != torch's {y.dtype}"
    if x.dtype.kind in "fc":
        xr, yr = x.view(x.real.dtype), y.view(y.real.dtype)
        nan = np.isnan(xr) & np.isnan(yr)
        bad = ~nan & (xr.view(f"u{xr.itemsize}") != yr.view(f"u{yr.itemsize}"))
        if bad.any():
            raise AssertionError(f"{what} differ:\n{x!r}\ntorch:\n{y!r}")
    else:
        np.testing.assert_array_equal(x, y, err_msg=what)


def compare(a, e, what="result", strides=True):
    if isinstance(e, torch.Tensor):
        assert isinstance(a, torcia.Tensor), f"{what}: {type(a).__name__}, torch gives a Tensor"
        assert str(a.dtype) == str(e.dtype), f"{what}: dtype {a.dtype} != torch's {e.dtype}"
        assert tuple(a.shape) == tuple(e.shape), f"{what}: shape {a.shape} != {e.shape}"
        assert str(a.device) == str(e.device), f"{what}: device {a.device} != {e.device}"
        assert a.requires_grad == e.requires_grad, f"{what}: requires_grad {a.requires_grad}"
        if strides:
            assert a.stride() == e.stride(), f"{what}: stride {a.stride()} != {e.stride()}"
        assert_values(a, e, what)
    elif isinstance(e, (torch.dtype, torch.device, torch.Size, torch.finfo, torch.iinfo)):
        assert repr(a) == repr(e), f"{what}: {a!r} != torch's {e!r}"
        assert type(a).__name__ == type(e).__name__, f"{what}: type {type(a).__name__}"
    elif isinstance(e, (list, tuple)):
        assert type(a) is type(e), f"{what}: {type(a).__name__} != {type(e).__name__}"
        assert len(a) == len(e), f"{what}: length {len(a)} != {len(e)}"
        for i, (x, y) in enumerate(zip(a, e)):
            compare(x, y, f"{what}[{i}]", strides)
    elif isinstance(e, np.ndarray):
        assert isinstance(a, np.ndarray), f"{what}: {type(a).__name__}, torch gives ndarray"
        assert a.dtype == e.dtype and a.shape == e.shape, f"{what}: {a!r} != {e!r}"
        np.testing.assert_array_equal(a, e, err_msg=what)
    elif type(e).__module__.startswith("torch"):  # layouts, memory formats, legacy types
        assert type(a).__name__ == type(e).__name__ and repr(a) == repr(e), \
            f"{what}: {type(a).__name__} {a!r} != {type(e).__name__} {e!r}"
    else:
        assert type(a) is type(e), f"{what}: {type(a).__name__} {a!r} != {type(e).__name__} {e!r}"
        if isinstance(e, float) and math.isnan(e):
            assert math.isnan(a), f"{what}: {a} != nan"
        else:
            assert a == e, f"{what}: {a!r} != torch's {e!r}"

"""The op-table check: one call runs an op on torcia and on PyTorch and compares them.

``check(lambda lib, *xs: lib.exp(xs[0]), [shape_or_array, ...])`` builds the same inputs
for both libraries (``lib`` is the torcia or torch module), then compares forward values,
output dtypes, and gradients of a random upstream gradient; ``gradcheck=True`` also runs
torcia's gradcheck in float64. PyTorch 2.13.0 CPU is the oracle.
"""

import numpy as np
import torch

import torcia

RNG = np.random.default_rng(1234)

# torcia dtype name -> torch dtype
TORCH_DTYPES = {name: getattr(torch, name) for name in (
    "bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16", "float32",
    "float64", "complex64", "complex128")}


def make_array(spec, dtype="float32", low=-2.0, high=2.0, rng=RNG):
    """A NumPy array from a shape (random values for ``dtype``) or an array/number as is."""
    if isinstance(spec, np.ndarray):
        return spec
    if not isinstance(spec, tuple):
        return spec
    if dtype == "bool":
        return rng.random(spec) > 0.5
    if dtype in ("uint8",):
        return rng.integers(0, 10, spec).astype(dtype)
    if dtype.startswith("int"):
        return rng.integers(-9, 10, spec).astype(dtype)
    if dtype.startswith("complex"):
        return (rng.uniform(low, high, spec) + 1j * rng.uniform(low, high, spec)).astype(dtype)
    arr = rng.uniform(low, high, spec)
    return arr.astype(np.float32) if dtype == "bfloat16" else arr.astype(dtype)


def to_lib(lib, x, dtype, requires_grad):
    """``x`` (array or Python value) as a tensor of ``lib``; other values pass through."""
    if not isinstance(x, np.ndarray):
        return x
    if lib is torch:
        t = torch.from_numpy(x.copy())
        if dtype == "bfloat16":
            t = t.to(torch.bfloat16)
    else:
        t = torcia.from_numpy(x.copy())
        if dtype == "bfloat16":
            t = t.to(torcia.bfloat16)
    floating = x.dtype.kind in "fc"
    if requires_grad and floating:
        t.requires_grad_(True)
    return t


def _flat(out):
    if isinstance(out, (tuple, list)):
        return [o for x in out for o in _flat(x)]
    return [out]


def to_numpy(t):
    """A float64/complex128/bool/int NumPy copy of a torcia or torch tensor or a number."""
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy(force=True).copy()  # force: torch's ZeroTensor gradients, conj views
    if isinstance(t, torcia.Tensor):
        t = t.detach()
        if t.dtype == torcia.bfloat16:
            t = t.float()
        return np.array(t.numpy(), copy=True)
    return np.asarray(t)


def assert_close(actual, expected, atol, rtol, what):
    a, e = to_numpy(actual), to_numpy(expected)
    assert a.shape == e.shape, f"{what}: shape {a.shape} != torch's {e.shape}"
    if a.dtype.kind in "biu" and e.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e, err_msg=what)
    else:
        np.testing.assert_allclose(a, e, atol=atol, rtol=rtol, equal_nan=True, err_msg=what)


def check(fn, inputs, dtype="float32", grad=True, atol=1e-5, rtol=1.3e-6, grad_atol=None,
          grad_rtol=None, gradcheck=True, check_dtype=True, arrays=None, low=-2.0, high=2.0):
    """Compare ``fn(torcia, *xs)`` with ``fn(torch, *xs)``; see the module docstring.

    ``inputs``: shapes (tuples) become random arrays of ``dtype``; arrays and other values are
    used as given (integer arrays never require grad). Returns the torcia outputs.
    """
    arrs = arrays or [make_array(x, dtype, low, high) for x in inputs]
    tt = [to_lib(torch, a, dtype, grad) for a in arrs]
    ct = [to_lib(torcia, a, dtype, grad) for a in arrs]
    expected = fn(torch, *tt)
    actual = fn(torcia, *ct)
    ex, ac = _flat(expected), _flat(actual)
    assert len(ex) == len(ac), f"{len(ac)} outputs, torch gives {len(ex)}"
    for i, (a, e) in enumerate(zip(ac, ex)):
        if isinstance(e, torch.Tensor):
            assert isinstance(a, torcia.Tensor), f"output {i} is {type(a)}, expected a Tensor"
            if check_dtype:
                assert str(a.dtype) == str(e.dtype), f"output {i} dtype {a.dtype} != {e.dtype}"
            assert tuple(a.shape) == tuple(e.shape), f"output {i} shape {a.shape} != {e.shape}"
        assert_close(a, e, atol, rtol, f"forward output {i}")
    if grad:
        _check_grads(ac, ex, ct, tt, grad_atol or max(atol, 1e-5) * 10, grad_rtol or 1e-4)
        if gradcheck and dtype in ("float32", "float64"):
            run_gradcheck(fn, arrs)
    return actual


def _check_grads(ac, ex, ct, tt, atol, rtol):
    outs = [(a, e) for a, e in zip(ac, ex) if isinstance(e, torch.Tensor) and e.requires_grad]
    if not outs:
        return
    ups = [make_array(tuple(e.shape), "float64").astype(to_numpy(e).dtype) for _, e in outs]
    torch.autograd.backward([e for _, e in outs],
                            [torch.from_numpy(u).to(e.dtype) for u, (_, e) in zip(ups, outs)])
    for a, _ in outs:
        assert a.requires_grad, "output does not require grad, torch's does"
    torcia.autograd.backward([a for a, _ in outs],
                             [torcia.from_numpy(u.copy()).to(a.dtype)
                              for u, (a, _) in zip(ups, outs)])
    for i, (c, t) in enumerate(zip(ct, tt)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            if t.grad is None:
                assert c.grad is None or not to_numpy(c.grad).any(), \
                    f"input {i}: torch gives no grad"
                continue
            assert c.grad is not None, f"input {i}: no gradient, torch has one"
            assert str(c.grad.dtype) == str(t.grad.dtype), f"input {i} grad dtype"
            assert_close(c.grad, t.grad, atol, rtol, f"gradient of input {i}")


def run_gradcheck(fn, arrs):
    """torcia's gradcheck of ``fn`` in float64 on the floating inputs."""
    ins = []
    for a in arrs:
        if isinstance(a, np.ndarray) and a.dtype.kind == "f":
            ins.append(torcia.from_numpy(a.astype(np.float64)).requires_grad_(True))
        else:
            ins.append(torcia.from_numpy(a.copy()) if isinstance(a, np.ndarray) else a)
    if not any(isinstance(t, torcia.Tensor) and t.requires_grad for t in ins):
        return
    assert torcia.autograd.gradcheck(lambda *xs: fn(torcia, *xs), tuple(ins))


def check_error(fn, inputs=(), dtype="float32", match=None):
    """Both libraries raise the same exception type; torcia's message matches torch's
    (exactly, or the regex ``match`` when given). Returns torcia's exception."""
    import re
    arrs = [make_array(x, dtype) for x in inputs]
    try:
        fn(torch, *[to_lib(torch, a, dtype, False) for a in arrs])
    except Exception as e:  # noqa: BLE001 - any exception type is the oracle's answer
        expected = e
    else:
        raise AssertionError("torch raised no error")
    try:
        fn(torcia, *[to_lib(torcia, a, dtype, False) for a in arrs])
    except Exception as e:  # noqa: BLE001
        assert type(e) is type(expected), f"torcia raised {type(e).__name__}: {e}; torch " \
                                          f"raised {type(expected).__name__}: {expected}"
        if match is None:
            assert str(e) == str(expected), f"message {str(e)!r} != torch's {str(expected)!r}"
        else:
            assert re.search(match, str(e)), f"message {str(e)!r} does not match {match!r}"
        return e
    raise AssertionError(f"torcia raised no error; torch raised {expected!r}")

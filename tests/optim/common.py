"""Running one optimizer recipe in torch and torcia on the same numbers, and comparing.

Parameters start from the same NumPy arrays and receive the same sequence of gradients (set
as ``p.grad`` directly), so the two runs differ only by the optimizers. Values are compared
with tolerances: PyTorch's CPU kernels fuse multiply-adds and its vectorised sqrt is not
correctly rounded, so results agree to a few units in the last place per step (see Note
[Rounding as PyTorch] in torcia/optim/optimizer.py), not bit for bit.
"""

import numpy as np
import torch

import torcia

LIBS = (torch, torcia)
SHAPES = ((5, 4), (7,), (3, 3, 2))
# (rtol, atol) after 20 steps from O(1) values
TOL = {"float64": (1e-11, 1e-12), "float32": (2e-5, 2e-6), "loose64": (1e-8, 1e-10)}


def arrays(shapes=SHAPES, steps=20, seed=0, dtype="float64", complex=False):
    """Initial values and per-step gradients, as NumPy arrays."""
    rng = np.random.default_rng(seed)

    def draw(s):
        x = rng.standard_normal(s)
        return x + 1j * rng.standard_normal(s) if complex else x
    inits = [draw(s) for s in shapes]
    grads = [[draw(s) for s in shapes] for _ in range(steps)]
    return inits, grads


def dtype_of(lib, dtype, complex=False):
    if complex:
        return getattr(lib, {"float64": "complex128", "float32": "complex64"}[dtype])
    return getattr(lib, dtype)


def make_params(lib, inits, dtype="float64", complex=False):
    dt = dtype_of(lib, dtype, complex)
    return [lib.tensor(x, dtype=dt, requires_grad=True) for x in inits]


def set_grads(lib, params, grads, dtype="float64", complex=False):
    dt = dtype_of(lib, dtype, complex)
    for p, g in zip(params, grads):
        p.grad = lib.tensor(g, dtype=dt)


def run(lib, make, inits, grads, dtype="float64", complex=False, closure=False):
    """Params after ``len(grads)`` steps of ``make(lib, params)``, and the optimizer."""
    params = make_params(lib, inits, dtype, complex)
    opt = make(lib, params)
    for step_grads in grads:
        if closure:
            def closure_fn(g=step_grads):
                set_grads(lib, params, g, dtype, complex)
                return lib.tensor(1.5)
            assert float(opt.step(closure_fn)) == 1.5
        else:
            set_grads(lib, params, step_grads, dtype, complex)
            opt.step()
    return params, opt


def to_numpy(t):
    return np.array(t.detach().cpu().numpy(), copy=True)


def assert_close(a, e, dtype="float64", what="values"):
    rtol, atol = TOL[dtype]
    x, y = to_numpy(a), to_numpy(e)
    assert x.dtype == y.dtype and x.shape == y.shape, \
        f"{what}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}"
    np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, err_msg=what)


def compare_structure(a, e, dtype="float64", what="state_dict"):
    """Same nested structure, key order, value types; tensors of equal dtype/shape and close
    values; other leaves equal."""
    if isinstance(e, (torch.Tensor, torcia.Tensor)):
        assert isinstance(a, torcia.Tensor), f"{what}: {type(a).__name__}, expected a Tensor"
        assert str(a.dtype) == str(e.dtype), f"{what}: dtype {a.dtype} != {e.dtype}"
        assert tuple(a.shape) == tuple(e.shape), f"{what}: shape {a.shape} != {e.shape}"
        if a.is_floating_point() or a.is_complex():
            assert_close(a, e, dtype, what)
        else:
            assert to_numpy(a).tolist() == to_numpy(e).tolist(), what
    elif isinstance(e, dict):
        assert type(a) is dict and list(a) == list(e), f"{what}: keys {list(a)} != {list(e)}"
        for k in e:
            compare_structure(a[k], e[k], dtype, f"{what}[{k!r}]")
    elif isinstance(e, (list, tuple)):
        assert type(a) is type(e) and len(a) == len(e), f"{what}: {a!r} != {e!r}"
        for i, (x, y) in enumerate(zip(a, e)):
            compare_structure(x, y, dtype, f"{what}[{i}]")
    elif isinstance(e, float) and type(a) is float:
        rtol, atol = TOL[dtype]
        assert abs(a - e) <= atol + rtol * abs(e), f"{what}: {a} != {e}"
    else:
        assert type(a) is type(e) and a == e, f"{what}: {a!r} != torch's {e!r}"


def check(make, shapes=SHAPES, steps=20, dtype="float64", complex=False, closure=False,
          seed=0):
    """Run ``make`` in both libraries; require close parameters and matching state dicts."""
    inits, grads = arrays(shapes, steps, seed, dtype, complex)
    (ours, opt_a), (theirs, opt_e) = (run(lib, make, inits, grads, dtype, complex, closure)
                                      for lib in (torcia, torch))
    for i, (a, e) in enumerate(zip(ours, theirs)):
        assert_close(a, e, dtype, f"param {i}")
        assert a._version > 0
    compare_structure(opt_a.state_dict(), opt_e.state_dict(), dtype)
    return opt_a, opt_e


def convert(obj, lib):
    """``obj`` with every tensor (of either library) copied into ``lib``."""
    if isinstance(obj, (torch.Tensor, torcia.Tensor)):
        arr = to_numpy(obj)
        return lib.tensor(arr, dtype=dtype_of(lib, str(obj.dtype).split(".")[1]))
    if isinstance(obj, dict):
        return {k: convert(v, lib) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(convert(v, lib) for v in obj)
    return obj

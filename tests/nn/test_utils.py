"""nn.utils against PyTorch: gradient clipping, parameter/vector conversion, parametrize,
parametrizations.weight_norm / spectral_norm and the older hook-based weight_norm /
spectral_norm (values and gradients with the same seed)."""

import copy
import math
import pickle

import numpy as np
import pytest
import torch

import torcia

from ..same import same


def ok(fn, **kw):
    r = same(fn, **kw)
    assert not isinstance(r, BaseException), f"both raised {type(r).__name__}: {r}"
    return r


def close(fn, rtol=1e-5, atol=1e-6):
    """Same structure; tensors equal within tolerance (reductions may round differently)."""
    def cmp(a, e, what):
        if isinstance(e, torch.Tensor):
            assert isinstance(a, torcia.Tensor), f"{what}: {type(a).__name__}"
            assert str(a.dtype) == str(e.dtype), f"{what}: {a.dtype} != {e.dtype}"
            assert tuple(a.shape) == tuple(e.shape), f"{what}: {a.shape} != {e.shape}"
            np.testing.assert_allclose(a.detach().float().numpy(), e.detach().float().numpy(),
                                       rtol=rtol, atol=atol, err_msg=what)
        elif isinstance(e, (list, tuple)):
            assert type(a) is type(e) and len(a) == len(e), f"{what}: {a!r} != {e!r}"
            for i, (x, y) in enumerate(zip(a, e)):
                cmp(x, y, f"{what}[{i}]")
        elif isinstance(e, float):
            assert math.isclose(a, e, rel_tol=rtol, abs_tol=atol) or (
                math.isnan(a) and math.isnan(e)), f"{what}: {a} != {e}"
        else:
            assert a == e, f"{what}: {a!r} != {e!r}"
    cmp(fn(torcia), fn(torch), "result")


def with_grads(lib, scale=1.0, dtypes=("float32", "float32", "float32")):
    lib.manual_seed(0)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    ps = []
    for shape, dt in zip(shapes, dtypes):
        p = lib.nn.Parameter(lib.randn(shape, dtype=getattr(lib, dt)))
        p.grad = lib.randn(shape, dtype=getattr(lib, dt)) * scale
        ps.append(p)
    return ps


# -- clip_grad -----------------------------------------------------------------------------

@pytest.mark.parametrize("norm_type", [2.0, 1, 3, 0.5, float("inf"), "inf", 0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
@pytest.mark.parametrize("foreach", [None, True, False])
def test_clip_grad_norm(norm_type, max_norm, foreach):
    def fn(lib):
        ps = with_grads(lib)
        total = lib.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type, foreach=foreach)
        return total, [p.grad for p in ps]
    close(fn)


def test_clip_grad_norm_forms():
    def fn(lib):
        ps = with_grads(lib, dtypes=("float64", "float32", "float64"))
        out = [lib.nn.utils.clip_grad_norm_(ps, 1.0), [p.grad for p in ps]]
        single = with_grads(lib)[0]
        out += [lib.nn.utils.clip_grad_norm_(single, 0.1), single.grad]
        out += [lib.nn.utils.clip_grad_norm_((p for p in with_grads(lib)), 0.1)]
        out += [lib.nn.utils.clip_grad_norm_([], 1.0)]
        nograd = lib.nn.Parameter(lib.ones(2))
        out += [lib.nn.utils.clip_grad_norm_([nograd], 1.0), nograd.grad]
        out += [lib.nn.utils.get_total_norm([p.grad for p in with_grads(lib)], 3.0)]
        ps = with_grads(lib)
        lib.nn.utils.clip_grads_with_norm_(ps, 0.5, lib.tensor(2.0))
        out += [[p.grad for p in ps]]
        return out
    close(fn)


def test_clip_grad_norm_warnings_and_errors():
    same(lambda lib: lib.nn.utils.clip_grad_norm_((p for p in []), 1.0), warns=True)
    same(lambda lib: lib.nn.utils.clip_grad_norm(with_grads(lib), 1.0).shape, warns=True)

    def nonfinite(lib, value, error):
        ps = with_grads(lib)
        ps[1].grad[0] = value
        return lib.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=error)
    same(lambda lib: nonfinite(lib, float("nan"), True))
    same(lambda lib: nonfinite(lib, float("inf"), True))
    ok(lambda lib: nonfinite(lib, float("inf"), False))
    ok(lambda lib: nonfinite(lib, float("nan"), False))


def test_clip_grad_norm_keeps_grad_identity_and_no_graph():
    def fn(lib):
        ps = with_grads(lib)
        ids = [id(p.grad) for p in ps]
        total = lib.nn.utils.clip_grad_norm_(ps, 0.1)
        return [id(p.grad) for p in ps] == ids, total.requires_grad, total.grad_fn, total.dtype
    ok(fn)


@pytest.mark.parametrize("clip", [0.1, 1, 5.0])
@pytest.mark.parametrize("foreach", [None, True])
def test_clip_grad_value(clip, foreach):
    def fn(lib):
        ps = with_grads(lib, scale=2.0)
        r = lib.nn.utils.clip_grad_value_(ps, clip, foreach=foreach)
        single = with_grads(lib)[2]
        lib.nn.utils.clip_grad_value_(single, clip)
        return r, [p.grad for p in ps], single.grad
    ok(fn)


# -- convert_parameters --------------------------------------------------------------------

def test_parameters_to_vector_and_back():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(3, 2), lib.nn.Linear(2, 1))
        vec = lib.nn.utils.parameters_to_vector(m.parameters())
        out = [vec, vec.grad_fn.name(), vec.requires_grad]
        new = lib.arange(float(vec.numel()))
        ids = [id(p) for p in m.parameters()]
        r = lib.nn.utils.vector_to_parameters(new, m.parameters())
        new[0] = 100.0  # the parameters share the vector's memory
        out += [r, list(m.parameters()), [id(p) for p in m.parameters()] == ids]
        return out
    ok(fn)
    same(lambda lib: lib.nn.utils.vector_to_parameters([1.0], []))


# -- parametrize ---------------------------------------------------------------------------

def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

    class Scale(lib.nn.Module):
        def __init__(self, s):
            super().__init__()
            self.s = s

        def forward(self, X):
            return X * self.s

        def right_inverse(self, X):
            return X / self.s
    return Symmetric, Scale


def test_register_parametrization():
    def fn(lib):
        P = lib.nn.utils.parametrize
        Symmetric, Scale = _symmetric(lib)
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 3)
        w0 = m.weight.detach().clone()
        r = P.register_parametrization(m, "weight", Symmetric())
        out = [r is m, type(m).__name__, type(m).__bases__[0].__name__,
               P.is_parametrized(m), P.is_parametrized(m, "weight"),
               P.is_parametrized(m, "bias"), P.type_before_parametrizations(m).__name__,
               m.weight, m.parametrizations.weight.original, repr(m), list(m.state_dict()),
               [n for n, _ in m.named_parameters()], (m.weight == m.weight.T).all().item(),
               (m.parametrizations.weight.original == w0).all().item()]
        y = m(lib.ones(2, 3))
        y.sum().backward()
        out += [y, m.parametrizations.weight.original.grad, m.weight.grad_fn.name()]
        P.register_parametrization(m, "weight", Scale(2.0))
        out += [m.weight, repr(m.parametrizations), list(m.state_dict())]
        try:  # right_inverse of the chain: Scale's, then Symmetric has none
            m.weight = lib.eye(3)
        except RuntimeError as e:
            out.append(str(e))
        return out
    ok(fn)


def test_parametrization_assignment_and_cached():
    def fn(lib):
        P = lib.nn.utils.parametrize
        _, Scale = _symmetric(lib)
        calls = []

        class Counted(Scale):
            def forward(self, X):
                calls.append(1)
                return super().forward(X)
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 2)
        P.register_parametrization(m, "weight", Counted(3.0))
        n0 = len(calls)
        m.weight = lib.ones(2, 2)
        out = [m.parametrizations.weight.original, m.weight]
        with P.cached():
            a = m.weight
            b = m.weight
            out.append(a is b)
        out.append(m.weight is m.weight)
        out.append(len(calls) - n0)
        return out
    ok(fn)


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations(leave):
    def fn(lib):
        P = lib.nn.utils.parametrize
        Symmetric, Scale = _symmetric(lib)
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 3)
        P.register_parametrization(m, "weight", Symmetric())
        P.register_parametrization(m, "bias", Scale(2.0))
        orig = m.parametrizations.weight.original
        r = P.remove_parametrizations(m, "weight", leave_parametrized=leave)
        out = [r is m, type(m).__name__, m.weight is orig, m.weight, list(m.state_dict()),
               type(m.weight).__name__]
        P.remove_parametrizations(m, "bias", leave_parametrized=leave)
        out += [type(m).__name__, hasattr(m, "parametrizations"), m.bias, repr(m),
                list(m.state_dict())]
        return out
    ok(fn)


@pytest.mark.parametrize("stmt", [
    "P.register_parametrization(m, 'nosuch', Sym())",
    "P.remove_parametrizations(m, 'weight')",
    "P.register_parametrization(m, 'bias', Sym())",
    "P.register_parametrization(m, 'weight', Bad())",
    "P.register_parametrization(m, 'weight', Bad(), unsafe=True); m.weight",
    "P.register_parametrization(m, 'weight', Sym()); "
    "P.register_parametrization(m, 'weight', Bad())",
    "P.register_parametrization(m, 'weight', Sym()); m.weight = lib.ones(3, 3)",
    "P.register_parametrization(m, 'weight', Sym()); m.weight = nn.Parameter(lib.ones(3, 3))",
    "P.register_parametrization(m, 'weight', Sym()); pickle.dumps(m)",
    "P.register_parametrization(m, 'weight', Sym()); c = copy.deepcopy(m); "
    "r = (type(c).__name__, list(c.state_dict()), (c.weight == m.weight).all().item())",
])
def test_parametrize_errors(stmt):
    def fn(lib):
        Symmetric, _ = _symmetric(lib)

        class Bad(lib.nn.Module):
            def forward(self, X):
                return X[0]
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 3)
        env = {"P": lib.nn.utils.parametrize, "m": m, "Sym": Symmetric, "Bad": Bad, "lib": lib,
               "nn": lib.nn, "pickle": pickle, "copy": copy, "r": None}
        exec(stmt, env)
        return env["r"]
    same(fn)


def test_parametrization_with_several_originals_and_load():
    def fn(lib):
        P = lib.nn.utils.parametrize

        class Split(lib.nn.Module):
            def forward(self, a, b):
                return a + b

            def right_inverse(self, X):
                return X * 0.25, X * 0.75
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 2)
        P.register_parametrization(m, "weight", Split())
        sd = m.state_dict()
        m2 = lib.nn.Linear(2, 2)
        P.register_parametrization(m2, "weight", Split())
        r = m2.load_state_dict(sd)
        return (list(sd), m.weight, m.parametrizations.weight.original0, repr(r),
                (m2.weight == m.weight).all().item(), m.parametrizations.weight.ntensors)
    ok(fn)


def test_parametrize_train_eval_propagates():
    def fn(lib):
        Symmetric, _ = _symmetric(lib)
        m = lib.nn.Linear(3, 3).eval()
        s = Symmetric()
        lib.nn.utils.parametrize.register_parametrization(m, "weight", s)
        out = [s.training]
        m.train()
        out.append(s.training)
        return out
    ok(fn)


# -- weight_norm / spectral_norm (parametrizations) ------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, -1, None, 2])
def test_weight_norm_parametrization(dim):
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Bilinear(3, 4, 5) if dim == 2 else lib.nn.Linear(4, 3)
        m = lib.nn.utils.parametrizations.weight_norm(m, dim=dim)
        pw = m.parametrizations.weight
        out = [list(m.state_dict()), pw.original0, pw.original1, m.weight, repr(m)]
        x = lib.arange(8.0).reshape(2, 4) / 8
        y = m(x[:, :3], lib.ones(2, 4)) if dim == 2 else m(x)
        (y ** 2).sum().backward()
        out += [y, pw.original0.grad, pw.original1.grad, m.bias.grad]
        lib.nn.utils.parametrize.remove_parametrizations(m, "weight")
        out += [m.weight, list(m.state_dict())]
        return out
    close(fn, rtol=1e-5, atol=1e-6)


def test_weight_norm_parametrization_loads_old_checkpoint():
    def fn(lib):
        lib.manual_seed(0)
        old = lib.nn.utils.weight_norm(lib.nn.Linear(3, 2))
        sd = old.state_dict()
        new = lib.nn.utils.parametrizations.weight_norm(lib.nn.Linear(3, 2))
        r = new.load_state_dict(sd)
        return list(sd), repr(r), new.weight
    close(fn)


@pytest.mark.parametrize("shape,dim", [((5, 3), None), ((3, 5), None), ((4, 3, 2), None),
                                       ((4, 3, 2), 1), ((6,), None), ((4, 3), -1)])
def test_spectral_norm_parametrization(shape, dim):
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.randn(shape))
        lib.nn.utils.parametrizations.spectral_norm(m, dim=dim, n_power_iterations=2)
        out = [list(m.state_dict()), type(m).__name__]
        w1 = m.weight  # training: one more power iteration
        out += [w1]
        if len(shape) > 1:
            sn = m.parametrizations.weight[0]
            out += [sn._u, sn._v]
        (w1 * lib.arange(float(w1.numel())).reshape(shape)).sum().backward()
        out += [m.parametrizations.weight.original.grad]
        m.eval()
        out += [m.weight, m.weight]
        out += [lib.rand(2)]  # same random draws
        return out
    close(fn, rtol=2e-5, atol=1e-6)


def test_spectral_norm_parametrization_errors():
    same(lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), "bias2"))
    same(lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2), dim=2))
    same(lambda lib: lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 2),
                                                                  n_power_iterations=0))


def test_spectral_norm_sigma_is_largest_singular_value():
    torcia.manual_seed(0)
    m = torcia.nn.utils.parametrizations.spectral_norm(torcia.nn.Linear(6, 4))
    for _ in range(20):
        w = m.weight
    s = np.linalg.svd(w.detach().numpy().astype(np.float64), compute_uv=False)
    assert abs(s[0] - 1.0) < 1e-4


# -- the hook-based weight_norm / spectral_norm ---------------------------------------------

@pytest.mark.parametrize("dim", [0, 1, None])
def test_old_weight_norm(dim):
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.utils.weight_norm(lib.nn.Linear(4, 3), dim=dim)
        out = [list(m.state_dict()), m.weight_g, m.weight_v, m.weight,
               [n for n, _ in m.named_parameters()], type(m.weight).__name__]
        y = m(lib.ones(2, 4))
        y.pow(2).sum().backward()
        out += [y, m.weight_g.grad, m.weight_v.grad]
        lib.nn.utils.remove_weight_norm(m)
        out += [m.weight, list(m.state_dict()), type(m.weight).__name__,
                len(m._forward_pre_hooks)]
        return out
    close(fn)


def test_old_weight_norm_warning_and_errors():
    same(lambda lib: lib.nn.utils.weight_norm(lib.nn.Linear(2, 2)).weight_g.shape, warns=True)
    same(lambda lib: lib.nn.utils.weight_norm(lib.nn.utils.weight_norm(lib.nn.Linear(2, 2))))
    same(lambda lib: lib.nn.utils.remove_weight_norm(lib.nn.Linear(2, 2)))


@pytest.mark.parametrize("shape,dim", [((5, 3), None), ((3, 5), 0), ((4, 3, 2), 1)])
def test_old_spectral_norm(shape, dim):
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Module()
        m.weight = lib.nn.Parameter(lib.randn(shape))
        m.forward = lambda: m.weight * 1
        lib.nn.utils.spectral_norm(m, dim=dim)
        sd = m.state_dict()
        out = [list(sd), list(sd._metadata.items()), m.weight_u, m.weight_v,
               [n for n, _ in m.named_parameters()]]
        y = m()
        (y * lib.arange(float(y.numel())).reshape(shape)).sum().backward()
        out += [y, m.weight_orig.grad, m.weight_u]
        m.eval()
        out += [m(), m.weight_u]
        m2 = lib.nn.Module()
        m2.weight = lib.nn.Parameter(lib.zeros(shape))
        lib.nn.utils.spectral_norm(m2, dim=dim)
        out += [repr(m2.load_state_dict(sd)), m2.weight_orig]
        lib.nn.utils.remove_spectral_norm(m)
        out += [m.weight, list(m.state_dict()), type(m.weight).__name__]
        return out
    close(fn, rtol=2e-5, atol=1e-6)


def test_old_spectral_norm_errors():
    same(lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2), n_power_iterations=0))
    same(lambda lib: lib.nn.utils.spectral_norm(lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2))))
    same(lambda lib: lib.nn.utils.remove_spectral_norm(lib.nn.Linear(2, 2)))
    same(lambda lib: lib.nn.utils.spectral_norm(lib.nn.Linear(2, 2, bias=False), "bias"))


def test_skip_init():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.utils.skip_init(lib.nn.Linear, 3, 2)
        return [p.shape for p in m.parameters()], lib.rand(2), type(m).__name__
    ok(fn)
    same(lambda lib: lib.nn.utils.skip_init(lib.nn.Identity))

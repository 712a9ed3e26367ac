"""nn.Module, Parameter/Buffer, containers and the Identity/Linear/Bilinear/Flatten layers
against PyTorch: registration, traversal, state_dict, modes, conversions, hooks, reprs,
copying and pickling, layer values and gradients."""

import copy
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import torcia

from ..same import assert_values, same


def names(it):
    return [n for n, _ in it]


def ok(fn, **kw):
    """``same(fn)`` for code that must run without error in both libraries."""
    r = same(fn, **kw)
    assert not isinstance(r, BaseException), f"both raised {type(r).__name__}: {r}"
    return r


def close(fn, rtol=1e-5, atol=1e-6):
    """``fn(torcia)`` matches ``fn(torch)``: same structure, tensors equal within tolerance
    (for results whose float rounding depends on the order of operations)."""
    def cmp(a, e, what):
        if isinstance(e, torch.Tensor):
            assert isinstance(a, torcia.Tensor), f"{what}: {type(a).__name__}"
            assert str(a.dtype) == str(e.dtype) and tuple(a.shape) == tuple(e.shape), what
            np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), rtol=rtol,
                                       atol=atol, err_msg=what)
        elif isinstance(e, (list, tuple)):
            assert type(a) is type(e) and len(a) == len(e), f"{what}: {a!r} != {e!r}"
            for i, (x, y) in enumerate(zip(a, e)):
                cmp(x, y, f"{what}[{i}]")
        else:
            assert a == e, f"{what}: {a!r} != {e!r}"
    cmp(fn(torcia), fn(torch), "result")


class TorchNet(torch.nn.Module):
    """Module-level models (pickle needs importable classes)."""

    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)
        self.register_buffer("steps", torch.zeros(1))
        self.register_buffer("tmp", torch.ones(1), persistent=False)

    def forward(self, x):
        return self.fc(x) * 2


class TorciaNet(torcia.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torcia.nn.Linear(3, 2)
        self.register_buffer("steps", torcia.zeros(1))
        self.register_buffer("tmp", torcia.ones(1), persistent=False)

    def forward(self, x):
        return self.fc(x) * 2


def picklable(lib):
    lib.manual_seed(0)
    return TorchNet() if lib is torch else TorciaNet()


def net(lib):
    """A small nested model: own parameter and buffers, Sequential, ModuleList, ModuleDict."""
    nn = lib.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(lib.ones(1))
            self.register_buffer("steps", lib.zeros(1, dtype=lib.long))
            self.register_buffer("cache", lib.zeros(2), persistent=False)
            self.features = nn.Sequential(nn.Linear(4, 3), nn.Identity(), nn.Linear(3, 3))
            self.blocks = nn.ModuleList([nn.Linear(3, 3), nn.Identity(), nn.Identity()])
            self.heads = nn.ModuleDict({"a": nn.Linear(3, 2), "b": nn.Bilinear(3, 3, 1)})

        def forward(self, x):
            x = self.features(x) * self.scale
            for b in self.blocks:
                x = b(x)
            return self.heads["a"](x).sum() + self.heads["b"](x, x).sum()
    lib.manual_seed(0)
    return Net()


def fresh(lib, *args):
    class M(lib.nn.Module):
        def __init__(self):
            super().__init__()
    return M()


# -- registration by assignment --------------------------------------------------------------

def test_assignment_registers_by_kind():
    def fn(lib):
        nn = lib.nn
        m = fresh(lib)
        m.p = nn.Parameter(lib.zeros(2))
        m.sub = nn.Linear(2, 2)
        m.b = nn.Buffer(lib.ones(3))
        m.nb = nn.Buffer(lib.ones(1), persistent=False)
        m.t = lib.zeros(1)  # a plain tensor is a plain attribute
        m.none = None
        return (list(m._parameters), list(m._modules), list(m._buffers),
                sorted(m._non_persistent_buffers_set), "t" in m.__dict__,
                list(m.state_dict()), type(m.b).__name__, isinstance(m.b, nn.Buffer),
                isinstance(lib.zeros(1), nn.Buffer), m.b.requires_grad)
    ok(fn)


def test_reassignment_between_kinds():
    def fn(lib):
        nn = lib.nn
        m = fresh(lib)
        out = []
        m.x = nn.Parameter(lib.zeros(2))
        try:
            m.x = nn.Linear(1, 1)    # a parameter's name takes only a Parameter or None
        except TypeError as e:
            out.append(str(e))
        del m.x
        m.x = nn.Linear(1, 1)
        out.append((list(m._parameters), list(m._modules)))
        m.x = nn.Parameter(lib.zeros(1))  # module -> parameter
        out.append((list(m._parameters), list(m._modules)))
        m.x = None                   # a registered parameter set to None stays registered
        out.append((list(m._parameters), m.x, list(m.parameters())))
        m.register_buffer("y", lib.zeros(1))
        m.y = lib.ones(2)            # a buffer stays a buffer
        out.append((list(m._buffers), m.y))
        m.y = nn.Parameter(lib.zeros(1))  # buffer -> parameter
        out.append((list(m._parameters), list(m._buffers)))
        m.z = 3
        m.z = nn.Linear(1, 1)        # plain attribute -> module
        out.append(("z" in m.__dict__, list(m._modules)))
        m.register_buffer("nb", lib.zeros(1), persistent=False)
        m.nb = lib.ones(1)
        out.append(sorted(m._non_persistent_buffers_set))
        m.nb = nn.Buffer(lib.ones(1))  # persistent again
        out.append(sorted(m._non_persistent_buffers_set))
        m.sub = nn.Linear(1, 1)
        m.sub = None
        out.append((list(m._modules), m.sub))
        del m.sub, m.y, m.nb
        out.append((list(m._modules), list(m._parameters), list(m._buffers)))
        return out
    ok(fn)


@pytest.mark.parametrize("stmt", [
    "m.p = lib.zeros(1)", "m.p = 3", "m.sub = lib.zeros(1)", "m.sub = 'x'", "m.b = 3",
    "m.b = nn.Linear(1, 1).weight.sum()",
    "m.register_buffer('a.b', lib.zeros(1))", "m.register_buffer('', lib.zeros(1))",
    "m.register_buffer(1, lib.zeros(1))", "m.register_buffer('p', lib.zeros(1))",
    "m.register_buffer('c', 3)", "m.register_buffer('c', [1.0])",
    "m.register_parameter('a.b', None)", "m.register_parameter('', None)",
    "m.register_parameter(2.0, None)", "m.register_parameter('b', None)",
    "m.register_parameter('c', lib.zeros(1))",
    "m.register_parameter('c', nn.Parameter(lib.zeros(1)) * 2)",
    "m.add_module('c', lib.zeros(1))", "m.add_module('c', 3)", "m.add_module(1, None)",
    "m.add_module('a.b', None)", "m.add_module('', None)", "m.add_module('p', None)",
    "m.register_module('q', [])", "m.nosuch", "m.get_submodule('sub.nosuch')",
    "m.get_submodule('p')", "m.get_submodule('sub.weight')", "m.get_parameter('sub.nosuch')",
    "m.get_parameter('b')", "m.get_parameter('x.weight')", "m.get_buffer('p')",
    "m.get_buffer('sub.nosuch')", "m.get_buffer('sub.weight')",
    "nn.Module()(1)", "nn.Module(1)", "nn.Module(a=1)",
    "m.train('yes')", "m.to(lib.long)", "m.to(lib.bool)", "m.load_state_dict([1])",
    "nn.Parameter([1.0])", "nn.Parameter(lib.zeros(1, dtype=lib.long))",
])
def test_registration_errors(stmt):
    def fn(lib):
        nn = lib.nn
        m = fresh(lib)
        m.p = nn.Parameter(lib.zeros(2))
        m.sub = nn.Linear(1, 1)
        m.register_buffer("b", lib.zeros(1))
        exec(stmt, {"m": m, "lib": lib, "nn": nn})
    same(fn)


def test_assignment_before_init():
    def fn(lib, what):
        nn = lib.nn

        class M(nn.Module):
            def __init__(self):
                if what == 0:
                    self.w = nn.Parameter(lib.zeros(1))
                elif what == 1:
                    self.w = nn.Linear(1, 1)
                elif what == 2:
                    self.register_buffer("w", lib.zeros(1))
                elif what == 3:
                    self.w = nn.Buffer(lib.zeros(1))
                elif what == 4:
                    self.register_parameter("w", None)
        M()
    for what in range(5):
        same(lambda lib: fn(lib, what))


def test_seed_000_typo_raises_what_torch_raises():
    # The seed writes ``super(ReteNeurale, self).__init()``; torch raises AttributeError.
    def fn(lib):
        nn = lib.nn

        class ReteNeurale(nn.Module):
            def __init__(self):
                super(ReteNeurale, self).__init()
                self.fc1 = nn.Linear(10, 5)
                self.fc2 = nn.Linear(5, 1)

            def forward(self, x):
                return self.fc2(lib.relu(self.fc1(x)))
        ReteNeurale()
    same(fn)


def test_seed_000_linear_shape_error():
    # The seed feeds nn.Linear(10, 5) a 5-element input.
    def fn(lib):
        lib.manual_seed(0)
        return lib.nn.Linear(10, 5)(lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    e = same(fn)
    assert "1x5" in str(e) and "10x5" in str(e)
    same(lambda lib: lib.nn.Linear(10, 5)(lib.ones(3, 5)))
    same(lambda lib: lib.nn.Linear(10, 5)(lib.ones(2, 3, 5)))
    same(lambda lib: lib.nn.Linear(10, 5, bias=False)(lib.ones(2, 5)))
    same(lambda lib: lib.nn.Linear(10, 5)(lib.ones(10, dtype=lib.float64)))


# -- traversal ---------------------------------------------------------------------------------

def test_traversal_order_and_prefixes():
    def fn(lib):
        m = net(lib)
        return (names(m.named_parameters()), names(m.named_parameters(prefix="model")),
                names(m.named_parameters(recurse=False)), names(m.named_buffers()),
                names(m.named_buffers(prefix="x", recurse=False)), names(m.named_children()),
                names(m.named_modules()), names(m.named_modules(prefix="root")),
                len(list(m.parameters())), len(list(m.buffers())), len(list(m.children())),
                len(list(m.modules())), [type(c).__name__ for c in m.children()],
                [type(c).__name__ for c in m.modules()])
    ok(fn)


def test_shared_parameters_and_modules():
    def fn(lib):
        nn = lib.nn
        lin = nn.Linear(2, 2)
        idt = nn.Identity()
        m = nn.Sequential(lin, idt, lin, idt)
        m.extra = nn.Parameter(lib.zeros(1))
        m.alias = m.extra
        m.register_buffer("buf", lib.zeros(1))
        m.buf2 = m.buf
        return (names(m.named_parameters()), names(m.named_parameters(remove_duplicate=False)),
                names(m.named_modules()), names(m.named_modules(remove_duplicate=False)),
                names(m.named_children()), names(m.named_buffers()),
                names(m.named_buffers(remove_duplicate=False)), list(m.state_dict()),
                len(list(m.parameters())))
    ok(fn)


def test_get_submodule_parameter_buffer():
    def fn(lib):
        m = net(lib)
        return (type(m.get_submodule("features.0")).__name__,
                m.get_submodule("") is m, m.get_parameter("heads.b.weight").shape,
                m.get_parameter("scale").shape, m.get_buffer("steps").dtype,
                m.get_buffer("cache").shape, m.get_submodule("blocks.1") is m.blocks[1])
    ok(fn)


def test_dir_and_getattr():
    def fn(lib):
        m = net(lib)
        d = dir(m)
        return ("scale" in d, "features" in d, "steps" in d, "forward" in d,
                "0" in dir(m.features), hasattr(m, "nosuch"))
    ok(fn)


# -- state_dict ------------------------------------------------------------------------------

def test_state_dict_keys_values_metadata():
    def fn(lib):
        m = net(lib)
        sd = m.state_dict()
        return (type(sd).__name__, list(sd), list(sd._metadata.items()), list(sd.values()),
                [type(v).__name__ for v in sd.values()],
                [v.requires_grad for v in m.state_dict(keep_vars=True).values()],
                [type(v).__name__ for v in m.state_dict(keep_vars=True).values()],
                list(m.state_dict(prefix="p.")), list(m.state_dict(prefix="p.")._metadata),
                list(m.features.state_dict()))
    ok(fn)


def test_state_dict_shares_memory_and_positional_warning():
    def fn(lib):
        m = lib.nn.Linear(2, 2)
        sd = m.state_dict()
        sd["weight"][0, 0] = 5.0
        d = OrderedDict()
        out = m.state_dict(d, "x.")
        return m.weight[0, 0].item(), out is d, list(d)
    ok(fn, warns=True)


def test_load_state_dict_roundtrip_and_strict():
    def fn(lib):
        a, b = net(lib), net(lib)
        with lib.no_grad():
            for p in a.parameters():
                p.add_(1.0)
        r = b.load_state_dict(a.state_dict())
        vals = [(p1 == p2).all().item() for p1, p2 in zip(a.parameters(), b.parameters())]
        return repr(r), str(r), r.missing_keys, r.unexpected_keys, vals, type(r).__name__, \
            tuple(r)
    ok(fn)


@pytest.mark.parametrize("edit", [
    "del sd['features.0.weight']",
    "sd['extra.weight'] = lib.zeros(1)",
    "del sd['scale']; sd['x'] = lib.zeros(1); sd['heads.c.bias'] = lib.zeros(1)",
    "sd['features.0.weight'] = lib.zeros(5, 4)",
    "sd['features.0.weight'] = lib.zeros(5, 4); del sd['steps']",
    "sd['cache'] = lib.zeros(2)",
    "sd['scale'] = 3.0",
    "sd['blocks.1.weight'] = lib.zeros(1)",
    "sd['steps'] = lib.zeros(1)",
])
@pytest.mark.parametrize("strict", [True, False])
def test_load_state_dict_mismatches(edit, strict):
    def fn(lib):
        a, b = net(lib), net(lib)
        sd = a.state_dict()
        exec(edit, {"sd": sd, "lib": lib})
        r = b.load_state_dict(sd, strict=strict)
        return repr(r), r.missing_keys, r.unexpected_keys, b.steps
    same(fn)


def test_load_state_dict_assign():
    def fn(lib):
        nn = lib.nn
        lib.manual_seed(1)
        m = nn.Linear(3, 2)
        m.register_buffer("b", lib.zeros(2))
        src = {"weight": lib.ones(2, 3, dtype=lib.float64), "bias": nn.Parameter(lib.ones(2)),
               "b": lib.ones(2)}
        w0 = m.weight
        m.load_state_dict(src, assign=True)
        return (m.weight is w0, type(m.weight).__name__, m.weight.dtype, m.weight.requires_grad,
                m.bias is src["bias"], m.b is src["b"], m.weight)
    ok(fn)


def test_load_state_dict_keeps_identity_and_dtype():
    def fn(lib):
        m = lib.nn.Linear(3, 2)
        w0 = m.weight
        m.load_state_dict({"weight": lib.ones(2, 3, dtype=lib.float64), "bias": lib.zeros(2)})
        return m.weight is w0, m.weight.dtype, m.weight, m.weight.requires_grad
    ok(fn)


def test_state_dict_hooks():
    def fn(lib):
        calls = []
        m = lib.nn.Sequential(lib.nn.Linear(1, 1))
        m[0].register_state_dict_pre_hook(lambda mod, prefix, keep: calls.append(("pre", prefix)))
        m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: calls.append(
            ("post", prefix, list(sd))))
        m.register_load_state_dict_post_hook(lambda mod, keys: calls.append(
            ("load", list(keys.missing_keys))))
        m.register_load_state_dict_pre_hook(lambda mod, sd, prefix, *a: calls.append(
            ("loadpre", prefix)))
        sd = m.state_dict()
        m.load_state_dict(sd)
        return calls
    ok(fn)


def test_incompatible_keys_repr():
    def fn(lib):
        m = lib.nn.Linear(1, 1)
        r = m.load_state_dict({"weight": lib.zeros(1, 1), "x": lib.zeros(1)}, strict=False)
        return repr(r), str(r), r == (["bias"], ["x"])
    ok(fn)


# -- modes and conversions -----------------------------------------------------------------

def test_train_eval_requires_grad_zero_grad():
    def fn(lib):
        m = net(lib)
        out = [m.training]
        r = m.eval()
        out += [r is m, [x.training for x in m.modules()]]
        m.features.train()
        out += [[x.training for x in m.modules()]]
        m.train(False)
        out += [[x.training for x in m.modules()]]
        r = m.requires_grad_(False)
        out += [r is m, [p.requires_grad for p in m.parameters()]]
        m.requires_grad_()
        m(lib.ones(2, 4)).backward()
        grads = [p.grad.clone() for p in m.parameters()]
        m.zero_grad(set_to_none=False)
        out += [[p.grad for p in m.parameters()], [g.shape for g in grads]]
        m.zero_grad()
        out += [[p.grad for p in m.parameters()]]
        return out
    ok(fn)


def test_apply_order():
    def fn(lib):
        m = net(lib)
        seen = []
        r = m.apply(lambda mod: seen.append(type(mod).__name__))
        return seen, r is m
    ok(fn)


@pytest.mark.parametrize("conv", ["m.double()", "m.float()", "m.half()", "m.to(lib.float64)",
                                  "m.to('cpu')", "m.to(lib.device('cpu'), lib.float64)",
                                  "m.to(dtype=lib.float16)",
                                  "m.to(lib.zeros(1, dtype=lib.float64))",
                                  "m.type(lib.float64)", "m.cpu()", "m.bfloat16()",
                                  "m.to(lib.complex64)"])
def test_conversions_keep_identity(conv):
    def fn(lib):
        m = net(lib)
        m(lib.ones(2, 4)).backward()
        ids = [id(p) for p in m.parameters()]
        r = eval(conv, {"m": m, "lib": lib})
        return (r is m, [id(p) for p in m.parameters()] == ids,
                [p.dtype for p in m.parameters()], [p.grad.dtype for p in m.parameters()],
                [b.dtype for b in m.buffers()], [p.requires_grad for p in m.parameters()],
                [p.is_leaf for p in m.parameters()], list(m.parameters()),
                [type(p).__name__ for p in m.parameters()])
    ok(fn)


def test_to_then_train():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 1).double()
        x = lib.ones(4, 3, dtype=lib.float64)
        m(x).sum().backward()
        with lib.no_grad():
            for p in m.parameters():
                p -= 0.1 * p.grad
        return list(m.parameters()), [p.grad for p in m.parameters()]
    ok(fn)


# -- forward hooks -----------------------------------------------------------------------------

def test_forward_hooks():
    def fn(lib):
        calls = []
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 2)
        h1 = m.register_forward_pre_hook(lambda mod, args: calls.append(("pre1", len(args))))
        m.register_forward_pre_hook(lambda mod, args: (args[0] * 2,))
        m.register_forward_pre_hook(lambda mod, args: calls.append("pre0"), prepend=True)
        m.register_forward_pre_hook(lambda mod, args, kwargs: calls.append(("prekw", kwargs)),
                                    with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: calls.append(("fwd", out.shape)))
        m.register_forward_hook(lambda mod, args, out: out + 1)
        m.register_forward_hook(lambda mod, args, kwargs, out: calls.append(("fwdkw", kwargs)),
                                with_kwargs=True)
        m.register_forward_hook(lambda mod, args, out: calls.append("first"), prepend=True)
        x = lib.ones(1, 2)
        y = m(x)
        h1.remove()
        y2 = m(x)
        return calls, y, y2
    ok(fn)


def test_forward_pre_hook_returns_single_value_and_kwargs():
    def fn(lib):
        m = lib.nn.Identity()
        m.register_forward_pre_hook(lambda mod, args: args[0] + 1)
        a = m(lib.zeros(2))
        b = lib.nn.Linear(2, 2, bias=False)
        b.weight.data.fill_(1.0)

        def kw(mod, args, kwargs):
            return (args[0] * 3,), kwargs
        b.register_forward_pre_hook(kw, with_kwargs=True)
        c = b(lib.ones(2))
        return a, c
    ok(fn)


def test_forward_hook_always_call():
    def fn(lib):
        calls = []

        class Bad(lib.nn.Module):
            def forward(self, x):
                raise ValueError("boom")
        m = Bad()
        m.register_forward_hook(lambda mod, args, out: calls.append(("always", out)),
                                always_call=True)
        m.register_forward_hook(lambda mod, args, out: calls.append("normal"))
        try:
            m(lib.zeros(1))
        except ValueError as e:
            calls.append(str(e))
        return calls
    ok(fn)


def test_global_forward_hooks():
    def fn(lib):
        from importlib import import_module
        mm = import_module(lib.__name__ + ".nn.modules.module")
        calls = []
        h = mm.register_module_forward_pre_hook(lambda mod, args: calls.append(
            ("gpre", type(mod).__name__)))
        h2 = mm.register_module_forward_hook(lambda mod, args, out: calls.append(
            ("gfwd", type(mod).__name__)))
        m = lib.nn.Sequential(lib.nn.Identity())
        m.register_forward_hook(lambda mod, args, out: calls.append("own"))
        m(lib.zeros(1))
        h.remove()
        h2.remove()
        m(lib.zeros(1))
        return calls
    ok(fn)


# -- backward hooks ----------------------------------------------------------------------------

def _grads(t):
    return None if t is None else tuple(None if g is None else g.clone() for g in t)


def test_full_backward_hooks_linear():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 2)
        calls = []
        m.register_full_backward_pre_hook(lambda mod, go: calls.append(("pre", _grads(go))))
        m.register_full_backward_hook(lambda mod, gi, go: calls.append(
            ("hook", _grads(gi), _grads(go))))
        x = lib.arange(6.0).reshape(2, 3).requires_grad_()
        (m(x) * lib.tensor([1.0, -2.0])).sum().backward()
        return calls, x.grad, m.weight.grad
    ok(fn)


def test_full_backward_hooks_input_without_grad():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(3, 2)
        calls = []
        m.register_full_backward_hook(lambda mod, gi, go: calls.append((_grads(gi),
                                                                        _grads(go))))
        (m(lib.ones(2, 3)) ** 2).sum().backward()
        return calls, m.weight.grad
    ok(fn)


def test_full_backward_hooks_modify_gradients():
    def fn(lib):
        lib.manual_seed(0)
        seq = lib.nn.Sequential(lib.nn.Linear(3, 3), lib.nn.Linear(3, 2))
        seq[1].register_full_backward_pre_hook(lambda mod, go: (go[0] * 10,))
        seq[1].register_full_backward_hook(lambda mod, gi, go: (gi[0] + 1,))
        calls = []
        seq.register_full_backward_hook(lambda mod, gi, go: calls.append((_grads(gi),
                                                                          _grads(go))))
        x = lib.ones(1, 3, requires_grad=True)
        seq(x).sum().backward()
        return calls, x.grad, [p.grad for p in seq.parameters()]
    ok(fn)


def test_full_backward_hook_bilinear_two_inputs():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Bilinear(2, 3, 2)
        calls = []
        m.register_full_backward_hook(lambda mod, gi, go: calls.append((_grads(gi),
                                                                        _grads(go))))
        a = lib.ones(4, 2, requires_grad=True)
        b = lib.arange(12.0).reshape(4, 3)
        m(a, b).pow(2).sum().backward()
        return calls, a.grad
    close(fn)


def test_backward_hook_handles_remove():
    def fn(lib):
        m = lib.nn.Linear(2, 2)
        calls = []
        h = m.register_full_backward_hook(lambda *a: calls.append(1))
        m(lib.ones(1, 2, requires_grad=True)).sum().backward()
        h.remove()
        m(lib.ones(1, 2, requires_grad=True)).sum().backward()
        return calls
    ok(fn)


# -- repr --------------------------------------------------------------------------------------

def test_repr_nested():
    def fn(lib):
        nn = lib.nn
        m = net(lib)
        m.empty = nn.Sequential()
        m.none = None
        m.flat = nn.Sequential(nn.Flatten(), nn.Unflatten(1, (2, 2)), nn.Flatten(0, 2))
        m.deep = nn.ModuleList([nn.Sequential(nn.Linear(1, 1)), nn.Sequential(nn.Linear(1, 1)),
                                nn.Linear(2, 1, bias=False)])
        m.ml = nn.ModuleList([nn.Identity()] * 3 + [nn.Linear(1, 1)] * 2 + [nn.Identity()])
        m.empty_list = nn.ModuleList()
        m.pl = nn.ParameterList([lib.zeros(2), nn.Parameter(lib.zeros(1, 3, dtype=lib.float64))])
        m.pd = nn.ParameterDict({"w": lib.zeros(2, 2), "v": nn.Parameter(lib.ones(1))})
        return repr(m), str(m.deep), repr(nn.ModuleList()), repr(nn.ModuleDict()), \
            repr(nn.ParameterList()), repr(nn.ParameterDict())
    ok(fn)


def test_repr_multiline_extra_repr():
    def fn(lib):
        class M(lib.nn.Module):
            def extra_repr(self):
                return "a=1\nb=2"

        class N(lib.nn.Module):
            def extra_repr(self):
                return "x=1"
        m = M()
        n = N()
        n.child = M()
        n.other = lib.nn.Linear(1, 1)
        return repr(m), repr(n)
    ok(fn)


def test_parameter_repr_and_attrs():
    def fn(lib):
        nn = lib.nn
        p = nn.Parameter(lib.tensor([1.0, 2.0]))
        q = nn.Parameter(lib.tensor([1.0]), requires_grad=False)
        e = nn.Parameter()
        i = nn.Parameter(lib.tensor([1, 2]), requires_grad=False)
        return (repr(p), repr(q), repr(e), repr(i), str(p), p.is_leaf, q.requires_grad,
                type(p * 2).__name__, type(p.detach()).__name__, type(p.data).__name__,
                type(p.clone()).__name__, isinstance(p, lib.Tensor), (p * 2).requires_grad,
                e.shape, e.dtype)
    ok(fn)


# -- copying and pickling ------------------------------------------------------------------

def test_parameter_deepcopy_and_pickle():
    def fn(lib):
        p = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        p.grad = lib.tensor([0.5, 0.5])
        q = copy.deepcopy(p)
        r = pickle.loads(pickle.dumps(p))
        n = pickle.loads(pickle.dumps(lib.nn.Parameter(lib.ones(1), requires_grad=False)))
        return (type(q).__name__, q, q.grad, q is p, q.data_ptr() == p.data_ptr(),
                type(r).__name__, r, r.requires_grad, r.grad, n.requires_grad,
                type(n).__name__)
    ok(fn)


def test_model_deepcopy_and_pickle():
    def fn(lib):
        m = picklable(lib)
        m(lib.ones(2, 3)).sum().backward()
        c = copy.deepcopy(m)
        p = pickle.loads(pickle.dumps(m))
        out = [repr(c) == repr(m), repr(p) == repr(m)]
        for other in (c, p):
            out.append([a is b for a, b in zip(m.parameters(), other.parameters())])
            out.append(list(other.state_dict().values()))
            out.append(list(other.state_dict()))
            out.append(sorted(other._non_persistent_buffers_set))
            out.append(other(lib.ones(2, 3)))
        out.append([g.grad for g in c.parameters()])
        return out
    ok(fn)


def test_deepcopy_shared_parameter_stays_shared():
    def fn(lib):
        lin = lib.nn.Linear(2, 2)
        m = lib.nn.Sequential(lin, lin)
        c = copy.deepcopy(m)
        return c[0] is c[1], c[0].weight is c[1].weight, len(list(c.parameters()))
    ok(fn)


# -- containers --------------------------------------------------------------------------------

def seq(lib):
    nn = lib.nn
    lib.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 3), nn.Identity(), nn.Linear(3, 1), nn.Flatten(0))


@pytest.mark.parametrize("expr", [
    "repr(s[0])", "repr(s[-1])", "repr(s[1:3])", "type(s[1:3]).__name__", "repr(s[::2])",
    "list(s[1:3]._modules)", "len(s)", "repr(s[4])", "repr(s[-5])", "s['a']",
    "repr(s + s)", "repr(s * 2)", "repr(2 * s)", "s * 0", "s + 1", "s * 'a'",
    "repr(s.append(nn.Identity()))", "repr(s.insert(1, nn.Identity()))",
    "repr(s.insert(-1, nn.Identity()))", "s.insert(9, nn.Identity())",
    "repr(s.extend([nn.Identity()]))", "repr(s.pop(1)), repr(s)", "repr(s.pop(-1)), repr(s)",
    "s.pop(7)", "s.append(3)", "s.insert(1, 3)",
    "[repr(x) for x in s]", "list(s._modules)", "s(lib.ones(4, 2))",
    # (names of three underscores are what PyTorch's compiler adds to its Module class once
    # another test has imported it)
    "[n for n in dir(s) if not n.startswith('___')][:3]", "list(reversed(s._modules))",
])
def test_sequential_api(expr):
    def fn(lib):
        s = seq(lib)
        return eval(expr, {"s": s, "lib": lib, "nn": lib.nn})
    same(fn)


@pytest.mark.parametrize("stmt", [
    "del s[1]", "del s[-1]", "del s[0:2]", "del s[::2]", "del s[5]",
    "s[1] = nn.Linear(1, 1)", "s[-1] = nn.Identity()", "s[9] = nn.Identity()", "s[0] = 3",
    "s += s", "s += nn.Sequential(nn.Identity())", "s *= 2", "s += [nn.Identity()]",
    "s.extend(nn.Sequential(nn.Identity()))",
    "s = nn.Sequential(OrderedDict([('a', nn.Linear(1, 1)), ('b', nn.Identity())])); del s[0]",
    "s = nn.Sequential(OrderedDict([('a', nn.Linear(1, 1)), ('b', nn.Identity())])); "
    "s.append(nn.Identity())",
    "s = nn.Sequential(OrderedDict([('a', nn.Linear(1, 1)), ('b', nn.Identity())])); "
    "s[1] = nn.Flatten()",
    "s = nn.Sequential(OrderedDict([('a', nn.Linear(1, 1))])) + nn.Sequential(nn.Identity())",
    "s = nn.Sequential(OrderedDict(a=nn.Identity()), nn.Identity())",
    "s = nn.Sequential(3)", "s = nn.Sequential({'a': nn.Identity()})",
])
def test_sequential_mutation(stmt):
    def fn(lib):
        s = seq(lib)
        env = {"s": s, "lib": lib, "nn": lib.nn, "OrderedDict": OrderedDict}
        exec(stmt, env)
        s = env["s"]
        return repr(s), list(s._modules), names(s.named_parameters())
    same(fn)


def ml(lib):
    nn = lib.nn
    return nn.ModuleList([nn.Linear(1, 2), nn.Identity(), nn.Linear(2, 2)])


@pytest.mark.parametrize("stmt", [
    "r = repr(m[0]), repr(m[-1]), repr(m[1:]), type(m[1:]).__name__, len(m)",
    "r = m[3]", "r = m[-4]", "r = m['0']",
    "m.append(nn.Identity())", "r = m.append(nn.Identity()) is m", "m.extend([nn.Identity()])",
    "m.extend(nn.Identity())", "m.insert(1, nn.Flatten())", "m.insert(-1, nn.Flatten())",
    "m.insert(0, nn.Flatten())", "m.insert(10, nn.Flatten())", "r = repr(m.pop(1))",
    "r = repr(m.pop(-1))", "del m[0]", "del m[-1]", "del m[1:]", "del m[::2]",
    "m[1] = nn.Flatten()", "m[-1] = nn.Flatten()", "m[5] = nn.Flatten()", "m[0] = 3",
    "m += [nn.Flatten()]", "r = repr(m + m)", "r = repr(m + [nn.Flatten()])",
    "m.append(3)", "m.extend(3)", "m(lib.ones(1))", "r = [repr(x) for x in m]",
    "r = nn.ModuleList(nn.Linear(1, 1) for _ in range(2))", "r = nn.ModuleList(3)",
    "r = [n for n in dir(m) if not n.startswith('___')][:5]",
    "r = m.__iadd__([nn.Identity()]) is m",
])
def test_modulelist_api(stmt):
    def fn(lib):
        m = ml(lib)
        env = {"m": m, "lib": lib, "nn": lib.nn, "r": None}
        exec(stmt, env)
        r = env["r"]
        return (r if not isinstance(r, lib.nn.Module) else repr(r)), repr(m), \
            list(m._modules), names(m.named_parameters())
    same(fn)


@pytest.mark.parametrize("stmt", [
    "r = list(d.keys()), [repr(v) for v in d.values()], [k for k in d], len(d), 'a' in d",
    "r = [(k, repr(v)) for k, v in d.items()]", "r = repr(d['b'])", "r = d['z']",
    "d['c'] = nn.Flatten()", "d['a'] = nn.Flatten()", "d['c'] = 3", "del d['a']",
    "del d['z']", "r = repr(d.pop('a'))", "r = d.pop('z')", "d.clear()",
    "d.update({'z': nn.Identity(), 'a': nn.Flatten()})",
    "d.update([('z', nn.Identity())])", "d.update([('z', nn.Identity(), 1)])",
    "d.update(3)", "d.update(OrderedDict([('y', nn.Identity()), ('x', nn.Identity())]))",
    "d.update(nn.ModuleDict({'q': nn.Identity()}))", "d(lib.ones(1))",
    "r = nn.ModuleDict([('b', nn.Identity()), ('a', nn.Identity())])",
    "r = nn.ModuleDict({'a.b': nn.Identity()})", "r = nn.ModuleDict({1: nn.Identity()})",
    "d['x.y'] = nn.Identity()", "r = d.get('a') if hasattr(d, 'get') else 'no get'",
    "d.b = nn.Flatten()",
])
def test_moduledict_api(stmt):
    def fn(lib):
        nn = lib.nn
        d = nn.ModuleDict({"b": nn.Linear(1, 1), "a": nn.Identity()})
        env = {"d": d, "lib": lib, "nn": nn, "r": None, "OrderedDict": OrderedDict}
        exec(stmt, env)
        r = env["r"]
        return (r if not isinstance(r, lib.nn.Module) else repr(r)), repr(d), \
            list(d._modules), names(d.named_parameters())
    same(fn)


@pytest.mark.parametrize("stmt", [
    "r = len(p), [type(x).__name__ for x in p], [x.requires_grad for x in p]",
    "r = p[0]", "r = p[-1]", "r = repr(p[0:1])", "r = p[5]", "p.append(lib.ones(1))",
    "p.append(3)", "p.append('s')", "p.extend([lib.ones(1), nn.Parameter(lib.ones(2))])",
    "p[0] = lib.ones(4)", "p[1] = nn.Parameter(lib.ones(4), requires_grad=False)",
    "p += [lib.ones(1)]", "r = [n for n, _ in p.named_parameters()]",
    "r = list(p.state_dict())", "p(1)", "r = p.extend(3)",
    "r = [n for n in dir(p) if not n.startswith('___')][:4]",
    "r = nn.ParameterList([lib.zeros(1, dtype=lib.long)])",
    "p.append(nn.Linear(1, 1))", "p.append(None)",
    "r = repr(p + p) if hasattr(p, '__add__') else 0",
])
def test_parameterlist_api(stmt):
    def fn(lib):
        nn = lib.nn
        p = nn.ParameterList([lib.zeros(2), nn.Parameter(lib.ones(3, 1))])
        env = {"p": p, "lib": lib, "nn": nn, "r": None}
        exec(stmt, env)
        r = env["r"]
        return (r if not isinstance(r, lib.nn.Module) else repr(r)), repr(p), \
            names(p.named_parameters()), list(p.state_dict())
    same(fn)


@pytest.mark.parametrize("stmt", [
    "r = list(p.keys()), [type(x).__name__ for x in p.values()], len(p), 'a' in p, list(p)",
    "r = [(k, v.shape) for k, v in p.items()]", "r = p['b']", "r = p['z']", "r = p.get('z', 3)",
    "p['c'] = lib.ones(1)", "p['c'] = 3", "p['a'] = nn.Parameter(lib.ones(2))", "del p['a']",
    "r = p.pop('a')", "p.update({'z': lib.ones(1)})", "p.update([('z', lib.ones(1))])",
    "r = p.setdefault('q', lib.ones(1)) if hasattr(p, 'setdefault') else 0",
    "r = list(p.state_dict())", "p(1)", "r = repr(p.copy()) if hasattr(p, 'copy') else 0",
    "r = [n for n, _ in p.named_parameters()]", "p.clear()",
    "r = list(p.fromkeys(['x', 'y'], lib.ones(1)).keys()) if hasattr(p, 'fromkeys') else 0",
    "r = repr(p | {'z': lib.ones(1)}) if hasattr(p, '__or__') else 0",
    "p['m'] = nn.Linear(1, 1)", "r = p.popitem() if hasattr(p, 'popitem') else 0",
])
def test_parameterdict_api(stmt):
    def fn(lib):
        nn = lib.nn
        p = nn.ParameterDict({"b": lib.zeros(2), "a": nn.Parameter(lib.ones(3, 1))})
        env = {"p": p, "lib": lib, "nn": nn, "r": None}
        exec(stmt, env)
        r = env["r"]
        return (r if not isinstance(r, lib.nn.Module) else repr(r)), repr(p), \
            names(p.named_parameters()), list(p.state_dict())
    same(fn)


# -- layers ------------------------------------------------------------------------------------

def test_linear_bilinear_seeded_init():
    def fn(lib):
        lib.manual_seed(3)
        a = lib.nn.Linear(7, 5)
        b = lib.nn.Linear(4, 6, bias=False)
        c = lib.nn.Bilinear(3, 4, 2)
        d = lib.nn.Bilinear(2, 2, 3, bias=False)
        e = lib.nn.Linear(3, 2, dtype=lib.float64)
        f = lib.nn.Linear(0, 2)
        return [list(x.parameters()) for x in (a, b, c, d, e, f)] + [b.bias, d.bias]
    ok(fn, warns=True)


def test_linear_reset_parameters_draws_like_torch():
    def fn(lib):
        lib.manual_seed(5)
        a = lib.nn.Linear(300, 10)
        a.reset_parameters()
        return a.weight, a.bias, lib.rand(2)
    ok(fn)


@pytest.mark.parametrize("shape", [(4, 5), (5,), (2, 3, 5), (0, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_values_and_grads(shape, bias):
    tm = torch.nn.Linear(5, 3, bias=bias)
    cm = torcia.nn.Linear(5, 3, bias=bias)
    cm.load_state_dict({k: torcia.from_numpy(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    tx, cx = torch.from_numpy(x).requires_grad_(), torcia.from_numpy(x).requires_grad_()
    ty, cy = tm(tx), cm(cx)
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), rtol=1e-6, atol=1e-6)
    assert type(cy.grad_fn).__name__ == type(ty.grad_fn).__name__
    g = np.random.default_rng(1).standard_normal(ty.shape).astype(np.float32)
    ty.backward(torch.from_numpy(g))
    cy.backward(torcia.from_numpy(g))
    for c, t in [(cx.grad, tx.grad)] + [(a.grad, b.grad) for a, b in zip(cm.parameters(),
                                                                         tm.parameters())]:
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)


def test_bilinear_values_and_grads():
    tm = torch.nn.Bilinear(3, 4, 2)
    cm = torcia.nn.Bilinear(3, 4, 2)
    cm.load_state_dict({k: torcia.from_numpy(v.detach().numpy().copy())
                        for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    for s1, s2 in [((5, 3), (5, 4)), ((3,), (4,)), ((2, 5, 3), (2, 5, 4))]:
        a, b = rng.standard_normal(s1).astype(np.float32), rng.standard_normal(s2).astype(
            np.float32)
        ta, tb = torch.from_numpy(a).requires_grad_(), torch.from_numpy(b).requires_grad_()
        ca, cb = torcia.from_numpy(a).requires_grad_(), torcia.from_numpy(b).requires_grad_()
        ty, cy = tm(ta, tb), cm(ca, cb)
        assert tuple(cy.shape) == tuple(ty.shape)
        np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), rtol=1e-5,
                                   atol=1e-5)
        ty.sum().backward()
        cy.sum().backward()
        for c, t in [(ca.grad, ta.grad), (cb.grad, tb.grad), (cm.weight.grad, tm.weight.grad),
                     (cm.bias.grad, tm.bias.grad)]:
            np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-5, atol=1e-5)
    same(lambda lib: lib.nn.Bilinear(3, 4, 2)(lib.ones(2, 3), lib.ones(2, 5)), match="")
    same(lambda lib: lib.nn.Bilinear(3, 4, 2)(lib.ones(2, 3), lib.ones(3, 4)), match="")


@pytest.mark.parametrize("expr", [
    "nn.Identity(3, a=1)(x)", "nn.Identity()(x) is x", "nn.Flatten()(x)", "nn.Flatten(0)(x)",
    "nn.Flatten(1, 2)(x)", "nn.Flatten(-2)(x)", "nn.Flatten(0, -1)(x)", "nn.Flatten(2, 1)(x)",
    "nn.Unflatten(1, (3, 1))(x)", "nn.Unflatten(-1, (2, 2))(x)", "nn.Unflatten(1, (-1, 3))(x)",
    "nn.Unflatten(1, [3, 1])(x)", "nn.Unflatten(1, (2, 2))(x)", "repr(nn.Unflatten(1, [3, 1]))",
    "repr(nn.Flatten(0, 2))", "repr(nn.Identity(4))", "nn.Flatten()(lib.ones(3))",
    "repr(nn.Linear(2, 3, bias=False))", "repr(nn.Bilinear(1, 2, 3))",
    "nn.Linear(3, 2).weight.shape", "nn.Bilinear(1, 2, 3).weight.shape",
    "nn.Linear(3, 2).in_features", "nn.Linear(2, 2, dtype=lib.float64).bias.dtype",
])
def test_small_layers(expr):
    def fn(lib):
        x = lib.arange(24.0).reshape(2, 3, 4)
        return eval(expr, {"nn": lib.nn, "lib": lib, "x": x})
    same(fn)


def test_flatten_unflatten_grad():
    def fn(lib):
        x = lib.arange(24.0).reshape(2, 3, 4).requires_grad_()
        y = lib.nn.Unflatten(1, (3, 4))(lib.nn.Flatten()(x) * 2)
        y.sum().backward()
        return y, x.grad
    ok(fn)


def test_module_forward_missing():
    same(lambda lib: lib.nn.Module()(lib.zeros(1)))
    same(lambda lib: lib.nn.ModuleList()(lib.zeros(1)))


def test_custom_module_seed_program():
    # Seed 000's ReteNeurale, as a user would fix the typo, and its training loop.
    def fn(lib):
        nn = lib.nn

        class ReteNeurale(nn.Module):
            def __init__(self):
                super(ReteNeurale, self).__init__()
                self.fc1 = nn.Linear(10, 5)
                self.fc2 = nn.Linear(5, 1)

            def forward(self, x):
                x = lib.relu(self.fc1(x))
                x = self.fc2(x)
                return x
        lib.manual_seed(0)
        modello = ReteNeurale()
        x = lib.arange(10.0) / 10
        for _ in range(5):
            out = modello(x)
            loss = ((out - lib.tensor([2.0])) ** 2).mean()
            modello.zero_grad()
            loss.backward()
            with lib.no_grad():
                for p in modello.parameters():
                    p -= 0.01 * p.grad
        return repr(modello), [p.detach() for p in modello.parameters()], loss.detach()
    t = fn(torch)
    c = fn(torcia)
    assert t[0] == c[0]
    for a, b in zip(c[1] + [c[2]], t[1] + [t[2]]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)


def test_buffers_follow_state_dict_and_to():
    def fn(lib):
        m = net(lib)
        m.double()
        return [b.dtype for b in m.buffers()], list(m.state_dict()), m.cache.dtype
    ok(fn)


def test_extra_state():
    def fn(lib):
        class M(lib.nn.Module):
            def __init__(self):
                super().__init__()
                self.v = 1

            def get_extra_state(self):
                return {"v": self.v}

            def set_extra_state(self, state):
                self.v = state["v"] + 1
        a = M()
        sd = a.state_dict()
        b = M()
        b.load_state_dict(sd)
        return list(sd), sd["_extra_state"], b.v
    ok(fn)


def test_values_of_net_match_torch():
    def fn(lib):
        m = net(lib)
        x = lib.arange(8.0).reshape(2, 4) / 8
        y = m(x)
        y.backward()
        return y.detach(), [p.grad for p in m.parameters()]
    t, c = fn(torch), fn(torcia)
    np.testing.assert_allclose(c[0].numpy(), t[0].numpy(), rtol=1e-5)
    for a, b in zip(c[1], t[1]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-4, atol=1e-6)
    assert_values(net(torcia).heads.b.weight, net(torch).heads.b.weight)


def test_backward_hook_graph_and_warning():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 2)
        m.register_full_backward_hook(lambda *a: None)
        x = lib.ones(1, 2, requires_grad=True)
        y = m(x)
        z = m(lib.ones(1, 2))
        z.sum().backward()
        return (y.grad_fn.name(), y.grad_fn.next_functions[0][0].name(),
                z.grad_fn.name(), y.requires_grad)
    ok(fn, warns=True)


def test_backward_hook_tuple_output():
    def fn(lib):
        class Split(lib.nn.Module):
            def forward(self, x, scale):
                return x * 2, x * scale, 3
        m = Split()
        calls = []
        m.register_full_backward_hook(lambda mod, gi, go: calls.append((_grads(gi),
                                                                        _grads(go))))
        m.register_full_backward_pre_hook(lambda mod, go: calls.append(_grads(go)))
        x = lib.arange(3.0, requires_grad=True)
        a, b, c = m(x, 5.0)
        (a.sum() + (b * b).sum()).backward()
        return calls, x.grad, c
    ok(fn)


def test_backward_hook_bad_return():
    def fn(lib):
        m = lib.nn.Linear(2, 2)
        m.register_full_backward_hook(lambda mod, gi, go: (gi[0], gi[0]))
        m(lib.ones(1, 2, requires_grad=True)).sum().backward()
    same(fn)


def test_non_full_backward_hook():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 2)
        calls = []
        m.register_backward_hook(lambda mod, gi, go: calls.append((len(gi), _grads(go))))
        m(lib.ones(1, 2, requires_grad=True)).sum().backward()
        try:
            m.register_full_backward_hook(lambda *a: None)
        except RuntimeError as e:
            calls.append(str(e))
        return calls
    ok(fn)


def test_set_submodule_and_to_empty():
    def fn(lib):
        m = net(lib)
        m.set_submodule("features.1", lib.nn.Flatten())
        m.set_submodule("heads.c", lib.nn.Identity())
        try:
            m.set_submodule("heads.d", lib.nn.Identity(), strict=True)
        except AttributeError as e:
            err = str(e)
        m.to_empty(device="cpu")
        return repr(m), err, [p.shape for p in m.parameters()]
    ok(fn)


def test_parameter_in_module_after_training_step_keeps_identity():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Linear(4, 1))
        params = list(m.parameters())
        sd = {k: v.clone() for k, v in m.state_dict().items()}
        m(lib.ones(2, 3)).sum().backward()
        with lib.no_grad():
            for p in m.parameters():
                p.mul_(0)
        m.load_state_dict(sd)
        return [a is b for a, b in zip(params, m.parameters())], list(m.parameters())
    ok(fn)

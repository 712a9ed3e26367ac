"""Normalization against PyTorch: F.batch_norm / layer_norm / group_norm / instance_norm /
rms_norm / local_response_norm (values, gradients, gradcheck, double backward, node names,
errors) and the BatchNorm / InstanceNorm / LayerNorm / GroupNorm / RMSNorm /
LocalResponseNorm layers (running statistics over several steps, train/eval, state_dict,
repr)."""

import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import torcia
from torcia.autograd import gradgradcheck

from ..ops.opcheck import check, check_error
from ..same import same

RNG = np.random.default_rng(7)


def F(lib):
    return lib.nn.functional


def stats(lib, c, dtype=None):
    """Running mean and variance (fixed values) for eval-mode batch norm."""
    dt = dtype or lib.float32
    return (lib.tensor(np.linspace(-0.5, 0.5, c), dtype=dt),
            lib.tensor(np.linspace(0.5, 2.0, c), dtype=dt))


# -- functional: values, gradients, gradcheck ----------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 2, 3), (2, 3, 2, 2, 2)])
def test_batch_norm_training(shape):
    check(lambda lib, x, w, b: F(lib).batch_norm(x, None, None, w, b, training=True),
          [shape, (3,), (3,)])
    check(lambda lib, x: F(lib).batch_norm(x, None, None, training=True, eps=1e-3), [shape])


@pytest.mark.parametrize("shape", [(4, 3), (4, 3, 5), (2, 3, 2, 3)])
def test_batch_norm_eval(shape):
    def fn(lib, x, w, b):
        rm, rv = stats(lib, 3, x.dtype)
        return F(lib).batch_norm(x, rm, rv, w, b, training=False)
    check(fn, [shape, (3,), (3,)])
    check(lambda lib, x: F(lib).batch_norm(x, *stats(lib, 3, x.dtype)), [shape])


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0, 0.0])
def test_batch_norm_updates_running_stats(momentum):
    def fn(lib, x, w, b):
        rm, rv = stats(lib, 3, x.dtype)
        out = F(lib).batch_norm(x, rm, rv, w, b, training=True, momentum=momentum)
        return out, rm, rv
    check(fn, [(5, 3, 4), (3,), (3,)], gradcheck=False)  # (the stats have no gradient)


def test_batch_norm_float64_and_no_affine():
    check(lambda lib, x: F(lib).batch_norm(x, None, None, training=True), [(4, 3, 2)],
          dtype="float64", atol=1e-12, rtol=1e-10)
    check(lambda lib, x, w: F(lib).batch_norm(x, None, None, w, training=True),
          [(4, 3, 2), (3,)])
    check(lambda lib, x, b: F(lib).batch_norm(x, None, None, None, b, training=True),
          [(4, 3, 2), (3,)])


@pytest.mark.parametrize("shape,norm", [((4, 5), (5,)), ((2, 3, 5), (5,)), ((2, 3, 5), (3, 5)),
                                        ((2, 3, 2, 4), (2, 4)), ((6,), (6,))])
def test_layer_norm(shape, norm):
    check(lambda lib, x, w, b: F(lib).layer_norm(x, norm, w, b), [shape, norm, norm])
    check(lambda lib, x: F(lib).layer_norm(x, list(norm), eps=1e-2), [shape])
    check(lambda lib, x, w: F(lib).layer_norm(x, norm, w), [shape, norm])


@pytest.mark.parametrize("shape,groups", [((4, 6, 5), 3), ((2, 4, 2, 3), 2), ((3, 4), 2),
                                          ((2, 6, 3), 1), ((2, 4, 2, 2, 2), 2)])
def test_group_norm(shape, groups):
    c = shape[1]
    check(lambda lib, x, w, b: F(lib).group_norm(x, groups, w, b), [shape, (c,), (c,)])
    check(lambda lib, x: F(lib).group_norm(x, groups, eps=1e-3), [shape])


@pytest.mark.parametrize("shape", [(2, 4, 5), (2, 3, 2, 3), (1, 2, 2, 2, 2)])
def test_instance_norm(shape):
    c = shape[1]
    check(lambda lib, x, w, b: F(lib).instance_norm(x, weight=w, bias=b), [shape, (c,), (c,)])
    check(lambda lib, x: F(lib).instance_norm(x), [shape])


def test_instance_norm_running_stats():
    def train(lib, x, w, b):
        rm, rv = stats(lib, 4, x.dtype)
        return F(lib).instance_norm(x, rm, rv, w, b, use_input_stats=True, momentum=0.3), rm, rv

    def evaluate(lib, x, w, b):
        rm, rv = stats(lib, 4, x.dtype)
        return F(lib).instance_norm(x, rm, rv, w, b, use_input_stats=False)
    check(train, [(3, 4, 5), (4,), (4,)], gradcheck=False)
    check(evaluate, [(3, 4, 5), (4,), (4,)])


@pytest.mark.parametrize("shape,norm", [((2, 4, 5), (5,)), ((2, 4, 5), (4, 5)), ((3,), (3,))])
def test_rms_norm(shape, norm):
    check(lambda lib, x, w: F(lib).rms_norm(x, norm, w), [shape, norm])
    check(lambda lib, x: F(lib).rms_norm(x, list(norm)), [shape])
    check(lambda lib, x, w: F(lib).rms_norm(x, norm, w, eps=1e-3), [shape, norm])
    check(lambda lib, x: F(lib).rms_norm(x, norm), [shape], dtype="float64", atol=1e-12)


@pytest.mark.parametrize("shape,size", [((2, 5, 4), 3), ((2, 5, 4), 2), ((2, 4, 3, 2), 5),
                                        ((1, 3, 2, 2, 2), 1)])
def test_local_response_norm(shape, size):
    check(lambda lib, x: F(lib).local_response_norm(x, size), [shape])
    check(lambda lib, x: F(lib).local_response_norm(x, size, alpha=0.5, beta=0.6, k=2.0),
          [shape])


def test_half_inputs():
    for dtype in ("float16", "bfloat16"):
        check(lambda lib, x: F(lib).layer_norm(x, (5,)), [(3, 5)], dtype=dtype, atol=2e-2,
              rtol=2e-2, grad=False)
        check(lambda lib, x: F(lib).batch_norm(x, None, None, training=True), [(3, 5)],
              dtype=dtype, atol=2e-2, rtol=2e-2, grad=False)


def test_half_batch_norm_of_nearly_equal_values():
    """A channel whose values nearly agree: PyTorch normalizes with the batch mean rounded to
    the input's dtype, which decides the output's leading digits here."""
    x = np.array([[0.494, 1.5, -0.236], [0.5016, 1.53, -0.258], [0.5158, 1.27, -0.282]],
                 np.float32)
    for dt in ("bfloat16", "float16"):
        ours = torcia.nn.functional.batch_norm(torcia.tensor(x).to(getattr(torcia, dt)), None,
                                               None, training=True).float().numpy()
        theirs = torch.nn.functional.batch_norm(torch.tensor(x).to(getattr(torch, dt)), None,
                                                None, training=True).float().numpy()
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=8e-3, err_msg=dt)


def test_node_names():
    def names(lib):
        x = lib.ones(3, 2, 4, requires_grad=True) * lib.arange(24.).view(3, 2, 4)
        w = lib.ones(2, requires_grad=True)
        rm, rv = lib.zeros(2), lib.ones(2)
        f = F(lib)
        return [f.batch_norm(x, None, None, w, training=True).grad_fn.name(),
                f.batch_norm(x, rm, rv, w).grad_fn.name(),
                f.layer_norm(x, (4,)).grad_fn.name(),
                f.group_norm(x, 2, w).grad_fn.name(),
                f.instance_norm(x).grad_fn.name(),
                f.rms_norm(x, (4,)).grad_fn.name(),
                f.local_response_norm(x, 2).grad_fn.name()]
    same(names)


# -- double backward -------------------------------------------------------------------------
def close(fn, rtol=1e-5, atol=1e-6):
    """``fn(torcia)`` and ``fn(torch)`` give tensors equal within tolerance."""
    a, e = fn(torcia), fn(torch)
    _compare(a, e, "result", atol, rtol)


def _f64(*shape):
    return torcia.tensor(RNG.standard_normal(shape), requires_grad=True)


def test_double_backward():
    f = torcia.nn.functional
    x, w, b = _f64(4, 3, 2), _f64(3), _f64(3)
    assert gradgradcheck(lambda x, w, b: f.batch_norm(x, None, None, w, b, training=True),
                         (x, w, b))
    rm, rv = stats(torcia, 3, torcia.float64)
    assert gradgradcheck(lambda x, w, b: f.batch_norm(x, rm, rv, w, b), (x, w, b))
    x, w, b = _f64(2, 3, 4), _f64(4), _f64(4)
    assert gradgradcheck(lambda x, w, b: f.layer_norm(x, (4,), w, b), (x, w, b))
    x, w, b = _f64(2, 4, 3), _f64(4), _f64(4)
    assert gradgradcheck(lambda x, w, b: f.group_norm(x, 2, w, b), (x, w, b))
    assert gradgradcheck(lambda x, w, b: f.instance_norm(x, weight=w, bias=b), (x, w, b))
    assert gradgradcheck(lambda x: f.rms_norm(x, (3,)), (x,))


def test_second_derivative_matches_torch():
    def fn(lib):
        x = lib.tensor(np.linspace(-1, 2, 24).reshape(4, 3, 2) ** 2, requires_grad=True)
        w = lib.tensor([0.5, 1.5, -1.0], dtype=lib.float64, requires_grad=True)
        y = F(lib).batch_norm(x, None, None, w, training=True)
        (g,) = lib.autograd.grad((y * y.detach().cos()).sum(), x, create_graph=True)
        return lib.autograd.grad(g.pow(2).sum(), (x, w))
    a, e = fn(torcia), fn(torch)
    for u, v in zip(a, e):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-8, atol=1e-10)


# -- functional errors ---------------------------------------------------------------------------
def _errors():
    z = "lib.zeros"
    return [
        f"F(lib).batch_norm(x, {z}(4), lib.ones(3))",
        f"F(lib).batch_norm(x, {z}(3), lib.ones(4))",
        f"F(lib).batch_norm(x, {z}(3), lib.ones(3), lib.ones(4))",
        f"F(lib).batch_norm(x, {z}(3), lib.ones(3), None, lib.ones(4))",
        "F(lib).batch_norm(x, None, None, training=False)",
        "F(lib).batch_norm(x[:1, :, :1], None, None, training=True)",
        "F(lib).batch_norm(x, None, None, training=True, eps=0)",
        f"F(lib).batch_norm(x, {z}(3), lib.ones(3), eps=-1)",
        f"F(lib).batch_norm(x.long(), {z}(3), lib.ones(3))",
        f"F(lib).batch_norm(x.double(), {z}(3), lib.ones(3), lib.ones(3))",
        "F(lib).layer_norm(x, (4,))",
        "F(lib).layer_norm(x, (5,), lib.ones(4))",
        "F(lib).layer_norm(x, (5,), None, lib.ones(4))",
        "F(lib).layer_norm(x, ())",
        "F(lib).layer_norm(x, 5)",
        "F(lib).rms_norm(x, 5)",
        "F(lib).layer_norm(x, (2, 4, 3, 5))",
        "F(lib).group_norm(x, 2)",
        "F(lib).group_norm(x, 3, lib.ones(4))",
        "F(lib).group_norm(x[0, 0], 1)",
        "F(lib).group_norm(x[:1, :, 0], 3)",
        "F(lib).rms_norm(x, (4,))",
        "F(lib).rms_norm(x, (5,), lib.ones(4))",
        "F(lib).instance_norm(x, use_input_stats=False)",
        "F(lib).instance_norm(x[:, :, :1])",
        "F(lib).instance_norm(x, weight=lib.ones(4))",
        "F(lib).local_response_norm(x[0], 2)",
    ]


@pytest.mark.parametrize("expr", _errors())
def test_errors(expr):
    check_error(lambda lib, x: eval(expr, {"F": F, "lib": lib, "x": x}), [(4, 3, 5)])


# -- modules ---------------------------------------------------------------------------------
def _pair(name, *args, **kwargs):
    """The torch and torcia modules of one constructor call, torcia loaded from torch."""
    m_t = getattr(torch.nn, name)(*args, **kwargs)
    m_c = getattr(torcia.nn, name)(*args, **kwargs)
    with torch.no_grad():
        for p in m_t.parameters():
            p.copy_(torch.from_numpy(RNG.uniform(0.5, 1.5, tuple(p.shape)).astype(np.float32)))
    m_c.load_state_dict(OrderedDict(
        (k, torcia.from_numpy(v.detach().numpy().copy())) for k, v in m_t.state_dict().items()))
    return m_t, m_c


def _compare(a, e, what, atol=1e-5, rtol=1e-5):
    if e is None:
        assert a is None, f"{what}: torch has None"
        return
    assert str(a.dtype) == str(e.dtype), f"{what}: dtype {a.dtype} != {e.dtype}"
    assert tuple(a.shape) == tuple(e.shape), f"{what}: shape {a.shape} != {e.shape}"
    np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), atol=atol, rtol=rtol,
                               err_msg=what)


def run_steps(m_t, m_c, shape, steps=3, train=True):
    """Forward and backward ``steps`` batches through both modules, comparing outputs,
    input and parameter gradients, and all buffers after every step."""
    m_t.train(train)
    m_c.train(train)
    for step in range(steps):
        x = RNG.standard_normal(shape).astype(np.float32) * 2 + step
        up = RNG.standard_normal(shape).astype(np.float32)
        xt = torch.from_numpy(x).requires_grad_(True)
        xc = torcia.from_numpy(x.copy()).requires_grad_(True)
        yt, yc = m_t(xt), m_c(xc)
        _compare(yc, yt, f"step {step} output")
        yt.backward(torch.from_numpy(up))
        yc.backward(torcia.from_numpy(up.copy()))
        _compare(xc.grad, xt.grad, f"step {step} input grad", atol=1e-4, rtol=1e-4)
        for (n, pt), (_, pc) in zip(m_t.named_parameters(), m_c.named_parameters()):
            _compare(pc.grad, pt.grad, f"step {step} grad of {n}", atol=1e-4, rtol=1e-4)
            pt.grad = None
            pc.grad = None
        bt, bc = dict(m_t.named_buffers()), dict(m_c.named_buffers())
        assert list(bt) == list(bc)
        for n in bt:
            _compare(bc[n], bt[n], f"step {step} buffer {n}")


BN_CASES = [
    ("BatchNorm1d", (3,), {}, (5, 3)),
    ("BatchNorm1d", (3,), {}, (4, 3, 6)),
    ("BatchNorm1d", (3,), {"momentum": None}, (4, 3, 6)),
    ("BatchNorm1d", (3,), {"affine": False}, (5, 3)),
    ("BatchNorm1d", (3,), {"track_running_stats": False}, (5, 3)),
    ("BatchNorm1d", (3,), {"bias": False, "eps": 1e-3, "momentum": 0.3}, (5, 3)),
    ("BatchNorm2d", (3,), {}, (2, 3, 4, 4)),
    ("BatchNorm2d", (3,), {"momentum": None, "affine": False}, (2, 3, 4, 4)),
    ("BatchNorm3d", (2,), {}, (2, 2, 3, 2, 2)),
    ("InstanceNorm1d", (3,), {}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True, "track_running_stats": True}, (2, 3, 5)),
    ("InstanceNorm1d", (3,), {"affine": True}, (3, 5)),
    ("InstanceNorm2d", (3,), {"affine": True, "momentum": 0.4,
                              "track_running_stats": True}, (2, 3, 3, 3)),
    ("InstanceNorm3d", (2,), {"affine": True}, (2, 2, 2, 3, 2)),
    ("LayerNorm", (5,), {}, (3, 5)),
    ("LayerNorm", ((3, 5),), {"bias": False}, (2, 3, 5)),
    ("LayerNorm", ([5],), {"elementwise_affine": False, "eps": 1e-3}, (2, 3, 5)),
    ("GroupNorm", (2, 4), {}, (3, 4, 5)),
    ("GroupNorm", (2, 4), {"affine": False}, (3, 4, 5)),
    ("GroupNorm", (1, 4), {"bias": False}, (3, 4, 2, 2)),
    ("RMSNorm", (5,), {}, (3, 5)),
    ("RMSNorm", ([3, 5],), {"eps": 1e-3}, (2, 3, 5)),
    ("RMSNorm", (5,), {"elementwise_affine": False}, (3, 5)),
    ("LocalResponseNorm", (3,), {}, (2, 5, 3)),
    ("LocalResponseNorm", (2,), {"alpha": 0.1, "k": 2.0}, (2, 4, 3, 3)),
]


@pytest.mark.parametrize("name,args,kwargs,shape", BN_CASES)
def test_module_train_then_eval(name, args, kwargs, shape):
    m_t, m_c = _pair(name, *args, **kwargs)
    run_steps(m_t, m_c, shape, steps=3, train=True)
    run_steps(m_t, m_c, shape, steps=1, train=False)


@pytest.mark.parametrize("name,args,kwargs,shape", BN_CASES)
def test_module_repr_and_state_dict(name, args, kwargs, shape):
    def fn(lib):
        m = getattr(lib.nn, name)(*args, **kwargs)
        sd = m.state_dict()
        return (repr(m), list(sd), [(str(v.dtype), tuple(v.shape)) for v in sd.values()],
                [n for n, _ in m.named_parameters()], [n for n, _ in m.named_buffers()])
    same(fn)


def test_seeded_defaults():
    def fn(lib):
        lib.manual_seed(0)
        ms = [lib.nn.BatchNorm2d(3), lib.nn.LayerNorm(4), lib.nn.GroupNorm(2, 4),
              lib.nn.RMSNorm(4), lib.nn.InstanceNorm1d(3, affine=True,
                                                      track_running_stats=True)]
        return [t.detach() for m in ms for t in m.state_dict().values()]
    same(fn)


def test_batchnorm_details():
    def fn(lib):
        m = lib.nn.BatchNorm1d(3, momentum=None)
        x = lib.tensor(np.arange(12.0).reshape(4, 3) ** 1.5, dtype=lib.float32)
        for _ in range(3):
            m(x * 0.5)
        m.eval()
        y = m(x)
        m.reset_running_stats()
        return (m.num_batches_tracked, m.num_batches_tracked.dtype, y.shape, m.running_var,
                m.training)
    same(fn)
    # eval without running stats normalizes with the batch's statistics
    close(lambda lib: lib.nn.BatchNorm1d(2, track_running_stats=False).eval()(
        lib.tensor([[1., 2.], [3., 5.]])))


def test_batchnorm_loads_old_state_dict():
    def fn(lib):
        m = lib.nn.BatchNorm1d(2)
        sd = OrderedDict([("weight", lib.ones(2)), ("bias", lib.zeros(2)),
                          ("running_mean", lib.ones(2)), ("running_var", lib.ones(2))])
        sd._metadata = OrderedDict([("", {"version": 1})])
        keys = m.load_state_dict(sd)
        return repr(keys), m.num_batches_tracked, m.running_mean
    same(fn)
    # a current state dict without the counter is missing a key
    same(lambda lib: repr(lib.nn.BatchNorm1d(2).load_state_dict(
        OrderedDict((k, v) for k, v in lib.nn.BatchNorm1d(2).state_dict().items()
                    if k != "num_batches_tracked"))))


def test_instancenorm_old_state_dict_and_warning():
    def fn(lib):
        m = lib.nn.InstanceNorm1d(2)
        sd = OrderedDict([("running_mean", lib.zeros(2)), ("running_var", lib.ones(2))])
        sd._metadata = OrderedDict([("", {})])
        return repr(m.load_state_dict(sd))
    same(fn)
    same(lambda lib: lib.nn.InstanceNorm1d(4)(lib.ones(2, 3, 5)), warns=True)


@pytest.mark.parametrize("expr", [
    "lib.nn.BatchNorm1d(3)(lib.ones(2, 3, 4, 5))",
    "lib.nn.BatchNorm2d(3)(lib.ones(2, 3, 4))",
    "lib.nn.BatchNorm3d(3)(lib.ones(2, 3, 4))",
    "lib.nn.BatchNorm1d(4)(lib.ones(2, 3, 4))",
    "lib.nn.BatchNorm1d(3)(lib.ones(1, 3))",
    "lib.nn.InstanceNorm1d(4, affine=True)(lib.ones(2, 3, 4))",
    "lib.nn.InstanceNorm1d(4)(lib.ones(2, 3, 4, 5))",
    "lib.nn.InstanceNorm2d(4)(lib.ones(2, 3))",
    "lib.nn.InstanceNorm3d(4)(lib.ones(2, 3))",
    "lib.nn.GroupNorm(2, 3)",
    "lib.nn.GroupNorm(2, 4)(lib.ones(2, 6, 3))",
    "lib.nn.LayerNorm(3)(lib.ones(2, 4))",
    "lib.nn.RMSNorm(3)(lib.ones(2, 4))",
    "lib.nn.LocalResponseNorm(2)(lib.ones(2, 4))",
])
def test_module_errors(expr):
    same(lambda lib: eval(expr, {"lib": lib}))


def test_inplace_change_after_forward_is_caught():
    def fn(lib):
        x = lib.ones(4, 3, requires_grad=True) * lib.arange(12.).view(4, 3)
        y = lib.nn.functional.layer_norm(x, (3,))
        x.add_(1)
        y.sum().backward()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(fn, match="modified by an inplace operation")

"""Every optimizer and option combination against torch.optim: 20 steps from the same values
with the same gradients give the same parameters and the same state."""

import copy
import importlib
import itertools

import numpy as np
import pytest
import torch

import torcia
from tests.optim.common import (
    arrays,
    assert_close,
    check,
    compare_structure,
    convert,
    make_params,
    run,
    set_grads,
)


def grid(**options):
    """Every combination of the option values given as lists."""
    keys = list(options)
    return [dict(zip(keys, values)) for values in itertools.product(*options.values())]


def sgd_cases():
    out = []
    for kw in grid(momentum=[0, 0.9], dampening=[0, 0.3], nesterov=[False, True],
                   weight_decay=[0, 0.1], maximize=[False, True]):
        if kw["nesterov"] and (kw["momentum"] == 0 or kw["dampening"] != 0):
            continue
        out.append(("SGD", dict(lr=0.05, **kw)))
    return out


CASES = (
    sgd_cases()
    + [("Adam", kw) for kw in grid(amsgrad=[False, True], weight_decay=[0, 0.1],
                                   maximize=[False, True], decoupled_weight_decay=[False, True])]
    + [("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-3))]
    + [("AdamW", kw) for kw in grid(amsgrad=[False, True], maximize=[False, True],
                                    weight_decay=[0.01, 0])]
    + [("Adamax", kw) for kw in grid(weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adamax", dict(lr=0.01, betas=(0.5, 0.6), eps=0.1))]
    + [("NAdam", kw) for kw in grid(weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                                    maximize=[False, True], momentum_decay=[4e-3, 0.1])]
    + [("RAdam", kw) for kw in grid(weight_decay=[0, 0.1], decoupled_weight_decay=[False, True],
                                    maximize=[False, True])]
    + [("RAdam", dict(lr=0.01, betas=(0.5, 0.7)))]  # rho_t > 5 from the first steps
    + [("RMSprop", kw) for kw in grid(centered=[False, True], momentum=[0, 0.9],
                                      weight_decay=[0, 0.1], maximize=[False, True])]
    + [("RMSprop", dict(lr=0.05, alpha=0.5, eps=1e-3)),
       ("RMSprop", dict(lr=0.05, alpha=0.3, centered=True))]  # lerp's second formula
    + [("Adagrad", kw) for kw in grid(lr_decay=[0, 0.1], initial_accumulator_value=[0, 0.1],
                                      weight_decay=[0, 0.1], maximize=[False, True])]
    + [("Adadelta", kw) for kw in grid(weight_decay=[0, 0.1], maximize=[False, True],
                                       rho=[0.9, 0.5])]
    + [("Adadelta", dict(lr=0.5, eps=1e-3))]
)
NAMES = sorted({name for name, _ in CASES})


def maker(name, kw):
    return lambda lib, params: getattr(lib.optim, name)(params, **kw)


def case_id(case):
    name, kw = case
    return name + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_float64(case):
    check(maker(*case))


FLOAT32 = [(n, {}) for n in NAMES] + [
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.1)),
    ("Adam", dict(amsgrad=True, weight_decay=0.1)),
    ("RMSprop", dict(centered=True, momentum=0.9)),
    ("NAdam", dict(weight_decay=0.1, decoupled_weight_decay=True)),
    ("Adam", dict(betas=(0.3, 0.5))),
]


@pytest.mark.parametrize("case", FLOAT32, ids=case_id)
def test_float32(case):
    check(maker(*case), dtype="float32")


@pytest.mark.parametrize("name", NAMES)
def test_complex(name):
    kw = {"lr": 0.05, "momentum": 0.9} if name == "SGD" else {}
    check(maker(name, kw), complex=True)


@pytest.mark.parametrize("name", NAMES)
def test_closure(name):
    check(maker(name, {"lr": 0.05} if name == "SGD" else {}), closure=True, steps=5)


def test_float32_large_tensors():
    # long enough for PyTorch's vectorised kernels
    check(maker("Adam", {"amsgrad": True}), shapes=((300, 78), (300,)), dtype="float32")
    check(maker("SGD", {"lr": 0.1, "momentum": 0.9}), shapes=((300, 78),), dtype="float32")


def test_param_groups_with_different_options():
    def make(lib, params):
        return lib.optim.Adam([{"params": params[:1]},
                               {"params": params[1:2], "lr": 0.01, "amsgrad": True},
                               {"params": params[2:], "betas": (0.5, 0.6),
                                "weight_decay": 0.1}], lr=0.002)
    check(make)

    def make_sgd(lib, params):
        return lib.optim.SGD([{"params": params[:2], "momentum": 0.9, "nesterov": True},
                              {"params": params[2:], "lr": 0.5, "dampening": 0.5,
                               "momentum": 0.1}], lr=0.1)
    check(make_sgd)


def test_params_without_grad_are_skipped():
    inits, grads = arrays()
    out = []
    for lib in (torcia, torch):
        params = make_params(lib, inits)
        opt = lib.optim.Adam(params)
        for g in grads[:5]:
            set_grads(lib, params[:2], g[:2])
            opt.step()
        out.append((params, opt.state_dict()))
    (a, sa), (e, se) = out
    for x, y in zip(a, e):
        assert_close(x, y)
    assert list(sa["state"]) == list(se["state"]) == [0, 1]
    compare_structure(sa, se)


def test_named_parameters():
    inits, grads = arrays()
    out = []
    for lib in (torcia, torch):
        params = make_params(lib, inits)
        opt = lib.optim.SGD([(f"w{i}", p) for i, p in enumerate(params)], lr=0.1, momentum=0.5)
        set_grads(lib, params, grads[0])
        opt.step()
        out.append(opt.state_dict())
    compare_structure(*out)
    assert out[0]["param_groups"][0]["param_names"] == ["w0", "w1", "w2"]


def test_default_dtype_float64_makes_float64_steps():
    def make(lib, params):
        lib.set_default_dtype(lib.float64)
        try:
            opt = lib.optim.Adam(params)
            set_grads(lib, params, [np.ones(s) for s in ((5, 4), (7,), (3, 3, 2))])
            opt.step()
        finally:
            lib.set_default_dtype(lib.float32)
        return opt
    check(make)


def test_step_is_in_place_and_records_nothing():
    p = torcia.nn.Parameter(torcia.ones(3))
    view = p.detach()
    opt = torcia.optim.Adam([p], lr=0.1)
    p.grad = torcia.ones(3)
    before = p._version
    with torcia.enable_grad():
        opt.step()
    assert p._version > before and view._version == p._version
    assert p.grad_fn is None and p.requires_grad and p.is_leaf
    assert all(not t.requires_grad for t in opt.state[p].values())
    assert view.tolist() == p.tolist() != [1.0, 1.0, 1.0]


def test_zero_grad():
    for lib in (torcia, torch):
        p = lib.ones(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.1)
        (p * 3).sum().backward()
        opt.zero_grad(set_to_none=False)
        assert p.grad.tolist() == [0.0, 0.0] and not p.grad.requires_grad
        opt.zero_grad()
        assert p.grad is None


# -- state dicts ----------------------------------------------------------------------------
ROUND_TRIP = [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(amsgrad=True)),
              ("AdamW", {}), ("Adamax", {}), ("NAdam", {}), ("RAdam", {}),
              ("RMSprop", dict(centered=True, momentum=0.5)), ("Adagrad", dict(lr_decay=0.1)),
              ("Adadelta", {})]


def resume(lib, make, inits, grads):
    """10 steps, then a fresh optimizer loads the state dict and makes the other 10."""
    first, opt = run(lib, make, inits, grads[:10])
    saved = copy.deepcopy(opt.state_dict())
    params = [p.detach().clone().requires_grad_() for p in first]
    fresh = make(lib, params)
    fresh.load_state_dict(saved)
    loaded = copy.deepcopy(fresh.state_dict())
    for g in grads[10:]:
        set_grads(lib, params, g)
        fresh.step()
    return params, loaded, fresh.state_dict()


@pytest.mark.parametrize("case", ROUND_TRIP, ids=case_id)
def test_state_dict_round_trip(case):
    make = maker(*case)
    inits, grads = arrays()
    ours, loaded, final = resume(torcia, make, inits, grads)
    theirs, loaded_e, final_e = resume(torch, make, inits, grads)
    compare_structure(loaded, loaded_e)
    compare_structure(final, final_e)
    for a, e in zip(ours, theirs):
        assert_close(a, e)
    if case[0] != "NAdam":  # loading casts NAdam's float32 mu_product to float64, as in torch
        whole, _ = run(torcia, make, inits, grads)
        for a, b in zip(ours, whole):
            assert a.tolist() == b.tolist()  # the resumed run is the uninterrupted one


@pytest.mark.parametrize("case", ROUND_TRIP, ids=case_id)
def test_state_dict_loads_across_libraries(case):
    """torch.optim loads torcia's state dict (tensors converted), and torcia loads torch's;
    either resumes as the saving library resumes from its own state dict."""
    make = maker(*case)
    inits, grads = arrays()
    for src, dst in ((torcia, torch), (torch, torcia)):
        mid, opt = run(src, make, inits, grads[:10])
        saved = opt.state_dict()
        resumed = []
        for lib, state in ((src, copy.deepcopy(saved)), (dst, convert(saved, dst))):
            params = make_params(lib, [p.detach().numpy() for p in mid])
            fresh = make(lib, params)
            fresh.load_state_dict(state)
            for g in grads[10:]:
                set_grads(lib, params, g)
                fresh.step()
            resumed.append((params, fresh.state_dict()))
        (ours, sa), (theirs, se) = resumed if src is torcia else resumed[::-1]
        for a, e in zip(ours, theirs):
            assert_close(a, e)
        compare_structure(sa, se)


def test_state_dict_before_any_step():
    for name in NAMES:
        sa = maker(name, {})(torcia, make_params(torcia, arrays()[0])).state_dict()
        se = maker(name, {})(torch, make_params(torch, arrays()[0])).state_dict()
        compare_structure(sa, se)  # Adagrad's state exists from the start


def test_load_state_dict_casts_to_the_parameters_dtype():
    p = torcia.zeros(3, dtype=torcia.float64, requires_grad=True)
    opt = torcia.optim.Adam([p])
    state = {"state": {0: {"step": torcia.tensor(3.0), "exp_avg": torcia.ones(3),
                           "exp_avg_sq": torcia.ones(3)}},
             "param_groups": opt.state_dict()["param_groups"]}
    opt.load_state_dict(state)
    assert opt.state[p]["exp_avg"].dtype == torcia.float64
    assert opt.state[p]["step"].dtype == torcia.float32


def test_load_state_dict_with_a_number_as_step():
    inits, grads = arrays()
    out = []
    for lib in (torcia, torch):
        params = make_params(lib, inits[:1])
        opt = lib.optim.Adam(params)
        zeros = lib.zeros(5, 4, dtype=lib.float64)
        opt.load_state_dict({"state": {0: {"step": 4, "exp_avg": zeros.clone(),
                                           "exp_avg_sq": zeros.clone() + 1}},
                             "param_groups": [{"lr": 0.01, "betas": (0.9, 0.999),
                                               "eps": 1e-8, "weight_decay": 0,
                                               "amsgrad": False, "params": [0]}]})
        set_grads(lib, params, grads[0][:1])
        opt.step()
        out.append((params[0], opt.state_dict()))
    assert_close(out[0][0], out[1][0])
    compare_structure(out[0][1], out[1][1])


# -- behaviour besides the numbers ------------------------------------------------------------
def test_repr():
    for name in NAMES:
        texts = [repr(maker(name, {})(lib, [lib.zeros(2, requires_grad=True)]))
                 for lib in (torcia, torch)]
        assert texts[0] == texts[1]
    texts = [repr(lib.optim.SGD([{"params": [lib.zeros(1, requires_grad=True)]},
                                 {"params": [lib.zeros(1, requires_grad=True)], "lr": 0.5}],
                                lr=0.1)) for lib in (torcia, torch)]
    assert texts[0] == texts[1]


def test_step_hooks():
    logs = []
    for lib in (torcia, torch):
        log = []
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=1.0)

        def pre(o, args, kwargs):
            log.append(("pre", type(o).__name__, args[1:], sorted(kwargs)))
            return (o,), {"closure": lambda: 7.0}

        h1 = opt.register_step_pre_hook(pre)
        h2 = opt.register_step_post_hook(lambda o, a, k: log.append(("post", sorted(k))))
        module = importlib.import_module(lib.__name__ + ".optim.optimizer")
        g = module.register_optimizer_step_pre_hook(lambda o, a, k: log.append("global"))
        p.grad = lib.ones(2)
        log.append(opt.step())
        h1.remove()
        h2.remove()
        g.remove()
        log.append(opt.step())
        log.append(p.tolist())
        opt.register_step_pre_hook(lambda o, a, k: 5)
        try:
            opt.step()
        except RuntimeError as e:
            log.append(str(e).split(" must return")[1])
        logs.append(log)
    assert logs[0] == logs[1]


def test_lbfgs_single_group_only():
    for lib in (torcia, torch):
        with pytest.raises(ValueError, match="LBFGS doesn't support per-parameter options"):
            lib.optim.LBFGS([{"params": [lib.zeros(1, requires_grad=True)]},
                             {"params": [lib.zeros(1, requires_grad=True)]}])


def test_deepcopy_of_an_optimizer():
    inits, grads = arrays()
    params, opt = run(torcia, maker("Adam", {}), inits, grads[:3])
    clone = copy.deepcopy(opt)
    compare_structure(clone.state_dict(), opt.state_dict())
    assert clone.state_dict()["state"][0]["exp_avg"] is not opt.state_dict()["state"][0]["exp_avg"]


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_reduced_precision(dtype):
    # PyTorch computes each op in float32 and rounds its result; NumPy rounds the scalar
    # operand too, so the two may part by an ulp
    ulp = {"float16": 2.0 ** -10, "bfloat16": 2.0 ** -7}[dtype]
    inits, grads = arrays(shapes=((6,),), steps=5)
    for name in NAMES:
        kw = {"lr": 0.05, "momentum": 0.9} if name == "SGD" else {"lr": 0.01}
        out = []
        for lib in (torcia, torch):
            dt = getattr(lib, dtype)
            params = [lib.tensor(inits[0], dtype=dt, requires_grad=True)]
            opt = getattr(lib.optim, name)(params, **kw)
            for g in grads:
                params[0].grad = lib.tensor(g[0], dtype=dt)
                opt.step()
            out.append(params[0].detach().float().numpy())
        np.testing.assert_allclose(out[0], out[1], atol=2 * ulp, err_msg=name)


def test_state_dict_hooks():
    logs = []
    for lib in (torcia, torch):
        log = []
        p = lib.zeros(2, requires_grad=True)
        opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
        opt.register_state_dict_pre_hook(lambda o: log.append("pre"))
        opt.register_state_dict_post_hook(lambda o, sd: {**sd, "extra": 1})
        opt.register_state_dict_post_hook(lambda o, sd: log.append(sorted(sd)), prepend=True)
        opt.register_load_state_dict_pre_hook(lambda o, sd: log.append(("load", sorted(sd))))
        opt.register_load_state_dict_post_hook(lambda o: log.append("loaded"))
        sd = opt.state_dict()
        log.append(sorted(sd))
        opt.load_state_dict(sd)
        logs.append(log)
    assert logs[0] == logs[1]


def test_backward_through_a_stepped_parameter_raises():
    for lib in (torcia, torch):
        w = lib.ones(3, 2, requires_grad=True)
        y = (w * w).sum()  # saves w
        w.grad = lib.ones(3, 2)
        lib.optim.SGD([w], lr=0.1).step()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()

"""Every scheduler's learning rates (and momentums) over 100 steps equal torch's exactly, for
an optimizer with two param groups; state dicts equal torch's and resume the schedule."""

import copy
import math

import numpy as np
import pytest
import torch

import torcia
from tests.same import same

STEPS = 100
METRICS = list(np.round(np.random.default_rng(0).standard_normal(STEPS).cumsum() * 0.1 + 5, 3))


def sgd(lib, lr=0.1):
    return lib.optim.SGD([{"params": [lib.zeros(2, requires_grad=True)]},
                          {"params": [lib.zeros(3, requires_grad=True)], "lr": 0.5}],
                         lr=lr, momentum=0.9)


def adam(lib):
    return lib.optim.Adam([{"params": [lib.zeros(2, requires_grad=True)]},
                           {"params": [lib.zeros(3, requires_grad=True)], "lr": 0.01}],
                          lr=0.002)


class Scale:
    """A callable object: its __dict__ is what LambdaLR's state dict keeps of it."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, epoch):
        return self.factor ** epoch


def seq(L, o):
    return L.SequentialLR(o, [L.LinearLR(o, 0.2, total_iters=5), L.StepLR(o, 7, 0.5),
                              L.CosineAnnealingLR(o, 20, 1e-3)], milestones=[5, 50])


SCHEDULERS = {
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 0.95 ** e),
    "LambdaLR-list": lambda L, o: L.LambdaLR(o, [lambda e: 1 / (e + 1), Scale(0.9)]),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.97),
    "StepLR": lambda L, o: L.StepLR(o, 7, gamma=0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [10, 30, 30, 60], 0.3),
    "ConstantLR": lambda L, o: L.ConstantLR(o, factor=0.25, total_iters=17),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.1, 0.9, 40),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.97),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, T_max=30, eta_min=1e-3),
    "CosineAnnealingLR-short": lambda L, o: L.CosineAnnealingLR(o, T_max=7),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 10, 2, 1e-4),
    "CosineAnnealingWarmRestarts-1": lambda L, o: L.CosineAnnealingWarmRestarts(o, 9),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, [0.1, 0.2], step_size_up=8),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, [0.01, 0.02], 0.1, 5, 9, "triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 6, mode="exp_range",
                                                  gamma=0.97, cycle_momentum=False),
    "CyclicLR-scale_fn": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 6, scale_fn=Scale(0.99),
                                                 scale_mode="iterations"),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, [0.1, 1.0], total_steps=STEPS + 1),
    "OneCycleLR-linear": lambda L, o: L.OneCycleLR(o, 0.1, epochs=10, steps_per_epoch=11,
                                                   anneal_strategy="linear", pct_start=0.25),
    "OneCycleLR-three_phase": lambda L, o: L.OneCycleLR(o, 0.1, STEPS + 1, three_phase=True,
                                                        div_factor=10.0, base_momentum=0.8),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, total_iters=60, power=2.0),
    "PolynomialLR-linear": lambda L, o: L.PolynomialLR(o, total_iters=30),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, 0.1, 10),
                                                    L.ExponentialLR(o, 0.95)], milestones=[10]),
    "SequentialLR-3": seq,
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.1, 5),
                                                         L.ExponentialLR(o, 0.9)]),
    "ChainedScheduler-nested": lambda L, o: L.ChainedScheduler([seq(L, o),
                                                                L.MultiStepLR(o, [20, 70])]),
    "ReduceLROnPlateau": lambda L, o: L.ReduceLROnPlateau(o, patience=3, factor=0.5),
    "ReduceLROnPlateau-max-abs": lambda L, o: L.ReduceLROnPlateau(
        o, "max", 0.3, 2, threshold=0.05, threshold_mode="abs", cooldown=3, min_lr=[0.01, 0.1]),
    "ReduceLROnPlateau-max-rel": lambda L, o: L.ReduceLROnPlateau(o, "max", patience=1,
                                                                  min_lr=0.02),
    "ReduceLROnPlateau-min-abs": lambda L, o: L.ReduceLROnPlateau(o, threshold=0.1,
                                                                  threshold_mode="abs"),
}
WITH_ADAM = {"OneCycleLR", "CyclicLR", "OneCycleLR-three_phase"}  # betas[0] cycles


def record(lib, opt, sched, steps, start=0):
    """Learning rates and momentums after each of ``steps`` steps."""
    out = []
    for k in range(start, start + steps):
        opt.step()
        if isinstance(sched, lib.optim.lr_scheduler.ReduceLROnPlateau):
            sched.step(METRICS[k])
        else:
            sched.step()
        out.append((sched.get_last_lr(), [g["lr"] for g in opt.param_groups],
                    [g.get("momentum", g.get("betas")) for g in opt.param_groups]))
    return out


def build(lib, name, optimizer=sgd):
    opt = optimizer(lib)
    return opt, SCHEDULERS[name](lib.optim.lr_scheduler, opt)


def exact(a, e, what="value"):
    """Equal values of the same types (floats bit for bit), recursively."""
    assert type(a).__name__ == type(e).__name__, f"{what}: {type(a)} != {type(e)}"
    if isinstance(e, dict):
        assert list(a) == list(e), f"{what}: keys {list(a)} != {list(e)}"
        for k in e:
            exact(a[k], e[k], f"{what}[{k!r}]")
    elif isinstance(e, (list, tuple)):
        assert len(a) == len(e), f"{what}: {a} != {e}"
        for i, (x, y) in enumerate(zip(a, e)):
            exact(x, y, f"{what}[{i}]")
    elif isinstance(e, float) and math.isnan(e):
        assert math.isnan(a)
    else:
        assert a == e, f"{what}: {a!r} != torch's {e!r}"


def optimizer_for(name):
    return adam if name in WITH_ADAM else sgd


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_sequence_equals_torch(name):
    runs = []
    for lib in (torcia, torch):
        opt, sched = build(lib, name, optimizer_for(name))
        first = ([g["lr"] for g in opt.param_groups], sched.get_last_lr())
        runs.append((first, record(lib, opt, sched, STEPS), sched.state_dict()))
    exact(runs[0][0], runs[1][0], "initial lrs")
    exact(runs[0][1], runs[1][1], "lrs")
    exact(runs[0][2], runs[1][2], "state_dict")


@pytest.mark.parametrize("name", list(SCHEDULERS))
def test_state_dict_round_trip(name):
    opt, sched = build(torcia, name, optimizer_for(name))
    whole = record(torcia, opt, sched, STEPS)
    opt, sched = build(torcia, name, optimizer_for(name))
    record(torcia, opt, sched, 40)
    saved_opt, saved = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt, sched = build(torcia, name, optimizer_for(name))
    opt.load_state_dict(saved_opt)
    sched.load_state_dict(saved)
    exact(record(torcia, opt, sched, STEPS - 40, start=40), whole[40:])


def test_step_with_epoch_uses_the_closed_form():
    def fn(lib):
        L = lib.optim.lr_scheduler
        out = []
        for make in (lambda o: L.StepLR(o, 3, 0.5), lambda o: L.MultiStepLR(o, [2, 5]),
                     lambda o: L.ExponentialLR(o, 0.9), lambda o: L.CosineAnnealingLR(o, 10),
                     lambda o: L.LinearLR(o, total_iters=4), lambda o: L.ConstantLR(o),
                     lambda o: L.PolynomialLR(o, 8, 0.5), lambda o: L.LambdaLR(o, Scale(0.5)),
                     lambda o: L.CosineAnnealingWarmRestarts(o, 3, 2)):
            opt = sgd(lib)
            sched = make(opt)
            for epoch in (3, 7, 2.5 if isinstance(sched, L.CosineAnnealingWarmRestarts) else 2,
                          11):
                opt.step()
                sched.step(epoch)
                out.append(sched.get_last_lr())
        return out
    same(fn, warns=True)


def test_warnings():
    def before_optimizer_step(lib):
        opt = sgd(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        sched.step()
        return sched.get_last_lr()
    same(before_optimizer_step, warns=True)

    def get_lr_outside_step(lib):
        opt = sgd(lib)
        opt.step()
        return lib.optim.lr_scheduler.ExponentialLR(opt, 0.5).get_lr()
    same(get_lr_outside_step, warns=True)

    def in_order(lib):
        opt = sgd(lib)
        sched = lib.optim.lr_scheduler.StepLR(opt, 2)
        for _ in range(3):
            opt.step()
            sched.step()
        return sched.get_last_lr()
    same(in_order, warns=True)


def test_tensor_learning_rate():
    def fn(lib):
        lr = lib.tensor(0.1)
        opt = lib.optim.SGD([lib.zeros(2, requires_grad=True)], lr=lr)
        sched = lib.optim.lr_scheduler.ExponentialLR(opt, 0.5)
        for _ in range(3):
            opt.step()
            sched.step()
        return opt.param_groups[0]["lr"] is lr, lr, sched.get_last_lr()
    same(fn)


ERRORS = [
    lambda L, o: L.ConstantLR(o, factor=1.5),
    lambda L, o: L.LinearLR(o, start_factor=0),
    lambda L, o: L.LinearLR(o, end_factor=2),
    lambda L, o: L.LambdaLR(o, [lambda e: 1.0]),
    lambda L, o: L.MultiplicativeLR(o, 0.5),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, 0),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, 3, 1.5),
    lambda L, o: L.CosineAnnealingWarmRestarts(o, 3, eta_min="0"),
    lambda L, o: L.CyclicLR(o, 0.1, 1.0, mode="sawtooth"),
    lambda L, o: L.CyclicLR(o, [0.1], 1.0),
    lambda L, o: L.OneCycleLR(o, 0.1),
    lambda L, o: L.OneCycleLR(o, 0.1, total_steps=0),
    lambda L, o: L.OneCycleLR(o, 0.1, epochs=2, steps_per_epoch=-1),
    lambda L, o: L.OneCycleLR(o, 0.1, 10, pct_start=1),
    lambda L, o: L.OneCycleLR(o, 0.1, 10, anneal_strategy="exp"),
    lambda L, o: L.ReduceLROnPlateau(o, factor=1.0),
    lambda L, o: L.ReduceLROnPlateau(o, "mean"),
    lambda L, o: L.ReduceLROnPlateau(o, threshold_mode="log"),
    lambda L, o: L.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda L, o: L.StepLR(o, 3, last_epoch=4),
    lambda L, o: L.StepLR("sgd", 3),
    lambda L, o: L.SequentialLR(o, [L.StepLR(o, 2)], milestones=[3]),
    lambda L, o: L.SequentialLR(o, [], milestones=[]),
    lambda L, o: L.SequentialLR(o, [L.ReduceLROnPlateau(o)], milestones=[]),
    lambda L, o: L.ChainedScheduler([]),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors(fn):
    same(lambda lib: fn(lib.optim.lr_scheduler, sgd(lib)))


def test_one_cycle_steps_past_the_end():
    def fn(lib):
        opt = sgd(lib)
        sched = lib.optim.lr_scheduler.OneCycleLR(opt, 0.1, total_steps=3)
        for _ in range(4):
            opt.step()
            sched.step()
    same(fn)


def test_cycle_momentum_needs_momentum():
    same(lambda lib: lib.optim.lr_scheduler.CyclicLR(
        lib.optim.Adagrad([lib.zeros(1, requires_grad=True)]), 0.1, 1.0))

"""A small MLP trained by both libraries from the same weights and batches: the optimizers,
a scheduler and zero_grad in their usual loop give the same losses and weights."""

import numpy as np
import pytest
import torch

import torcia

RECIPES = {
    "SGD+StepLR": (lambda o, ps: o.SGD(ps, lr=0.1, momentum=0.9, nesterov=True),
                   lambda L, opt: L.StepLR(opt, 3, 0.5)),
    "Adam+OneCycleLR": (lambda o, ps: o.Adam(ps, lr=1e-2, amsgrad=True),
                        lambda L, opt: L.OneCycleLR(opt, 1e-2, total_steps=12)),
    "AdamW+CosineAnnealingLR": (lambda o, ps: o.AdamW(ps, lr=1e-2),
                                lambda L, opt: L.CosineAnnealingLR(opt, 5)),
    "RMSprop+ExponentialLR": (lambda o, ps: o.RMSprop(ps, lr=1e-3, centered=True),
                              lambda L, opt: L.ExponentialLR(opt, 0.9)),
}


def train(lib, recipe, steps=12):
    rng = np.random.default_rng(0)
    w1, b1 = rng.standard_normal((16, 8)) * 0.3, rng.standard_normal(16) * 0.1
    w2, b2 = rng.standard_normal((3, 16)) * 0.3, rng.standard_normal(3) * 0.1
    model = lib.nn.Sequential(lib.nn.Linear(8, 16), lib.nn.ReLU(), lib.nn.Linear(16, 3))
    with lib.no_grad():
        for p, v in zip(model.parameters(), (w1, b1, w2, b2)):
            p.copy_(lib.tensor(v, dtype=lib.float32))
    make_opt, make_sched = RECIPES[recipe]
    opt = make_opt(lib.optim, model.parameters())
    sched = make_sched(lib.optim.lr_scheduler, opt)
    losses = []
    for _ in range(steps):
        x = lib.tensor(rng.standard_normal((32, 8)), dtype=lib.float32)
        y = lib.tensor(rng.integers(0, 3, 32))
        opt.zero_grad()
        loss = lib.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(loss.item())
    return losses, [p.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("recipe", list(RECIPES))
def test_training_loop(recipe):
    (la, wa), (le, we) = train(torcia, recipe), train(torch, recipe)
    np.testing.assert_allclose(la, le, rtol=1e-5)
    for a, e in zip(wa, we):
        np.testing.assert_allclose(a, e, rtol=1e-4, atol=1e-5)

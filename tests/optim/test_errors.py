"""Invalid optimizer arguments and uses raise PyTorch's exceptions with PyTorch's messages."""

import importlib

import pytest

from tests.same import same


def param(lib, n=2):
    return lib.zeros(n, requires_grad=True)


CONSTRUCTION = [
    lambda lib: lib.optim.SGD([], lr=0.1),
    lambda lib: lib.optim.Adam([]),
    lambda lib: lib.optim.SGD(param(lib), lr=0.1),
    lambda lib: lib.optim.SGD([param(lib)], lr=-0.1),
    lambda lib: lib.optim.SGD([param(lib)], lr=0.1, momentum=-1),
    lambda lib: lib.optim.SGD([param(lib)], lr=0.1, weight_decay=-1),
    lambda lib: lib.optim.SGD([param(lib)], lr=0.1, nesterov=True),
    lambda lib: lib.optim.SGD([param(lib)], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True),
    lambda lib: lib.optim.SGD([param(lib)], lr=lib.ones(2)),
    lambda lib: lib.optim.SGD([param(lib)], lr=0.1, fused=True, differentiable=True),
    lambda lib: lib.optim.Adam([param(lib)], lr=-1e-3),
    lambda lib: lib.optim.Adam([param(lib)], betas=(1.0, 0.9)),
    lambda lib: lib.optim.Adam([param(lib)], betas=(0.9, -0.1)),
    lambda lib: lib.optim.Adam([param(lib)], betas=(0, 0.9)),
    lambda lib: lib.optim.Adam([param(lib)], eps=-1.0),
    lambda lib: lib.optim.Adam([param(lib)], weight_decay=-1.0),
    lambda lib: lib.optim.Adam([param(lib)], fused=True, foreach=True),
    lambda lib: lib.optim.AdamW([param(lib)], betas=(0.9, 1.5)),
    lambda lib: lib.optim.Adamax([param(lib)], eps=-1.0),
    lambda lib: lib.optim.NAdam([param(lib)], momentum_decay=-1.0),
    lambda lib: lib.optim.RAdam([param(lib)], weight_decay=-1.0),
    lambda lib: lib.optim.RMSprop([param(lib)], alpha=-1.0),
    lambda lib: lib.optim.RMSprop([param(lib)], momentum=-1.0),
    lambda lib: lib.optim.Adagrad([param(lib)], lr_decay=-1.0),
    lambda lib: lib.optim.Adagrad([param(lib)], initial_accumulator_value=-1.0),
    lambda lib: lib.optim.Adadelta([param(lib)], rho=1.5),
    lambda lib: lib.optim.LBFGS([param(lib)], lr=-1),
    lambda lib: lib.optim.SGD({param(lib)}, lr=0.1),
    lambda lib: lib.optim.SGD([param(lib), 3], lr=0.1),
    lambda lib: lib.optim.SGD([param(lib) * 2], lr=0.1),
    lambda lib: lib.optim.SGD([("a", param(lib)), param(lib)], lr=0.1),
]


@pytest.mark.parametrize("fn", CONSTRUCTION)
def test_construction_errors(fn):
    same(fn)


def test_duplicate_parameters():
    def across_groups(lib):
        p = param(lib)
        lib.optim.SGD([{"params": [p]}, {"params": [p, param(lib)]}], lr=0.1)
    same(across_groups)

    def within_a_group(lib):
        p = param(lib)
        return len(lib.optim.SGD([p, p], lr=0.1).param_groups[0]["params"])
    same(within_a_group, warns=True)

    def added_later(lib):
        p = param(lib)
        lib.optim.Adam([p]).add_param_group({"params": p})
    same(added_later)


def test_add_param_group_errors():
    same(lambda lib: lib.optim.SGD([param(lib)], lr=0.1).add_param_group([param(lib)]))
    same(lambda lib: lib.optim.SGD([("w", param(lib))], lr=0.1).add_param_group(
        {"params": [param(lib)]}))

    def required(lib):
        optimizer = importlib.import_module(lib.__name__ + ".optim.optimizer")
        return lib.optim.Optimizer([param(lib)], {"lr": optimizer.required})
    same(required)

    def group_defaults(lib):
        opt = lib.optim.SGD([param(lib)], lr=0.1, momentum=0.5)
        opt.add_param_group({"params": [param(lib)], "lr": 0.2})
        return sorted(opt.param_groups[1].items())[1:]
    same(lambda lib: [kv for kv in group_defaults(lib) if kv[0] != "params"])


def test_load_state_dict_errors():
    def fewer_groups(lib):
        opt = lib.optim.SGD([{"params": [param(lib)]}, {"params": [param(lib)]}], lr=0.1)
        opt.load_state_dict(lib.optim.SGD([param(lib)], lr=0.1).state_dict())
    same(fewer_groups)

    def other_sizes(lib):
        opt = lib.optim.SGD([param(lib)], lr=0.1)
        opt.load_state_dict(lib.optim.SGD([param(lib), param(lib)], lr=0.1).state_dict())
    same(other_sizes)


def test_step_errors():
    def base_step(lib):
        lib.optim.Optimizer([param(lib)], {}).step()
    same(base_step)

    def capturable_on_cpu(lib):
        p = param(lib)
        p.grad = lib.ones(2)
        lib.optim.Adam([p], capturable=True).step()
    same(capturable_on_cpu)

    def differentiable_leaf(lib):
        p = param(lib)
        p.grad = lib.ones(2)
        lib.optim.SGD([p], lr=0.1, differentiable=True).step()
    same(differentiable_leaf)

    def unknown_line_search(lib):
        p = param(lib)

        def closure():
            loss = (p * p + p).sum()
            p.grad = None
            loss.backward()
            return loss
        lib.optim.LBFGS([p], line_search_fn="armijo").step(closure)
    same(unknown_line_search)

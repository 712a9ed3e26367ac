"""gradcheck and gradgradcheck against PyTorch's: they pass on correct functions and raise
GradcheckError, with the same message, on wrong gradients."""

import warnings

import pytest

from .common import T, arr, same, same_error

X = arr(2, 3, seed=1, low=0.5)
Y = arr(2, 3, seed=2, low=0.5)
V = arr(3, seed=3, low=0.5)


FUNCTIONS = {
    "exp_mul": (lambda lib, x, y: (x.exp() * y).sum(1), 2),
    "div_pow": (lambda lib, x, y: x / (y * y + 1) + x ** 3, 2),
    "broadcast": (lambda lib, x, v: x * v - v.log(), "xv"),
    "views": (lambda lib, x, y: x.t().reshape(6)[1:5] * y.view(6)[:4], 2),
    "cat_where": (lambda lib, x, y: lib.where(x > 1, lib.cat([x, y]).sum(0) / 2, y), 2),
    "multi_out": (lambda lib, x, y: (x * y, (x - y).mean(), x.exp()[0]), 2),
    "reductions": (lambda lib, x, y: (x.sum(0) * y.mean(1, keepdim=True)).reciprocal(), 2),
}


def _inputs(lib, spec):
    if spec == "xv":
        return (T(lib, X), T(lib, V))
    return (T(lib, X), T(lib, Y))[:spec]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_gradcheck_passes(name):
    fn, spec = FUNCTIONS[name]

    def f(lib):
        return lib.autograd.gradcheck(lambda *a: fn(lib, *a), _inputs(lib, spec))
    same(f)


@pytest.mark.parametrize("name", ["exp_mul", "div_pow", "views", "multi_out"])
def test_gradgradcheck_passes(name):
    fn, spec = FUNCTIONS[name]

    def f(lib):
        return lib.autograd.gradgradcheck(lambda *a: fn(lib, *a), _inputs(lib, spec))
    same(f)


def test_gradcheck_non_tensor_args_and_outputs():
    def f(lib):
        return lib.autograd.gradcheck(lambda x, k, s: (x * k, x.sum()), (T(lib, X), 2.5, "s"))
    same(f)


def test_gradcheck_input_not_requiring_grad():
    def f(lib):
        return lib.autograd.gradcheck(lambda x, y: x * y, (T(lib, X), T(lib, Y, False)))
    same(f)


def test_gradcheck_unused_input():
    def f(lib):
        return lib.autograd.gradcheck(lambda x, y: x * 2, (T(lib, X), T(lib, Y)))
    same(f)


def test_gradcheck_no_input_requires_grad():
    same_error(lambda lib: lib.autograd.gradcheck(lambda x: x * 2, (T(lib, X, False),)))


def test_gradcheck_wrong_gradient_message():
    # x.detach() hides a term from backward: the Jacobians differ
    def f(lib):
        lib.autograd.gradcheck(lambda x: x.detach() * 2 + x[:, :2].sum(1, keepdim=True),
                               (T(lib, X),))
    err = same_error(f)
    from torcia.autograd.gradcheck import GradcheckError
    assert isinstance(err, GradcheckError) and isinstance(err, RuntimeError)


def test_gradcheck_raise_exception_false():
    same(lambda lib: lib.autograd.gradcheck(lambda x: x.detach() * x, (T(lib, X),),
                                            raise_exception=False))


def test_gradcheck_single_tensor_input():
    same(lambda lib: lib.autograd.gradcheck(lambda x: x.exp(), T(lib, V)))


def test_gradcheck_float32_warns():
    def f(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.autograd.gradcheck(lambda x: x * 2, (T(lib, V, dtype=lib.float32),),
                                   eps=1e-3, atol=1e-2)
        return [type(m.message).__name__ for m in w]
    same(f)


def _wrong_second_order(lib):
    class Square(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x.detach()  # right first derivative, no second derivative
    return Square


def test_gradgradcheck_catches_wrong_double_backward():
    def f(lib):
        sq = _wrong_second_order(lib)
        assert lib.autograd.gradcheck(sq.apply, (T(lib, V),))
        lib.autograd.gradgradcheck(sq.apply, (T(lib, V),))
    same_error(f, match=r"Jacobian mismatch for output 0 with respect to input 0")


def test_gradgradcheck_raise_exception_false():
    def f(lib):
        sq = _wrong_second_order(lib)
        return lib.autograd.gradgradcheck(sq.apply, (T(lib, V),), raise_exception=False)
    same(f)


def test_gradgradcheck_with_grad_outputs():
    def f(lib):
        return lib.autograd.gradgradcheck(lambda x: x ** 3, (T(lib, V),),
                                          (T(lib, arr(3, seed=7)),))
    same(f)


def test_gradcheck_leaves_inputs_unchanged():
    def f(lib):
        x = T(lib, X)
        lib.autograd.gradcheck(lambda x: x.exp(), (x,))
        return x, x.grad
    same(f)


def test_gradcheck_output_not_requiring_grad():
    same_error(lambda lib: lib.autograd.gradcheck(lambda x: x.detach(), (T(lib, V),)))
    same(lambda lib: lib.autograd.gradcheck(lambda x: (x * 2, x.detach() * 0 + 1), (T(lib, V),)))

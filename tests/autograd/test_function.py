"""Custom autograd.Function against PyTorch: saved tensors, needs_input_grad, mark_dirty,
mark_non_differentiable, set_materialize_grads, once_differentiable, setup_context,
non-tensor arguments and outputs, multiple outputs, and gradcheck of custom functions."""

import pytest
import torch

from .common import T, arr, graph, same, same_error

A = arr(3, 4, seed=1)
B = arr(3, 4, seed=2, low=0.5)
G = arr(3, 4, seed=4)

_CACHE = {}


def fns(lib):
    """The test Functions, defined once per library (each a subclass of lib's Function)."""
    if lib in _CACHE:
        return _CACHE[lib]
    F = lib.autograd.Function

    class MyExp(F):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)  # saves its own output
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    class MyMul(F):
        @staticmethod
        def forward(ctx, x, y, scale, name="mul"):
            ctx.save_for_backward(x, y)
            ctx.scale = scale
            ctx.name_ = name
            ctx.log = ctx.needs_input_grad
            return x * y * scale

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            gx = grad * y * ctx.scale if ctx.needs_input_grad[0] else None
            gy = grad * x * ctx.scale if ctx.needs_input_grad[1] else None
            return gx, gy, None, None

    class SplitTwo(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3, 7

        @staticmethod
        def backward(ctx, g1, g2, g3):
            return g1 * 2 + g2 * 3

    class NoMaterialize(F):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None)
            out = x_zero = None
            for g in (g1, g2):
                if g is not None:
                    out = g if out is None else out + g
            return out if out is not None else x_zero

    class Materialize(F):
        @staticmethod
        def forward(ctx, x):
            return x.clone(), x.clone()

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen = (g1 is None, g2 is None, g2.abs().sum().item() if hasattr(g2, "abs")
                        else float((g2 * g2).sum()))
            return g1 + g2

    class Dirty(F):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    class NonDiff(F):
        @staticmethod
        def forward(ctx, x):
            mask = x > 0
            out = x * 2
            ctx.mark_non_differentiable(mask)
            ctx.save_for_backward(mask)
            return out, mask

        @staticmethod
        def backward(ctx, grad, grad_mask):
            (mask,) = ctx.saved_tensors
            assert mask.shape == grad.shape
            return grad * 2

    class NonDiffFloat(F):
        @staticmethod
        def forward(ctx, x):
            a, b = x * 2, x * 3
            ctx.mark_non_differentiable(b)
            return a, b

        @staticmethod
        def backward(ctx, ga, gb):
            ctx.gb_zero = not bool((gb != 0).any())
            return ga * 2

    class Identity(F):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, grad):
            return grad * 5

    class WrongBackward(F):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, grad):
            return grad * 3  # should be 2x

    class TooManyGrads(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2, grad

    class TooFewGrads(F):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    class Cube(F):  # differentiable backward: double backward works
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    class CubeOnce(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        @lib.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x * x

    class SetupCtx(F):
        @staticmethod
        def forward(x, k):
            return x * k

        @staticmethod
        def setup_context(ctx, inputs, output):
            x, k = inputs
            ctx.k = k
            ctx.save_for_backward(x, output)

        @staticmethod
        def backward(ctx, grad):
            _, _ = ctx.saved_tensors
            return grad * ctx.k, None

    class ReturnsNumber(F):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 3.5, "text"

        @staticmethod
        def backward(ctx, grad, g2, g3):
            return grad * 2

    class SaveInput(F):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x * grad

    ns = {k: v for k, v in locals().items() if isinstance(v, type)}
    _CACHE[lib] = ns
    return ns


def test_saves_output():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["MyExp"].apply(x)
        (y * y).sum().backward()
        return y, x.grad, graph(y)
    same(f)


def test_grad_fn_name_and_ctx():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["MyMul"].apply(x, T(lib, B, False), 2.0)
        return (y.grad_fn.name(), type(y.grad_fn).__name__, graph(y), y.grad_fn.scale,
                y.grad_fn.name_)
    same(f)


def test_needs_input_grad_and_non_tensor_args():
    def f(lib):
        x, y = T(lib, A), T(lib, B, False)
        out = fns(lib)["MyMul"].apply(x, y, 3.0, "mine")
        out.backward(T(lib, G, False))
        return out, x.grad, y.grad, out.grad_fn.needs_input_grad, out.grad_fn.log
    same(f)


def test_needs_input_grad_both():
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        out = fns(lib)["MyMul"].apply(x, y, 0.5)
        out.sum().backward()
        return x.grad, y.grad, out.grad_fn.needs_input_grad
    same(f)


def test_no_input_requires_grad():
    def f(lib):
        out = fns(lib)["MyMul"].apply(T(lib, A, False), T(lib, B, False), 2.0)
        return out, out.requires_grad, out.grad_fn is None
    same(f)


def test_under_no_grad():
    def f(lib):
        with lib.no_grad():
            out = fns(lib)["MyExp"].apply(T(lib, A))
        return out.requires_grad, out.grad_fn is None
    same(f)


def test_multiple_outputs():
    def f(lib):
        x = T(lib, A)
        a, b, c = fns(lib)["SplitTwo"].apply(x)
        (a * b).sum().backward()
        return a, b, c, x.grad, a.grad_fn is b.grad_fn, a.output_nr, b.output_nr
    same(f)


def test_multiple_outputs_one_used():
    def f(lib):
        x = T(lib, A)
        _, b, _ = fns(lib)["SplitTwo"].apply(x)
        b.sum().backward()
        return x.grad
    same(f)


def test_set_materialize_grads_false():
    def f(lib):
        x = T(lib, A)
        a, _ = fns(lib)["NoMaterialize"].apply(x)
        a.sum().backward()
        return x.grad, a.grad_fn.seen
    same(f)


def test_materialize_grads_default():
    def f(lib):
        x = T(lib, A)
        a, _ = fns(lib)["Materialize"].apply(x)
        a.sum().backward()
        return x.grad, a.grad_fn.seen
    same(f)


def test_mark_dirty():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        y = fns(lib)["Dirty"].apply(h)
        v = h._version
        (y * y).sum().backward()
        return y is h, y, x.grad, graph(y), v > 0
    same(f)


def test_mark_dirty_on_view():
    def f(lib):
        x = T(lib, A)
        y = x * 1
        v = y[0:2]
        r = fns(lib)["Dirty"].apply(v)
        (y * y).sum().backward()
        return y, r, v._version, graph(y), graph(r), x.grad
    same(f)


def test_mark_dirty_on_view_of_leaf_errors():
    same_error(lambda lib: fns(lib)["Dirty"].apply(T(lib, A)[0]))


def test_mark_dirty_view_with_two_outputs_errors():
    def f(lib):
        class DirtyTwo(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.mul_(2)
                ctx.mark_dirty(x)
                return x, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 * 2 + g2 * 6
        DirtyTwo.apply((T(lib, A) * 1)[0])
    same_error(f)


def test_mark_dirty_no_grad_bumps_version():
    def f(lib):
        x = T(lib, A)
        with lib.no_grad():
            r = fns(lib)["Dirty"].apply(x)
        return r is x, x._version, x
    same(f)


def test_mark_dirty_on_leaf_errors():
    same_error(lambda lib: fns(lib)["Dirty"].apply(T(lib, A)))


def test_mark_dirty_invalidates_saved():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        s = h * h  # saves h
        fns(lib)["Dirty"].apply(h)
        s.sum().backward()
    same_error(f)


def test_mark_non_differentiable():
    def f(lib):
        x = T(lib, A)
        out, mask = fns(lib)["NonDiff"].apply(x)
        out.sum().backward()
        return mask, mask.requires_grad, out.requires_grad, x.grad
    same(f)


def test_mark_non_differentiable_float_output():
    def f(lib):
        x = T(lib, A)
        a, b = fns(lib)["NonDiffFloat"].apply(x)
        a.sum().backward()
        return b.requires_grad, b.grad_fn is None, a.grad_fn.gb_zero, x.grad
    same(f)


def test_returning_input():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["Identity"].apply(x)
        y.sum().backward()
        return y is x, y.is_leaf, x.grad, graph(y)
    same(f)


def test_returning_non_leaf_input():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        y = fns(lib)["Identity"].apply(h)
        y.sum().backward()
        return y is h, x.grad, graph(y), y._version == h._version
    same(f)


def test_non_tensor_outputs():
    def f(lib):
        x = T(lib, A)
        y, n, s = fns(lib)["ReturnsNumber"].apply(x)
        y.sum().backward()
        return n, s, x.grad
    same(f)


def test_setup_context_style():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["SetupCtx"].apply(x, 4.0)
        y.sum().backward()
        return y, x.grad, graph(y)
    same(f)


def test_saved_tensor_version_check():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        y = fns(lib)["SaveInput"].apply(h)
        h.add_(1)
        y.sum().backward()
    same_error(f)


def test_saved_output_version_check():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["MyExp"].apply(x)
        y.add_(1)
        y.sum().backward()
    same_error(f)


def test_saved_tensors_freed():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["SaveInput"].apply(x)
        y.sum().backward()
        return y.grad_fn.saved_tensors
    same_error(f)


def test_saved_tensors_retain_graph():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["SaveInput"].apply(x)
        y.sum().backward(retain_graph=True)
        (s,) = y.grad_fn.saved_tensors
        y.sum().backward()
        return s, x.grad
    same(f)


def test_wrong_number_of_gradients():
    def f(lib):
        x = T(lib, A)
        fns(lib)["TooManyGrads"].apply(x).sum().backward()
    same_error(f)


def test_too_few_gradients():
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        fns(lib)["TooFewGrads"].apply(x, y).sum().backward()
    same_error(f)


def test_double_backward_custom():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["Cube"].apply(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg
    same(f)


def test_once_differentiable():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["CubeOnce"].apply(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        return g, g.requires_grad
    same(f, atol=1e-5)


def test_once_differentiable_double_backward_errors():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["CubeOnce"].apply(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        g.sum().backward()
    same_error(f, match="does not require grad|once_differentiable|element 0")


def test_once_differentiable_with_grad_requiring_grad_outputs():
    def f(lib):
        x = T(lib, A)
        v = T(lib, G)
        y = fns(lib)["CubeOnce"].apply(x)
        (g,) = lib.autograd.grad(y, x, v, create_graph=True)
        return g, g.grad_fn.name(), graph(g)
    same(f)


def test_once_differentiable_double_backward_error_message():
    def f(lib):
        x = T(lib, A)
        y = fns(lib)["CubeOnce"].apply(x)
        (g,) = lib.autograd.grad(y, x, T(lib, G), create_graph=True)
        g.sum().backward()
    same_error(f)


def test_custom_in_larger_graph():
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        F = fns(lib)
        z = F["MyMul"].apply(F["MyExp"].apply(x * 0.5), y + 1, 2.0)
        w = F["Cube"].apply(z.sum(0))
        w.sum().backward()
        return x.grad, y.grad, graph(w)
    same(f, atol=1e-5)


def test_instantiating_function_warns():
    import warnings

    def f(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            fns(lib)["MyExp"]()
        return [type(x.message).__name__ for x in w]
    same(f)


def test_forward_not_implemented():
    def f(lib):
        class Bare(lib.autograd.Function):
            pass
        Bare.apply(T(lib, A))
    same_error(f)


@pytest.mark.parametrize("name,inputs", [("MyExp", 1), ("Cube", 1), ("SetupCtx", 1),
                                         ("MyMul", 2)])
def test_gradcheck_custom(name, inputs):
    import torcia
    F = fns(torcia)[name]
    xs = [torcia.tensor(arr(2, 3, seed=i), requires_grad=True) for i in range(inputs)]
    extra = {"SetupCtx": (1.5,), "MyMul": (0.7,)}.get(name, ())
    assert torcia.autograd.gradcheck(lambda *a: F.apply(*a, *extra), tuple(xs))
    if name != "SetupCtx":  # its backward is linear in grad only
        assert torcia.autograd.gradgradcheck(lambda *a: F.apply(*a, *extra), tuple(xs))


def test_gradcheck_catches_wrong_backward():
    from torch.autograd.gradcheck import GradcheckError as TorchError

    import torcia
    from torcia.autograd.gradcheck import GradcheckError
    assert issubclass(GradcheckError, RuntimeError)
    for lib, error in ((torch, TorchError), (torcia, GradcheckError)):
        F = fns(lib)["WrongBackward"]
        x = lib.tensor(arr(2, 3, seed=3), requires_grad=True)
        with pytest.raises(error, match="Jacobian mismatch for output 0 with respect to input 0"):
            lib.autograd.gradcheck(F.apply, (x,))
        assert lib.autograd.gradcheck(F.apply, (x,), raise_exception=False) is False
    same_error(lambda lib: lib.autograd.gradcheck(fns(lib)["WrongBackward"].apply,
                                                  (T(lib, arr(2, 3, seed=3)),)))


def test_repr_of_custom_function_output():
    def f(lib):
        x = T(lib, [1.0, 2.0])
        return repr(fns(lib)["MyExp"].apply(x)), repr(fns(lib)["Cube"].apply(x).grad_fn)[:15]
    same(f)


def _fn(lib, forward, backward):
    """A one-off Function of ``lib`` named Fn (its node: FnBackward)."""
    return type("Fn", (lib.autograd.Function,), {"forward": staticmethod(forward),
                                                  "backward": staticmethod(backward)})


def test_save_for_backward_non_tensor_errors():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: (ctx.save_for_backward(x, 3), x * 2)[1],
                 lambda ctx, g: g * 2)
        fn.apply(T(lib, A))
    same_error(f)


def test_save_for_backward_none():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: (ctx.save_for_backward(None, x), x * 2)[1],
                 lambda ctx, g: g * 2 + ctx.saved_tensors[1] * 0)
        x = T(lib, A)
        y = fn.apply(x)
        first = y.grad_fn.saved_tensors[0] is None
        y.sum().backward()
        return x.grad, first
    same(f)


def test_gradient_for_non_tensor_input_errors():
    def f(lib):
        fn = _fn(lib, lambda ctx, x, k: x * k, lambda ctx, g: (g * 2, g))
        fn.apply(T(lib, A), 2.0).sum().backward()
    same_error(f)


def test_backward_returns_number_errors():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x * 2, lambda ctx, g: 2.0)
        fn.apply(T(lib, A)).sum().backward()
    same_error(f)


@pytest.mark.parametrize("bad", ["g[0]", "g.t()", "g.reshape(12)", "g.sum(0, keepdim=True)",
                                 "g.sum(0)"])
def test_backward_wrong_shape_errors(bad):
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x * 2, lambda ctx, g: eval(bad, {"g": g}))
        fn.apply(T(lib, A)).sum().backward()
    same_error(f)


@pytest.mark.parametrize("good", ["g.expand(2, 3, 4) * 0.5", "g.expand(1, 3, 4)",
                                  "g.to(lib.float32)"])
def test_backward_broadcastable_gradient_is_fitted(good):
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x * 2, lambda ctx, g: eval(good, {"g": g, "lib": lib}))
        x = T(lib, A)
        fn.apply(x).sum().backward()
        return x.grad
    same(f)


def test_view_output_inplace_errors():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x[0], lambda ctx, g: lib.stack([g, g * 0, g * 0]))
        fn.apply(T(lib, A) * 1).mul_(2)
    same_error(f)


def test_returned_input_inplace_errors():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x, lambda ctx, g: g)
        fn.apply(T(lib, A) * 1).mul_(2)
    same_error(f)


def test_view_of_view_output_inplace_errors():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x[0], lambda ctx, g: lib.stack([g, g * 0, g * 0]))
        fn.apply(T(lib, A) * 1)[1:].mul_(2)
    same_error(f)


def test_view_output_base_changed_errors():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x[0], lambda ctx, g: lib.stack([g, g * 0, g * 0]))
        h = T(lib, A) * 1
        y = fn.apply(h)
        h.mul_(2)
        return y.grad_fn
    same_error(f)


def test_view_output_inplace_under_no_grad_ok():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x[0], lambda ctx, g: lib.stack([g, g * 0, g * 0]))
        x = T(lib, A)
        h = x * 1
        y = fn.apply(h)
        with lib.no_grad():
            y.mul_(2)
        (h * 1).sum().backward()
        return h, x.grad
    same(f)


def test_returned_input_is_a_view():
    def f(lib):
        fn = _fn(lib, lambda ctx, x: x, lambda ctx, g: g * 3)
        x = T(lib, A)
        h = x * 1
        y, z = fn.apply(h), fn.apply(x)
        w = fn.apply(T(lib, A, False))
        (y + z).sum().backward()
        return (y._base is h, z._base is x, w._base is not None, w.requires_grad, y.is_leaf,
                x.grad)
    same(f)

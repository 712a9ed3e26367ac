"""Tensor.backward, autograd.backward and autograd.grad against PyTorch: arguments,
accumulation, higher-order gradients and error messages."""

import numpy as np
import pytest

from .common import T, arr, same, same_error

A = arr(3, 4, seed=1)
B = arr(3, 4, seed=2)
V = arr(4, seed=3)
G = arr(3, 4, seed=4)


def test_scalar_backward():
    def f(lib):
        x, y = T(lib, A), T(lib, V)
        ((x * y).exp().sum() / (x * x + 1).sum()).backward()
        return x.grad, y.grad
    same(f)


def test_backward_with_gradient():
    def f(lib):
        x, y = T(lib, A), T(lib, V)
        (x * y - x / (y * y + 1)).backward(T(lib, G, False))
        return x.grad, y.grad
    same(f)


def test_backward_gradient_python_list_rejected():
    same_error(lambda lib: (T(lib, A) * 2).backward([1.0]), match="gradient|grad")


def test_accumulates_across_calls():
    def f(lib):
        x = T(lib, A)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x * 3).sum().backward()
        (x.exp()).sum().backward()
        return first, x.grad
    same(f)


def test_retain_graph_twice():
    def f(lib):
        x = T(lib, A)
        y = (x * x).exp().sum()
        y.backward(retain_graph=True)
        g1 = x.grad.clone()
        y.backward()
        return g1, x.grad
    same(f)


def test_second_backward_freed():
    def f(lib):
        x = T(lib, A)
        y = (x * x).sum()
        y.backward()
        y.backward()
    same_error(f)


def test_second_backward_without_saved_tensors_works():
    # add saves nothing: torch allows a second pass through it
    def f(lib):
        x = T(lib, A)
        y = (x + 2).sum()
        y.backward()
        y.backward()
        return x.grad
    same(f)


def test_implicit_grad_non_scalar():
    same_error(lambda lib: (T(lib, A) * 2).backward())


def test_implicit_grad_int_and_complex():
    same_error(lambda lib: T(lib, [1, 2], False).sum().backward())


def test_backward_no_grad_tensor():
    same_error(lambda lib: T(lib, A, False).sum().backward())


def test_backward_no_grad_in_list():
    def f(lib):
        x = T(lib, A)
        lib.autograd.backward([(x * 2).sum(), T(lib, 1.0, False)])
    same_error(f)


def test_grad_shape_mismatch():
    same_error(lambda lib: (T(lib, A) * 2).backward(T(lib, V, False)))


def test_grad_count_mismatch():
    def f(lib):
        x = T(lib, A)
        lib.autograd.backward([x * 2, x * 3], [T(lib, G, False)])
    same_error(f)


def test_backward_inputs():
    def f(lib):
        x, y = T(lib, A), T(lib, V)
        z = (x * y).sum() + (y * y).sum()
        z.backward(inputs=[y], retain_graph=True)
        first = (x.grad, y.grad.clone())
        z.backward(inputs=x)
        return first, x.grad, y.grad
    same(f)


def test_backward_inputs_non_leaf():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        (h * h).sum().backward(inputs=[h, x])
        return x.grad, h.grad
    same(f)


def test_backward_inputs_empty():
    def f(lib):
        x = T(lib, A)
        (x * 2).sum().backward(inputs=[])
    same_error(f)


def test_autograd_backward_multiple_roots():
    def f(lib):
        x = T(lib, A)
        a, b = x * x, x.exp()
        lib.autograd.backward([a, b.sum()], [T(lib, G, False), None])
        return x.grad
    same(f)


def test_create_graph_backward():
    def f(lib):
        x = T(lib, V)
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        out = (g.requires_grad, g.grad_fn is not None)
        x.grad = None
        g.sum().backward()
        return out, g, x.grad
    same(f)


def test_create_graph_accumulates_graph():
    def f(lib):
        x = T(lib, V)
        (x ** 3).sum().backward(create_graph=True)
        (x * x).sum().backward(create_graph=True)
        g = x.grad
        return g, g.grad_fn is not None
    same(f)


# -- autograd.grad ---------------------------------------------------------------------------
def test_grad_basic():
    def f(lib):
        x, y = T(lib, A), T(lib, V)
        z = (x * y).exp().sum()
        gx, gy = lib.autograd.grad(z, (x, y))
        return gx, gy, x.grad, y.grad
    same(f)


def test_grad_multiple_outputs_grad_outputs():
    def f(lib):
        x, y = T(lib, A), T(lib, V)
        a, b = x * y, (x - y).sum(0)
        return lib.autograd.grad([a, b], [x, y],
                                 grad_outputs=[T(lib, G, False), T(lib, V * 2, False)])
    same(f)


def test_grad_single_tensor_input_returns_tuple():
    def f(lib):
        x = T(lib, V)
        r = lib.autograd.grad((x * x).sum(), x)
        return type(r).__name__, len(r), r[0]
    same(f)


def test_grad_unused_error():
    def f(lib):
        x, y = T(lib, V), T(lib, V)
        lib.autograd.grad((x * 2).sum(), [x, y])
    same_error(f)


def test_grad_allow_unused():
    def f(lib):
        x, y = T(lib, V), T(lib, V)
        return lib.autograd.grad((x * 2).sum(), [x, y], allow_unused=True)
    same(f)


def test_grad_materialize_grads():
    def f(lib):
        x, y = T(lib, V), T(lib, A)
        return lib.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True)
    same(f)


def test_grad_materialize_with_allow_unused_false():
    def f(lib):
        x, y = T(lib, V), T(lib, A)
        lib.autograd.grad((x * 2).sum(), [x, y], materialize_grads=True, allow_unused=False)
    same_error(f)


def test_grad_input_not_requiring_grad():
    def f(lib):
        x, y = T(lib, V), T(lib, V, False)
        lib.autograd.grad((x * y).sum(), [x, y])
    same_error(f)


def test_grad_frees_graph():
    def f(lib):
        x = T(lib, V)
        z = (x * x).sum()
        lib.autograd.grad(z, x)
        lib.autograd.grad(z, x)
    same_error(f)


def test_grad_retain_graph():
    def f(lib):
        x = T(lib, V)
        z = (x * x).sum()
        a = lib.autograd.grad(z, x, retain_graph=True)
        b = lib.autograd.grad(z, x)
        return a, b
    same(f)


def test_grad_non_leaf_input():
    def f(lib):
        x = T(lib, A)
        h = x.exp()
        z = (h * h).sum() + h.sum()
        return lib.autograd.grad(z, [h, x])
    same(f)


def test_grad_same_input_twice():
    def f(lib):
        x = T(lib, V)
        return lib.autograd.grad((x * x * x).sum(), [x, x])
    same(f)


def test_grad_non_scalar_needs_grad_outputs():
    same_error(lambda lib: lib.autograd.grad(T(lib, V) * 2, T(lib, V)))


def test_grad_grad_outputs_shape_mismatch():
    def f(lib):
        x = T(lib, V)
        lib.autograd.grad(x * 2, x, grad_outputs=T(lib, A, False))
    same_error(f)


def test_grad_output_does_not_require_grad():
    def f(lib):
        x = T(lib, V)
        lib.autograd.grad(T(lib, V, False).sum(), x)
    same_error(f)


def test_second_order():
    def f(lib):
        x = T(lib, V)
        (g,) = lib.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg
    same(f)


def test_third_order():
    def f(lib):
        x = T(lib, V)
        y = (x.exp() * x * x).sum()
        (g1,) = lib.autograd.grad(y, x, create_graph=True)
        (g2,) = lib.autograd.grad(g1.sum(), x, create_graph=True)
        (g3,) = lib.autograd.grad(g2.sum(), x)
        return g1, g2, g3
    same(f, atol=1e-5)


def test_hessian_vector_product_two_inputs():
    def f(lib):
        x, y = T(lib, V), T(lib, V * 0.5 + 1)
        z = (x * x * y + y.log() * x).sum()
        gx, gy = lib.autograd.grad(z, [x, y], create_graph=True)
        v = T(lib, arr(4, seed=9), False)
        return gx, gy, lib.autograd.grad((gx * v).sum() + (gy * v).sum(), [x, y])
    same(f, atol=1e-5)


def test_grad_of_grad_input_used_multiply():
    # x feeds the graph along several paths (and twice into one op)
    def f(lib):
        x = T(lib, V)
        a = x * x
        b = a * x + x.exp() * a - x / (a + 1)
        (g,) = lib.autograd.grad(b.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        return g, gg
    same(f, atol=1e-5)


def test_double_backward_through_backward_create_graph():
    def f(lib):
        x = T(lib, V)
        y = (x.exp() * x).sum()
        y.backward(create_graph=True)
        gx = x.grad
        x.grad = None
        (gx * gx).sum().backward()
        return gx, x.grad
    same(f, atol=1e-5)


def test_grad_with_create_graph_on_non_differentiable_path():
    # the gradient of a linear function does not depend on x
    def f(lib):
        x = T(lib, V)
        (g,) = lib.autograd.grad((x * 3).sum(), x, create_graph=True)
        return g, g.requires_grad
    same(f)


def test_grad_dtype_cast_and_broadcast():
    def f(lib):
        x = T(lib, V, dtype=lib.float32)
        y = T(lib, A)  # float64
        z = (x * y).sum()
        z.backward()
        return x.grad, y.grad
    same(f, atol=1e-5)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_dtype_of_leaf(dtype):
    def f(lib):
        x = T(lib, V, dtype=getattr(lib, dtype))
        (x * 2.5).sum().backward()
        return x.grad
    same(f)


def test_gradient_aliases_not_changed_by_engine():
    def f(lib):
        x = T(lib, A)
        g = T(lib, G, False)
        y = x * 1.0
        y.backward(g)
        y2 = x * 2.0
        y2.backward(g)
        return g, x.grad
    same(f)



def test_gradients_seen_elsewhere_not_summed_into():
    """The engine sums a buffered gradient in place only when nothing else sees it: a
    tensor hook, a node hook or a custom Function that keeps its gradient keeps its value."""
    def f(lib):
        kept = []

        class Keep(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x.clone()

            @staticmethod
            def backward(ctx, g):
                kept.append(g)
                return g

        x = T(lib, A)
        y = Keep.apply(x * 2)
        z = y + y * 3
        z.register_hook(kept.append)
        z.grad_fn.register_hook(lambda grad_inputs, grad_outputs: kept.extend(grad_inputs))
        (z + z * 2).sum().backward()
        return [*kept, x.grad]
    same(f)


@pytest.mark.parametrize("exact", [True, False])
def test_gradients_without_refcount_proofs(monkeypatch, exact):
    """With the in-place reuse of gradients off (interpreters whose reference counts it
    cannot trust), every gradient is still PyTorch's."""
    from torcia.autograd import graph
    monkeypatch.setattr(graph, "_REFCOUNTS_EXACT", exact)

    def f(lib):
        x, w = T(lib, A), T(lib, B)
        kept = []
        y = x * w + x
        y.register_hook(kept.append)
        (y * y + y * x).sum().backward()
        (x * 3).sum().backward()  # accumulates into the .grad of the first backward
        return [*kept, x.grad, w.grad]
    same(f)


def test_deep_graph_10000():
    def f(lib):
        x = T(lib, [1.0, 2.0])
        y = x
        for _ in range(10000):
            y = y * 1.0001 + 0.0
        y.sum().backward()
        return x.grad
    same(f, rtol=1e-6)


def test_deep_graph_100000():
    import torcia
    x = torcia.tensor([1.0, 2.0], dtype=torcia.float64, requires_grad=True)
    y = x
    for _ in range(100000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 100000] * 2, rtol=1e-9)


def test_deep_graph_create_graph():
    def f(lib):
        x = T(lib, [0.5])
        y = x
        for _ in range(2000):
            y = y * 0.999 + 0.001 * y * y
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad(g.sum(), x)
        return g, gg
    same(f, rtol=1e-6)


def test_root_gradient_cast_to_root_dtype():
    def f(lib):
        x = T(lib, V)  # float64
        (x * 2).backward(lib.ones(4, dtype=lib.float32))
        y = T(lib, V)
        y.backward(lib.ones(4, dtype=lib.float32) * 3)
        h = T(lib, V) * 1
        (g,) = lib.autograd.grad(h, h, lib.ones(4, dtype=lib.float32))
        return x.grad, y.grad, g
    same(f)


def test_backward_on_leaf_copies_gradient():
    def f(lib):
        x = T(lib, V)
        g = T(lib, V * 3, False)
        x.backward(g)
        g.mul_(2)
        return x.grad, g
    same(f)


def test_calling_grad_fn_directly():
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        z = x * y
        return z.grad_fn(T(lib, G, False))
    same(f)


def test_grad_of_same_root_twice():
    def f(lib):
        x = T(lib, V)
        y = (x * x).sum()
        return lib.autograd.grad([y, y], x)
    same(f)


def test_backward_same_output_twice_in_list():
    def f(lib):
        x = T(lib, V)
        y = x * 2
        lib.autograd.backward([y, y], [T(lib, V, False), T(lib, V * 2, False)])
        return x.grad
    same(f)


def test_grad_w_r_t_grad_outputs():
    # a gradient is linear in grad_outputs; differentiating w.r.t. them gives a JVP
    def f(lib):
        x, v = T(lib, V), T(lib, V * 0.5)
        (g,) = lib.autograd.grad(x.exp() * x, x, v, create_graph=True)
        (gv,) = lib.autograd.grad(g.sum(), v)
        return g, gv
    same(f)


def test_detached_then_requires_grad():
    def f(lib):
        x = T(lib, V)
        d = (x * 2).detach().requires_grad_()
        (d * d).sum().backward()
        return d.grad, x.grad, d.is_leaf
    same(f)


def test_backward_inputs_unreachable():
    def f(lib):
        x, z = T(lib, V), T(lib, V)
        (x * 2).sum().backward(inputs=[z])
        return x.grad, z.grad
    same(f)

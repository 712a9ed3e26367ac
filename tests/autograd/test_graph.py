"""The recorded graph against PyTorch: grad_fn names and next_functions, leaves,
requires_grad, detach/.data, retain_grad, hooks, and the identity of leaf gradients."""

import numpy as np
import pytest
import torch

import torcia

from .common import T, arr, error_of, grads, graph, same, same_error

A = arr(3, 4, seed=1)
B = arr(3, 4, seed=2, low=0.5)
G = arr(3, 4, seed=4)
V = arr(4, seed=3)

EXPRESSIONS = [
    "x + 1", "1 + x", "x - 1", "1 - x", "x * 2", "2 * x", "x / 2", "2 / x", "x ** 2", "2 ** x",
    "x ** x", "-x", "x.exp()", "x.log()", "x.reciprocal()", "x.sum()", "x.sum(0)", "x.mean()",
    "x.mean(1)", "x.view(12)", "x.reshape(2, 6)", "x.t()", "x.transpose(0, 1)",
    "x.permute(1, 0)", "x[0]", "x[:, 1]", "x[1:]", "x[None]", "x.unsqueeze(0)",
    "x.expand(2, 3, 4)", "lib.cat([x, x])", "x.clone()", "x.detach()",
    "lib.where(x > 0, x, 0.0)", "x.unbind(0)[0]", "x.unbind(1)[2]", "x.select(1, 2)",
    "x.narrow(0, 1, 2)", "x.flatten()", "x[..., None].squeeze(-1)", "x.to(lib.float64)",
    "x.sum_to_size(1, 4)", "x.t().reshape(12)", "x[0, 0]", "x[:, ::2]", "x[...]", "x[:]",
    "x + y", "x * y", "x - y", "y - x", "x / y", "lib.cat([x, y])", "lib.where(x > 0, x, y)",
    "lib.where(x > 0, y, x)", "x * y.detach()", "(x * y)[0] * x", "x.add(y, alpha=2)",
    "x.sub(y, alpha=2)", "x.view_as(x)", "x.expand_as(x)", "x.squeeze()",
    "x.unsqueeze(1).squeeze(1)",
    "(x * 2).sum() + x.sum()", "x.exp().log().reciprocal().neg()", "lib.stack([x, x])",
    "x.split(2)[0]", "x.abs()", "x.sqrt()", "x.relu()", "x.sin()", "x.tanh()", "x.sigmoid()",
    "x @ x.t()", "x.max()", "x.pow(y)", "x.prod()", "x.var()", "x.softmax(1)",
]


def _eval(lib, expr):
    return eval(expr, {"lib": lib, "x": T(lib, np.ones((3, 4))), "y": T(lib, B, False)})


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_grad_fn_structure(expr):
    expected = graph(_eval(torch, expr))
    err = error_of(lambda lib: _eval(lib, expr), torcia)
    if isinstance(err, (AttributeError, TypeError, NotImplementedError)):
        pytest.skip(f"torcia does not have this op yet: {err}")
    assert graph(_eval(torcia, expr)) == expected


def test_next_functions_output_nr():
    def f(lib):
        x = T(lib, A)
        parts = x.unbind(0)
        z = parts[2] * parts[0]
        return [(n.name(), nr) for n, nr in z.grad_fn.next_functions]
    same(f)


def test_accumulate_grad_is_shared_and_has_variable():
    for lib in (torch, torcia):
        x = T(lib, A)
        a, b = x * 2, x + 1
        acc = a.grad_fn.next_functions[0][0]
        assert acc is b.grad_fn.next_functions[0][0]
        assert acc.variable is x
        assert acc.next_functions == ()


def test_grad_fn_repr_and_name():
    for lib in (torch, torcia):
        x = T(lib, A)
        y = x * 2
        assert repr(y.grad_fn).startswith("<MulBackward0 object at 0x")
        acc = y.grad_fn.next_functions[0][0]
        assert repr(acc).startswith("<AccumulateGrad object at 0x")
        assert type(acc).__name__ == "AccumulateGrad"


def test_is_leaf_and_requires_grad_propagation():
    def f(lib):
        x = T(lib, A)
        c = T(lib, B, False)
        y = x * c
        z = c * 2
        with lib.no_grad():
            w = x * 2
        d = y.detach()
        v = x[0]
        return [(t.is_leaf, t.requires_grad, t.grad_fn is None) for t in (x, c, y, z, w, d, v)]
    same(f)


def test_int_ops_do_not_require_grad():
    def f(lib):
        x = T(lib, A)
        return (x > 0).requires_grad, (x > 0).is_leaf, x.to(lib.int64).requires_grad
    same(f)


def test_requires_grad_flag_on_leaf():
    def f(lib):
        x = T(lib, A, False)
        x.requires_grad = True
        y = x * 2
        x.requires_grad_(False)
        return x.requires_grad, y.requires_grad, x.is_leaf
    same(f)


def test_requires_grad_on_non_leaf_false_errors():
    same_error(lambda lib: (T(lib, A) * 2).requires_grad_(False))


def test_requires_grad_on_non_leaf_true_is_noop():
    same(lambda lib: (T(lib, A) * 2).requires_grad_(True))


def test_requires_grad_on_int_errors():
    same_error(lambda lib: lib.tensor([1, 2]).requires_grad_())


def test_requires_grad_false_on_int_ok():
    same(lambda lib: lib.tensor([1, 2]).requires_grad_(False))


def test_requires_grad_factory_on_int_errors():
    same_error(lambda lib: lib.tensor([1, 2], requires_grad=True))


def test_detach_shares_memory_and_version():
    def f(lib):
        x = T(lib, A)
        y = x * 2
        d = y.detach()
        v0 = y._version
        d.add_(1)
        return (d.requires_grad, d.is_leaf, d.grad_fn is None, y._version - v0, y,
                d.data_ptr() == y.data_ptr())
    same(f)


def test_detach_then_inplace_breaks_backward():
    def f(lib):
        x = T(lib, A)
        y = x.exp()
        y.detach().zero_()
        y.sum().backward()
    same_error(f)


def test_detach_():
    def f(lib):
        x = T(lib, A)
        y = x * 2
        r = y.detach_()
        return r is y, y.requires_grad, y.is_leaf, y.grad_fn is None
    same(f)


def test_detach__on_view_errors():
    same_error(lambda lib: (T(lib, A) * 2)[0].detach_())


def test_data_shares_memory_not_version():
    def f(lib):
        x = T(lib, A)
        y = x.exp()
        d = y.data
        d.mul_(0.0)
        y.sum().backward()  # no version error: .data is invisible to autograd
        return d.requires_grad, y._version, x.grad, y
    same(f)


def test_data_setter():
    def f(lib):
        x = T(lib, A)
        x.data = T(lib, B, False)
        (x * x).sum().backward()
        return x, x.grad, x.requires_grad
    same(f)


def test_data_of_leaf_inplace():
    def f(lib):
        x = T(lib, A)
        x.data.mul_(2)
        (x * x).sum().backward()
        return x, x.grad
    same(f)


# -- retain_grad -----------------------------------------------------------------------------
def test_retain_grad():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        h.retain_grad()
        z = h.exp()
        z.retain_grad()
        (z * z).sum().backward(retain_graph=True)
        first = (h.grad.clone(), z.grad.clone())
        (z * z).sum().backward()
        return h.retains_grad, x.retains_grad, first, h.grad, z.grad
    same(f, atol=1e-5)


def test_non_leaf_grad_is_none_without_retain():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        h.sum().backward()
        return h.grad, x.grad
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(f)


def test_retain_grad_on_leaf_is_noop():
    def f(lib):
        x = T(lib, A)
        x.retain_grad()
        (x * 2).sum().backward()
        return x.retains_grad, x.grad
    same(f)


def test_retain_grad_no_requires_grad_errors():
    same_error(lambda lib: T(lib, A, False).retain_grad())


def test_retain_grad_of_view():
    def f(lib):
        x = T(lib, A)
        y = x * 1
        v = y[1]
        v.retain_grad()
        (v * v).sum().backward()
        return v.grad, x.grad
    same(f)


def test_retain_grad_with_hook_order():
    # retain_grad sees the gradient after the tensor's hooks have run
    def f(lib):
        x = T(lib, A)
        h = x * 2
        h.register_hook(lambda g: g * 10)
        h.retain_grad()
        h.sum().backward()
        return h.grad, x.grad
    same(f)


# -- tensor hooks ----------------------------------------------------------------------------
def test_leaf_hook_modifies_gradient():
    def f(lib):
        x = T(lib, A)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        x.register_hook(lambda g: g * 2)
        x.register_hook(lambda g: seen.append(g.clone()))
        (x * x).sum().backward()
        return seen, x.grad
    same(f)


def test_non_leaf_hook_modifies_gradient():
    def f(lib):
        x = T(lib, A)
        h = x.exp()
        h.register_hook(lambda g: g * 0 + 1)
        (h * h).sum().backward()
        return x.grad
    same(f)


def test_hook_removal():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        handle = h.register_hook(lambda g: g * 100)
        lh = x.register_hook(lambda g: g + 1)
        handle.remove()
        lh.remove()
        (h * 2).sum().backward()
        return x.grad
    same(f)


def test_hook_on_no_grad_tensor_errors():
    same_error(lambda lib: T(lib, A, False).register_hook(lambda g: g))


def test_hook_called_once_per_backward_with_summed_grad():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        calls = []
        h.register_hook(lambda g: calls.append(g.clone()))
        (h * h + h).sum().backward()
        return calls
    same(f)


def test_hooks_with_autograd_grad():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        h.register_hook(lambda g: g * 3)
        x.register_hook(lambda g: g + 100)
        return lib.autograd.grad((h * h).sum(), [x, h])
    same(f)


def test_leaf_hook_with_backward_inputs():
    def f(lib):
        x = T(lib, A)
        x.register_hook(lambda g: g * 2)
        (x * x).sum().backward(inputs=[x])
        return x.grad
    same(f)


def test_node_hooks():
    def f(lib):
        x = T(lib, A)
        y = x * 2
        z = y.exp()
        log = []

        def pre(grad_outputs):
            log.append(("pre", [g.clone() for g in grad_outputs]))
            return (grad_outputs[0] * 2,)

        def post(grad_inputs, grad_outputs):
            log.append(("post", [None if g is None else g.clone() for g in grad_inputs],
                        [g.clone() for g in grad_outputs]))
            return (grad_inputs[0] + 1, grad_inputs[1])

        z.grad_fn.register_prehook(pre)
        y.grad_fn.register_hook(post)
        z.sum().backward()
        return log, x.grad
    same(f)


def test_node_hook_removal():
    def f(lib):
        x = T(lib, A)
        y = x * 2
        h1 = y.grad_fn.register_hook(lambda gi, go: (gi[0] * 0, None))
        h2 = y.grad_fn.register_prehook(lambda go: (go[0] * 0,))
        h1.remove()
        h2.remove()
        y.sum().backward()
        return x.grad
    same(f)


def test_accumulate_grad_node_hook():
    def f(lib):
        x = T(lib, A)
        y = x * 2
        seen = []
        y.grad_fn.next_functions[0][0].register_prehook(lambda go: seen.append(go[0].clone()))
        y.sum().backward()
        return seen, x.grad
    same(f)


# -- identity of leaf gradients --------------------------------------------------------------
def test_grad_not_aliasing_user_gradient():
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        g = T(lib, G, False)
        (x + y).backward(g)
        g.mul_(100)
        x.grad.add_(1)
        return g, x.grad, y.grad
    same(f)


def test_grad_not_aliasing_each_other_through_views():
    # Deliberately not PyTorch's behaviour: there x.grad, y.grad and g all share g's memory
    # here (its use_count rule sees views of the gradient as unshared), so zeroing x.grad
    # zeroes y.grad and the caller's g. torcia copies: no .grad aliases anything.
    x, y = torcia.tensor(A, requires_grad=True), torcia.tensor(B, requires_grad=True)
    g = torcia.tensor(G.reshape(12))
    z = x.view(12) + y.view(12)
    z.backward(g)
    x.grad.zero_()
    np.testing.assert_array_equal(y.grad.numpy(), G)
    np.testing.assert_array_equal(g.numpy(), G.reshape(12))
    assert not x.grad.any()


def test_create_graph_grad_not_aliasing_user_gradient():
    def f(lib):
        x = T(lib, A)
        g = T(lib, G, False)
        x.clone().backward(g, create_graph=True)
        gx = x.grad
        g.mul_(2)
        return gx, g
    same(f)


def test_captured_node_not_run_keeps_its_buffers():
    # autograd.grad w.r.t. y runs nothing below y, so y's history stays usable
    def f(lib):
        x = T(lib, A)
        y = x.exp()
        z = y * 2
        r = lib.autograd.grad(z.sum(), y)
        y.sum().backward()
        return r, x.grad
    same(f)


@pytest.mark.parametrize("which", ["[h]", "[x, h]", "[h, x]"])
def test_hooks_and_captures(which):
    # PyTorch: an input whose node does not otherwise run gets its gradient after its hooks;
    # one whose node runs (it lies on the path to another input) gets it before them.
    def f(lib):
        x = T(lib, A)
        h = x * 2
        h.register_hook(lambda g: g * 3)
        x.register_hook(lambda g: g + 100)
        return lib.autograd.grad((h * h).sum(), eval(which))
    same(f)


def test_backward_inputs_non_leaf_retains_grad():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        (h * h).sum().backward(inputs=[h], retain_graph=True)
        first = (h.retains_grad, h.grad.clone(), x.grad)
        (h * 3).sum().backward()
        return first, h.grad, x.grad
    same(f)


def test_backward_inputs_not_requiring_grad():
    same_error(lambda lib: (T(lib, A) * 2).sum().backward(inputs=[T(lib, A, False)]))


def test_backward_inputs_leaf_grad_identity():
    def f(lib):
        x = T(lib, A)
        (x * 2).sum().backward(inputs=[x])
        g = x.grad
        (x * 3).sum().backward(inputs=[x])
        return g is x.grad, x.grad
    same(f)


def test_grad_of_expand_not_aliased():
    def f(lib):
        x = T(lib, arr(1, 4, seed=5))
        y = T(lib, arr(4, seed=6))
        (x.expand(3, 4) * 1 + y).sum().backward()
        x.grad.mul_(3)
        return x.grad, y.grad
    same(f)


def test_grad_of_scalar_expand():
    def f(lib):
        x, y = T(lib, A), T(lib, A)
        (x + y).sum().backward()
        x.grad.add_(5)
        return x.grad, y.grad
    same(f)


def test_second_backward_accumulates_in_place():
    def f(lib):
        x = T(lib, A)
        (x * 2).sum().backward()
        g = x.grad
        (x * 3).sum().backward()
        return g is x.grad, g
    same(f)


def test_grad_assigned_by_user_is_used_in_place():
    def f(lib):
        x = T(lib, A)
        mine = T(lib, G, False)
        x.grad = mine
        (x * 2).sum().backward()
        return x.grad is mine, mine
    same(f)


def test_grad_set_none_then_backward():
    def f(lib):
        x = T(lib, A)
        (x * 2).sum().backward()
        x.grad = None
        (x * 3).sum().backward()
        return x.grad
    same(f)


def test_identity_gradient_not_aliased():
    # y = x * 1 passes the incoming gradient straight through in some engines
    def f(lib):
        x = T(lib, A)
        g = T(lib, G, False)
        (x * 1).backward(g)
        x.grad.mul_(0)
        return g, x.grad
    same(f)


def test_clone_of_leaf_gradient_not_aliased():
    def f(lib):
        x = T(lib, A)
        g = T(lib, G, False)
        x.clone().backward(g)
        g.zero_()
        return x.grad
    same(f)


def test_two_leaves_same_grad_fn_input():
    def f(lib):
        x, y = T(lib, A), T(lib, A)
        s = x + y
        s.backward(T(lib, G, False))
        y.grad.mul_(2)
        return x.grad, y.grad
    same(f)


def test_grad_setter_errors():
    same_error(lambda lib: setattr(T(lib, A), "grad", T(lib, [1.0, 2.0], False)))
    same_error(lambda lib: setattr(T(lib, A), "grad", 3))
    same_error(lambda lib: setattr(T(lib, A), "grad", T(lib, A, False, dtype=lib.float32)))
    same_error(lambda lib: setattr(T(lib, A), "grad", T(lib, [1.0], False, dtype=lib.float32)))


def test_numpy_requires_grad_error():
    same_error(lambda lib: T(lib, A).numpy())


def test_grads_helper_and_zero_grad_idiom():
    def f(lib):
        x = T(lib, A)
        (x * 2).sum().backward()
        x.grad.zero_()
        (x * x).sum().backward()
        return grads(x)
    same(f)


def test_leaf_grad_dtype_and_device():
    def f(lib):
        x = T(lib, A, dtype=lib.float32)
        (x.to(lib.float64) * 2).sum().backward()
        return x.grad, str(x.grad.device)
    same(f)


@pytest.mark.parametrize("k", [0, 2])
def test_output_nr_of_unbind(k):
    same(lambda lib: T(lib, A).unbind(0)[k].output_nr)


def test_torch_autograd_graph_reachable():
    assert hasattr(torcia.autograd, "graph")


# -- hook results are checked; non-leaf .grad warns ------------------------------------------
def _hook_sum(g):
    return g.sum()


@pytest.mark.parametrize("hook", ["_hook_sum", "lambda g: g[:2]", "lambda g: g.to(lib.float32)",
                                  "lambda g: g.reshape(4, 3)"])
@pytest.mark.parametrize("leaf", [True, False])
def test_tensor_hook_must_keep_type_and_size(hook, leaf):
    def f(lib):
        x = T(lib, A)
        t = x if leaf else x * 2
        t.register_hook(eval(hook))
        (t * 1).sum().backward()
    same_error(f)


@pytest.mark.parametrize("hook", ["lambda gi, go: (gi[0][:1], None)",
                                  "lambda gi, go: (gi[0],)",
                                  "lambda gi, go: (gi[0], gi[0])"])
def test_node_post_hook_checked(hook):
    def f(lib):
        x = T(lib, A)
        y = x * 2
        y.grad_fn.register_hook(eval(hook))
        y.sum().backward()
    same_error(f)


@pytest.mark.parametrize("hook", ["lambda go: (go[0][:1],)", "lambda go: (go[0], go[0])"])
def test_node_pre_hook_checked(hook):
    def f(lib):
        x = T(lib, A)
        y = x * 2
        y.grad_fn.register_prehook(eval(hook))
        y.sum().backward()
    same_error(f)


def test_non_leaf_grad_access_warns():
    import warnings

    def f(lib):
        x = T(lib, A)
        y = x * 2
        r = y * 2
        r.retain_grad()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            seen = [y.grad, r.grad, x.grad]
            y.sum().backward()
            seen.append(y.grad)
        assert all(g is None for g in seen)
        return [(type(m.message).__name__, str(m.message).split(" (Triggered")[0]) for m in w]
    same(f)


def test_retain_grad_follows_inplace():
    def f(lib):
        x = T(lib, A)
        y = x * 2
        y.retain_grad()
        y.mul_(3)
        (y * y).sum().backward()
        return y.grad, x.grad
    same(f)


def test_retain_grad_of_view_follows_base_inplace():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        v = h[1]
        v.retain_grad()
        h.mul_(3)
        (v * v).sum().backward()
        return v.grad, x.grad
    same(f)


def test_hook_stays_with_old_history_after_inplace():
    def f(lib):
        x = T(lib, A)
        y = x * 2
        y.register_hook(lambda g: g * 10)
        y.mul_(3)
        y.sum().backward()
        return x.grad
    same(f)


def test_hook_returning_non_tensor():
    def f(lib):
        x = T(lib, A)
        y = x * 2
        y.register_hook(lambda g: 3)
        y.sum().backward()
    same_error(f)


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_hook_call_order(order):
    # the engine runs ready nodes newest first, as PyTorch does
    def f(lib):
        x = T(lib, A)
        log = []
        first, second = (x * 2, x * 3)
        a, b = (first, second) if order == "ab" else (second, first)
        c = a * b
        for name, t in (("a", a), ("b", b), ("c", c), ("x", x)):
            t.register_hook(lambda g, name=name: log.append(name))
        c.sum().backward(retain_graph=True)
        d = a + b
        d.sum().backward()
        return log
    same(f)


def test_leaf_hook_called_once_with_sum():
    def f(lib):
        x = T(lib, A)
        seen = []
        x.register_hook(lambda g: seen.append(g.clone()))
        (x * x + x.exp() + x).sum().backward()
        return seen
    same(f)


def test_leaf_grad_layout_follows_leaf():
    def f(lib):
        x = T(lib, A)
        (x.t() * 1).backward(T(lib, G.T.copy(), False))
        y = T(lib, A)
        y.t().backward(T(lib, G.T.copy(), False))
        return x.grad, x.grad.stride(), y.grad.stride(), y.grad.is_contiguous()
    same(f)


def test_grad_with_history_then_plain_backward_accumulates_in_place():
    import warnings

    def f(lib):
        x = T(lib, A)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        (x * 2).sum().backward()
        return x.grad is g, x.grad.requires_grad, x.grad
    same(f)


def test_shared_subgraph_freed_by_first_backward():
    def f(lib):
        x = T(lib, A)
        y = x.exp()
        a, b = y * 2, y * 3
        a.sum().backward()
        b.sum().backward()
    same_error(f)


def test_gradient_kept_by_hooks_not_aliased_by_grad():
    def f(lib):
        x, h, k = T(lib, V), T(lib, V), T(lib, V)
        seen = []
        x.register_hook(lambda g: seen.append(g))
        (x * 2).sum().backward()
        (x * 3).sum().backward()
        c = h.clone()
        c.register_hook(lambda g: seen.append(g))
        c.backward(T(lib, V * 2, False))
        h.grad.mul_(10)
        m = k * 2
        m.grad_fn.register_prehook(lambda go: seen.append(go[0]))
        m.grad_fn.register_hook(lambda gi, go: seen.append(gi[0]))
        (m * 1).sum().backward()
        k.grad.zero_()
        return seen, x.grad, h.grad
    same(f)

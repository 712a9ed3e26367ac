"""In-place ops and autograd against PyTorch: version checks, leaf errors, and in-place
changes of views rewriting their base's history (CopySlices, AsStridedBackward0)."""

import pytest

from .common import T, arr, graph, same, same_error

A = arr(3, 4, seed=1)
B = arr(3, 4, seed=2, low=0.5)
C = arr(4, seed=3)
G = arr(3, 4, seed=4)


def run(op, names):
    """Run the statement ``op`` (the in-place change under test) with ``names`` bound."""
    exec(op, dict(names))  # noqa: S102 - statements from this file's parameter lists


# -- version counter and saved tensors -------------------------------------------------------
def test_version_counter():
    def f(lib):
        x = T(lib, A, False)
        v = [x._version]
        x.add_(1)
        v.append(x._version)
        y = x[0]
        y.mul_(2)
        v.append((x._version, y._version))
        x[1] = 3.0
        v.append((x._version, y._version))
        x.detach().zero_()
        v.append(x._version)
        x.data.zero_()
        v.append(x._version)
        return v
    same(f)


@pytest.mark.parametrize("expr", [
    "x.exp()",           # saves its result
    "x * x",             # saves its inputs
    "x.pow(2)",
    "x.reciprocal()",
    "x / (x + 5)",
    "x.log()",
])
def test_modified_saved_tensor_error(expr):
    def f(lib):
        w = T(lib, B)
        x = w * 1
        y = eval(expr)
        x.add_(1) if "exp" not in expr and "reciprocal" not in expr else y.add_(1)
        y.sum().backward()
    same_error(f)


def test_modified_saved_leaf_input_error():
    def f(lib):
        x = T(lib, B)
        c = T(lib, A, False)
        y = x * c
        c.add_(1)
        y.sum().backward()
    same_error(f)


def test_modified_saved_view_error():
    def f(lib):
        x = T(lib, B)
        h = x * 1
        v = h[0]
        y = v * v
        h.mul_(2)
        y.sum().backward()
    same_error(f)


def test_modified_unsaved_is_fine():
    # add saves nothing: changing its input afterwards does not matter
    def f(lib):
        x = T(lib, B)
        h = x * 1
        y = h + 2
        h.mul_(3)
        (y * 1).sum().backward()
        return x.grad
    same(f)


def test_inplace_on_leaf_requiring_grad():
    same_error(lambda lib: T(lib, A).add_(1))
    same_error(lambda lib: T(lib, A).mul_(T(lib, B, False)))


def test_inplace_on_view_of_leaf():
    same_error(lambda lib: T(lib, A)[0].add_(1))
    same_error(lambda lib: T(lib, A).view(12).mul_(2))


def test_setitem_on_leaf():
    def f(lib):
        x = T(lib, A)
        x[0] = 1.0
    same_error(f)


def test_inplace_on_leaf_under_no_grad_ok():
    def f(lib):
        x = T(lib, A)
        with lib.no_grad():
            x[0] = 1.0
            x.mul_(2)
        return x, x._version, x.is_leaf, x.requires_grad
    same(f)


def test_inplace_on_leaf_not_requiring_grad_with_grad_operand():
    def f(lib):
        x = T(lib, A, False)
        y = T(lib, B)
        x.mul_(y)
        (x * x).sum().backward()
        return x.requires_grad, x.is_leaf, graph(x), y.grad
    same(f)


# -- in-place on non-leaves -------------------------------------------------------------------
_NAMES = ("node names in torcia/_ops/creation.py: torch names zero_'s node ZeroBackward0, "
          "fill_(number)'s FillBackward2, fill_(tensor)'s FillBackward3, and copy_'s name() is "
          "'torch::autograd::CopyBackwards'; torcia has FillBackward and 'CopyBackwards'")

@pytest.mark.parametrize("op", [
    "h.add_(1)", "h.mul_(2)", "h.mul_(y)", "h.sub_(y, alpha=2)", "h.div_(y)", "h.pow_(2)",
    "h.exp_()", "h.neg_()",
    pytest.param("h.zero_()", marks=pytest.mark.xfail(reason=_NAMES)),
    pytest.param("h.fill_(2.0)", marks=pytest.mark.xfail(reason=_NAMES)),
    pytest.param("h.copy_(y)", marks=pytest.mark.xfail(reason=_NAMES)),
    "h += y", "h *= y",
    "h /= 2", "h -= y * y", "h.clamp_(min=0)", "h.sqrt_()", "h.relu_()", "h.tanh_()",
])
def test_inplace_on_non_leaf(op):
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        h = x * 1
        if op.startswith("h.sqrt"):
            h = x * x + 1
        run(op, locals())
        (h * h).sum().backward()
        return h, graph(h), x.grad, y.grad
    try:
        same(f, atol=1e-5)
    except AttributeError as e:
        pytest.skip(f"torcia lacks this op yet: {e}")


def test_inplace_chain_on_saved_result():
    def f(lib):
        x = T(lib, A)
        h = x.exp()     # saves its result
        h.mul_(2)
        h.add_(h)
        h.sum().backward()
    same_error(f)


def test_inplace_chain_unsaved():
    def f(lib):
        x = T(lib, A)
        h = x * 3       # saves nothing of its result
        h.mul_(2)       # a number: saves nothing of h
        h.add_(h)
        h.sub_(1)
        h.sum().backward()
        return graph(h), x.grad
    same(f)


def test_inplace_self_operand():
    # mul_ saves its other operand, which is self: modified by the op itself
    def f(lib):
        x = T(lib, A)
        h = x * 1
        h.mul_(h)
        h.sum().backward()
    same_error(f)


def test_inplace_view_operand_of_same_base():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        h[1].mul_(h[1])
        (h * h).sum().backward()
    same_error(f)


def test_inplace_self_operand_add():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        h.add_(h)
        h.sum().backward()
        return h, x.grad, graph(h)
    same(f)


def test_inplace_returns_self():
    def f(lib):
        h = T(lib, A) * 1
        return h.add_(1) is h, h.mul_(2) is h
    same(f)


def test_inplace_dtype_error():
    same_error(lambda lib: T(lib, [1, 2], False).add_(1.5))


def test_inplace_broadcast_shape_error():
    same_error(lambda lib: (T(lib, C) * 1).add_(T(lib, A, False)))


# -- in-place on views: the base's history ---------------------------------------------------
VIEW_CASES = [
    "h[0] = y[0]",
    "h[0] = 5.0",
    "h[:, 1] *= 2",
    "h[:, 1] *= y[:, 1]",
    "h[1:] += y[1:]",
    "h[::2, 1:3] = y[::2, :2]",
    "h.view(12).add_(y.view(12))",
    "h.view(2, 6)[1].mul_(3)",
    "h.t().mul_(y.t())",
    "h.t()[1].mul_(2)",
    "h.transpose(0, 1)[2:].exp_()",
    "h.permute(1, 0)[0].copy_(y[:, 0])",
    "h[1].unsqueeze(0).mul_(y[1])",
    "h[None][0, 2].fill_(7.0)",
    "h.narrow(1, 1, 2).mul_(y.narrow(1, 0, 2))",
    "h.select(0, 2).zero_()",
    "h.view(3, 2, 2)[:, 0].mul_(y.view(3, 2, 2)[:, 1])",
    "h[...].mul_(y)",
    "h[:].mul_(2)",
    "h[0][1:3].mul_(y[0][1:3])",
    "h.unbind(0)[1].mul_(2) if False else h.select(0, 1).mul_(2)",
    "h[0].add_(h[1])",
    "h[0, 0] = y[1, 1] * y[2, 2]",
]


_SETITEM_NUMBER = pytest.mark.xfail(
    reason="torcia/_ops/indexing.py __setitem__ fills a number with fill_ (one edge); torch "
           "copies a 0-dim tensor (its CopySlices gets two edges, the second None)")


@pytest.mark.parametrize("op", [pytest.param(op, marks=_SETITEM_NUMBER) if op == "h[0] = 5.0"
                                else op for op in VIEW_CASES])
def test_inplace_on_view(op):
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        h = x * 1
        run(op, locals())
        out = (h * h).sum()
        out.backward()
        return h, graph(h, depth=4), x.grad, y.grad
    same(f)


@pytest.mark.parametrize("op", VIEW_CASES[:12])
def test_inplace_on_view_double_backward(op):
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        h = x * x
        run(op, locals())
        gx, gy = lib.autograd.grad((h * h).sum(), [x, y], create_graph=True,
                                   allow_unused=True)
        s = gx.sum() + (gy.sum() if gy is not None else 0)
        return gx, gy, lib.autograd.grad(s, [x, y], allow_unused=True)
    same(f, atol=1e-5)


def test_view_used_after_base_changed():
    # the view made before the base's in-place change sees the new values and history
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        h = x * 1
        v = h[1]
        w = h.t()
        h.mul_(y)
        out = (v * v).sum() + (w * 3).sum()
        out.backward()
        return v, graph(v), graph(w), x.grad, y.grad
    same(f)


def test_view_used_after_other_view_changed():
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        h = x * 1
        a = h[0]
        b = h[:, 1]
        a.mul_(y[0])
        (b * b).sum().backward()
        return b, graph(b), graph(a), graph(h), x.grad, y.grad
    same(f)


def test_view_of_view_after_base_changed():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        v = h.view(12)[2:8].view(2, 3)
        h.exp_()
        (v * v).sum().backward()
        return v, graph(v), x.grad
    same(f)


def test_two_inplace_on_views_in_sequence():
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        h = x * 1
        h[0].mul_(y[0])
        h[:, 2].add_(y[:, 2] * 2)
        h.t()[3].add_(h.t()[1])
        h.sum().backward()
        return h, graph(h, depth=6), x.grad, y.grad
    same(f)


def test_base_grad_fn_after_view_inplace_without_backward_use():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        v = h[1:]
        v.mul_(3)
        return graph(h), graph(v), h._version, v._version, v.is_leaf
    same(f)


def test_setitem_with_tensor_requiring_grad_on_plain_tensor():
    def f(lib):
        y = T(lib, B)
        h = lib.zeros(3, 4, dtype=lib.float64)
        h[1] = y[2] * 2
        h[:, 0] = y[:, 1]
        (h * h).sum().backward()
        return h, graph(h, depth=5), y.grad, h.requires_grad, h.is_leaf
    same(f)


def test_setitem_into_row_of_expanded():
    # a row of an expanded tensor has no internal overlap: writing it is allowed
    def f(lib):
        y = T(lib, C)
        h = lib.zeros(4, dtype=lib.float64).expand(3, 4)
        h[0] = y
        return h
    same(f)


def test_inplace_on_expanded_errors():
    same_error(lambda lib: lib.zeros(4).expand(3, 4).mul_(2))
    same_error(lambda lib: lib.zeros(4).expand(3, 4).add_(T(lib, C)))


def test_inplace_on_view_saved_by_other_op():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        z = h * h
        h[0] = 1.0
        z.sum().backward()
    same_error(f)


def test_view_saved_then_base_modified():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        v = h[0]
        z = v * v
        h.add_(1)
        z.sum().backward()
    same_error(f)


def test_unbind_output_inplace():
    # PyTorch forbids in-place changes of multi-output views (unbind, split)
    def f(lib):
        x = T(lib, A)
        h = x * 1
        a, _, _ = h.unbind(0)
        a.mul_(2)
    same_error(f)


def test_unbind_output_view_inplace():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        a = h.unbind(0)[0][1:]
        a.mul_(2)
    same_error(f)


def test_unbind_of_leaf_output_inplace():
    same_error(lambda lib: T(lib, A).unbind(0)[1].mul_(2))


def test_unbind_output_used_after_base_changed():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        a = h.unbind(0)
        h.mul_(2)
        a[0].sum().backward()
    same_error(f)


def test_unbind_output_used_before_base_changed_ok():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        a = h.unbind(0)
        b = a[0] * 1
        h.mul_(2)
        (b + h[1]).sum().backward()
        return x.grad
    same(f)


def test_unbind_outputs_no_grad_base_ok():
    def f(lib):
        h = T(lib, A, False) * 1
        a = h.unbind(0)
        a[0].mul_(2)
        return h
    same(f)


def test_split_output_inplace():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        _, b = h.split(2)
        b.mul_(2)
    try:
        same_error(f)
    except AttributeError as e:  # split not in torcia yet
        pytest.skip(str(e))


def test_unbind_output_inplace_under_no_grad_ok():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        a, _, _ = h.unbind(0)
        with lib.no_grad():
            a.mul_(2)
        h.sum().backward()
        return h, x.grad
    same(f)


def test_version_error_message_names_op_and_shape():
    def f(lib):
        x = T(lib, arr(2, 3, seed=5))
        y = x.exp()
        z = y.t()
        y.add_(1)
        (z * 1).sum().backward()
    same_error(f)


def test_version_error_for_view_output():
    def f(lib):
        x = T(lib, A)
        y = x.exp()[1]
        w = y.exp()
        y.mul_(2)
        w.sum().backward()
    same_error(f)


def test_version_error_after_copy_slices():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        h[0] = 2.0
        s = h.exp()  # saves its result
        s[1] = 3.0
        s.sum().backward()
    same_error(f)


def test_inplace_on_intermediate_used_later_correct_grad():
    def f(lib):
        x, y = T(lib, A), T(lib, B)
        a = x.exp()
        b = a * y    # saves a and y
        c = b * 1
        c[1:] = 0.0
        (c * x).sum().backward()
        return x.grad, y.grad
    same(f)


def test_leaf_grad_after_inplace_in_no_grad_step():
    # an optimizer-style update between two backward passes
    def f(lib):
        x = T(lib, A)
        (x * x).sum().backward()
        with lib.no_grad():
            x.sub_(x.grad * 0.1)
            x.grad.zero_()
        (x * x).sum().backward()
        return x, x.grad
    same(f)


def test_version_error_names_copy_slices():
    def f(lib):
        x = T(lib, A)
        h = x * 1
        z = h * h
        h[1] = 3.0
        z.sum().backward()
    same_error(f)


@pytest.mark.parametrize("op", ["h[0] = y[0]", "h.t()[1].mul_(2)", "h.mul_(y)"])
def test_repr_after_inplace(op):
    def f(lib):
        x, y = T(lib, [[1.0, 2.0], [3.0, 4.0]]), T(lib, [[0.5, 1.5], [2.5, 3.5]])
        h = x * 1
        v = h[1]
        run(op, locals())
        return repr(h), repr(v)
    same(f)


@pytest.mark.parametrize("op", [
    "h.mul_(y)",           # the base starts requiring grad after the view was made
    "h[1] = y[1]",         # through another view
    "h.t()[0].add_(y[:, 0])",
    "v.add_(y[0])",        # through the view itself
])
def test_view_of_plain_base_gains_history(op):
    def f(lib):
        y = T(lib, B)
        h = lib.ones(3, 4, dtype=lib.float64)
        v = h[0]
        w = h[:, 1:3]
        run(op, locals())
        ((v * v).sum() + (w * 3).sum()).backward()
        return v.requires_grad, w.requires_grad, graph(v, depth=3), y.grad
    same(f)


def test_inplace_with_broadcast_and_dtype_operands():
    def f(lib):
        x = T(lib, A)
        c = T(lib, C, dtype=lib.float32)
        h = x * 1
        h[1:].mul_(c)
        h.t()[0].add_(c[:3].to(lib.float64))
        (h * h).sum().backward()
        return h, x.grad, c.grad
    same(f, atol=1e-5)


@pytest.mark.parametrize("where", ["base", "view"])
def test_no_grad_inplace_then_view_used(where):
    def f(lib):
        x = T(lib, A)
        h = x * 2
        v = h[0]
        with lib.no_grad():
            (h if where == "base" else v).mul_(3)
        (v * v).sum().backward()
        return v, graph(v), x.grad
    same(f)


def test_no_grad_view_write_then_base_used():
    def f(lib):
        x = T(lib, A)
        h = x * 2
        with lib.no_grad():
            h[1] = 0.0
        (h * h).sum().backward()
        return graph(h), x.grad
    same(f)

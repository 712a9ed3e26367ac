"""gradcheck / gradgradcheck: compare backward's Jacobian with finite differences."""

import numpy as np

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical Jacobians disagree."""


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _diff_inputs(inputs):
    from .._tensor import Tensor
    return [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]


def _outputs(func, inputs):
    from .._tensor import Tensor
    return [o for o in _as_tuple(func(*inputs)) if isinstance(o, Tensor)]


def _numerical(func, inputs, idx, eps):
    """Jacobian blocks d(out_j)/d(input_i) by central differences, as float64 arrays."""
    outs = _outputs(func, inputs)
    jac = [[np.zeros((inputs[i].numel(), o.numel())) for o in outs] for i in idx]
    for k, i in enumerate(idx):
        arr = inputs[i]._data  # perturbed in place, one element at a time, then restored
        for e in range(arr.size):
            pos = np.unravel_index(e, arr.shape)
            orig = arr[pos].copy()
            arr[pos] = orig + eps
            plus = [o._data.astype(np.float64).ravel() for o in _outputs(func, inputs)]
            arr[pos] = orig - eps
            minus = [o._data.astype(np.float64).ravel() for o in _outputs(func, inputs)]
            arr[pos] = orig
            for j in range(len(outs)):
                jac[k][j][e] = (plus[j] - minus[j]) / (2 * eps)
    return jac


def _analytical(func, inputs, idx):
    """Jacobian blocks by one backward pass per output element (vector-Jacobian products)."""
    from .._ops.creation import zeros_like
    from . import grad as autograd_grad
    outs = _outputs(func, inputs)
    diff = [inputs[i] for i in idx]
    jac = [[np.zeros((inputs[i].numel(), o.numel())) for o in outs] for i in idx]
    for j, out in enumerate(outs):
        if not out.requires_grad:
            continue
        for e in range(out.numel()):
            g = zeros_like(out)
            g._data.flat[e] = 1  # C-order index, whatever the layout zeros_like kept
            grads = autograd_grad([out], diff, [g], retain_graph=True, allow_unused=True)
            for k, gi in enumerate(grads):
                if gi is not None:
                    jac[k][j][:, e] = gi._data.astype(np.float64).ravel()
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
              check_batched_grad=False, check_batched_forward_grad=False,
              check_forward_ad=False, check_backward_ad=True, fast_mode=False, masked=None):
    """Check ``func``'s gradients w.r.t. inputs requiring grad (use float64 inputs).

    Returns True, or raises GradcheckError naming the first mismatching input and output.
    """
    inputs = _as_tuple(inputs)
    idx = _diff_inputs(inputs)
    if not idx:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of them have requires_grad=True.")
    for i in idx:
        t = inputs[i]
        if t.is_complex():
            raise NotImplementedError("gradcheck of complex inputs is not supported yet")
        if t.dtype.itemsize < 8:
            import warnings
            warnings.warn(f"Input #{i} requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of double "
                          "precision floating point. ", UserWarning, stacklevel=2)
    numerical = _numerical(func, inputs, idx, eps)
    analytical = _analytical(func, inputs, idx)
    differentiable = [o.requires_grad for o in _outputs(func, inputs)]
    for k, i in enumerate(idx):
        for j, (a, n) in enumerate(zip(analytical[k], numerical[k])):
            if not differentiable[j]:
                if not np.allclose(n, 0, rtol=rtol, atol=atol):
                    if not raise_exception:
                        return False
                    raise GradcheckError("Numerical gradient for function expected to be zero")
            elif not np.allclose(a, n, rtol=rtol, atol=atol):
                if not raise_exception:
                    return False
                raise GradcheckError(
                    f"Jacobian mismatch for output {j} with respect to input {i},\n"
                    f"numerical:{_fmt(n)}\nanalytical:{_fmt(a)}\n")
    return True


def _fmt(a):
    from .._tensor import wrap
    return repr(wrap(np.ascontiguousarray(a)))


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False,
                  masked=False):
    """Check second derivatives: gradcheck of the function that returns ``func``'s gradients."""
    from .._ops.creation import tensor
    from . import grad as autograd_grad
    inputs = _as_tuple(inputs)
    idx = _diff_inputs(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        outs = _outputs(func, inputs)
        grad_outputs = tuple(
            tensor(rng.standard_normal(o.shape), dtype=o.dtype, requires_grad=True)
            for o in outs)
    grad_outputs = _as_tuple(grad_outputs)
    n_in = len(inputs)

    def first_order(*args):
        ins, gos = args[:n_in], args[n_in:]
        outs = _outputs(func, ins)
        diff = [ins[i] for i in idx]
        grads = autograd_grad(outs, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_order, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)

"""torcia.autograd: reverse-mode automatic differentiation, as torch.autograd."""

from . import graph
from .anomaly_mode import detect_anomaly, set_detect_anomaly
from .function import Function, once_differentiable
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "is_grad_enabled", "is_inference_mode_enabled", "graph", "Function",
           "once_differentiable", "gradcheck", "gradgradcheck", "detect_anomaly",
           "set_detect_anomaly"]


def _as_tuple(x):
    if x is None:
        return ()
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _make_grads(outputs, grads, is_grads_batched=False):
    """Initial gradients: ones for scalar outputs when none are given (PyTorch's rule)."""
    from .._ops.creation import ones_like
    from .._tensor import Tensor
    out = []
    for i, (t, g) in enumerate(zip(outputs, grads)):
        if g is None:
            if not t.requires_grad:  # the engine raises "element i ... does not require grad"
                out.append(None)
                continue
            if t._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not (t.is_floating_point() or t.is_complex()):
                raise RuntimeError(f"grad can be implicitly created only for real scalar outputs "
                                   f"but got {t.dtype}")
            g = ones_like(t)
        elif isinstance(g, Tensor):
            if g._data.shape != t._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {t.shape}.")
            if g.is_complex() != t.is_complex():
                raise RuntimeError(f"For complex Tensors, both grad_output and output are "
                                   f"required to have the same dtype. Mismatch in dtype: "
                                   f"grad_output[{i}] has a dtype of {g.dtype} and output[{i}] "
                                   f"has a dtype of {t.dtype}.")
        else:
            raise TypeError(f"gradients can be either Tensors or None, but got "
                            f"{type(g).__name__}")
        out.append(g)
    return out


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False,
             grad_variables=None, inputs=None):
    """Accumulate gradients of ``tensors`` into the ``.grad`` of graph leaves."""
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    tensors = _as_tuple(tensors)
    grads = _as_tuple(grad_tensors) or (None,) * len(tensors)
    if len(grads) != len(tensors):
        raise RuntimeError(f"got {len(tensors)} tensors and {len(grads)} gradients")
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(tensors, grads)
    if inputs is not None:
        for t in inputs:
            t.retain_grad()  # a non-leaf input keeps its .grad (as PyTorch does)
        graph.run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs,
                           allow_unused=True, accumulate=True)
        return
    graph.run_backward(tensors, grads, retain_graph, create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Gradients of ``outputs`` w.r.t. ``inputs``, returned instead of accumulated."""
    from .._ops.creation import zeros_like
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grads = _as_tuple(grad_outputs) or (None,) * len(outputs)
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when "
                         "materialize_grads=True, but got: allow_unused=False.")
    if not inputs:
        raise RuntimeError("`inputs` argument to `grad()` cannot be empty.")
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    grads = _make_grads(outputs, grads)
    result = graph.run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                                allow_unused=allow_unused)
    if materialize_grads:
        result = tuple(zeros_like(i) if g is None else g for g, i in zip(result, inputs))
    return result

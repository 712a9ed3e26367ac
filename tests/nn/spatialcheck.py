"""Helpers of the convolution / pooling / padding tests: layers checked against PyTorch's.

``check_layer(make, shape)`` builds the layer in both libraries from the same seed, requires
bit-identical initial parameters (same draws from the same generator), copies nothing, and
compares the repr, the forward values and dtypes, and the gradients of the input and of every
parameter for one random upstream gradient.
"""

import numpy as np
import torch

import torcia

from ..ops.opcheck import RNG, assert_close, make_array, to_numpy


def node_names(t):
    """Node names of ``t``'s graph, breadth first (accumulators left out)."""
    names, todo = [], [t.grad_fn]
    while todo:
        fn = todo.pop(0)
        if fn is None or "AccumulateGrad" in fn.name():
            continue
        names.append(fn.name())
        todo.extend(f for f, _ in fn.next_functions)
    return names


def same_parameters(a, b):
    """The layers' state dicts hold the same keys and bit-identical values."""
    sa, sb = a.state_dict(), b.state_dict()
    assert list(sa) == list(sb), f"state_dict keys {list(sa)} != torch's {list(sb)}"
    for k in sb:
        x, y = to_numpy(sa[k]), to_numpy(sb[k])
        assert x.shape == y.shape, f"{k}: shape {x.shape} != torch's {y.shape}"
        assert np.array_equal(x, y), f"{k}: initial values differ from torch's"


def check_layer(make, shape, dtype="float32", atol=1e-5, rtol=1.3e-6, grad_atol=1e-4,
                grad_rtol=1e-4, input_grad=True, x=None, train=True, call=None):
    """``make(nn)`` in torcia and torch: init, repr, forward and gradients agree."""
    torch.manual_seed(0)
    tl = make(torch.nn)
    torcia.manual_seed(0)
    cl = make(torcia.nn)
    assert repr(cl) == repr(tl), f"repr {cl!r} != torch's {tl!r}"
    same_parameters(cl, tl)
    if dtype == "float64":
        tl, cl = tl.double(), cl.double()
    if not train:
        tl.eval()
        cl.eval()
    arr = make_array(shape, dtype) if x is None else x
    tx = torch.from_numpy(arr.copy()).requires_grad_(input_grad)
    cx = torcia.from_numpy(arr.copy()).requires_grad_(input_grad)
    call = call or (lambda layer, inp: layer(inp))
    ty, cy = call(tl, tx), call(cl, cx)
    if isinstance(ty, tuple):
        for a, e in zip(cy[1:], ty[1:]):
            assert_close(a, e, 0, 0, "extra output")
        ty, cy = ty[0], cy[0]
    assert str(cy.dtype) == str(ty.dtype), f"dtype {cy.dtype} != {ty.dtype}"
    assert_close(cy, ty, atol, rtol, "forward")
    up = RNG.uniform(-1, 1, tuple(ty.shape)).astype(arr.dtype)
    ty.backward(torch.from_numpy(up))
    cy.backward(torcia.from_numpy(up.copy()))
    if input_grad:
        assert_close(cx.grad, tx.grad, grad_atol, grad_rtol, "input gradient")
    for (name, cp), (_, tp) in zip(cl.named_parameters(), tl.named_parameters()):
        assert cp.grad is not None, f"{name}: no gradient"
        assert_close(cp.grad, tp.grad, grad_atol, grad_rtol, f"gradient of {name}")
    return cl, tl

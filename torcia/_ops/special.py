"""Special functions of two tensors: the regularized incomplete gamma functions ``igamma``
(P, ``torch.special.gammainc``) and ``igammac`` (Q = 1 - P, ``torch.special.gammaincc``).

The values come from ``torcia/_backend/gamma.py`` (Note [Incomplete gamma]), computed in
float64 and rounded to the result dtype. As in PyTorch only ``other`` (x) has a derivative:
``d/dx P(a, x) = x^(a-1) e^-x / Gamma(a)``; the one for ``input`` (a) raises.
"""

import numpy as np

from .._backend.gamma import gammainc
from ._core import Node
from .pointwise import _float_binary, binary

__all__ = ["igamma", "igammac"]
METHODS = ["igamma", "igammac"]
INPLACE = ["igamma", "igammac"]


def _density(a, x):
    """``x^(a-1) e^-x / Gamma(a)``, in Tensor ops."""
    return ((a - 1) * x.log() - x - a.lgamma()).exp()


class IgammaBackward0(Node):
    saves = {"self": (1,), "other": (1,)}
    sign = 1
    op = "igamma"

    def backward(self, grad):
        if self.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{self.op}: input' is not "
                                      "implemented.")
        a, x = self.saved_tensors
        a = a if a is not None else self.self_scalar
        g = grad * _density(a, x)
        return None, (g if self.sign > 0 else -g)


class IgammacBackward0(IgammaBackward0):
    sign = -1
    op = "igammac"


def _kernel(which):
    def fn(a, x):
        if isinstance(a, np.ndarray):
            r = gammainc(a.astype(np.float64), x.astype(np.float64))[which]
            return r.astype(np.result_type(a, x), copy=False)
        import cupy  # a GPU tensor's arrays: computed on the host
        return cupy.asarray(fn(cupy.asnumpy(a), cupy.asnumpy(x)))
    return fn


def igamma(input, other, *, out=None):
    """The regularized lower incomplete gamma function ``P(input, other) = gamma(input,
    other) / Gamma(input)``, elementwise (floating dtypes; nan outside a, x >= 0)."""
    _float_binary("igamma", input, other)
    return binary(_kernel(0), IgammaBackward0, input, other, "igamma", out)


def igammac(input, other, *, out=None):
    """The regularized upper incomplete gamma function ``Q(input, other) = 1 - P(input,
    other)``, elementwise."""
    _float_binary("igammac", input, other)
    return binary(_kernel(1), IgammacBackward0, input, other, "igammac", out)

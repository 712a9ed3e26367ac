"""Every op, grouped by family; importing this installs them as Tensor methods.

Each family module lists its public functions in ``__all__``, the names that are also
Tensor methods in ``METHODS``, and those with an in-place ``name_`` form in ``INPLACE``.
"""

from .._tensor import Tensor, install_operators
from . import conv, creation, indexing, linalg, pointwise, pool, random, reduction, shape, sorting  # noqa: E402  (nn ops: convolution, pooling)
from ._core import apply_inplace

FAMILIES = (creation, pointwise, reduction, shape, indexing, linalg, sorting, random, conv, pool)
from . import activation, distance, dropout, loss, sparse, special  # noqa: E402,I001  (nn, igamma)

FAMILIES += (activation, distance, dropout, loss, sparse, special)


def inplace_method(fn):
    """``fn``'s in-place Tensor method: computes ``fn(self, ...)`` and writes it into self."""
    def method(self, *args, **kwargs):
        others = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        return apply_inplace(self, lambda src: fn(src, *args, **kwargs), others)
    method.__name__ = method.__qualname__ = fn.__name__ + "_"
    method.__doc__ = f"In-place form of ``{fn.__name__}``."
    return method


def _install():
    for mod in FAMILIES:
        for name in getattr(mod, "METHODS", ()):
            setattr(Tensor, name, getattr(mod, name))
        for name in getattr(mod, "INPLACE", ()):
            setattr(Tensor, name + "_", inplace_method(getattr(mod, name)))
    install_operators()


_install()

"""The ops a trace may hold: an allow-list from stable names to torcia functions.

A traced graph names each op by a key such as ``torcia.nn.functional.linear``,
``torcia.add`` or ``Tensor.view``; loading a saved graph looks every key up in this table
and refuses anything else, so a file can only ever call torcia's own ops (see
Note [Safe loading] in _module.py). The table is built once, on first use, from the op
families (``torcia/_ops``), ``torcia.nn.functional``, ``torcia.linalg``, the Tensor methods
those install, a few conversions Tensor defines itself, and the quantized dynamic ops of
``torcia.ao``; ``prim.*`` keys are integer arithmetic on sizes.
"""

import importlib
import operator
import pkgutil
import types

__all__ = ["ops", "key_of", "PRIM", "TENSOR_PROPERTIES"]

# Conversions Tensor defines in _tensor.py (everything else there is metadata or autograd).
_TENSOR_OPS = ("contiguous", "detach", "type", "type_as", "to", "cpu", "cuda", "float",
               "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool",
               "cfloat", "cdouble")
# Properties that compute (x.T, x.mT, ...): their getter is the op.
TENSOR_PROPERTIES = ("T", "mT", "H", "mH", "real", "imag")


def _size(input, dim):
    return input.size(dim)


def _numel(input):
    return input.numel()


PRIM = {
    "prim.size": _size,
    "prim.numel": _numel,
    "prim.add": operator.add,
    "prim.sub": operator.sub,
    "prim.mul": operator.mul,
    "prim.floordiv": operator.floordiv,
    "prim.mod": operator.mod,
    "prim.neg": operator.neg,
}

_table = None  # key -> function
_keys = None  # id(function) -> key


def _is_op(fn, prefixes):
    return isinstance(fn, types.FunctionType) and fn.__module__.startswith(prefixes)


def _build():
    global _table, _keys
    import torcia
    from torcia import _ops
    from torcia._tensor import Tensor
    from torcia.nn import functional

    table, keys = {}, {}

    def add(key, fn):
        if id(fn) not in keys:
            keys[id(fn)] = key
            table[key] = fn

    op_modules = ("torcia._ops", "torcia.nn.functional", "torcia.linalg", "torcia.ao.")
    found = []  # (key, function) in order of preference
    for prefix, ns in (("torcia", torcia), ("torcia.nn.functional", functional),
                       ("torcia.linalg", torcia.linalg)):
        found += [(f"{prefix}.{name}", fn) for name, fn in vars(ns).items()
                  if not name.startswith("_") and _is_op(fn, op_modules)]
    for name, fn in vars(Tensor).items():
        if isinstance(fn, property) and name in TENSOR_PROPERTIES:
            found.append((f"Tensor.{name}", fn.fget))
        elif _is_op(fn, "torcia._ops") or (name in _TENSOR_OPS and _is_op(fn, "torcia")):
            found.append((f"Tensor.{name}", fn))
    families = [importlib.import_module(f"torcia._ops.{m.name}")
                for m in pkgutil.iter_modules(_ops.__path__) if not m.name.startswith("_")]
    from torcia.ao.nn.quantized import functional as qfunctional
    for mod in families + [qfunctional]:
        found += [(f"{mod.__name__}.{name}", getattr(mod, name, None))
                  for name in getattr(mod, "__all__", ())
                  if _is_op(getattr(mod, name, None), op_modules)]
    # a function known by several names (transpose, swapaxes) is keyed by its own name
    for key, fn in found:
        if key.rsplit(".", 1)[1] == fn.__name__:
            add(key, fn)
    for key, fn in found:
        add(key, fn)
    table.update(PRIM)
    _table, _keys = table, keys


def ops():
    """The allow-list: key -> function."""
    if _table is None:
        _build()
    return _table


def key_of(fn):
    """The key of op ``fn``, or None when ``fn`` is not an op."""
    if _keys is None:
        _build()
    return _keys.get(id(fn))


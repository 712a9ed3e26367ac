"""PyTorch's program transforms, run eagerly: ``compile``, ``vmap``, ``cond``, ``while_loop``.

torcia executes every op as it is called, so these keep PyTorch's signatures and results
without tracing anything:

- ``compile`` returns the model or function unchanged (what ``backend="eager"`` amounts to);
- ``vmap`` calls the function once per index of the mapped dimension and stacks the results
  (see Note [vmap by looping]);
- ``cond`` and ``while_loop`` run their branches or body as ordinary Python control flow.
"""

import functools

from . import random as _random
from ._tensor import Tensor

__all__ = ["compile", "vmap", "cond", "while_loop"]


# -- compile ---------------------------------------------------------------------------------
def compile(model=None, *, fullgraph=False, dynamic=None, backend=None, mode=None,  # noqa: A001
            options=None, name=None, disable=False, recompile_limit=None,
            isolate_recompiles=False, shapes_spec=None):
    """``torch.compile``: returns ``model`` itself. torcia runs eagerly, as PyTorch does with
    ``backend="eager"``, so there is no graph to capture; the arguments are accepted (and
    checked as PyTorch checks them) so that code written for ``torch.compile`` runs
    unchanged. Without ``model`` it is a decorator: ``@torch.compile(mode=...)``."""
    if model is None:
        def decorator(model):
            if model is None:
                raise RuntimeError("Model can't be None")
            return compile(model, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                           mode=mode, options=options, name=name, disable=disable,
                           recompile_limit=recompile_limit,
                           isolate_recompiles=isolate_recompiles, shapes_spec=shapes_spec)
        return decorator
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    return model


# -- vmap --------------------------------------------------------------------------------------
# Note [vmap by looping]
# torch.vmap runs the function once on "batched" tensors; torcia has no batching rules, so it
# slices every mapped input at each index of the mapped dimension (``select``, a view), calls
# the function on the slices and stacks each output along its out_dim. The results, their
# gradients and the errors for mismatched in_dims/out_dims are PyTorch's; the cost is one call
# per batch element. Differences: functions the batching would reject still run (``.item()``,
# data-dependent control flow), and randomness='error' does not detect random ops (they draw
# different values per element, as 'different'); randomness='same' replays one RNG state for
# every element. A mapped dimension of size 0 calls the function once on zero-filled slices
# to learn the output shapes.
_LEAF = object()


def _is_node(x):
    return isinstance(x, (tuple, list, dict))


def _flatten(tree):
    """Leaves of a pytree of tuples, lists and dicts, and a spec to rebuild it."""
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]
        return [leaf for p in parts for leaf in p[0]], (dict, keys, [p[1] for p in parts])
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        kind = type(tree) if not hasattr(tree, "_fields") else (type(tree), "namedtuple")
        return [leaf for p in parts for leaf in p[0]], (kind, None, [p[1] for p in parts])
    return [tree], _LEAF


def _unflatten(leaves, spec):
    it = iter(leaves)

    def build(s):
        if s is _LEAF:
            return next(it)
        kind, keys, children = s
        if kind is dict:
            return {k: build(c) for k, c in zip(keys, children)}
        values = [build(c) for c in children]
        if isinstance(kind, tuple):  # a namedtuple, or a return type built from a sequence
            cls = kind[0]
            return cls._make(values) if hasattr(cls, "_make") else cls(values)
        return kind(values)
    return build(spec)


def _spec_str(spec):
    if spec is _LEAF:
        return "*"
    kind, keys, children = spec
    inner = ", ".join(_spec_str(c) for c in children)
    if kind is dict:
        return "{" + ", ".join(f"{k!r}: {_spec_str(c)}" for k, c in zip(keys, children)) + "}"
    return f"[{inner}]" if kind is list else f"({inner})"


def _broadcast_dims(dims, tree):
    """``dims`` (an int/None for a whole subtree, or a tree like ``tree``) per leaf of
    ``tree``, or None where the structures do not match."""
    if dims is None or isinstance(dims, int):
        return [dims] * len(_flatten(tree)[0])
    if isinstance(dims, dict) and isinstance(tree, dict):
        if set(dims) != set(tree):
            return None
        parts = [_broadcast_dims(dims[k], tree[k]) for k in tree]
    elif isinstance(dims, (tuple, list)) and isinstance(tree, (tuple, list)):
        if len(dims) != len(tree):
            return None
        parts = [_broadcast_dims(d, t) for d, t in zip(dims, tree)]
    else:
        return None
    if any(p is None for p in parts):
        return None
    return [d for p in parts for d in p]


def _fname(func):
    return getattr(func, "__name__", repr(func))


def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """``torch.vmap``: ``func`` mapped over dimension ``in_dims`` of its inputs (an int for
    every input, or a tuple with an int or None, or a nested structure, per positional
    argument), its outputs stacked along ``out_dims``. Runs ``func`` once per batch element
    (Note [vmap by looping]); keyword arguments are passed to every call unmapped."""
    if randomness not in ("error", "different", "same"):
        raise RuntimeError(f"Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")
    if chunk_size is not None and (not isinstance(chunk_size, int) or chunk_size <= 0):
        raise ValueError(f"vmap: chunk_size should be None or greater than 0. (got "
                         f"{chunk_size})")

    @functools.wraps(func)
    def wrapped(*args, **kwargs):
        name = _fname(func)
        prefix = f"vmap({name}, in_dims={in_dims}, ...)(<inputs>)"
        if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
            raise ValueError(f"{prefix}: expected `in_dims` to be int or a (potentially nested) "
                             f"tuple matching the structure of inputs, got: {type(in_dims)}.")
        if not args:
            raise ValueError(f"vmap({name})(<inputs>): got no inputs. Maybe you forgot to add "
                             "inputs, or you are trying to vmap over a function with no "
                             "inputs. The latter is unsupported.")
        leaves, spec = _flatten(args)
        dims = _broadcast_dims(in_dims, args)
        if dims is None:
            raise ValueError(f"{prefix}: in_dims is not compatible with the structure of "
                             f"`inputs`. in_dims has structure {_spec_str(_flatten(in_dims)[1])} "
                             f"but inputs has structure {_spec_str(spec)}.")
        sizes = []
        for i, (x, d) in enumerate(zip(leaves, dims)):
            if d is None:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(f"{prefix}: Got in_dim={d} for an input but the input is of "
                                 f"type {type(x)}. We cannot vmap over non-Tensor arguments, "
                                 "please use None as the respective in_dim")
            n = x.dim()
            if not -n <= d < n:
                raise ValueError(f"{prefix}: Got in_dim={d} for some input, but that input is "
                                 f"a Tensor of dimensionality {n} so expected in_dim to "
                                 f"satisfy -{n} <= in_dim < {n}.")
            dims[i] = d % n
            sizes.append(x.shape[dims[i]])
        if not sizes:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        if any(s != sizes[0] for s in sizes):
            raise ValueError(f"vmap: Expected all tensors to have the same size in the mapped "
                             f"dimension, got sizes {sizes} for the mapped dimension")
        batch = sizes[0]
        state = _random.get_rng_state() if randomness == "same" else None

        def call(i):
            if state is not None:
                _random.set_rng_state(state)
            if i is None:  # an empty batch: zero slices (sums over it) give the structure
                sliced = [x if d is None else x.sum(d) for x, d in zip(leaves, dims)]
            else:
                sliced = [x if d is None else x.select(d, i) for x, d in zip(leaves, dims)]
            return func(*_unflatten(sliced, spec), **kwargs)

        results = [call(i) for i in range(batch)] if batch else [call(None)]
        return _stack_outputs(results, out_dims, name, batch)
    return wrapped


def _stack_outputs(results, out_dims, name, batch):
    from ._ops.shape import stack
    flat = [_flatten(r) for r in results]
    leaves0, spec = flat[0]
    dims = _broadcast_dims(out_dims, results[0])
    if dims is None:
        raise ValueError(f"vmap({name}, ..., out_dims={out_dims})(<inputs>): out_dims is not "
                         f"compatible with the structure of `outputs`. out_dims has structure "
                         f"{_spec_str(_flatten(out_dims)[1])} but outputs has structure "
                         f"{_spec_str(spec)}.")
    out = []
    for j, d in enumerate(dims):
        values = [f[0][j] for f in flat]
        if d is None:
            out.append(values[0])
            continue
        if not isinstance(values[0], Tensor):
            raise ValueError(f"vmap({name}, ...): `{name}` must only return Tensors, got type "
                             f"{type(values[0])}. Did you mean to set out_dims= to None for "
                             "output?")
        if batch:
            out.append(stack(values, d))
        else:
            v = values[0].unsqueeze(d)
            out.append(v.narrow(d, 0, 0))
    return _unflatten(out, spec)


# -- cond, while_loop ----------------------------------------------------------------------------
def _tensor_leaves_only(tree, allow_int=False):
    ok = (Tensor, int) if allow_int else Tensor
    return all(isinstance(x, ok) for x in _flatten(tree)[0])


def cond(pred, true_fn, false_fn, operands=()):
    """``torch.cond``: ``true_fn(*operands)`` if ``pred`` (a bool or a one-element tensor)
    holds, else ``false_fn(*operands)``, run eagerly. PyTorch compiles both branches when
    ``pred`` is a tensor and requires their outputs to match; here only the branch taken
    runs."""
    if isinstance(pred, (bool, int, float)):
        return true_fn(*operands) if pred else false_fn(*operands)
    if not isinstance(pred, Tensor):
        raise RuntimeError(f"Expected pred to be bool or tensor, but got {pred}.")
    if pred.numel() != 1:
        raise RuntimeError(f"Expected pred to be bool or single-element tensor, but got "
                           f"{pred}.")
    if not callable(true_fn) or not callable(false_fn):
        raise RuntimeError("Expect both branches to be callable.")
    if not isinstance(operands, (tuple, list)) or not _tensor_leaves_only(operands):
        raise RuntimeError("Expect operands to be a tuple of possibly nested dict/list/tuple "
                           f"that only consists of tensor leaves, but got {operands}.")
    return true_fn(*operands) if bool(pred.item()) else false_fn(*operands)


def while_loop(cond_fn, body_fn, carried_inputs):
    """``torch.while_loop``: ``carried = body_fn(*carried)`` while ``cond_fn(*carried)``
    holds, starting from ``carried_inputs`` (a tuple of tensors and ints); returns the
    final carried values as a tuple."""
    if not callable(cond_fn) or not callable(body_fn):
        raise RuntimeError("Expect cond_fn and body_fn to be callable.")
    leaves = _flatten(carried_inputs)[0]
    bad = [x for x in leaves if not isinstance(x, (Tensor, int))]
    if bad:
        raise AssertionError(f"{bad} can only be of (<class 'torch.Tensor'>, <class 'int'>, "
                             f"<class 'torch.SymInt'>) but got {tuple(type(x) for x in bad)}")
    if not isinstance(carried_inputs, (tuple, list)) or \
            not _tensor_leaves_only(carried_inputs, allow_int=True):
        raise RuntimeError("Expect carried_inputs to be a tuple of possibly nested "
                           "dict/list/tuple that onlyconsists of tensor or int leaves, but got "
                           f"{carried_inputs}.")
    carried = tuple(carried_inputs)
    while True:
        c = cond_fn(*carried)
        if not (c.item() if isinstance(c, Tensor) else c):
            return carried
        out = body_fn(*carried)
        carried = tuple(out) if isinstance(out, (tuple, list)) else (out,)

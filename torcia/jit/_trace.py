"""The tracer: run a model once and record the ops it calls into a Graph.

Note [How tracing records ops]
Ops are ordinary Python functions (``torcia/_ops/<family>.py``), reached through module
attributes (``F.linear``, ``torcia.relu``), names imported into other modules (``from
.creation import zeros``) and Tensor methods and operators. While a trace runs, and only
then, every reference to an op in torcia's modules, in the traced model's modules and on
Tensor is swapped for a thin recorder; leaving the trace puts the originals back. A
recorder calls its op and, when it is the outermost op (an op's own inner calls are part of
it), appends one node: the op's key (_registry.py), its arguments with tensors replaced by
references to graph values, and its outputs with their dtypes and shapes. Nothing in the op
code knows about tracing, and outside a trace nothing is slower.

Python values are not data flow, so three more things are watched while tracing:
- Sizes read from a traced tensor (``x.size(0)``, ``x.shape``) are ``TracedInt``: ints
  that remember where they came from, and the arithmetic done on them. An op receiving one
  records the size expression, so ``x.view(x.size(0), -1)`` replays for any batch size.
- Converting a traced tensor to a Python bool, number, list or array (``if x.sum() > 0:``)
  cannot be recorded: it warns with PyTorch's TracerWarning.
- A tensor made outside any recorded op (``.data``, a NumPy round trip) and then used is
  captured as a constant, with a TracerWarning.
"""

import functools
import inspect
import operator
import sys
import threading
import warnings

from .. import _dtype
from .._device import device as _device_cls
from .._tensor import Size, Tensor
from . import _registry
from ._graph import Graph, display_name, encode_float

__all__ = ["TracerWarning", "TracedInt", "is_tracing", "trace", "trace_module"]


class TracerWarning(Warning):
    """The trace may not generalize: Python saw values the graph cannot record."""


_state = threading.local()
_lock = threading.Lock()  # one trace at a time: recorders are installed process-wide


def _active():
    """The tracer recording in this thread, or None."""
    return getattr(_state, "tracer", None)


def is_tracing():
    """Whether a ``torcia.jit.trace`` is recording in this thread."""
    return _active() is not None


class TracedInt(int):
    """An int that came from a traced tensor's size, with the expression that computed it:
    ``("size", value, dim)`` or ``(op, a, b)`` over ints and TracedInts."""

    def __new__(cls, value, expr):
        self = int.__new__(cls, value)
        self._expr = expr
        return self

    def _arith(name, fn, plain):
        def method(self, other):
            if type(other) is bool or not isinstance(other, int):
                return plain(int(self), other)  # a float or other: a plain Python value
            return TracedInt(fn(int(self), int(other)), (name, self, other))

        def reflected(self, other):
            if type(other) is bool or not isinstance(other, int):
                return getattr(int, plain.__name__.replace("__", "__r", 1))(int(self), other)
            return TracedInt(fn(int(other), int(self)), (name, other, self))
        return method, reflected

    __add__, __radd__ = _arith("add", operator.add, int.__add__)
    __sub__, __rsub__ = _arith("sub", operator.sub, int.__sub__)
    __mul__, __rmul__ = _arith("mul", operator.mul, int.__mul__)
    __floordiv__, __rfloordiv__ = _arith("floordiv", operator.floordiv, int.__floordiv__)
    __mod__, __rmod__ = _arith("mod", operator.mod, int.__mod__)
    del _arith

    def __neg__(self):
        return TracedInt(-int(self), ("neg", self))

    def __pos__(self):
        return self


_CONVERSION = ("Converting a tensor to {} might cause the trace to be incorrect. We can't "
               "record the data flow of Python values, so this value will be treated as a "
               "constant in the future. This means that the trace might not generalize to "
               "other inputs!")
_LEN = ("Using len to get tensor shape might cause the trace to be incorrect. Recommended "
        "usage would be tensor.shape[0]. Passing a tensor of different shape might lead to "
        "errors or silently give incorrect results.")
_ITER = ("Iterating over a tensor might cause the trace to be incorrect. Passing a tensor of "
         "different shape won't change the number of iterations executed (and might lead to "
         "errors or silently give incorrect results).")
_UNTRACED = ("A tensor made outside the ops the tracer records ({}) is used by {}: it is "
             "captured as a constant, so the trace might not generalize to other inputs!")
# Ops returning Python values that depend only on dtypes and shapes (no warning).
_METADATA = frozenset(("is_floating_point", "is_complex", "is_signed", "broadcast_shapes",
                       "is_same_size", "numel", "dim", "is_contiguous", "type"))


class Tracer:
    """Records one run; see Note [How tracing records ops]."""

    def __init__(self, module=None):
        self.depth = 0
        self.nodes = []
        self.values = {}  # id(tensor) -> (value name, tensor): traced tensors
        self.ints = {}  # id(TracedInt) -> (value name, TracedInt)
        self.const_names = {}  # id(tensor) -> constant name (parameters, buffers, captured)
        self.consts = {}  # constant name -> (kind, tensor)
        self.untraced = {}  # id(tensor) -> tensor made at depth 0 by code not recorded
        self.counter = 0
        self.wrappers = {}
        if module is not None:
            for kind, items in (("parameter", module.named_parameters(remove_duplicate=False)),
                                ("buffer", module.named_buffers(remove_duplicate=False))):
                for name, t in items:
                    if id(t) not in self.const_names:
                        self.const_names[id(t)] = name
                        self.consts[name] = (kind, t)

    # -- values --------------------------------------------------------------------------
    def fresh(self):
        self.counter += 1
        return str(self.counter)

    def new_value(self, t, name=None):
        name = name or self.fresh()
        self.values[id(t)] = (name, t)
        return name

    def value_name(self, t):
        """The graph value ``t`` is, when it is one (not a constant)."""
        entry = self.values.get(id(t))
        return entry[0] if entry is not None and entry[1] is t else None

    def tensor_ref(self, t, where):
        name = self.value_name(t)
        if name is not None:
            return {"v": name}
        name = self.const_names.get(id(t))
        if name is not None and self.consts[name][1] is t:
            return {"c": name}
        if t.requires_grad:
            raise RuntimeError("Cannot insert a Tensor that requires grad as a constant. "
                               "Consider making it a parameter or input, or detaching the "
                               "gradient")
        made = self.untraced.get(id(t))
        if made is not None and made[0] is t:
            _warn(_UNTRACED.format(made[1], where))
        name = f"c{sum(kind == 'constant' for kind, _ in self.consts.values())}"
        self.const_names[id(t)] = name
        self.consts[name] = ("constant", t)
        return {"c": name}

    def int_ref(self, ti):
        entry = self.ints.get(id(ti))
        if entry is not None and entry[1] is ti:
            return entry[0]
        expr = ti._expr
        if expr[0] == "size":
            op, args = "prim.size", [{"v": expr[1]}, expr[2]]
        else:
            op = "prim." + expr[0]
            args = [self.encode(x, op) for x in expr[1:]]
        name = self.fresh()
        self.nodes.append({"op": op, "args": args, "kwargs": {},
                           "outputs": [{"name": name, "path": [], "type": "int",
                                        "value": int(ti)}]})
        self.ints[id(ti)] = (name, ti)
        return name

    # -- arguments -----------------------------------------------------------------------
    def encode(self, a, where):
        """JSON form of an op argument (see Note [Graph format] in _graph.py)."""
        if isinstance(a, Tensor):
            return self.tensor_ref(a, where)
        if isinstance(a, TracedInt):
            return {"v": self.int_ref(a)}
        if a is None or isinstance(a, (bool, str)):
            return a
        if isinstance(a, int):
            return int(a)
        if isinstance(a, float):
            return encode_float(a)
        if isinstance(a, Size):
            return {"size": [self.encode(x, where) for x in a]}
        if isinstance(a, tuple):
            return {"t": [self.encode(x, where) for x in a]}
        if isinstance(a, list):
            return [self.encode(x, where) for x in a]
        if isinstance(a, dict) and all(isinstance(k, (str, int)) for k in a):
            return {"d": [[k, self.encode(v, where)] for k, v in a.items()]}
        if isinstance(a, slice):
            return {"s": [self.encode(x, where) for x in (a.start, a.stop, a.step)]}
        if a is Ellipsis:
            return {"e": 1}
        if isinstance(a, _dtype.dtype):
            return {"dtype": a.name}
        if isinstance(a, _device_cls):
            return {"device": str(a)}
        if isinstance(a, complex):
            return {"complex": [encode_float(a.real), encode_float(a.imag)]}
        from .._ops.creation import memory_format
        if isinstance(a, memory_format):
            return {"mf": a.name}
        import numpy as np
        if isinstance(a, np.generic):
            return self.encode(a.item(), where)
        if type(a).__name__ == "layout" and type(a).__module__ == "torcia":
            return {"layout": a.name}
        raise RuntimeError(f"torcia.jit.trace: cannot record an argument of type "
                           f"{type(a).__name__} passed to {where}")

    def encode_output(self, out):
        if isinstance(out, Tensor):
            return self.tensor_ref(out, "the output")
        if isinstance(out, TracedInt):
            return {"v": self.int_ref(out)}
        if isinstance(out, (tuple, list)):
            items = [self.encode_output(x) for x in out]
            return {"t": items} if isinstance(out, tuple) else items
        if isinstance(out, dict):
            return {"d": [[k, self.encode_output(v)] for k, v in out.items()]}
        return self.encode(out, "the output")

    # -- recording -----------------------------------------------------------------------
    def record(self, key, args, kwargs, out):
        where = display_name(key)
        node = {"op": key, "args": [self.encode(a, where) for a in args],
                "kwargs": {k: self.encode(v, where) for k, v in kwargs.items()},
                "outputs": []}
        if key == "Tensor.__setitem__":
            out = args[0]  # it returns None; the graph sees the changed tensor as its result
        found = []
        _tensors_in(out, (), found)
        if not found:
            name = key.rsplit(".", 1)[-1]
            if (isinstance(out, (bool, int, float, complex)) and name not in _METADATA
                    and any(_is_traced(self, a) for a in (*args, *kwargs.values()))):
                what = "a Python boolean" if isinstance(out, bool) else "a Python number"
                _warn(_CONVERSION.format(what))
            return
        for path, t in found:
            node["outputs"].append({"name": self.new_value(t), "path": list(path),
                                    "type": "Tensor", "dtype": t.dtype.name,
                                    "shape": list(t._data.shape)})
        self.nodes.append(node)

    def wrapper(self, fn):
        """The recorder for op ``fn`` (``fn`` itself when it is not an op)."""
        w = self.wrappers.get(id(fn))
        return w[1] if w is not None else fn


def _warn(message):
    """Warn with TracerWarning, attributed to the first caller outside torcia."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_globals.get("__name__", "").startswith("torcia"):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, TracerWarning, stacklevel=level)


def _is_traced(tracer, a):
    if isinstance(a, Tensor):
        return tracer.value_name(a) is not None
    if isinstance(a, (tuple, list)):
        return any(_is_traced(tracer, x) for x in a)
    return False


def _tensors_in(out, path, found):
    if isinstance(out, Tensor):
        found.append((path, out))
    elif isinstance(out, (tuple, list)):
        for i, x in enumerate(out):
            _tensors_in(x, path + (i,), found)


# -- installing the recorders ------------------------------------------------------------------
def _recorder(key, fn):
    @functools.wraps(fn)
    def recorded(*args, **kwargs):
        tr = getattr(_state, "tracer", None)
        if tr is None or tr.depth:
            return fn(*args, **kwargs)
        tr.depth = 1
        try:
            out = fn(*args, **kwargs)
        finally:
            tr.depth = 0
        tr.record(key, args, kwargs, out)
        return out
    return recorded


def _watch_wrap(wrap):
    """``wrap`` (which makes every new tensor) noting tensors made outside recorded ops."""
    @functools.wraps(wrap)
    def watched(*args, **kwargs):
        t = wrap(*args, **kwargs)
        tr = getattr(_state, "tracer", None)
        if tr is not None and not tr.depth:
            caller = sys._getframe(1).f_code
            tr.untraced[id(t)] = (t, f"{caller.co_qualname} in {caller.co_filename}")
        return t
    return watched


def _conversion(orig, what):
    """A Tensor conversion method that warns when a traced tensor leaves the graph."""
    @functools.wraps(orig)
    def convert(self, *args, **kwargs):
        tr = getattr(_state, "tracer", None)
        if tr is None or tr.depth:
            return orig(self, *args, **kwargs)
        if tr.value_name(self) is not None:
            _warn(what)
        if orig.__name__ == "__iter__":
            return orig(self, *args, **kwargs)  # unbind inside is recorded
        tr.depth = 1
        try:
            return orig(self, *args, **kwargs)
        finally:
            tr.depth = 0
    return convert


def _traced_size(orig):
    @functools.wraps(orig)
    def size(self, dim=None):
        tr = getattr(_state, "tracer", None)
        out = orig(self, dim)
        if tr is None or tr.depth:
            return out
        name = tr.value_name(self)
        if name is None:
            return out
        if dim is None:
            return tuple.__new__(Size, [TracedInt(s, ("size", name, i))
                                        for i, s in enumerate(out)])
        return TracedInt(out, ("size", name, dim % self._data.ndim))
    return size


class _Patches:
    """Swap attributes while tracing; ``undo`` restores every one."""

    def __init__(self):
        self.saved = []

    def set(self, obj, name, value):
        d = obj if isinstance(obj, dict) else obj.__dict__
        self.saved.append((obj, name, d[name]))
        if isinstance(obj, dict):
            obj[name] = value
        else:
            setattr(obj, name, value)

    def undo(self):
        for obj, name, old in reversed(self.saved):
            if isinstance(obj, dict):
                obj[name] = old
            else:
                setattr(obj, name, old)
        self.saved.clear()


def _install(tracer, patches, extra_modules, instances):
    from .. import _tensor
    swap = {}
    for key, fn in _registry.ops().items():
        if not key.startswith("prim.") and id(fn) not in swap:
            swap[id(fn)] = (fn, _recorder(key, fn))
    tracer.wrappers = swap
    swap[id(_tensor.wrap)] = (_tensor.wrap, _watch_wrap(_tensor.wrap))

    def scan(ns):
        for name, v in list(ns.items()):
            hit = swap.get(id(v))
            if hit is not None and hit[0] is v:
                patches.set(ns, name, hit[1])
            elif type(v) is dict and name != "__builtins__":
                for k, dv in list(v.items()):
                    hit = swap.get(id(dv))
                    if hit is not None and hit[0] is dv:
                        patches.set(v, k, hit[1])

    for modname, mod in list(sys.modules.items()):
        if mod is None or not (modname == "torcia" or modname.startswith("torcia.")):
            continue
        if modname.startswith("torcia.jit"):
            continue
        scan(vars(mod))
    for ns in extra_modules:
        scan(ns)
    for inst in instances:
        for name, v in list(vars(inst).items()):
            hit = swap.get(id(v))
            if hit is not None and hit[0] is v:
                patches.set(inst, name, hit[1])
    T = Tensor
    for name, v in list(vars(T).items()):
        if isinstance(v, property) and name in _registry.TENSOR_PROPERTIES:
            hit = swap.get(id(v.fget))
            if hit is not None:
                patches.set(T, name, property(hit[1], v.fset))
        else:
            hit = swap.get(id(v))
            if hit is not None and hit[0] is v:
                patches.set(T, name, hit[1])
    size = _traced_size(T.size)
    patches.set(T, "size", size)
    patches.set(T, "shape", property(lambda self: size(self)))
    for name, what in (("__bool__", "a Python boolean"), ("__float__", "a Python float"),
                       ("__int__", "a Python integer"), ("__index__", "a Python integer"),
                       ("item", "a Python number"), ("tolist", "a Python list"),
                       ("numpy", "a NumPy array"), ("__array__", "a NumPy array")):
        patches.set(T, name, _conversion(vars(T)[name], _CONVERSION.format(what)))
    patches.set(T, "__len__", _conversion(vars(T)["__len__"], _LEN))
    patches.set(T, "__iter__", _conversion(vars(T)["__iter__"], _ITER))


# -- trace -------------------------------------------------------------------------------------
def _input_names(fn, n):
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            names.append(p.name)
        elif p.kind == p.VAR_POSITIONAL:
            names += [f"{p.name}_{i}" for i in range(n - len(names))]
    names += [f"input_{i}" for i in range(len(names), n)]
    return [n if n.isidentifier() else f"input_{i}" for i, n in enumerate(names[:n])]


def _bind_inputs(tracer, x, name, template_names):
    """Give every tensor of input ``x`` a value name; return its template."""
    if isinstance(x, Tensor):
        if tracer.value_name(x) is not None:
            raise RuntimeError("torcia.jit.trace: the same tensor is passed as two inputs; "
                               "pass a copy (x.clone())")
        tracer.new_value(x, name)
        template_names.append((name, x))
        return {"v": name}
    if isinstance(x, (tuple, list)):
        items = [_bind_inputs(tracer, y, f"{name}_{i}", template_names) for i, y in enumerate(x)]
        return {"t": items} if isinstance(x, tuple) else items
    if isinstance(x, dict) and all(isinstance(k, str) for k in x):
        return {"d": [[k, _bind_inputs(tracer, v, f"{name}_{k}" if k.isidentifier()
                                       else f"{name}_{i}", template_names)]
                      for i, (k, v) in enumerate(x.items())]}
    raise RuntimeError(f"Type '{type(x).__name__}' cannot be traced. Only Tensors and "
                       "(possibly nested) Lists, Dicts, and Tuples of Tensors can be traced")


def _run_traced(func, module, inputs, kwargs):
    """Trace ``func(*inputs, **kwargs)``; return the Graph and the eager outputs."""
    from ..nn import Module
    if _active() is not None:
        raise RuntimeError("torcia.jit.trace: a trace is already running in this thread")
    tracer = Tracer(module)
    target = module.forward if module is not None else func
    names = _input_names(target, len(inputs) + len(kwargs))
    bound = []
    template = {"t": [_bind_inputs(tracer, x, n, bound) for x, n in zip(inputs, names)]}
    kw_template = {"d": [[k, _bind_inputs(tracer, v, k, bound)] for k, v in kwargs.items()]}
    extra, instances = [], []
    if module is not None:
        seen = set()
        for m in module.modules():
            instances.append(m)
            modname = type(m).__module__
            if modname not in seen and modname in sys.modules:
                seen.add(modname)
                if not modname.startswith("torcia"):
                    extra.append(vars(sys.modules[modname]))
    else:
        g = getattr(inspect.unwrap(func), "__globals__", None)
        if g is not None and not g.get("__name__", "").startswith("torcia"):
            extra.append(g)
    patches = _Patches()
    with _lock:
        _install(tracer, patches, extra, instances)
        _state.tracer = tracer
        try:
            out = (module if module is not None else func)(*inputs, **kwargs)
            output = tracer.encode_output(out)
        finally:
            _state.tracer = None
            patches.undo()
    nodes = _live(tracer.nodes, output)
    name = type(module).__name__ if isinstance(module, Module) else getattr(func, "__name__",
                                                                            "function")
    graph = Graph(
        name=name,
        inputs=[{"name": n, "dtype": t.dtype.name, "shape": list(t._data.shape)}
                for n, t in bound],
        input_template=template, kwarg_template=kw_template, nodes=nodes,
        output_template=output,
        constants={n: {"kind": kind, "dtype": t.dtype.name, "shape": list(t._data.shape)}
                   for n, (kind, t) in tracer.consts.items()},
        modules=({n: type(m).__name__ for n, m in module.named_modules()}
                 if module is not None else {}))
    tensors = {n: t for n, (kind, t) in tracer.consts.items()}
    return graph, tensors, out


def _refs(a, out):
    """The value names an encoded argument uses."""
    if isinstance(a, list):
        for x in a:
            _refs(x, out)
    elif isinstance(a, dict):
        (tag, val), = a.items()
        if tag == "v":
            out.add(val)
        elif tag in ("t", "size", "s", "complex"):
            _refs(val, out)
        elif tag == "d":
            for _, x in val:
                _refs(x, out)
    return out


def _mutates(node):
    key = node["op"]
    name = key.rsplit(".", 1)[1]
    return (key == "Tensor.__setitem__" or (name.endswith("_") and not name.endswith("__"))
            or "out" in node["kwargs"] or node["kwargs"].get("inplace") is True)


def _live(nodes, output):
    """``nodes`` without those whose results nothing uses (dead code, as torch's trace drops
    it); ops that change a tensor in place are kept."""
    used = _refs(output, set())
    keep = []
    for node in reversed(nodes):
        if _mutates(node) or any(o["name"] in used for o in node["outputs"]):
            keep.append(node)
            _refs(node["args"], used)
            _refs(list(node["kwargs"].values()), used)
    return keep[::-1]




def trace(func, example_inputs=None, optimize=None, check_trace=True, check_inputs=None,
          check_tolerance=1e-5, strict=True, _force_outplace=False, _module_class=None,
          _compilation_unit=None, example_kwarg_inputs=None, _store_inputs=True):
    """Run ``func`` (a Module or a function) on ``example_inputs`` and record its ops.

    Returns a :class:`TracedModule` that replays the recorded ops on new inputs: the same
    computation for other batch sizes (sizes read from inputs are recorded as such), with
    ``.graph`` and ``.code`` to read and ``torcia.jit.save`` to write one self-contained
    file. Python control flow is frozen as it ran: where a traced tensor became a Python
    value (``if x.sum() > 0:``) a :class:`TracerWarning` says so.

    Args:
        func: an ``nn.Module`` (its ``__call__`` is traced, with hooks) or a function.
        example_inputs: a tensor or a tuple of positional arguments (tensors, or nested
            tuples/lists/dicts of them).
        check_trace: replay the trace on the example inputs and warn (TracerWarning) where
            the outputs differ from the Python run's, or where random ops were recorded.
        check_inputs: a list of input tuples to check the trace on as well.
        check_tolerance: rtol and atol of that check.
        example_kwarg_inputs: keyword arguments, as a dict.

    Example::

        >>> traced = torcia.jit.trace(model.eval(), torcia.randn(8, 1, 28, 28))
        >>> print(traced.graph)
        >>> torcia.jit.save(traced, "model.pt")
    """
    from ..nn import Module
    from ._module import TracedModule
    if isinstance(example_inputs, Tensor):
        example_inputs = (example_inputs,)
    elif example_inputs is None:
        example_inputs = ()
    elif not isinstance(example_inputs, tuple):
        example_inputs = (example_inputs,)
    kwargs = dict(example_kwarg_inputs or {})
    module = func if isinstance(func, Module) else None
    if module is None and not callable(func):
        raise TypeError(f"torcia.jit.trace expects a Module or a function, got "
                        f"{type(func).__name__}")
    graph, tensors, out = _run_traced(func, module, example_inputs, kwargs)
    traced = TracedModule(graph, tensors, module)
    if check_trace:
        from ._module import check
        check(traced, func, example_inputs, kwargs, out, check_inputs, check_tolerance)
    return traced


def trace_module(mod, inputs, **kwargs):
    """``trace`` of ``mod``'s forward with ``inputs = {"forward": example_inputs}``."""
    if set(inputs) != {"forward"}:
        raise NotImplementedError("torcia.jit.trace_module traces forward only")
    return trace(mod, inputs["forward"], **kwargs)

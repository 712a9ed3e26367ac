"""TracedModule (the graph interpreter), and torcia.jit.save / torcia.jit.load.

Note [Safe loading]
``torcia.jit.save`` writes one torcia checkpoint (PyTorch's zip format) holding a dict:
``format`` and ``version`` strings, ``graph`` (the JSON text of Note [Graph format]) and
``parameters``, ``buffers`` and ``constants`` (name -> tensor). No code is pickled: the
model's class need not exist where the file is loaded. ``torcia.jit.load`` reads it with
``torcia.load(weights_only=True)``, which unpickles only tensors and plain containers and
refuses any other global, then checks the whole graph before running anything: every op
must be a key of the allow-list (_registry.py), every argument one of the encodings the
format defines, every value defined before use. A file that fails any check raises
``torcia.jit.Error`` saying what is wrong; nothing from it is executed.
"""

import json
import os
import pickle

from .._tensor import Size, Tensor
from ..nn.modules.module import Module
from ..nn.parameter import Parameter
from . import _registry
from ._graph import FORMAT, VERSION, Graph, GraphError, decode_literal

__all__ = ["TracedModule", "save", "load", "Error"]


class Error(RuntimeError):
    """A torcia.jit file that cannot be loaded (torch.jit.Error's role)."""


class _Attribute(Module):
    """A submodule of a traced module: only holds parameters and buffers."""

    def __init__(self, original_name):
        super().__init__()
        self.original_name = original_name

    def _get_name(self):
        return self.original_name

    def extra_repr(self):
        return "original_name=" + self.original_name


class TracedModule(Module):
    """A recorded computation (``torcia.jit.trace``'s result, torch's ScriptModule role).

    Calling it replays the graph's ops on new inputs. Its parameters and buffers keep their
    ``state_dict`` names; ``.graph`` prints the ops one per line and ``.code`` as Python.
    """

    def __init__(self, graph, tensors, module=None):
        super().__init__()
        self._graph = graph
        self.original_name = graph.name
        self._captured = {}
        self._sources = []  # (constant name, owner module, attribute, kind)
        for qual in graph.modules:  # the submodule tree, in the traced module's order
            if qual:
                self._owner(qual + ".x")
        named = {}
        if module is not None:  # share the traced module's tensors, aliases included
            for kind, items in (("parameter", module.named_parameters(remove_duplicate=False)),
                                ("buffer", module.named_buffers(remove_duplicate=False))):
                named.update({n: (kind, t) for n, t in items})
        for name, t in tensors.items():
            kind = graph.constants[name]["kind"]
            if kind == "constant":
                self._captured[name] = t
            else:
                named.setdefault(name, (kind, t))
        for name, (kind, t) in named.items():
            owner, attr = self._owner(name)
            if kind == "parameter":
                if not isinstance(t, Parameter):
                    t = Parameter(t, requires_grad=t.requires_grad)
                owner.register_parameter(attr, t)
            else:
                owner.register_buffer(attr, t)
            if name in graph.constants:
                self._sources.append((name, owner, attr, kind))
        missing = [n for n, m in graph.constants.items()
                   if m["kind"] != "constant" and not any(s[0] == n for s in self._sources)]
        if missing:
            raise Error(f"the graph uses {missing[0]!r}, which the file does not hold")
        self._program = _compile(graph)

    def _owner(self, name):
        parts = name.split(".")
        owner = self
        for i, part in enumerate(parts[:-1]):
            child = owner._modules.get(part)
            if child is None:
                if part.startswith("__") or hasattr(Module, part) or part in owner.__dict__:
                    raise Error(f"bad attribute name {name!r}")
                qual = ".".join(parts[:i + 1])
                child = _Attribute(self._graph.modules.get(qual, "Module"))
                owner.add_module(part, child)
            owner = child
        attr = parts[-1]
        if attr.startswith("__") or hasattr(Module, attr):
            raise Error(f"bad attribute name {name!r}")
        return owner, attr

    def _get_name(self):
        return self.original_name

    def extra_repr(self):
        return "original_name=" + self.original_name

    @property
    def graph(self):
        """The recorded ops, one per line with their inputs and shapes."""
        return self._graph

    @property
    def inlined_graph(self):
        return self._graph

    @property
    def code(self):
        """The recorded ops as Python-like source."""
        return self._graph.code()

    def save(self, f, _extra_files=None):
        save(self, f, _extra_files)

    def forward(self, *args, **kwargs):
        consts = dict(self._captured)
        for name, owner, attr, kind in self._sources:
            consts[name] = (owner._parameters if kind == "parameter" else owner._buffers)[attr]
        return _run(self._program, self._graph, args, kwargs, consts)


# -- the interpreter ---------------------------------------------------------------------------
def _compile_arg(a):
    """``(is_constant, value or getter(env, consts))`` for an encoded argument."""
    if a is None or isinstance(a, (bool, int, float, str)):
        return True, a
    if isinstance(a, list):
        parts = [_compile_arg(x) for x in a]
        if all(c for c, _ in parts):
            return True, [v for _, v in parts]
        return False, _seq(parts, list)
    (tag, val), = a.items()
    if tag == "v":
        return False, lambda env, consts: env[val]
    if tag == "c":
        return False, lambda env, consts: consts[val]
    if tag in ("t", "size"):
        parts = [_compile_arg(x) for x in val]
        make = tuple if tag == "t" else (lambda items: tuple.__new__(Size, items))
        if all(c for c, _ in parts):
            return True, make([v for _, v in parts])
        return False, _seq(parts, make)
    if tag == "d":
        keys = [k for k, _ in val]
        parts = [_compile_arg(v) for _, v in val]
        seq = _seq(parts, list)
        return False, lambda env, consts: dict(zip(keys, seq(env, consts)))
    if tag == "s":
        parts = [_compile_arg(x) for x in val]
        if all(c for c, _ in parts):
            return True, slice(*[v for _, v in parts])
        seq = _seq(parts, list)
        return False, lambda env, consts: slice(*seq(env, consts))
    if tag == "complex":
        return True, complex(*[_compile_arg(x)[1] for x in val])
    return True, decode_literal(tag, val)


def _seq(parts, make):
    def build(env, consts):
        return make([v if c else v(env, consts) for c, v in parts])
    return build


def _compile(graph):
    ops = _registry.ops()
    program = []
    for node in graph.nodes:
        fn = ops[node["op"]]
        args = [_compile_arg(a) for a in node["args"]]
        kwargs = [(k, _compile_arg(a)) for k, a in node["kwargs"].items()]
        outs = [(o["name"], tuple(o["path"])) for o in node["outputs"]]
        program.append((fn, args, kwargs, outs, node["op"] == "Tensor.__setitem__"))
    return program


def _bind(template, x, env, where):
    """Put the tensors of argument ``x`` into ``env`` by ``template``'s names."""
    if isinstance(template, list):
        if not isinstance(x, list) or len(x) != len(template):
            raise RuntimeError(f"{where}: expected a list of {len(template)} items")
        for t, y in zip(template, x):
            _bind(t, y, env, where)
        return
    (tag, val), = template.items()
    if tag == "v":
        if not isinstance(x, Tensor):
            raise RuntimeError(f"{where}: expected a Tensor for input {val!r}, got "
                               f"{type(x).__name__}")
        env[val] = x
    elif tag == "t":
        if not isinstance(x, (tuple, list)) or len(x) != len(val):
            raise RuntimeError(f"{where}: expected {len(val)} arguments, got "
                               f"{len(x) if isinstance(x, (tuple, list)) else type(x).__name__}")
        for t, y in zip(val, x):
            _bind(t, y, env, where)
    else:
        if not isinstance(x, dict) or set(x) != {k for k, _ in val}:
            raise RuntimeError(f"{where}: expected a dict with keys {[k for k, _ in val]}")
        for k, t in val:
            _bind(t, x[k], env, where)


def _run(program, graph, args, kwargs, consts, env=None):
    """Replay ``program``; ``env`` (a dict), when given, receives every value computed."""
    from ._trace import _active
    env = {} if env is None else env
    where = f"{graph.name} (traced)"
    _bind(graph.input_template, tuple(args), env, where)
    _bind(graph.kwarg_template, dict(kwargs), env, where)
    tracer = _active()  # inside another trace: call the recorders, so the ops are recorded
    for fn, args_, kwargs_, outs, setitem in program:
        a = [v if c else v(env, consts) for c, v in args_]
        k = {name: (v if c else v(env, consts)) for name, (c, v) in kwargs_}
        if tracer is not None:
            fn = tracer.wrapper(fn)
        out = fn(*a, **k)
        if setitem:
            out = a[0]
        for name, path in outs:
            x = out
            for p in path:
                x = x[p]
            env[name] = x
    getter = _compile_arg(graph.output_template)
    return getter[1] if getter[0] else getter[1](env, consts)


# -- save / load -------------------------------------------------------------------------------
def save(m, f, _extra_files=None):
    """Write traced module ``m`` to ``f`` (a path or a binary file object) as one file: the
    graph as JSON and the tensors, in torcia's checkpoint format (Note [Safe loading])."""
    from ..serialization import save as _save
    if not isinstance(m, TracedModule):
        raise TypeError(f"torcia.jit.save expects a traced module (torcia.jit.trace's result), "
                        f"got {type(m).__name__}")
    params = dict(m.named_parameters(remove_duplicate=False))
    buffers = dict(m.named_buffers(remove_duplicate=False))
    payload = {"format": FORMAT, "version": VERSION,
               "graph": json.dumps(m.graph.to_dict(), allow_nan=False, separators=(",", ":")),
               "parameters": params, "buffers": buffers, "constants": dict(m._captured)}
    _save(payload, f)


def _reject_constant(name):
    raise ValueError(f"the graph holds the non-JSON number {name}")


def load(f, map_location=None, _extra_files=None):
    """Load a module written by ``torcia.jit.save``: the graph runs without the model's Python
    class. Safe: see Note [Safe loading]; a damaged or forged file raises ``Error``."""
    from ..serialization import load as _load
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else "the file"
    try:
        obj = _load(f, map_location=map_location, weights_only=True)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except pickle.UnpicklingError as e:
        detail = str(e).strip().splitlines()[-1]
        raise Error(f"torcia.jit.load: refusing {name}: it holds pickled objects other than "
                    f"tensors and plain data, which could run code; nothing was run "
                    f"({detail})") from None
    except Exception as e:  # noqa: BLE001 - every failure to read becomes one clear error
        raise Error(f"torcia.jit.load: cannot read {name}: {type(e).__name__}: {e}") from None
    try:
        return _from_payload(obj)
    except (GraphError, Error, ValueError, TypeError, KeyError, RecursionError) as e:
        raise Error(f"torcia.jit.load: {name} is not a valid torcia.jit file: {e}") from None


def _from_payload(obj):
    fields = {"format", "version", "graph", "parameters", "buffers", "constants"}
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise Error("it holds no torcia.jit module (a checkpoint of weights? load it with "
                    "torcia.load)")
    if set(obj) != fields:
        raise Error(f"its fields are {sorted(obj)}, expected {sorted(fields)}")
    if obj["version"] != VERSION:
        raise Error(f"format version {obj['version']!r} is not supported (this torcia reads "
                    f"version {VERSION})")
    if not isinstance(obj["graph"], str):
        raise Error("its graph is not JSON text")
    data = json.loads(obj["graph"], parse_constant=_reject_constant)
    graph = Graph.from_dict(data, _registry.ops())
    tensors = {}
    for kind in ("parameters", "buffers", "constants"):
        group = obj[kind]
        if not isinstance(group, dict):
            raise Error(f"{kind} is not a dict")
        for n, t in group.items():
            if not isinstance(n, str) or not isinstance(t, Tensor):
                raise Error(f"{kind} holds {n!r}, which is not a named tensor")
            meta = graph.constants.get(n)
            if meta is None:
                if kind == "constants":
                    raise Error(f"constant {n!r} is not used by the graph")
                continue
            want = kind[:-1] if kind != "constants" else "constant"
            if meta["kind"] != want or list(t.shape) != meta["shape"] \
                    or t.dtype.name != meta["dtype"]:
                raise Error(f"{kind[:-1]} {n!r} does not match the graph (kind "
                            f"{meta['kind']}, {meta['dtype']} {meta['shape']})")
            tensors[n] = t
    module = TracedModule(graph, tensors)
    # aliases (tied weights): names the graph does not use, registered as saved
    for kind in ("parameters", "buffers"):
        for n, t in obj[kind].items():
            if n not in graph.constants:
                owner, attr = module._owner(n)
                if kind == "parameters":
                    owner.register_parameter(attr, t if isinstance(t, Parameter)
                                             else Parameter(t, requires_grad=t.requires_grad))
                else:
                    owner.register_buffer(attr, t)
    return module


def _isclose_all(a, b, tol):
    import numpy as np
    x, y = a.detach().cpu().numpy(), b.detach().cpu().numpy()
    if x.shape != y.shape:
        return False, f"shapes {list(x.shape)} and {list(y.shape)} differ"
    if x.dtype.kind not in "fc":
        bad = x != y
    else:
        bad = ~np.isclose(x, y, rtol=tol, atol=tol, equal_nan=True)
    if not bad.any():
        return True, ""
    n = int(bad.sum())
    diff = np.abs(x.astype(np.float64) - y.astype(np.float64))
    diff[~bad] = 0
    worst = np.unravel_index(int(np.argmax(diff)), diff.shape) if diff.ndim else ()
    return False, (f"Tensor-likes are not close!\n\nMismatched elements: {n} / {x.size} "
                   f"({100.0 * n / max(x.size, 1):.1f}%)\nGreatest absolute difference: "
                   f"{float(diff.max())} at index {tuple(map(int, worst))} (up to {tol} "
                   "allowed)")


def _flat_tensors(x, out):
    if isinstance(x, Tensor):
        out.append(x)
    elif isinstance(x, (tuple, list)):
        for y in x:
            _flat_tensors(y, out)
    elif isinstance(x, dict):
        for y in x.values():
            _flat_tensors(y, out)
    return out


def _nondeterministic(graph):
    import inspect
    ops = _registry.ops()
    found = []
    for node in graph.nodes:
        fn = ops[node["op"]]
        mod = getattr(fn, "__module__", "")
        if mod == "torcia._ops.random":
            found.append(node)
        elif mod == "torcia._ops.dropout":
            try:
                bound = inspect.signature(fn).bind(*node["args"], **node["kwargs"])
                bound.apply_defaults()
                training = bound.arguments.get("training", True)
            except TypeError:
                training = True
            if training is not False:
                found.append(node)
    return found


def check(traced, func, inputs, kwargs, eager_out, check_inputs, tol):
    """torch.jit.trace's check_trace: warn where replaying the trace disagrees with Python."""
    import warnings

    from ..autograd.grad_mode import no_grad
    from ._trace import TracerWarning
    random_nodes = _nondeterministic(traced.graph)
    if random_nodes:
        text = str(traced.graph).splitlines()
        lines = [ln for ln in text if any(f"%{o['name']} :" in ln and "=" in ln
                                          for n in random_nodes for o in n["outputs"])]
        warnings.warn("Trace had nondeterministic nodes. Did you forget call .eval() on your "
                      "model? Nodes:\n" + "\n".join("\t" + ln.strip() for ln in lines) +
                      "\nThis may cause errors in trace checking. To disable trace checking, "
                      "pass check_trace=False to torch.jit.trace()", TracerWarning,
                      stacklevel=3)
    runs = [(inputs, eager_out)]
    for extra in check_inputs or ():
        extra = extra if isinstance(extra, tuple) else (extra,)
        with no_grad():
            runs.append((extra, func(*extra)))
    for args, expected in runs:
        with no_grad():
            got = traced(*args, **kwargs) if args is inputs else traced(*args)
        exp, act = _flat_tensors(expected, []), _flat_tensors(got, [])
        for i, (e, a) in enumerate(zip(exp, act)):
            ok, detail = _isclose_all(a, e, tol)
            if not ok:
                warnings.warn(f"Output nr {i + 1}. of the traced function does not match the "
                              f"corresponding output of the Python function. Detailed "
                              f"error:\n{detail}", TracerWarning, stacklevel=3)


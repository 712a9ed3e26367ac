"""The traced graph: its JSON form, its checks, and its two printings (``.graph``, ``.code``).

Note [Graph format]
A graph is plain JSON data, so a saved one holds no code:

    name            the traced class or function name
    inputs          [{name, dtype, shape}]: the example inputs' tensors, in order
    input_template  how positional arguments hold those tensors (an encoded tuple)
    kwarg_template  the same for keyword arguments (an encoded dict)
    nodes           [{op, args, kwargs, outputs}] in execution order; ``op`` is a key of the
                    allow-list (_registry.py); each output is {name, path, type, dtype, shape}
                    where ``path`` indexes into the op's result ([] for the result itself,
                    [1, 0] for result[1][0]) and type is "Tensor" or "int"
    output_template the encoded result
    constants       {name: {kind, dtype, shape}}: parameters and buffers (by state_dict
                    name) and captured constant tensors (kind "constant", named c0, c1...)
    modules         {qualified name: class name} of the traced module's submodules

An encoded argument is JSON null, a bool, an int, a float, a string, a list, or an object
with one key: {"v": value} (a graph value: tensor or int), {"c": constant}, {"t": [...]}
(tuple), {"d": [[key, item], ...]} (dict), {"s": [start, stop, step]} (slice), {"e": 1}
(Ellipsis), {"f": "inf" | "-inf" | "nan"}, {"complex": [re, im]}, {"dtype": name},
{"device": str}, {"mf": memory format}, {"layout": name} or {"size": [...]} (torch.Size).
"""

import math
import re

from .. import _dtype

__all__ = ["Graph", "encode_float", "display_name", "FORMAT", "VERSION"]

FORMAT = "torcia.jit"
VERSION = 1
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$|^[0-9]+$")
_CONST = re.compile(r"^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$")
_TAGS = {"v", "c", "t", "d", "s", "e", "f", "complex", "dtype", "device", "mf", "layout", "size"}
_FLOATS = {"inf": math.inf, "-inf": -math.inf, "nan": math.nan}
_DTYPES = {d.name: d for d in _dtype.ALL}
_KINDS = ("parameter", "buffer", "constant")


def encode_float(x):
    if math.isfinite(x):
        return x
    return {"f": "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")}


class GraphError(ValueError):
    """A graph that is not well formed (a damaged or forged file)."""


class Graph:
    """A traced computation: inputs, nodes in execution order, outputs (Note [Graph format])."""

    def __init__(self, name, inputs, input_template, kwarg_template, nodes, output_template,
                 constants, modules):
        self.name = name
        self.inputs = inputs
        self.input_template = input_template
        self.kwarg_template = kwarg_template
        self.nodes = nodes
        self.output_template = output_template
        self.constants = constants
        self.modules = modules

    # -- JSON ------------------------------------------------------------------------------
    def to_dict(self):
        return {"name": self.name, "inputs": self.inputs, "input_template": self.input_template,
                "kwarg_template": self.kwarg_template, "nodes": self.nodes,
                "output_template": self.output_template, "constants": self.constants,
                "modules": self.modules}

    @classmethod
    def from_dict(cls, d, ops):
        """A Graph from JSON data, every field checked (GraphError names the first fault);
        ``ops`` is the allow-list of op keys."""
        _expect(isinstance(d, dict), "the graph is not a JSON object")
        keys = {"name", "inputs", "input_template", "kwarg_template", "nodes",
                "output_template", "constants", "modules"}
        _expect(set(d) == keys, f"the graph's fields are {sorted(d)}, expected {sorted(keys)}")
        _expect(isinstance(d["name"], str), "the graph's name is not a string")
        consts = d["constants"]
        _expect(isinstance(consts, dict), "constants is not an object")
        for name, meta in consts.items():
            _expect(_CONST.match(name) is not None, f"bad constant name {name!r}")
            _check_meta(meta, f"constant {name!r}", kinds=True)
        modules = d["modules"]
        _expect(isinstance(modules, dict) and all(
            isinstance(k, str) and (k == "" or _CONST.match(k)) and isinstance(v, str)
            for k, v in modules.items()), "modules is not a map of module names")
        defined = set()
        inputs = d["inputs"]
        _expect(isinstance(inputs, list), "inputs is not a list")
        for inp in inputs:
            _expect(isinstance(inp, dict) and isinstance(inp.get("name"), str)
                    and _NAME.match(inp["name"]) is not None, f"bad input {inp!r}")
            _check_meta(inp, f"input {inp['name']!r}")
            _expect(inp["name"] not in defined, f"input {inp['name']!r} is defined twice")
            defined.add(inp["name"])
        tensors_in = set()
        _check_template(d["input_template"], defined, tensors_in)
        _check_template(d["kwarg_template"], defined, tensors_in)
        _expect(tensors_in == defined, "the input templates do not use every input once")
        nodes = d["nodes"]
        _expect(isinstance(nodes, list), "nodes is not a list")
        for i, node in enumerate(nodes):
            where = f"node {i}"
            _expect(isinstance(node, dict) and set(node) == {"op", "args", "kwargs", "outputs"},
                    f"{where} is not an object with fields op, args, kwargs, outputs")
            op = node["op"]
            _expect(isinstance(op, str), f"{where}: op is not a string")
            if op not in ops:
                raise GraphError(f"{where} calls {op!r}, which is not a torcia op: the file "
                                 "was not written by torcia.jit.save, or was changed since")
            where = f"node {i} ({op})"
            _expect(isinstance(node["args"], list), f"{where}: args is not a list")
            _expect(isinstance(node["kwargs"], dict), f"{where}: kwargs is not an object")
            for a in node["args"]:
                _check_arg(a, defined, consts, where)
            for k, a in node["kwargs"].items():
                _expect(k.isidentifier(), f"{where}: bad keyword {k!r}")
                _check_arg(a, defined, consts, where)
            outs = node["outputs"]
            _expect(isinstance(outs, list) and outs, f"{where}: no outputs")
            for out in outs:
                _expect(isinstance(out, dict) and isinstance(out.get("name"), str)
                        and _NAME.match(out["name"]) is not None, f"{where}: bad output")
                _expect(out["name"] not in defined, f"{where}: {out['name']!r} defined twice")
                path = out.get("path")
                _expect(isinstance(path, list) and len(path) < 8 and all(
                    type(p) is int and 0 <= p for p in path), f"{where}: bad output path")
                if out.get("type") == "int":
                    _expect(set(out) == {"name", "path", "type", "value"}
                            and type(out["value"]) is int, f"{where}: bad int output")
                else:
                    _expect(out.get("type") == "Tensor", f"{where}: bad output type")
                    _expect(set(out) == {"name", "path", "type", "dtype", "shape"},
                            f"{where}: bad output fields")
                    _check_meta(out, where)
                defined.add(out["name"])
        _check_arg(d["output_template"], defined, consts, "the output")
        return cls(**{k: d[k] for k in keys})

    # -- printing --------------------------------------------------------------------------
    def _types(self):
        types = {i["name"]: _type_str(i) for i in self.inputs}
        for node in self.nodes:
            for out in node["outputs"]:
                types[out["name"]] = _type_str(out)
        return types

    def __str__(self):
        """One line per op: ``%out : Type(shape) = op(%in, ...)``, as torch's graph prints."""
        types = self._types()
        params = [f"%{i['name']} : {types[i['name']]}" for i in self.inputs]
        params += [f"%self.{n} : {_type_str(m)}" for n, m in self.constants.items()
                   if m["kind"] != "constant"]
        lines = ["graph(" + ",\n      ".join(params) + "):"]
        for n, m in self.constants.items():
            if m["kind"] == "constant":
                lines.append(f"  %CONSTANTS.{n} : {_type_str(m)} = prim::Constant()")
        for node in self.nodes:
            outs = ", ".join(f"%{o['name']} : {types[o['name']]}" for o in node["outputs"])
            args = [_fmt(a, self.constants, graph=True) for a in node["args"]]
            args += [f"{k}={_fmt(a, self.constants, graph=True)}"
                     for k, a in node["kwargs"].items()]
            lines.append(f"  {outs} = {display_name(node['op'])}({', '.join(args)})")
        lines.append(f"  return ({_fmt(self.output_template, self.constants, graph=True)})")
        return "\n".join(lines) + "\n"

    __repr__ = __str__

    def code(self):
        """The graph as Python-like source: ``def forward(self, x): ...``."""
        c = self.constants
        f = lambda a: _fmt(a, c)  # noqa: E731
        args = ",\n    ".join(["self"] + [f"{_code_params(t)}" for t in
                                           self.input_template["t"]])
        lines = [f"def forward({args}):"]
        for node in self.nodes:
            outs = node["outputs"]
            expr = _call(node, f)
            if node["op"] == "Tensor.__setitem__":
                lines.append(f"  {expr}")
                expr = f(node["args"][0])
            if len(outs) == 1 and not outs[0]["path"]:
                lines.append(f"  {_var(outs[0]['name'])} = {expr}")
                continue
            tmp = f"_{node['outputs'][0]['name']}_result"
            lines.append(f"  {tmp} = {expr}")
            for o in outs:
                index = "".join(f"[{p}]" for p in o["path"])
                lines.append(f"  {_var(o['name'])} = {tmp}{index}")
        lines.append(f"  return {f(self.output_template)}")
        return "\n".join(lines) + "\n"


def _expect(cond, msg):
    if not cond:
        raise GraphError(msg)


def _check_meta(meta, where, kinds=False):
    _expect(isinstance(meta, dict), f"{where}: not an object")
    _expect(meta.get("dtype") in _DTYPES, f"{where}: unknown dtype {meta.get('dtype')!r}")
    shape = meta.get("shape")
    _expect(isinstance(shape, list) and len(shape) <= 64 and all(
        type(s) is int and s >= 0 for s in shape), f"{where}: bad shape {shape!r}")
    if kinds:
        _expect(meta.get("kind") in _KINDS and set(meta) == {"kind", "dtype", "shape"},
                f"{where}: bad fields")


def _check_template(t, defined, used):
    """An input template: tuples, lists and dicts of {"v": input}."""
    if isinstance(t, list):
        for x in t:
            _check_template(x, defined, used)
        return
    _expect(isinstance(t, dict) and len(t) == 1, f"bad input template {t!r}")
    (tag, val), = t.items()
    if tag == "v":
        _expect(val in defined and val not in used, f"bad input reference {val!r}")
        used.add(val)
    elif tag == "t":
        _expect(isinstance(val, list), "bad input tuple")
        for x in val:
            _check_template(x, defined, used)
    elif tag == "d":
        _expect(isinstance(val, list), "bad input dict")
        for item in val:
            _expect(isinstance(item, list) and len(item) == 2 and isinstance(item[0], str),
                    "bad input dict entry")
            _check_template(item[1], defined, used)
    else:
        raise GraphError(f"bad input template tag {tag!r}")


def _check_arg(a, defined, consts, where, depth=0):
    _expect(depth < 32, f"{where}: argument nested too deeply")
    if a is None or isinstance(a, (bool, int, str)):
        return
    if isinstance(a, float):
        _expect(math.isfinite(a), f"{where}: bad float")
        return
    if isinstance(a, list):
        for x in a:
            _check_arg(x, defined, consts, where, depth + 1)
        return
    _expect(isinstance(a, dict) and len(a) == 1, f"{where}: bad argument {a!r}")
    (tag, val), = a.items()
    _expect(tag in _TAGS, f"{where}: unknown argument tag {tag!r}")
    if tag == "v":
        _expect(isinstance(val, str) and val in defined,
                f"{where}: uses {val!r} before it is defined")
    elif tag == "c":
        _expect(isinstance(val, str) and val in consts, f"{where}: unknown constant {val!r}")
    elif tag in ("t", "size"):
        _expect(isinstance(val, list), f"{where}: bad {tag}")
        for x in val:
            _check_arg(x, defined, consts, where, depth + 1)
    elif tag == "d":
        _expect(isinstance(val, list), f"{where}: bad dict")
        for item in val:
            _expect(isinstance(item, list) and len(item) == 2
                    and isinstance(item[0], (str, int)), f"{where}: bad dict entry")
            _check_arg(item[1], defined, consts, where, depth + 1)
    elif tag == "s":
        _expect(isinstance(val, list) and len(val) == 3, f"{where}: bad slice")
        for x in val:
            _check_arg(x, defined, consts, where, depth + 1)
    elif tag == "e":
        _expect(val == 1, f"{where}: bad Ellipsis")
    elif tag == "f":
        _expect(val in _FLOATS, f"{where}: bad float {val!r}")
    elif tag == "complex":
        _expect(isinstance(val, list) and len(val) == 2, f"{where}: bad complex")
        for x in val:
            _check_arg(x, defined, consts, where, depth + 1)
    elif tag == "dtype":
        _expect(val in _DTYPES, f"{where}: unknown dtype {val!r}")
    elif tag == "device":
        _expect(isinstance(val, str) and re.match(r"^(cpu|cuda)(:[0-9]+)?$", val) is not None,
                f"{where}: bad device {val!r}")
    elif tag == "mf":
        _expect(val in ("contiguous_format", "preserve_format", "channels_last",
                        "channels_last_3d"), f"{where}: bad memory format {val!r}")
    elif tag == "layout":
        _expect(val == "strided", f"{where}: bad layout {val!r}")


def decode_literal(tag, val):
    """The object an encoded dtype, device, memory format, layout or float stands for."""
    if tag == "dtype":
        return _DTYPES[val]
    if tag == "device":
        from .._device import device
        return device(val)
    if tag == "mf":
        from .._ops import creation
        return getattr(creation, val)  # one of the four names _check_arg allows
    if tag == "layout":
        import torcia
        return torcia.strided
    if tag == "f":
        return _FLOATS[val]
    if tag == "e":
        return Ellipsis
    raise GraphError(f"not a literal tag: {tag!r}")


# -- printing helpers -------------------------------------------------------------------------
def _type_str(meta):
    if meta.get("type") == "int":
        return "int"
    d = _DTYPES[meta["dtype"]]
    return f"{d._legacy}({', '.join(map(str, meta['shape']))})"


def display_name(key):
    """How an op key reads in messages, ``.graph`` and ``.code`` (``torch.nn.functional.relu``,
    ``Tensor.view``, ``prim::size``)."""
    if key.startswith("prim."):
        return "prim::" + key[5:]
    if key.startswith("torcia._ops."):
        return "torch." + key.rsplit(".", 1)[1]
    if key.startswith("torcia."):
        return "torch." + key[len("torcia."):]
    return key


def _var(name):
    return f"_{name}" if name[0].isdigit() else name


def _code_params(t):
    if isinstance(t, dict) and "v" in t:
        return f"{t['v']}: Tensor"
    return "input: Tuple"


def _fmt(a, consts, graph=False):
    f = lambda x: _fmt(x, consts, graph)  # noqa: E731
    if isinstance(a, list):
        return "[" + ", ".join(map(f, a)) + "]"
    if not isinstance(a, dict):
        return repr(a)
    (tag, val), = a.items()
    if tag == "v":
        return f"%{val}" if graph else _var(val)
    if tag == "c":
        prefix = "CONSTANTS." if consts.get(val, {}).get("kind") == "constant" else "self."
        return ("%" if graph else "") + prefix + val
    if tag == "t":
        items = list(map(f, val))
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if tag == "size":
        return "[" + ", ".join(map(f, val)) + "]"
    if tag == "d":
        return "{" + ", ".join(f"{k!r}: {f(v)}" for k, v in val) + "}"
    if tag == "s":
        parts = ["" if x is None else f(x) for x in val]
        return ":".join(parts[:2]) + (f":{parts[2]}" if val[2] is not None else "")
    if tag == "e":
        return "..."
    if tag == "f":
        return {"inf": "inf", "-inf": "-inf", "nan": "nan"}[val]
    if tag == "complex":
        return f"complex({f(val[0])}, {f(val[1])})"
    if tag == "dtype":
        return f"torch.{val}"
    if tag == "device":
        return f"torch.device({val!r})"
    return f"torch.{val}"


_INFIX = {"prim.add": "+", "prim.sub": "-", "prim.mul": "*", "prim.floordiv": "//",
          "prim.mod": "%", "Tensor.__matmul__": "@"}


def _call(node, f):
    op, args, kwargs = node["op"], node["args"], node["kwargs"]
    if op in _INFIX and len(args) == 2 and not kwargs:
        return f"{f(args[0])} {_INFIX[op]} {f(args[1])}"
    if op == "prim.neg":
        return f"-{f(args[0])}"
    if op == "prim.size":
        return f"{f(args[0])}.size({f(args[1])})"
    if op == "prim.numel":
        return f"{f(args[0])}.numel()"
    if op in ("Tensor.__getitem__", "Tensor.__setitem__") and len(args) >= 2:
        index = args[1]
        inner = ", ".join(map(f, index["t"])) if isinstance(index, dict) and "t" in index \
            else f(index)
        target = f"{f(args[0])}[{inner}]"
        return target if op == "Tensor.__getitem__" else f"{target} = {f(args[2])}"
    rest = [f(a) for a in args] + [f"{k}={f(a)}" for k, a in kwargs.items()]
    if op.startswith("Tensor.") and args:
        name = op[len("Tensor."):]
        from ._registry import TENSOR_PROPERTIES
        if name in TENSOR_PROPERTIES:
            return f"{rest[0]}.{name}"
        return f"{rest[0]}.{name}({', '.join(rest[1:])})"
    return f"{display_name(op)}({', '.join(rest)})"

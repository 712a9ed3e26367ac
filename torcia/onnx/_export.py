"""torcia.onnx.export: a traced graph (torcia.jit) written as an ONNX model.

Note [ONNX export]
1. Trace the model in eval mode (or take a TracedModule's graph as it is).
2. Find which sizes vary with the dynamic axes: replay the graph once more on inputs whose
   dynamic axes are one longer (the example inputs, cut or repeated along those axes, so
   token ids stay valid ids) and compare every value's shape, and every traced size, with
   the first run. Sizes that stay put are constants in the ONNX graph; the others are
   computed from ``Shape`` at run time. Without dynamic axes everything is static.
3. Constant folding: a node whose inputs are all constants (weights, static sizes) is run by
   torcia now and its result becomes an initializer (``do_constant_folding``; static sizes
   are always folded, as they are not tensors).
4. Every other node goes through its symbolic function (_symbolic.py), which emits ONNX
   nodes; an op without one raises UnsupportedOperatorError naming it.
5. The model is checked with ``onnx.checker.check_model(full_check=True)`` (which runs
   strict shape inference) before it is written.
"""

import io
import os

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ..jit import _registry
from ..jit._graph import display_name
from ..jit._module import TracedModule, _compile_arg, _flat_tensors, _nondeterministic, _run

__all__ = ["export", "OnnxExporterError", "UnsupportedOperatorError", "is_in_onnx_export"]

DEFAULT_OPSET = 17
MIN_OPSET = 17


class OnnxExporterError(RuntimeError):
    """The model cannot be written as ONNX."""


class UnsupportedOperatorError(OnnxExporterError):
    """An op of the traced graph has no ONNX mapping."""


_exporting = [False]


def is_in_onnx_export():
    """Whether ``torcia.onnx.export`` is tracing a model right now."""
    return _exporting[0]


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("torcia.onnx.export needs the onnx package: pip install "
                          "torcia[onnx] (or pip install onnx)") from None
    return onnx


class V:
    """A value of the graph being written: an ONNX name, or a constant not yet written."""

    __slots__ = ("name", "kind", "dtype", "shape", "dyn", "const", "hint")

    def __init__(self, name, kind, dtype=None, shape=(), dyn=frozenset(), const=None,
                 hint=None):
        self.name, self.kind, self.dtype, self.shape = name, kind, dtype, tuple(shape)
        self.dyn, self.const, self.hint = dyn, const, hint

    @property
    def rank(self):
        return len(self.shape)

    def __repr__(self):
        return f"V({self.name}, {self.kind}, {self.dtype}, {self.shape})"


def onnx_type(dtype):
    """ONNX's TensorProto element type of a torcia dtype."""
    onnx = _onnx()
    if dtype is _dtype.bfloat16:
        return onnx.TensorProto.BFLOAT16
    return onnx.helper.np_dtype_to_tensor_dtype(dtype.np)


class Builder:
    """Collects ONNX nodes and initializers; the ``g`` of every symbolic function."""

    def __init__(self, opset):
        self.onnx = _onnx()
        self.opset = opset
        self.nodes = []
        self.initializers = []
        self.used = set()
        self.counter = 0
        self.scalars = {}
        self.op_name = None  # the traced op being converted (for error messages)
        self.out = None  # its outputs' metadata

    def fresh(self, hint="v"):
        self.counter += 1
        name = f"{hint}_{self.counter}"
        while name in self.used:
            self.counter += 1
            name = f"{hint}_{self.counter}"
        self.used.add(name)
        return name

    def op(self, op_type, *inputs, outputs=1, **attrs):
        """Add node ``op_type``; inputs are names, V values or None (an omitted optional);
        returns the output name (or a list of ``outputs`` names)."""
        names = [self.fresh(op_type) for _ in range(outputs)]
        ins = ["" if x is None else (self.t(x) if isinstance(x, V) else x) for x in inputs]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.onnx.helper.make_node(op_type, ins, names,
                                                     name=self.fresh("n_" + op_type), **attrs))
        return names[0] if outputs == 1 else names

    def initializer(self, arr, name=None):
        """Add constant array ``arr`` as an initializer (written into the model at the end,
        without intermediate copies: weights can be hundreds of MB)."""
        name = name if name is not None and name not in self.used else self.fresh(name or "c")
        self.used.add(name)
        self.initializers.append((name, np.asarray(arr)))
        return name

    def write_initializers(self, graph):
        for name, arr in self.initializers:
            t = graph.initializer.add()
            t.name = name
            t.dims.extend(arr.shape)
            if arr.dtype == _dtype.bfloat16.np:
                t.data_type = self.onnx.TensorProto.BFLOAT16
                arr = arr.view(np.uint16)
            else:
                t.data_type = self.onnx.helper.np_dtype_to_tensor_dtype(arr.dtype)
            if arr.dtype.byteorder == ">":
                arr = arr.astype(arr.dtype.newbyteorder("<"))
            t.raw_data = arr.tobytes()

    def const(self, value, dtype):
        """A constant tensor (an initializer; small ones shared by value)."""
        np_dt = dtype.np if isinstance(dtype, _dtype.dtype) else np.dtype(dtype)
        arr = np.asarray(value, dtype=np_dt)
        if arr.size <= 16:
            key = (arr.dtype.str, arr.shape, arr.tobytes())
            name = self.scalars.get(key)
            if name is None:
                name = self.scalars[key] = self.initializer(arr, "const")
            return name
        return self.initializer(arr, "const")

    def t(self, v):
        """The ONNX name of tensor value ``v`` (writing a constant as an initializer)."""
        if isinstance(v, str):
            return v
        if not isinstance(v, V):
            raise OnnxExporterError(f"{self.op_name}: expected a tensor, got {v!r}")
        if v.kind == "int":
            return self.i64(v)
        if v.name is None:
            arr = v.const.detach().cpu().numpy() if isinstance(v.const, Tensor) else v.const
            v.name = self.initializer(arr, v.hint)
        return v.name

    def i64(self, x):
        """A 0-d int64 tensor for an int (Python int or traced int value)."""
        if isinstance(x, V):
            if x.kind == "int":
                if x.const is not None:
                    return self.const(int(x.const), np.int64)
                return x.name
            return self.op("Cast", x, to=self.onnx.TensorProto.INT64)
        return self.const(int(x), np.int64)

    def ints(self, items):
        """A 1-d int64 tensor of ``items`` (Python ints and int values)."""
        items = list(items)
        if all(not isinstance(x, V) or x.const is not None for x in items):
            return self.const([int(x.const if isinstance(x, V) else x) for x in items],
                              np.int64)
        axes = self.const([0], np.int64)
        parts = [self.op("Unsqueeze", self.i64(x), axes) for x in items]
        return parts[0] if len(parts) == 1 else self.op("Concat", *parts, axis=0)

    def size(self, v, dim):
        """Size ``dim`` of ``v``: a Python int when static, else a 0-d int64 name."""
        dim = dim % max(v.rank, 1)
        if dim not in v.dyn:
            return v.shape[dim]
        return self.op("Gather", self.op("Shape", v), self.const(dim, np.int64), axis=0)

    def cast(self, x, dtype):
        return self.op("Cast", x, to=onnx_type(dtype))

    def unsupported(self, why):
        raise UnsupportedOperatorError(
            f"Exporting the operator '{self.op_name}' to ONNX opset version {self.opset} is "
            f"not supported: {why}")


# -- the export pipeline -----------------------------------------------------------------------
def _normalize_args(args, kwargs):
    if isinstance(args, Tensor):
        args = (args,)
    elif not isinstance(args, tuple):
        args = (args,) if not isinstance(args, list) else tuple(args)
    if kwargs is None and args and isinstance(args[-1], dict):
        args, kwargs = args[:-1], args[-1]
    return args, dict(kwargs or {})


def _trace_for_export(model, args, kwargs, training):
    from ..jit import trace
    from ..nn import Module
    if isinstance(model, TracedModule):
        return model
    modes = [(m, m.training) for m in model.modules()] if isinstance(model, Module) else []
    mode = getattr(training, "name", "EVAL" if training is None else str(training).upper())
    if isinstance(model, Module) and mode != "PRESERVE":
        model.train(mode == "TRAINING")
    _exporting[0] = True
    try:
        import warnings

        from ..jit import TracerWarning
        with warnings.catch_warnings():
            warnings.simplefilter("default", TracerWarning)
            return trace(model, args, check_trace=False, example_kwarg_inputs=kwargs or None)
    finally:
        _exporting[0] = False
        for m, mode in modes:
            m.training = mode


def _consts_of(traced):
    consts = dict(traced._captured)
    for name, owner, attr, kind in traced._sources:
        consts[name] = (owner._parameters if kind == "parameter" else owner._buffers)[attr]
    return consts


def _dynamic_axes(dynamic_axes, input_names, output_names):
    out = {}
    import warnings
    for key, axes in (dynamic_axes or {}).items():
        if key not in input_names and key not in output_names:
            warnings.warn(f"Provided key {key} for dynamic axes is not a valid input/output "
                          "name", stacklevel=3)
            continue
        if isinstance(axes, dict):
            out[key] = {int(k): str(v) for k, v in axes.items()}
        else:
            out[key] = {int(a): f"{key}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
    return out


def _resized(t, axes, delta):
    """``t`` with each of ``axes`` ``delta`` longer (values taken cyclically from ``t``)."""
    arr = t.detach().cpu().numpy()
    for a in axes:
        n = arr.shape[a]
        if n + delta < 1:
            raise OnnxExporterError("a dynamic axis of length 1 cannot shrink")
        arr = np.take(arr, np.arange(n + delta) % n, axis=a)
    from .._ops.creation import tensor
    return tensor(arr)


def _second_run(traced, consts, inputs_meta, in_tensors, axes_by_input):
    """Every value of a replay with the dynamic axes one longer, or else one shorter (a
    model may accept only so many positions); see Note [ONNX export], 2."""
    try:
        return _replay_resized(traced, consts, inputs_meta, in_tensors, axes_by_input, 1)
    except Exception:  # noqa: BLE001 - any failure: try the other way
        return _replay_resized(traced, consts, inputs_meta, in_tensors, axes_by_input, -1)


def _replay_resized(traced, consts, inputs_meta, in_tensors, axes_by_input, delta):
    graph = traced.graph
    new = [(_resized(t, axes_by_input[m["name"]], delta) if axes_by_input.get(m["name"])
            else t) for m, t in zip(inputs_meta, in_tensors)]
    by_name = dict(zip([m["name"] for m in inputs_meta], new))
    args = _fill(graph.input_template, by_name)
    kwargs = _fill(graph.kwarg_template, by_name)
    env = {}
    from ..autograd.grad_mode import no_grad
    with no_grad():
        _run(traced._program, graph, args, kwargs, consts, env)
    return env


def _fill(template, by_name):
    if isinstance(template, list):
        return [_fill(t, by_name) for t in template]
    (tag, val), = template.items()
    if tag == "v":
        return by_name[val]
    if tag == "t":
        return tuple(_fill(t, by_name) for t in val)
    return {k: _fill(t, by_name) for k, t in val}


def _shape_of(x):
    return tuple(x._data.shape) if isinstance(x, Tensor) else None


# torch.onnx.export arguments that only steer PyTorch's own exporters: accepted, no effect
_IGNORED = frozenset(("operator_export_type", "custom_opsets", "export_modules_as_functions",
                      "autograd_inlining", "report", "optimize", "verify", "profile",
                      "dump_exported_program", "artifacts_dir", "fallback",
                      "custom_translation_table"))


def export(model, args=(), f=None, *, kwargs=None, export_params=True, verbose=None,
           input_names=None, output_names=None, opset_version=None, dynamic_axes=None,
           do_constant_folding=True, training=None, keep_initializers_as_inputs=False,
           dynamo=False, external_data=False, dynamic_shapes=None, **ignored):
    """Write ``model`` as an ONNX model to ``f``, by tracing it on ``args``.

    PyTorch's TorchScript-based exporter API; see Note [ONNX export]. Needs ``onnx``
    (``pip install torcia[onnx]``).

    Args:
        model: an ``nn.Module``, a function, or a ``torcia.jit`` traced module.
        args: example inputs: a tensor or a tuple (a trailing dict: keyword arguments).
        f: a path or a binary file object; None only returns the model.
        input_names, output_names: names of the graph's inputs and outputs, in order.
        opset_version: the ONNX opset, 17 (default) up to the installed onnx's newest.
        dynamic_axes: ``{name: {axis: "axis name"}}`` or ``{name: [axes]}``: the axes that
            may change size (a batch axis, a sequence axis); the others are fixed.
        keep_initializers_as_inputs: also list the weights as graph inputs.
        dynamo: accepted for PyTorch code; torcia always exports from its trace.
        do_constant_folding: precompute what depends only on weights.
        training: None or TrainingMode.EVAL exports in eval mode (BatchNorm uses running
            statistics, Dropout is the identity); TRAINING keeps train mode.

    Returns:
        the ``onnx.ModelProto`` written.

    Example::

        >>> torcia.onnx.export(model, torcia.randn(1, 3, 224, 224), "model.onnx",
        ...                    input_names=["image"], output_names=["logits"],
        ...                    dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
    """
    for name in ignored:
        if name not in _IGNORED:
            raise TypeError(f"export() got an unexpected keyword argument '{name}'")
    if dynamic_shapes is not None:
        raise NotImplementedError("torcia.onnx.export takes dynamic_axes (the TorchScript "
                                  "exporter's argument), not dynamic_shapes")
    if not export_params:
        raise NotImplementedError("export_params=False is not supported: the weights are "
                                  "always written into the model")
    onnx = _onnx()
    from . import _symbolic
    newest = onnx.defs.onnx_opset_version()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= newest:
        raise ValueError(f"Unsupported ONNX opset version: {opset}. torcia exports opsets "
                         f"{MIN_OPSET} to {newest} (the installed onnx's newest)")
    args, kwargs = _normalize_args(args, kwargs)
    traced = _trace_for_export(model, args, kwargs, training)
    graph = traced.graph
    consts = _consts_of(traced)
    random_nodes = _nondeterministic(graph)
    if random_nodes:
        raise OnnxExporterError(f"the traced graph has random ops ({random_nodes[0]['op']}): "
                                "export the model in eval mode")

    # names
    in_meta = graph.inputs
    in_names = list(input_names or [])
    if len(in_names) > len(in_meta):
        raise ValueError(f"{len(in_names)} input names given for {len(in_meta)} inputs")
    in_names += [m["name"] for m in in_meta[len(in_names):]]
    out_refs = _flat_refs(graph.output_template, [])
    out_names = list(output_names or [])
    if len(out_names) > len(out_refs):
        raise ValueError(f"{len(out_names)} output names given for {len(out_refs)} outputs")
    default_out = ["output"] if len(out_refs) == 1 else [f"output_{i}"
                                                        for i in range(len(out_refs))]
    out_names += default_out[len(out_names):]
    if len(set(in_names + out_names)) != len(in_names) + len(out_names):
        raise ValueError("input and output names must be distinct")
    axes = _dynamic_axes(dynamic_axes, in_names, out_names)

    # example tensors of the inputs, in graph order
    if isinstance(model, TracedModule):
        by_name = {}
        from ..jit._module import _bind
        _bind(graph.input_template, tuple(args), by_name, "export")
        _bind(graph.kwarg_template, dict(kwargs), by_name, "export")
        in_tensors = [by_name[m["name"]] for m in in_meta]
    else:
        in_tensors = _flat_tensors((args, kwargs), [])
    axes_by_input = {m["name"]: sorted(axes.get(n, {})) for m, n in zip(in_meta, in_names)}
    env_b = None
    if any(axes_by_input.values()):
        try:
            env_b = _second_run(traced, consts, in_meta, in_tensors, axes_by_input)
        except Exception:  # noqa: BLE001 - the model takes no other size: sizes stay symbolic
            import warnings
            warnings.warn("torcia.onnx.export: the model did not run with the dynamic axes "
                          "resized, so every size is computed at run time; export may fail "
                          "for ops that need fixed sizes", stacklevel=2)
            env_b = None

    g = Builder(opset)
    values = {}
    for m, name, t in zip(in_meta, in_names, in_tensors):
        dyn = frozenset(axes.get(name, {}))
        values[m["name"]] = V(name, "tensor", t.dtype, t._data.shape, dyn)
        g.used.add(name)
    g.used.update(out_names)
    const_values = {cname: V(None, "tensor", t.dtype, t._data.shape, const=t, hint=cname)
                    for cname, t in consts.items()}
    mode = "static" if not any(axes_by_input.values()) else (
        "measured" if env_b is not None else "symbolic")

    ops = _registry.ops()
    for node in graph.nodes:
        _export_node(g, node, ops, values, const_values, env_b, mode, do_constant_folding,
                     _symbolic)

    # outputs
    outputs = []
    for ref, name in zip(out_refs, out_names):
        v = _lookup(ref, values, const_values, g)
        if not isinstance(v, V) or v.kind != "tensor":
            raise OnnxExporterError(f"output {name!r} is not a tensor")
        src = g.t(v)
        g.nodes.append(onnx.helper.make_node("Identity", [src], [name],
                                             name=g.fresh("n_output")))
        dims = list(v.shape)
        named = axes.get(name, {})
        dyn = set(v.dyn) | set(named)
        shape = [named.get(i, f"{name}_dim_{i}") if i in dyn else d for i, d in enumerate(dims)]
        outputs.append(onnx.helper.make_tensor_value_info(name, onnx_type(v.dtype), shape))
    inputs = []
    for m, name in zip(in_meta, in_names):
        named = axes.get(name, {})
        shape = [named.get(i, d) for i, d in enumerate(m["shape"])]
        inputs.append(onnx.helper.make_tensor_value_info(
            name, onnx_type(_dtype_by_name(m["dtype"])), shape))
    if keep_initializers_as_inputs:
        inputs += [onnx.helper.make_tensor_value_info(n, onnx.helper.np_dtype_to_tensor_dtype(
            a.dtype), list(a.shape)) for n, a in g.initializers]
    opsets = [onnx.helper.make_opsetid("", opset)]
    model_proto = onnx.ModelProto(ir_version=onnx.helper.find_min_ir_version_for(opsets),
                                  producer_name="torcia", producer_version=_version())
    model_proto.opset_import.extend(opsets)
    gp = model_proto.graph
    gp.name = graph.name or "torcia"
    gp.node.extend(g.nodes)
    gp.input.extend(inputs)
    gp.output.extend(outputs)
    g.write_initializers(gp)
    try:
        data = model_proto.SerializeToString()
    except ValueError as e:
        raise OnnxExporterError(f"the model cannot be serialized ({e}): ONNX files are "
                                "limited to 2 GB without external data, which torcia does not "
                                "write yet") from e
    try:
        onnx.checker.check_model(data, full_check=True)
    except Exception as e:  # noqa: BLE001 - reported as the exporter's fault, with the cause
        raise OnnxExporterError(f"the exported model does not pass onnx.checker: {e}") from e
    if verbose:
        print(onnx.printer.to_text(model_proto.graph))
    if f is not None:
        if isinstance(f, (str, os.PathLike)):
            tmp = os.fspath(f) + ".tmp"
            with open(tmp, "wb") as fh:
                fh.write(data)
            os.replace(tmp, f)
        elif isinstance(f, io.IOBase) or hasattr(f, "write"):
            f.write(data)
        else:
            raise TypeError(f"f must be a path or a binary file object, got {type(f).__name__}")
    return model_proto


def _version():
    import torcia
    return torcia.__version__


def _dtype_by_name(name):
    return {d.name: d for d in _dtype.ALL}[name]


def _flat_refs(template, out):
    if isinstance(template, list):
        for t in template:
            _flat_refs(t, out)
        return out
    if isinstance(template, dict):
        (tag, val), = template.items()
        if tag in ("v", "c"):
            out.append(template)
        elif tag == "t":
            for t in val:
                _flat_refs(t, out)
        elif tag == "d":
            for _, t in val:
                _flat_refs(t, out)
    return out


def _lookup(ref, values, const_values, g):
    tag, val = next(iter(ref.items()))
    return values[val] if tag == "v" else const_values[val]


# -- one node ----------------------------------------------------------------------------------
def _decode(a, values, const_values, g):
    """An encoded argument with values as V (tensors, ints) and literals as Python objects."""
    if a is None or isinstance(a, (bool, int, float, str)):
        return a
    if isinstance(a, list):
        return [_decode(x, values, const_values, g) for x in a]
    tag, val = next(iter(a.items()))
    if tag in ("v", "c"):
        return _lookup(a, values, const_values, g)
    if tag in ("t", "size"):
        return tuple(_decode(x, values, const_values, g) for x in val)
    if tag == "d":
        return {k: _decode(x, values, const_values, g) for k, x in val}
    if tag == "s":
        return slice(*[_decode(x, values, const_values, g) for x in val])
    return _compile_arg(a)[1]


def _concrete(x):
    """The torcia value of a decoded argument whose values are all constants, else raise."""
    if isinstance(x, V):
        if x.const is None:
            raise LookupError
        return x.const
    if isinstance(x, (list, tuple)):
        items = [_concrete(y) for y in x]
        return items if isinstance(x, list) else tuple(items)
    if isinstance(x, dict):
        return {k: _concrete(y) for k, y in x.items()}
    if isinstance(x, slice):
        return slice(_concrete(x.start), _concrete(x.stop), _concrete(x.step))
    return x


def _export_node(g, node, ops, values, const_values, env_b, mode, fold, symbolic):
    key = node["op"]
    args = [_decode(a, values, const_values, g) for a in node["args"]]
    kwargs = {k: _decode(a, values, const_values, g) for k, a in node["kwargs"].items()}
    outs = node["outputs"]
    fn = ops[key]
    # static sizes, and (with folding) whole nodes on constants, are computed now
    inplace = (key == "Tensor.__setitem__" or "out" in kwargs or kwargs.get("inplace") is True
               or (key.endswith("_") and not key.endswith("__")))
    ints_only = all(o["type"] == "int" for o in outs)
    if (fold or ints_only) and not inplace:
        try:
            cargs = [_concrete(a) for a in args]
            ckwargs = {k: _concrete(a) for k, a in kwargs.items()}
        except LookupError:
            cargs = None
        if cargs is not None:
            from ..autograd.grad_mode import no_grad
            with no_grad():
                result = fn(*cargs, **ckwargs)
            for o in outs:
                x = result
                for p in o["path"]:
                    x = x[p]
                values[o["name"]] = (V(None, "int", const=int(x)) if o["type"] == "int" else
                                     V(None, "tensor", x.dtype, x._data.shape, const=x))
            return
    if ints_only and (mode == "static" or (mode == "measured" and all(
            int(env_b[o["name"]]) == o["value"] for o in outs))):
        for o in outs:  # a size that does not vary with the dynamic axes: a constant
            values[o["name"]] = V(None, "int", const=o["value"])
        return
    g.op_name = display_name(key)
    g.out = outs
    result = symbolic.convert(g, key, args, kwargs)
    for o in outs:
        x = result
        for p in o["path"]:
            if not isinstance(x, (list, tuple)):
                raise OnnxExporterError(f"{g.op_name}: the symbolic function returned too few "
                                        "outputs")
            x = x[p]
        if o["type"] == "int":
            values[o["name"]] = x if isinstance(x, V) else V(x, "int")
            continue
        name = g.t(x) if isinstance(x, V) else x
        dyn = frozenset()
        if mode == "measured":
            shape_b = _shape_of(env_b.get(o["name"]))
            if shape_b is not None and len(shape_b) == len(o["shape"]):
                dyn = frozenset(i for i, (a, b) in enumerate(zip(o["shape"], shape_b))
                                if a != b)
            else:
                dyn = frozenset(range(len(o["shape"])))
        elif mode == "symbolic":
            dyn = frozenset(range(len(o["shape"])))
        values[o["name"]] = V(name, "tensor", _dtype_by_name(o["dtype"]), o["shape"], dyn)


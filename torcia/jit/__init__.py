"""torcia.jit: trace a model into a graph of ops, save it as one file, load it anywhere.

The TorchScript role for torcia: ``torcia.jit.trace(model, example_inputs)`` records the
ops one run performs (Note [How tracing records ops] in _trace.py); the result replays
them on new inputs, prints as ``.graph`` and ``.code``, and ``torcia.jit.save`` writes it
with its weights to one file that ``torcia.jit.load`` runs without the model's Python class
and without executing anything from the file (Note [Safe loading] in _module.py). The same
graph feeds ``torcia.onnx.export``.
"""

from ._graph import Graph
from ._module import Error, TracedModule, load, save
from ._trace import TracedInt, TracerWarning, is_tracing, trace, trace_module

__all__ = ["trace", "trace_module", "save", "load", "script", "TracedModule", "ScriptModule",
           "ScriptFunction", "TracerWarning", "Error", "Graph", "TracedInt", "is_tracing",
           "is_scripting", "ignore", "unused", "export"]

ScriptModule = ScriptFunction = TracedModule


def script(obj, optimize=None, _frames_up=0, _rcb=None, example_inputs=None):
    """Not supported: torcia has no TorchScript compiler."""
    raise NotImplementedError(
        "torcia.jit.script is not supported: torcia does not compile Python source. Use "
        "torcia.jit.trace(model, example_inputs) to record the model's ops (then "
        "torcia.jit.save / torcia.jit.load), or torcia.onnx.export to run it in ONNX Runtime.")


def is_scripting():
    return False


def ignore(drop=False, **kwargs):
    """Decorator kept for PyTorch code: a no-op (there is no compiler to hide code from)."""
    if callable(drop):
        return drop
    return lambda fn: fn


unused = export = ignore

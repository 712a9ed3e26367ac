"""torcia.onnx: export a model to ONNX (run it in ONNX Runtime, on phones, in browsers).

``torcia.onnx.export(model, args, "model.onnx", input_names=..., output_names=...,
dynamic_axes=...)`` traces the model (torcia.jit) and writes each recorded op as ONNX
nodes; see Note [ONNX export] in _export.py. Needs the optional ``onnx`` package
(``pip install torcia[onnx]``).
"""

import enum

from . import errors
from ._export import OnnxExporterError, UnsupportedOperatorError, export, is_in_onnx_export

__all__ = ["export", "is_in_onnx_export", "OnnxExporterError", "UnsupportedOperatorError",
           "TrainingMode", "errors", "producer_name"]

producer_name = "torcia"


class TrainingMode(enum.IntEnum):
    """The mode a model is exported in (torch.onnx.TrainingMode)."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2

"""torch.onnx.errors: the exporter's exceptions."""

from ._export import OnnxExporterError, UnsupportedOperatorError

__all__ = ["OnnxExporterError", "UnsupportedOperatorError"]

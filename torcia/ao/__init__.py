"""torcia.ao: quantization for small devices (torch.ao's role): ``quantization.quantize_dynamic``
and the int8 layers it puts in a model (``nn.quantized.dynamic``)."""

from . import nn, quantization

__all__ = ["nn", "quantization"]

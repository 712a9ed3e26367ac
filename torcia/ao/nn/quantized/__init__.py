"""torch.ao.nn.quantized: quantized layers: ``Embedding`` (8-bit rows) and, in ``dynamic``,
Linear/LSTM/GRU with int8 weights and activations quantized per call; their ops live in
``functional``."""

from . import dynamic, functional
from .embedding import Embedding

__all__ = ["dynamic", "functional", "Embedding"]

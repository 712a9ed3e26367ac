"""torch.ao.nn.quantized.dynamic: layers with int8 weights and activations quantized per call."""

from .linear import Linear
from .rnn import GRU, LSTM

__all__ = ["Linear", "LSTM", "GRU"]

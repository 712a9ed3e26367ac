"""Pinned memory, as ``torch.utils.data._utils.pin_memory``.

torcia's CPU tensors live in NumPy memory and device copies go through the array library, so
pinning is a no-op that keeps the batch's structure: ``pin_memory=True`` is accepted.
"""

import collections

from ...._tensor import Tensor


def pin_memory(data, device=None):
    """``data`` with every tensor's ``pin_memory()`` applied (here: the tensors themselves)."""
    if isinstance(data, Tensor):
        pin = getattr(data, "pin_memory", None)
        return pin() if callable(pin) else data
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, collections.abc.Mapping):
        return type(data)({k: pin_memory(v, device) for k, v in data.items()}) \
            if not isinstance(data, collections.defaultdict) else data
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(pin_memory(x, device) for x in data))
    if isinstance(data, tuple):
        return tuple(pin_memory(x, device) for x in data)
    if isinstance(data, list):
        return [pin_memory(x, device) for x in data]
    if hasattr(data, "pin_memory"):
        return data.pin_memory()
    return data

"""Array-library backends, one per device type: ``cpu`` (NumPy) and ``cuda`` (CuPy).

A backend module provides ``xp`` (the array library), ``to_numpy(arr)`` and
``from_numpy(arr)``, plus the kernels its array library lacks.
"""

import importlib

_loaded = {}


def get(device):
    """The backend module for a torcia.device; AssertionError when it cannot run here."""
    kind = device.type
    mod = _loaded.get(kind)
    if mod is None:
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(f"device type '{kind}' has no torcia backend")
        mod = _loaded[kind] = importlib.import_module(f"{__name__}.{kind}")
    return mod

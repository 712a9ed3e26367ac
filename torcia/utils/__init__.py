"""torcia.utils, as ``torch.utils``: ``data`` (datasets, samplers, DataLoader) and ``dlpack``.

Submodules load on first use (``torcia.utils.data``), so importing torcia stays cheap and a
missing optional piece never breaks ``import torcia``.
"""

import importlib

_SUBMODULES = ("data", "dlpack")


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))

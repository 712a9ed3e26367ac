"""torcia.accelerator: the current accelerator, as torch.accelerator (None on CPU-only)."""

__all__ = [
    "current_accelerator",
    "current_device_idx",
    "current_device_index",
    "device_count",
    "is_available",
    "set_device_idx",
    "set_device_index",
    "synchronize",
]

_NONE = "Cannot access accelerator device when none is available."


def is_available():
    """Whether an accelerator (CUDA) can hold tensors here."""
    from . import cuda
    return cuda.is_available()


def current_accelerator(check_available=False):
    """The accelerator device type (``device(type='cuda')``), or None when there is none."""
    from ._device import device
    return device("cuda") if is_available() else None


def device_count():
    from . import cuda
    return cuda.device_count()


def _require():
    if not is_available():
        raise RuntimeError(_NONE)


def current_device_index():
    _require()
    from . import cuda
    return cuda.current_device()


current_device_idx = current_device_index


def set_device_index(device):
    _require()
    from . import cuda
    cuda.set_device(device)


set_device_idx = set_device_index


def synchronize(device=None):
    _require()
    from . import cuda
    cuda.synchronize(device)

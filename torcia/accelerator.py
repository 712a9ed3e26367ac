"""torcia.accelerator: the current accelerator, as torch.accelerator (None on CPU-only)."""

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available():
    from . import cuda
    return cuda.is_available()


def current_accelerator(check_available=False):
    """The accelerator device type (``device(type='cuda')``), or None when there is none."""
    from ._device import device
    return device("cuda") if is_available() else None


def device_count():
    from . import cuda
    return cuda.device_count()

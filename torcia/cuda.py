"""torcia.cuda: GPU queries; False/0 where torcia has no CUDA backend."""

__all__ = ["is_available", "device_count", "current_device", "manual_seed", "manual_seed_all",
           "synchronize", "empty_cache"]


def is_available():
    """Whether tensors can be put on a "cuda" device here."""
    try:
        from ._backend import get
        from ._device import device
        get(device("cuda"))
    except (AssertionError, ImportError):
        return False
    return True


def device_count():
    return 0 if not is_available() else _backend().device_count()


def current_device():
    _require()
    return 0


def _backend():
    from ._backend import get
    from ._device import device
    return get(device("cuda"))


def _require():
    _backend()  # raises AssertionError with the reason


def manual_seed(seed):
    """Seeds CUDA generators; without CUDA there is nothing to seed (as in PyTorch)."""


def manual_seed_all(seed):
    """Seeds all CUDA generators; without CUDA there is nothing to seed (as in PyTorch)."""


def synchronize(device=None):
    _require()


def empty_cache():
    """Frees cached GPU memory; without CUDA there is none."""

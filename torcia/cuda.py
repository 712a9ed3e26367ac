"""torcia.cuda: GPU queries, as torch.cuda; False/0 where torcia has no CUDA backend.

Where CUDA is missing, what needs a GPU raises AssertionError (as PyTorch's CPU build does)
and what only asks about one answers False, 0 or nothing.
"""

__all__ = [
    "current_device",
    "device_count",
    "empty_cache",
    "get_device_capability",
    "get_device_name",
    "is_available",
    "is_bf16_supported",
    "is_initialized",
    "manual_seed",
    "manual_seed_all",
    "max_memory_allocated",
    "memory_allocated",
    "memory_reserved",
    "set_device",
    "synchronize",
]


def _backend():
    """The CUDA backend module; AssertionError saying why when it cannot run here."""
    from ._backend import get
    from ._device import device
    return get(device("cuda"))


def is_available():
    """Whether tensors can be put on a "cuda" device here."""
    try:
        _backend()
    except (AssertionError, ImportError):
        return False
    return True


def is_initialized():
    return is_available()


def device_count():
    """The number of GPUs (0 without CUDA)."""
    return _backend().device_count() if is_available() else 0


def current_device():
    _backend()
    return 0


def set_device(device):
    _backend()


def get_device_name(device=None):
    return _backend().get_device_name(device)


def get_device_capability(device=None):
    return _backend().get_device_capability(device)


def is_bf16_supported(including_emulation=True):
    return is_available()


def synchronize(device=None):
    _backend().synchronize()


def manual_seed(seed):
    """Seeds CUDA generators; without CUDA there is nothing to seed (as in PyTorch)."""


def manual_seed_all(seed):
    """Seeds all CUDA generators; without CUDA there is nothing to seed (as in PyTorch)."""


def empty_cache():
    """Frees cached GPU memory; without CUDA there is none."""


def memory_allocated(device=None):
    """Bytes of GPU memory held by tensors (0 without CUDA)."""
    return _backend().memory_allocated(device) if is_available() else 0


def max_memory_allocated(device=None):
    return _backend().max_memory_allocated(device) if is_available() else 0


def memory_reserved(device=None):
    return _backend().memory_reserved(device) if is_available() else 0

"""glibc allocator settings for array temporaries; see Note [malloc tuning].

Imported once by ``torcia/__init__.py``. Set ``TORCIA_MALLOC_TUNING=0`` in the environment
to leave the allocator as it is.
"""

import ctypes
import os
import sys

__all__ = ["TUNED"]

# Note [malloc tuning]
# NumPy takes every array's memory from malloc. glibc serves requests above its mmap
# threshold (128 KiB at start, raised on the fly up to the size of a freed mmapped block)
# with fresh mmaps, and gives the top of its heap back to the OS when more than the trim
# threshold (twice the mmap threshold) is free there. A training step allocates and frees
# the same large temporaries every time (activations, their gradients, the scratch arrays of
# a fused kernel), so by default each step maps fresh pages and pays a page fault for every
# 4 KiB of them: a float32 erf on 512K elements took 6.5 ms in a fresh process against
# 1.9 ms with the pages kept, almost all of it in faults of its temporaries. PyTorch keeps
# its own caching allocator for the same reason. Raising the mmap threshold to its maximum
# (32 MiB on 64-bit glibc, which also stops the on-the-fly changes) keeps such blocks in the
# heap, and raising the trim threshold keeps the freed heap top for the next step. The cost
# is resident memory: up to TRIM_THRESHOLD of freed heap stays mapped (the peak is
# unchanged: it is what the step needed at once).
# Measured (benchmarks/bench_malloc.py, fresh processes, 1 thread; tuned vs untuned): see
# the table in benchmarks/bench_malloc.py's docstring.
MMAP_THRESHOLD = 32 << 20
TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # from glibc's malloc.h


def _tune():
    if os.environ.get("TORCIA_MALLOC_TUNING", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)  # the C library this process already uses
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # glibc only: musl's mallopt does nothing
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) & bool(
        mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


TUNED = _tune()  # whether the thresholds were set

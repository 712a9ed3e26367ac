"""Process-wide settings with PyTorch's API: thread counts, deterministic algorithms,
warn-always, float32 matmul precision, and small object predicates (anomaly-mode
switches are re-exported from torcia.autograd.anomaly_mode).

Note [Threads]
torcia's CPU work runs in NumPy, whose matrix products (and einsum, linalg) use the BLAS
library NumPy was built with (OpenBLAS in NumPy's wheels), multithreaded by that library.
``set_num_threads(n)`` limits that BLAS pool at run time through ``threadpoolctl`` (the
library scikit-learn uses for this) when it is installed; without it the number is recorded
and reported but the BLAS pool keeps its own size (set OPENBLAS_NUM_THREADS or
OMP_NUM_THREADS before starting Python to limit it then). Elementwise NumPy loops are
single-threaded either way. torcia has no inter-op thread pool: the inter-op count is kept
only so that code setting it runs as on PyTorch, including PyTorch's error when it is set
twice.

Note [Determinism]
torcia's CPU ops are deterministic (NumPy reductions and scatter-adds run in a fixed order),
so ``use_deterministic_algorithms(True)`` changes no result; the flag and its warn_only mode
are kept and reported as PyTorch reports them.
"""

import builtins
import os
import sys

from .autograd.anomaly_mode import (
    is_anomaly_check_nan_enabled,
    is_anomaly_enabled,
    set_anomaly_enabled,
)

__all__ = ["set_num_threads", "get_num_threads", "set_num_interop_threads",
           "get_num_interop_threads", "use_deterministic_algorithms",
           "are_deterministic_algorithms_enabled", "is_deterministic_algorithms_warn_only_enabled",
           "set_deterministic_debug_mode", "get_deterministic_debug_mode", "set_warn_always",
           "is_warn_always_enabled", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "set_anomaly_enabled", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "is_storage", "is_same_size", "is_signed",
           "is_inference", "is_distributed", "get_device", "get_device_module",
           "set_default_tensor_type", "set_flush_denormal"]


# -- threads (Note [Threads]) ------------------------------------------------------------------
class _Threads:
    controller = None  # threadpoolctl.ThreadpoolController, made on first use
    intra = None
    interop = None
    interop_set = False


def _controller():
    if _Threads.controller is None:
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            _Threads.controller = False
        else:
            import numpy  # noqa: F401  (load NumPy's BLAS before looking for it)
            _Threads.controller = ThreadpoolController()
    return _Threads.controller


def _default_threads():
    ctl = _controller()
    if ctl:
        blas = [lib.num_threads for lib in ctl.select(user_api="blas").lib_controllers]
        if blas:
            return max(blas)
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def _thread_count(n, name):
    if not isinstance(n, builtins.int) or isinstance(n, builtins.bool):
        raise RuntimeError(f"{name} expects an int, but got {type(n).__name__}")
    if n <= 0:
        raise RuntimeError(f"{name} expects a positive integer")
    return n


def set_num_threads(int):  # noqa: A002  (PyTorch's parameter name)
    """Sets the number of threads used for intra-op parallelism on CPU: NumPy's BLAS pool
    (Note [Threads])."""
    n = _thread_count(int, "set_num_threads")
    ctl = _controller()
    if ctl:
        ctl.limit(limits=n, user_api="blas")
    _Threads.intra = n


def get_num_threads():
    """The number of threads used for intra-op parallelism on CPU."""
    if _Threads.intra is None:
        _Threads.intra = _default_threads()
    return _Threads.intra


def set_num_interop_threads(int):  # noqa: A002
    """Sets the number of inter-op threads (recorded only; see Note [Threads]). Like PyTorch,
    it can be set once."""
    n = _thread_count(int, "set_num_interop_threads")
    if _Threads.interop_set:
        raise RuntimeError("Error: cannot set number of interop threads after parallel work has "
                           "started or set_num_interop_threads called")
    _Threads.interop, _Threads.interop_set = n, True


def get_num_interop_threads():
    """The number of inter-op threads (by default, as many as intra-op threads)."""
    if _Threads.interop is None:
        _Threads.interop = _default_threads()
    return _Threads.interop


# -- determinism (Note [Determinism]) -----------------------------------------------------------
_deterministic = [False, False]  # enabled, warn_only


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Require deterministic algorithms (all of torcia's CPU ops are); ``warn_only`` would
    warn instead of raising for an op without one."""
    if not isinstance(mode, builtins.bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'mode' (position 1) must be "
                        f"bool, not {type(mode).__name__}")
    if not isinstance(warn_only, builtins.bool):
        raise TypeError(f"_set_deterministic_algorithms(): argument 'warn_only' must be bool, "
                        f"not {type(warn_only).__name__}")
    _deterministic[0], _deterministic[1] = mode, warn_only


def are_deterministic_algorithms_enabled():
    return _deterministic[0]


def is_deterministic_algorithms_warn_only_enabled():
    return _deterministic[1]


def set_deterministic_debug_mode(debug_mode):
    """``"default"``/0: off; ``"warn"``/1: deterministic, warn-only; ``"error"``/2: on."""
    if not isinstance(debug_mode, (builtins.int, str)):
        raise TypeError(f"debug_mode must be str or int, but got {type(debug_mode)}")
    if isinstance(debug_mode, str):
        modes = {"default": 0, "warn": 1, "error": 2}
        if debug_mode not in modes:
            raise RuntimeError("invalid value of debug_mode, expected one of `default`, `warn`, "
                               f"`error`, but got {debug_mode}")
        debug_mode = modes[debug_mode]
    if debug_mode not in (0, 1, 2):
        raise RuntimeError(f"invalid value of debug_mode, expected 0, 1, or 2, but got "
                           f"{debug_mode}")
    use_deterministic_algorithms(debug_mode > 0, warn_only=debug_mode == 1)


def get_deterministic_debug_mode():
    if _deterministic[0]:
        return 1 if _deterministic[1] else 2
    return 0


# -- warn-always, matmul precision ---------------------------------------------------------------
_warn_always = [False]
_matmul_precision = ["highest"]


def set_warn_always(b):
    """Whether warnings PyTorch gives once per process are given every time (a flag here)."""
    if not isinstance(b, builtins.bool):
        raise TypeError(f"set_warn_always(): argument 'b' (position 1) must be bool, not "
                        f"{type(b).__name__}")
    _warn_always[0] = b


def is_warn_always_enabled():
    return _warn_always[0]


def set_float32_matmul_precision(precision):
    """'highest', 'high' or 'medium' (PyTorch's setting; it changes nothing on CPU, where
    float32 products are computed in float32 either way)."""
    import warnings
    if precision not in ("highest", "high", "medium"):
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _matmul_precision[0] = precision


def get_float32_matmul_precision():
    return _matmul_precision[0]


# -- predicates -------------------------------------------------------------------------------
def is_storage(obj):
    """Whether ``obj`` is a storage object; torcia exposes no storage objects, so False."""
    return False


def is_same_size(input, other):
    """Whether two tensors have the same shape."""
    return tuple(input.shape) == tuple(other.shape)


def is_signed(input):
    """Whether ``input``'s dtype is signed (floating, complex and signed integer types)."""
    return input.is_signed()


def is_inference(input):
    """Whether ``input`` is an inference tensor. torcia does not mark tensors made under
    ``inference_mode`` (they behave as tensors made under ``no_grad``), so False."""
    return False


def is_distributed(input):
    """Whether ``input`` is a distributed tensor (a legacy notion): always False."""
    return False


def get_device(input):
    """``input.get_device()``: the CUDA device index, -1 for a CPU tensor."""
    return input.get_device()


def get_device_module(device=None):
    """The module of a device type: ``torcia.cpu`` for ``'cpu'``, ``torcia.cuda`` for
    ``'cuda'``; without a device, the current accelerator's (the CPU's when there is none)."""
    from . import _device
    if isinstance(device, _device.device):
        name = device.type
    elif isinstance(device, str):
        name = _device.device(device).type
    elif device is None:
        from . import accelerator
        acc = accelerator.current_accelerator()
        name = acc.type if acc is not None else "cpu"
    else:
        raise RuntimeError(f"Invalid value of device '{device}', expect torch.device, str, or "
                           "None")
    import importlib
    try:
        return importlib.import_module(f"torcia.{name}")
    except ImportError:
        raise RuntimeError(f"Device '{name}' does not have a corresponding module registered as "
                           f"'torch.{name}'.") from None


def set_default_tensor_type(t, /):
    """Deprecated: makes a floating tensor type's dtype the default (``torch.DoubleTensor``
    or its name ``'torch.DoubleTensor'``; a ``torch.cuda`` name also makes CUDA the default
    device). Use ``set_default_dtype`` and ``set_default_device``."""
    import warnings

    import torcia
    warnings.warn("torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
                  "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
                  UserWarning, stacklevel=2)
    cuda = False
    if isinstance(t, str):
        parts = t.split(".")
        if parts[0] in ("torch", "torcia"):
            obj = torcia
            if len(parts) == 3 and parts[1] == "cuda":
                if not torcia.cuda.is_available():
                    raise TypeError(f"type torch.cuda.{parts[2]} not available. Torch not "
                                    "compiled with CUDA enabled.")
                cuda, parts = True, parts[:1] + parts[2:]
        else:
            import importlib
            obj = importlib.import_module(parts[0])
        for i, part in enumerate(parts[1:], 1):
            if not hasattr(obj, part):
                kind = "module" if i == 1 else "type object"
                raise AttributeError(f"{kind} {'.'.join(parts[:i])!r} has no attribute "
                                     f"{part!r}")
            obj = getattr(obj, part)
        t = obj
    dtype = getattr(t, "dtype", None) if isinstance(t, type) and t is not torcia.Tensor else None
    if not isinstance(dtype, torcia.dtype):
        raise TypeError("invalid type object: only floating-point types are supported as the "
                        "default type")
    if not dtype.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    torcia.set_default_dtype(dtype)
    if cuda:
        torcia.set_default_device("cuda")


# Note [Flushing denormals]
# PyTorch's set_flush_denormal sets the x86 MXCSR register's flush-to-zero and
# denormals-are-zero bits for the calling thread, which changes the float arithmetic of
# everything that thread runs, NumPy's loops included. Python cannot reach MXCSR, so on
# x86-64 two tiny leaf functions (stmxcsr/ldmxcsr on the stack's red zone) are written to an
# executable page and called through ctypes. Elsewhere, or where executable memory is
# refused, the mode is unsupported and the call returns False, as PyTorch does on CPUs
# without the bits.
_FTZ_DAZ = 0x8000 | 0x0040
_MXCSR_CODE = (bytes.fromhex("0fae5c24fc" "8b4424fc" "c3")      # get: stmxcsr; mov eax; ret
               + bytes.fromhex("897c24fc" "0fae5424fc" "c3"))   # set: mov; ldmxcsr; ret
_mxcsr = []


def _mxcsr_functions():
    """(get, set) of the calling thread's MXCSR, or None when unavailable."""
    if not _mxcsr:
        import platform
        fns = None
        # the System V calling convention (Linux, macOS): the argument in edi, a red zone
        if platform.machine().lower() in ("x86_64", "amd64") and sys.platform != "win32":
            try:
                import ctypes
                import mmap
                page = mmap.mmap(-1, mmap.PAGESIZE,
                                 prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
                page.write(_MXCSR_CODE)
                addr = ctypes.addressof(ctypes.c_char.from_buffer(page))
                get = ctypes.CFUNCTYPE(ctypes.c_uint32)(addr)
                put = ctypes.CFUNCTYPE(None, ctypes.c_uint32)(addr + 10)
                put(get())  # try it once
                fns = (get, put, page)
            except (OSError, ValueError, AttributeError):
                fns = None
        _mxcsr.append(fns)
    return _mxcsr[0]


def set_flush_denormal(mode):
    """Whether float arithmetic on this thread flushes denormal numbers to zero (inputs and
    results), on x86 CPUs: returns True when the mode was set, False where unsupported. See
    Note [Flushing denormals]."""
    if not isinstance(mode, builtins.bool):
        raise RuntimeError(f"flush_denormal expects a bool, but got {type(mode).__name__}")
    fns = _mxcsr_functions()
    if fns is None:
        return False
    get, put, _ = fns
    csr = get() & ~_FTZ_DAZ
    put(csr | _FTZ_DAZ if mode else csr)
    return True


def _install_methods():
    from ._tensor import Tensor
    Tensor.is_same_size = is_same_size
    Tensor.is_inference = is_inference
    Tensor.is_distributed = is_distributed


_install_methods()

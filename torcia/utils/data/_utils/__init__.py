"""Helpers of the DataLoader, laid out as ``torch.utils.data._utils``: collation, fetching and
worker processes."""

import atexit
import sys
import traceback

IS_WINDOWS = sys.platform == "win32"

# How often (seconds) a waiting worker checks that its parent is alive, and how long shutdown
# waits for a worker to exit before terminating it.
MP_STATUS_CHECK_INTERVAL = 5.0

# Set at interpreter exit: workers are left to multiprocessing's own clean-up then.
python_exit_status = False


def _set_python_exit_flag():
    global python_exit_status
    python_exit_status = True


atexit.register(_set_python_exit_flag)


class KeyErrorMessage(str):
    """A str whose repr is itself, so a re-raised KeyError shows its traceback readably."""

    __slots__ = ()

    def __repr__(self):
        return self


class ExceptionWrapper:
    """An exception and its traceback text, to be re-raised in another thread or process
    (``torch._utils.ExceptionWrapper``)."""

    def __init__(self, exc_info=None, where="in background"):
        if exc_info is None:
            exc_info = sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        """Raise the wrapped exception's type with the original traceback in its message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = KeyErrorMessage(msg)
        elif getattr(self.exc_type, "message", None):
            raise self.exc_type(message=msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None
        raise exception


from . import collate, fetch, pin_memory, worker  # noqa: E402, F401

"""torcia.cpu: the CPU counterparts of ``torcia.cuda``'s device functions, as ``torch.cpu``.

They exist so that device-agnostic code (``torch.get_device_module(device).synchronize()``)
runs on the CPU: there is one CPU device, always available, whose work is finished when a
call returns, so synchronizing, streams and events do nothing.
"""

from contextlib import AbstractContextManager

__all__ = ["is_available", "is_initialized", "synchronize", "current_device", "current_stream",
           "stream", "set_device", "device_count", "Stream", "StreamContext", "Event"]


def is_available():
    """True: the CPU is always available."""
    return True


def is_initialized():
    """True: the CPU needs no initialization."""
    return True


def synchronize(device=None):
    """Waits for the CPU's work to finish: there is nothing to wait for."""


class Stream:
    """The CPU's only stream (a placeholder for device-agnostic code)."""

    def __init__(self, priority=-1):
        pass

    def wait_stream(self, stream):
        pass

    def record_event(self):
        pass

    def wait_event(self, event):
        pass


class Event:
    """A CPU event: always complete."""

    def query(self):
        return True

    def record(self, stream=None):
        pass

    def synchronize(self):
        pass

    def wait(self, stream=None):
        pass


_default_stream = Stream()
_current = [_default_stream]


def current_stream(device=None):
    """The currently selected CPU stream."""
    return _current[0]


class StreamContext(AbstractContextManager):
    """Selects ``stream`` while the context is active."""

    def __init__(self, stream):
        self.stream = stream
        self.prev_stream = _default_stream

    def __enter__(self):
        if self.stream is not None:
            self.prev_stream = _current[0]
            _current[0] = self.stream

    def __exit__(self, *exc):
        if self.stream is not None:
            _current[0] = self.prev_stream


def stream(stream):
    """``StreamContext(stream)``."""
    return StreamContext(stream)


def device_count():
    """1: the CPU counts as one device."""
    return 1


def set_device(device):
    """Selects the CPU device: there is only one, so nothing changes."""


def current_device():
    """``'cpu'``."""
    return "cpu"

"""Anomaly detection: keep each node's forward traceback and check backward for NaN."""

from .graph import _anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled", "set_anomaly_enabled"]


def is_anomaly_enabled():
    return _anomaly[0]


def is_anomaly_check_nan_enabled():
    return _anomaly[1]


def set_anomaly_enabled(enabled, check_nan=True):
    """Turn anomaly detection on or off (``torch.set_anomaly_enabled``)."""
    if not isinstance(enabled, bool):
        raise TypeError(f"set_anomaly_enabled(): argument 'enabled' (position 1) must be bool, "
                        f"not {type(enabled).__name__}")
    _anomaly[0], _anomaly[1] = enabled, bool(check_nan)


class set_detect_anomaly:
    """Turn anomaly detection on or off, at once or for a ``with`` block."""

    def __init__(self, mode, check_nan=True):
        self.prev = tuple(_anomaly)
        _anomaly[0], _anomaly[1] = bool(mode), bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _anomaly[0], _anomaly[1] = self.prev


class detect_anomaly:
    """Context manager (and decorator) enabling anomaly detection inside it."""

    def __init__(self, check_nan=True):
        import warnings
        self.check_nan = check_nan
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime "
                      "and should only be enabled for debugging.", UserWarning, stacklevel=2)

    def __enter__(self):
        self.prev = tuple(_anomaly)
        _anomaly[0], _anomaly[1] = True, self.check_nan

    def __exit__(self, *exc):
        _anomaly[0], _anomaly[1] = self.prev

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with self.__class__(self.check_nan):
                return func(*args, **kwargs)
        return wrapper

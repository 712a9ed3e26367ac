"""torcia.device: where a tensor's memory lives ("cpu", "cuda", "cuda:1")."""

_TYPES = ("cpu", "cuda", "meta")


class device:
    """A device type and optional index, parsed and printed as PyTorch does.

    Example::

        >>> torcia.device("cuda:1")
        device(type='cuda', index=1)
    """

    __slots__ = ("type", "index")

    def __init__(self, type, index=None):
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): a device object takes no index")
            self.type, self.index = type.type, type.index
            return
        if isinstance(type, int) and not isinstance(type, bool):
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got ({type!r})")
        name, sep, idx = type.partition(":")
        if sep:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was "
                                   f"passed explicitly: {type}")
            if not idx.isdigit():
                raise RuntimeError(f"Invalid device string: '{type}'")
            index = int(idx)
        if name not in _TYPES:
            raise RuntimeError(
                f"Expected one of {', '.join(_TYPES)} device type at start of device string: {type}")
        if index is not None and index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
        self.type, self.index = name, index

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type, self.index))

    def __enter__(self):
        raise NotImplementedError("using a torcia.device as a context manager is not supported yet")

    def __exit__(self, *exc):
        return False


CPU = device("cpu")
_canonical = {("cpu", None): CPU, ("cpu", 0): CPU}


def to_device(d):
    """The one shared device object for a device, string or CUDA index; None stays None.

    Ops compare devices by identity, so every tensor holds a canonical instance.
    """
    if d is None:
        return None
    if type(d) is not device:
        d = device(d)
    key = (d.type, d.index)
    return _canonical.setdefault(key, d)

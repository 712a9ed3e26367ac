"""torcia.device: where a tensor's memory lives ("cpu", "cuda", "cuda:1")."""

import operator

# Every device type PyTorch's parser knows, in the order its error message lists them
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")
_TYPE_SET = frozenset(_TYPES)

_NO = object()  # an argument not given
_SIGNATURES = " * (torch.device device)\n{}* (str type, int index = -1)\n"


def _invalid_args(args):
    got = ", ".join(type(a).__name__ for a in args)
    why = ""
    if len(args) == 1:
        why = (f"      didn't match because some of the arguments have invalid types: "
               f"(!{type(args[0]).__name__}!)\n ")
    return TypeError(f"device() received an invalid combination of arguments - got ({got}), "
                     f"but expected one of:\n" + _SIGNATURES.format(why or " "))


def _parse(string):
    """(type, index or None) from 'cuda' / 'cuda:1', with PyTorch's grammar and messages."""
    if not string:
        raise RuntimeError("Device string must not be empty")
    name, sep, idx = string.partition(":")
    ok = (name and all(c.isalpha() or c == "_" for c in name) and name.isascii()
          and (not sep or (idx.isdigit() and idx.isascii() and (idx == "0" or idx[0] != "0"))))
    if not ok:
        raise RuntimeError(f"Invalid device string: '{string}'")
    if name not in _TYPE_SET:
        raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of device "
                           f"string: {string}")
    return name, int(idx) if sep else None


class device:
    """A device type and optional index, parsed and printed as PyTorch does.

    ``device("cuda:1")``, ``device("cuda", 1)``, ``device(1)`` (the current accelerator's
    device 1). As a context manager it makes itself the default device of factories.

    Example::

        >>> torcia.device("cuda:1")
        device(type='cuda', index=1)
    """

    __slots__ = ("index", "type")

    def __init__(self, type=_NO, index=_NO, *extra, **kwargs):
        if type is _NO and "device" in kwargs:
            type = kwargs.pop("device")
        given = tuple(a for a in (type, index) if a is not _NO) + extra + tuple(kwargs.values())
        if kwargs or extra or type is _NO:
            raise _invalid_args(given)
        if isinstance(type, str):
            kind, idx = _parse(type)
            if index is not _NO and index is not None:
                index = _index_arg(index)
                if idx is not None:
                    raise RuntimeError("type (string) must not include an index because index "
                                       f"was passed explicitly: {type}")
                if index < 0:
                    raise RuntimeError("Device index must not be negative")
                idx = index
        elif index is not _NO:
            raise TypeError(f"device(): argument 'type' (position 1) must be str, not "
                            f"{_type_name(type)}")
        elif isinstance(type, device):
            kind, idx = type.type, type.index
        elif _is_int(type):
            idx = operator.index(type)
            if idx < 0:
                raise RuntimeError("Device index must not be negative")
            from . import accelerator
            acc = accelerator.current_accelerator()
            if acc is None:
                raise RuntimeError("Cannot access accelerator device when none is available.")
            kind = acc.type
        else:
            raise _invalid_args(given)
        object.__setattr__(self, "type", kind)
        object.__setattr__(self, "index", idx)

    def __setattr__(self, name, value):
        if name in ("type", "index"):
            raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")
        raise AttributeError(f"'torch.device' object has no attribute '{name}'")

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __format__(self, spec):
        if spec:
            raise TypeError("unsupported format string passed to torch.device.__format__")
        return str(self)

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __eq__(self, other):
        if not isinstance(other, device):
            return False
        return self.type == other.type and self.index == other.index

    def __ne__(self, other):
        return not self.__eq__(other)

    def __lt__(self, other):
        raise TypeError("comparison not implemented")

    __le__ = __gt__ = __ge__ = __lt__

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (self.type,) if self.index is None else (self.type, self.index))

    def __enter__(self):
        _stack.append(_default[0])
        _default[0] = to_device(self)
        return self

    def __exit__(self, *exc):
        _default[0] = _stack.pop()
        return False


def _is_int(x):
    if isinstance(x, bool):
        return False
    try:
        operator.index(x)
    except TypeError:
        return False
    return True


def _type_name(x):
    t = type(x)
    return "torch.device" if t is device else t.__name__


def _index_arg(index):
    if not _is_int(index):
        raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                        f"{_type_name(index)}")
    return operator.index(index)


CPU = device("cpu")
# One shared object per device, so ops compare devices by identity; any CPU index is the CPU
# (PyTorch's tensors on 'cpu:0' report device(type='cpu'))
_canonical = {("cpu", None): CPU}
_default = [None]  # the device of `with torcia.device(...)` / set_default_device
_stack = []  # the defaults that enclosing `with device` blocks restore


def to_device(d):
    """The one shared device object for a device, string or index; None stays None."""
    if d is None:
        return None
    if type(d) is not device:
        d = device(d)
    kind = d.type
    key = (kind, None if kind == "cpu" else d.index)
    out = _canonical.get(key)
    if out is None:
        out = _canonical[key] = d if kind != "cpu" else CPU
    return out


def device_arg(d, fn):
    """A factory's ``device=`` argument as a canonical device; the default device for None."""
    if d is None:
        return to_device(_default[0]) or CPU
    if type(d) is device:
        return to_device(d)
    if isinstance(d, str) or _is_int(d):
        return to_device(device(d))
    raise TypeError(f"{fn}(): argument 'device' must be torch.device, not {type(d).__name__}")


def get_default_device():
    """The device factories use when given none (``cpu`` unless set)."""
    return _default[0] if _default[0] is not None else CPU


def set_default_device(device):
    """Make ``device`` the default device of factories (None: back to the CPU)."""
    _default[0] = None if device is None else to_device(device)

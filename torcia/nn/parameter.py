"""nn.Parameter and nn.Buffer: tensors a Module registers when they are assigned to it."""

from .._ops.creation import empty
from .._tensor import Tensor, wrap

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A tensor that is a module parameter: assigning it to a Module attribute registers it,
    and it requires grad by default.

    Args:
        data (Tensor): the values (shared, not copied); an empty tensor when omitted.
        requires_grad (bool): whether the parameter requires gradient. Default: True.
    """

    __slots__ = ()

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(): argument 'data' must be Tensor, not "
                            f"{type(data).__name__}")
        p = data.detach()._as_subclass(cls)  # shares memory and version counter
        if requires_grad:
            p.requires_grad_(True)
        return p

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = type(self)(wrap(self._data.copy(), self._device), self.requires_grad)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, proto):
        return (_rebuild_parameter, (self.detach(), self.requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad)


class Buffer(Tensor):
    """Marks a tensor to be registered as a buffer when assigned to a Module attribute.

    Args:
        data (Tensor): the buffer's values.
        persistent (bool): whether the buffer is part of the module's state_dict.
    """

    __slots__ = ()

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            data = empty(0)
        t = data.detach()._as_subclass(cls)
        t.persistent = persistent
        return t

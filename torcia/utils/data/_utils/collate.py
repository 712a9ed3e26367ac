"""Collation, as ``torch.utils.data._utils.collate``: a list of samples becomes one batch.

``default_collate`` gives PyTorch's output types: tensors and NumPy arrays are stacked along a
new first dimension, Python ints become an int64 tensor, floats a float64 tensor, strings stay
a list, and mappings, named tuples and sequences are collated field by field (tuples come
back as lists). Tensors of one dtype and shape are stacked with a single array-library call.
"""

import collections
import copy
import re

import numpy as np

from .... import _dtype
from ...._ops._core import requires_grad, xp_of
from ...._ops.creation import as_tensor, tensor
from ...._ops.shape import stack
from ...._tensor import Tensor, wrap

__all__ = ["collate", "collate_tensor_fn", "collate_numpy_array_fn", "collate_numpy_scalar_fn",
           "collate_float_fn", "collate_int_fn", "collate_str_fn", "default_collate",
           "default_collate_fn_map", "default_convert"]

np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}")


def default_convert(data):
    """NumPy arrays and scalars inside ``data`` become tensors; everything else is kept (the
    collate function of a DataLoader without batching)."""
    if isinstance(data, Tensor):
        return data
    elem_type = type(data)
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_"):
        if elem_type.__name__ == "ndarray" and np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return as_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({k: default_convert(data[k]) for k in data})
                return clone
            return elem_type({k: default_convert(data[k]) for k in data})
        except TypeError:
            return {k: default_convert(data[k]) for k in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def collate(batch, *, collate_fn_map=None):
    """Collate ``batch`` by the type of its first element: an exact type or a base class in
    ``collate_fn_map`` picks a function; mappings and sequences recurse field by field."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        fn = collate_fn_map.get(elem_type)
        if fn is not None:
            return fn(batch, collate_fn_map=collate_fn_map)
        for cls in collate_fn_map:
            if isinstance(elem, cls):
                return collate_fn_map[cls](batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        def field(key):
            return collate([d[key] for d in batch], collate_fn_map=collate_fn_map)
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                clone = copy.copy(elem)
                clone.update({key: field(key) for key in elem})
                return clone
            return elem_type({key: field(key) for key in elem})
        except TypeError:
            return {key: field(key) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map)
                           for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if not all(len(e) == size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, samples in enumerate(transposed):
                    clone[i] = collate(samples, collate_fn_map=collate_fn_map)
                return clone
            return elem_type([collate(samples, collate_fn_map=collate_fn_map)
                              for samples in transposed])
        except TypeError:
            return [collate(samples, collate_fn_map=collate_fn_map) for samples in transposed]
    raise TypeError(default_collate_err_msg_format.format(elem_type))


def _stack_arrays(batch):
    """``stack(batch)`` in one array-library call when the tensors share dtype, shape and
    device and none records autograd history; None otherwise."""
    first = batch[0]._data
    dt, shape, device = first.dtype, first.shape, batch[0]._device
    arrays = []
    for t in batch:
        a = getattr(t, "_data", None)
        if a is None or a.dtype != dt or a.shape != shape or t._device is not device:
            return None
        arrays.append(a)
    if requires_grad(*batch):
        return None
    xp = np if isinstance(first, np.ndarray) else xp_of(batch[0])
    return wrap(xp.stack(arrays), device)


def collate_tensor_fn(batch, *, collate_fn_map=None):
    """Stack tensors along a new first dimension."""
    out = _stack_arrays(batch)
    return out if out is not None else stack(batch, 0)


def collate_numpy_array_fn(batch, *, collate_fn_map=None):
    """Stack NumPy arrays into a tensor (string and object arrays are an error)."""
    elem = batch[0]
    if np_str_obj_array_pattern.search(elem.dtype.str) is not None:
        raise TypeError(default_collate_err_msg_format.format(elem.dtype))
    dt, shape = elem.dtype, elem.shape
    if (dt in _dtype.from_np and dt.isnative
            and all(type(b) is np.ndarray and b.dtype == dt and b.shape == shape
                    for b in batch)):
        return wrap(np.stack(batch))
    return collate([as_tensor(b) for b in batch], collate_fn_map=collate_fn_map)


def collate_numpy_scalar_fn(batch, *, collate_fn_map=None):
    """NumPy scalars become a 1-d tensor of their dtype."""
    return as_tensor(batch)


def collate_float_fn(batch, *, collate_fn_map=None):
    """Python floats become a float64 tensor."""
    return tensor(batch, dtype=_dtype.float64)


def collate_int_fn(batch, *, collate_fn_map=None):
    """Python ints become an int64 tensor (bools a bool tensor)."""
    return tensor(batch)


def collate_str_fn(batch, *, collate_fn_map=None):
    """Strings and bytes stay a list."""
    return batch


default_collate_fn_map = {Tensor: collate_tensor_fn,
                          np.ndarray: collate_numpy_array_fn,
                          (np.bool_, np.number, np.object_): collate_numpy_scalar_fn,
                          float: collate_float_fn,
                          int: collate_int_fn,
                          str: collate_str_fn,
                          bytes: collate_str_fn}


def default_collate(batch):
    """Put a list of samples into batched form, with PyTorch's output types:

    - Tensor -> Tensor with a new first dimension (the batch size)
    - NumPy array -> Tensor; NumPy scalar -> 1-d Tensor of its dtype
    - int -> int64 Tensor; float -> float64 Tensor; str and bytes -> unchanged list
    - Mapping -> the same mapping type, each value collated
    - named tuple -> the same named tuple, each field collated
    - other sequences -> each position collated (tuples come back as lists)

    Example::

        >>> default_collate([(0, 1.5), (1, 2.5)])
        [tensor([0, 1]), tensor([1.5000, 2.5000], dtype=torch.float64)]
    """
    return collate(batch, collate_fn_map=default_collate_fn_map)


"""Tensors in safetensors files, as ``safetensors.torch`` offers them for PyTorch.

The files go through the `safetensors` package's NumPy API (``pip install safetensors``), so
any safetensors reader (``safetensors.torch``, Hugging Face tools, other frameworks) reads
what these functions write, bfloat16 included, and these functions read what they write.
A safetensors file holds only named tensors (no code, no pickles): loading one is always
safe. The format has no complex128.

Example::

    >>> from torcia.safetensors import load_file, save_file
    >>> save_file(model.state_dict(), "model.safetensors")
    >>> model.load_state_dict(load_file("model.safetensors"))
"""

import numpy as np

from ._dtype import bfloat16
from ._tensor import Tensor, _address, wrap

__all__ = ["save", "load", "save_file", "load_file", "save_model", "load_model"]


def _numpy_api():
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("torcia.safetensors needs the `safetensors` package: pip install "
                          "safetensors (or pip install torcia[safetensors])") from None
    return safetensors.numpy


def _check(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    bad = [k for k, v in tensors.items() if not isinstance(k, str) or not isinstance(v, Tensor)]
    if bad:
        raise ValueError(f"Key `{bad[0]}` is invalid, expected str and a tensor as value")
    _check_shared(tensors)


def _region(t):
    """(start, end) bytes of ``t``'s memory, or None for an empty tensor."""
    arr = t._data
    if arr.size == 0:
        return None
    start = end = _address(arr) if isinstance(arr, np.ndarray) else t.data_ptr()
    for n, st in zip(arr.shape, arr.strides):
        if st < 0:
            start += (n - 1) * st
        else:
            end += (n - 1) * st
    return start, end + arr.itemsize


def _shared_groups(tensors):
    """Names of tensors whose memory overlaps, grouped."""
    spans = sorted((r, k) for k, r in ((k, _region(v)) for k, v in tensors.items()) if r)
    groups, end = [], -1
    for (start, stop), name in spans:
        if start < end:
            groups[-1].append(name)
        else:
            groups.append([name])
        end = max(end, stop)
    return [g for g in groups if len(g) > 1]


def _check_shared(tensors):
    groups = _shared_groups(tensors)
    if groups:
        raise RuntimeError(
            f"Some tensors share memory, this will lead to duplicate memory on disk and "
            f"potential differences when loading them again: {groups}.\nA potential way to "
            "correctly save your model is to use `save_model`.")


def _arrays(tensors):
    out = {}
    for k, t in tensors.items():
        if t.dtype.is_complex and t.dtype.itemsize == 16:
            raise ValueError(f"safetensors has no complex128 dtype (tensor {k!r})")
        out[k] = np.asarray(t._cpu_array(), order="C")  # (keeps 0-dim arrays 0-dim)
    return out


def _tensors(arrays, device="cpu"):
    out = {}
    for k, a in arrays.items():
        t = wrap(a if a.flags.writeable else a.copy())
        out[k] = t if str(device) == "cpu" else t.to(device)
    return out


def save(tensors, metadata=None):
    """The bytes of a safetensors file holding ``tensors`` (a dict of name -> tensor;
    tensors must not share memory) and optional ``metadata`` (a dict of str -> str)."""
    _check(tensors)
    return _numpy_api().save(_arrays(tensors), metadata=metadata)


def save_file(tensors, filename, metadata=None):
    """Write ``tensors`` (a dict of name -> tensor, not sharing memory) to a safetensors file.

    Args:
        tensors (dict): name -> tensor (non-contiguous tensors are written contiguously).
        filename (str or os.PathLike): the file to write.
        metadata (dict, optional): text-only str -> str header entries.
    """
    _check(tensors)
    _numpy_api().save_file(_arrays(tensors), filename, metadata=metadata)


# safetensors' dtype names -> NumPy dtypes (safetensors.numpy.load lacks BF16 here)
_DTYPES = {"F64": np.float64, "F32": np.float32, "F16": np.float16, "BF16": bfloat16.np,
           "I64": np.int64, "I32": np.int32, "I16": np.int16, "I8": np.int8, "U64": np.uint64,
           "U32": np.uint32, "U16": np.uint16, "U8": np.uint8, "BOOL": np.bool_,
           "C64": np.complex64}


def load(data):
    """The tensors of a safetensors file given as bytes."""
    _numpy_api()
    from safetensors import deserialize
    out = {}
    for name, view in deserialize(data):
        if view["dtype"] not in _DTYPES:
            raise ValueError(f"torcia has no dtype for safetensors' {view['dtype']} "
                             f"(tensor {name!r})")
        arr = np.frombuffer(view["data"], _DTYPES[view["dtype"]]).reshape(view["shape"])
        out[name] = arr
    return _tensors(out)


def load_file(filename, device="cpu"):
    """The tensors of a safetensors file, as a dict of name -> tensor on ``device``."""
    try:
        arrays = _numpy_api().load_file(filename)
    except (KeyError, TypeError, ValueError):  # an older safetensors without bfloat16 here
        with open(filename, "rb") as f:
            return {k: v if str(device) == "cpu" else v.to(device)
                    for k, v in load(f.read()).items()}
    return _tensors(arrays, device)


def save_model(model, filename, metadata=None, force_contiguous=False):
    """Save a module's state_dict; of tensors sharing memory (tied weights) only the first
    name is written, the others are recorded in the metadata (as ``safetensors.torch`` does)."""
    state = model.state_dict()
    removed = {}
    for group in _shared_groups(state):
        for name in group[1:]:
            removed[name] = group[0]
            del state[name]
    metadata = dict(metadata or {})
    metadata.update(removed)
    save_file(dict(state), filename, metadata=metadata or None)


def load_model(model, filename, strict=True, device="cpu"):
    """Load a file written by :func:`save_model` into ``model``; returns (missing,
    unexpected) key lists as ``load_state_dict`` does."""
    state = load_file(filename, device)
    result = model.load_state_dict(state, strict=False)
    own = model.state_dict()
    tied = {n for g in _shared_groups(own) for n in g[1:]}
    missing = [k for k in result.missing_keys if k not in tied]
    unexpected = list(result.unexpected_keys)
    if strict and (missing or unexpected):
        parts = []
        if missing:
            parts.append("Missing key(s): " + ", ".join(f'"{k}"' for k in missing) + ".")
        if unexpected:
            parts.append("Unexpected key(s): " + ", ".join(f'"{k}"' for k in unexpected) + ".")
        raise RuntimeError(f"Error(s) in loading state_dict for {type(model).__name__}:\n\t"
                           + "\n\t".join(parts))
    return missing, unexpected

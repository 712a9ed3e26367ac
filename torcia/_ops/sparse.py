"""Embeddings: lookup tables (``embedding``), bags of embeddings (``embedding_bag``), and
``one_hot``. Gradients are dense (PyTorch's ``sparse=True`` gradients are not supported).
"""

import numpy as np

from .._tensor import Tensor, wrap
from . import creation
from ._core import Node, record, requires_grad

__all__ = ["embedding", "embedding_bag", "one_hot"]


def _check_indices(indices, arg, fn):
    if indices._data.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"Expected tensor for argument #1 '{arg}' to have one of the "
                           f"following scalar types: Long, Int; but got {indices.type()} instead "
                           f"(while checking arguments for {fn})")


class EmbeddingBackward0(Node):
    """Rows of the gradient added into a zero table at their indices (none at
    ``padding_idx``; divided by each index's count with ``scale_grad_by_freq``)."""

    def backward(self, grad):
        (indices,) = self.saved_tensors
        idx = indices.reshape(-1).long()
        g = grad.reshape(-1, grad.shape[-1])
        scale = None
        if self.padding_idx >= 0:
            scale = (idx != self.padding_idx).to(g.dtype)
        if self.scale_grad_by_freq:
            counts = np.bincount(idx._data, minlength=self.num_weights)[idx._data]
            inv = wrap((1.0 / counts).astype(g._data.dtype), g._device)
            scale = inv if scale is None else scale * inv
        if scale is not None:
            g = g * scale.unsqueeze(1)
        return g.new_zeros((self.num_weights, g.shape[1])).index_add(0, idx, g)


def _embedding(weight, indices, padding_idx=-1, scale_grad_by_freq=False, sparse=False):
    """``torch.embedding``: the rows of ``weight`` at ``indices``."""
    _check_indices(indices, "indices", "embedding")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise NotImplementedError("torcia: sparse embedding gradients are not supported; "
                                  "use sparse=False")
    idx = indices._data
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise IndexError("index out of range in self")
    result = wrap(weight._data[idx], weight._device)
    if requires_grad(weight):
        node = record(EmbeddingBackward0, (weight,), (result,))
        node.save(indices)
        node.num_weights, node.padding_idx = n, padding_idx
        node.scale_grad_by_freq = scale_grad_by_freq
    return result


def _embedding_renorm_(weight, indices, max_norm, norm_type):
    """Rescale in place the rows of ``weight`` at ``indices`` whose ``norm_type``-norm
    exceeds ``max_norm`` to norm ``max_norm`` (``torch.embedding_renorm_``)."""
    w = weight._data
    rows = np.unique(indices._data.reshape(-1))
    if rows.size:
        sub = w[rows]
        acc = np.float64 if w.dtype == np.float64 else np.float32
        v = np.abs(sub.astype(acc))
        if norm_type == np.inf:
            norms = v.max(1)
        elif norm_type == 1:
            norms = v.sum(1)
        elif norm_type == 2:
            norms = np.sqrt((v * v).sum(1))
        else:
            norms = (v ** norm_type).sum(1) ** (1.0 / norm_type)
        norms = norms.astype(np.float64)
        big = norms > max_norm
        if big.any():
            scale = (max_norm / (norms[big] + 1e-7)).astype(acc)
            w[rows[big]] = (sub[big].astype(acc) * scale[:, None]).astype(w.dtype)
            weight._vc[0] += 1
    return weight


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """The rows of ``weight`` at ``input``'s indices.

    ``padding_idx`` rows get no gradient; with ``max_norm`` the looked-up rows are first
    renormalised in place (as PyTorch does); ``scale_grad_by_freq`` divides gradients by
    each index's count in the batch.
    """
    if padding_idx is not None:
        n = weight.size(0)
        if padding_idx > 0 and padding_idx >= n or padding_idx < 0 and padding_idx < -n:
            raise AssertionError("Padding_idx must be within num_embeddings")
        if padding_idx < 0:
            padding_idx = n + padding_idx
    else:
        padding_idx = -1
    if max_norm is not None:
        input = input.contiguous()
        _embedding_renorm_(weight.detach(), input, max_norm, norm_type)
    return _embedding(weight, input, padding_idx, scale_grad_by_freq, sparse)


# -- embedding_bag --------------------------------------------------------------------------------
class EmbeddingBagBackward0(Node):
    def backward(self, grad):
        idx, bag, scale, max_idx, weight = self.saved_tensors
        gw = gp = None
        if self.mode == 2:
            if self.needs_input_grad[0]:
                valid = (max_idx >= 0).to(grad.dtype)
                gw = grad.new_zeros(self.weight_shape).scatter_add(
                    0, max_idx.clamp_min(0), grad * valid)
            return gw, None
        rows = grad.index_select(0, bag)
        if self.needs_input_grad[0]:
            gw = grad.new_zeros(self.weight_shape).index_add(0, idx, rows * scale.unsqueeze(1))
        if self.needs_input_grad[1]:
            gp = grad.new_zeros(self.psw_shape).index_put(
                (self.positions,), (rows * weight.index_select(0, idx)).sum(1))
        return gw, gp


def _bags(n, offsets, include_last_offset):
    """Each entry's bag (-1 past the last bag) and the bag count."""
    off = offsets._data.astype(np.int64).reshape(-1)
    nbags = len(off) - 1 if include_last_offset else len(off)
    if len(off) and off[0] != 0:
        raise RuntimeError("offsets[0] has to be 0, i.e., the first sequence in the mini-batch "
                           f"has to start from position 0. However, got {off[0]}\n"
                           f"[ {offsets.type()}{{}} ]")
    if len(off) and off[-1] > n:
        raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but got "
                           f"offsets[-1] of {off[-1]}")
    ends = np.append(off[1:nbags], n if not include_last_offset else off[nbags]) \
        if nbags else np.zeros(0, np.int64)
    bag = np.full(n, -1, np.int64)
    for b in range(nbags):
        bag[off[b]:ends[b]] = b
    return bag, max(nbags, 0)


# Note [EmbeddingBag's scale_grad_by_freq]
# PyTorch's CPU backward (sum and mean modes) walks the sorted indices group by group and
# divides group g's gradients by ``counts[sorted[g]]``: the count of the value at *position*
# g of the sorted indices, not of the group's own value. The two agree only while every
# index occurs once before the group; we divide as PyTorch does, so gradients match.
def _bag_freq(idx, entries, num):
    """The divisor PyTorch applies to each of ``entries``' gradients (Note above)."""
    counts = np.bincount(idx, minlength=num)
    srt = np.sort(idx)
    uniq = np.unique(srt)
    return counts[srt[np.searchsorted(uniq, entries)]]


def _embedding_bag(weight, input, offsets, scale_grad_by_freq, mode, per_sample_weights,
                   include_last_offset, padding_idx):
    return _embedding_bag_impl(weight, input, offsets, scale_grad_by_freq, mode,
                               per_sample_weights, include_last_offset, padding_idx)[0]


def _embedding_bag_impl(weight, input, offsets, scale_grad_by_freq, mode, per_sample_weights,
                        include_last_offset, padding_idx):
    """The bags' sums, means or maxima, with each index's bag, the bag sizes (padding left
    out) and the rows of the maxima (-1 in empty bags) as arrays."""
    _check_indices(input, "indices", "embedding_bag")
    psw = per_sample_weights
    if psw is not None and psw.dtype is not weight.dtype:
        raise RuntimeError(f"Expected tensor for argument #1 'weight' to have the same type as "
                           f"tensor for argument #1 'per_sample_weights'; but type "
                           f"{weight.type()} does not equal {psw.type()} (while checking "
                           "arguments for embedding_bag)")
    idx = input._data.astype(np.int64).reshape(-1)
    w = weight._data
    num, dim = w.shape
    bad = (idx < 0) | (idx >= num)
    if bad.any():
        first = int(np.nonzero(bad)[0][0])
        if mode != 2 and w.dtype == np.float32:  # (PyTorch's float sum/mean kernel words it so)
            raise RuntimeError(f"Index {first} of input takes value {idx[first]} which is not in "
                               f"the valid range [0, {num})")
        raise RuntimeError("embedding_bag: Expected idx >= 0 && idx < num_embeddings but found "
                           f"idx to be {idx[first]}")
    bag, nbags = _bags(len(idx), offsets, include_last_offset)
    keep = bag >= 0
    if padding_idx is not None and padding_idx >= 0:
        keep &= idx != padding_idx
    pos = np.nonzero(keep)[0]
    ki, kb = idx[pos], bag[pos]
    count = np.bincount(kb, minlength=nbags)[:nbags]
    acc = np.float32 if w.dtype != np.float64 else np.float64
    out = np.zeros((nbags, dim), acc)
    max_idx = np.full((nbags, dim), -1, np.int64)
    if mode == 2:
        for b in np.nonzero(count)[0]:
            sel = ki[kb == b]
            vals = w[sel]
            arg = vals.argmax(0)  # the first maximum wins, as in PyTorch's loop
            out[b] = vals[arg, np.arange(dim)]
            max_idx[b] = sel[arg]
        scale = np.zeros(0, acc)
    else:
        rows = w[ki].astype(acc)
        if psw is not None:
            scale = psw._data.reshape(-1)[pos].astype(acc)
            rows *= scale[:, None]
        else:
            scale = np.ones(len(pos), acc)
        np.add.at(out, kb, rows)
        if mode == 1:
            size = np.maximum(count, 1).astype(acc)
            out /= size[:, None]
            scale = scale / size[kb]
        if scale_grad_by_freq:
            scale = scale / _bag_freq(idx, ki, num).astype(acc)
    result = wrap(out.astype(w.dtype, copy=False), weight._device)
    if requires_grad(weight, psw):
        node = record(EmbeddingBagBackward0, (weight, psw), (result,))
        dev = weight._device
        need_psw = node.next_functions[1][0] is not None
        node.save(wrap(ki, dev), wrap(kb, dev), wrap(scale.astype(w.dtype), dev),
                  wrap(max_idx, dev), weight if need_psw else None)
        node.mode, node.weight_shape = mode, tuple(w.shape)
        if need_psw:
            node.psw_shape, node.positions = tuple(psw._data.shape), wrap(pos, dev)
    return result, bag, count, max_idx


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,
                  scale_grad_by_freq=False, mode="mean", sparse=False, per_sample_weights=None,
                  include_last_offset=False, padding_idx=None):
    """Sums, means or maxima of bags of embeddings, without building the looked-up rows.

    ``input`` is 2-D (one bag per row) or 1-D with ``offsets`` (the start of each bag;
    with ``include_last_offset`` the last offset ends the last bag). ``per_sample_weights``
    scale the rows (mode 'sum'); entries equal to ``padding_idx`` are left out.
    """
    import warnings
    if weight.dtype.name == "int64" and input.is_floating_point():
        warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                      "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                      "`embedding_bag(input, weight, ...)`.", stacklevel=2)
        weight, input = input, weight
    if per_sample_weights is not None and input.size() != per_sample_weights.size():
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                         f"is not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated "
                             "is a mini-batch of fixed length sequences. However, found "
                             f"offsets of type {_type_str(offsets)}")
        offsets = creation.arange(0, input.numel(), input.size(1), dtype=input.dtype)
        include_last_offset = False
        input = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    modes = {"sum": 0, "mean": 1, "max": 2}
    if mode not in modes:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if mode == "max" and sparse:
        raise ValueError("max mode does not support sparse weights")
    if sparse:
        raise NotImplementedError("torcia: sparse embedding gradients are not supported; "
                                  "use sparse=False")
    if max_norm is not None:
        _embedding_renorm_(weight.detach(), input, max_norm, norm_type)
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
            "GitHub.")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.size(0)
    return _embedding_bag(weight, input, offsets, scale_grad_by_freq, modes[mode],
                          per_sample_weights, include_last_offset, padding_idx)


def _type_str(x):
    return "<class 'torch.Tensor'>" if isinstance(x, Tensor) else str(type(x))


# -- one_hot -------------------------------------------------------------------------------------
def one_hot(tensor, num_classes=-1):
    """int64 one-hot encodings of ``tensor``'s class indices, in a new last dimension of
    ``num_classes`` (by default one more than the largest index)."""
    if tensor._data.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor._data
    if a.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return creation.zeros(a.shape + (num_classes,), dtype=tensor.dtype,
                              device=tensor.device)
    if a.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(a.max()) + 1
    elif num_classes <= a.max():
        raise RuntimeError("Class values must be smaller than num_classes.")
    out = (a[..., None] == np.arange(num_classes)).astype(np.int64)
    return wrap(out, tensor._device)


def _torch_embedding_bag(weight, indices, offsets, scale_grad_by_freq=False, mode=0, sparse=False,
                         per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """``torch.embedding_bag``: ATen's op with ``mode`` an enum (0 sum, 1 mean, 2 max) and its
    four outputs: the bags; each index's bag (empty on the sum fast path: no
    per_sample_weights or padding_idx, weights not float64); the bag sizes (zeros in sum
    mode); the rows of the maxima per feature in max mode (the bag sizes otherwise)."""
    if sparse:
        raise NotImplementedError("torcia: sparse embedding gradients are not supported; "
                                  "use sparse=False")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.size(0)
    if padding_idx is None:
        padding_idx = -1
    out, bag, count, max_idx = _embedding_bag_impl(
        weight, indices, offsets, scale_grad_by_freq, mode, per_sample_weights,
        include_last_offset, padding_idx)
    from .creation import _backend_array
    dev = weight._device
    nbags = out.shape[0]
    itype = indices._data.dtype
    if mode == 0 and per_sample_weights is None and padding_idx < 0 and \
            weight._data.dtype != np.float64:  # ATen's fast path keeps no offset2bag
        offset2bag = np.zeros(0, itype)
    else:
        off = offsets._cpu_array().astype(np.int64).reshape(-1)
        marks = np.zeros(len(bag) + 1, np.int64)
        np.add.at(marks, off[:nbags], 1)
        offset2bag = (np.cumsum(marks[:len(bag)]) - 1).astype(itype)
    sizes = count.astype(itype) if mode else np.zeros(nbags, itype)
    maxima = np.where(max_idx < 0, 0, max_idx).astype(itype) if mode == 2 else sizes.copy()
    return (out,) + tuple(wrap(_backend_array(a, dev), dev) for a in (offset2bag, sizes, maxima))


_torch_embedding_bag.__name__ = _torch_embedding_bag.__qualname__ = "embedding_bag"
TORCH = {"embedding": _embedding, "embedding_renorm_": _embedding_renorm_,
         "embedding_bag": _torch_embedding_bag}

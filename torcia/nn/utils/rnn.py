"""Packed sequences for recurrent layers: PackedSequence, pack_padded_sequence,
pad_packed_sequence, pad_sequence, pack_sequence and their inverses, as torch.nn.utils.rnn."""

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from ... import _dtype
from ..._ops.creation import as_tensor, tensor
from ..._ops.rnn import _pack_padded_sequence, _pad_rows
from ..._ops.shape import cat
from ..._ops.sorting import sort
from ..._tensor import Tensor

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]


class PackedSequence_(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


def _bind(optional, fn):
    return None if optional is None else fn(optional)


class PackedSequence(PackedSequence_):
    r"""The data and batch sizes of a batch of variable-length sequences, packed time step
    by time step (sequences sorted by decreasing length); made by ``pack_padded_sequence``
    or ``pack_sequence``, never by hand.

    Attributes:
        data: the packed rows, (sum of lengths, *).
        batch_sizes: how many sequences take part in each time step (int64, CPU).
        sorted_indices / unsorted_indices: the permutation that sorted the batch, and its
            inverse (None when the input was already sorted).
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError(
                    "batch_sizes should always be on CPU. Instances of PackedSequence should "
                    "never be created manually. They should be instantiated by functions like "
                    "pack_sequence and pack_padded_sequences in nn.utils.rnn. "
                    "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn.pack_sequence")
        else:
            if not (isinstance(data, (list, tuple)) and len(data) == 2):
                raise AssertionError("Expected data to be a list or tuple of length 2")
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self

        def move(t):
            return t.to(data.device)
        return type(self)(data, self.batch_sizes, _bind(self.sorted_indices, move),
                          _bind(self.unsorted_indices, move))

    def cuda(self, *args, **kwargs):
        kwargs.setdefault("device", "cuda")
        return self.to(*args, **kwargs)

    def cpu(self, *args, **kwargs):
        kwargs.setdefault("device", "cpu")
        return self.to(*args, **kwargs)

    def double(self):
        return self.to(dtype=_dtype.float64)

    def float(self):
        return self.to(dtype=_dtype.float32)

    def half(self):
        return self.to(dtype=_dtype.float16)

    def long(self):
        return self.to(dtype=_dtype.int64)

    def int(self):
        return self.to(dtype=_dtype.int32)

    def short(self):
        return self.to(dtype=_dtype.int16)

    def char(self):
        return self.to(dtype=_dtype.int8)

    def byte(self):
        return self.to(dtype=_dtype.uint8)

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The inverse of a permutation tensor (None for None)."""
    if permutation is None:
        return None
    inv = np.empty(permutation.numel(), np.int64)
    inv[permutation.numpy()] = np.arange(permutation.numel())
    return tensor(inv, device=permutation.device)


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    r"""Pack a padded batch of variable-length sequences.

    Args:
        input: (T, B, *) padded sequences, or (B, T, *) with ``batch_first``.
        lengths: each sequence's length (list or CPU tensor).
        enforce_sorted: require lengths sorted in decreasing order; with False the batch is
            sorted here and the permutation kept in the result.
    """
    if not isinstance(lengths, Tensor):
        lengths = as_tensor(lengths, dtype=_dtype.int64)
    else:
        lengths = lengths.to(dtype=_dtype.int64)
    sorted_indices = None
    if not enforce_sorted:
        lengths, sorted_indices = sort(lengths, descending=True)
        sorted_indices = sorted_indices.to(input.device)
        input = input.index_select(0 if batch_first else 1, sorted_indices)
    data, batch_sizes = _pack_padded_sequence(input, lengths, batch_first)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    r"""Inverse of ``pack_padded_sequence``: ``(padded, lengths)``, the padded batch (T, B, *)
    (or (B, T, *) with ``batch_first``) and each sequence's length (int64)."""
    sizes = [int(b) for b in sequence.batch_sizes.tolist()]
    max_len = len(sizes)
    if total_length is not None:
        if total_length < max_len:
            raise ValueError("Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
        max_len = total_length
    B = sizes[0]
    padded = _pad_rows(sequence.data, sizes + [0] * (max_len - len(sizes)), max_len, B,
                       padding_value)
    if batch_first:
        padded = padded.transpose(0, 1)
    lens = np.zeros(B, np.int64)
    for b in sizes:
        lens[:b] += 1
    lengths = tensor(lens)
    if sequence.unsorted_indices is not None:
        return (padded.index_select(0 if batch_first else 1, sequence.unsorted_indices),
                lengths[sequence.unsorted_indices.cpu()])
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    r"""Stack variable-length sequences (each (L_i, *)) into one (L, B, *) tensor (or
    (B, L, *) with ``batch_first``), filling with ``padding_value`` on ``padding_side``."""
    if not isinstance(sequences, Iterable):
        raise RuntimeError("pad_sequence: Expected iterable for input sequences, but got arg "
                           f"of type: {type(sequences)}")
    sequences = tuple(sequences)
    if not sequences:
        raise RuntimeError("received an empty list of sequences")
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got "
                           f"{padding_side}.")
    rest = tuple(sequences[0].shape[1:])
    for s in sequences[1:]:
        trailing = tuple(s.shape[1:])
        if trailing != rest:
            for i in range(1, max(len(trailing), len(rest)) + 1):
                a = rest[-i] if i <= len(rest) else 1
                b = trailing[-i] if i <= len(trailing) else 1
                if a != b:
                    dim = len(rest) + 1 - i
                    raise RuntimeError(f"The size of tensor a ({a}) must match the size of "
                                       f"tensor b ({b}) at non-singleton dimension {dim}")
    lens = [s.shape[0] for s in sequences]
    L, B = max(lens), len(sequences)
    total = sum(lens)
    # index of each (b, l) (or (l, b)) position into cat(sequences + [padding row])
    idx = np.full((B, L), total, np.int64)
    off = 0
    for b, n in enumerate(lens):
        start = 0 if padding_side == "right" else L - n
        idx[b, start:start + n] = np.arange(off, off + n)
        off += n
    if not batch_first:
        idx = idx.T
    first = sequences[0]
    full = cat(list(sequences) + [first.new_full((1,) + rest, padding_value)])
    out = full.index_select(0, tensor(idx.reshape(-1), device=first.device))
    return out.view(idx.shape + rest)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences of a padded batch, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:int(n)] for seq, n in zip(padded_sequences, lengths)]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of variable-length sequences (each (L_i, *))."""
    lengths = as_tensor([v.size(0) for v in sequences])
    return pack_padded_sequence(pad_sequence(sequences), lengths,
                                enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences of a PackedSequence."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)



"""torcia.random: the random number generator, as ``torch.random`` and ``torch.Generator``.

A :class:`Generator` is PyTorch's CPU generator: a 32-bit Mersenne Twister (mt19937) seeded
with the low 32 bits of the seed by the standard ``init_genrand``. NumPy's ``MT19937`` bit
generator produces the raw stream, so every op in ``torcia/_ops/random.py`` that turns it into
values the way PyTorch's CPU kernels do draws exactly PyTorch's numbers:
``torcia.manual_seed(0); torcia.rand(3)`` equals ``torch.manual_seed(0); torch.rand(3)``.

The state tensor of :meth:`Generator.get_state` has PyTorch's layout (5056 bytes: seed, mt19937
position and words, the cached normal samples), so states move between the two libraries.
"""

import contextlib
import os
import struct

import numpy as np

from ._device import CPU, to_device

__all__ = ["Generator", "default_generator", "fork_rng", "get_rng_state", "initial_seed",
           "manual_seed", "seed", "set_rng_state"]

DEFAULT_SEED = 67280421310721  # PyTorch's default_rng_seed_val
_N = 624  # mt19937 state words
_STATE_SIZE = 5056  # sizeof(CPUGeneratorImplState)
_LEGACY_SIZE = 5048  # sizeof(CPUGeneratorImplStateLegacy), where the float sample starts
_MASK64 = (1 << 64) - 1


def _init_key(seed):
    """mt19937's init_genrand state for the low 32 bits of ``seed``."""
    key = [seed & 0xFFFFFFFF]
    prev = key[0]
    for j in range(1, _N):
        prev = (1812433253 * (prev ^ (prev >> 30)) + j) & 0xFFFFFFFF
        key.append(prev)
    return np.array(key, dtype=np.uint32)


_FAST64 = None
_FEW = 256  # fewer 32-bit draws than this come from random_raw (Generator.integers costs
# microseconds a call, random_raw a few nanoseconds a draw more)


def _fast_next64():
    """Whether NumPy's 64-bit MT19937 draws (``Generator.integers`` over the full uint64 range,
    one ``next_uint64`` each) are two consecutive 32-bit draws, the first in the high word,
    as PyTorch's ``random64()`` combines them. NumPy builds that value in C as
    ``next32() << 32 | next32()``, whose evaluation order C leaves open, so it is checked
    once; where it fails, draws come from ``random_raw`` (one 32-bit draw at a time, slower)."""
    global _FAST64
    if _FAST64 is None:
        bg = np.random.MT19937(12345)
        state = bg.state
        raw = bg.random_raw(64)
        bg.state = state
        wide = np.random.Generator(bg).integers(0, 1 << 64, size=32, dtype=np.uint64)
        _FAST64 = (bool(np.array_equal((raw[0::2] << np.uint64(32)) | raw[1::2], wide))
                   and bg.random_raw(1)[0] == np.random.MT19937(12345).random_raw(65)[64])
    return _FAST64


def _swap_words(w, out):
    """``out`` = ``w`` with the two 32-bit halves of each word exchanged (``w`` is
    clobbered), so that ``out.view(np.uint32)`` lists the draws in stream order."""
    np.right_shift(w, 32, out=out)
    np.left_shift(w, 32, out=w)
    np.bitwise_or(out, w, out=out)


def _unpack_seed(seed):
    """A seed as PyTorch stores it: an unsigned 64-bit value (negative ones wrap around)."""
    if not isinstance(seed, (int, np.integer)) and not hasattr(seed, "__index__"):
        raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
    seed = seed.__index__()
    if not -(1 << 63) <= seed <= _MASK64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _MASK64


class Generator:
    """A pseudo-random number generator, as ``torch.Generator`` (the CPU one).

    Args:
        device: the device whose tensors it makes. Only CPU generators exist; values for
            tensors on other devices are drawn on the CPU and copied over.

    Example::

        >>> g = torcia.Generator().manual_seed(42)
        >>> torcia.rand(2, generator=g)
        tensor([0.8823, 0.9150])
    """

    def __init__(self, device="cpu"):
        self._device = to_device(device) or CPU
        self._bitgen = np.random.MT19937(0)
        self._gen = np.random.Generator(self._bitgen)  # shares the bit generator's state
        self._set_seed(DEFAULT_SEED)

    # -- seeding ---------------------------------------------------------------------------
    def _set_seed(self, seed):
        self._seed = seed
        self._bitgen.state = {"bit_generator": "MT19937",
                              "state": {"key": _init_key(seed), "pos": _N}}
        self._next_at_end = 0  # mt19937's `next_` while a refill is due: 0 right after seeding
        self.next_double_normal_sample = None  # Box-Muller's cached second value
        self.next_float_normal_sample = None

    def manual_seed(self, seed):
        """Seed the generator; returns the generator itself."""
        self._set_seed(_unpack_seed(seed))
        return self

    def seed(self):
        """Seed from a non-deterministic source; returns the new seed."""
        s = int.from_bytes(os.urandom(8), "little")
        self._set_seed(s)
        return s

    def initial_seed(self):
        """The seed the generator was last seeded with."""
        return self._seed

    @property
    def device(self):
        return self._device

    # -- raw stream ------------------------------------------------------------------------
    def _random(self, n):
        """``n`` 32-bit draws (``generator->random()``), as a uint64 array."""
        return self._random32(n).astype(np.uint64)

    def _random32(self, n):
        """``n`` 32-bit draws, as a uint32 array."""
        if n <= 0:
            return np.zeros(0, np.uint32)
        if n < _FEW or not _fast_next64():
            self._next_at_end = _N
            return self._bitgen.random_raw(n).astype(np.uint32)
        out = np.empty(n, np.uint32)
        h = n // 2
        if h:  # a 64-bit draw holds two 32-bit ones, the first in its high word
            _swap_words(self._random64(h), out[:2 * h].view(np.uint64))
        if n % 2:
            out[-1] = self._bitgen.random_raw(1)[0]
        return out

    def _random64(self, n):
        """``n`` 64-bit draws (``generator->random64()``: two 32-bit draws, high word first)."""
        if n <= 0:
            return np.zeros(0, np.uint64)
        self._next_at_end = _N
        if n >= _FEW // 2 and _fast_next64():
            return self._gen.integers(0, 1 << 64, size=n, dtype=np.uint64)
        raw = self._bitgen.random_raw(2 * n)
        return (raw[0::2] << np.uint64(32)) | raw[1::2]

    # -- state -----------------------------------------------------------------------------
    def get_state(self):
        """The state as a uint8 tensor in PyTorch's CPUGeneratorImplState layout."""
        from ._tensor import wrap
        st = self._bitgen.state["state"]
        pos = int(st["pos"])
        left, nxt = (1, self._next_at_end) if pos >= _N else (_N + 1 - pos, pos)
        dn, fn = self.next_double_normal_sample, self.next_float_normal_sample
        buf = bytearray(_STATE_SIZE)
        struct.pack_into("<QiiQ", buf, 0, self._seed, left, 1, nxt)
        buf[24:24 + 8 * _N] = np.asarray(st["key"], np.uint64).astype("<u8").tobytes()
        struct.pack_into("<dddi", buf, 24 + 8 * _N, 0.0, 0.0 if dn is None else dn, 0.0,
                         dn is not None)
        struct.pack_into("<f?", buf, _LEGACY_SIZE, 0.0 if fn is None else fn, fn is not None)
        return wrap(np.frombuffer(bytes(buf), np.uint8).copy())

    def set_state(self, new_state):
        """Restore a state from :meth:`get_state` (or from PyTorch's); returns self."""
        from ._tensor import Tensor
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        arr = new_state._cpu_array()
        if arr.dtype != np.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if arr.size != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but "
                               f"found the input RNG state size to be {arr.size}")
        buf = np.ascontiguousarray(arr).tobytes()
        seed, left, seeded, nxt = struct.unpack_from("<QiiQ", buf, 0)
        key = np.frombuffer(buf, "<u8", _N, 24).astype(np.uint32)
        _, ny, _, valid = struct.unpack_from("<dddi", buf, 24 + 8 * _N)
        fval, fvalid = struct.unpack_from("<f?", buf, _LEGACY_SIZE)
        if not (seeded and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        double_sample = ny if valid else None
        float_sample = float(fval) if fvalid else None
        pos = _N if left == 1 else nxt
        self._bitgen.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}
        self._seed = seed
        self._next_at_end = nxt if left == 1 else _N
        self.next_double_normal_sample = double_sample
        self.next_float_normal_sample = float_sample
        return self

    def clone_state(self):
        """A new generator in this one's state."""
        g = Generator(self._device)
        return g.set_state(self.get_state())

    def __reduce__(self):
        return (_rebuild, (str(self._device), self.get_state()._data.tobytes()))

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"


def _rebuild(device, state):
    from ._tensor import wrap
    return Generator(device).set_state(wrap(np.frombuffer(state, np.uint8).copy()))


def _check_generator(generator):
    """``generator``, or the default one for None; TypeError for anything else."""
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator


default_generator = Generator()


# -- torch.random ----------------------------------------------------------------------------
def manual_seed(seed):
    """Seed the default generator; returns it (``torch.manual_seed``)."""
    return default_generator.manual_seed(int(seed))


def seed():
    """Seed the default generator non-deterministically; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The initial seed of the default generator."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from :func:`get_rng_state`."""
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Within the ``with`` block, random draws leave the default generator's state as it was.

    Only the CPU generator exists in torcia, so ``devices`` is accepted and ignored.
    """
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)

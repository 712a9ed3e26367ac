"""Random sampling: rand, randn, randint, randperm, normal, bernoulli, multinomial, poisson and
the in-place samplers (uniform_, normal_, random_, ...), bit for bit as PyTorch's CPU kernels.

See Note [Matching PyTorch's CPU generator]. The generator itself is ``torcia/random.py``.
"""

import functools
import math
import operator
import warnings
from fractions import Fraction

import numpy as np

from .. import _dtype
from .._device import CPU, device_arg
from .._tensor import Tensor, wrap
from ..random import _check_generator, _swap_words
from ._core import Node, apply_inplace, record, requires_grad
from ._core import requires_grad as _needs_grad  # where a parameter shadows it

__all__ = ["bernoulli", "multinomial", "normal", "poisson", "rand", "rand_like", "randint",
           "randint_like", "randn", "randn_like", "randperm"]

METHODS = ["uniform_", "normal_", "random_", "bernoulli_", "exponential_", "log_normal_",
           "cauchy_", "geometric_", "bernoulli", "multinomial"]

# Note [Matching PyTorch's CPU generator]
# PyTorch's CPU kernels draw from one mt19937 stream, one element after another in the
# tensor's memory order (TensorIterator's order), and transform the draws with scalar C++:
#   * a float uniform takes a 32-bit draw: (x & (2**24 - 1)) * 2**-24; a double takes a
#     64-bit draw (two 32-bit draws, the first the high word): (x & (2**53 - 1)) * 2**-53.
#     Half and bfloat16 are computed as float, then rounded.
#   * uniform_(a, b) is fma(u, b - a, a): the kernels are built with FMA contraction on.
#   * normal_ on a contiguous tensor of >= 16 elements fills it with float (or double)
#     uniforms, then runs Box-Muller on blocks of 16 (u[0:8] gives the radius, u[8:16] the
#     angle); when the size is not a multiple of 16 the last 16 elements are redrawn from 16
#     new uniforms and transformed again. For float this is an AVX2 kernel (avx_mathfun's
#     cephes log/sincos, with the compiler's FMA contractions), reproduced below in NumPy
#     (Note [The float Box-Muller kernel]). Either kernel stores fma(x, std, mean), even for
#     N(0, 1), so a -0 comes out +0. Smaller or non-contiguous tensors take the scalar path:
#     a double Box-Muller pair per two elements whose second value is cached in the generator
#     and used by the next normal sample (also across calls).
#   * exponential_, log_normal_, cauchy_, geometric_, the double normal kernel and the
#     scalar normal path call glibc's double log1p/log/exp/tan/sin/cos. NumPy's own SIMD
#     versions of log, log1p, exp differ in the last bit, so those values come from Python's
#     math module (the same libm); log is vectorised (see _log) and only values near a
#     rounding boundary go through math.log.
#   * random_/randint: (draw % range) + from, with a 64-bit draw when range >= 2**28.
#   * Results are cast as C++'s static_cast does (a double reaches half through float).
# What this relies on: an x86 CPU with AVX2 (elsewhere PyTorch's float normal_ runs a
# scalar kernel with other values) and the glibc libm PyTorch itself calls (Python's math
# module uses the same library). On such a machine every op here matches PyTorch 2.13.

_F = np.float32
_CHUNK = 1 << 16  # elements per NumPy pass of the uniform samplers: temporaries stay in cache
# Draws: the generator's _random64 takes NumPy's 64-bit MT19937 draws (two 32-bit ones each,
# several times faster than one at a time); the samplers mask and reorder them in place.


# -- raw draws -------------------------------------------------------------------------------
def _draws24(g, k):
    """Fill the int32 array ``k`` with the low 24 bits of the next ``k.size`` 32-bit draws
    (a float uniform is k * 2**-24)."""
    n = k.size
    h = n // 2
    if h:
        w = g._random64(h)  # two draws per word, the first in the high half
        np.bitwise_and(w, 0x00FFFFFF00FFFFFF, w)
        _swap_words(w, k[:2 * h].view(np.uint64))
    if n % 2:
        k[-1] = g._random32(1)[0] & 0xFFFFFF


def _uniform_float(g, n):
    """``n`` float uniforms in [0, 1) (24 random bits each), float32."""
    return _uniform_float32(g, n, 0.0, 1.0)


def _uniform_double(g, n, out=None):
    """``n`` double uniforms in [0, 1) (53 random bits each), written into ``out`` if given."""
    out = np.empty(n) if out is None else out
    for i in range(0, n, _CHUNK):
        m = min(_CHUNK, n - i)
        w = g._random64(m)
        np.bitwise_and(w, (1 << 53) - 1, w)
        o = out[i:i + m]
        np.copyto(o, w.view(np.int64), casting="same_kind")
        np.multiply(o, 2.0 ** -53, o)
    return out


def _uniform_float32(g, n, lo, hi, out=None):
    """``n`` values of the float kernel's uniform(lo, hi) (``lo``, ``hi`` float32 values):
    fma(u, hi - lo, lo) with u = k * 2**-24, so the product u * (hi - lo) = k * w is exact in
    double; the sum is rounded once more to float32 (with the tie check unless it is exact).
    Written into ``out`` (n float32) when given."""
    out = np.empty(n, np.float32) if out is None else out
    plain = lo == 0 and hi == 1
    w = float(_F(hi) - _F(lo)) * 2.0 ** -24
    exact = plain or _exact_sums(w, lo)
    c = max(min(n, _CHUNK), 1)
    k = np.empty(c, np.int32)
    t = None if plain else np.empty(c)
    for i in range(0, n, c):
        m = min(c, n - i)
        kk, o = k[:m], out[i:i + m]
        _draws24(g, kk)
        if plain:
            np.copyto(o, kk, casting="same_kind")
            np.multiply(o, 2.0 ** -24, o)
        else:
            tt = t[:m]
            np.copyto(tt, kk)
            np.multiply(tt, w, tt)
            _round32(tt, lo, o, None if exact else (kk, w))
    return out


def _exact_sums(w, c):
    """Whether k * w + c is exact in double for every integer 0 <= k < 2**24 (then rounding it
    to float32 is rounding the exact value once, as fma does)."""
    if c == 0 or w == 0:
        return True
    fw, fc = Fraction(w), Fraction(c)
    low = min(_two_adic(fw), _two_adic(fc))  # every term is a multiple of 2**low
    return abs(fw) * (2 ** 24 - 1) + abs(fc) < Fraction(2) ** (low + 53)


def _two_adic(f):
    """The exponent of the largest power of two dividing the nonzero fraction ``f``."""
    num = abs(f.numerator)
    return (num & -num).bit_length() - f.denominator.bit_length()


# -- exact arithmetic --------------------------------------------------------------------------
def _fma32(a, b, c):
    """float32 fma(a, b, c), correctly rounded. The product of two floats is exact in double
    and so is their sum but for rare cancellations; rounding that double to float32 can only
    go wrong (round twice) when it lands exactly on a float32 tie, where the sum's error
    decides the direction."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float32), np.asarray(b, np.float32),
                                  np.asarray(c, np.float32))
    shape = a.shape
    a, b, c = (np.atleast_1d(v) for v in (a, b, c))  # ufuncs give 0-d results as scalars
    out = np.empty(a.shape, np.float32)
    _fma32_into(a, b, c, out, np.empty(a.shape))
    return out.reshape(shape)


def _fma32_into(a, b, c, out, t):
    """``out`` = fma(a, b, c) in float32 for float32 values (arrays of one shape or numbers),
    with ``t`` a float64 scratch array of that shape."""
    np.multiply(a, b, t, dtype=np.float64)
    _round32(t, c, out, (a, b))


def _round32(t, c, out, factors):
    """``out`` (float32) = round(t + c) for ``t`` holding the exact product of ``factors``
    (a, b) in double and ``c`` a float32 value; ``factors`` None when t + c is known to be exact
    in double. ``t`` is clobbered."""
    np.add(t, c, t)
    if factors is not None:
        _fix_ties(t, c, factors)
    np.copyto(out, t, casting="same_kind")


_TIE_MASK, _TIE_BITS = np.array(0x1FFFFFFF), np.array(0x10000000)  # the low 29 of 52 bits


def _fix_ties(s, c, factors):
    """Where the double ``s`` = a * b + c (a * b exact, factors = (a, b)) is a float32 tie
    that rounding the sum produced, nudge it one double ulp the way the sum's rounding error
    points, so that rounding it to float32 rounds the exact value. (Exact ties, common when
    a * b and c are close in size, need nothing.)"""
    tie = np.bitwise_and(s.view(np.int64), _TIE_MASK) == _TIE_BITS
    if not tie.any():
        return
    p = np.multiply(*factors, dtype=np.float64)
    bb = s - p
    err = np.subtract(p, s - bb, out=p)
    err += np.subtract(c, bb, out=bb)  # s + err == p + c exactly (two-sum)
    tie &= err != 0
    if tie.any():
        tie = np.nonzero(tie)
        st, et = s[tie], err[tie]
        s[tie] = np.nextafter(st, np.where(et > 0, np.inf, -np.inf))


def _fma64(a, b, c):
    """float64 fma(a, b, c), correctly rounded (error-free product and sums; the rare values
    a rounding tie could make ambiguous are computed exactly with fractions)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64),
                                  np.asarray(c, np.float64))
    p = a * b
    t = 134217729.0 * a  # Veltkamp split: p + pe == a * b exactly
    ah = t - (t - a)
    t = 134217729.0 * b
    bh = t - (t - b)
    pe = ((ah * bh - p) + ah * (b - bh) + (a - ah) * bh) + (a - ah) * (b - bh)
    s, se = _two_sum(p, c)
    w, we = _two_sum(se, pe)
    r, f = _two_sum(s, w)  # a*b + c == r + f + we exactly
    d = f + we
    half = np.abs(np.nextafter(r, np.where(d > 0, np.inf, -np.inf)) - r) * 0.5
    bad = ((we != 0) & (np.abs(f) >= half - 2 * np.abs(we))) | ~np.isfinite(r)
    if bad.any():
        r = np.array(r)
        for i in zip(*np.nonzero(bad)):
            x, y, z = float(a[i]), float(b[i]), float(c[i])
            try:
                r[i] = float(Fraction(x) * Fraction(y) + Fraction(z))
            except (ValueError, OverflowError):
                r[i] = x * y + z
    return r


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _libm(fn, x):
    """glibc's double ``fn`` (math.log1p, math.exp, ...) elementwise, as PyTorch calls it."""
    x = np.asarray(x, np.float64)
    return np.fromiter(map(fn, x.ravel().tolist()), np.float64, x.size).reshape(x.shape)


# glibc's double log, vectorised: an estimate of log(x) good to ~2**-64 relative (a 256-piece
# table and a series, in double-double), rounded to double; where that estimate lies within
# 0.04 ulp of a rounding boundary glibc's own 0.52-ulp error may round the other way, so those
# values (about 8%), and any off the normal range, go through math.log itself.
_LOG_OFF = 0x3FE6000000000000  # x = 2**k z with z in [0.6875, 1.375), cut into 256 pieces
_LOG_TAB = None  # per piece: invc (~1/z, 8 or 9 bits), -log(invc) high and low parts
_LN2_HI = float.fromhex("0x1.62e42fefa3800p-1")  # 42 bits: k * ln2_hi is exact
_LN2_LO = float.fromhex("0x1.ef35793c76730p-45")  # ln 2 - _LN2_HI, rounded
_LOG1P_Q = [(-1) ** (j + 1) / j for j in range(8, 1, -1)]  # log1p(r) = r + r**2 q(r)


def _log_table():
    from decimal import Context, Decimal
    ctx = Context(prec=60)
    tab = np.empty((3, 256))
    for i in range(256):
        a, b = (Fraction(float(np.int64(_LOG_OFF + (j << 44)).view(np.float64)))
                for j in (i, i + 1))
        if a <= 1 <= b:
            v = Fraction(1)
        else:  # the q-bit invc that keeps |z * invc - 1| smallest over the piece (< 2**-8,
            q = 9 if a >= 1 else 8  # which makes it exact in double: see _log_chunk)
            v = min((Fraction(j, 2 ** q) for j in range(int(2 ** q / b) - 2,
                                                         int(2 ** q / a) + 3)),
                    key=lambda c: max(abs(a * c - 1), abs(b * c - 1)))
            assert max(abs(a * v - 1), abs(b * v - 1)) < Fraction(1, 256)
        d = ctx.subtract(ctx.ln(Decimal(v.denominator)), ctx.ln(Decimal(v.numerator)))
        tab[:, i] = float(v), float(d), float(ctx.subtract(d, Decimal(float(d))))
    return tab


def _log(x):
    """glibc's double log of ``x`` (elementwise): see the comment above."""
    global _LOG_TAB
    if _LOG_TAB is None:
        _LOG_TAB = _log_table()
    x = np.ascontiguousarray(x, np.float64)
    out = np.empty(x.shape)
    xf, of = x.reshape(-1), out.reshape(-1)
    for i in range(0, xf.size, 1 << 14):
        _log_chunk(xf[i:i + (1 << 14)], of[i:i + (1 << 14)])
    return out


def _log_chunk(x, out):
    n = x.size
    ix = x.view(np.int64)
    t, idx = np.subtract(ix, _LOG_OFF), np.empty(n, np.int64)
    np.right_shift(t, 44, idx)
    np.bitwise_and(idx, 255, idx)
    np.right_shift(t, 52, t)
    k = t.astype(np.float64)
    np.left_shift(t, 52, t)
    np.subtract(ix, t, t)
    z = t.view(np.float64)  # x = 2**k z
    invc, chi, clo = (np.take(c, idx) for c in _LOG_TAB)
    zh = np.bitwise_and(t, ~0x3FF, idx).view(np.float64)  # 43 bits: zh * invc is exact
    np.subtract(z, zh, z)  # the low 10 bits
    np.multiply(z, invc, z)
    np.multiply(zh, invc, zh)
    np.subtract(zh, 1.0, zh)
    r = np.add(zh, z, invc)  # z * invc - 1 exactly: |r| < 2**-8 fits in 53 bits
    # log(x) = k ln2 + (-log(invc)) + log1p(r); the first two and r summed without error
    w = np.multiply(k, _LN2_HI, zh)
    a = np.add(w, chi, z)
    ae = _two_sum_err(w, chi, a)
    s = np.add(a, r, w)
    se = _two_sum_err(a, r, s)
    q = np.multiply(r, _LOG1P_Q[0])
    for c in _LOG1P_Q[1:]:
        np.add(q, c, q)
        np.multiply(q, r, q)
    np.multiply(q, r, q)
    np.multiply(k, _LN2_LO, k)
    np.add(k, clo, k)
    np.add(ae, se, ae)
    np.add(ae, k, ae)
    lo = np.add(ae, q, ae)
    np.add(s, lo, out)
    d = np.subtract(s, out, s)
    np.add(d, lo, d)  # log(x) - out, to ~2**-64 |log(x)|
    np.abs(d, d)
    ulp = np.bitwise_and(out.view(np.int64), 0x7FF0000000000000, lo.view(np.int64))
    np.subtract(ulp, 52 << 52, ulp)
    near = ~(d < 0.46 * ulp.view(np.float64))
    near |= ~((x >= 2.2250738585072014e-308) & (x < np.inf))
    if near.any():
        xs = x[near]
        pos = xs > 0
        vals = np.where(xs == 0, -np.inf, np.nan)
        vals[pos] = _libm(math.log, xs[pos])
        out[near] = vals


def _two_sum_err(a, b, s):
    """The rounding error of s = a + b (a new array)."""
    bb = np.subtract(s, a)
    e = np.subtract(s, bb)
    np.subtract(a, e, e)
    np.subtract(b, bb, bb)
    return np.add(e, bb, e)


def _exp(x):
    big = x > 709.782712893384  # math.exp raises OverflowError where glibc gives inf
    if big.any():
        out = np.full(x.shape, np.inf)
        out[~big] = _libm(math.exp, x[~big])
        return out
    return _libm(math.exp, x)


def _cast(v, npd):
    """``v`` converted as C++'s static_cast does it: an int64 or double becomes a Half or
    BFloat16 through float (two roundings)."""
    npd = np.dtype(npd)
    if v.dtype.itemsize == 8 and (npd == np.float16 or npd == _dtype.bfloat16.np):
        return v.astype(np.float32).astype(npd)
    return v.astype(npd, copy=False)


# -- Box-Muller, vectorised path (blocks of 16) -----------------------------------------
# Note [The float Box-Muller kernel]
# PyTorch's AVX2 normal_fill_16 computes, for blocks of 16 float uniforms u, the radius
# sqrt(-2 log(1 - u[0:8])) and the sine and cosine of 2 pi u[8:16] with avx_mathfun's
# log256_ps and sincos256_ps (cephes' logf and sinf/cosf polynomials), in float32 arithmetic
# where GCC contracted a * b + c into fma. Here:
#   * a float uniform is k * 2**-24 for the 24-bit integer k = draw & 0xFFFFFF, so
#     1 - u = (2**24 - k) * 2**-24 and 2 pi u = fl(float(k) * (2 pi * 2**-24)) are formed from
#     k exactly, and the exponent/mantissa split of log256_ps is integer arithmetic on the
#     bits (mantissa in [sqrt(1/2), sqrt(2)), musl's way; the same values as its compare and
#     mask).
#   * an fma whose product is exact in float32 (a power-of-two or few-bit constant times a
#     small integer or power of two) is an ordinary float32 add.
#   * any other fma(a, b, c) of float32 values is (a * b + c) in float64 rounded once to
#     float32: the product is exact in float64 and only the sum rounds, so the result is the
#     fma's unless that sum lands exactly on a float32 tie it only reached by rounding
#     (double rounding). No tie check is made here because none can happen on these inputs:
#     the kernel's input is one of 2**24 values k, and for every one of them (all 2**24 k,
#     both for the radius and the sine/cosine) the result was checked to be bit-identical to
#     the literal per-operation emulation with the tie check (``_fma32``). The tests check a
#     sample of k against that literal emulation and many millions of normals against
#     PyTorch.
# All passes run in place on preallocated chunk buffers (_BM_ROWS blocks at a time), which
# keeps the temporaries in cache and avoids allocating.

_BM_ROWS = 2048  # blocks of 16 per chunk of the float kernel


def _c32(v):
    """A float32 constant as a 0-d array (the cheapest operand for a float32 ufunc; a Python
    float would do the same arithmetic, slower)."""
    return np.array(v, np.float32)


_LOG_P = [np.array(float(_F(v))) for v in (
    7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
    -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)]
_LOG_Q1, _LOG_Q2 = _c32(-2.12194440e-4), _c32(0.693359375)
_SQRTHF_BITS = 0x3F3504F3  # float32 0.707106781186547524
_TWO_PI_24 = _c32(float(_F(2.0 * math.pi)) * 2.0 ** -24)  # exact: a float32 times 2**-24
_FOPI = _c32(1.27323954473516)
_DP1, _DP2 = _c32(-0.78515625), _c32(-2.4187564849853515625e-4)  # 8 and 11 significant bits
_DP3 = np.array(float(_F(-3.77489497744594108e-8)))
_COS_P = [np.array(float(_F(v))) for v in (2.443315711809948E-005, -1.388731625493765E-003,
                                           4.166664568298827E-002)]
_SIN_P = [np.array(float(_F(v))) for v in (-1.9515295891E-4, 8.3321608736E-3,
                                           -1.6666654611E-1)]
_ONE32, _HALF32, _MHALF32, _MTWO32 = _c32(1), _c32(0.5), _c32(-0.5), _c32(-2)
_I = {v: np.array(v, np.int32) for v in (-2, 1, 23, 31, 127, 1 << 24, 0x7FFFFF, _SQRTHF_BITS,
                                         0x3F800000 - _SQRTHF_BITS - (24 << 23))}
_U = {v: np.array(v, np.uint32) for v in (2, 30, 31)}
_MASK24X2 = np.array(0x00FFFFFF00FFFFFF, np.uint64)


class _BoxMuller32:
    """Buffers for ``m`` = 8 * rows elements of each half of the float kernel."""

    def __init__(self, m):
        self.m = m
        self.K = np.empty((2, m), np.int32)  # the 24-bit integers: radius, angle
        self.W = np.empty((2, m), np.float32)  # results: radius * cos, radius * sin
        self.x, self.e, self.z, self.y, self.v, self.R = np.empty((6, m), np.float32)
        self.i, self.j = np.empty((2, m), np.int32)
        self.F64 = np.empty((3, m))
        self.X, self.Z, self.t = self.F64
        self._views()

    def _views(self):
        self.xi, self.ei, self.yi, self.ii = (a.view(np.int32) for a in (self.x, self.e,
                                                                           self.y, self.i))
        self.iu, self.ju = self.i.view(np.uint32), self.j.view(np.uint32)
        self.W0i, self.W1i = self.W[0].view(np.int32), self.W[1].view(np.int32)
        self.Ku = self.K.view(np.uint64)
        self.T = self.t.view(np.uint64).reshape(2, self.m // 2)

    def sliced(self, m):
        """The same buffers cut to ``m`` elements (a chunk's last rows)."""
        b = object.__new__(_BoxMuller32)
        for k in ("K", "W", "x", "e", "z", "y", "v", "R", "i", "j", "F64", "X", "Z", "t"):
            setattr(b, k, getattr(self, k)[..., :m])
        b.m = m
        b._views()
        return b

    def draw(self, g):
        """K = the low 24 bits of the next 16 * rows draws, deinterleaved: K[0] holds the
        first 8 of each block (radius), K[1] the last 8 (angle)."""
        m, T = self.m, self.T
        w = g._random64(m)  # 2 draws per word, the first in the high half
        np.copyto(T.view("V32"), w.view("V32").reshape(m // 8, 2).T)  # 8 draws per V32
        np.bitwise_and(T, _MASK24X2, T)
        _swap_words(T, self.Ku)

    def run(self, mean, std):
        """W = the normals of the blocks in K, scaled by ``std`` and shifted by ``mean``."""
        W, R = self.W, self.R
        self.radius(self.K[0], R)
        self.sincos(self.K[1])
        np.multiply(W, R, W)
        # PyTorch stores fma(x, std, mean) even for N(0, 1): a -0 (radius -0 at u = 0) is +0
        s, mu = float(_F(std)), float(_F(mean))
        if mu == 0 and (s == 0 or s >= 2.0 ** -100):
            if s != 1:
                np.multiply(W, _c32(s), W)  # fma(x, s, 0): one rounding of x * s
            np.add(W, _c32(0), W)
        else:  # fma(x, s, mu)
            t = self.F64[:2]
            np.copyto(t, W)
            np.multiply(t, np.array(s), t)
            _round32(t, np.array(mu), W, (W, s))

    def write(self, out):
        """Interleave W into ``out`` (rows blocks of 16: 8 r cos, then 8 r sin)."""
        np.copyto(out.view("V32").reshape(-1, 2), self.W.view("V32").T)

    def radius(self, k, out):
        """``out`` = sqrt(-2 log256_ps(1 - k * 2**-24)) (float32) for 24-bit ints ``k``."""
        x, e, z, y, i, X, t, xi, C = (self.x, self.e, self.z, self.y, self.i, self.X, self.t,
                                      self.xi, _I)
        mul, add, copy = np.multiply, np.add, np.copyto
        np.subtract(C[1 << 24], k, i)  # 1 - u = i * 2**-24, exactly
        copy(x, i, casting="same_kind")
        # x's bits as float32(i) * 2**-24 (-24 << 23), then musl's split: x = 2**e * (1 + f)
        # with 1 + f in [sqrt(1/2), sqrt(2)) -- log256_ps's e and x after its mask step
        add(xi, C[0x3F800000 - _SQRTHF_BITS - (24 << 23)], xi)
        np.right_shift(xi, C[23], i)
        np.subtract(i, C[127], i)
        copy(e, i, casting="same_kind")
        np.bitwise_and(xi, C[0x7FFFFF], xi)
        add(xi, C[_SQRTHF_BITS], xi)
        np.subtract(x, _ONE32, x)  # f, exact
        copy(X, x)
        mul(x, x, z)
        P = _LOG_P
        mul(X, P[0], t)
        add(t, P[1], t)
        for p in P[2:]:  # y = fma(y, x, p), y rounded to float32 each time
            copy(y, t, casting="same_kind")
            copy(t, y)
            mul(t, X, t)
            add(t, p, t)
        copy(y, t, casting="same_kind")
        mul(y, x, y)
        copy(t, y)  # y = fma(y, z, e * q1)
        mul(t, z, t)
        mul(e, _LOG_Q1, out)
        add(t, out, t)
        copy(y, t, casting="same_kind")
        mul(z, _HALF32, z)  # fma(z, -0.5, y): the product is exact
        np.subtract(y, z, y)
        add(x, y, y)  # fma(e, q2, x + y): e * q2 is exact
        mul(e, _LOG_Q2, e)
        add(y, e, y)
        mul(y, _MTWO32, y)
        np.sqrt(y, out)
        return out

    def sincos(self, k):
        """W[1], W[0] = sincos256_ps(2 pi * k * 2**-24) (float32) for 24-bit ints ``k``."""
        x, z, c, s, v, j, X, Z, t = (self.x, self.z, self.e, self.y, self.v, self.j, self.X,
                                     self.Z, self.t)
        mul, add, copy = np.multiply, np.add, np.copyto
        copy(x, k, casting="same_kind")
        mul(x, _TWO_PI_24, x)  # x = 2 pi u, >= 0: no sign to strip
        mul(x, _FOPI, v)
        copy(j, v, casting="unsafe")  # truncation, as cvttps2dq
        add(j, _I[1], j)
        np.bitwise_and(j, _I[-2], j)  # j in {0, 2, 4, 6, 8}
        copy(v, j, casting="same_kind")
        mul(v, _DP1, s)  # fma(y, -DP1, x) and fma(y, -DP2, x): exact products
        add(x, s, x)
        mul(v, _DP2, s)
        add(x, s, x)
        copy(t, v)  # fma(y, -DP3, x)
        mul(t, _DP3, t)
        add(t, x, t)
        copy(x, t, casting="same_kind")
        mul(x, x, z)
        copy(Z, z)
        copy(X, x)
        # cosine polynomial: fma(fma(fma(c0, z, c1), z, c2) * z, z, -0.5 z) + 1
        C = _COS_P
        mul(Z, C[0], t)
        add(t, C[1], t)
        copy(c, t, casting="same_kind")
        copy(t, c)
        mul(t, Z, t)
        add(t, C[2], t)
        copy(c, t, casting="same_kind")
        mul(c, z, c)
        copy(t, c)
        mul(t, Z, t)
        mul(z, _MHALF32, v)
        add(t, v, t)
        copy(c, t, casting="same_kind")
        add(c, _ONE32, c)
        # sine polynomial: fma(fma(fma(s0, z, s1), z, s2) * z, x, x)
        S = _SIN_P
        mul(Z, S[0], t)
        add(t, S[1], t)
        copy(s, t, casting="same_kind")
        copy(t, s)
        mul(t, Z, t)
        add(t, S[2], t)
        copy(s, t, casting="same_kind")
        mul(s, z, s)
        copy(t, s)
        mul(t, X, t)
        add(t, X, t)
        copy(s, t, casting="same_kind")
        # j & 2 swaps the polynomials; sin is negative for j & 4, cos for (j + 2) & 4
        ju, si, ci, m, mu, U = self.ju, self.yi, self.ei, self.ii, self.iu, _U
        sin, cos = self.W1i, self.W0i
        np.left_shift(ju, U[30], mu)
        np.right_shift(m, _I[31], m)  # -1 where j & 2
        np.bitwise_xor(si, ci, sin)
        np.bitwise_and(sin, m, sin)
        np.bitwise_xor(ci, sin, cos)
        np.bitwise_xor(si, sin, sin)
        np.right_shift(ju, U[2], mu)
        np.left_shift(mu, U[31], mu)
        np.bitwise_xor(sin, m, sin)
        np.add(ju, U[2], ju)
        np.right_shift(ju, U[2], mu)
        np.left_shift(mu, U[31], mu)
        np.bitwise_xor(cos, m, cos)


def _box_muller16_double(u, mean, std, out):
    """Blocks of 16 double uniforms (rows of ``u``) to normals in ``out`` (may be ``u``), as
    PyTorch's scalar kernel."""
    radius = _log(1.0 - u[:, :8])
    np.multiply(radius, -2.0, radius)
    np.sqrt(radius, radius)
    theta = np.multiply(u[:, 8:], 2.0 * math.pi)
    np.multiply(radius, np.cos(theta), out[:, :8])
    np.multiply(radius, np.sin(theta), out[:, 8:])
    out[...] = _scale64(out, mean, std)


def _scale64(x, mean, std):
    """PyTorch's x * std + mean (an fma): for N(0, 1) that only makes a -0 +0."""
    if mean == 0 and std == 1:
        return np.add(x, 0.0, x)
    return _fma64(x, std, mean)


def _normal_fill(g, n, npd, mean, std, out=None):
    """normal_ of a contiguous tensor of ``n`` >= 16 elements (PyTorch's normal_fill); a float
    result goes into ``out`` (n float32) when given."""
    if npd == np.float64:
        return _normal_fill_double(g, n, mean, std, out)
    full = n // 16
    out = np.empty(n, np.float32) if out is None else out
    rows = min(full, _BM_ROWS)
    bm = _BoxMuller32(8 * rows)
    for r0 in range(0, full, rows):
        r = min(rows, full - r0)
        b = bm if r == rows else bm.sliced(8 * r)
        b.draw(g)
        b.run(mean, std)
        b.write(out[16 * r0:16 * (r0 + r)])
    if n % 16:
        # float first fills all n elements with uniforms (the last n % 16 are discarded);
        # half and bfloat16 draw them a block at a time, so they skip those
        if npd == np.float32:
            g._random32(n % 16)
        b = bm.sliced(8)
        b.draw(g)
        b.run(mean, std)
        b.write(out[n - 16:])
    return out.astype(npd, copy=False)


def _normal_fill_double(g, n, mean, std, out=None):
    """normal_fill for double: all n uniforms first (into ``out``), then blocks of 16 in
    place, then the last 16 again from 16 new uniforms when n % 16."""
    full = n // 16
    out = _uniform_double(g, n, out)
    step = _CHUNK // 16
    for i in range(0, full, step):
        blk = out[i * 16:min(i + step, full) * 16].reshape(-1, 16)
        _box_muller16_double(blk, mean, std, blk)
    if n % 16:
        _box_muller16_double(_uniform_double(g, 16).reshape(1, 16), mean, std,
                             out[n - 16:].reshape(1, 16))
    return out


def _normal_scalar(g, n, mean, std):
    """``n`` doubles from PyTorch's normal_distribution<double>: Box-Muller pairs, the second
    value of a pair cached in the generator for the next sample."""
    out = np.empty(n)
    start = 0
    if n and g.next_double_normal_sample is not None:
        out[0] = g.next_double_normal_sample
        g.next_double_normal_sample = None
        start = 1
    m = n - start
    k = (m + 1) // 2
    if k:
        u = _uniform_double(g, 2 * k).reshape(k, 2)
        if k <= 16:  # a few: Python's math (glibc) without NumPy's per-call costs
            pairs = []
            for u0, u1 in u.tolist():
                r = math.sqrt(-2.0 * math.log1p(-u1))
                theta = (2.0 * math.pi) * u0
                pairs += (r * math.cos(theta), r * math.sin(theta))
            pairs = np.array(pairs)
        else:
            r = np.sqrt(-2.0 * _libm(math.log1p, -u[:, 1]))
            theta = (2.0 * math.pi) * u[:, 0]
            pairs = np.empty((k, 2))
            np.multiply(r, np.cos(theta), pairs[:, 0])
            np.multiply(r, np.sin(theta), pairs[:, 1])
            pairs = pairs.ravel()
        out[start:] = pairs[:m]
        if m % 2:
            g.next_double_normal_sample = float(pairs[-1])
    return _scale64(out, mean, std)


# -- element order and in-place plumbing --------------------------------------------------------
def _order(a):
    """Axes from outermost to innermost in memory (TensorIterator's order), or None when
    ``a``'s logical order already is its memory order."""
    if a.ndim < 2 or a.flags.c_contiguous:
        return None
    st = a.strides
    order = sorted(range(a.ndim), key=lambda d: -st[d] if a.shape[d] > 1 else 0)
    return None if order == list(range(a.ndim)) else order


def _place(shape, order, values, npd):
    """An array of ``shape`` holding ``values`` laid down in element order ``order``."""
    if order is None:
        return values.astype(npd, copy=False).reshape(shape)
    out = np.empty(shape, npd)
    out.transpose(order)[...] = values.reshape([shape[d] for d in order])
    return out


def _zero_grad_node(name):
    """A backward node for a sampler: its inputs get zero gradients, as in PyTorch."""
    def backward(self, grad):
        grads = tuple(None if e[0] is None else grad.new_zeros(m[0])
                      for e, m in zip(self.next_functions, self._meta))
        return grads[0] if len(grads) == 1 else grads
    return type(name, (Node,), {"backward": backward})


UniformBackward0 = _zero_grad_node("UniformBackward0")
NormalBackward0 = _zero_grad_node("NormalBackward0")
NormalBackward1 = _zero_grad_node("NormalBackward1")
NormalBackward2 = _zero_grad_node("NormalBackward2")
NormalBackward3 = _zero_grad_node("NormalBackward3")
RandomBackward0 = _zero_grad_node("RandomBackward0")
RandomBackward1 = _zero_grad_node("RandomBackward1")
RandomBackward2 = _zero_grad_node("RandomBackward2")
BernoulliBackward0 = _zero_grad_node("BernoulliBackward0")
BernoulliBackward1 = _zero_grad_node("BernoulliBackward1")
BernoulliBackward2 = _zero_grad_node("BernoulliBackward2")
ExponentialBackward0 = _zero_grad_node("ExponentialBackward0")
LogNormalBackward0 = _zero_grad_node("LogNormalBackward0")
CauchyBackward0 = _zero_grad_node("CauchyBackward0")
GeometricBackward0 = _zero_grad_node("GeometricBackward0")
PoissonBackward0 = _zero_grad_node("PoissonBackward0")


class NotImplemented_(Node):
    """The node of an op PyTorch has no derivative for: backward raises."""

    def backward(self, grad):
        raise RuntimeError(f"the derivative for '{self.op}' is not implemented.")

    def name(self):
        return "torch::autograd::NotImplemented"


def _sample_(self, node_cls, values, others=(), fill=None):
    """Fill ``self`` in place with ``values(n, order)`` (n values in element order), or, for a
    contiguous float32 or float64 tensor, with ``fill(n, dest)``, which writes them straight
    into its memory ``dest`` (flat), sparing a new array and a copy."""
    def compute(src):
        a = src._data
        order = _order(self._data)
        if (fill is not None and src._device is CPU and a.dtype in (np.float32, np.float64)
                and a.flags.c_contiguous and a.flags.writeable):
            fill(a.size, a.reshape(-1))
            arr = a
        else:
            arr = _place(a.shape, order, values(a.size, order), a.dtype)
        out = wrap(_to_device(arr, src._device), src._device)
        if requires_grad(src, *others):
            record(node_cls, (src,) + tuple(others), (out,))
        return out
    return apply_inplace(self, compute, others)


def _kind(t):
    """'f' for floating tensors, 'c' complex, 'i' integral, 'b' bool."""
    d = t.dtype
    return "f" if d.is_floating_point else "c" if d.is_complex else (
        "b" if d is _dtype.bool else "i")


def _not_implemented(kernel, dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{dtype._legacy}\'')


def _real_view_values(self, fn):
    """For a complex tensor, PyTorch samples its real view: 2n reals, real and imaginary
    parts interleaved. ``fn(n, npd)`` samples reals; returns a complex sampler."""
    real = self.dtype.to_real().np

    def values(n, order):
        return fn(2 * n, real).view(self._data.dtype)
    return values


# -- in-place samplers ----------------------------------------------------------------------
def _uniform_values(g, n, npd, low, high, out=None):
    """``n`` values of PyTorch's uniform_(low, high) in NumPy dtype ``npd`` (float32 and
    float64 ones written into ``out`` when given)."""
    if npd == np.float64:
        v = _uniform_double(g, n, out)
        top = 1 - 2.0 ** -53  # the largest uniform
        if (low, high) != (0.0, 1.0):
            w, lo = high - low, float(low)
            for i in range(0, n, _CHUNK):
                v[i:i + _CHUNK] = _fma64(v[i:i + _CHUNK], w, lo)
            top = _fma64(np.array([top]), w, lo)
    else:
        lo, hi = _F(low), _F(high)
        v = _uniform_float32(g, n, float(lo), float(hi), out if npd == np.float32 else None)
        top = _fma32(_F(1 - 2.0 ** -24), hi - lo, lo)
    v = v.astype(npd, copy=False)
    via = np.float64 if npd == np.float64 else np.float32  # c10 rounds a double via float
    high = np.asarray(high, via).astype(npd)
    # a value rounded up to `high` is `low`; the values grow with the draw, so only when the
    # largest draw's value reaches `high` can one of them
    if np.asarray(top).astype(npd) >= high:
        hit = v == high
        if hit.any():
            v[hit] = np.asarray(low, via).astype(npd)
    return v


def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kwargs):
    """Fill with values drawn uniformly from [from, to), in place."""
    from_ = kwargs.pop("from", from_)
    if kwargs:
        raise TypeError(f"uniform_() got an unexpected keyword argument '{next(iter(kwargs))}'")
    g = _check_generator(generator)
    kind = _kind(self)
    if kind not in "fc":
        raise _not_implemented("check_uniform_bounds", self.dtype)
    from_, to = float(from_), float(to)
    real = self.dtype.to_real()
    fmax = _dtype.finfo(real).max
    for v, what in ((from_, "from"), (to, "to")):
        if not -fmax <= v <= fmax:
            raise RuntimeError(f"{what} is out of bounds for {_CPP_NAMES[real.name]}")
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_fmt(from_)} > to={_fmt(to)}")
    if to - from_ > _dtype.finfo(real).max:
        raise RuntimeError(f"uniform_ expects to-from <= std::numeric_limits<{real._legacy}>"
                           f"::max(), but found to={_fmt(to)} and from={_fmt(from_)} which "
                           "result in to-from to exceed the limit")

    def sample(n, npd):
        return _uniform_values(g, n, npd, from_, to)
    values = (_real_view_values(self, sample) if kind == "c"
              else lambda n, order: sample(n, self._data.dtype))
    return _sample_(self, UniformBackward0, values,
                    fill=lambda n, dest: _uniform_values(g, n, dest.dtype, from_, to, dest))


def _fmt(x):
    """A number as C++'s stream prints a double (6 significant digits)."""
    return f"{x:g}"


def _normal_values(g, n, npd, mean, std, contiguous, out=None):
    if n >= 16 and contiguous:
        return _normal_fill(g, n, npd, mean, std, out)
    v = _cast(_normal_scalar(g, n, mean, std), npd)
    if out is not None:
        out[...] = v
        return out
    return v


def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with values drawn from the normal distribution N(mean, std**2), in place."""
    g = _check_generator(generator)
    _check_std(std)
    kind = _kind(self)
    if kind not in "fc":
        raise _not_implemented("normal_kernel_cpu", self.dtype)
    mean, std = float(mean), float(std)
    contiguous = self._data.flags.c_contiguous
    if kind == "c":  # real and imaginary parts each get half the variance
        values = _real_view_values(
            self, lambda n, npd: _normal_values(g, n, npd, mean, std / math.sqrt(2), contiguous))
    else:
        def values(n, order):
            return _normal_values(g, n, self._data.dtype, mean, std, contiguous)
    return _sample_(self, NormalBackward0, values, fill=lambda n, dest: _normal_values(
        g, n, dest.dtype, mean, std, contiguous, dest))


def _check_std(std):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")


# random_: integer ranges --------------------------------------------------------------------
_CPP_NAMES = {"int8": "signed char", "uint8": "unsigned char", "int16": "short int",
              "int32": "int", "int64": "long int", "bool": "bool", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "float32": "float", "float64": "double"}
_DIGITS = {"float16": 11, "bfloat16": 8, "float32": 24, "float64": 53}


def _int_values(g, n, npd, rng, base, wide):
    """PyTorch's uniform_int_from_to: (draw % rng) + base in uint64 arithmetic, as int64,
    then converted to the tensor's dtype (half/bfloat16 through float, as c10 does)."""
    raw = g._random64(n) if wide else g._random(n)
    v = ((raw % np.uint64(rng)) + np.uint64(base & 0xFFFFFFFFFFFFFFFF)).view(np.int64)
    return _from_int64(v, npd)


def _from_int64(v, npd):
    return _cast(v, npd)


def _update_from(from_, digits):
    """PyTorch's update_from: the smallest value >= from representable in the float dtype."""
    fp1 = int(_round_to_digits(from_ + 1, digits))
    if fp1 < from_:
        n = abs(from_ + 1).bit_length() - 1
        from_ = fp1 + (1 << (n - digits + 1))
    return from_


def _update_to(to, digits):
    tm1 = int(_round_to_digits(to - 1, digits))
    if tm1 >= to:
        n = abs(to - 1).bit_length() - 1
        to = tm1 - (1 << (n - digits + 1))
    return to


def _round_to_digits(v, digits):
    """``v`` rounded to a ``digits``-bit significand (ties to even), as an exact int."""
    if v == 0:
        return 0
    e = abs(v).bit_length() - digits
    if e <= 0:
        return v
    q, r = divmod(abs(v), 1 << e)
    half = 1 << (e - 1)
    if r > half or (r == half and q & 1):
        q += 1
    return (q << e) * (1 if v > 0 else -1)


def _check_in_range(from_, to_inc, dt):
    """PyTorch's check_from_to_in_range."""
    name = _CPP_NAMES.get(dt.name, dt.name)
    if dt.is_floating_point:
        fmax = _dtype.finfo(dt).max
        for v, what in ((from_, "from"), (to_inc, "to - 1")):
            if not -fmax <= v <= fmax:
                raise RuntimeError(f"{what} is out of bounds for {name}")
        digits = _DIGITS[dt.name]
        for v, what in ((from_, "from"), (to_inc, "to - 1")):
            if not -(1 << digits) <= v <= 1 << digits:
                warnings.warn(f"{what} is out of bounds [-(2^{digits}), 2^{digits}]. Due to "
                              f"precision limitations {name} can support discrete uniform "
                              "distribution only within this range. This warning will become "
                              "an error in version 1.7 release, please fix the code in advance",
                              UserWarning, stacklevel=4)
    else:
        info = (0, 1) if dt is _dtype.bool else (_dtype.iinfo(dt).min, _dtype.iinfo(dt).max)
        if not info[0] <= from_ <= info[1]:
            raise RuntimeError(f"from is out of bounds for {name}")
        if not info[0] <= to_inc <= info[1]:
            raise RuntimeError(f"to - 1 is out of bounds for {name}")


_RANDOM_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                  "float32", "float64")


def _random_range(dt, from_, to):
    """(range, base) of random_(from, to) for dtype ``dt`` (range 2**64 for the full int64
    range), with PyTorch's checks and its rounding of float bounds."""
    kind = "f" if dt.is_floating_point else "i"
    if to is not None:
        if from_ >= to:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={from_} >= to={to}")
        if kind == "f":
            digits = _DIGITS[dt.name]
            from_, to = _update_from(from_, digits), _update_to(to, digits)
            if from_ >= to:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than "
                                   f"'to' casted to dtype, but got from={from_} >= to={to}")
        _check_in_range(from_, to - 1, dt)
        return to - from_, from_
    if from_ != -(1 << 63):
        if kind == "f":
            to_inc = min(1 << _DIGITS[dt.name], (1 << 63) - 1)
            from_ = _update_from(from_, _DIGITS[dt.name])
            if from_ >= to_inc:
                raise RuntimeError(f"random_ expects 'from' casted to dtype to be less than or "
                                   f"equal to 'to_inc' casted to dtype, but got from={from_} > "
                                   f"to_inc={to_inc}")
        else:
            to_inc = 1 if dt is _dtype.bool else _dtype.iinfo(dt).max
        _check_in_range(from_, to_inc, dt)
        return to_inc - from_ + 1, from_
    return 1 << 64, from_


def _random_values(g, n, dt, rng, base):
    npd = dt.np
    if rng == 1 << 64:  # from = int64 min, to = None: the raw 64-bit draw as an int64
        if dt.name not in ("int64", "float64", "float32", "bfloat16"):
            raise RuntimeError("random_full_64_bits_range_kernel_cpu handles only int64, "
                               "double, float and bfloat16")
        return _from_int64(g._random64(n).view(np.int64), npd)
    return _int_values(g, n, npd, rng, base, rng >= 1 << 28)  # 64-bit draws for wide ranges


def _random_default_values(g, n, dt):
    """random_() without bounds: [0, 2**mantissa] for floats, [0, max] for integers."""
    name = dt.name
    if name == "bool":
        return (g._random(n) & np.uint64(1)).astype(np.bool_)
    if name in ("int64", "float64"):
        mod = (1 << 63) if name == "int64" else (1 << 53) + 1
        return (g._random64(n) % np.uint64(mod)).astype(dt.np)
    if dt.is_floating_point:
        mod = (1 << _DIGITS[name]) + 1
    else:
        mod = _dtype.iinfo(dt).max + 1
    v = (g._random(n) % np.uint64(mod)).astype(np.int64)
    return _from_int64(v, dt.np)


def random_(self, *args, generator=None, **kwargs):
    """Fill with integers from [from, to - 1] (``random_(to)``, ``random_(from, to)``;
    ``to=None`` means up to the dtype's largest value), or, without bounds, from
    [0, 2**mantissa] for floating dtypes and [0, max] for integer ones; in place."""
    g = _check_generator(generator)
    unknown = set(kwargs) - {"from", "to"}
    if unknown or len(args) > 2:
        raise TypeError("random_() received an invalid combination of arguments - expected "
                        "(), (int to) or (int from, int to)")
    if len(args) == 2:
        from_, to, node = args[0], args[1], RandomBackward0
    elif len(args) == 1 and "to" in kwargs:
        from_, to, node = args[0], kwargs["to"], RandomBackward0
    elif len(args) == 1 or set(kwargs) == {"to"}:
        from_, to, node = 0, (args[0] if args else kwargs["to"]), RandomBackward1
    elif kwargs:
        from_, to, node = kwargs.get("from", 0), kwargs.get("to"), RandomBackward0
    else:
        from_ = to = None
    dt = self.dtype
    if dt.name not in _RANDOM_DTYPES:
        raise _not_implemented("random_kernel_cpu" if from_ is None else
                               "random_from_to_kernel_cpu", dt)
    if from_ is None:
        return _sample_(self, RandomBackward2,
                        lambda n, order: _random_default_values(g, n, dt))
    to = None if to is None else int(to)
    rng, base = _random_range(dt, int(from_), to)
    return _sample_(self, node, lambda n, order: _random_values(g, n, dt, rng, base))


# bernoulli_, exponential_ and the other double-based samplers -----------------------------
def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 with probability ``p`` (a number or a tensor broadcast to self), else 0."""
    g = _check_generator(generator)
    if isinstance(p, Tensor):
        if not p.dtype.is_floating_point:
            raise _not_implemented("bernoulli_tensor_cpu_p_", p.dtype)
        pa = p._cpu_array()
        shape = self._data.shape
        try:
            pa = np.broadcast_to(pa, shape)
        except ValueError:
            raise RuntimeError(_expand_error(shape, pa.shape)) from None
        double = pa.dtype == np.float64

        def values(n, order):
            pv = pa if order is None else pa.transpose(order)
            pv = pv.ravel().astype(np.float64 if double else np.float32)
            if ((pv < 0) | (pv > 1) | np.isnan(pv)).any():
                raise RuntimeError("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  "
                                   "(Could this error message be improved?  If so, please "
                                   "report an enhancement request to PyTorch.)")
            u = _uniform_double(g, n) if double else _uniform_float(g, n)
            return (u < pv).astype(self._data.dtype)
        return _sample_(self, BernoulliBackward1, values, (p,))
    p = float(p)
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
    return _sample_(self, BernoulliBackward2,
                    lambda n, order: (_uniform_double(g, n) < p).astype(self._data.dtype))


def _expand_error(shape, pshape):
    for i in range(1, len(pshape) + 1):
        s = shape[-i] if i <= len(shape) else 1
        if pshape[-i] != s and pshape[-i] != 1:
            return (f"The expanded size of the tensor ({s}) must match the existing size "
                    f"({pshape[-i]}) at non-singleton dimension {len(shape) - i}.  Target "
                    f"sizes: {list(shape)}.  Tensor sizes: {list(pshape)}")
    return f"expand: the tensor of shape {list(pshape)} can't be expanded to {list(shape)}"


def _check_floating(self, kernel):
    if not self.dtype.is_floating_point:
        raise _not_implemented(kernel, self.dtype)


def exponential_(self, lambd=1.0, *, generator=None):
    """Fill with samples of the exponential distribution of rate ``lambd``, in place."""
    g = _check_generator(generator)
    lambd = float(lambd)
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    if not self.dtype.is_floating_point:
        raise RuntimeError("Exponential distribution is a continuous probability distribution. "
                           f"dtype must be a floating point but you specified "
                           f"{self.dtype._legacy}")
    scale = -1.0 / lambd

    def values(n, order):
        return _cast(scale * _libm(math.log1p, -_uniform_double(g, n)), self._data.dtype)
    return _sample_(self, ExponentialBackward0, values)


def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """Fill with exp(N(mean, std**2)) samples, in place."""
    g = _check_generator(generator)
    mean, std = float(mean), float(std)
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    _check_floating(self, "log_normal_cpu")

    def values(n, order):
        return _cast(_exp(_normal_scalar(g, n, mean, std)), self._data.dtype)
    return _sample_(self, LogNormalBackward0, values)


def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """Fill with samples of the Cauchy distribution, in place."""
    g = _check_generator(generator)
    median, sigma = float(median), float(sigma)
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    _check_floating(self, "cauchy_cpu")

    def values(n, order):
        t = _libm(math.tan, math.pi * (_uniform_double(g, n) - 0.5))
        return _cast(_fma64(sigma, t, median), self._data.dtype)
    return _sample_(self, CauchyBackward0, values)


def geometric_(self, p, *, generator=None):
    """Fill with the number of Bernoulli(p) trials up to the first success, in place."""
    g = _check_generator(generator)
    p = float(p)
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    if self.dtype.name not in _RANDOM_DTYPES[1:]:
        raise _not_implemented("geometric_cpu", self.dtype)
    denom = math.log1p(-p)

    def values(n, order):
        with np.errstate(all="ignore"):
            v = np.ceil(_log(_uniform_double(g, n)) / denom)
        npd = self._data.dtype
        if npd.kind in "iu":
            v = np.where(np.isfinite(v), v, -2.0 ** 63).astype(np.int64)
        return _cast(v, npd)
    return _sample_(self, GeometricBackward0, values)


# -- factories ---------------------------------------------------------------------------------
def _to_device(arr, device):
    """A NumPy array moved to ``device``'s array library."""
    if device is CPU:
        return arr
    from .. import _backend
    return _backend.get(device).from_numpy(arr)


def _shape(fn, size):
    """A shape from ``f(2, 3)``, ``f((2, 3))`` or ``f(torch.Size([2, 3]))``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    try:
        shape = tuple(operator.index(s) for s in size)
    except TypeError:
        bad = next(s for s in size if not hasattr(s, "__index__"))
        raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, but found element of "
                        f"type {type(bad).__name__}") from None
    if any(s < 0 for s in shape):
        neg = next(s for s in shape if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {neg}: "
                           f"{list(shape)}")
    return shape


def _size_kw(fn, size, kw):
    """``size`` given positionally or as the ``size=`` keyword."""
    if kw:
        if set(kw) != {"size"} or size:
            name = next(k for k in kw if k != "size") if set(kw) != {"size"} else "size"
            raise TypeError(f"{fn}() got an unexpected keyword argument '{name}'"
                            if name != "size" else f"{fn}() got multiple values for argument "
                            "'size'")
        return (kw["size"],)
    return size


def _factory_dtype(dtype, out, default):
    """A factory's dtype: ``dtype``, else the ``out=`` tensor's, else ``default``."""
    dt = None if dtype is None else _dtype.to_dtype(dtype)
    if out is not None:
        if dt is not None and dt is not out.dtype:
            raise RuntimeError(f"dtype {dt._legacy} does not match dtype of out parameter "
                               f"({out.dtype._legacy})")
        return out.dtype
    return default if dt is None else dt


def _make(fn, size, dt, values, device, requires_grad, out):
    """A new tensor of ``size`` filled by ``values(n)`` (contiguous, element order)."""
    shape = _shape(fn, size)
    arr = values(math.prod(shape)).astype(dt.np, copy=False).reshape(shape)
    return _result(arr, device_arg(device, fn), requires_grad, out)


def _result(arr, device, requires_grad, out):
    """The factory's tensor holding ``arr``, or ``out`` with ``arr`` written into it."""
    if out is not None:
        if out._data.shape == arr.shape:
            out._data[...] = _to_device(arr, out._device)
        else:
            out._data = _to_device(arr, out._device)
        out._vc[0] += 1
        return out
    t = wrap(_to_device(arr, device), device)
    if requires_grad:
        if arr.dtype.kind not in "fc" and arr.dtype != _dtype.bfloat16.np:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._rg = True
    return t


def _check_float_dtype(dt, kernel):
    if not (dt.is_floating_point or dt.is_complex):
        raise _not_implemented(kernel, dt)


def _complex_or_real(dt, fn):
    """``fn(n, npd)`` for real dtypes; for complex ones 2n reals viewed as n complex."""
    if dt.is_complex:
        real = dt.to_real().np
        return lambda n: fn(2 * n, real).view(dt.np)
    return lambda n: fn(n, dt.np)


def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False, **kw):
    """A tensor of ``size`` filled from the uniform distribution on [0, 1).

    Example::

        >>> torcia.manual_seed(0); torcia.rand(2)
        tensor([0.4963, 0.7682])
    """
    g = _check_generator(generator)
    dt = _factory_dtype(dtype, out, _dtype.get_default_dtype())
    _check_float_dtype(dt, "check_uniform_bounds")
    return _make("rand", _size_kw("rand", size, kw), dt, _complex_or_real(
        dt, lambda n, npd: _uniform_values(g, n, npd, 0.0, 1.0)), device, requires_grad, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False, **kw):
    """A tensor of ``size`` filled from the standard normal distribution.

    Example::

        >>> torcia.manual_seed(0); torcia.randn(2)
        tensor([ 1.5410, -0.2934])
    """
    g = _check_generator(generator)
    dt = _factory_dtype(dtype, out, _dtype.get_default_dtype())
    _check_float_dtype(dt, "normal_kernel_cpu")
    std = 1 / math.sqrt(2) if dt.is_complex else 1.0
    return _make("randn", _size_kw("randn", size, kw), dt, _complex_or_real(
        dt, lambda n, npd: _normal_values(g, n, npd, 0.0, std, True)), device, requires_grad, out)


def _randint_args(args, low, high, size):
    """(low, high, size) from randint's overloads: (high, size) and (low, high, size)."""
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    elif args:
        raise TypeError(f"randint() takes at most 3 positional arguments ({len(args) + 1} "
                        "given)")
    if high is None or size is None:
        got = ", ".join(type(a).__name__ for a in args)
        raise TypeError(f"randint() received an invalid combination of arguments - got "
                        f"({got}), but expected one of:\n * (int high, tuple of ints size)\n"
                        " * (int low, int high, tuple of ints size)")
    return int(0 if low is None else low), int(high), size


def randint(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None,
            layout=None, device=None, requires_grad=False, pin_memory=False):
    """A tensor of ``size`` filled with integers drawn uniformly from [low, high).

    ``randint(high, size)`` or ``randint(low, high, size)``; dtype defaults to int64.
    """
    g = _check_generator(generator)
    low, high, size = _randint_args(args, low, high, size)
    dt = _factory_dtype(dtype, out, _dtype.int64)
    if dt.name not in _RANDOM_DTYPES:
        raise _not_implemented("random_from_to_kernel_cpu", dt)
    rng, base = _random_range(dt, low, high)
    return _make("randint", (size,), dt, lambda n: _random_values(g, n, dt, rng, base), device,
                 requires_grad, out)


def _empty_like(input, dtype):
    """An uninitialised array like ``input`` (PyTorch's preserve_format: a dense permuted
    layout is kept, so values are drawn in the same memory order)."""
    a = input._data
    npd = a.dtype if dtype is None else _dtype.to_dtype(dtype).np
    order = _order(a)
    if order is not None and _dense(a):
        return np.empty([a.shape[d] for d in order], npd).transpose(np.argsort(order))
    return np.empty(a.shape, npd)


def _dense(a):
    """Whether ``a``'s elements tile a block of memory with no gaps (any axis order)."""
    dims = sorted(((s, abs(st)) for s, st in zip(a.shape, a.strides) if s > 1),
                  key=lambda x: x[1])
    expected = a.itemsize
    for s, st in dims:
        if st != expected:
            return False
        expected *= s
    return True


def _like(input, dtype, device, requires_grad, fill):
    """``fill(tensor)`` on an empty tensor like ``input``; returns it."""
    arr = _empty_like(input, dtype)
    t = wrap(arr)
    fill(t)
    device = input._device if device is None else device_arg(device, "rand_like")
    if device is not CPU:
        t = wrap(_to_device(t._data, device), device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def rand_like(input, *, generator=None, dtype=None, layout=None, device=None,
              requires_grad=False, memory_format=None):
    """A tensor shaped like ``input`` filled from the uniform distribution on [0, 1)."""
    dt = input.dtype if dtype is None else _dtype.to_dtype(dtype)
    _check_float_dtype(dt, "check_uniform_bounds")
    return _like(input, dtype, device, requires_grad,
                 lambda t: uniform_(t, 0.0, 1.0, generator=generator))


def randn_like(input, *, generator=None, dtype=None, layout=None, device=None,
               requires_grad=False, memory_format=None):
    """A tensor shaped like ``input`` filled from the standard normal distribution."""
    return _like(input, dtype, device, requires_grad,
                 lambda t: normal_(t, 0.0, 1.0, generator=generator))


def randint_like(input, *args, low=None, high=None, generator=None, dtype=None, layout=None,
                 device=None, requires_grad=False, memory_format=None):
    """A tensor shaped like ``input`` filled with integers from [low, high):
    ``randint_like(input, high)`` or ``randint_like(input, low, high)``."""
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        if high is None:
            high = args[0]
        else:
            low = args[0]
    if high is None:
        raise TypeError("randint_like() missing required argument 'high'")
    low = 0 if low is None else int(low)
    high = int(high)
    return _like(input, dtype, device, requires_grad,
                 lambda t: random_(t, low, high, generator=generator))


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """A random permutation of 0 .. n-1 (PyTorch's Fisher-Yates on the CPU generator)."""
    g = _check_generator(generator)
    dt = _dtype.int64 if dtype is None else _dtype.to_dtype(dtype)
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if dt is _dtype.bool or dt.is_complex or dt.name in ("uint16", "uint32", "uint64"):
        raise _not_implemented("randperm", dt)
    if dt.is_floating_point:
        limit = (1 << _DIGITS[dt.name]) + 1
        if n > limit:
            raise RuntimeError(f"n cannot be greater than {limit} for {dt._legacy} type.")
    elif n > 0 and n - 1 > _dtype.iinfo(dt).max:
        raise RuntimeError(f"value cannot be converted to type {_CPP_INT[dt.name]} without "
                           "overflow")
    perm = _randperm(g, n)
    return _result(perm.astype(dt.np), device_arg(device, "randperm"), requires_grad, out)


_CPP_INT = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int32_t",
            "int64": "int64_t"}


def _randperm(g, n):
    """PyTorch's CPU randperm. For n < 2**32 / 20: start from 0..n-1 and for each i swap
    position i with i + (32-bit draw % (n - i)). The swaps are resolved without a Python
    loop: the value that ends at position i is the one at position t_i = i + z_i at step i,
    which is the value step L(i) (the last earlier step that targeted t_i) moved there, and so
    on back along a chain of steps; the chains are followed by pointer jumping."""
    if n <= 1:
        return np.arange(n, dtype=np.int64)
    if n >= 0xFFFFFFFF // 20:  # inside-out Fisher-Yates on 64-bit draws
        perm = np.empty(n, np.int64)
        zs = (g._random64(n) % np.arange(1, n + 1, dtype=np.uint64)).astype(np.int64)
        for i, z in enumerate(zs.tolist()):
            perm[i] = perm[z]
            perm[z] = i
        return perm
    i = np.arange(n, dtype=np.int64)
    z = np.zeros(n, np.int64)
    z[:-1] = (g._random(n - 1) % np.arange(n, 1, -1, dtype=np.uint64)).astype(np.int64)
    t = i + z  # the position step i swaps with
    keys = t * n + i  # steps grouped by target, in step order
    srt = np.argsort(keys, kind="stable")
    sk = keys[srt]
    # prev[j]: the last step before j that targeted position j (moved a value into it)
    pos = np.searchsorted(sk, i * n + i) - 1
    prev = np.where((pos >= 0) & (sk[np.maximum(pos, 0)] // n == i),
                    srt[np.maximum(pos, 0)], -1)
    # the value at position j just before step j: follow prev to a step nothing preceded
    root = np.where(prev >= 0, prev, i)
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            break
        root = nxt
    # L(i): the last step before i with the same target as step i
    rank = np.empty(n, np.int64)
    rank[srt] = np.arange(n)
    before = srt[np.maximum(rank - 1, 0)]
    has = (rank > 0) & (t[before] == t)
    return np.where(has, root[before], t)


# -- normal with tensor parameters ------------------------------------------------------------
def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """Samples of N(mean, std**2): ``mean``/``std`` tensors (broadcast together) or numbers
    (then ``size`` is required).

    Tensor overloads sample N(0, 1) (or N(0, std) for a number ``std``) into a fresh
    tensor, then scale by ``std`` and shift by ``mean`` in the output's dtype, as PyTorch
    does; their gradients are zero, as in PyTorch.
    """
    g = _check_generator(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one "
                            "of:\n * (Tensor mean, Tensor std)\n * (Tensor mean, float std = 1)"
                            "\n * (float mean, Tensor std)\n"
                            " * (float mean, float std, tuple of ints size)")
        dt = _factory_dtype(dtype, out, _dtype.get_default_dtype())
        _check_std(float(std))
        _check_float_dtype(dt, "normal_kernel_cpu")
        m, s = float(mean), float(std)
        if dt.is_complex:
            s = s / math.sqrt(2)
        return _make("normal", (size,), dt, _complex_or_real(
            dt, lambda n, npd: _normal_values(g, n, npd, m, s, True)), device, requires_grad,
            out)
    if size is not None:
        raise TypeError("normal(): size is only accepted with a number mean and std")
    if st and std._data.size and (std._cpu_array() < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if mt and st:
        shape = _broadcast(mean._data.shape, std._data.shape)
        dt, node = mean.dtype, NormalBackward3
    elif mt:
        _check_std(float(std))
        shape, dt, node = mean._data.shape, mean.dtype, NormalBackward1
    else:
        shape, dt, node = std._data.shape, std.dtype, NormalBackward2
    _check_float_dtype(dt, "normal_kernel_cpu")
    n = math.prod(shape)
    if mt and not st:
        base = _normal_values(g, n, dt.np, 0.0, float(std), True).reshape(shape)
        res = _add(base, mean._cpu_array())
    else:
        base = _normal_values(g, n, dt.np, 0.0, 1.0, True).reshape(shape)
        m = mean._cpu_array() if mt else np.asarray(mean).astype(dt.np)
        res = _add(_mul(base, std._cpu_array()), m)
    dev = (mean if mt else std)._device
    result = wrap(_to_device(res, dev), dev)
    inputs = tuple(t for t in (mean, std) if isinstance(t, Tensor))
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "normal", inputs)
    if _needs_grad(*inputs):
        record(node, inputs, (result,))
    return result


def _broadcast(a, b):
    try:
        return np.broadcast_shapes(a, b)
    except ValueError:
        from ._core import broadcast_error
        raise broadcast_error(np.empty(a), np.empty(b)) from None


def _mul(a, b):
    """``a.mul_(b)`` of PyTorch: computed in the promoted dtype, stored in a's dtype."""
    return _inplace_binary(np.multiply, a, b)


def _add(a, b):
    return _inplace_binary(np.add, a, b)


def _inplace_binary(fn, a, b):
    ct = _dtype.promote_types(_dtype.from_np[a.dtype], _dtype.from_np[b.dtype]).np
    r = fn(a.astype(ct, copy=False), b.astype(ct, copy=False))
    return _cast(np.broadcast_to(r, a.shape), a.dtype)


# -- bernoulli, multinomial, poisson -----------------------------------------------------------
def bernoulli(input, p=None, *, generator=None, out=None):
    """0/1 samples with probabilities ``input`` (or the number ``p`` for every element);
    the result has ``input``'s shape and dtype."""
    if p is None:
        if not input.dtype.is_floating_point:
            raise _not_implemented("bernoulli_tensor_cpu_p_", input.dtype)
        t = wrap(np.empty(input._data.shape, input._data.dtype))
        bernoulli_(t, input.detach(), generator=generator)
        node, inputs = BernoulliBackward0, (input,)
    else:
        t = wrap(np.empty(input._data.shape, input._data.dtype))
        bernoulli_(t, p, generator=generator)
        node, inputs = NotImplemented_, (input,)
    result = wrap(_to_device(t._data, input._device), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "bernoulli", [input])
    if requires_grad(*inputs):
        n = record(node, inputs, (result,))
        n.op = "bernoulli"
    return result


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """Indices sampled from the categorical distributions in the rows of ``input``.

    As PyTorch's CPU kernel: with replacement, binary search of a double uniform in the
    normalised cumulative sums; without replacement (or for one sample), the top
    ``num_samples`` of ``input / q`` with q ~ Exponential(1) (the Gumbel-max trick). Both
    match PyTorch exactly; ties (zero probabilities drawn last) come in index order.
    """
    g = _check_generator(generator)
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{input.dtype._legacy}")
    a = input._cpu_array()
    if a.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    n_cat = a.shape[-1]
    num_samples = int(num_samples)
    if not replacement and num_samples > n_cat:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if n_cat > 1 << 24:
        raise RuntimeError("number of categories cannot exceed 2^24")
    rows = a.reshape(-1, n_cat)
    if not replacement or num_samples == 1:
        work = rows.astype(np.float32) if a.dtype.itemsize < 4 else rows
        if not (np.all(work < np.inf) and np.all(work >= 0)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if (work.sum(axis=1, dtype=np.float64) == 0).any():
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        # q ~ Exponential(1), drawn in the memory order of input's layout (empty_like)
        q = _cast(-1.0 * _libm(math.log1p, -_uniform_double(g, a.size)), a.dtype)
        q = _place(a.shape, _order(a), q, a.dtype).reshape(rows.shape)
        with np.errstate(all="ignore"):
            q = (rows / q).astype(a.dtype)
        qf = q.astype(np.float64) if q.dtype.itemsize < 4 else q
        if num_samples == 1:
            idx = np.argmax(np.where(np.isnan(qf), np.inf, qf), axis=1)[:, None]
        else:
            idx = np.stack([_topk_indices(row, num_samples) for row in qf])
    else:
        idx = np.empty((rows.shape[0], num_samples), np.int64)
        acc = np.float32 if a.dtype.itemsize < 4 else a.dtype
        for r, row in enumerate(rows.astype(acc)):
            if (row < 0).any():
                raise RuntimeError("invalid multinomial distribution (encountering probability "
                                   "entry < 0)")
            if not np.isfinite(row).all():
                raise RuntimeError("invalid multinomial distribution (encountering probability "
                                   "entry = infinity or NaN)")
            cum = np.cumsum(row, dtype=acc)
            total = cum[-1]
            if not total > 0:
                raise RuntimeError("invalid multinomial distribution (sum of probabilities "
                                   "<= 0)")
            cum = (cum / total).astype(acc)
            cum[-1] = 1
            u = _uniform_double(g, num_samples)
            idx[r] = np.searchsorted(cum.astype(np.float64), u, side="left")
    idx = idx.reshape(a.shape[:-1] + (num_samples,)).astype(np.int64)
    result = wrap(_to_device(idx, input._device), input._device)
    if out is not None:
        from .pointwise import _to_out
        return _to_out(result, out, "multinomial", [])
    return result


def _topk_indices(row, k):
    """Indices of the ``k`` largest values of ``row``, largest first, as PyTorch's CPU topk
    orders them. Without ties the order is unique (a stable argsort); with ties it is the
    order libstdc++'s nth_element and sort (or partial_sort, when 64 * k <= n) leave behind,
    reproduced step by step."""
    order = np.argsort(-row, kind="stable")
    if len(np.unique(row)) == row.size and not np.isnan(row).any():
        return order[:k]
    items = list(zip(row.tolist(), range(row.size)))
    if 64 * k <= row.size:
        _heap_select(items, 0, k, len(items))
        _sort_heap(items, 0, k)
    else:
        _introselect(items, 0, k - 1, len(items), 2 * (len(items).bit_length() - 1))
        _introsort(items, 0, k - 1)
    return np.array([i for _, i in items[:k]], np.int64)


def _before(x, y):
    """topk's comparator: NaN first, then larger values."""
    return (math.isnan(x[0]) and not math.isnan(y[0])) or x[0] > y[0]


def _adjust_heap(a, first, hole, length, value):
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if _before(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if length % 2 == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    parent = (hole - 1) // 2
    while hole > top and _before(a[first + parent], value):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _make_heap(a, first, last):
    n = last - first
    for parent in range((n - 2) // 2, -1, -1):
        _adjust_heap(a, first, parent, n, a[first + parent])


def _heap_select(a, first, middle, last):
    _make_heap(a, first, middle)
    for i in range(middle, last):
        if _before(a[i], a[first]):
            value = a[i]
            a[i] = a[first]
            _adjust_heap(a, first, 0, middle - first, value)


def _sort_heap(a, first, last):
    while last - first > 1:
        last -= 1
        value = a[last]
        a[last] = a[first]
        _adjust_heap(a, first, 0, last - first, value)


def _partition_pivot(a, first, last):
    """libstdc++'s __unguarded_partition_pivot (median of three moved to ``first``)."""
    mid = first + (last - first) // 2
    x, y, z = first + 1, mid, last - 1
    if _before(a[x], a[y]):
        m = y if _before(a[y], a[z]) else z if _before(a[x], a[z]) else x
    else:
        m = x if _before(a[x], a[z]) else z if _before(a[y], a[z]) else y
    a[first], a[m] = a[m], a[first]
    lo, hi = first + 1, last
    pivot = a[first]
    while True:
        while _before(a[lo], pivot):
            lo += 1
        hi -= 1
        while _before(pivot, a[hi]):
            hi -= 1
        if lo >= hi:
            return lo
        a[lo], a[hi] = a[hi], a[lo]
        lo += 1


def _insertion_sort(a, first, last):
    for i in range(first + 1, last):
        value = a[i]
        if _before(value, a[first]):
            a[first + 1:i + 1] = a[first:i]
            a[first] = value
        else:
            j = i
            while _before(value, a[j - 1]):
                a[j] = a[j - 1]
                j -= 1
            a[j] = value


def _introselect(a, first, nth, last, depth):
    while last - first > 3:
        if depth == 0:
            _heap_select(a, first, nth + 1, last)
            a[first], a[nth] = a[nth], a[first]
            return
        depth -= 1
        cut = _partition_pivot(a, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last)


def _introsort(a, first, last):
    """std::sort: introsort down to runs of 16, then insertion sort."""
    def loop(first, last, depth):
        while last - first > 16:
            if depth == 0:
                _heap_select(a, first, last, last)
                _sort_heap(a, first, last)
                return
            depth -= 1
            cut = _partition_pivot(a, first, last)
            loop(cut, last, depth)
            last = cut
    if last - first < 2:
        return
    loop(first, last, 2 * ((last - first).bit_length() - 1))
    _insertion_sort(a, first, last)


def poisson(input, generator=None):
    """Samples of Poisson distributions with rates ``input`` (same shape and dtype).

    PyTorch's sampler draws a variable number of uniforms per element (products of
    uniforms for rates < 10, Hormann's transformed rejection above), so this one runs an
    element at a time; it matches PyTorch exactly.
    """
    g = _check_generator(generator)
    _check_floating(input, "poisson_cpu")
    a = input._cpu_array()
    order = _order(a)
    lam = (a if order is None else a.transpose(order)).ravel().astype(np.float64)
    vals = np.array([_sample_poisson(g, v) for v in lam.tolist()], np.float64)
    arr = _place(a.shape, order, vals, a.dtype)
    result = wrap(_to_device(arr, input._device), input._device)
    if requires_grad(input):
        record(PoissonBackward0, (input,), (result,))
    return result


def _fma(a, b, c):
    """Scalar fma, correctly rounded."""
    r = a * b + c
    if math.isfinite(r):
        r = float(Fraction(a) * Fraction(b) + Fraction(c))
    return r


@functools.cache
def _c_math(name, single=False):
    """The C library's math function ``name`` (double, or float with ``single``), loaded on
    first use: PyTorch's samplers call these, and Python's math module has its own lgamma
    and no float versions."""
    import ctypes
    import ctypes.util
    fn = getattr(ctypes.CDLL(ctypes.util.find_library("m") or "libm.so.6"), name)
    fn.restype = ctypes.c_float if single else ctypes.c_double
    fn.argtypes = [fn.restype]
    return fn


def _sample_poisson(g, lam):
    if not lam >= 0:
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    if lam >= 10:  # transformed rejection (Hormann 1993)
        slam = math.sqrt(lam)
        loglam = math.log(lam)
        b = _fma(2.53, slam, 0.931)
        a = _fma(0.02483, b, -0.059)
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            U = float(_uniform_double(g, 1)[0]) - 0.5
            V = float(_uniform_double(g, 1)[0])
            us = 0.5 - abs(U)
            k = math.floor(_fma(2 * a / us + b, U, lam) + 0.43)
            if us >= 0.07 and V <= vr:
                return k
            if k < 0 or (us < 0.013 and V > us):
                continue
            lhs = (math.log(V) + math.log(invalpha)) - math.log(a / (us * us) + b)
            if lhs <= _fma(k, loglam, -lam) - _c_math("lgamma")(k + 1.0):
                return k
    if lam == 0:
        return 0
    enlam = math.exp(-lam)
    x = 0
    prod = 1.0
    while True:
        prod *= float(_uniform_double(g, 1)[0])
        if prod > enlam:
            x += 1
        else:
            return x



# -- binomial ------------------------------------------------------------------------------------
# Note [PyTorch's binomial sampler]
# ATen's CPU binomial runs one element at a time (TensorIterator order over the broadcast
# shape), drawing double uniforms (53 bits each) from the generator: binomial inversion (sums
# of geometric waiting times) where count * min(p, 1 - p) < 10, otherwise Hormann's BTRS
# transformed rejection (with its upper bound computed from Stirling tails), for p > 0.5 on
# q = 1 - p and reflected. For a float tensor the scalar type of count and prob is float: the
# products, 1 - p, sqrt, floor and log1p of those steps are float arithmetic (reproduced with
# NumPy float32 scalars and libm's log1pf), the rest double.
_STIRLING_TAIL = (0.0810614667953272, 0.0413406959554092, 0.0276779256849983,
                  0.02079067210376509, 0.0166446911898211, 0.0138761288230707,
                  0.0118967099458917, 0.0104112652619720, 0.00925546218271273,
                  0.00833056343336287)


def _stirling_tail(k):
    if k <= 9:
        return _STIRLING_TAIL[int(k)]
    kp1sq = (k + 1) * (k + 1)
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1)


def _binomial_inversion(g, count, prob, f32):
    logprob = float(_c_math("log1pf", single=True)(-prob)) if f32 else math.log1p(-prob)
    geom_sum, num = 0.0, 0.0
    while True:
        u = float(_uniform_double(g, 1)[0])
        geom_sum += math.ceil(_log(np.array([u]))[0] / logprob)
        if geom_sum > count:
            return num
        num += 1


def _btrs(g, count, prob, f32):
    s = np.float32 if f32 else float
    count, prob = s(count), s(prob)
    stddev = float(np.sqrt(count * prob * (s(1) - prob)))
    b = 1.15 + 2.53 * stddev
    a = -0.0873 + 0.0248 * b + 0.01 * float(prob)
    c = float(count * prob) + 0.5
    v_r = 0.92 - 4.2 / b
    r = float(prob / (s(1) - prob))
    alpha = (2.83 + 5.1 / b) * stddev
    m = float(np.floor((count + s(1)) * prob))
    n = float(count)
    while True:
        U = float(_uniform_double(g, 1)[0]) - 0.5
        V = float(_uniform_double(g, 1)[0])
        us = 0.5 - abs(U)
        k = float(s(math.floor((2 * a / us + b) * U + c)))
        if k < 0 or k > n:
            continue
        if us >= 0.07 and V <= v_r:
            return k
        V = math.log(V * alpha / (a / (us * us) + b))
        nk1 = float(s(count - s(k)) + s(1))  # count - k + 1 in the scalar type
        upper = ((m + 0.5) * math.log((m + 1) / (r * (n - m + 1)))
                 + float(count + s(1)) * math.log((n - m + 1) / nk1)
                 + (k + 0.5) * math.log(r * nk1 / float(s(k) + s(1)))
                 + _stirling_tail(m) + _stirling_tail(n - m)
                 - _stirling_tail(k) - _stirling_tail(float(count - s(k))))
        if V <= upper:
            return k


def _sample_binomial(g, count, prob, f32):
    if count <= 0.0 or prob <= 0.0:
        return 0.0
    if prob >= 1.0:
        return count
    if prob <= 0.5:
        prod = float(np.float32(count) * np.float32(prob)) if f32 else count * prob
        if prod >= 10.0:
            return _btrs(g, count, prob, f32)
        return _binomial_inversion(g, count, prob, f32)
    if prob > 0.5:
        q = float(np.float32(1.0 - prob)) if f32 else 1.0 - prob
        prod = float(np.float32(count) * np.float32(q)) if f32 else count * q
        if prod >= 10.0:
            return count - _btrs(g, count, q, f32)
        return count - _binomial_inversion(g, count, q, f32)
    return math.nan


def binomial(count, prob, generator=None):
    """Samples of binomial distributions with ``count`` trials of success probability
    ``prob`` (float tensors of one dtype, broadcast), drawn as PyTorch draws them (Note
    [PyTorch's binomial sampler]). Not differentiable. A NaN count never stops sampling, as
    in PyTorch."""
    from .pointwise import NotImplementedBackward
    g = _check_generator(generator)
    for name, t, pos in (("count", count, 1), ("prob", prob, 2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"binomial(): argument '{name}' (position {pos}) must be Tensor, "
                            f"not {type(t).__name__}")
    if not count.is_floating_point():
        raise ValueError(f"binomial only supports floating-point dtypes for count, got: "
                         f"{count.dtype._legacy}")
    if prob.dtype is not count.dtype:
        raise RuntimeError(f"Found dtype {prob.dtype._legacy} but expected "
                           f"{count.dtype._legacy}")
    a = count._cpu_array()
    if a.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"binomial_cpu\" not implemented for "
                                  f"'{count.dtype._legacy}'")
    c, p = np.broadcast_arrays(a, prob._cpu_array())
    f32 = a.dtype == np.float32
    vals = [_sample_binomial(g, n, q, f32) for n, q in zip(c.ravel().tolist(),
                                                           p.ravel().tolist())]
    arr = np.array(vals, a.dtype).reshape(c.shape)
    result = wrap(_to_device(arr, count._device), count._device)
    if requires_grad(count, prob):
        record(NotImplementedBackward, (count, prob), (result,)).op = "binomial"
    return result


__all__ += ["binomial"]

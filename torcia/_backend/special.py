"""Special functions NumPy lacks: erf, erfc and erfinv on float64 arrays.

Written with NumPy ufuncs and array operators, elementwise and without Python loops over
elements.
See Note [erf by Taylor steps] for the method; results are within about 1 ulp of the C
library's erf/erfc (what PyTorch calls), and erfinv is refined to full float64 precision.
"""

import math

import numpy as np

__all__ = ["erf", "erfc", "erfinv"]

# Note [erf by Taylor steps]
# For |x| < 4, erf is expanded about the nearest multiple x0 of 1/8, where erf(x0), erfc(x0)
# and 2/sqrt(pi) exp(-x0^2) are tabulated once from the C library (math.erf). The
# derivatives of erfc are Hermite polynomials times the Gaussian,
#     d^n/dx^n erfc(x) = (-1)^n 2/sqrt(pi) H_{n-1}(x) exp(-x^2),
# so with h = x - x0 (|h| <= 1/16) and u_n = H_n(x0) h^(n+1) / (n+1)!,
#     erfc(x) = erfc(x0) + D0 * S,  erf(x) = erf(x0) - D0 * S,  S = sum_n (-1)^(n+1) u_n,
# and H's three-term recurrence gives u_n = (2 x0 h u_{n-1} - 2 (n-1) h^2 / n u_{n-2}) / (n+1).
# Since 2 x0 |h| <= 1/2 the terms fall fast and never cancel badly: 18 terms reach 1e-19.
# For |x| >= 4, erfc(x) = exp(-x^2) / sqrt(pi) / (x + 1/2 / (x + 1 / (x + 3/2 / (x + ...)))),
# a continued fraction that converges fast there; exp(-x^2) is taken as
# exp(-xh^2) * exp(-(x - xh)(x + xh)) with xh the leading 26 bits of x, so that xh^2 is exact.

_STEP = 8
_SPLIT = 4.0
_TERMS = 18
_CF_TERMS = 48
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)

_GRID = [k / _STEP for k in range(int(_SPLIT * _STEP) + 1)]
_ERF_TAB = np.array([math.erf(v) for v in _GRID])
_ERFC_TAB = np.array([math.erfc(v) for v in _GRID])
_D_TAB = np.array([_TWO_OVER_SQRT_PI * math.exp(-v * v) for v in _GRID])


def _taylor_sum(x0, h):
    """S of Note [erf by Taylor steps], elementwise."""
    u_prev2 = h                # u_0
    u_prev = x0 * h * h        # u_1
    s = u_prev - u_prev2
    h2 = h * h
    sign = -1.0
    for n in range(2, _TERMS):
        u = (2.0 * x0 * h * u_prev - (2.0 * (n - 1) / n) * h2 * u_prev2) / (n + 1)
        s += sign * u
        sign = -sign
        u_prev2, u_prev = u_prev, u
    return s


def _near(ax):
    """erf and erfc of ``ax`` (0 <= ax < _SPLIT) by one Taylor step."""
    k = np.rint(ax * _STEP).astype(np.int64)
    x0 = k / _STEP
    ds = _D_TAB[k] * _taylor_sum(x0, ax - x0)
    return _ERF_TAB[k] - ds, _ERFC_TAB[k] + ds


def _exp_neg_square(x):
    """exp(-x*x) without the rounding error of x*x (x >= 0, float64)."""
    xh = (x.view(np.uint64) & np.uint64(0xFFFFFFFFF8000000)).view(np.float64)
    return np.exp(-xh * xh) * np.exp(-(x - xh) * (x + xh))


def _far_erfc(ax):
    """erfc of ``ax`` >= _SPLIT by its continued fraction (0 where it underflows)."""
    k = ax
    for n in range(_CF_TERMS, 0, -1):
        k = ax + (0.5 * n) / k
    return _exp_neg_square(ax) * _INV_SQRT_PI / k


def _erf_erfc_pos(ax):
    """erf and erfc of a non-negative float64 array (nan passes through as nan)."""
    near = ax < _SPLIT
    if near.all():
        return _near(ax)
    e, c = _near(np.where(near, ax, 0.0))
    cf = _far_erfc(np.where(near, _SPLIT, np.where(ax == np.inf, 1e300, ax)))
    return np.where(near, e, 1.0 - cf), np.where(near, c, cf)


def erf(x):
    """The error function of a float64 array."""
    e, _ = _erf_erfc_pos(np.abs(x))
    return np.where(np.isnan(x), x, np.copysign(e, x))


def erfc(x):
    """The complementary error function 1 - erf(x) of a float64 array, accurate in its tail."""
    _, c = _erf_erfc_pos(np.abs(x))
    return np.where(np.isnan(x), x, np.where(x < 0, 2.0 - c, c))


_WINITZKI_A = 0.147


def erfinv(y):
    """The inverse error function of a float64 array (nan outside [-1, 1], +-inf at +-1).

    Starts from Winitzki's closed form (relative error below 2e-3) and takes Halley steps on
    erf(x) = q for q = |y| <= 1/2, or on erfc(x) = 1 - q (exact) above, where the equation
    in erf would lose the tail's precision; three steps reach float64 rounding.
    """
    ay = np.abs(y)
    inside = ay < 1.0
    q = np.where(inside, ay, 0.5)
    t = np.log1p(-q * q)
    c = 2.0 / (math.pi * _WINITZKI_A) + 0.5 * t
    x = np.sqrt(np.sqrt(c * c - t / _WINITZKI_A) - c)
    tail = q > 0.5
    rest = 1.0 - q
    for _ in range(3):
        e, ec = _erf_erfc_pos(x)
        u = np.where(tail, rest - ec, e - q) / (_TWO_OVER_SQRT_PI * _exp_neg_square(x))
        x = x - u / (1.0 + x * u)  # Halley: erf'' = -2x erf'
    x = np.copysign(np.where(q == 0.0, 0.0, x), y)
    return np.where(inside, x, np.where(ay == 1.0, np.copysign(np.inf, y), np.nan))

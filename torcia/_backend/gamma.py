"""Gamma-family and Bessel special functions NumPy lacks, on float64 arrays: lgamma, digamma,
polygamma (through the Hurwitz zeta function), the regularized incomplete gamma functions
(gammainc) and the modified Bessel functions i0 and i1.

Vectorised with NumPy (no Python loop over elements); accurate to about 1e-14 relative
(lgamma near its zeros and digamma near its root: to about 1e-15 absolute). The float32 and
half-precision ops compute here and round. No SciPy: these are the methods of Cephes (which
PyTorch also uses for digamma, zeta and the Bessel functions) and Stirling's series.
"""

import math

import numpy as np

__all__ = ["lgamma", "digamma", "polygamma", "hurwitz_zeta", "gammainc", "i0", "i1"]

# Note [lgamma by ranges]
# lgamma of a float64 array, to about 1e-14 relative (absolute near its zeros 1 and 2):
#   x >= 10:            Stirling's series, (x - 1/2) log x - x + log(2 pi)/2 + sum_k c_k x^(1-2k)
#                       with c_k = B_2k / (2k (2k - 1)); ten terms reach 1e-19 at x = 10;
#   |x - 1| <= 1/4:     the Taylor series lgamma(1 + e) = -gamma e + sum_k>=2 (-1)^k zeta(k) e^k / k
#                       (e = x - 1 is exact), accurate where lgamma crosses zero;
#   |x - 2| <= 1/4:     lgamma(2 + e) = log1p(e) + lgamma(1 + e), same series;
#   0 < x < 1/4:        lgamma(x) = lgamma(1 + x) - log x, same series with e = x exactly;
#   other 0 < x < 10:   lgamma(x) = lgamma(x + n) - log(x (x + 1) ... (x + n - 1)), x + n >= 10;
#   x < 0:              reflection, lgamma(x) = log(pi / |sin(pi x)|) - lgamma(1 - x), where
#                       sin(pi x) is taken of x - round(x) so that large |x| loses nothing;
#   x = 0, -1, -2, ...: +inf, as the C library (and PyTorch) gives.
_EULER = 0.57721566490153286061
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156,
             -3617 / 122400, 43867 / 244188, -174611 / 125400)
_ZETA = (1.6449340668482264365, 1.2020569031595942854, 1.0823232337111381915,
         1.0369277551433699263, 1.0173430619844491397, 1.0083492773819228268,
         1.0040773561979443394, 1.0020083928260822144, 1.0009945751278180853,
         1.0004941886041194646, 1.0002460865533080483, 1.0001227133475784891,
         1.0000612481350587048, 1.0000305882363070205, 1.0000152822594086519,
         1.0000076371976378998, 1.0000038172932649998, 1.0000019082127165539,
         1.0000009539620338728, 1.0000004769329867878, 1.0000002384505027277,
         1.0000001192199259653, 1.0000000596081890513, 1.0000000298035035147,
         1.0000000149015548284, 1.0000000074507117898, 1.0000000037253340248)  # zeta(2..28)
# Taylor coefficients of lgamma(1 + e), highest power first (for Horner's rule)
_LG1 = tuple(reversed([0.0, -_EULER] + [(-1) ** k * z / k for k, z in enumerate(_ZETA, 2)]))


def _poly(coeffs, x):
    """Horner's rule with ``coeffs`` highest power first."""
    r = np.full_like(x, coeffs[0])
    for c in coeffs[1:]:
        r = r * x + c
    return r


def _stirling(x):
    """lgamma(x) for x >= 10 (Note [lgamma by ranges])."""
    z = 1.0 / (x * x)
    series = _poly(_STIRLING[::-1], z) / x
    with np.errstate(all="ignore"):
        return (x - 0.5) * np.log(x) - x + _LOG_SQRT_2PI + series


def _lgamma_pos(x):
    """lgamma of a positive finite float64 array."""
    out = np.empty_like(x)
    big = x >= 10.0
    out[big] = _stirling(x[big])
    e1 = np.abs(x - 1.0) <= 0.25
    e2 = np.abs(x - 2.0) <= 0.25
    tiny = x < 0.25
    mid = ~(big | e1 | e2 | tiny)
    e = x[e1] - 1.0
    out[e1] = _poly(_LG1, e)
    e = x[e2] - 2.0
    out[e2] = np.log1p(e) + _poly(_LG1, e)
    e = x[tiny]
    out[tiny] = _poly(_LG1, e) - np.log(e)
    xm = x[mid]
    if xm.size:
        n = np.ceil(10.0 - xm)
        prod = xm.copy()
        for i in range(1, int(n.max())):
            prod *= np.where(i < n, xm + i, 1.0)
        out[mid] = _stirling(xm + n) - np.log(prod)
    return out


def _sinpi_abs(x):
    """|sin(pi x)|, reduced exactly first (x - round(x) is exact in floating point)."""
    return np.abs(np.sin(math.pi * (x - np.round(x))))


def lgamma(x):
    """log|Gamma(x)| of a float64 array (Note [lgamma by ranges])."""
    x = np.asarray(x, np.float64)
    out = np.full_like(x, np.inf)
    pos = (x > 0) & np.isfinite(x)
    out[pos] = _lgamma_pos(x[pos])
    neg = (x < 0) & (x != np.floor(x))  # negative non-integers (excludes -inf)
    xn = x[neg]
    with np.errstate(all="ignore"):
        out[neg] = (math.log(math.pi) - np.log(_sinpi_abs(xn))) - _lgamma_pos(1.0 - xn)
    return np.where(np.isnan(x), x, out)


_PSI_10 = 2.25175258906672110764
_DIGAMMA_ASYM = (8.33333333333333333333E-2, -2.10927960927960927961E-2,
                 7.57575757575757575758E-3, -4.16666666666666666667E-3,
                 3.96825396825396825397E-3, -8.33333333333333333333E-3,
                 8.33333333333333333333E-2)


def _digamma_pos(x):
    """digamma of a positive float64 array (PyTorch's method: shift to x >= 10, then the
    asymptotic series)."""
    result = np.zeros_like(x)
    for _ in range(10):
        low = x < 10.0
        if not low.any():
            break
        result -= np.where(low, 1.0 / x, 0.0)
        x = np.where(low, x + 1.0, x)
    with np.errstate(all="ignore"):
        z = 1.0 / (x * x)
        y = np.where(x < 1e17, z * _poly(_DIGAMMA_ASYM, z), 0.0)
        out = result + np.log(x) - 0.5 / x - y
    return np.where(x == 10.0, result + _PSI_10, out)


def digamma(x):
    """The logarithmic derivative of Gamma, of a float64 array, with PyTorch's values at its
    poles: -inf at +0, +inf at -0, nan at negative integers."""
    x = np.asarray(x, np.float64)
    out = np.full_like(x, np.nan)
    pos = x > 0
    out[pos] = _digamma_pos(x[pos])
    neg = (x < 0) & (x != np.floor(x))
    xn = x[neg]
    r = xn - np.trunc(xn)
    out[neg] = _digamma_pos(1.0 - xn) - math.pi / np.tan(math.pi * r)
    out = np.where(x == 0, np.copysign(np.inf, -x), out)
    return np.where(np.isnan(x), x, out)


_ZETA_EM = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
            7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
            -4.5979787224074726105e15, 1.8152105401943546773e17, -7.1661652561756670113e18)


def hurwitz_zeta(s, q):
    """zeta(s, q) = sum_k (q + k)^-s for an integer s >= 2 and a float64 array q (Cephes'
    method: a direct sum until q + k > 9, then Euler-Maclaurin), inf at non-positive integers
    and -inf, nan at +inf (as Cephes, and so PyTorch, give)."""
    q = np.asarray(q, np.float64)
    pole = (q <= 0) & (q == np.floor(q))
    ok = np.isfinite(q) & ~pole
    qq = np.where(ok, q, 1.0)
    n = np.maximum(9.0, np.floor(9.0 - qq) + 1.0)
    with np.errstate(all="ignore"):
        total = qq ** -s
        for i in range(1, int(n.max()) + 1 if n.size else 1):
            total += np.where(i <= n, (qq + i) ** -s, 0.0)
        w = qq + n
        b = w ** -s
        total += b * w / (s - 1) - 0.5 * b
        a, k = 1.0, 0.0
        for c in _ZETA_EM:
            a *= s + k
            b = b / w
            total += a * b / c
            k += 1.0
            a *= s + k
            b = b / w
            k += 1.0
    out = np.where(pole, np.inf, total)  # -inf counts as a pole, as in Cephes
    return np.where(np.isnan(q) | (q == np.inf), np.nan, out)  # Cephes: 0 * inf at +inf


def polygamma(n, x):
    """The n-th derivative of digamma (n >= 1) of a float64 array:
    (-1)^(n+1) n! zeta(n + 1, x); for n = 1 below 1/2 by reflection,
    psi1(x) = pi^2 / sin^2(pi x) - psi1(1 - x)."""
    x = np.asarray(x, np.float64)
    if n == 1:
        low = x < 0.5
        xr = np.where(low, 1.0 - x, x)
        z = hurwitz_zeta(2, xr)
        with np.errstate(all="ignore"):
            refl = math.pi ** 2 / _sinpi_abs(x) ** 2 - z
        return np.where(low, refl, np.where(x == np.inf, 0.0, z))
    sign = 1.0 if n % 2 else -1.0
    return sign * float(math.factorial(n)) * hurwitz_zeta(n + 1, x)


# Chebyshev coefficients of exp(-x) I0(x) on [0, 8] and exp(-x) sqrt(x) I0(x) on [8, inf)
# in 32/x - 2 (Cephes, as PyTorch uses them); likewise for I1.
_I0_A = (-4.41534164647933937950E-18, 3.33079451882223809783E-17, -2.43127984654795469359E-16,
         1.71539128555513303061E-15, -1.16853328779934516808E-14, 7.67618549860493561688E-14,
         -4.85644678311192946090E-13, 2.95505266312963983461E-12, -1.72682629144155570723E-11,
         9.67580903537323691224E-11, -5.18979560163526290666E-10, 2.65982372468238665035E-9,
         -1.30002500998624804212E-8, 6.04699502254191894932E-8, -2.67079385394061173391E-7,
         1.11738753912010371815E-6, -4.41673835845875056359E-6, 1.64484480707288970893E-5,
         -5.75419501008210370398E-5, 1.88502885095841655729E-4, -5.76375574538582365885E-4,
         1.63947561694133579842E-3, -4.32430999505057594430E-3, 1.05464603945949983183E-2,
         -2.37374148058994688156E-2, 4.93052842396707084878E-2, -9.49010970480476444210E-2,
         1.71620901522208775349E-1, -3.04682672343198398683E-1, 6.76795274409476084995E-1)
_I0_B = (-7.23318048787475395456E-18, -4.83050448594418207126E-18, 4.46562142029675999901E-17,
         3.46122286769746109310E-17, -2.82762398051658348494E-16, -3.42548561967721913462E-16,
         1.77256013305652638360E-15, 3.81168066935262242075E-15, -9.55484669882830764870E-15,
         -4.15056934728722208663E-14, 1.54008621752140982691E-14, 3.85277838274214270114E-13,
         7.18012445138366623367E-13, -1.79417853150680611778E-12, -1.32158118404477131188E-11,
         -3.14991652796324136454E-11, 1.18891471078464383424E-11, 4.94060238822496958910E-10,
         3.39623202570838634515E-9, 2.26666899049817806459E-8, 2.04891858946906374183E-7,
         2.89137052083475648297E-6, 6.88975834691682398426E-5, 3.36911647825569408990E-3,
         8.04490411014108831608E-1)
_I1_A = (2.77791411276104639959E-18, -2.11142121435816608115E-17, 1.55363195773620046921E-16,
         -1.10559694773538630805E-15, 7.60068429473540693410E-15, -5.04218550472791168711E-14,
         3.22379336594557470981E-13, -1.98397439776494371520E-12, 1.17361862988909016308E-11,
         -6.66348972350202774223E-11, 3.62559028155211703701E-10, -1.88724975172282928790E-9,
         9.38153738649577178388E-9, -4.44505912879632808065E-8, 2.00329475355213526229E-7,
         -8.56872026469545474066E-7, 3.47025130813767847674E-6, -1.32731636560394358279E-5,
         4.78156510755005422638E-5, -1.61760815825896745588E-4, 5.12285956168575772895E-4,
         -1.51357245063125314899E-3, 4.15642294431288815669E-3, -1.05640848946261981558E-2,
         2.47264490306265168283E-2, -5.29459812080949914269E-2, 1.02643658689847095384E-1,
         -1.76416518357834055153E-1, 2.52587186443633654823E-1)
_I1_B = (7.51729631084210481353E-18, 4.41434832307170791151E-18, -4.65030536848935832153E-17,
         -3.20952592199342395980E-17, 2.96262899764595013876E-16, 3.30820231092092828324E-16,
         -1.88035477551078244854E-15, -3.81440307243700780478E-15, 1.04202769841288027642E-14,
         4.27244001671195135429E-14, -2.10154184277266431302E-14, -4.08355111109219731823E-13,
         -7.19855177624590851209E-13, 2.03562854414708950722E-12, 1.41258074366137813316E-11,
         3.25260358301548823856E-11, -1.89749581235054123450E-11, -5.58974346219658380687E-10,
         -3.83538038596423702205E-9, -2.63146884688951950684E-8, -2.51223623787020892529E-7,
         -3.88256480887769039346E-6, -1.10588938762623716291E-4, -9.76109749136146840777E-3,
         7.78576235018280120474E-1)


def _chbevl(x, coeffs):
    b0, b1, b2 = np.full_like(x, coeffs[0]), np.zeros_like(x), np.zeros_like(x)
    for c in coeffs[1:]:
        b2, b1 = b1, b0
        b0 = x * b1 - b2 + c
    return 0.5 * (b0 - b2)


def _bessel(x, a, b, odd):
    x = np.asarray(x, np.float64)
    ax = np.abs(x)
    near = ax <= 8.0
    with np.errstate(all="ignore"):
        small = _chbevl(ax / 2.0 - 2.0, a)
        if odd:
            small = small * ax
        large = _chbevl(32.0 / np.where(near, 8.0, ax) - 2.0, b) / np.sqrt(ax)
        out = np.exp(ax) * np.where(near, small, large)
    return np.where(x < 0, -out, out) if odd else out


def i0(x):
    """The modified Bessel function of the first kind, order 0, of a float64 array."""
    return _bessel(x, _I0_A, _I0_B, False)


def i1(x):
    """The modified Bessel function of the first kind, order 1, of a float64 array."""
    return _bessel(x, _I1_A, _I1_B, True)


# Note [Incomplete gamma]
# P(a, x) = gamma(a, x) / Gamma(a) and Q = 1 - P, for a > 0 and x > 0, as Numerical Recipes'
# gser/gcf: where x < a + 1 the series P = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a + 1) ...
# (a + n)) converges fastest; elsewhere Legendre's continued fraction for Q (evaluated with
# the modified Lentz method) does. Both run vectorised until every element has converged
# (about sqrt(a) terms where x is near a large a). The prefactor x^a e^-x / Gamma(a) is taken
# as exp(a log x - x - lgamma(a)). Boundary values are SciPy's (and PyTorch's): nan for a
# negative argument or a = x = 0 or a = x = inf; P = 1 for a = 0 < x or x = inf; P = 0 for
# x = 0 < a or a = inf.
_TINY = 1e-300


def _gser(a, x):
    """P(a, x) by the series (x < a + 1)."""
    term = 1.0 / a
    total = term.copy()
    ap = a.copy()
    active = np.ones(a.shape, bool)
    for _ in range(100000):
        ap = ap + 1
        term = np.where(active, term * x / ap, 0.0)
        total += term
        active &= np.abs(term) >= np.abs(total) * 1e-17
        if not active.any():
            break
    return total * np.exp(a * np.log(x) - x - lgamma(a))


def _gcf(a, x):
    """Q(a, x) by the continued fraction (x >= a + 1)."""
    b = x + 1.0 - a
    c = np.full(a.shape, 1.0 / _TINY)
    d = 1.0 / b
    h = d.copy()
    active = np.ones(a.shape, bool)
    for i in range(1, 100000):
        an = -i * (i - a)
        b = b + 2.0
        d = an * d + b
        d = np.where(np.abs(d) < _TINY, _TINY, d)
        c = b + an / c
        c = np.where(np.abs(c) < _TINY, _TINY, c)
        d = 1.0 / d
        delta = np.where(active, d * c, 1.0)
        h *= delta
        active &= np.abs(delta - 1.0) >= 1e-16
        if not active.any():
            break
    return np.exp(a * np.log(x) - x - lgamma(a)) * h


def gammainc(a, x):
    """The regularized lower and upper incomplete gamma functions (P, Q) of float64 arrays
    (broadcast together); see Note [Incomplete gamma]."""
    a, x = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(x, np.float64))
    p = np.full(a.shape, np.nan)
    q = np.full(a.shape, np.nan)
    with np.errstate(all="ignore"):
        bad = (a < 0) | (x < 0) | np.isnan(a) | np.isnan(x)
        one = ~bad & (((a == 0) & (x > 0)) | (np.isinf(x) & ~np.isinf(a)))
        zero = ~bad & (((x == 0) & (a > 0)) | (np.isinf(a) & ~np.isinf(x)))
        p[one], q[one] = 1.0, 0.0
        p[zero], q[zero] = 0.0, 1.0
        rest = ~(bad | one | zero) & (a > 0) & (x > 0) & np.isfinite(a) & np.isfinite(x)
        ser = rest & (x < a + 1)
        if ser.any():
            p[ser] = _gser(a[ser], x[ser])
            q[ser] = 1.0 - p[ser]
        cf = rest & ~ser
        if cf.any():
            q[cf] = _gcf(a[cf], x[cf])
            p[cf] = 1.0 - q[cf]
    return p, q

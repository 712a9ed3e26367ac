"""Reductions and scans, as PyTorch's: sums and means, products, extrema and their indices,
statistics, norms, cumulative ops and softmax.

``dim`` is an int or a tuple where PyTorch takes one (None, () or [] reduce every dim), with
``keepdim``. Integer sums and products accumulate in int64 and float16/bfloat16 in float32,
as PyTorch's. Each op's backward node carries PyTorch's name.
"""

import builtins
import functools
import math
import warnings

import numpy as np

from .. import _dtype, return_types
from .._tensor import Tensor
from ._core import (
    F32_F64,
    Node,
    grad_enabled,
    normalize_dim,
    normalize_dims,
    record,
    requires_grad,
    wrap,
    xp_of,
)

__all__ = ["all", "amax", "amin", "aminmax", "any", "argmax", "argmin", "count_nonzero", "cummax",
           "cummin", "cumprod", "cumsum", "log_softmax", "logsumexp", "max", "mean", "median",
           "min", "mode", "nanmean", "nanmedian", "nansum", "norm", "prod", "softmax", "std",
           "std_mean", "sum", "sum_to_size", "var", "var_mean"]
METHODS = ["sum", "mean", "nansum", "nanmean", "prod", "max", "min", "amax", "amin", "argmax",
           "argmin", "aminmax", "std", "var", "logsumexp", "norm", "all", "any", "cumsum",
           "cumprod", "cummax", "cummin", "median", "nanmedian", "mode", "count_nonzero",
           "softmax", "log_softmax", "sum_to_size"]
INPLACE = ["cumsum", "cumprod"]

_HALF = (np.dtype(np.float16), _dtype.bfloat16.np)


# -- shared helpers ----------------------------------------------------------------------------
def _dims(dim, ndim):
    """Sorted non-negative dims to reduce; None, () and [] mean every dim."""
    if dim is None or (isinstance(dim, (tuple, list)) and not dim):
        return tuple(range(ndim))
    return normalize_dims(dim, ndim)


def _one_dim(dim, ndim, name):
    """The single int dim of ops that take no tuple (max, prod, cumsum, ...)."""
    if isinstance(dim, (tuple, list, bool)) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return normalize_dim(int(dim), ndim)


def _legacy(npd):
    return _dtype.from_np[np.dtype(npd)]._legacy


def _is_float(npd):
    return npd.kind in "fc" or npd == _dtype.bfloat16.np


def _compute(a):
    """``a`` in the dtype PyTorch computes with: float32 for float16/bfloat16."""
    return a.astype(np.float32) if a.dtype in _HALF else a


def _out(result, out, name, inputs):
    from .pointwise import _to_out
    return _to_out(result, out, name, inputs)


def _named(cls, values, indices, out, name, input):
    if out is not None:
        _out(values, out[0], name, (input,))
        _out(indices, out[1], name, (input,))
        return cls(out)
    return cls((values, indices))


def _const(arr, like):
    """A tensor of values that carry no gradient (masks, counts) on ``like``'s device."""
    return wrap(arr, like._device)


def _where(cond, a, b):
    from .indexing import where
    return where(cond, a, b)


def expand_reduced(grad, shape, dims, keepdim):
    """Broadcast a reduction's gradient back to the input's ``shape``."""
    return _unsqueeze(grad, dims, keepdim, len(shape)).expand(shape)


def _unsqueeze(t, dims, keepdim, ndim):
    """A reduction's output with its reduced dims put back as size 1 (keepdim's shape)."""
    if not keepdim and ndim:
        for d in dims:
            t = t.unsqueeze(d)
    return t


def _max_keep(c, axis):
    """The max over ``axis`` with keepdims, as a stable shift (zeros when ``c`` is empty)."""
    return c.max(axis=axis, keepdims=True) if c.size else c.sum(axis=axis, keepdims=True)


def _numel(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


def _check_nonempty(a, dims, prefix, all_dims=False):
    """PyTorch's errors for a reduction without an identity (max, amax, median, ...) over
    nothing: over every dim of an empty tensor, or over one empty dim."""
    if a.size:
        return
    if all_dims:
        raise RuntimeError(f"{prefix} Expected reduction dim to be specified for input.numel() "
                           "== 0. Specify the reduction dim with the 'dim' argument.")
    for d in dims:
        if not a.shape[d]:
            raise IndexError(f"{prefix} Expected reduction dim {d} to have non-zero size.")


# -- sum, mean, nansum, nanmean --------------------------------------------------------------
def _acc_dtype(arr, dtype):
    """NumPy dtype a sum accumulates and returns in: ints and bool give int64 (PyTorch)."""
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    if arr.dtype.kind in "iub":
        return np.dtype(np.int64)
    return arr.dtype


def _sum_arr(a, dims, keepdim, npd, fn="sum"):
    """``fn`` (an array method name, or a function such as nansum) of ``a`` over ``dims`` in
    ``npd``; half types accumulate in float32."""
    if npd in _HALF:
        a, out_dtype, npd = a.astype(np.float32), npd, np.dtype(np.float32)
    else:
        a, out_dtype = a.astype(npd, copy=False), None
    r = getattr(a, fn)(axis=dims, keepdims=keepdim, dtype=npd) if isinstance(fn, str) else \
        fn(a, axis=dims, keepdims=keepdim, dtype=npd)
    return r if out_dtype is None else r.astype(out_dtype)


class SumBackward0(Node):
    def backward(self, grad):
        return grad.expand(self._meta[0][0])


class SumBackward1(Node):
    def backward(self, grad):
        return expand_reduced(grad, self._meta[0][0], self.dims, self.keepdim)


def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` (every dim when None); ints and bool accumulate in int64.

    Example: ``torch.sum(torch.ones(2, 3), 1)`` gives ``tensor([3., 3.])``.
    """
    a = input._data
    dims = _dims(dim, a.ndim)
    r = _sum_arr(a, None if dim is None else dims, keepdim, _acc_dtype(a, dtype))
    result = wrap(r, input._device)
    if out is not None:
        return _out(result, out, "sum", (input,))
    if requires_grad(input):
        if dim is None and not keepdim:
            record(SumBackward0, (input,), (result,))
        else:
            node = record(SumBackward1, (input,), (result,))
            node.dims, node.keepdim = dims, keepdim
    return result


class MeanBackward0(Node):
    def backward(self, grad):
        shape = self._meta[0][0]
        return grad.expand(shape) / _numel(shape, range(len(shape)))


class MeanBackward1(Node):
    def backward(self, grad):
        shape = self._meta[0][0]
        return expand_reduced(grad, shape, self.dims, self.keepdim) / _numel(shape, self.dims)


def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim``; needs a floating or complex dtype (or ``dtype=``), as in PyTorch."""
    a = input._data
    npd = _dtype.to_dtype(dtype).np if dtype is not None else a.dtype
    if not _is_float(npd) and npd.kind != "c":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {_legacy(npd)}")
    dims = _dims(dim, a.ndim)
    n = _numel(a.shape, dims)
    s = _sum_arr(a, dims, keepdim, np.dtype(np.float32) if npd in _HALF else npd)
    result = wrap((s / n).astype(npd, copy=False), input._device)
    if out is not None:
        return _out(result, out, "mean", (input,))
    if requires_grad(input):
        if dim is None and not keepdim:
            record(MeanBackward0, (input,), (result,))
        else:
            node = record(MeanBackward1, (input,), (result,))
            node.dims, node.keepdim = dims, keepdim
    return result


class NansumBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        g = expand_reduced(grad, x.shape, self.dims, self.keepdim)
        return g * _const(~xp_of(x).isnan(x._data), x)  # a product: inf * 0 is NaN, as torch


def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Sum over ``dim`` counting NaN as zero."""
    a = input._data
    if a.dtype.kind == "c":
        raise RuntimeError("nansum does not support complex inputs")
    dims = _dims(dim, a.ndim)
    xp = xp_of(input)
    result = wrap(_sum_arr(a, dims, keepdim, _acc_dtype(a, dtype), xp.nansum), input._device)
    if out is not None:
        return _out(result, out, "nansum", (input,))
    if requires_grad(input):
        node = record(NansumBackward0, (input,), (result,))
        node.dims, node.keepdim = dims, keepdim
        node.save(input)
    return result


def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Mean over ``dim`` of the values that are not NaN (``nansum / count``, as PyTorch)."""
    a = input._data
    if not _is_float(a.dtype) and a.dtype.kind != "c":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype "
                           f"but got {_legacy(a.dtype)}")
    dims = _dims(dim, a.ndim)
    count = (~xp_of(input).isnan(a)).sum(axis=dims, keepdims=keepdim)
    result = nansum(input, dim, keepdim, dtype=dtype) / _const(count, input)
    return result if out is None else _out(result, out, "nanmean", (input,))


# -- prod ------------------------------------------------------------------------------------
class ProdBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        if x.ndim == 0:
            return grad
        zeros = int((x._data == 0).sum())
        if zeros == 0:
            return grad * _conj(result / x)
        if zeros > 1 and not grad_enabled.enabled:
            return x.new_zeros(x.shape)
        return _prod_safe_zeros(grad, x.reshape(-1), 0).view(x.shape)


class ProdBackward1(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        if x.ndim == 0:
            return grad
        d = self.dim
        if not self.keepdim:
            grad, result = grad.unsqueeze(d), result.unsqueeze(d)
        if not (x._data == 0).any():
            return grad * _conj(result / x)
        return _prod_safe_zeros(grad, x, d)


def _conj(t):
    return t.conj() if t.is_complex() else t


def _prod_safe_zeros(grad, x, d):
    """``grad`` times the product of the other elements along ``d``, exact with zeros in
    ``x``: exclusive cumulative products from both ends, as PyTorch's prod backward."""
    from .shape import cat
    n = x.shape[d]
    if x.numel() == 0:
        return grad.expand(x.shape)
    if n == 1:
        return grad
    ones = x.new_ones([1 if i == d else s for i, s in enumerate(x.shape)])
    before = cumprod(cat([ones, x.narrow(d, 0, n - 1)], d), d)
    after = _flip(cumprod(cat([ones, _flip(x.narrow(d, 1, n - 1), d)], d), d), d)
    return grad * _conj(before * after)


def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """Product over one ``dim`` (every element when None); ints give int64."""
    a = input._data
    npd = _acc_dtype(a, dtype)
    if dim is None:
        r = _sum_arr(a, None, False, npd, "prod")
    else:
        d = _one_dim(dim, a.ndim, "prod")
        r = _sum_arr(a, d if a.ndim else None, keepdim, npd, "prod")
    result = wrap(r, input._device)
    if out is not None:
        return _out(result, out, "prod", (input,))
    if requires_grad(input):
        if dim is None:
            node = record(ProdBackward0, (input,), (result,))
        else:
            node = record(ProdBackward1, (input,), (result,))
            node.dim, node.keepdim = d, keepdim
        node.save(input, result)
    return result


# -- max, min, amax, amin, argmax, argmin, aminmax -------------------------------------------
def _evenly(grad, x, value):
    """``grad`` split evenly among the elements equal to ``value`` (NaN matches NaN)."""
    xp = xp_of(x)
    xa = x._data
    mask = xp.isnan(xa) if bool(xp.isnan(value._data)) else xa == value._data
    return _where(_const(mask, x), grad / int(mask.sum()), 0)


def _select(grad, d, indices, shape, keepdim):
    """``grad`` sent to the position ``indices`` picks along ``d``; zero elsewhere."""
    if not shape:
        return grad
    idx = indices._data
    if not keepdim:
        grad, idx = grad.unsqueeze(d), xp_of(indices).expand_dims(idx, d)
    xp = xp_of(indices)
    ar = xp.arange(shape[d]).reshape([-1 if i == d else 1 for i in range(len(shape))])
    return _where(_const(ar == idx, indices), grad, 0)


def _amax_grad(grad, x, result, dims, keepdim):
    """PyTorch's amax/amin gradient: split evenly among the ties of each reduced slice."""
    r = _unsqueeze(result, dims, keepdim, x.ndim)
    g = _unsqueeze(grad, dims, keepdim, x.ndim)
    mask = x._data == r._data
    count = mask.sum(axis=dims, keepdims=True)
    return g / _const(count, x) * _const(mask, x)  # no ties (NaN): 0 / 0, as PyTorch


class MaxBackward1(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        return _evenly(grad, x, result)


class MinBackward1(MaxBackward1):
    pass


class MaxBackward0(Node):
    def backward(self, grad):
        (indices,) = self.saved_tensors
        return _select(grad, self.dim, indices, self._meta[0][0], self.keepdim)


class MinBackward0(MaxBackward0):
    pass


def _extreme(input, dim, keepdim, out, kind, other):
    if other is not None or isinstance(dim, Tensor):
        import torcia
        fn = torcia.maximum if kind == "max" else torcia.minimum
        return fn(input, dim if other is None else other, out=out)
    a = input._data
    if a.dtype.kind == "c":
        raise RuntimeError(f"{kind}(): does not support complex input")
    xp = xp_of(input)
    if dim is None:
        _check_nonempty(a, (), f"{kind}():", True)
        result = wrap(a.max() if kind == "max" else a.min(), input._device)
        if out is not None:
            return _out(result, out, kind, (input,))
        if requires_grad(input):
            node = record(MaxBackward1 if kind == "max" else MinBackward1, (input,), (result,))
            node.save(input, result)
        return result
    d = _one_dim(dim, a.ndim, kind)
    if a.ndim == 0:
        values, idx = a.copy(), xp.zeros((), np.int64)
    else:
        _check_nonempty(a, (d,), f"{kind}():")
        idx = (a.argmax if kind == "max" else a.argmin)(axis=d, keepdims=True)
        values = xp.take_along_axis(a, idx, d)
        if not keepdim:
            values, idx = values.squeeze(d), idx.squeeze(d)
    values, indices = wrap(values, input._device), wrap(idx.astype(np.int64), input._device)
    if out is None and requires_grad(input):
        node = record(MaxBackward0 if kind == "max" else MinBackward0, (input,), (values,))
        node.dim, node.keepdim = d, keepdim
        node.save(indices)
    return _named(getattr(return_types, kind), values, indices, out, kind, input)


def max(input, dim=None, keepdim=False, *, other=None, out=None):
    """Largest element; with ``dim``, ``(values, indices)`` along it; with a tensor second
    argument, the elementwise ``maximum``. NaN propagates.

    Example: ``torch.max(torch.tensor([[1., 5.], [4., 2.]]), 1)`` gives
    ``torch.return_types.max(values=tensor([5., 4.]), indices=tensor([1, 0]))``.
    """
    return _extreme(input, dim, keepdim, out, "max", other)


def min(input, dim=None, keepdim=False, *, other=None, out=None):
    """Smallest element; see ``max``."""
    return _extreme(input, dim, keepdim, out, "min", other)


class AmaxBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        return _amax_grad(grad, x, result, self.dims, self.keepdim)


class AminBackward0(AmaxBackward0):
    pass


def _amax(input, dim, keepdim, out, kind):
    a = input._data
    dims = _dims(dim, a.ndim)
    all_dims = dim is None or (isinstance(dim, (tuple, list)) and not dim)
    _check_nonempty(a, dims, f"{kind}():", all_dims)
    fn = a.max if kind == "amax" else a.min
    result = wrap(fn(axis=dims, keepdims=keepdim), input._device)
    if out is not None:
        return _out(result, out, kind, (input,))
    if requires_grad(input):
        node = record(AmaxBackward0 if kind == "amax" else AminBackward0, (input,), (result,))
        node.dims, node.keepdim = dims, keepdim
        node.save(input, result)
    return result


def amax(input, dim=(), keepdim=False, *, out=None):
    """Largest values over ``dim`` (int or tuple; all dims by default); the gradient is
    split evenly among ties."""
    return _amax(input, dim, keepdim, out, "amax")


def amin(input, dim=(), keepdim=False, *, out=None):
    """Smallest values over ``dim``; see ``amax``."""
    return _amax(input, dim, keepdim, out, "amin")


def _arg(input, dim, keepdim, kind):
    a = input._data
    if a.dtype == np.bool_:
        raise RuntimeError(f"{kind}(): does not support bool input")
    fn = a.argmax if kind == "argmax" else a.argmin
    if dim is None:
        if not a.size:
            raise IndexError(f"{kind}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        r = fn()
        if keepdim:
            r = xp_of(input).asarray(r).reshape((1,) * a.ndim)
    else:
        d = _one_dim(dim, a.ndim, kind)
        if a.ndim == 0:
            r = 0
        else:
            _check_nonempty(a, (d,), f"{kind}():")
            r = fn(axis=d, keepdims=keepdim)
    return wrap(xp_of(input).asarray(r, dtype=np.int64), input._device)


def argmax(input, dim=None, keepdim=False, *, out=None):
    """Index of the largest element (of the flattened tensor when ``dim`` is None); the
    first one among ties, and NaN counts as the largest."""
    result = _arg(input, dim, keepdim, "argmax")
    return result if out is None else _out(result, out, "argmax", (input,))


def argmin(input, dim=None, keepdim=False, *, out=None):
    """Index of the smallest element; see ``argmax``."""
    result = _arg(input, dim, keepdim, "argmin")
    return result if out is None else _out(result, out, "argmin", (input,))


class AminmaxBackward0(Node):
    num_outputs = 2

    def backward(self, grad_min, grad_max):
        x, mn, mx = self.saved_tensors
        out = None
        for g, r in ((grad_min, mn), (grad_max, mx)):
            if g is not None:
                part = _amax_grad(g, x, r, self.dims, self.keepdim)
                out = part if out is None else out + part
        return out


def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``(min, max)`` over ``dim`` (one int) or over everything when None."""
    a = input._data
    if dim is None:
        if not a.size:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as "
                               "the operation has no identity.")
        dims = tuple(range(a.ndim))
    else:
        dims = (_one_dim(dim, a.ndim, "aminmax"),) if a.ndim else ()
        _check_nonempty(a, dims, "aminmax:")
    mn = wrap(a.min(axis=dims, keepdims=keepdim), input._device)
    mx = wrap(a.max(axis=dims, keepdims=keepdim), input._device)
    if out is None and requires_grad(input):
        node = record(AminmaxBackward0, (input,), (mn, mx))
        node.dims, node.keepdim = dims, keepdim
        node.save(input, mn, mx)
    if out is not None:
        _out(mn, out[0], "aminmax", (input,))
        _out(mx, out[1], "aminmax", (input,))
        return return_types.aminmax(out)
    return return_types.aminmax((mn, mx))


# -- var, std, var_mean, std_mean ------------------------------------------------------------
def _var_args(name, dim, unbiased, correction):
    """PyTorch's overloads: (dim, unbiased, keepdim), (dim, *, correction), (unbiased)."""
    if isinstance(dim, bool):  # std(True): the unbiased overload
        if unbiased is not None or correction is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments - got "
                            "(bool, ...)")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both "
                        "'unbiased' and 'correction'")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


def _var_arrays(input, dims, correction, name):
    """(variance without keepdim squeeze, mean) arrays, in the compute dtype."""
    a = input._data
    if not _is_float(a.dtype) and a.dtype.kind != "c":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    n = _numel(a.shape, dims)
    dof = n - correction
    if dof <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0. Correction should be strictly "
                      "less than the reduction factor (input numel divided by output numel).",
                      UserWarning, stacklevel=3)
    c = _compute(a)
    m = c.sum(axis=dims, keepdims=True) / n
    dev = c - m
    sq = (dev.real * dev.real + dev.imag * dev.imag) if c.dtype.kind == "c" else dev * dev
    v = sq.sum(axis=dims, keepdims=True) / builtins.max(dof, 0)
    return v, m, n, dof


def _var_grad(grad, x, dims, keepdim, dof):
    g = _unsqueeze(grad, dims, keepdim, x.ndim)
    scale = 2.0 / dof if dof > 0 else math.inf
    return g * ((x - mean(x, dims, keepdim=True)) * scale)


def _std_to_var_grad(grad, std):
    return _where(_const(std._data == 0, std), 0, grad / (std * 2))


class VarBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        return _var_grad(grad, x, self.dims, self.keepdim, self.dof)


class StdBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        return _var_grad(_std_to_var_grad(grad, result), x, self.dims, self.keepdim, self.dof)


class VarMeanBackward0(Node):
    num_outputs = 2
    is_std = False

    def backward(self, grad_first, grad_mean):
        x, first = self.saved_tensors
        out = None
        if grad_first is not None:
            g = _std_to_var_grad(grad_first, first) if self.is_std else grad_first
            out = _var_grad(g, x, self.dims, self.keepdim, self.dof)
        if grad_mean is not None:
            shape = self._meta[0][0]
            part = expand_reduced(grad_mean, shape, self.dims, self.keepdim) / self.n
            out = part if out is None else out + part
        return out


class StdMeanBackward0(VarMeanBackward0):
    is_std = True


def _moments(input, dim, unbiased, keepdim, correction, name, with_mean):
    dim, correction = _var_args(name, dim, unbiased, correction)
    a = input._data
    dims = _dims(dim, a.ndim)
    v, m, n, dof = _var_arrays(input, dims, correction, name)
    real = a.real.dtype if a.dtype.kind == "c" else a.dtype
    is_std = name.startswith("std")
    if is_std:
        v = xp_of(input).sqrt(v)
    squeeze = (lambda arr: arr) if keepdim or not a.ndim else (lambda arr: arr.squeeze(dims))
    first = wrap(squeeze(v).astype(real, copy=False), input._device)
    if not with_mean:
        if requires_grad(input):
            node = record(StdBackward0 if is_std else VarBackward0, (input,), (first,))
            node.dims, node.keepdim, node.dof = dims, keepdim, dof
            node.save(*((input, first) if is_std else (input,)))
        return first
    mu = wrap(squeeze(m).astype(a.dtype, copy=False), input._device)
    if requires_grad(input):
        node = record(StdMeanBackward0 if is_std else VarMeanBackward0, (input,), (first, mu))
        node.dims, node.keepdim, node.dof, node.n = dims, keepdim, dof, n
        node.save(input, first)
    return first, mu


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Variance over ``dim`` with ``correction`` (1, Bessel's, by default; ``unbiased=False``
    means 0). Overloads as PyTorch: ``var(dim, unbiased, keepdim)``, ``var(dim, *,
    correction, keepdim)``, ``var(unbiased)``."""
    result = _moments(input, dim, unbiased, keepdim, correction, "var", False)
    return result if out is None else _out(result, out, "var", (input,))


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """Standard deviation over ``dim``; arguments as ``var``."""
    result = _moments(input, dim, unbiased, keepdim, correction, "std", False)
    return result if out is None else _out(result, out, "std", (input,))


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(var, mean)`` over ``dim`` in one pass; arguments as ``var``."""
    return _moments(input, dim, unbiased, keepdim, correction, "var_mean", True)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """``(std, mean)`` over ``dim``; arguments as ``var``."""
    return _moments(input, dim, unbiased, keepdim, correction, "std_mean", True)


# -- logsumexp, softmax, log_softmax ---------------------------------------------------------
class LogsumexpBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        g = _unsqueeze(grad, self.dims, self.keepdim, x.ndim)
        r = _unsqueeze(result, self.dims, self.keepdim, x.ndim)
        return g * (x - r).exp()


def logsumexp(input, dim, keepdim=False, *, out=None):
    """``log(sum(exp(input)))`` over ``dim``, computed stably (the max is taken out first)."""
    a = input._data
    xp = xp_of(input)
    if a.dtype.kind in "iub":
        a = a.astype(_dtype.get_default_dtype().np)
    dims = _dims(dim, a.ndim)
    c = _compute(a)
    m = _max_keep(c, dims)
    m = xp.where(xp.isinf(m), 0, m)
    r = xp.log(xp.exp(c - m).sum(axis=dims, keepdims=True)) + m
    if not keepdim and a.ndim:
        r = r.squeeze(dims)
    result = wrap(r.astype(a.dtype, copy=False), input._device)
    if out is not None:
        return _out(result, out, "logsumexp", (input,))
    if requires_grad(input):
        node = record(LogsumexpBackward0, (input,), (result,))
        node.dims, node.keepdim = dims, keepdim
        node.save(input, result)
    return result


_LOG2_E = 1.0 / math.log(2.0)


def _plain_arrays(grad, y):
    """Whether a first-order backward can work on the arrays (no graph to record, NumPy
    float32/float64 arrays of one dtype)."""
    g = grad._data
    return not grad_enabled.enabled and type(g) is np.ndarray and g.dtype in F32_F64 and \
        y._data.dtype == g.dtype and g.ndim > 0


def _exp_new(a):
    """exp(a) in a new array (float32: as exp2(a log2 e), twice as fast in NumPy and
    within 1 ulp)."""
    if a.dtype == np.float32:
        r = a * np.float32(_LOG2_E)
        return np.exp2(r, out=r)
    return np.exp(a)


class SoftmaxBackward0(Node):
    def backward(self, grad):
        (y,) = self.saved_tensors
        if _plain_arrays(grad, y):
            g, p = grad._data, y._data
            r = g * p
            s = r.sum(axis=self.dim, keepdims=True)
            r -= p * s
            return wrap(r, grad._device)
        return y * (grad - sum(grad * y, self.dim, keepdim=True))


class LogSoftmaxBackward0(Node):
    def backward(self, grad):
        (y,) = self.saved_tensors
        onehot = self.__dict__.pop("onehot_grad", None)  # Note [fused cross-entropy]
        if _plain_arrays(grad, y):
            p = _exp_new(y._data)  # softmax
            if onehot is not None and grad is onehot[0]:  # grad: values at the targets
                _, index, values = onehot
                p *= -values[:, None]
                p[np.arange(p.shape[0]), index[:, 0]] += values
                return wrap(p, grad._device)
            g = grad._data
            p *= g.sum(axis=self.dim, keepdims=True)
            return wrap(np.subtract(g, p, out=p), grad._device)
        return grad - y.exp() * sum(grad, self.dim, keepdim=True)


def _softmax(input, dim, dtype, log):
    if dtype is not None:
        input = input.to(_dtype.to_dtype(dtype))
    a = input._data
    d = normalize_dim(dim, a.ndim)
    name = "log_softmax" if log else "softmax"
    if not _is_float(a.dtype):
        kernel = "_lastdim" if d == a.ndim - 1 else ""
        raise NotImplementedError(f'"{name}{kernel}_kernel_impl" not implemented for '
                                  f"'{_legacy(a.dtype)}'")
    xp = xp_of(input)
    c = _compute(a)
    if c.ndim:
        z = c - _max_keep(c, d)
        e = xp.exp(z)
        s = e.sum(axis=d, keepdims=True)
        if log:
            z -= xp.log(s)
            r = z
        else:
            e /= s
            r = e
    else:
        r = c * 0 if log else c * 0 + 1
    result = wrap(r.astype(a.dtype, copy=False), input._device)
    if requires_grad(input):
        node = record(LogSoftmaxBackward0 if log else SoftmaxBackward0, (input,), (result,))
        node.dim = d
        node.save(result)
    return result


def softmax(input, dim, dtype=None):
    """``exp(input) / sum(exp(input))`` along ``dim``, computed stably; ``dtype`` casts the
    input first."""
    return _softmax(input, dim, dtype, False)


def log_softmax(input, dim, dtype=None):
    """``log(softmax(input))`` along ``dim``, computed stably."""
    return _softmax(input, dim, dtype, True)


# -- norm ------------------------------------------------------------------------------------
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: a vector norm (``p`` a number, or "fro" over at most two dims) or a
    matrix norm ("nuc", or "fro" otherwise) over ``dim``."""
    from .linalg import matrix_norm, vector_norm
    if isinstance(dim, int):
        dim = (dim,)
    if isinstance(p, str):
        if p == "fro" and (dim is None or len(dim) <= 2):
            return vector_norm(input, 2, dim, keepdim, dtype=dtype, out=out)
        dim = tuple(range(input.ndim)) if dim is None else dim
        return matrix_norm(input, p, dim, keepdim, dtype=dtype, out=out)
    return vector_norm(input, 2.0 if p is None else p, dim, keepdim, dtype=dtype, out=out)


# -- all, any, count_nonzero -----------------------------------------------------------------
def _logical_reduce(input, dim, keepdim, out, name):
    a = input._data
    dims = _dims(dim, a.ndim)
    r = (a.all if name == "all" else a.any)(axis=dims, keepdims=keepdim)
    if a.dtype == np.uint8:  # PyTorch keeps uint8 for uint8 input
        r = r.astype(np.uint8)
    result = wrap(r, input._device)
    return result if out is None else _out(result, out, name, (input,))


def all(input, dim=None, keepdim=False, *, out=None):
    """Whether every element (over ``dim``, an int or tuple) is nonzero; bool result."""
    return _logical_reduce(input, dim, keepdim, out, "all")


def any(input, dim=None, keepdim=False, *, out=None):
    """Whether some element (over ``dim``) is nonzero; bool result."""
    return _logical_reduce(input, dim, keepdim, out, "any")


def count_nonzero(input, dim=None):
    """Number of nonzero elements over ``dim`` (int or tuple), as int64."""
    a = input._data
    dims = _dims(dim, a.ndim)
    return wrap(xp_of(input).asarray((a != 0).sum(axis=dims), dtype=np.int64), input._device)


# -- cumsum, cumprod, cummax, cummin ---------------------------------------------------------
class CumsumBackward0(Node):
    def backward(self, grad):
        if grad.ndim == 0:
            return grad
        return _flip(cumsum(_flip(grad, self.dim), self.dim), self.dim)


def _scan(input, dim, dtype, out, name, kind):
    a = input._data
    d = _one_dim(dim, a.ndim, name)
    npd = _acc_dtype(a, dtype)
    xp = xp_of(input)
    c = a.astype(np.float32) if npd in _HALF else a.astype(npd, copy=False)
    if a.ndim == 0:
        r = c.copy()
    else:
        r = xp.cumsum(c, axis=d) if kind == "sum" else xp.cumprod(c, axis=d)
    result = wrap(r.astype(npd, copy=False), input._device)
    if out is not None:
        return _out(result, out, name, (input,))
    if requires_grad(input):
        node = record(CumsumBackward0 if kind == "sum" else CumprodBackward0, (input,), (result,))
        node.dim = d
        if kind == "prod":
            node.save(input, result)
    return result


def cumsum(input, dim, *, dtype=None, out=None):
    """Cumulative sums along ``dim``; ints and bool accumulate in int64."""
    return _scan(input, dim, dtype, out, "cumsum", "sum")


class CumprodBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        d = self.dim
        if x.numel() <= 1 or x.shape[d] == 1:
            return grad
        is_zero = x._data == 0
        w = grad * _conj(result)
        if not is_zero.any():
            return _flip(cumsum(_flip(w, d), d), d) / _conj(x)
        if grad_enabled.enabled:
            return _cumprod_grad_quadratic(grad, x, d)
        return _const(_cumprod_grad_zeros(xp_of(x), grad._data, x._data, result._data, d), x)


def _cumprod_grad_zeros(xp, g, x, y, d):
    """First-order cumprod gradient with zeros in ``x``, in O(n) (PyTorch's mask method).

    Before the first zero of a slice it is ``reversed_cumsum(g * y) / x``; at the first zero,
    (product before it) * sum over k up to the second zero of g[k] * prod(x[z1+1..k]);
    after it, zero.
    """
    x, g, y = (xp.moveaxis(t, d, -1) for t in (x, g, y))
    iz = x == 0
    cs = xp.cumsum(iz, axis=-1)
    before = cs == 0
    w = xp.where(before, g * y, 0)
    rev = xp.flip(xp.cumsum(xp.flip(w, -1), -1), -1)
    out = xp.where(before, rev / xp.where(before, x, 1), 0)
    first = iz & (cs == 1)
    tail = xp.cumprod(xp.where((cs == 1) & ~iz, x, 1), axis=-1)
    s = xp.where(cs == 1, g * tail, 0).sum(axis=-1, keepdims=True)
    excl = xp.concatenate([xp.ones_like(y[..., :1]), y[..., :-1]], axis=-1)
    out = xp.where(first, excl * s, out).astype(x.dtype, copy=False)
    return xp.ascontiguousarray(xp.moveaxis(out, -1, d))


def _cumprod_grad_quadratic(grad, x, d):
    """cumprod's gradient with zeros, made of Tensor ops so it can be differentiated again
    (O(n^2), PyTorch's create_graph path)."""
    from .shape import cat, stack
    n = x.shape[d]
    ones = x.new_ones([1 if i == d else s for i, s in enumerate(x.shape)])
    parts = []
    for k in range(n):
        if k == 0:
            omitted = cat([ones, cumprod(x.narrow(d, 1, n - 1), d)], d)
        else:
            until = prod(x.narrow(d, 0, k), d, keepdim=True)
            if k == n - 1:
                omitted = until
            else:
                omitted = cat([until, until * cumprod(x.narrow(d, k + 1, n - k - 1), d)], d)
        parts.append(sum(grad.narrow(d, k, n - k) * _conj(omitted), d))
    return stack(parts, d)


def cumprod(input, dim, *, dtype=None, out=None):
    """Cumulative products along ``dim``; the gradient is exact with zeros in ``input``."""
    return _scan(input, dim, dtype, out, "cumprod", "prod")


class CummaxBackward0(Node):
    def backward(self, grad):
        (indices,) = self.saved_tensors
        if grad.ndim == 0:
            return grad
        return _scatter_add(grad, self.dim, indices)


class CumminBackward0(CummaxBackward0):
    pass


def _cum_extreme(input, dim, kind):
    a = input._data
    d = _one_dim(dim, a.ndim, kind)
    xp = xp_of(input)
    if a.ndim == 0:
        values, idx = a.copy(), xp.zeros((), np.int64)
    else:
        acc = xp.maximum if kind == "cummax" else xp.minimum
        values = acc.accumulate(a, axis=d) if a.size else a.copy()
        # The index of the last element equal to the running extreme (or the last NaN).
        hit = (a == values) | xp.isnan(a) if _is_float(a.dtype) else a == values
        shape = [-1 if i == d else 1 for i in range(a.ndim)]
        pos = xp.where(hit, xp.arange(a.shape[d]).reshape(shape), 0)
        idx = xp.maximum.accumulate(pos, axis=d) if a.size else pos
    values, indices = wrap(values, input._device), wrap(idx.astype(np.int64), input._device)
    if requires_grad(input):
        node = record(CummaxBackward0 if kind == "cummax" else CumminBackward0, (input,),
                      (values,))
        node.dim = d
        node.save(indices)
    return getattr(return_types, kind)((values, indices))


def cummax(input, dim):
    """Running maximum along ``dim`` and the index where each was reached (the last one
    among ties); the gradient goes to those indices."""
    return _cum_extreme(input, dim, "cummax")


def cummin(input, dim):
    """Running minimum along ``dim``; see ``cummax``."""
    return _cum_extreme(input, dim, "cummin")


def _flip(t, dim):
    from .shape import flip
    return flip(t, dim)


def _scatter_add(src, dim, index):
    """``zeros_like(src).scatter_add(dim, index, src)``: gradients sent to ``index``."""
    from .indexing import scatter_add
    return scatter_add(src.new_zeros(src.shape), dim, index, src)


# -- median, nanmedian, mode -----------------------------------------------------------------
class MedianBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        return _evenly(grad, x, result)


class NanmedianBackward0(MedianBackward0):
    pass


class MedianBackward1(MaxBackward0):
    pass


class NanmedianBackward1(MaxBackward0):
    pass


class ModeBackward0(MaxBackward0):
    pass


def _median_all(input, ignore_nan):
    xp = xp_of(input)
    a = input._data.reshape(-1)
    if ignore_nan and _is_float(a.dtype):
        a = a[~xp.isnan(a)]
    if not a.size:
        return xp.asarray(np.nan, dtype=input._data.dtype)
    if _is_float(a.dtype) and xp.isnan(a).any():
        return xp.asarray(np.nan, dtype=a.dtype)
    return xp.partition(a, (a.size - 1) // 2)[(a.size - 1) // 2]


def _median_dim(input, dim, keepdim, out, name):
    xp = xp_of(input)
    a = input._data
    d = _one_dim(dim, a.ndim, name)
    if a.ndim == 0:
        values, idx = a.copy(), xp.zeros((), np.int64)
    else:
        _check_nonempty(a, (d,), "median():")
        order = xp.argsort(a, axis=d, kind="stable")  # NaN sorts last
        n = a.shape[d]
        if _is_float(a.dtype):
            nan = xp.isnan(a)
            if name == "nanmedian":
                k = xp.maximum((n - nan.sum(axis=d, keepdims=True) - 1) // 2, 0)
                idx = xp.take_along_axis(order, k, d)
            else:
                idx = xp.take(order, [(n - 1) // 2], axis=d)
                has_nan = nan.any(axis=d, keepdims=True)
                idx = xp.where(has_nan, nan.argmax(axis=d, keepdims=True), idx)
        else:
            idx = xp.take(order, [(n - 1) // 2], axis=d)
        values = xp.take_along_axis(a, idx, d)
        if not keepdim:
            values, idx = values.squeeze(d), idx.squeeze(d)
    values, indices = wrap(values, input._device), wrap(idx.astype(np.int64), input._device)
    if out is None and requires_grad(input):
        cls = NanmedianBackward1 if name == "nanmedian" else MedianBackward1
        node = record(cls, (input,), (values,))
        node.dim, node.keepdim = d, keepdim
        node.save(indices)
    return _named(getattr(return_types, name), values, indices, out, name, input)


def _median(input, dim, keepdim, out, name):
    if dim is not None:
        return _median_dim(input, dim, keepdim, out, name)
    result = wrap(_median_all(input, name == "nanmedian"), input._device)
    if out is not None:
        return _out(result, out, name, (input,))
    if requires_grad(input):
        node = record(NanmedianBackward0 if name == "nanmedian" else MedianBackward0, (input,),
                      (result,))
        node.save(input, result)
    return result


def median(input, dim=None, keepdim=False, *, out=None):
    """The lower median (of the flattened tensor, or ``(values, indices)`` along ``dim``);
    NaN propagates. Without ``dim`` the gradient is split among ties."""
    return _median(input, dim, keepdim, out, "median")


def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """``median`` ignoring NaN (NaN only where a slice is all NaN)."""
    return _median(input, dim, keepdim, out, "nanmedian")


def mode(input, dim=-1, keepdim=False, *, out=None):
    """The most frequent value along ``dim`` (the smallest among equally frequent ones) and
    the index of its last occurrence, as ``(values, indices)``."""
    xp = xp_of(input)
    a = input._data
    d = _one_dim(dim, a.ndim, "mode")
    if a.ndim == 0:
        values, idx = a.copy(), xp.zeros((), np.int64)
    else:
        n = a.shape[d]
        _check_nonempty(a, (d,), "mode():")
        m = xp.moveaxis(a, d, -1)
        s = xp.sort(m, axis=-1)
        start = xp.ones(s.shape, bool)
        start[..., 1:] = s[..., 1:] != s[..., :-1]
        ar = xp.arange(n)
        run_start = xp.maximum.accumulate(xp.where(start, ar, 0), axis=-1)
        best = (ar - run_start).argmax(axis=-1)[..., None]  # first value with the longest run
        val = xp.take_along_axis(s, best, -1)
        last = n - 1 - (m == val)[..., ::-1].argmax(axis=-1)[..., None]
        values, idx = xp.moveaxis(val, -1, d), xp.moveaxis(last, -1, d)
        if not keepdim:
            values, idx = values.squeeze(d), idx.squeeze(d)
        values = values.copy()
    values, indices = wrap(values, input._device), wrap(idx.astype(np.int64), input._device)
    if out is None and requires_grad(input):
        node = record(ModeBackward0, (input,), (values,))
        node.dim, node.keepdim = d, keepdim
        node.save(indices)
    return _named(return_types.mode, values, indices, out, "mode", input)


# -- sum_to_size -----------------------------------------------------------------------------
def sum_to_size(self, *size):
    """Sum ``self`` down to ``size``, which it must be broadcastable from."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    shape = self._data.shape
    if tuple(size) == shape:
        return self
    lead = len(shape) - len(size)
    if lead < 0 or builtins.any(s != 1 and s != shape[lead + i] for i, s in enumerate(size)):
        raise RuntimeError(f"size {{{list(size)}}} is not expandable to size "
                           f"{{{list(shape)}}}.")
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(size)
                                      if s == 1 and shape[lead + i] != 1)
    a = self._data
    if dims and type(a) is np.ndarray and a.dtype.kind in "fc" and a.dtype not in _HALF and \
            not (self._rg and grad_enabled.enabled):
        # Summed straight into a new array of the target shape, not viewed from a keepdim
        # sum: the engine's broadcast gradients (a bias's) stay owned arrays, which
        # AccumulateGrad keeps as .grad without a copy
        r = np.empty(size, a.dtype)
        a.sum(axis=dims, keepdims=True, out=r.reshape((1,) * lead + tuple(size)))
        return wrap(r, self._device)
    out = sum(self, dims, keepdim=True) if dims else self
    return out.view(size) if lead else out


# =============================================================================================
# logcumsumexp, quantiles, counting (bincount, histc, histogram), differences and integrals
# (diff, gradient, trapezoid), cov/corrcoef and renorm. Compositions follow ATen's, so their
# graphs carry PyTorch's node names.
class LogcumsumexpBackward0(Node):
    def backward(self, grad):
        x, result = self.saved_tensors
        d = self.dim
        if grad.ndim == 0 or grad.numel() == 0:
            return grad

        def rev(t):
            return _flip(logcumsumexp(_flip(t, d), d), d)
        if grad.is_complex():
            return (rev(grad.log() - result) + x).exp()
        lowest = float(np.finfo(grad._data.dtype).min) if grad._data.dtype not in _HALF else \
            float(np.finfo(np.float32).min)
        low = grad.new_full((), lowest)
        log_abs = grad.abs().log()
        pos = _where(grad > 0, log_abs, low)
        neg = _where(grad < 0, log_abs, low)
        return (rev(pos - result) + x).exp() - (rev(neg - result) + x).exp()


def _logcumsumexp_arr(c, d, xp):
    if c.dtype.kind != "c":
        return xp.logaddexp.accumulate(c, axis=d)
    m = xp.maximum.accumulate(c.real, axis=d)
    m = xp.where(xp.isfinite(m), m, 0)
    top = xp.take(m, [-1], axis=d)
    return xp.log(xp.cumsum(xp.exp(c - top), axis=d)) + top


def logcumsumexp(input, dim, *, out=None):
    """``log(cumsum(exp(input), dim))``, computed without overflow."""
    a = input._data
    d = _one_dim(dim, a.ndim, "logcumsumexp")
    if not _is_float(a.dtype):
        raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                  f"'{_legacy(a.dtype)}'")
    xp = xp_of(input)
    c = _compute(a)
    r = c.copy() if a.ndim == 0 or not a.size else _logcumsumexp_arr(c, d, xp)
    result = wrap(r.astype(a.dtype, copy=False), input._device)
    if out is not None:
        return _out(result, out, "logcumsumexp", (input,))
    if requires_grad(input):
        node = record(LogcumsumexpBackward0, (input,), (result,))
        node.dim = d
        node.save(input, result)
    return result


# -- quantile, nanquantile ------------------------------------------------------------------
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, ignore_nan, out, name):
    """ATen's quantile: sort along ``dim``, turn ``q`` into fractional ranks, gather the
    values on both sides and interpolate."""
    from .creation import tensor
    from .indexing import gather
    from .sorting import sort
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    a = input._data
    scalar_q = not isinstance(q, Tensor)
    if scalar_q:
        q_val = float(q)
    if a.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if scalar_q:
        if not 0 <= q_val <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q_val:g}")
        q = tensor(q_val, dtype=input.dtype, device=input.device)
    if q.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if q.dtype is not input.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, "
                           f"midpoint or nearest, but got {interpolation}")
    if not a.size:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if not scalar_q and not ((q._data >= 0) & (q._data <= 1)).all():
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    nd = a.ndim
    if dim is not None and nd:
        d = normalize_dim(dim, nd)
        shape = list(a.shape)
        if keepdim:
            shape[d] = 1
        else:
            del shape[d]
    else:
        if dim is not None:
            normalize_dim(dim, nd)
        d = None
        shape = [1] * nd if keepdim else []
    if q.ndim:
        shape.insert(0, q.numel())
    out_shape = list(shape)
    if q.ndim == 0:
        out_shape.insert(0, 1)
    if d is None:
        srt = sort(input.flatten())[0]
    elif d == nd - 1:
        srt = sort(input)[0]
    else:
        srt = sort(input.unsqueeze(-1).transpose(d, -1))[0]
    n = srt.shape[-1]
    srt = srt.view(out_shape[1:] + [n] if len(out_shape) > 1 else [n])
    nan = srt.isnan()
    if ignore_nan:
        ranks = q * (nan.logical_not().sum(-1, True) - 1)
        ranks = ranks.masked_fill(ranks < 0, 0)
    else:
        last = n - 1
        from .shape import broadcast_tensors
        r, m = broadcast_tensors(q * last, nan.any(-1, True))
        ranks = r.masked_fill(m, last)
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()
    below = ranks.long()
    values = gather(srt, -1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks.new_full(ranks.shape, 0.5) if interpolation == "midpoint" \
            else ranks - below
        above = gather(srt, -1, ranks.ceil().long())
        values = values.lerp_(above, weights)
    if q.ndim == 0:
        values = values.squeeze_(-1)
    else:
        values = values.unsqueeze_(0).transpose_(0, -1).squeeze_(-1)
    if out is not None:
        return _out(values.detach(), out, name, (input, q))
    return values


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """The ``q``-th quantiles of ``input`` along ``dim`` (flattened when None); ``q`` is a
    number or a 1-D tensor, whose entries become the leading output dim. A NaN in a slice
    gives NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False, out, "quantile")


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear", out=None):
    """``quantile`` ignoring NaN values (NaN only where a slice is all NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, out, "nanquantile")


# -- bincount, histc, histogram -------------------------------------------------------------
def _not_differentiable(op, inputs, outputs):
    """Record PyTorch's NotImplemented node: the outputs require grad, backward raises."""
    from .pointwise import NotImplementedBackward
    if requires_grad(*inputs):
        node = record(NotImplementedBackward, inputs, outputs)
        node.op = op


def bincount(input, weights=None, minlength=0):
    """Counts of each value of a 1-D non-negative integer tensor (or sums of ``weights``)."""
    a = input._data
    if a.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{_legacy(a.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if a.ndim != 1 or (a.size and a.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = xp_of(input)
    if weights is None:
        r = xp.bincount(a, minlength=minlength).astype(np.int64)
        return wrap(r, input._device)
    w = weights._data
    if w.ndim != 1 or w.shape[0] != a.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    npd = np.dtype(np.float32) if w.dtype == np.float32 else np.dtype(np.float64)
    r = xp.bincount(a, weights=w.astype(np.float64), minlength=minlength).astype(npd)
    result = wrap(r, input._device)
    _not_differentiable("bincount", (None, weights), (result,))
    return result


def _hist_positions(a, edges, left, right, mode):
    """The elements of 1-D array ``a`` inside [left, right] (a mask) and the bins of those
    elements as ATen's kernel finds them: ``mode`` "linear" (histc), "local" (linear guess
    checked against the edges) or "search" (binary search, for given edges). The last bin
    includes its right edge."""
    nb = len(edges) - 1
    keep = (a >= left) & (a <= right)
    x = a[keep]
    if mode == "search":
        pos = np.searchsorted(edges, x, side="right") - 1
    else:
        with np.errstate(all="ignore"):
            pos = ((x - left) * a.dtype.type(nb) / (right - left)).astype(np.int64)
        if mode == "local":
            pos = np.clip(pos, 0, nb)
            lo, hi = np.maximum(pos - 1, 0), np.minimum(pos + 2, nb + 1)
            # upper_bound within [lo, hi): the last edge <= x, at most two steps away
            pos = lo - 1
            for k in range(3):
                j = lo + k
                ok = (j < hi) & (edges[np.minimum(j, nb)] <= x)
                pos = np.where(ok, j, pos)
    return keep, np.where(pos == nb, nb - 1, pos)


def _hist_counts(a, edges, left, right, mode, weights):
    """Histogram counts of 1-D array ``a`` over ``edges`` (see ``_hist_positions``)."""
    hist = np.zeros(len(edges) - 1, a.dtype)
    keep, pos = _hist_positions(a, edges, left, right, mode)
    w = None if weights is None else weights[keep]
    np.add.at(hist, pos, 1 if w is None else w)
    return hist


def histc(input, bins=100, min=0, max=0, *, out=None):
    """Counts of ``input``'s values in ``bins`` equal bins over ``[min, max]`` (the data's
    range when both are equal); values outside are ignored. Not differentiable."""
    from .creation import linspace
    a = input._data
    if not _is_float(a.dtype):
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_legacy(a.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
        if math.isnan(lo):  # the data's NaN, which PyTorch's message prints as -nan
            lo = hi = -math.nan
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"torch.histc: range of [{_fmt(lo)}, {_fmt(hi)}] is not finite")
    if not lo < hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    c = _compute(a).reshape(-1)
    edges = linspace(lo, hi, bins + 1, dtype=input.dtype)._data.astype(c.dtype)
    hist = _hist_counts(c, edges, edges[0], edges[-1], "linear", None).astype(a.dtype)
    result = wrap(hist, input._device)
    return result if out is None else _out(result, out, "histc", (input,))


def _fmt(v):
    """A double as C++ streams print it (PyTorch's messages): 1, 0.5, inf, -nan."""
    if math.isnan(v):
        return "-nan" if math.copysign(1, v) < 0 else "nan"
    return f"{v:g}"


def _hist_check(input, weight, dd):
    """Checks of histogram (``dd`` False: the input is one dimension's values) and
    histogramdd; PyTorch's messages name torch.histogramdd for both."""
    name = "torch.histogramdd"
    a = input._data
    if not _is_float(a.dtype) or a.dtype in _HALF:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_legacy(a.dtype)}'")
    if weight is not None:
        want = a.shape[:-1] if dd else a.shape
        if weight._data.shape != want:
            shape = list(a.shape) + ([] if dd else [1])
            raise RuntimeError(
                f"{name}: if weight tensor is provided it should have the same shape as the input "
                f"tensor excluding its innermost dimension, but got input with shape "
                f"{shape} and weight with shape {list(weight._data.shape)}")
        if weight.dtype is not input.dtype:
            raise RuntimeError(
                f"{name}: if weight tensor is provided, input tensor and weight tensor should "
                f"have the same dtype, but got input({_cpp(a.dtype)}), and "
                f"weight({_cpp(weight._data.dtype)})")


def _hist_edges(input, c, bins, lo_hi, d, name="torch.histogramdd"):
    """The bin edges of dimension ``d`` (values ``c``) and how to search them: ``bins`` a
    tensor of edges, or a count of equal bins over ``lo_hi`` (default the data's range)."""
    from .creation import linspace
    a = input._data
    if isinstance(bins, Tensor):
        if bins.dtype is not input.dtype:
            raise RuntimeError(
                f"{name}: input tensor and bins tensors should have the same dtype, but got input "
                f"with dtype {_cpp(a.dtype)} and bins for dimension {d} with dtype "
                f"{_cpp(bins._data.dtype)}")
        if bins.ndim != 1:
            raise RuntimeError(f"{name}: bins tensor should have one dimension, but got "
                               f"{bins.ndim} dimensions in the bins tensor for dimension {d}")
        return bins.detach().clone(), "search"
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for "
                           f"dimension {d}")
    if lo_hi is not None:
        lo, hi = float(lo_hi[0]), float(lo_hi[1])
    elif c.size:
        lo, hi = float(c.min()), float(c.max())
    else:
        lo, hi = 0.0, 1.0
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise RuntimeError(f"{name}: dimension {d}'s range [{_fmt(lo)}, {_fmt(hi)}] is not "
                           "finite")
    if lo > hi:
        raise RuntimeError(f"{name}: min should not exceed max, but got min {_fmt(lo)} max "
                           f"{_fmt(hi)} for dimension {d}")
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return linspace(lo, hi, bins + 1, dtype=input.dtype, device=input.device), "local"


def histogram(input, bins, *, range=None, weight=None, density=False, out=None):
    """The histogram of ``input``'s values: ``bins`` equal bins over ``range`` (default the
    data's min and max) or the given bin edges; returns (hist, bin_edges)."""
    name = "torch.histogramdd"
    _hist_check(input, weight, False)
    a = input._data
    c = _compute(a).reshape(-1)
    edges_t, mode = _hist_edges(input, c, bins, range, 0, name)
    edges = _compute(edges_t._data)
    w = None if weight is None else _compute(weight._data).reshape(-1)
    hist = _hist_counts(c, edges, edges[0], edges[-1], mode, w)
    if density:
        with np.errstate(all="ignore"):
            hist = hist / hist.sum() / np.diff(edges)
    hist = wrap(hist.astype(a.dtype), input._device)
    if out is not None:
        _out(hist, out[0], "histogram", (input,))
        _out(edges_t, out[1], "histogram", (input,))
        return return_types.histogram(out)
    _not_differentiable("histogram", (input,), (hist, edges_t))
    return return_types.histogram((hist, edges_t))


def histogramdd(input, bins, *, range=None, weight=None, density=False):
    """The D-dimensional histogram of the points of an (..., D) ``input`` (the innermost
    dimension holds a point's coordinates): per dimension, ``bins`` equal bins over its part
    of ``range`` (a flat list of D (min, max) pairs; default the data's range) or the given
    edges. Returns (hist, bin_edges) with one edges tensor per dimension."""
    name = "torch.histogramdd"
    a = input._data
    if a.ndim < 2:
        raise RuntimeError(f"{name}: input tensor should have at least 2 dimensions")
    _hist_check(input, weight, True)
    D = a.shape[-1]
    if isinstance(bins, int):
        bins = [bins] * D
    bins = list(bins)
    if len(bins) != D:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    if range is not None and len(range) != 2 * D:
        raise RuntimeError(f"{name}: for a {D}-dimensional histogram range should have "
                           f"{2 * D} elements, but got {len(range)}")
    c = _compute(a).reshape(-1, D)
    keep = np.ones(c.shape[0], bool)
    positions, edge_tensors, sizes = [], [], []
    for d in builtins.range(D):
        lo_hi = None if range is None else range[2 * d:2 * d + 2]
        edges_t, mode = _hist_edges(input, c[:, d], bins[d], lo_hi, d, name)
        edges = _compute(edges_t._data)
        inside, pos = _hist_positions(c[:, d], edges, edges[0], edges[-1], mode)
        full = np.zeros(c.shape[0], np.int64)
        full[inside] = pos
        keep &= inside
        positions.append(full)
        edge_tensors.append(edges_t)
        sizes.append(len(edges) - 1)
    hist = np.zeros(sizes, c.dtype)
    w = None if weight is None else _compute(weight._data).reshape(-1)[keep]
    np.add.at(hist, tuple(p[keep] for p in positions), 1 if w is None else w)
    if density:
        with np.errstate(all="ignore"):
            hist = hist / hist.sum()
            for d, e in enumerate(edge_tensors):
                shape = [1] * D
                shape[d] = sizes[d]
                hist = hist / np.diff(_compute(e._data)).reshape(shape)
    hist = wrap(hist.astype(a.dtype), input._device)
    _not_differentiable("histogramdd", (input,), (hist, *edge_tensors))
    return return_types.histogramdd((hist, tuple(edge_tensors)))


def _cpp(npd):
    from .pointwise import _CPP_NAMES
    return _CPP_NAMES[np.dtype(npd).name if np.dtype(npd) != _dtype.bfloat16.np else "bfloat16"]


# -- diff, gradient, trapezoid, cumulative_trapezoid ----------------------------------------
def _prepend_append(input, prepend, append, d):
    from .shape import cat
    parts = [t for t in (prepend, input, append) if t is not None]
    return cat(parts, d) if len(parts) > 1 else input


def diff(input, n=1, dim=-1, prepend=None, append=None):
    """The ``n``-th forward difference along ``dim``, after joining ``prepend`` and
    ``append`` (logical xor for bool tensors)."""
    from .creation import zeros_like
    from .pointwise import logical_xor
    nd = input.ndim
    if nd == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    d = normalize_dim(dim, nd)
    for other in (prepend, append):
        if other is not None:
            if other.ndim != nd:
                raise RuntimeError("diff expects prepend or append to be the same dimension as "
                                   "input")
            for i in builtins.range(nd):
                if i != d and other.shape[i] != input.shape[i]:
                    raise RuntimeError(
                        "diff expects the shape of tensor to prepend or append to match that of "
                        f"input except along the differencing dimension; input.size({i}) = "
                        f"{input.shape[i]}, but got tensor.size({i}) = {other.shape[i]}")
    x = _prepend_append(input, prepend, append, d)
    if n == 0:
        return zeros_like(x).copy_(x)
    length = x.shape[d] - 1
    n = builtins.min(n, x.shape[d])
    for _ in builtins.range(n):
        hi, lo = x.narrow(d, 1, length), x.narrow(d, 0, length)
        x = logical_xor(hi, lo) if x.dtype is _dtype.bool else hi - lo
        length -= 1
    return x


def gradient(input, *, spacing=1, dim=None, edge_order=1):
    """Estimates of the derivative of ``input`` sampled on a grid, along each of ``dim``
    (all dims by default): central differences inside, one-sided ones (of order
    ``edge_order``) at the ends. ``spacing``: a number, one per dim, or coordinate tensors."""
    from .shape import cat
    nd = input.ndim
    if dim is None:
        dims = list(builtins.range(nd))
    elif isinstance(dim, int):
        dims = [dim]
    else:
        dims = list(dim)
    if isinstance(spacing, (list, tuple)):
        spacing = list(spacing)
        if len(spacing) != len(dims):
            what = (f"'self.dim() = {nd}', since dim argument was not given" if dim is None
                    else f"'dim' ({len(dims)})")
            raise RuntimeError("torch.gradient expected spacing to be unspecified, a scalar, or "
                               f"a list of length equal to {what}, but got a list of length "
                               f"{len(spacing)}")
    else:
        spacing = [spacing] * len(dims)
    if edge_order not in (1, 2):
        raise RuntimeError("torch.gradient only supports edge_order=1 and edge_order=2.")
    for dd in dims:
        if input.shape[normalize_dim(dd, nd)] < edge_order + 1:
            raise RuntimeError("torch.gradient expected each dimension size to be at least "
                               "edge_order+1")
    results = []
    for dd, h in zip(dims, spacing):
        d = normalize_dim(dd, nd)
        sl = functools.partial(input.slice_dim, d)
        if isinstance(h, Tensor):
            if h.ndim != 1:
                raise RuntimeError("torch.gradient expected each element of spacing to have one "
                                   f"dimension, but got an element with {h.ndim} dimensions!")
            shape = [1] * nd
            shape[d] = -1
            dx = h.diff(1, 0)
            dx1, dx2 = dx.slice_dim(0, 0, -1), dx.slice_dim(0, 1)
            a = (-dx2 / (dx1 * (dx1 + dx2))).reshape(shape)
            b = ((dx2 - dx1) / (dx1 * dx2)).reshape(shape)
            c = (dx1 / (dx2 * (dx1 + dx2))).reshape(shape)
            center = a * sl(0, -2) + b * sl(1, -1) + c * sl(2)
            if edge_order == 1:
                first = (sl(1, 2) - sl(0, 1)) / dx[0]
                last = (sl(-1) - sl(-2, -1)) / dx[-1]
            else:
                a = -(2.0 * dx[0] + dx[1]) / (dx[0] * (dx[0] + dx[1]))
                b = (dx[0] + dx[1]) / (dx[0] * dx[1])
                c = (-dx[0]) / (dx[1] * (dx[0] + dx[1]))
                first = a * sl(0, 1) + b * sl(1, 2) + c * sl(2, 3)
                a = dx[-1] / (dx[-2] * (dx[-1] + dx[-2]))
                b = -(dx[-1] + dx[-2]) / (dx[-1] * dx[-2])
                c = (2 * dx[-1] + dx[-2]) / (dx[-1] * (dx[-1] + dx[-2]))
                last = a * sl(-3, -2) + b * sl(-2, -1) + c * sl(-1)
        else:
            center = (sl(2) - sl(0, -2)) / h
            if edge_order == 1:
                first = (sl(1, 2) - sl(0, 1)) / h
                last = (sl(-1) - sl(-2, -1)) / h
            else:
                first = (-1.5 * sl(0, 1) + 2 * sl(1, 2) - 0.5 * sl(2, 3)) / h
                last = (0.5 * sl(-3, -2) - 2 * sl(-2, -1) + 1.5 * sl(-1)) / h
            center = center / 2
        results.append(cat([first, center, last], d))
    return tuple(results)


def _spacing_view(x, y, d, name):
    """``x`` viewed so that its differences broadcast against ``y``'s along ``d`` (ATen)."""
    if x.ndim == 1:
        if x.shape[0] != y.shape[d]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point")
        shape = [1] * y.ndim
        shape[d] = x.shape[0]
        return x.view(shape)
    if x.ndim < y.ndim:
        return x.view([1] * (y.ndim - x.ndim) + list(x.shape))
    return x


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The integral of ``y`` along ``dim`` by the trapezoidal rule, with sample points ``x``
    or a constant spacing ``dx`` (default 1)."""
    from .creation import zeros
    d = normalize_dim(dim, y.ndim)
    if y.shape[d] == 0:
        return zeros([s for i, s in enumerate(y.shape) if i != d], dtype=y.dtype,
                     device=y.device)
    if y.dtype is _dtype.bool or (x is not None and x.dtype is _dtype.bool):
        raise RuntimeError("trapezoid: received a bool input for `y`, but bool is not supported")
    if x is not None:
        xv = _spacing_view(x, y, d, "trapezoid")
        h = xv.slice_dim(d, 1) - xv.slice_dim(d, 0, -1)
        return (h * (y.slice_dim(d, 0, -1) + y.slice_dim(d, 1))).sum(d) / 2.0
    dx = 1 if dx is None else dx
    if isinstance(dx, (bool, complex)):
        raise RuntimeError("trapezoid: Currently, we only support dx as a real number.")
    return (y.sum(d) - (y.select(d, 0) + y.select(d, -1)) * 0.5) * float(dx)


def trapz(y, x=None, *, dx=None, dim=-1):
    """``trapezoid`` (the older name)."""
    return trapezoid(y, x, dx=dx, dim=dim)


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """Running integrals of ``y`` along ``dim`` by the trapezoidal rule (one fewer than the
    samples)."""
    d = normalize_dim(dim, y.ndim)
    if y.dtype is _dtype.bool or (x is not None and x.dtype is _dtype.bool):
        what = "`y`" if x is None else "`x` or `y`"
        raise RuntimeError(f"cumulative_trapezoid: received a bool input for {what}, but bool "
                           "is not supported")
    if x is not None:
        xv = _spacing_view(x, y, d, "cumulative_trapezoid")
        h = xv.slice_dim(d, 1) - xv.slice_dim(d, 0, -1)
    else:
        h = float(1 if dx is None else dx)
    return (h / 2.0 * (y.slice_dim(d, 0, -1) + y.slice_dim(d, 1))).cumsum(d)


# -- cov, corrcoef -------------------------------------------------------------------------------
def cov(input, *, correction=1, fweights=None, aweights=None):
    """The covariance matrix of the variables in ``input``'s rows (observations in columns),
    with optional frequency and importance weights (ATen's composition)."""
    from .creation import scalar_tensor
    from .linalg import mm
    if input.ndim > 2:
        raise RuntimeError("cov(): expected input to have two or fewer dimensions but got an "
                           f"input with {input.ndim} dimensions")
    if input.dtype is _dtype.bool:
        raise RuntimeError("cov(): bool dtype is not supported for input")
    x = input.view(1, -1) if input.ndim < 2 else input
    n = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights
        if w.ndim > 1:
            raise RuntimeError("cov(): expected fweights to have one or fewer dimensions but got "
                               f"fweights with {w.ndim} dimensions")
        if w.is_floating_point() or w.is_complex():
            raise RuntimeError("cov(): expected fweights to have integral dtype but got fweights "
                               f"with {w.dtype._legacy} dtype")
        if w.numel() != n:
            raise RuntimeError("cov(): expected fweights to have the same numel as there are "
                               f"observations in the input but got {w.numel()} != {n}")
        if n and w._data.min() < 0:
            raise RuntimeError("cov(): fweights cannot be negative")
    if aweights is not None:
        aw = aweights
        if aw.ndim > 1:
            raise RuntimeError("cov(): expected aweights to have one or fewer dimensions but got "
                               f"aweights with {aw.ndim} dimensions")
        if not aw.is_floating_point():
            raise RuntimeError("cov(): expected aweights to have floating point dtype but got "
                               f"aweights with {aw.dtype._legacy} dtype")
        if aw.numel() != n:
            raise RuntimeError("cov(): expected aweights to have the same numel as there are "
                               f"observations in the input but got {aw.numel()} != {n}")
        if n and aw._data.min() < 0:
            raise RuntimeError("cov(): aweights cannot be negative")
        w = aw if w is None else w * aw
    w_sum = w.sum() if w is not None else scalar_tensor(n, dtype=_dtype.int64,
                                                          device=input.device)
    if w is not None and w_sum._data == 0:
        raise RuntimeError("cov(): weights sum to zero, can't be normalized")
    avg = (x * w if w is not None else x).sum(1) / w_sum
    if w is not None and aweights is not None and correction != 0:
        norm = w_sum - correction * (w * aweights).sum() / w_sum
    else:
        norm = w_sum - correction
    if norm._data <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less "
                      "than the number of observations.", UserWarning, stacklevel=2)
        norm = norm.detach() * 0
    x = x - avg.unsqueeze(1)
    c = mm(x, (x * w if w is not None else x).t().conj())
    from .pointwise import true_divide
    return true_divide(c, norm).squeeze()


def corrcoef(input):
    """Pearson correlation coefficients of the variables in ``input``'s rows."""
    if input.ndim > 2:
        raise RuntimeError("corrcoef(): expected input to have two or fewer dimensions but got "
                           f"an input with {input.ndim} dimensions")
    c = cov(input)
    if c.ndim == 0:
        return c / c
    dg = c.diagonal()
    std = (dg.real if dg.is_complex() else dg).sqrt()
    c = c / std.view(-1, 1)
    c = c / std.view(1, -1)
    if c.is_complex():
        from .creation import complex as make_complex
        return make_complex(c.real.clip(-1, 1), c.imag.clip(-1, 1))
    return c.clip(-1, 1)


# -- renorm ----------------------------------------------------------------------------------
def pnorm_backward(grad, x, norm, p):
    """``grad * d||x||_p / dx`` with ``grad`` and ``norm`` broadcastable against ``x`` (the
    reduced dims kept); zero where the norm is zero. Used by renorm, cdist and pdist."""
    sgn = _const(xp_of(x).sign(x._data), x)  # sign has no derivative
    if p == 0:
        return x * 0
    if p == 1:
        return grad * sgn
    if p == 2:
        return grad * _where(norm == 0, 0.0, x / norm)
    if math.isinf(p):
        ax = x.abs()
        mask = (ax == norm).to(x.dtype)
        return grad * sgn * mask
    absx = x.abs()
    if p < 2:
        scaled = _where((norm == 0) | ((x == 0) & (p < 1)), 0.0, sgn * absx.pow(p - 1) /
                        norm.pow(p - 1))
        return grad * scaled
    return grad * _where(norm == 0, 0.0, x * absx.pow(p - 2) / norm.pow(p - 1))


class RenormBackward0(Node):
    def backward(self, grad):
        (x,) = self.saved_tensors
        dims, p, maxnorm = self.dims, self.p, self.maxnorm
        norm = _const(_renorm_norm(x._data, p, dims), x)
        if grad_enabled.enabled:
            from .linalg import vector_norm
            norm = vector_norm(x, p, dims, keepdim=True)
        inv = (norm + 1e-7).reciprocal()
        factor = inv * maxnorm
        g_norm = (x.conj() * grad)
        if g_norm.is_complex():
            g_norm = g_norm.real
        g_norm = g_norm.sum(dims, keepdim=True)
        nb = pnorm_backward(g_norm, x, norm, p)
        return _where(norm > maxnorm, factor * grad - factor * inv * nb, grad)


def _renorm_norm(a, p, dims):
    from .linalg import _vector_norm_arr
    return _vector_norm_arr(a, p, dims, True)


def renorm(input, p, dim, maxnorm, *, out=None):
    """Each slice along ``dim`` rescaled to ``p``-norm at most ``maxnorm`` (slices within it
    are unchanged)."""
    if isinstance(p, complex):
        raise RuntimeError("renorm: p must be real-valued")
    if not p > 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if isinstance(maxnorm, complex):
        raise RuntimeError("renorm: maxnorm must be real-valued")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm:g}")
    a = input._data
    if a.ndim <= 1:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {a.ndim} dimensions")
    if not _is_float(a.dtype):
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_legacy(a.dtype)}")
    d = normalize_dim(dim, a.ndim)
    dims = tuple(i for i in builtins.range(a.ndim) if i != d)
    norm = _renorm_norm(a, p, dims)
    with np.errstate(all="ignore"):
        factor = np.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1.0).astype(norm.dtype)
    r = (_compute(a) * factor).astype(a.dtype, copy=False)
    result = wrap(r, input._device)
    if out is not None:
        return _out(result, out, "renorm", (input,))
    if requires_grad(input):
        node = record(RenormBackward0, (input,), (result,))
        node.dims, node.p, node.maxnorm = dims, p, maxnorm
        node.save(input)
    return result


__all__ += ["logcumsumexp", "quantile", "nanquantile", "bincount", "histc", "histogram",
            "histogramdd", "diff",
            "gradient", "trapezoid", "trapz", "cumulative_trapezoid", "cov", "corrcoef", "renorm"]
METHODS += ["logcumsumexp", "quantile", "nanquantile", "bincount", "histc", "histogram", "diff",
            "cov", "corrcoef", "renorm"]
INPLACE += ["renorm"]


class DistBackward0(Node):
    def backward(self, grad):
        x, y, result = self.saved_tensors
        g = pnorm_backward(grad, x - y, result, self.p)
        nf = self.next_functions
        return (g if nf[0][0] is not None else None, -g if nf[1][0] is not None else None)


def dist(input, other, p=2):
    """``||input - other||_p`` over all elements (broadcast)."""
    from .pointwise import _broadcast_check
    rt = _dtype.result_type(input, other)
    if not (rt.is_floating_point or rt.is_complex):
        raise RuntimeError(f"norm(): input dtype should be either floating point or complex. "
                           f"Got {rt._legacy} instead.")
    a, b = input._data.astype(rt.np, copy=False), other._data.astype(rt.np, copy=False)
    _broadcast_check(a, b)
    from .linalg import _vector_norm_arr
    r = np.asarray(_vector_norm_arr(a - b, p, None, False)).astype(_real_np(rt.np))
    result = wrap(r, input._device)
    if requires_grad(input, other):
        node = record(DistBackward0, (input, other), (result,))
        node.p = p
        node.save(input.to(rt), other.to(rt), result)
    return result


def _real_np(npd):
    return np.dtype(f"f{npd.itemsize // 2}") if npd.kind == "c" else npd


__all__ += ["dist"]
METHODS += ["dist"]

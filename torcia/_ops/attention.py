"""Attention: ``scaled_dot_product_attention`` and multi-head attention's functional form.

``torch.nn.functional`` re-exports ``scaled_dot_product_attention``,
``multi_head_attention_forward`` and the mask helpers that nn.MultiheadAttention and the
Transformer layers share (``_canonical_mask``, ``_none_or_dtype``).
"""

import functools
import math
import numbers
import warnings

import numpy as np

from .. import _dtype
from .._device import CPU
from .._tensor import Tensor
from ._core import Node, grad_enabled, record, requires_grad, wrap
from .creation import ones, zeros, zeros_like
from .dropout import _dropout_impl, dropout
from .linalg import _CNAME, baddbmm, bmm, matmul
from .reduction import _HALF, _compute

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]

# Note [SDPA paths]
# PyTorch 2.13 runs scaled_dot_product_attention on the CPU one of two ways, and we follow
# its choice (``_use_fused`` is its gate, use_flash_attention_cpp in sdp_utils_cpp):
#   * the fused kernel: 4-D inputs, no dropout, one batch size, one head count (or
#     enable_gqa groups), one head dim, non-empty sequences, unit last strides and a 2-D or
#     4-D mask that needs no gradient. One node, ScaledDotProductFlashAttentionForCpuBackward0.
#     Here it is a NumPy kernel: two batched GEMMs around a softmax done in place on the
#     score buffer (row sums as a GEMV, which NumPy's last-axis reductions are not), the
#     output laid out as the query (PyTorch's empty_like(query)). Backward uses the saved
#     probabilities P: dV = P^T dO, dS = P * (dO V^T - D) with FlashAttention's row term
#     D = rowsum(dO * O), dQ = scale dS K, dK = scale dS^T Q. A fused call that is given both
#     a mask and is_causal applies both (PyTorch's fused kernel does; its math path refuses).
#   * otherwise the math composition (_scaled_dot_product_attention_math) written with the
#     same Tensor ops, so graphs carry PyTorch's nodes (MulBackward1, UnsafeViewBackward0,
#     BmmBackward0, SafeSoftmaxBackward0, MulBackward0 for dropout, ToCopyBackward0 around
#     float16/bfloat16, which it computes in float32).
# Rows that attend to nothing (every key masked out) give zeros, on both paths.
# Dropout is at::dropout's (_ops/dropout.py), so a seeded run drops PyTorch's elements.
# PyTorch's fused node has no double backward; ours has one (under create_graph it
# recomputes the probabilities with Tensor ops).

_NEG_INF = float("-inf")


def _cname(t):
    return _CNAME[t._data.dtype.name]


# -- argument checks -----------------------------------------------------------------------
def _check_args(query, key, value, attn_mask, dropout_p, is_causal, scale):
    for i, (name, t) in enumerate((("query", query), ("key", key), ("value", value))):
        if not isinstance(t, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): argument '{name}' (position "
                            f"{i + 1}) must be Tensor, not {type(t).__name__}")
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise TypeError("scaled_dot_product_attention(): argument 'attn_mask' (position 4) "
                        f"must be Tensor, not {type(attn_mask).__name__}")
    if not isinstance(dropout_p, numbers.Real) or isinstance(dropout_p, bool):
        raise TypeError("scaled_dot_product_attention(): argument 'dropout_p' must be float, "
                        f"not {type(dropout_p).__name__}")
    if not isinstance(is_causal, (bool, np.bool_)):
        raise TypeError("scaled_dot_product_attention(): argument 'is_causal' must be bool, "
                        f"not {type(is_causal).__name__}")
    if scale is not None and (not isinstance(scale, numbers.Real) or isinstance(scale, bool)):
        raise TypeError("scaled_dot_product_attention(): argument 'scale' must be float, not "
                        f"{type(scale).__name__}")
    qd, kd, vd = query._data, key._data, value._data
    if not qd.dtype == kd.dtype == vd.dtype:
        raise RuntimeError(
            "Expected query, key, and value to have the same dtype, but got query.dtype: "
            f"{_cname(query)} key.dtype: {_cname(key)} and value.dtype: {_cname(value)} "
            "instead.")
    if not query._device == key._device == value._device:
        raise RuntimeError(
            "Expected query, key, and value to have the same device type, but got query.device:"
            f" {query._device} key.device: {key._device} and value.device: {value._device} "
            "instead.")
    if qd.ndim < 2 or kd.ndim < 2 or vd.ndim < 2:
        raise RuntimeError(
            "Expected query, key, and value to all be  at least 2 dimensional, but got "
            f"query.dim: {qd.ndim} key.dim: {kd.ndim} and value.dim: {vd.ndim} instead.")
    if attn_mask is not None:
        md = attn_mask._data.dtype
        if md != np.bool_ and md != np.float32 and md != qd.dtype:
            raise RuntimeError(
                "Expected attn_mask dtype to be bool or float or to match query dtype, but got "
                f"attn_mask.dtype: {_cname(attn_mask)} and  query.dtype: {_cname(query)} "
                "instead.")


def _size(t, dim):
    """``t.size(dim)`` with PyTorch's IndexError for a dim out of range."""
    n = t._data.ndim
    if n == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return t._data.shape[dim]


def _use_fused(query, key, value, attn_mask, dropout_p, enable_gqa):
    """PyTorch's gate for its fused CPU kernel (Note [SDPA paths]). The kernel is NumPy's:
    other devices take the math composition."""
    q, k, v = query._data, key._data, value._data
    if query._device is not CPU:
        return False
    if dropout_p > 0 or not q.ndim == k.ndim == v.ndim == 4:
        return False
    if not q.shape[0] == k.shape[0] == v.shape[0]:
        return False
    hq, hk, hv = q.shape[1], k.shape[1], v.shape[1]
    if enable_gqa:
        if hk != hv or not hk or hq % hk:
            return False
    elif not hq == hk == hv:
        return False
    if attn_mask is not None:
        if attn_mask.requires_grad:
            return False
        lm, sm = _size(attn_mask, -2), _size(attn_mask, -1)
        if lm not in (q.shape[2], 1) or sm not in (k.shape[2], 1):
            return False
        m = attn_mask._data
        if m.ndim == 4:
            if m.shape[0] not in (1, q.shape[0]) or m.shape[1] not in (1, hq):
                return False
        elif m.ndim != 2:
            return False
    if not q.shape[3] == k.shape[3] == v.shape[3]:
        return False
    if q.shape[2] == 0 or k.shape[2] == 0:
        return False
    if q.strides[3] != q.itemsize or k.strides[3] != k.itemsize or v.strides[3] != v.itemsize:
        return False
    return q.dtype.kind == "f" or q.dtype == _dtype.bfloat16.np


# -- the fused kernel ------------------------------------------------------------------------
@functools.lru_cache(maxsize=64)
def _above_diagonal(n, m):
    """(n, m) bool, True above the main diagonal: what a top-left causal mask removes."""
    upper = np.triu(np.ones((n, m), dtype=bool), 1)
    upper.flags.writeable = False
    return upper


@functools.lru_cache(maxsize=64)
def _causal_bias(n, m, np_dtype):
    """The top-left causal mask as an additive (n, m) array: 0, or -inf above the diagonal."""
    bias = np.where(_above_diagonal(n, m), _NEG_INF, 0).astype(np_dtype)
    bias.flags.writeable = False
    return bias


@functools.lru_cache(maxsize=64)
def _ones(n, np_dtype):
    ones_ = np.ones(n, dtype=np_dtype)
    ones_.flags.writeable = False
    return ones_


def _row_sums(a):
    """Sums over the last axis of a C-contiguous array, as one GEMV (keepdims)."""
    n = a.shape[-1]
    return (a.reshape(-1, n) @ _ones(n, a.dtype)).reshape(a.shape[:-1] + (1,))


def _max_row_norm(a):
    """The largest Euclidean norm of ``a``'s last-axis rows (NaN if any value is NaN)."""
    return math.sqrt(float(np.vecdot(a, a).max())) if a.size else 0.0


# Note [Softmax without the max]
# Softmax is shift-invariant; the usual shift by the row max costs two passes over the
# scores, and NumPy's last-axis max is its slowest reduction (about 1 ns an element). Scores
# are bounded by Cauchy-Schwarz: |q_i . k_j| <= max|q_i| max|k_j|. When that bound is below
# 60, exp cannot overflow (e^60 * S is far from float32's 3e38) nor underflow a whole row,
# so no shift is needed; the probabilities are the same to rounding. Bool and causal masks
# only add -inf (exp gives 0); an additive float mask may hold anything, so it keeps the max.
_NO_SHIFT_BOUND = 60.0


def _softmax_rows_(s, masked, shift):
    """Softmax over the last axis of the C-contiguous ``s``, in place; rows that are all -inf
    (possible only when ``masked``) become zeros."""
    if shift:
        m = s.max(axis=-1, keepdims=True)
        if masked:
            m[np.isneginf(m)] = 0
        np.subtract(s, m, out=s)
    np.exp(s, out=s)
    z = _row_sums(s)
    if masked:
        z[z == 0] = 1
    np.divide(s, z, out=s)
    return s


def _mask_scores_(s, attn_mask, is_causal):
    """Add the causal mask and a bool (False: -inf) or additive mask to scores ``s`` in place;
    returns whether a row may now be all -inf."""
    if is_causal:
        np.add(s, _causal_bias(*s.shape[-2:], s.dtype), out=s)
    if attn_mask is None:
        return False
    m = attn_mask._data
    if m.dtype == np.bool_:
        m = np.where(m, 0, _NEG_INF).astype(s.dtype)
    np.add(s, m, out=s, casting="unsafe")
    return True


def _repeat_heads(a, group):
    return a if group == 1 else np.repeat(a, group, axis=1)


def _sum_groups(a, group):
    if group == 1:
        return a
    b, h, n, e = a.shape
    return a.reshape(b, h // group, group, n, e).sum(axis=2)


class ScaledDotProductFlashAttentionForCpuBackward0(Node):
    """Backward of the fused attention kernel (Note [SDPA paths])."""

    def backward(self, grad):
        query, key, value, out, probs = self.saved_tensors
        if grad_enabled.enabled:  # create_graph: a differentiable recomputation
            return _fused_backward_graph(self, grad, query, key, value)
        need = self.needs_input_grad
        p = probs._data
        ct = p.dtype
        g = grad._data.astype(ct, copy=False)
        group, scale = self.group, self.scale
        dq = dk = dv = None
        if need[2]:
            dv = _sum_groups(np.matmul(p.swapaxes(-1, -2), g), group)
        if need[0] or need[1]:
            o = out._data.astype(ct, copy=False)
            ds = np.matmul(g, _repeat_heads(value._data.astype(ct, copy=False), group)
                           .swapaxes(-1, -2))
            np.subtract(ds, np.vecdot(g, o)[..., None], out=ds)
            np.multiply(ds, p, out=ds)
            if need[0]:
                dq = np.matmul(ds, _repeat_heads(key._data.astype(ct, copy=False), group))
                dq *= scale
            if need[1]:
                dk = np.matmul(ds.swapaxes(-1, -2), query._data.astype(ct, copy=False))
                dk *= scale
                dk = _sum_groups(dk, group)
        dev = grad._device
        return tuple(None if a is None else wrap(a.astype(t._data.dtype, copy=False), dev)
                     for a, t in ((dq, query), (dk, key), (dv, value)))


def _fused_backward_graph(node, grad, query, key, value):
    """The fused kernel's gradients in Tensor ops (recorded under create_graph)."""
    ct = node.compute_dtype
    q, k, v, g = (t.to(ct) for t in (query, key, value, grad))
    group = node.group
    if group > 1:
        k, v = _repeat_interleave_heads(k, group), _repeat_interleave_heads(v, group)
    s = matmul(q * node.scale, k.transpose(-2, -1))
    if node.is_causal:
        n, m = s.shape[-2:]
        s = s.masked_fill(wrap(_above_diagonal(n, m), s._device), _NEG_INF)
    mask = node.mask
    if mask is not None:
        s = s.masked_fill(mask.logical_not(), _NEG_INF) if mask.dtype == _dtype.bool \
            else s + mask.to(ct)
    p = _safe_softmax(s, -1)
    need = node.needs_input_grad
    dv = matmul(p.transpose(-2, -1), g) if need[2] else None
    dq = dk = None
    if need[0] or need[1]:
        dp = matmul(g, v.transpose(-2, -1))
        ds = p * (dp - (dp * p).sum(-1, keepdim=True))
        if need[0]:
            dq = matmul(ds, k) * node.scale
        if need[1]:
            dk = matmul(ds.transpose(-2, -1), q) * node.scale
    if group > 1:
        dk = None if dk is None else dk.unflatten(1, (-1, group)).sum(2)
        dv = None if dv is None else dv.unflatten(1, (-1, group)).sum(2)
    return tuple(None if d is None else d.to(t.dtype)
                 for d, t in ((dq, query), (dk, key), (dv, value)))


def _sdpa_fused(query, key, value, attn_mask, dropout_p, is_causal, scale):
    if dropout_p != 0:
        raise RuntimeError("scaled_dot_product_attention_flash_attention: Currently do not "
                           "support dropout > 0")
    qa = query._data
    q, k, v = _compute(qa), _compute(key._data), _compute(value._data)
    group = q.shape[1] // k.shape[1]
    k, v = _repeat_heads(k, group), _repeat_heads(v, group)
    sc = 1.0 / math.sqrt(q.shape[-1]) if scale is None else float(scale)
    qs = q * q.dtype.type(sc)
    s = np.matmul(qs, k.swapaxes(-1, -2))
    masked = _mask_scores_(s, attn_mask, is_causal)
    shift = (attn_mask is not None and attn_mask._data.dtype != np.bool_) or not (
        _max_row_norm(qs) * _max_row_norm(k) < _NO_SHIFT_BOUND)  # Note [Softmax without the max]
    p = _softmax_rows_(s, masked, shift)
    o = np.empty_like(qa)  # PyTorch's output layout: the query's (order "K")
    if o.dtype == p.dtype:
        np.matmul(p, v, out=o)
    else:
        o[...] = np.matmul(p, v)
    result = wrap(o, query._device)
    if requires_grad(query, key, value):
        node = record(ScaledDotProductFlashAttentionForCpuBackward0, (query, key, value),
                      (result,))
        node.save(query, key, value, result, wrap(p, query._device))
        node.scale, node.group, node.is_causal = sc, group, bool(is_causal)
        node.mask = attn_mask
        node.compute_dtype = _dtype.from_np[p.dtype]
    return result


# -- the math composition --------------------------------------------------------------------
class MulBackward1(Node):
    """``tensor * scalar`` recorded by a C++ composite (PyTorch's Scalar overload)."""

    def backward(self, grad):
        return grad * self.other


def _mul_scalar(t, s):
    result = t.detach() * s
    if requires_grad(t):
        record(MulBackward1, (t,), (result,)).other = s
    return result


class SafeSoftmaxBackward0(Node):
    def backward(self, grad):
        (y,) = self.saved_tensors
        return y * (grad - (grad * y).sum(self.dim, keepdim=True))


def _safe_softmax(input, dim):
    """PyTorch's ``_safe_softmax``: softmax, with zeros for rows that are all -inf."""
    a = input._data
    if a.dtype.kind != "f" and a.dtype != _dtype.bfloat16.np:
        raise NotImplementedError('"softmax_lastdim_kernel_impl" not implemented for '
                                  f"'{_dtype.from_np[a.dtype]._legacy}'")
    c = _compute(a)
    m = c.max(axis=dim, keepdims=True) if c.size else np.zeros(c.shape[:-1] + (1,), c.dtype)
    m = np.where(np.isneginf(m), 0, m)
    e = np.exp(c - m)
    z = e.sum(axis=dim, keepdims=True)
    r = e / np.where(z == 0, 1, z)
    result = wrap(r.astype(a.dtype, copy=False), input._device)
    if requires_grad(input):
        node = record(SafeSoftmaxBackward0, (input,), (result,))
        node.dim = dim % a.ndim
        node.save(result)
    return result


def _convert_bool_mask(mask, dtype):
    """A bool mask (True: attend) as an additive one (0 or -inf); others pass through."""
    if mask is None or mask.dtype != _dtype.bool:
        return mask
    return zeros_like(mask, dtype=dtype).masked_fill_(mask.logical_not(), _NEG_INF)


def _repeat_interleave_heads(t, n):
    """``t.repeat_interleave(n, -3)`` as PyTorch decomposes it (unsqueeze, expand, clone,
    view)."""
    shape = tuple(t.shape)
    e = t.unsqueeze(-3).expand(*shape[:-2], n, *shape[-2:])
    return e.clone().view(*shape[:-3], shape[-3] * n, *shape[-2:])


def _gqa(query, key, value, enable_gqa):
    if not enable_gqa:
        return key, value
    hq, hk, hv = query.shape[-3], key.shape[-3], value.shape[-3]
    if hq % hk or hq % hv:
        raise RuntimeError("Number of heads in key and value must divide the number of heads "
                           "in ")
    if hq == hk == hv:
        return key, value
    return _repeat_interleave_heads(key, hq // hk), _repeat_interleave_heads(value, hq // hv)


def _sdpa_math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa):
    """(output, attention weights) by PyTorch's math composition (Note [SDPA paths])."""
    origin = query.dtype
    low = query._data.dtype in _HALF
    if low:
        query, key, value = query.float(), key.float(), value.float()
    negative = scale is not None and scale < 0
    factor = math.sqrt(abs(scale) if scale is not None else 1.0 / math.sqrt(query.shape[-1]))
    q = _mul_scalar(query, 0.0 - factor if negative else factor)
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not "
                               "be set when is_causal=True")
        n, m = query.shape[-2], key.shape[-2]
        attn_mask = _convert_bool_mask(ones(n, m, dtype=_dtype.bool).tril(), q.dtype)
    key, value = _gqa(query, key, value, enable_gqa)
    attn = matmul(q, _mul_scalar(key.transpose(-2, -1), factor))
    if attn_mask is not None:
        attn.add_(attn_mask)
    attn = _safe_softmax(attn, -1)
    if dropout_p > 0:  # at::dropout: the same draws and node as PyTorch's
        attn = _dropout_impl(attn, dropout_p, True, False, False, False)
    out = matmul(attn, value)
    if low:
        return out.to(origin), attn.to(origin)
    return out, attn


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, *, scale=None, enable_gqa=False):
    r"""``softmax(query @ key^T * scale + mask) @ value``, with optional dropout.

    Args:
        query: :math:`(N, ..., H_q, L, E)`; key: :math:`(N, ..., H, S, E)`;
            value: :math:`(N, ..., H, S, E_v)`.
        attn_mask: broadcastable to :math:`(N, ..., L, S)`; bool (True: take part in
            attention) or float (added to the scores).
        dropout_p: dropout probability on the attention weights.
        is_causal: attend only to keys at or before each query's position (top-left).
        scale: the score factor; default :math:`1/\sqrt{E}`.
        enable_gqa: let key/value have fewer heads than query (grouped-query attention).

    Shape:
        Output: :math:`(N, ..., H_q, L, E_v)`.

    Example: ``F.scaled_dot_product_attention(q, k, v, is_causal=True)``.
    """
    _check_args(query, key, value, attn_mask, dropout_p, is_causal, scale)
    if _use_fused(query, key, value, attn_mask, dropout_p, enable_gqa):
        return _sdpa_fused(query, key, value, attn_mask, dropout_p, is_causal, scale)
    attn_mask = _convert_bool_mask(attn_mask, query.dtype)
    return _sdpa_math(query, key, value, attn_mask, dropout_p, is_causal, scale, enable_gqa)[0]


# -- multi-head attention ----------------------------------------------------------------------
def _none_or_dtype(input):
    if input is None:
        return None
    if isinstance(input, Tensor):
        return input.dtype
    raise RuntimeError("input to _none_or_dtype() must be None or torch.Tensor")


def _canonical_mask(mask, mask_name, other_type, other_name, target_type, check_other=True):
    """A bool mask (True: masked out) as an additive float mask of ``target_type``; a float
    mask as it is. Warns, as PyTorch does, when it and the other mask differ in dtype."""
    if mask is None:
        return None
    is_float = mask.is_floating_point()
    if mask.dtype != _dtype.bool and not is_float:
        raise AssertionError(f"only bool and floating types of {mask_name} are supported")
    if check_other and other_type is not None and mask.dtype != other_type:
        warnings.warn(f"Support for mismatched {mask_name} and {other_name} is deprecated. Use "
                      "same type for both instead.", stacklevel=3)
    if not is_float:
        mask = zeros_like(mask, dtype=target_type).masked_fill_(mask, _NEG_INF)
    return mask


def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """Whether the input is batched; AssertionError (PyTorch's words) for bad ranks."""
    qd, kd, vd = query.dim(), key.dim(), value.dim()
    if qd == 3:
        if kd != 3 or vd != 3:
            raise AssertionError("For batched (3-D) `query`, expected `key` and `value` to be "
                                 f"3-D but found {kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 2:
            raise AssertionError("For batched (3-D) `query`, expected `key_padding_mask` to be "
                                 f"`None` or 2-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None and attn_mask.dim() not in (2, 3):
            raise AssertionError("For batched (3-D) `query`, expected `attn_mask` to be `None`, "
                                 f"2-D or 3-D but found {attn_mask.dim()}-D tensor instead")
        return True
    if qd == 2:
        if kd != 2 or vd != 2:
            raise AssertionError("For unbatched (2-D) `query`, expected `key` and `value` to be "
                                 f"2-D but found {kd}-D and {vd}-D tensors respectively")
        if key_padding_mask is not None and key_padding_mask.dim() != 1:
            raise AssertionError("For unbatched (2-D) `query`, expected `key_padding_mask` to "
                                 f"be `None` or 1-D but found {key_padding_mask.dim()}-D tensor "
                                 "instead")
        if attn_mask is not None:
            if attn_mask.dim() not in (2, 3):
                raise AssertionError("For unbatched (2-D) `query`, expected `attn_mask` to be "
                                     f"`None`, 2-D or 3-D but found {attn_mask.dim()}-D tensor "
                                     "instead")
            if attn_mask.dim() == 3:
                expected = (num_heads, query.shape[0], key.shape[0])
                if attn_mask.shape != expected:
                    raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got "
                                         f"{attn_mask.shape}")
        return False
    raise AssertionError("query should be unbatched 2D or batched 3D tensor but received "
                         f"{qd}-D query tensor")


def _in_projection_packed(q, k, v, w, b=None):
    """q, k, v projected by the packed (3E, E) weight, sharing the GEMM for self-attention
    (and for key/value in encoder-decoder attention) as PyTorch does."""
    from ..nn.functional import linear
    E = q.size(-1)
    if k is v:
        if q is k:
            proj = linear(q, w, b)
            proj = proj.unflatten(-1, (3, E)).unsqueeze(0).transpose(0, -2).squeeze(-2)
            proj = proj.contiguous()
            return proj[0], proj[1], proj[2]
        w_q, w_kv = w.split([E, E * 2])
        b_q, b_kv = (None, None) if b is None else b.split([E, E * 2])
        q_proj = linear(q, w_q, b_q)
        kv_proj = linear(k, w_kv, b_kv)
        kv_proj = kv_proj.unflatten(-1, (2, E)).unsqueeze(0).transpose(0, -2).squeeze(-2)
        kv_proj = kv_proj.contiguous()
        return q_proj, kv_proj[0], kv_proj[1]
    w_q, w_k, w_v = w.chunk(3)
    b_q, b_k, b_v = (None, None, None) if b is None else b.chunk(3)
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _in_projection(q, k, v, w_q, w_k, w_v, b_q=None, b_k=None, b_v=None):
    """q, k, v projected by separate weights (kdim/vdim differ from embed_dim)."""
    from ..nn.functional import linear
    Eq, Ek, Ev = q.size(-1), k.size(-1), v.size(-1)
    for what, w, shape in (("query weights", w_q, (Eq, Eq)), ("key weights", w_k, (Eq, Ek)),
                           ("value weights", w_v, (Eq, Ev)), ("query bias", b_q, (Eq,)),
                           ("key bias", b_k, (Eq,)), ("value bias", b_v, (Eq,))):
        if w is not None and w.shape != shape:
            raise AssertionError(f"expecting {what} shape of {shape}, but got {w.shape}")
    return linear(q, w_q, b_q), linear(k, w_k, b_k), linear(v, w_v, b_v)


def _pad_last(t):
    """``F.pad(t, (0, 1))``: one zero column appended on the last dim."""
    from .shape import cat
    return cat([t, zeros(*t.shape[:-1], 1, dtype=t.dtype, device=t.device)], -1)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    r"""The forward pass of :class:`torch.nn.MultiheadAttention` (see it for the arguments).

    Shape:
        - query: :math:`(L, E)` or :math:`(L, N, E)`; key, value: :math:`(S, E_k)` or
          :math:`(S, N, E_k)`; key_padding_mask: :math:`(S)` or :math:`(N, S)`;
          attn_mask: :math:`(L, S)` or :math:`(N \cdot H, L, S)`.
        - Output: :math:`(L, E)` or :math:`(L, N, E)`, and with ``need_weights`` the weights,
          :math:`(N, L, S)` averaged over heads or :math:`(N, H, L, S)`.
    """
    from ..nn.functional import linear
    from .shape import cat
    is_batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not is_batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    src_len = key.shape[0]
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask",
                                       _none_or_dtype(attn_mask), "attn_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # scaled_dot_product_attention's is_causal replaces it
    else:
        attn_mask = _canonical_mask(attn_mask, "attn_mask", None, "", query.dtype,
                                    check_other=False)
        if key_padding_mask is not None:
            is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but "
                             f"got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if key.shape[:2] != value.shape[:2]:
            raise AssertionError(f"key's sequence and batch dims {key.shape[:2]} do not match "
                                 f"value's {value.shape[:2]}")
    elif key.shape != value.shape:
        raise AssertionError(f"key shape {key.shape} does not match value shape {value.shape}")

    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise AssertionError("use_separate_proj_weight is False but in_proj_weight is None")
        q, k, v = _in_projection_packed(query, key, value, in_proj_weight, in_proj_bias)
    else:
        for name, w in (("q", q_proj_weight), ("k", k_proj_weight), ("v", v_proj_weight)):
            if w is None:
                raise AssertionError(f"use_separate_proj_weight is True but {name}_proj_weight "
                                     "is None")
        b_q, b_k, b_v = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        q, k, v = _in_projection(query, key, value, q_proj_weight, k_proj_weight,
                                 v_proj_weight, b_q, b_k, b_v)

    if attn_mask is not None:
        if attn_mask.dim() == 2:
            if tuple(attn_mask.shape) != (tgt_len, src_len):
                raise RuntimeError(f"The shape of the 2D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(tgt_len, src_len)}.")
            attn_mask = attn_mask.unsqueeze(0)
        elif attn_mask.dim() == 3:
            if tuple(attn_mask.shape) != (bsz * num_heads, tgt_len, src_len):
                raise RuntimeError(f"The shape of the 3D attn_mask is {attn_mask.shape}, but "
                                   f"should be {(bsz * num_heads, tgt_len, src_len)}.")
        else:
            raise RuntimeError(f"attn_mask's dimension {attn_mask.dim()} is not supported")

    if bias_k is not None and bias_v is not None:
        if static_k is not None:
            raise AssertionError("bias cannot be added to static key.")
        if static_v is not None:
            raise AssertionError("bias cannot be added to static value.")
        k = cat([k, bias_k.repeat(1, bsz, 1)])
        v = cat([v, bias_v.repeat(1, bsz, 1)])
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)
    elif bias_k is not None:
        raise AssertionError("bias_k is set but bias_v is None")
    elif bias_v is not None:
        raise AssertionError("bias_v is set but bias_k is None")

    q = q.view(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    k = _heads(k, static_k, bsz, num_heads, head_dim, "static_k")
    v = _heads(v, static_v, bsz, num_heads, head_dim, "static_v")

    if add_zero_attn:
        zero_attn_shape = (bsz * num_heads, 1, head_dim)
        k = cat([k, zeros(zero_attn_shape, dtype=k.dtype, device=k.device)], dim=1)
        v = cat([v, zeros(zero_attn_shape, dtype=v.dtype, device=v.device)], dim=1)
        if attn_mask is not None:
            attn_mask = _pad_last(attn_mask)
        if key_padding_mask is not None:
            key_padding_mask = _pad_last(key_padding_mask)

    src_len = k.size(1)
    if key_padding_mask is not None:
        if key_padding_mask.shape[0] != bsz:
            raise AssertionError(f"Expected key_padded_mask.shape[0] to be {bsz}, but got "
                                 f"{key_padding_mask.shape[0]}")
        if key_padding_mask.shape[1] != src_len:
            raise AssertionError(f"Expected key_padded_mask.shape[1] to be {src_len}, but got "
                                 f"{key_padding_mask.shape[1]}")
        key_padding_mask = key_padding_mask.view(bsz, 1, 1, src_len).expand(
            -1, num_heads, -1, -1).reshape(bsz * num_heads, 1, src_len)
        attn_mask = key_padding_mask if attn_mask is None else attn_mask + key_padding_mask

    if not training:
        dropout_p = 0.0

    if need_weights:
        _, _, E = q.shape
        q_scaled = q * math.sqrt(1.0 / float(E))
        if is_causal and attn_mask is None:
            raise AssertionError("FIXME: is_causal not implemented for need_weights")
        if attn_mask is not None:
            weights = baddbmm(attn_mask, q_scaled, k.transpose(-2, -1))
        else:
            weights = bmm(q_scaled, k.transpose(-2, -1))
        weights = weights.softmax(dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        attn_output = bmm(weights, v)
        attn_output = attn_output.transpose(0, 1).reshape(tgt_len * bsz, embed_dim)
        attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
        attn_output = attn_output.view(tgt_len, bsz, attn_output.size(1))
        weights = weights.view(bsz, num_heads, tgt_len, src_len)
        if average_attn_weights:
            weights = weights.mean(dim=1)
        if not is_batched:
            attn_output, weights = attn_output.squeeze(1), weights.squeeze(0)
        return attn_output, weights

    if attn_mask is not None:
        if attn_mask.size(0) == 1 and attn_mask.dim() == 3:
            attn_mask = attn_mask.unsqueeze(0)
        else:
            attn_mask = attn_mask.view(bsz, num_heads, -1, src_len)
    q = q.view(bsz, num_heads, tgt_len, head_dim)
    k = k.view(bsz, num_heads, src_len, head_dim)
    v = v.view(bsz, num_heads, src_len, head_dim)
    attn_output = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, is_causal)
    attn_output = attn_output.permute(2, 0, 1, 3).reshape(bsz * tgt_len, embed_dim)
    attn_output = linear(attn_output, out_proj_weight, out_proj_bias)
    attn_output = attn_output.view(tgt_len, bsz, attn_output.size(1))
    if not is_batched:
        attn_output = attn_output.squeeze(1)
    return attn_output, None


def _heads(t, static, bsz, num_heads, head_dim, name):
    """(S, N, E) -> (N * H, S, head_dim), or the given static key/value after checks."""
    if static is None:
        return t.view(t.shape[0], bsz * num_heads, head_dim).transpose(0, 1)
    if static.size(0) != bsz * num_heads:
        raise AssertionError(f"expecting {name}.size(0) of {bsz * num_heads}, but got "
                             f"{static.size(0)}")
    if static.size(2) != head_dim:
        raise AssertionError(f"expecting {name}.size(2) of {head_dim}, but got {static.size(2)}")
    return static

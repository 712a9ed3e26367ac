"""The CPU backend: NumPy arrays."""

import itertools as _itertools

import numpy as _np
import numpy as xp

__all__ = ["xp", "to_numpy", "from_numpy"]


def to_numpy(arr):
    return arr


def from_numpy(arr):
    return arr


# == convolution and pooling kernels ==========================================================
# Note [Convolution as one GEMM]
# A convolution is computed as one matrix product per group on a "columns" matrix (im2col).
# The columns are laid out (C, *kernel, N, *out): row (c, offset), column (n, position), so
# that x (N, C, *S) transposed to (C, N, *S) and padded once gives every kernel offset as one
# strided slice, copied whole (prod(kernel) slice copies, no per-pixel loops). Then
#     y (O, N*L) = W (O, C*K) @ cols (C*K, N*L)          one BLAS call,
# and y is transposed to (N, O, *out) while the bias is added. The gradients reuse the
# layout: grad_output transposed to g (O, N*L) gives grad_weight = g @ cols.T (again one
# call), and grad_input = col2im(W.T @ g): the columns are added back onto the padded input,
# one strided add per kernel offset. A transposed convolution is the same two kernels in
# the other order (its forward is col2im(W.T @ x), its input gradient an im2col and GEMM).
# Measured on a 64x32x14x14 input with a 3x3 kernel, this single-GEMM layout was 4x faster
# than per-sample GEMMs on an (N, C*K, L) layout, and a per-pixel-row layout (N*L, C*K)
# made im2col 4x slower.



def conv_out_size(size, k, stride, padding, dilation):
    """Output length of a convolution along one dim."""
    return (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def _window(offset, dilation, stride, count):
    """The slice of a padded dim read by kernel ``offset`` for ``count`` output positions."""
    start = offset * dilation
    return slice(start, start + stride * (count - 1) + 1, stride)


def _offsets(ksize):
    return _itertools.product(*[range(k) for k in ksize])


def _pad_channels_first(x, padding, fill=0):
    """x (N, C, *S) as a (C, N, *S+2p) array: a view when there is no padding."""
    xt = _np.moveaxis(x, 1, 0)
    if not any(padding):
        return xt
    shape = xt.shape[:2] + tuple(s + 2 * p for s, p in zip(xt.shape[2:], padding))
    xp_ = _np.zeros(shape, x.dtype) if fill == 0 else _np.full(shape, fill, x.dtype)
    xp_[(slice(None), slice(None)) + tuple(slice(p, p + s) for s, p in
                                           zip(xt.shape[2:], padding))] = xt
    return xp_


def im2col(x, ksize, stride, padding, dilation):
    """Columns of a convolution of x (N, C, *S): a (C*K, N*L) array (Note [Convolution as one
    GEMM]) and the output size."""
    n, c = x.shape[:2]
    out = tuple(conv_out_size(s, k, st, p, d) for s, k, st, p, d in
                zip(x.shape[2:], ksize, stride, padding, dilation))
    xp_ = _pad_channels_first(x, padding)
    cols = _np.empty((c,) + tuple(ksize) + (n,) + out, x.dtype)
    lead = (slice(None), slice(None))
    for off in _offsets(ksize):
        src = xp_[lead + tuple(_window(o, d, s, m) for o, d, s, m in
                               zip(off, dilation, stride, out))]
        cols[(slice(None),) + off] = src
    return cols.reshape(c * _prod(ksize), n * _prod(out)), out


def col2im(cols, n, c, size, ksize, stride, padding, dilation, out):
    """The adjoint of im2col: add columns (C*K, N*L) back onto an (N, C, *size) array."""
    cv = cols.reshape((c,) + tuple(ksize) + (n,) + tuple(out))
    shape = (c, n) + tuple(s + 2 * p for s, p in zip(size, padding))
    acc = _np.zeros(shape, cols.dtype)
    lead = (slice(None), slice(None))
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, ksize))
    for off in _offsets(ksize):
        dst = acc[lead + tuple(_window(o, d, s, m) for o, d, s, m in
                               zip(off, dilation, stride, out))]
        if disjoint:  # every padded position is written by at most one offset
            dst[...] = cv[(slice(None),) + off]
        else:
            dst += cv[(slice(None),) + off]
    inner = acc[lead + tuple(slice(p, p + s) for s, p in zip(size, padding))]
    return _np.ascontiguousarray(_np.moveaxis(inner, 0, 1))


def _prod(shape):
    r = 1
    for s in shape:
        r *= s
    return r


def to_rows(g):
    """(N, O, *L) -> a contiguous (O, N*L) array (grad_output in the columns' order)."""
    n, o = g.shape[:2]
    r = _np.empty((o, n) + g.shape[2:], g.dtype)
    _np.copyto(r, _np.moveaxis(g, 1, 0))
    return r.reshape(o, n * _prod(g.shape[2:]))


def from_rows(y, n, out, bias=None):
    """(O, N*L) -> a contiguous (N, O, *out) array, adding ``bias`` (O,) on the way."""
    o = y.shape[0]
    res = _np.empty((n, o) + tuple(out), y.dtype)
    m = _prod(out)
    src = y.reshape(o, n, m).transpose(1, 0, 2)
    dst = res.reshape(n, o, m)
    if bias is None:
        _np.copyto(dst, src)
    else:
        _np.add(src, bias.astype(y.dtype, copy=False)[:, None], out=dst)
    return res


def _gemm(a, b, groups, trans_a=False, trans_b=False):
    """Per group g: op(a_g) @ op(b_g), a and b split into ``groups`` blocks of rows."""
    if groups == 1:
        return (a.T if trans_a else a) @ (b.T if trans_b else b)
    ag = a.reshape(groups, a.shape[0] // groups, a.shape[1])
    bg = b.reshape(groups, b.shape[0] // groups, b.shape[1])
    r = _np.matmul(ag.transpose(0, 2, 1) if trans_a else ag,
                   bg.transpose(0, 2, 1) if trans_b else bg)
    return r.reshape(-1, r.shape[-1])


def conv_input_grad(g, w, x_shape, stride, padding, dilation, groups, out):
    """Gradient of conv w.r.t. its input from g = to_rows(grad_output): col2im(W.T @ g).
    Also the forward of a transposed convolution (x as g, output shape as x_shape)."""
    k = w.shape[2:]
    cols = _gemm(w.reshape(w.shape[0], _prod(w.shape[1:])), g, groups, trans_a=True)
    return col2im(cols, x_shape[0], x_shape[1], x_shape[2:], k, stride, padding, dilation, out)


def conv_weight_grad(g, cols, w_shape, groups):
    """Gradient of conv w.r.t. its weight: g (O, N*L) @ cols.T, per group."""
    return _gemm(g, cols, groups, trans_b=True).reshape(w_shape)


# Columns of at most this many elements are built at once; a larger batch is split.
_COLS_LIMIT = 1 << 24


def _batch_chunks(n, per_sample):
    """Slices of the batch whose columns fit in _COLS_LIMIT elements."""
    step = max(1, _COLS_LIMIT // max(per_sample, 1))
    return [slice(i, min(i + step, n)) for i in range(0, max(n, 1), step)]


def _cols_per_sample(c, ksize, out):
    return c * _prod(ksize) * _prod(out)


def conv_forward(x, w, bias, stride, padding, dilation, groups, want_cols=False):
    """y = conv(x, w) + bias, and (with ``want_cols``, when the batch was one chunk) the
    columns, which the weight gradient reuses."""
    k = w.shape[2:]
    n = x.shape[0]
    out = tuple(conv_out_size(s, kk, st, p, d) for s, kk, st, p, d in
                zip(x.shape[2:], k, stride, padding, dilation))
    w2 = w.reshape(w.shape[0], _prod(w.shape[1:]))
    chunks = _batch_chunks(n, _cols_per_sample(x.shape[1], k, out))
    if len(chunks) == 1:
        cols, _ = im2col(x, k, stride, padding, dilation)
        return from_rows(_gemm(w2, cols, groups), n, out, bias), cols if want_cols else None
    y = _np.empty((n, w.shape[0]) + out, x.dtype)
    for sl in chunks:
        cols, _ = im2col(x[sl], k, stride, padding, dilation)
        y[sl] = from_rows(_gemm(w2, cols, groups), sl.stop - sl.start, out, bias)
    return y, None


def conv_backward(gy, x, w, x_shape, w_shape, stride, padding, dilation, groups, need_input,
                  need_weight, need_bias=False, cols=None):
    """Gradients of conv w.r.t. input, weight and bias (None where not needed); ``cols`` are
    the forward's columns when it kept them."""
    k = w_shape[2:]
    n = x_shape[0]
    out = gy.shape[2:]
    gx = _np.empty(x_shape, gy.dtype) if need_input else None
    gw = gb = None
    chunks = _batch_chunks(n, _cols_per_sample(x_shape[1], k, out))
    for sl in chunks:
        g = to_rows(gy[sl])
        if need_bias:
            part = g.sum(1)  # a contiguous reduction, faster than over gy's axes (0, 2, ...)
            gb = part if gb is None else gb + part
        if need_weight:
            c = cols if cols is not None and len(chunks) == 1 else \
                im2col(x[sl], k, stride, padding, dilation)[0]
            part = conv_weight_grad(g, c, w_shape, groups)
            gw = part if gw is None else gw + part
        if need_input:
            gx[sl] = conv_input_grad(g, w, (sl.stop - sl.start,) + tuple(x_shape[1:]), stride,
                                     padding, dilation, groups, out)
    return gx, gw, gb


def conv_transpose_backward(gy, x, w, w_shape, stride, padding, dilation, groups, need_input,
                            need_weight):
    """Gradients of conv_transpose: grad_input = conv(gy, w), grad_weight from x and the
    columns of gy."""
    k = w_shape[2:]
    n = gy.shape[0]
    in_size = None
    gx = gw = None
    chunks = _batch_chunks(n, _cols_per_sample(gy.shape[1], k, gy.shape[2:]))
    for sl in chunks:
        cols, in_size = im2col(gy[sl], k, stride, padding, dilation)
        m = sl.stop - sl.start
        if need_input:
            part = from_rows(_gemm(w.reshape(w_shape[0], _prod(w_shape[1:])), cols, groups), m,
                             in_size)
            if gx is None:
                gx = part if len(chunks) == 1 else _np.empty((n,) + part.shape[1:], part.dtype)
            if len(chunks) > 1:
                gx[sl] = part
        if need_weight:
            part = conv_weight_grad(to_rows(x[sl]), cols, w_shape, groups)
            gw = part if gw is None else gw + part
    return gx, gw


def conv_transpose_forward(x, w, bias, stride, padding, dilation, groups, out_size):
    """y = conv_transpose(x, w) + bias for an output of spatial size ``out_size``."""
    n = x.shape[0]
    cout = w.shape[1] * groups
    k = w.shape[2:]
    chunks = _batch_chunks(n, _cols_per_sample(cout, k, x.shape[2:]))
    if len(chunks) == 1:
        y = conv_input_grad(to_rows(x), w, (n, cout) + tuple(out_size), stride, padding,
                            dilation, groups, x.shape[2:])
    else:
        y = _np.empty((n, cout) + tuple(out_size), x.dtype)
        for sl in chunks:
            y[sl] = conv_input_grad(to_rows(x[sl]), w, (sl.stop - sl.start, cout) +
                                    tuple(out_size), stride, padding, dilation, groups,
                                    x.shape[2:])
    if bias is not None:
        y += bias.astype(y.dtype, copy=False).reshape((-1,) + (1,) * len(out_size))
    return y


def unfold(x, ksize, stride, padding, dilation):
    """torch's im2col: x (N, C, *S) -> (N, C*K, L)."""
    n, c = x.shape[:2]
    cols, out = im2col(x, ksize, stride, padding, dilation)
    res = _np.empty((n, cols.shape[0], _prod(out)), x.dtype)
    _np.copyto(res, cols.reshape(cols.shape[0], n, _prod(out)).transpose(1, 0, 2))
    return res


def fold(cols, size, ksize, stride, padding, dilation):
    """torch's col2im: (N, C*K, L) -> (N, C, *size), the adjoint of unfold."""
    n = cols.shape[0]
    c = cols.shape[1] // _prod(ksize)
    out = tuple(conv_out_size(s, k, st, p, d) for s, k, st, p, d in
                zip(size, ksize, stride, padding, dilation))
    rows = _np.empty((cols.shape[1], n, cols.shape[2]), cols.dtype)
    _np.copyto(rows, cols.transpose(1, 0, 2))
    return col2im(rows.reshape(cols.shape[1], n * cols.shape[2]), n, c, size, ksize, stride,
                  padding, dilation, out)


# -- pooling ---------------------------------------------------------------------------------
def pool_out_size(size, k, stride, padding, dilation, ceil_mode):
    """Output length of a pooling window along one dim (PyTorch's pooling_output_shape)."""
    out = (size + 2 * padding - dilation * (k - 1) - 1 + (stride - 1 if ceil_mode else 0)) \
        // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def _pool_padded(x, nd, ksize, stride, padding, dilation, out, fill):
    """x with its last ``nd`` dims padded by ``fill`` so every window fits."""
    size = x.shape[-nd:]
    hi = [max(0, (o - 1) * s + d * (k - 1) + 1 - n - p) for o, s, d, k, n, p in
          zip(out, stride, dilation, ksize, size, padding)]
    if not any(padding) and not any(hi):
        return x
    shape = x.shape[:-nd] + tuple(n + p + h for n, p, h in zip(size, padding, hi))
    xp_ = _np.full(shape, fill, x.dtype)
    xp_[(Ellipsis,) + tuple(slice(p, p + n) for n, p in zip(size, padding))] = x
    return xp_


def _views(xp_, ksize, stride, dilation, out):
    return [xp_[(Ellipsis,) + tuple(_window(o, d, s, m) for o, d, s, m in
                                    zip(off, dilation, stride, out))]
            for off in _offsets(ksize)]


def _lowest(dtype):
    return -_np.inf if dtype.kind == "f" else _np.iinfo(dtype).min


def max_pool(x, ksize, stride, padding, dilation, ceil_mode):
    """Max over windows of the last len(ksize) dims: one elementwise maximum per kernel
    offset, over strided views of the (-inf padded) input. Returns the maxima and the output
    size; which element won is found later from x and the maxima (max_pool_argmax)."""
    nd = len(ksize)
    out = tuple(pool_out_size(n, k, s, p, d, ceil_mode) for n, k, s, p, d in
                zip(x.shape[-nd:], ksize, stride, padding, dilation))
    xp_ = _pool_padded(x, nd, ksize, stride, padding, dilation, out, _lowest(x.dtype))
    views = _views(xp_, ksize, stride, dilation, out)
    m = views[0].copy()
    for v in views[1:]:
        _np.maximum(m, v, out=m)  # NaN propagates, as PyTorch's max
    return m, out


def _first_hits(views, m):
    """For each window offset t in order, the mask of outputs whose first maximum (PyTorch's
    winner: ``val > max`` keeps the first of equal values) is at t. ``m`` holds no NaN."""
    taken = None
    hit = _np.empty(m.shape, bool)
    last = len(views) - 1
    for t, v in enumerate(views):
        if t == last and taken is not None:
            _np.logical_not(taken, out=hit)  # the maximum is somewhere: here if not before
        else:
            _np.equal(v, m, out=hit)
            if taken is None:
                taken = hit.copy()
            else:
                _np.greater(hit, taken, out=hit)  # hit and not taken
                taken |= hit
        yield t, hit


def _has_nan(m):
    return m.dtype.kind == "f" and _np.isnan(m).any()


def _scan_argmax(views, m_shape, flt):
    """PyTorch's loop, ``val > max || isnan(val)``: the first maximum, or the last NaN."""
    m = views[0].copy()
    arg = _np.zeros(m_shape, _np.int32)
    upd = _np.empty(m_shape, bool)
    for t, v in enumerate(views[1:], 1):
        _np.greater(v, m, out=upd)
        if flt:
            upd |= _np.isnan(v)
        _np.copyto(m, v, where=upd)
        _np.copyto(arg, t, where=upd)
    return arg


def max_pool_argmax(x, m, ksize, stride, padding, dilation, out):
    """The window offset (0 .. K-1, row-major) of each output's maximum."""
    nd = len(ksize)
    xp_ = _pool_padded(x, nd, ksize, stride, padding, dilation, out, _lowest(x.dtype))
    views = _views(xp_, ksize, stride, dilation, out)
    if _has_nan(m):
        return _scan_argmax(views, m.shape, True)
    arg = _np.zeros(m.shape, _np.int32)
    for t, hit in _first_hits(views, m):
        if t:
            arg += hit * _np.int32(t)
    return arg


def max_pool_backward(g, x, m, arg, ksize, stride, padding, dilation, out):
    """Gradient of max_pool: each output's gradient onto its window's winner, found from x
    and the maxima m (or given as ``arg``). Disjoint windows write each offset's share once;
    overlapping ones add."""
    nd = len(ksize)
    x_shape = x.shape
    size = x_shape[-nd:]
    hi = [max(0, (o - 1) * s + d * (k - 1) + 1 - n - p) for o, s, d, k, n, p in
          zip(out, stride, dilation, ksize, size, padding)]
    shape = tuple(x_shape[:-nd]) + tuple(n + p + h for n, p, h in zip(size, padding, hi))
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, ksize))
    covered = all(d == 1 and s == k and o * s == n + p + h for o, s, d, k, n, p, h in
                  zip(out, stride, dilation, ksize, size, padding, hi))
    acc = _np.empty(shape, g.dtype) if disjoint and covered else _np.zeros(shape, g.dtype)
    dsts = _views(acc, ksize, stride, dilation, out)
    if arg is None and _has_nan(m):
        arg = max_pool_argmax(x, m, ksize, stride, padding, dilation, out)
    if arg is None:
        xp_ = _pool_padded(x, nd, ksize, stride, padding, dilation, out, _lowest(x.dtype))
        hits = _first_hits(_views(xp_, ksize, stride, dilation, out), m)
    else:
        hits = ((t, arg == t) for t in range(len(dsts)))
    for t, hit in hits:
        if disjoint:
            _np.multiply(g, hit, out=dsts[t])
        else:
            dsts[t] += g * hit
    if acc.shape == tuple(x_shape):
        return acc
    return _np.ascontiguousarray(acc[(Ellipsis,) + tuple(slice(p, p + n) for n, p in
                                                          zip(size, padding))])


def argmax_to_index(arg, size, ksize, stride, padding, dilation):
    """Flat indices into each input plane (PyTorch's ``return_indices``) from window offsets."""
    nd = len(ksize)
    out = arg.shape[-nd:]
    rem = arg.astype(_np.int64)
    idx = _np.zeros(arg.shape, _np.int64)
    coords = []
    for i in range(nd - 1, -1, -1):
        rem, t = _np.divmod(rem, ksize[i])
        pos = _np.arange(out[i]) * stride[i] - padding[i]
        coords.append(t * dilation[i] + pos.reshape((-1,) + (1,) * (nd - 1 - i)))
    scale = 1
    for i, c in zip(range(nd - 1, -1, -1), coords):
        idx += c * scale
        scale *= size[i]
    return idx


def avg_pool_divisor(size, ksize, stride, padding, out, count_include_pad, dtype):
    """The divisor of each output window (broadcastable over the last len(ksize) dims)."""
    nd = len(ksize)
    div = _np.ones((1,) * nd, _np.int64)
    for i in range(nd):
        start = _np.arange(out[i]) * stride[i] - padding[i]
        end = _np.minimum(start + ksize[i], size[i] + padding[i])
        if count_include_pad:
            cnt = end - start
        else:
            cnt = _np.minimum(end, size[i]) - _np.maximum(start, 0)
        div = div * cnt.reshape((-1,) + (1,) * (nd - 1 - i))
    return div.astype(dtype)


def avg_pool(x, ksize, stride, padding, ceil_mode, count_include_pad, divisor):
    """Average over windows of the last len(ksize) dims (PyTorch's avg_pool rules: windows
    clipped to the padded input; ``divisor`` overrides the count)."""
    nd = len(ksize)
    ones = (1,) * nd
    out = tuple(pool_out_size(n, k, s, p, 1, ceil_mode) for n, k, s, p in
                zip(x.shape[-nd:], ksize, stride, padding))
    xp_ = _pool_padded(x, nd, ksize, stride, padding, ones, out, 0)
    views = _views(xp_, ksize, stride, ones, out)
    acc = views[0].copy() if len(views) > 1 else views[0].astype(x.dtype, copy=True)
    for v in views[1:]:
        acc += v
    if divisor is None:
        divisor = avg_pool_divisor(x.shape[-nd:], ksize, stride, padding, out,
                                   count_include_pad, x.dtype)
    acc /= divisor
    return acc, out


def avg_pool_backward(g, x_shape, ksize, stride, padding, ceil_mode, count_include_pad,
                      divisor, out):
    """Gradient of avg_pool: each output's gradient / divisor, spread over its window."""
    nd = len(ksize)
    ones = (1,) * nd
    size = x_shape[-nd:]
    if divisor is None:
        divisor = avg_pool_divisor(size, ksize, stride, padding, out, count_include_pad,
                                   g.dtype)
    gd = g / divisor
    hi = [max(0, (o - 1) * s + k - n - p) for o, s, k, n, p in
          zip(out, stride, ksize, size, padding)]
    shape = tuple(x_shape[:-nd]) + tuple(n + p + h for n, p, h in zip(size, padding, hi))
    acc = _np.zeros(shape, g.dtype)
    disjoint = all(s >= k for s, k in zip(stride, ksize))
    for dst in _views(acc, ksize, stride, ones, out):
        if disjoint:
            dst[...] = gd
        else:
            dst += gd
    if acc.shape == tuple(x_shape):
        return acc
    return _np.ascontiguousarray(acc[(Ellipsis,) + tuple(slice(p, p + n) for n, p in
                                                          zip(size, padding))])


def adaptive_windows(size, out):
    """PyTorch's adaptive pooling windows: [floor(i*size/out), ceil((i+1)*size/out))."""
    i = _np.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def adaptive_max_pool(x, out):
    """Adaptive max pooling over the last len(out) dims: values and flat argmax indices."""
    nd = len(out)
    size = x.shape[-nd:]
    # Gather every window, padded to the longest by repeating its last element (a repeat
    # never wins: it is not greater than the maximum already seen).
    g = x
    for i in range(nd):
        start, end = adaptive_windows(size[i], out[i])
        kmax = int((end - start).max())
        idx = _np.minimum(start[:, None] + _np.arange(kmax), end[:, None] - 1)
        axis = x.ndim - nd + 2 * i
        g = _np.take(g, idx.reshape(-1), axis=axis)
        g = g.reshape(g.shape[:axis] + (out[i], kmax) + g.shape[axis + 1:])
    # now (..., o0, k0, o1, k1, ...): move the window dims last and flatten them
    lead = x.ndim - nd
    perm = list(range(lead)) + [lead + 2 * i for i in range(nd)] + \
        [lead + 2 * i + 1 for i in range(nd)]
    g = g.transpose(perm)
    ks = g.shape[x.ndim:]
    g = g.reshape(g.shape[:x.ndim] + (-1,))
    m = g[..., 0].copy()
    arg = _np.zeros(m.shape, _np.int64)
    upd = _np.empty(m.shape, bool)
    flt = x.dtype.kind == "f"
    for t in range(1, g.shape[-1]):
        v = g[..., t]
        _np.greater(v, m, out=upd)
        if flt:
            upd |= _np.isnan(v)
        _np.copyto(m, v, where=upd)
        _np.copyto(arg, t, where=upd)
    # window offsets -> flat input indices
    idx = _np.zeros(m.shape, _np.int64)
    rem = arg
    scale = 1
    for i in range(nd - 1, -1, -1):
        rem, t = _np.divmod(rem, ks[i])
        start, end = adaptive_windows(size[i], out[i])
        pos = _np.minimum(start.reshape((-1,) + (1,) * (nd - 1 - i)) + t,
                          end.reshape((-1,) + (1,) * (nd - 1 - i)) - 1)
        idx += pos * scale
        scale *= size[i]
    return m, idx


def scatter_planes(g, idx, plane_shape):
    """Add g (..., *out) into zeros (..., *plane_shape) at flat per-plane indices ``idx``
    (of g's shape), as a gradient of a gather; summed in float64 by bincount."""
    nd = len(plane_shape)
    plane = _prod(plane_shape)
    per = _prod(g.shape[g.ndim - nd:])
    nplanes = g.size // per if per else 0
    flat = (idx.reshape(nplanes, per) + _np.arange(nplanes)[:, None] * plane).reshape(-1)
    res = _np.bincount(flat, weights=g.reshape(-1), minlength=nplanes * plane)
    return res.astype(g.dtype, copy=False).reshape(g.shape[:g.ndim - nd] + tuple(plane_shape))


def max_pool_gather(gg, arg, x_shape, ksize, stride, padding, dilation, out):
    """The adjoint of max_pool_backward: each output takes gg at its window's argmax."""
    nd = len(ksize)
    gp = _pool_padded(gg, nd, ksize, stride, padding, dilation, out, 0)
    res = _np.zeros(arg.shape, gg.dtype)
    hit = _np.empty(arg.shape, bool)
    for t, v in enumerate(_views(gp, ksize, stride, dilation, out)):
        _np.equal(arg, t, out=hit)
        _np.copyto(res, v, where=hit)
    return res


def gather_planes(g, idx, nd):
    """g (..., *plane) read at flat per-plane indices ``idx`` (..., *out); ``nd`` plane dims."""
    lead = g.shape[:g.ndim - nd]
    p = _prod(lead)
    res = _np.take_along_axis(g.reshape(p, -1), idx.reshape(p, -1), axis=1)
    return res.reshape(idx.shape)


def put_planes(x, idx, plane_shape):
    """zeros (..., *plane_shape) with x (..., *out) written at flat per-plane indices ``idx``
    (a later write to the same place wins)."""
    nd = len(plane_shape)
    lead = x.shape[:x.ndim - nd]
    p = _prod(lead)
    res = _np.zeros((p, _prod(plane_shape)), x.dtype)
    _np.put_along_axis(res, idx.reshape(p, -1), x.reshape(p, -1), axis=1)
    return res.reshape(lead + tuple(plane_shape))


def separable(x, taps, axes):
    """A separable linear resampling: along each axis (last first), output i is
    sum_j x[idx_j[i]] * w_j[i] over the taps [(idx, w), ...] (w None: a plain gather)."""
    for ax, tp in sorted(zip(axes, taps), key=lambda a: -a[0]):
        acc = None
        for idx, w in tp:
            v = _np.take(x, idx, axis=ax)
            if w is not None:
                v = v * w.reshape((-1,) + (1,) * (x.ndim - 1 - ax))
            if acc is None:
                acc = v
            else:
                acc += v
        x = acc
    return x


def separable_matrix(taps, size):
    """The dense (out, size) matrix of one axis's taps."""
    out = len(taps[0][0])
    m = _np.zeros((out, size), _np.float64)
    rows = _np.arange(out)
    for idx, w in taps:
        _np.add.at(m, (rows, idx), 1.0 if w is None else w.astype(_np.float64))
    return m


def separable_adjoint(g, mats, axes):
    """The adjoint of ``separable``: contract each axis of g with its (out, in) matrix."""
    for ax, m in zip(axes, mats):
        g = _np.moveaxis(_np.moveaxis(g, ax, -1) @ m.astype(g.dtype, copy=False), -1, ax)
    return _np.ascontiguousarray(g)

"""The CPU backend: NumPy arrays."""

import itertools as _itertools
import os as _os

import numpy as _np
import numpy as xp

__all__ = ["xp", "to_numpy", "from_numpy"]


def to_numpy(arr):
    return arr


def from_numpy(arr):
    return arr


# == convolution and pooling kernels ==========================================================
# Note [Convolution as GEMM]
# A convolution is a matrix product on a "columns" matrix (im2col) whose rows are
# (input channel, kernel offset) and whose columns are (sample, output position). x is padded
# once; every kernel offset is then one strided slice of it, copied whole (prod(kernel) slice
# copies, no per-pixel loops). Two layouts:
#   channel-first  cols (C*K, N*L), x transposed to (C, N, *S) before padding:
#                  y (O, N*L) = W (O, C*K) @ cols, one BLAS call per group, then y is
#                  transposed to (N, O, *out);
#   batch-first    cols (N, C*K, L): y (N, O, L) = W @ cols[n] for each sample, written in
#                  NCHW order directly. Used when C*K is small (a first layer: K = 9 for one
#                  channel), where one big GEMM has too short an inner dimension and the
#                  transposes would cost more than the products (measured 0.34 ms against
#                  2.3 ms for 1->32 channels, 3x3, 64x28x28).
# With a bias (and one group) the columns get a last row of ones and W a last column of the
# bias: the product adds the bias, and the weight gradient's product yields the bias
# gradient as its last column, with no extra pass. The gradients reuse the layout: g,
# grad_output as (O, N*L) (or (N, O, L)), gives [grad_weight | grad_bias] = g @ cols.T, and
# grad_input = col2im(W.T @ g): the columns added back onto the padded input, one strided
# add per kernel offset. A transposed convolution is the same kernels in the other order
# (its forward is col2im(W.T @ x), its input gradient an im2col and a GEMM).
# Measured here (2 cores, forward + backward): 1->32 channels 3x3 on 64x1x28x28 took 1.9 ms
# batch-first against 18 ms channel-first; 32->64 on 64x32x14x14 27.5 ms channel-first against
# 37 ms batch-first. A per-pixel-row layout (N*L, C*K) made im2col 4x slower, and "flat rows"
# (each stride-1 window one contiguous run per sample, the GEMM computing Wp/Wo more columns)
# lost: its 14% larger products cost more than the copies it saved. The forward's columns are
# kept for the weight gradient when they are small (_CACHE_LIMIT); else they are rebuilt.

_BATCHED_K = 64  # the largest C*K (per group) for which the batch-first layout is used
_COLS_LIMIT = 1 << 24  # columns of at most this many elements at once; a bigger batch is split
_CACHE_LIMIT = 1 << 22  # columns up to this size are kept from forward for the weight gradient

# Note [Kernel threads]
# NumPy runs each elementwise loop and copy on one core, where PyTorch splits them over its
# intra-op threads (BLAS calls are threaded in both). The window copies and adds of im2col,
# col2im and pooling release the GIL, so they are split by channel or batch blocks over a
# few Python threads: one block per core, the calling thread doing the first. Small arrays
# stay on one thread (a task costs some tens of microseconds). TORCIA_NUM_THREADS sets the
# count (default: the cores this process may run on).
_THREADS = max(1, int(_os.environ.get("TORCIA_NUM_THREADS", "0") or 0) or
               len(_os.sched_getaffinity(0)))
_MIN_PARALLEL = 1 << 17  # elements touched below which one thread does the work
_pool = None


def _forget_pool():
    global _pool
    _pool = None  # a forked child (a DataLoader worker) has none of the parent's threads


_os.register_at_fork(after_in_child=_forget_pool)


def _parallel(fn, n, size):
    """fn(block) for blocks (slices) covering range(n), on up to _THREADS threads when the
    work touches ``size`` elements or more."""
    k = min(_THREADS, n) if size >= _MIN_PARALLEL else 1
    if k <= 1:
        fn(slice(0, n))
        return
    global _pool
    if _pool is None:
        from concurrent.futures import ThreadPoolExecutor
        _pool = ThreadPoolExecutor(_THREADS - 1, thread_name_prefix="torcia-kernel")
    bounds = [n * i // k for i in range(k + 1)]
    tasks = [_pool.submit(fn, slice(bounds[i], bounds[i + 1])) for i in range(1, k)]
    fn(slice(bounds[0], bounds[1]))
    for t in tasks:
        t.result()


def conv_out_size(size, k, stride, padding, dilation):
    """Output length of a convolution along one dim."""
    return (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1


def _window(offset, dilation, stride, count):
    """The slice of a padded dim read by kernel ``offset`` for ``count`` output positions."""
    start = offset * dilation
    return slice(start, start + stride * (count - 1) + 1, stride)


def _offsets(ksize):
    return _itertools.product(*[range(k) for k in ksize])


def _prod(shape):
    r = 1
    for s in shape:
        r *= s
    return r


def _windows(ksize, stride, dilation, out):
    """(offset, slices of the padded spatial dims) for every kernel offset."""
    return [(off, tuple(_window(o, d, s, m) for o, d, s, m in zip(off, dilation, stride, out)))
            for off in _offsets(ksize)]


def _padded_input(x, padding, batch_first):
    """x (N, C, *S) zero-padded, as (N, C, *Sp) or (C, N, *Sp); a view without padding."""
    xt = x if batch_first else _np.moveaxis(x, 1, 0)
    if not any(padding):
        return xt
    shape = xt.shape[:2] + tuple(s + 2 * p for s, p in zip(xt.shape[2:], padding))
    xp_ = _np.zeros(shape, x.dtype)
    xp_[(slice(None), slice(None)) + tuple(slice(p, p + s) for s, p in
                                           zip(xt.shape[2:], padding))] = xt
    return xp_


def im2col(x, ksize, stride, padding, dilation, batch_first=False, ones=False):
    """Columns of a convolution of x (N, C, *S) (Note [Convolution as GEMM]): (C*K, N*L), or
    (N, C*K, L) ``batch_first``, with a last row of ones when ``ones``; and the output size."""
    n, c = x.shape[:2]
    out = tuple(conv_out_size(s, k, st, p, d) for s, k, st, p, d in
                zip(x.shape[2:], ksize, stride, padding, dilation))
    ck, m = c * _prod(ksize), _prod(out)
    rows = ck + bool(ones)
    lead = (slice(None), slice(None))
    wins = _windows(ksize, stride, dilation, out)
    if batch_first:
        buf = _np.empty((n, rows, m), x.dtype)
        cv = buf[:, :ck].reshape((n, c) + tuple(ksize) + out)
        if ones:
            buf[:, ck] = 1

        def work(sl):  # a block of samples: pad it, copy each offset's window
            xp_ = _padded_input(x[sl], padding, True)
            for off, win in wins:
                cv[(sl, slice(None)) + off] = xp_[lead + win]
        _parallel(work, n, buf.size)
    else:
        buf = _np.empty((rows, n * m), x.dtype)
        cv = buf[:ck].reshape((c,) + tuple(ksize) + (n,) + out)
        if ones:
            buf[ck] = 1

        def work(sl):  # a block of channels
            xp_ = _padded_input(x[:, sl], padding, False)
            for off, win in wins:
                cv[(sl,) + off] = xp_[lead + win]
        _parallel(work, c, buf.size)
    return buf, out


def col2im(cols, n, c, size, ksize, stride, padding, dilation, out, batch_first=False):
    """The adjoint of im2col: add columns (C*K, N*L) (or (N, C*K, L)) back onto an
    (N, C, *size) array."""
    ck = c * _prod(ksize)
    if batch_first:
        cv = cols[:, :ck].reshape((n, c) + tuple(ksize) + tuple(out))
    else:
        cv = cols[:ck].reshape((c,) + tuple(ksize) + (n,) + tuple(out))
    padded = tuple(s + 2 * p for s, p in zip(size, padding))
    lead = (slice(None), slice(None))
    inner = tuple(slice(p, p + s) for s, p in zip(size, padding))
    disjoint = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, ksize))
    res = _np.empty((n, c) + tuple(size), cols.dtype)
    wins = _windows(ksize, stride, dilation, out)

    def work(sl):  # a block of samples (batch-first) or of channels
        src = cv[sl]
        acc = _np.zeros((src.shape[0], c if batch_first else n) + padded, cols.dtype)
        for off, win in wins:
            dst = acc[lead + win]
            part = src[lead + off] if batch_first else src[(slice(None),) + off]
            if disjoint:  # every padded position is written by at most one offset
                dst[...] = part
            else:
                dst += part
        if batch_first:
            res[sl] = acc[lead + inner]
        else:
            res[:, sl] = _np.moveaxis(acc[lead + inner], 0, 1)
    _parallel(work, n if batch_first else c, cols.size)
    return res


def to_rows(g):
    """(N, O, *L) -> a contiguous (O, N*L) array (grad_output in the columns' order)."""
    n, o = g.shape[:2]
    r = _np.empty((o, n) + g.shape[2:], g.dtype)
    src = _np.moveaxis(g, 1, 0)

    def work(sl):
        r[sl] = src[sl]
    _parallel(work, o, g.size)
    return r.reshape(o, n * _prod(g.shape[2:]))


def from_rows(y, n, out, bias=None):
    """(O, N*L) -> a contiguous (N, O, *out) array, adding ``bias`` (O,) on the way."""
    o = y.shape[0]
    res = _np.empty((n, o) + tuple(out), y.dtype)
    m = _prod(out)
    src = y.reshape(o, n, m).transpose(1, 0, 2)
    dst = res.reshape(n, o, m)
    b = None if bias is None else bias.astype(y.dtype, copy=False)[:, None]

    def work(sl):
        if b is None:
            dst[:, sl] = src[:, sl]
        else:
            _np.add(src[:, sl], b[sl], out=dst[:, sl])
    _parallel(work, o, y.size)
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


def _batch_chunks(n, per_sample):
    """Slices of the batch whose columns fit in _COLS_LIMIT elements."""
    step = max(1, _COLS_LIMIT // max(per_sample, 1))
    return [slice(i, min(i + step, n)) for i in range(0, max(n, 1), step)]


def _mode(x_shape, groups, ksize):
    """(C*K per group, whether the batch-first layout is used)."""
    ck = x_shape[1] // groups * _prod(ksize)
    return ck, groups == 1 and ck <= _BATCHED_K


def conv_forward(x, w, bias, stride, padding, dilation, groups, want_cols=False):
    """y = conv(x, w) + bias, and (with ``want_cols``, when the batch was one chunk) the
    columns, which the weight gradient reuses (Note [Convolution as GEMM])."""
    o, k = w.shape[0], w.shape[2:]
    n, c = x.shape[:2]
    out = tuple(conv_out_size(s, kk, st, p, d) for s, kk, st, p, d in
                zip(x.shape[2:], k, stride, padding, dilation))
    ck, bf = _mode(x.shape, groups, k)
    ones = bias is not None and groups == 1
    w2 = w.reshape(o, _prod(w.shape[1:]))
    if ones:
        w2 = _np.concatenate([w2, bias.reshape(o, 1).astype(w2.dtype, copy=False)], axis=1)
    chunks = _batch_chunks(n, (c * _prod(k) + 1) * _prod(out))
    y = None if len(chunks) == 1 else _np.empty((n, o) + out, x.dtype)
    for sl in chunks:
        m = sl.stop - sl.start
        cols = im2col(x[sl], k, stride, padding, dilation, bf, ones)[0]
        if bf:
            part = _np.matmul(w2, cols).reshape((m, o) + out)
        else:
            part = from_rows(_gemm(w2, cols, groups), m, out, None if ones else bias)
        if y is None:
            return part, cols if want_cols and cols.size <= _CACHE_LIMIT else None
        y[sl] = part
    return y, None


def conv_backward(gy, x, w, x_shape, w_shape, stride, padding, dilation, groups, need_input,
                  need_weight, need_bias=False, cols=None):
    """Gradients of conv w.r.t. input, weight and bias (None where not needed); ``cols`` are
    the forward's columns when it kept them (with a row of ones when it had a bias)."""
    o, k = w_shape[0], w_shape[2:]
    n, c = x_shape[:2]
    out = gy.shape[2:]
    m_out = _prod(out)
    ck, bf = _mode(x_shape, groups, k)
    gx = _np.empty(x_shape, gy.dtype) if need_input else None
    gw = gb = None
    chunks = _batch_chunks(n, (c * _prod(k) + 1) * m_out)
    w2 = w.reshape(o, _prod(w_shape[1:])) if need_input else None
    for sl in chunks:
        m = sl.stop - sl.start
        g = gy[sl].reshape(m, o, m_out) if bf else to_rows(gy[sl])
        part_b = None
        if need_weight:
            cc = cols if cols is not None and len(chunks) == 1 else None
            if cc is None:
                cc = im2col(x[sl], k, stride, padding, dilation, bf,
                            need_bias and groups == 1)[0]
            if bf:
                part = _np.matmul(g, cc.transpose(0, 2, 1)).sum(0)
            else:
                part = _gemm(g, cc, groups, trans_b=True)
            if part.shape[1] > ck:  # the row of ones: the bias gradient comes with it
                part_b = part[:, ck]
                part = part[:, :ck]
            part = part.reshape(w_shape)
            gw = part if gw is None else gw + part
        if need_bias:
            if part_b is None:
                part_b = g.sum((0, 2)) if bf else g.sum(1)
            gb = part_b if gb is None else gb + part_b
        if need_input:
            if bf:
                gx[sl] = col2im(_np.matmul(w2.T, g), m, c, x_shape[2:], k, stride, padding,
                                dilation, out, True)
            else:
                gx[sl] = conv_input_grad(g, w, (m,) + tuple(x_shape[1:]), stride, padding,
                                         dilation, groups, out)
    if gw is not None and not gw.flags.c_contiguous:
        gw = _np.ascontiguousarray(gw)
    return gx, gw, gb


def conv_input_grad(g, w, x_shape, stride, padding, dilation, groups, out):
    """Gradient of conv w.r.t. its input from g = to_rows(grad_output): col2im(W.T @ g).
    Also the forward of a transposed convolution (x as g, output shape as x_shape)."""
    k = w.shape[2:]
    cols = _gemm(w.reshape(w.shape[0], _prod(w.shape[1:])), g, groups, trans_a=True)
    return col2im(cols, x_shape[0], x_shape[1], x_shape[2:], k, stride, padding, dilation, out)


def conv_weight_grad(g, cols, w_shape, groups):
    """Gradient of conv w.r.t. its weight: g (O, N*L) @ cols.T, per group."""
    return _gemm(g, cols, groups, trans_b=True).reshape(w_shape)


def conv_transpose_backward(gy, x, w, w_shape, stride, padding, dilation, groups, need_input,
                            need_weight):
    """Gradients of conv_transpose: grad_input = conv(gy, w), grad_weight from x and the
    columns of gy."""
    k = w_shape[2:]
    n = gy.shape[0]
    gx = gw = None
    chunks = _batch_chunks(n, gy.shape[1] * _prod(k) * _prod(x.shape[2:] if x is not None
                                                               else gy.shape[2:]))
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
    chunks = _batch_chunks(n, cout * _prod(k) * _prod(x.shape[2:]))
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
    return im2col(x, ksize, stride, padding, dilation, batch_first=True)[0]


def fold(cols, size, ksize, stride, padding, dilation):
    """torch's col2im: (N, C*K, L) -> (N, C, *size), the adjoint of unfold."""
    n = cols.shape[0]
    c = cols.shape[1] // _prod(ksize)
    out = tuple(conv_out_size(s, k, st, p, d) for s, k, st, p, d in
                zip(size, ksize, stride, padding, dilation))
    return col2im(cols, n, c, size, ksize, stride, padding, dilation, out, batch_first=True)


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
    m = _np.empty(x.shape[:-nd] + out, x.dtype)

    def work(sl):  # a block of the leading dim
        dst = m[sl]
        if len(views) == 1:
            dst[...] = views[0][sl]
            return
        _np.maximum(views[0][sl], views[1][sl], out=dst)
        for v in views[2:]:
            _np.maximum(dst, v[sl], out=dst)  # NaN propagates, as PyTorch's max
    _parallel(work, x.shape[0], x.size)
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
    xv = None
    if arg is None:
        xp_ = _pool_padded(x, nd, ksize, stride, padding, dilation, out, _lowest(x.dtype))
        xv = _views(xp_, ksize, stride, dilation, out)

    def work(sl):  # a block of the leading dim
        if xv is None:
            hits = ((t, arg[sl] == t) for t in range(len(dsts)))
        else:
            hits = _first_hits([v[sl] for v in xv], m[sl])
        gs = g[sl]
        for t, hit in hits:
            if disjoint:
                _np.multiply(gs, hit, out=dsts[t][sl])
            else:
                dsts[t][sl] += gs * hit
    _parallel(work, x_shape[0], acc.size)
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

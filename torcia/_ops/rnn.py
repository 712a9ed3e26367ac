"""Recurrent ops: whole multi-layer networks (``lstm``, ``gru``, ``rnn_tanh``, ``rnn_relu``,
with the arguments of PyTorch's ``torch.lstm``/``_VF.lstm``), their cells (``lstm_cell``,
``gru_cell``, ``rnn_tanh_cell``, ``rnn_relu_cell``, composed of Tensor ops as in PyTorch), and
the packing ops behind ``nn.utils.rnn``.

Each layer and direction of a network is one fused node; see Note [Fused recurrent layers].
"""

import numpy as np

from ..autograd import grad_mode
from ._core import Node, Tensor, record, requires_grad, wrap, xp_of

__all__ = ["lstm", "gru", "rnn_tanh", "rnn_relu", "lstm_cell", "gru_cell", "rnn_tanh_cell",
           "rnn_relu_cell"]


# Note [Fused recurrent layers]
# A recurrent layer run cell by cell records a dozen nodes per time step, and the Python
# overhead of recording and running them dwarfs the arithmetic for the small matrices of a
# time step. So a layer (one direction) is one node whose forward and backward run the time
# loop on arrays:
#   - the input projection of every time step is one GEMM (x @ W_ih^T for the whole
#     sequence, both biases added once), then one GEMM per step for h @ W_hh^T;
#   - the gate math writes into preallocated arrays with out=. LSTM gates are kept in the
#     order (g, i, f, o) and GRU's as (r, z, n), so the sigmoid gates are one contiguous block;
#     their weight rows are pre-scaled by 1/2 (exact in binary floating point) so that one
#     tanh over all gates gives sigmoid(x) = tanh(x / 2) / 2 + 1/2 for them;
#   - the states are written into one buffer that starts with the initial state, so the
#     states before every step (what dW_hh needs) are a view, not a copy (_States);
#   - backward (BPTT) first computes, for all steps at once, the factors that do not depend
#     on the recurrence (such as o * (1 - tanh(c)^2)), leaving a few elementwise ops and one
#     GEMM per step, and ends with one GEMM each for dx, dW_ih and dW_hh over all steps.
# Measured on LSTM(32 -> 128), 50 steps, batch 32, a training step is GEMM-bound this way;
# cell by cell it would record about 750 nodes.
# Packed sequences use the same code: the rows of time step t are the first batch_sizes[t]
# rows of the state (sequences are sorted by decreasing length), stored at that step's
# offset in the packed data. The backward, when a graph of it is recorded
# (create_graph=True), reruns the layer cell by cell with Tensor ops and differentiates that
# instead, so higher derivatives are right, just slower.


def _schedule(batch_sizes, T, B, reverse):
    """(offset, rows) of each time step of the packed data, in the order they are run."""
    if batch_sizes is None:
        steps = [(t * B, B) for t in range(T)]
    else:
        steps, off = [], 0
        for b in batch_sizes:
            steps.append((off, b))
            off += b
    return steps[::-1] if reverse else steps


def _state(xp, prev, init, b):
    """The first ``b`` rows of the state before a step: the previous step's rows, completed
    from the initial state where that step had fewer rows (a reversed packed sequence)."""
    if prev is None:
        return init if b == init.shape[0] else init[:b]
    n = prev.shape[0]
    if n >= b:
        return prev if n == b else prev[:b]
    return xp.concatenate((prev, init[n:b]))


def _final(out, steps, B):
    """Each batch row's state after the last step it took part in."""
    off, b = steps[-1]
    if b == B:
        return out[off:off + B].copy()
    idx = np.empty(B, np.intp)
    for off, b in steps:
        idx[:b] = np.arange(off, off + b)
    return out[idx if isinstance(out, np.ndarray) else type(out)(idx)]


class _States:
    """Storage for the state a layer computes at each step (rows as in the packed data),
    and the state before each step for backward. When every step has the whole batch, both
    are views of one buffer that also holds the initial state, so nothing is copied;
    otherwise the states before each step are collected and joined at the end."""

    def __init__(self, xp, init, N, steps, keep):
        B, S = init.shape
        self.xp, self.keep, self.parts = xp, keep, None
        self.reverse = len(steps) > 1 and steps[0][0] > steps[-1][0]
        if all(b == B for _, b in steps):
            buf = xp.empty((N + B, S), init.dtype)
            if self.reverse:
                buf[N:] = init
                self.all, self.prev = buf[:N], buf[B:]
            else:
                buf[:B] = init
                self.all, self.prev = buf[B:], buf[:N]
        else:
            self.all, self.prev = xp.empty((N, S), init.dtype), None
            self.parts = [] if keep else None

    def note(self, before):
        """Record the state before a step (only needed when the batch size varies)."""
        if self.parts is not None:
            self.parts.append(before)

    def before(self):
        """The state before each step, rows as in the packed data (for backward)."""
        if self.prev is not None:
            return self.prev
        return self.xp.concatenate(self.parts[::-1] if self.reverse else self.parts)


def _lstm_perm(xp, H):
    """Rows of PyTorch's (i, f, g, o) LSTM gates in torcia's (g, i, f, o) order, and the
    inverse permutation."""
    perm = np.r_[2 * H:3 * H, 0:2 * H, 3 * H:4 * H]
    return xp.asarray(perm), xp.asarray(np.argsort(perm))


def _scaled_t(xp, w, rows, scale):
    """``(w[rows] * scale[:, None]).T`` as a contiguous array (the GEMM's fast layout)."""
    out = xp.empty((w.shape[1], w.shape[0]), w.dtype)
    xp.multiply(w[rows].T, scale, out=out)
    return out


# -- LSTM on arrays ----------------------------------------------------------------------------
def _lstm_forward(xp, X, h0, c0, Wih, Whh, bias, Whr, steps, keep):
    """Run an LSTM layer over the packed rows ``X``; returns (out, h_n, c_n, saved)."""
    N, B = X.shape[0], h0.shape[0]
    H = Whh.shape[0] // 4
    dt = X.dtype
    perm, _ = _lstm_perm(xp, H)
    half = xp.full(4 * H, 0.5, dt)
    half[:H] = 1
    G = X @ _scaled_t(xp, Wih, perm, half)
    if bias is not None:
        G += bias[perm] * half
    WhhT = _scaled_t(xp, Whh, perm, half)
    hs, cs = _States(xp, h0, N, steps, keep), _States(xp, c0, N, steps, keep)
    Out, C = hs.all, cs.all
    TC = xp.empty((N, H), dt)
    R = Out if Whr is None else xp.empty((N, H), dt)
    WhrT = None if Whr is None else xp.ascontiguousarray(Whr.T)
    tmp = xp.empty((B, 4 * H), dt)
    tmp2 = xp.empty((B, H), dt)
    hp = cp = None
    for off, b in steps:
        hp, cp = _state(xp, hp, h0, b), _state(xp, cp, c0, b)
        hs.note(hp)
        cs.note(cp)
        g = G[off:off + b]
        t = tmp[:b]
        xp.matmul(hp, WhhT, out=t)
        g += t
        xp.tanh(g, out=g)
        s = g[:, H:]
        s *= 0.5
        s += 0.5
        c = C[off:off + b]
        xp.multiply(g[:, 2 * H:3 * H], cp, out=c)
        t = tmp2[:b]
        xp.multiply(g[:, H:2 * H], g[:, :H], out=t)
        c += t
        tc = TC[off:off + b]
        xp.tanh(c, out=tc)
        r = R[off:off + b]
        xp.multiply(g[:, 3 * H:], tc, out=r)
        if WhrT is not None:
            xp.matmul(r, WhrT, out=Out[off:off + b])
        hp, cp = Out[off:off + b], c
    saved = None
    if keep:
        saved = (G, C, TC, R if Whr is not None else None, hs.before(), cs.before())
    return Out, _final(Out, steps, B), _final(C, steps, B), saved


def _lstm_backward(xp, dOut, dhn, dcn, X, Wih, Whh, Whr, saved, steps, B, need):
    G, C, TC, R, Hprev, Cprev = saved
    H, P = Whh.shape[0] // 4, Whh.shape[1]
    dt = G.dtype
    perm, inv = _lstm_perm(xp, H)
    gg, ii, ff, oo = G[:, :H], G[:, H:2 * H], G[:, 2 * H:3 * H], G[:, 3 * H:]
    # factors of the recurrence, for all steps at once: dc = dh * A + dc_next, and the gate
    # gradients (before activation) are dc * Bm for g, i, f and dh * Bm for o
    A = TC * TC
    xp.subtract(1, A, out=A)
    A *= oo
    Bm = xp.empty_like(G)
    bg, bi, bf, bo = Bm[:, :H], Bm[:, H:2 * H], Bm[:, 2 * H:3 * H], Bm[:, 3 * H:]
    xp.multiply(gg, gg, out=bg)
    xp.subtract(1, bg, out=bg)
    bg *= ii
    xp.subtract(1, ii, out=bi)
    bi *= ii
    bi *= gg
    xp.subtract(1, ff, out=bf)
    bf *= ff
    bf *= Cprev
    xp.subtract(1, oo, out=bo)
    bo *= oo
    bo *= TC
    Whh_p = Whh[perm]
    dG = Bm  # each step's gate gradients overwrite its rows of Bm
    dhs = xp.zeros((B, P), dt) if dhn is None else dhn.astype(dt, copy=True)
    dcs = xp.zeros((B, H), dt) if dcn is None else dcn.astype(dt, copy=True)
    dh = xp.empty((B, P), dt)
    dc = xp.empty((B, H), dt)
    dr_buf = None if Whr is None else xp.empty((B, H), dt)
    dHs = None if Whr is None else xp.empty((G.shape[0], P), dt)
    for off, b in reversed(steps):
        rows = slice(off, off + b)
        if dOut is None:
            dhb = dhs[:b]
        else:
            dhb = dh[:b]
            xp.add(dOut[rows], dhs[:b], out=dhb)
        if Whr is None:
            dr = dhb
        else:
            dHs[rows] = dhb
            dr = dr_buf[:b]
            xp.matmul(dhb, Whr, out=dr)
        dcb = dc[:b]
        xp.multiply(dr, A[rows], out=dcb)
        dcb += dcs[:b]
        dg = dG[rows]
        dg3 = dg.reshape(b, 4, H)[:, :3]
        xp.multiply(dcb[:, None, :], dg3, out=dg3)
        xp.multiply(dr, dg[:, 3 * H:], out=dg[:, 3 * H:])
        xp.multiply(dcb, ff[rows], out=dcs[:b])
        xp.matmul(dg, Whh_p, out=dhs[:b])
    dx, dwih, dwhh, db, dwhr = None, None, None, None, None
    if need[0]:
        dx = dG @ Wih[perm]
    if need[3]:
        dwih = (dG.T @ X)[inv]
    if need[4]:
        dwhh = (dG.T @ Hprev)[inv]
    if need[5] or need[6]:
        db = dG.sum(0)[inv]
    if Whr is not None and need[7]:
        dwhr = dHs.T @ R
    return dx, dhs, dcs, dwih, dwhh, db, dwhr


# -- GRU on arrays -----------------------------------------------------------------------------
def _gru_forward(xp, X, h0, Wih, Whh, bih, bhh, steps, keep):
    N, B = X.shape[0], h0.shape[0]
    H = Whh.shape[0] // 3
    dt = X.dtype
    rows3 = slice(None)
    half = xp.full(3 * H, 0.5, dt)
    half[2 * H:] = 1
    GI = X @ _scaled_t(xp, Wih, rows3, half)  # becomes (r, z, n) after each step
    if bih is not None:
        GI += bih * half
    WhhT = _scaled_t(xp, Whh, rows3, half)
    bh = None if bhh is None else bhh * half
    GH = xp.empty((N, 3 * H), dt)
    hs = _States(xp, h0, N, steps, keep)
    Out = hs.all
    tmp = xp.empty((B, H), dt)
    hp = None
    for off, b in steps:
        hp = _state(xp, hp, h0, b)
        hs.note(hp)
        gi, gh = GI[off:off + b], GH[off:off + b]
        xp.matmul(hp, WhhT, out=gh)
        if bh is not None:
            gh += bh
        rz = gi[:, :2 * H]
        rz += gh[:, :2 * H]
        xp.tanh(rz, out=rz)
        rz *= 0.5
        rz += 0.5
        n = gi[:, 2 * H:]
        t = tmp[:b]
        xp.multiply(gi[:, :H], gh[:, 2 * H:], out=t)
        n += t
        xp.tanh(n, out=n)
        h = Out[off:off + b]
        xp.subtract(hp, n, out=h)
        h *= gi[:, H:2 * H]
        h += n
        hp = h
    return Out, _final(Out, steps, B), (GI, GH, hs.before()) if keep else None


def _gru_backward(xp, dOut, dhn, X, Wih, Whh, saved, steps, B, need):
    GI, GH, Hprev = saved
    H = Whh.shape[0] // 3
    dt = GI.dtype
    r, z, n, ghn = GI[:, :H], GI[:, H:2 * H], GI[:, 2 * H:], GH[:, 2 * H:]
    # dn = dh * A1, dz = dh * A2, dr = dn * A3 (all before activation)
    A1 = n * n
    xp.subtract(1, A1, out=A1)
    one_z = 1 - z
    A1 *= one_z
    A2 = Hprev - n
    A2 *= z
    A2 *= one_z
    A3 = 1 - r
    A3 *= r
    A3 *= ghn
    dGI = xp.empty_like(GI)
    dGH = xp.empty_like(GH)
    dhs = xp.zeros((B, H), dt) if dhn is None else dhn.astype(dt, copy=True)
    dh = xp.empty((B, H), dt)
    tmp = xp.empty((B, H), dt)
    for off, b in reversed(steps):
        rows = slice(off, off + b)
        if dOut is None:
            dhb = dhs[:b]
        else:
            dhb = dh[:b]
            xp.add(dOut[rows], dhs[:b], out=dhb)
        dgi, dgh = dGI[rows], dGH[rows]
        dn = dgi[:, 2 * H:]
        xp.multiply(dhb, A1[rows], out=dn)
        xp.multiply(dhb, A2[rows], out=dgi[:, H:2 * H])
        xp.multiply(dn, A3[rows], out=dgi[:, :H])
        dgh[:, :2 * H] = dgi[:, :2 * H]
        xp.multiply(dn, r[rows], out=dgh[:, 2 * H:])
        t = tmp[:b]
        xp.matmul(dgh, Whh, out=t)
        xp.multiply(dhb, z[rows], out=dhs[:b])
        dhs[:b] += t
    return (dGI @ Wih if need[0] else None, dhs, dGI.T @ X if need[3] else None,
            dGH.T @ Hprev if need[4] else None, dGI.sum(0) if need[5] else None,
            dGH.sum(0) if need[6] else None)


# -- Elman RNN on arrays -----------------------------------------------------------------------
def _elman_forward(xp, X, h0, Wih, Whh, bias, relu, steps, keep):
    N, B = X.shape[0], h0.shape[0]
    hs = _States(xp, h0, N, steps, keep)
    Out = hs.all
    xp.matmul(X, xp.ascontiguousarray(Wih.T), out=Out)
    if bias is not None:
        Out += bias
    WhhT = xp.ascontiguousarray(Whh.T)
    tmp = xp.empty((B, Whh.shape[0]), X.dtype)
    hp = None
    for off, b in steps:
        hp = _state(xp, hp, h0, b)
        hs.note(hp)
        h = Out[off:off + b]
        t = tmp[:b]
        xp.matmul(hp, WhhT, out=t)
        h += t
        if relu:
            xp.maximum(h, 0, out=h)
        else:
            xp.tanh(h, out=h)
        hp = h
    return Out, _final(Out, steps, B), (hs.before(),) if keep else None


def _elman_backward(xp, dOut, dhn, X, Out, Wih, Whh, relu, saved, steps, B, need):
    (Hprev,) = saved
    dt = Out.dtype
    if relu:
        D = (Out > 0).astype(dt)
    else:
        D = Out * Out
        xp.subtract(1, D, out=D)
    dG = xp.empty_like(Out)
    dhs = xp.zeros((B, Out.shape[1]), dt) if dhn is None else dhn.astype(dt, copy=True)
    dh = xp.empty_like(dhs)
    for off, b in reversed(steps):
        rows = slice(off, off + b)
        if dOut is None:
            dhb = dhs[:b]
        else:
            dhb = dh[:b]
            xp.add(dOut[rows], dhs[:b], out=dhb)
        dg = dG[rows]
        xp.multiply(dhb, D[rows], out=dg)
        xp.matmul(dg, Whh, out=dhs[:b])
    db = dG.sum(0) if need[5] or need[6] else None
    return (dG @ Wih if need[0] else None, dhs, dG.T @ X if need[3] else None,
            dG.T @ Hprev if need[4] else None, db)


# -- the fused layer node ----------------------------------------------------------------------
class _RnnLayerBackward(Node):
    """Backward of one fused recurrent layer (one direction); see Note [Fused recurrent
    layers]. Inputs: x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr (None where absent)."""

    def backward(self, *grads):
        if grad_mode.state.enabled:
            return self._recorded_backward(grads)
        saved = self.saved_tensors
        x, _, _, w_ih, w_hh, _, _, w_hr = saved[:8]
        inner = tuple(None if t is None else t._data for t in saved[8:])
        xp = xp_of(x)
        need = self.needs_input_grad
        X = x._data.reshape(-1, x.shape[-1])
        gout = grads[0]
        dOut = None if gout is None else gout._data.reshape(X.shape[0], -1)
        dhn = None if grads[1] is None else grads[1]._data
        mode, steps, B = self.mode, self.steps, self.batch
        dc0 = dwhr = None
        if mode == "LSTM":
            dcn = None if grads[2] is None else grads[2]._data
            dx, dh0, dc0, dwih, dwhh, db, dwhr = _lstm_backward(
                xp, dOut, dhn, dcn, X, w_ih._data, w_hh._data,
                None if w_hr is None else w_hr._data, inner, steps, B, need)
            dbih, dbhh = db, None if db is None else db.copy()  # (two gradients, two arrays)
        elif mode == "GRU":
            dx, dh0, dwih, dwhh, dbih, dbhh = _gru_backward(
                xp, dOut, dhn, X, w_ih._data, w_hh._data, inner, steps, B, need)
        else:
            out = inner[0].reshape(X.shape[0], -1)
            dx, dh0, dwih, dwhh, db = _elman_backward(
                xp, dOut, dhn, X, out, w_ih._data, w_hh._data, mode == "RNN_RELU", inner[1:],
                steps, B, need)
            dbih, dbhh = db, None if db is None else db.copy()
        dev = x._device
        result = [None] * 8
        for i, a in enumerate((dx, dh0, dc0, dwih, dwhh, dbih, dbhh, dwhr)):
            if a is not None and need[i]:
                result[i] = wrap(a.reshape(x.shape) if i == 0 else a, dev)
        return tuple(result)

    def _recorded_backward(self, grads):
        """The gradients as a recorded graph: rerun the layer with Tensor ops and
        differentiate that (see Note [Fused recurrent layers])."""
        from ..autograd import grad as autograd_grad
        inputs = self.saved_tensors[:8]
        outs = _layer_composite(self.mode, *inputs, self.steps)
        pairs = [(o, g) for o, g in zip(outs, grads) if o is not None and g is not None]
        need = self.needs_input_grad
        wrt = [t for t, n in zip(inputs, need) if n]
        res = iter(autograd_grad([o for o, _ in pairs], wrt, [g for _, g in pairs],
                                 create_graph=True, allow_unused=True))
        return tuple(next(res) if n else None for n in need)


class MkldnnRnnLayerBackward0(_RnnLayerBackward):
    """The fused LSTM layer (the name PyTorch's CPU LSTM node has)."""

    num_outputs = 3


class GruLayerBackward0(_RnnLayerBackward):
    num_outputs = 2


class RnnTanhLayerBackward0(_RnnLayerBackward):
    num_outputs = 2


class RnnReluLayerBackward0(_RnnLayerBackward):
    num_outputs = 2


_NODES = {"LSTM": MkldnnRnnLayerBackward0, "GRU": GruLayerBackward0,
          "RNN_TANH": RnnTanhLayerBackward0, "RNN_RELU": RnnReluLayerBackward0}


def _layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, steps):
    """One direction of one layer, fused: ``x`` is (T, B, F) or packed (N, F); returns
    (output, h_n, c_n), c_n None but for LSTM."""
    xp = xp_of(x)
    F = x.shape[-1]
    X = x._data.reshape(-1, F)
    wi = w_ih._data
    if wi.shape[1] != F:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({X.shape[0]}x{F} and "
                           f"{wi.shape[1]}x{wi.shape[0]})")
    keep = requires_grad(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)
    B = h0.shape[0]
    bias = None
    if b_ih is not None:
        bias = b_ih._data + b_hh._data
    cn = None
    if mode == "LSTM":
        out, hn, cn, saved = _lstm_forward(xp, X, h0._data, c0._data, wi, w_hh._data, bias,
                                           None if w_hr is None else w_hr._data, steps, keep)
    elif mode == "GRU":
        out, hn, saved = _gru_forward(xp, X, h0._data, wi, w_hh._data,
                                      None if b_ih is None else b_ih._data,
                                      None if b_hh is None else b_hh._data, steps, keep)
    else:
        out, hn, saved = _elman_forward(xp, X, h0._data, wi, w_hh._data, bias,
                                        mode == "RNN_RELU", steps, keep)
    dev = x._device
    output = wrap(out.reshape(x.shape[:-1] + (out.shape[1],)), dev)
    hn = wrap(hn, dev)
    cn = None if cn is None else wrap(cn, dev)
    if keep:
        node = record(_NODES[mode], (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr),
                      (output, hn) if cn is None else (output, hn, cn))
        inner = [wrap(a, dev) if a is not None else None for a in saved]
        if mode not in ("LSTM", "GRU"):
            inner.insert(0, output)
        node.save(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, *inner)
        node.mode, node.steps, node.batch = mode, steps, B
    return output, hn, cn


# -- cells (Tensor ops) ------------------------------------------------------------------------
def _linear(x, w, b):
    from .linalg import addmm, mm
    return mm(x, w.t()) if b is None else addmm(b, x, w.t())


def _lstm_step(x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    gates = _linear(h, w_hh, b_hh) + _linear(x, w_ih, b_ih)
    i, f, g, o = gates.chunk(4, 1)
    cy = f.sigmoid() * c + i.sigmoid() * g.tanh()
    hy = o.sigmoid() * cy.tanh()
    if w_hr is not None:
        hy = _linear(hy, w_hr, None)
    return hy, cy


def _gru_step(x, h, w_ih, w_hh, b_ih, b_hh):
    i_r, i_z, i_n = _linear(x, w_ih, b_ih).chunk(3, 1)
    h_r, h_z, h_n = _linear(h, w_hh, b_hh).chunk(3, 1)
    r = (h_r + i_r).sigmoid()
    z = (h_z + i_z).sigmoid()
    n = (i_n + h_n * r).tanh()
    return (h - n) * z + n


def _elman_step(x, h, w_ih, w_hh, b_ih, b_hh, relu):
    pre = _linear(h, w_hh, b_hh) + _linear(x, w_ih, b_ih)
    return pre.relu() if relu else pre.tanh()


def _layer_composite(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, steps):
    """``_layer`` cell by cell with Tensor ops (what a recorded backward differentiates)."""
    from .shape import cat
    X = x.reshape(-1, x.shape[-1])
    B = h0.shape[0]
    first = steps[0][1]
    h = h0 if first == B else h0[:first]
    c = None if c0 is None else (c0 if first == B else c0[:first])
    done_h, done_c, outs = [], [], {}
    for off, b in steps:
        cur = h.shape[0]
        if b < cur:  # sequences that ended: their state is final
            done_h.append(h[b:])
            h = h[:b]
            if c is not None:
                done_c.append(c[b:])
                c = c[:b]
        elif b > cur:  # (reversed) sequences that start here
            h = cat([h, h0[cur:b]])
            if c is not None:
                c = cat([c, c0[cur:b]])
        xt = X[off:off + b]
        if mode == "LSTM":
            h, c = _lstm_step(xt, h, c, w_ih, w_hh, b_ih, b_hh, w_hr)
        elif mode == "GRU":
            h = _gru_step(xt, h, w_ih, w_hh, b_ih, b_hh)
        else:
            h = _elman_step(xt, h, w_ih, w_hh, b_ih, b_hh, mode == "RNN_RELU")
        outs[off] = h
    hn = cat([h] + done_h[::-1]) if done_h else h
    cn = None if c is None else (cat([c] + done_c[::-1]) if done_c else c)
    out = cat([outs[k] for k in sorted(outs)])
    return out.reshape(tuple(x.shape[:-1]) + (out.shape[-1],)), hn, cn


def _check_cell(input, hx, w_ih, w_hh, names=("hidden0",)):
    if input.shape[1] != w_ih.shape[1]:
        raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected "
                           f"{w_ih.shape[1]}")
    hidden = w_hh.shape[1]
    for name, h in zip(names, hx):
        if input.shape[0] != h.shape[0]:
            raise RuntimeError(f"Input batch size {input.shape[0]} doesn't match {name} batch "
                               f"size {h.shape[0]}")
        if h.shape[1] != hidden:
            raise RuntimeError(f"{name} has inconsistent hidden_size: got {h.shape[1]}, "
                               f"expected {hidden}")


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One LSTM step: ``(h', c')`` from ``input`` (B, in) and ``hx = (h, c)``; gates in
    PyTorch's order (input, forget, cell, output)."""
    _check_cell(input, hx, w_ih, w_hh, ("hidden0", "hidden1"))
    return _lstm_step(input, hx[0], hx[1], w_ih, w_hh, b_ih, b_hh)


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One GRU step: ``h' = (1 - z) * n + z * h`` with ``n = tanh(W_in x + b_in + r * (W_hn h
    + b_hn))``; gates in PyTorch's order (reset, update, new)."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _gru_step(input, hx, w_ih, w_hh, b_ih, b_hh)


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step: ``tanh(W_ih x + b_ih + W_hh h + b_hh)``."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _elman_step(input, hx, w_ih, w_hh, b_ih, b_hh, False)


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """One Elman step with relu: ``relu(W_ih x + b_ih + W_hh h + b_hh)``."""
    _check_cell(input, (hx,), w_ih, w_hh)
    return _elman_step(input, hx, w_ih, w_hh, b_ih, b_hh, True)


# -- whole networks ----------------------------------------------------------------------------
def _network(mode, input, batch_sizes, hx, params, has_biases, num_layers, dropout, train,
             bidirectional, batch_first):
    from .shape import cat, stack
    dirs = 2 if bidirectional else 1
    per = len(params) // (num_layers * dirs)
    if batch_sizes is None:
        x = input.transpose(0, 1) if batch_first else input
        T, B = x.shape[0], x.shape[1]
        sizes = None
    else:
        x = input
        sizes = [int(b) for b in (batch_sizes.tolist() if isinstance(batch_sizes, Tensor)
                                  else batch_sizes)]
        T, B = len(sizes), sizes[0]
    h0, c0 = (hx if mode == "LSTM" else (hx, None))
    for h in (h0, c0):
        if h is not None and h.dim() == 3 and h.shape[1] != B:
            raise RuntimeError(f"The size of tensor a ({h.shape[1]}) must match the size of "
                               f"tensor b ({B}) at non-singleton dimension 0")
    schedules = [_schedule(sizes, T, B, d == 1) for d in range(dirs)]
    hs, cs = [], []
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            i = layer * dirs + d
            w = list(params[i * per:(i + 1) * per])
            w_ih, w_hh = w[0], w[1]
            b_ih, b_hh = (w[2], w[3]) if has_biases else (None, None)
            w_hr = w[-1] if per in (3, 5) else None
            out, h, c = _layer(mode, x, h0[i], None if c0 is None else c0[i], w_ih, w_hh,
                               b_ih, b_hh, w_hr, schedules[d])
            outs.append(out)
            hs.append(h)
            cs.append(c)
        x = outs[0] if dirs == 1 else cat(outs, -1)
        if dropout > 0 and train and layer < num_layers - 1:
            from .dropout import dropout as _dropout
            x = _dropout(x, dropout, True)
    if batch_sizes is None and batch_first:
        x = x.transpose(0, 1)
    hn = stack(hs, 0)
    if mode == "LSTM":
        return x, hn, stack(cs, 0)
    return x, hn


def _unpack_args(mode, args):
    """PyTorch's two overloads: (input, hx, params, has_biases, num_layers, dropout, train,
    bidirectional, batch_first) and (data, batch_sizes, hx, params, has_biases, num_layers,
    dropout, train, bidirectional); has_biases or params comes fourth."""
    if len(args) != 9:
        raise TypeError(f"{mode.lower()}() takes 9 arguments ({len(args)} given)")
    if isinstance(args[3], bool):
        return (args[0], None) + tuple(args[1:])
    return tuple(args) + (False,)


def lstm(*args):
    """A multi-layer LSTM, as ``torch.lstm``: ``(input, (h0, c0), params, has_biases,
    num_layers, dropout, train, bidirectional, batch_first)`` or, for packed data, ``(data,
    batch_sizes, (h0, c0), params, ...)`` without batch_first. Returns (output, h_n, c_n)."""
    return _network("LSTM", *_unpack_args("LSTM", args))


def gru(*args):
    """A multi-layer GRU, as ``torch.gru`` (arguments as ``lstm``, ``hx`` one tensor)."""
    return _network("GRU", *_unpack_args("GRU", args))


def rnn_tanh(*args):
    """A multi-layer Elman RNN with tanh, as ``torch.rnn_tanh``."""
    return _network("RNN_TANH", *_unpack_args("RNN_TANH", args))


def rnn_relu(*args):
    """A multi-layer Elman RNN with relu, as ``torch.rnn_relu``."""
    return _network("RNN_RELU", *_unpack_args("RNN_RELU", args))


# -- packing -----------------------------------------------------------------------------------
def _padded_index(batch_sizes, T, B, fill):
    """For each (t, b) of a (T, B) padded layout, the row of the packed data holding it, or
    ``fill`` where it is padding."""
    idx = np.full(T * B, fill, np.int64)
    off = 0
    for t, b in enumerate(batch_sizes):
        idx[t * B:t * B + b] = np.arange(off, off + b)
        off += b
    return idx


def _pad_rows(data, batch_sizes, T, B, padding_value):
    """Packed rows ``data`` (N, *) laid out as (T, B, *), with ``padding_value`` elsewhere:
    one cat and one index_select, so it is differentiable with Tensor ops."""
    from .creation import tensor
    from .shape import cat
    rest = tuple(data.shape[1:])
    full = cat([data, data.new_full((1,) + rest, padding_value)])
    idx = tensor(_padded_index(batch_sizes, T, B, data.shape[0]), device=data.device)
    return full.index_select(0, idx).view((T, B) + rest)


class PackPaddedSequenceBackward0(Node):
    def backward(self, grad):
        out = _pad_rows(grad, self.batch_sizes, self.steps, self.batch, 0)
        if self.pad_steps > self.steps:  # time steps past the longest sequence
            from .shape import cat
            out = cat([out, out.new_zeros((self.pad_steps - self.steps,) + tuple(out.shape[1:]))])
        return out.transpose(0, 1) if self.batch_first else out


def _pack_padded_sequence(input, lengths, batch_first):
    """(data, batch_sizes) of a padded (T, B, *) (or (B, T, *)) ``input`` whose sequences,
    sorted by decreasing length, have ``lengths`` (an int64 tensor)."""
    from .creation import tensor
    a = input._data
    if a.size == 0:
        raise RuntimeError("Cannot pack empty tensors.")
    if batch_first:
        a = a.swapaxes(0, 1)
    T, B = a.shape[0], a.shape[1]
    lens = [int(v) for v in lengths.tolist()]
    if len(lens) != B:
        raise RuntimeError(f"Expected `len(lengths)` to be equal to batch_size, but got "
                           f"{len(lens)} (batch_size={B})")
    if lens[-1] <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if any(lens[i + 1] > lens[i] for i in range(B - 1)):
        raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                           "`enforce_sorted` is True. You can pass `enforce_sorted=False` to "
                           "pack_padded_sequence and/or pack_sequence to sidestep this "
                           "requirement if you do not need ONNX exportability.")
    if lens[0] > T:
        raise RuntimeError(f"Expected sequence lengths to be at most the padded length {T}, "
                           f"but got {lens[0]}")
    steps = lens[0]
    sizes = [sum(1 for n in lens if n > t) for t in range(steps)]
    rows = np.concatenate([t * B + np.arange(b) for t, b in enumerate(sizes)])
    data = wrap(a.reshape((T * B,) + a.shape[2:])[rows], input._device)
    if requires_grad(input):
        node = record(PackPaddedSequenceBackward0, (input,), (data,))
        node.batch_sizes, node.steps, node.batch, node.pad_steps = sizes, steps, B, T
        node.batch_first = batch_first
    return data, tensor(sizes, dtype=_int64())


def _int64():
    from .. import _dtype
    return _dtype.int64

"""Recurrent layers against PyTorch: RNN / LSTM / GRU over every option combination
(layers, directions, batch_first, initial states, bias, proj_size, unbatched and packed
inputs), cells, seeded initialisation, reprs, gradients and gradcheck, double backward, the
nn.utils.rnn packing functions, and errors."""

import itertools
import warnings
from collections import OrderedDict

import numpy as np
import pytest
import torch

import torcia
from torcia.autograd import gradcheck, gradgradcheck

from ..ops.opcheck import check
from ..same import same

RNG = np.random.default_rng(11)
MODES = [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("GRU", {}), ("LSTM", {})]


def _arr(*shape, dtype=np.float32):
    return RNG.standard_normal(shape).astype(dtype)


def _pair(name, *args, dtype="float32", **kwargs):
    """A torch module and a torcia module holding the same (torch-initialised) weights."""
    m_t = getattr(torch.nn, name)(*args, **kwargs).to(getattr(torch, dtype))
    m_c = getattr(torcia.nn, name)(*args, **kwargs).to(getattr(torcia, dtype))
    m_c.load_state_dict(OrderedDict(
        (k, torcia.from_numpy(v.detach().numpy().copy())) for k, v in m_t.state_dict().items()))
    return m_t, m_c


def _flat(x):
    if hasattr(x, "batch_sizes"):  # PackedSequence: its data
        return [x.data]
    if isinstance(x, (tuple, list)):
        return [t for y in x for t in _flat(y)]
    return [x]


def _close(a, e, what, atol, rtol):
    assert str(a.dtype) == str(e.dtype), f"{what}: dtype {a.dtype} != {e.dtype}"
    assert tuple(a.shape) == tuple(e.shape), f"{what}: shape {tuple(a.shape)} != {e.shape}"
    np.testing.assert_allclose(a.detach().numpy(), e.detach().numpy(), atol=atol, rtol=rtol,
                               err_msg=what)


def compare(m_t, m_c, make_inputs, atol=1e-5, rtol=1e-4):
    """Run both modules on ``make_inputs(lib)`` (a tuple of args), compare every output,
    then backpropagate the same random gradients and compare the gradients of the inputs
    and of every parameter."""
    ins_t, ins_c = make_inputs(torch), make_inputs(torcia)
    out_t, out_c = m_t(*ins_t), m_c(*ins_c)
    ft, fc = _flat(out_t), _flat(out_c)
    assert len(ft) == len(fc)
    for i, (a, e) in enumerate(zip(fc, ft)):
        _close(a, e, f"output {i}", atol, rtol)
    ups = [_arr(*e.shape, dtype=e.detach().numpy().dtype) for e in ft]
    torch.autograd.backward(ft, [torch.from_numpy(u) for u in ups])
    torcia.autograd.backward(fc, [torcia.from_numpy(u.copy()) for u in ups])
    for i, (a, e) in enumerate(zip(_flat(ins_c), _flat(ins_t))):
        if isinstance(e, torch.Tensor) and e.requires_grad and e.is_leaf:
            _close(a.grad, e.grad, f"grad of input {i}", atol * 10, rtol * 10)
    for (n, pt), (_, pc) in zip(m_t.named_parameters(), m_c.named_parameters()):
        _close(pc.grad, pt.grad, f"grad of {n}", atol * 10, rtol * 10)
    return out_c


def leaf(lib, arr):
    t = torch.from_numpy(arr.copy()) if lib is torch else torcia.from_numpy(arr.copy())
    return t.requires_grad_(True)


# -- networks over all option combinations ------------------------------------------------------
COMBOS = list(itertools.product(range(len(MODES)), (1, 2), (False, True), (False, True),
                                (False, True)))


@pytest.mark.parametrize("mode,layers,bidir,batch_first,with_h0", COMBOS)
def test_network(mode, layers, bidir, batch_first, with_h0):
    name, kw = MODES[mode]
    T, B, F, H = 4, 3, 5, 6
    m_t, m_c = _pair(name, F, H, num_layers=layers, bidirectional=bidir,
                     batch_first=batch_first, **kw)
    x = _arr(B, T, F) if batch_first else _arr(T, B, F)
    D = layers * (2 if bidir else 1)
    h0, c0 = _arr(D, B, H), _arr(D, B, H)

    def inputs(lib):
        if not with_h0:
            return (leaf(lib, x),)
        hx = (leaf(lib, h0), leaf(lib, c0)) if name == "LSTM" else leaf(lib, h0)
        return leaf(lib, x), hx
    compare(m_t, m_c, inputs)


@pytest.mark.parametrize("mode", range(len(MODES)))
def test_no_bias_unbatched_and_eval(mode):
    name, kw = MODES[mode]
    m_t, m_c = _pair(name, 3, 4, bias=False, num_layers=2, **kw)
    x, h0, c0 = _arr(5, 3), _arr(2, 4), _arr(2, 4)

    def inputs(lib):
        hx = (leaf(lib, h0), leaf(lib, c0)) if name == "LSTM" else leaf(lib, h0)
        return leaf(lib, x), hx
    compare(m_t, m_c, inputs)
    compare(m_t, m_c, lambda lib: (leaf(lib, x),))
    m_t.eval()
    m_c.eval()
    with torch.no_grad(), torcia.no_grad():
        ft, fc = _flat(m_t(torch.from_numpy(x))), _flat(m_c(torcia.from_numpy(x)))
    for a, e in zip(fc, ft):
        _close(a, e, "eval output", 1e-5, 1e-4)
        assert not a.requires_grad


@pytest.mark.parametrize("layers,bidir,with_h0", [(1, False, False), (2, True, True),
                                                  (1, True, True), (2, False, True)])
def test_lstm_proj_size(layers, bidir, with_h0):
    m_t, m_c = _pair("LSTM", 4, 6, num_layers=layers, bidirectional=bidir, proj_size=3,
                     batch_first=True)
    D = layers * (2 if bidir else 1)
    x, h0, c0 = _arr(2, 5, 4), _arr(D, 2, 3), _arr(D, 2, 6)
    compare(m_t, m_c, lambda lib: (leaf(lib, x), (leaf(lib, h0), leaf(lib, c0)))
            if with_h0 else (leaf(lib, x),))


@pytest.mark.parametrize("mode,bidir,sorted_,with_h0",
                         list(itertools.product(range(len(MODES)), (False, True),
                                                (True, False), (False, True))))
def test_packed_input(mode, bidir, sorted_, with_h0):
    name, kw = MODES[mode]
    m_t, m_c = _pair(name, 3, 4, num_layers=2, bidirectional=bidir, **kw)
    lengths = [5, 3, 3, 1] if sorted_ else [3, 5, 1, 3]
    x = _arr(5, 4, 3)
    D = 2 * (2 if bidir else 1)
    h0, c0 = _arr(D, 4, 4), _arr(D, 4, 4)

    def inputs(lib):
        packed = lib.nn.utils.rnn.pack_padded_sequence(leaf(lib, x), lengths,
                                                       enforce_sorted=sorted_)
        if not with_h0:
            return (packed,)
        return packed, ((leaf(lib, h0), leaf(lib, c0)) if name == "LSTM" else leaf(lib, h0))
    out = compare(m_t, m_c, inputs)
    assert isinstance(out[0], torcia.nn.utils.rnn.PackedSequence)


def test_packed_output_padded_back():
    m_t, m_c = _pair("LSTM", 3, 4, bidirectional=True)
    x = _arr(2, 6, 3)

    def run(lib, m):
        R = lib.nn.utils.rnn
        packed = R.pack_padded_sequence(leaf(lib, x), lib.tensor([4, 6]), batch_first=True,
                                        enforce_sorted=False)
        out, (h, c) = m(packed)
        padded, lengths = R.pad_packed_sequence(out, batch_first=True, total_length=7)
        return padded, lengths, h, c
    a, e = run(torcia, m_c), run(torch, m_t)
    assert a[1].tolist() == e[1].tolist() and str(a[1].dtype) == str(e[1].dtype)
    for u, v, w in zip((a[0], a[2], a[3]), (e[0], e[2], e[3]), ("padded", "h", "c")):
        _close(u, v, w, 1e-5, 1e-4)


@pytest.mark.parametrize("mode,packed", itertools.product(range(len(MODES)), (False, True)))
def test_loss_on_final_state_only(mode, packed):
    """Only h_n (or c_n) reaches the loss: the output's gradient is None in backward."""
    name, kw = MODES[mode]
    m_t, m_c = _pair(name, 3, 4, num_layers=2, bidirectional=True, **kw)
    x = _arr(5, 3, 3)

    def run(lib, m):
        xt = leaf(lib, x)
        inp = lib.nn.utils.rnn.pack_padded_sequence(xt, [5, 4, 2]) if packed else xt
        out, hx = m(inp)
        h = hx[1] if name == "LSTM" else hx
        (h * lib.arange(h.numel(), dtype=h.dtype).view(h.shape)).sum().backward()
        return [xt.grad] + [p.grad for p in m.parameters()]
    for i, (a, e) in enumerate(zip(run(torcia, m_c), run(torch, m_t))):
        _close(a, e, f"gradient {i}", 1e-4, 1e-4)


@pytest.mark.parametrize("name,bidir,packed",
                         list(itertools.product(("lstm", "gru", "rnn_tanh", "rnn_relu"),
                                                (False, True), (False, True))))
def test_network_functions(name, bidir, packed):
    """torch.lstm / gru / rnn_tanh / rnn_relu (one layer) through the op-table check: every
    weight and the initial states are inputs."""
    gates = {"lstm": 4, "gru": 3}.get(name, 1)
    dirs = 2 if bidir else 1
    H, F = 3, 2

    def fn(lib, x, h, c, *ws):
        f = getattr(torcia._ops.rnn if lib is torcia else torch, name)
        hx = (h, c) if name == "lstm" else h
        if packed:
            sizes = lib.tensor([3, 2, 2, 1])
            return f(x, sizes, hx, list(ws), True, 1, 0.0, True, bidir)
        return f(x, hx, list(ws), True, 1, 0.0, True, bidir, False)
    weights = [(gates * H, F), (gates * H, H), (gates * H,), (gates * H,)] * dirs
    x = (8, F) if packed else (4, 3, F)
    check(fn, [x, (dirs, 3, H), (dirs, 3, H)] + weights, low=-1.0, high=1.0)


# -- cells -------------------------------------------------------------------------------------
CELLS = [("RNNCell", {}), ("RNNCell", {"nonlinearity": "relu"}), ("RNNCell", {"bias": False}),
         ("GRUCell", {}), ("GRUCell", {"bias": False}), ("LSTMCell", {}),
         ("LSTMCell", {"bias": False})]


@pytest.mark.parametrize("cell", range(len(CELLS)))
def test_cells(cell):
    name, kw = CELLS[cell]
    m_t, m_c = _pair(name, 3, 4, **kw)
    for batched, with_h in itertools.product((True, False), (True, False)):
        x, h, c = (_arr(2, 3), _arr(2, 4), _arr(2, 4)) if batched else \
            (_arr(3), _arr(4), _arr(4))

        def inputs(lib):
            if not with_h:
                return (leaf(lib, x),)
            return leaf(lib, x), ((leaf(lib, h), leaf(lib, c)) if name == "LSTMCell"
                                  else leaf(lib, h))
        for p in list(m_t.parameters()) + list(m_c.parameters()):
            p.grad = None
        compare(m_t, m_c, inputs)


@pytest.mark.parametrize("name,gates", [("lstm_cell", 4), ("gru_cell", 3),
                                        ("rnn_tanh_cell", 1), ("rnn_relu_cell", 1)])
def test_cell_functions(name, gates):
    """The cell ops through the op-table check (values, gradients, gradcheck)."""
    def fn(lib, x, h, c, wi, wh, bi, bh):
        f = getattr(torcia._ops.rnn if lib is torcia else torch, name)
        hx = (h, c) if name == "lstm_cell" else h
        return f(x, hx, wi, wh, bi, bh)
    H = 3
    check(fn, [(2, 4), (2, H), (2, H), (gates * H, 4), (gates * H, H), (gates * H,),
               (gates * H,)], low=-1.0, high=1.0)


def test_cell_node_names():
    def fn(lib):
        lib.manual_seed(0)
        x = lib.ones(2, 3)
        h, c = lib.nn.LSTMCell(3, 4)(x)
        return (h.grad_fn.name(), c.grad_fn.name(), lib.nn.GRUCell(3, 4)(x).grad_fn.name(),
                lib.nn.RNNCell(3, 4)(x).grad_fn.name(),
                lib.nn.RNNCell(3, 4, nonlinearity="relu")(x).grad_fn.name())
    same(fn)


def test_network_node_names():
    """float32 LSTM layers are one node each (PyTorch's CPU node name), outputs of two
    directions are concatenated and final states stacked, as in PyTorch."""
    def fn(lib):
        x = lib.ones(3, 2, 4)
        o, (h, c) = lib.nn.LSTM(4, 5, bidirectional=True, num_layers=2)(x)
        return (o.grad_fn.name(), h.grad_fn.name(), c.grad_fn.name(),
                [n.name() for n, _ in o.grad_fn.next_functions])
    same(fn)


# -- initialisation and repr -------------------------------------------------------------------
INITS = [("RNN", (3, 4), {}), ("RNN", (3, 4, 2, "relu"), {"bias": False}),
         ("LSTM", (3, 5), {"num_layers": 2, "bidirectional": True, "proj_size": 2}),
         ("LSTM", (3, 5), {"batch_first": True, "dropout": 0.5, "num_layers": 2}),
         ("GRU", (3, 4), {"num_layers": 3, "bidirectional": True}),
         ("RNNCell", (3, 4), {"nonlinearity": "relu", "bias": False}), ("LSTMCell", (3, 4), {}),
         ("GRUCell", (2, 3), {})]


@pytest.mark.parametrize("name,args,kwargs", INITS)
def test_seeded_init_and_repr(name, args, kwargs):
    def fn(lib):
        lib.manual_seed(5)
        m = getattr(lib.nn, name)(*args, **kwargs)
        return (repr(m), [(n, p.detach()) for n, p in m.named_parameters()],
                list(m.state_dict()), lib.rand(2))
    same(fn)


def test_attributes():
    def fn(lib):
        m = lib.nn.LSTM(3, 4, num_layers=2, bidirectional=True)
        return ([[tuple(w.shape) for w in ws] for ws in m.all_weights],
                [tuple(w.shape) for w in m._flat_weights], m._flat_weights_names, m.mode,
                m.dropout, lib.nn.RNN(2, 3, nonlinearity="relu").nonlinearity,
                lib.nn.GRU(2, 3).mode, lib.nn.RNN(2, 3).mode)
    same(fn)


def test_dtype_and_device_kwargs():
    same(lambda lib: [p.dtype for p in lib.nn.GRU(2, 3, dtype=lib.float64).parameters()])
    m_t, m_c = _pair("GRU", 2, 3, dtype="float64", num_layers=2)
    x = _arr(4, 2, 2, dtype=np.float64)
    compare(m_t, m_c, lambda lib: (leaf(lib, x),), atol=1e-12, rtol=1e-10)


# -- gradcheck and double backward -------------------------------------------------------------
def _f64(*shape):
    return torcia.tensor(RNG.standard_normal(shape), requires_grad=True)


def _impl(name, kw):
    f = torcia._ops.rnn
    return {"RNN": f.rnn_relu if kw else f.rnn_tanh, "GRU": f.gru, "LSTM": f.lstm}[name]


@pytest.mark.parametrize("mode", range(len(MODES)))
def test_gradcheck_network(mode):
    name, kw = MODES[mode]
    torcia.manual_seed(1)
    m = getattr(torcia.nn, name)(2, 3, num_layers=2, bidirectional=True, **kw).double()
    ps = [p.detach().clone().requires_grad_(True) for p in m.parameters()]
    x, h0, c0 = _f64(3, 2, 2), _f64(4, 2, 3), _f64(4, 2, 3)
    impl = _impl(name, kw)
    if name == "LSTM":
        assert gradcheck(lambda x, h0, c0, *ps: impl(x, (h0, c0), list(ps), True, 2, 0.0, True,
                                                     True, False), (x, h0, c0, *ps))
    else:
        assert gradcheck(lambda x, h0, *ps: impl(x, h0, list(ps), True, 2, 0.0, True, True,
                                                 False), (x, h0, *ps))


@pytest.mark.parametrize("mode", range(len(MODES)))
def test_gradcheck_packed(mode):
    name, kw = MODES[mode]
    torcia.manual_seed(2)
    m = getattr(torcia.nn, name)(2, 3, bidirectional=True, **kw).double()
    R = torcia.nn.utils.rnn

    def fn(x):
        out, _ = m(R.pack_padded_sequence(x, [3, 1, 2], enforce_sorted=False))
        return R.pad_packed_sequence(out)[0]
    assert gradcheck(fn, (_f64(3, 3, 2),))


@pytest.mark.parametrize("mode", range(len(MODES)))
def test_double_backward(mode):
    """A recorded backward of a fused layer reruns it cell by cell: second derivatives."""
    name, kw = MODES[mode]
    torcia.manual_seed(3)
    m = getattr(torcia.nn, name)(2, 3, **kw).double()
    impl = _impl(name, kw)
    x, h0 = _f64(3, 2, 2), _f64(1, 2, 3)

    def fn(x, h0, w):
        ps = [m.weight_ih_l0, w, m.bias_ih_l0, m.bias_hh_l0]
        hx = (h0, h0 * 0.5) if name == "LSTM" else h0
        return impl(x, hx, ps, True, 1, 0.0, True, False, False)
    assert gradgradcheck(fn, (x, h0, m.weight_hh_l0.detach().clone().requires_grad_(True)))


def test_double_backward_matches_torch():
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.LSTM(2, 3).double()
        with lib.no_grad():
            for i, p in enumerate(m.parameters()):
                p.copy_(lib.tensor(np.linspace(-0.6, 0.5, p.numel()).reshape(p.shape) * (i + 1)))
        x = lib.tensor(np.linspace(-1, 1, 12).reshape(3, 2, 2), requires_grad=True)
        out, _ = m(x)
        (g,) = lib.autograd.grad(out.pow(2).sum(), x, create_graph=True)
        return lib.autograd.grad(g.pow(2).sum(), [x] + list(m.parameters()))
    a, e = fn(torcia), fn(torch)
    for u, v in zip(a, e):
        np.testing.assert_allclose(u.numpy(), v.numpy(), rtol=1e-7, atol=1e-10)


@pytest.mark.parametrize("mode", range(len(MODES)))
def test_retain_graph_and_inplace_check(mode):
    name, kw = MODES[mode]
    m = getattr(torcia.nn, name)(2, 3, **kw)
    x = torcia.randn(4, 2, 2, requires_grad=True)
    out, h = m(x)
    out.sum().backward(retain_graph=True)
    g1 = x.grad.clone()
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * g1.numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second"):
        out.sum().backward()
    out, h = m(x)
    with torcia.no_grad():
        m.weight_hh_l0.mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# -- nn.utils.rnn ------------------------------------------------------------------------------
def _seqs(lib, grad=False):
    out = []
    for n in (3, 1, 4):
        t = (torch.from_numpy if lib is torch else torcia.from_numpy)(
            np.arange(n * 2, dtype=np.float32).reshape(n, 2) + n)
        out.append(t.requires_grad_(grad))
    return out


@pytest.mark.parametrize("batch_first,padding_value,side",
                         list(itertools.product((False, True), (0.0, -1.5), ("right", "left"))))
def test_pad_sequence(batch_first, padding_value, side):
    same(lambda lib: lib.nn.utils.rnn.pad_sequence(_seqs(lib), batch_first, padding_value,
                                                   side))

    def grads(lib):
        seqs = _seqs(lib, grad=True)
        out = lib.nn.utils.rnn.pad_sequence(seqs, batch_first, padding_value, side)
        (out * lib.arange(out.numel(), dtype=out.dtype).view(out.shape)).sum().backward()
        return [s.grad for s in seqs]
    same(grads)


def test_pack_functions():
    def fn(lib):
        R = lib.nn.utils.rnn
        packed = R.pack_sequence(_seqs(lib), enforce_sorted=False)
        padded, lengths = R.pad_packed_sequence(packed, padding_value=9.0, total_length=6)
        padded_bf, _ = R.pad_packed_sequence(packed, batch_first=True)
        return (packed.data, packed.batch_sizes, packed.sorted_indices,
                packed.unsorted_indices, padded, lengths, padded_bf,
                R.unpack_sequence(packed), R.unpad_sequence(padded_bf, lengths, True),
                R.invert_permutation(lib.tensor([2, 0, 1])),
                R.pack_sequence([lib.ones(3), lib.ones(2)]).batch_sizes)
    same(fn, strides=False)

    def grads(lib):
        x = (torch.from_numpy if lib is torch else torcia.from_numpy)(
            np.arange(24, dtype=np.float32).reshape(4, 3, 2)).requires_grad_(True)
        R = lib.nn.utils.rnn
        packed = R.pack_padded_sequence(x, [4, 2, 1])
        (packed.data * lib.arange(14.0).view(7, 2)).sum().backward()
        return packed.data.grad_fn.name(), x.grad, packed.batch_sizes
    same(grads)


def test_packed_sequence_type():
    def fn(lib):
        R = lib.nn.utils.rnn
        p = R.pack_sequence([lib.ones(2, 3), lib.ones(1, 3)])
        q = p.double()
        data, sizes, si, ui = p
        return (type(p).__name__, p._fields, q.data.dtype, p.to(lib.float64).data.dtype,
                isinstance(p, tuple), si, ui, sizes, p.is_cuda, len(p))
    same(fn)


@pytest.mark.parametrize("expr", [
    "R.pack_padded_sequence(x, [2, 4, 1])",
    "R.pack_padded_sequence(x, [4, 2, 0])",
    "R.pack_padded_sequence(x, [4, 2])",
    "R.pad_packed_sequence(R.pack_padded_sequence(x, [4, 2, 1]), total_length=2)",
    "R.pad_sequence([lib.ones(2, 3), lib.ones(2, 2)])",
    "R.pad_sequence([])",
    "R.pad_sequence([lib.ones(2)], padding_side='middle')",
    "R.pad_sequence(3)",
])
def test_utils_errors(expr):
    same(lambda lib: eval(expr, {"R": lib.nn.utils.rnn, "lib": lib, "x": lib.ones(4, 3, 2)}))


# -- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("expr", [
    "nn.LSTMCell(3, 4)(lib.ones(2, 5))",
    "nn.LSTMCell(3, 4)(lib.ones(2, 3), (lib.ones(3, 4), lib.ones(3, 4)))",
    "nn.LSTMCell(3, 4)(lib.ones(2, 3), (lib.ones(2, 5), lib.ones(2, 4)))",
    "nn.LSTMCell(3, 4)(lib.ones(2, 3), (lib.ones(2, 4), lib.ones(2, 5)))",
    "nn.LSTMCell(3, 4)(lib.ones(2, 3), (lib.ones(4), lib.ones(4)))",
    "nn.LSTMCell(3, 4)(lib.ones(2, 2, 3))",
    "nn.GRUCell(3, 4)(lib.ones(2, 5))",
    "nn.GRUCell(3, 4)(lib.ones(2, 3), lib.ones(2, 5))",
    "nn.RNNCell(3, 4)(lib.ones(2, 3, 3))",
    "nn.RNNCell(3, 4)(lib.ones(2, 3), lib.ones(1, 2, 4))",
    "nn.RNNCell(3, 4, nonlinearity='x')(lib.ones(2, 3))",
    "nn.LSTM(3, 4)(lib.ones(5, 2, 6))",
    "nn.LSTM(3, 4)(lib.ones(5, 2, 6, 1))",
    "nn.LSTM(3, 4)(lib.ones(5, 2, 3), (lib.ones(1, 3, 4), lib.ones(1, 2, 4)))",
    "nn.LSTM(3, 4)(lib.ones(5, 2, 3), (lib.ones(1, 2, 4), lib.ones(1, 2, 5)))",
    "nn.LSTM(3, 4)(lib.ones(5, 2, 3), (lib.ones(2, 4), lib.ones(2, 4)))",
    "nn.LSTM(3, 4)(lib.ones(5, 3), (lib.ones(1, 1, 4), lib.ones(1, 1, 4)))",
    "nn.LSTM(3, 4)(lib.ones(5, 2, 3, dtype=lib.float64))",
    "nn.GRU(3, 4)(lib.ones(5, 2, 3), lib.ones(2, 2, 4))",
    "nn.GRU(3, 4)(lib.ones(5, 2, 3), lib.ones(2, 4))",
    "nn.GRU(3, 4)(lib.ones(5, 3), lib.ones(1, 2, 4))",
    "nn.RNN(3, 4)(lib.ones(5, 2, 6, 1))",
    "nn.RNN(3, 4, nonlinearity='x')",
    "nn.GRU(3, 4, proj_size=2)",
    "nn.LSTM(3, 4, proj_size=4)",
    "nn.LSTM(3, 4, proj_size=-1)",
    "nn.LSTM(3, 4, dropout=2)",
    "nn.LSTM(3, 4, dropout=True)",
    "nn.LSTM(3, 0)",
    "nn.LSTM(0, 3)",
    "nn.LSTM(3, 4, num_layers=0)",
    "nn.LSTM(3, 4, bias=1)",
    "nn.LSTM(3.0, 4)",
    "nn.LSTM(3, 4)(R.pack_padded_sequence(lib.ones(5, 2, 6), [5, 3]))",
    "nn.LSTM(3, 4)(R.pack_padded_sequence(lib.ones(5, 2, 3), [5, 3]), (lib.ones(1, 3, 4),) * 2)",
    "nn.GRU(3, 4)(R.pack_padded_sequence(lib.ones(5, 2, 3), [5, 3]), lib.ones(1, 3, 4))",
])
def test_errors(expr):
    same(lambda lib: eval(expr, {"nn": lib.nn, "lib": lib, "R": lib.nn.utils.rnn}))


def test_dropout_warning():
    def fn(lib):
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            lib.nn.GRU(3, 4, dropout=0.5)
        return [str(x.message) for x in w]
    same(fn)


@pytest.mark.parametrize("mode", range(len(MODES)))
def test_dropout_between_layers(mode):
    """Dropout after every layer but the last, in training only; with one seed the masks are
    PyTorch's, so outputs and gradients agree."""
    name, kw = MODES[mode]
    x = np.linspace(-1, 1, 30, dtype=np.float32).reshape(5, 2, 3)

    def run(lib, train):
        lib.manual_seed(0)
        m = getattr(lib.nn, name)(3, 4, num_layers=3, dropout=0.4, bidirectional=True, **kw)
        m.train(train)
        out = m(lib.from_numpy(x.copy()))[0]
        out.pow(2).sum().backward()
        return [out] + [p.grad for p in m.parameters()]
    for train in (True, False):
        for i, (a, e) in enumerate(zip(run(torcia, train), run(torch, train))):
            _close(a, e, f"train={train} result {i}", 1e-5, 1e-4)

"""scaled_dot_product_attention and nn.MultiheadAttention against PyTorch: values, dtypes,
gradients (inputs and parameters), gradcheck, node names and output layouts of both SDPA
paths, seeded dropout, seeded initialisation, reprs and errors."""

import warnings

import numpy as np
import pytest
import torch

import torcia

from ..ops.opcheck import check, check_error, run_gradcheck
from ..same import same

RNG = np.random.default_rng(7)
Q, K, V = (2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4)  # batch, heads, length, head dim
BOOL_MASK = RNG.random((5, 6)) > 0.3
BOOL_MASK[2] = False  # a query that attends to nothing: zeros, on both paths
FLOAT_MASK = RNG.standard_normal((2, 1, 5, 6)).astype(np.float32)


def sdpa(**kw):
    """``lambda lib, q, k, v``: SDPA with ``kw``; numpy masks become tensors of ``lib``."""
    def fn(lib, q, k, v):
        args = {n: lib.tensor(a) if isinstance(a, np.ndarray) else a for n, a in kw.items()}
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, **args)
    return fn


CASES = {
    "plain": ([Q, K, V], {}),
    "causal": ([Q, K, V], {"is_causal": True}),
    "causal_long_query": ([(2, 3, 7, 4), K, V], {"is_causal": True}),
    "scale": ([Q, K, V], {"scale": 0.3}),
    "negative_scale": ([Q, K, V], {"scale": -0.7}),
    "bool_mask": ([Q, K, V], {"attn_mask": BOOL_MASK}),
    "bool_mask_4d": ([Q, K, V], {"attn_mask": RNG.random((2, 3, 1, 6)) > 0.4}),
    "float_mask": ([Q, K, V], {"attn_mask": FLOAT_MASK}),
    "mask_and_causal": ([Q, K, V], {"attn_mask": BOOL_MASK, "is_causal": True}),
    "gqa": ([(2, 4, 5, 4), (2, 2, 6, 4), (2, 2, 6, 4)], {"enable_gqa": True}),
    "mqa_broadcast": ([Q, (2, 1, 6, 4), (2, 1, 6, 4)], {}),
    "gqa_uneven_kv": ([(2, 4, 5, 4), (2, 2, 6, 4), (2, 1, 6, 4)], {"enable_gqa": True}),
    "value_dim": ([Q, K, (2, 3, 6, 7)], {}),
    "batch_broadcast": ([Q, (1, 3, 6, 4), (1, 3, 6, 4)], {}),
    "3d": ([(3, 5, 4), (3, 6, 4), (3, 6, 4)], {}),
    "3d_causal": ([(3, 5, 4), (3, 6, 4), (3, 6, 4)], {"is_causal": True}),
    "3d_bool_mask": ([(3, 5, 4), (3, 6, 4), (3, 6, 4)], {"attn_mask": BOOL_MASK}),
    "3d_mask_3d": ([(3, 5, 4), (3, 6, 4), (3, 6, 4)], {"attn_mask": RNG.random((3, 5, 6)) > .2}),
    "2d": ([(5, 4), (6, 4), (6, 7)], {}),
    "5d": ([(1, 2, 3, 5, 4), (1, 2, 3, 6, 4), (1, 2, 3, 6, 4)], {"is_causal": True}),
}


@pytest.mark.parametrize("name", CASES)
def test_sdpa(name):
    shapes, kw = CASES[name]
    check(sdpa(**kw), shapes)


def test_sdpa_float_mask_gradient():
    # a mask that requires grad takes PyTorch's math path, which differentiates it too
    check(lambda lib, q, k, v, m: lib.nn.functional.scaled_dot_product_attention(
        q, k, v, attn_mask=m), [Q, K, V, (5, 6)])


@pytest.mark.parametrize("dtype", ["float64", "float16", "bfloat16"])
def test_sdpa_dtypes(dtype):
    tol = {"float64": 1e-12, "float16": 2e-3, "bfloat16": 1.6e-2}[dtype]
    for kw in ({"is_causal": True}, {"attn_mask": BOOL_MASK}):
        check(sdpa(**kw), [Q, K, V], dtype=dtype, atol=tol, rtol=tol, grad_atol=tol * 4,
              grad_rtol=tol * 4)
    check(sdpa(), [(3, 5, 4), (3, 6, 4), (3, 6, 4)], dtype=dtype, atol=tol, rtol=tol,
          grad_atol=tol * 4, grad_rtol=tol * 4)


def _graph(fn):
    names, stack, seen = [], [fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.append(node.name())
        stack.extend(n for n, _ in node.next_functions)
    return sorted(names)


@pytest.mark.parametrize("shapes,kw", [
    ([Q, K, V], {"is_causal": True}),
    ([Q, K, V], {"attn_mask": BOOL_MASK}),
    ([(3, 5, 4), (3, 6, 4), (3, 6, 4)], {"attn_mask": BOOL_MASK}),
    ([(3, 5, 4), (3, 6, 4), (3, 6, 4)], {"is_causal": True}),
    ([(5, 4), (6, 4), (6, 4)], {}),
    ([(2, 4, 5, 4), (2, 2, 6, 4), (2, 1, 6, 4)], {"enable_gqa": True}),
])
def test_sdpa_graph_names(shapes, kw):
    arrays = [RNG.standard_normal(s).astype(np.float32) for s in shapes]
    graphs = []
    for lib in (torch, torcia):
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        graphs.append(_graph(sdpa(**kw)(lib, *ts).grad_fn))
    assert graphs[1] == graphs[0]


def test_sdpa_half_graph_names():
    x = RNG.standard_normal((3, 5, 4)).astype(np.float32)
    graphs = []
    for lib in (torch, torcia):
        t = lib.tensor(x).half().requires_grad_()
        graphs.append(_graph(sdpa()(lib, t, t, t).grad_fn))
    assert graphs[1] == graphs[0]


def _split_heads(lib, x, heads):
    """nanoGPT's q, k, v: views of one (B, T, 3C) projection, heads transposed in."""
    b, t, c3 = x.shape
    c = c3 // 3
    return [y.view(b, t, heads, c // heads).transpose(1, 2) for y in x.split(c, dim=2)]


def test_sdpa_strided_inputs_layout_and_grads():
    x = RNG.standard_normal((2, 5, 36)).astype(np.float32)

    def fn(lib):
        xt = lib.tensor(x, requires_grad=True)
        out = lib.nn.functional.scaled_dot_product_attention(*_split_heads(lib, xt, 3),
                                                             is_causal=True)
        y = out.transpose(1, 2).contiguous().view(2, 5, 12)
        (y * y).sum().backward()
        return out.stride(), out.grad_fn.name(), y.detach(), xt.grad
    ours, theirs = fn(torcia), fn(torch)
    assert ours[:2] == theirs[:2]
    np.testing.assert_allclose(ours[2].numpy(), theirs[2].numpy(), atol=1e-5)
    np.testing.assert_allclose(ours[3].numpy(), theirs[3].numpy(), atol=1e-5)


def test_sdpa_large_scores_and_fully_masked_rows():
    # scores far beyond exp's range take the max-shifted softmax; masked rows give zeros
    big = [RNG.standard_normal(s).astype(np.float32) * 30 for s in (Q, K, V)]
    check(sdpa(), [], arrays=big, atol=1e-4, rtol=1e-4, gradcheck=False)
    check(sdpa(attn_mask=BOOL_MASK), [], arrays=big, atol=1e-4, rtol=1e-4, gradcheck=False)
    mask = np.zeros((5, 6), np.float32)
    mask[1] = -np.inf
    check(sdpa(attn_mask=mask), [Q, K, V])


@pytest.mark.parametrize("shapes,p", [([Q, K, V], 0.3), ([(3, 5, 4), (3, 6, 4), (3, 6, 4)], 0.5),
                                      ([Q, K, V], 1.0)])
def test_sdpa_dropout_draws_as_torch(shapes, p):
    arrays = [RNG.standard_normal(s).astype(np.float32) for s in shapes]

    def fn(lib):
        lib.manual_seed(11)
        ts = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = lib.nn.functional.scaled_dot_product_attention(*ts, dropout_p=p)
        out.backward(lib.ones_like(out))
        return out.detach(), [t.grad for t in ts], out.grad_fn.name(), lib.rand(3)
    ours, theirs = fn(torcia), fn(torch)
    np.testing.assert_allclose(ours[0].numpy(), theirs[0].numpy(), atol=1e-6)
    for a, b in zip(ours[1], theirs[1]):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)
    assert ours[2] == theirs[2]
    np.testing.assert_array_equal(ours[3].numpy(), theirs[3].numpy())  # same draws consumed


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"attn_mask": BOOL_MASK},
                                {"attn_mask": FLOAT_MASK.astype(np.float64)}])
def test_sdpa_gradgradcheck(kw):
    ins = [torcia.from_numpy(RNG.standard_normal(s)).requires_grad_() for s in (Q, K, V)]
    fn = sdpa(**kw)
    assert torcia.autograd.gradgradcheck(lambda *xs: fn(torcia, *xs), tuple(ins))


def test_sdpa_gradgradcheck_gqa():
    ins = [torcia.from_numpy(RNG.standard_normal(s)).requires_grad_()
           for s in ((1, 4, 3, 2), (1, 2, 3, 2), (1, 2, 3, 2))]
    fn = sdpa(enable_gqa=True)
    assert torcia.autograd.gradgradcheck(lambda *xs: fn(torcia, *xs), tuple(ins))


def test_sdpa_no_grad_output_matches():
    arrays = [RNG.standard_normal(s).astype(np.float32) for s in (Q, K, V)]
    with torcia.no_grad():
        out = sdpa(is_causal=True)(torcia, *[torcia.tensor(a) for a in arrays])
    expected = sdpa(is_causal=True)(torch, *[torch.tensor(a) for a in arrays])
    assert out.grad_fn is None and not out.requires_grad
    np.testing.assert_allclose(out.numpy(), expected.numpy(), atol=1e-6)


def test_sdpa_saved_output_modified_in_place():
    def fn(lib):
        q = lib.ones(1, 1, 2, 2, requires_grad=True)
        out = lib.nn.functional.scaled_dot_product_attention(q, q, q)
        out.add_(1)
        out.sum().backward()
    same(fn, match="modified by an inplace operation")


SDPA_ERRORS = {
    "dtype": lambda F, t: F.scaled_dot_product_attention(t(Q), t(K).double(), t(V)),
    "value_dtype": lambda F, t: F.scaled_dot_product_attention(t(Q), t(K), t(V).double()),
    "one_dim": lambda F, t: F.scaled_dot_product_attention(t((4,)), t((4,)), t((4,))),
    "mask_dtype": lambda F, t: F.scaled_dot_product_attention(
        t(Q), t(K), t(V), attn_mask=t((5, 6)).long()),
    "mask_half": lambda F, t: F.scaled_dot_product_attention(
        t(Q), t(K), t(V), attn_mask=t((5, 6)).half()),
    "mask_shape": lambda F, t: F.scaled_dot_product_attention(
        t(Q), t(K), t(V), attn_mask=t((5, 5))),
    "mask_1d": lambda F, t: F.scaled_dot_product_attention(t(Q), t(K), t(V),
                                                            attn_mask=t((6,)) > 0),
    "mask_5d": lambda F, t: F.scaled_dot_product_attention(
        t(Q), t(K), t(V), attn_mask=t((1, 2, 3, 5, 6)) > 0),
    "head_dim": lambda F, t: F.scaled_dot_product_attention(t(Q), t((2, 3, 6, 3)), t(V)),
    "heads": lambda F, t: F.scaled_dot_product_attention(t((2, 4, 5, 4)), t((2, 2, 6, 4)),
                                                         t((2, 2, 6, 4))),
    "gqa_heads": lambda F, t: F.scaled_dot_product_attention(
        t((2, 4, 5, 4)), t((2, 3, 6, 4)), t((2, 3, 6, 4)), enable_gqa=True),
    "dropout_range": lambda F, t: F.scaled_dot_product_attention(t(Q), t(K), t(V),
                                                                 dropout_p=1.5),
    "negative_dropout_fused": lambda F, t: F.scaled_dot_product_attention(t(Q), t(K), t(V),
                                                                          dropout_p=-0.5),
    "math_mask_and_causal": lambda F, t: F.scaled_dot_product_attention(
        t((3, 5, 4)), t((3, 6, 4)), t((3, 6, 4)), attn_mask=t((5, 6)), is_causal=True),
    "integer": lambda F, t: F.scaled_dot_product_attention(t(Q).long(), t(K).long(),
                                                           t(V).long()),
    "complex": lambda F, t: F.scaled_dot_product_attention(t(Q).cfloat(), t(K).cfloat(),
                                                           t(V).cfloat()),
    "query_list": lambda F, t: F.scaled_dot_product_attention([1.0], t(K), t(V)),
    "dropout_str": lambda F, t: F.scaled_dot_product_attention(t(Q), t(K), t(V), dropout_p="a"),
    "positional_scale": lambda F, t: F.scaled_dot_product_attention(t(Q), t(K), t(V), None,
                                                                    0.0, False, 0.5, False),
}


@pytest.mark.parametrize("name", SDPA_ERRORS)
def test_sdpa_errors(name):
    fn = SDPA_ERRORS[name]
    same(lambda lib: fn(lib.nn.functional, lambda s: lib.ones(*s)))


# -- MultiheadAttention ----------------------------------------------------------------------
def copy_weights(src, dst):
    """Load torch module ``src``'s state_dict into torcia module ``dst``."""
    result = dst.load_state_dict({k: torcia.tensor(v.detach().numpy())
                                  for k, v in src.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys


def _inputs(kw, batched=True, length=5, source=6, batch=3, self_attention=False):
    e, bf = 8, kw.get("batch_first", False)

    def shape(n, d):
        return ((batch, n, d) if bf else (n, batch, d)) if batched else (n, d)
    q = RNG.standard_normal(shape(length, e)).astype(np.float32)
    if self_attention:
        return q, q, q
    return (q, RNG.standard_normal(shape(source, kw.get("kdim") or e)).astype(np.float32),
            RNG.standard_normal(shape(source, kw.get("vdim") or e)).astype(np.float32))


def compare_modules(tm, cm, arrays, call_kw, train=False, atol=1e-5):
    """Forward and backward of torch module ``tm`` and torcia module ``cm`` on the same
    inputs; compares outputs, input gradients and parameter gradients."""
    copy_weights(tm, cm)
    tm.train(train)
    cm.train(train)
    results = []
    for lib, m in ((torch, tm), (torcia, cm)):
        made = {}  # self-attention passes one tensor three times
        ts = [made.setdefault(id(a), lib.tensor(a, requires_grad=True)) for a in arrays]
        kw = {n: lib.tensor(v) if isinstance(v, np.ndarray) else v for n, v in call_kw.items()}
        out = m(*ts, **kw)
        outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o is not None]
        sum(o.sum() * (i + 1) for i, o in enumerate(outs)).backward()
        results.append((outs, [t.grad for t in ts], [p.grad for p in m.parameters()]))
    (co, cg, cp), (to, tg, tp) = results[1], results[0]
    assert len(co) == len(to)
    for a, b in zip(co, to):
        assert tuple(a.shape) == tuple(b.shape) and a.stride() == b.stride()
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=atol)
    for a, b in zip(cg + cp, tg + tp):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(a.numpy(), b.numpy(), atol=atol * 10)


KPM = RNG.random((3, 6)) > 0.7
ATTN = RNG.random((5, 6)) > 0.7
MHA_CASES = {
    "default": ({}, {}),
    "no_weights": ({}, {"need_weights": False}),
    "per_head_weights": ({}, {"average_attn_weights": False}),
    "batch_first": ({"batch_first": True}, {}),
    "key_padding_mask": ({}, {"key_padding_mask": KPM}),
    "key_padding_mask_sdpa": ({}, {"key_padding_mask": KPM, "need_weights": False}),
    "float_key_padding_mask": ({}, {"key_padding_mask": np.where(KPM, -1e4, 0.0)
                                    .astype(np.float32)}),
    "attn_mask": ({}, {"attn_mask": ATTN}),
    "attn_mask_3d_float": ({}, {"attn_mask": RNG.standard_normal((6, 5, 6)).astype(np.float32)}),
    "both_masks_sdpa": ({}, {"attn_mask": ATTN, "key_padding_mask": KPM,
                             "need_weights": False}),
    "bias_kv": ({"add_bias_kv": True}, {"attn_mask": ATTN, "key_padding_mask": KPM}),
    "zero_attn": ({"add_zero_attn": True}, {"attn_mask": ATTN, "key_padding_mask": KPM}),
    "bias_kv_zero_attn_sdpa": ({"add_bias_kv": True, "add_zero_attn": True},
                               {"need_weights": False}),
    "kdim_vdim": ({"kdim": 5, "vdim": 7}, {}),
    "kdim_vdim_no_bias": ({"kdim": 5, "vdim": 7, "bias": False}, {"need_weights": False}),
    "no_bias": ({"bias": False}, {}),
}


@pytest.mark.parametrize("name", MHA_CASES)
def test_multihead_attention(name):
    kw, call_kw = MHA_CASES[name]
    compare_modules(torch.nn.MultiheadAttention(8, 2, **kw),
                    torcia.nn.MultiheadAttention(8, 2, **kw), _inputs(kw), call_kw)


@pytest.mark.parametrize("call_kw", [{}, {"key_padding_mask": RNG.random(6) > 0.5},
                                     {"attn_mask": RNG.random((2, 5, 6)) > 0.6}])
def test_multihead_attention_unbatched(call_kw):
    compare_modules(torch.nn.MultiheadAttention(8, 2), torcia.nn.MultiheadAttention(8, 2),
                    _inputs({}, batched=False), call_kw)


@pytest.mark.parametrize("call_kw", [
    {}, {"key_padding_mask": RNG.random((3, 6)) > 0.7},
    {"attn_mask": np.triu(np.full((6, 6), -np.inf, np.float32), 1), "is_causal": True,
     "need_weights": False}])
def test_multihead_self_attention(call_kw):
    kw = {"batch_first": True}
    compare_modules(torch.nn.MultiheadAttention(8, 2, **kw),
                    torcia.nn.MultiheadAttention(8, 2, **kw),
                    _inputs(kw, length=6, self_attention=True), call_kw)


def test_multihead_attention_train_without_dropout():
    compare_modules(torch.nn.MultiheadAttention(8, 4, dropout=0.0),
                    torcia.nn.MultiheadAttention(8, 4, dropout=0.0), _inputs({}), {},
                    train=True)


def test_multihead_attention_dropout_draws_as_torch():
    arrays = _inputs({})

    def fn(lib):
        lib.manual_seed(3)
        m = lib.nn.MultiheadAttention(8, 2, dropout=0.4)
        out, w = m(*[lib.tensor(a) for a in arrays])
        return out.detach(), w.detach(), lib.rand(2)
    ours, theirs = fn(torcia), fn(torch)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), atol=1e-5)


def test_multihead_attention_inference_fast_path_layout():
    # where PyTorch takes its inference fast path its output is contiguous
    kw = {"batch_first": True}
    tm, cm = torch.nn.MultiheadAttention(8, 2, **kw), torcia.nn.MultiheadAttention(8, 2, **kw)
    copy_weights(tm, cm)
    x = _inputs(kw, self_attention=True)[0]
    for call_kw in ({}, {"need_weights": False}, {"key_padding_mask": KPM[:, :5]}):
        outs = []
        for lib, m in ((torch, tm), (torcia, cm)):
            m.eval()
            with lib.no_grad():
                t = lib.tensor(x)
                kwl = {n: lib.tensor(v) for n, v in call_kw.items() if n.endswith("mask")}
                kwl.update({n: v for n, v in call_kw.items() if not n.endswith("mask")})
                outs.append(m(t, t, t, **kwl))
        (to, tw), (co, cw) = outs
        assert co.stride() == to.stride()
        np.testing.assert_allclose(co.numpy(), to.numpy(), atol=1e-5)
        assert (cw is None) == (tw is None)
        if tw is not None:
            np.testing.assert_allclose(cw.numpy(), tw.numpy(), atol=1e-5)


def test_multi_head_attention_forward_functional():
    arrays = _inputs({})
    tm = torch.nn.MultiheadAttention(8, 2)
    sd = {k: v.detach().numpy() for k, v in tm.state_dict().items()}

    def fn(lib):
        w = {k: lib.tensor(v, requires_grad=True) for k, v in sd.items()}
        q, k, v = [lib.tensor(a, requires_grad=True) for a in arrays]
        out, weights = lib.nn.functional.multi_head_attention_forward(
            q, k, v, 8, 2, w["in_proj_weight"], w["in_proj_bias"], None, None, False, 0.0,
            w["out_proj.weight"], w["out_proj.bias"], training=False,
            key_padding_mask=lib.tensor(KPM), average_attn_weights=False)
        (out.sum() + weights.sum()).backward()
        return [out, weights, q.grad, w["in_proj_weight"].grad]
    for a, b in zip(fn(torcia), fn(torch)):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)


def test_multihead_attention_gradcheck():
    m = torcia.nn.MultiheadAttention(4, 2, add_bias_kv=True).double()
    arrays = [RNG.standard_normal(s) for s in ((3, 2, 4), (4, 2, 4), (4, 2, 4))]
    mask = torcia.tensor(RNG.random((3, 4)) > 0.7)
    for need in (True, False):
        ins = tuple(torcia.from_numpy(a).requires_grad_() for a in arrays)
        assert torcia.autograd.gradcheck(
            lambda q, k, v: m(q, k, v, attn_mask=mask, need_weights=need)[0], ins)
    run_gradcheck(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
        q, k, v, is_causal=True), [RNG.standard_normal((1, 2, 3, 2)) for _ in range(3)])


@pytest.mark.parametrize("kw", [{}, {"add_bias_kv": True}, {"kdim": 5, "vdim": 7},
                                {"bias": False, "batch_first": True, "dropout": 0.1}])
def test_multihead_attention_seeded_init_and_repr(kw):
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.MultiheadAttention(8, 2, **kw)
        return [repr(m)] + [(n, p.detach()) for n, p in m.state_dict().items()] + [
            [n for n, _ in m.named_parameters()], m.head_dim, m.batch_first,
            m._qkv_same_embed_dim]
    same(fn)


MHA_ERRORS = {
    "heads_divide": lambda nn, t: nn.MultiheadAttention(10, 3),
    "zero_heads": lambda nn, t: nn.MultiheadAttention(8, 0),
    "query_rank": lambda nn, t: nn.MultiheadAttention(8, 2)(t(1, 5, 3, 8), t(6, 3, 8),
                                                           t(6, 3, 8)),
    "key_rank": lambda nn, t: nn.MultiheadAttention(8, 2)(t(5, 3, 8), t(6, 8), t(6, 3, 8)),
    "embed_dim": lambda nn, t: nn.MultiheadAttention(8, 2)(t(5, 3, 6), t(6, 3, 6),
                                                          t(6, 3, 6)),
    "key_value_shape": lambda nn, t: nn.MultiheadAttention(8, 2)(t(5, 3, 8), t(6, 3, 8),
                                                                t(7, 3, 8)),
    "mask_2d_shape": lambda nn, t: nn.MultiheadAttention(8, 2)(
        t(5, 3, 8), t(6, 3, 8), t(6, 3, 8), attn_mask=t(5, 5)),
    "mask_3d_shape": lambda nn, t: nn.MultiheadAttention(8, 2)(
        t(5, 3, 8), t(6, 3, 8), t(6, 3, 8), attn_mask=t(2, 5, 6)),
    "mask_int": lambda nn, t: nn.MultiheadAttention(8, 2)(
        t(5, 3, 8), t(6, 3, 8), t(6, 3, 8), attn_mask=t(5, 6).long()),
    "padding_mask_rank": lambda nn, t: nn.MultiheadAttention(8, 2)(
        t(5, 3, 8), t(6, 3, 8), t(6, 3, 8), key_padding_mask=t(6) > 0),
    "padding_mask_batch": lambda nn, t: nn.MultiheadAttention(8, 2)(
        t(5, 3, 8), t(6, 3, 8), t(6, 3, 8), key_padding_mask=t(2, 6) > 0),
    "causal_without_mask": lambda nn, t: nn.MultiheadAttention(8, 2)(
        t(5, 3, 8), t(6, 3, 8), t(6, 3, 8), is_causal=True),
}


@pytest.mark.parametrize("name", MHA_ERRORS)
def test_multihead_attention_errors(name):
    fn = MHA_ERRORS[name]
    same(lambda lib: fn(lib.nn, lambda *s: lib.ones(*s)))


def test_mismatched_mask_types_warn():
    def fn(lib):
        m = lib.nn.MultiheadAttention(8, 2)
        x = lib.ones(5, 3, 8)
        return m(x, x, x, key_padding_mask=lib.zeros(3, 5, dtype=lib.bool),
                 attn_mask=lib.zeros(5, 5))[0].shape
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        same(fn, warns=True)


def test_sdpa_check_error_matches_message():
    check_error(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(
        q, k.double(), v), [Q, K, V])


def test_tiny_gpt_training_matches_torch():
    # seeded init, causal SDPA in training, AdamW: three steps give PyTorch's losses/weights
    # (no qkv bias: the key bias has a zero gradient up to rounding, which Adam would amplify)
    idx = RNG.integers(0, 11, (2, 8))

    def run(lib):
        nn, F = lib.nn, lib.nn.functional
        lib.manual_seed(0)
        emb, qkv = nn.Embedding(11, 16), nn.Linear(16, 48, bias=False)
        proj, head = nn.Linear(16, 16), nn.Linear(16, 11)
        params = [p for m in (emb, qkv, proj, head) for p in m.parameters()]
        opt = lib.optim.AdamW(params, lr=1e-2)
        x_idx, y_idx = lib.tensor(idx[:, :-1]), lib.tensor(idx[:, 1:])
        losses = []
        for _ in range(3):
            x = emb(x_idx)
            q, k, v = (t.view(2, 7, 2, 8).transpose(1, 2) for t in qkv(x).split(16, dim=2))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + proj(y.transpose(1, 2).reshape(2, 7, 16))
            loss = F.cross_entropy(head(x).view(-1, 11), y_idx.reshape(-1))
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, [p.detach().numpy().copy() for p in params]
    (ours, ours_p), (theirs, theirs_p) = run(torcia), run(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5)
    for a, b in zip(ours_p, theirs_p):
        np.testing.assert_allclose(a, b, atol=1e-5)

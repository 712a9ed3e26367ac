"""Transformer layers against PyTorch with weights loaded from its state_dict: encoder and
decoder layers, their stacks and nn.Transformer, in eval mode and in train mode (no dropout,
and seeded dropout), every option and mask; gradients of inputs and parameters, gradcheck,
seeded initialisation, state_dict keys, reprs, warnings and errors."""

import numpy as np
import pytest
import torch

import torcia

from ..same import same
from .test_attention import compare_modules

pytestmark = [pytest.mark.filterwarnings("ignore:enable_nested_tensor is True"),
              pytest.mark.filterwarnings("ignore:The PyTorch API of nested tensors")]

RNG = np.random.default_rng(3)
D, H, FF = 8, 2, 16
CAUSAL = np.triu(np.full((5, 5), -np.inf, np.float32), 1)
KPM = RNG.random((3, 5)) > 0.7
KPM[:, 0] = False  # every sequence keeps a token
MEM_KPM = RNG.random((3, 6)) > 0.7
MEM_KPM[:, 0] = False


def _seq(n, batch_first, batch=3, batched=True):
    shape = ((batch, n, D) if batch_first else (n, batch, D)) if batched else (n, D)
    return RNG.standard_normal(shape).astype(np.float32)


def _activation(lib, kind):
    return {"relu": "relu", "gelu": "gelu", "F.gelu": lib.nn.functional.gelu,
            "GELU()": lib.nn.GELU(), "tanh": lib.tanh}[kind]


def _layer_kwargs(lib, kw):
    kw = dict(kw)
    if "activation" in kw:
        kw["activation"] = _activation(lib, kw["activation"])
    return kw


CONFIGS = {
    "default": {},
    "batch_first": {"batch_first": True},
    "norm_first": {"norm_first": True},
    "gelu": {"activation": "gelu"},
    "F.gelu": {"activation": "F.gelu", "batch_first": True},
    "GELU_module": {"activation": "GELU()"},
    "callable": {"activation": "tanh", "norm_first": True},
    "no_bias": {"bias": False},
    "eps": {"layer_norm_eps": 1e-3},
}

ENCODER_CALLS = {
    "none": {},
    "causal": {"src_mask": CAUSAL, "is_causal": True},
    "bool_mask": {"src_mask": RNG.random((5, 5)) > 0.7},
    "float_mask": {"src_mask": RNG.standard_normal((5, 5)).astype(np.float32)},
    "padding": {"src_key_padding_mask": KPM},
    "mask_and_padding": {"src_mask": np.triu(np.ones((5, 5), bool), 1),
                         "src_key_padding_mask": KPM},
}


def _encoder_layer_pair(kw, dropout=0.0):
    kwargs = dict(d_model=D, nhead=H, dim_feedforward=FF, dropout=dropout)
    return (torch.nn.TransformerEncoderLayer(**kwargs, **_layer_kwargs(torch, kw)),
            torcia.nn.TransformerEncoderLayer(**kwargs, **_layer_kwargs(torcia, kw)))


def _decoder_layer_pair(kw, dropout=0.0):
    kwargs = dict(d_model=D, nhead=H, dim_feedforward=FF, dropout=dropout)
    return (torch.nn.TransformerDecoderLayer(**kwargs, **_layer_kwargs(torch, kw)),
            torcia.nn.TransformerDecoderLayer(**kwargs, **_layer_kwargs(torcia, kw)))


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("train", [False, True])
def test_encoder_layer(config, train):
    kw = CONFIGS[config]
    tm, cm = _encoder_layer_pair(kw, dropout=0.0 if train else 0.1)
    compare_modules(tm, cm, [_seq(5, kw.get("batch_first", False))], {}, train=train)


@pytest.mark.parametrize("call", ENCODER_CALLS)
def test_encoder_layer_masks(call):
    tm, cm = _encoder_layer_pair({})
    compare_modules(tm, cm, [_seq(5, False)], ENCODER_CALLS[call])


def test_encoder_layer_unbatched():
    tm, cm = _encoder_layer_pair({"batch_first": True})
    compare_modules(tm, cm, [_seq(5, True, batched=False)], {"src_mask": CAUSAL})


DECODER_CALLS = {
    "none": {},
    "tgt_causal": {"tgt_mask": CAUSAL, "tgt_is_causal": True},
    "all_masks": {"tgt_mask": RNG.random((5, 5)) > 0.8, "memory_mask": RNG.random((5, 6)) > 0.8,
                  "tgt_key_padding_mask": KPM, "memory_key_padding_mask": MEM_KPM},
    "float_masks": {"tgt_mask": CAUSAL,
                    "memory_mask": RNG.standard_normal((5, 6)).astype(np.float32)},
}


@pytest.mark.parametrize("config", ["default", "batch_first", "norm_first", "gelu", "no_bias"])
@pytest.mark.parametrize("train", [False, True])
def test_decoder_layer(config, train):
    kw = CONFIGS[config]
    bf = kw.get("batch_first", False)
    tm, cm = _decoder_layer_pair(kw, dropout=0.0 if train else 0.1)
    compare_modules(tm, cm, [_seq(5, bf), _seq(6, bf)], DECODER_CALLS["tgt_causal"],
                    train=train)


@pytest.mark.parametrize("call", DECODER_CALLS)
def test_decoder_layer_masks(call):
    tm, cm = _decoder_layer_pair({})
    compare_modules(tm, cm, [_seq(5, False), _seq(6, False)], DECODER_CALLS[call])


def _encoder_pair(batch_first, norm=True, num_layers=2):
    pairs = []
    for lib in (torch, torcia):
        layer = lib.nn.TransformerEncoderLayer(D, H, FF, dropout=0.0, batch_first=batch_first)
        pairs.append(lib.nn.TransformerEncoder(layer, num_layers,
                                               lib.nn.LayerNorm(D) if norm else None,
                                               enable_nested_tensor=False))
    return pairs


@pytest.mark.parametrize("call", ["none", "causal", "padding"])
def test_encoder_stack(call):
    tm, cm = _encoder_pair(False)
    compare_modules(tm, cm, [_seq(5, False)], {
        "none": {}, "causal": {"mask": CAUSAL}, "padding": {"src_key_padding_mask": KPM}}[call],
        train=True)


def test_encoder_detects_causal_mask():
    tm, cm = _encoder_pair(True, norm=False)
    compare_modules(tm, cm, [_seq(5, True)], {"mask": CAUSAL, "is_causal": None})


@pytest.mark.parametrize("left_aligned", [True, False])
def test_encoder_nested_tensor_path(left_aligned):
    # PyTorch runs inference with a padding mask on nested tensors: padded positions give 0
    # before the final norm (Note [Transformer fast paths])
    padding = np.zeros((3, 5), bool)
    padding[0, 3:] = padding[1, 4:] = True
    if not left_aligned:
        padding[2, 1] = True
    x = _seq(5, True)
    outs = []
    for lib in (torch, torcia):
        lib.manual_seed(0)
        layer = lib.nn.TransformerEncoderLayer(D, H, FF, batch_first=True)
        enc = lib.nn.TransformerEncoder(layer, 2, lib.nn.LayerNorm(D)).eval()
        assert enc.use_nested_tensor
        with lib.no_grad():
            outs.append(enc(lib.tensor(x), src_key_padding_mask=lib.tensor(padding)).numpy())
    np.testing.assert_allclose(outs[1], outs[0], atol=1e-5)


def test_decoder_stack():
    pairs = []
    for lib in (torch, torcia):
        layer = lib.nn.TransformerDecoderLayer(D, H, FF, dropout=0.0, norm_first=True)
        pairs.append(lib.nn.TransformerDecoder(layer, 2, lib.nn.LayerNorm(D)))
    compare_modules(*pairs, [_seq(5, False), _seq(6, False)],
                    {"tgt_mask": CAUSAL, "memory_key_padding_mask": MEM_KPM}, train=True)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("train", [False, True])
def test_transformer(batch_first, train):
    kwargs = dict(d_model=D, nhead=H, num_encoder_layers=2, num_decoder_layers=2,
                  dim_feedforward=FF, dropout=0.0 if train else 0.1, batch_first=batch_first)
    tm, cm = torch.nn.Transformer(**kwargs), torcia.nn.Transformer(**kwargs)
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5).numpy()
    compare_modules(tm, cm, [_seq(6, batch_first), _seq(5, batch_first)],
                    {"tgt_mask": mask, "src_key_padding_mask": MEM_KPM,
                     "memory_key_padding_mask": MEM_KPM}, train=train)


def test_transformer_unbatched():
    kwargs = dict(d_model=D, nhead=H, num_encoder_layers=1, num_decoder_layers=1,
                  dim_feedforward=FF, norm_first=True, activation="gelu")
    tm, cm = torch.nn.Transformer(**kwargs), torcia.nn.Transformer(**kwargs)
    compare_modules(tm, cm, [_seq(6, False, batched=False), _seq(5, False, batched=False)],
                    {"tgt_mask": CAUSAL, "tgt_is_causal": True})


def test_seeded_dropout_training_matches():
    x = _seq(5, False)

    def run(lib):
        lib.manual_seed(5)
        layer = lib.nn.TransformerEncoderLayer(D, H, FF, dropout=0.3)
        out = layer(lib.tensor(x), src_mask=lib.tensor(CAUSAL))
        out.sum().backward()
        return out.detach().numpy(), layer.linear1.weight.grad.numpy(), lib.rand(2).numpy()
    for a, b in zip(run(torcia), run(torch)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_encoder_layer_gradcheck():
    layer = torcia.nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, activation="gelu").double()
    mask = torcia.tensor(np.triu(np.ones((3, 3), bool), 1))
    x = torcia.from_numpy(RNG.standard_normal((3, 2, 4))).requires_grad_()
    assert torcia.autograd.gradcheck(lambda t: layer(t, src_mask=mask), (x,))


def test_decoder_layer_gradcheck():
    layer = torcia.nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=True).double()
    tgt = torcia.from_numpy(RNG.standard_normal((3, 2, 4))).requires_grad_()
    mem = torcia.from_numpy(RNG.standard_normal((4, 2, 4))).requires_grad_()
    assert torcia.autograd.gradcheck(lambda t, m: layer(t, m), (tgt, mem))


@pytest.mark.parametrize("which", ["transformer", "encoder_layer", "decoder_layer", "encoder"])
def test_seeded_init_state_dict_and_repr(which):
    def build(lib):
        lib.manual_seed(0)
        nn = lib.nn
        if which == "transformer":
            return nn.Transformer(D, H, 2, 1, FF, activation="gelu", norm_first=True)
        if which == "encoder_layer":
            return nn.TransformerEncoderLayer(D, H, FF, activation=nn.GELU(), bias=False)
        if which == "decoder_layer":
            return nn.TransformerDecoderLayer(D, H, FF, layer_norm_eps=1e-3, batch_first=True)
        return nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, FF), 3,
                                     enable_nested_tensor=False)

    def fn(lib):
        m = build(lib)
        return [repr(m)] + [(k, v) for k, v in m.state_dict().items()]
    same(fn)


@pytest.mark.parametrize("kw", [{}, {"batch_first": True}, {"batch_first": True, "norm_first":
                                                            True}, {"batch_first": True,
                                                                    "activation": "tanh"}])
def test_encoder_nested_tensor_warning(kw):
    def fn(lib):
        layer = lib.nn.TransformerEncoderLayer(D, H, FF, **_layer_kwargs(lib, kw))
        enc = lib.nn.TransformerEncoder(layer, 1)
        return enc.use_nested_tensor, enc.enable_nested_tensor, layer.activation_relu_or_gelu
    same(fn, warns=True)


def test_transformer_warns_as_torch():
    same(lambda lib: lib.nn.Transformer(D, H, 1, 1, FF).encoder.use_nested_tensor, warns=True)


def test_generate_square_subsequent_mask():
    same(lambda lib: lib.nn.Transformer.generate_square_subsequent_mask(4))
    same(lambda lib: lib.nn.Transformer.generate_square_subsequent_mask(3, dtype=lib.float64))


TRANSFORMER_ERRORS = {
    "batch": lambda nn, t: nn.Transformer(D, H, 1, 1, FF)(t(5, 3, D), t(4, 2, D)),
    "batch_first": lambda nn, t: nn.Transformer(D, H, 1, 1, FF, batch_first=True)(
        t(3, 5, D), t(2, 4, D)),
    "d_model": lambda nn, t: nn.Transformer(D, H, 1, 1, FF)(t(5, 3, D), t(4, 3, 6)),
    "activation": lambda nn, t: nn.TransformerEncoderLayer(D, H, FF, activation="tanh"),
    "heads": lambda nn, t: nn.TransformerEncoderLayer(D, 3, FF),
    "mask_type": lambda nn, t: nn.TransformerEncoderLayer(D, H, FF)(
        t(5, 3, D), src_mask=t(5, 5).long()),
    "mask_shape": lambda nn, t: nn.TransformerEncoderLayer(D, H, FF)(
        t(5, 3, D), src_mask=t(4, 4)),
}


@pytest.mark.parametrize("name", TRANSFORMER_ERRORS)
def test_errors(name):
    fn = TRANSFORMER_ERRORS[name]
    same(lambda lib: fn(lib.nn, lambda *s: lib.ones(*s)))

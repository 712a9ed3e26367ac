"""Shape ops against PyTorch: values, dtypes, gradients, gradcheck, view semantics, errors."""

import warnings

import numpy as np
import pytest
import torch

import torcia

from .opcheck import check, check_error

# One line per case: (id, fn(lib, *xs), input shapes). Size-1 and 0-size dims, negative dims.
CASES = [
    ("view", lambda lib, x: x.view(4, 6), [(2, 3, 4)]),
    ("view_-1", lambda lib, x: x.view(-1, 3), [(2, 3, 4)]),
    ("view_size", lambda lib, x: x.view(torch.Size([1, 6])), [(2, 3)]),
    ("view_tensor_size", lambda lib, x: x.view(lib.tensor(3), np.int64(-1)), [(2, 3)]),
    ("view_0d", lambda lib, x: x.view(1, 1), [()]),
    ("view_to_0d", lambda lib, x: x.view(()), [(1, 1)]),
    ("view_empty", lambda lib, x: x.view(-1, 2), [(0, 4)]),
    ("view_slice", lambda lib, x: x[:, 1:].view(2, 8), [(2, 3, 4)]),
    ("view_as", lambda lib, x, y: x.view_as(y), [(2, 6), (3, 4)]),
    ("reshape", lambda lib, x: x.reshape(3, -1), [(2, 3, 4)]),
    ("reshape_copy", lambda lib, x: x.transpose(0, 2).reshape(-1), [(2, 3, 4)]),
    ("reshape_alias", lambda lib, x: x[:, :1].reshape(2, 4), [(2, 3, 4)]),
    ("reshape_fn", lambda lib, x: lib.reshape(x, (6, 1, 1)), [(6,)]),
    ("reshape_empty", lambda lib, x: x.reshape(0, 5), [(5, 0)]),
    ("reshape_as", lambda lib, x, y: x.reshape_as(y), [(2, 6), (3, 4)]),
    ("flatten", lambda lib, x: x.flatten(), [(2, 3, 4)]),
    ("flatten_1", lambda lib, x: x.flatten(1), [(2, 3, 4)]),
    ("flatten_neg", lambda lib, x: lib.flatten(x, -3, -2), [(2, 1, 3, 4)]),
    ("flatten_0d", lambda lib, x: x.flatten(), [()]),
    ("flatten_t", lambda lib, x: x.t().flatten(), [(3, 4)]),
    ("ravel", lambda lib, x: x.ravel(), [(2, 3)]),
    ("ravel_t", lambda lib, x: lib.ravel(x.mT), [(2, 3)]),
    ("unflatten", lambda lib, x: x.unflatten(1, (2, 2)), [(3, 4)]),
    ("unflatten_-1", lambda lib, x: lib.unflatten(x, -1, (-1, 1, 2)), [(3, 4)]),
    ("squeeze", lambda lib, x: x.squeeze(), [(1, 3, 1, 2)]),
    ("squeeze_dim", lambda lib, x: x.squeeze(-2), [(1, 3, 1, 2)]),
    ("squeeze_noop", lambda lib, x: x.squeeze(1), [(1, 3, 1, 2)]),
    ("squeeze_dims", lambda lib, x: lib.squeeze(x, (0, 1, 2)), [(1, 3, 1, 2)]),
    ("squeeze_0d", lambda lib, x: x.squeeze(0), [()]),
    ("unsqueeze", lambda lib, x: x.unsqueeze(1), [(2, 3)]),
    ("unsqueeze_neg", lambda lib, x: lib.unsqueeze(x, -1), [(2, 3)]),
    ("unsqueeze_0d", lambda lib, x: x.unsqueeze(0), [()]),
    ("transpose", lambda lib, x: x.transpose(0, -1), [(2, 3, 4)]),
    ("swapaxes", lambda lib, x: lib.swapaxes(x, 1, 2), [(2, 3, 4)]),
    ("swapdims", lambda lib, x: x.swapdims(0, 1), [(2, 0, 4)]),
    ("permute", lambda lib, x: x.permute(2, 0, 1), [(2, 3, 4)]),
    ("permute_tuple", lambda lib, x: lib.permute(x, (-1, -3, -2)), [(2, 1, 4)]),
    ("t", lambda lib, x: x.t(), [(3, 4)]),
    ("t_1d", lambda lib, x: lib.t(x), [(3,)]),
    ("T", lambda lib, x: x.T, [(3, 4)]),
    ("mT", lambda lib, x: x.mT, [(2, 3, 4)]),
    ("H", lambda lib, x: x.H, [(3, 4)]),
    ("mH", lambda lib, x: x.mH, [(2, 3, 4)]),
    ("adjoint", lambda lib, x: lib.adjoint(x), [(2, 3, 4)]),
    ("movedim", lambda lib, x: x.movedim(0, -1), [(2, 3, 4)]),
    ("movedim_tuple", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), [(2, 3, 4)]),
    ("moveaxis", lambda lib, x: lib.moveaxis(x, -1, 0), [(2, 3, 4)]),
    ("select", lambda lib, x: x.select(1, -1), [(2, 3, 4)]),
    ("select_0d", lambda lib, x: lib.select(x, 0, 2), [(4,)]),
    ("narrow", lambda lib, x: x.narrow(-1, 1, 2), [(2, 3, 4)]),
    ("narrow_neg", lambda lib, x: lib.narrow(x, 0, -2, 2), [(3, 4)]),
    ("narrow_empty", lambda lib, x: x.narrow(1, 3, 0), [(2, 3)]),
    ("unbind", lambda lib, x: x.unbind(1), [(2, 3, 4)]),
    ("unbind_fn", lambda lib, x: lib.unbind(x, -1), [(2, 3)]),
    ("expand", lambda lib, x: x.expand(2, 3, 4), [(3, 1)]),
    ("expand_-1", lambda lib, x: x.expand(-1, 4), [(3, 1)]),
    ("expand_0d", lambda lib, x: x.expand(2, 2), [()]),
    ("expand_0", lambda lib, x: x.expand(3, 0), [(3, 1)]),
    ("expand_as", lambda lib, x, y: x.expand_as(y), [(1, 4), (3, 4)]),
    ("broadcast_to", lambda lib, x: lib.broadcast_to(x, (2, 3, 4)), [(3, 1)]),
    ("broadcast_tensors", lambda lib, x, y, z: lib.broadcast_tensors(x, y, z),
     [(3, 1), (4,), (2, 1, 1)]),
    ("broadcast_same", lambda lib, x, y: lib.broadcast_tensors(x, y), [(3, 4), (3, 4)]),
    ("meshgrid_ij", lambda lib, x, y: lib.meshgrid(x, y, indexing="ij"), [(3,), (4,)]),
    ("meshgrid_xy", lambda lib, x, y, z: lib.meshgrid([x, y, z], indexing="xy"),
     [(3,), (2,), (2,)]),
    ("meshgrid_0d", lambda lib, x, y: lib.meshgrid(x, y, indexing="xy"), [(), (3,)]),
    ("cat", lambda lib, x, y: lib.cat([x, y]), [(2, 3), (4, 3)]),
    ("cat_dim", lambda lib, x, y: lib.cat((x, y), -1), [(2, 3), (2, 1)]),
    ("cat_empty", lambda lib, x, y, z: lib.cat([x, y, z], 1), [(0,), (2, 3), (2, 0)]),
    ("cat_all_empty", lambda lib, x, y: lib.cat([x, y]), [(0,), (0,)]),
    ("concat", lambda lib, x, y: lib.concat([x, y], 1), [(2, 3), (2, 2)]),
    ("concatenate", lambda lib, x, y: lib.concatenate([x, y], axis=0), [(2, 3), (1, 3)]),
    ("stack", lambda lib, x, y: lib.stack([x, y]), [(2, 3), (2, 3)]),
    ("stack_last", lambda lib, x, y, z: lib.stack([x, y, z], -1), [(2, 3), (2, 3), (2, 3)]),
    ("stack_0d", lambda lib, x, y: lib.stack((x, y), 0), [(), ()]),
    ("stack_empty", lambda lib, x, y: lib.stack([x, y], 1), [(0, 2), (0, 2)]),
    ("hstack", lambda lib, x, y: lib.hstack([x, y]), [(2, 3), (2, 1)]),
    ("hstack_1d", lambda lib, x, y: lib.hstack([x, y]), [(3,), ()]),
    ("vstack", lambda lib, x, y: lib.vstack([x, y]), [(3,), (2, 3)]),
    ("row_stack", lambda lib, x, y: lib.row_stack([x, y]), [(3,), (3,)]),
    ("dstack", lambda lib, x, y: lib.dstack([x, y]), [(3,), (1, 3)]),
    ("column_stack", lambda lib, x, y, z: lib.column_stack([x, y, z]), [(3,), (3, 2), (3,)]),
    ("atleast_1d", lambda lib, x: lib.atleast_1d(x), [()]),
    ("atleast_2d", lambda lib, x, y: lib.atleast_2d(x, y), [(3,), ()]),
    ("atleast_3d", lambda lib, x, y, z: lib.atleast_3d([x, y, z]), [(3,), (2, 3), ()]),
    ("repeat", lambda lib, x: x.repeat(2, 3), [(2, 3)]),
    ("repeat_lead", lambda lib, x: x.repeat((2, 1, 3)), [(2, 3)]),
    ("repeat_0", lambda lib, x: x.repeat(0, 2), [(2, 3)]),
    ("repeat_0d", lambda lib, x: x.repeat(3), [()]),
    ("tile", lambda lib, x: lib.tile(x, (2,)), [(2, 3)]),
    ("tile_more", lambda lib, x: x.tile(2, 1, 2), [(2, 3)]),
    ("split", lambda lib, x: x.split(2), [(5, 3)]),
    ("split_dim", lambda lib, x: lib.split(x, 2, dim=-1), [(2, 3)]),
    ("split_big", lambda lib, x: x.split(10), [(5, 3)]),
    ("split_sizes", lambda lib, x: lib.split(x, [1, 0, 3], 1), [(2, 4)]),
    ("split_with_sizes", lambda lib, x: x.split_with_sizes([2, 1]), [(3, 2)]),
    ("split_empty", lambda lib, x: x.split(0), [(0, 3)]),
    ("split_unused", lambda lib, x: x.split(2)[1], [(5, 3)]),
    ("chunk", lambda lib, x: x.chunk(3), [(5, 2)]),
    ("chunk_fewer", lambda lib, x: lib.chunk(x, 4, -1), [(2, 6)]),
    ("chunk_empty", lambda lib, x: x.chunk(3), [(0, 2)]),
    ("tensor_split", lambda lib, x: x.tensor_split(3), [(7, 2)]),
    ("tensor_split_idx", lambda lib, x: lib.tensor_split(x, [1, 7, 3, -1]), [(5,)]),
    ("tensor_split_dim", lambda lib, x: x.tensor_split((1,), dim=1), [(2, 3)]),
    ("hsplit", lambda lib, x: lib.hsplit(x, 2), [(3, 4)]),
    ("hsplit_1d", lambda lib, x: x.hsplit([1, 2]), [(4,)]),
    ("vsplit", lambda lib, x: lib.vsplit(x, [1]), [(3, 4)]),
    ("dsplit", lambda lib, x: x.dsplit(2), [(1, 2, 4)]),
    ("flip", lambda lib, x: x.flip(0, 2), [(2, 3, 4)]),
    ("flip_fn", lambda lib, x: lib.flip(x, (-1,)), [(2, 3)]),
    ("flip_none", lambda lib, x: x.flip(()), [(2, 3)]),
    ("fliplr", lambda lib, x: lib.fliplr(x), [(2, 3, 2)]),
    ("flipud", lambda lib, x: x.flipud(), [(3,)]),
    ("roll", lambda lib, x: x.roll(1, 0), [(3, 4)]),
    ("roll_flat", lambda lib, x: lib.roll(x, -5), [(3, 4)]),
    ("roll_multi", lambda lib, x: lib.roll(x, (1, -2, 7), (0, 1, -1)), [(2, 3, 4)]),
    ("roll_empty", lambda lib, x: x.roll(2, 1), [(2, 0)]),
    ("diag_vec", lambda lib, x: lib.diag(x), [(3,)]),
    ("diag_vec_off", lambda lib, x: x.diag(-2), [(3,)]),
    ("diag_mat", lambda lib, x: x.diag(), [(3, 4)]),
    ("diag_mat_off", lambda lib, x: lib.diag(x, 2), [(3, 4)]),
    ("diag_mat_far", lambda lib, x: lib.diag(x, -5), [(3, 4)]),
    ("diagonal", lambda lib, x: x.diagonal(), [(3, 4)]),
    ("diagonal_off", lambda lib, x: lib.diagonal(x, 1, -1, 0), [(2, 3, 4)]),
    ("diagonal_neg", lambda lib, x: x.diagonal(-1, 1, 2), [(2, 3, 4)]),
    ("diagonal_far", lambda lib, x: x.diagonal(9), [(2, 3)]),
    ("diag_embed", lambda lib, x: lib.diag_embed(x), [(2, 3)]),
    ("diag_embed_off", lambda lib, x: x.diag_embed(1, 0, 2), [(2, 3)]),
    ("diag_embed_neg", lambda lib, x: x.diag_embed(-2, -1, 0), [(3,)]),
    ("tril", lambda lib, x: x.tril(), [(3, 4)]),
    ("tril_off", lambda lib, x: lib.tril(x, -1), [(2, 3, 4)]),
    ("triu", lambda lib, x: lib.triu(x), [(4, 3)]),
    ("triu_off", lambda lib, x: x.triu(2), [(2, 3, 4)]),
    ("tril_empty", lambda lib, x: x.tril(), [(0, 3)]),
    ("tril_", lambda lib, x: (x * 1).tril_(1), [(3, 3)]),
    ("triu_", lambda lib, x: (x * 1).triu_(-1), [(3, 3)]),
    ("contiguous", lambda lib, x: x.t().contiguous(), [(3, 4)]),
    ("unfold", lambda lib, x: x.unfold(1, 2, 1), [(3, 4)]),
    ("unfold_step", lambda lib, x: x.unfold(-1, 2, 3), [(2, 7)]),
    ("unfold_whole", lambda lib, x: x.unfold(0, 3, 1), [(3,)]),
    ("unfold_0d", lambda lib, x: x.unfold(0, 1, 1), [()]),
    ("unfold_empty", lambda lib, x: x.unfold(0, 0, 2), [(3,)]),
    ("rot90", lambda lib, x: x.rot90(), [(3, 4)]),
    ("rot90_2", lambda lib, x: lib.rot90(x, 2, (1, 2)), [(2, 3, 4)]),
    ("rot90_-1", lambda lib, x: lib.rot90(x, -1, [-1, 0]), [(2, 3, 4)]),
    ("rot90_0", lambda lib, x: x.rot90(4), [(3, 4)]),
    ("narrow_copy", lambda lib, x: x.narrow_copy(1, 1, 2), [(3, 4)]),
    ("view_as_complex", lambda lib, x: lib.view_as_real(lib.view_as_complex(x) * 1j),
     [(3, 2)]),
    ("complex_roundtrip", lambda lib, x: lib.view_as_real(lib.view_as_complex(x[1:]) * 2j),
     [(3, 2, 2)]),
    ("chain", lambda lib, x: x.t().unsqueeze(0).expand(2, 4, 3).flip(1).reshape(8, 3)[1:].T,
     [(3, 4)]),
]
IDS = [c[0] for c in CASES]


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=IDS)
def test_op(name, fn, inputs):
    check(fn, inputs)


FLOAT64 = ["view_slice", "reshape_copy", "squeeze_dims", "unbind", "expand", "cat_empty",
           "stack_last", "repeat_lead", "split_sizes", "chunk", "roll_multi", "diag_mat_off",
           "diagonal_off", "diag_embed_off", "tril_off", "chain", "meshgrid_xy"]


@pytest.mark.parametrize("name", FLOAT64)
def test_op_float64(name):
    _, fn, inputs = CASES[IDS.index(name)]
    check(fn, inputs, dtype="float64")


@pytest.mark.parametrize("dtype", ["int64", "bool", "float16", "complex64"])
def test_other_dtypes(dtype):
    for fn, shapes in [
            (lambda lib, x: x.t().reshape(-1), [(2, 3)]),
            (lambda lib, x, y: lib.cat([x, y], 1), [(2, 3), (2, 1)]),
            (lambda lib, x: x.flip(0).roll(1, 1).tril(), [(3, 3)]),
            (lambda lib, x: x.repeat(2, 1).diagonal(), [(2, 3)]),
            (lambda lib, x: lib.diag_embed(x), [(2, 3)]),
            (lambda lib, x: x.expand(2, 3).split(2, 1), [(3,)])]:
        check(fn, shapes, dtype=dtype, grad=dtype == "complex64", gradcheck=False)


@pytest.mark.parametrize("op", ["x.H.resolve_conj()", "x.mH.resolve_conj()",
                                "x.adjoint().resolve_conj()", "x.mT", "x.T",
                                "lib.view_as_real(x)", "lib.view_as_real(x.t())",
                                "lib.view_as_real(x[0, 1])"])
def test_complex(op):
    check(lambda lib, x: eval(op), [(3, 4)], dtype="complex64", gradcheck=False)


def test_complex_views_share():
    arr = (np.arange(6) + 1j * np.arange(6)).astype(np.complex64).reshape(2, 3)
    got = {}
    for lib in (torch, torcia):
        x = lib.from_numpy(arr.copy())
        r = lib.view_as_real(x.t())
        c = lib.view_as_complex(r[1:])
        c.mul_(2)
        got[lib] = (_layout(x, r), _layout(x, c), x._version, x.numpy().tolist())
    assert got[torcia] == got[torch]


def test_mixed_dtype_joins():
    a = np.arange(6, dtype=np.int64).reshape(2, 3)
    b = np.linspace(0, 1, 6, dtype=np.float32).reshape(2, 3)
    c = np.ones((2, 3), dtype=np.float64)
    check(lambda lib, x, y: lib.cat([x, y]), [a, b], arrays=[a, b])
    check(lambda lib, x, y: lib.stack([x, y], 1), [a, b], arrays=[a, b])
    check(lambda lib, x, y: lib.cat([y, x], 1), [b, c], arrays=[b, c])


# -- grad_fn names ------------------------------------------------------------------------
def _names(out):
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o.grad_fn.name() if o.grad_fn is not None else None for o in outs]


@pytest.mark.parametrize("name,fn,inputs", CASES, ids=IDS)
def test_grad_fn_name(name, fn, inputs):
    arrs = [np.ones(s, np.float32) for s in inputs]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _names(fn(torch, *[torch.from_numpy(a).requires_grad_() for a in arrs]))
        actual = _names(fn(torcia, *[torcia.from_numpy(a).requires_grad_() for a in arrs]))
    assert actual == expected


# -- view semantics -----------------------------------------------------------------------
VIEWS = [
    ("view", lambda x: x.view(4, 6)),
    ("view_-1", lambda x: x.view(-1)),
    ("view_to1", lambda x: x.view(2, 1, 3, 1, 4)),
    ("reshape", lambda x: x.reshape(6, 4)),
    ("flatten", lambda x: x.flatten(1)),
    ("unflatten", lambda x: x.unflatten(2, (2, 1, 2))),
    ("squeeze", lambda x: x[:1].squeeze()),
    ("squeeze_dim", lambda x: x[:, :1].squeeze(1)),
    ("unsqueeze", lambda x: x.unsqueeze(1)),
    ("unsqueeze_end", lambda x: x.unsqueeze(-1)),
    ("transpose", lambda x: x.transpose(0, 2)),
    ("permute", lambda x: x.permute(1, 2, 0)),
    ("mT", lambda x: x.mT),
    ("movedim", lambda x: x.movedim(2, 0)),
    ("select", lambda x: x.select(1, 2)),
    ("select_0d", lambda x: x[1, 2].select(0, 3)),
    ("narrow", lambda x: x.narrow(2, 1, 2)),
    ("unbind", lambda x: x.unbind(2)[3]),
    ("expand", lambda x: x[:, :1].expand(2, 5, 4)),
    ("expand_new", lambda x: x.expand(1, 2, 3, 4)),
    ("broadcast_to", lambda x: torch_or(x).broadcast_to(x[0, 0], (3, 4))),
    ("split", lambda x: x.split(2, 1)[1]),
    ("split_sizes", lambda x: x.split([1, 3], -1)[1]),
    ("chunk", lambda x: x.chunk(2, 2)[1]),
    ("tensor_split", lambda x: x.tensor_split(2, 1)[1]),
    ("hsplit", lambda x: x.hsplit([1])[1]),
    ("diagonal", lambda x: x.diagonal()),
    ("diagonal_off", lambda x: x.diagonal(1, 2, 1)),
    ("diagonal_neg", lambda x: x.diagonal(-1, -1, -2)),
    ("alias", lambda x: x[...]),
    ("ravel", lambda x: x.ravel()),
    ("atleast_3d", lambda x: torch_or(x).atleast_3d(x[0, 0])),
    ("meshgrid", lambda x: torch_or(x).meshgrid(x[0, 0], x[1, 1], indexing="xy")[0]),
    ("t_view", lambda x: x[0].t()),
    ("unfold", lambda x: x.unfold(2, 2, 2)),
    ("unfold_step", lambda x: x[1].unfold(1, 2, 2).unfold(0, 1, 2)),
    ("chain", lambda x: x.transpose(0, 1)[1:].unsqueeze(0).select(-1, 2)),
]


def torch_or(x):
    return torch if isinstance(x, torch.Tensor) else torcia


def _layout(x, y):
    return (tuple(y.shape), tuple(y.stride()), y.storage_offset(), y.is_contiguous(),
            y._base is x, y.data_ptr() - x.data_ptr())


@pytest.mark.parametrize("name,fn", VIEWS, ids=[v[0] for v in VIEWS])
def test_view_semantics(name, fn):
    """Views share memory and version counter; strides, offsets, _base equal torch's."""
    arr = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    got = {}
    for lib in (torch, torcia):
        x = lib.from_numpy(arr.copy())
        y = fn(x)
        layout = _layout(x, y)
        y.clone()  # reading does not bump versions
        versions = [x._version, y._version]
        if y.numel() and not (y.stride() and 0 in y.stride()):
            y.mul_(10)
            versions += [x._version, y._version]
            x.add_(1)
            versions += [x._version, y._version]
        got[lib] = (layout, versions, x.numpy().tolist(), y.numpy().tolist())
    assert got[torcia] == got[torch]


def test_overlapping_unfold_layout():
    arr = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    got = {lib: _layout(x, x.unfold(2, 3, 1).unfold(1, 2, 1)) for lib in (torch, torcia)
           for x in [lib.from_numpy(arr)]}
    assert got[torcia] == got[torch]


COPIES = [
    ("reshape_nc", lambda lib, x: x.transpose(0, 1).reshape(-1)),
    ("flatten_nc", lambda lib, x: x.transpose(0, 1).flatten()),
    ("contiguous", lambda lib, x: x.transpose(0, 1).contiguous()),
    ("cat", lambda lib, x: lib.cat([x])),
    ("stack", lambda lib, x: lib.stack([x])),
    ("repeat", lambda lib, x: x.repeat(1, 1, 1)),
    ("tile", lambda lib, x: x.tile(1)),
    ("flip", lambda lib, x: x.flip(0)),
    ("roll", lambda lib, x: x.roll(1)),
    ("diag", lambda lib, x: x[0].diag()),
    ("diag_embed", lambda lib, x: x.diag_embed()),
    ("tril", lambda lib, x: x.tril()),
    ("hstack", lambda lib, x: lib.hstack([x])),
]


@pytest.mark.parametrize("name,fn", COPIES, ids=[c[0] for c in COPIES])
def test_copies(name, fn):
    """Ops that copy: no _base, own memory (writing the result leaves the input alone)."""
    arr = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    got = {}
    for lib in (torch, torcia):
        x = lib.from_numpy(arr.copy())
        y = fn(lib, x)
        y.fill_(-1)
        got[lib] = (y._base is None, x._version, y._version, tuple(y.stride()),
                    y.is_contiguous(), x.numpy().tolist())
    assert got[torcia] == got[torch]


def test_copy_layouts():
    """Copies of non-contiguous inputs: flip/rot90 keep the layout, the rest are C-ordered."""
    ops = [lambda lib, y: y.flip(0), lambda lib, y: y.flip(1, 2), lambda lib, y: y.roll(1),
           lambda lib, y: y.roll(1, 0), lambda lib, y: y.repeat(1, 1, 1),
           lambda lib, y: y.tile(2), lambda lib, y: lib.cat([y, y], 1),
           lambda lib, y: lib.stack([y, y], 1), lambda lib, y: y.tril(),
           lambda lib, y: y.rot90(1, (0, 2)), lambda lib, y: y.rot90(2),
           lambda lib, y: y.rot90(0), lambda lib, y: y.diag_embed(),
           lambda lib, y: y.narrow_copy(0, 0, 2), lambda lib, y: y[0].diag(),
           lambda lib, y: y.reshape(-1, 2), lambda lib, y: y.contiguous()]
    got = {}
    for lib in (torch, torcia):
        x = lib.from_numpy(np.arange(24.0).reshape(2, 3, 4))
        got[lib] = [tuple(op(lib, b).stride()) for b in
                    [x.transpose(0, 2), x.permute(1, 2, 0), x[:, ::2], x.mT] for op in ops]
    assert got[torcia] == got[torch]


def test_layout_of_noncontiguous_inputs():
    """Strides of views of transposed/sliced tensors, size-1 dims included."""
    arr = np.arange(60, dtype=np.float32).reshape(3, 1, 4, 5)
    ops = [lambda x: x.view(3, 4, 5), lambda x: x.unsqueeze(2), lambda x: x.unsqueeze(-1),
           lambda x: x.reshape(1, 3, 1, 20), lambda x: x.squeeze(1), lambda x: x.flatten(2),
           lambda x: x.expand(2, 3, 1, 4, 5), lambda x: x.diagonal(0, 0, 2), lambda x: x.mT,
           lambda x: x.view(torch_or(x).int32), lambda x: x.unflatten(-1, (5, 1))]
    bases = [lambda x: x, lambda x: x[::2], lambda x: x[:, :, 1:], lambda x: x[..., :2],
             lambda x: x[:1]]
    for op in ops:
        for base in bases:
            out = {}
            for lib in (torch, torcia):
                b = base(lib.from_numpy(arr.copy()))
                try:
                    y = op(b)
                    out[lib] = (tuple(y.shape), tuple(y.stride()), y.is_contiguous(),
                                y.numpy().tolist())
                except RuntimeError as e:
                    out[lib] = str(e)
            assert out[torcia] == out[torch]
    t = [lib.from_numpy(arr.copy()).permute(3, 1, 0, 2) for lib in (torch, torcia)]
    for op in [lambda x: x.reshape(5, 1, 12), lambda x: x.view(5, 1, 3, 4),
               lambda x: x.unsqueeze(1), lambda x: x.flatten(2), lambda x: x.t_()
               if x.dim() == 2 else x.transpose_(0, 1)]:
        a, b = op(t[0]), op(t[1])
        assert (tuple(b.shape), tuple(b.stride())) == (tuple(a.shape), tuple(a.stride()))


def test_view_shares_with_numpy():
    arr = np.arange(12, dtype=np.float32)
    x = torcia.from_numpy(arr)
    v = x.view(3, 4).t()[1]
    v[0] = 100
    assert arr[1] == 100 and v.data_ptr() == arr.ctypes.data + 4


def test_view_dtype_shares_version():
    for lib in (torch, torcia):
        x = lib.zeros(3, 4)
        y = x.view(lib.int32)
        y.add_(1)
        assert (x._version, y._version, y._base is None) == (1, 1, True)
        assert x.view(lib.int16).shape == (3, 8) and x.view(lib.float64).shape == (3, 2)
    check(lambda lib, x: x.view(lib.int32), [(2, 4)], grad=False)
    check(lambda lib, x: x[:, 2:].view(lib.float64), [(2, 4)], grad=False, dtype="float32")
    check(lambda lib, x: x.view(lib.complex64), [(2, 4)], grad=False)
    check(lambda lib, x: x.view(lib.uint8).view(lib.float16), [(3,)], grad=False,
          dtype="float32")


# -- in-place on views and metadata in-place ops -----------------------------------------
def test_inplace_through_views_gradient():
    def fn(lib, x):
        y = x * 1
        y.t()[1:].diagonal().mul_(2)
        y.unsqueeze(0).narrow(2, 0, 1).add_(y[:, 1:2].view(-1, 1))
        return y
    check(fn, [(3, 3)])
    check(lambda lib, x: (x * 1).expand(2, 3, 3).sum(0).tril_().flip(0), [(3, 3)])

    def single_views(lib, x):  # tensor_split/hsplit give single-output slices: writable
        y = x * 1
        y.tensor_split(2)[1].mul_(3)
        y.hsplit([1])[0].add_(y.diagonal().sum())
        return y
    check(single_views, [(4, 3)])


@pytest.mark.parametrize("op", ["unsqueeze_(1)", "unsqueeze_(-1)", "squeeze_()",
                                "squeeze_(0)", "squeeze_((0, 2))", "t_()",
                                "transpose_(0, -1)", "swapaxes_(1, 2)", "swapdims_(0, 1)"])
def test_metadata_inplace(op):
    shape = (1, 3, 1) if "squeeze" in op else (2, 3) if "t_" in op else (2, 3, 4)
    check(lambda lib, x: eval(f"(x * 2).{op}") * x.sum(), [shape])
    got = {}
    for lib in (torch, torcia):
        y = lib.ones(shape, requires_grad=True) * 2
        z = eval(f"y.{op}")
        got[lib] = (z is y, z._version, z.grad_fn.name(), tuple(z.stride()), z._base is None)
    assert got[torcia] == got[torch]


def test_metadata_inplace_on_view():
    for lib in (torch, torcia):
        b = lib.zeros(3, 4)
        v = b[1]
        v.unsqueeze_(0)
        v.mul_(2).add_(1)
        assert (tuple(v.shape), v._base is b, v._version, b._version) == ((1, 4), True, 3, 3)
        assert b[1].tolist() == [1.0] * 4 and b[0].tolist() == [0.0] * 4
    check(lambda lib, x: (x * 1)[1:].t_().mul_(3), [(3, 2)])


def test_metadata_inplace_errors():
    check_error(lambda lib, x: x.requires_grad_().unsqueeze_(0), [(2, 3)])
    check_error(lambda lib, x: x.requires_grad_()[0].t_(), [(2, 3)])
    check_error(lambda lib, x: x.t_(), [(2, 3, 4)])
    check_error(lambda lib, x: x.squeeze_(5), [(2, 3, 4)])
    check_error(lambda lib, x: x.transpose_(0, 5), [(2, 3, 4)])


def test_saved_then_reshaped_raises():
    """Metadata in-place ops bump the version, so a saved tensor changed this way is caught."""
    msgs = []
    for lib in (torch, torcia):
        x = lib.ones(2, 3, requires_grad=True)
        y = x * 1
        z = y.exp()  # saves its output
        z.unsqueeze_(0)
        with pytest.raises(RuntimeError) as e:
            z.sum().backward()
        msgs.append(str(e.value).split(":")[0])
    assert msgs[0] == msgs[1]


# -- properties and warnings --------------------------------------------------------------
def test_T_warnings():
    for shape, msg in [((2, 3, 4), "other than 2"), ((3,), "other than 2"),
                       ((), "0-D tensors")]:
        with pytest.warns(UserWarning, match=msg):
            y = torcia.zeros(shape).T
        assert tuple(y.shape) == shape[::-1]
    with pytest.warns(UserWarning, match="0-D"):
        assert torcia.zeros(()).H.shape == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert torcia.zeros(2, 3).T.shape == (3, 2)


def test_meshgrid_default_warns():
    with pytest.warns(UserWarning, match="indexing argument"):
        out = torcia.meshgrid(torcia.arange(3), torcia.arange(2))
    assert [tuple(o.shape) for o in out] == [(3, 2), (3, 2)]


def test_broadcast_shapes():
    for shapes in [((2,), (3, 1), (1, 1, 1)), (3, (2, 1), torch.Size([1])), ((0, 1), (3,)),
                   ((),), ()]:
        got = torcia.broadcast_shapes(*shapes)
        assert isinstance(got, torcia.Size) and got == torch.broadcast_shapes(*shapes)
    for shapes in [((3, 4), (5,)), ((3, 2), (3,), (1, 2)), ((3, -1),)]:
        check_error(lambda lib, shapes=shapes: lib.broadcast_shapes(*shapes))


def test_atleast_identity():
    x = torcia.zeros(3, 4)
    assert torcia.atleast_2d(x) is x and torcia.atleast_1d(x) is x
    assert isinstance(torcia.atleast_1d([x]), tuple)
    r = torcia.broadcast_tensors(x, torcia.zeros(4))
    assert r[0] is x


# -- errors -------------------------------------------------------------------------------
ERRORS = [
    ("view_bad", lambda lib, x: x.view(5, 5), [(2, 3, 4)]),
    ("view_two_-1", lambda lib, x: x.view(-1, -1), [(2, 3, 4)]),
    ("view_-1_bad", lambda lib, x: x.view(-1, 5), [(2, 3, 4)]),
    ("view_neg", lambda lib, x: x.view(-2, 12), [(2, 3, 4)]),
    ("view_0_ambiguous", lambda lib, x: x.view(-1, 0), [(0, 3)]),
    ("view_0_bad", lambda lib, x: x.view(-1, 0), [(3,)]),
    ("view_noncontig", lambda lib, x: x.transpose(0, 1).view(24), [(2, 3, 4)]),
    ("view_noncontig2", lambda lib, x: x.t().view(-1), [(3, 4)]),
    ("view_dtype_0d", lambda lib, x: x.view(lib.float64), [()]),
    ("view_dtype_size", lambda lib, x: x.view(lib.float64), [(3, 3)]),
    ("view_dtype_stride", lambda lib, x: x.t().view(lib.int16), [(3, 4)]),
    ("view_dtype_stride_up", lambda lib, x: x.t().view(lib.float64), [(4, 4)]),
    ("view_dtype_offset", lambda lib, x: x[:, 1:3].view(lib.float64), [(3, 4)]),
    ("view_dtype_strides", lambda lib, x: x[:, :4].view(lib.float64), [(3, 5)]),
    ("reshape_bad", lambda lib, x: x.reshape(7), [(2, 3, 4)]),
    ("flatten_order", lambda lib, x: x.flatten(2, 1), [(2, 3, 4)]),
    ("flatten_range", lambda lib, x: x.flatten(3), [(2, 3, 4)]),
    ("unflatten_bad", lambda lib, x: x.unflatten(1, (2, 2)), [(2, 3, 4)]),
    ("unflatten_empty", lambda lib, x: x.unflatten(1, ()), [(2, 3, 4)]),
    ("squeeze_range", lambda lib, x: x.squeeze(3), [(2, 3, 4)]),
    ("squeeze_dup", lambda lib, x: x.squeeze((0, -3)), [(1, 3, 4)]),
    ("unsqueeze_range", lambda lib, x: x.unsqueeze(4), [(2, 3, 4)]),
    ("transpose_range", lambda lib, x: x.transpose(0, -4), [(2, 3, 4)]),
    ("permute_len", lambda lib, x: x.permute(0, 1), [(2, 3, 4)]),
    ("permute_dup", lambda lib, x: x.permute(0, 1, 1), [(2, 3, 4)]),
    ("permute_range", lambda lib, x: x.permute(0, 1, 3), [(2, 3, 4)]),
    ("t_3d", lambda lib, x: x.t(), [(2, 3, 4)]),
    ("mT_1d", lambda lib, x: x.mT, [(3,)]),
    ("mH_1d", lambda lib, x: x.mH, [(3,)]),
    ("H_1d", lambda lib, x: x.H, [(3,)]),
    ("H_3d", lambda lib, x: x.H, [(2, 3, 4)]),
    ("adjoint_1d", lambda lib, x: x.adjoint(), [(3,)]),
    ("movedim_dup", lambda lib, x: x.movedim((0, 0), (1, 2)), [(2, 3, 4)]),
    ("movedim_dup_dst", lambda lib, x: x.movedim((0, 1), (2, 2)), [(2, 3, 4)]),
    ("movedim_len", lambda lib, x: x.movedim((0, 1), (1,)), [(2, 3, 4)]),
    ("movedim_range", lambda lib, x: x.movedim(3, 0), [(2, 3, 4)]),
    ("select_range", lambda lib, x: x.select(1, 3), [(2, 3, 4)]),
    ("select_range_neg", lambda lib, x: x.select(-1, -5), [(2, 3, 4)]),
    ("select_0d", lambda lib, x: x.select(0, 0), [()]),
    ("narrow_bad", lambda lib, x: x.narrow(1, 2, 2), [(2, 3, 4)]),
    ("narrow_neg_len", lambda lib, x: x.narrow(1, 0, -1), [(2, 3, 4)]),
    ("narrow_start", lambda lib, x: x.narrow(1, 4, 0), [(2, 3, 4)]),
    ("narrow_start_neg", lambda lib, x: x.narrow(1, -4, 1), [(2, 3, 4)]),
    ("narrow_0d", lambda lib, x: x.narrow(0, 0, 1), [()]),
    ("unbind_0d", lambda lib, x: x.unbind(0), [()]),
    ("expand_few", lambda lib, x: x.expand(3, 4), [(2, 3, 4)]),
    ("expand_few_int", lambda lib, x: x.expand(3), [(2, 3)]),
    ("expand_mismatch", lambda lib, x: x.expand(2, 5, 4), [(2, 3, 4)]),
    ("expand_-1_lead", lambda lib, x: x.expand(-1, 2, 3, 4), [(2, 3, 4)]),
    ("expand_inplace", lambda lib, x: x.expand(3, 5).add_(1), [(5,)]),
    ("expand_inplace_view", lambda lib, x: x.expand(2, 3, 5).select(2, 1).mul_(2), [(3, 1)]),
    ("expand_copy_into", lambda lib, x, y: x.expand(2, 3).copy_(y), [(3,), (2, 3)]),
    ("expand_as", lambda lib, x, y: x.expand_as(y), [(2, 3, 4), (3, 4)]),
    ("broadcast_to", lambda lib, x: lib.broadcast_to(x, (3, 5)), [(3, 4)]),
    ("broadcast_tensors", lambda lib, x, y: lib.broadcast_tensors(x, y), [(3, 4), (5,)]),
    ("broadcast_tensors3", lambda lib, x, y, z: lib.broadcast_tensors(x, y, z),
     [(3, 2), (3,), (1, 2)]),
    ("cat_empty_list", lambda lib: lib.cat([]), []),
    ("cat_sizes", lambda lib, x, y: lib.cat([x, y]), [(3, 4), (3, 5)]),
    ("cat_sizes_dim1", lambda lib, x, y, z: lib.cat([x, y, z], 1), [(3, 4), (3, 4), (2, 5)]),
    ("cat_ndim", lambda lib, x, y: lib.cat([x, y]), [(3, 4), (4,)]),
    ("cat_ndim_skip", lambda lib, x, y, z: lib.cat([x, y, z]), [(0,), (2, 3), (3,)]),
    ("cat_0d", lambda lib, x, y: lib.cat([x, y]), [(2, 3), ()]),
    ("cat_dim_range", lambda lib, x, y: lib.cat([x, y], 2), [(3, 4), (3, 4)]),
    ("cat_not_tensor", lambda lib, x: lib.cat([x, 1]), [(3,)]),
    ("cat_out_dtype", lambda lib, x, y: lib.cat([x, x], out=y.long()), [(2,), (4,)]),
    ("stack_unequal", lambda lib, x, y: lib.stack([x, y]), [(3, 4), (3, 5)]),
    ("stack_unequal_2", lambda lib, x, y, z: lib.stack([x, y, z]), [(3,), (3,), (1, 3)]),
    ("stack_empty", lambda lib: lib.stack([]), []),
    ("stack_range", lambda lib, x, y: lib.stack([x, y], 3), [(3, 4), (3, 4)]),
    ("stack_not_tensor", lambda lib, x: lib.stack([x, 2.0]), [(3,)]),
    ("hstack_empty", lambda lib: lib.hstack([]), []),
    ("vstack_sizes", lambda lib, x, y: lib.vstack([x, y]), [(3, 4), (5,)]),
    ("column_stack_empty", lambda lib: lib.column_stack([]), []),
    ("meshgrid_indexing", lambda lib, x: lib.meshgrid(x, x, indexing="foo"), [(3,)]),
    ("meshgrid_empty", lambda lib: lib.meshgrid(indexing="ij"), []),
    ("split_sum", lambda lib, x: x.split([1, 1]), [(3, 4)]),
    ("split_sum_dim", lambda lib, x: x.split([2, 2], 1), [(3, 5)]),
    ("split_zero", lambda lib, x: x.split(0), [(3, 4)]),
    ("split_neg_size", lambda lib, x: x.split([4, -1]), [(3, 4)]),
    ("split_0d", lambda lib, x: x.split(1), [()]),
    ("split_sizes_0d", lambda lib, x: x.split([1]), [()]),
    ("chunk_0d", lambda lib, x: x.chunk(1), [()]),
    ("split_dim", lambda lib, x: x.split([1, 2], 1), [(3,)]),
    ("chunk_zero", lambda lib, x: x.chunk(0), [(3, 4)]),
    ("chunk_neg", lambda lib, x: x.chunk(-1), [(3, 4)]),
    ("tensor_split_zero", lambda lib, x: x.tensor_split(0), [(3, 4)]),
    ("tensor_split_0d", lambda lib, x: x.tensor_split(1), [()]),
    ("tensor_split_range", lambda lib, x: x.tensor_split(2, 2), [(3, 4)]),
    ("tensor_split_float", lambda lib, x: x.tensor_split(lib.tensor([1.0])), [(3, 4)]),
    ("hsplit_bad", lambda lib, x: x.hsplit(3), [(3, 4)]),
    ("hsplit_0d", lambda lib, x: x.hsplit(1), [()]),
    ("vsplit_1d", lambda lib, x: x.vsplit(1), [(5,)]),
    ("vsplit_bad", lambda lib, x: x.vsplit(2), [(3, 4)]),
    ("dsplit_2d", lambda lib, x: x.dsplit(2), [(3, 4)]),
    ("repeat_few", lambda lib, x: x.repeat(2), [(3, 4)]),
    ("repeat_neg", lambda lib, x: x.repeat(2, -1), [(3, 4)]),
    ("tile_neg", lambda lib, x: x.tile(-1), [(3, 4)]),
    ("flip_dup", lambda lib, x: x.flip(0, 0), [(3, 4)]),
    ("flip_dup_neg", lambda lib, x: x.flip(1, 0, -1), [(3, 4)]),
    ("flip_range", lambda lib, x: x.flip(2), [(3, 4)]),
    ("fliplr_1d", lambda lib, x: x.fliplr(), [(3,)]),
    ("flipud_0d", lambda lib, x: x.flipud(), [()]),
    ("roll_align", lambda lib, x: x.roll((1, 2), (0,)), [(3, 4)]),
    ("roll_align_none", lambda lib, x: x.roll((1, 2)), [(3, 4)]),
    ("roll_range", lambda lib, x: x.roll(1, 2), [(3, 4)]),
    ("roll_no_shifts", lambda lib, x: x.roll((), ()), [(3, 4)]),
    ("roll_0d_dim", lambda lib, x: x.roll(1, 0), [()]),
    ("diag_3d", lambda lib, x: x.diag(), [(2, 3, 4)]),
    ("diag_0d", lambda lib, x: x.diag(), [()]),
    ("diagonal_same", lambda lib, x: x.diagonal(0, 1, -1), [(3, 4)]),
    ("diagonal_1d", lambda lib, x: x.diagonal(), [(5,)]),
    ("diag_embed_same", lambda lib, x: x.diag_embed(0, 0, 0), [(5,)]),
    ("diag_embed_0d", lambda lib, x: x.diag_embed(), [()]),
    ("tril_1d", lambda lib, x: x.tril(), [(5,)]),
    ("triu_0d", lambda lib, x: x.triu(), [()]),
    ("tril_leaf_inplace", lambda lib, x: x.requires_grad_().tril_(), [(3, 3)]),
    ("split_out_inplace", lambda lib, x: (x.requires_grad_() * 1).split(2)[0].mul_(2), [(4, 3)]),
    ("split_sizes_out_inplace", lambda lib, x: (x.requires_grad_() * 1).split([1, 3])[1].add_(1),
     [(4, 3)]),
    ("chunk_out_inplace", lambda lib, x: (x.requires_grad_() * 1).chunk(2)[1].zero_(), [(4, 3)]),
    ("unbind_out_inplace", lambda lib, x: (x.requires_grad_() * 1).unbind(1)[2].mul_(2),
     [(4, 3)]),
    ("split_view_inplace", lambda lib, x: (x.requires_grad_() * 1).split(2)[0][0].mul_(2),
     [(4, 3)]),
    ("unfold_big", lambda lib, x: x.unfold(1, 5, 1), [(3, 4)]),
    ("unfold_neg", lambda lib, x: x.unfold(0, -1, 1), [(3,)]),
    ("unfold_step", lambda lib, x: x.unfold(1, 2, 0), [(3, 4)]),
    ("unfold_0d", lambda lib, x: x.unfold(0, 2, 1), [()]),
    ("unfold_range", lambda lib, x: x.unfold(1, 1, 1), [(3,)]),
    ("rot90_dims", lambda lib, x: x.rot90(1, (0,)), [(3, 4)]),
    ("rot90_1d", lambda lib, x: x.rot90(), [(3,)]),
    ("rot90_same", lambda lib, x: x.rot90(1, (0, -2)), [(3, 4)]),
    ("rot90_range", lambda lib, x: x.rot90(1, (0, 2)), [(3, 4)]),
    ("narrow_copy", lambda lib, x: x.narrow_copy(1, 3, 2), [(3, 4)]),
    ("view_as_real_real", lambda lib, x: lib.view_as_real(x), [(3,)]),
    ("view_as_complex_int", lambda lib, x: lib.view_as_complex(x.long()), [(3, 2)]),
    ("view_as_complex_0d", lambda lib, x: lib.view_as_complex(x), [()]),
    ("view_as_complex_last", lambda lib, x: lib.view_as_complex(x), [(3, 3)]),
    ("view_as_complex_stride1", lambda lib, x: lib.view_as_complex(x.t()), [(2, 3)]),
    ("view_as_complex_stride", lambda lib, x: lib.view_as_complex(x[:, :2]), [(3, 3)]),
    ("view_as_complex_offset", lambda lib, x: lib.view_as_complex(x.view(-1)[1:].view(2, 2)),
     [(5,)]),
]


@pytest.mark.parametrize("name,fn,inputs", ERRORS, ids=[e[0] for e in ERRORS])
def test_error(name, fn, inputs):
    check_error(fn, inputs)


def test_error_messages_with_torch_internals():
    """torch's message embeds a C++ trace or tensor print here; the gist must match."""
    check_error(lambda lib, x: x.unflatten(1, (-1, -1)), [(2, 3, 4)],
                match="only one dimension can be inferred")
    check_error(lambda lib, x, y: lib.meshgrid(x, y, indexing="ij"), [(3, 4), (5,)],
                match="Expected 0D or 1D tensor in the tensor list but got")


def test_saved_view_modified_raises():
    """A view saved for backward and then modified through its base: PyTorch's error."""
    msgs = []
    for lib in (torch, torcia):
        x = lib.ones(3, 4, requires_grad=True)
        y = x * 1
        v = y.t()
        z = v * v
        y.add_(1)
        with pytest.raises(RuntimeError) as e:
            z.sum().backward()
        msgs.append(str(e.value).split(":")[0])
    assert msgs[0] == msgs[1]


def test_create_graph_through_shape_ops():
    """Second derivatives flow through shape ops' backward formulas."""
    def f(lib, x):
        y = (x.unsqueeze(0).expand(2, 3, 3).diagonal(0, 1, 2).flip(0) ** 2)
        return lib.stack([y.roll(1, 1), y.tril(), y.repeat(1, 2)[:, 1:4]], 1)

    grads = {}
    for lib in (torch, torcia):
        x = lib.from_numpy(np.linspace(-1, 1, 9).reshape(3, 3)).requires_grad_()
        (g,) = lib.autograd.grad(f(lib, x).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        grads[lib] = (g.detach().numpy(), gg.numpy())
    np.testing.assert_allclose(grads[torcia][0], grads[torch][0], rtol=1e-12)
    np.testing.assert_allclose(grads[torcia][1], grads[torch][1], rtol=1e-12)

"""Tensor attributes, conversions and the Python protocol against PyTorch.

Each case is an expression in ``lib`` (torch or torcia) with ``x`` a float tensor of shape
(3, 4) holding 0..11, run by ``same``: values, dtypes, strides and error messages must agree.
"""

import copy
import math
import operator
import warnings

import numpy as np
import pytest
import torch

import torcia

from .same import same


def ev(expr, **kw):
    def run(lib):
        g = {"np": np, "math": math, "operator": operator, "copy": copy, "lib": lib,
             "x": lib.arange(12.0).reshape(3, 4), "xg": lib.ones(2, requires_grad=True),
             "xi": lib.arange(6).reshape(2, 3)}
        return eval(expr, g)
    return same(run, **kw)


def params(*exprs):
    return pytest.mark.parametrize("expr", exprs)


@params(
    "x.size()", "x.size(1)", "x.size(-1)", "x.size(dim=0)", "x.shape", "x.shape[1:]",
    "x.shape[::-1]", "x.shape[0]", "x.shape[-1]", "x.shape + (4,)", "(4,) + x.shape",
    "x.shape * 2", "2 * x.shape", "x.shape == (3, 4)", "x.shape == [3, 4]", "x.shape.numel()",
    "lib.Size([]).numel()", "lib.Size([2, 3])", "str(lib.Size([2, 3]))", "repr(lib.Size([]))",
    "lib.Size([np.int64(2)])", "lib.Size([lib.tensor(2)])", "lib.Size([2, 3]).count(2)",
    "hash(lib.Size([2, 3])) == hash((2, 3))", "type(x.shape).__name__", "x.dim()", "x.ndim",
    "x.ndimension()", "x.nelement()", "x.numel()", "lib.numel(x)", "lib.ones(()).dim()",
    "lib.ones(()).shape", "lib.ones(()).numel()", "lib.ones(2, 0).numel()",
    # errors
    "x.size(2)", "x.size(-3)", "lib.ones(()).size(0)", "lib.ones(()).size(-1)",
    "lib.Size((2.5,))", "lib.Size(3)",
)
def test_size_and_shape(expr):
    ev(expr)


@params(
    "x.element_size()", "x.itemsize", "x.nbytes", "x.double().element_size()",
    "lib.ones(2, dtype=lib.bfloat16).element_size()", "lib.ones(2, dtype=lib.complex64).itemsize",
    "lib.ones(2, dtype=lib.complex128).nbytes", "lib.ones(2, dtype=lib.bool).nbytes",
    "x[1:, 2:].nbytes", "x.t().nbytes", "x[1:, ::2].nbytes", "x.stride()", "x.stride(0)",
    "x.stride(-1)", "x.t().stride()", "x[1:, ::2].stride()", "x[1, ::2].stride()",
    "x[None, :, None].stride()", "x.storage_offset()", "x[1:, 2:].storage_offset()",
    "x[1:, ::2].storage_offset()", "x.t()[1:].storage_offset()", "x.view(12)[5:].storage_offset()",
    "x[1:].clone().storage_offset()", "x.t()[0].storage_offset()",
    "x[1:, 1:].data_ptr() - x.data_ptr()", "x.t().data_ptr() == x.data_ptr()",
    "x.clone().data_ptr() == x.data_ptr()", "x.stride(2)",
    "x.is_contiguous()", "x.t().is_contiguous()", "x[:, ::2].is_contiguous()",
    "x[:1].is_contiguous()", "x[:, :1].is_contiguous()", "x.contiguous() is x",
    "x.t().contiguous().stride()", "x.t().contiguous()",
    "lib.ones(3, 1, 4).transpose(0, 1).is_contiguous()",
    "lib.ones(1, 3).t().is_contiguous()", "lib.ones(0, 3).t().is_contiguous()",
)
def test_memory_layout(expr):
    ev(expr)


@params(
    "x.type()", "x.type('torch.DoubleTensor')", "x.type('torch.IntTensor')", "x.type(lib.int64)",
    "x.type(dtype=lib.float16)", "x.type('torch.FloatTensor') is x", "x.type(lib.float32) is x",
    "x.type(lib.DoubleTensor)", "x.type('torch.FooTensor')", "x.type('DoubleTensor')",
    "x.type('torch.float64')", "x.type(float)", "x.type(np.float32)", "x.type(1)",
    "lib.FloatTensor([1, 2])", "lib.LongTensor(2).shape", "lib.LongTensor([1.5])",
    "isinstance(x, lib.FloatTensor)", "isinstance(x, lib.DoubleTensor)",
    "isinstance(xi, lib.LongTensor)", "isinstance(x, lib.Tensor)", "lib.FloatTensor.dtype",
    "lib.FloatTensor(np.array([1.5]))", "lib.ByteTensor([300])", "lib.BoolTensor([2])",
    "lib.DoubleTensor(2, 3).dtype", "type(x) is lib.Tensor",
)
def test_type_strings(expr):
    ev(expr)


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16", "int64", "int32",
                                  "int16", "int8", "uint8", "bool", "complex64", "complex128",
                                  "uint16", "uint32", "uint64"])
def test_type_string_every_dtype(name):
    same(lambda lib: lib.ones(2, dtype=getattr(lib, name)).type())
    same(lambda lib: lib.ones(2).type(lib.ones(1, dtype=getattr(lib, name)).type()).dtype)


@params(
    "lib.tensor(3.5).item()", "lib.tensor([3.5]).item()", "lib.tensor([[3]]).item()",
    "lib.tensor(3).item()", "lib.tensor(True).item()", "lib.tensor(1.5, dtype=lib.float16).item()",
    "lib.tensor(0.1, dtype=lib.bfloat16).item()", "lib.tensor(0.1).item()", "lib.tensor(1j).item()",
    "lib.tensor(2**63 - 1).item()", "lib.tensor(3, dtype=lib.uint8).item()",
    "lib.tensor(0.1, dtype=lib.float64).item()", "lib.tensor(1+2j, dtype=lib.complex64).item()",
    "lib.tensor([1, 2]).item()", "lib.tensor([]).item()", "xg.sum().item()",
    "x.tolist()", "xi.tolist()", "lib.tensor([[1.5, 2]], dtype=lib.float16).tolist()",
    "lib.tensor([0.1], dtype=lib.bfloat16).tolist()", "lib.tensor([0.1]).tolist()",
    "lib.tensor(0.1).tolist()", "lib.tensor([1j]).tolist()", "lib.tensor([True]).tolist()",
    "lib.zeros(2, 0).tolist()", "xg.tolist()", "x.t().tolist()", "lib.tensor(5).tolist()",
    "lib.tensor([2**64 - 1], dtype=lib.uint64).tolist()",
)
def test_item_tolist(expr):
    ev(expr)


@params(
    "x.numpy()", "x.t().numpy().strides", "xg.numpy()", "xg.numpy(force=True)",
    "xg.detach().numpy()", "lib.ones(2, dtype=lib.float16).numpy().dtype",
    "x.numpy().flags.writeable", "np.asarray(x).dtype", "np.asarray(xg)",
    "np.array(x, dtype=np.float64)", "np.asarray(lib.tensor(3.5))", "np.asarray(xi)",
    "np.asarray(x[:, ::2]).strides", "np.exp(x)", "np.add(x, 1)", "np.isnan(x)",
    "x * np.float64(2.5)", "np.float64(2.5) * x", "xi + np.int64(3)",
    "np.float32(2) + lib.ones(2, dtype=lib.float64)", "x == np.arange(4.0)",
)
def test_numpy_interop(expr):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        ev(expr)


OPS = ["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "<<", ">>", "<", "<=", ">", ">=",
       "==", "!="]


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "//", "%", "**", "&", "|", "^", "=="])
def test_numpy_array_operand(op):
    """``tensor op array`` gives PyTorch's result where the two promotions agree (see
    Note [NumPy operands]); ``array op tensor`` gives the same tensor as ``tensor op array``
    would with the operands swapped, where PyTorch raises."""
    def fn(lib):
        t = lib.tensor([3, 4], dtype=lib.int64)
        return eval(f"t {op} a", {"t": t, "a": np.array([1, 2], dtype=np.int64)})
    if op != "/":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            same(fn)
    t, a = torcia.tensor([3, 4]), np.array([1, 2])
    swapped = eval(f"a {op} t")
    expected = eval(f"x {op} t", {"x": torcia.from_numpy(a), "t": t})
    assert isinstance(swapped, torcia.Tensor) and swapped.dtype == expected.dtype
    assert swapped.tolist() == expected.tolist()


def test_numpy_array_operand_int_division():
    """int tensor / int array: the default float dtype, as for two int tensors."""
    out = torcia.tensor([3, 4]) / np.array([2, 2])
    assert out.dtype == torcia.float32 and out.tolist() == [1.5, 2.0]


@params("x + np.ones(4, dtype=np.float32)", "xi @ np.ones((3, 2), dtype=np.int64)")
def test_numpy_array_operands_more(expr):
    ev(expr)


def test_numpy_shares_memory():
    t = torcia.arange(6.0)
    a = t.numpy()
    a[0] = 42
    assert t[0].item() == 42
    t.add_(1)
    assert a[1] == 2
    assert t.numpy().__array_interface__["data"][0] == t.data_ptr()
    b = np.asarray(t)
    assert np.shares_memory(a, b)


@params(
    "x.to(lib.float32) is x", "x.to('cpu') is x", "x.to(lib.float32, copy=True) is x",
    "x.to(x) is x", "x.to(xi)", "x.to('cpu', lib.float64)", "x.to(lib.device('cpu'), lib.int32)",
    "x.to(device='cpu', dtype=lib.float16)", "x.to(dtype=lib.float16, device='cpu')",
    "x.to(lib.float64, True)", "x.to(lib.float64, False, True)",
    "x.to(lib.float64, non_blocking=True)", "x.to()", "x.to(None) is x", "x.to('cpu', None) is x",
    "x.to(lib.float32, copy=True).data_ptr() == x.data_ptr()", "x.to(float)", "x.to(int)",
    "x.to(bool)", "x.to(complex)", "x.t().to(lib.float64).stride()",
    "x.t().to(lib.float32, copy=True).stride()", "x.to('float64')", "x.to('foo')",
    "x.to(np.float32)", "x.to(lib.float32, lib.float64)", "x.to([1])",
    "xg.to(lib.float64)", "xg.to(lib.int64)", "xg.to(lib.complex64)", "xg.to(lib.float32) is xg",
)
def test_to(expr):
    ev(expr, match=None)


def test_to_errors_messages():
    for expr in ("x.to(foo=1)", "x.to(lib.float32, lib.float64)", "x.to([1])"):
        ev(expr, match="to\\(\\) received an invalid combination of arguments")


@params(
    "lib.tensor([1.5, -2.7]).long()", "lib.tensor([1.5, -2.7]).int()",
    "lib.tensor([1.5, -2.7]).short()",
    "lib.tensor([1.5, -2.7]).char()", "lib.tensor([1.5, 2.7]).byte()",
    "lib.tensor([1.5, 0]).bool()",
    "lib.tensor([1, 2]).float()", "lib.tensor([1, 2]).double()", "lib.tensor([0.1]).half()",
    "lib.tensor([0.1]).bfloat16()", "lib.tensor([0.1], dtype=lib.float64).half()",
    "lib.tensor([0.1], dtype=lib.float64).bfloat16()", "lib.tensor([1.5]).cfloat()",
    "lib.tensor([1.5]).cdouble()", "lib.tensor([1+2j]).bool()",
    "lib.tensor([1+2j]).to(lib.complex128)",
    "lib.tensor([0j, 1j, 1+0j]).bool()", "lib.tensor([2**31 - 1]).float()",
    "lib.tensor([16777217]).float()",
    "lib.tensor([2**30 + 2**22 + 1]).bfloat16()",
    "lib.tensor([1 + 2**-11 + 2**-40], dtype=lib.float64).half()",
    "lib.tensor([1 + 2**-8 + 2**-40], dtype=lib.float64).bfloat16()",
    "lib.tensor([65519.0], dtype=lib.float64).half()", "lib.tensor([65520.0]).half()",
    "lib.tensor([True, False]).float()", "lib.tensor([3], dtype=lib.uint8).char()",
    "lib.tensor([200], dtype=lib.uint8).char()", "lib.tensor([-1], dtype=lib.int8).byte()",
    "lib.tensor([70000]).short()", "x.t().float().stride()", "x.t().double().stride()",
    "lib.ones(4, 6)[::2].double().stride()", "lib.tensor([0.1, 1e-40, 3e38]).half()",
    "lib.tensor([1.0, 2.5], dtype=lib.bfloat16).half()", "lib.tensor([70000.5]).to(lib.uint16)",
    "lib.tensor([2**40]).to(lib.uint32)", "lib.tensor([3], dtype=lib.uint16).float()",
)
def test_dtype_conversions(expr):
    ev(expr)


def test_complex_to_real_warns_once():
    from torcia._ops import creation
    creation._warned_complex_cast[0] = False
    for i in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            torcia.tensor([1 + 2j]).float()
        # PyTorch's text, which it also gives only once per process
        assert [str(w.message) for w in caught] == (
            ["Casting complex values to real discards the imaginary part"] if i == 0 else [])


@params(
    "len(x)", "len(lib.tensor(1.))", "list(lib.tensor([1, 2]))", "list(lib.tensor(1.))",
    "[t.shape for t in x]", "[t for t in x.t()]", "bool(lib.tensor([0.]))", "bool(lib.tensor(2))",
    "bool(lib.tensor([1, 2]))", "bool(lib.tensor([]))", "bool(lib.tensor(float('nan')))",
    "bool(lib.tensor(1j))", "float(lib.tensor([2.5]))", "float(lib.tensor(2))",
    "float(lib.tensor([1, 2]))", "float(lib.tensor([]))", "float(lib.tensor(True))",
    "int(lib.tensor(2.7))", "int(lib.tensor(-2.7))", "int(lib.tensor([[3]]))",
    "int(lib.tensor([1, 2]))",
    "int(lib.tensor(float('nan')))", "int(lib.tensor(float('inf')))", "complex(lib.tensor(2.5))",
    "complex(lib.tensor([1j]))", "complex(lib.tensor([1, 2]))", "operator.index(lib.tensor(3))",
    "operator.index(lib.tensor([3]))", "operator.index(lib.tensor([[3]]))",
    "operator.index(lib.tensor(3.))", "operator.index(lib.tensor([1, 2]))",
    "operator.index(lib.tensor(True))", "operator.index(lib.tensor(3, dtype=lib.uint8))",
    "[10, 20, 30][lib.tensor(1)]", "range(10)[lib.tensor([2])]", "hex(lib.tensor(255))",
    "lib.tensor(3.5).__format__('.2f')", "f'{lib.tensor(3.5):.2f}'", "f'{lib.tensor([3.5])}'",
    "f'{lib.tensor([3.5]):.2f}'", "f'{lib.tensor(7):>4}'", "hash(x) == id(x)",
    "x in [x]", "x in {x}", "lib.tensor(3) in lib.tensor([1, 2, 3])", "2 in lib.tensor([1, 2, 3])",
    "lib.tensor([1, 2]).__contains__('a')", "abs(lib.tensor(-2.))", "math.floor(lib.tensor(2.5))",
    "math.ceil(lib.tensor(2.5))", "math.floor(lib.tensor([2.5]))", "lib.is_tensor(x)",
    "lib.is_tensor([1])", "lib.is_nonzero(lib.tensor([1.]))",
    "lib.is_nonzero(lib.tensor([1., 2.]))",
    "lib.is_nonzero(lib.tensor([]))", "lib.is_floating_point(x)", "lib.is_complex(x)",
    "float(lib.tensor(1j))", "int(lib.tensor(1j))",
)
def test_python_protocol(expr):
    ev(expr)


@params(
    "x.is_floating_point()", "xi.is_floating_point()",
    "lib.ones(2, dtype=lib.bfloat16).is_floating_point()",
    "lib.ones(2, dtype=lib.complex64).is_floating_point()", "x.is_complex()",
    "lib.ones(2, dtype=lib.complex128).is_complex()", "x.is_signed()",
    "lib.ones(2, dtype=lib.uint8).is_signed()", "lib.ones(2, dtype=lib.bool).is_signed()",
    "x.dtype", "xi.dtype", "x.device", "x.is_cuda", "x.is_cpu", "x.get_device()", "x.layout",
    "x.is_leaf", "xg.is_leaf", "(xg * 2).is_leaf", "xg.detach().is_leaf", "x.requires_grad",
    "xg.requires_grad", "x.grad_fn", "xg.grad", "x.requires_grad_()", "x.requires_grad_(False)",
    "xi.requires_grad_()", "xi.requires_grad_(False)", "(xg * 2).requires_grad_(False)",
    "(xg * 2).requires_grad_(True)", "setattr(xi, 'requires_grad', True)",
    "lib.ones(2, dtype=lib.complex64).requires_grad_()", "x.requires_grad_() is x",
    "xg.detach().data_ptr() == xg.data_ptr()", "xg.detach().requires_grad", "xg.detach()._version",
    "xg.data.data_ptr() == xg.data_ptr()", "xg.data.requires_grad", "xg.data.is_leaf",
    "x.clone()", "x.t().clone().stride()", "xg.clone().grad_fn is not None",
    "x.clone().data_ptr() != x.data_ptr()",
)
def test_attributes(expr):
    ev(expr)


def test_detach_shares_memory_and_version():
    for lib in (torch, torcia):
        t = lib.ones(3, requires_grad=True)
        d = t.detach()
        d[0] = 5
        assert t[0].item() == 5 and t._version == d._version == 1
        dd = t.data
        dd[1] = 7
        assert t[1].item() == 7


def test_clone_independent():
    t = torcia.arange(4.0)
    c = t.clone()
    c[0] = 9
    assert t[0].item() == 0


@params(
    "copy.deepcopy(xg)", "copy.deepcopy(xg * 2)", "copy.deepcopy(x).data_ptr() != x.data_ptr()",
    "(lambda l: l[0] is l[1])(copy.deepcopy([x, x]))", "copy.copy(x)",
    "(lambda c: (c is x, c.data_ptr() == x.data_ptr()))(copy.copy(x))",
    "(lambda c: (c.requires_grad, c.is_leaf, c.grad))(copy.deepcopy(xg))",
)
def test_copy(expr):
    ev(expr)


def test_deepcopy_keeps_grad():
    def fn(lib):
        t = lib.ones(2, requires_grad=True)
        (t * 3).sum().backward()
        c = copy.deepcopy(t)
        c.grad[0] = 100.0
        return c.grad, t.grad, c.requires_grad, c.is_leaf
    same(fn)


def test_hash_identity():
    t = torcia.ones(2)
    u = torcia.ones(2)
    assert hash(t) != hash(u) or t is u
    d = {t: 1, u: 2}
    assert d[t] == 1 and d[u] == 2

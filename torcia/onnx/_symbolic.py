"""Symbolic functions: each traced op written as ONNX nodes.

A symbolic function is named after the op (in-place ``relu_`` and operator ``__matmul__``
forms map to ``relu`` and ``matmul``) and takes the op's arguments with PyTorch's signature
after ``g`` (the Builder of _export.py). Tensors and traced sizes arrive as ``V`` values,
literals as Python objects. It returns the ONNX name of its result, or a tuple/list shaped
as the op's Python result (``lstm`` returns (output, h_n, c_n)). Shapes in ``V.shape`` are
the traced ones: only the dims not in ``V.dyn`` are fixed, and ``g.size`` reads a dim that
may vary from ``Shape`` at run time.
"""

import inspect
import math

import numpy as np

from .. import _dtype
from ._export import V

__all__ = ["convert", "SYMBOLIC"]

SYMBOLIC = {}
_INT64_MAX = np.iinfo(np.int64).max


def convert(g, key, args, kwargs):
    """The ONNX form of one traced op (UnsupportedOperatorError when it has none)."""
    name = _base(key)
    fn = SYMBOLIC.get(name)
    if fn is None:
        g.unsupported("torcia has no ONNX mapping for this op")
    try:
        bound = inspect.signature(fn).bind(g, *args, **kwargs)
    except TypeError as e:
        g.unsupported(f"its arguments do not match ({e})")
    return fn(*bound.args, **bound.kwargs)


def _base(key):
    name = key.rsplit(".", 1)[1]
    if key.startswith("prim."):
        return "prim_" + name
    if name.startswith("__") and name.endswith("__"):
        return name[2:-2]
    if name.endswith("_") and not name.endswith("__"):
        return name[:-1]
    return name


def sym(*names):
    def register(fn):
        for n in names or (fn.__name__.rstrip("_"),):
            SYMBOLIC[n] = fn
        return fn
    return register


# -- helpers -----------------------------------------------------------------------------------
def _out_dtype(g, i=0):
    return _dtype_named(g.out[i]["dtype"])


def _dtype_named(name):
    return {d.name: d for d in _dtype.ALL}[name]


def _as(g, x, dtype):
    """``x`` (a tensor value or a Python number) as an ONNX tensor of ``dtype``."""
    if isinstance(x, V) and x.kind == "tensor":
        if x.const is not None and x.name is None and x.const.dim() == 0:
            return g.const(x.const.item(), dtype)
        return g.t(x) if x.dtype is dtype else g.cast(x, dtype)
    if isinstance(x, V):  # a traced int
        return g.i64(x) if dtype is _dtype.int64 else g.cast(g.i64(x), dtype)
    return g.const(x, dtype)


def _promoted(*xs):
    """The dtype PyTorch computes a comparison of ``xs`` in."""
    import torcia
    dummies = []
    for x in xs:
        if isinstance(x, V) and x.kind == "tensor":
            dummies.append(torcia.empty((1,) * x.rank, dtype=x.dtype))
        elif isinstance(x, V):
            dummies.append(0)
        else:
            dummies.append(x)
    if not any(isinstance(d, torcia.Tensor) for d in dummies):
        return torcia.get_default_dtype()
    return torcia.result_type(*dummies) if len(dummies) == 2 else dummies[0].dtype


def _dim(d, rank):
    return d % max(rank, 1) if rank else 0


def _tuple(x, n):
    if isinstance(x, (tuple, list)):
        return [int(v) for v in x] if len(x) == n else [int(x[0])] * n
    return [int(x)] * n


def _shape_arg(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return list(shape[0])
    return list(shape)


def _reduce(g, op, x, axes, keepdims):
    """Reduce op ``op`` over ``axes`` (None: all), with the opset's axes convention."""
    keep = int(bool(keepdims))
    if axes is None:
        return g.op(op, x, keepdims=keep)
    axes = [int(a) for a in axes]
    if op == "ReduceSum" or g.opset >= 18:
        return g.op(op, x, g.const(axes, np.int64), keepdims=keep)
    return g.op(op, x, axes=axes, keepdims=keep)


def _value(g, x):
    """An int (Python int, ONNX name of a 0-d int64, or V) as a V."""
    if isinstance(x, V):
        return x
    if isinstance(x, str):
        return V(x, "int")
    return V(None, "int", const=int(x))


# -- pointwise ---------------------------------------------------------------------------------
def _unary(onnx_op):
    def convert(g, input, *args, **kwargs):
        return g.op(onnx_op, g.t(input))
    return convert


for _name, _op in (("relu", "Relu"), ("sigmoid", "Sigmoid"), ("tanh", "Tanh"), ("exp", "Exp"),
                   ("log", "Log"), ("sqrt", "Sqrt"), ("neg", "Neg"), ("negative", "Neg"),
                   ("abs", "Abs"), ("erf", "Erf"), ("reciprocal", "Reciprocal"), ("sin", "Sin"),
                   ("cos", "Cos"), ("floor", "Floor"), ("ceil", "Ceil"), ("sign", "Sign"),
                   ("logical_not", "Not"), ("round", "Round")):
    SYMBOLIC[_name] = _unary(_op)


@sym("contiguous", "clone", "detach", "alias", "positive", "cpu", "identity")
def _identity(g, input, *args, **kwargs):
    return g.op("Identity", g.t(input))


@sym("rsqrt")
def rsqrt(g, input, *, out=None):
    return g.op("Reciprocal", g.op("Sqrt", g.t(input)))


@sym("to", "float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte", "bool",
     "type", "type_as")
def to(g, self, *args, **kwargs):
    dt = _out_dtype(g)
    return g.op("Identity", g.t(self)) if self.dtype is dt else g.cast(g.t(self), dt)


def _binary(onnx_op):
    def convert(g, input, other, *, out=None):
        dt = _out_dtype(g)
        return g.op(onnx_op, _as(g, input, dt), _as(g, other, dt))
    return convert


SYMBOLIC["mul"] = SYMBOLIC["multiply"] = _binary("Mul")
SYMBOLIC["maximum"] = _binary("Max")
SYMBOLIC["minimum"] = _binary("Min")


@sym("add")
def add(g, input, other, *, alpha=1, out=None):
    dt = _out_dtype(g)
    b = _as(g, other, dt)
    if alpha != 1:
        b = g.op("Mul", b, g.const(alpha, dt))
    return g.op("Add", _as(g, input, dt), b)


@sym("sub", "subtract")
def sub(g, input, other, *, alpha=1, out=None):
    dt = _out_dtype(g)
    b = _as(g, other, dt)
    if alpha != 1:
        b = g.op("Mul", b, g.const(alpha, dt))
    return g.op("Sub", _as(g, input, dt), b)


@sym("rsub")
def rsub(g, input, other, *, alpha=1):
    return sub(g, other, input, alpha=alpha)


@sym("div", "divide", "true_divide")
def div(g, input, other, *, rounding_mode=None, out=None):
    dt = _out_dtype(g)
    q = g.op("Div", _as(g, input, dt), _as(g, other, dt))
    if rounding_mode == "floor" and dt.is_floating_point:
        return g.op("Floor", q)
    if rounding_mode is not None and dt.is_floating_point:
        g.unsupported(f"rounding_mode={rounding_mode!r}")
    return q


@sym("pow")
def pow_(g, input, exponent, *, out=None):
    dt = _out_dtype(g)
    return g.op("Pow", _as(g, input, dt), _as(g, exponent, dt))


def _compare(onnx_op, negate=False):
    def convert(g, input, other, *, out=None):
        dt = _promoted(input, other)
        r = g.op(onnx_op, _as(g, input, dt), _as(g, other, dt))
        return g.op("Not", r) if negate else r
    return convert


for _name, _op, _neg in (("eq", "Equal", False), ("ne", "Equal", True), ("lt", "Less", False),
                         ("le", "LessOrEqual", False), ("gt", "Greater", False),
                         ("ge", "GreaterOrEqual", False), ("logical_and", "And", False),
                         ("logical_or", "Or", False)):
    SYMBOLIC[_name] = _compare(_op, _neg)


@sym("where")
def where(g, condition, input=None, other=None, *, out=None):
    if input is None:
        g.unsupported("where(condition) (nonzero) is not exported")
    dt = _out_dtype(g)
    return g.op("Where", _as(g, condition, _dtype.bool), _as(g, input, dt), _as(g, other, dt))


@sym("masked_fill")
def masked_fill(g, input, mask, value):
    dt = _out_dtype(g)
    return g.op("Where", _as(g, mask, _dtype.bool), _as(g, value, dt), g.t(input))


@sym("clamp", "clip")
def clamp(g, input, min=None, max=None, *, out=None):
    dt = input.dtype
    x = g.t(input)
    if isinstance(min, V) and min.kind == "tensor" or isinstance(max, V) and max.kind == "tensor":
        if min is not None:
            x = g.op("Max", x, _as(g, min, dt))
        if max is not None:
            x = g.op("Min", x, _as(g, max, dt))
        return x
    return g.op("Clip", x, None if min is None else g.const(min, dt),
                None if max is None else g.const(max, dt))


@sym("hardtanh")
def hardtanh(g, input, min_val=-1.0, max_val=1.0, inplace=False):
    return clamp(g, input, min_val, max_val)


@sym("relu6")
def relu6(g, input, inplace=False):
    return clamp(g, input, 0.0, 6.0)


@sym("leaky_relu")
def leaky_relu(g, input, negative_slope=0.01, inplace=False):
    return g.op("LeakyRelu", g.t(input), alpha=float(negative_slope))


@sym("elu")
def elu(g, input, alpha=1.0, inplace=False):
    return g.op("Elu", g.t(input), alpha=float(alpha))


@sym("silu")
def silu(g, input, inplace=False):
    x = g.t(input)
    return g.op("Mul", x, g.op("Sigmoid", x))


@sym("hardswish")
def hardswish(g, input, inplace=False):
    return g.op("HardSwish", g.t(input))


@sym("hardsigmoid")
def hardsigmoid(g, input, inplace=False):
    return g.op("HardSigmoid", g.t(input), alpha=1.0 / 6, beta=0.5)


@sym("softplus")
def softplus(g, input, beta=1.0, threshold=20.0):
    if beta != 1:
        x = g.op("Mul", g.t(input), g.const(beta, input.dtype))
        return g.op("Div", g.op("Softplus", x), g.const(beta, input.dtype))
    return g.op("Softplus", g.t(input))


@sym("mish")
def mish(g, input, inplace=False):
    x = g.t(input)
    return g.op("Mul", x, g.op("Tanh", g.op("Softplus", x)))


@sym("gelu")
def gelu(g, input, approximate="none"):
    x, dt = g.t(input), input.dtype
    if g.opset >= 20:
        return g.op("Gelu", x, approximate=approximate)
    if approximate == "tanh":
        inner = g.op("Add", x, g.op("Mul", g.const(0.044715, dt),
                                    g.op("Mul", x, g.op("Mul", x, x))))
        t = g.op("Tanh", g.op("Mul", g.const(math.sqrt(2 / math.pi), dt), inner))
        return g.op("Mul", g.op("Mul", g.const(0.5, dt), x), g.op("Add", g.const(1.0, dt), t))
    erf = g.op("Erf", g.op("Div", x, g.const(math.sqrt(2.0), dt)))
    return g.op("Mul", g.op("Mul", x, g.const(0.5, dt)), g.op("Add", erf, g.const(1.0, dt)))


@sym("softmax", "log_softmax")
def softmax(g, input, dim=None, _stacklevel=3, dtype=None):
    if isinstance(_stacklevel, _dtype.dtype):  # torch.softmax(x, dim, dtype)
        dtype = _stacklevel
    if dim is None:
        dim = 0 if input.rank in (0, 1, 3) else 1
    x = g.t(input) if dtype is None or dtype is input.dtype else g.cast(g.t(input), dtype)
    op = "LogSoftmax" if g.op_name.endswith("log_softmax") else "Softmax"
    return g.op(op, x, axis=_dim(dim, input.rank))


@sym("dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout", "feature_alpha_dropout",
     "feature_dropout")
def dropout(g, input, p=0.5, training=True, inplace=False, **kwargs):
    training = kwargs.get("train", training)
    if training and p > 0:
        g.unsupported("dropout in training mode (export the model in eval mode)")
    return g.op("Identity", g.t(input))


# -- linear algebra ----------------------------------------------------------------------------
@sym("matmul", "mm", "bmm", "matmul_operator")
def matmul(g, input, other, *, out=None):
    return g.op("MatMul", g.t(input), g.t(other))


@sym("rmatmul", "rmatmul_operator")
def rmatmul(g, self, other):
    return g.op("MatMul", g.t(other), g.t(self))


@sym("addmm")
def addmm(g, input, mat1, mat2, *, beta=1, alpha=1, out=None):
    return g.op("Gemm", g.t(mat1), g.t(mat2), g.t(input), alpha=float(alpha), beta=float(beta))


def _transposed(g, w):
    """``w.T`` of a 2-d weight: a transposed initializer when ``w`` is constant."""
    if w.const is not None:
        return g.initializer(w.const.detach().cpu().numpy().T, (w.hint or "weight") + "_t")
    return g.op("Transpose", g.t(w), perm=[1, 0])


@sym("linear")
def linear(g, input, weight, bias=None):
    if input.rank == 2:
        return g.op("Gemm", g.t(input), g.t(weight), None if bias is None else g.t(bias),
                    transB=1)
    y = g.op("MatMul", g.t(input), _transposed(g, weight))
    return y if bias is None else g.op("Add", y, g.t(bias))


# -- convolution and pooling -------------------------------------------------------------------
def _conv(g, input, weight, bias, stride, padding, dilation, groups, n):
    k = list(weight.shape[2:])
    strides, dilations = _tuple(stride, n), _tuple(dilation, n)
    if isinstance(padding, str):
        if padding == "valid":
            pads = [0] * n
            ends = pads
        else:  # "same" (stride 1): extra padding on the right, as PyTorch
            total = [d * (kk - 1) for d, kk in zip(dilations, k)]
            pads = [t // 2 for t in total]
            ends = [t - p for t, p in zip(total, pads)]
    else:
        pads = _tuple(padding, n)
        ends = pads
    return g.op("Conv", g.t(input), g.t(weight), None if bias is None else g.t(bias),
                kernel_shape=k, strides=strides, pads=pads + ends, dilations=dilations,
                group=int(groups))


@sym("conv1d")
def conv1d(g, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(g, input, weight, bias, stride, padding, dilation, groups, 1)


@sym("conv2d")
def conv2d(g, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(g, input, weight, bias, stride, padding, dilation, groups, 2)


@sym("conv3d")
def conv3d(g, input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    return _conv(g, input, weight, bias, stride, padding, dilation, groups, 3)


@sym("conv_transpose1d", "conv_transpose2d", "conv_transpose3d")
def conv_transpose(g, input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                   dilation=1):
    n = weight.rank - 2
    pads = _tuple(padding, n)
    return g.op("ConvTranspose", g.t(input), g.t(weight), None if bias is None else g.t(bias),
                kernel_shape=list(weight.shape[2:]), strides=_tuple(stride, n),
                pads=pads + pads, dilations=_tuple(dilation, n),
                output_padding=_tuple(output_padding, n), group=int(groups))


def _pool(g, op, input, kernel_size, stride, padding, n, **attrs):
    k = _tuple(kernel_size, n)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and not stride) \
        else _tuple(stride, n)
    p = _tuple(padding, n)
    return g.op(op, g.t(input), kernel_shape=k, strides=s, pads=p + p, **attrs)


@sym("max_pool1d", "max_pool2d", "max_pool3d")
def max_pool(g, input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
             return_indices=False):
    if return_indices:
        g.unsupported("return_indices=True")
    n = input.rank - 2
    d = _tuple(dilation, n)
    return _pool(g, "MaxPool", input, kernel_size, stride, padding, n, ceil_mode=int(ceil_mode),
                 dilations=d if any(x != 1 for x in d) else None)


@sym("avg_pool1d", "avg_pool2d", "avg_pool3d")
def avg_pool(g, input, kernel_size, stride=None, padding=0, ceil_mode=False,
             count_include_pad=True, divisor_override=None):
    if divisor_override is not None:
        g.unsupported("divisor_override")
    return _pool(g, "AveragePool", input, kernel_size, stride, padding, input.rank - 2,
                 ceil_mode=int(ceil_mode), count_include_pad=int(count_include_pad))


def _adaptive_sizes(input, output_size, n):
    out = _tuple(output_size, n) if not isinstance(output_size, (tuple, list)) else [
        input.shape[input.rank - n + i] if o is None else int(o)
        for i, o in enumerate(output_size)]
    return out


def _pool_matrix(n_in, n_out):
    """The (n_out, n_in) averaging matrix of adaptive average pooling along one dim."""
    m = np.zeros((n_out, n_in), np.float64)
    for i in range(n_out):
        lo, hi = (i * n_in) // n_out, -((-(i + 1) * n_in) // n_out)
        m[i, lo:hi] = 1.0 / (hi - lo)
    return m


@sym("adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d")
def adaptive_avg_pool(g, input, output_size):
    n = input.rank - 2
    out = _adaptive_sizes(input, output_size, n)
    spatial = list(range(input.rank - n, input.rank))
    if all(o == 1 for o in out):
        return g.op("GlobalAveragePool", g.t(input))
    if any(d in input.dyn for d in spatial):
        g.unsupported("adaptive pooling of dims whose size varies")
    ins = [input.shape[d] for d in spatial]
    if all(i % o == 0 for i, o in zip(ins, out)):
        k = [i // o for i, o in zip(ins, out)]
        return g.op("AveragePool", g.t(input), kernel_shape=k, strides=k)
    if n != 2:
        g.unsupported("adaptive pooling to sizes that do not divide the input's (1-d/3-d)")
    # y = P_h @ x @ P_w^T, with P the averaging matrices (exact for any sizes)
    ph = g.const(_pool_matrix(ins[0], out[0]), input.dtype)
    pw = g.const(_pool_matrix(ins[1], out[1]).T, input.dtype)
    return g.op("MatMul", g.op("MatMul", ph, g.t(input)), pw)


@sym("adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d")
def adaptive_max_pool(g, input, output_size, return_indices=False):
    n = input.rank - 2
    if return_indices or any(o != 1 for o in _adaptive_sizes(input, output_size, n)):
        g.unsupported("adaptive max pooling other than to size 1 (GlobalMaxPool)")
    return g.op("GlobalMaxPool", g.t(input))


# -- normalization and embedding -------------------------------------------------------------
@sym("batch_norm")
def batch_norm(g, input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-05):
    if training or running_mean is None:
        g.unsupported("batch statistics (training mode): export the model in eval mode")
    c = input.shape[1]
    w = g.t(weight) if weight is not None else g.const(np.ones(c), input.dtype)
    b = g.t(bias) if bias is not None else g.const(np.zeros(c), input.dtype)
    return g.op("BatchNormalization", g.t(input), w, b, g.t(running_mean), g.t(running_var),
                epsilon=float(eps))


@sym("layer_norm")
def layer_norm(g, input, normalized_shape, weight=None, bias=None, eps=1e-05):
    n = len(normalized_shape) if isinstance(normalized_shape, (tuple, list)) else 1
    w = g.t(weight) if weight is not None else g.const(
        np.ones(input.shape[-n:]), input.dtype)
    return g.op("LayerNormalization", g.t(input), w, None if bias is None else g.t(bias),
                axis=-n, epsilon=float(eps))


@sym("embedding")
def embedding(g, input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    if max_norm is not None:
        g.unsupported("max_norm (it renormalizes the weight in place)")
    return g.op("Gather", g.t(weight), _as(g, input, _dtype.int64), axis=0)


# -- reductions --------------------------------------------------------------------------------
def _axes(dim, rank):
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    dims = dim if isinstance(dim, (tuple, list)) else [dim]
    return [_dim(int(d), rank) for d in dims]


def _reduction(onnx_op):
    def convert(g, input, dim=None, keepdim=False, *, dtype=None, out=None):
        x = g.t(input)
        if dtype is not None and dtype is not input.dtype:
            x = g.cast(x, dtype)
        elif onnx_op == "ReduceSum" and _out_dtype(g) is not input.dtype:
            x = g.cast(x, _out_dtype(g))  # a sum of ints or bools is int64
        return _reduce(g, onnx_op, x, _axes(dim, input.rank), keepdim)
    return convert


SYMBOLIC["sum"] = _reduction("ReduceSum")
SYMBOLIC["mean"] = _reduction("ReduceMean")
SYMBOLIC["amax"] = _reduction("ReduceMax")
SYMBOLIC["amin"] = _reduction("ReduceMin")
SYMBOLIC["prod"] = _reduction("ReduceProd")


@sym("logsumexp")
def logsumexp(g, input, dim, keepdim=False, *, out=None):
    return _reduce(g, "ReduceLogSumExp", g.t(input), _axes(dim, input.rank), keepdim)


def _extreme(reduce_op, arg_op):
    def convert(g, input, dim=None, keepdim=False, *, other=None, out=None):
        if other is not None or isinstance(dim, V) and dim.kind == "tensor":
            other = dim if other is None else other
            return g.op("Max" if reduce_op == "ReduceMax" else "Min", g.t(input), g.t(other))
        if dim is None:
            return _reduce(g, reduce_op, g.t(input), None, False)
        d = _dim(dim, input.rank)
        values = _reduce(g, reduce_op, g.t(input), [d], keepdim)
        indices = g.op(arg_op, g.t(input), axis=d, keepdims=int(bool(keepdim)))
        return values, indices
    return convert


SYMBOLIC["max"] = _extreme("ReduceMax", "ArgMax")
SYMBOLIC["min"] = _extreme("ReduceMin", "ArgMin")


def _arg(onnx_op):
    def convert(g, input, dim=None, keepdim=False, *, out=None):
        x = g.t(input)
        if dim is None:
            x = g.op("Reshape", x, g.const([-1], np.int64))
            return g.op(onnx_op, x, axis=0, keepdims=0)
        return g.op(onnx_op, x, axis=_dim(dim, input.rank), keepdims=int(bool(keepdim)))
    return convert


SYMBOLIC["argmax"] = _arg("ArgMax")
SYMBOLIC["argmin"] = _arg("ArgMin")


# -- shapes ------------------------------------------------------------------------------------
@sym("view", "reshape")
def view(g, self, *shape):
    if len(shape) == 1 and isinstance(shape[0], _dtype.dtype):
        g.unsupported("view(dtype)")
    dims = _shape_arg(shape)
    zero = any(not isinstance(d, V) and int(d) == 0 for d in dims)
    return g.op("Reshape", g.t(self), g.ints(dims), allowzero=1 if zero else None)


@sym("view_as", "reshape_as")
def view_as(g, self, other):
    return g.op("Reshape", g.t(self), g.op("Shape", g.t(other)))


@sym("flatten")
def flatten(g, input, start_dim=0, end_dim=-1):
    r = input.rank
    if r == 0:
        return g.op("Reshape", g.t(input), g.const([1], np.int64))
    s, e = _dim(start_dim, r), _dim(end_dim, r)
    if s == e:
        return g.op("Identity", g.t(input))
    tail = [_value(g, g.size(input, d)) if d in input.dyn else input.shape[d]
            for d in range(e + 1, r)]
    return g.op("Reshape", g.t(input), g.ints([0] * s + [-1] + tail))


@sym("unflatten")
def unflatten(g, input, dim, sizes):
    r = input.rank
    d = _dim(dim, r)
    dims = [0] * d + list(sizes) + [_value(g, g.size(input, i)) if i in input.dyn
                                    else input.shape[i] for i in range(d + 1, r)]
    return g.op("Reshape", g.t(input), g.ints(dims))


@sym("squeeze")
def squeeze(g, input, dim=None):
    r = input.rank
    if dim is None:
        axes = [i for i, s in enumerate(input.shape) if s == 1 and i not in input.dyn]
    else:
        axes = [a for a in _axes(dim, r) or [] if input.shape[a] == 1 and a not in input.dyn]
    if not axes:
        return g.op("Identity", g.t(input))
    return g.op("Squeeze", g.t(input), g.const(axes, np.int64))


@sym("unsqueeze")
def unsqueeze(g, input, dim):
    return g.op("Unsqueeze", g.t(input), g.const([_dim(dim, input.rank + 1)], np.int64))


@sym("transpose", "swapaxes", "swapdims")
def transpose(g, input, dim0, dim1):
    r = input.rank
    perm = list(range(r))
    a, b = _dim(dim0, r), _dim(dim1, r)
    perm[a], perm[b] = perm[b], perm[a]
    return g.op("Transpose", g.t(input), perm=perm)


@sym("t")
def t(g, input):
    if input.rank < 2:
        return g.op("Identity", g.t(input))
    return g.op("Transpose", g.t(input), perm=[1, 0])


@sym("T")
def T(g, input):
    return g.op("Transpose", g.t(input), perm=list(range(input.rank))[::-1])


@sym("mT")
def mT(g, input):
    return transpose(g, input, -2, -1)


@sym("permute")
def permute(g, input, *dims):
    dims = _shape_arg(dims)
    return g.op("Transpose", g.t(input), perm=[_dim(int(d), input.rank) for d in dims])


@sym("expand")
def expand(g, self, *sizes, implicit=False):
    sizes = _shape_arg(sizes)
    extra = len(sizes) - self.rank
    dims = [1 if (not isinstance(s, V) and int(s) == -1) else s for s in sizes]
    for i, s in enumerate(sizes):
        if not isinstance(s, V) and int(s) == -1 and i < extra:
            g.unsupported("expand with -1 for a new dim")
    return g.op("Expand", g.t(self), g.ints(dims))


@sym("expand_as")
def expand_as(g, self, other):
    return g.op("Expand", g.t(self), g.op("Shape", g.t(other)))


@sym("repeat")
def repeat(g, self, *sizes):
    sizes = _shape_arg(sizes)
    x = g.t(self)
    if len(sizes) > self.rank:
        shape = [1] * (len(sizes) - self.rank) + [0] * self.rank
        x = g.op("Reshape", x, g.const(shape, np.int64))
    return g.op("Tile", x, g.ints(sizes))


@sym("cat", "concat", "concatenate")
def cat(g, tensors, dim=0, *, out=None):
    dt = _out_dtype(g)
    parts = [_as(g, x, dt) for x in tensors if not (x.rank == 1 and x.shape[0] == 0
                                                     and 0 not in x.dyn)]
    rank = max(x.rank for x in tensors)
    return g.op("Concat", *parts, axis=_dim(dim, rank))


@sym("stack")
def stack(g, tensors, dim=0, *, out=None):
    dt = _out_dtype(g)
    d = _dim(dim, tensors[0].rank + 1)
    axes = g.const([d], np.int64)
    parts = [g.op("Unsqueeze", _as(g, x, dt), axes) for x in tensors]
    return g.op("Concat", *parts, axis=d)


def _split_sizes(g, input, d):
    """The sizes of a split's outputs along dim ``d`` (from the traced outputs)."""
    if d in input.dyn:
        g.unsupported("splitting a dim whose size varies")
    return [o["shape"][d] for o in g.out]


@sym("split", "split_with_sizes", "tensor_split")
def split(g, tensor, split_size_or_sections, dim=0):
    d = _dim(dim, tensor.rank)
    sizes = _split_sizes(g, tensor, d)
    outs = g.op("Split", g.t(tensor), g.const(sizes, np.int64), axis=d, outputs=len(sizes))
    return [outs] if len(sizes) == 1 else list(outs)


@sym("chunk")
def chunk(g, input, chunks, dim=0):
    return split(g, input, None, dim)


@sym("unbind")
def unbind(g, input, dim=0):
    d = _dim(dim, input.rank)
    n = len(g.out)
    parts = g.op("Split", g.t(input), g.const([1] * n, np.int64), axis=d, outputs=n)
    parts = [parts] if n == 1 else parts
    axes = g.const([d], np.int64)
    return [g.op("Squeeze", p, axes) for p in parts]


@sym("select")
def select(g, input, dim, index):
    return g.op("Gather", g.t(input), g.i64(_value(g, index)), axis=_dim(dim, input.rank))


@sym("narrow")
def narrow(g, input, dim, start, length):
    d = _dim(dim, input.rank)
    s = _value(g, start)
    end = g.op("Add", g.i64(s), g.i64(_value(g, length)))
    axes = g.const([d], np.int64)
    one = g.const([0], np.int64)
    return g.op("Slice", g.t(input), g.op("Unsqueeze", g.i64(s), one),
                g.op("Unsqueeze", end, one), axes)


@sym("getitem")
def getitem(g, self, index):
    items = list(index) if isinstance(index, tuple) else [index]
    r = self.rank
    used = sum(1 for it in items if it is not None and it is not Ellipsis and
               not isinstance(it, bool))
    if Ellipsis in items:
        i = items.index(Ellipsis)
        items[i:i + 1] = [slice(None)] * (r - used)
    items += [slice(None)] * (r - sum(1 for it in items if it is not None))
    starts, ends, axes, steps, squeeze_dims, new_axes = [], [], [], [], [], []
    tensor_index = None
    d = pos = 0
    for it in items:
        if it is None:
            new_axes.append(pos)
            pos += 1
            continue
        if isinstance(it, V) and it.kind == "tensor":
            if tensor_index is not None or it.dtype is _dtype.bool:
                g.unsupported("indexing with several tensors or with a boolean mask")
            tensor_index = (d, it)
            pos += it.rank
        elif isinstance(it, slice):
            if not (it.start is None and it.stop is None and it.step in (None, 1)):
                if it.step is not None and not isinstance(it.step, V) and int(it.step) < 0:
                    g.unsupported("negative slice steps")
                starts.append(0 if it.start is None else it.start)
                ends.append(_INT64_MAX if it.stop is None else it.stop)
                axes.append(d)
                steps.append(1 if it.step is None else it.step)
            pos += 1
        elif isinstance(it, (int, V)) and not isinstance(it, bool):
            starts.append(it)
            ends.append(_INT64_MAX if not isinstance(it, V) and int(it) == -1 else
                        (int(it) + 1 if not isinstance(it, V) else
                         V(g.op("Add", g.i64(it), g.const(1, np.int64)), "int")))
            axes.append(d)
            steps.append(1)
            squeeze_dims.append(d)
        else:
            g.unsupported(f"an index of type {type(it).__name__}")
        d += 1
    x = g.t(self)
    if axes:
        x = g.op("Slice", x, g.ints(starts), g.ints(ends), g.const(axes, np.int64),
                 g.ints(steps))
    if tensor_index is not None:
        td, idx = tensor_index
        if squeeze_dims:
            x = g.op("Squeeze", x, g.const(squeeze_dims, np.int64))
            td -= sum(1 for s in squeeze_dims if s < td)
        x = g.op("Gather", x, _as(g, idx, _dtype.int64), axis=td)
    elif squeeze_dims:
        x = g.op("Squeeze", x, g.const(squeeze_dims, np.int64))
    if new_axes:
        x = g.op("Unsqueeze", x, g.const(new_axes, np.int64))
    return x


@sym("pad")
def pad(g, input, pad, mode="constant", value=None):
    if mode != "constant":
        g.unsupported(f"pad mode {mode!r}")
    n = len(pad) // 2
    begins = [0] * (input.rank - n) + [int(pad[2 * (n - 1 - i)]) for i in range(n)]
    ends = [0] * (input.rank - n) + [int(pad[2 * (n - 1 - i) + 1]) for i in range(n)]
    return g.op("Pad", g.t(input), g.const(begins + ends, np.int64),
                g.const(0.0 if value is None else value, input.dtype))


# -- creation ----------------------------------------------------------------------------------
def _fill(g, size, value):
    dt = _out_dtype(g)
    onnx = g.onnx
    val = onnx.helper.make_tensor("value", _onnx_type(dt), [1],
                                  np.asarray([value], dt.np).tolist() if dt is not _dtype.bfloat16
                                  else [float(value)])
    return g.op("ConstantOfShape", g.ints(size), value=val)


def _onnx_type(dt):
    from ._export import onnx_type
    return onnx_type(dt)


@sym("zeros", "empty")
def zeros(g, *size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, **kw):
    return _fill(g, _shape_arg(size), 0)


@sym("ones")
def ones(g, *size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False, **kw):
    return _fill(g, _shape_arg(size), 1)


@sym("full")
def full(g, size, fill_value, *, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    return _fill(g, list(size), fill_value)


def _like(value):
    def convert(g, input, *args, dtype=None, layout=None, device=None, requires_grad=False,
                memory_format=None, **kwargs):
        fill = args[0] if value is None else value
        dims = [_value(g, g.size(input, i)) if i in input.dyn else input.shape[i]
                for i in range(input.rank)]
        return _fill(g, dims, fill)
    return convert


SYMBOLIC["zeros_like"] = SYMBOLIC["empty_like"] = _like(0)
SYMBOLIC["ones_like"] = _like(1)
SYMBOLIC["full_like"] = _like(None)


@sym("arange")
def arange(g, start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False, pin_memory=False):
    if end is None:
        start, end = 0, start
    dt = _out_dtype(g)
    return g.op("Range", _as(g, start, dt), _as(g, end, dt), _as(g, step, dt))


@sym("tril", "triu")
def tril(g, input, diagonal=0, *, out=None):
    upper = int(g.op_name.endswith("triu"))
    return g.op("Trilu", g.t(input), g.i64(_value(g, diagonal)), upper=upper)


# -- attention ---------------------------------------------------------------------------------
@sym("scaled_dot_product_attention")
def scaled_dot_product_attention(g, query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, *, scale=None, enable_gqa=False):
    if dropout_p:
        g.unsupported("dropout_p > 0")
    if enable_gqa and query.shape[-3] != key.shape[-3]:
        g.unsupported("enable_gqa with fewer key/value heads")
    dt = query.dtype
    s = scale if scale is not None else 1.0 / math.sqrt(query.shape[-1])
    r = key.rank
    perm = list(range(r))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    scores = g.op("MatMul", g.t(query), g.op("Transpose", g.t(key), perm=perm))
    scores = g.op("Mul", scores, g.const(s, dt))
    ninf = g.const(-np.inf, dt)
    if is_causal:
        dims = g.ints([_value(g, g.size(query, -2)), _value(g, g.size(key, -2))])
        ones = g.op("ConstantOfShape", dims,
                    value=g.onnx.helper.make_tensor("value", g.onnx.TensorProto.BOOL, [1],
                                                    [True]))
        mask = g.op("Trilu", ones, upper=0)
        scores = g.op("Where", mask, scores, ninf)
    if attn_mask is not None:
        if attn_mask.dtype is _dtype.bool:
            scores = g.op("Where", g.t(attn_mask), scores, ninf)
        else:
            scores = g.op("Add", scores, _as(g, attn_mask, dt))
    return g.op("MatMul", g.op("Softmax", scores, axis=-1), g.t(value))


# -- recurrent layers --------------------------------------------------------------------------
_GATE_ORDER = {"LSTM": (0, 3, 1, 2), "GRU": (1, 0, 2)}  # torch (i,f,g,o)->ONNX (i,o,f,c)...


def _gates(w, mode, hidden):
    """Weight rows of PyTorch's gate order in ONNX's."""
    order = _GATE_ORDER.get(mode)
    if order is None:
        return w
    return np.concatenate([w[k * hidden:(k + 1) * hidden] for k in order], axis=0)


def _rnn(g, mode, input, hx, params, has_biases, num_layers, dropout, train, bidirectional,
         batch_first):
    if isinstance(hx, V) and hx.kind == "tensor" and hx.dtype is _dtype.int64:
        g.unsupported("packed sequences")
    if any(p.const is None for p in params):
        g.unsupported("recurrent weights that are not constants")
    dirs = 2 if bidirectional else 1
    per = len(params) // (num_layers * dirs)
    if per not in (2, 4):
        g.unsupported("LSTM with proj_size")
    dt = input.dtype
    x = g.t(input)
    if batch_first:
        x = g.op("Transpose", x, perm=[1, 0, 2])
    h0_all = hx[0] if mode == "LSTM" else hx
    c0_all = hx[1] if mode == "LSTM" else None
    onnx_op = {"LSTM": "LSTM", "GRU": "GRU"}.get(mode, "RNN")
    hs, cs = [], []
    for layer in range(num_layers):
        ws, rs, bs = [], [], []
        for d in range(dirs):
            p = [t.const.detach().cpu().numpy() for t in params[(layer * dirs + d) * per:
                                                                (layer * dirs + d + 1) * per]]
            hidden = p[1].shape[1]
            ws.append(_gates(p[0], mode, hidden))
            rs.append(_gates(p[1], mode, hidden))
            if has_biases:
                bs.append(np.concatenate([_gates(p[2], mode, hidden),
                                          _gates(p[3], mode, hidden)]))
            else:
                bs.append(np.zeros(2 * p[0].shape[0], p[0].dtype))
        W, R, B = (g.const(np.stack(a), dt) for a in (ws, rs, bs))
        rows = g.const(list(range(layer * dirs, (layer + 1) * dirs)), np.int64)
        h0 = g.op("Gather", g.t(h0_all), rows, axis=0)
        attrs = {"hidden_size": hidden, "direction": "bidirectional" if bidirectional
                 else "forward"}
        if mode == "GRU":
            attrs["linear_before_reset"] = 1
        elif mode != "LSTM":
            attrs["activations"] = ["Relu" if mode == "RNN_RELU" else "Tanh"] * dirs
        ins = [x, W, R, B, None, h0]
        if mode == "LSTM":
            ins.append(g.op("Gather", g.t(c0_all), rows, axis=0))
        outs = g.op(onnx_op, *ins, outputs=3 if mode == "LSTM" else 2, **attrs)
        y, hn = outs[0], outs[1]
        hs.append(hn)
        if mode == "LSTM":
            cs.append(outs[2])
        # Y: (seq, dirs, batch, hidden) -> (seq, batch, dirs * hidden)
        y = g.op("Transpose", y, perm=[0, 2, 1, 3])
        x = g.op("Reshape", y, g.const([0, 0, -1], np.int64))
    if batch_first:
        x = g.op("Transpose", x, perm=[1, 0, 2])
    hn = hs[0] if len(hs) == 1 else g.op("Concat", *hs, axis=0)
    if mode == "LSTM":
        cn = cs[0] if len(cs) == 1 else g.op("Concat", *cs, axis=0)
        return x, hn, cn
    return x, hn


def _rnn_op(mode):
    def convert(g, *args):
        if len(args) != 9:
            g.unsupported("unexpected arguments")
        if isinstance(args[3], bool):
            return _rnn(g, mode, *args)
        g.unsupported("packed sequences")
    return convert


SYMBOLIC["lstm"] = _rnn_op("LSTM")
SYMBOLIC["gru"] = _rnn_op("GRU")
SYMBOLIC["rnn_tanh"] = _rnn_op("RNN_TANH")
SYMBOLIC["rnn_relu"] = _rnn_op("RNN_RELU")


# -- traced sizes ------------------------------------------------------------------------------
@sym("prim_size")
def prim_size(g, input, dim):
    return _value(g, g.size(input, dim))


@sym("prim_numel")
def prim_numel(g, input):
    return V(_reduce(g, "ReduceProd", g.op("Shape", g.t(input)), None, False), "int")


def _int_op(onnx_op):
    def convert(g, a, b):
        return V(g.op(onnx_op, g.i64(_value(g, a)), g.i64(_value(g, b))), "int")
    return convert


SYMBOLIC["prim_add"] = _int_op("Add")
SYMBOLIC["prim_sub"] = _int_op("Sub")
SYMBOLIC["prim_mul"] = _int_op("Mul")
SYMBOLIC["prim_floordiv"] = _int_op("Div")  # sizes are not negative: floor is truncation
SYMBOLIC["prim_mod"] = _int_op("Mod")


@sym("prim_neg")
def prim_neg(g, a):
    return V(g.op("Neg", g.i64(_value(g, a))), "int")


# -- dynamically quantized layers (torcia.ao) --------------------------------------------------
def _qmatmul(g, x, weight, scale, bias=None):
    """``x @ W^T (+ bias)`` for float32 ``x`` (an ONNX name) and an int8 ``weight`` with
    per-channel ``scale``: ONNX's own dynamic quantization, DynamicQuantizeLinear (uint8, per
    tensor, the formula of Note [Dynamic int8 arithmetic]) and MatMulInteger."""
    if weight.const is None or scale.const is None:
        g.unsupported("quantized weights that are not constants")
    xq, xs, xz = g.op("DynamicQuantizeLinear", x, outputs=3)
    acc = g.op("MatMulInteger", xq, _transposed(g, weight), xz)
    y = g.op("Mul", g.cast(acc, _dtype.float32), g.op("Mul", xs, g.t(scale)))
    return y if bias is None else g.op("Add", y, g.t(bias))


@sym("linear_dynamic")
def linear_dynamic(g, input, weight, scale, bias=None):
    x = g.t(input) if input.dtype is _dtype.float32 else g.cast(g.t(input), _dtype.float32)
    y = _qmatmul(g, x, weight, scale, bias)
    return y if input.dtype is _dtype.float32 else g.cast(y, input.dtype)


def _rnn_dynamic(g, mode, input, hx, weights, has_biases, num_layers, bidirectional,
                 batch_first):
    """A quantized LSTM / GRU (functional._rnn_dynamic) as ONNX: per layer and direction,
    the input projection of the whole sequence at once, then a Scan over the steps whose
    body quantizes the hidden state at each step, as torcia does (ONNX's LSTM and GRU ops
    take float weights only)."""
    onnx = g.onnx
    f32 = onnx.TensorProto.FLOAT
    if input.dtype is not _dtype.float32:
        g.unsupported("quantized recurrent layers on inputs other than float32")
    x = g.t(input)
    if batch_first:
        x = g.op("Transpose", x, perm=[1, 0, 2])
    dirs = 2 if bidirectional else 1
    per = 6 if has_biases else 4
    gates = 4 if mode == "LSTM" else 3
    states = (hx[0], hx[1]) if mode == "LSTM" else (hx,)
    finals = [[] for _ in states]
    for layer in range(num_layers):
        outs = []
        for d in range(dirs):
            i = layer * dirs + d
            w = weights[i * per:(i + 1) * per]
            wih, sih, whh, shh = w[:4]
            bih, bhh = (w[4], w[5]) if has_biases else (None, None)
            hidden = whh.shape[0] // gates
            gx = _qmatmul(g, x, wih, sih, bih)  # (T, B, gates * hidden)
            init = [g.op("Gather", g.t(s), g.const(i, np.int64), axis=0) for s in states]
            # the body: states and one step of gx in, new states and this step's h out
            saved, g.nodes = g.nodes, []
            ins = [g.fresh("state") for _ in states] + [g.fresh("gx_t")]
            gh = _qmatmul(g, ins[0], whh, shh, bhh)
            gx_t = ins[-1]
            sizes = g.const([hidden] * gates, np.int64)
            if mode == "LSTM":
                i_, f_, c_, o_ = g.op("Split", g.op("Add", gx_t, gh), sizes, axis=1, outputs=4)
                c = g.op("Add", g.op("Mul", g.op("Sigmoid", f_), ins[1]),
                         g.op("Mul", g.op("Sigmoid", i_), g.op("Tanh", c_)))
                h = g.op("Mul", g.op("Sigmoid", o_), g.op("Tanh", c))
                new = [h, c]
            else:
                xr, xz, xn = g.op("Split", gx_t, sizes, axis=1, outputs=3)
                hr, hz, hn = g.op("Split", gh, sizes, axis=1, outputs=3)
                r = g.op("Sigmoid", g.op("Add", xr, hr))
                z = g.op("Sigmoid", g.op("Add", xz, hz))
                n = g.op("Tanh", g.op("Add", xn, g.op("Mul", r, hn)))
                one = g.const(1.0, np.float32)
                h = g.op("Add", g.op("Mul", g.op("Sub", one, z), n), g.op("Mul", z, ins[0]))
                new = [h]
            step = g.op("Identity", h)
            body_nodes, g.nodes = g.nodes, saved
            dims = [["batch", hidden]] * len(states) + [["batch", gates * hidden]]
            body = onnx.helper.make_graph(
                body_nodes, g.fresh("scan_body"),
                [onnx.helper.make_tensor_value_info(n, f32, dim) for n, dim in zip(ins, dims)],
                [onnx.helper.make_tensor_value_info(n, f32, ["batch", hidden])
                 for n in new + [step]])
            back = [1] if d == 1 else None
            res = g.op("Scan", *init, gx, outputs=len(states) + 1, body=body,
                       num_scan_inputs=1, scan_input_directions=back,
                       scan_output_directions=back)
            for k in range(len(states)):
                finals[k].append(res[k])
            outs.append(res[-1])
        x = outs[0] if dirs == 1 else g.op("Concat", *outs, axis=2)
    if batch_first:
        x = g.op("Transpose", x, perm=[1, 0, 2])
    axes = g.const([0], np.int64)
    stacked = [g.op("Concat", *[g.op("Unsqueeze", h, axes) for h in hs], axis=0)
               for hs in finals]
    return (x, *stacked)


@sym("lstm_dynamic")
def lstm_dynamic(g, input, hx, weights, has_biases, num_layers, bidirectional, batch_first):
    return _rnn_dynamic(g, "LSTM", input, hx, weights, has_biases, num_layers, bidirectional,
                        batch_first)


@sym("gru_dynamic")
def gru_dynamic(g, input, hx, weights, has_biases, num_layers, bidirectional, batch_first):
    return _rnn_dynamic(g, "GRU", input, hx, weights, has_biases, num_layers, bidirectional,
                        batch_first)


@sym("linear_dynamic_fp16")
def linear_dynamic_fp16(g, input, weight, bias=None):
    w = g.cast(_transposed(g, weight), input.dtype)
    y = g.op("MatMul", g.t(input), w)
    return y if bias is None else g.op("Add", y, g.t(bias))


@sym("embedding_rows")
def embedding_rows(g, input, weight, scale, zero_point):
    """A lookup in an embedding table with 8-bit rows: gather, then dequantize."""
    idx = _as(g, input, _dtype.int64)
    axes = g.const([-1], np.int64)
    rows = g.cast(g.op("Gather", g.t(weight), idx, axis=0), _dtype.float32)
    zp = g.op("Unsqueeze", g.op("Gather", g.t(zero_point), idx, axis=0), axes)
    sc = g.op("Unsqueeze", g.op("Gather", g.t(scale), idx, axis=0), axes)
    return g.op("Mul", g.op("Sub", rows, zp), sc)

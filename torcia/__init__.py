"""torcia: a deep-learning framework with PyTorch's API (``import torcia as torch``)."""

import numpy as _np

from ._backend import _malloc  # glibc allocator thresholds: Note [malloc tuning]
from . import _dtype
from ._device import device, get_default_device, set_default_device
from ._dtype import (bfloat16, bool, can_cast, cdouble, cfloat, complex64, complex128, double,
                     dtype, finfo, float, float16, float32, float64, get_default_dtype, half,
                     iinfo, int, int8, int16, int32, int64, long, promote_types, result_type,
                     set_default_dtype, short, uint8, uint16, uint32, uint64)
from ._tensor import Size, Tensor
from ._tensor_str import set_printoptions
from . import _ops  # noqa: E402  (installs ops as Tensor methods)
from ._ops.creation import *  # noqa: F401,F403
from ._ops.indexing import *  # noqa: F401,F403
from ._ops.linalg import *  # noqa: F401,F403
from ._ops.pointwise import *  # noqa: F401,F403
from ._ops.random import *  # noqa: F401,F403
from ._ops.reduction import *  # noqa: F401,F403
from ._ops.shape import *  # noqa: F401,F403
from ._ops.sorting import *  # noqa: F401,F403
from ._ops.conv import (constant_pad_nd, conv1d, conv2d, conv3d, conv_transpose1d,  # noqa: F401
                        conv_transpose2d, conv_transpose3d, convolution, pixel_shuffle,
                        pixel_unshuffle)
from ._ops.pool import (adaptive_avg_pool1d, avg_pool1d, max_pool1d,  # noqa: F401
                        max_pool1d_with_indices, max_pool2d, max_pool3d)
from ._ops.pool import adaptive_max_pool1d_with_indices as adaptive_max_pool1d  # noqa: F401
from ._ops.conv import channel_shuffle, conv_tbc, native_channel_shuffle  # noqa: F401
from ._ops.creation import memory_format  # noqa: F401
from ._ops.rnn import *  # noqa: F401,F403  (torch.lstm, torch.gru_cell, ...)
from ._ops.special import *  # noqa: F401,F403
from ._ops import activation as _a, distance as _d, dropout as _dr, loss as _l, sparse as _s
from ._ops import norm as _n
globals().update({**_a.TORCH, **_d.TORCH, **_dr.TORCH, **_l.TORCH, **_s.TORCH,  # torch.selu...
                  **_n.TORCH})
del _a, _d, _dr, _l, _s, _n
from . import autograd, cuda, accelerator  # noqa: E402
from . import random  # noqa: E402
from .random import (Generator, default_generator, get_rng_state, initial_seed,  # noqa: E402
                     manual_seed, seed, set_rng_state)
from . import return_types  # noqa: E402
from . import linalg  # noqa: E402
from . import nn  # noqa: E402
from . import optim  # noqa: E402
from . import distributed  # noqa: E402  (mpi4py loads on first use, not here)
from . import utils  # noqa: E402  (torcia.utils.data loads lazily on first use)
from . import serialization  # noqa: E402
from .serialization import load, save  # noqa: E402
from .utils.dlpack import from_dlpack, to_dlpack  # noqa: E402
from .nn.functional import bilinear  # noqa: E402
from . import jit, onnx, ao  # noqa: E402  (deployment: tracing, ONNX export, quantization)
from .ao.quantization import qint8, quint8  # noqa: E402
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from ._runtime import *  # noqa: E402  (threads, determinism flags, predicates)
from ._transforms import compile, cond, vmap, while_loop  # noqa: E402,A004  (run eagerly)
from . import compiler, cpu  # noqa: E402
from .nn.modules.module import _typename as typename  # noqa: E402

# PyTorch gives inf/nan silently where NumPy would warn (division by zero, log(0), overflow).
_np.seterr(all="ignore")

__version__ = "0.1.0"


class layout:
    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name


strided = layout("strided")


def is_tensor(obj):
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()

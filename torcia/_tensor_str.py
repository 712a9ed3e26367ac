"""Tensor printing, as PyTorch prints: ``tensor([[1., 2.]], requires_grad=True)``."""

import numpy as np

from . import _dtype


def _str(self, tensor_contents=None):
    arr = self._cpu_array()
    if arr.dtype == _dtype.bfloat16.np:
        arr = arr.astype(np.float32)
    body = np.array2string(arr, separator=", ", prefix="tensor(")
    suffix = []
    if self.dtype not in (_dtype.get_default_dtype(), _dtype.int64, _dtype.bool):
        suffix.append(f"dtype={self.dtype}")
    if self._grad_fn is not None:
        suffix.append(f"grad_fn=<{self._grad_fn.name()}>")
    elif self._rg:
        suffix.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + s for s in suffix) + ")"

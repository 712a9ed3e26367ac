"""``torch.linalg``: linear algebra functions (defined in ``torcia/_ops/linalg.py``)."""

from ._ops.linalg import LinAlgError, matmul, matrix_norm, multi_dot, vecdot, vector_norm
from ._ops.linalg import linalg_cholesky as cholesky
from ._ops.linalg import linalg_cholesky_ex as cholesky_ex
from ._ops.linalg import linalg_cross as cross
from ._ops.linalg import linalg_det as det
from ._ops.linalg import linalg_eigh as eigh
from ._ops.linalg import linalg_eigvalsh as eigvalsh
from ._ops.linalg import linalg_inv as inv
from ._ops.linalg import linalg_inv_ex as inv_ex
from ._ops.linalg import linalg_matrix_power as matrix_power
from ._ops.linalg import linalg_norm as norm
from ._ops.linalg import linalg_qr as qr
from ._ops.linalg import linalg_slogdet as slogdet
from ._ops.linalg import linalg_solve as solve
from ._ops.linalg import linalg_solve_ex as solve_ex
from ._ops.linalg import linalg_svd as svd
from ._ops.linalg import linalg_svdvals as svdvals

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cross", "det", "eigh", "eigvalsh", "inv",
           "inv_ex", "matmul", "matrix_norm", "matrix_power", "multi_dot", "norm", "qr",
           "slogdet", "solve", "solve_ex", "svd", "svdvals", "vecdot", "vector_norm"]

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
from ._ops.linalg import linalg_lu_factor as lu_factor
from ._ops.linalg import linalg_lu_factor_ex as lu_factor_ex
from ._ops.linalg import linalg_lu_solve as lu_solve
from ._ops.linalg import linalg_matrix_exp as matrix_exp
from ._ops.linalg import linalg_matrix_power as matrix_power
from ._ops.linalg import linalg_norm as norm
from ._ops.linalg import linalg_pinv as pinv
from ._ops.linalg import linalg_qr as qr
from ._ops.linalg import linalg_slogdet as slogdet
from ._ops.linalg import linalg_solve as solve
from ._ops.linalg import linalg_solve_ex as solve_ex
from ._ops.linalg import linalg_solve_triangular as solve_triangular
from ._ops.linalg import linalg_svd as svd
from ._ops.linalg import linalg_svdvals as svdvals

__all__ = ["LinAlgError", "cholesky", "cholesky_ex", "cross", "det", "eigh", "eigvalsh", "inv",
           "inv_ex", "lu_factor", "lu_factor_ex", "lu_solve", "matmul", "matrix_exp",
           "matrix_norm", "matrix_power", "multi_dot", "norm", "pinv", "qr", "slogdet", "solve",
           "solve_ex", "solve_triangular", "svd", "svdvals", "vecdot", "vector_norm"]

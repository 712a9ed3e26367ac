"""Named tuples returned by ops with several outputs, as ``torch.return_types``.

``torch.max(x, 1)`` returns ``torch.return_types.max(values=..., indices=...)``: a tuple
(indexing and unpacking work) whose fields also have names. Like PyTorch's structseq types,
each is built from one sequence, ``max((values, indices))``, and prints as PyTorch prints.
"""

_FIELDS = {
    "_lu_with_info": ("LU", "pivots", "info"),
    "aminmax": ("min", "max"),
    "cummax": ("values", "indices"),
    "cummin": ("values", "indices"),
    "frexp": ("mantissa", "exponent"),
    "geqrf": ("a", "tau"),
    "histogram": ("hist", "bin_edges"),
    "histogramdd": ("hist", "bin_edges"),
    "kthvalue": ("values", "indices"),
    "linalg_cholesky_ex": ("L", "info"),
    "linalg_eig": ("eigenvalues", "eigenvectors"),
    "linalg_eigh": ("eigenvalues", "eigenvectors"),
    "linalg_inv_ex": ("inverse", "info"),
    "linalg_ldl_factor": ("LD", "pivots"),
    "linalg_ldl_factor_ex": ("LD", "pivots", "info"),
    "linalg_lstsq": ("solution", "residuals", "rank", "singular_values"),
    "linalg_lu": ("P", "L", "U"),
    "linalg_lu_factor": ("LU", "pivots"),
    "linalg_lu_factor_ex": ("LU", "pivots", "info"),
    "linalg_qr": ("Q", "R"),
    "linalg_slogdet": ("sign", "logabsdet"),
    "linalg_solve_ex": ("result", "info"),
    "linalg_svd": ("U", "S", "Vh"),
    "lu_unpack": ("P", "L", "U"),
    "max": ("values", "indices"),
    "median": ("values", "indices"),
    "min": ("values", "indices"),
    "mode": ("values", "indices"),
    "nanmedian": ("values", "indices"),
    "qr": ("Q", "R"),
    "slogdet": ("sign", "logabsdet"),
    "sort": ("values", "indices"),
    "svd": ("U", "S", "V"),
    "topk": ("values", "indices"),
    "triangular_solve": ("solution", "cloned_coefficient"),
}


class _StructSeq(tuple):
    """Base of the return types: a fixed-length tuple with named fields."""

    __slots__ = ()
    _fields = ()

    def __new__(cls, sequence):
        try:
            items = tuple(sequence)
        except TypeError:
            raise TypeError("constructor requires a sequence") from None
        n = len(cls._fields)
        if len(items) != n:
            raise TypeError(f"torch.return_types.{cls.__name__}() takes a {n}-sequence "
                            f"({len(items)}-sequence given)")
        return tuple.__new__(cls, items)

    def __repr__(self):
        body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return (type(self), (tuple(self),))


def _field(i):
    return property(lambda self: tuple.__getitem__(self, i))


def _make(name, fields):
    ns = {"__slots__": (), "_fields": fields, "__module__": __name__, "n_fields": len(fields),
          "n_sequence_fields": len(fields), "n_unnamed_fields": 0,
          "__doc__": f"{name}({', '.join(fields)}): PyTorch's torch.return_types.{name}."}
    ns.update({f: _field(i) for i, f in enumerate(fields)})
    return type(name, (_StructSeq,), ns)


__all__ = [n for name in _FIELDS for n in (name, name + "_out")]
for _name in __all__:
    globals()[_name] = _make(_name, _FIELDS[_name.removesuffix("_out")])
del _name

"""The CUDA backend (CuPy arrays) is not built yet: importing it raises.

``torcia.cuda.is_available()`` is False until it exists, so code written as
``torch.device("cuda" if torch.cuda.is_available() else "cpu")`` runs on the CPU.
"""

raise AssertionError("torcia was built without CUDA support: its CuPy backend is not "
                     "available yet, so tensors can only live on the 'cpu' device")

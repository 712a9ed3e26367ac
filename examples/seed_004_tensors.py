"""The tensor and autograd walkthrough of the seed notes (seed 004, up to "Neural networks in
pytorch"), run on torcia. Every cell is the notes' code; the notes' output is in comments.

    python examples/seed_004_tensors.py
"""

import numpy as np

import torcia as torch

# init tensor with random value
x = torch.rand(5, 3)
print(x)

print(x.type())  # torch.FloatTensor
print(x.dtype)  # torch.float32

y = np.zeros((4, 4))
print(y.dtype)  # float64

# tensor of 0s, the ones() method init with value of 1
x = torch.zeros(5, 3, dtype=torch.long)
print(x)

# build tensor from multi-dimensional list
x = torch.tensor([[5, 3, 1], [3, 5, 2], [4, 4, 4], [1, 2, 3], [0, 0, 1]])
print(x)

# shape of the tensor
print(x.size())  # torch.Size([5, 3])
print(x.shape)  # torch.Size([5, 3])

# From numpy
x = np.array([[1, 2], [3, 4]])
y = torch.from_numpy(x)  # Convert the numpy array to a torch tensor.
z = y.numpy()  # Convert the torch tensor to a numpy array.
print(type(z))  # <class 'numpy.ndarray'>

# Operazioni di base
x = torch.rand([5, 3])
y = torch.rand([5, 3])
z = x + y
print(z)

# Reshape
x = torch.randn(4, 4)
y = x.view(16)
z = x.view(-1, 8)  # the size -1 is inferred from other dimensions
print(x.shape, y.shape, z.shape)  # torch.Size([4, 4]) torch.Size([16]) torch.Size([2, 8])

# Sfruttare le GPU
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
if torch.cuda.is_available():
    device = torch.device("cuda")  # a CUDA device object
else:
    device = torch.device("cpu")  # a cpu device

x = torch.randn(5, 3)
y = torch.ones([5, 3], device=device)  # directly create a tensor on device
x = x.to(device)  # or just use strings ``.to("cuda")``
z = x + y

print(z)
print(z.to("cpu"))

if torch.cuda.is_available():
    print("move y from cpu to cuda")
    y = torch.ones([5, 3])
    y = y.cuda()

# Differenziazione automatica
x = torch.ones(2, 2, requires_grad=True)
print(x)  # tensor([[1., 1.], [1., 1.]], requires_grad=True)

# tensors derived from other tensors track functions. These functions are the basis for
# computing the gradient
y = x + 2
print(y)  # tensor([[3., 3.], [3., 3.]], grad_fn=<AddBackward0>)

z = torch.pow(y, 2)
t = 3 * z
out = z.mean()

print(f"z = {z}")
print(f"t = {t}")
print(f"out = {out}")

print(f"\n\ngrad z = {z.grad_fn}")  # <PowBackward0 object at 0x...>
print(f"grad t = {t.grad_fn}")  # <MulBackward0 object at 0x...>
print(f"grad out = {out.grad_fn}")  # <MeanBackward0 object at 0x...>

# Gradienti: the notes ran this cell on the graph above (out = mean(pow(x + 2, 2)))
print(f"OLD grad value is {x.grad}")  # OLD grad value is None
out.backward()

# print gradients d(out)/dx
print(x.grad)  # tensor([[1.5000, 1.5000], [1.5000, 1.5000]])

x = torch.ones(2, 2, requires_grad=True)
y = x + 2
z = y * y * 3
out = z.mean()

out.backward()

print(x.grad)  # tensor([[4.5000, 4.5000], [4.5000, 4.5000]])

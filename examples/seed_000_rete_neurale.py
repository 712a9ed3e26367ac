"""Seed 000, "Definizione di Modelli di Deep Learning" and "Addestramento di Modelli": the
ReteNeurale model and its training loop (MSELoss + SGD, 100 epochs), run on torcia.

The notes' code has two bugs a user meets at once:

- ``super(ReteNeurale, self).__init()`` raises AttributeError ('super' object has no
  attribute '_ReteNeurale__init'); the user writes ``__init__()``.
- the training input has 5 values for ``nn.Linear(10, 5)``: the forward raises RuntimeError
  "mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)"; the user gives it 10 values.

Both errors are shown as the user sees them, then the fixed program trains.

    python examples/seed_000_rete_neurale.py
"""

import torcia as torch
import torcia.nn as nn
import torcia.optim as optim


class ReteNeuraleComeNegliAppunti(nn.Module):
    """The notes' class, typo included."""

    def __init__(self):
        super(ReteNeuraleComeNegliAppunti, self).__init()
        self.fc1 = nn.Linear(10, 5)
        self.fc2 = nn.Linear(5, 1)


try:
    ReteNeuraleComeNegliAppunti()
except AttributeError as e:
    print(f"AttributeError: {e}")


class ReteNeurale(nn.Module):
    def __init__(self):
        super(ReteNeurale, self).__init__()
        self.fc1 = nn.Linear(10, 5)
        self.fc2 = nn.Linear(5, 1)

    def forward(self, x):
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return x


modello = ReteNeurale()
print(modello)

# Definizione della funzione di perdita e dell'ottimizzatore
criterio = nn.MSELoss()
ottimizzatore = optim.SGD(modello.parameters(), lr=0.01)

# Dati di addestramento, come negli appunti: 5 valori per un layer da 10 ingressi
input_dati = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
target = torch.tensor([2.0])
try:
    modello(input_dati)
except RuntimeError as e:
    print(f"RuntimeError: {e}")

# 10 valori
input_dati = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]) / 10

# Addestramento del modello
for epoca in range(100):
    output = modello(input_dati)
    perdita = criterio(output, target)

    ottimizzatore.zero_grad()
    perdita.backward()
    ottimizzatore.step()
    if (epoca + 1) % 10 == 0:
        print(f"epoca {epoca + 1}: perdita = {perdita.item():.4f}")

print(modello(input_dati))
print(list(modello.state_dict().keys()))

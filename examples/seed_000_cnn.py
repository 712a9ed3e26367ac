"""Seed 000, "Utilizzo di PyTorch per la Visione Artificiale": the CNN (Conv2d 1->32, 3x3,
then 32*26*26 -> 128 -> 10) trained with CrossEntropyLoss and Adam (lr 0.001) for 10 epochs,
run on torcia.

The notes load MNIST with torchvision (ToTensor, Normalize((0.5,), (0.5,))); here the images
are synthetic tensors of MNIST's shapes, already normalized to [-1, 1] (256 images, ten noisy
prototypes, int64 labels), so the program runs without a download. The notes' typo
``super(CNN, self).__init()`` is written as a user fixes it, and the loss of each epoch is
printed (the notes print nothing).

    python examples/seed_000_cnn.py
"""

import torcia as torch
import torcia.nn as nn
import torcia.optim as optim
from torcia.utils.data import DataLoader, TensorDataset

# Synthetic MNIST: 1x28x28 images in [0, 1], normalized as Normalize((0.5,), (0.5,)) does
prototypes = torch.rand(10, 1, 28, 28)
classi = torch.randint(0, 10, (256,))
immagini = 0.15 * prototypes[classi] + 0.85 * torch.rand(256, 1, 28, 28)
immagini = (immagini - 0.5) / 0.5
train_set = TensorDataset(immagini, classi)
train_loader = DataLoader(train_set, batch_size=64, shuffle=True)


# Definizione di una CNN
class CNN(nn.Module):
    def __init__(self):
        super(CNN, self).__init__()  # the notes: __init()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.fc1 = nn.Linear(32 * 26 * 26, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = x.view(-1, 32 * 26 * 26)
        x = torch.relu(self.fc1(x))
        x = self.fc2(x)
        return x


# Addestramento del modello
modello = CNN()
print(modello)
criterio = nn.CrossEntropyLoss()
ottimizzatore = optim.Adam(modello.parameters(), lr=0.001)

for epoca in range(10):
    totale = 0.0
    for dati, etichette in train_loader:
        output = modello(dati)
        perdita = criterio(output, etichette)

        ottimizzatore.zero_grad()
        perdita.backward()
        ottimizzatore.step()
        totale += perdita.item()
    print(f"epoca {epoca + 1}: perdita media = {totale / len(train_loader):.4f}")

with torch.no_grad():
    corretti = (modello(immagini).argmax(1) == classi).sum().item()
print(f"accuratezza sul training set: {corretti}/{len(train_set)}")

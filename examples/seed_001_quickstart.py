"""Seed 001, the Fashion-MNIST quickstart: datasets and DataLoaders, the accelerator check, a
network built on nn.Module, training by mini-batches, accuracy on the test set, saving the
trained parameters and loading them into a new copy of the network, run on torcia.

The first cells are the notes' code with ``torchvision`` read as ``torcia.vision``; the notes
describe the rest (model, loss and optimizer, epochs, test accuracy, saving and reloading the
state) in prose, and it is written here as PyTorch's own quickstart does. The data is read from
./data, copied there from Debian's dataset-fashion-mnist package or downloaded.

    python examples/seed_001_quickstart.py
"""

import torcia as torch
from torcia import nn
from torcia.utils.data import DataLoader
from torcia.vision import datasets
from torcia.vision.transforms import ToTensor

# The notes pass strings: 'false' is a true value, so test_data is the training split too,
# exactly as with torchvision.
training_data = datasets.FashionMNIST(root='data', train='true', download='true', transform=ToTensor())  # noqa: E501 (the notes' line)
test_data = datasets.FashionMNIST(root='data', train='false', download='false', transform=ToTensor())  # noqa: E501

batch_size = 100

training_dataloader = DataLoader(training_data, batch_size=batch_size)
test_dataloader = DataLoader(test_data, batch_size=batch_size)

print(f"Training dataloader =  {len(training_dataloader)}")
print(f"Test dataloader = {test_dataloader}")

# controlliamo se ci sono acceleratori presenti
print(torch.accelerator.is_available())

aDevice = torch.accelerator.current_accelerator()
print(f"Device: {aDevice}")
device = aDevice if aDevice is not None else "cpu"


class NeuralNetwork(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.linear_relu_stack = nn.Sequential(
            nn.Linear(28 * 28, 512),
            nn.ReLU(),
            nn.Linear(512, 512),
            nn.ReLU(),
            nn.Linear(512, 10),
        )

    def forward(self, x):
        x = self.flatten(x)
        logits = self.linear_relu_stack(x)
        return logits


model = NeuralNetwork().to(device)
print(model)

loss_fn = nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=1e-1)


def train(dataloader, model, loss_fn, optimizer):
    size = len(dataloader.dataset)
    model.train()
    for batch, (X, y) in enumerate(dataloader):
        X, y = X.to(device), y.to(device)
        pred = model(X)
        loss = loss_fn(pred, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        if batch % 100 == 0:
            loss, current = loss.item(), (batch + 1) * len(X)
            print(f"loss: {loss:>7f}  [{current:>5d}/{size:>5d}]")


def test(dataloader, model, loss_fn):
    size = len(dataloader.dataset)
    num_batches = len(dataloader)
    model.eval()
    test_loss, correct = 0, 0
    with torch.no_grad():
        for X, y in dataloader:
            X, y = X.to(device), y.to(device)
            pred = model(X)
            test_loss += loss_fn(pred, y).item()
            correct += (pred.argmax(1) == y).type(torch.float).sum().item()
    test_loss /= num_batches
    correct /= size
    print(f"Test Error: \n Accuracy: {(100 * correct):>0.1f}%, Avg loss: {test_loss:>8f} \n")
    return correct


epochs = 3
for t in range(epochs):
    print(f"Epoch {t + 1}\n-------------------------------")
    train(training_dataloader, model, loss_fn, optimizer)
    test(test_dataloader, model, loss_fn)
print("Done!")

# Only the parameters are saved (the state after training), not the structure: to load them,
# build the network again and fill it with the saved state.
torch.save(model.state_dict(), "model.pth")
print("Saved PyTorch Model State to model.pth")

model = NeuralNetwork().to(device)
model.load_state_dict(torch.load("model.pth", weights_only=True))

classes = training_data.classes
model.eval()
x, y = test_data[0][0], test_data[0][1]
with torch.no_grad():
    pred = model(x.to(device))
    predicted, actual = classes[pred[0].argmax(0)], classes[y]
    print(f'Predicted: "{predicted}", Actual: "{actual}"')

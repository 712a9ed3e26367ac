"""Seed 004, "Classificazione di MNIST": the fully connected network 784-300-10 (ReLU),
CrossEntropyLoss and Adam (lr 0.0005), 3 epochs with the notes' train() and test(), run on
torcia.

The notes load MNIST with torchvision; here the images are synthetic tensors of MNIST's shapes
and types (float32 images 1x28x28 in [0, 1], int64 labels 0-9: ten noisy prototypes), 9600 for
training and 2000 for testing, so the program runs without a download. The rest is the notes'
code (the plots are left out).

    python examples/seed_004_mnist_mlp.py
"""

import torcia as torch
import torcia.nn as nn
from torcia.utils.data import DataLoader, TensorDataset


def synthetic_mnist(n, prototypes):
    """``n`` images of MNIST's shape near one of ten prototypes, and their labels."""
    labels = torch.randint(0, 10, (n,))
    images = 0.15 * prototypes[labels] + 0.85 * torch.rand(n, 1, 28, 28)
    return TensorDataset(images, labels)


batch_size = 64

prototypes = torch.rand(10, 1, 28, 28)
train_dataset = synthetic_mnist(9600, prototypes)
test_dataset = synthetic_mnist(2000, prototypes)

# Data loader
train_loader = DataLoader(dataset=train_dataset, batch_size=batch_size, shuffle=True)
test_loader = DataLoader(dataset=test_dataset, batch_size=batch_size, shuffle=False)

image, label = train_dataset[0]
print(image.shape)


class SimpleFullyConnectedNet(nn.Module):
    def __init__(self, input_size, hidden_size, num_classes):
        super(SimpleFullyConnectedNet, self).__init__()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        out = self.fc1(x)
        out = self.relu(out)
        out = self.fc2(out)
        return out


# Device configuration
device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')

input_size = 28 * 28
hidden_size = 300
num_classes = 10
batch_size = 100

full_model = SimpleFullyConnectedNet(input_size, hidden_size, num_classes).to(device)
print(full_model)

# Loss and optimizer
criterion = nn.CrossEntropyLoss()
learning_rate = 0.0005
optimizer = torch.optim.Adam(full_model.parameters(), lr=learning_rate)

num_epochs = 3

train_losses = []
train_counter = []
test_losses = []
test_counter = [i * len(train_loader.dataset) for i in range(num_epochs + 1)]

# The number of steps for each epoch, defined by the number of instances divided by the
# batch size.
total_step = len(train_loader)


def train(epoch, model, criterion, optimizer, reshape=True):
    for batch_idx, (images, labels) in enumerate(train_loader):
        # Move tensors to the configured device
        if reshape:
            images = images.reshape(-1, 28 * 28)
        images = images.to(device)
        labels = labels.to(device)

        # Forward pass
        outputs = model(images)
        loss = criterion(outputs, labels)

        # Backward and optimize
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

        if (batch_idx + 1) % 100 == 0:
            print('Epoch [{}/{}], Step [{}/{}], Loss: {:.4f}'
                  .format(epoch, num_epochs, batch_idx + 1, total_step, loss.item()))

        train_losses.append(loss.item())
        train_counter.append(
            (batch_idx * batch_size) + ((epoch - 1) * len(train_loader.dataset)))


def test(model, criterion, reshape=True):
    test_loss = 0
    correct = 0

    with torch.no_grad():
        for images, labels in test_loader:
            if reshape:
                images = images.reshape(-1, 28 * 28)

            images = images.to(device)
            labels = labels.to(device)

            outputs = model(images)
            _, predicted = torch.max(outputs.data, 1)

            correct += (predicted == labels).sum().item()

            loss = criterion(outputs, labels,)

            test_loss += loss.item()

    test_loss /= len(test_loader.dataset)
    test_losses.append(test_loss)

    print('\nTest set: Avg. loss: {:.4f}, Accuracy: {}/{} ({:.0f}%)\n'.format(
        test_loss, correct, len(test_loader.dataset),
        100. * correct / len(test_loader.dataset)))


test(full_model, criterion)
for epoch in range(1, num_epochs + 1):
    train(epoch, full_model, criterion, optimizer)
    test(full_model, criterion)

# Predictions (the notes draw the first nine training images with their predicted class)
for i in range(9):
    image, label = train_dataset[i]
    with torch.no_grad():
        output = full_model(image.reshape(-1, 28 * 28).to(device))
        _, predicted = torch.max(output.data, 1)
    print("Pred: {} (Class {})".format(predicted.item(), label))

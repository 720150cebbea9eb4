import pytest
import torch
from torch import nn


class TinyNet(nn.Module):
    """Conv -> BN -> ReLU -> conv -> pool -> linear: every kind of module RiFT meets, in 1 ms."""

    def __init__(self, classes: int = 3):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4)
        self.conv2 = nn.Conv2d(4, 6, 3, padding=1, bias=False)
        self.fc = nn.Linear(6, classes)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.relu(self.conv2(x))
        return self.fc(x.mean((2, 3)))


@pytest.fixture
def tiny_net():
    torch.manual_seed(0)
    return TinyNet()


@pytest.fixture
def tiny_batch():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(12, 3, 8, 8, generator=gen)
    y = torch.arange(12) % 3
    return x, y

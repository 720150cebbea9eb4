"""Clean and PGD accuracy over a loader of normalised tensors."""

from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader

from training.robust.attacks import PGDConfig, pgd_attack


@torch.no_grad()
def clean_accuracy(model: nn.Module, loader: DataLoader, device="cpu") -> float:
    """Top-1 in [0, 1]; the model is put in eval mode (and left there)."""
    model.eval()
    correct = total = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        correct += int((model(x).argmax(1) == y).sum())
        total += len(y)
    if total == 0:
        raise ValueError("cannot measure accuracy on an empty loader")
    return correct / total


def pgd_accuracy(
    model: nn.Module, loader: DataLoader, cfg: PGDConfig, mean, std, seed: int = 0,
    device="cpu",
) -> float:
    """Top-1 under PGD in [0, 1]; seeded random start so two models face the same draw."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    correct = total = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        adv = pgd_attack(model, x, y, cfg, mean, std, generator=gen)
        with torch.no_grad():
            correct += int((model(adv).argmax(1) == y).sum())
        total += len(y)
    if total == 0:
        raise ValueError("cannot measure accuracy on an empty loader")
    return correct / total

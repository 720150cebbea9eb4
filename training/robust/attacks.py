"""L-inf PGD on *normalised* inputs, with the budget stated in pixel units.

The model sees ImageNet-normalised tensors (``ombro_contract.preprocess``), but an attack budget
only means something in pixel space ("4/255 of brightness"). So the attack un-normalises, steps
and clips in [0, 1] pixel space, and normalises again before each forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from ombro_contract.preprocess import IMAGENET_MEAN, IMAGENET_STD


@dataclass(frozen=True)
class PGDConfig:
    """Madry et al. PGD: ``epsilon`` and ``step_size`` in [0, 1] pixel units."""

    epsilon: float = 4 / 255
    steps: int = 5
    step_size: float = 1 / 255
    random_start: bool = True

    def __post_init__(self) -> None:
        if self.epsilon < 0 or self.step_size < 0 or self.steps < 0:
            raise ValueError(
                f"PGD needs epsilon, step size and steps >= 0, got {self.epsilon}, "
                f"{self.step_size}, {self.steps}"
            )


def _stats(mean, std, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    m = torch.as_tensor(mean, dtype=like.dtype, device=like.device).view(1, -1, 1, 1)
    s = torch.as_tensor(std, dtype=like.dtype, device=like.device).view(1, -1, 1, 1)
    return m, s


def pgd_attack(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    cfg: PGDConfig,
    mean=IMAGENET_MEAN,
    std=IMAGENET_STD,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Return adversarial *normalised* inputs within ``cfg.epsilon`` (pixel L-inf) of ``x``.

    The model's train/eval mode is left as the caller set it; parameters get no gradient.
    """
    if cfg.epsilon == 0 or cfg.steps == 0:
        return x.detach().clone()
    m, s = _stats(mean, std, x)
    pixels = (x.detach() * s + m).clamp(0, 1)
    if cfg.random_start:
        noise = torch.rand(pixels.shape, generator=generator, dtype=x.dtype, device="cpu")
        noise = noise.to(x.device)
        adv = (pixels + (noise * 2 - 1) * cfg.epsilon).clamp(0, 1)
    else:
        adv = pixels.clone()
    requires = [p.requires_grad for p in model.parameters()]
    for p in model.parameters():
        p.requires_grad_(False)
    try:
        for _ in range(cfg.steps):
            adv.requires_grad_(True)
            loss = F.cross_entropy(model((adv - m) / s), y)
            (grad,) = torch.autograd.grad(loss, adv)
            with torch.no_grad():
                adv = adv + cfg.step_size * grad.sign()
                adv = torch.min(torch.max(adv, pixels - cfg.epsilon), pixels + cfg.epsilon)
                adv = adv.clamp(0, 1)
    finally:
        for p, r in zip(model.parameters(), requires):
            p.requires_grad_(r)
    return ((adv.detach() - m) / s).contiguous()


def pixel_distance(x_a: torch.Tensor, x_b: torch.Tensor, std=(0.229, 0.224, 0.225)) -> float:
    """Largest per-pixel difference between two normalised batches, in pixel units."""
    _, s = _stats((0, 0, 0), std, x_a)
    return float(((x_a - x_b) * s).abs().max())

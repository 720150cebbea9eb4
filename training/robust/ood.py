"""Out-of-distribution check on the real hand-shadow photos in ``../shared/real-shadows``.

They go through ``ombro_contract.preprocess`` (what the app runs), not the training presets, so
the number says how a student's phone would do. Fifteen photos, one per puppet: each is worth
6.7 points of accuracy, so read differences of one or two photos as noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ombro_contract.labels import PUPPETS
from ombro_contract.paths import real_shadows_dir
from ombro_contract.preprocess import PreprocessSpec, load_image, preprocess


@dataclass(frozen=True)
class RealShadows:
    images: torch.Tensor
    labels: torch.Tensor
    names: tuple[str, ...]
    root: Path


def load_real_shadows(spec: PreprocessSpec, root: Path | None = None) -> RealShadows | None:
    """The photos named ``<puppet>.png``, preprocessed; None when the folder is absent."""
    root = root or real_shadows_dir()
    if root is None:
        return None
    files = sorted(p for p in Path(root).glob("*.png") if p.stem.lower() in PUPPETS)
    if not files:
        return None
    images = np.stack([preprocess(load_image(p), spec) for p in files])
    labels = [PUPPETS.index(p.stem.lower()) for p in files]
    return RealShadows(torch.from_numpy(images), torch.tensor(labels), tuple(p.stem for p in files),
                       Path(root))


@torch.no_grad()
def real_shadow_accuracy(model: nn.Module, shadows: RealShadows | None) -> dict | None:
    """Top-1 and which puppets were right; None (say so to the user) when there are no photos."""
    if shadows is None:
        return None
    model.eval()
    device = next(model.parameters()).device
    preds = model(shadows.images.to(device)).argmax(1).cpu()
    hits = preds == shadows.labels
    return {
        "top1": float(hits.float().mean()),
        "correct": int(hits.sum()),
        "total": len(shadows.labels),
        "right": [n for n, h in zip(shadows.names, hits.tolist()) if h],
    }

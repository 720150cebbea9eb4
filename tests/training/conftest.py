"""A tiny hand-drawn puppet dataset so training tests run in seconds without the generator."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import PreprocessSpec

FAKE_RUN_SPEC = PreprocessSpec(input_size=64, threshold="otsu")


def draw_shadow(label: int, rng: np.random.Generator, size: int = 64) -> np.ndarray:
    """A light wall with a dark class-specific shape: a polygon whose vertex count and angle
    depend on the class, so a model can tell classes apart from the silhouette alone."""
    wall = int(rng.integers(170, 240))
    img = np.full((size, size, 3), wall, np.uint8)
    n = 3 + label % 5
    angle0 = label * math.pi / 15 + rng.normal(0, 0.05)
    r = size * (0.25 + 0.1 * (label // 5))
    c = size / 2 + rng.normal(0, 2, size=2)
    pts = [(c[0] + r * math.cos(angle0 + 2 * math.pi * k / n), c[1] + r * math.sin(angle0 + 2 * math.pi * k / n))
           for k in range(n)]
    cv2.fillPoly(img, [np.int32(pts)], (int(rng.integers(10, 60)),) * 3)
    return img


def make_dataset(root: Path, per_class: tuple[int, int] = (4, 2), size: int = 64, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    for split, n in zip(("train", "val"), per_class):
        for label, name in enumerate(PUPPETS):
            d = root / split / name
            d.mkdir(parents=True, exist_ok=True)
            for i in range(n):
                cv2.imwrite(str(d / f"{name}_{i}.png"), draw_shadow(label, rng, size))
    return root


@pytest.fixture
def tiny_dataset(tmp_path: Path) -> Path:
    return make_dataset(tmp_path / "tiny")


@pytest.fixture(scope="session")
def tiny_dataset_shared(tmp_path_factory) -> Path:
    """Read-only dataset shared by tests that do not modify it."""
    return make_dataset(tmp_path_factory.mktemp("tiny_shared"))


@pytest.fixture(scope="session")
def fake_run(tiny_dataset_shared: Path, tmp_path_factory) -> Path:
    """A run folder as train.py leaves it, with untrained weights (export does not care)."""
    import torch

    from training.engine import build_model
    from training.utils import BEST_NAME

    run = tmp_path_factory.mktemp("run")
    torch.manual_seed(0)
    model = build_model("mobilenet_v2")
    torch.save({"model": model.state_dict(), "arch": "mobilenet_v2", "classes": list(PUPPETS),
                "spec": FAKE_RUN_SPEC.model_dump(mode="json"), "epoch": 0,
                "dataset": "tiny test shapes", "data_root": str(tiny_dataset_shared),
                "val_top1": 0.0}, run / BEST_NAME)
    return run

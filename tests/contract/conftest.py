from pathlib import Path

import cv2
import numpy as np
import pytest


def shadow_scene(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A wall with uneven light and a soft dark hand-like blob: what a camera sees (BGR uint8)."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = rng.uniform(0.3, 0.7) * width, rng.uniform(0.3, 0.7) * height
    light = 1.0 - 0.6 * (((xx - cx) / width) ** 2 + ((yy - cy) / height) ** 2)
    wall = np.array(rng.uniform(120, 240, 3), np.float32)
    img = light[..., None] * wall
    pts = np.stack([rng.uniform(0.2, 0.8, 7) * width, rng.uniform(0.2, 1.0, 7) * height], 1)
    mask = np.zeros((height, width), np.uint8)
    cv2.fillPoly(mask, [cv2.convexHull(pts.astype(np.int32))], 255)
    cv2.line(mask, tuple(pts[0].astype(int)), (int(cx), 0), 255, max(2, width // 30))
    mask = cv2.GaussianBlur(mask, (0, 0), rng.uniform(0.5, 3.0)).astype(np.float32) / 255
    img = img * (1 - rng.uniform(0.5, 0.9) * mask[..., None])
    img += rng.normal(0, 4, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


@pytest.fixture
def scenes(rng):
    sizes = [(480, 640), (167, 223), (333, 517), (101, 77), (1080, 1920), (240, 320)]
    return [shadow_scene(rng, h, w) for h, w in sizes]


@pytest.fixture
def real_shadow_images():
    from ombro_contract.paths import real_shadows_dir
    from ombro_contract.preprocess import load_image

    root = real_shadows_dir()
    if root is None:
        return []
    return [load_image(p) for p in sorted(Path(root).glob("*.png"))]

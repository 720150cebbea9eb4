"""Augmentations for shadows on walls, applied to the raw BGR photo before preprocessing.

They imitate what changes between one student's shadow and another's: where the phone stands
(perspective, rotation, scale, position), which hand (a mirror image), how bright and contrasty the
wall and lamp are, and how soft the shadow edge is (blur, a large or near light). Because they run
before `ombro_contract.preprocess`, brightness changes move pixels across the silhouette threshold
exactly as a dimmer room would, and the network only ever sees inputs inference can produce.

Geometry is one homography with replicated borders: a constant fill would paint black corners
that the threshold turns into fake shadow.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass(frozen=True)
class ShadowAugment:
    """Random geometric and photometric change of one BGR uint8 image (NumPy's global RNG,
    seeded per DataLoader worker by `training.utils.seed_worker`)."""

    rotate_deg: float = 15.0
    scale: tuple[float, float] = (0.85, 1.15)
    translate: float = 0.08
    perspective: float = 0.08
    hflip: float = 0.5
    brightness: float = 0.25
    contrast: float = 0.25
    blur_p: float = 0.3
    blur_sigma: tuple[float, float] = (0.3, 2.0)

    def __call__(self, bgr: np.ndarray) -> np.ndarray:
        out = self.warp(bgr)
        out = self.photometric(out)
        return out

    def homography(self, w: int, h: int) -> np.ndarray:
        rng = np.random
        centre = (w / 2.0, h / 2.0)
        angle = rng.uniform(-self.rotate_deg, self.rotate_deg)
        s = rng.uniform(*self.scale)
        affine = np.eye(3)
        affine[:2] = cv2.getRotationMatrix2D(centre, angle, s)
        affine[0, 2] += rng.uniform(-self.translate, self.translate) * w
        affine[1, 2] += rng.uniform(-self.translate, self.translate) * h
        if rng.random() < self.hflip:
            flip = np.array([[-1.0, 0.0, w - 1.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
            affine = affine @ flip
        corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
        jitter = rng.uniform(-self.perspective, self.perspective, size=(4, 2)) * (w, h)
        persp = cv2.getPerspectiveTransform(corners, (corners + jitter).astype(np.float32))
        return persp @ affine

    def warp(self, bgr: np.ndarray) -> np.ndarray:
        h, w = bgr.shape[:2]
        return cv2.warpPerspective(
            bgr, self.homography(w, h), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )

    def photometric(self, bgr: np.ndarray) -> np.ndarray:
        rng = np.random
        img = bgr.astype(np.float32)
        c = rng.uniform(1 - self.contrast, 1 + self.contrast)
        b = rng.uniform(1 - self.brightness, 1 + self.brightness)
        mean = float(img.mean())
        img = ((img - mean) * c + mean) * b
        if rng.random() < self.blur_p:
            img = cv2.GaussianBlur(img, (0, 0), rng.uniform(*self.blur_sigma))
        return np.clip(img, 0, 255).astype(np.uint8)

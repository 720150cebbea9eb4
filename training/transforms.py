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


@dataclass(frozen=True)
class SilhouetteAugment:
    """Random change of the binary silhouette itself, after the threshold (wall 1, shadow 0).

    What the photo augmentations above cannot reach is how the *outline* varies between real
    performers and rooms: fingers a little fatter or thinner (hand size, a near light),
    gaps between fingers that close in soft light or open in sharp light, a wavy edge from
    skin folds and a rough wall, a hand bent a little differently. The generator's hands are
    clean capsules; these keep the network from learning their exact edges. Runs on the
    silhouette at `PreprocessSpec.silhouette_size`, so the eval preset is untouched.
    """

    morph_p: float = 0.5
    morph_px: tuple[int, int] = (1, 3)
    gaps_p: float = 0.3
    gaps_px: tuple[int, int] = (2, 5)
    elastic_p: float = 0.5
    elastic_px: tuple[float, float] = (2.0, 8.0)
    elastic_cells: int = 5
    edge_noise_p: float = 0.3
    edge_noise: float = 0.2

    def __call__(self, wall: np.ndarray) -> np.ndarray:
        """(H, W) float32 mask, 1 wall / 0 shadow -> the same, changed."""
        rng = np.random
        shadow = (wall < 0.5).astype(np.uint8)
        if rng.random() < self.morph_p:
            r = int(rng.randint(self.morph_px[0], self.morph_px[1] + 1))
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
            shadow = (cv2.dilate if rng.random() < 0.5 else cv2.erode)(shadow, kernel)
        if rng.random() < self.gaps_p:
            r = int(rng.randint(self.gaps_px[0], self.gaps_px[1] + 1))
            kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))
            op = cv2.MORPH_CLOSE if rng.random() < 0.6 else cv2.MORPH_OPEN
            shadow = cv2.morphologyEx(shadow, op, kernel)
        soft = shadow.astype(np.float32)
        h, w = soft.shape
        if rng.random() < self.elastic_p:
            amount = rng.uniform(*self.elastic_px)
            cells = self.elastic_cells
            field = rng.standard_normal((2, cells, cells + 1)).astype(np.float32) * amount
            dx = cv2.resize(field[0], (w, h), interpolation=cv2.INTER_CUBIC)
            dy = cv2.resize(field[1], (w, h), interpolation=cv2.INTER_CUBIC)
            xs = np.arange(w, dtype=np.float32)[None, :] + dx
            ys = np.arange(h, dtype=np.float32)[:, None] + dy
            soft = cv2.remap(soft, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        if rng.random() < self.edge_noise_p:
            # Noise below 0.5 cannot flip a flat wall or a solid palm: only the blurred band
            # along the outline moves, which makes the edge wavy.
            noise = rng.standard_normal((max(2, h // 12), max(2, w // 12))).astype(np.float32)
            noise = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
            noise = np.clip(self.edge_noise * noise, -0.4, 0.4)
            soft = cv2.GaussianBlur(soft, (0, 0), 1.5) + noise
        return (soft < 0.5).astype(np.float32)


class BatchMix:
    """MixUp or CutMix of each training batch, one of the two chosen per batch (torchvision's
    references: `--mixup-alpha`, `--cutmix-alpha`); a DataLoader `collate_fn`.

    Why here: the generated shadows of look-alike puppets (deer / moose / llama, rabbit / llama)
    differ in a few fingers, and a network that learns hard edges between them is confidently
    wrong on a real shadow that sits between two forms. Mixed images with mixed labels train the
    space between classes (Zhang et al. 2018; Yun et al. 2019), which the references use for the
    same reason. Labels leave as (B, classes) probabilities; cross-entropy takes them as they are.
    Runs in the loader workers, whose torch RNG the DataLoader seeds, so a run stays reproducible.
    """

    def __init__(self, num_classes: int, mixup_alpha: float = 0.0, cutmix_alpha: float = 0.0):
        from torchvision.transforms import v2

        if mixup_alpha < 0 or cutmix_alpha < 0:
            raise ValueError("mixup and cutmix alphas must be >= 0 (0: off)")
        choices = []
        if mixup_alpha > 0:
            choices.append(v2.MixUp(alpha=mixup_alpha, num_classes=num_classes))
        if cutmix_alpha > 0:
            choices.append(v2.CutMix(alpha=cutmix_alpha, num_classes=num_classes))
        if not choices:
            raise ValueError("BatchMix needs a positive mixup or cutmix alpha")
        self.mix = v2.RandomChoice(choices)
        self.mixup_alpha, self.cutmix_alpha = mixup_alpha, cutmix_alpha

    def __call__(self, batch):
        from torch.utils.data import default_collate

        return self.mix(*default_collate(batch))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(mixup_alpha={self.mixup_alpha}, cutmix_alpha={self.cutmix_alpha})"

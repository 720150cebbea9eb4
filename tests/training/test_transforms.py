"""Augmentations: plausible for a wall, and the train preset ends in exactly the eval preset."""

from __future__ import annotations

import numpy as np
import torch

from ombro_contract.preprocess import PreprocessSpec
from training.presets import ClassificationPresetEval, ClassificationPresetTrain
from training.transforms import ShadowAugment

SPEC = PreprocessSpec(input_size=64)


def test_geometry_never_invents_shadow_at_the_borders():
    # A plain bright wall must stay a plain wall however it is warped (no black fill corners).
    wall = np.full((60, 80, 3), 200, np.uint8)
    aug = ShadowAugment(rotate_deg=30, perspective=0.2, translate=0.2)
    np.random.seed(0)
    for _ in range(5):
        assert np.array_equal(aug.warp(wall), wall)


def test_augment_changes_image_but_keeps_shape_and_dtype(rng):
    img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    np.random.seed(1)
    out = ShadowAugment()(img)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert not np.array_equal(out, img)


def test_augment_is_reproducible_from_the_seed(rng):
    img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    np.random.seed(7)
    a = ShadowAugment()(img)
    np.random.seed(7)
    b = ShadowAugment()(img)
    assert np.array_equal(a, b)


def test_train_preset_without_augmentation_equals_eval_preset(rng):
    img = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    train = ClassificationPresetTrain(SPEC, augment=lambda x: x)
    assert torch.equal(train(img), ClassificationPresetEval(SPEC)(img))


def test_brightness_moves_pixels_across_the_silhouette_threshold():
    # A dim wall just above the threshold: darkening it must be able to turn it into "shadow",
    # which is why augmentation happens before preprocessing.
    img = np.full((48, 64, 3), 100, np.uint8)
    aug = ShadowAugment(brightness=0.25, contrast=0.0, blur_p=0.0)
    fixed = PreprocessSpec(input_size=64, threshold=90)
    means = set()
    for seed in range(20):
        np.random.seed(seed)
        means.add(round(float(ClassificationPresetEval(fixed)(aug.photometric(img)).mean()), 3))
    assert len(means) == 2  # all-wall and all-shadow inputs both occur

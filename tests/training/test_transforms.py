"""Augmentations: plausible for a wall, and the train preset ends in exactly the eval preset."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from ombro_contract.preprocess import PreprocessSpec
from training.presets import ClassificationPresetEval, ClassificationPresetTrain
from training.transforms import BatchMix, ShadowAugment

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
    train = ClassificationPresetTrain(SPEC, augment=lambda x: x, silhouette_augment=False)
    assert torch.equal(train(img), ClassificationPresetEval(SPEC)(img))


def test_silhouette_augment_changes_the_outline_not_the_puppet():
    from training.transforms import SilhouetteAugment

    wall = np.ones((240, 320), np.float32)
    cv2.circle(wall, (160, 120), 60, 0.0, -1)
    for x in (110, 140, 170, 200):  # four fingers with gaps between them
        cv2.rectangle(wall, (x, 20), (x + 14, 120), 0.0, -1)
    aug = SilhouetteAugment(morph_p=1.0, gaps_p=1.0, elastic_p=1.0, edge_noise_p=1.0)
    changed = 0
    for seed in range(10):
        np.random.seed(seed)
        out = aug(wall)
        assert out.dtype == np.float32 and set(np.unique(out)) <= {0.0, 1.0}
        a, b = wall < 0.5, out < 0.5
        iou = (a & b).sum() / (a | b).sum()
        assert 0.6 < iou < 1.0, iou  # a different outline of the same shape
        changed += not np.array_equal(out, wall)
    assert changed == 10


def test_train_preset_augments_the_silhouette(rng):
    img = np.full((120, 160, 3), 220, np.uint8)
    cv2.rectangle(img, (40, 30), (110, 100), (30, 30, 30), -1)
    train = ClassificationPresetTrain(SPEC, augment=lambda x: x)
    plain = ClassificationPresetEval(SPEC)(img)
    outs = []
    for seed in range(8):
        np.random.seed(seed)
        outs.append(train(img))
    assert all(o.shape == plain.shape for o in outs)
    assert any(not torch.equal(o, plain) for o in outs)


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


def _batch(n: int = 8, classes: int = 15):
    """n (image, label) pairs as a Dataset returns them: each image one flat value, its index."""
    return [(torch.full((3, 16, 16), float(i)), i % classes) for i in range(n)]


def test_mixup_mixes_two_images_and_their_labels_in_the_same_proportion():
    torch.manual_seed(0)
    images, labels = BatchMix(15, mixup_alpha=0.4)(_batch())
    assert images.shape == (8, 3, 16, 16) and labels.shape == (8, 15)
    assert torch.allclose(labels.sum(1), torch.ones(8))
    # torchvision mixes each image with the batch rolled by one, by one lambda for the batch
    lam = labels[1, 1].item()
    assert 0.0 < lam < 1.0
    for i in range(1, 8):
        assert torch.allclose(images[i], torch.full((3, 16, 16), lam * i + (1 - lam) * (i - 1)))
        assert labels[i, i] == pytest.approx(lam) and labels[i, i - 1] == pytest.approx(1 - lam)


def test_cutmix_pastes_a_box_and_weights_labels_by_its_area():
    torch.manual_seed(1)
    images, labels = BatchMix(15, cutmix_alpha=1.0)(_batch())
    for i in range(1, 8):
        values, counts = torch.unique(images[i], return_counts=True)
        assert set(values.tolist()) <= {float(i), float(i - 1)}  # pixels of one image or the other
        own = counts[values == i].sum().item() / images[i].numel()
        assert labels[i, i] == pytest.approx(own, abs=1e-6)


def test_batch_mix_needs_an_alpha():
    with pytest.raises(ValueError, match="alpha"):
        BatchMix(15)
    with pytest.raises(ValueError, match=">= 0"):
        BatchMix(15, mixup_alpha=-1.0)

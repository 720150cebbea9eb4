"""Train/serve skew guard: the numpy preprocessing the app and server run must equal the torch
eval preset training validates with."""

import cv2
import numpy as np
import pytest
import torch

from ombro_contract.preprocess import PreprocessSpec, preprocess, to_bgr
from training.presets import ClassificationPresetEval

SPECS = [
    PreprocessSpec(lighting="normalised"),  # the default for new models
    PreprocessSpec(lighting="normalised", framing="shadow", input_size=96),
    PreprocessSpec(),  # Otsu on an evenly lit wall (old cards)
    PreprocessSpec(threshold=90),  # HaSPeR's fixed level
    PreprocessSpec(mode="rgb"),
    PreprocessSpec(input_size=96, dilate=0),
]
TOL = 1e-5


def torch_side(image_as_stored: np.ndarray, spec: PreprocessSpec) -> np.ndarray:
    """Feed the preset the way a torchvision loader would: RGB(A)/gray channel-first uint8."""
    if image_as_stored.ndim == 2:
        chw = torch.from_numpy(image_as_stored)[None]
    elif image_as_stored.shape[2] == 4:
        chw = torch.from_numpy(cv2.cvtColor(image_as_stored, cv2.COLOR_BGRA2RGBA)).permute(2, 0, 1)
    else:
        chw = torch.from_numpy(cv2.cvtColor(image_as_stored, cv2.COLOR_BGR2RGB)).permute(2, 0, 1)
    return ClassificationPresetEval(spec)(chw).numpy()


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.mode}-{s.threshold}-{s.lighting}-{s.framing}-{s.input_size}")
def test_bgr_scenes_match(scenes, spec):
    for img in scenes:
        a, b = preprocess(img, spec), torch_side(img, spec)
        assert a.shape == b.shape == (3, spec.input_size, spec.input_size)
        assert np.abs(a - b).max() <= TOL, img.shape


@pytest.mark.parametrize("spec", SPECS[:5], ids=lambda s: f"{s.mode}-{s.threshold}-{s.lighting}-{s.framing}")
def test_gray_and_bgra_inputs_match(scenes, spec):
    for img in scenes[:3]:
        gray = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        alpha = np.full(img.shape[:2] + (1,), 128, np.uint8)
        bgra = np.concatenate([img, alpha], axis=2)
        for variant in (gray, bgra):
            assert np.abs(preprocess(variant, spec) - torch_side(variant, spec)).max() <= TOL
        # Alpha carries no meaning for a shadow on a wall: same input as the plain BGR frame.
        assert np.array_equal(preprocess(bgra, spec), preprocess(img, spec))


def test_real_photos_match(real_shadow_images):
    if not real_shadow_images:
        pytest.skip("../shared/real-shadows is absent on this machine (set OMBRO_REAL_SHADOWS)")
    for spec in SPECS[:5]:
        for img in real_shadow_images:
            assert np.abs(preprocess(img, spec) - torch_side(img, spec)).max() <= TOL


def test_spotlight_scenes_match():
    """The lighting analysis takes branches (a fitted disc, room kept or dropped) that plain
    scenes never reach; generated spotlight and vignette frames exercise them."""
    from training.shadowgen.render import render_photo

    for spec in SPECS[:2]:
        for i, lighting in enumerate(["spot", "vignette"] * 4):
            img = render_photo("swan", np.random.default_rng(i), 320, lighting=lighting).image
            assert np.abs(preprocess(img, spec) - torch_side(img, spec)).max() <= TOL


def test_silhouette_sees_the_shadow(scenes):
    """Not only equal but meaningful: the dark blob is shadow (low), the lit wall is wall (high)."""
    x = preprocess(scenes[0], PreprocessSpec(threshold="otsu"))
    levels = np.unique(np.round(x[0], 3))
    assert x.min() < -2.0 and x.max() > 2.0  # both shadow (0) and wall (1) present after normalising
    assert len(levels) > 2  # the resize to the input size keeps soft edges


def test_to_bgr_rejects_bad_layouts():
    from ombro_contract.errors import ImageDecodeError

    with pytest.raises(ImageDecodeError):
        to_bgr(np.zeros((4, 4, 2), np.uint8))
    with pytest.raises(ImageDecodeError):
        to_bgr(np.zeros((4, 4, 3), np.float32))
    with pytest.raises(ImageDecodeError):
        to_bgr(np.zeros((0, 0), np.uint8))
    assert to_bgr(np.zeros((4, 4), np.uint16)).shape == (4, 4, 3)

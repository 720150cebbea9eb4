"""training/camera_views.py: seeded phone-camera views of one photo."""

from __future__ import annotations

import numpy as np
import pytest

from training.camera_views import ViewRanges, camera_view, camera_views


def shadow_photo(h: int = 168, w: int = 224) -> np.ndarray:
    """A lit wall with a dark square shadow in the middle."""
    image = np.full((h, w, 3), 210, np.uint8)
    image[h // 3: 2 * h // 3, w // 3: 2 * w // 3] = 30
    return image


def test_the_first_view_is_the_photo_and_views_repeat_for_the_same_seed_and_key():
    photo = shadow_photo()
    views = camera_views(photo, 5, seed=3, key=7)
    assert len(views) == 5 and views[0] is photo
    again = camera_views(photo, 5, seed=3, key=7)
    for a, b in zip(views[1:], again[1:]):
        assert a.shape == photo.shape and a.dtype == np.uint8
        np.testing.assert_array_equal(a, b)
    other_photo = camera_views(photo, 5, seed=3, key=8)
    assert not any(np.array_equal(a, b) for a, b in zip(views[1:], other_photo[1:]))
    assert not np.array_equal(views[1], views[2])


def test_uncovered_borders_are_not_black():
    """A zoom-out or tilt must not paint dark wedges that the silhouette step reads as shadow."""
    wall = np.full((120, 160, 3), 200, np.uint8)
    wide = ViewRanges(zoom=(0.8, 0.8), rotate_deg=10.0, perspective=0.05, shift=0.05)
    for seed in range(8):
        view = camera_view(wall, np.random.default_rng(seed), wide)
        # the darkest the light changes alone can make 200: gain 0.75, white balance 0.92,
        # gamma 1.25, noise; a black border would be near 0
        assert view.min() > 80


def test_the_shadow_stays_in_frame_at_about_its_size():
    photo = shadow_photo()
    dark = photo[..., 0] < 100
    for view in camera_views(photo, 12, seed=0, key=0)[1:]:
        mask = view.mean(2) < 100
        ratio = mask.sum() / dark.sum()
        assert 0.6 < ratio < 1.6
        ys, xs = np.nonzero(mask)
        assert abs(xs.mean() / photo.shape[1] - 0.5) < 0.15
        assert abs(ys.mean() / photo.shape[0] - 0.5) < 0.15


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="8-bit HxWx3"):
        camera_view(np.zeros((10, 10), np.uint8), np.random.default_rng(0))
    with pytest.raises(ValueError, match="8-bit HxWx3"):
        camera_view(np.zeros((10, 10, 3), np.float32), np.random.default_rng(0))
    with pytest.raises(ValueError, match="at least one view"):
        camera_views(shadow_photo(), 0)


def test_only_keeps_the_named_families_and_the_same_draws():
    photo = shadow_photo()
    full = ViewRanges()
    # nothing kept: every family at its "no change" value gives the photo back, pixel for pixel
    np.testing.assert_array_equal(camera_view(photo, np.random.default_rng(5), full.only()), photo)
    dark = photo[..., 0] < 100
    for seed in range(6):
        whole = camera_view(photo, np.random.default_rng(seed), full)
        framed = camera_view(photo, np.random.default_rng(seed), full.only("geometry"))
        lit = camera_view(photo, np.random.default_rng(seed), full.only("light", "noise"))
        # light and noise alone leave the shadow where it was and change the pixels
        np.testing.assert_array_equal(lit[..., 0] < 100, dark)
        assert not np.array_equal(lit, photo)
        # geometry alone moves the shadow exactly as the whole view does (the same draws), and
        # leaves the wall's and the shadow's own gray levels
        a, b = whole.mean(2) < 100, framed.mean(2) < 100
        assert (a & b).sum() / (a | b).sum() > 0.97
        assert not np.array_equal(b, dark)
        assert np.isin(framed[b], [30]).mean() > 0.9 and np.isin(framed[~b], [210]).mean() > 0.9


def test_only_refuses_an_unknown_family():
    with pytest.raises(ValueError, match="unknown view families.*geometry"):
        ViewRanges().only("geometry", "colour")

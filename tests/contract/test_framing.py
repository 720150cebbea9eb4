"""framing="shadow": the network sees a square around the shadow, not the whole frame."""

import cv2
import numpy as np

from ombro_contract.preprocess import PreprocessSpec, frame_on_shadow, shadow_box, silhouette_input


def wall(h=240, w=320):
    return np.ones((h, w), np.float32)


def test_a_small_puppet_fills_the_square_and_a_speck_does_not_stretch_it():
    m = wall()
    cv2.rectangle(m, (200, 100), (260, 170), 0.0, -1)  # the puppet, 61 x 71 px
    cv2.circle(m, (10, 10), 1, 0.0, -1)  # a speck in the corner
    x0, y0, side = shadow_box(m)
    assert 71 <= side <= 130 and x0 <= 200 and x0 + side >= 260 and y0 <= 100
    crop = frame_on_shadow(m)
    assert crop.shape == (side, side)
    assert 0.25 < (crop < 0.5).mean() < 0.6  # the puppet fills a good part of the input


def test_a_shadow_at_the_border_is_padded_with_wall_and_no_shadow_is_the_whole_frame():
    m = wall()
    m[:, :40] = 0.0  # an arm along the left edge
    crop = frame_on_shadow(m)
    assert crop.shape[0] == crop.shape[1] and crop.min() == 0.0 and crop.max() == 1.0
    assert shadow_box(wall()) is None
    assert frame_on_shadow(wall()) is not None and frame_on_shadow(wall()).shape == (240, 320)


def test_framing_changes_the_network_input_only_when_asked():
    m = wall()
    cv2.rectangle(m, (200, 100), (260, 170), 0.0, -1)
    whole = silhouette_input(m, PreprocessSpec(input_size=64))
    framed = silhouette_input(m, PreprocessSpec(input_size=64, framing="shadow"))
    assert whole.shape == framed.shape == (3, 64, 64)
    assert (framed < 0).mean() > 3 * (whole < 0).mean()  # more of the input is puppet


def test_the_crop_is_the_padded_frame_cut_at_the_box_wherever_the_box_lies():
    """frame_on_shadow copies only what the square covers; the plain definition (pad the whole
    frame with wall, then cut) must give the same pixels at every edge and corner."""
    rng = np.random.default_rng(0)
    for _ in range(200):
        m = wall()
        x, y = int(rng.integers(-60, 320)), int(rng.integers(-60, 240))
        w, h = (int(v) for v in rng.integers(3, 220, 2))
        m[max(y, 0):max(y + h, 0), max(x, 0):max(x + w, 0)] = 0.0
        m[rng.random(m.shape) < 0.01] = 0.5  # soft edges and noise keep the values honest
        box = shadow_box(m)
        if box is None:
            continue
        x0, y0, side = box
        padded = cv2.copyMakeBorder(m, side, side, side, side, cv2.BORDER_CONSTANT, value=1.0)
        want = padded[y0 + side: y0 + 2 * side, x0 + side: x0 + 2 * side]
        got = frame_on_shadow(m)
        assert got.dtype == want.dtype and np.array_equal(got, want)

"""Rendering: every puppet casts a sane shadow, poses are distinct, API shapes, clips."""

import itertools

import numpy as np
import pytest

from ombro_contract.errors import UnknownPuppetError
from ombro_contract.labels import PUPPETS
from training.shadowgen.poses import FORMS, POSES
from training.shadowgen.render import (
    frame_size,
    pick_form,
    pose_mask,
    pose_mask_and_labels,
    reference_sample,
    render_photo,
    sample_pose,
)
from training.synth import ShadowRenderer, render_clip


def test_poses_table_covers_exactly_the_contract_labels():
    assert set(POSES) == set(PUPPETS)
    assert all(pose.howto for pose in POSES.values())


@pytest.mark.parametrize("puppet", PUPPETS)
def test_every_puppet_casts_a_shadow_of_sane_size(puppet):
    rng = np.random.default_rng([5, PUPPETS.index(puppet)])
    size = frame_size(96)
    areas = [pose_mask(reference_sample(puppet), size).mean()]
    areas += [pose_mask(sample_pose(puppet, rng), size).mean() for _ in range(8)]
    assert min(areas) > 0.04, f"{puppet}: shadow nearly empty ({min(areas):.3f})"
    assert max(areas) < 0.75, f"{puppet}: shadow fills the frame ({max(areas):.3f})"


def test_reference_silhouettes_are_distinct_between_puppets():
    masks = {p: pose_mask(reference_sample(p), (96, 72)) > 0.5 for p in PUPPETS}
    for i, a in enumerate(PUPPETS):
        for b in PUPPETS[i + 1:]:
            iou = (masks[a] & masks[b]).sum() / (masks[a] | masks[b]).sum()
            assert iou < 0.85, f"{a} and {b} cast nearly the same shadow (IoU {iou:.2f})"


def test_renderer_returns_bgr_frames_and_none_frames():
    r = ShadowRenderer(seed=4)
    img = r.render("rabbit", size=96)
    assert img.shape == (72, 96, 3) and img.dtype == np.uint8
    assert img.std() > 3  # not a flat frame
    assert r.render(None, size=64).shape == (48, 64, 3)
    # Successive calls continue the stream; a new renderer with the same seed repeats it.
    again = ShadowRenderer(seed=4).render("rabbit", size=96)
    assert np.array_equal(img, again)
    assert not np.array_equal(img, r.render("rabbit", size=96))


def test_unknown_puppet_is_a_clear_error():
    with pytest.raises(UnknownPuppetError, match="unicorn"):
        ShadowRenderer(0).render("unicorn")
    with pytest.raises(UnknownPuppetError):
        render_clip("unicorn", 3)


def test_clip_frames_move_slowly_and_are_reproducible():
    frames = render_clip("dog", n_frames=6, seed=9, size=96)
    assert len(frames) == 6
    assert all(f.shape == (72, 96, 3) for f in frames)
    steps = [np.abs(a.astype(int) - b.astype(int)).mean() for a, b in itertools.pairwise(frames)]
    other = render_clip("dog", n_frames=1, seed=10, size=96)[0]
    jump = np.abs(frames[0].astype(int) - other.astype(int)).mean()
    assert max(steps) < jump, (steps, jump)
    assert all(np.array_equal(a, b) for a, b in zip(frames, render_clip("dog", 6, 9, 96)))


def test_every_puppet_has_several_forms_with_sources_and_parts():
    for puppet, forms in FORMS.items():
        assert forms[0] is POSES[puppet]
        names = [f.name for f in forms]
        assert len(set(names)) == len(names), f"{puppet}: two forms share a name"
        for form in forms:
            assert form.source, f"{puppet} / {form.name}: say which tutorial or photo it follows"
            assert form.parts, f"{puppet} / {form.name}: name the animal parts"


def test_forms_are_drawn_by_weight_and_a_clip_keeps_one_form():
    forms = FORMS["cow"]
    assert len(forms) >= 2
    rng = np.random.default_rng(0)
    picks = [pick_form("cow", rng).name for _ in range(400)]
    weights = np.array([f.weight for f in forms])
    for form, w in zip(forms, weights / weights.sum()):
        assert abs(picks.count(form.name) / 400 - w) < 0.08, (form.name, picks.count(form.name))
    fixed = [sample_pose("cow", rng, form=forms[1]).pose.name for _ in range(10)]
    assert set(fixed) == {forms[1].name}


def test_part_maps_follow_the_pose_table():
    from training.shadowgen.parts import PART_ID

    mask, labels = pose_mask_and_labels(reference_sample("rabbit"), (160, 120))
    covered = mask >= 0.5
    assert (labels[covered] > 0).all() and (labels[~covered] == 0).all()
    ears = (labels == PART_ID["ears"]).mean()
    assert 0.01 < ears < covered.mean() / 2, ears  # two fingers, not the whole hand


@pytest.mark.parametrize("lighting", ["spot", "vignette"])
def test_truth_marks_shadow_outside_the_light_as_unseen(lighting):
    photo = render_photo("dog", np.random.default_rng(3), 160, lighting=lighting)
    assert photo.image.shape[:2] == photo.labels.shape == photo.visible.shape
    assert photo.visible.any()
    assert not (photo.visible & (photo.labels == 0)).any()


def test_a_pose_can_be_rendered_without_some_limbs_in_the_same_place():
    """The app's hint tests need a swan without its head where the whole swan would be."""
    from training.shadowgen.parts import PART_ID

    sample = reference_sample("swan")
    full, full_ids = pose_mask_and_labels(sample, (160, 120))
    head = {f"0.{limb}" for limb in ("palm", "thumb", "index", "middle", "ring", "little")}
    cut, cut_ids = pose_mask_and_labels(sample, (160, 120), without=head)
    assert (full_ids == PART_ID["head"]).any() and not (cut_ids == PART_ID["head"]).any()
    assert not (cut_ids == PART_ID["beak"]).any()
    neck = cut_ids == PART_ID["neck"]
    assert neck.sum() > 50 and (full_ids[neck] == PART_ID["neck"]).mean() > 0.95  # not moved
    assert cut.sum() < 0.9 * full.sum()


def test_wide_spotlights_aimed_past_the_hands_still_light_them(monkeypatch):
    """Most discs are centred on the puppet; wide ones aimed past it (`OFF_AIM_FRACTION` of
    spotlit frames) leave the puppet near the disc's edge, as in the shared snail photo, but
    with its centre well inside the light."""
    from training.shadowgen import scene

    focus = (0.5, 0.55, 0.15, 0.12)
    assert 0.0 < scene.OFF_AIM_FRACTION < 0.5

    def discs(fraction):
        monkeypatch.setattr(scene, "OFF_AIM_FRACTION", fraction)
        spots = np.array([scene.sample_scene(np.random.default_rng(i), focus, "spot").spot
                          for i in range(200)])
        offset = np.hypot((spots[:, 0] - focus[0]) / spots[:, 2],
                          (spots[:, 1] - focus[1]) / spots[:, 3])
        return offset, spots[:, 2]

    aimed, aimed_rx = discs(0.0)
    past, past_rx = discs(1.0)
    assert ((past > 0.34) & (past < 0.56)).all()
    assert np.median(aimed) < 0.6 * np.median(past)
    assert np.median(past_rx) > 1.2 * np.median(aimed_rx)  # wide discs


def test_some_frames_are_filmed_from_far_back():
    from training.shadowgen.jitter import FAR_FRACTION, sample_placement

    fills = np.array([sample_placement(np.random.default_rng(i)).fill for i in range(400)])
    assert fills.min() >= 0.3 and fills.max() <= 1.1
    assert abs(np.mean(fills < 0.55) - FAR_FRACTION) < 0.05

"""Shape feedback on generated frames with known mistakes: the match, the part the hint names,
the overlay, and the fixed amount of work per frame."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from app.puppet_shape import load_puppet_shape
from app.shape_coach import EXTRA_RGBA, MISSING_RGBA, ShapeCoach
from ombro_contract.labels import PUPPETS
from tests.app.shape_frames import (
    HEADLESS_SWAN,
    PLACEMENTS,
    closed_jaw_dog,
    folded_ear_rabbit,
    shadow_frame,
    student_silhouette,
)

FPS = 15.0
HELD = 12  # frames of a held shadow (0.8 s at 15 results per second)


def practise(target: str, frame: np.ndarray, frames: int = HELD):
    """Feed the coach the same shadow for a while, as the camera sees a held pose."""
    coach = ShapeCoach(load_puppet_shape(target))
    silhouette = student_silhouette(frame)
    return [coach.update(silhouette, i / FPS) for i in range(frames)]


@pytest.mark.parametrize("puppet", PUPPETS)
def test_the_lesson_shape_matches_at_least_90_percent_and_gets_no_hint(puppet):
    for i, placement in enumerate(PLACEMENTS):
        feedback = practise(puppet, shadow_frame(puppet, placement, seed=i))
        last = feedback[-1]
        assert last.match >= 0.9, f"{puppet} at {placement}: match {last.match:.3f}"
        assert all(f.hint is None for f in feedback), \
            f"{puppet} at {placement}: {[f.hint for f in feedback if f.hint]}"


@pytest.mark.parametrize("placement", PLACEMENTS)
def test_camera_effects_keep_the_lesson_shape_close_and_hint_free(placement):
    """Tilt, blur, noise and JPEG from the generator's camera."""
    for puppet in ("rabbit", "dog", "swan", "deer"):
        last = practise(puppet, shadow_frame(puppet, placement, seed=3, effects=True))[-1]
        assert last.match >= 0.88 and last.hint is None, (puppet, last.match, last.hint)


DEFECTS = [
    ("one ear folded down", "rabbit", "ears", {"pose": folded_ear_rabbit()}),
    ("no open jaw", "dog", "jaw", {"pose": closed_jaw_dog()}),
    ("no head", "swan", "head", {"without": HEADLESS_SWAN}),
]


@pytest.mark.parametrize("case, target, part, kw", DEFECTS)
def test_a_missing_part_is_named_in_the_hint(case, target, part, kw):
    for i, placement in enumerate(PLACEMENTS):
        feedback = practise(target, shadow_frame(target, placement, seed=i, **kw))
        hint = feedback[-1].hint
        assert hint is not None and (hint.part, hint.kind) == (part, "missing"), \
            f"{target} with {case} at {placement}: hint {hint}"
        assert hint.text and part in hint.text  # "Lift two fingers for the ears"
        shown = {f.hint for f in feedback if f.hint is not None}
        assert len(shown) == 1, f"the hint changed while the shadow did not: {shown}"


@pytest.mark.parametrize("case, target, part, kw", DEFECTS)
def test_through_the_camera_a_missing_part_is_named_nearly_always_and_never_misnamed(
        case, target, part, kw):
    """Tilt, blur, noise and JPEG (the generator's camera) over 8 rooms x 3 placements.

    Blur can hide a small defect: a folded rabbit ear leaves 22-25 % of the ear bare on a clean
    frame and the bar is 20 %, so in about 1 frame in 12 the camera's blur brings it under the
    bar and the coach says nothing (measured 33-34 of 36 over 12 rooms, with generator 3.0.0's
    and 3.1.0's random streams). Saying nothing is the safe failure; naming the wrong part or
    changing the hint on a still shadow is not, and never happens here.
    """
    named = 0
    trials = [(seed, placement) for seed in range(8) for placement in PLACEMENTS]
    for seed, placement in trials:
        feedback = practise(target, shadow_frame(target, placement, seed=seed, effects=True,
                                                 **kw))
        shown = {f.hint for f in feedback if f.hint is not None}
        assert len(shown) <= 1, f"the hint changed while the shadow did not: {shown}"
        assert all((h.part, h.kind) == (part, "missing") for h in shown), \
            f"{target} with {case}, room {seed} at {placement}: wrong hint {shown}"
        named += feedback[-1].hint is not None
    assert named >= 0.85 * len(trials), f"{target} with {case}: named in {named}/{len(trials)}"


def test_the_hint_for_a_folded_ear_is_the_lesson_sentence():
    hint = practise("rabbit", shadow_frame("rabbit", PLACEMENTS[0], pose=folded_ear_rabbit()))[-1].hint
    assert hint.text == "Lift two fingers for the ears"
    jaw = practise("dog", shadow_frame("dog", PLACEMENTS[0], pose=closed_jaw_dog()))[-1].hint
    assert jaw.text == "Open the jaw: drop your little finger"


@pytest.mark.parametrize("shown, target", [("swan", "rabbit"), ("dog", "snail"),
                                           ("crab", "llama"), ("snake", "moose")])
def test_a_different_puppet_gets_a_low_match(shown, target):
    frame = shadow_frame(shown, PLACEMENTS[1], seed=1)
    wrong = practise(target, frame)[-1].match
    right = practise(shown, frame)[-1].match
    assert wrong < 0.7 and right - wrong > 0.2, (shown, target, wrong, right)


def test_either_hand_fits_as_a_mirror_image():
    flipped = next(p for p in PLACEMENTS if p.flip)
    straight = next(p for p in PLACEMENTS if not p.flip)
    assert practise("dog", shadow_frame("dog", flipped))[-1].alignment.mirror
    assert not practise("dog", shadow_frame("dog", straight))[-1].alignment.mirror


def test_an_empty_wall_has_no_match_and_no_hint():
    wall = np.full((240, 320, 3), 200, np.uint8)
    feedback = practise("dog", wall, frames=3)
    assert all(f.match is None and f.hint is None and f.overlay is None for f in feedback)


def test_the_overlay_tints_the_missing_head_blue_and_outlines_the_target():
    placement = PLACEMENTS[2]
    last = practise("swan", shadow_frame("swan", placement, without=HEADLESS_SWAN))[-1]
    rgba = last.overlay
    assert rgba.shape == (120, 160, 4) and rgba.dtype == np.uint8
    blue = (rgba[..., :3] == MISSING_RGBA).all(axis=2) & (rgba[..., 3] > 0)
    orange = (rgba[..., :3] == EXTRA_RGBA).all(axis=2) & (rgba[..., 3] > 0)
    assert blue.sum() > 100 and blue.sum() > 5 * orange.sum()
    hinted = rgba[..., 3] == ShapeCoach(load_puppet_shape("swan")).config.hinted_alpha
    assert (blue & hinted).sum() > 0.5 * blue.sum()  # the head the hint names stands out
    # The blue lies where the full swan's head would be: a head-only frame covers it.
    from training.shadowgen.parts import PART_ID
    from training.shadowgen.render import PoseSample, pose_mask_and_labels, reference_sample

    base = reference_sample("swan")
    _, ids = pose_mask_and_labels(PoseSample(base.pose, base.props, placement, "swan"), (160, 120))
    head = np.isin(ids, [PART_ID["head"], PART_ID["beak"]])
    assert (blue & head).sum() > 0.6 * blue.sum()
    outline = last.outline[0]
    assert outline.shape[1] == 2 and len(outline) >= 8
    assert 0.0 <= outline[:, 0].min() and outline[:, 0].max() <= 1.0
    assert 0.0 <= outline[:, 1].min() and outline[:, 1].max() <= 0.75  # 4:3, in frame widths


def test_the_exact_shape_has_almost_nothing_tinted():
    last = practise("rabbit", shadow_frame("rabbit", PLACEMENTS[2]))[-1]
    tinted = (last.overlay[..., 3] > 0).mean()
    assert tinted < 0.01, f"{tinted:.3%} of the frame tinted for a correct shadow"


def test_switching_the_overlay_off_skips_the_painting():
    coach = ShapeCoach(load_puppet_shape("dog"), overlay=False)
    feedback = coach.update(student_silhouette(shadow_frame("dog", PLACEMENTS[0])), 0.0)
    assert feedback.overlay is None and feedback.outline == () and feedback.match > 0.8


def test_a_hint_does_not_flicker_when_the_shadow_does():
    """A student whose jaw opens and closes every other frame sees one steady hint or none."""
    coach = ShapeCoach(load_puppet_shape("dog"))
    closed = student_silhouette(shadow_frame("dog", PLACEMENTS[0], pose=closed_jaw_dog()))
    opened = student_silhouette(shadow_frame("dog", PLACEMENTS[0]))
    shown = [coach.update(closed if i % 2 else opened, i / FPS).hint for i in range(40)]
    changes = sum(1 for a, b in itertools.pairwise(shown) if a != b)
    assert changes <= 2, [h and h.part for h in shown]


def test_work_per_frame_is_bounded_once_the_shape_is_found():
    coach = ShapeCoach(load_puppet_shape("elephant"))
    silhouette = student_silhouette(shadow_frame("elephant", PLACEMENTS[1]))
    steps = []
    for i in range(8):
        coach.update(silhouette, i / FPS)
        steps.append(coach.aligner.steps)
    budget = coach.config.align
    most = (36 // budget.sweep_frames + budget.coarse_steps + 2 + budget.polish_steps
            + budget.challenger_steps)
    assert max(steps[1:]) <= most, steps
    assert steps[0] <= 36 + budget.coarse_steps + 1 + budget.fine_steps, steps

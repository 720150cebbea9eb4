"""One sample end to end: pose -> jitter -> mask and part map -> photographed wall.

Kept apart from `training/synth.py` (the dataset writer and CLI) so the app's demo camera and the
tests can render frames without pulling in multiprocessing or file I/O.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

import cv2
import numpy as np

from .hand import Part, Proportions, hand_parts, local_point
from .jitter import (
    Placement,
    jitter_pose,
    lerp_placement,
    lerp_pose,
    random_hand_pose,
    sample_placement,
    sample_proportions,
)
from .parts import OTHER, PART_ID, limb_kind, part_for
from .poses import FORMS, POSES, PuppetPose
from .raster import bounds, draw_labels, draw_mask, similarity
from .scene import Photo, photograph, sample_scene

SPOT_FRACTION = 0.35  # frames lit by a spotlight disc in a dark room


def frame_size(size: int) -> tuple[int, int]:
    """(width, height) of a 4:3 landscape frame whose long side is `size` (224 -> 224x168)."""
    return int(size), round(size * 3 / 4)


@dataclass(frozen=True)
class PoseSample:
    """Everything about the hands in one frame (None pose: an empty wall)."""

    pose: PuppetPose | None
    props: Proportions
    placement: Placement
    puppet: str | None = None
    form: int | None = None  # which of FORMS[puppet] it was jittered from, counting from 1


def _labelled_parts(sample: PoseSample, without: Collection[str] = ()
                    ) -> tuple[list[Part], list[int]]:
    """Every projected part with its `parts` id; `without` leaves limbs out ("0.palm": hand 0's
    palm, "1.*": all of hand 1, "*.thumb": every thumb)."""
    parts, labels = [], []
    for i, hand in enumerate(sample.pose.hands):
        for part in hand_parts(hand, sample.props):
            kind = limb_kind(part.name)
            if {f"{i}.{kind}", f"{i}.*", f"*.{kind}"} & set(without):
                continue
            parts.append(part)
            name = "hand" if sample.puppet is None else part_for(sample.pose.parts, i, part.name)
            labels.append(PART_ID[name])
    return parts, labels


def _pose_transform(sample: PoseSample, parts: list[Part], size: tuple[int, int]):
    w, h = size
    lo, hi = bounds(parts)
    extent = np.maximum(hi - lo, 1e-3)
    pl = sample.placement
    k = pl.fill * min(w / extent[0], h / extent[1])
    centre = (w * (0.5 + pl.dx), h * (0.5 + pl.dy))
    return similarity(k, pl.angle, pl.flip, (lo + hi) / 2, centre)


def _holes(sample: PoseSample):
    return [
        (local_point(sample.pose.hands[hole.hand], sample.props, (hole.x, hole.y, hole.z)),
         hole.radius)
        for hole in sample.pose.holes
    ]


def pose_mask(sample: PoseSample, size: tuple[int, int]) -> np.ndarray:
    """Shadow coverage (H, W) float32 in [0, 1]; the hands are fitted to `placement.fill`."""
    w, h = size
    if sample.pose is None:
        return np.zeros((h, w), np.float32)
    parts, _ = _labelled_parts(sample)
    return draw_mask(parts, _holes(sample), _pose_transform(sample, parts, size), size)


def pose_mask_and_labels(sample: PoseSample, size: tuple[int, int], without: Collection[str] = ()
                         ) -> tuple[np.ndarray, np.ndarray]:
    """Coverage (float32) and part map (uint8 `shadowgen.parts` ids) of one posed sample.

    `without` leaves limbs out of the picture (see `_labelled_parts`) but not out of the framing,
    so the rest lands where it would have: a swan without its head, for the tests of the app's
    shape hints.
    """
    w, h = size
    if sample.pose is None:
        return np.zeros((h, w), np.float32), np.zeros((h, w), np.uint8)
    m = _pose_transform(sample, _labelled_parts(sample)[0], size)
    parts, labels = _labelled_parts(sample, without)
    holes = _holes(sample)
    mask = draw_mask(parts, holes, m, size)
    part_map = draw_labels(parts, labels, holes, m, size)
    # Anti-aliased edge pixels that the nearest-neighbour part map missed take a neighbour's id.
    gaps = (mask >= 0.5) & (part_map == 0)
    if gaps.any():
        part_map = np.where(gaps, cv2.dilate(part_map, np.ones((3, 3), np.uint8)), part_map)
    return mask, np.where(mask >= 0.5, part_map, 0).astype(np.uint8)


def add_extra_shadows(mask: np.ndarray, labels: np.ndarray, rng: np.random.Generator) -> None:
    """The performer's head or shoulder, or the other arm, reaching in from a frame edge.

    Real frames often hold shadows that are no part of the puppet; a model (and a silhouette
    step) must not read them as one. Drawn in place, labelled 'other'.
    """
    h, w = mask.shape
    extra = np.zeros((h, w), np.uint8)
    kind = rng.random()
    side = int(rng.integers(4))
    t = float(rng.uniform(0.1, 0.9))
    edge = [(t * w, h), (t * w, 0), (0, t * h), (w, t * h)][side]
    inward = [(0, -1), (0, 1), (1, 0), (-1, 0)][side]
    if kind < 0.4:  # a head: a big ellipse half out of the frame
        r = float(rng.uniform(0.12, 0.25)) * w
        c = (edge[0] + inward[0] * r * 0.3, edge[1] + inward[1] * r * 0.3)
        cv2.ellipse(extra, (int(c[0]), int(c[1])), (int(r * 0.8), int(r)),
                    float(rng.uniform(-20, 20)), 0, 360, 1, -1, cv2.LINE_AA)
    elif kind < 0.7:  # a shoulder: a wide low hump on a frame edge
        r = float(rng.uniform(0.2, 0.4)) * w
        cv2.ellipse(extra, (int(edge[0]), int(edge[1])), (int(r), int(r * 0.45)),
                    90.0 * (side >= 2), 0, 360, 1, -1, cv2.LINE_AA)
    else:  # the other arm: a long tapered bar from the edge
        length = float(rng.uniform(0.2, 0.5)) * w
        ang = np.arctan2(inward[1], inward[0]) + rng.normal(0.0, 0.5)
        end = (edge[0] + np.cos(ang) * length, edge[1] + np.sin(ang) * length)
        thick = max(2, int(rng.uniform(0.05, 0.1) * w))
        cv2.line(extra, (int(edge[0]), int(edge[1])), (int(end[0]), int(end[1])), 1, thick,
                 cv2.LINE_AA)
        cv2.circle(extra, (int(end[0]), int(end[1])), thick // 2, 1, -1, cv2.LINE_AA)
    new = (extra > 0) & (labels == 0)
    labels[new] = OTHER
    np.maximum(mask, extra.astype(np.float32), out=mask)


def pick_form(puppet: str, rng: np.random.Generator) -> PuppetPose:
    """One of the puppet's forms, as often as performers use it."""
    forms = FORMS[puppet]
    weights = np.array([f.weight for f in forms], float)
    return forms[int(rng.choice(len(forms), p=weights / weights.sum()))]


def sample_pose(puppet: str | None, rng: np.random.Generator,
                form: PuppetPose | None = None, compact: bool = False) -> PoseSample:
    """A jittered pose of `puppet`, or for None a non-puppet: empty wall or a random hand.

    `form` fixes which of the puppet's forms to use (a clip must not switch forms between its
    ends); by default one is drawn by weight. `compact` frames the puppet smaller, as under a
    spotlight, whose disc holds the whole animal.
    """
    props = sample_proportions(rng)
    placement = sample_placement(rng)
    if compact:
        placement = replace(placement, fill=placement.fill * 0.8, dx=placement.dx * 0.6,
                            dy=placement.dy * 0.6)
    if puppet is None:
        kind = rng.random()
        if kind < 0.3:
            return PoseSample(None, props, placement)
        pose = random_hand_pose(rng)
        if kind > 0.85:  # two idle hands
            other = replace(random_hand_pose(rng).hands[0],
                            wrist=(float(rng.uniform(-1.5, 1.5)), float(rng.uniform(-1.0, 1.0))))
            pose = PuppetPose(hands=(pose.hands[0], other))
        return PoseSample(pose, props, placement)
    relax = float(rng.uniform(0.1, 0.45)) if rng.random() < 0.15 else 0.0  # mid-gesture
    base = form if form is not None else pick_form(puppet, rng)
    pose = jitter_pose(base, rng, strength=float(rng.uniform(0.4, 1.3)), relax=relax)
    number = next((i + 1 for i, f in enumerate(FORMS[puppet]) if f is base), None)
    return PoseSample(pose, props, placement, puppet, number)


def _focus(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """Where a spotlight would be aimed: the box of the shadow's bulk (fractions of the frame:
    centre x, centre y, half width, half height); the arm that runs out of frame is left out
    by taking the 5th to 95th percentile of the shadow's pixels."""
    ys, xs = np.nonzero(mask >= 0.5)
    if len(xs) < 10:
        return None
    h, w = mask.shape
    x0, x1 = np.percentile(xs, (5, 95)) / w
    y0, y1 = np.percentile(ys, (5, 95)) / h
    return (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) / 2, (y1 - y0) / 2


def render_photo(puppet: str | None, rng: np.random.Generator, size: int = 224,
                 lighting: str | None = None, form: PuppetPose | None = None) -> Photo:
    """One complete frame with its part map and visible-shadow truth, drawn only from `rng`.

    `lighting` ('spot', 'vignette') forces a hard lighting case (see `scene.sample_scene`);
    `form` one of the puppet's forms (default: drawn by weight)."""
    spot = lighting == "spot" or (lighting is None and rng.random() < SPOT_FRACTION)
    sample = sample_pose(puppet, rng, form=form, compact=spot)
    mask, labels = pose_mask_and_labels(sample, frame_size(size))
    if rng.random() < 0.15:
        add_extra_shadows(mask, labels, rng)
    scene = sample_scene(rng, focus=_focus(mask), lighting="spot" if spot else lighting)
    return replace(photograph(mask, scene, rng, labels=labels), form=sample.form)


def render_sample(puppet: str | None, rng: np.random.Generator, size: int = 224) -> np.ndarray:
    """One complete frame (BGR uint8, 4:3) drawn only from `rng`."""
    return render_photo(puppet, rng, size).image


def render_clip_frames(puppet: str | None, n_frames: int, rng: np.random.Generator,
                       size: int = 224) -> list[np.ndarray]:
    """Frames of one room with the hands drifting smoothly between two jittered holds."""
    form = pick_form(puppet, rng) if puppet is not None else None
    start, end = sample_pose(puppet, rng, form), sample_pose(puppet, rng, form)
    end = PoseSample(end.pose if puppet is not None else start.pose, start.props,
                     Placement(fill=end.placement.fill * 0.3 + start.placement.fill * 0.7,
                               dx=start.placement.dx + float(rng.normal(0, 0.03)),
                               dy=start.placement.dy + float(rng.normal(0, 0.03)),
                               angle=start.placement.angle + float(rng.normal(0, 4)),
                               flip=start.placement.flip), puppet)
    first = pose_mask(start, frame_size(size))
    scene = sample_scene(rng, focus=_focus(first))
    camera_seed, frame_seed = int(rng.integers(2**31)), int(rng.integers(2**31))
    frames = []
    for i in range(n_frames):
        # Ease in and out so motion is slow at both holds, like a performer settling a pose.
        t = 0.5 - 0.5 * np.cos(np.pi * i / max(1, n_frames - 1))
        pose = start.pose
        if start.pose is not None and end.pose is not None and puppet is not None:
            pose = lerp_pose(start.pose, end.pose, float(t))
        sample = PoseSample(pose, start.props,
                            lerp_placement(start.placement, end.placement, float(t)), puppet)
        # The phone's tilt, clutter and JPEG settings stay put; only sensor noise is new.
        frames.append(photograph(pose_mask(sample, frame_size(size)), scene,
                                 np.random.default_rng(camera_seed),
                                 noise_rng=np.random.default_rng([frame_seed, i])).image)
    return frames


def reference_sample(puppet: str) -> PoseSample:
    """The lesson's pose, unjittered, centred: what lessons show."""
    return PoseSample(POSES[puppet], Proportions(), Placement(fill=0.8), puppet)

"""One sample end to end: pose -> jitter -> mask -> photographed wall.

Kept apart from `training/synth.py` (the dataset writer and CLI) so the app's demo camera and the
tests can render frames without pulling in multiprocessing or file I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .hand import Proportions, hand_parts, local_point
from .jitter import (
    Placement,
    jitter_pose,
    lerp_placement,
    lerp_pose,
    random_hand_pose,
    sample_placement,
    sample_proportions,
)
from .poses import POSES, PuppetPose
from .raster import bounds, draw_mask, similarity
from .scene import compose, sample_scene


def frame_size(size: int) -> tuple[int, int]:
    """(width, height) of a 4:3 landscape frame whose long side is `size` (224 -> 224x168)."""
    return int(size), round(size * 3 / 4)


@dataclass(frozen=True)
class PoseSample:
    """Everything about the hands in one frame (None pose: an empty wall)."""

    pose: PuppetPose | None
    props: Proportions
    placement: Placement


def pose_mask(sample: PoseSample, size: tuple[int, int]) -> np.ndarray:
    """Shadow coverage (H, W) float32 in [0, 1]; the hands are fitted to `placement.fill`."""
    w, h = size
    if sample.pose is None:
        return np.zeros((h, w), np.float32)
    parts = [p for hand in sample.pose.hands for p in hand_parts(hand, sample.props)]
    holes = [
        (local_point(sample.pose.hands[hole.hand], sample.props, (hole.x, hole.y, hole.z)),
         hole.radius)
        for hole in sample.pose.holes
    ]
    lo, hi = bounds(parts)
    extent = np.maximum(hi - lo, 1e-3)
    pl = sample.placement
    k = pl.fill * min(w / extent[0], h / extent[1])
    centre = (w * (0.5 + pl.dx), h * (0.5 + pl.dy))
    m = similarity(k, pl.angle, pl.flip, (lo + hi) / 2, centre)
    return draw_mask(parts, holes, m, (w, h))


def sample_pose(puppet: str | None, rng: np.random.Generator,
                alternates: bool = True) -> PoseSample:
    """A jittered pose of `puppet`, or for None a non-puppet: empty wall or a random hand.

    `alternates=False` keeps to the main pose (a clip must not switch poses between its ends).
    """
    props = sample_proportions(rng)
    placement = sample_placement(rng)
    if puppet is None:
        kind = rng.random()
        if kind < 0.35:
            return PoseSample(None, props, placement)
        pose = random_hand_pose(rng)
        if kind > 0.85:  # two idle hands
            other = replace(random_hand_pose(rng).hands[0],
                            wrist=(float(rng.uniform(-1.5, 1.5)), float(rng.uniform(-1.0, 1.0))))
            pose = PuppetPose(hands=(pose.hands[0], other), howto="")
        return PoseSample(pose, props, placement)
    relax = float(rng.uniform(0.1, 0.45)) if rng.random() < 0.15 else 0.0  # mid-gesture
    base = POSES[puppet]
    if alternates and base.alternates and rng.random() < 0.4:
        base = base.alternates[int(rng.integers(len(base.alternates)))]
    pose = jitter_pose(base, rng, strength=float(rng.uniform(0.4, 1.3)), relax=relax)
    return PoseSample(pose, props, placement)


def render_sample(puppet: str | None, rng: np.random.Generator, size: int = 224) -> np.ndarray:
    """One complete frame (BGR uint8, 4:3) drawn only from `rng`."""
    sample = sample_pose(puppet, rng)
    scene = sample_scene(rng)
    return compose(pose_mask(sample, frame_size(size)), scene, rng)


def render_clip_frames(puppet: str | None, n_frames: int, rng: np.random.Generator,
                       size: int = 224) -> list[np.ndarray]:
    """Frames of one room with the hands drifting smoothly between two jittered holds."""
    start, end = sample_pose(puppet, rng, False), sample_pose(puppet, rng, False)
    end = PoseSample(end.pose if puppet is not None else start.pose, start.props,
                     Placement(fill=end.placement.fill * 0.3 + start.placement.fill * 0.7,
                               dx=start.placement.dx + float(rng.normal(0, 0.03)),
                               dy=start.placement.dy + float(rng.normal(0, 0.03)),
                               angle=start.placement.angle + float(rng.normal(0, 4)),
                               flip=start.placement.flip))
    scene = sample_scene(rng)
    camera_seed, frame_seed = int(rng.integers(2**31)), int(rng.integers(2**31))
    frames = []
    for i in range(n_frames):
        # Ease in and out so motion is slow at both holds, like a performer settling a pose.
        t = 0.5 - 0.5 * np.cos(np.pi * i / max(1, n_frames - 1))
        pose = start.pose
        if start.pose is not None and end.pose is not None and puppet is not None:
            pose = lerp_pose(start.pose, end.pose, float(t))
        sample = PoseSample(pose, start.props, lerp_placement(start.placement, end.placement,
                                                              float(t)))
        # The phone's tilt, clutter and JPEG settings stay put; only sensor noise is new.
        frames.append(compose(pose_mask(sample, frame_size(size)), scene,
                              np.random.default_rng(camera_seed),
                              noise_rng=np.random.default_rng([frame_seed, i])))
    return frames


def reference_sample(puppet: str) -> PoseSample:
    """The canonical pose, unjittered, centred: what lessons show."""
    return PoseSample(POSES[puppet], Proportions(), Placement(fill=0.8))

"""Per-sample variation of a pose: joint jitter, anatomy, mid-gesture blends, placement.

A performer never holds a pose twice the same way, and hands differ; a model that only sees the
canonical pose learns the table, not the puppet. Everything here is a pure function of the
`numpy.random.Generator` it is given, so a sample is reproducible from its seed alone.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace

import numpy as np

from .hand import FINGERS, Finger, HandPose, Proportions, Thumb
from .poses import Hole, PuppetPose

# How far joints wander (degrees, 1 sigma) at jitter strength 1.
_ANGLE_SIGMA = {"direction": 7.0, "roll": 9.0, "pitch": 8.0, "wrist_flex": 8.0, "wrist_dev": 8.0}
_FINGER_SIGMA = Finger(spread=3.5, mcp=8.0, pip=8.0, dip=7.0)
_THUMB_SIGMA = Thumb(azimuth=7.0, elevation=8.0, mcp=8.0, ip=8.0)
# A hand drifting between poses: fingers loosely together and a little bent.
_RELAXED_FINGER = Finger(0.0, 20.0, 25.0, 12.0)
_RELAXED_THUMB = Thumb(azimuth=35.0, elevation=25.0, mcp=10.0, ip=10.0)


@dataclass(frozen=True)
class Placement:
    """Where the puppet lands in the frame: size as a fraction of the frame, centre offset as a
    fraction of width/height, in-plane rotation (degrees) and a mirror flag."""

    fill: float = 0.7
    dx: float = 0.0
    dy: float = 0.0
    angle: float = 0.0
    flip: bool = False


def _jitter_dataclass(value, sigma, rng, strength):
    changes = {}
    for f in fields(value):
        s = getattr(sigma, f.name)
        changes[f.name] = getattr(value, f.name) + float(rng.normal(0.0, s * strength))
    return replace(value, **changes)


def _blend(a, b, t):
    """Linear blend of two dataclasses of floats (t=0: a, t=1: b)."""
    return replace(a, **{f.name: (1 - t) * getattr(a, f.name) + t * getattr(b, f.name)
                         for f in fields(a) if isinstance(getattr(a, f.name), float | int)})


def jitter_hand(hand: HandPose, rng: np.random.Generator, strength: float = 1.0,
                relax: float = 0.0) -> HandPose:
    """One hand with every angle perturbed, optionally part-way to a relaxed hand."""
    changes = {
        name: getattr(hand, name) + float(rng.normal(0.0, sigma * strength))
        for name, sigma in _ANGLE_SIGMA.items()
    }
    wx, wy = hand.wrist
    changes["wrist"] = (wx + float(rng.normal(0, 0.04 * strength)),
                        wy + float(rng.normal(0, 0.04 * strength)))
    new_fingers = {}
    for name in FINGERS:
        f = _jitter_dataclass(hand.finger(name), _FINGER_SIGMA, rng, strength)
        new_fingers[name] = _blend(f, _RELAXED_FINGER, relax) if relax else f
    thumb = _jitter_dataclass(hand.thumb, _THUMB_SIGMA, rng, strength)
    changes["thumb"] = _blend(thumb, _RELAXED_THUMB, relax) if relax else thumb
    changes["fingers"] = new_fingers
    # Each hand at its own distance from the light casts a shadow of its own size; the forearm
    # swings at the wrist, so the arm enters from any edge while the animal keeps its shape.
    changes["scale"] = hand.scale * float(np.exp(rng.normal(0.0, 0.08 * strength)))
    changes["wrist_flex"] += float(rng.normal(0.0, 12.0 * strength))
    changes["wrist_dev"] += float(rng.normal(0.0, 12.0 * strength))
    changes["forearm_length"] = hand.forearm_length * float(rng.uniform(0.8, 1.5))
    return replace(hand, **changes)


def jitter_pose(pose: PuppetPose, rng: np.random.Generator, strength: float = 1.0,
                relax: float = 0.0) -> PuppetPose:
    hands = tuple(jitter_hand(h, rng, strength, relax) for h in pose.hands)
    holes = tuple(h for h in pose.holes if rng.random() < 0.8)  # eyes are not always open
    return replace(pose, hands=hands, holes=holes)


def sample_proportions(rng: np.random.Generator) -> Proportions:
    """One performer: an adult or a child, thin or thick fingers, bare arm, sleeve or cuff."""
    child = rng.random() < 0.3
    sleeve = 0.0
    if rng.random() < 0.4:
        # A cuff just above the wrist or a sleeve pushed up the forearm.
        sleeve = float(rng.uniform(0.25, 1.0) if rng.random() < 0.5 else rng.uniform(1.0, 3.0))
    return Proportions(
        scale=1.0,
        finger_length=float(rng.uniform(0.8, 0.98) if child else rng.uniform(0.9, 1.15)),
        finger_width=float(rng.uniform(1.0, 1.4) if child else rng.uniform(0.85, 1.3)),
        palm_width=float(rng.uniform(0.95, 1.15) if child else rng.uniform(0.85, 1.12)),
        forearm_width=float(rng.uniform(0.75, 1.1) if child else rng.uniform(0.95, 1.5)),
        sleeve=sleeve,
        sleeve_width=float(rng.uniform(1.3, 2.0)),
    )


# Share of frames where the phone stands far back: a small puppet off centre (the shared snail
# photo fills 0.11 of its frame, at the bottom of a wide spotlight; the generator's snails 0.39).
FAR_FRACTION = 0.07


def sample_placement(rng: np.random.Generator) -> Placement:
    """Real frames are framed on the puppet at any tilt of the phone, often cropping the forearm,
    an ear or the nose at the frame border; some are filmed from far back, the puppet small and
    anywhere in the frame."""
    far = rng.random() < FAR_FRACTION
    shift = 0.17 if far else 0.1
    return Placement(
        fill=float(rng.uniform(0.3, 0.55) if far else rng.uniform(0.55, 1.1)),
        dx=float(np.clip(rng.normal(0.0, shift), -0.3, 0.3)),
        dy=float(np.clip(rng.normal(0.0, 0.9 * shift), -0.3, 0.3)),
        angle=float(rng.uniform(-30.0, 30.0) if rng.random() < 0.6 else rng.normal(0.0, 8.0)),
        flip=bool(rng.random() < 0.5),
    )


def random_hand_pose(rng: np.random.Generator) -> PuppetPose:
    """A hand doing nothing in particular, for the 'none' frames."""
    fingers = {
        name: Finger(float(rng.uniform(-20, 20)), float(rng.uniform(-10, 95)),
                     float(rng.uniform(0, 100)), float(rng.uniform(0, 70)))
        for name in FINGERS
    }
    thumb = Thumb(float(rng.uniform(0, 100)), float(rng.uniform(-10, 70)),
                  float(rng.uniform(-10, 60)), float(rng.uniform(0, 70)))
    hand = HandPose(
        wrist=(0.0, 0.0), direction=float(rng.uniform(-180, 180)),
        side="right" if rng.random() < 0.5 else "left", roll=float(rng.uniform(-90, 90)),
        pitch=float(rng.uniform(-40, 40)), wrist_flex=float(rng.uniform(-40, 40)),
        wrist_dev=float(rng.uniform(-30, 30)), fingers=fingers, thumb=thumb,
    )
    return PuppetPose(hands=(hand,), howto="", holes=())


def lerp_pose(a: PuppetPose, b: PuppetPose, t: float) -> PuppetPose:
    """Blend two jittered versions of the same pose, for smooth motion in clips."""
    hands = []
    for ha, hb in zip(a.hands, b.hands):
        fingers = {n: _blend(ha.finger(n), hb.finger(n), t) for n in FINGERS}
        wrist = tuple((1 - t) * np.array(ha.wrist) + t * np.array(hb.wrist))
        h = _blend(ha, hb, t)
        hands.append(replace(h, wrist=(float(wrist[0]), float(wrist[1])), fingers=fingers,
                             thumb=_blend(ha.thumb, hb.thumb, t)))
    return replace(a, hands=tuple(hands), holes=a.holes)


def lerp_placement(a: Placement, b: Placement, t: float) -> Placement:
    return replace(_blend(a, b, t), flip=a.flip)


__all__ = [
    "Hole", "Placement", "jitter_pose", "lerp_placement", "lerp_pose", "random_hand_pose",
    "sample_placement", "sample_proportions",
]

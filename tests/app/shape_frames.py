"""Camera frames of hand shadows with known mistakes, rendered by the generator, for the shape
feedback tests: the lesson's own pose, a rabbit with one ear folded down, a dog whose jaw is
closed, a swan without its head."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ombro_contract.preprocess import DEFAULT_SPEC, PreprocessSpec, silhouette
from training.shadowgen.hand import Finger
from training.shadowgen.jitter import Placement
from training.shadowgen.poses import POSES, PuppetPose
from training.shadowgen.render import PoseSample, pose_mask_and_labels, reference_sample
from training.shadowgen.scene import photograph, sample_scene

FRAME = (320, 240)

# Where the student holds the puppet: off-centre, larger than the lesson picture, tilted, with
# either hand; the animal inside the frame (a part outside it cannot be judged) and the forearm
# running out at the bottom, as a real arm does. (Where an arm leaves through a dark vignetted
# corner, the contract's lighting step drops that piece of shadow and the match falls to 75-85 %:
# docs/app.md, shape feedback.)
PLACEMENTS = (
    Placement(fill=0.85, dx=0.0, dy=0.02, angle=-8.0, flip=True),
    Placement(fill=0.75, dx=0.05, dy=0.05, angle=-12.0, flip=False),
    Placement(fill=0.9, dx=0.0, dy=0.0, angle=0.0, flip=False),
)


def folded_ear_rabbit() -> PuppetPose:
    """The lesson rabbit with its index finger (one ear) curled down into the fist."""
    pose = POSES["rabbit"]
    hand = pose.hands[0]
    fingers = {**hand.fingers, "index": Finger(-8, 95, 90, 40)}
    return replace(pose, hands=(replace(hand, fingers=fingers),))


def closed_jaw_dog() -> PuppetPose:
    """The lesson dog with its little fingers held against the others: no open jaw."""
    pose = POSES["dog"]
    hands = tuple(replace(h, fingers={**h.fingers, "little": Finger(-10, 0, 4, 4)})
                  for h in pose.hands)
    return replace(pose, hands=hands)


HEADLESS_SWAN = frozenset(f"0.{limb}" for limb in
                          ("palm", "thumb", "index", "middle", "ring", "little"))


def shadow_frame(puppet: str, placement: Placement, seed: int = 0,
                 pose: PuppetPose | None = None, without: frozenset[str] = frozenset(),
                 effects: bool = False, clear_room: bool = True) -> np.ndarray:
    """A BGR camera frame (320x240) of the puppet's shadow on a generated wall.

    The wall, light and colour vary with `seed`. The light is a point (no shadow growth: a big
    near light fattens every finger, a different shape). `clear_room` keeps the shadow dark and
    sharp and the corners lit, so the tests judge the shape feedback rather than the lighting
    step (a faint, blurred shadow in a vignetted room loses pieces in the silhouette: the match
    then falls to 72-84 %, docs/app.md). `effects` adds the generator's camera: tilt, blur,
    noise, JPEG.
    """
    base = reference_sample(puppet)
    sample = PoseSample(pose or base.pose, base.props, placement, puppet)
    mask, labels = pose_mask_and_labels(sample, FRAME, without=without)
    rng = np.random.default_rng([seed, 7])
    scene = replace(sample_scene(rng), spread=0.0)
    if clear_room:
        direction, strength, vignette = scene.gradient
        scene = replace(scene, opacity=max(scene.opacity, 0.85),
                        softness=min(scene.softness, 0.005),
                        gradient=(direction, min(strength, 0.25), min(vignette, 0.35)))
    return photograph(mask, scene, rng, effects=effects, labels=labels).image


def student_silhouette(frame: np.ndarray, spec: PreprocessSpec = DEFAULT_SPEC) -> np.ndarray:
    """What the recognizer hands the shape coach: the contract's silhouette of the frame."""
    return silhouette(frame, spec)

"""An articulated 3D hand-and-forearm model reduced to 2D shapes on the wall.

Shadow puppets are made of real hands, so the generator poses a skeleton (palm, three-jointed
fingers, a thumb, a forearm) in 3D and projects it along the light direction, rather than drawing
animals. Curled fingers then give knuckle bumps, a hand in profile gives a thin edge, and the same
joint angles drive the clean silhouette, the how-to picture and thousands of jittered samples.

Hand-local frame (right hand): +y from the wrist toward the fingers, +x toward the thumb, +z out of
the palm. A left hand mirrors x. Lengths are in palm lengths (wrist to middle knuckle, ~10 cm).
Every part is a sphere-swept segment (a capsule, possibly tapered) or a convex polygon; the
orthographic projection of either is again a capsule or a convex polygon, which OpenCV fills fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

FINGERS = ("index", "middle", "ring", "little")

# Bone lengths (proximal, middle, distal) and knuckle positions in palm lengths, from average
# adult hand proportions; jitter scales them per sample.
_FINGER_BONES = {
    "index": (0.40, 0.24, 0.20),
    "middle": (0.45, 0.28, 0.22),
    "ring": (0.42, 0.27, 0.21),
    "little": (0.33, 0.20, 0.18),
}
_KNUCKLES = {
    "index": (0.30, 0.97),
    "middle": (0.09, 1.00),
    "ring": (-0.12, 0.96),
    "little": (-0.31, 0.88),
}
_THUMB_BASE = np.array([0.30, 0.18, 0.06])
_THUMB_BONES = (0.42, 0.30, 0.26)
# Palm outline in its own plane; the hull of this at +-half thickness is the palm's volume.
_PALM_OUTLINE = np.array(
    [
        [-0.27, 0.0], [0.27, 0.0], [0.40, 0.30], [0.42, 0.55], [0.38, 0.93],
        [0.10, 1.02], [-0.14, 0.98], [-0.36, 0.88], [-0.40, 0.45], [-0.34, 0.12],
    ]
)


@dataclass(frozen=True)
class Finger:
    """Joint angles in degrees: sideways spread, then flexion at the three joints (toward palm)."""

    spread: float = 0.0
    mcp: float = 0.0
    pip: float = 0.0
    dip: float = 0.0


@dataclass(frozen=True)
class Thumb:
    """Thumb direction as azimuth from the fingers toward the thumb side, elevation out of the
    palm, then flexion of its two distal joints toward the palm centre (degrees)."""

    azimuth: float = 40.0
    elevation: float = 25.0
    mcp: float = 0.0
    ip: float = 0.0


@dataclass(frozen=True)
class HandPose:
    """One hand and forearm placed in the puppet frame (wall coordinates, y up, palm lengths).

    `direction` is where the fingers point on the wall (degrees, 0 = right, 90 = up); `roll` turns
    the hand about that axis (0: palm faces the light, 90: little-finger edge toward the light);
    `pitch` tilts the fingers toward the light. `wrist_flex`/`wrist_dev` bend the forearm
    away from the hand's axis (flexion toward the palm side, deviation toward the thumb side).
    `scale` > 1 is a hand held nearer the light, whose shadow is larger.
    """

    wrist: tuple[float, float]
    direction: float
    side: str = "right"
    roll: float = 0.0
    pitch: float = 0.0
    wrist_flex: float = 0.0
    wrist_dev: float = 0.0
    forearm_length: float = 4.0
    scale: float = 1.0
    fingers: dict[str, Finger] = field(default_factory=dict)
    thumb: Thumb = Thumb()

    def finger(self, name: str) -> Finger:
        return self.fingers.get(name, Finger())


@dataclass(frozen=True)
class Proportions:
    """One performer's anatomy and clothes; 1.0 is the average adult hand.

    A child's hand has shorter, relatively thicker fingers and a slimmer forearm; a sleeve or a
    cuff is a wider tube around the forearm that starts `sleeve` palm lengths from the wrist
    (0: bare arm). Real frames show all of these, and a model that saw only one hand learns it.
    """

    scale: float = 1.0
    finger_length: float = 1.0
    finger_width: float = 1.0
    palm_width: float = 1.0
    forearm_width: float = 1.0
    sleeve: float = 0.0
    sleeve_width: float = 1.6


@dataclass(frozen=True)
class Part:
    """One projected limb: a tapered capsule (two centres, two radii) or a convex polygon.

    `depth` is the mean z toward the light, so the how-to drawing can paint far parts first.
    """

    kind: str  # "capsule" | "polygon"
    points: np.ndarray  # (2, 2) capsule centres or (K, 2) polygon, wall coordinates
    radii: tuple[float, float] = (0.0, 0.0)
    depth: float = 0.0
    name: str = ""


def _rot(axis: str, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    if axis == "x":
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])
    if axis == "y":
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _bend(direction: np.ndarray, toward: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate a unit vector by an angle in the plane it spans with `toward`."""
    u = toward - np.dot(toward, direction) * direction
    norm = np.linalg.norm(u)
    if norm < 1e-9:
        return direction
    u /= norm
    a = np.radians(degrees)
    return np.cos(a) * direction + np.sin(a) * u


def _hand_rotation(pose: HandPose) -> np.ndarray:
    # Local +z (palm normal) faces the light at roll 0; the light sits on the viewer's side.
    return _rot("z", pose.direction - 90.0) @ _rot("x", pose.pitch) @ _rot("y", pose.roll)


def _rotate_about(v: np.ndarray, axis: np.ndarray, degrees: float) -> np.ndarray:
    """Rodrigues' rotation of `v` about the unit vector `axis`."""
    a = np.radians(degrees)
    return (v * np.cos(a) + np.cross(axis, v) * np.sin(a)
            + axis * np.dot(axis, v) * (1.0 - np.cos(a)))


def _chain(base, direction, bend_toward, angles, lengths, r0, r1, name):
    """Capsules of one finger: each joint bends the rest of the finger toward the palm.

    All joints of a finger turn about one hinge axis (fixed by the finger's base direction and
    the palm side), as real finger joints do: a finger keeps curling into a fist past 90 degrees
    instead of straightening again, whatever the sum of its joint angles.
    """
    parts, point, d = [], base, direction
    radii = [r0 + (r1 - r0) * i / len(lengths) for i in range(len(lengths) + 1)]
    hinge = np.cross(direction, bend_toward)
    norm = np.linalg.norm(hinge)
    hinge = hinge / norm if norm > 1e-9 else None
    for i, (angle, length) in enumerate(zip(angles, lengths)):
        d = _rotate_about(d, hinge, angle) if hinge is not None else d
        nxt = point + d * length
        parts.append((point, nxt, radii[i], radii[i + 1], f"{name}{i}"))
        point = nxt
    return parts


def hand_parts(pose: HandPose, props: Proportions = Proportions()) -> list[Part]:
    """Project one posed hand with forearm to 2D parts on the wall (x right, y up)."""
    mirror = np.diag([1.0 if pose.side == "right" else -1.0, 1.0, 1.0])
    rot = _hand_rotation(pose) @ mirror
    origin = np.array([pose.wrist[0], pose.wrist[1], 0.0])
    s = props.scale * pose.scale
    fw = 0.1 * props.finger_width
    segments: list[tuple] = []

    for name in FINGERS:
        f = pose.finger(name)
        kx, ky = _KNUCKLES[name]
        base = np.array([kx * props.palm_width, ky, 0.0])
        d0 = _rot("z", f.spread) @ np.array([0.0, 1.0, 0.0])
        lengths = np.array(_FINGER_BONES[name]) * props.finger_length
        width = fw * (0.85 if name == "little" else 1.0)
        segments += _chain(
            base, d0, np.array([0.0, 0.0, 1.0]), (f.mcp, f.pip, f.dip), lengths,
            width * 1.05, width * 0.86, name,
        )

    t = pose.thumb
    d0 = _rot("z", -t.azimuth) @ np.array([0.0, 1.0, 0.0])
    d0 = _bend(d0, np.array([0.0, 0.0, 1.0]), t.elevation)
    toward_palm = np.array([-1.0, 0.3, 0.8])
    lengths = np.array(_THUMB_BONES) * props.finger_length
    base = _THUMB_BASE * np.array([props.palm_width, 1.0, 1.0])
    segments += _chain(base, d0, toward_palm, (0.0, t.mcp, t.ip), lengths, fw * 1.5, fw * 0.95,
                       "thumb")

    # Forearm: from the wrist away from the fingers, bent at the wrist; widens toward the elbow.
    d_arm = _bend(np.array([0.0, -1.0, 0.0]), np.array([0.0, 0.0, 1.0]), pose.wrist_flex)
    d_arm = _bend(d_arm, np.array([1.0, 0.0, 0.0]), pose.wrist_dev)
    aw = 0.3 * props.forearm_width * props.palm_width
    segments.append((np.zeros(3), d_arm * pose.forearm_length, aw, aw * 1.5, "forearm"))
    if 0.0 < props.sleeve < pose.forearm_length:
        start = props.sleeve / pose.forearm_length
        r_start = aw * (1.0 + 0.5 * start) * props.sleeve_width
        segments.append((d_arm * props.sleeve, d_arm * pose.forearm_length * 1.3, r_start,
                         r_start * 1.15, "sleeve"))

    parts: list[Part] = []
    for a, b, ra, rb, name in segments:
        pa = origin + s * (rot @ a)
        pb = origin + s * (rot @ b)
        parts.append(Part("capsule", np.array([pa[:2], pb[:2]]), (s * ra, s * rb),
                          float((pa[2] + pb[2]) / 2), name))

    thick = 0.16
    outline = _PALM_OUTLINE * np.array([props.palm_width, 1.0])
    pts = [np.array([x, y, z]) for x, y in outline for z in (-thick, thick)]
    proj = np.array([origin + s * (rot @ p) for p in pts])
    parts.append(Part("polygon", proj[:, :2], depth=float(proj[:, 2].mean()), name="palm"))
    return parts


_ANGLES = np.linspace(0, 2 * np.pi, 20, endpoint=False)
_CIRCLE = np.stack([np.cos(_ANGLES), np.sin(_ANGLES)], axis=1)


def capsule_outline(a: np.ndarray, b: np.ndarray, ra: float, rb: float) -> np.ndarray:
    """Convex outline of a tapered capsule: two circles joined by their hull."""
    return np.concatenate([a + ra * _CIRCLE, b + rb * _CIRCLE])


def local_point(pose: HandPose, props: Proportions, point: tuple[float, float, float]) -> np.ndarray:
    """Where a point given in the hand's own frame lands on the wall (for eye holes)."""
    mirror = np.diag([1.0 if pose.side == "right" else -1.0, 1.0, 1.0])
    p = _hand_rotation(pose) @ mirror @ np.asarray(point, dtype=float)
    return np.array(pose.wrist) + props.scale * pose.scale * p[:2]

"""The vocabulary of the pose table: hands held together, curled fingers, eye holes, one form.

A pose file (`poses/<puppet>.py`) lists the ways performers make one puppet as `FORMS`, each a
`PuppetPose`. Reading a pose: each hand is placed by its wrist on the wall (palm lengths, y up),
`direction` where its fingers point (0 right, 90 up), `roll` about that axis (0: palm toward the
light, +-90: an edge toward the light, so finger curls show in the shadow). Fingers take
(spread, mcp, pip, dip) in degrees; positive spread leans toward the little finger, positive
flexion curls toward the palm. Thumb takes (azimuth from the fingers, elevation out of the palm,
mcp, ip). Holes are gaps between fingers that read as eyes, in the hand's own frame. Every puppet
is designed facing right; the renderer mirrors half the samples (the other hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..hand import Finger, HandPose, Thumb
from ..parts import validate_parts

# Fingers held together touch along their length, so they lean a little toward the middle one.
TOGETHER = {
    "index": Finger(5, 0, 4, 4),
    "middle": Finger(0, 0, 4, 4),
    "ring": Finger(-5, 0, 4, 4),
    "little": Finger(-10, 0, 4, 4),
}
SPREAD = {
    "index": Finger(-22, 5, 10, 5),
    "middle": Finger(-7, 5, 10, 5),
    "ring": Finger(9, 5, 10, 5),
    "little": Finger(26, 5, 10, 5),
}
CURLED = Finger(0, 88, 100, 65)
HALF_CURLED = Finger(0, 45, 60, 30)
TUCKED_THUMB = Thumb(azimuth=20, elevation=55, mcp=35, ip=30)
FIST = {n: CURLED for n in ("index", "middle", "ring", "little")}


def fingers(**overrides: Finger) -> dict[str, Finger]:
    """Fingers together, except those named."""
    return {**TOGETHER, **overrides}


@dataclass(frozen=True)
class Hole:
    """A gap in the shadow (an eye), on hand `hand` at a point of its own frame."""

    hand: int
    x: float
    y: float
    radius: float
    z: float = 0.0


@dataclass(frozen=True)
class PuppetPose:
    """One way to make a puppet: the hands, how to hold them, and which finger is which part.

    `name` says which form this is ("two-hand profile"), `source` the tutorial, book or photo it
    follows, `weight` how often performers use it relative to the puppet's other forms. `parts`
    maps limbs to animal parts ("0.index": "ears"; see `shadowgen.parts.part_for`). The first form
    of a puppet is the one its lesson teaches, so it needs a `howto`.
    """

    hands: tuple[HandPose, ...]
    howto: str = ""
    holes: tuple[Hole, ...] = ()
    name: str = "main"
    source: str = ""
    parts: dict[str, str] = field(default_factory=dict)
    weight: float = 1.0

    def __post_init__(self) -> None:
        validate_parts(self.parts)
        if not self.hands:
            raise ValueError(f"pose {self.name!r} has no hands")
        for key in self.parts:
            hand = key.partition(".")[0]
            if hand.isdigit() and int(hand) >= len(self.hands):
                raise ValueError(f"pose {self.name!r}: part selector {key!r} names a missing hand")


__all__ = ["CURLED", "FIST", "HALF_CURLED", "SPREAD", "TOGETHER", "TUCKED_THUMB", "Finger",
           "HandPose", "Hole", "PuppetPose", "Thumb", "fingers"]

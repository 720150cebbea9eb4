"""The animal parts a shadow is made of, and which finger makes which.

Every generated image comes with a part map: for each shadow pixel, the part of the animal it
belongs to (ears, beak, antlers, jaw, ...). Shape feedback in the app is built on it: a hint can
only say "lift two fingers for the ears" if it knows which pixels are the ears. Each pose names
its parts by limb (`PuppetPose.parts`); limbs a pose does not name fall back to the defaults here.

Part ids are stored in PNG part maps, so the order of `PARTS` is part of the generator's output
format: append new parts at the end and bump `GENERATOR_VERSION`.
"""

from __future__ import annotations

import re

PARTS: tuple[str, ...] = (
    "wall",      # 0: no shadow
    "arm",       # forearm and sleeve that are not part of the animal
    "head",
    "body",
    "ears",
    "horns",
    "antlers",
    "beak",
    "jaw",
    "snout",
    "trunk",
    "neck",
    "shell",
    "feelers",
    "legs",
    "wings",
    "comb",
    "tusks",
    "hand",      # a hand that makes no puppet ('none' frames)
    "other",     # a shadow that is no hand: the performer's head, shoulder, the other arm
)
PART_ID = {name: i for i, name in enumerate(PARTS)}
WALL, ARM, OTHER = PART_ID["wall"], PART_ID["arm"], PART_ID["other"]

_LIMB = re.compile(r"^([a-z]+)\d*$")


def limb_kind(part_name: str) -> str:
    """'index2' -> 'index', 'forearm' -> 'forearm' (the hand model numbers finger bones)."""
    m = _LIMB.match(part_name)
    return m.group(1) if m else part_name


def part_for(parts: dict[str, str], hand: int, limb: str) -> str:
    """Which animal part limb `limb` of hand `hand` makes.

    `parts` maps selectors to part names: "0.index" (hand 0's index finger), "1.*" (all of hand
    1), "*.thumb" (the thumb of any hand). The most specific selector wins; unnamed forearms and
    sleeves are "arm", everything else "head".
    """
    kind = limb_kind(limb)
    for key in (f"{hand}.{kind}", f"{hand}.*", f"*.{kind}"):
        if key in parts:
            return parts[key]
    return "arm" if kind in ("forearm", "sleeve") else "head"


def validate_parts(parts: dict[str, str]) -> None:
    """Catch a misspelt part in the pose table when it is imported, not in a hint months later."""
    for key, name in parts.items():
        if name not in PART_ID:
            raise ValueError(f"unknown part {name!r} for {key!r}: expected one of {PARTS}")
        hand, _, limb = key.partition(".")
        if not limb or not (hand == "*" or hand.isdigit()):
            raise ValueError(f"part selector {key!r} must look like '0.index', '1.*' or '*.thumb'")

"""How performers make the crab."""

from .common import TUCKED_THUMB, Finger, HandPose, PuppetPose

_NAMES = ("index", "middle", "ring", "little")


def _legs(mcp: float, pip: float, dip: float,
          spread: tuple[float, float, float, float] = (-30, -10, 12, 34)) -> dict[str, Finger]:
    """Four fingers fanned apart and bent at the tips: one side's legs."""
    return {n: Finger(s, mcp, pip, dip) for n, s in zip(_NAMES, spread)}


def _pair(dx: float, direction: float, roll: float, wrist_flex: float,
          legs: dict[str, Finger]) -> tuple[HandPose, HandPose]:
    """Mirror-image hands pointing out to either side, wrists `dx` from the middle."""
    return (
        HandPose(wrist=(dx, 0.0), direction=direction, side="right", roll=roll,
                 wrist_flex=wrist_flex, forearm_length=3.0, fingers=legs, thumb=TUCKED_THUMB),
        HandPose(wrist=(-dx, 0.0), direction=180 - direction, side="left", roll=-roll,
                 wrist_flex=wrist_flex, forearm_length=3.0, fingers=legs, thumb=TUCKED_THUMB),
    )


_PARTS = {
    "*.index": "legs",
    "*.middle": "legs",
    "*.ring": "legs",
    "*.little": "legs",
    "*.thumb": "body",
    "*.palm": "body",
}

FORMS = (
    PuppetPose(
        name="two hands side by side",
        source="puppet-forms.md (crab); real photo",
        hands=_pair(0.35, 12, 28, 72, _legs(5, 35, 40)),
        howto="Hold both hands side by side, backs toward the light, thumbs tucked in: that is "
        "the body. Point the fingers out to the sides, spread them and bend the tips down as "
        "the legs. Keep the elbows low.",
        parts=_PARTS,
        weight=1.5,
    ),
    PuppetPose(
        name="wrists crossed",
        source="puppet-forms.md (crab)",
        hands=_pair(0.5, 5, 35, 45, _legs(5, 40, 35, (-24, -6, 12, 30))),
        parts=_PARTS,
        weight=1.0,
    ),
    PuppetPose(
        name="hands tilted, short curled legs",
        source="puppet-forms.md (crab)",
        hands=_pair(0.3, -5, 40, 80, _legs(15, 55, 45)),
        parts=_PARTS,
        weight=0.8,
    ),
)

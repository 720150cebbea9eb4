"""How performers make the snail."""

from .common import CURLED, FIST, TUCKED_THUMB, Finger, HandPose, PuppetPose, Thumb, fingers

# The flat hand is the snail's foot and head: fingers forward, gently bent down.
_FOOT = Finger(0, 15, 15, 5)


def _shell(wrist: tuple[float, float], direction: float, roll: float,
           scale: float = 1.15) -> HandPose:
    """A fist, knuckles up, resting on the other hand as the shell."""
    return HandPose(wrist=wrist, direction=direction, side="left", roll=roll, scale=scale,
                    forearm_length=3.0, fingers=FIST, thumb=TUCKED_THUMB)


FORMS = (
    PuppetPose(
        name="flat hand, index feeler, fist shell",
        source="5-Minute Crafts, part 2; puppet-forms.md (snail)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=15, side="right", roll=70, wrist_flex=30,
                     forearm_length=3.0,
                     fingers=fingers(index=Finger(-10, -20, 0, 0), middle=_FOOT, ring=_FOOT,
                                     little=_FOOT),
                     thumb=Thumb(azimuth=15, elevation=0, mcp=0, ip=0)),
            _shell((-0.45, -0.25), direction=80, roll=30),
        ),
        howto="Lay one hand flat, palm down, and lift the index finger: that is the snail's "
        "head with its feeler. Make a fist with the other hand and rest it on the back of the "
        "flat hand, near the wrist: the round shell.",
        parts={
            "0.*": "body", "0.index": "feelers", "0.forearm": "arm",
            "1.*": "shell", "1.forearm": "arm",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="fist shell, V of two fingers as feelers",
        source="puppet-forms.md (snail variant); real photo",
        hands=(
            HandPose(wrist=(0.2, -0.9), direction=75, side="right", roll=30, scale=0.85,
                     forearm_length=3.0,
                     fingers=fingers(index=Finger(-15, 5, 10, 5), middle=Finger(15, 5, 10, 5),
                                     ring=CURLED, little=CURLED),
                     thumb=TUCKED_THUMB),
            _shell((-1.1, -0.8), direction=40, roll=30, scale=1.25),
        ),
        parts={
            "0.*": "body", "0.index": "feelers", "0.middle": "feelers", "0.forearm": "arm",
            "1.*": "shell", "1.forearm": "arm",
        },
    ),
    PuppetPose(
        name="flat hand, thumb and index as feelers, fist shell",
        source="variant implied by puppet-forms.md (flat-hand body with two feelers)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=0, side="left", roll=15, wrist_flex=20,
                     forearm_length=3.0,
                     fingers=fingers(index=Finger(-20, 0, 5, 0), middle=_FOOT, ring=_FOOT,
                                     little=_FOOT),
                     thumb=Thumb(azimuth=60, elevation=5, mcp=0, ip=10)),
            _shell((-1.0, 0.0), direction=70, roll=20, scale=1.2),
        ),
        parts={
            "0.*": "body", "0.index": "feelers", "0.thumb": "feelers", "0.forearm": "arm",
            "1.*": "shell", "1.forearm": "arm",
        },
        weight=0.7,
    ),
)

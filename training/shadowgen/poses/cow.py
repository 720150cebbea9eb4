"""How performers make the cow."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="one hand, thumb and index as horns",
        source="puppet-forms.md (cow, thumb and index)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-5, side="left", roll=-30, wrist_dev=-40,
                     fingers=fingers(index=Finger(-55, 10, 60, 20), middle=Finger(0, 60, 80, 40),
                                     ring=Finger(-5, 60, 80, 40), little=Finger(-10, 60, 80, 40)),
                     thumb=Thumb(azimuth=100, elevation=0, mcp=-5, ip=0)),
        ),
        howto="Point the hand forward, back of the hand up, and curl the middle, ring and "
        "little fingers: the muzzle. Raise the thumb as one horn and lift the index finger, "
        "bent at the tip, as the other.",
        parts={"0.index": "horns", "0.thumb": "horns", "0.middle": "snout", "0.ring": "snout", "0.little": "snout"},
    ),
    PuppetPose(
        name="palm up, thumb and little finger as horns",
        source="puppet-forms.md (palm-up variant)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-20, side="right", roll=-60,
                     wrist_flex=-40,
                     fingers=fingers(index=Finger(5, 5, 70, 40),
                                     middle=Finger(0, 5, 70, 40),
                                     ring=Finger(-5, 5, 70, 40),
                                     little=Finger(0, 90, 10, 0)),
                     thumb=Thumb(azimuth=10, elevation=80, mcp=-5, ip=10)),
        ),
        parts={"0.thumb": "horns", "0.little": "horns", "0.index": "snout", "0.middle": "snout", "0.ring": "snout"},
    ),
)

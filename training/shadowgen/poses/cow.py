"""How performers make the cow."""

from .common import CURLED, TUCKED_THUMB, Finger, HandPose, PuppetPose, Thumb, fingers

# Middle, ring and little fingers loosely curled: the round, knobbly muzzle.
_MUZZLE = Finger(0, 45, 85, 45)

FORMS = (
    PuppetPose(
        name="one hand, thumb and index as horns",
        source="puppet-forms.md (cow, thumb and index)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-5, side="left", roll=-55, wrist_dev=-40,
                     forearm_length=3.5,
                     fingers=fingers(index=Finger(-10, 85, 45, 20), middle=_MUZZLE,
                                     ring=Finger(-5, 45, 85, 45), little=Finger(-10, 45, 85, 45)),
                     thumb=Thumb(azimuth=100, elevation=0, mcp=-5, ip=0)),
        ),
        howto="Point the hand forward, palm turned up, and curl the middle, ring and little "
        "fingers loosely: the muzzle. Raise the thumb as one horn and lift the index finger, "
        "bent at the tip, as the other.",
        parts={
            "0.index": "horns", "0.thumb": "horns",
            "0.middle": "snout", "0.ring": "snout", "0.little": "snout",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="front view, index and little finger as horns",
        source="puppet-forms.md (cow, index and little finger)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=90, side="right", roll=10, forearm_length=3.5,
                     fingers=fingers(index=Finger(-20, 0, 25, 15), middle=CURLED, ring=CURLED,
                                     little=Finger(28, 0, 25, 15)),
                     thumb=TUCKED_THUMB),
        ),
        parts={
            "0.index": "horns", "0.little": "horns",
            "0.middle": "snout", "0.ring": "snout", "0.thumb": "snout", "0.forearm": "neck",
        },
    ),
    PuppetPose(
        name="palm up, thumb and little finger as horns",
        source="puppet-forms.md (palm-up variant)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-20, side="right", roll=-60,
                     wrist_flex=-40, forearm_length=3.5,
                     fingers=fingers(index=Finger(5, 5, 70, 40),
                                     middle=Finger(0, 5, 70, 40),
                                     ring=Finger(-5, 5, 70, 40),
                                     little=Finger(0, 90, 10, 0)),
                     thumb=Thumb(azimuth=10, elevation=80, mcp=-5, ip=10)),
        ),
        parts={
            "0.thumb": "horns", "0.little": "horns",
            "0.index": "snout", "0.middle": "snout", "0.ring": "snout",
        },
        weight=0.8,
    ),
    PuppetPose(
        name="one hand, thumb hooked forward and index upright as horns",
        source="the real cow photo (../shared/real-shadows); puppet-forms.md (cow, thumb and index)",
        # The real cow's horns: the thumb's tip hooks forward, the index stands nearly
        # straight, the curled fingers in front of it are the knobbly muzzle. With form 1's
        # straight thumb alone, that photo sat nearer the upright dog (generator 3.7.0).
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-15, side="left", roll=-75, wrist_dev=-45,
                     forearm_length=3.5,
                     fingers=fingers(index=Finger(-10, 80, 10, 0), middle=Finger(0, 60, 80, 40),
                                     ring=Finger(-5, 60, 80, 40), little=Finger(-10, 60, 80, 40)),
                     thumb=Thumb(azimuth=100, elevation=0, mcp=10, ip=55)),
        ),
        parts={
            "0.index": "horns", "0.thumb": "horns",
            "0.middle": "snout", "0.ring": "snout", "0.little": "snout",
        },
        weight=1.0,
    ),
)

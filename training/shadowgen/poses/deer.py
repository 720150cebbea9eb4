"""How performers make the deer."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

# One hand in profile, fingers together, thumb tucked: the head of the two-hand forms.
_PROFILE_HEAD = HandPose(wrist=(0.0, 0.0), direction=-10, side="left", roll=35, wrist_flex=40,
                         wrist_dev=-25, forearm_length=3.0,
                         fingers=fingers(index=Finger(12, 5, 10, 10), little=Finger(-20, 5, 10, 10)),
                         thumb=Thumb(azimuth=50, elevation=20, mcp=40, ip=40))
_TWO_HAND_PARTS = {
    "0.*": "head",
    "0.forearm": "neck",
    "1.*": "antlers",
    "1.palm": "head",
    "1.forearm": "arm",
}

FORMS = (
    PuppetPose(
        name="two hands, profile head and spread hand as antlers",
        source="5-Minute Crafts; puppet-forms.md (deer, two hands)",
        hands=(
            _PROFILE_HEAD,
            HandPose(wrist=(-0.1, 0.3), direction=95, side="left", roll=25, wrist_dev=25,
                     forearm_length=3.0,
                     fingers={"index": Finger(-35, 5, 20, 10), "middle": Finger(-12, 5, 20, 10),
                              "ring": Finger(12, 5, 20, 10), "little": Finger(35, 5, 20, 10)},
                     thumb=Thumb(azimuth=35, elevation=5, mcp=5, ip=10)),
        ),
        howto="Point one hand forward, fingers together and thumb tucked in: the deer's head. "
        "Stand the other hand up behind it with all fingers spread wide: the antlers.",
        parts=_TWO_HAND_PARTS,
        weight=1.5,
    ),
    PuppetPose(
        name="one hand, fingers spread as antlers",
        source="puppet-forms.md (deer, one hand)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=105, side="right", roll=25, wrist_dev=-25,
                     fingers={"index": Finger(-25, 10, 20, 10), "middle": Finger(-8, 10, 20, 10),
                              "ring": Finger(10, 10, 20, 10), "little": Finger(30, 10, 20, 10)},
                     thumb=Thumb(azimuth=110, elevation=5, mcp=-5, ip=5)),
        ),
        parts={
            "0.*": "antlers",
            "0.palm": "head",
            "0.thumb": "snout",
            "0.forearm": "neck",
        },
        weight=1.0,
    ),
    PuppetPose(
        name="two hands, two-finger snout, antlers spread straight up",
        source="variant of the 5-Minute Crafts two-hand deer (puppet-forms.md)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-15, side="left", roll=40, wrist_flex=50,
                     wrist_dev=-20, forearm_length=3.0,
                     fingers=fingers(index=Finger(8, 0, 5, 5), middle=Finger(0, 0, 5, 5),
                                     ring=Finger(-5, 45, 60, 30), little=Finger(-10, 50, 60, 30)),
                     thumb=Thumb(azimuth=60, elevation=25, mcp=10, ip=20)),
            HandPose(wrist=(-0.3, 0.3), direction=100, side="left", roll=20, wrist_dev=20,
                     forearm_length=3.0,
                     fingers={"index": Finger(-32, 5, 15, 10), "middle": Finger(-12, 5, 10, 10),
                              "ring": Finger(12, 5, 10, 10), "little": Finger(32, 5, 15, 10)},
                     thumb=Thumb(azimuth=40, elevation=5, mcp=5, ip=20)),
        ),
        parts={
            "0.*": "head",
            "0.index": "snout",
            "0.middle": "snout",
            "0.thumb": "ears",
            "0.forearm": "neck",
            "1.*": "antlers",
            "1.palm": "head",
            "1.forearm": "arm",
        },
        weight=0.7,
    ),
    PuppetPose(
        name="two hands, antler hand upright with straight fingers spread tall",
        source="5-Minute Crafts; puppet-forms.md (deer, two hands)",
        hands=(
            _PROFILE_HEAD,
            HandPose(wrist=(-0.2, 0.35), direction=95, side="left", roll=20, wrist_dev=15,
                     forearm_length=3.0,
                     fingers={"index": Finger(-30, 0, 5, 5), "middle": Finger(-10, 0, 5, 5),
                              "ring": Finger(10, 0, 5, 5), "little": Finger(30, 0, 5, 5)},
                     thumb=Thumb(azimuth=45, elevation=5, mcp=0, ip=5)),
        ),
        parts=_TWO_HAND_PARTS,
        weight=1.2,
    ),
)

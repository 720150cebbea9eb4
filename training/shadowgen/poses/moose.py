"""How performers make the moose."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="two hands, cupped palm-up hand as antlers",
        source="puppet-forms.md (moose); real photo",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-25, side="right", roll=40, wrist_flex=65,
                     wrist_dev=25, forearm_length=3.0, scale=1.1,
                     fingers=fingers(index=Finger(5, 5, 10, 10), middle=Finger(0, 5, 10, 10),
                                     ring=Finger(-5, 5, 10, 10), little=Finger(-10, 5, 10, 10)),
                     thumb=Thumb(azimuth=20, elevation=10, mcp=0, ip=10)),
            HandPose(wrist=(-0.3, 0.35), direction=15, side="right", roll=-35, wrist_flex=-45,
                     forearm_length=3.0, scale=1.1,
                     fingers={"index": Finger(-35, 20, 35, 20), "middle": Finger(-12, 20, 35, 20),
                              "ring": Finger(14, 20, 35, 20), "little": Finger(40, 20, 35, 20)},
                     thumb=Thumb(azimuth=60, elevation=60, mcp=0, ip=10)),
        ),
        howto="Point one hand forward and a little down: the moose's long, heavy head. Lay the "
        "other hand above it, palm up, fingers spread wide and curved up like a bowl: the big "
        "flat antlers. Lift that thumb too.",
        parts={
            "0.*": "head",
            "0.thumb": "jaw",
            "0.forearm": "neck",
            "1.*": "antlers",
            "1.forearm": "arm",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="two hands, antler hand tilted toward the snout, fingers spread wide and hooked",
        source="puppet-forms.md (moose, fingers spread flat and wide); real photo",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-25, side="right", roll=40, wrist_flex=65,
                     wrist_dev=25, forearm_length=3.0, scale=1.1,
                     fingers=fingers(little=Finger(-5, 40, 20, 10)),
                     thumb=Thumb(azimuth=20, elevation=10, mcp=0, ip=10)),
            HandPose(wrist=(-0.45, 0.3), direction=40, side="right", roll=-30,
                     forearm_length=3.0, scale=1.1,
                     fingers={"index": Finger(-45, 15, 60, 40), "middle": Finger(-15, 15, 60, 40),
                              "ring": Finger(15, 15, 60, 40), "little": Finger(45, 15, 60, 40)},
                     thumb=Thumb(azimuth=60, elevation=30, mcp=0, ip=20)),
        ),
        parts={
            "0.*": "head",
            "0.thumb": "jaw",
            "0.forearm": "neck",
            "1.*": "antlers",
            "1.forearm": "arm",
        },
        weight=1.0,
    ),
    PuppetPose(
        name="two hands, open mouth, antlers raised",
        source="variant of the two-hand moose (puppet-forms.md)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-20, side="right", roll=40, wrist_flex=65,
                     wrist_dev=25, forearm_length=3.0, scale=1.1,
                     fingers=fingers(ring=Finger(-5, 35, 10, 5), little=Finger(-10, 35, 10, 5)),
                     thumb=Thumb(azimuth=25, elevation=10, mcp=10, ip=10)),
            HandPose(wrist=(-0.3, 0.35), direction=30, side="right", roll=-40, wrist_flex=-40,
                     forearm_length=3.0, scale=1.1,
                     fingers={"index": Finger(-35, 25, 55, 35), "middle": Finger(-12, 25, 55, 35),
                              "ring": Finger(14, 25, 55, 35), "little": Finger(40, 25, 55, 35)},
                     thumb=Thumb(azimuth=60, elevation=50, mcp=0, ip=10)),
        ),
        parts={
            "0.*": "head",
            "0.ring": "jaw",
            "0.little": "jaw",
            "0.forearm": "neck",
            "1.*": "antlers",
            "1.forearm": "arm",
        },
        weight=0.7,
    ),
)

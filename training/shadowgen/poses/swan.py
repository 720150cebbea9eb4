"""How performers make the swan."""

from dataclasses import replace

from .common import SPREAD, Finger, HandPose, PuppetPose, Thumb

# The head: the hand bent forward and down at the wrist, in profile, the fingers curled and the
# thumb on their tips as the beak.
_HEAD = HandPose(
    wrist=(0.0, 0.0), direction=0, side="right", roll=70, wrist_flex=88, forearm_length=3.2,
    fingers={"index": Finger(5, 55, 55, 25), "middle": Finger(0, 55, 55, 25),
             "ring": Finger(-5, 55, 55, 25), "little": Finger(-10, 55, 55, 25)},
    thumb=Thumb(azimuth=8, elevation=35, mcp=10, ip=10),
)

FORMS = (
    PuppetPose(
        name="forearm neck, other hand as the wing",
        source="puppet-forms.md (swan)",
        hands=(
            _HEAD,
            HandPose(wrist=(0.3, -3.0), direction=140, side="left", roll=-15, scale=1.1,
                     forearm_length=2.0,
                     fingers={"index": Finger(-6, -10, 5, 5), "middle": Finger(-2, -10, 5, 5),
                              "ring": Finger(3, -10, 5, 5), "little": Finger(8, -10, 5, 5)},
                     thumb=Thumb(azimuth=15, elevation=5)),
        ),
        howto="Push your sleeve up and hold the forearm upright: it is the long neck. Bend the "
        "hand forward and down at the wrist as the head, and touch the thumb to the tips of the "
        "curled fingers for the beak. Lay the other hand at the bottom of the neck, fingers "
        "pointing back, as the wing.",
        parts={
            "0.forearm": "neck",
            "0.thumb": "beak",
            "0.index": "beak",
            "0.middle": "beak",
            "1.*": "wings",
            "1.forearm": "arm",
        },
        weight=1.6,
    ),
    PuppetPose(
        name="fingers spread as tail feathers",
        source="variant seen in real photos",
        hands=(
            _HEAD,
            HandPose(wrist=(0.4, -3.1), direction=125, side="left", roll=0, scale=1.1,
                     forearm_length=2.0, fingers=SPREAD, thumb=Thumb(azimuth=30, elevation=10)),
        ),
        parts={
            "0.forearm": "neck",
            "0.thumb": "beak",
            "0.index": "beak",
            "0.middle": "beak",
            "1.*": "wings",
            "1.forearm": "arm",
        },
        weight=1.0,
    ),
    PuppetPose(
        name="wing raised behind the neck",
        source="puppet-forms.md (swan); variant seen in real photos",
        hands=(
            replace(_HEAD, direction=-12, roll=75),
            HandPose(wrist=(-0.9, -2.9), direction=120, side="left", roll=-10, scale=1.05,
                     forearm_length=2.0,
                     fingers={"index": Finger(-14, 10, 15, 5), "middle": Finger(-5, 10, 15, 5),
                              "ring": Finger(4, 10, 15, 5), "little": Finger(12, 10, 15, 5)},
                     thumb=Thumb(azimuth=30, elevation=10)),
        ),
        parts={
            "0.forearm": "neck",
            "0.thumb": "beak",
            "0.index": "beak",
            "0.middle": "beak",
            "1.*": "wings",
            "1.forearm": "arm",
        },
        weight=0.8,
    ),
)

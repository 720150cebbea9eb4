"""How performers make the elephant."""

from .common import HALF_CURLED, TUCKED_THUMB, Finger, HandPose, Hole, PuppetPose, Thumb

# Middle and ring fingers held together and bent down at the knuckles: a thick trunk.
_TRUNK = {"middle": Finger(-2, 50, 15, 25), "ring": Finger(-6, 50, 15, 25)}
_TUSKS = {"index": Finger(5, 80, 40, 10), "little": Finger(-10, 85, 40, 10)}

# The hand from above, palm down: the back of the hand is the head, the fingers hang.
_HEAD = HandPose(wrist=(0.0, 0.0), direction=-20, side="right", roll=65, forearm_length=3.5,
                 fingers={**_TUSKS, **_TRUNK}, thumb=Thumb(azimuth=10, elevation=0, mcp=10, ip=10))


FORMS = (
    PuppetPose(
        name="one hand from above, middle and ring fingers as the trunk",
        source="puppet-forms.md (elephant)",
        hands=(_HEAD,),
        howto="Bring the hand in from above, palm down: the back of the hand is the head. Let "
        "the middle and ring fingers hang down together as the trunk, and bend the index and "
        "little fingers a little as the tusks.",
        parts={
            "0.middle": "trunk", "0.ring": "trunk",
            "0.index": "tusks", "0.little": "tusks",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="two hands, curled hand on top as the ear, eye between thumb and index",
        source="puppet-forms.md (elephant, two hands)",
        hands=(
            _HEAD,
            HandPose(wrist=(-0.6, 0.35), direction=-10, side="right", roll=80,
                     forearm_length=3.5,
                     fingers={n: HALF_CURLED for n in ("index", "middle", "ring", "little")},
                     thumb=Thumb(azimuth=30, elevation=45, mcp=10, ip=10)),
        ),
        holes=(Hole(hand=1, x=0.25, y=0.75, radius=0.07, z=0.3),),
        parts={
            "0.middle": "trunk", "0.ring": "trunk",
            "0.index": "tusks", "0.little": "tusks",
            "1.*": "ears", "1.thumb": "head", "1.forearm": "arm",
        },
    ),
    PuppetPose(
        name="one hand from above, middle finger as a raised trunk",
        source="variant seen in real photos",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-25, side="right", roll=60, wrist_dev=15,
                     forearm_length=3.5,
                     fingers={"index": Finger(-5, 80, 10, 10), "middle": Finger(0, 5, 10, 15),
                              "ring": Finger(5, 80, 10, 10), "little": Finger(10, 85, 30, 10)},
                     thumb=Thumb(azimuth=75, elevation=5)),
        ),
        parts={
            "0.middle": "trunk", "0.index": "tusks", "0.ring": "tusks",
            "0.little": "legs", "0.thumb": "legs",
        },
        weight=0.8,
    ),
    PuppetPose(
        name="hand from above, index and middle fingers straight out as a long level trunk",
        source="puppet-forms.md (elephant); variant seen in real photos",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-10, side="right", roll=60, wrist_dev=-35,
                     forearm_length=3.5,
                     fingers={"index": Finger(0, -10, 5, 5), "middle": Finger(0, -10, 5, 5),
                              "ring": Finger(5, 75, 20, 10), "little": Finger(10, 85, 60, 20)},
                     thumb=Thumb(azimuth=10, elevation=5, mcp=10, ip=10)),
        ),
        parts={
            "0.index": "trunk", "0.middle": "trunk",
            "0.ring": "tusks", "0.little": "legs", "0.thumb": "legs",
        },
        weight=1.2,
    ),
    PuppetPose(
        name="hand hanging from the wrist, index straight out as a level tusk, two fingers as "
        "the trunk",
        source="the real elephant photo (../shared/real-shadows)",
        # The back of the hand faces the light, so the index's sideways reach shows whole: a long
        # level tusk at the foot of a thick, straight-hanging trunk. Every earlier elephant hung
        # fingers from a level hand, whose outline is a generated dog's snout and open jaw.
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-80, side="right", roll=180, wrist_dev=-60,
                     forearm_length=3.5,
                     fingers={"index": Finger(-80, -5, 5, 5), "middle": Finger(0, 10, 5, 5),
                              "ring": Finger(-6, 12, 5, 5), "little": Finger(10, 90, 70, 20)},
                     thumb=TUCKED_THUMB),
        ),
        parts={
            "0.middle": "trunk", "0.ring": "trunk",
            "0.index": "tusks", "0.little": "legs", "0.thumb": "head",
        },
        weight=1.2,
    ),
)

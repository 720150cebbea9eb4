"""How performers make the rabbit."""

from .common import CURLED, TUCKED_THUMB, Finger, HandPose, Hole, PuppetPose, Thumb, fingers

# A curled finger that rounds the face or hangs as a paw; the thumb pressed to the bent index.
_CHEEK = Finger(5, 75, 90, 40)
_PAW = Finger(0, 40, 60, 30)
_THUMB_TO_INDEX = Thumb(azimuth=5, elevation=45, mcp=20, ip=10)

FORMS = (
    PuppetPose(
        name="one hand, loose fist, V of two fingers as ears",
        source="children's tutorials; puppet-forms.md (rabbit, one hand)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=95, side="right", roll=60, wrist_flex=-45,
                     forearm_length=3.0,
                     fingers=fingers(index=Finger(-8, -20, 10, 5), middle=Finger(8, 15, 12, 5),
                                     ring=Finger(0, 70, 90, 40), little=Finger(0, 70, 90, 40)),
                     thumb=Thumb(azimuth=15, elevation=40, mcp=30, ip=30)),
        ),
        howto="Make a loose fist and raise the index and middle fingers in a V: they are the "
        "long ears, and the fist is the round head. Rest the thumb on the curled fingers, "
        "leaving a little gap for the eye.",
        holes=(Hole(hand=0, x=0.2, y=0.8, radius=0.055, z=0.25),),
        parts={"0.index": "ears", "0.middle": "ears"},
        weight=1.2,
    ),
    PuppetPose(
        name="two hands, ears on a head over the body and paws",
        source="Bursill, Hand Shadows (1859); puppet-forms.md (rabbit, two hands)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=100, side="right", roll=65, wrist_flex=-50,
                     forearm_length=2.6, scale=1.1,
                     fingers=fingers(index=Finger(-5, 80, 70, 30), middle=Finger(0, -20, 10, 5),
                                     ring=Finger(5, 25, 10, 5), little=_CHEEK),
                     thumb=_THUMB_TO_INDEX),
            HandPose(wrist=(-0.9, -0.1), direction=10, side="right", roll=40, wrist_flex=50,
                     forearm_length=2.6, scale=1.15,
                     fingers=fingers(index=_PAW, middle=Finger(5, 45, 60, 30), ring=CURLED,
                                     little=CURLED),
                     thumb=Thumb(azimuth=50, elevation=0, mcp=0, ip=0)),
        ),
        holes=(Hole(hand=0, x=0.15, y=0.75, radius=0.055, z=0.3),),
        parts={
            "0.middle": "ears", "0.ring": "ears", "0.forearm": "body",
            "1.*": "body", "1.index": "legs", "1.middle": "legs", "1.thumb": "legs",
            "1.forearm": "arm",
        },
        weight=1.2,
    ),
    PuppetPose(
        name="ears laid back, forearm toward the light, body below",
        source="variant seen in real photos",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=160, side="right", pitch=-20, wrist_flex=70,
                     forearm_length=2.6,
                     fingers=fingers(index=Finger(-10, 0, 10, 5), middle=Finger(8, 5, 15, 5),
                                     ring=CURLED, little=CURLED),
                     thumb=TUCKED_THUMB),
            HandPose(wrist=(-0.9, -0.8), direction=10, side="right", roll=40, wrist_flex=50,
                     forearm_length=2.6, scale=1.15,
                     fingers=fingers(index=_PAW, middle=Finger(5, 45, 60, 30), ring=CURLED,
                                     little=CURLED),
                     thumb=Thumb(azimuth=50, elevation=0, mcp=0, ip=0)),
        ),
        holes=(Hole(hand=0, x=0.0, y=0.25, radius=0.06),),
        parts={
            "0.index": "ears", "0.middle": "ears", "0.forearm": "head",
            "1.*": "body", "1.index": "legs", "1.middle": "legs", "1.thumb": "legs",
            "1.forearm": "arm",
        },
        weight=0.8,
    ),
)

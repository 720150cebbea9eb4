"""How performers make the swan."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="forearm neck, hand bent as the head",
        source="puppet-forms.md (swan)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-40, side="right", roll=-40, wrist_flex=-120,
                     forearm_length=5.0,
                     fingers={"index": Finger(5, 15, 15, 5), "middle": Finger(0, 15, 15, 5),
                              "ring": Finger(-5, 15, 15, 5), "little": Finger(-10, 15, 15, 5)},
                     thumb=Thumb(azimuth=5, elevation=10, mcp=0, ip=0)),
            HandPose(wrist=(-0.2, -2.0), direction=160, side="left", wrist_dev=60,
                     fingers=fingers(index=Finger(0, 10, 10, 5), middle=Finger(0, 10, 10, 5)),
                     thumb=Thumb(azimuth=40, elevation=10)),
        ),
        howto="Raise the forearm as the neck and bend the hand forward and down at the "
        "wrist, fingers pinched together as the head and beak. The other hand, low and "
        "behind, is the wing.",
        parts={"0.forearm": "neck", "0.thumb": "beak", "0.index": "beak", "1.*": "wings", "1.forearm": "arm"},
    ),
)

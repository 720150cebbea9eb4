"""How performers make the panther."""

from .common import Finger, HandPose, Hole, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="two hands stacked, lower hand the jaw",
        source="puppet-forms.md (panther)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-12, side="left", wrist_dev=-15,
                     fingers=fingers(), thumb=Thumb(azimuth=15, elevation=10, mcp=10)),
            HandPose(wrist=(0.05, -0.35), direction=-30, side="right", roll=-50, wrist_dev=25,
                     fingers=fingers(index=Finger(5, 0, 35, 35), middle=Finger(0, 0, 35, 35),
                                     ring=Finger(-5, 0, 35, 35), little=Finger(-10, 0, 35, 35)),
                     thumb=Thumb(azimuth=20, elevation=40, mcp=20)),
        ),
        howto="Stack both hands pointing forward: the top hand is the head, the lower hand "
        "the jaw. Open the jaw wide; a gap between the top fingers makes the eyes.",
        holes=(Hole(hand=0, x=0.1, y=0.7, radius=0.06), Hole(hand=0, x=-0.1, y=0.45,
        radius=0.05)),
        parts={"1.*": "jaw", "1.forearm": "arm", "0.thumb": "ears"},
    ),
)

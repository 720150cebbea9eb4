"""How performers make the elephant."""

from .common import Finger, HandPose, PuppetPose, Thumb

FORMS = (
    PuppetPose(
        name="one hand from above, middle finger trunk",
        source="puppet-forms.md (elephant)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-25, side="right", roll=60, wrist_dev=15,
                     fingers={"index": Finger(-5, 80, 10, 10), "middle": Finger(0, 5, 10, 15),
                              "ring": Finger(5, 80, 10, 10), "little": Finger(10, 85, 30, 10)},
                     thumb=Thumb(azimuth=75, elevation=5)),
        ),
        howto="Bring the hand in from above, edge toward the light, back of the hand as the "
        "head. Stretch the middle finger forward as the trunk; bend the index and ring fingers "
        "down as the tusks and let the thumb hang as a leg.",
        parts={"0.middle": "trunk", "0.index": "tusks", "0.ring": "tusks", "0.thumb": "legs"},
    ),
)

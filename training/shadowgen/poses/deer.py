"""How performers make the deer."""

from .common import Finger, HandPose, PuppetPose, Thumb

FORMS = (
    PuppetPose(
        name="one hand, fingers spread as antlers",
        source="puppet-forms.md (deer, one hand)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=95, side="right", roll=25, wrist_dev=-15,
                     fingers={"index": Finger(-22, 5, 25, 15), "middle": Finger(-7, 5, 25, 15),
                              "ring": Finger(9, 5, 25, 15), "little": Finger(26, 5, 25, 15)},
                     thumb=Thumb(azimuth=105, elevation=0, mcp=-5)),
        ),
        howto="Raise one hand with the fingers spread wide as the antlers. Stick the thumb "
        "straight out forward as the head and nose.",
        parts={"0.index": "antlers", "0.middle": "antlers", "0.ring": "antlers", "0.little": "antlers", "0.thumb": "snout"},
    ),
)

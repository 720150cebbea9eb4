"""How performers make the moose."""

from .common import TUCKED_THUMB, Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="two hands, spread hand on top as antlers",
        source="puppet-forms.md (moose)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-10, side="left", wrist_dev=-30,
                     fingers=fingers(), thumb=TUCKED_THUMB),
            HandPose(wrist=(-0.15, 0.25), direction=80, side="right", roll=35, wrist_dev=-20,
                     fingers={"index": Finger(-30, 20, 30, 15), "middle": Finger(-10, 20, 30, 15),
                              "ring": Finger(10, 20, 30, 15), "little": Finger(32, 20, 30, 15)},
                     thumb=Thumb(azimuth=95, elevation=0)),
        ),
        howto="One hand flat, pointing forward, is the long head. Set the other hand on top, "
        "fingers spread wide and curved, as the antlers.",
        parts={"0.index": "snout", "0.middle": "snout", "0.ring": "snout", "0.little": "snout", "1.*": "antlers", "1.palm": "head"},
    ),
)

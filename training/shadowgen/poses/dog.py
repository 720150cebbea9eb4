"""How performers make the dog."""

from .common import Finger, HandPose, Hole, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="one hand profile, thumb ear, little-finger jaw",
        source="puppet-forms.md (dog, one-hand variant)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-5, side="left", wrist_dev=-55,
                     fingers=fingers(little=Finger(32, 10, 10, 5)),
                     thumb=Thumb(azimuth=110, elevation=0, mcp=-15, ip=-5)),
        ),
        howto="Hand in profile, fingers together pointing forward: that is the snout. Put the "
        "thumb up as the ear and drop the little finger as the jaw; open and close it to bark.",
        holes=(Hole(hand=0, x=0.18, y=0.78, radius=0.055),),
        parts={"0.thumb": "ears", "0.little": "jaw", "0.index": "snout", "0.middle": "snout", "0.ring": "snout"},
    ),
)

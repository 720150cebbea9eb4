"""How performers make the horse."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="two hands stacked, thumbs as ears",
        source="howcast; puppet-forms.md (horse)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-40, side="left", roll=-45, wrist_dev=-105,
                     fingers=fingers(index=Finger(8, 25, 35, 10), middle=Finger(2, 25, 35, 10),
                                     ring=Finger(-4, 25, 35, 10), little=Finger(-10, 25, 35, 10)),
                     thumb=Thumb(azimuth=120, elevation=65, mcp=40, ip=45)),
            HandPose(wrist=(-0.12, -0.2), direction=-50, side="left", roll=-45, wrist_dev=-105,
                     fingers=fingers(index=Finger(8, 25, 35, 10), middle=Finger(2, 25, 35, 10),
                                     ring=Finger(-4, 25, 35, 10), little=Finger(-10, 25, 35, 10)),
                     thumb=Thumb(azimuth=120, elevation=65, mcp=40, ip=45)),
        ),
        howto="Lay one hand on the other, both pointing forward and a little down, fingers "
        "gently bent: the long head. The thumbs, raised a little, are the ears; part the lower "
        "fingers for the mouth. The forearms make the neck.",
        parts={"*.thumb": "ears", "0.index": "snout", "0.middle": "snout", "0.ring": "snout", "0.little": "snout", "1.index": "jaw", "1.middle": "jaw", "1.ring": "jaw", "1.little": "jaw", "*.forearm": "neck"},
    ),
)

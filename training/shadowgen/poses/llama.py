"""How performers make the llama."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="forearm neck, fingers up as ears",
        source="puppet-forms.md (llama)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=85, side="right", roll=75, wrist_dev=-55,
                     forearm_length=5.0,
                     fingers=fingers(index=Finger(-25, -5, 5, 0), middle=Finger(20, -5, 5, 0),
                                     ring=Finger(0, 60, 15, 10), little=Finger(-5, 65, 15, 10)),
                     thumb=Thumb(azimuth=30, elevation=90, mcp=30, ip=30)),
        ),
        howto="Raise the forearm steeply: it is the long neck. Point the index and middle "
        "fingers up as the ears; bend the ring and little fingers forward over the thumb as "
        "the muzzle.",
        parts={"0.index": "ears", "0.middle": "ears", "0.ring": "snout", "0.little": "snout", "0.thumb": "snout", "0.forearm": "neck"},
    ),
    PuppetPose(
        name="palm up, index and middle bent up as ears",
        source="puppet-forms.md (llama); real photo",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=5, side="right", roll=-60,
                     wrist_flex=-85, wrist_dev=-25, forearm_length=5.0,
                     fingers=fingers(index=Finger(-25, 95, 5, 0),
                                     middle=Finger(15, 95, 5, 0),
                                     ring=Finger(-5, 10, 15, 10),
                                     little=Finger(-10, 10, 15, 10)),
                     thumb=Thumb(azimuth=30, elevation=-10, mcp=10, ip=0)),
        ),
        parts={"0.index": "ears", "0.middle": "ears", "0.ring": "snout", "0.little": "snout", "0.thumb": "jaw", "0.forearm": "neck"},
    ),
)

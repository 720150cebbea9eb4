"""How performers make the horse."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="palms together, thumbs up as ears",
        source="howcast; puppet-forms.md (horse)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-32, side="left", roll=10, wrist_flex=70,
                     wrist_dev=-35, forearm_length=4.0,
                     fingers=fingers(little=Finger(15, 20, 10, 5)),
                     thumb=Thumb(azimuth=75, elevation=40, mcp=15, ip=20)),
            HandPose(wrist=(-0.05, 0.08), direction=-30, side="right", roll=190, wrist_flex=70,
                     wrist_dev=-35, forearm_length=4.0,
                     fingers=fingers(little=Finger(18, 20, 10, 5)),
                     thumb=Thumb(azimuth=85, elevation=40, mcp=15, ip=20)),
        ),
        howto="Put your palms together and point both hands forward and a little down: the long "
        "head. Raise both thumbs as the ears and drop the little fingers to open the mouth. Your "
        "forearms are the neck.",
        parts={
            "*.*": "head",
            "*.thumb": "ears",
            "*.little": "jaw",
            "*.forearm": "neck",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="one hand, arm as the neck",
        source="puppet-forms.md (horse, one-hand variant)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-32, side="left", roll=10, wrist_flex=70,
                     wrist_dev=-35, forearm_length=4.5,
                     fingers=fingers(index=Finger(3, 10, 15, 10), middle=Finger(0, 10, 15, 10),
                                     ring=Finger(-5, 10, 15, 10), little=Finger(8, 30, 15, 5)),
                     thumb=Thumb(azimuth=80, elevation=40, mcp=15, ip=20)),
        ),
        parts={
            "0.*": "head",
            "0.thumb": "ears",
            "0.little": "jaw",
            "0.forearm": "neck",
        },
        weight=1.0,
    ),
    PuppetPose(
        name="two hands stacked, lower hand as the jaw",
        source="variant of the howcast horse (puppet-forms.md)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-30, side="left", roll=10, wrist_flex=70,
                     wrist_dev=-35, forearm_length=4.0,
                     fingers=fingers(index=Finger(5, 15, 25, 15), middle=Finger(0, 15, 25, 15),
                                     ring=Finger(-5, 15, 25, 15), little=Finger(-10, 15, 25, 15)),
                     thumb=Thumb(azimuth=75, elevation=40, mcp=15, ip=20)),
            HandPose(wrist=(-0.05, -0.15), direction=-48, side="right", roll=190, wrist_flex=70,
                     wrist_dev=-35, forearm_length=4.0,
                     fingers=fingers(index=Finger(5, 10, 10, 5), middle=Finger(0, 10, 10, 5),
                                     ring=Finger(-5, 10, 10, 5), little=Finger(-10, 10, 10, 5)),
                     thumb=Thumb(azimuth=90, elevation=40, mcp=15, ip=20)),
        ),
        parts={
            "*.*": "head",
            "0.thumb": "ears",
            "1.thumb": "ears",
            "1.index": "jaw",
            "1.middle": "jaw",
            "1.ring": "jaw",
            "1.little": "jaw",
            "*.forearm": "neck",
        },
        weight=0.7,
    ),
)

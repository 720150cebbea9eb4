"""How performers make the bird."""

from .common import CURLED, SPREAD, Finger, HandPose, Hole, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="two hands, wrists crossed, thumbs hooked as the head",
        source="howcast; puppet-forms.md (bird)",
        hands=(
            HandPose(wrist=(0.1, -0.2), direction=155, side="right", wrist_dev=-15,
                     fingers=fingers(index=Finger(-2, 8, 6, 4), ring=Finger(2, 8, 6, 4),
                                     little=Finger(6, 10, 8, 4)),
                     thumb=Thumb(azimuth=68, elevation=5, mcp=10, ip=10)),
            HandPose(wrist=(-0.1, -0.2), direction=25, side="left", wrist_dev=-15,
                     fingers=fingers(index=Finger(-2, 8, 6, 4), ring=Finger(2, 8, 6, 4),
                                     little=Finger(6, 10, 8, 4)),
                     thumb=Thumb(azimuth=62, elevation=5, mcp=15, ip=45)),
        ),
        howto="Cross your wrists, palms toward you, and hook the thumbs together: they are the "
        "bird's head. Keep the fingers together as the wings and flap them slowly.",
        parts={
            "*.index": "wings",
            "*.middle": "wings",
            "*.ring": "wings",
            "*.little": "wings",
            "*.thumb": "head",
            "*.palm": "body",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="two hands, wings raised, fingers spread as feathers",
        source="howcast (fingers spread); puppet-forms.md (bird)",
        hands=(
            HandPose(wrist=(0.1, -0.2), direction=140, side="right", wrist_dev=-20,
                     fingers=SPREAD, thumb=Thumb(azimuth=53, elevation=5, mcp=10, ip=10)),
            HandPose(wrist=(-0.1, -0.2), direction=40, side="left", wrist_dev=-20,
                     fingers=SPREAD, thumb=Thumb(azimuth=47, elevation=5, mcp=15, ip=45)),
        ),
        parts={
            "*.index": "wings",
            "*.middle": "wings",
            "*.ring": "wings",
            "*.little": "wings",
            "*.thumb": "head",
            "*.palm": "body",
        },
        weight=1.0,
    ),
    PuppetPose(
        name="flying, seen from the side",
        source="variant seen in real photos (bird)",
        hands=(
            HandPose(wrist=(0.0, -0.1), direction=125, side="right", roll=-10, wrist_dev=-10,
                     fingers=fingers(index=Finger(-2, 8, 6, 4), ring=Finger(2, 8, 6, 4),
                                     little=Finger(6, 10, 8, 4)),
                     thumb=Thumb(azimuth=95, elevation=5, mcp=10, ip=10)),
            HandPose(wrist=(0.05, -0.1), direction=70, side="left", roll=70, wrist_dev=-10,
                     fingers=fingers(), thumb=Thumb(azimuth=70, elevation=10, mcp=10, ip=35)),
        ),
        parts={
            "*.index": "wings",
            "*.middle": "wings",
            "*.ring": "wings",
            "*.little": "wings",
            "0.thumb": "head",
            "1.thumb": "beak",
            "*.palm": "body",
        },
        weight=0.8,
    ),
    PuppetPose(
        name="one hand, small bird in profile",
        source="puppet-forms.md (bird, one-hand variant)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=10, side="left", roll=15, wrist_dev=-35,
                     fingers=fingers(index=Finger(-5, 35, 35, 15), middle=CURLED, ring=CURLED,
                                     little=CURLED),
                     thumb=Thumb(azimuth=22, elevation=10, mcp=0, ip=5)),
        ),
        parts={
            "0.*": "head",
            "0.index": "beak",
            "0.thumb": "beak",
            "0.forearm": "body",
        },
        holes=(Hole(0, 0.05, 0.7, 0.07),),
        weight=0.7,
    ),
)

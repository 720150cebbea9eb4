"""How performers make the snake."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="forearm and flat hand, thumb as the jaw",
        source="puppet-forms.md (snake)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-5, side="right", roll=72, wrist_flex=30,
                     forearm_length=4.5,
                     fingers=fingers(index=Finger(5, 5, 8, 5), middle=Finger(0, 3, 6, 4),
                                     ring=Finger(-5, 3, 6, 4), little=Finger(-10, 5, 6, 4)),
                     thumb=Thumb(azimuth=5, elevation=16, mcp=0, ip=8)),
        ),
        howto="Stretch your arm out and tip it up a little, edge of the hand toward the light. "
        "Keep the fingers together as the head and let the hand droop at the wrist. Drop the "
        "thumb a little: that is the open mouth.",
        parts={
            "0.forearm": "body",
            "0.thumb": "jaw",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="closed mouth, head bent down at the wrist",
        source="puppet-forms.md (snake); variant seen in real photos",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-15, side="right", roll=78, wrist_flex=45,
                     forearm_length=4.0,
                     fingers=fingers(index=Finger(5, 5, 10, 15), middle=Finger(0, 3, 8, 12)),
                     thumb=Thumb(azimuth=3, elevation=2, mcp=0, ip=0)),
        ),
        parts={
            "0.forearm": "body",
        },
        weight=1.0,
    ),
    PuppetPose(
        name="little finger lowered as the jaw",
        source="puppet-forms.md (snake)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=0, side="right", roll=88, wrist_flex=20,
                     forearm_length=4.5,
                     fingers=fingers(little=Finger(-10, 24, 4, 4), ring=Finger(-5, 5, 5, 4)),
                     thumb=Thumb(azimuth=3, elevation=0, mcp=0, ip=0)),
        ),
        parts={
            "0.forearm": "body",
            "0.little": "jaw",
        },
        weight=0.8,
    ),
    PuppetPose(
        name="head raised, arm low",
        source="puppet-forms.md (snake); head tipped up at the wrist",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=22, side="right", roll=75, wrist_flex=-20,
                     forearm_length=4.0,
                     fingers=fingers(index=Finger(5, 8, 10, 8), middle=Finger(0, 6, 8, 6),
                                     ring=Finger(-5, 6, 8, 6), little=Finger(-10, 8, 8, 6)),
                     thumb=Thumb(azimuth=5, elevation=10, mcp=0, ip=5)),
        ),
        parts={
            "0.forearm": "body",
            "0.thumb": "jaw",
        },
        weight=0.6,
    ),
)

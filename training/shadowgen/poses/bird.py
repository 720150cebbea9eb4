"""How performers make the bird."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="two hands, wrists crossed",
        source="howcast; puppet-forms.md",
        hands=(
            HandPose(wrist=(0.12, -0.2), direction=150, side="right", wrist_dev=-25,
                     fingers=fingers(index=Finger(-2, 8, 6, 4), ring=Finger(2, 8, 6, 4),
                                     little=Finger(6, 10, 8, 4)),
                     thumb=Thumb(azimuth=75, elevation=5, mcp=-10)),
            HandPose(wrist=(-0.12, -0.2), direction=30, side="left", wrist_dev=-25,
                     fingers=fingers(index=Finger(-2, 8, 6, 4), ring=Finger(2, 8, 6, 4),
                                     little=Finger(6, 10, 8, 4)),
                     thumb=Thumb(azimuth=65, elevation=5, mcp=-5)),
        ),
        howto="Cross your wrists, palms toward you, and hook the thumbs together as the head. "
        "Keep the fingers together as wings and flap them slowly.",
        parts={"*.index": "wings", "*.middle": "wings", "*.ring": "wings", "*.little": "wings", "*.thumb": "head", "*.palm": "body"},
    ),
    PuppetPose(
        name="side view, one wing raised",
        source="variant seen in real photos",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=135, side="right", wrist_dev=-80,
                     fingers=fingers(), thumb=Thumb(azimuth=60, elevation=10)),
            HandPose(wrist=(0.05, 0.05), direction=45, side="left", roll=-40,
                     fingers=fingers(index=Finger(5, 20, 30, 10),
                                     middle=Finger(0, 25, 30, 10),
                                     ring=Finger(-5, 30, 30, 10),
                                     little=Finger(-10, 35, 30, 10)),
                     thumb=Thumb(azimuth=70, elevation=20)),
        ),
        parts={"0.*": "wings", "1.*": "body", "1.index": "head", "1.thumb": "beak"},
    ),
)

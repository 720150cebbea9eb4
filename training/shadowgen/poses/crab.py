"""How performers make the crab."""

from .common import TUCKED_THUMB, Finger, HandPose, PuppetPose

FORMS = (
    PuppetPose(
        name="two hands side by side",
        source="puppet-forms.md (crab)",
        hands=(
            HandPose(wrist=(0.15, -0.1), direction=5, side="left", roll=35, wrist_dev=-75,
                     fingers={"index": Finger(-24, 10, 45, 30), "middle": Finger(-6, 10, 45, 30),
                              "ring": Finger(12, 10, 45, 30), "little": Finger(30, 10, 45, 30)},
                     thumb=TUCKED_THUMB),
            HandPose(wrist=(-0.15, -0.1), direction=175, side="right", roll=35, wrist_dev=-75,
                     fingers={"index": Finger(-24, 10, 45, 30), "middle": Finger(-6, 10, 45, 30),
                              "ring": Finger(12, 10, 45, 30), "little": Finger(30, 10, 45, 30)},
                     thumb=TUCKED_THUMB),
        ),
        howto="Put both hands side by side, palms down, thumbs tucked under and touching in "
        "the middle: the body. Spread and bend all the fingers sideways as the legs.",
        parts={"*.index": "legs", "*.middle": "legs", "*.ring": "legs", "*.little": "legs", "*.thumb": "body", "*.palm": "body"},
    ),
)

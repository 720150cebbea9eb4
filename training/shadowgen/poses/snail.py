"""How performers make the snail."""

from .common import CURLED, TUCKED_THUMB, Finger, HandPose, PuppetPose, fingers

FORMS = (
    PuppetPose(
        name="fist as the shell, V of two fingers as feelers",
        source="puppet-forms.md (snail variant)",
        hands=(
            HandPose(wrist=(0.35, -0.75), direction=70, side="right", roll=-30, scale=1.3,
                     fingers={n: CURLED for n in ("index", "middle", "ring", "little")},
                     thumb=TUCKED_THUMB),
            HandPose(wrist=(-0.8, -1.2), direction=100, side="right", scale=0.85,
                     fingers=fingers(index=Finger(-12, 0, 8, 4), middle=Finger(14, 0, 8, 4),
                                     ring=CURLED, little=CURLED),
                     thumb=TUCKED_THUMB),
        ),
        howto="Make a fist with one hand, knuckles up and forward: it is the shell. Hold the "
        "other hand in front and a little lower, raising two fingers as the horns.",
        parts={"0.*": "shell", "0.forearm": "arm", "1.index": "feelers", "1.middle": "feelers", "1.*": "body", "1.forearm": "arm"},
    ),
)

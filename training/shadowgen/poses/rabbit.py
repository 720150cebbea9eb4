"""How performers make the rabbit."""

from .common import CURLED, TUCKED_THUMB, Finger, HandPose, Hole, PuppetPose, fingers

FORMS = (
    PuppetPose(
        name="fist behind, two fingers as ears",
        source="children's tutorials; puppet-forms.md (rabbit)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=120, side="right", roll=40,
                     fingers=fingers(index=Finger(14, 0, 8, 4), middle=Finger(18, 0, 8, 4),
                                     ring=CURLED, little=CURLED),
                     thumb=TUCKED_THUMB),
            HandPose(wrist=(-0.5, 0.0), direction=10, side="left", roll=-30, wrist_dev=-60,
                     scale=1.2,
                     fingers={n: CURLED for n in ("index", "middle", "ring", "little")},
                     thumb=TUCKED_THUMB),
        ),
        howto="Raise the index and middle fingers of one hand and lay them back as the ears; "
        "curl the other fingers. Put your other fist behind it: together they make the round "
        "head and body. A gap between the knuckles is the eye.",
        holes=(Hole(hand=0, x=0.12, y=0.72, radius=0.055),),
        parts={"0.index": "ears", "0.middle": "ears", "1.*": "body", "1.forearm": "arm"},
    ),
)

"""How performers make the panther."""

from dataclasses import replace

from .common import Finger, HandPose, Hole, PuppetPose, Thumb, fingers

# One hand in profile opened into a "C": the fingers are the upper jaw, the thumb the lower.
_C_JAWS = HandPose(
    wrist=(0.0, 0.0), direction=-5, side="right", roll=85, forearm_length=3.0,
    fingers={"index": Finger(5, 15, 15, 25), "middle": Finger(0, 15, 15, 25),
             "ring": Finger(-5, 15, 15, 25), "little": Finger(-10, 15, 15, 25)},
    thumb=Thumb(azimuth=10, elevation=55, mcp=10, ip=30),
)
# A hand laid flat over the top as the head, its thumb raised and tipped back as the ear, a gap
# between the first two fingers as the eye.
_HEAD = HandPose(
    wrist=(0.0, 0.0), direction=-8, side="left", roll=30, forearm_length=3.0,
    fingers=fingers(index=Finger(-2, 0, 5, 15), middle=Finger(6, 0, 5, 15),
                    ring=Finger(-5, 0, 10, 20), little=Finger(-10, 0, 10, 20)),
    thumb=Thumb(azimuth=95, elevation=30, mcp=0, ip=20),
)
# A hand below in profile, palm up, as the lower jaw; the fingertips turn up at its end.
_JAW = HandPose(
    wrist=(-0.1, -0.45), direction=-25, side="right", roll=-85, forearm_length=3.0,
    fingers={"index": Finger(5, 10, 20, 30), "middle": Finger(0, 10, 20, 30),
             "ring": Finger(-5, 10, 20, 30), "little": Finger(-10, 10, 20, 30)},
    thumb=Thumb(azimuth=5, elevation=0),
)

FORMS = (
    PuppetPose(
        name="C-hand jaws, other hand over it, thumb as the ear",
        source="puppet-forms.md (panther)",
        hands=(
            _C_JAWS,
            replace(_HEAD, wrist=(-0.7, 0.45), direction=-5, roll=25,
                    fingers=fingers(index=Finger(-2, 0, 5, 5), middle=Finger(6, 0, 5, 5)),
                    thumb=Thumb(azimuth=95, elevation=45, mcp=0, ip=20)),
        ),
        howto="Hold one hand sideways and open it into a wide C: fingers on top, thumb below. "
        "That is the open mouth. Lay the other hand flat over the top with its thumb sticking up "
        "as the ear, and part two fingers a little for the eye.",
        holes=(Hole(hand=1, x=0.2, y=1.12, radius=0.06),),
        parts={
            "0.thumb": "jaw",
            "1.thumb": "ears",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="two hands stacked, lower hand the jaw",
        source="variant seen in real photos",
        hands=(_HEAD, _JAW),
        holes=(Hole(hand=0, x=0.2, y=1.12, radius=0.06),),
        parts={
            "0.thumb": "ears",
            "1.*": "jaw",
            "1.forearm": "arm",
        },
        weight=1.2,
    ),
    PuppetPose(
        name="snarling, fingertips bent as fangs",
        source="variant of the stacked form in real photos",
        hands=(
            replace(_HEAD, roll=50,
                    fingers={"index": Finger(2, 5, 20, 45), "middle": Finger(6, 5, 20, 45),
                             "ring": Finger(-5, 5, 20, 45), "little": Finger(-10, 5, 20, 45)}),
            replace(_JAW, direction=-45,
                    fingers={"index": Finger(5, 5, 25, 45), "middle": Finger(0, 5, 25, 45),
                             "ring": Finger(-5, 5, 25, 45), "little": Finger(-10, 5, 25, 45)}),
        ),
        holes=(Hole(hand=0, x=0.2, y=1.12, radius=0.06),
               Hole(hand=0, x=-0.02, y=1.05, radius=0.05)),
        parts={
            "0.thumb": "ears",
            "1.*": "jaw",
            "1.forearm": "arm",
        },
        weight=0.8,
    ),
)

"""How performers make the chicken."""

from dataclasses import replace

from .common import CURLED, Finger, HandPose, PuppetPose, Thumb

# The head: one hand upright, edge toward the light, the index bent forward and the thumb
# beside it as the open beak, the other fingers curled into the palm.
_BEAK = HandPose(
    wrist=(0.0, 0.0), direction=95, side="right", roll=70, forearm_length=3.0,
    fingers={"index": Finger(5, 85, 5, 5), "middle": CURLED, "ring": CURLED, "little": CURLED},
    thumb=Thumb(azimuth=20, elevation=65, mcp=0, ip=0),
)
# The comb: the other hand over the top of the head, fingertips curled over it as bumps.
_COMB = HandPose(
    wrist=(-0.15, 0.35), direction=90, side="left", roll=-15, forearm_length=3.0,
    fingers={"index": Finger(-12, 55, 60, 20), "middle": Finger(-4, 55, 60, 20),
             "ring": Finger(4, 55, 60, 20), "little": Finger(12, 55, 60, 20)},
    thumb=Thumb(azimuth=20, elevation=30, mcp=20, ip=10),
)

FORMS = (
    PuppetPose(
        name="two hands, curled fingers on top as the comb",
        source="5-Minute Crafts part 2; puppet-forms.md (chicken)",
        hands=(_BEAK, _COMB),
        howto="Hold one hand up, edge toward the light. Bend the first finger forward and hold "
        "the thumb out under it: the open beak. Curl the other fingers in. Put the other hand on "
        "top and curl its fingers over as the comb.",
        parts={
            "0.index": "beak",
            "0.thumb": "beak",
            "1.index": "comb",
            "1.middle": "comb",
            "1.ring": "comb",
            "1.little": "comb",
        },
        weight=1.5,
    ),
    PuppetPose(
        name="two hands, beak of two fingers",
        source="variant seen in real photos",
        hands=(
            replace(_BEAK, roll=85,
                    fingers={"index": Finger(5, 85, 5, 5), "middle": Finger(0, 55, 5, 5),
                             "ring": CURLED, "little": CURLED},
                    thumb=Thumb(azimuth=10, elevation=10)),
            _COMB,
        ),
        parts={
            "0.index": "beak",
            "0.middle": "beak",
            "1.index": "comb",
            "1.middle": "comb",
            "1.ring": "comb",
            "1.little": "comb",
        },
        weight=1.0,
    ),
    PuppetPose(
        name="two hands, stretched fingers as a tall comb",
        source="5-Minute Crafts part 2; puppet-forms.md (chicken)",
        hands=(
            _BEAK,
            replace(_COMB, wrist=(-0.3, 0.1), direction=105,
                    fingers={"index": Finger(-14, 20, 35, 15), "middle": Finger(-5, 20, 35, 15),
                             "ring": Finger(5, 20, 35, 15), "little": Finger(14, 20, 35, 15)}),
        ),
        parts={
            "0.index": "beak",
            "0.thumb": "beak",
            "1.index": "comb",
            "1.middle": "comb",
            "1.ring": "comb",
            "1.little": "comb",
        },
        weight=0.6,
    ),
    PuppetPose(
        name="one hand, curled fingertips as the comb",
        source="puppet-forms.md (chicken), one-hand simplification",
        hands=(
            replace(_BEAK, direction=100, roll=45,
                    fingers={"index": Finger(5, 85, 5, 5), "middle": Finger(-6, 30, 70, 40),
                             "ring": Finger(4, 30, 70, 40), "little": Finger(14, 30, 70, 40)}),
        ),
        parts={
            "0.index": "beak",
            "0.thumb": "beak",
            "0.middle": "comb",
            "0.ring": "comb",
            "0.little": "comb",
        },
        weight=0.7,
    ),
)

"""How performers make the chicken."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

FORMS = (
    PuppetPose(
        name="one hand, comb of curled fingers",
        source="5-Minute Crafts part 2 (one-hand variant)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=105, side="right", roll=55, wrist_dev=10,
                     fingers=fingers(index=Finger(0, 80, 5, 5), middle=Finger(0, 70, 95, 60),
                                     ring=Finger(-4, 75, 95, 60), little=Finger(-8, 80, 95, 60)),
                     thumb=Thumb(azimuth=20, elevation=85, mcp=-5, ip=0)),
        ),
        howto="Hold the hand up, edge toward the light. Curl the middle, ring and little "
        "fingers: their knuckles are the comb. Point the index finger and thumb forward as an "
        "open beak.",
        parts={"0.index": "beak", "0.thumb": "beak", "0.middle": "comb", "0.ring": "comb", "0.little": "comb"},
    ),
)

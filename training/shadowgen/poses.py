"""POSES: how an ombromanie performer holds the hands for each of the 15 puppets.

This table is the one place a pose is defined. The renderer jitters it per sample, the lesson
assets draw it, and `docs/generator.md` points here. Every puppet is designed facing right; the
renderer mirrors half the samples (a performer may use the other hand).

Reading a pose: each hand is placed by its wrist on the wall (palm lengths, y up), `direction`
where its fingers point (0 right, 90 up), `roll` about that axis (0: palm toward the light,
+-90: an edge toward the light, so finger curls show in the shadow). Fingers take
(spread, mcp, pip, dip) in degrees; positive spread leans toward the little finger, positive
flexion curls toward the palm. Thumb takes (azimuth from the fingers, elevation out of the palm,
mcp, ip). Holes are gaps between fingers that read as eyes, in the hand's own frame.
"""

from __future__ import annotations

from dataclasses import dataclass

from .hand import Finger, HandPose, Thumb

# Fingers held together touch along their length, so they lean a little toward the middle one.
TOGETHER = {
    "index": Finger(5, 0, 4, 4),
    "middle": Finger(0, 0, 4, 4),
    "ring": Finger(-5, 0, 4, 4),
    "little": Finger(-10, 0, 4, 4),
}
CURLED = Finger(0, 88, 100, 65)
HALF_CURLED = Finger(0, 45, 60, 30)
TUCKED_THUMB = Thumb(azimuth=20, elevation=55, mcp=35, ip=30)


def fingers(**overrides: Finger) -> dict[str, Finger]:
    return {**TOGETHER, **overrides}


@dataclass(frozen=True)
class Hole:
    """A gap in the shadow (an eye), on hand `hand` at a point of its own frame."""

    hand: int
    x: float
    y: float
    radius: float
    z: float = 0.0


@dataclass(frozen=True)
class PuppetPose:
    """How to make one puppet. `alternates` are other ways performers make the same animal;
    the renderer uses them for part of the samples, lessons show only the main pose."""

    hands: tuple[HandPose, ...]
    howto: str
    holes: tuple[Hole, ...] = ()
    alternates: tuple[PuppetPose, ...] = ()


POSES: dict[str, PuppetPose] = {
    "bird": PuppetPose(
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
        alternates=(
            # Seen from the side: one hand is the raised wing, the other the body and head.
            PuppetPose(
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
                howto="",
            ),
        ),
    ),
    "chicken": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=105, side="right", roll=55, wrist_dev=10,
                     fingers=fingers(index=Finger(0, 80, 5, 5), middle=Finger(0, 70, 95, 60),
                                     ring=Finger(-4, 75, 95, 60), little=Finger(-8, 80, 95, 60)),
                     thumb=Thumb(azimuth=20, elevation=85, mcp=-5, ip=0)),
        ),
        howto="Hold the hand up, edge toward the light. Curl the middle, ring and little "
        "fingers: their knuckles are the comb. Point the index finger and thumb forward as an "
        "open beak.",
    ),
    "cow": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-5, side="left", roll=-30, wrist_dev=-40,
                     fingers=fingers(index=Finger(-55, 10, 60, 20), middle=Finger(0, 60, 80, 40),
                                     ring=Finger(-5, 60, 80, 40), little=Finger(-10, 60, 80, 40)),
                     thumb=Thumb(azimuth=100, elevation=0, mcp=-5, ip=0)),
        ),
        howto="Point the hand forward, back of the hand up, and curl the middle, ring and "
        "little fingers: the muzzle. Raise the thumb as one horn and lift the index finger, "
        "bent at the tip, as the other.",
        alternates=(
            # Palm up and tilted: thumb and little finger raised as the horns.
            PuppetPose(
                hands=(
                    HandPose(wrist=(0.0, 0.0), direction=-20, side="right", roll=-60,
                             wrist_flex=-40,
                             fingers=fingers(index=Finger(5, 5, 70, 40),
                                             middle=Finger(0, 5, 70, 40),
                                             ring=Finger(-5, 5, 70, 40),
                                             little=Finger(0, 90, 10, 0)),
                             thumb=Thumb(azimuth=10, elevation=80, mcp=-5, ip=10)),
                ),
                howto="",
            ),
        ),
    ),
    "crab": PuppetPose(
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
    ),
    "deer": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=95, side="right", roll=25, wrist_dev=-15,
                     fingers={"index": Finger(-22, 5, 25, 15), "middle": Finger(-7, 5, 25, 15),
                              "ring": Finger(9, 5, 25, 15), "little": Finger(26, 5, 25, 15)},
                     thumb=Thumb(azimuth=105, elevation=0, mcp=-5)),
        ),
        howto="Raise one hand with the fingers spread wide as the antlers. Stick the thumb "
        "straight out forward as the head and nose.",
    ),
    "dog": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-5, side="left", wrist_dev=-55,
                     fingers=fingers(little=Finger(32, 10, 10, 5)),
                     thumb=Thumb(azimuth=110, elevation=0, mcp=-15, ip=-5)),
        ),
        howto="Hand in profile, fingers together pointing forward: that is the snout. Put the "
        "thumb up as the ear and drop the little finger as the jaw; open and close it to bark.",
        holes=(Hole(hand=0, x=0.18, y=0.78, radius=0.055),),
    ),
    "elephant": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-25, side="right", roll=60, wrist_dev=15,
                     fingers={"index": Finger(-5, 80, 10, 10), "middle": Finger(0, 5, 10, 15),
                              "ring": Finger(5, 80, 10, 10), "little": Finger(10, 85, 30, 10)},
                     thumb=Thumb(azimuth=75, elevation=5)),
        ),
        howto="Bring the hand in from above, edge toward the light, back of the hand as the "
        "head. Stretch the middle finger forward as the trunk; bend the index and ring fingers "
        "down as the tusks and let the thumb hang as a leg.",
    ),
    "horse": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-40, side="left", roll=-45, wrist_dev=-105,
                     fingers=fingers(index=Finger(8, 25, 35, 10), middle=Finger(2, 25, 35, 10),
                                     ring=Finger(-4, 25, 35, 10), little=Finger(-10, 25, 35, 10)),
                     thumb=Thumb(azimuth=120, elevation=65, mcp=40, ip=45)),
            HandPose(wrist=(-0.12, -0.2), direction=-50, side="left", roll=-45, wrist_dev=-105,
                     fingers=fingers(index=Finger(8, 25, 35, 10), middle=Finger(2, 25, 35, 10),
                                     ring=Finger(-4, 25, 35, 10), little=Finger(-10, 25, 35, 10)),
                     thumb=Thumb(azimuth=120, elevation=65, mcp=40, ip=45)),
        ),
        howto="Lay one hand on the other, both pointing forward and a little down, fingers "
        "gently bent: the long head. The thumbs, raised a little, are the ears; part the lower "
        "fingers for the mouth. The forearms make the neck.",
    ),
    "llama": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=85, side="right", roll=75, wrist_dev=-55,
                     forearm_length=5.0,
                     fingers=fingers(index=Finger(-25, -5, 5, 0), middle=Finger(20, -5, 5, 0),
                                     ring=Finger(0, 60, 15, 10), little=Finger(-5, 65, 15, 10)),
                     thumb=Thumb(azimuth=30, elevation=90, mcp=30, ip=30)),
        ),
        howto="Raise the forearm steeply: it is the long neck. Point the index and middle "
        "fingers up as the ears; bend the ring and little fingers forward over the thumb as "
        "the muzzle.",
        alternates=(
            # Hand bent forward, palm up: index and middle bent up as ears, the rest the muzzle.
            PuppetPose(
                hands=(
                    HandPose(wrist=(0.0, 0.0), direction=5, side="right", roll=-60,
                             wrist_flex=-85, wrist_dev=-25, forearm_length=5.0,
                             fingers=fingers(index=Finger(-25, 95, 5, 0),
                                             middle=Finger(15, 95, 5, 0),
                                             ring=Finger(-5, 10, 15, 10),
                                             little=Finger(-10, 10, 15, 10)),
                             thumb=Thumb(azimuth=30, elevation=-10, mcp=10, ip=0)),
                ),
                howto="",
            ),
        ),
    ),
    "moose": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-10, side="left", wrist_dev=-30,
                     fingers=fingers(), thumb=TUCKED_THUMB),
            HandPose(wrist=(-0.15, 0.25), direction=80, side="right", roll=35, wrist_dev=-20,
                     fingers={"index": Finger(-30, 20, 30, 15), "middle": Finger(-10, 20, 30, 15),
                              "ring": Finger(10, 20, 30, 15), "little": Finger(32, 20, 30, 15)},
                     thumb=Thumb(azimuth=95, elevation=0)),
        ),
        howto="One hand flat, pointing forward, is the long head. Set the other hand on top, "
        "fingers spread wide and curved, as the antlers.",
    ),
    "panther": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-12, side="left", wrist_dev=-15,
                     fingers=fingers(), thumb=Thumb(azimuth=15, elevation=10, mcp=10)),
            HandPose(wrist=(0.05, -0.35), direction=-30, side="right", roll=-50, wrist_dev=25,
                     fingers=fingers(index=Finger(5, 0, 35, 35), middle=Finger(0, 0, 35, 35),
                                     ring=Finger(-5, 0, 35, 35), little=Finger(-10, 0, 35, 35)),
                     thumb=Thumb(azimuth=20, elevation=40, mcp=20)),
        ),
        howto="Stack both hands pointing forward: the top hand is the head, the lower hand "
        "the jaw. Open the jaw wide; a gap between the top fingers makes the eyes.",
        holes=(Hole(hand=0, x=0.1, y=0.7, radius=0.06), Hole(hand=0, x=-0.1, y=0.45,
                                                                 radius=0.05)),
    ),
    "rabbit": PuppetPose(
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
    ),
    "snail": PuppetPose(
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
    ),
    "snake": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=5, side="right", roll=82, forearm_length=5.0,
                     fingers=fingers(index=Finger(0, 5, 5, 5)),
                     thumb=Thumb(azimuth=10, elevation=25, mcp=0)),
        ),
        howto="Hold the forearm and hand flat and level, edge toward the light. Keep the "
        "fingers together; lower the thumb a little as the open mouth.",
    ),
    "swan": PuppetPose(
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=-40, side="right", roll=-40, wrist_flex=-120,
                     forearm_length=5.0,
                     fingers={"index": Finger(5, 15, 15, 5), "middle": Finger(0, 15, 15, 5),
                              "ring": Finger(-5, 15, 15, 5), "little": Finger(-10, 15, 15, 5)},
                     thumb=Thumb(azimuth=5, elevation=10, mcp=0, ip=0)),
            HandPose(wrist=(-0.2, -2.0), direction=160, side="left", wrist_dev=60,
                     fingers=fingers(index=Finger(0, 10, 10, 5), middle=Finger(0, 10, 10, 5)),
                     thumb=Thumb(azimuth=40, elevation=10)),
        ),
        howto="Raise the forearm as the neck and bend the hand forward and down at the "
        "wrist, fingers pinched together as the head and beak. The other hand, low and "
        "behind, is the wing.",
    ),
}

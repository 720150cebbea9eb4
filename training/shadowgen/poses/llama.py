"""How performers make the llama."""

from .common import Finger, HandPose, PuppetPose, Thumb, fingers

# The one-hand forms: two fingers up as the ears, the folded ones as the snout, the forearm the
# neck.
_PARTS = {
    "0.index": "ears",
    "0.middle": "ears",
    "0.ring": "snout",
    "0.little": "snout",
    "0.thumb": "jaw",
    "0.forearm": "neck",
}


def _horse_like(direction: float, flex: float, dev: float, thumb_azimuth: float,
                thumb_elevation: float, curl: float) -> tuple[HandPose, HandPose]:
    """The howcast horse's two hands, palms together, with both thumbs straight up as tall ears
    and the fingers curled into a short blunt head: the real llama photo's build (a head as broad
    as the neck, two long ears), which the one-hand forms above, thin and edge-on, never reach."""

    def curled(spread: float) -> Finger:
        return Finger(spread, 0.4 * curl, curl, 0.6 * curl)

    def hand(side: str, wrist: tuple[float, float], roll: float, azimuth: float) -> HandPose:
        return HandPose(wrist=wrist, direction=direction, side=side, roll=roll, wrist_flex=flex,
                        wrist_dev=dev, forearm_length=4.0,
                        fingers=fingers(index=curled(3), middle=curled(0), ring=curled(-5),
                                        little=Finger(15, 20 + 0.4 * curl, 10 + curl, 5)),
                        thumb=Thumb(azimuth=azimuth, elevation=thumb_elevation, mcp=0, ip=0))

    return (hand("left", (0.0, 0.0), 10, thumb_azimuth),
            hand("right", (-0.05, 0.08), 190, thumb_azimuth + 12))


_TWO_HAND_PARTS = {"*.*": "head", "*.thumb": "ears", "*.little": "jaw", "*.forearm": "neck"}

FORMS = (
    PuppetPose(
        name="upright forearm neck, two fingers up as ears",
        source="puppet-forms.md (llama); real photo",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=85, side="right", roll=70, wrist_flex=-35,
                     forearm_length=5.0,
                     fingers=fingers(index=Finger(-22, 0, 5, 0), middle=Finger(18, 0, 5, 0),
                                     ring=Finger(-5, 80, 65, 30), little=Finger(-10, 80, 70, 30)),
                     thumb=Thumb(azimuth=20, elevation=45, mcp=25, ip=15)),
        ),
        howto="Hold your forearm up tall: it is the llama's long neck. Point the index and middle "
        "fingers straight up as the ears. Fold the ring and little fingers forward as the nose "
        "and put the thumb under them as the mouth.",
        parts=_PARTS,
        weight=1.5,
    ),
    PuppetPose(
        name="upright neck, long straight muzzle",
        source="variant of the puppet-forms.md llama",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=80, side="right", roll=70, wrist_flex=-40,
                     forearm_length=5.0,
                     fingers=fingers(index=Finger(-20, 5, 10, 5), middle=Finger(15, 5, 10, 5),
                                     ring=Finger(-5, 80, 15, 10), little=Finger(-10, 80, 20, 10)),
                     thumb=Thumb(azimuth=15, elevation=65, mcp=10, ip=10)),
        ),
        parts=_PARTS,
        weight=1.0,
    ),
    PuppetPose(
        name="slanted neck, head tipped forward",
        source="variant seen in real photos (llama)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=65, side="right", roll=65, wrist_flex=-25,
                     wrist_dev=10, forearm_length=5.0,
                     fingers=fingers(index=Finger(-20, 0, 10, 5), middle=Finger(16, 0, 10, 5),
                                     ring=Finger(-5, 75, 70, 35), little=Finger(-10, 75, 75, 35)),
                     thumb=Thumb(azimuth=15, elevation=50, mcp=25, ip=20)),
        ),
        parts=_PARTS,
        weight=0.8,
    ),
    PuppetPose(
        name="solid head: ring and little fingers folded onto the thumb as the snout",
        source="puppet-forms.md (llama: hand bent forward as the head, two fingers up as ears)",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=88, side="right", roll=70, forearm_length=5.0,
                     fingers=fingers(index=Finger(-12, 10, 10, 0), middle=Finger(10, 10, 10, 0),
                                     ring=Finger(-5, 85, 45, 30), little=Finger(-10, 85, 50, 30)),
                     thumb=Thumb(azimuth=5, elevation=40, mcp=10, ip=10)),
        ),
        parts={**_PARTS, "0.palm": "head"},
        weight=1.5,
    ),
    PuppetPose(
        name="solid head tipped forward on a slanted neck",
        source="puppet-forms.md (llama); variant of the solid-head form",
        hands=(
            HandPose(wrist=(0.0, 0.0), direction=82, side="right", roll=60, wrist_flex=-20,
                     forearm_length=5.0,
                     fingers=fingers(index=Finger(-12, 10, 25, 5), middle=Finger(10, 10, 25, 5),
                                     ring=Finger(-5, 80, 30, 20), little=Finger(-10, 85, 35, 20)),
                     thumb=Thumb(azimuth=0, elevation=50, mcp=10, ip=10)),
        ),
        parts={**_PARTS, "0.palm": "head"},
        weight=1.0,
    ),
    PuppetPose(
        name="two hands palms together, thumbs straight up as tall ears, slanted neck",
        source="variant of the howcast horse (puppet-forms.md) with a llama's long ears; real photo",
        hands=_horse_like(direction=-15, flex=80, dev=-35, thumb_azimuth=80, thumb_elevation=20,
                          curl=70),
        howto="Put your palms together, fingers curled into a short head pointing forward. Raise "
        "both thumbs straight up as the long ears. Your forearms slant up as the neck.",
        parts=_TWO_HAND_PARTS,
        weight=1.5,
    ),
    PuppetPose(
        name="two hands palms together, thumbs straight up as tall ears, upright neck",
        source="variant of the howcast horse (puppet-forms.md) with a llama's long ears",
        hands=_horse_like(direction=-5, flex=60, dev=-70, thumb_azimuth=95, thumb_elevation=5,
                          curl=50),
        parts=_TWO_HAND_PARTS,
        weight=1.0,
    ),
)

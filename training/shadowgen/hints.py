"""What to tell a child whose shadow misses a part, or has too much of one.

The app compares the student's shadow with the lesson's reference and finds the part with the
largest missing or extra area (`parts.PARTS`); this table turns that part into one short sentence.
A hint has to name fingers, not geometry: "Lift two fingers for the ears", never "the upper
region is 30 % smaller". Which finger makes which part depends on the lesson's form
(`poses/<puppet>.py`, its `parts`), so the sentences are written per puppet and part; a part
without its own sentence falls back to `GENERIC`.

Written for children of about 7: short sentences, one action each, no left/right (students use
either hand). Parts cast by a forearm alone (a swan's neck) get no hint, like the arm itself (see
`assets.part_table`). The lesson assets carry the table (`assets.write_reference_assets` writes
`<puppet>_parts.json`), so the app never imports this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from ombro_contract.labels import PUPPETS

from .parts import PART_ID


@dataclass(frozen=True)
class PartHint:
    missing: str  # the target has shadow here, the student's shadow has none
    extra: str  # the student's shadow reaches where the target has none


# Parts that are never worth a hint: the arm is framing, not the animal; 'hand' and 'other'
# are not in lesson forms.
NO_HINT = frozenset({"wall", "arm", "hand", "other"})

GENERIC: dict[str, PartHint] = {
    "head": PartHint("Make the head bigger: look at the picture", "Make the head smaller"),
    "body": PartHint("Show more of the body", "Make the body smaller"),
    "ears": PartHint("Lift a finger up for each ear", "Keep the ears thin"),
    "horns": PartHint("Lift two fingers up as the horns", "Keep the horns thin"),
    "antlers": PartHint("Spread your fingers wide for the antlers", "Keep the antlers thin"),
    "beak": PartHint("Make the beak with your thumb and fingers", "Make the beak smaller"),
    "jaw": PartHint("Open the mouth a little more", "Close the mouth a little"),
    "snout": PartHint("Point your fingers forward for the nose", "Make the nose shorter"),
    "trunk": PartHint("Let two fingers hang down as the trunk", "Keep the trunk thin"),
    "neck": PartHint("Show your arm as the long neck", "Hold the neck straighter"),
    "shell": PartHint("Make a round fist as the shell", "Make the shell smaller"),
    "feelers": PartHint("Lift a finger up as the feeler", "Keep the feeler thin"),
    "legs": PartHint("Spread your fingers out as the legs", "Bend the legs in a little"),
    "wings": PartHint("Spread your fingers out as the wings", "Keep the wing fingers together"),
    "comb": PartHint("Curl fingers on top as the comb", "Make the comb smaller"),
    "tusks": PartHint("Bend a finger down as a tusk", "Curl the tusks in a little"),
}

HINTS: dict[str, dict[str, PartHint]] = {
    "bird": {
        "head": PartHint("Hook your thumbs together for the head", "Keep the thumbs small"),
        "body": PartHint("Cross your wrists so the hands meet", "Bring your wrists closer"),
        "wings": PartHint("Open your fingers out wide as the wings",
                          "Keep the fingers of each wing together"),
    },
    "chicken": {
        "beak": PartHint("Open the beak: bend your first finger, thumb under it",
                         "Close the beak a little"),
        "head": PartHint("Curl your other fingers in for the round head",
                         "Tuck the curled fingers in closer"),
        "comb": PartHint("Put your other hand on top and curl its fingers: the comb",
                         "Curl the comb fingers lower"),
    },
    "cow": {
        "horns": PartHint("Lift your thumb and first finger up as the horns",
                          "Bend the horn fingers at the tips"),
        "snout": PartHint("Curl three fingers loosely for the muzzle",
                          "Curl the muzzle fingers a bit more"),
        "head": PartHint("Turn your palm up: the hand is the head", "Turn your hand a little"),
    },
    "crab": {
        "legs": PartHint("Spread your fingers out to the sides as legs",
                         "Bend the finger tips down"),
        "body": PartHint("Put both hands side by side for the body", "Tuck your thumbs in"),
    },
    "deer": {
        "head": PartHint("Point one hand forward, fingers together: the head",
                         "Keep the head fingers together"),
        "antlers": PartHint("Stand the other hand up, fingers spread wide: the antlers",
                            "Keep the antler fingers apart and thin"),
    },
    "dog": {
        "ears": PartHint("Lift both thumbs up for the ears", "Keep the thumbs close together"),
        "jaw": PartHint("Open the jaw: drop your little finger", "Close the jaw: lift your little finger"),
        "snout": PartHint("Point your fingers forward for the snout",
                          "Keep the snout fingers together"),
        "head": PartHint("Press your palms together for the head", "Keep your palms flat together"),
    },
    "elephant": {
        "trunk": PartHint("Let the two middle fingers hang down as the trunk",
                          "Keep the trunk fingers together"),
        "tusks": PartHint("Bend your first and little fingers a little: the tusks",
                          "Curl the tusk fingers in a bit"),
        "head": PartHint("Bring your hand in from above, palm down: the head", "Tuck your thumb in"),
    },
    "horse": {
        "ears": PartHint("Raise both thumbs as the ears", "Keep the thumbs together"),
        "jaw": PartHint("Open the mouth: drop your little fingers",
                        "Close the mouth: lift your little fingers"),
        "head": PartHint("Point both hands forward and a little down", "Keep your fingers together"),
    },
    "llama": {
        "ears": PartHint("Point two fingers straight up for the ears", "Keep the ear fingers thin"),
        "snout": PartHint("Fold two fingers forward for the nose", "Fold the nose fingers tighter"),
        "jaw": PartHint("Put your thumb under the nose: the mouth", "Tuck your thumb in closer"),
        "head": PartHint("Bend your hand forward at the wrist: the head", "Make the head smaller"),
    },
    "moose": {
        "antlers": PartHint("Spread the top hand's fingers wide, like a bowl",
                            "Curve the antler fingers up"),
        "head": PartHint("Point one hand forward and a little down: the head",
                         "Keep the head fingers together"),
        "jaw": PartHint("Drop your thumb a little to open the mouth", "Close your thumb on the hand"),
    },
    "panther": {
        "jaw": PartHint("Open the jaw: move your thumb down", "Close the jaw a little"),
        "ears": PartHint("Stick the top thumb up as the ear", "Keep the ear small"),
        "head": PartHint("Lay your other hand flat over the top", "Keep your hands flat together"),
    },
    "rabbit": {
        "ears": PartHint("Lift two fingers for the ears", "Keep the two ear fingers straight"),
        "head": PartHint("Make a loose fist for the head", "Curl your other fingers in tighter"),
    },
    "snail": {
        "feelers": PartHint("Lift your first finger as the feeler", "Keep the feeler finger thin"),
        "body": PartHint("Lay one hand flat for the body", "Keep the flat fingers together"),
        "shell": PartHint("Rest your fist on the flat hand: the shell", "Make the shell fist smaller"),
    },
    "snake": {
        "jaw": PartHint("Open the mouth: drop your thumb a little", "Close the mouth a little"),
        "head": PartHint("Keep your fingers together and let the hand droop",
                         "Keep your fingers close together"),
    },
    "swan": {
        "head": PartHint("Bend your hand down at the wrist for the head",
                         "Curl the head fingers in"),
        "beak": PartHint("Touch your thumb to your fingertips: the beak", "Make the beak smaller"),
        "wings": PartHint("Lay your other hand low, fingers back, as the wing",
                          "Keep the wing fingers together"),
    },
}


def hint_for(puppet: str, part: str) -> PartHint | None:
    """The sentences for one part of one puppet; None for parts that get no hint."""
    if part in NO_HINT:
        return None
    if part not in PART_ID:
        raise ValueError(f"unknown part {part!r}: expected one of shadowgen.parts.PARTS")
    return HINTS.get(puppet, {}).get(part) or GENERIC.get(part)


def _check_table() -> None:
    """A misspelt puppet or part here would silently fall back to a generic hint."""
    for puppet, table in HINTS.items():
        if puppet not in PUPPETS:
            raise ValueError(f"hints for unknown puppet {puppet!r}")
        for part in table:
            if part not in PART_ID or part in NO_HINT:
                raise ValueError(f"hint for {puppet}: {part!r} is not a hintable part")
    missing = set(PART_ID) - NO_HINT - set(GENERIC)
    if missing:
        raise ValueError(f"GENERIC has no hint for parts {sorted(missing)}")


_check_table()

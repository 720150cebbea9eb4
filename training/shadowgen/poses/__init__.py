"""The pose catalogue: every way performers make each of the 15 puppets, one file per puppet.

`FORMS[puppet]` lists the forms (one- and two-hand, different fingers); the first is the one the
lesson teaches and `POSES[puppet]` is that form. The renderer picks a form per sample by its
`weight`, jitters every joint, and mirrors half the samples (the other hand). This table is the
one place a pose is defined: the renderer, the lesson assets and the docs all read it.
"""

from __future__ import annotations

from importlib import import_module

from ombro_contract.labels import PUPPETS

from .common import (
    CURLED,
    FIST,
    HALF_CURLED,
    SPREAD,
    TOGETHER,
    TUCKED_THUMB,
    Hole,
    PuppetPose,
    fingers,
)

FORMS: dict[str, tuple[PuppetPose, ...]] = {
    puppet: import_module(f"{__name__}.{puppet}").FORMS for puppet in PUPPETS
}
POSES: dict[str, PuppetPose] = {puppet: forms[0] for puppet, forms in FORMS.items()}

__all__ = ["CURLED", "FIST", "FORMS", "HALF_CURLED", "POSES", "SPREAD", "TOGETHER",
           "TUCKED_THUMB", "Hole", "PuppetPose", "fingers"]

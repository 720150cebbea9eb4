"""The 15 lessons: one per puppet, with its pictures and how hard the hand pose is.

Pictures come from the generator engineer (`app/assets/puppets/`); a lesson whose picture is
missing shows a placeholder rather than failing, so the app runs before the art exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ombro_contract.labels import PUPPETS

ASSETS_DIR = Path(__file__).resolve().parent / "assets"
PUPPET_ASSETS = ASSETS_DIR / "puppets"

# 1 = one hand, few fingers to place; 3 = two hands with fine finger work.
DIFFICULTY: dict[str, int] = {
    "bird": 1, "dog": 1, "rabbit": 1, "snail": 1, "snake": 1, "swan": 1,
    "chicken": 2, "cow": 2, "crab": 2, "horse": 2, "panther": 2,
    "deer": 3, "elephant": 3, "llama": 3, "moose": 3,
}
DIFFICULTY_NAMES = {1: "easy", 2: "medium", 3: "hard"}


@dataclass(frozen=True)
class Lesson:
    puppet: str
    difficulty: int

    @property
    def title(self) -> str:
        return self.puppet.capitalize()

    @property
    def difficulty_name(self) -> str:
        return DIFFICULTY_NAMES[self.difficulty]

    def _asset(self, kind: str) -> Path | None:
        path = PUPPET_ASSETS / f"{self.puppet}_{kind}.png"
        return path if path.is_file() else None

    @property
    def silhouette(self) -> Path | None:
        return self._asset("silhouette")

    @property
    def howto(self) -> Path | None:
        return self._asset("howto")


def all_lessons() -> list[Lesson]:
    """Easy lessons first, then by name: the order a beginner should try them."""
    return sorted((Lesson(p, DIFFICULTY[p]) for p in PUPPETS), key=lambda l: (l.difficulty, l.puppet))


def lesson_for(puppet: str) -> Lesson:
    return Lesson(puppet, DIFFICULTY[puppet])

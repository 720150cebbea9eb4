"""How close a student's shadows came to each target shape, and the part they keep missing.

The app records with each attempt the best shape match of the try (the overlap of the student's
shadow and the lesson's target, 0-1) and the part its hint named longest ("ears"). The student's
progress screen and the teacher's student page both summarise them here, so they agree, like
mastery (`mastery.py`). Attempts from apps without shape feedback have neither and are skipped.

Pure: attempts are anything with `puppet` and `passed` and, optionally, `shape_match` and `hint`,
sorted oldest first.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

HINT_WINDOW = 10  # recent failed attempts a "keeps missing" is drawn from


@dataclass(frozen=True)
class ShapeProgress:
    puppet: str
    best_match: float | None  # best shape match over all attempts; None: never measured
    keeps_missing: str | None  # the most frequent hint of the recent failed attempts
    hint_count: int = 0  # how many of them named it
    failed_with_hint: int = 0  # recent failed attempts that carried a hint


def shape_progress(puppet: str, attempts: Sequence) -> ShapeProgress:
    """One puppet's shape summary from its attempts, oldest first.

    "Keeps missing" is the hint named most often over the last `HINT_WINDOW` failed attempts that
    carried one; a tie goes to the part named most recently, since that is what the student is
    stuck on now.
    """
    matches = [m for a in attempts if (m := getattr(a, "shape_match", None)) is not None]
    hints = [h for a in attempts if not a.passed and (h := getattr(a, "hint", None))]
    recent = hints[-HINT_WINDOW:]
    top, count = None, 0
    if recent:
        counts = Counter(recent)
        last_seen = {h: i for i, h in enumerate(recent)}
        top = max(counts, key=lambda h: (counts[h], last_seen[h]))
        count = counts[top]
    return ShapeProgress(puppet, max(matches, default=None), top, count, len(recent))


def shape_progress_by_puppet(attempts: Sequence, puppets: Sequence[str]) -> dict[str, ShapeProgress]:
    """`shape_progress` for every puppet in `puppets` from one student's attempts, oldest first."""
    by_puppet: dict[str, list] = defaultdict(list)
    for a in attempts:
        by_puppet[a.puppet].append(a)
    return {p: shape_progress(p, by_puppet.get(p, [])) for p in puppets}

"""The student's progress from the local attempt log, so it works offline.

Mastery, levels and streak come from `ombro_contract/mastery.py`, the team's one definition (pure
Python in the shared contract), so the app and the teacher's dashboard never disagree. The
app only adds what the server does not store: stars.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.attempt_queue import Attempt
from ombro_contract.labels import PUPPETS
from ombro_contract.mastery import PuppetMastery, StudentSummary, student_summary


@dataclass(frozen=True)
class _AttemptView:
    """A local attempt as `ombro_contract.mastery` reads attempts (aware `device_time`)."""

    puppet: str
    passed: bool
    confidence: float
    device_time: datetime


@dataclass
class ProgressSummary:
    summary: StudentSummary
    best_stars: dict[str, int] = field(default_factory=dict)
    recent: list[Attempt] = field(default_factory=list)

    @property
    def per_puppet(self) -> dict[str, PuppetMastery]:
        return self.summary.puppets


def summarize(history_newest_first: list[Attempt], now: datetime | None = None) -> ProgressSummary:
    views = [
        _AttemptView(a.puppet, a.passed, a.confidence, datetime.fromisoformat(a.device_time))
        for a in reversed(history_newest_first)
        if a.puppet in PUPPETS
    ]
    best_stars = {p: 0 for p in PUPPETS}
    for a in history_newest_first:
        if a.puppet in best_stars:
            best_stars[a.puppet] = max(best_stars[a.puppet], a.stars)
    return ProgressSummary(
        summary=student_summary(views, now or datetime.now(UTC)),
        best_stars=best_stars,
        recent=history_newest_first[:50],
    )

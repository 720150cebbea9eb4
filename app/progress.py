"""The student's progress from the local attempt log, so it works offline.

Mastery, levels and streak come from `ombro_contract/mastery.py`, the team's one definition (pure
Python in the shared contract), so the app and the teacher's dashboard never disagree; the best
shape match and the part a student keeps missing come from `ombro_contract/shape_progress.py`
the same way. The app only adds what the server does not store (stars) and the days for its
chart.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from app.attempt_queue import Attempt
from ombro_contract.labels import PUPPETS
from ombro_contract.mastery import PuppetMastery, StudentSummary, student_summary
from ombro_contract.shape_progress import ShapeProgress, shape_progress_by_puppet

CHART_DAYS = 14


@dataclass(frozen=True)
class _AttemptView:
    """A local attempt as `ombro_contract.mastery` reads attempts (aware `device_time`)."""

    puppet: str
    passed: bool
    confidence: float
    device_time: datetime
    shape_match: float | None = None
    hint: str | None = None


@dataclass(frozen=True)
class PracticeDay:
    day: date  # the day as the streak counts it (the attempt's device time in UTC)
    passed: int
    missed: int


@dataclass
class ProgressSummary:
    summary: StudentSummary
    best_stars: dict[str, int] = field(default_factory=dict)
    recent: list[Attempt] = field(default_factory=list)
    shapes: dict[str, ShapeProgress] = field(default_factory=dict)
    days: list[PracticeDay] = field(default_factory=list)  # the last CHART_DAYS, oldest first

    @property
    def per_puppet(self) -> dict[str, PuppetMastery]:
        return self.summary.puppets


def summarize(history_newest_first: list[Attempt], now: datetime | None = None) -> ProgressSummary:
    now = now or datetime.now(UTC)
    views = [
        _AttemptView(a.puppet, a.passed, a.confidence, datetime.fromisoformat(a.device_time),
                     a.shape_match, a.hint)
        for a in reversed(history_newest_first)
        if a.puppet in PUPPETS
    ]
    best_stars = {p: 0 for p in PUPPETS}
    for a in history_newest_first:
        if a.puppet in best_stars:
            best_stars[a.puppet] = max(best_stars[a.puppet], a.stars)
    return ProgressSummary(
        summary=student_summary(views, now),
        best_stars=best_stars,
        recent=history_newest_first[:50],
        shapes=shape_progress_by_puppet(views, PUPPETS),
        days=practice_days(views, now.date()),
    )


def practice_days(views: list[_AttemptView], today: date, days: int = CHART_DAYS
                  ) -> list[PracticeDay]:
    """Passed and missed attempts per day for the chart, every day shown (zeros too)."""
    passed = Counter(v.device_time.astimezone(UTC).date() for v in views if v.passed)
    missed = Counter(v.device_time.astimezone(UTC).date() for v in views if not v.passed)
    span = [today - timedelta(days=k) for k in range(days - 1, -1, -1)]
    return [PracticeDay(d, passed[d], missed[d]) for d in span]

"""The student's progress computed from the local attempt log, so it works offline.

Mastery follows the team's single definition (passes among the last 5 attempts at a puppet,
divided by 5) so the app and the teacher's dashboard never disagree; the server's
`server/mastery.py` is the reference, this is its offline mirror for the app's own history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from app.attempt_queue import Attempt
from ombro_contract.labels import PUPPETS

WINDOW = 5


def mastery_level(attempts_newest_first: list[Attempt]) -> tuple[float, str]:
    if not attempts_newest_first:
        return 0.0, "not_started"
    score = sum(a.passed for a in attempts_newest_first[:WINDOW]) / WINDOW
    level = "learning" if score < 0.4 else "practising" if score < 0.8 else "mastered"
    return score, level


def streak_days(practice_days: set[date], today: date) -> int:
    """Days in a row with practice, ending today or yesterday (today may not have started yet)."""
    day = today if today in practice_days else today - timedelta(days=1)
    n = 0
    while day in practice_days:
        n += 1
        day -= timedelta(days=1)
    return n


@dataclass
class PuppetProgress:
    puppet: str
    attempts: int = 0
    passes: int = 0
    best_confidence: float = 0.0
    best_stars: int = 0
    mastery: float = 0.0
    level: str = "not_started"


@dataclass
class ProgressSummary:
    attempts: int
    passes: int
    streak: int
    per_puppet: dict[str, PuppetProgress] = field(default_factory=dict)
    recent: list[Attempt] = field(default_factory=list)


def summarize(history_newest_first: list[Attempt], today: date | None = None) -> ProgressSummary:
    today = today or datetime.now().astimezone().date()
    per = {p: PuppetProgress(p) for p in PUPPETS}
    by_puppet: dict[str, list[Attempt]] = {p: [] for p in PUPPETS}
    days: set[date] = set()
    for a in history_newest_first:
        if a.puppet not in per:
            continue
        by_puppet[a.puppet].append(a)
        pp = per[a.puppet]
        pp.attempts += 1
        pp.passes += int(a.passed)
        if a.passed:
            pp.best_confidence = max(pp.best_confidence, a.confidence)
        pp.best_stars = max(pp.best_stars, a.stars)
        days.add(datetime.fromisoformat(a.device_time).astimezone().date())
    for p, attempts in by_puppet.items():
        per[p].mastery, per[p].level = mastery_level(attempts)
    return ProgressSummary(
        attempts=len(history_newest_first),
        passes=sum(a.passed for a in history_newest_first),
        streak=streak_days(days, today),
        per_puppet=per,
        recent=history_newest_first[:50],
    )

"""Mastery, streaks and "needs help": the one definition used by the API, the dashboard and the app.

It lives in the shared contract, not in the server, because the app shows the same levels offline and
ships without the server package (a phone build carries neither FastAPI nor SQLAlchemy).

Definition (README): over a student's last 5 attempts at a puppet, mastery = passed / 5 (fewer
than 5 attempts still divide by 5, so two lucky passes do not look like mastery). Levels:
not_started (no attempts), learning (< 0.4), practising (< 0.8), mastered (>= 0.8). A student
needs help when they have 5 or more failed attempts in a row on one puppet with no pass after
them, or no practice in the last 7 days. Assigned puppets are listed first.

Everything here is pure: it takes attempts (anything with `puppet`, `passed`, `confidence`,
`device_time`) sorted oldest first, so it is tested without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Protocol

from ombro_contract.labels import PUPPETS

WINDOW = 5
PRACTISING_AT = 0.4
MASTERED_AT = 0.8
FAIL_STREAK_FOR_HELP = 5
INACTIVE_AFTER = timedelta(days=7)


class AttemptLike(Protocol):
    puppet: str
    passed: bool
    confidence: float
    device_time: datetime


class Level(str, Enum):
    not_started = "not_started"
    learning = "learning"
    practising = "practising"
    mastered = "mastered"


@dataclass(frozen=True)
class PuppetMastery:
    puppet: str
    attempts: int
    passed_total: int
    passed_last: int  # passes among the last WINDOW attempts
    mastery: float
    level: Level
    best_confidence: float | None
    fail_streak: int  # failed attempts since the last pass
    last_practice: datetime | None


@dataclass(frozen=True)
class HelpReason:
    kind: str  # "fail_streak" | "inactive"
    puppet: str | None
    detail: str


@dataclass(frozen=True)
class StudentSummary:
    puppets: dict[str, PuppetMastery]
    attempts: int
    passed: int
    streak_days: int
    last_practice: datetime | None
    needs_help: list[HelpReason] = field(default_factory=list)


def level_for(score: float, attempts: int) -> Level:
    if attempts == 0:
        return Level.not_started
    if score >= MASTERED_AT:
        return Level.mastered
    if score >= PRACTISING_AT:
        return Level.practising
    return Level.learning


def puppet_mastery(puppet: str, attempts: Sequence[AttemptLike]) -> PuppetMastery:
    """Mastery for one puppet from that puppet's attempts, oldest first."""
    last = attempts[-WINDOW:]
    passed_last = sum(1 for a in last if a.passed)
    score = passed_last / WINDOW
    fail_streak = 0
    for a in reversed(attempts):
        if a.passed:
            break
        fail_streak += 1
    return PuppetMastery(
        puppet=puppet,
        attempts=len(attempts),
        passed_total=sum(1 for a in attempts if a.passed),
        passed_last=passed_last,
        mastery=score,
        level=level_for(score, len(attempts)),
        best_confidence=max((float(a.confidence) for a in attempts), default=None),
        fail_streak=fail_streak,
        last_practice=attempts[-1].device_time if attempts else None,
    )


def streak_days(practice_days: Iterable[date], today: date) -> int:
    """Consecutive days with practice ending today (or yesterday: today is not over yet)."""
    days = set(practice_days)
    cursor = today if today in days else today - timedelta(days=1)
    streak = 0
    while cursor in days:
        streak += 1
        cursor -= timedelta(days=1)
    return streak


def student_summary(
    attempts: Sequence[AttemptLike], now: datetime, assigned: Sequence[str] = ()
) -> StudentSummary:
    """Everything the progress endpoints and the dashboard show for one student.

    `attempts` are the student's attempts oldest first; `now` is aware UTC.
    """
    by_puppet: dict[str, list[AttemptLike]] = defaultdict(list)
    for a in attempts:
        by_puppet[a.puppet].append(a)
    puppets = {p: puppet_mastery(p, by_puppet.get(p, [])) for p in PUPPETS}
    last_practice = max((a.device_time for a in attempts), default=None)
    return StudentSummary(
        puppets=puppets,
        attempts=len(attempts),
        passed=sum(1 for a in attempts if a.passed),
        streak_days=streak_days((a.device_time.date() for a in attempts), now.date()),
        last_practice=last_practice,
        needs_help=needs_help(puppets, last_practice, now, assigned),
    )


def needs_help(
    puppets: dict[str, PuppetMastery],
    last_practice: datetime | None,
    now: datetime,
    assigned: Sequence[str] = (),
) -> list[HelpReason]:
    """Why a student needs help (empty: they do not); assigned puppets come first."""
    order = {p: i for i, p in enumerate(assigned)}
    stuck = sorted(
        (m for m in puppets.values() if m.fail_streak >= FAIL_STREAK_FOR_HELP),
        key=lambda m: (order.get(m.puppet, len(order)), -m.fail_streak, m.puppet),
    )
    reasons = [
        HelpReason("fail_streak", m.puppet, f"{m.fail_streak} failed attempts in a row at {m.puppet}")
        for m in stuck
    ]
    if last_practice is None or now - last_practice > INACTIVE_AFTER:
        first = next((p for p in assigned), None)
        detail = (
            "no practice yet" if last_practice is None
            else f"no practice since {last_practice.date().isoformat()}"
        )
        reasons.append(HelpReason("inactive", first, detail))
    return reasons

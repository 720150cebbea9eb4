"""The student page: one student's attempts, summarised by the shared mastery rules."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ombro_contract import mastery

from ..crud.attempts import attempts_for_students
from ..models import Attempt, User
from .charts import Chart, attempts_chart, fill_days

RECENT = 20
CHART_DAYS = 28


@dataclass(frozen=True)
class PuppetLine:
    puppet: str
    best: float | None
    level: str
    attempts: int


@dataclass(frozen=True)
class StudentView:
    student_id: int
    name: str
    attempts: int
    passed: int
    streak: int
    mastered: int
    puppets: list[PuppetLine]
    recent: list[Attempt]
    needs_help: list[str]


def student_view(
    session: Session, student: User, now: datetime, assigned: list[str]
) -> tuple[StudentView, Chart]:
    attempts = attempts_for_students(session, [student.id])
    summary = mastery.student_summary(attempts, now, assigned)
    # Assigned puppets first: the teacher asked for those.
    order = {p: i for i, p in enumerate(assigned)}
    lines = sorted(
        (
            PuppetLine(m.puppet, m.best_confidence, m.level.value, m.attempts)
            for m in summary.puppets.values()
        ),
        key=lambda line: (order.get(line.puppet, len(order)), line.puppet),
    )
    view = StudentView(
        student_id=student.id,
        name=student.display_name or student.username,
        attempts=summary.attempts,
        passed=summary.passed,
        streak=summary.streak_days,
        mastered=sum(1 for m in summary.puppets.values() if m.level is mastery.Level.mastered),
        puppets=lines,
        recent=list(reversed(attempts[-RECENT:])),
        needs_help=[r.detail for r in summary.needs_help],
    )
    return view, attempts_chart(fill_days(_daily(attempts), now.date(), CHART_DAYS))


def _daily(attempts: list[Attempt]) -> dict[date, tuple[int, int]]:
    passed: Counter[date] = Counter()
    failed: Counter[date] = Counter()
    for a in attempts:
        (passed if a.passed else failed)[a.device_time.date()] += 1
    return {d: (passed[d], failed[d]) for d in set(passed) | set(failed)}

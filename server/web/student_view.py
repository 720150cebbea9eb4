"""The student page: one student's attempts, summarised by the shared mastery and shape rules.

Besides mastery the teacher sees how close the student's shadows came to each target shape (the
app's best shape match) and the part a student keeps missing (the most frequent hint of their
recent failed attempts, `ombro_contract.shape_progress`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from ombro_contract import mastery
from ombro_contract.labels import PUPPETS
from ombro_contract.shape_progress import shape_progress_by_puppet

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
    best_match: float | None = None
    keeps_missing: str | None = None
    hint_count: int = 0
    failed_with_hint: int = 0


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
    keeps_missing: list[PuppetLine]  # puppets with a part the student keeps missing, most first


def student_view(
    session: Session, student: User, now: datetime, assigned: list[str]
) -> tuple[StudentView, Chart]:
    attempts = attempts_for_students(session, [student.id])
    summary = mastery.student_summary(attempts, now, assigned)
    shapes = shape_progress_by_puppet(attempts, PUPPETS)
    # Assigned puppets first: the teacher asked for those.
    order = {p: i for i, p in enumerate(assigned)}
    lines = sorted(
        (
            PuppetLine(m.puppet, m.best_confidence, m.level.value, m.attempts,
                       shapes[m.puppet].best_match, shapes[m.puppet].keeps_missing,
                       shapes[m.puppet].hint_count, shapes[m.puppet].failed_with_hint)
            for m in summary.puppets.values()
        ),
        key=lambda line: (order.get(line.puppet, len(order)), line.puppet),
    )
    stuck = sorted((line for line in lines if line.keeps_missing),
                   key=lambda line: (-line.hint_count, order.get(line.puppet, len(order)),
                                     line.puppet))
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
        keeps_missing=stuck[:3],
    )
    return view, attempts_chart(fill_days(_daily(attempts), now.date(), CHART_DAYS))


def _daily(attempts: list[Attempt]) -> dict[date, tuple[int, int]]:
    passed: Counter[date] = Counter()
    failed: Counter[date] = Counter()
    for a in attempts:
        (passed if a.passed else failed)[a.device_time.date()] += 1
    return {d: (passed[d], failed[d]) for d in set(passed) | set(failed)}

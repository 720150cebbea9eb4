"""The class overview in a fixed number of queries, whatever the class size.

A class page must stay fast when a class has tens of thousands of attempts, so instead of loading
every attempt the database returns one aggregate row per (student, puppet): attempt count, passes,
passes among the last `mastery.WINDOW` attempts (a window function), failures since the last pass,
best confidence and last practice. The levels, streaks and "needs help" rules are then applied by
`ombro_contract.mastery` itself, so the dashboard never has its own idea of mastery. A test checks that
this matches `mastery.student_summary` over the full attempt lists.

Queries per page: class (1), students (1), assignments (2), per-puppet aggregates (1), practice
days (1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from ombro_contract import mastery
from ombro_contract.labels import PUPPETS

from ..crud.classes import class_assignments, class_students
from ..crud.progress import assigned_puppets
from ..models import Attempt, Membership, SchoolClass


@dataclass(frozen=True)
class Cell:
    level: str
    mastery: float
    passed: int  # passes among the last WINDOW attempts
    attempts: int
    assigned: bool


@dataclass(frozen=True)
class StudentRow:
    student_id: int
    name: str
    username: str
    cells: list[Cell]
    summary: mastery.StudentSummary

    @property
    def last_practice(self) -> datetime | None:
        return self.summary.last_practice

    @property
    def streak(self) -> int:
        return self.summary.streak_days


@dataclass(frozen=True)
class HelpItem:
    student_id: int
    name: str
    reasons: list[str]


@dataclass(frozen=True)
class AssignmentView:
    puppet: str
    due: date | None


@dataclass(frozen=True)
class ClassOverview:
    class_id: int
    name: str
    join_code: str
    rows: list[StudentRow]
    needs_help: list[HelpItem]
    assignments: list[AssignmentView]
    assigned_puppets: list[str]


def class_overview(session: Session, klass: SchoolClass, now: datetime) -> ClassOverview:
    students = class_students(session, klass.id)
    assigned = assigned_puppets(session, [klass.id])
    # Soonest due first: the same order `assigned_puppets` gives "needs help".
    ordered = sorted(
        class_assignments(session, klass.id),
        key=lambda a: (a.due is None, a.due or date.max, a.id),
    )

    per_puppet = puppet_aggregates(session, klass.id)
    days = practice_days(session, klass.id)

    rows: list[StudentRow] = []
    help_items: list[HelpItem] = []
    assigned_set = set(assigned)
    for student in students:
        puppets = {
            p: per_puppet.get((student.id, p)) or mastery.puppet_mastery(p, []) for p in PUPPETS
        }
        summary = summary_from_aggregates(puppets, days.get(student.id, set()), now, assigned)
        cells = [
            Cell(
                level=m.level.value,
                mastery=m.mastery,
                passed=m.passed_last,
                attempts=m.attempts,
                assigned=p in assigned_set,
            )
            for p, m in puppets.items()
        ]
        name = student.display_name or student.username
        rows.append(StudentRow(student.id, name, student.username, cells, summary))
        if summary.needs_help:
            help_items.append(
                HelpItem(student.id, name, [r.detail for r in summary.needs_help])
            )
    return ClassOverview(
        class_id=klass.id,
        name=klass.name,
        join_code=klass.join_code,
        rows=rows,
        needs_help=help_items,
        assignments=[AssignmentView(a.puppet, a.due) for a in ordered],
        assigned_puppets=assigned,
    )


def summary_from_aggregates(
    puppets: dict[str, mastery.PuppetMastery],
    days: set[date],
    now: datetime,
    assigned: list[str],
) -> mastery.StudentSummary:
    """The same `StudentSummary` that `mastery.student_summary` builds, from aggregate rows."""
    last_practice = max((m.last_practice for m in puppets.values() if m.last_practice), default=None)
    return mastery.StudentSummary(
        puppets=puppets,
        attempts=sum(m.attempts for m in puppets.values()),
        passed=sum(m.passed_total for m in puppets.values()),
        streak_days=mastery.streak_days(days, now.date()),
        last_practice=last_practice,
        needs_help=mastery.needs_help(puppets, last_practice, now, assigned),
    )


def _class_attempts(class_id: int):
    return (
        select(Attempt)
        .join(Membership, Membership.student_id == Attempt.student_id)
        .where(Membership.class_id == class_id)
    )


def puppet_aggregates(
    session: Session, class_id: int
) -> dict[tuple[int, str], mastery.PuppetMastery]:
    """One `PuppetMastery` per (student, puppet) with any attempts, from a single query."""
    # Newest first, ties broken the way crud.attempts_for_students orders oldest first.
    rank = (
        func.row_number()
        .over(
            partition_by=(Attempt.student_id, Attempt.puppet),
            order_by=(Attempt.device_time.desc(), Attempt.received_at.desc(), Attempt.id.desc()),
        )
        .label("rn")
    )
    ranked = (
        _class_attempts(class_id)
        .with_only_columns(
            Attempt.student_id,
            Attempt.puppet,
            Attempt.passed,
            Attempt.confidence,
            Attempt.device_time,
            rank,
        )
        .subquery("ranked")
    )
    passed_int = case((ranked.c.passed, 1), else_=0)
    stmt = select(
        ranked.c.student_id,
        ranked.c.puppet,
        func.count().label("attempts"),
        func.sum(passed_int).label("passed_total"),
        func.sum(case((ranked.c.rn <= mastery.WINDOW, passed_int), else_=0)).label("passed_last"),
        # rank of the newest pass; everything newer than it is a failure in a row
        func.min(case((ranked.c.passed, ranked.c.rn), else_=None)).label("newest_pass_rank"),
        func.max(ranked.c.confidence).label("best"),
        func.max(ranked.c.device_time).label("last_practice"),
    ).group_by(ranked.c.student_id, ranked.c.puppet)

    out: dict[tuple[int, str], mastery.PuppetMastery] = {}
    for row in session.execute(stmt):
        attempts = int(row.attempts)
        passed_last = int(row.passed_last or 0)
        score = passed_last / mastery.WINDOW
        fail_streak = attempts if row.newest_pass_rank is None else int(row.newest_pass_rank) - 1
        out[(row.student_id, row.puppet)] = mastery.PuppetMastery(
            puppet=row.puppet,
            attempts=attempts,
            passed_total=int(row.passed_total or 0),
            passed_last=passed_last,
            mastery=score,
            level=mastery.level_for(score, attempts),
            best_confidence=None if row.best is None else float(row.best),
            fail_streak=fail_streak,
            last_practice=row.last_practice,
        )
    return out


def practice_days(session: Session, class_id: int) -> dict[int, set[date]]:
    """Distinct UTC practice days per student (the streak input), one small grouped query."""
    day = func.date(Attempt.device_time)
    stmt = (
        _class_attempts(class_id)
        .with_only_columns(Attempt.student_id, day.label("day"))
        .group_by(Attempt.student_id, day)
    )
    out: dict[int, set[date]] = {}
    for student_id, value in session.execute(stmt):
        d = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        out.setdefault(student_id, set()).add(d)
    return out


def class_list_stats(
    session: Session, class_ids: list[int], since: datetime
) -> dict[int, tuple[int, int]]:
    """(students, attempts since `since`) per class, in two grouped queries."""
    if not class_ids:
        return {}
    students = dict(
        session.execute(
            select(Membership.class_id, func.count(distinct(Membership.student_id)))
            .where(Membership.class_id.in_(class_ids))
            .group_by(Membership.class_id)
        ).all()
    )
    recent = dict(
        session.execute(
            select(Membership.class_id, func.count(Attempt.id))
            .join(Attempt, Attempt.student_id == Membership.student_id)
            .where(Membership.class_id.in_(class_ids), Attempt.device_time >= since)
            .group_by(Membership.class_id)
        ).all()
    )
    return {cid: (int(students.get(cid, 0)), int(recent.get(cid, 0))) for cid in class_ids}


__all__ = ["ClassOverview", "class_list_stats", "class_overview"]

"""Progress and class mastery from stored attempts, through the one definition in `mastery.py`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy.orm import Session

from ombro_contract.mastery import StudentSummary, student_summary

from ..models import SchoolClass, User, utcnow
from .attempts import attempts_for_students
from .classes import class_assignments, class_students, classes_for_student


def assigned_puppets(session: Session, class_ids: list[int]) -> list[str]:
    """Assigned puppets, soonest due first (undated last), without repeats."""
    rows = [a for cid in class_ids for a in class_assignments(session, cid)]
    rows.sort(key=lambda a: (a.due is None, a.due or datetime.max.date(), a.id))
    return list(dict.fromkeys(a.puppet for a in rows))


def student_progress(session: Session, student: User, now: datetime | None = None) -> StudentSummary:
    classes = [c.id for c in classes_for_student(session, student.id)]
    return student_summary(
        attempts_for_students(session, [student.id]),
        now or utcnow(),
        assigned_puppets(session, classes),
    )


def class_mastery(
    session: Session, klass: SchoolClass, now: datetime | None = None
) -> tuple[list[str], list[tuple[User, StudentSummary]]]:
    """(assigned puppets, [(student, summary)]) for every student of the class."""
    now = now or utcnow()
    students = class_students(session, klass.id)
    assigned = assigned_puppets(session, [klass.id])
    by_student = defaultdict(list)
    for attempt in attempts_for_students(session, [s.id for s in students]):
        by_student[attempt.student_id].append(attempt)
    return assigned, [(s, student_summary(by_student[s.id], now, assigned)) for s in students]

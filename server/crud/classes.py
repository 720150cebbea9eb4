"""School classes, memberships and assignments, with the ownership checks the API relies on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ombro_contract.labels import check_puppet

from ..core.security import new_join_code
from ..models import Assignment, Membership, SchoolClass, User, utcnow
from . import throttle
from .sql import insert_if_absent
from .throttle import Limit, throttle_key


def create_class(session: Session, teacher: User, name: str) -> SchoolClass:
    # Join codes are random; a collision is astronomically rare but retried rather than assumed
    # away, and decided by the insert itself (no savepoint, no IntegrityError to catch).
    for _ in range(5):
        values = {"name": name.strip(), "teacher_id": teacher.id, "join_code": new_join_code()}
        class_id = insert_if_absent(session, SchoolClass, values, conflict=["join_code"])
        if class_id is not None:
            return session.get(SchoolClass, class_id)
    raise RuntimeError("could not allocate a unique join code; try again")


def get_class(session: Session, class_id: int) -> SchoolClass | None:
    return session.get(SchoolClass, class_id)


def get_class_by_join_code(session: Session, join_code: str) -> SchoolClass | None:
    code = join_code.strip().upper().replace("-", "").replace(" ", "")
    return session.scalar(select(SchoolClass).where(SchoolClass.join_code == code))


class JoinThrottled(Exception):
    """Too many wrong join codes; `retry_after` seconds until joining is allowed again."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many wrong join codes: try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class JoinPolicy:
    """Wrong join codes allowed per client address, and from everyone together, per window.

    The global budget is what stops guessing from many addresses at once: 8 characters from a
    32-letter alphabet are 2**40 codes, so at the default 200 wrong codes per 15 minutes a
    guesser needs about 80,000 years per class on average (80 years to hit one of 1000 classes).
    Spending it pauses joining for everyone until the window ends (a right code is refused then
    too, or the pause would tell a guesser which code was right).
    """

    max_failures_per_ip: int = 10
    max_failures_global: int = 200
    window_s: int = 900
    lockout_s: int = 900


def class_for_join_code(
    session: Session, join_code: str, client: str | None, policy: JoinPolicy
) -> SchoolClass | None:
    """The class with this join code, counted against the join throttle.

    The try is counted for the client and globally before the code is looked up, and given back
    when the code is right; commits those counts itself (like `users.authenticate`). Raises
    `JoinThrottled` when either budget is spent.
    """
    now = utcnow()
    limits = [(throttle_key("join-all", "*"),
               Limit(policy.max_failures_global, policy.window_s, policy.lockout_s))]
    if client:
        limits.insert(0, (throttle_key("join-ip", client),
                          Limit(policy.max_failures_per_ip, policy.window_s, policy.lockout_s)))
    taken = []
    for key, limit in limits:
        wait = throttle.take(session, key, limit, now)
        if wait is not None:
            for done_key, done_limit in taken:  # no code was tried
                throttle.give_back(session, done_key, done_limit)
            session.commit()
            raise JoinThrottled(wait)
        taken.append((key, limit))
    session.commit()
    klass = get_class_by_join_code(session, join_code)
    if klass is not None:
        for key, limit in taken:
            throttle.give_back(session, key, limit)
        session.commit()
    return klass


def classes_for_teacher(session: Session, teacher_id: int) -> list[SchoolClass]:
    return list(
        session.scalars(
            select(SchoolClass).where(SchoolClass.teacher_id == teacher_id).order_by(SchoolClass.id)
        )
    )


def classes_for_student(session: Session, student_id: int) -> list[SchoolClass]:
    return list(
        session.scalars(
            select(SchoolClass)
            .join(Membership, Membership.class_id == SchoolClass.id)
            .where(Membership.student_id == student_id)
            .order_by(SchoolClass.id)
        )
    )


def join_class(session: Session, klass: SchoolClass, student: User) -> Membership:
    """Add the student to the class; joining twice (even concurrently) keeps one membership."""
    values = {"class_id": klass.id, "student_id": student.id}
    insert_if_absent(session, Membership, values, conflict=["class_id", "student_id"])
    return session.scalar(
        select(Membership).where(
            Membership.class_id == klass.id, Membership.student_id == student.id
        )
    )


def class_students(session: Session, class_id: int) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(Membership, Membership.student_id == User.id)
            .where(Membership.class_id == class_id)
            .order_by(User.display_name, User.id)
        )
    )


def is_member(session: Session, class_id: int, student_id: int) -> bool:
    return (
        session.scalar(
            select(Membership.id).where(
                Membership.class_id == class_id, Membership.student_id == student_id
            )
        )
        is not None
    )


def teacher_owns_student(session: Session, teacher_id: int, student_id: int) -> bool:
    """True when the student is in at least one of this teacher's classes."""
    return (
        session.scalar(
            select(Membership.id)
            .join(SchoolClass, SchoolClass.id == Membership.class_id)
            .where(SchoolClass.teacher_id == teacher_id, Membership.student_id == student_id)
            .limit(1)
        )
        is not None
    )


def add_assignment(
    session: Session, klass: SchoolClass, puppet: str, due: date | None
) -> Assignment:
    assignment = Assignment(class_id=klass.id, puppet=check_puppet(puppet), due=due)
    session.add(assignment)
    session.flush()
    return assignment


def class_assignments(session: Session, class_id: int) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment).where(Assignment.class_id == class_id).order_by(Assignment.id)
        )
    )

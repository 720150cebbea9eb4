"""School classes, memberships and assignments, with the ownership checks the API relies on."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ombro_contract.labels import check_puppet

from ..core.security import new_join_code
from ..models import Assignment, Membership, SchoolClass, User


def create_class(session: Session, teacher: User, name: str) -> SchoolClass:
    # Join codes are random; a collision is astronomically rare but retried rather than assumed away.
    for _ in range(5):
        klass = SchoolClass(name=name.strip(), teacher_id=teacher.id, join_code=new_join_code())
        try:
            with session.begin_nested():
                session.add(klass)
                session.flush()
            return klass
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate a unique join code; try again")


def get_class(session: Session, class_id: int) -> SchoolClass | None:
    return session.get(SchoolClass, class_id)


def get_class_by_join_code(session: Session, join_code: str) -> SchoolClass | None:
    code = join_code.strip().upper().replace("-", "").replace(" ", "")
    return session.scalar(select(SchoolClass).where(SchoolClass.join_code == code))


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
    existing = session.scalar(
        select(Membership).where(
            Membership.class_id == klass.id, Membership.student_id == student.id
        )
    )
    if existing is not None:
        return existing
    membership = Membership(class_id=klass.id, student_id=student.id)
    session.add(membership)
    session.flush()
    return membership


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

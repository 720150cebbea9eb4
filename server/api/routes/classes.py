"""Classes: teachers create and follow them; students see the ones they joined."""

from __future__ import annotations

import csv
import io

from fastapi import APIRouter
from fastapi.responses import Response

from ombro_contract.labels import PUPPETS

from ... import crud
from ...core.downloads import content_disposition, csv_safe
from ...core.strict_json import StrictJSONRoute
from ...crud.classes import class_assignments
from ...crud.progress import class_mastery
from ...models import Role, SchoolClass, User
from ...schemas import (
    AssignmentIn,
    AssignmentOut,
    ClassDetailOut,
    ClassIn,
    ClassMasteryOut,
    ClassOut,
    HelpReasonOut,
    MasteryCellOut,
    StudentMasteryOut,
    UserOut,
)
from ..deps import DbId, SessionDep, TeacherOrStudent, TeacherUser, owned_class, visible_class

router = APIRouter(tags=["classes"], route_class=StrictJSONRoute)


def _class_out(klass: SchoolClass, viewer: User) -> ClassOut:
    out = ClassOut.model_validate(klass)
    if klass.teacher_id != viewer.id:
        out.join_code = None
    return out


@router.post("/classes", response_model=ClassOut, status_code=201)
def create_class(body: ClassIn, user: TeacherUser, session: SessionDep) -> ClassOut:
    klass = crud.create_class(session, user, body.name)
    session.commit()
    return _class_out(klass, user)


@router.get("/classes", response_model=list[ClassOut])
def list_classes(user: TeacherOrStudent, session: SessionDep) -> list[ClassOut]:
    if user.role == Role.teacher.value:
        classes = crud.classes_for_teacher(session, user.id)
    else:
        classes = crud.classes_for_student(session, user.id)
    return [_class_out(c, user) for c in classes]


@router.get("/classes/{class_id}", response_model=ClassDetailOut, responses={404: {}})
def get_class(class_id: DbId, user: TeacherOrStudent, session: SessionDep) -> ClassDetailOut:
    klass = visible_class(session, user, class_id)
    base = _class_out(klass, user).model_dump()
    # Students see their class and its assignments, not their classmates.
    students = crud.class_students(session, klass.id) if klass.teacher_id == user.id else []
    return ClassDetailOut(
        **base,
        students=[UserOut.model_validate(s) for s in students],
        assignments=[AssignmentOut.model_validate(a) for a in class_assignments(session, klass.id)],
    )


@router.get("/classes/{class_id}/mastery", response_model=ClassMasteryOut, responses={404: {}})
def get_class_mastery(class_id: DbId, user: TeacherUser, session: SessionDep) -> ClassMasteryOut:
    klass = owned_class(session, user, class_id)
    assigned, rows = class_mastery(session, klass)
    return ClassMasteryOut(
        class_id=klass.id,
        puppets=list(PUPPETS),
        assigned=assigned,
        students=[
            StudentMasteryOut(
                student=UserOut.model_validate(student),
                puppets={
                    p: MasteryCellOut(mastery=m.mastery, level=m.level.value, attempts=m.attempts)
                    for p, m in summary.puppets.items()
                },
                streak_days=summary.streak_days,
                last_practice=summary.last_practice,
                needs_help=[HelpReasonOut(**vars(r)) for r in summary.needs_help],
            )
            for student, summary in rows
        ],
    )


@router.get("/classes/{class_id}/export.csv", response_class=Response, responses={404: {}})
def export_csv(class_id: DbId, user: TeacherUser, session: SessionDep) -> Response:
    klass = owned_class(session, user, class_id)
    _, rows = class_mastery(session, klass)
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["student_id", "username", "display_name", "puppet", "attempts", "passed",
                     "mastery", "level", "best_confidence", "last_practice"])
    for student, summary in rows:
        for p, m in summary.puppets.items():
            writer.writerow([
                student.id, csv_safe(student.username), csv_safe(student.display_name), p,
                m.attempts, m.passed_total, f"{m.mastery:.2f}", m.level.value,
                "" if m.best_confidence is None else f"{m.best_confidence:.3f}",
                m.last_practice.isoformat() if m.last_practice else "",
            ])
    filename = f"class-{klass.id}-mastery.csv"
    return Response(
        buf.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(filename), "Cache-Control": "no-store",
                 "X-Content-Type-Options": "nosniff"},
    )


@router.post("/classes/{class_id}/assignments", response_model=AssignmentOut, status_code=201,
             responses={404: {}})
def add_assignment(class_id: DbId, body: AssignmentIn, user: TeacherUser, session: SessionDep) -> AssignmentOut:
    klass = owned_class(session, user, class_id)
    assignment = crud.add_assignment(session, klass, body.puppet, body.due)
    session.commit()
    return AssignmentOut.model_validate(assignment)

"""A student's progress: their own, or (for their teacher) one of the class."""

from __future__ import annotations

from fastapi import APIRouter

from ombro_contract.mastery import StudentSummary

from ...core.strict_json import StrictJSONRoute
from ...crud.progress import student_progress
from ...models import User
from ...schemas import HelpReasonOut, ProgressOut, PuppetProgressOut, UserOut
from ..deps import DbId, SessionDep, StudentUser, TeacherOrStudent, visible_student

router = APIRouter(tags=["students"], route_class=StrictJSONRoute)


def _progress_out(student: User, summary: StudentSummary) -> ProgressOut:
    return ProgressOut(
        student=UserOut.model_validate(student),
        attempts=summary.attempts,
        passed=summary.passed,
        streak_days=summary.streak_days,
        last_practice=summary.last_practice,
        puppets=[
            PuppetProgressOut(
                puppet=m.puppet, attempts=m.attempts, passed=m.passed_total, mastery=m.mastery,
                level=m.level.value, best_confidence=m.best_confidence, fail_streak=m.fail_streak,
                last_practice=m.last_practice,
            )
            for m in summary.puppets.values()
        ],
        needs_help=[HelpReasonOut(**vars(r)) for r in summary.needs_help],
    )


@router.get("/students/me/progress", response_model=ProgressOut)
def my_progress(user: StudentUser, session: SessionDep) -> ProgressOut:
    return _progress_out(user, student_progress(session, user))


@router.get("/students/{student_id}/progress", response_model=ProgressOut, responses={404: {}})
def student_progress_route(student_id: DbId, user: TeacherOrStudent, session: SessionDep) -> ProgressOut:
    student = visible_student(session, user, student_id)
    return _progress_out(student, student_progress(session, student))

"""My classes, class overview (heat map), student page, assignments and CSV export."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ombro_contract.errors import UnknownPuppetError
from ombro_contract.labels import PUPPETS

from ...core.downloads import content_disposition
from ...crud.classes import add_assignment, classes_for_teacher, create_class, is_member
from ...crud.progress import assigned_puppets
from ...crud.users import get_user
from ...models import Role, utcnow
from ..deps import CsrfChecked, DbId, DbSession, OwnedClass, StaffUser, Teacher
from ..export import class_csv, csv_filename
from ..overview import class_list_stats, class_overview
from ..session import PageError, flash
from ..student_view import student_view
from ..templating import render

router = APIRouter()

MAX_CLASS_NAME = 120
MAX_DUE_DAYS = 366


@router.get("/")
def my_classes(request: Request, user: StaffUser, db: DbSession) -> Response:
    if user.role == Role.maintainer.value:
        return RedirectResponse("/models", status_code=303)
    now = utcnow()
    classes = classes_for_teacher(db, user.id)
    stats = class_list_stats(db, [c.id for c in classes], now - timedelta(days=7))
    items = [
        {
            "id": c.id,
            "name": c.name,
            "join_code": c.join_code,
            "students": stats[c.id][0],
            "attempts_7d": stats[c.id][1],
        }
        for c in classes
    ]
    return render(
        request, "classes.html", nav="classes", classes=items,
        new_name="", max_class_name=MAX_CLASS_NAME,
    )


@router.post("/classes", dependencies=[CsrfChecked])
def new_class(
    request: Request, user: Teacher, db: DbSession, name: Annotated[str, Form()] = ""
) -> Response:
    name = " ".join(name.split())
    if not name or len(name) > MAX_CLASS_NAME:
        flash(request, "error", f"A class name needs 1 to {MAX_CLASS_NAME} characters.")
        return RedirectResponse("/#new-class", status_code=303)
    klass = create_class(db, user, name)
    db.commit()
    flash(request, "ok", f"Class created. Students join it with the code {klass.join_code}.")
    return RedirectResponse(f"/classes/{klass.id}", status_code=303)


@router.get("/classes/{class_id}")
def class_page(request: Request, klass: OwnedClass, db: DbSession) -> Response:
    now = utcnow()
    overview = class_overview(db, klass, now)
    return render(
        request, "class_overview.html", nav="classes", overview=overview, now=now,
        default_due=(now.date() + timedelta(days=7)).isoformat(),
    )


@router.post("/classes/{class_id}/assignments", dependencies=[CsrfChecked])
def assign(
    request: Request,
    klass: OwnedClass,
    db: DbSession,
    puppet: Annotated[str, Form()] = "",
    due: Annotated[str, Form()] = "",
) -> Response:
    back = RedirectResponse(f"/classes/{klass.id}#assign-title", status_code=303)
    today = utcnow().date()
    try:
        due_date = date.fromisoformat(due)
    except ValueError:
        flash(request, "error", "Pick a due date (YYYY-MM-DD) for the assignment.")
        return back
    if not today - timedelta(days=1) <= due_date <= today + timedelta(days=MAX_DUE_DAYS):
        flash(request, "error", "The due date must be between today and a year from now.")
        return back
    try:
        add_assignment(db, klass, puppet, due_date)
        db.commit()
    except UnknownPuppetError:
        flash(request, "error", f"Pick one of the puppets: {', '.join(PUPPETS)}.")
        return back
    flash(request, "ok", f"Assigned {puppet}, due {due_date.strftime('%a %d %b %Y')}.")
    return back


@router.get("/classes/{class_id}/export.csv")
def export_csv(klass: OwnedClass, db: DbSession) -> Response:
    now = utcnow()
    overview = class_overview(db, klass, now)
    return Response(
        # A BOM so spreadsheet programs read the names (accents, emoji) as UTF-8.
        "\ufeff" + class_csv(overview),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": content_disposition(csv_filename(overview, now)),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/classes/{class_id}/students/{student_id}")
def student_page(request: Request, klass: OwnedClass, student_id: DbId, db: DbSession) -> Response:
    student = get_user(db, student_id)
    if student is None or not is_member(db, klass.id, student_id):
        raise PageError(404, "Student not found", "This student is not in this class.")
    now = utcnow()
    assigned = assigned_puppets(db, [klass.id])
    view, chart = student_view(db, student, now, assigned)
    return render(
        request, "student.html", nav="classes", student=view, chart=chart,
        class_id=klass.id, class_name=klass.name,
    )


"""Dependencies for dashboard pages: signed-in teacher or maintainer, owned class, CSRF.

Identity comes from the server's revocable cookie session (`server.api.deps.CookieUser`); this
module only turns "not signed in" into a redirect to the login page and "not allowed" into an
HTML error page. Access control is declared on each route (`Teacher`, `Maintainer`,
`OwnedClass`), so a reader sees who may open a page from its signature.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, Request

from ..api.deps import CookieUser, DbId, SessionDep
from ..crud.classes import get_class
from ..models import Role, SchoolClass, User
from .session import LoginRequired, PageError, UserSummary, check_csrf

DbSession = SessionDep  # routes commit explicitly; anything uncommitted is rolled back


def _next_url(request: Request) -> str:
    """Where to come back after login: this page for a GET; a POST cannot be replayed."""
    if request.method != "GET":
        return "/"
    url = request.url.path
    return url + "?" + request.url.query if request.url.query else url


def signed_in_user(request: Request, user: CookieUser) -> User:
    if user is None:
        raise LoginRequired(_next_url(request))
    if user.role not in (Role.teacher.value, Role.maintainer.value):
        raise PageError(
            403,
            "For teachers only",
            "The dashboard is for teachers and maintainers. Students practise in the Ombro app.",
        )
    request.state.dashboard_user = UserSummary(
        id=user.id, username=user.username, display_name=user.display_name, role=user.role
    )
    return user


StaffUser = Annotated[User, Depends(signed_in_user)]


def teacher(user: StaffUser) -> User:
    if user.role != Role.teacher.value:
        raise PageError(
            403, "For teachers only", "Classes belong to teacher accounts. Log in as a teacher."
        )
    return user


def maintainer(user: StaffUser) -> User:
    if user.role != Role.maintainer.value:
        raise PageError(
            403, "For maintainers only", "Only maintainers can promote and roll back models."
        )
    return user


Teacher = Annotated[User, Depends(teacher)]
Maintainer = Annotated[User, Depends(maintainer)]


def owned_class(class_id: DbId, user: Teacher, db: DbSession) -> SchoolClass:
    """The class, if this teacher owns it.

    Another teacher's class is a 403 page here (the API answers 404 so ids cannot be probed; a
    signed-in teacher following a colleague's link deserves to know why the page is closed).
    """
    klass = get_class(db, class_id)
    if klass is None:
        raise PageError(404, "Class not found", "There is no such class. Pick one from My classes.")
    if klass.teacher_id != user.id:
        raise PageError(403, "Not your class", "This class belongs to another teacher.")
    return klass


OwnedClass = Annotated[SchoolClass, Depends(owned_class)]


def csrf_checked(request: Request, csrf_token: Annotated[str, Form()] = "") -> None:
    check_csrf(request, csrf_token)


CsrfChecked = Depends(csrf_checked)

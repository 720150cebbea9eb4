"""Dependencies: the app context, a database session, and who is calling.

Access control is declared in route signatures (`StudentUser`, `TeacherUser`, `MaintainerUser`),
so a reader sees who may call an endpoint without reading its body. Ownership (which class, which
student) is checked by the `owned_class` / `visible_student` helpers, which answer 404 rather than
403 so nobody can probe which ids exist.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request, Response, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from .. import crud
from ..core.config import Settings
from ..core.limits import Gate
from ..crud.classes import is_member
from ..models import Role, SchoolClass, User
from ..observability import Metrics
from ..registry import ModelStore
from ..scoring import MicroBatcher, ModelProvider


@dataclass
class AppContext:
    """Everything a request may need, created once per app in `create_app` (no module globals)."""

    settings: Settings
    engine: Engine
    factory: sessionmaker[Session]
    store: ModelStore
    metrics: Metrics
    provider: ModelProvider
    batcher: MicroBatcher
    hash_gate: Gate  # argon2: 64 MiB per hash
    decode_gate: Gate  # image decoding for /score
    upload_gate: Gate  # model validation (loads the whole model)


def get_ctx(request: Request) -> AppContext:
    return request.app.state.ctx


Ctx = Annotated[AppContext, Depends(get_ctx)]


def client_host(request: Request) -> str | None:
    """The client's address: the TCP peer, or what a trusted proxy says (see forwarded_allow_ips)."""
    return request.client.host if request.client else None


async def hash_slot(ctx: Ctx) -> AsyncIterator[None]:
    """Hold one password-hashing slot for the request (argon2 costs 64 MiB per hash); waiting
    happens here, as a coroutine, and a full queue is a 503 with Retry-After."""
    async with ctx.hash_gate.slot():
        yield


HashSlot = Depends(hash_slot)


def get_session(ctx: Ctx) -> Iterator[Session]:
    """A session per request; routes commit explicitly, anything uncommitted is rolled back."""
    session = ctx.factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]

# Row ids are INTEGER columns (32-bit on PostgreSQL): a larger or negative id cannot exist, and
# passing one on (2**63 overflows the drivers) would turn a typo into a 500.
MAX_DB_ID = 2**31 - 1
DbId = Annotated[int, Path(ge=1, le=MAX_DB_ID, description=f"a row id, 1..{MAX_DB_ID}")]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_current_user(
    request: Request,
    session: SessionDep,
    ctx: Ctx,
    bearer: Annotated[str | None, Depends(oauth2_scheme)],
) -> User:
    """The caller, from a bearer token or (for the dashboard) the session cookie.

    The lookup's read transaction ends here, so its pooled connection goes back to the pool
    before the route runs. Otherwise every request in flight pins a connection while it waits
    for a decode slot or the model, and when the requests outnumber the pool, the one waiting
    to read which model is current can never get one (seen: 16 concurrent /score requests on
    SQLite's pool of 15 stalled for the pool's 30 s timeout).
    """
    if bearer:
        row = crud.resolve_token(session, bearer, kind="bearer")
        if row is None:
            raise _unauthorized("the access token is invalid, expired or revoked: sign in again")
        request.state.token = bearer
        return _released(session, row.user)
    cookie = request.cookies.get(ctx.settings.session_cookie)
    # The dashboard cookie may read the API, never change it: a browser attaches cookies to
    # cross-site form posts too, and API routes carry no CSRF token (the dashboard's forms do).
    if cookie and request.method in SAFE_METHODS:
        row = crud.resolve_token(session, cookie, kind="session")
        if row is not None:
            request.state.token = cookie
            return _released(session, row.user)
    raise _unauthorized("not signed in: send 'Authorization: Bearer <token>' from POST /api/v1/auth/token")


def _released(session: Session, user: User) -> User:
    """End the (read-only) transaction: the connection returns to the pool, `user` stays loaded
    (the sessionmaker does not expire on commit) and the route's own queries begin anew."""
    session.commit()
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


def require_role(*roles: Role):
    allowed = {r.value for r in roles}

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"this needs a {' or '.join(sorted(allowed))} account; you are signed in "
                f"as a {user.role}",
            )
        return user

    return check


StudentUser = Annotated[User, Depends(require_role(Role.student))]
TeacherUser = Annotated[User, Depends(require_role(Role.teacher))]
MaintainerUser = Annotated[User, Depends(require_role(Role.maintainer))]
TeacherOrStudent = Annotated[User, Depends(require_role(Role.teacher, Role.student))]


def get_cookie_user(request: Request, session: SessionDep, ctx: Ctx) -> User | None:
    """The dashboard's signed-in user from the session cookie, or None (the page redirects)."""
    cookie = request.cookies.get(ctx.settings.session_cookie)
    if not cookie:
        return None
    row = crud.resolve_token(session, cookie, kind="session")
    return None if row is None else row.user


CookieUser = Annotated[User | None, Depends(get_cookie_user)]


def open_cookie_session(response: Response, session: Session, user: User, ctx: AppContext) -> datetime:
    """Start a dashboard session: a revocable server-side token in an HttpOnly cookie."""
    secret, row = crud.issue_token(session, user, ctx.settings.session_ttl_hours, kind="session")
    session.commit()
    response.set_cookie(
        ctx.settings.session_cookie,
        secret,
        max_age=int(ctx.settings.session_ttl_hours * 3600),
        httponly=True,
        secure=ctx.settings.cookie_secure,
        samesite="lax",
        path="/",
    )
    return row.expires_at


def close_cookie_session(request: Request, response: Response, session: Session, ctx: AppContext) -> None:
    cookie = request.cookies.get(ctx.settings.session_cookie)
    if cookie:
        crud.revoke_token(session, cookie)
        session.commit()
    response.delete_cookie(ctx.settings.session_cookie, path="/")


def owned_class(session: Session, user: User, class_id: int) -> SchoolClass:
    """The class if this teacher owns it; 404 otherwise (also for other teachers' classes)."""
    klass = crud.get_class(session, class_id)
    if klass is None or klass.teacher_id != user.id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"class {class_id} not found among your classes")
    return klass


def visible_class(session: Session, user: User, class_id: int) -> SchoolClass:
    """Teachers see their own classes, students the classes they joined."""
    klass = crud.get_class(session, class_id)
    if klass is not None:
        if user.role == Role.teacher.value and klass.teacher_id == user.id:
            return klass
        if user.role == Role.student.value and is_member(session, klass.id, user.id):
            return klass
    raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"class {class_id} not found among your classes")


def visible_student(session: Session, user: User, student_id: int) -> User:
    """A student sees only themself; a teacher sees students in their classes."""
    student = crud.get_user(session, student_id)
    ok = student is not None and student.role == Role.student.value and (
        (user.role == Role.student.value and user.id == student_id)
        or (user.role == Role.teacher.value and crud.teacher_owns_student(session, user.id, student_id))
    )
    if not ok:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"student {student_id} not found in your classes")
    return student

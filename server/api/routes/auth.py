"""Sign-in (OAuth2 password flow), sign-out, joining a class, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status

from ... import crud
from ...core.strict_json import StrictJSONRoute
from ...crud.classes import JoinPolicy
from ...crud.users import ThrottlePolicy, UsernameTakenError
from ...models import Role, User
from ...schemas import JoinIn, MeOut, TokenOut
from ..deps import AppContext, Ctx, CurrentUser, HashSlot, SessionDep, client_host

router = APIRouter(tags=["auth"], route_class=StrictJSONRoute)

USERNAME_MAX = 64  # the users.username column
PASSWORD_MAX = 1024  # argon2 takes any length, but a megabyte password is only a CPU sink


class LoginForm:
    """The OAuth2 password form (as `OAuth2PasswordRequestForm`), with every field bounded."""

    def __init__(
        self,
        username: Annotated[str, Form(min_length=1, max_length=USERNAME_MAX)],
        password: Annotated[str, Form(min_length=1, max_length=PASSWORD_MAX)],
        grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
        scope: Annotated[str, Form(max_length=1024)] = "",
    ):
        self.username, self.password = username, password


def throttle_policy(ctx: AppContext) -> ThrottlePolicy:
    s = ctx.settings
    return ThrottlePolicy(
        max_failures=s.login_max_failures,
        max_failures_per_ip=s.login_max_failures_per_ip,
        window_s=s.login_window_s,
        lockout_s=s.login_lockout_s,
    )


def join_policy(ctx: AppContext) -> JoinPolicy:
    s = ctx.settings
    return JoinPolicy(
        max_failures_per_ip=s.join_max_failures_per_ip,
        max_failures_global=s.join_max_failures_global,
        window_s=s.join_window_s,
        lockout_s=s.join_lockout_s,
    )


def _too_many(retry_after: int, what: str) -> HTTPException:
    return HTTPException(
        status.HTTP_429_TOO_MANY_REQUESTS,
        detail=f"too many {what}: wait {retry_after} s and try again, or ask your teacher",
        headers={"Retry-After": str(retry_after)},
    )


def _token_for(session, user: User, ctx: AppContext) -> TokenOut:
    secret, row = crud.issue_token(session, user, ctx.settings.token_ttl_hours)
    session.commit()
    return TokenOut(access_token=secret, expires_at=row.expires_at, role=user.role, user_id=user.id)


@router.post("/auth/token", response_model=TokenOut, dependencies=[HashSlot],
             responses={401: {}, 429: {}, 503: {}})
def login(
    request: Request,
    form: Annotated[LoginForm, Depends()],
    session: SessionDep,
    ctx: Ctx,
) -> TokenOut:
    try:
        user = crud.authenticate(session, form.username, form.password, client_host(request),
                                 throttle_policy(ctx))
    except crud.LoginThrottled as exc:
        raise _too_many(exc.retry_after, "failed sign-ins") from None
    session.commit()
    if user is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="wrong username or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return _token_for(session, user, ctx)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, user: CurrentUser, session: SessionDep) -> None:
    crud.revoke_token(session, request.state.token)
    session.commit()


@router.post("/auth/join", response_model=TokenOut, status_code=201, dependencies=[HashSlot],
             responses={404: {}, 409: {}, 429: {}, 503: {}})
def join(body: JoinIn, request: Request, session: SessionDep, ctx: Ctx) -> TokenOut:
    try:
        klass = crud.class_for_join_code(session, body.join_code, client_host(request),
                                         join_policy(ctx))
    except crud.JoinThrottled as exc:
        raise _too_many(exc.retry_after, "wrong join codes") from None
    if klass is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            detail="no class has this join code: check it with your teacher",
        )
    try:
        student = crud.create_user(session, body.username, body.password, Role.student, body.display_name)
    except UsernameTakenError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
    crud.join_class(session, klass, student)
    return _token_for(session, student, ctx)


@router.get("/me", response_model=MeOut)
def me(user: CurrentUser, session: SessionDep) -> MeOut:
    if user.role == Role.teacher.value:
        ids = [c.id for c in crud.classes_for_teacher(session, user.id)]
    elif user.role == Role.student.value:
        ids = [c.id for c in crud.classes_for_student(session, user.id)]
    else:
        ids = []
    return MeOut(id=user.id, username=user.username, display_name=user.display_name,
                 role=user.role, class_ids=ids)

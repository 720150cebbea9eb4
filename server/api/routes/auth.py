"""Sign-in (OAuth2 password flow), sign-out, joining a class, and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm

from ... import crud
from ...crud.users import ThrottlePolicy, UsernameTakenError
from ...models import Role, User
from ...schemas import JoinIn, MeOut, TokenOut
from ..deps import AppContext, Ctx, CurrentUser, SessionDep

router = APIRouter(tags=["auth"])


def throttle_policy(ctx: AppContext) -> ThrottlePolicy:
    s = ctx.settings
    return ThrottlePolicy(
        max_failures=s.login_max_failures,
        max_failures_per_ip=s.login_max_failures_per_ip,
        window_s=s.login_window_s,
        lockout_s=s.login_lockout_s,
    )


def _token_for(session, user: User, ctx: AppContext) -> TokenOut:
    secret, row = crud.issue_token(session, user, ctx.settings.token_ttl_hours)
    session.commit()
    return TokenOut(access_token=secret, expires_at=row.expires_at, role=user.role, user_id=user.id)


@router.post("/auth/token", response_model=TokenOut, responses={401: {}, 429: {}})
def login(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    ctx: Ctx,
) -> TokenOut:
    client = request.client.host if request.client else None
    try:
        user = crud.authenticate(session, form.username, form.password, client, throttle_policy(ctx))
    except crud.LoginThrottled as exc:
        session.commit()
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"too many failed sign-ins: wait {exc.retry_after} s and try again, or ask "
            "your teacher to reset your password",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    session.commit()  # keeps the failure count even when the password was wrong
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


@router.post("/auth/join", response_model=TokenOut, status_code=201, responses={404: {}, 409: {}})
def join(body: JoinIn, session: SessionDep, ctx: Ctx) -> TokenOut:
    klass = crud.get_class_by_join_code(session, body.join_code)
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

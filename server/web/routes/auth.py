"""Log in and log out, on the server's revocable cookie sessions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ...api.deps import Ctx, HashSlot, client_host, close_cookie_session, open_cookie_session
from ...api.routes.auth import PASSWORD_MAX, USERNAME_MAX, throttle_policy
from ...crud.users import LoginThrottled, authenticate
from ...models import Role
from ..deps import CsrfChecked, DbSession
from ..session import flash, rotate_csrf, safe_next
from ..templating import render

router = APIRouter()


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", next_url=safe_next(next), username="", error="")


@router.post("/login", dependencies=[CsrfChecked, HashSlot])
def login(
    request: Request,
    db: DbSession,
    ctx: Ctx,
    username: Annotated[str, Form(max_length=USERNAME_MAX)],
    password: Annotated[str, Form(max_length=PASSWORD_MAX)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    policy = throttle_policy(ctx)
    client = client_host(request)

    def again(status: int, error: str) -> Response:
        return render(
            request, "login.html", status_code=status,
            next_url=safe_next(next), username=username, error=error,
        )

    try:
        user = authenticate(db, username, password, client=client, policy=policy)
    except LoginThrottled as exc:
        response = again(429, f"Too many failed logins. Wait {exc.retry_after} s, then try again.")
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    finally:
        db.commit()  # keep the throttle's count of failures even when the login fails
    if user is None:
        return again(401, "Wrong username or password. Check both and try again.")
    if user.role == Role.student.value:
        return again(403, "This is a student account: students practise in the Ombro app.")
    rotate_csrf(request)
    response = RedirectResponse(safe_next(next), status_code=303)
    open_cookie_session(response, db, user, ctx)
    return response


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, db: DbSession, ctx: Ctx) -> Response:
    response = RedirectResponse("/login", status_code=303)
    close_cookie_session(request, response, db, ctx)
    rotate_csrf(request)
    flash(request, "ok", "You are logged out.")
    return response

"""The teacher dashboard: server-rendered pages on the same FastAPI app as the API.

`mount_dashboard(app, settings)` is the single hook `create_app` calls: it adds the signed
session middleware the dashboard uses for CSRF tokens and flash messages, serves the local static
files (no CDN: the dashboard works on a school network without internet), registers the pages,
and turns "log in first" and "not allowed" into a redirect and an HTML page instead of JSON.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from ..core.config import Settings
from .routes import router
from .session import LoginRequired, PageError
from .templating import STATIC_DIR, render


def mount_dashboard(app: FastAPI, settings: Settings) -> None:
    """Add the dashboard to an app made by `create_app` (calling it twice does nothing)."""
    if getattr(app.state, "dashboard_mounted", False):
        return
    app.state.dashboard_mounted = True
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie=f"{settings.session_cookie}_dash",
        max_age=int(settings.session_ttl_hours * 3600),
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.mount("/static/dashboard", StaticFiles(directory=STATIC_DIR), name="dashboard-static")
    app.include_router(router)
    app.add_exception_handler(LoginRequired, _to_login)
    app.add_exception_handler(PageError, _error_page)
    app.state.html_error_page = error_page  # used by server.api.errors for non-API paths


def error_page(
    request: Request, status_code: int, heading: str, message: str, headers: dict[str, str]
) -> Response:
    """An HTML error page, for errors raised before a dashboard route runs (422, 503)."""
    response = render(request, "error.html", status_code=status_code, heading=heading,
                      message=message)
    response.headers.update(headers)
    return response


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='/')}", status_code=303)


async def _error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    return render(
        request, "error.html", status_code=exc.status_code,
        heading=exc.heading, message=exc.message,
    )


__all__ = ["mount_dashboard"]

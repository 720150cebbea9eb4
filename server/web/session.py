"""Dashboard cross-site request forgery protection and one-shot messages.

Who is signed in is the server's business: a revocable server-side session token in its own
HttpOnly cookie (`server.api.deps.open_cookie_session`). Next to it the dashboard keeps a small
Starlette session (signed with the settings' secret, HttpOnly, SameSite=Lax, Secure unless
`cookie_secure` is off) that holds:
- `csrf`: a per-session random token every dashboard form posts back in a hidden field;
- `flash`: messages shown once after a POST-redirect-GET.
Login rotates the CSRF token, so a token planted before login (fixation) is worthless after it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request

CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """Raised by page dependencies; answered with 303 to /login?next=<this page>."""

    def __init__(self, next_url: str):
        super().__init__("log in to see this page")
        self.next_url = next_url


class PageError(Exception):
    """An error shown as an HTML page (403, 404...) instead of the API's JSON."""

    def __init__(self, status_code: int, heading: str, message: str):
        super().__init__(message)
        self.status_code = status_code
        self.heading = heading
        self.message = message


@dataclass(frozen=True)
class UserSummary:
    """What templates may know about the signed-in user (never the ORM row itself)."""

    id: int
    username: str
    display_name: str
    role: str


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Reject a POST whose hidden token does not match this session's, or that comes cross-site."""
    expected = request.session.get("csrf")
    origin = request.headers.get("origin")
    # Defence in depth next to the token: browsers send Origin on POST; it must be us (as the
    # browser sees us: behind a reverse proxy that rewrites Host, X-Forwarded-Host says so).
    hosts = {request.headers.get("host", request.url.netloc)}
    hosts.update(h.strip() for h in request.headers.get("x-forwarded-host", "").split(",") if h)
    if origin and origin != "null" and urlsplit(origin).netloc not in hosts:
        raise PageError(403, "Request refused", "This form was sent from another site.")
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise PageError(
            403,
            "This form has expired",
            "The page was open too long or you logged in elsewhere. Go back, reload the page "
            "and send the form again.",
        )


def rotate_csrf(request: Request) -> None:
    request.session.clear()
    request.session["csrf"] = secrets.token_urlsafe(32)


def flash(request: Request, kind: str, text: str) -> None:
    """A one-shot message for the next page (after a POST-redirect-GET)."""
    request.session.setdefault("flash", [])
    request.session["flash"] = [*request.session["flash"], [kind, text]]


def pop_flashes(request: Request) -> list[tuple[str, str]]:
    if "session" not in request.scope:
        return []
    items = request.session.pop("flash", None) or []
    return [(str(k), str(t)) for k, t in items]


def current_user_summary(request: Request) -> UserSummary | None:
    return getattr(request.state, "dashboard_user", None)


def safe_next(url: str | None) -> str:
    """Only same-site relative paths: '/login?next=https://evil.example' must not redirect out."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return "/"
    return url

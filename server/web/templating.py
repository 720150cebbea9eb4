"""The dashboard's Jinja2 environment and the one function routes use to render a page.

Autoescaping is forced on for every template: student names and class names are typed by
untrusted people, and one forgotten `|e` would be a stored XSS. Nothing in the templates uses
`|safe`; the only Markup is the SVG built (and escaped) in `charts.py`.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from ombro_contract.labels import PUPPETS

from .session import csrf_token, current_user_summary, pop_flashes

WEB_DIR = Path(__file__).resolve().parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"

LEVEL_NAMES = {
    "not_started": "not started",
    "learning": "learning",
    "practising": "practising",
    "mastered": "mastered",
}

# Security headers for every dashboard page. Everything is served from this origin, so the
# policy can forbid inline scripts and third-party hosts outright.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def ago(when: datetime, now: datetime) -> str:
    """'today', 'yesterday', '5 days ago': teachers scan for who went quiet, not for timestamps."""
    days = (now.date() - when.date()).days
    if days <= 0:
        return "today"
    if days == 1:
        return "yesterday"
    return f"{days} days ago"


def filesize(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


@cache
def _static_version(name: str) -> str:
    """Content hash in the asset URL so browsers never keep a stale stylesheet after a deploy."""
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


def static_url(name: str) -> str:
    return f"/static/dashboard/{name}?v={_static_version(name)}"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["ago"] = ago
    env.filters["filesize"] = filesize
    env.globals["static_url"] = static_url
    env.globals["level_names"] = LEVEL_NAMES
    env.globals["levels"] = list(LEVEL_NAMES.items())
    env.globals["puppets"] = PUPPETS
    return env


def render(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    """Render a page with what every page needs: the user, the CSRF token and pending flashes."""
    context.setdefault("nav", "")
    page = environment().get_template(template).render(
        user=current_user_summary(request),
        csrf_token=csrf_token(request),
        flashes=pop_flashes(request),
        **context,
    )
    return HTMLResponse(page, status_code=status_code, headers=PAGE_HEADERS)

"""Error answers that cannot themselves fail, for the API (JSON) and the dashboard (HTML).

FastAPI's default 422 echoes the offending input back; when that input cannot be written as JSON
(a NaN, bytes, a lone surrogate, a structure nested thousands deep) building the 422 raised and
the client got a 500 instead. Here every echoed value is first made JSON-safe and kept short.
`ServerBusy` (a full `Gate`) becomes 503 with Retry-After, and text the database cannot store
(`UnstorableText`, raised at the database boundary) becomes 422.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from ..core.db import UnstorableText
from ..core.limits import ServerBusy

MAX_ECHO_CHARS = 200
MAX_ECHO_DEPTH = 4

# (request, status, heading, message, headers) -> an HTML page; set by the dashboard.
HtmlErrorPage = Callable[[Request, int, str, str, dict[str, str]], Response]


def json_safe(value: Any, depth: int = 0) -> Any:
    """A short, JSON-serialisable stand-in for any value a client sent."""
    if value is None or isinstance(value, (bool, int)):
        return value if not isinstance(value, int) or abs(value) < 10**18 else str(value)[:40]
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, str):
        text = value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
        return text if len(text) <= MAX_ECHO_CHARS else text[:MAX_ECHO_CHARS] + "..."
    if depth >= MAX_ECHO_DEPTH:
        return "..."
    if isinstance(value, dict):
        items = list(value.items())[:20]
        return {str(json_safe(k, depth + 1)): json_safe(v, depth + 1) for k, v in items}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v, depth + 1) for v in list(value)[:20]]
    return json_safe(repr(value), depth + 1)


def validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    out = []
    for err in exc.errors():
        item = {k: json_safe(v) for k, v in err.items() if k in ("type", "loc", "msg", "input")}
        ctx = err.get("ctx")
        if ctx:
            item["ctx"] = {str(k): json_safe(str(v) if isinstance(v, Exception) else v)
                           for k, v in ctx.items()}
        out.append(item)
    return out


def install_error_handlers(app: FastAPI, api_prefix: str) -> None:
    """JSON for the API; the dashboard's HTML page (`app.state.html_error_page`) elsewhere."""

    def wants_html(request: Request) -> bool:
        page = getattr(request.app.state, "html_error_page", None)
        path = request.url.path[len(request.scope.get("root_path", "")):] or "/"
        return page is not None and not path.startswith(api_prefix)

    def answer(request: Request, status: int, detail: Any, heading: str, message: str,
               headers: dict[str, str] | None = None) -> Response:
        headers = headers or {}
        if wants_html(request):
            return request.app.state.html_error_page(request, status, heading, message, headers)
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = validation_errors(exc)
        if wants_html(request) and errors and all(e["loc"][:1] == ["path"] for e in errors):
            # A dashboard link with an impossible id: there is no such page.
            return answer(request, 404, errors, "Page not found",
                          "There is no such page. Go back to My classes and pick one from there.")
        return answer(request, 422, errors, "That was not valid",
                      "Some of what was sent is not valid: "
                      + "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))

    @app.exception_handler(ServerBusy)
    async def _busy(request: Request, exc: ServerBusy) -> Response:
        return answer(request, 503, str(exc), "The server is busy", str(exc),
                      {"Retry-After": str(exc.retry_after)})

    @app.exception_handler(UnstorableText)
    async def _unstorable(request: Request, exc: UnstorableText) -> Response:
        return answer(request, 422, str(exc), "That text cannot be stored", str(exc))

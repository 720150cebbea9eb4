"""An ASGI factory for the server with the dashboard mounted.

`uvicorn --factory server.web.app:create_dashboard_app` runs exactly what `create_app` builds plus
`mount_dashboard`; the browser tests and the benchmark use it. Once `create_app` mounts the
dashboard itself this is the same app (mounting twice is a no-op).
"""

from __future__ import annotations

from fastapi import FastAPI

from ..core.config import Settings
from ..main import create_app
from . import mount_dashboard


def create_dashboard_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    app = create_app(settings)
    mount_dashboard(app, settings)
    return app

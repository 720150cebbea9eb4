"""Liveness, readiness and Prometheus metrics (outside /api/v1, for orchestrators)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from ...core.db import at_head
from ...core.strict_json import StrictJSONRoute
from ..deps import Ctx

router = APIRouter(tags=["operations"], route_class=StrictJSONRoute)


@router.get("/healthz")
def healthz() -> dict:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(ctx: Ctx) -> JSONResponse:
    def check_db() -> tuple[bool, str]:
        try:
            with ctx.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return (True, "ok") if at_head(ctx.engine) else (False, "migrations pending")
        except Exception as exc:  # noqa: BLE001 -- any failure means not ready; say which
            return False, f"{type(exc).__name__}: {str(exc)[:200]}"

    db_ok, db_detail = await run_in_threadpool(check_db)
    model = ctx.provider.loaded
    body = {
        "status": "ready" if db_ok else "not ready",
        "database": db_detail,
        "score_model": model.version if model else None,
        "score_models": model.versions if model else [],
    }
    return JSONResponse(body, status_code=200 if db_ok else 503)


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, ctx: Ctx) -> Response:
    """Prometheus metrics: off (404) unless OMBRO_METRICS_TOKEN or OMBRO_METRICS_PUBLIC is set.

    Route names, traffic and the loaded model are operational detail nobody outside needs.
    """
    s = ctx.settings
    if not s.metrics_public:
        if not s.metrics_token:
            raise HTTPException(404, detail="metrics are off: set OMBRO_METRICS_TOKEN to scrape "
                                "them with a bearer token")
        sent = request.headers.get("authorization", "")
        if not secrets.compare_digest(sent.encode(), f"Bearer {s.metrics_token}".encode()):
            raise HTTPException(401, detail="send 'Authorization: Bearer <OMBRO_METRICS_TOKEN>'",
                                headers={"WWW-Authenticate": "Bearer"})
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)

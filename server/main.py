"""The app factory: `create_app(settings)` builds one self-contained server (no module globals)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from .api.deps import AppContext
from .api.errors import install_error_handlers
from .api.routes import attempts, auth, channels, classes, health, models, score, students
from .core.config import Settings
from .core.db import engine_for, make_sessionmaker, migrate, session_scope, startup_lock
from .core.limits import Gate, InFlightLimit
from .crud.throttle import purge_expired
from .crud.tokens import purge_tokens
from .models import utcnow
from .observability import Metrics, RequestContextMiddleware, configure_logging
from .registry import open_store, promote
from .registry.storage import publish_file
from .registry.validation import UploadRejected
from .scoring import MicroBatcher, ModelProvider
from .web import mount_dashboard

log = logging.getLogger(__name__)
API_PREFIX = "/api/v1"


class PathBodyLimit:
    """Starlette's body limit, with a larger allowance on the upload endpoints.

    A declared Content-Length over the limit is answered here with the API's JSON error (Starlette
    would answer plain text); a chunked body that grows past it is cut off by Starlette's limiter,
    whose 413 goes through the app's JSON error handler.
    """

    def __init__(self, app, default: int, by_path: dict[str, int], describe):
        self.app, self.describe = app, describe
        self.limits = {None: default, **by_path}
        self.default = RequestBodyLimitMiddleware(app, default)
        self.by_path = {path: RequestBodyLimitMiddleware(app, n) for path, n in by_path.items()}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        limit = self.limits.get(path, self.limits[None])
        length = dict(scope.get("headers") or []).get(b"content-length", b"")
        if length.isdigit() and int(length) > limit:
            response = JSONResponse({"detail": self.describe(path)}, status_code=413,
                                    headers={"Connection": "close"})
            return await response(scope, receive, send)
        await self.by_path.get(path, self.default)(scope, receive, send)


def register_bundled_models(ctx: AppContext) -> list[str]:
    """First start with an empty registry: publish every bundled model that is on disk and put
    the first one of each architecture on "stable". Returns the registered versions."""
    with ctx.factory() as session:
        from sqlalchemy import select

        from .models import ModelVersion

        if session.scalar(select(ModelVersion.version).limit(1)) is not None:
            return []
    present = [p for p in ctx.settings.bundled_models if p.is_file()]
    if not present:
        log.info("registry is empty and no bundled model at %s; waiting for an upload",
                 ", ".join(map(str, ctx.settings.bundled_models)) or "(none configured)")
        return []
    registered, stable_archs = [], set()
    for path in present:
        try:
            row = publish_file(ctx.store, ctx.factory, path, ctx.settings.max_model_bytes)
        except (UploadRejected, OSError) as exc:
            log.warning("bundled model %s was not registered: %s", path,
                        getattr(exc, "detail", exc))
            continue
        registered.append(row.version)
        stable = row.arch not in stable_archs
        if stable:
            stable_archs.add(row.arch)
            with session_scope(ctx.factory) as session:
                promote(session, "stable", row.version, actor_id=None)
        log.info("registered bundled model", extra={"version": row.version, "stable": stable})
    return registered


def housekeeping(ctx: AppContext) -> dict[str, int]:
    """Delete throttle rows whose window is over and tokens that expired or were revoked."""
    s = ctx.settings
    longest = max(s.login_window_s, s.login_lockout_s, s.join_window_s, s.join_lockout_s)
    now = utcnow()
    with session_scope(ctx.factory) as session:
        return {
            "throttle_rows": purge_expired(session, now, longest),
            "tokens": purge_tokens(session, now),
        }


async def housekeeping_loop(ctx: AppContext) -> None:
    """Run `housekeeping` at start and then every `housekeeping_interval_s` (each server process
    does; the deletes are idempotent, so several processes on one database do no harm)."""
    while True:
        try:
            removed = await asyncio.to_thread(housekeeping, ctx)
            if any(removed.values()):
                log.info("housekeeping", extra=removed)
        except Exception:  # a failed chore must not stop the next one
            log.exception("housekeeping failed; retrying at the next interval")
        await asyncio.sleep(max(1.0, ctx.settings.housekeeping_interval_s))


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = engine_for(settings)
    factory = make_sessionmaker(engine)
    metrics = Metrics()
    store = open_store(settings)
    ctx = AppContext(
        settings=settings,
        engine=engine,
        factory=factory,
        store=store,
        metrics=metrics,
        provider=ModelProvider(
            factory, store, settings.score_threads, settings.score_model_refresh_s,
            on_load=lambda version: metrics.model_info.clear() or metrics.model_info.labels(version).set(1),
            ensemble=settings.score_ensemble,
            flip=settings.score_flip,
        ),
        batcher=MicroBatcher(
            settings.score_max_batch, settings.score_max_wait_ms, settings.score_batching,
            observe=metrics.score_batch.observe,
        ),
        hash_gate=Gate("password checks", settings.hash_concurrency, settings.hash_queue,
                       settings.hash_wait_s),
        decode_gate=Gate("images", settings.decode_concurrency, settings.decode_queue,
                         settings.decode_wait_s),
        upload_gate=Gate("model uploads", 1, 2, 60.0),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        migrate(engine)
        # One process at a time: replicas starting together must not each register (and
        # promote) the bundled models, nor recover while another registers.
        with startup_lock(engine):
            with factory() as session:
                store.recover(session)
            register_bundled_models(ctx)
        await ctx.batcher.start()
        chores = asyncio.create_task(housekeeping_loop(ctx), name="housekeeping")
        log.info("server ready", extra={"database": engine.url.render_as_string(hide_password=True),
                                        "model_store": store.describe(),
                                        "batching": settings.score_batching})
        try:
            yield
        finally:
            chores.cancel()
            await ctx.batcher.stop()
            engine.dispose()

    app = FastAPI(
        title="Ombro server",
        version="1.0",
        description="Accounts, classes, attempt sync, progress, model registry and scoring for "
        "Ombro (hand shadow puppetry lessons).",
        lifespan=lifespan,
        root_path=settings.root_path,
    )
    app.state.ctx = ctx
    for module in (auth, classes, attempts, students, models, channels, score):
        app.include_router(module.router, prefix=API_PREFIX)
    app.include_router(health.router)
    mount_dashboard(app, settings)  # server/web/, owned by the dashboard engineer
    install_error_handlers(app, API_PREFIX)

    def too_large(path: str) -> str:
        return (
            f"request body too large for {path}: images may be up to {settings.max_image_bytes} "
            f"bytes, models {settings.max_model_bytes} bytes, other requests "
            f"{settings.max_json_bytes} bytes"
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        if exc.status_code == 413 and exc.detail == "Content Too Large":
            exc = StarletteHTTPException(413, detail=too_large(request.url.path), headers=exc.headers)
        return await http_exception_handler(request, exc)

    slack = 64 * 1024  # multipart boundaries and headers
    app.add_middleware(
        PathBodyLimit,
        default=settings.max_json_bytes,
        by_path={
            f"{settings.root_path}{API_PREFIX}/models": settings.max_model_bytes + slack,
            f"{settings.root_path}{API_PREFIX}/score": settings.max_image_bytes + slack,
        },
        describe=too_large,
    )
    app.add_middleware(RequestContextMiddleware, metrics=metrics, api_prefix=API_PREFIX)
    app.add_middleware(InFlightLimit, limit=settings.max_in_flight)  # outermost: before any body
    return app


def app_from_environment() -> FastAPI:
    """The app of one worker process under `serve --workers N` (uvicorn's factory): settings and
    logging from the environment, as the parent process configured them."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)

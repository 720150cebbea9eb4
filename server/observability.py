"""Request ids, structured (JSON) logs and Prometheus metrics.

Metrics live in a registry owned by the app instance (not prometheus_client's global one), so
several apps in one process, as in tests, never collide.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from contextvars import ContextVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The id of the request being handled, for log lines written anywhere below a route.
request_id_var: ContextVar[str] = ContextVar("request_id", default="-")

# LogRecord attributes that are not user `extra=` fields (uvicorn adds an ANSI `color_message`).
_STD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "color_message", "taskName",
}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": request_id_var.get(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _STD_ATTRS})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(level: str, fmt: str) -> None:
    handler = logging.StreamHandler()
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
        handler.formatter.converter = time.gmtime
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # uvicorn's access log duplicates ours (which carries the request id)
    logging.getLogger("uvicorn.access").disabled = True


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "ombro_http_requests_total", "HTTP requests", ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "ombro_http_request_seconds", "HTTP request latency", ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.score_batch = Histogram(
            "ombro_score_batch_size", "images per onnxruntime call", registry=self.registry,
            buckets=(1, 2, 4, 8, 16, 32, 64),
        )
        self.attempts = Counter(
            "ombro_attempts_total", "synced attempts", ["result"], registry=self.registry
        )
        self.model_info = Gauge(
            "ombro_server_model_info", "the model /score uses", ["version"], registry=self.registry
        )


class RequestContextMiddleware:
    """Assigns a request id (or keeps the caller's X-Request-ID), logs and measures each request."""

    def __init__(self, app: ASGIApp, metrics: Metrics, api_prefix: str = ""):
        self.app, self.metrics, self.api_prefix = app, metrics, api_prefix
        self.log = logging.getLogger("server.access")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        rid = incoming if incoming and incoming.isprintable() else uuid.uuid4().hex
        token = request_id_var.set(rid)
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + [(b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - start
            template = self._template(scope)
            self.metrics.requests.labels(scope["method"], template, str(status)).inc()
            self.metrics.latency.labels(scope["method"], template).observe(elapsed)
            self.log.info(
                "%s %s %s", scope["method"], scope["path"], status,
                extra={"status": status, "ms": round(elapsed * 1000, 2), "route": template},
            )
            request_id_var.reset(token)

    def _template(self, scope: Scope) -> str:
        """The route's path template (bounded label values), with the router prefix restored."""
        template = getattr(scope.get("route"), "path", None)
        if template is None:
            return "<unmatched>"
        if scope["path"].startswith(self.api_prefix + "/") and not template.startswith(self.api_prefix):
            template = self.api_prefix + template
        return template

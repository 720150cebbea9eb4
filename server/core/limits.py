"""Bounds on what concurrent requests may hold at once: memory-heavy work and requests in flight.

A password hash costs 64 MiB (argon2id, RFC 9106's low-memory profile) and decoding a photo tens
of MiB, so the server's peak memory is set by how many of them run at the same time, not by how
many requests arrive. A `Gate` lets `slots` holders work at once; up to `queue` more wait (as
coroutines, holding no thread and no buffers) for at most `wait_s`; everyone else gets
`ServerBusy`, answered 503 with Retry-After. `InFlightLimit` caps the requests being handled at
all, which bounds the request bodies held in memory and spooled to disk.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class ServerBusy(Exception):
    """Too much of one kind of work at once; the client should retry after `retry_after` s."""

    def __init__(self, what: str, retry_after: int):
        super().__init__(f"the server is busy with {what}: try again in {retry_after} s")
        self.what, self.retry_after = what, retry_after


class Gate:
    """At most `slots` concurrent holders; `queue` waiters for up to `wait_s`; the rest: busy."""

    def __init__(self, what: str, slots: int, queue: int, wait_s: float):
        self.what, self.slots, self.queue, self.wait_s = what, max(1, slots), max(0, queue), wait_s
        self._sem: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._waiting = 0
        self.retry_after = max(1, math.ceil(wait_s / 2))

    @property
    def busy(self) -> int:
        """Holders right now (for tests and metrics)."""
        return 0 if self._sem is None else self.slots - self._sem._value

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        # A semaphore belongs to one event loop: made on first use, and anew if the app is
        # served by another loop later (tests run one app under several TestClients).
        loop = asyncio.get_running_loop()
        if self._sem is None or (self._loop is not loop and self.busy == 0):
            self._sem, self._loop = asyncio.Semaphore(self.slots), loop
        if self._sem.locked() and self._waiting >= self.queue:
            raise ServerBusy(self.what, self.retry_after)
        self._waiting += 1
        try:
            await asyncio.wait_for(self._sem.acquire(), self.wait_s)
        except TimeoutError:
            raise ServerBusy(self.what, self.retry_after) from None
        finally:
            self._waiting -= 1
        try:
            yield
        finally:
            self._sem.release()


class InFlightLimit:
    """Answer 503 at once when `limit` requests are already being handled.

    Health checks are exempt so an orchestrator does not restart a server for being busy.
    """

    def __init__(self, app: ASGIApp, limit: int, exempt: tuple[str, ...] = ("/healthz", "/readyz")):
        self.app, self.limit, self.exempt = app, limit, exempt
        self.active = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0 or scope.get("path") in self.exempt:
            return await self.app(scope, receive, send)
        if self.active >= self.limit:
            response = JSONResponse(
                {"detail": f"the server is handling {self.limit} requests already: try again in "
                 "a few seconds"},
                status_code=503, headers={"Retry-After": "2", "Connection": "close"},
            )
            return await response(scope, receive, send)
        self.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.active -= 1

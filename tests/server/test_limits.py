"""The concurrency gate and the in-flight limit, without a server."""

from __future__ import annotations

import asyncio

import pytest

from server.core.limits import Gate, InFlightLimit, ServerBusy


def test_gate_bounds_holders_queues_and_refuses():
    async def scenario():
        gate = Gate("work", slots=2, queue=2, wait_s=0.5)
        peak, held = 0, 0

        async def job(hold_s):
            nonlocal peak, held
            async with gate.slot():
                held += 1
                peak = max(peak, held)
                await asyncio.sleep(hold_s)
                held -= 1
            return "done"

        # 2 run, 2 wait, the 5th and 6th are refused at once; the waiters time out because the
        # holders keep their slots longer than wait_s.
        results = await asyncio.gather(*(job(1.0) for _ in range(6)), return_exceptions=True)
        assert peak == 2
        assert results.count("done") == 2
        busy = [r for r in results if isinstance(r, ServerBusy)]
        assert len(busy) == 4 and all(b.retry_after >= 1 for b in busy)
        assert gate.busy == 0
        # Short jobs: the waiters get their turn.
        results = await asyncio.gather(*(job(0.05) for _ in range(4)))
        assert results == ["done"] * 4

    asyncio.run(scenario())


def test_gate_releases_on_error():
    async def scenario():
        gate = Gate("work", slots=1, queue=0, wait_s=0.1)
        with pytest.raises(RuntimeError):
            async with gate.slot():
                raise RuntimeError("x")
        async with gate.slot():
            assert gate.busy == 1
        assert gate.busy == 0

    asyncio.run(scenario())


def test_gate_works_from_a_second_event_loop():
    gate = Gate("work", slots=1, queue=1, wait_s=1.0)

    async def contended():
        async def hold():
            async with gate.slot():
                await asyncio.sleep(0.05)

        await asyncio.gather(hold(), hold())

    asyncio.run(contended())
    asyncio.run(contended())  # a new loop: the semaphore is made anew, not reused across loops


def test_in_flight_limit_answers_503_beyond_the_limit():
    release = asyncio.Event()
    sent: list[dict] = []

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    limited = InFlightLimit(slow_app, limit=2)

    async def request(path="/api/v1/me"):
        async def receive():
            return {"type": "http.request", "body": b""}

        async def send(message):
            sent.append(message)

        await limited({"type": "http", "path": path, "method": "GET", "headers": []}, receive, send)

    async def scenario():
        first = [asyncio.create_task(request()) for _ in range(2)]
        await asyncio.sleep(0.01)
        assert limited.active == 2
        await request()  # the third is refused at once
        health = asyncio.create_task(request("/healthz"))  # exempt: waits like the first two
        await asyncio.sleep(0.01)
        release.set()
        await asyncio.gather(*first, health)
        assert limited.active == 0

    asyncio.run(scenario())
    statuses = [m["status"] for m in sent if m["type"] == "http.response.start"]
    assert sorted(statuses) == [200, 200, 200, 503]
    refused = next(m for m in sent if m.get("status") == 503)
    assert (b"retry-after", b"2") in refused["headers"]

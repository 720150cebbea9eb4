"""The concurrency gate and the in-flight limit, without a server."""

from __future__ import annotations

import asyncio

import pytest

from server.core.limits import Gate, ServerBusy


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

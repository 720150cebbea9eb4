"""The capacity benchmark's load scripts do what its table claims (benchmarks/bench_capacity.py):
the attempt-sync script sends valid batches of new attempts, so every request is real work."""

from __future__ import annotations

import argparse
import shutil

import pytest

from benchmarks.bench_capacity import WRK_SYNC, run_wrk


def test_wrk_sync_script_stores_every_attempt(live_server, actors, tmp_path):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk; scripts/setup.sh does it)")
    student = actors["student_a"]
    with live_server.client(student.token) as c:
        before = c.get("/students/me/progress").json()["attempts"]
    args = argparse.Namespace(connections=2, duration=1)
    raw = run_wrk(f"{live_server.url}/", WRK_SYNC,
                  {"BENCH_TOKEN": student.token, "BENCH_ATTEMPTS": "5"}, args, tmp_path)
    assert raw["requests"] > 0 and raw["non2xx"] == 0 and raw["errors"] == 0, raw
    assert 0 < raw["p50_us"] <= raw["p99_us"]
    with live_server.client(student.token) as c:
        after = c.get("/students/me/progress").json()["attempts"]
    # wrk counts only completed requests; every attempt in them is new (no duplicate UUIDs).
    assert after - before >= 5 * raw["requests"]

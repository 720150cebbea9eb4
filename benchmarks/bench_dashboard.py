"""Class overview render time: 40 students x 15 puppets x 10,000 attempts on SQLite.

Runs the real app (`create_app`, dashboard mounted) in-process through TestClient, signed in as
the class's teacher, and times full GET /classes/{id} requests (queries + mastery + template), after
a warm-up. For comparison it also times the page's aggregate queries alone and the naive path
(load every attempt, `crud.progress.class_mastery`).

    .venv/bin/python benchmarks/bench_dashboard.py [--students 40] [--attempts 10000] [--runs 15]
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fastapi.testclient import TestClient
from sqlalchemy import insert

from ombro_contract.labels import PUPPETS
from server.core.config import Settings
from server.core.db import engine_for, make_sessionmaker, migrate, session_scope
from server.crud import create_class, create_user, join_class
from server.crud.classes import add_assignment
from server.crud.progress import class_mastery
from server.main import create_app
from server.models import Attempt, Role, User
from server.web.overview import class_overview

PASSWORD = "bench-password"


def seed(factory, students: int, attempts: int, now: datetime, seed: int = 0) -> int:
    rng = random.Random(seed)
    with session_scope(factory) as s:
        teacher = create_user(s, "bench-teacher", PASSWORD, Role.teacher, "Bench Teacher")
        klass = create_class(s, teacher, "Benchmark class")
        add_assignment(s, klass, "dog", (now + timedelta(days=3)).date())
        pw_hash = teacher.password_hash
        ids = []
        for i in range(students):
            user = User(username=f"bench-{i:03d}", display_name=f"Student {i:03d}",
                        role=Role.student.value, password_hash=pw_hash)
            s.add(user)
            s.flush()
            join_class(s, klass, user)
            ids.append(user.id)
        rows = []
        for _ in range(attempts):
            puppet = rng.choice(PUPPETS)
            passed = rng.random() < 0.55
            rows.append({
                "id": str(uuid.UUID(int=rng.getrandbits(128))), "student_id": rng.choice(ids),
                "puppet": puppet, "predicted": puppet if passed else rng.choice(PUPPETS),
                "confidence": rng.uniform(0.3, 0.99), "hold_seconds": rng.uniform(0.5, 3.0),
                "passed": passed, "model_version": "bench",
                "device_time": now - timedelta(seconds=rng.randint(0, 28 * 86400)),
                "received_at": now,
            })
        s.execute(insert(Attempt), rows)
        return klass.id


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def describe(name: str, ms: list[float]) -> str:
    q = statistics.quantiles(ms, n=10) if len(ms) >= 2 else ms
    return (f"{name:<44} median {statistics.median(ms):7.1f} ms   min {min(ms):7.1f}   "
            f"p90 {q[-1]:7.1f}   (n={len(ms)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--students", type=int, default=40)
    ap.add_argument("--attempts", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--budget-ms", type=float, default=300.0)
    args = ap.parse_args()

    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), bundled_model=None, log_level="warning",
                            log_format="text")
        engine = engine_for(settings)
        migrate(engine)
        factory = make_sessionmaker(engine)
        t0 = time.perf_counter()
        class_id = seed(factory, args.students, args.attempts, now)
        print(f"seeded {args.students} students x {len(PUPPETS)} puppets x {args.attempts} "
              f"attempts into SQLite in {time.perf_counter() - t0:.1f} s")

        app = create_app(settings)
        with TestClient(app, base_url="https://testserver") as client:
            page = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            r = client.post("/login", data={"username": "bench-teacher", "password": PASSWORD,
                                            "csrf_token": token}, follow_redirects=False)
            assert r.status_code == 303, r.text

            def page_once():
                resp = client.get(f"/classes/{class_id}")
                assert resp.status_code == 200 and resp.text.count("<tr>") >= args.students

            timed(page_once, 2)  # warm-up: template compile, SQLite cache
            page_ms = timed(page_once, args.runs)

        with factory() as s:
            from server.crud import get_class

            klass = get_class(s, class_id)
            agg_ms = timed(lambda: class_overview(s, klass, now), args.runs)
            naive_ms = timed(lambda: class_mastery(s, klass, now), max(3, args.runs // 3))
        engine.dispose()

    print(describe("GET /classes/{id} (full page, real app)", page_ms))
    print(describe("  overview aggregate queries + mastery", agg_ms))
    print(describe("  naive: load all attempts (class_mastery)", naive_ms))
    verdict = "OK" if statistics.median(page_ms) < args.budget_ms else "OVER BUDGET"
    print(f"budget {args.budget_ms:.0f} ms: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

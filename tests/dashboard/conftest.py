"""Dashboard fixtures: a seeded demo database, the real app (`create_app` mounts the dashboard),
a TestClient per test (fresh cookies), a student with a hostile name, and a real uvicorn server
for the browser tests.

The TestClient talks https (base_url https://testserver) so the Secure cookies of the default
settings are sent exactly as a browser would send them.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ombro_contract.paths import REPO_ROOT
from server.core.config import Settings
from server.core.db import engine_for, make_sessionmaker, migrate, session_scope
from server.crud import create_user, join_class
from server.crud.attempts import AttemptIn, add_attempts
from server.main import create_app
from server.models import SchoolClass, User
from server.seed import DEMO_CLASS, DEMO_PASSWORD, seed_demo

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
# What a student could type as their name when joining; the dashboard must show it as text.
HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture(scope="session")
def demo_settings(tmp_path_factory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("dashboard-data"),
        bundled_models=[],
        log_format="text",
        log_level="warning",
    )


@pytest.fixture(scope="session")
def demo_factory(demo_settings):
    """The demo database, seeded once for the whole dashboard test session."""
    engine = engine_for(demo_settings)
    migrate(engine)
    factory = make_sessionmaker(engine)
    with session_scope(factory) as session:
        seed_demo(session, datetime.now(UTC), rng_seed=7)
    yield factory
    engine.dispose()


def hostile_attempts(n: int = 6) -> list[AttemptIn]:
    """A few days of dog practice, so the student's page has a chart and recent attempts."""
    now = datetime.now(UTC)
    return [
        AttemptIn(id=str(uuid.uuid4()), puppet="dog", predicted="dog", confidence=0.5 + i / 20,
                  hold_seconds=1.0 + i / 4, passed=i % 2 == 1, model_version="test",
                  device_time=now - timedelta(days=n - i, hours=1))
        for i in range(n)
    ]


@pytest.fixture
def hostile_student(demo_factory) -> Iterator[int]:
    """A demo-class student named `<script>alert(1)</script>`, with practice; removed afterwards.

    The demo roster holds only plausible names (it is what a teacher trying the demo reads), so the
    escaping tests bring their own hostile student, exactly as one would arrive: typed at join.
    """
    with demo_factory() as s:
        klass = s.scalar(select(SchoolClass).where(SchoolClass.name == DEMO_CLASS))
        user = create_user(s, "hostile@demo", "pw-123456", "student", HOSTILE_NAME)
        join_class(s, klass, user)
        add_attempts(s, user.id, hostile_attempts())
        s.commit()
        uid = user.id
    try:
        yield uid
    finally:
        with demo_factory() as s:
            s.delete(s.get(User, uid))  # memberships and attempts go with it (ON DELETE CASCADE)
            s.commit()


@pytest.fixture(scope="session")
def demo_app(demo_settings, demo_factory):
    return create_app(demo_settings)


@pytest.fixture
def client(demo_app) -> Iterator[TestClient]:
    with TestClient(demo_app, base_url="https://testserver") as c:
        yield c


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, username: str, password: str = DEMO_PASSWORD, next_url: str = "/"):
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "next": next_url,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_factory(request, tmp_path):
    """A fresh migrated database on SQLite and on PostgreSQL (skipped if unreachable)."""
    if request.param == "sqlite":
        engine = engine_for(Settings(data_dir=tmp_path, bundled_models=[]))
        migrate(engine)
        yield make_sessionmaker(engine)
        engine.dispose()
        return
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            pass
    except psycopg.Error as exc:
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is unreachable ({exc.__class__.__name__})")
    name = f"ombro_dash_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = engine_for(
        Settings(data_dir=tmp_path, database_url=f"postgresql://postgres@127.0.0.1:5432/{name}")
    )
    try:
        migrate(engine)
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[str]:
    """The real server (uvicorn, loopback) on a temporary SQLite db seeded by the CLI."""
    data_dir = tmp_path_factory.mktemp("dashboard-live")
    env = dict(
        os.environ,
        OMBRO_DATA_DIR=str(data_dir),
        OMBRO_BUNDLED_MODELS="[]",
        OMBRO_LOG_FORMAT="text",
        OMBRO_LOG_LEVEL="warning",
        OMP_NUM_THREADS="1",
    )
    env.pop("DATABASE_URL", None)
    seeded = subprocess.run(
        [sys.executable, "-m", "server", "seed-demo"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert seeded.returncode == 0, seeded.stderr
    port = _free_port()
    with open(data_dir / "uvicorn.log", "wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable, "-m", "uvicorn", "--factory", "server.main:create_app",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
            ],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_until_up(proc, base, data_dir / "uvicorn.log")
            yield base
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _wait_until_up(proc: subprocess.Popen, base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"server did not start: {log_path.read_text()[-2000:]}")
        time.sleep(0.3)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    path = REPO_ROOT / "test-artifacts" / "dashboard"
    path.mkdir(parents=True, exist_ok=True)
    return path

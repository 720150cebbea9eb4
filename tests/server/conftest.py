"""Server test fixtures: databases (SQLite and PostgreSQL), users, and real uvicorn servers.

Real-server tests start `python -m server serve` in a subprocess on a free loopback port, so they
exercise exactly what production runs: settings from the environment, migrations at startup,
uvicorn, middleware, multipart parsing.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from ombro_contract.paths import REPO_ROOT
from server import crud
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "correct-horse-battery"
METRICS_TOKEN = "scrape-me-please"


def _pg_reachable() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at 127.0.0.1:5432 is unreachable ({exc.__class__.__name__})"


@contextmanager
def new_database(kind: str, directory: Path) -> Iterator[str]:
    """An empty database of this kind; a PostgreSQL one is dropped on exit."""
    if kind == "sqlite":
        yield f"sqlite:///{directory / f'ombro-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    reason = _pg_reachable()
    if reason:
        pytest.skip(reason)
    name = f"ombro_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def db_url(request, tmp_path_factory) -> Iterator[str]:
    """A fresh database for this test session (one per backend), dropped afterwards."""
    with new_database(request.param, tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def fresh_db_url(request, tmp_path) -> Iterator[str]:
    """An empty database for one test (first-start behaviour)."""
    with new_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture(scope="session")
def db_factory(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def make_user(factory, role: str, username: str | None = None):
    with session_scope(factory) as session:
        return crud.create_user(session, username or unique(role[:3]), PASSWORD, role)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    """A `python -m server` subprocess; restartable on the same data dir and database."""

    data_dir: Path
    db_url: str
    extra_env: dict[str, str] = field(default_factory=dict)
    serve_args: list[str] = field(default_factory=list)  # e.g. ["--workers", "2"]
    port: int = 0
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0, same_port: bool = False) -> LiveServer:
        """Start (or restart) the server; `same_port` keeps the address a proxy points at."""
        if not (same_port and self.port):
            self.port = free_port()
        env = {
            **os.environ,
            "OMBRO_DATA_DIR": str(self.data_dir),
            "DATABASE_URL": self.db_url,
            "OMBRO_BUNDLED_MODELS": "[]",
            "OMBRO_COOKIE_SECURE": "false",
            "OMBRO_LOG_FORMAT": "text",
            "OMBRO_LOG_LEVEL": "warning",
            "OMBRO_SCORE_MODEL_REFRESH_S": "0",
            "OMP_NUM_THREADS": "1",
            "OMBRO_METRICS_TOKEN": METRICS_TOKEN,
            **self.extra_env,
        }
        self.log_path = self.data_dir / f"server-{self.port}.log"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:  # the child keeps its own handle
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port), *self.serve_args],
                cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"server did not become ready:\n{self.log_path.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no cleanup, like a power cut."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=f"{self.url}/api/v1", headers=headers, timeout=60)


def login(server: LiveServer, username: str, password: str = PASSWORD) -> str:
    with server.client() as c:
        r = c.post("/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return r.json()["access_token"]


@pytest.fixture(scope="session")
def live_server(db_url, tmp_path_factory) -> Iterator[LiveServer]:
    """One real server per database backend, shared by the live tests."""
    server = LiveServer(tmp_path_factory.mktemp("server-data"), db_url).start()
    yield server
    server.stop()


@dataclass
class Actor:
    user_id: int
    username: str
    role: str
    token: str


@pytest.fixture(scope="session")
def actors(live_server, db_factory) -> dict[str, Actor]:
    """Two teachers with a class each, a student in each class, a maintainer, all signed in."""
    out: dict[str, Actor] = {}
    for name, role in [("maintainer", "maintainer"), ("teacher_a", "teacher"),
                       ("teacher_b", "teacher"), ("student_a", "student"), ("student_b", "student")]:
        user = make_user(db_factory, role)
        out[name] = Actor(user.id, user.username, role, login(live_server, user.username))
    return out


@pytest.fixture(scope="session")
def score_model(live_server, actors, tmp_path_factory) -> Path:
    """A tiny mobilenet_v2 model published and promoted to stable, so /score has a model."""
    from ombro_contract.card import card_path_for
    from tests.model_factory import make_tiny_model

    path = tmp_path_factory.mktemp("score") / "s.onnx"
    version = unique("score-")
    make_tiny_model(path, version=version, arch="mobilenet_v2", seed=7)
    with live_server.client(actors["maintainer"].token) as m:
        r = m.post("/models", files={"file": ("s.onnx", path.read_bytes())},
                   data={"card": card_path_for(path).read_text()})
        assert r.status_code == 201, r.text
        m.post("/channels/stable/promote", json={"version": version}).raise_for_status()
    return path

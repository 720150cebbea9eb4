"""`python -m server` without a command serves, with or without flags (the README's first line)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from ombro_contract.paths import REPO_ROOT
from server import cli

from .conftest import LiveServer, free_port


@pytest.mark.parametrize(
    "argv, command",
    [
        ([], "serve"),
        (["--port", "8080"], "serve"),
        (["--host", "0.0.0.0", "--no-batching"], "serve"),
        (["serve", "--port", "8080"], "serve"),
        (["migrate"], "migrate"),
    ],
)
def test_flags_without_a_command_mean_serve(monkeypatch, argv, command):
    called: list[tuple[str, object]] = []
    monkeypatch.setattr(cli, "_serve", lambda args: called.append(("serve", args)))
    monkeypatch.setattr(cli, "_migrate", lambda args: called.append(("migrate", args)))
    cli.main(argv)
    assert [name for name, _ in called] == [command]
    args = called[0][1]
    if "--port" in argv:
        assert args.port == 8080
    if "--no-batching" in argv:
        assert args.no_batching and args.host == "0.0.0.0"


def test_top_level_help_still_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "seed-demo" in out and "create-maintainer" in out


def test_unknown_command_is_still_refused(capsys):
    with pytest.raises(SystemExit) as done:
        cli.main(["serev", "--port", "8080"])
    assert done.value.code == 2
    assert "invalid choice: 'serev'" in capsys.readouterr().err


@pytest.mark.slow
def test_python_m_server_with_only_flags_serves_healthz(tmp_path):
    port = free_port()
    env = {**os.environ, "OMBRO_DATA_DIR": str(tmp_path), "OMBRO_BUNDLED_MODELS": "[]",
           "OMBRO_LOG_FORMAT": "text", "OMP_NUM_THREADS": "1"}
    env.pop("DATABASE_URL", None)
    log = tmp_path / "server.log"
    with open(log, "wb") as out:  # the child keeps its own handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"the server exited:\n{log.read_text()[-3000:]}"
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, f"no answer in 60 s:\n{log.read_text()[-3000:]}"
                time.sleep(0.2)
        assert r.status_code == 200
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def worker_pids(parent: int) -> set[int]:
    """uvicorn's worker processes (multiprocessing spawns them) under this parent."""
    pids = set()
    for task in os.listdir(f"/proc/{parent}/task"):
        with open(f"/proc/{parent}/task/{task}/children") as fh:
            pids.update(int(p) for p in fh.read().split())
    workers = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                if b"spawn_main" in fh.read():
                    workers.add(pid)
        except FileNotFoundError:
            pass
    return workers


def wait_for_workers(parent: int, n: int, not_in: set[int] = frozenset(), timeout: float = 90):
    deadline = time.monotonic() + timeout
    while len(workers := worker_pids(parent) - not_in) < n:
        assert time.monotonic() < deadline, f"expected {n} workers, have {worker_pids(parent)}"
        time.sleep(0.2)
    return workers


@pytest.mark.slow
def test_workers_share_one_port_and_a_killed_worker_is_replaced(db_url, tmp_path):
    server = LiveServer(tmp_path / "data", db_url, serve_args=["--workers", "2"]).start()
    try:
        first = wait_for_workers(server.proc.pid, 2)
        assert len(first) == 2
        victim = min(first)
        os.kill(victim, signal.SIGKILL)
        # The other worker keeps answering on the shared port while uvicorn starts a new one.
        for _ in range(10):
            assert httpx.get(f"{server.url}/readyz", timeout=10).status_code == 200
        replaced = wait_for_workers(server.proc.pid, 2, not_in={victim})
        assert victim not in replaced and len(replaced) == 2
        assert httpx.get(f"{server.url}/readyz", timeout=10).json()["status"] == "ready"
    finally:
        server.stop()

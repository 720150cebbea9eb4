"""The real Ombro server in a subprocess, on a free port with its own temporary database."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx

from ombro_contract.paths import REPO_ROOT

TEACHER, TEACHER_PW = "teacher1", "teacher-pass-1"
MAINTAINER, MAINTAINER_PW = "maint1", "maintainer-pass-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, data_dir: Path, port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "OMBRO_DATA_DIR": str(self.data_dir), "OMBRO_LOG_FORMAT": "text",
                    "OMP_NUM_THREADS": "1", "OMBRO_TEACHER_PW": TEACHER_PW,
                    "OMBRO_MAINTAINER_PW": MAINTAINER_PW}
        self.proc: subprocess.Popen | None = None
        self.log = self.data_dir / "server.log"

    def start(self, timeout: float = 60.0) -> LiveServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data_dir / ".teacher").exists():
            for role, name, env in (("teacher", TEACHER, "OMBRO_TEACHER_PW"),
                                    ("maintainer", MAINTAINER, "OMBRO_MAINTAINER_PW")):
                subprocess.run([sys.executable, "-m", "server", f"create-{role}", "--username", name,
                                "--password-env", env], cwd=REPO_ROOT, env=self.env, check=True,
                               capture_output=True, timeout=120)
            (self.data_dir / ".teacher").touch()
        with open(self.log, "ab") as log:  # the child keeps its own copy of the descriptor
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--port", str(self.port)], cwd=REPO_ROOT,
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError(f"server did not start in {timeout} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None

    def token(self, username: str, password: str) -> str:
        r = httpx.post(self.url + "/api/v1/auth/token",
                       data={"username": username, "password": password}, timeout=10)
        r.raise_for_status()
        return r.json()["access_token"]

    def new_class(self, name: str = "Class 5B") -> str:
        """A class of the test teacher; returns its join code."""
        r = httpx.post(self.url + "/api/v1/classes", json={"name": name}, timeout=10,
                       headers={"Authorization": f"Bearer {self.token(TEACHER, TEACHER_PW)}"})
        r.raise_for_status()
        return r.json()["join_code"]

    def progress(self, token: str) -> dict:
        r = httpx.get(self.url + "/api/v1/students/me/progress", timeout=10,
                      headers={"Authorization": f"Bearer {token}"})
        r.raise_for_status()
        return r.json()

    def publish(self, onnx_path: Path, channel: str) -> dict:
        """Upload a model with its card (as a maintainer) and promote it on `channel`."""
        from ombro_contract.card import card_path_for

        auth = {"Authorization": f"Bearer {self.token(MAINTAINER, MAINTAINER_PW)}"}
        with open(onnx_path, "rb") as fh:
            r = httpx.post(self.url + "/api/v1/models", headers=auth, timeout=60, files={
                "file": (onnx_path.name, fh, "application/octet-stream"),
                "card": (None, card_path_for(onnx_path).read_text()),
            })
        r.raise_for_status()
        version = r.json()["version"]
        r = httpx.post(self.url + f"/api/v1/channels/{channel}/promote", headers=auth, timeout=10,
                       json={"version": version})
        r.raise_for_status()
        return r.json()


def server_attempt_rows(server, student_id: int) -> list[tuple]:
    """(id, puppet, passed) of a student's attempts, straight from the server's database."""
    db = sqlite3.connect(server.data_dir / "ombro.sqlite3")
    try:
        return db.execute("SELECT id, puppet, passed FROM attempts WHERE student_id = ?",
                          (student_id,)).fetchall()
    finally:
        db.close()

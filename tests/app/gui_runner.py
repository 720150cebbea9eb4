"""Runs the real app (`python -m app`) under `xvfb-run` and reads its AUTOPILOT result line."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.camera_source import write_video
from ombro_contract.paths import REPO_ROOT

ARTIFACTS = REPO_ROOT / "test-artifacts" / "app"


def require_xvfb() -> str:
    path = shutil.which("xvfb-run")
    if path is None:
        pytest.skip("xvfb-run is not installed (apt-get install xvfb xauth)")
    return path


def app_env(kivy_home: Path) -> dict:
    return {**os.environ, "KIVY_NO_ARGS": "1", "KIVY_HOME": str(kivy_home),
            "KIVY_NO_FILELOG": "1", "OMP_NUM_THREADS": "1"}


def app_command(data_dir: Path, *args: str) -> list[str]:
    return [require_xvfb(), "-a", "-s", "-screen 0 800x900x24", sys.executable, "-m", "app",
            "--data-dir", str(data_dir), *args]


@dataclass
class AppRun:
    returncode: int
    output: str

    @property
    def result(self) -> dict | None:
        lines = [l for l in self.output.splitlines() if l.startswith("AUTOPILOT ")]
        return json.loads(lines[-1][len("AUTOPILOT "):]) if lines else None


def run_app(data_dir: Path, *args: str, timeout: float = 300) -> AppRun:
    proc = subprocess.run(app_command(data_dir, *args), check=False, cwd=REPO_ROOT,
                          env=app_env(data_dir.parent / "kivy-home"), capture_output=True,
                          text=True, timeout=timeout)
    return AppRun(proc.returncode, proc.stdout + proc.stderr)


def start_app(data_dir: Path, *args: str, log: Path) -> subprocess.Popen:
    """In its own process group, so the test can kill app and X server like a phone would."""
    with open(log, "w") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(app_command(data_dir, *args), cwd=REPO_ROOT,
                                env=app_env(data_dir.parent / "kivy-home"), stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)


def kill_hard(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(10)


def write_clip_video(frames, path: Path, fps: float = 15.0) -> Path:
    return write_video(frames, path, fps)

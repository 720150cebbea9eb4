"""`scripts/gpu_retrain.sh`: a mistyped RUNS stops before the lent machine's time is spent."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from ombro_contract.paths import REPO_ROOT

SCRIPT = REPO_ROOT / "scripts" / "gpu_retrain.sh"


def _run(tmp_path, runs: str) -> subprocess.CompletedProcess:
    # PYTHON=false: if the script got past its checks, its first Python call would fail with 1
    env = {**os.environ, "RUNS": runs, "PYTHON": "false", "WHEELS": str(tmp_path / "no-wheels")}
    return subprocess.run(["bash", str(SCRIPT), str(tmp_path / "out")], env=env, capture_output=True,
                          text=True, timeout=60, check=False)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("runs", ["resnet34:112:x", "resnet34", "resnet34:big", "resnet34:112:1:2", ":112", "  "])
def test_bad_runs_are_refused_before_anything_starts(tmp_path, runs):
    out = _run(tmp_path, runs)
    assert out.returncode == 2, out.stderr
    assert "RUNS" in out.stderr and "resnet34:112" in out.stderr  # says how to write it
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
@pytest.mark.parametrize("runs", ["resnet34:112", "mobilenet_v2:112 resnet34:160:2"])
def test_good_runs_pass_the_checks(tmp_path, runs):
    out = _run(tmp_path, runs)
    assert out.returncode == 1  # the stand-in interpreter, not the RUNS check, stopped it
    assert "bad run" not in out.stderr
    assert (tmp_path / "out").is_dir()

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


TRIAL = REPO_ROOT / "scripts" / "gpu_trial.sh"


def _onnx_files() -> list:
    return sorted(p.name for p in REPO_ROOT.glob("models/*.onnx"))


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
@pytest.mark.parametrize("args", [[], ["launch"], ["prepare"]])
def test_trial_script_says_how_to_call_it(args):
    out = subprocess.run(["bash", str(TRIAL), *args], capture_output=True, text=True, timeout=60, check=False)
    assert out.returncode != 0
    assert "usage: scripts/gpu_trial.sh prepare" in out.stderr


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("git") is None, reason="needs bash and git")
def test_a_patch_that_is_missing_or_does_not_apply_moves_nothing(tmp_path):
    before = _onnx_files()
    out = subprocess.run(["bash", str(TRIAL), "prepare", str(tmp_path / "missing.patch")], capture_output=True,
                         text=True, timeout=60, check=False)
    assert out.returncode == 2 and "docs/trials/generator-" in out.stderr
    stale = tmp_path / "stale.patch"  # a change to a line that HEAD does not have
    stale.write_text("--- a/training/synth.py\n+++ b/training/synth.py\n@@ -1,1 +1,1 @@\n"
                     "-this line is not in synth.py\n+nor is this one\n")
    out = subprocess.run(["bash", str(TRIAL), "prepare", str(stale)], capture_output=True, text=True,
                         timeout=60, check=False)
    assert out.returncode == 1 and "does not apply" in out.stderr
    assert _onnx_files() == before and before  # the shipped models stay where they are


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_trial_run_needs_the_device_machines_out_folder():
    env = {k: v for k, v in os.environ.items() if k != "OUT"}
    out = subprocess.run(["bash", str(TRIAL), "run"], env=env, capture_output=True, text=True, timeout=60,
                         check=False)
    assert out.returncode != 0 and "OUT" in out.stderr

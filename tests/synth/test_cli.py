"""The command line: it works, and bad arguments fail with a clear message and no traceback."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "training" / "synth.py"


def _run(*args, cwd=None):
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True, text=True, check=False,
                          timeout=120, cwd=cwd)


def test_cli_writes_a_dataset_for_chosen_classes(tmp_path):
    out = tmp_path / "ds"
    r = _run("--out", str(out), "--per-class", "2", "--seed", "3", "--size", "48",
             "--classes", "dog,swan", "--workers", "1", "--quiet")
    assert r.returncode == 0, r.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["classes"] == ["dog", "swan"]
    assert sorted(p.name for p in (out / "train").iterdir()) == ["dog", "swan"]
    assert (out / "contact_sheet.png").exists()


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--per-class", "-3"], "per_class must be at least 1"),
        (["--per-class", "2", "--classes", "dog,unicorn"], "unknown puppet 'unicorn'"),
        (["--per-class", "2", "--size", "0"], "size"),
    ],
)
def test_cli_rejects_bad_arguments(tmp_path, args, needle):
    r = _run("--out", str(tmp_path / "ds"), "--quiet", *args)
    assert r.returncode != 0
    assert needle in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_rejects_an_unwritable_folder(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    r = _run("--out", str(blocker / "ds"), "--per-class", "1", "--quiet")
    assert r.returncode != 0
    assert "cannot write to output folder" in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_with_nothing_to_do_explains_itself():
    r = _run()
    assert r.returncode != 0
    assert "nothing to do" in r.stderr

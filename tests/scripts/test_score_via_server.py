"""`scripts/score_via_server.py`: the outside judge's path, a fresh server scoring a photo folder."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest

from ombro_contract.paths import REPO_ROOT, default_model_path

SCRIPT = REPO_ROOT / "scripts" / "score_via_server.py"


@pytest.mark.slow
def test_scores_a_folder_through_the_api_with_the_bundled_model(tmp_path):
    if not default_model_path("resnet34", "fp32").exists():
        pytest.skip("the bundled ResNet34 is absent (published by training/export.py)")
    synth = pytest.importorskip("training.synth")
    for i, puppet in enumerate(("rabbit", "swan")):
        photo = synth.render_photo(puppet, np.random.default_rng(i), 320)
        cv2.imwrite(str(tmp_path / f"{puppet}.png"), photo.image)
    (tmp_path / "notes.txt").write_text("not a photo")
    done = subprocess.run([sys.executable, str(SCRIPT), "--data", str(tmp_path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert sum(line.strip().startswith(("rabbit.png", "swan.png")) for line in lines) == 2
    # the server scores with its model, the ResNet34 it registered on first start
    assert lines[-1].startswith("resnet34-") and "on 2 photos" in lines[-1], lines[-1]


def test_a_missing_folder_is_a_clear_error(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--data", str(tmp_path / "nope")],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and "is not a folder" in done.stderr

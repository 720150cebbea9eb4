"""The models in models/ load on a fresh clone and their cards tell the truth."""

from __future__ import annotations

import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ombro_contract.card import load_verified
from ombro_contract.int8 import SAFE_WEIGHT_LEVEL, max_weight_level
from ombro_contract.paths import REPO_ROOT, default_model_path, real_shadows_dir
from training.evaluate import CARD_VIEWS, evaluate_onnx, evaluate_onnx_views
from training.synth import GENERATOR_VERSION

FP32 = default_model_path("mobilenet_v2", "fp32")
INT8 = default_model_path("mobilenet_v2", "int8")
R34 = default_model_path("resnet34", "fp32")
R34_INT8 = default_model_path("resnet34", "int8")
SHIPPED = [INT8, FP32, R34, R34_INT8]


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_card_carries_val_real_scores_and_provenance(path):
    card = load_verified(path)  # checksum + contract
    m = card.metrics
    assert m["val_top1"] >= 0.9
    for key in ("real_top1", "real_top3", "real_mean_true_prob"):
        assert 0.0 <= m[key] <= 1.0, key
    assert m["real_top3"] >= m["real_top1"]
    # trained on the generator this checkout ships, so a new generator means new models
    assert m["generator_version"] == GENERATOR_VERSION
    assert "generated shadows" in card.dataset and "train" in card.dataset
    assert card.training_commit


def test_int8_is_within_a_point_of_fp32_and_preprocesses_alike():
    fp32, int8 = load_verified(FP32), load_verified(INT8)
    assert fp32.quantization == "fp32" and int8.quantization == "int8"
    assert fp32.metrics["onnx_parity_max_abs_diff"] <= 1e-4
    assert fp32.metrics["val_top1"] - int8.metrics["val_top1"] <= 0.01
    assert fp32.preprocess == int8.preprocess


def test_server_model_is_at_least_as_good_on_real_photos_as_the_app_model():
    """The server scores with the ResNet34 because it is the most accurate; keep it so.

    Top-1 is judged over the cards' camera views (each photo under 48 views, 720 answers), not
    the 15 photos alone: the app's model since 2026-12-05 (a soup of RiFT seeds) reads 14/15 to
    the ResNet34's 12/15 while the two tie over the views (docs/training.md, "A soup of RiFT
    seeds"), so the 15 answers are one or two photos of luck either way. Top-3 stays on the
    photos, where the two now tie."""
    app, server = load_verified(INT8).metrics, load_verified(R34).metrics
    assert server["real_views"]["views"] == app["real_views"]["views"]
    assert server["real_views"]["view_seed"] == app["real_views"]["view_seed"]
    assert server["real_views"]["top1"] >= app["real_views"]["top1"]
    assert server["real_top3"] >= app["real_top3"]


@pytest.mark.skipif(real_shadows_dir() is None, reason="../shared/real-shadows is absent")
@pytest.mark.parametrize("path", [INT8, R34], ids=lambda p: p.name)
def test_real_photo_score_in_the_card_is_reproducible(path):
    card = load_verified(path)
    m = evaluate_onnx(path, real_shadows_dir())
    assert m["top1"] == pytest.approx(card.metrics["real_top1"], abs=1e-4)
    assert m["top3"] == pytest.approx(card.metrics["real_top3"], abs=1e-4)
    assert {f["true"]: f["pred"] for f in m["files"]} == {
        k: v["pred"] for k, v in card.metrics["real_per_class"].items()}


@pytest.mark.skipif(real_shadows_dir() is None, reason="../shared/real-shadows is absent")
@pytest.mark.parametrize("path", [INT8, R34], ids=lambda p: p.name)
def test_camera_view_score_in_the_card_is_reproducible(path):
    """The firmer real-photo numbers (every photo under CARD_VIEWS camera views) are the file's."""
    recorded = load_verified(path).metrics["real_views"]
    assert recorded["views"] == CARD_VIEWS and recorded["n"] == 15 * CARD_VIEWS
    measured = evaluate_onnx_views(path, real_shadows_dir())
    # another CPU's OpenCV/onnxruntime kernels may round a knife-edge view the other way: allow
    # three of the 720 views, far less than a stale card or another file moves
    for key in ("top1", "top3", "mean_true_prob"):
        assert measured[key] == pytest.approx(recorded[key], abs=3 / recorded["n"]), key


@pytest.mark.parametrize("path", [INT8, R34_INT8], ids=lambda p: p.name)
def test_int8_weights_fit_seven_bits(path):
    """8-bit weights saturate onnxruntime's int8 kernels on x86 CPUs without VNNI (quantize.py)."""
    assert max_weight_level(path) <= SAFE_WEIGHT_LEVEL
    assert load_verified(path).metrics["max_weight_level"] == max_weight_level(path)


_PROBS = """
import json, sys
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.preprocess import load_image
clf = PuppetClassifier.from_path(sys.argv[1], threads=1, warmup=False)
print(json.dumps([clf.classify(load_image(f)).probs.tolist() for f in sys.argv[2:]]))
"""


def _probs(model: Path, files: list[Path], cpu: str | None = None) -> np.ndarray:
    cmd = [sys.executable, "-c", _PROBS, str(model), *map(str, files)]
    if cpu:  # the same interpreter, emulated on an older CPU
        cmd = ["qemu-x86_64", "-cpu", cpu, *cmd]
    out = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=600, check=True)
    return np.array(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.slow
@pytest.mark.skipif(platform.machine() != "x86_64" or shutil.which("qemu-x86_64") is None,
                    reason="needs x86_64 and qemu-user (scripts/setup.sh installs it)")
def test_the_app_model_answers_alike_on_a_cpu_without_vnni():
    """The app and the held-out judge may run on any x86 CPU: a Haswell (AVX2, no VNNI) must get
    the answers this machine gets, not merely similar ones."""
    files = sorted((REPO_ROOT / "app" / "assets" / "puppets").glob("*_silhouette.png"))
    real = real_shadows_dir()
    files += sorted(real.glob("*.png")) if real else []
    native, haswell = _probs(INT8, files), _probs(INT8, files, cpu="Haswell")
    assert native.shape == (len(files), 15)
    np.testing.assert_array_equal(native.argmax(1), haswell.argmax(1))
    np.testing.assert_allclose(native, haswell, atol=1e-4)

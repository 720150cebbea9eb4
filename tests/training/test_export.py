"""export.py: checked ONNX (fp32 parity, dynamic batch), int8 gate, measured model cards."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ombro_contract.card import card_path_for, load_verified
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.int8 import SAFE_WEIGHT_LEVEL, max_weight_level
from ombro_contract.labels import PUPPETS
from ombro_contract.paths import real_shadows_dir
from ombro_contract.preprocess import load_image
from training import export
from training.evaluate import (
    CARD_VIEWS,
    evaluate_onnx,
    evaluate_onnx_views,
    load_run_model,
    torch_probs,
)

from .conftest import FAKE_RUN_SPEC as SPEC

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def exported(fake_run: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("models")
    rc = export.main([str(fake_run), "--out", str(out), "--calib-images", "15", "--max-int8-drop", "100",
                      "--version", "test-1"])
    assert rc == 0
    return out


def test_fp32_model_matches_pytorch_and_has_a_full_card(exported: Path):
    path = exported / "mobilenet_v2.onnx"
    card = load_verified(path)  # checksum, classes, input shape
    assert card.quantization == "fp32" and card.outputs == "logits" and card.version == "test-1"
    assert card.preprocess == SPEC and card.input_shape == (3, 64, 64)
    m = card.metrics
    assert m["onnx_parity_max_abs_diff"] < 1e-4
    assert 0.0 <= m["val_top1"] <= 1.0 and m["val_n"] == 30
    assert set(m["val_per_class"]) == set(PUPPETS)
    assert "real_top1" in m and ("real_per_class" in m or m["real_note"])
    assert "tiny test shapes" in card.dataset and card.training_commit


@pytest.mark.skipif(real_shadows_dir() is None, reason="../shared/real-shadows is absent")
def test_card_records_the_real_photos_over_camera_views(exported: Path):
    path = exported / "mobilenet_v2.onnx"
    m = load_verified(path).metrics
    views = m["real_views"]
    assert views["views"] == CARD_VIEWS and views["view_seed"] == 0
    assert views["n"] == m["real_n"] * CARD_VIEWS
    assert 0.0 <= views["top1"] <= views["top3"] <= 1.0
    assert views == evaluate_onnx_views(path, real_shadows_dir())  # reproducible from the file


def test_int8_model_is_published_with_its_drop(exported: Path):
    card = load_verified(exported / "mobilenet_v2.int8.onnx")
    assert card.quantization == "int8" and card.version == "test-1-int8"
    assert card.metrics["int8_drop_points"] == pytest.approx(
        (card.metrics["val_top1_fp32"] - card.metrics["val_top1"]) * 100, abs=0.01)
    assert (exported / "mobilenet_v2.int8.onnx").stat().st_size < (exported / "mobilenet_v2.onnx").stat().st_size / 2


def test_int8_weights_keep_seven_bits_so_every_cpu_computes_the_same(exported: Path):
    # 8-bit weights saturate onnxruntime's uint8 x int8 kernels on x86 CPUs without VNNI.
    level = max_weight_level(exported / "mobilenet_v2.int8.onnx")
    assert 32 < level <= SAFE_WEIGHT_LEVEL  # weights are there, and inside 7 bits
    assert load_verified(exported / "mobilenet_v2.int8.onnx").metrics["max_weight_level"] == level
    assert max_weight_level(exported / "mobilenet_v2.onnx") == 0  # fp32 has no int8 tensors


def test_batch_axis_is_dynamic(exported: Path):
    clf = PuppetClassifier.from_path(exported / "mobilenet_v2.onnx", warmup=False)
    for n in (1, 3):
        probs = clf.run(np.zeros((n, 3, 64, 64), np.float32))
        assert probs.shape == (n, len(PUPPETS))
        np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)


def test_onnx_through_the_contract_equals_pytorch_through_the_eval_preset(exported, fake_run,
                                                                          tiny_dataset_shared):
    # The app/server path (numpy preprocess + onnxruntime) and the training path (torch preset +
    # PyTorch) must agree: otherwise val accuracy measured in training means nothing on the phone.
    model, _ = load_run_model(fake_run, torch.device("cpu"))
    files = sorted((tiny_dataset_shared / "val").rglob("*.png"))[:6]
    clf = PuppetClassifier.from_path(exported / "mobilenet_v2.onnx", warmup=False)
    ort_probs = np.stack([clf.classify(load_image(f)).probs for f in files])
    rgb = [load_image(f)[:, :, ::-1].copy() for f in files]
    np.testing.assert_allclose(ort_probs, torch_probs(model, rgb, SPEC, "cpu"), atol=1e-4)


def test_evaluate_onnx_scores_a_folder(exported: Path, tiny_dataset_shared: Path):
    m = evaluate_onnx(exported / "mobilenet_v2.onnx", tiny_dataset_shared / "val")
    assert m["n"] == 30 and len(m["files"]) == 30
    assert m["top1"] == pytest.approx(np.mean([f["true"] == f["pred"] for f in m["files"]]))


def test_int8_that_loses_too_much_is_not_published(fake_run: Path, tmp_path: Path):
    # A negative limit makes any int8 result "too lossy": the gate must remove the file and card.
    rc = export.main([str(fake_run), "--out", str(tmp_path), "--calib-images", "15",
                      "--max-int8-drop", "-1000"])
    assert rc == 2
    assert (tmp_path / "mobilenet_v2.onnx").exists()
    assert not (tmp_path / "mobilenet_v2.int8.onnx").exists()
    assert not card_path_for(tmp_path / "mobilenet_v2.int8.onnx").exists()


def test_a_run_given_generated_data_with_data_is_carded_as_generated_shadows(fake_run: Path, tmp_path: Path):
    """train.py --data data/synth-... (a fine-tune on the default frames) records "folder ...";
    the card names what the folder is, as the shipped-models test requires."""
    import json
    import shutil

    from training.utils import BEST_NAME, load_checkpoint

    ckpt = load_checkpoint(fake_run / BEST_NAME)
    data = tmp_path / "synth-v9.9.9-s0-n3"
    shutil.copytree(ckpt["data_root"], data)
    (data / "manifest.json").write_text(json.dumps({"generator_version": "9.9.9"}))
    run = tmp_path / "run"
    run.mkdir()
    torch.save({**ckpt, "dataset": f"folder {data}", "data_root": str(data)}, run / BEST_NAME)
    assert export.main([str(run), "--out", str(tmp_path / "out"), "--no-int8", "--version", "g-1"]) == 0
    card = load_verified(tmp_path / "out" / "mobilenet_v2.onnx")
    assert card.dataset.startswith("generated shadows synth-v9.9.9-s0-n3 (")
    assert card.metrics["generator_version"] == "9.9.9"

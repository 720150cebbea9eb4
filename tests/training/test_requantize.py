"""requantize.py: a published fp32 model gets a new, gated, carded int8 copy without its run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ombro_contract.card import card_path_for, load_verified
from ombro_contract.int8 import SAFE_WEIGHT_LEVEL, max_weight_level
from training import export, requantize

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fp32_only(fake_run: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("published")
    assert export.main([str(fake_run), "--out", str(out), "--no-int8", "--version", "fp-1"]) == 0
    assert not (out / "mobilenet_v2.int8.onnx").exists()
    return out


def _copy(published: Path, to: Path) -> Path:
    shutil.copytree(published, to)
    return to / "mobilenet_v2.onnx"


def test_publishes_a_new_int8_version_measured_on_the_training_data(fp32_only, tiny_dataset_shared,
                                                                     tmp_path, capsys):
    fp32 = _copy(fp32_only, tmp_path / "m")
    rc = requantize.main([str(fp32), "--data", str(tiny_dataset_shared), "--calib-images", "15",
                          "--max-int8-drop", "100"])
    assert rc == 0, capsys.readouterr().err
    int8_path = tmp_path / "m" / "mobilenet_v2.int8.onnx"
    card, src = load_verified(int8_path), load_verified(fp32)
    assert card.quantization == "int8" and card.name == "Ombro MobileNetV2 int8"
    assert card.version.startswith("fp-1-int8-") and card.version != src.version
    assert card.preprocess == src.preprocess and card.classes == src.classes
    assert card.training_commit == src.training_commit and "re-quantised" in card.notes
    m = card.metrics
    assert m["val_n"] == 30 and m["val_top1_fp32"] == src.metrics["val_top1"]
    assert m["int8_drop_points"] == pytest.approx((m["val_top1_fp32"] - m["val_top1"]) * 100, abs=0.01)
    assert m["epoch"] == 0 and "7-bit weights" in m["calibration"]
    assert max_weight_level(int8_path) == m["max_weight_level"] <= SAFE_WEIGHT_LEVEL
    assert not list((tmp_path / "m").glob(".*"))  # no temporary file left beside the models


def test_an_int8_file_is_refused(fp32_only, tiny_dataset_shared, tmp_path, capsys):
    fp32 = _copy(fp32_only, tmp_path / "m")
    assert requantize.main([str(fp32), "--data", str(tiny_dataset_shared), "--calib-images", "15",
                            "--max-int8-drop", "100", "--version", "i8"]) == 0
    capsys.readouterr()
    assert requantize.main([str(fp32.with_name("mobilenet_v2.int8.onnx")), "--data",
                            str(tiny_dataset_shared)]) == 2
    assert "give the fp32 file" in capsys.readouterr().err


def test_data_from_another_generator_is_refused(fp32_only, tiny_dataset_shared, tmp_path, capsys):
    fp32 = _copy(fp32_only, tmp_path / "m")
    data = tmp_path / "data"
    shutil.copytree(tiny_dataset_shared, data)
    (data / "manifest.json").write_text(json.dumps({"generator_version": "9.9.9"}))
    assert requantize.main([str(fp32), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert "shadows of generator 9.9.9" in err and "that no generator made" in err
    assert not (tmp_path / "m" / "mobilenet_v2.int8.onnx").exists()


def test_missing_data_and_a_tampered_model_say_what_is_wrong(fp32_only, tmp_path, capsys):
    fp32 = _copy(fp32_only, tmp_path / "m")
    assert requantize.main([str(fp32), "--data", str(tmp_path / "nowhere")]) == 2
    assert "train" in capsys.readouterr().err
    fp32.write_bytes(fp32.read_bytes()[:-10])  # no longer the file its card describes
    assert requantize.main([str(fp32), "--data", str(tmp_path)]) == 2
    assert capsys.readouterr().err.startswith("error:")
    assert card_path_for(fp32).exists()  # nothing of the published model was removed


def test_an_int8_copy_that_loses_too_much_is_not_published(fp32_only, tiny_dataset_shared, tmp_path):
    fp32 = _copy(fp32_only, tmp_path / "m")
    assert requantize.main([str(fp32), "--data", str(tiny_dataset_shared), "--calib-images", "15",
                            "--max-int8-drop", "-1000"]) == 2
    assert not (tmp_path / "m" / "mobilenet_v2.int8.onnx").exists()
    assert load_verified(fp32).quantization == "fp32"

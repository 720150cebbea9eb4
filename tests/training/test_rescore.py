"""rescore.py: a published model is measured again and its card updated, the file untouched."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ombro_contract.card import card_path_for, load_verified
from ombro_contract.paths import REAL_SHADOWS_ENV
from training import export, rescore

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def photos(tiny_dataset_shared: Path, tmp_path_factory) -> Path:
    """Three labelled 'real' photos, named like ../shared/real-shadows."""
    folder = tmp_path_factory.mktemp("photos")
    for puppet in ("bird", "cow", "swan"):
        shutil.copy(next((tiny_dataset_shared / "val" / puppet).glob("*.png")),
                    folder / f"{puppet}.png")
    return folder


@pytest.fixture(scope="module")
def published(fake_run: Path, photos: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("published")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(REAL_SHADOWS_ENV, str(photos))
        assert export.main([str(fake_run), "--out", str(out), "--version", "v-1",
                            "--calib-images", "15", "--max-int8-drop", "100"]) == 0
    return out


@pytest.fixture(autouse=True)
def _real_photos(photos: Path, monkeypatch) -> None:
    monkeypatch.setenv(REAL_SHADOWS_ENV, str(photos))


def _stale(card_path: Path, **numbers) -> None:
    """Write other numbers into a card, as a change of preprocessing code leaves them."""
    raw = json.loads(card_path.read_text())
    raw["metrics"].update(numbers)
    card_path.write_text(json.dumps(raw))


def test_stale_numbers_are_measured_again_and_the_file_kept(published, tiny_dataset_shared,
                                                            tmp_path, capsys):
    models = shutil.copytree(published, tmp_path / "m")
    fp32, int8 = models / "mobilenet_v2.onnx", models / "mobilenet_v2.int8.onnx"
    before32, before8 = load_verified(fp32), load_verified(int8)
    _stale(card_path_for(fp32), val_top1=0.01, real_top1=0.99)
    _stale(card_path_for(int8), val_top1=0.02, int8_drop_points=-1.0)

    # int8 named first: the fp32 file is still measured first, so the drop uses its new val
    assert rescore.main([str(int8), str(fp32), "--data", str(tiny_dataset_shared)]) == 0, \
        capsys.readouterr().err
    after32, after8 = load_verified(fp32), load_verified(int8)
    for before, after in ((before32, after32), (before8, after8)):
        assert after.sha256 == before.sha256 and after.version == before.version
        assert after.metrics["val_n"] == 30 and after.metrics["real_n"] == 3
        assert after.metrics["real_views"]["n"] == 3 * after.metrics["real_views"]["views"]
        assert set(after.metrics) == set(before.metrics) | {"rescored"}
    assert after32.metrics["val_top1"] == before32.metrics["val_top1"]  # same code, same numbers
    assert after32.metrics["rescored"]["before"]["val_top1"] == 0.01
    assert after32.metrics["rescored"]["before"]["real_top1"] == 0.99
    m8 = after8.metrics
    assert m8["val_top1_fp32"] == after32.metrics["val_top1"]
    assert m8["int8_drop_points"] == pytest.approx((m8["val_top1_fp32"] - m8["val_top1"]) * 100,
                                                   abs=0.01)
    assert m8["max_weight_level"] == before8.metrics["max_weight_level"]  # kept, not measured
    assert "0.01 -> " in capsys.readouterr().out


def test_other_data_or_no_photos_change_nothing(published, tiny_dataset_shared, tmp_path,
                                                monkeypatch, capsys):
    models = shutil.copytree(published, tmp_path / "m")
    fp32 = models / "mobilenet_v2.onnx"
    card_before = card_path_for(fp32).read_text()
    data = shutil.copytree(tiny_dataset_shared, tmp_path / "data")
    (data / "manifest.json").write_text(json.dumps({"generator_version": "9.9.9"}))
    assert rescore.main([str(fp32), "--data", str(data)]) == 2
    assert "shadows of generator 9.9.9" in capsys.readouterr().err

    monkeypatch.setenv(REAL_SHADOWS_ENV, str(tmp_path / "nowhere"))
    assert rescore.main([str(fp32), "--data", str(tiny_dataset_shared)]) == 2
    assert "real-photo numbers" in capsys.readouterr().err
    assert card_path_for(fp32).read_text() == card_before

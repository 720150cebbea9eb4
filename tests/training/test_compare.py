"""training/compare.py: several exported models and their pair averages on one folder."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from ombro_contract.classifier import PuppetClassifier
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import load_image
from training import compare

from .conftest import draw_shadow

REPO = Path(__file__).resolve().parents[2]
APP_MODEL = REPO / "models" / "mobilenet_v2.int8.onnx"
SERVER_MODEL = REPO / "models" / "resnet34.onnx"


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    """`<puppet>.png` files, the layout of ../shared/real-shadows."""
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for label, name in enumerate(PUPPETS[:6]):
        cv2.imwrite(str(folder / f"{name}.png"), draw_shadow(label, rng, 96))
    return folder


def probs_of(model: Path, folder: Path) -> tuple[np.ndarray, np.ndarray]:
    clf = PuppetClassifier.from_path(model)
    files = sorted(folder.glob("*.png"))
    targets = np.array([PUPPETS.index(f.stem) for f in files])
    return np.stack([clf.classify(load_image(f)).probs for f in files]), targets


def test_models_and_their_average_are_scored_as_the_app_runs_them(photos: Path):
    result = compare.compare([APP_MODEL, SERVER_MODEL], photos)
    rows = {r["name"]: r for r in result["rows"]}
    assert list(rows) == ["mobilenet_v2.int8.onnx", "resnet34.onnx",
                          "avg(mobilenet_v2.int8.onnx, resnet34.onnx)"]
    a, t = probs_of(APP_MODEL, photos)
    b, _ = probs_of(SERVER_MODEL, photos)
    for name, p in (("mobilenet_v2.int8.onnx", a), ("resnet34.onnx", b),
                    ("avg(mobilenet_v2.int8.onnx, resnet34.onnx)", (a + b) / 2)):
        assert rows[name]["n"] == 6
        assert rows[name]["top1"] == pytest.approx((p.argmax(1) == t).mean(), abs=1e-4)
        assert rows[name]["mean_true_prob"] == pytest.approx(p[np.arange(6), t].mean(), abs=1e-4)
    # each photo: every model's answer and true-class probability
    first = result["files"][0]
    assert first["file"] == "bird.png" and first["true"] == "bird"
    assert first["resnet34.onnx"]["pred"] == PUPPETS[int(b[0].argmax())]


def test_cli_prints_the_table_and_writes_json(photos: Path, tmp_path: Path, capsys):
    out = tmp_path / "cmp.json"
    assert compare.main([str(APP_MODEL), str(SERVER_MODEL), "--data", str(photos), "--no-pairs",
                         "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "mobilenet_v2.int8.onnx" in text and "resnet34.onnx" in text and "avg(" not in text
    assert "/6" in text and "bird.png" in text
    saved = json.loads(out.read_text())
    assert [r["name"] for r in saved["rows"]] == ["mobilenet_v2.int8.onnx", "resnet34.onnx"]
    assert len(saved["files"]) == 6


def test_same_file_names_are_told_apart_by_their_folder(tmp_path: Path):
    names = compare._short_names([Path("models/mobilenet_v2.int8.onnx"),
                                  Path("/tmp/cand/mobilenet_v2.int8.onnx")])
    assert names == ["models/mobilenet_v2.int8.onnx", "cand/mobilenet_v2.int8.onnx"]


def test_bad_inputs_give_a_message_and_exit_2(photos: Path, tmp_path: Path, capsys):
    assert compare.main([str(tmp_path / "missing.onnx"), "--data", str(photos)]) == 2
    assert "missing.onnx" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert compare.main([str(APP_MODEL), "--data", str(empty)]) == 2
    assert "no class folders" in capsys.readouterr().err


def test_views_count_every_view_and_every_model_sees_the_same_ones(photos: Path, capsys):
    result = compare.compare([APP_MODEL, APP_MODEL.with_name("mobilenet_v2.onnx")], photos, views=3)
    assert result["views"] == 3
    rows = {r["name"]: r for r in result["rows"]}
    app = rows["mobilenet_v2.int8.onnx"]
    assert app["n"] == 6 * 3
    # the rows' rates and the files' counts come from the same views
    right = sum(f["mobilenet_v2.int8.onnx"]["right"] for f in result["files"])
    in_top3 = sum(f["mobilenet_v2.int8.onnx"]["in_top3"] for f in result["files"])
    assert app["top1"] == pytest.approx(right / 18, abs=1e-4)
    assert app["top3"] == pytest.approx(in_top3 / 18, abs=1e-4)
    assert all(0 <= f[m]["right"] <= f[m]["in_top3"] <= 3 for f in result["files"]
               for m in ("mobilenet_v2.int8.onnx", "mobilenet_v2.onnx"))
    # the first view is the photo itself: one view gives the plain comparison
    plain = compare.compare([APP_MODEL], photos, pairs=False)
    a, _ = probs_of(APP_MODEL, photos)
    assert plain["rows"][0]["mean_true_prob"] == pytest.approx(a[np.arange(6), np.arange(6)].mean(), abs=1e-4)
    # the report counts in photos and explains the per-view counts
    text = compare.format_report(result)
    assert f"{app['top1'] * 6:4.1f}/6" in text and "/3" in text and "views right at top-1" in text


def test_views_must_be_positive(photos: Path):
    with pytest.raises(SystemExit) as exc:
        compare.main([str(APP_MODEL), "--data", str(photos), "--views", "0"])
    assert exc.value.code == 2


def test_view_only_changes_one_family_of_the_same_views(photos: Path, capsys):
    whole = compare.compare([APP_MODEL], photos, pairs=False, views=3)
    framed = compare.compare([APP_MODEL], photos, pairs=False, views=3, view_only=("geometry",))
    still = compare.compare([APP_MODEL], photos, pairs=False, views=3, view_only=("jpeg",))
    assert framed["view_only"] == ["geometry"] and whole["view_only"] == []
    plain = compare.compare([APP_MODEL], photos, pairs=False)
    # JPEG alone is a near no-op for the silhouette: the rates stay the photos' own
    assert still["rows"][0]["top1"] == pytest.approx(plain["rows"][0]["top1"], abs=1 / 18)
    assert framed["rows"][0]["n"] == whole["rows"][0]["n"] == 18
    for bad in (["--views", "3", "--view-only", "colour"], ["--view-only", "geometry"]):
        with pytest.raises(SystemExit) as exc:
            compare.main([str(APP_MODEL), "--data", str(photos), *bad])
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "unknown families ['colour']" in err and "needs --views" in err

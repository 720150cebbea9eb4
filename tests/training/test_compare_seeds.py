"""training/compare_seeds.py: groups of seeds, scored over camera views of several view seeds."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from ombro_contract.labels import PUPPETS
from training import compare, compare_seeds

from .conftest import draw_shadow

REPO = Path(__file__).resolve().parents[2]
INT8 = REPO / "models" / "mobilenet_v2.int8.onnx"
FP32 = REPO / "models" / "mobilenet_v2.onnx"
SERVER = REPO / "models" / "resnet34.onnx"


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(1)
    for label, name in enumerate(PUPPETS[:5]):
        cv2.imwrite(str(folder / f"{name}.png"), draw_shadow(label, rng, 96))
    return folder


@pytest.fixture(scope="module")
def result(photos: Path) -> dict:
    return compare_seeds.compare_seeds({"app": [INT8, FP32], "server": [SERVER]}, photos, views=3,
                                       view_seeds=(0, 1))


def test_models_groups_and_ensembles_match_compare_on_each_view_seed(photos: Path, result: dict):
    # compare.py on one view seed at a time: a model's rate over both view seeds is their mean
    # (same number of views each), and its pair average is the two-seed ensemble
    per_seed = [{r["name"]: r for r in compare.compare([INT8, FP32], photos, views=3, view_seed=s)["rows"]}
                for s in (0, 1)]
    app = result["models"]["app"]
    for row, name in zip(app, ("mobilenet_v2.int8.onnx", "mobilenet_v2.onnx")):
        for k in ("top1", "top3", "mean_true_prob"):
            assert row[k] == pytest.approx(np.mean([s[name][k] for s in per_seed]), abs=2e-4)
    pair = "avg(mobilenet_v2.int8.onnx, mobilenet_v2.onnx)"
    ensemble = result["groups"]["app"]["ensemble"]
    for k in ("top1", "top3", "mean_true_prob"):
        assert ensemble[k] == pytest.approx(np.mean([s[pair][k] for s in per_seed]), abs=2e-4)
        assert result["groups"]["app"]["mean"][k] == pytest.approx(np.mean([r[k] for r in app]), abs=2e-4)
    assert result["groups"]["app"]["sd"]["top1"] == pytest.approx(
        np.std([r["top1"] for r in app], ddof=1), abs=2e-4)
    # one seed has no spread to go on
    assert result["groups"]["server"]["n_seeds"] == 1 and result["groups"]["server"]["sd"]["top1"] is None


def test_per_photo_counts_add_up_to_the_rates(result: dict):
    n, views, seeds = result["n"], result["views"], len(result["view_seeds"])
    assert n == 5 and [p["true"] for p in result["photos"]] == list(PUPPETS[:5])
    for group, rows in result["models"].items():
        right = sum(p[group]["right"] for p in result["photos"])
        in_top3 = sum(p[group]["in_top3"] for p in result["photos"])
        of = sum(p[group]["of"] for p in result["photos"])
        assert of == n * views * seeds * len(rows)
        assert right == round(sum(r["top1"] for r in rows) * n * views * seeds)
        assert in_top3 == round(sum(r["top3"] for r in rows) * n * views * seeds)
        assert all(0 <= p[group]["right"] <= p[group]["in_top3"] <= p[group]["of"] for p in result["photos"])


def test_report_names_groups_and_gives_a_standard_error_only_with_spreads(result: dict):
    text = compare_seeds.format_report(result)
    assert "[app]" in text and "[server]" in text and "mean of 2 seeds" in text
    assert "seed ensemble (average)" in text and "spread (sd)" in text
    # the server group has one seed: its difference is printed without a standard error
    diff = next(line for line in text.splitlines() if line.strip().startswith("[server] top-1"))
    assert "+-" not in diff


def test_cli_writes_json_and_rejects_bad_groups(photos: Path, tmp_path: Path, capsys):
    out = tmp_path / "seeds.json"
    assert compare_seeds.main(["--group", "a", str(INT8), "--group", "b", str(FP32), "--data", str(photos),
                               "--views", "2", "--json", str(out)]) == 0
    saved = json.loads(out.read_text())
    assert list(saved["groups"]) == ["a", "b"] and saved["view_seeds"] == [0]
    assert "difference of means against [a]" in capsys.readouterr().out
    for bad in (["--group", "a"], ["--group", "a", str(INT8), "--group", "a", str(FP32)],
                ["--group", "a", str(INT8), "--views", "0"]):
        with pytest.raises(SystemExit) as exc:
            compare_seeds.main([*bad, "--data", str(photos)])
        assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "name at least one model" in err and "given twice" in err and "--views must be" in err
    assert compare_seeds.main(["--group", "a", str(tmp_path / "missing.onnx"), "--data", str(photos)]) == 2
    assert "missing.onnx" in capsys.readouterr().err


def test_flip_adds_a_mirror_invariant_twin_of_each_group(photos: Path, tmp_path: Path):
    mirrored = tmp_path / "mirrored"
    mirrored.mkdir()
    for f in photos.iterdir():
        cv2.imwrite(str(mirrored / f.name), cv2.imread(str(f))[:, ::-1])
    # one view: the photo itself, so the mirrored folder holds exactly the mirror images
    a, b = (compare_seeds.compare_seeds({"app": [INT8]}, folder, views=1, flip=True)
            for folder in (photos, mirrored))
    assert list(a["groups"]) == ["app", "app+flip"]
    plain = [a["models"]["app"][0]["mean_true_prob"], b["models"]["app"][0]["mean_true_prob"]]
    assert abs(plain[0] - plain[1]) > 1e-3  # the network alone tells a shadow from its mirror image
    flip = [a["models"]["app+flip"][0]["mean_true_prob"], b["models"]["app+flip"][0]["mean_true_prob"]]
    assert flip[0] == pytest.approx(flip[1], abs=2e-3)  # averaged with its mirror, it no longer does
    with pytest.raises(ValueError, match="taken"):
        compare_seeds.compare_seeds({"app": [INT8], "app+flip": [FP32]}, photos, views=1, flip=True)
    with pytest.raises(SystemExit) as exc:
        compare_seeds.main(["--group", "a", str(INT8), "--group", "a+flip", str(FP32), "--flip",
                            "--data", str(photos)])
    assert exc.value.code == 2

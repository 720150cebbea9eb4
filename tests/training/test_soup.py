"""training/soup.py: weights averaged exactly, incompatible runs refused, output readable by export."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ombro_contract.labels import PUPPETS
from tests.training.conftest import FAKE_RUN_SPEC
from training import soup
from training.engine import build_model
from training.utils import BEST_NAME


def write_run(folder: Path, data_root: Path, *, seed: int, arch: str = "mobilenet_v2",
              init: str = "distilled.onnx", spec=FAKE_RUN_SPEC) -> Path:
    torch.manual_seed(seed)
    model = build_model(arch)
    folder.mkdir(parents=True)
    torch.save({"model": model.state_dict(), "arch": arch, "classes": list(PUPPETS),
                "spec": spec.model_dump(mode="json"), "epoch": 0, "dataset": "tiny test shapes",
                "data_root": str(data_root), "val_top1": 0.1 * seed, "config": {"seed": seed},
                "rift": {"init": init, "init_version": None, "alpha": 0.2 * seed, "module": "x",
                         "pgd_train": {}}}, folder / BEST_NAME)
    return folder


@pytest.fixture
def two_runs(tmp_path: Path, tiny_dataset_shared: Path) -> list[Path]:
    return [write_run(tmp_path / f"s{s}", tiny_dataset_shared, seed=s) for s in (1, 2)]


def test_soup_is_the_elementwise_mean_of_float_tensors(two_runs):
    a, b = (torch.load(r / BEST_NAME, weights_only=True)["model"] for r in two_runs)
    mixed = soup.make_soup(two_runs)["model"]
    w = "features.0.0.weight"
    assert not torch.equal(a[w], b[w])
    torch.testing.assert_close(mixed[w], (a[w] + b[w]) / 2)
    torch.testing.assert_close(mixed["classifier.1.bias"], (a["classifier.1.bias"] + b["classifier.1.bias"]) / 2)
    counter = "features.0.1.num_batches_tracked"
    assert mixed[counter].dtype == a[counter].dtype and torch.equal(mixed[counter], a[counter])


def test_soup_of_one_model_twice_predicts_like_it(tmp_path, tiny_dataset_shared):
    runs = [write_run(tmp_path / n, tiny_dataset_shared, seed=3) for n in ("a", "b")]
    ckpt = soup.make_soup(runs)
    ref, mixed = build_model("mobilenet_v2"), build_model("mobilenet_v2")
    ref.load_state_dict(torch.load(runs[0] / BEST_NAME, weights_only=True)["model"])
    mixed.load_state_dict(ckpt["model"])
    x = torch.rand(2, 3, 64, 64)
    torch.testing.assert_close(mixed.eval()(x), ref.eval()(x))


def test_soup_records_its_ingredients_and_drops_their_own_val(two_runs):
    ckpt = soup.make_soup(two_runs)
    rec = ckpt["soup"]
    assert rec["ingredients"] == [str(r) for r in two_runs]
    assert rec["ingredient_seeds"] == [1, 2] and rec["init"] == "distilled.onnx"
    assert rec["rift_alphas"] == pytest.approx([0.2, 0.4])
    assert "val_top1" not in ckpt and "rift" not in ckpt
    assert ckpt["arch"] == "mobilenet_v2" and ckpt["spec"] == FAKE_RUN_SPEC.model_dump(mode="json")


@pytest.mark.parametrize(("change", "message"), [
    ({"arch": "resnet34"}, "architecture"),
    ({"init": "another.onnx"}, "different inits"),
    ({"spec": FAKE_RUN_SPEC.model_copy(update={"input_size": 96})}, "preprocessing"),
])
def test_incompatible_runs_are_refused_with_the_reason(tmp_path, tiny_dataset_shared, change, message):
    a = write_run(tmp_path / "a", tiny_dataset_shared, seed=1)
    b = write_run(tmp_path / "b", tiny_dataset_shared, seed=2, **change)
    with pytest.raises(soup.SoupError, match=message):
        soup.make_soup([a, b])


def test_runs_from_random_weights_are_refused(tmp_path, tiny_dataset_shared):
    runs = [write_run(tmp_path / n, tiny_dataset_shared, seed=s, init=None) for n, s in (("a", 1), ("b", 2))]
    with pytest.raises(soup.SoupError, match="started from random weights"):
        soup.make_soup(runs)


def test_one_run_or_a_missing_one_is_refused(two_runs, tmp_path):
    with pytest.raises(soup.SoupError, match="at least two"):
        soup.make_soup(two_runs[:1])
    with pytest.raises(soup.SoupError, match="not found"):
        soup.make_soup([two_runs[0], tmp_path / "nowhere"])


def test_cli_writes_a_run_that_evaluate_and_export_load(two_runs, tmp_path, capsys):
    from training.evaluate import load_run_model

    out = tmp_path / "soup"
    assert soup.main([*map(str, two_runs), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "soup of 2: val top-1" in printed and "seed 1" in printed
    model, ckpt = load_run_model(out, torch.device("cpu"))
    assert model(torch.rand(1, 3, 64, 64)).shape == (1, len(PUPPETS))
    rec = json.loads((out / "soup.json").read_text())
    assert 0.0 <= rec["val_top1"] <= 1.0 and ckpt["val_top1"] == rec["val_top1"]
    assert ckpt["soup"]["ingredients"] == rec["ingredients"]


def test_cli_error_is_one_clear_line(two_runs, tmp_path, capsys):
    assert soup.main([str(two_runs[0]), "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: a soup needs at least two")
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_exported_soup_card_names_its_ingredients(two_runs, tmp_path):
    from ombro_contract.card import load_verified
    from training import export

    out = tmp_path / "soup"
    assert soup.main([*map(str, two_runs), "--out", str(out), "--no-val"]) == 0
    models = tmp_path / "models"
    assert export.main([str(out), "--out", str(models), "--no-int8", "--version", "soup-1"]) == 0
    card = load_verified(models / "mobilenet_v2.onnx")
    assert card.metrics["soup"] == {"ingredients": 2, "init": "distilled.onnx", "seeds": [1, 2],
                                    "rift_alphas": pytest.approx([0.2, 0.4])}
    assert "rift" not in card.metrics


def test_a_torn_or_foreign_checkpoint_is_refused_by_name(two_runs, tmp_path):
    torn = tmp_path / "torn.pth"
    torn.write_bytes((two_runs[0] / BEST_NAME).read_bytes()[:1000])
    with pytest.raises(soup.SoupError, match="torn.pth is not a readable checkpoint"):
        soup.make_soup([two_runs[0], torn])
    foreign = tmp_path / "weights.pth"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(soup.SoupError, match="missing model, arch"):
        soup.make_soup([two_runs[0], foreign])

"""End-to-end RiFT on a tiny drawn dataset: every step runs and the run folder is consistent."""

import csv
import json

import cv2
import numpy as np
import pytest
import torch

from ombro_contract.labels import PUPPETS
from training.protected import ProtectedDatasetError, write_marker

rift = pytest.importorskip("training.rift")


def _polygon_dataset(root, per_class=2, size=40):
    """Class c is a (c+3)-gon: learnable, and nothing to download or generate."""
    rng = np.random.default_rng(0)
    for split, n in (("train", per_class), ("val", 1)):
        for c, name in enumerate(PUPPETS):
            d = root / split / name
            d.mkdir(parents=True)
            for i in range(n):
                img = np.full((size, size, 3), 220, np.uint8)
                ang = 2 * np.pi * np.arange(c + 3) / (c + 3) + rng.uniform(0, 1)
                pts = np.stack([size / 2 + size / 3 * np.cos(ang), size / 2 + size / 3 * np.sin(ang)], 1)
                cv2.fillPoly(img, [pts.astype(np.int32)], (30, 30, 30))
                cv2.imwrite(str(d / f"{i}.png"), img)
    return root


ARGS = ["--input-size", "32", "--epochs", "1", "--finetune-epochs", "1", "--batch-size", "16",
        "--workers", "0", "--no-report", "--no-progress", "--mrc-samples", "6", "--mrc-steps", "1",
        "--pgd-steps", "1", "--eval-pgd-steps", "1", "--alpha-points", "3", "--device", "cpu"]


@pytest.mark.slow
def test_rift_run_folder_is_complete_and_consistent(tmp_path):
    data = _polygon_dataset(tmp_path / "data")
    out = tmp_path / "run"
    assert rift.cli(["--data", str(data), "--out", str(out), *ARGS]) == 0
    summary = json.loads((out / "rift.json").read_text())

    from training.engine import build_model
    from training.robust.criticality import candidate_modules
    from training.robust.interpolation import interpolate_state_dicts
    from training.utils import load_checkpoint

    model = build_model("mobilenet_v2")
    with (out / "mrc.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["module"] for r in rows] == candidate_modules(model)
    assert summary["module"] == min(rows, key=lambda r: float(r["mrc"]))["module"]
    assert (out / "mrc.png").stat().st_size > 0 and (out / "mrc.md").exists()

    with (out / "interpolation.csv").open() as fh:
        alphas = [float(r["alpha"]) for r in csv.DictReader(fh)]
    assert alphas == [0.0, 0.5, 1.0] and summary["alpha"] in alphas

    at = load_checkpoint(out / "adversarial.pth")
    ft = load_checkpoint(out / "finetuned.pth")
    best = load_checkpoint(out / "model_best.pth")
    # only the chosen module's parameters were fine-tuned (BatchNorm buffers may follow the data)
    params = dict(model.named_parameters())
    changed = [k for k in params if not torch.equal(at["model"][k], ft["model"][k])]
    assert changed and all(k.startswith(summary["module"] + ".") for k in changed)
    expected = interpolate_state_dicts(at["model"], ft["model"], summary["alpha"])
    assert all(torch.equal(best["model"][k], expected[k]) for k in expected)
    # train.py's checkpoint layout, so export/evaluate read it like any run
    assert best["arch"] == "mobilenet_v2" and best["classes"] == list(PUPPETS)
    assert best["spec"]["input_size"] == 32
    model.load_state_dict(best["model"])
    # export.py/evaluate.py load runs through load_run_model: a RiFT run folder must pass it
    from training.evaluate import load_run_model

    loaded, ckpt = load_run_model(out, torch.device("cpu"))
    assert ckpt["arch"] == "mobilenet_v2" and not loaded.training
    assert set(summary["results"]) == {"adversarial", "finetuned", "rift"}
    for res in summary["results"].values():
        assert 0 <= res["clean_val_top1"] <= 1 and 0 <= res["pgd_val_top1"] <= 1


def test_rift_refuses_protected_data(tmp_path):
    data = _polygon_dataset(tmp_path / "data", per_class=1)
    write_marker(data, method="cuda", key="k")
    with pytest.raises(ProtectedDatasetError):
        rift.main(rift.RiftConfig(data=str(data), out=str(tmp_path / "run"), workers=0, report=False))

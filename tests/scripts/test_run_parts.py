"""`scripts/run_parts.py`: a run's best checkpoint through a channel of small files and back."""

from __future__ import annotations

import importlib.util

import pytest
import torch
import torchvision

from ombro_contract.paths import REPO_ROOT


@pytest.fixture(scope="module")
def run_parts():
    spec = importlib.util.spec_from_file_location("run_parts", REPO_ROOT / "scripts" / "run_parts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(tmp_path, model: torch.nn.Module):
    run = tmp_path / "run"
    run.mkdir()
    torch.save({"model": model.state_dict(), "arch": "mobilenet_v2", "epoch": 3, "val_top1": 0.9},
               run / "model_best.pth")
    return run


def test_small_checkpoint_round_trips_exactly(tmp_path, run_parts):
    model = torchvision.models.mobilenet_v2(num_classes=15)
    run = _run(tmp_path, model)
    parts = run_parts.pack(run, tmp_path / "out", name="mnv2")
    assert [p.name for p in parts] == ["mnv2.pth.part0"]
    logs = tmp_path / "logs" / "mnv2"
    logs.mkdir(parents=True)
    (logs / "log.csv").write_text("epoch,val_acc\n3,0.9\n")
    best = run_parts.unpack(tmp_path / "out", "mnv2", tmp_path / "home", logs=tmp_path / "logs")
    back = torch.load(best, weights_only=False)
    assert back["epoch"] == 3 and "weights_were_float16" not in back
    for key, value in model.state_dict().items():
        assert torch.equal(back["model"][key], value), key
    assert (tmp_path / "home" / "log.csv").read_text().startswith("epoch")


def test_big_checkpoint_goes_as_float16_parts_and_comes_back_float32(tmp_path, run_parts, monkeypatch):
    monkeypatch.setattr(run_parts, "PART_BYTES", 2**20)  # a MobileNetV2 (9 MB) stands in for a ResNet34
    model = torchvision.models.mobilenet_v2(num_classes=15)
    run = _run(tmp_path, model)
    parts = run_parts.pack(run, tmp_path / "out", name="big")
    assert len(parts) > 3 and all(p.stat().st_size <= 2**20 for p in parts)
    back = torch.load(run_parts.unpack(tmp_path / "out", "big", tmp_path / "home"), weights_only=False)
    assert back["weights_were_float16"] is True
    for key, value in model.state_dict().items():
        got = back["model"][key]
        assert got.dtype == value.dtype, key
        if value.is_floating_point():
            torch.testing.assert_close(got, value, rtol=1e-3, atol=1e-4)
        else:
            assert torch.equal(got, value), key


def test_unpack_without_parts_says_what_is_missing(tmp_path, run_parts):
    with pytest.raises(SystemExit, match="no ghost.pth.part"):
        run_parts.unpack(tmp_path, "ghost", tmp_path / "home")

"""train.py end to end on a tiny dataset: artefacts, resume after a kill, refusals."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
import urllib.error
from itertools import pairwise
from pathlib import Path

import cv2
import pytest
import torch

from ombro_contract.card import load_verified
from ombro_contract.labels import PUPPETS
from training import export
from training.config import TrainConfig
from training.engine import PretrainedWeightsError, build_ema, build_model, build_scheduler
from training.train import cli
from training.utils import load_checkpoint

REPO = Path(__file__).resolve().parents[2]
FAST = ["--input-size", "64", "-b", "8", "--workers", "0", "--no-progress"]


def epochs_logged(run: Path) -> list[int]:
    with (run / "log.csv").open() as f:
        return [int(r["epoch"]) for r in csv.DictReader(f)]


def test_one_epoch_writes_checkpoints_log_and_report(tiny_dataset_shared: Path, tmp_path: Path):
    run = tmp_path / "run"
    rc = cli(["--data", str(tiny_dataset_shared), "--out", str(run), "--epochs", "1",
              "--gradcam-per-class", "1", *FAST])
    assert rc == 0
    assert epochs_logged(run) == [0]
    best = load_checkpoint(run / "model_best.pth")
    assert best["classes"] == list(PUPPETS) and best["arch"] == "mobilenet_v2"
    assert best["spec"]["input_size"] == 64  # the spec travels with the weights
    ckpt = load_checkpoint(run / "checkpoint.pth")
    assert {"model", "optimizer", "scheduler", "scaler", "epoch", "best_acc", "config"} <= ckpt.keys()
    import json

    metrics = json.loads((run / "metrics.json").read_text())
    assert set(metrics["val"]["per_class"]) == set(PUPPETS)
    assert metrics["val"]["n"] == 15 * 2
    assert set(metrics["val"]["per_class"]["bird"]) == {"precision", "recall", "f1", "support"}
    for png in ("confusion_matrix.png", "curves.png", "gradcam.png"):
        assert (run / png).stat().st_size > 1000, png
    overlay = cv2.imread(str(run / "gradcam" / "bird_0.png"))
    assert overlay is not None and overlay.shape[2] == 3 and overlay.std() > 1  # a picture


def test_existing_run_is_not_overwritten_without_resume(tiny_dataset_shared: Path, tmp_path: Path):
    run = tmp_path / "run"
    args = ["--data", str(tiny_dataset_shared), "--out", str(run), "--epochs", "1",
            "--limit-batches", "1", "--no-report", *FAST]
    assert cli(args) == 0
    with pytest.raises(SystemExit, match="--resume"):
        cli(args)


@pytest.mark.slow
def test_killed_mid_training_resumes_from_last_checkpoint(tiny_dataset_shared: Path, tmp_path: Path):
    run = tmp_path / "run"
    cmd = [sys.executable, str(REPO / "training" / "train.py"), "--data", str(tiny_dataset_shared),
           "--out", str(run), "--epochs", "3", "--no-report", *FAST]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.time() + 240
        while not (run / "checkpoint.pth").exists():  # first epoch done: kill during the next
            assert proc.poll() is None, proc.stdout.read()
            assert time.time() < deadline, "no checkpoint within 4 minutes"
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    saved = load_checkpoint(run / "checkpoint.pth")["epoch"]
    assert saved < 2, "training finished before it could be interrupted"

    out = subprocess.run(cmd + ["--resume"], env=env, capture_output=True, text=True, timeout=300,
                         check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert f"continuing at epoch {saved + 1}" in out.stdout
    assert f"epoch {saved}:" not in out.stdout  # finished epochs are not trained again
    assert epochs_logged(run) == [0, 1, 2]
    assert load_checkpoint(run / "checkpoint.pth")["epoch"] == 2


def test_resume_refuses_a_different_preprocessing(tiny_dataset_shared: Path, tmp_path: Path):
    run = tmp_path / "run"
    base = ["--data", str(tiny_dataset_shared), "--out", str(run), "--limit-batches", "1", "--no-report"]
    assert cli([*base, "--epochs", "1", *FAST]) == 0
    with pytest.raises(SystemExit, match="cannot continue"):
        cli([*base, "--epochs", "2", "--resume", "--threshold", "90", *FAST])


def test_pretrained_offline_fails_with_instructions(monkeypatch):
    import torchvision

    def offline(self, *a, **k):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchvision.models.WeightsEnum, "get_state_dict", offline)
    with pytest.raises(PretrainedWeightsError, match="offline.*without --pretrained"):
        build_model("mobilenet_v2", pretrained=True)


@pytest.mark.parametrize("arch", ["mobilenet_v2", "resnet34"])
def test_models_output_one_logit_per_puppet(arch):
    model = build_model(arch).eval()
    with torch.no_grad():
        assert model(torch.zeros(2, 3, 64, 64)).shape == (2, len(PUPPETS))


def test_schedule_warms_up_then_decays_by_cosine():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    sched = build_scheduler(opt, total_steps=20, warmup_steps=5)
    lrs = []
    for _ in range(20):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert all(a < b for a, b in pairwise(lrs[:6]))  # rising during warm-up
    assert lrs[5] == pytest.approx(1.0)
    assert all(a >= b for a, b in pairwise(lrs[5:]))  # then never rising
    assert lrs[-1] < 0.05


@pytest.mark.slow
def test_torchrun_two_processes_train_with_ddp(tiny_dataset_shared: Path, tmp_path: Path):
    # The multi-GPU path (torchrun + DistributedDataParallel) run on CPU with the gloo backend.
    run = tmp_path / "ddp"
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2",
           str(REPO / "training" / "train.py"), "--data", str(tiny_dataset_shared), "--out", str(run),
           "--epochs", "1", "--no-report", *FAST]
    out = subprocess.run(cmd, env={**os.environ, "OMP_NUM_THREADS": "1"}, capture_output=True,
                         text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "2 process(es)" in out.stdout
    assert epochs_logged(run) == [0]  # only rank 0 writes
    assert load_checkpoint(run / "model_best.pth")["val_top1"] >= 0.0


def test_ema_is_torchvisions_scaled_average_of_weights_and_batchnorm_statistics():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2, bias=False), torch.nn.BatchNorm1d(2))
    # torchvision's scaling: alpha = (1 - decay) x world x batch x steps / epochs = 0.001 x 16 = 0.016
    ema = build_ema(model, decay=0.999, steps=4, batch_size=8, world_size=1, epochs=2)
    w0 = model[0].weight.detach().clone()
    ema.update_parameters(model)  # the first update copies
    with torch.no_grad():
        model[0].weight.add_(1.0)
        model[1].running_mean.fill_(2.0)
    ema.update_parameters(model)
    assert torch.allclose(ema.module[0].weight, w0 + 0.016, atol=1e-6)
    assert torch.allclose(ema.module[1].running_mean, torch.full((2,), 0.032), atol=1e-6)
    # a decay too weak for the run's length clips to the last weights, never beyond them
    last = build_ema(model, decay=0.5, steps=4, batch_size=8, world_size=1, epochs=2)
    last.update_parameters(model)
    with torch.no_grad():
        model[0].weight.add_(1.0)
    last.update_parameters(model)
    assert torch.equal(last.module[0].weight, model[0].weight)


def test_model_ema_saves_the_average_and_resumes_it(tiny_dataset_shared: Path, tmp_path: Path):
    run = tmp_path / "run"
    base = ["--data", str(tiny_dataset_shared), "--out", str(run), "--model-ema", "--model-ema-steps",
            "1", "--warmup-epochs", "0", "--no-report", *FAST]
    assert cli([*base, "--epochs", "1"]) == 0
    ckpt = load_checkpoint(run / "checkpoint.pth")
    averaged = {k.removeprefix("module."): v for k, v in ckpt["model_ema"].items() if k != "n_averaged"}
    steps = int(ckpt["model_ema"]["n_averaged"])
    assert steps >= 2
    # "model" (what export.py and evaluate.py read) is the average, not the last weights
    assert ckpt["model"].keys() == averaged.keys() == ckpt["train_model"].keys()
    assert all(torch.equal(ckpt["model"][k], averaged[k]) for k in averaged)
    weight = "features.0.0.weight"
    assert not torch.allclose(ckpt["model"][weight], ckpt["train_model"][weight])
    best = load_checkpoint(run / "model_best.pth")
    assert torch.equal(best["model"][weight], ckpt["model"][weight])

    assert cli([*base, "--epochs", "2", "--resume"]) == 0
    resumed = load_checkpoint(run / "checkpoint.pth")
    assert int(resumed["model_ema"]["n_averaged"]) == 2 * steps  # the average went on, not restarted
    plain = [a for a in base if a not in ("--model-ema",)]
    with pytest.raises(SystemExit, match="--model-ema"):
        cli([*plain, "--epochs", "3", "--resume"])

    assert export.main([str(run), "--out", str(tmp_path / "out"), "--no-int8", "--version", "ema-1"]) == 0
    assert load_verified(tmp_path / "out" / "mobilenet_v2.onnx").metrics["model_ema_decay"] == 0.9998


def test_model_ema_starts_averaging_at_its_start_epoch(tiny_dataset_shared: Path, tmp_path: Path):
    run = tmp_path / "run"
    base = ["--data", str(tiny_dataset_shared), "--out", str(run), "--model-ema", "--model-ema-steps",
            "1", "--warmup-epochs", "0", "--model-ema-start-epoch", "1", "--limit-batches", "2",
            "--no-report", *FAST]
    assert cli([*base, "--epochs", "1"]) == 0
    ckpt = load_checkpoint(run / "checkpoint.pth")
    # before its start epoch the run is a plain one: the last weights are evaluated and saved
    assert int(ckpt["model_ema"]["n_averaged"]) == 0
    assert all(torch.equal(ckpt["model"][k], ckpt["train_model"][k]) for k in ckpt["model"])
    assert cli([*base, "--epochs", "2", "--resume"]) == 0
    ckpt = load_checkpoint(run / "checkpoint.pth")
    assert epochs_logged(run) == [0, 1]
    assert int(ckpt["model_ema"]["n_averaged"]) == 2  # copied at the first batch, then averaged
    weight = "features.0.0.weight"
    assert not torch.allclose(ckpt["model"][weight], ckpt["train_model"][weight])
    assert TrainConfig.model_validate(ckpt["config"]).model_ema_start_epoch == 1


def test_mixed_batches_train_and_the_card_names_the_mix(tiny_dataset_shared: Path, tmp_path: Path):
    run = tmp_path / "run"
    assert cli(["--data", str(tiny_dataset_shared), "--out", str(run), "--epochs", "1",
                "--limit-batches", "3", "--mixup-alpha", "0.2", "--cutmix-alpha", "1.0",
                "--no-report", *FAST]) == 0
    with (run / "log.csv").open() as f:
        row = next(csv.DictReader(f))
    assert 0.0 <= float(row["train_acc"]) <= 1.0  # scored against the larger part of each label
    assert float(row["train_loss"]) > 0
    config = TrainConfig.model_validate(load_checkpoint(run / "checkpoint.pth")["config"])
    assert (config.mixup_alpha, config.cutmix_alpha) == (0.2, 1.0)
    assert export.main([str(run), "--out", str(tmp_path / "out"), "--no-int8", "--version", "mix-1"]) == 0
    metrics = load_verified(tmp_path / "out" / "mobilenet_v2.onnx").metrics
    assert (metrics["mixup_alpha"], metrics["cutmix_alpha"]) == (0.2, 1.0)


def test_out_of_range_options_are_refused_by_name(tiny_dataset_shared: Path, tmp_path: Path, capsys):
    rc = cli(["--data", str(tiny_dataset_shared), "--out", str(tmp_path / "run"), "--epochs", "0",
              "--mixup-alpha", "-0.5", *FAST])
    assert rc == 2
    err = capsys.readouterr().err
    assert "--mixup-alpha: Input should be greater than or equal to 0" in err
    assert "--epochs: Input should be greater than or equal to 1" in err
    assert not (tmp_path / "run").exists()  # nothing started

"""A published fp32 ONNX model back as trainable torch weights (training/onnx_weights.py), and
RiFT started from one (`rift.py --init models/mobilenet_v2.onnx`)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import onnx
import pytest
import torch
from torch import nn

from training import export
from training.engine import build_model
from training.onnx_weights import (
    OnnxWeightsError,
    fold_batchnorm,
    load_onnx_weights,
    onnx_parity,
    published_card,
    recalibrate_batchnorm,
)

from .conftest import FAKE_RUN_SPEC

SIZE = FAKE_RUN_SPEC.input_size


def _trained_looking(arch: str, seed: int = 0) -> nn.Module:
    """Random weights plus BatchNorm statistics and affines far from the identity, so folding
    them away and rebuilding them is really exercised."""
    torch.manual_seed(seed)
    model = build_model(arch)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    return model.eval()


@pytest.fixture(scope="module")
def mnv2_export(tmp_path_factory) -> tuple[nn.Module, Path]:
    model = _trained_looking("mobilenet_v2")
    path = export.export_onnx(model, FAKE_RUN_SPEC, tmp_path_factory.mktemp("onnx") / "m.onnx", 18)
    return model, path


def _images(n: int = 6, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


def test_the_folded_export_becomes_the_same_function_in_torch(mnv2_export):
    original, path = mnv2_export
    init = onnx.load(str(path)).graph.initializer
    assert not any(i.name.endswith("running_mean") for i in init)  # the exporter did fold the BNs
    model = build_model("mobilenet_v2")
    filled = load_onnx_weights(model, path)
    assert len(filled) == 53  # 52 convolutions and the classifier
    x = _images()
    assert onnx_parity(model, path, x) < 1e-4
    with torch.no_grad():
        torch.testing.assert_close(model.eval()(x), original(x), atol=1e-4, rtol=1e-4)


def test_recalibration_keeps_the_function_and_makes_train_mode_agree(mnv2_export):
    _, path = mnv2_export
    model = build_model("mobilenet_v2")
    load_onnx_weights(model, path)
    batch = _images(16, seed=2)

    def train_eval_gap() -> float:
        probe = copy.deepcopy(model)  # a train-mode pass moves the running statistics
        with torch.no_grad():
            expected = probe.eval()(batch)
            probe.train()
            probe.classifier[0].eval()  # BatchNorm in train mode, dropout off
            return (probe(batch) - expected).abs().max().item()

    before = train_eval_gap()
    assert recalibrate_batchnorm(model, [(batch, torch.zeros(16))]) == 16
    assert onnx_parity(model, path, _images()) < 1e-4  # eval-mode function unchanged
    # the batch the statistics came from now normalises to what the running statistics say
    assert before > 0.1
    assert train_eval_gap() < 1e-3
    assert model.training  # handed back in the mode it came in (build_model: train)


@pytest.mark.slow
def test_resnet34_export_loads_too(tmp_path):
    original = _trained_looking("resnet34", seed=3)
    path = export.export_onnx(original, FAKE_RUN_SPEC, tmp_path / "r34.onnx", 18)
    model = build_model("resnet34")
    assert len(load_onnx_weights(model, path)) == 37  # 36 convolutions (3 shortcuts) and fc
    recalibrate_batchnorm(model, [_images(8)])
    assert onnx_parity(model, path, _images()) < 1e-4


def test_another_architecture_is_refused_naming_the_missing_weight(mnv2_export):
    _, path = mnv2_export
    with pytest.raises(OnnxWeightsError, match="no weight 'conv1.weight'.*ResNet"):
        load_onnx_weights(build_model("resnet34"), path)


def test_broken_and_quantized_files_are_refused_with_what_to_pass(tmp_path, mnv2_export):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"\x08\x07not a protobuf at all" * 10)
    with pytest.raises(OnnxWeightsError, match="not a readable ONNX model.*fp32"):
        load_onnx_weights(build_model("mobilenet_v2"), broken)

    from onnxruntime.quantization import QuantType, quantize_dynamic

    _, path = mnv2_export
    int8 = tmp_path / "m.int8.onnx"
    quantize_dynamic(str(path), str(int8), weight_type=QuantType.QInt8)
    with pytest.raises(OnnxWeightsError, match=r"quantized \(int8\).*m\.onnx"):
        load_onnx_weights(build_model("mobilenet_v2"), int8)


def test_folding_batchnorm_keeps_the_function_in_the_published_form(mnv2_export):
    """soup.py --init-weight interpolates in this form: it must be the same function and the
    same numbers as a published model loaded back."""
    original, path = mnv2_export
    folded = fold_batchnorm(copy.deepcopy(original)).eval()
    with torch.no_grad():
        assert torch.allclose(folded(_images()), original(_images()), atol=1e-4)
    loaded = build_model("mobilenet_v2")
    load_onnx_weights(loaded, path)
    for name, tensor in loaded.state_dict().items():
        if tensor.is_floating_point():
            assert torch.allclose(folded.state_dict()[name], tensor, atol=1e-5), name


def test_no_calibration_batches_is_an_error():
    with pytest.raises(OnnxWeightsError, match="at least one batch"):
        recalibrate_batchnorm(build_model("mobilenet_v2"), [])


@pytest.fixture(scope="module")
def published(fake_run, tmp_path_factory) -> Path:
    """The fake run exported as training/export.py publishes it: fp32 and int8, with cards."""
    out = tmp_path_factory.mktemp("published")
    rc = export.main([str(fake_run), "--out", str(out), "--calib-images", "15",
                      "--max-int8-drop", "100", "--version", "init-1"])
    assert rc == 0
    return out


def test_published_card_refuses_the_int8_file(published):
    assert published_card(published / "mobilenet_v2.onnx").quantization == "fp32"
    with pytest.raises(OnnxWeightsError, match="int8.*fp32 file beside it"):
        published_card(published / "mobilenet_v2.int8.onnx")


@pytest.mark.slow
def test_rift_starts_from_a_published_onnx_model(published, tiny_dataset_shared, tmp_path, capsys):
    from training import rift

    args = ["--data", str(tiny_dataset_shared), "--input-size", str(SIZE), "--epochs", "1",
            "--finetune-epochs", "1", "-b", "8", "--workers", "1", "--no-report", "--no-progress",
            "--mrc-samples", "4", "--mrc-steps", "1", "--pgd-steps", "1", "--eval-pgd-steps", "1",
            "--alpha-points", "2", "--calibrate-batches", "2", "--measure-images", "5",
            "--device", "cpu", "--lighting", FAKE_RUN_SPEC.lighting]
    # --workers 1: forking a DataLoader worker after the ONNX load once hung in cv2.setNumThreads
    # (training/utils.fork_safe_opencv); without the fix this test waits forever
    init = published / "mobilenet_v2.onnx"
    # the int8 file and a run with other preprocessing are refused before any training
    assert rift.cli([*args, "--out", str(tmp_path / "a"), "--init",
                     str(published / "mobilenet_v2.int8.onnx")]) == 2
    assert rift.cli([*args[:2], "--input-size", "96", *args[4:], "--out", str(tmp_path / "b"),
                     "--init", str(init)]) == 2
    err = capsys.readouterr().err
    assert "fp32 file beside it" in err and "input_size 64 (this run: 96)" in err

    out = tmp_path / "run"
    assert rift.cli([*args, "--out", str(out), "--init", str(init)]) == 0
    printed = capsys.readouterr().out
    assert "BatchNorm rebuilt on 16 training images" in printed
    summary = json.loads((out / "rift.json").read_text())
    assert summary["init"] == str(init)
    assert summary["alpha_chosen_on_images"] == 5
    assert summary["init_version"] == "init-1"
    diff = float(re.search(r"difference to onnxruntime (\S+)", printed).group(1))
    assert diff < 1e-4
    # exported like any run; its card says what it was fine-tuned from and what RiFT chose
    assert export.main([str(out), "--out", str(tmp_path / "pub"), "--no-int8", "--version", "rift-1"]) == 0
    rift_card = published_card(tmp_path / "pub" / "mobilenet_v2.onnx").metrics["rift"]
    assert rift_card["init"] == "init-1"
    assert rift_card["alpha"] == summary["alpha"] and rift_card["module"] == summary["module"]
    assert rift_card["pgd_train"]["steps"] == 1


def test_train_refuses_a_wrong_init_before_touching_the_data(tmp_path, capsys):
    from training import train

    missing = tmp_path / "no-such-data"  # never read: the refusals come first
    base = ["--data", str(missing), "--input-size", str(SIZE), "--epochs", "1", "--no-progress"]
    assert train.cli([*base, "--out", str(tmp_path / "a"), "--init", str(tmp_path / "none.onnx")]) == 2
    assert "no such file" in capsys.readouterr().err
    real = tmp_path / "m.pth"
    real.write_bytes(b"x")
    assert train.cli([*base, "--out", str(tmp_path / "b"), "--init", str(real), "--pretrained"]) == 2
    assert "--init and --pretrained" in capsys.readouterr().err


@pytest.mark.slow
def test_train_fine_tunes_a_published_onnx_model(published, tiny_dataset_shared, tmp_path, capsys):
    """`train.py --init models/X.onnx`: the run starts from the published function (a learning
    rate of ~0 leaves its weights where the ONNX file had them), says so on its card, and two
    such runs make a soup."""
    from training import soup, train
    from training.utils import load_checkpoint

    init = published / "mobilenet_v2.onnx"
    args = ["--data", str(tiny_dataset_shared), "--input-size", str(SIZE), "--epochs", "1",
            "-b", "8", "--workers", "0", "--no-report", "--no-progress", "--device", "cpu",
            "--lighting", FAKE_RUN_SPEC.lighting, "--calibrate-batches", "2", "--init", str(init)]
    # another preprocessing is refused with the option to pass
    assert train.cli([*args, "--out", str(tmp_path / "bad"), "--input-size", "96"]) == 2
    assert "input_size 64 (this run: 96)" in capsys.readouterr().err

    runs = []
    for seed in (0, 1):
        out = tmp_path / f"ft-s{seed}"
        assert train.cli([*args, "--out", str(out), "--seed", str(seed), "--lr", "1e-12",
                          "--warmup-epochs", "0"]) == 0
        runs.append(out)
    printed = capsys.readouterr().out
    assert printed.count("BatchNorm rebuilt on 16 training images") == 2
    best = load_checkpoint(runs[0] / "model_best.pth")
    assert best["init_version"] == "init-1"
    # the convolutions are the published ones (BatchNorm statistics moved with the batches)
    start = build_model("mobilenet_v2")
    load_onnx_weights(start, init)
    for name, tensor in start.state_dict().items():
        if name.endswith(".weight") and tensor.ndim == 4:
            assert torch.allclose(best["model"][name], tensor, atol=1e-6), name
    assert export.main([str(runs[0]), "--out", str(tmp_path / "pub"), "--no-int8",
                        "--version", "ft-1"]) == 0
    assert published_card(tmp_path / "pub" / "mobilenet_v2.onnx").metrics["fine_tuned_from"] == "init-1"
    # runs from one published model average into a soup (runs from random weights are refused)
    assert soup.main([str(r) for r in runs] + ["--out", str(tmp_path / "soup")]) == 0

    # WiSE-FT: all the way back to the init is the published function; half-way is the midpoint
    # of the soup and the init in the published (BN-folded) form; the init must be the runs' own
    mixes = {}
    for w in (1.0, 0.5):
        out = tmp_path / f"wise-{w}"
        assert soup.main([str(r) for r in runs] + ["--out", str(out), "--no-val", "--init", str(init),
                                                   "--init-weight", str(w)]) == 0
        mixes[w] = load_checkpoint(out / "model_best.pth")
        assert mixes[w]["soup"]["init_weight"] == w
    assert onnx_parity(model_of(mixes[1.0]), init, _images(4)) < 1e-4
    plain = fold_batchnorm(model_of(load_checkpoint(tmp_path / "soup" / "model_best.pth"))).state_dict()
    start = build_model("mobilenet_v2")
    load_onnx_weights(start, init)
    for name, tensor in mixes[0.5]["model"].items():
        if tensor.is_floating_point():
            assert torch.allclose(tensor, (plain[name] + start.state_dict()[name]) / 2, atol=1e-5), name
    assert soup.main([str(r) for r in runs] + ["--out", str(tmp_path / "w"), "--init-weight", "0.5"]) == 2
    assert "--init-weight needs --init" in capsys.readouterr().err
    other = tmp_path / "other"
    export.main([str(runs[0]), "--out", str(other), "--no-int8", "--version", "not-the-init"])
    assert soup.main([str(r) for r in runs] + ["--out", str(tmp_path / "w"), "--init",
                                               str(other / "mobilenet_v2.onnx"), "--init-weight", "0.5"]) == 2
    assert "were fine-tuned from 'init-1'" in capsys.readouterr().err


def model_of(ckpt: dict) -> nn.Module:
    model = build_model(ckpt["arch"])
    model.load_state_dict(ckpt["model"])
    return model.eval()


def test_init_from_a_checkpoint_takes_its_weights_and_refuses_another_arch_or_spec(fake_run):
    from training.onnx_weights import start_from
    from training.utils import BEST_NAME, load_checkpoint

    best = fake_run / BEST_NAME
    model = build_model("mobilenet_v2")
    assert start_from(model, best, "mobilenet_v2", FAKE_RUN_SPEC, [], [], "cpu") is None
    saved = load_checkpoint(best)["model"]
    assert all(torch.equal(t, saved[k]) for k, t in model.state_dict().items())
    with pytest.raises(OnnxWeightsError, match="holds a mobilenet_v2; pass --arch mobilenet_v2"):
        start_from(build_model("resnet34"), best, "resnet34", FAKE_RUN_SPEC, [], [], "cpu")
    other = FAKE_RUN_SPEC.model_copy(update={"input_size": 96})
    with pytest.raises(OnnxWeightsError, match="pass the matching options"):
        start_from(build_model("mobilenet_v2"), best, "mobilenet_v2", other, [], [], "cpu")

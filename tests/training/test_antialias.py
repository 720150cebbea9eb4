"""Anti-aliased MobileNetV2 (training/antialias.py): same shapes and weights, blurred strides,
carried through checkpoint, resume check, ONNX export and int8."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from ombro_contract.card import load_verified
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.labels import PUPPETS
from training import export
from training.antialias import BlurPool2d, antialias_mobilenet_v2
from training.config import OptionsError, TrainConfig
from training.engine import build_model
from training.evaluate import load_run_model
from training.utils import BEST_NAME

from .conftest import FAKE_RUN_SPEC


def _blurpools(model: nn.Module) -> list[BlurPool2d]:
    return [m for m in model.modules() if isinstance(m, BlurPool2d)]


def _strides(model: nn.Module) -> list[tuple[int, int]]:
    return [m.stride for m in model.modules() if isinstance(m, nn.Conv2d)]


def test_blurpool_keeps_a_flat_image_flat_and_halves_its_size():
    pool = BlurPool2d(4, filter_size=3)
    x = torch.full((1, 4, 10, 12), 0.7)
    y = pool(x)
    assert y.shape == (1, 4, 5, 6)
    torch.testing.assert_close(y, torch.full_like(y, 0.7))  # replicate padding: no dark border


@pytest.mark.parametrize("size", [2, 3, 4, 5])
def test_blurpool_answers_a_one_pixel_shift_more_alike_than_plain_subsampling(size):
    """The reason for the layer: a thin bright line (a finger gap) moved by one pixel."""
    a = torch.zeros(1, 1, 16, 16)
    a[..., :, 8] = 1.0
    b = torch.roll(a, 1, dims=3)
    plain = (a[..., ::2, ::2] - b[..., ::2, ::2]).abs().sum()
    pool = BlurPool2d(1, size)
    blurred = (pool(a) - pool(b)).abs().sum()
    assert plain == 8  # plain subsampling sees the line at one position and loses it at the next
    assert blurred < 0.75 * plain


def test_unknown_filter_size_is_refused():
    with pytest.raises(ValueError, match="filter size 7"):
        BlurPool2d(3, 7)


def test_antialiased_mobilenet_v2_keeps_weights_shapes_and_moves_every_stride_to_a_blur():
    torch.manual_seed(0)
    plain = build_model("mobilenet_v2").eval()
    aa = build_model("mobilenet_v2", antialias=3).eval()
    assert any(s == (2, 2) for s in _strides(plain))
    assert all(s == (1, 1) for s in _strides(aa))
    n_strided = sum(s == (2, 2) for s in _strides(plain))
    assert len(_blurpools(aa)) == n_strided == 5  # the stem and four stride-2 blocks
    # the same learnable weights under the same names: a plain checkpoint (or ImageNet weights)
    # loads, only the fixed blur kernels are new
    missing, unexpected = aa.load_state_dict(plain.state_dict(), strict=False)
    assert unexpected == [] and missing and all(k.endswith(".kernel") for k in missing)
    assert sum(p.numel() for p in aa.parameters()) == sum(p.numel() for p in plain.parameters())
    x = torch.rand(2, 3, 112, 112)
    assert aa(x).shape == plain(x).shape == (2, len(PUPPETS))


def test_antialias_zero_is_the_plain_network_and_resnet_is_refused():
    model = build_model("mobilenet_v2")
    assert antialias_mobilenet_v2(model, 0) is model and not _blurpools(model)
    with pytest.raises(ValueError, match="mobilenet_v2 only"):
        build_model("resnet34", antialias=3)


def test_antialias_option_is_validated_as_typed():
    cfg = TrainConfig.from_args(TrainConfig.arg_parser().parse_args(["--antialias", "4"]))
    assert cfg.antialias == 4 and TrainConfig().antialias == 0
    with pytest.raises(SystemExit):  # argparse: "invalid choice"
        TrainConfig.arg_parser().parse_args(["--antialias", "7"])
    args = TrainConfig.arg_parser().parse_args([])
    args.antialias = 1  # past argparse (a config file, a test): pydantic still refuses it
    with pytest.raises(OptionsError, match="--antialias"):
        TrainConfig.from_args(args)


@pytest.fixture(scope="module")
def aa_run(tiny_dataset_shared: Path, tmp_path_factory) -> Path:
    """A run folder as train.py leaves it for --antialias 3 (untrained weights)."""
    run = tmp_path_factory.mktemp("aa_run")
    torch.manual_seed(0)
    model = build_model("mobilenet_v2", antialias=3)
    cfg = TrainConfig(antialias=3, input_size=FAKE_RUN_SPEC.input_size)
    torch.save({"model": model.state_dict(), "arch": "mobilenet_v2", "classes": list(PUPPETS),
                "spec": FAKE_RUN_SPEC.model_dump(mode="json"), "config": cfg.model_dump(mode="json"),
                "epoch": 0, "dataset": "tiny test shapes", "data_root": str(tiny_dataset_shared),
                "val_top1": 0.0}, run / BEST_NAME)
    return run


def test_a_checkpoint_reloads_as_the_antialiased_network(aa_run: Path):
    model, ckpt = load_run_model(aa_run, torch.device("cpu"))
    assert len(_blurpools(model)) == 5
    assert ckpt["config"]["antialias"] == 3


@pytest.mark.slow
def test_antialiased_model_exports_to_onnx_and_int8_with_the_option_on_its_card(aa_run, tmp_path):
    rc = export.main([str(aa_run), "--out", str(tmp_path), "--calib-images", "15",
                      "--max-int8-drop", "100", "--version", "aa-1"])
    assert rc == 0
    for name in ("mobilenet_v2.onnx", "mobilenet_v2.int8.onnx"):
        card = load_verified(tmp_path / name)
        assert card.metrics["antialias"] == 3
    assert load_verified(tmp_path / "mobilenet_v2.onnx").metrics["onnx_parity_max_abs_diff"] < 1e-4
    assert np.isfinite(load_verified(tmp_path / "mobilenet_v2.int8.onnx").metrics["val_top1"])
    # the phone fallback reads the blur (an edge Pad and a fixed depthwise Conv) as onnxruntime does
    frame = (np.random.default_rng(0).random((240, 320, 3)) * 255).astype(np.uint8)
    probs = {b: PuppetClassifier.from_path(tmp_path / "mobilenet_v2.onnx", backend=b).classify(frame).probs
             for b in ("onnxruntime", "opencv")}
    np.testing.assert_allclose(probs["opencv"], probs["onnxruntime"], atol=1e-4)


def test_train_py_runs_antialiased_and_resume_refuses_to_drop_it(tiny_dataset_shared: Path,
                                                                 tmp_path: Path):
    from training.train import cli
    from training.utils import load_checkpoint

    run = tmp_path / "run"
    base = ["--data", str(tiny_dataset_shared), "--out", str(run), "--limit-batches", "1",
            "--input-size", "64", "-b", "8", "--workers", "0", "--no-progress", "--no-report"]
    assert cli([*base, "--epochs", "1", "--antialias", "3"]) == 0
    best = load_checkpoint(run / BEST_NAME)
    assert any(k.endswith(".kernel") for k in best["model"])  # the blurred network was trained
    with pytest.raises(SystemExit, match="antialias"):
        cli([*base, "--epochs", "2", "--resume"])

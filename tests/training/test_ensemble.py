"""training/ensemble.py: several published models merged into one file that averages them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from ombro_contract.card import load_verified
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.preprocess import DEFAULT_SPEC
from tests.model_factory import make_tiny_model
from training.ensemble import EnsembleError, ensemble, main, merge_graphs


@pytest.fixture
def members(tmp_path: Path) -> list[Path]:
    paths = [tmp_path / f"m{i}" / "resnet34.onnx" for i in range(3)]
    for i, path in enumerate(paths):
        make_tiny_model(path, version=f"resnet34-test-s{i}", arch="resnet34", seed=i, sided=True)
    return paths


def batch(n: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 1, (n, *DEFAULT_SPEC.input_shape)).astype(np.float32)


def probs(path: Path, x: np.ndarray) -> np.ndarray:
    """A member's probabilities, run alone as the app and server run it (softmax included)."""
    return PuppetClassifier(path, load_verified(path)).run(x)


def test_merged_graph_gives_the_mean_of_the_members_softmax(members, tmp_path):
    merged = merge_graphs([onnx.load(str(p)) for p in members], ["logits"] * 3, 15)
    assert [o.name for o in merged.graph.output] == ["probs"]
    path = tmp_path / "merged.onnx"
    onnx.save(merged, str(path))
    import onnxruntime as ort

    x = batch()
    got = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(
        ["probs"], {"input": x})[0]
    want = np.mean([probs(p, x) for p in members], axis=0)
    np.testing.assert_allclose(got, want, atol=1e-6)
    assert not np.allclose(got, probs(members[0], x), atol=1e-3)  # not just member 0


def test_ensemble_publishes_a_measured_card_that_names_its_members(members, tmp_path,
                                                                     tiny_dataset_shared):
    out = ensemble(members[:2], tiny_dataset_shared, tmp_path / "out", name="resnet34")
    assert out == tmp_path / "out" / "resnet34.onnx"
    card = load_verified(out)
    assert card.arch == "resnet34" and card.outputs == "probs" and card.output_name == "probs"
    assert card.preprocess == DEFAULT_SPEC
    assert [m["version"] for m in card.metrics["members"]] == ["resnet34-test-s0", "resnet34-test-s1"]
    assert card.metrics["onnx_parity_max_abs_diff"] <= 1e-4
    assert card.metrics["val_n"] == 30 and 0.0 <= card.metrics["val_top1"] <= 1.0
    assert card.version.startswith("resnet34x2-") and "2-member average" in card.name
    # Loaded as the server loads it, flip included: the classifier reads `probs` as they are.
    clf = PuppetClassifier.from_path(out, flip=True)
    x = batch(3, seed=1)
    want = np.mean([probs(p, np.concatenate([x, x[..., ::-1]])) for p in members[:2]],
                   axis=0)
    np.testing.assert_allclose(clf.run(x), (want[:3] + want[3:]) / 2, atol=1e-6)
    # The registry's upload checks (ONNX checker, contract, reference images, sums to 1) pass.
    from server.registry.validation import validate_model

    assert validate_model(out).card.version == card.version


def test_int8_members_merge_too(tmp_path, tiny_dataset_shared):
    paths = []
    for i in range(2):
        path = tmp_path / f"q{i}" / "mobilenet_v2.int8.onnx"
        make_tiny_model(path, version=f"q-{i}", quantization="int8", int8_level=40 + i, seed=i)
        paths.append(path)
    out = ensemble(paths, tiny_dataset_shared, tmp_path / "out")
    card = load_verified(out)
    assert out.name == "mobilenet_v2x2.int8.onnx" and card.quantization == "int8"
    assert card.version.endswith("-int8") and card.metrics["max_weight_level"] == 41
    x = batch(4)
    want = np.mean([probs(p, x) for p in paths], axis=0)
    np.testing.assert_allclose(PuppetClassifier(out, card).run(x), want, atol=1e-6)


def test_members_that_read_another_input_are_refused(members, tmp_path, tiny_dataset_shared):
    other = tmp_path / "other" / "resnet34.onnx"
    make_tiny_model(other, version="other-size", arch="resnet34",
                    spec=DEFAULT_SPEC.model_copy(update={"input_size": 96}))
    with pytest.raises(EnsembleError, match="another input"):
        ensemble([members[0], other], tiny_dataset_shared, tmp_path / "out")
    mnv2 = tmp_path / "mnv2" / "mobilenet_v2.onnx"
    make_tiny_model(mnv2, version="mnv2", arch="mobilenet_v2")
    with pytest.raises(EnsembleError, match="one architecture"):
        ensemble([members[0], mnv2], tiny_dataset_shared, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_cli_says_what_is_wrong(members, tmp_path, tiny_dataset_shared, capsys):
    assert main([str(members[0]), "--data", str(tiny_dataset_shared), "--out", str(tmp_path)]) == 2
    assert "two or more" in capsys.readouterr().err

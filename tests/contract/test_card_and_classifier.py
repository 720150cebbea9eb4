import json
import shutil
import threading

import numpy as np
import pytest

from ombro_contract.card import card_path_for, load_verified, sha256_file, write_card
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.errors import (
    CardInvalidError,
    CardMissingError,
    ChecksumMismatchError,
    ContractMismatchError,
    ModelContractError,
    NotAnOnnxModelError,
)
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import PreprocessSpec, preprocess, silhouette, silhouette_input
from tests.model_factory import make_tiny_model


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.onnx"
    make_tiny_model(path)
    return path


def test_valid_model_loads_and_classifies(tiny, rng):
    clf = PuppetClassifier.from_path(tiny)
    frame = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    pred = clf.classify(frame, top_k=5)
    assert pred.label in PUPPETS and len(pred.top_k) == 5
    assert pred.probs.shape == (15,) and abs(pred.probs.sum() - 1) < 1e-5
    assert pred.top_k[0] == (pred.label, pred.confidence)
    assert [p for _, p in pred.top_k] == sorted([p for _, p in pred.top_k], reverse=True)
    assert pred.model_version == "test-tiny-1"
    batch = clf.classify_batch([frame, np.zeros((50, 60), np.uint8)])
    assert batch[0].label == pred.label and np.allclose(batch[0].probs, pred.probs, atol=1e-6)


def test_tampered_file_is_refused(tiny):
    data = bytearray(tiny.read_bytes())
    data[-1] ^= 0xFF
    tiny.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatchError, match="does not match its card"):
        PuppetClassifier.from_path(tiny)


def test_missing_card_is_refused(tiny):
    card_path_for(tiny).unlink()
    with pytest.raises(CardMissingError, match="no model card"):
        load_verified(tiny)


def test_card_with_wrong_classes_is_refused(tmp_path):
    path = tmp_path / "wrong.onnx"
    swapped = list(PUPPETS)
    swapped[0], swapped[1] = swapped[1], swapped[0]
    make_tiny_model(path, classes=swapped)
    with pytest.raises(ContractMismatchError, match="contract"):
        load_verified(path)
    with pytest.raises(ContractMismatchError):
        PuppetClassifier.from_path(path)


def test_graph_with_ten_outputs_is_refused(tmp_path):
    path = tmp_path / "ten.onnx"
    make_tiny_model(path, num_outputs=10)
    with pytest.raises(ContractMismatchError, match=r"\[10\] outputs"):
        PuppetClassifier.from_path(path)


def test_text_file_named_onnx_is_refused_even_with_a_matching_card(tmp_path, tiny):
    fake = tmp_path / "fake.onnx"
    fake.write_text("this is not a model\n")
    card = load_verified(tiny)
    write_card(fake, card)  # sha256 and size now match the text file
    assert json.loads(card_path_for(fake).read_text())["sha256"] == sha256_file(fake)
    with pytest.raises(NotAnOnnxModelError, match="could not be loaded as an ONNX model"):
        PuppetClassifier.from_path(fake)


def test_broken_card_json_is_a_clear_error(tiny):
    card_path_for(tiny).write_text("{not json")
    with pytest.raises(CardInvalidError, match="not valid JSON"):
        load_verified(tiny)
    card_path_for(tiny).write_text(json.dumps({"name": "x"}))
    with pytest.raises(CardInvalidError, match="schema"):
        load_verified(tiny)


def test_all_contract_errors_share_one_base(tiny, tmp_path):
    for exc in (CardMissingError, ChecksumMismatchError, ContractMismatchError, NotAnOnnxModelError):
        assert issubclass(exc, ModelContractError)


def test_opencv_backend_agrees_with_onnxruntime(tiny, rng):
    ort = PuppetClassifier.from_path(tiny, backend="onnxruntime")
    ocv = PuppetClassifier.from_path(tiny, backend="opencv")
    frames = [rng.integers(0, 256, (120, 160, 3), dtype=np.uint8) for _ in range(4)]
    for f in frames:
        a, b = ort.classify(f), ocv.classify(f)
        assert a.label == b.label
        assert np.abs(a.probs - b.probs).max() < 1e-4  # summation order differs


@pytest.mark.parametrize("backend", ["onnxruntime", "opencv"])
def test_flip_averages_the_input_and_its_mirror_image(tmp_path, rng, backend):
    sided = tmp_path / "sided.onnx"
    make_tiny_model(sided, sided=True)
    plain = PuppetClassifier.from_path(sided, backend=backend)
    flip = PuppetClassifier.from_path(sided, backend=backend, flip=True)
    x = rng.normal(size=(3, *flip.card.input_shape)).astype(np.float32)
    mirrored = plain.run(x[..., ::-1])
    assert not np.allclose(plain.run(x), mirrored, atol=1e-4)  # the model sees left from right
    np.testing.assert_allclose(flip.run(x), (plain.run(x) + mirrored) / 2, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(flip.run(x).sum(axis=1), 1.0, rtol=1e-5)
    # a mirror image gets the same answer as the photo itself: what the averaging is for
    np.testing.assert_allclose(flip.run(x[..., ::-1]), flip.run(x), rtol=1e-5, atol=1e-6)
    frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    np.testing.assert_allclose(flip.classify(frame).probs,
                               flip.classify_batch([frame[:, ::-1]])[0].probs, atol=1e-3)


def test_classifier_is_safe_to_share_between_threads(tiny, rng):
    clf = PuppetClassifier.from_path(tiny)
    frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    expected = clf.classify(frame).probs
    errors = []

    def worker():
        for _ in range(20):
            if not np.allclose(clf.classify(frame).probs, expected, atol=1e-6):
                errors.append("mismatch")

    threads = [threading.Thread(target=worker) for _ in range(4)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert not errors


def test_copy_without_card_is_refused(tiny, tmp_path):
    copy = tmp_path / "copy" / "tiny.onnx"
    copy.parent.mkdir()
    shutil.copy(tiny, copy)
    with pytest.raises(CardMissingError):
        PuppetClassifier.from_path(copy)


SPECS = [
    PreprocessSpec(),
    PreprocessSpec(lighting="normalised"),
    PreprocessSpec(input_size=112, threshold=90, dilate=0),
    PreprocessSpec(input_size=64, silhouette_size=(160, 120), dilate=5, lighting="normalised"),
]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.input_size}-{s.threshold}-{s.lighting}")
def test_network_input_from_a_silhouette_equals_preprocess_to_the_bit(spec, scenes):
    """The app's silhouette-once path gives the model exactly what `preprocess` gives it."""
    for frame in scenes:
        mask = silhouette(frame, spec)
        assert np.array_equal(silhouette_input(mask, spec), preprocess(frame, spec))


@pytest.mark.parametrize("spec", [SPECS[1], PreprocessSpec(mode="rgb", input_size=32)],
                         ids=["silhouette", "rgb"])
def test_classify_with_silhouette_is_classify_plus_the_mask(tmp_path, scenes, spec):
    path = tmp_path / "tiny.onnx"
    make_tiny_model(path, spec=spec)
    clf = PuppetClassifier.from_path(path)
    for frame in scenes[:3]:
        pred, mask = clf.classify_with_silhouette(frame, top_k=4, timestamp=12.5)
        plain = clf.classify(frame, top_k=4)
        assert np.array_equal(pred.probs, plain.probs) and pred.top_k == plain.top_k
        assert pred.timestamp == 12.5 and pred.model_version == plain.model_version
        assert np.array_equal(mask, silhouette(frame, spec))

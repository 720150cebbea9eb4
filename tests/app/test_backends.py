"""onnxruntime and the cv2.dnn fallback must name the same puppet from the same fp32 file."""

import numpy as np
import pytest

from ombro_contract.classifier import PuppetClassifier
from ombro_contract.errors import NotAnOnnxModelError
from ombro_contract.paths import default_model_path


def shadow_frames(n=4, seed=0):
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(n):
        img = np.full((240, 320, 3), 210, np.uint8)
        x, y = rng.integers(40, 200), rng.integers(40, 140)
        img[y : y + 80, x : x + int(rng.integers(30, 100))] = 40  # a dark blob as the shadow
        frames.append(img)
    return frames


def models_to_compare(fp32_model):
    bundled = default_model_path(quant="fp32")
    return [fp32_model] + ([bundled] if bundled.exists() else [])


def test_opencv_and_onnxruntime_agree_on_fp32(fp32_model):
    for path in models_to_compare(fp32_model):
        ort = PuppetClassifier.from_path(path, backend="onnxruntime")
        cv = PuppetClassifier.from_path(path, backend="opencv")
        frames = shadow_frames()
        a = np.stack([ort.classify(f).probs for f in frames])
        b = np.stack([cv.classify(f).probs for f in frames])
        assert np.abs(a - b).max() < 1e-3, path
        assert (a.argmax(1) == b.argmax(1)).all()


def test_opencv_refuses_int8_with_a_hint(int8_model):
    try:
        PuppetClassifier.from_path(int8_model, backend="opencv")
    except NotAnOnnxModelError as exc:
        assert "fp32" in str(exc)
    else:  # a future OpenCV that runs QDQ is fine too, as long as it agrees
        pytest.skip("this OpenCV build runs int8 QDQ models")

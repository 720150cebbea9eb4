"""Small real models for the app tests: an UNTRAINED MobileNetV2 exported with a proper card.

It exercises the contract, both backends, the updater and the benchmark before the training
engineer publishes `models/`, but it cannot recognise a shadow.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from ombro_contract.card import ModelCard, write_card
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import DEFAULT_SPEC, preprocess


def export_untrained(path: Path, version: str = "test-untrained-fp32", seed: int = 0) -> Path:
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(seed)
    model = torchvision.models.mobilenet_v2(num_classes=len(PUPPETS)).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():  # the legacy exporter warns; its output is what we want
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model, (torch.zeros(1, 3, 224, 224),), str(path), input_names=["input"],
            output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            dynamo=False, opset_version=17,
        )
    write_card(path, _card(version, "fp32"))
    return path


def quantize_int8(fp32: Path, out: Path, version: str = "test-untrained-int8") -> Path:
    """Static QDQ int8, calibrated on a few synthetic silhouettes (what training/export does)."""
    from onnxruntime.quantization import CalibrationDataReader, quantize_static

    from training.quantize import QUANT_OPTIONS

    rng = np.random.default_rng(0)

    class Reader(CalibrationDataReader):
        def __init__(self):
            frames = [(rng.random((240, 320)) * 255).astype(np.uint8) for _ in range(4)]
            self._it = iter([{"input": preprocess(f)[None]} for f in frames])

        def get_next(self):
            return next(self._it, None)

    quantize_static(str(fp32), str(out), Reader(), **QUANT_OPTIONS)
    write_card(out, _card(version, "int8"))
    return out


def _card(version: str, quant: str) -> ModelCard:
    return ModelCard(
        name=f"untrained MobileNetV2 {quant} (app tests)", version=version, arch="mobilenet_v2",
        classes=list(PUPPETS), preprocess=DEFAULT_SPEC, input_shape=DEFAULT_SPEC.input_shape,
        quantization=quant, sha256="0" * 64, size_bytes=0, notes="random weights; tests only",
    )


def export_constant(path: Path, puppet: str, logit: float = 8.0) -> Path:
    """A valid ONNX classifier that always names `puppet`: isolates the app's lesson flow (hold,
    pass, celebration, sync) from model quality. Never a stand-in for the trained model."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    from ombro_contract.labels import puppet_index

    bias = np.zeros(len(PUPPETS), np.float32)
    bias[puppet_index(puppet)] = logit
    graph = helper.make_graph(
        [
            helper.make_node("GlobalAveragePool", ["input"], ["pooled"]),
            helper.make_node("Flatten", ["pooled"], ["flat"]),
            helper.make_node("Gemm", ["flat", "w", "b"], ["logits"]),
        ],
        "constant",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 224, 224])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", len(PUPPETS)])],
        initializer=[numpy_helper.from_array(np.zeros((3, len(PUPPETS)), np.float32), "w"),
                     numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    write_card(path, _card(f"test-always-{puppet}", "fp32"))
    return path

"""Tiny but real ONNX classifiers for tests that must not depend on a trained model.

The graph averages the input per channel and maps it through a fixed linear layer, so its outputs
depend on the picture (a dark frame and a light one get different answers) and it runs in
microseconds in onnxruntime and in cv2.dnn alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from ombro_contract.card import ModelCard, write_card
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import DEFAULT_SPEC, PreprocessSpec


def make_tiny_onnx(path: Path, num_classes: int = len(PUPPETS), spec: PreprocessSpec = DEFAULT_SPEC,
                   seed: int = 0, int8_level: int | None = None, sided: bool = False) -> Path:
    """The tiny graph; with `int8_level` its weights are QDQ int8 whose largest |level| is that
    (the registry refuses levels above 64: `ombro_contract.int8`). A plain average cannot tell
    a picture from its mirror image; `sided=True` weights the columns by a left-to-right ramp
    first, so it can (for flip test-time averaging)."""
    rng = np.random.default_rng(seed)
    s = spec.input_size
    extra = []
    pooled_from = "input"
    if sided:
        ramp = np.linspace(0.0, 2.0, s, dtype=np.float32).reshape(1, 1, 1, s)
        extra = [numpy_helper.from_array(ramp, "Ramp")]
        pooled_from = "weighted"
    nodes = [
        *([helper.make_node("Mul", ["input", "Ramp"], ["weighted"])] if sided else []),
        helper.make_node("GlobalAveragePool", [pooled_from], ["pooled"]),
        helper.make_node("Flatten", ["pooled"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "W", "B"], ["logits"], transB=1),
    ]
    if int8_level is None:
        weights = [numpy_helper.from_array(rng.normal(0, 1, (num_classes, 3)).astype(np.float32), "W")]
    else:
        q = rng.integers(-int8_level, int8_level + 1, (num_classes, 3)).astype(np.int8)
        q[0, 0] = int8_level
        weights = [numpy_helper.from_array(q, "Wq"), numpy_helper.from_array(np.float32(0.02), "Ws"),
                   numpy_helper.from_array(np.int8(0), "Wz")]
        nodes.insert(0, helper.make_node("DequantizeLinear", ["Wq", "Ws", "Wz"], ["W"]))
    bias = numpy_helper.from_array(rng.normal(0, 0.1, (num_classes,)).astype(np.float32), "B")
    graph = helper.make_graph(
        nodes,
        "tiny_puppet_classifier",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, s, s])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", num_classes])],
        initializer=[*weights, bias, *extra],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, path)
    return path


def make_tiny_model(path: Path, version: str = "test-tiny-1", classes=PUPPETS,
                    spec: PreprocessSpec = DEFAULT_SPEC, num_outputs: int | None = None,
                    quantization: str = "fp32", arch: str = "mobilenet_v2", seed: int = 0,
                    int8_level: int | None = None, sided: bool = False) -> ModelCard:
    """An ONNX file plus its card, as training/export.py would publish them."""
    make_tiny_onnx(path, num_outputs or len(classes), spec, seed, int8_level, sided=sided)
    card = ModelCard(
        name="tiny test model", version=version, arch=arch, classes=list(classes), preprocess=spec,
        input_shape=spec.input_shape, quantization=quantization, dataset="none (test fixture)",
        sha256="0" * 64, size_bytes=0,
    )
    write_card(path, card)
    from ombro_contract.card import load_verified  # the card written is the one a loader sees

    return load_verified(path, classes=tuple(classes))


def make_tiny_int8_model(path: Path, level: int, version: str = "test-tiny-int8") -> ModelCard:
    """The tiny classifier with QDQ int8 weights whose largest |level| is `level`."""
    return make_tiny_model(path, version=version, quantization="int8", int8_level=level)

"""Fixtures for the app tests: small real models, a real server, and Kivy set up headless.

Until the training engineer publishes `models/`, the model tests use an UNTRAINED MobileNetV2
exported here with a proper card: it exercises the contract, both backends and the updater, but
cannot recognise a shadow, so the lesson-passing end-to-end test needs the bundled model.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from ombro_contract.card import ModelCard, write_card
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import DEFAULT_SPEC, preprocess

sys.path.insert(0, str(Path(__file__).parent))  # helpers beside the tests (live_server.py)


def export_untrained(path: Path, version: str = "test-untrained-fp32", seed: int = 0) -> Path:
    torch = pytest.importorskip("torch")
    torchvision = pytest.importorskip("torchvision")
    torch.manual_seed(seed)
    model = torchvision.models.mobilenet_v2(num_classes=len(PUPPETS)).eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        model, (torch.zeros(1, 3, 224, 224),), str(path), input_names=["input"],
        output_names=["logits"], dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
        dynamo=False, opset_version=17,
    )
    write_card(path, _card(version, "fp32"))
    return path


def quantize_int8(fp32: Path, out: Path, version: str = "test-untrained-int8") -> Path:
    """Static QDQ int8, calibrated on a few synthetic silhouettes (what training/export does)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    rng = np.random.default_rng(0)

    class Reader(CalibrationDataReader):
        def __init__(self):
            frames = [(rng.random((240, 320)) * 255).astype(np.uint8) for _ in range(4)]
            self._it = iter([{"input": preprocess(f)[None]} for f in frames])

        def get_next(self):
            return next(self._it, None)

    quantize_static(str(fp32), str(out), Reader(), quant_format=QuantFormat.QDQ,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    write_card(out, _card(version, "int8"))
    return out


def _card(version: str, quant: str) -> ModelCard:
    return ModelCard(
        name=f"untrained MobileNetV2 {quant} (app tests)", version=version, arch="mobilenet_v2",
        classes=list(PUPPETS), preprocess=DEFAULT_SPEC, input_shape=DEFAULT_SPEC.input_shape,
        quantization=quant, sha256="0" * 64, size_bytes=0, notes="random weights; tests only",
    )


@pytest.fixture(scope="session")
def fp32_model(tmp_path_factory) -> Path:
    return export_untrained(tmp_path_factory.mktemp("models") / "mobilenet_v2.onnx")


@pytest.fixture(scope="session")
def int8_model(fp32_model, tmp_path_factory) -> Path:
    return quantize_int8(fp32_model, tmp_path_factory.mktemp("models8") / "mobilenet_v2.int8.onnx")



@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The real server (`python -m server`) with a temporary SQLite database."""
    pytest.importorskip("fastapi", reason="the server group is not installed")
    from live_server import LiveServer

    server = LiveServer(tmp_path_factory.mktemp("server")).start()
    yield server
    server.stop()


def server_attempt_rows(server, student_id: int) -> list[tuple]:
    """(id, puppet, passed) of a student's attempts, straight from the server's database."""
    import sqlite3

    db = sqlite3.connect(server.data_dir / "ombro.sqlite3")
    try:
        return db.execute("SELECT id, puppet, passed FROM attempts WHERE student_id = ?",
                          (student_id,)).fetchall()
    finally:
        db.close()

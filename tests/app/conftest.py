"""Fixtures for the app tests: small real models and the real server.

Helpers live in modules beside this file (`model_helpers`, `live_server`, `gui_runner`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.model_helpers import export_untrained, quantize_int8


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
    from tests.app.live_server import LiveServer

    server = LiveServer(tmp_path_factory.mktemp("server")).start()
    yield server
    server.stop()

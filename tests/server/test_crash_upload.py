"""Killing the server in the middle of a model upload leaves no visible partial model.

Two kill points, both with SIGKILL (no shutdown code runs): while the request body is still
streaming in, and after the server has started writing the file into its model directory but
before the version is published. After a restart the version is not listed, its download is 404,
and no file is left at (or next to) any final model path.
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import onnx
import pytest
from onnx import numpy_helper

from ombro_contract.card import ModelCard, card_path_for, write_card
from tests.model_factory import make_tiny_model

from .conftest import LiveServer, login, make_user, unique


def big_model(path: Path, version: str, megabytes: int) -> bytes:
    """A valid contract model padded with an unused initializer, so uploads take a while."""
    make_tiny_model(path, version=version)
    model = onnx.load(path)
    pad = np.random.default_rng(0).standard_normal(megabytes * 262144).astype(np.float32)
    model.graph.initializer.append(numpy_helper.from_array(pad, "padding"))
    onnx.save(model, path)
    card = ModelCard.model_validate_json(card_path_for(path).read_text())
    write_card(path, card)
    return card_path_for(path).read_text().encode()


def multipart_stream(card: bytes, model: bytes, boundary: str, chunk: int, delay: float, sent: list):
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"card\"\r\n\r\n").encode()
    yield card + b"\r\n"
    yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.onnx\"\r\n"
           "Content-Type: application/octet-stream\r\n\r\n").encode()
    for i in range(0, len(model), chunk):
        yield model[i:i + chunk]
        sent[0] += len(model[i:i + chunk])
        time.sleep(delay)
    yield f"\r\n--{boundary}--\r\n".encode()


def start_upload(server: LiveServer, token: str, card: bytes, model: bytes, chunk: int, delay: float):
    boundary = uuid.uuid4().hex
    sent, outcome = [0], {}

    def run():
        try:
            outcome["response"] = httpx.post(
                f"{server.url}/api/v1/models",
                content=multipart_stream(card, model, boundary, chunk, delay, sent),
                headers={"Authorization": f"Bearer {token}",
                         "Content-Type": f"multipart/form-data; boundary={boundary}"},
                timeout=60,
            )
        except httpx.HTTPError as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, sent, outcome


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.002)
    raise AssertionError(f"timed out waiting for {what}")


def assert_nothing_visible(server: LiveServer, token: str, version: str) -> None:
    models_dir = server.data_dir / "models"
    with server.client(token) as c:
        assert version not in {m["version"] for m in c.get("/models").json()}
        assert c.get(f"/models/{version}/download").status_code == 404
    assert list(models_dir.glob(f"{version}*")) == []
    assert list((models_dir / ".incoming").iterdir()) == []


@pytest.mark.slow
def test_sigkill_mid_upload_leaves_no_partial_model(db_url, db_factory, tmp_path):
    maintainer = make_user(db_factory, "maintainer")
    server = LiveServer(tmp_path / "data", db_url).start()
    try:
        token = login(server, maintainer.username)

        # 1. Killed while the body is still streaming in (slowly: 64 KiB every 10 ms).
        v1 = unique("killed-stream-")
        card = big_model(tmp_path / "a.onnx", v1, megabytes=8)
        thread, sent, outcome = start_upload(server, token, card, (tmp_path / "a.onnx").read_bytes(),
                                             64 * 1024, 0.01)
        wait_for(lambda: sent[0] > 2 * 1024 * 1024, 30, "2 MB of the upload to be sent")
        server.kill()
        thread.join(30)
        assert "response" not in outcome  # the client saw the connection die, not a success
        server.start()
        assert_nothing_visible(server, token, v1)

        # 2. Killed after the server began writing into its model directory, before publishing.
        v2 = unique("killed-write-")
        card = big_model(tmp_path / "b.onnx", v2, megabytes=48)
        incoming = server.data_dir / "models" / ".incoming"
        thread, sent, outcome = start_upload(server, token, card, (tmp_path / "b.onnx").read_bytes(),
                                             1024 * 1024, 0)
        wait_for(lambda: any(incoming.glob("*.onnx")), 60, "the server to start writing the model")
        server.kill()
        thread.join(30)
        assert "response" not in outcome
        leftovers = list(incoming.iterdir())
        assert leftovers, "the kill should have caught the upload mid-write"
        server.start()
        assert_nothing_visible(server, token, v2)

        # 3. The same upload, uninterrupted, is published normally afterwards.
        with server.client(token) as c:
            r = c.post("/models", files={"file": ("b.onnx", (tmp_path / "b.onnx").read_bytes())},
                       data={"card": card.decode()})
            assert r.status_code == 201, r.text
            assert c.get(f"/models/{v2}/download").content == (tmp_path / "b.onnx").read_bytes()
    finally:
        server.stop()

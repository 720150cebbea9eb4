"""First start: the CLI creates the first maintainer and the bundled model becomes stable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ombro_contract.paths import REPO_ROOT
from tests.model_factory import make_tiny_model

from .conftest import PASSWORD, LiveServer, login, unique


@pytest.mark.slow
def _png() -> bytes:
    import cv2
    import numpy as np

    img = np.full((240, 320, 3), 200, np.uint8)
    cv2.circle(img, (160, 120), 50, (30, 30, 30), -1)
    return cv2.imencode(".png", img)[1].tobytes()


def test_cli_maintainer_and_bundled_models(fresh_db_url, tmp_path):
    db_url = fresh_db_url
    username = unique("admin")
    env = {**os.environ, "DATABASE_URL": db_url, "OMBRO_DATA_DIR": str(tmp_path / "data"),
           "ADMIN_PW": PASSWORD}
    cmd = [sys.executable, "-m", "server", "create-maintainer", "--username", username,
           "--password-env", "ADMIN_PW"]
    done = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"created maintainer {username!r}" in done.stdout
    again = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False, timeout=120)
    assert again.returncode != 0 and "taken" in again.stderr

    # Every bundled model is registered; the first of each architecture goes on stable, so apps
    # pull the int8 MobileNetV2 and the server scores with the ResNet34 alone (the default).
    folder = tmp_path / "bundled"
    version, r34, fp32 = unique("bundled-"), unique("bundled-r34-"), unique("bundled-fp32-")
    make_tiny_model(folder / "mobilenet_v2.int8.onnx", version=version, quantization="int8")
    make_tiny_model(folder / "resnet34.onnx", version=r34, arch="resnet34", seed=1)
    make_tiny_model(folder / "mobilenet_v2.onnx", version=fp32, seed=2)
    paths = [folder / n for n in ("mobilenet_v2.int8.onnx", "resnet34.onnx", "mobilenet_v2.onnx",
                                  "absent.onnx")]
    env = {"OMBRO_BUNDLED_MODELS": json.dumps([str(p) for p in paths])}
    server = LiveServer(tmp_path / "data", db_url, env).start()
    try:
        token = login(server, username)
        with server.client(token) as c:
            assert c.get("/me").json()["role"] == "maintainer"
            manifest = c.get("/models/latest", params={"arch": "mobilenet_v2"}).json()
            server_model = c.get("/models/latest", params={"arch": "resnet34"}).json()
            listed = [m["version"] for m in c.get("/models").json()]
            scored = c.post("/score", files={"image": ("f.png", _png(), "image/png")})
        assert manifest["version"] == version and manifest["quantization"] == "int8"
        assert server_model["version"] == r34
        assert {version, r34, fp32} <= set(listed)
        assert scored.status_code == 200, scored.text
        assert scored.json()["model_version"] == r34
        assert scored.json()["models"] == [r34]
        assert scored.json()["flip"] is True  # OMBRO_SCORE_FLIP's default
        # A restart does not register it twice.
        server.stop()
        server.start()
        with server.client(token) as c:
            assert [m["version"] for m in c.get("/models").json()].count(version) == 1
    finally:
        server.stop()

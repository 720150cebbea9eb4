"""First start: the CLI creates the first maintainer and the bundled model becomes stable."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from ombro_contract.paths import REPO_ROOT
from tests.model_factory import make_tiny_model

from .conftest import PASSWORD, LiveServer, login, unique


@pytest.mark.slow
def test_cli_maintainer_and_bundled_model(fresh_db_url, tmp_path):
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

    bundled = tmp_path / "bundled" / "mobilenet_v2.int8.onnx"
    version = unique("bundled-")
    make_tiny_model(bundled, version=version, quantization="int8")
    server = LiveServer(tmp_path / "data", db_url, {"OMBRO_BUNDLED_MODEL": str(bundled)}).start()
    try:
        token = login(server, username)
        with server.client(token) as c:
            assert c.get("/me").json()["role"] == "maintainer"
            manifest = c.get("/models/latest", params={"arch": "mobilenet_v2"}).json()
            listed = [m["version"] for m in c.get("/models").json()]
        assert manifest["version"] == version and manifest["quantization"] == "int8"
        assert version in listed
        # A restart does not register it twice.
        server.stop()
        server.start()
        with server.client(token) as c:
            assert [m["version"] for m in c.get("/models").json()].count(version) == 1
    finally:
        server.stop()

"""docker-compose.yml is valid and wires the server to PostgreSQL (checked with the compose CLI;
there is no Docker engine here, so nothing is built or started)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from ombro_contract.paths import REPO_ROOT

yaml = pytest.importorskip("yaml")


def compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode == 0:
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_config_is_valid_and_complete():
    cli = compose_cli()
    if cli is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed")
    done = subprocess.run([*cli, "-f", "docker-compose.yml", "--profile", "train", "config"],
                          cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=60,
                          env={"PATH": "/usr/bin:/bin:/usr/local/bin", "POSTGRES_PASSWORD": "s3cret"})
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load(done.stdout)
    services = config["services"]
    assert set(services) == {"db", "server", "trainer"}

    db, server, trainer = services["db"], services["server"], services["trainer"]
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(str(v).startswith("pgdata:") or (isinstance(v, dict) and v.get("source") == "pgdata")
               for v in db["volumes"])
    assert "pgdata" in config["volumes"]

    assert server["depends_on"]["db"]["condition"] == "service_healthy"
    assert server["environment"]["DATABASE_URL"] == "postgresql+psycopg://ombro:s3cret@db:5432/ombro"
    assert "/readyz" in " ".join(server["healthcheck"]["test"])
    assert server["build"]["dockerfile"] == "Dockerfile.server"
    assert (REPO_ROOT / "Dockerfile.server").is_file()

    assert trainer["profiles"] == ["train"]
    (device,) = trainer["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert "training/train.py" in (REPO_ROOT / "Dockerfile.trainer").read_text()

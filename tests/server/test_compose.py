"""docker-compose.yml is valid and wires nginx, two server replicas, PostgreSQL and MinIO together
(checked with the compose CLI; there is no Docker engine here, so nothing is built or started;
tests/server/test_replicas.py runs the same nginx config against real replicas)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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
    assert set(services) == {"db", "minio", "minio-setup", "server1", "server2", "nginx", "trainer"}

    db, minio, setup, trainer = (services[n] for n in ("db", "minio", "minio-setup", "trainer"))
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert any(str(v).startswith("pgdata:") or (isinstance(v, dict) and v.get("source") == "pgdata")
               for v in db["volumes"])
    assert {"pgdata", "miniodata"} <= set(config["volumes"])

    # MinIO holds the model files; the bucket is made once before any replica starts.
    assert minio["command"][:2] == ["server", "/data"]
    assert setup["depends_on"]["minio"]["condition"] == "service_healthy"
    assert "mc mb --ignore-existing local/ombro-models" in " ".join(setup["entrypoint"])

    nginx = services["nginx"]
    proxy_ip = nginx["networks"]["ombro"]["ipv4_address"]
    for name in ("server1", "server2"):
        server = services[name]
        env = server["environment"]
        assert server["depends_on"]["db"]["condition"] == "service_healthy"
        assert server["depends_on"]["minio-setup"]["condition"] == "service_completed_successfully"
        assert env["DATABASE_URL"] == "postgresql+psycopg://ombro:s3cret@db:5432/ombro"
        assert env["OMBRO_MODEL_STORE"] == "s3://ombro-models/models"
        assert env["OMBRO_S3_ENDPOINT_URL"] == "http://minio:9000"
        assert env["AWS_SECRET_ACCESS_KEY"] == minio["environment"]["MINIO_ROOT_PASSWORD"]
        # Only the proxy's X-Forwarded-For is believed, and the proxy's address is fixed.
        assert env["OMBRO_FORWARDED_ALLOW_IPS"] == proxy_ip
        assert "/readyz" in " ".join(server["healthcheck"]["test"])
        assert server["build"]["dockerfile"] == "Dockerfile.server"
        assert nginx["depends_on"][name]["condition"] == "service_healthy"
        assert "ports" not in server  # reachable only through nginx
    assert (REPO_ROOT / "Dockerfile.server").is_file()

    (mount,) = nginx["volumes"]
    source = mount["source"] if isinstance(mount, dict) else mount.split(":")[0]
    conf = Path(source).read_text()
    assert "server server1:8000" in conf and "server server2:8000" in conf
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in conf
    assert {p["target"] if isinstance(p, dict) else int(p.split(":")[-1])
            for p in nginx["ports"]} == {80}

    assert trainer["profiles"] == ["train"]
    (device,) = trainer["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert "training/train.py" in (REPO_ROOT / "Dockerfile.trainer").read_text()

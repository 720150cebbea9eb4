"""Two server replicas on one machine, as a district would run them: one PostgreSQL, one
S3-compatible store (moto's standalone server), Debian's nginx in front running the shipped
deploy/nginx/ombro.conf. Whatever one replica learns, the other must know: published models,
channel pointers, sign-in lockouts, revoked tokens, the dashboard's cookie key. Killing a
replica mid-upload leaves nothing half-written in the bucket or the listing.

Skipped only where nginx or PostgreSQL is absent (scripts/setup.sh installs nginx).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import httpx
import pytest

from app.model_updater import ModelStore as AppModelStore
from app.model_updater import ModelUpdater
from ombro_contract.card import card_path_for
from server.core.db import make_engine, make_sessionmaker
from tests.model_factory import make_tiny_model

from .conftest import PASSWORD, LiveServer, free_port, login, make_user, new_database, unique
from .test_crash_upload import big_model, start_upload, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

BUCKET = "ombro-district"
PREFIX = "models/"
NGINX_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "ombro.conf"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
REFRESH_S = 2  # OMBRO_SCORE_MODEL_REFRESH_S: the stated delay for a promote to reach scoring
AWS_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def wait_http(url: str, what: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer in {timeout} s") from None
            time.sleep(0.1)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def nginx_config(tmp: Path, port: int, upstreams: list[int]) -> Path:
    """The shipped proxy config with its addresses pointed at loopback ports, inside a main
    config whose every path is under `tmp` (no root needed, nothing of the system's touched)."""
    site = NGINX_CONF.read_text()
    for old, new in (("server server1:8000", f"server 127.0.0.1:{upstreams[0]}"),
                     ("server server2:8000", f"server 127.0.0.1:{upstreams[1]}"),
                     ("listen 80;", f"listen 127.0.0.1:{port};")):
        assert site.count(old) == 1, f"deploy/nginx/ombro.conf no longer has {old!r} once"
        site = site.replace(old, new)
    (tmp / "ombro.conf").write_text(site)
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / d).mkdir(exist_ok=True)
    # As root, nginx's workers would switch to "nobody", who cannot read pytest's tmp folders.
    user = "user root;" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {tmp}/ombro.conf;
}}
""")
    return tmp / "nginx.conf"


@dataclass
class Cluster:
    a: LiveServer
    b: LiveServer
    proxy: str  # nginx, in front of both
    s3: object  # a boto3 client on the same store
    env: dict[str, str]
    bundled: dict[str, str]  # which bundled version is which
    maintainer: str  # usernames
    teacher: str
    factory: object

    def object_keys(self) -> set[str]:
        return {o["Key"] for o in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}

    def multipart_uploads(self) -> list[dict]:
        return self.s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", [])


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx; scripts/setup.sh does it)")
    tmp = tmp_path_factory.mktemp("replicas")
    with new_database("postgres", tmp) as db_url:  # skips when PostgreSQL is unreachable
        moto_port, proxy_port = free_port(), free_port()
        moto_log = tmp / "moto.log"
        with open(moto_log, "wb") as log:
            moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                     "-p", str(moto_port)], stdout=log, stderr=subprocess.STDOUT,
                                    env={**os.environ, **AWS_ENV})
        procs = [moto]
        servers: list[LiveServer] = []
        try:
            endpoint = f"http://127.0.0.1:{moto_port}"
            wait_http(endpoint, "moto's S3 server", moto, moto_log)
            s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
            s3.create_bucket(Bucket=BUCKET)

            # The bundled models, as on a real first start: every replica offers all three.
            folder = tmp / "bundled"
            bundled = {"int8": unique("b-int8-"), "r34": unique("b-r34-"), "fp32": unique("b-fp32-")}
            make_tiny_model(folder / "mobilenet_v2.int8.onnx", version=bundled["int8"],
                            quantization="int8")
            make_tiny_model(folder / "resnet34.onnx", version=bundled["r34"], arch="resnet34", seed=1)
            make_tiny_model(folder / "mobilenet_v2.onnx", version=bundled["fp32"], seed=2)
            env = {
                **AWS_ENV,
                "OMBRO_MODEL_STORE": f"s3://{BUCKET}/{PREFIX}",
                "OMBRO_S3_ENDPOINT_URL": endpoint,
                "OMBRO_S3_ORPHAN_GRACE_S": "0",  # a restarted replica cleans up at once
                "OMBRO_FORWARDED_ALLOW_IPS": "127.0.0.1",
                "OMBRO_PUBLIC_URL": f"http://127.0.0.1:{proxy_port}",
                "OMBRO_SCORE_MODEL_REFRESH_S": str(REFRESH_S),
                "OMBRO_LOG_FORMAT": "json",
                "OMBRO_LOG_LEVEL": "info",  # access lines carry the request id nginx forwards
                "OMBRO_BUNDLED_MODELS": json.dumps([str(folder / n) for n in (
                    "mobilenet_v2.int8.onnx", "resnet34.onnx", "mobilenet_v2.onnx")]),
            }
            a = LiveServer(tmp / "a", db_url, env)
            b = LiveServer(tmp / "b", db_url, env)
            servers += [a, b]
            # Both start at once on the empty registry, as `docker compose up` starts them.
            errors: list[BaseException] = []

            def start(server: LiveServer) -> None:
                try:
                    server.start(timeout=120)
                except BaseException as exc:  # noqa: BLE001 -- reported below
                    errors.append(exc)

            threads = [threading.Thread(target=start, args=(s,)) for s in (a, b)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            assert not errors, errors

            (tmp / "nginx").mkdir()
            conf = nginx_config(tmp / "nginx", proxy_port, [a.port, b.port])
            nginx_log = tmp / "nginx" / "stderr.log"
            with open(nginx_log, "wb") as log:
                proxy = subprocess.Popen([nginx, "-p", str(tmp / "nginx"), "-c", str(conf),
                                          "-e", str(tmp / "nginx" / "error.log"),
                                          "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT)
            procs.append(proxy)
            proxy_url = f"http://127.0.0.1:{proxy_port}"
            wait_http(f"{proxy_url}/healthz", "nginx", proxy, nginx_log)

            engine = make_engine(db_url)
            factory = make_sessionmaker(engine)
            maintainer = make_user(factory, "maintainer").username
            teacher = make_user(factory, "teacher").username
            yield Cluster(a, b, proxy_url, s3, env, bundled, maintainer, teacher, factory)
            engine.dispose()
        finally:
            for server in servers:
                server.stop()
            for proc in reversed(procs):
                stop(proc)


def api(base: str, token: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=f"{base}/api/v1", headers=headers, timeout=60)


def score_png() -> bytes:
    import cv2
    import numpy as np

    img = np.full((240, 320, 3), 200, np.uint8)
    cv2.circle(img, (160, 120), 50, (30, 30, 30), -1)
    return cv2.imencode(".png", img)[1].tobytes()


def scored_version(base: str, token: str) -> str:
    with api(base, token) as c:
        r = c.post("/score", files={"image": ("f.png", score_png(), "image/png")})
        assert r.status_code == 200, r.text
        return r.json()["model_version"]


def test_replicas_starting_together_register_the_bundled_models_once(cluster):
    token = login(cluster.a, cluster.maintainer)
    with api(cluster.proxy, token) as c:
        listed = [m["version"] for m in c.get("/models").json()]
        app_model = c.get("/models/latest", params={"arch": "mobilenet_v2"}).json()["version"]
        server_model = c.get("/models/latest", params={"arch": "resnet34"}).json()["version"]
    assert sorted(listed) == sorted(cluster.bundled.values())  # three versions, not six
    # Exactly one replica registered them and put the first of each architecture on stable;
    # the int8 MobileNetV2 (not the fp32 one) is what apps pull.
    assert (app_model, server_model) == (cluster.bundled["int8"], cluster.bundled["r34"])
    objects = {k for k in cluster.object_keys() if k.endswith(".onnx")}
    assert len(objects) == 3 and all(k.startswith(PREFIX) for k in objects)
    for server in (cluster.a, cluster.b):
        assert scored_version(server.url, token) == cluster.bundled["r34"]


def test_publish_on_a_promote_on_b_download_from_either(cluster, tmp_path):
    token = login(cluster.b, cluster.maintainer)
    version = unique("r34-shared-")
    make_tiny_model(tmp_path / "m.onnx", version=version, arch="resnet34", seed=5)
    blob = (tmp_path / "m.onnx").read_bytes()
    with api(cluster.a.url, token) as a:
        r = a.post("/models", files={"file": ("m.onnx", blob)},
                   data={"card": card_path_for(tmp_path / "m.onnx").read_text()})
        assert r.status_code == 201, r.text
    with api(cluster.b.url, token) as b:
        assert b.post("/channels/stable/promote", json={"version": version}).status_code == 200

    # Scoring on both replicas moves to it within the refresh interval (plus fetch and load);
    # replica B never saw the upload and fetches the file from the store.
    for server in (cluster.a, cluster.b):
        deadline = time.monotonic() + REFRESH_S + 30
        while (seen := scored_version(server.url, token)) != version:
            assert time.monotonic() < deadline, f"{server.url} still scores with {seen}"
            time.sleep(0.5)
    assert (cluster.b.data_dir / "model-cache" / f"{r.json()['sha256']}.onnx").is_file()

    # Through nginx: the manifest points at nginx; downloads come from both replicas, whole,
    # conditional and ranged.
    with api(cluster.proxy, token) as c:
        manifest = c.get("/models/latest", params={"arch": "resnet34"}).json()
        assert manifest["download_url"] == f"{cluster.proxy}/api/v1/models/{version}/download"
        ids = [uuid.uuid4().hex for _ in range(6)]
        for rid in ids:
            r = c.get(manifest["download_url"], headers={"X-Request-ID": rid})
            assert r.status_code == 200 and r.content == blob
            assert r.headers["etag"] == f'"{manifest["sha256"]}"'
        r = c.get(manifest["download_url"], headers={"If-None-Match": f'"{manifest["sha256"]}"'})
        assert r.status_code == 304
        r = c.get(manifest["download_url"], headers={"Range": "bytes=100-"})
        assert r.status_code == 206 and r.content == blob[100:]
    served_by = {name: sum(rid in s.log_path.read_text() for rid in ids)
                 for name, s in (("a", cluster.a), ("b", cluster.b))}
    assert served_by["a"] >= 1 and served_by["b"] >= 1 and sum(served_by.values()) == len(ids)

    # A rollback on A reaches B's scoring the same way.
    with api(cluster.a.url, token) as a:
        r = a.post("/channels/stable/rollback", params={"arch": "resnet34"})
        assert r.status_code == 200, r.text
    deadline = time.monotonic() + REFRESH_S + 30
    while scored_version(cluster.b.url, token) != cluster.bundled["r34"]:
        assert time.monotonic() < deadline, "the rollback did not reach replica B"
        time.sleep(0.5)


def test_a_sign_in_lockout_on_a_holds_on_b(cluster, tmp_path):
    student = make_user(cluster.factory, "student").username
    with api(cluster.a.url) as a:
        codes = [a.post("/auth/token", data={"username": student, "password": "wrong-password"})
                 .status_code for _ in range(5)]
    assert codes == [401] * 5
    with api(cluster.b.url) as b, api(cluster.proxy) as p:
        for client in (b, p):
            r = client.post("/auth/token", data={"username": student, "password": PASSWORD})
            assert r.status_code == 429, r.text  # even the right password, until the lock ends
            assert int(r.headers["retry-after"]) > 0


def test_a_token_revoked_on_one_replica_is_refused_by_both(cluster):
    student = make_user(cluster.factory, "student").username
    token = login(cluster.b, student)
    for base in (cluster.a.url, cluster.b.url, cluster.proxy):
        with api(base, token) as c:
            assert c.get("/me").status_code == 200
    with api(cluster.a.url, token) as a:
        assert a.post("/auth/logout").status_code == 204
    for base in (cluster.a.url, cluster.b.url, cluster.proxy):
        with api(base, token) as c:
            assert c.get("/me").status_code == 401


def test_a_dashboard_form_from_a_is_accepted_by_b(cluster):
    with httpx.Client(base_url=cluster.a.url) as a, httpx.Client(base_url=cluster.b.url) as b:
        page = a.get("/login")
        b.cookies = a.cookies
        r = b.post("/login", data={"username": cluster.teacher, "password": PASSWORD,
                                   "csrf_token": CSRF_RE.search(page.text).group(1), "next": "/"})
        assert r.status_code == 303, r.text
        a.cookies = b.cookies  # the session made on B opens the dashboard on A
        assert a.get("/").status_code == 200


def test_presigned_redirect_download_with_the_app_updater(cluster, tmp_path):
    """A replica configured to redirect downloads to the store: the app follows the 307 to the
    presigned URL, resumes with Range there, and checks sha256 as always."""
    server = LiveServer(tmp_path / "c", cluster.a.db_url, {
        **cluster.env, "OMBRO_MODEL_DOWNLOAD_REDIRECT": "true", "OMBRO_PUBLIC_URL": ""}).start()
    try:
        student = make_user(cluster.factory, "student").username
        token = login(server, student)
        with api(server.url, token) as c:
            manifest = c.get("/models/latest", params={"arch": "mobilenet_v2"}).json()
            r = c.get(manifest["download_url"])
            assert r.status_code == 307
            assert r.headers["location"].startswith(cluster.env["OMBRO_S3_ENDPOINT_URL"])
            assert "X-Amz-Signature=" in r.headers["location"]
            assert c.get(manifest["download_url"],
                         headers={"If-None-Match": f'"{manifest["sha256"]}"'}).status_code == 304
        bundled = tmp_path / "app-bundled.onnx"
        make_tiny_model(bundled, version="app-bundled", quantization="int8")
        store = AppModelStore(tmp_path / "app-models", bundled)
        with httpx.Client(base_url=server.url, timeout=60) as client:
            result = ModelUpdater(store, client, quantization="int8", token=token).check_and_update(
                "app-bundled")
        assert result.status == "updated", result.message
        assert store.active_version() == cluster.bundled["int8"]
    finally:
        server.stop()


def test_killing_a_replica_mid_upload_leaves_nothing_partial(cluster, tmp_path):
    token = login(cluster.b, cluster.maintainer)
    a = cluster.a
    before = cluster.object_keys()

    def nothing_visible(version: str) -> None:
        assert cluster.object_keys() == before, cluster.object_keys() - before
        assert cluster.multipart_uploads() == []
        for base in (cluster.b.url, cluster.proxy):
            with api(base, token) as c:
                assert version not in {m["version"] for m in c.get("/models").json()}
                assert c.get(f"/models/{version}/download").status_code == 404

    # 1. While the body is still streaming into A (64 KiB every 10 ms).
    v1 = unique("killed-stream-")
    card = big_model(tmp_path / "a.onnx", v1, megabytes=8)
    thread, sent, outcome = start_upload(a, token, card, (tmp_path / "a.onnx").read_bytes(),
                                         64 * 1024, 0.01)
    wait_for(lambda: sent[0] > 2 * 1024 * 1024, 60, "2 MB of the upload to be sent")
    a.kill()
    thread.join(30)
    assert "response" not in outcome
    nothing_visible(v1)  # B and nginx (now routing to B alone) know nothing of it

    # 2. While A is storing the validated file in the bucket (a multipart upload: > 64 MiB).
    a.start(timeout=120, same_port=True)
    v2 = unique("killed-s3-")
    card = big_model(tmp_path / "b.onnx", v2, megabytes=72)
    thread, sent, outcome = start_upload(a, token, card, (tmp_path / "b.onnx").read_bytes(),
                                         1024 * 1024, 0)
    wait_for(lambda: any(u["Key"].startswith(f"{PREFIX}{v2}.") for u in cluster.multipart_uploads()),
             180, "replica A to start its multipart upload to the store")
    a.kill()
    thread.join(30)
    assert "response" not in outcome
    assert cluster.multipart_uploads(), "the kill should have caught the multipart upload"
    assert not any(k.startswith(f"{PREFIX}{v2}.") and k.endswith(".onnx") for k in cluster.object_keys())

    # A's restart cleans up its local leftovers and the dead multipart upload.
    a.start(timeout=120, same_port=True)
    nothing_visible(v1)
    nothing_visible(v2)
    cache = a.data_dir / "model-cache"
    assert list((cache / ".incoming").iterdir()) == [] and list((cache / ".locks").iterdir()) == []

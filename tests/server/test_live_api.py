"""Sign-in, class joining, attempt sync and scoring against a real server."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from PIL import Image

from ombro_contract.classifier import PuppetClassifier
from ombro_contract.labels import PUPPETS
from ombro_contract.preprocess import decode_image

from .conftest import METRICS_TOKEN, PASSWORD, login, make_user, unique


def attempt(puppet="dog", passed=True, minutes_ago=0.0):
    return {
        "id": str(uuid.uuid4()), "puppet": puppet, "predicted": puppet if passed else "cow",
        "confidence": 0.91 if passed else 0.2, "hold_seconds": 2.1, "passed": passed,
        "model_version": "mobilenet_v2-test",
        "device_time": (datetime.now(UTC) - timedelta(minutes=minutes_ago)).isoformat(),
    }


# --- accounts --------------------------------------------------------------------------------

def test_join_with_code_then_logout_revokes(live_server, actors):
    with live_server.client(actors["teacher_a"].token) as t:
        klass = t.post("/classes", json={"name": "join test"}).json()
    name = unique("kid")
    body = {"join_code": klass["join_code"].lower(), "username": name, "password": PASSWORD,
            "display_name": "Kid"}
    with live_server.client() as anon:
        r = anon.post("/auth/join", json=body)
        assert r.status_code == 201, r.text
        token = r.json()["access_token"]
        assert r.json()["role"] == "student"
        assert anon.post("/auth/join", json=body).status_code == 409  # username taken
        assert anon.post("/auth/join", json={**body, "username": unique("kid"),
                                             "join_code": "NOPE1234"}).status_code == 404
    with live_server.client(token) as kid:
        assert kid.get("/me").json()["class_ids"] == [klass["id"]]
        assert kid.post("/auth/logout").status_code == 204
        r = kid.get("/me")
        assert r.status_code == 401 and "sign in again" in r.json()["detail"]


def test_login_is_rate_limited(live_server, db_factory):
    user = make_user(db_factory, "teacher")
    with live_server.client() as c:
        for _ in range(5):
            r = c.post("/auth/token", data={"username": user.username, "password": "wrong"})
            assert r.status_code == 401
        r = c.post("/auth/token", data={"username": user.username, "password": PASSWORD})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) > 0
        assert "wait" in r.json()["detail"]


# --- attempts --------------------------------------------------------------------------------

def test_attempt_sync_is_idempotent_over_http(live_server, actors, db_factory):
    student = make_user(db_factory, "student")
    token = login(live_server, student.username)
    batch = [attempt("dog", True, 10 - i) for i in range(4)] + [attempt("swan", False, 1)]
    ids = [a["id"] for a in batch]
    with live_server.client(token) as c:
        first = c.post("/attempts", json={"attempts": batch})
        assert first.status_code == 200
        assert first.json() == {"accepted": ids, "duplicates": []}
        retry = c.post("/attempts", json={"attempts": batch})  # the app lost the first response
        assert retry.json() == {"accepted": [], "duplicates": ids}

        # Four concurrent retries of a new batch still store each attempt once.
        more = [attempt("crab", True, 0.5) for _ in range(10)]
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(lambda _: c.post("/attempts", json={"attempts": more}).json(),
                                    range(4)))
        accepted = sorted(i for r in results for i in r["accepted"])
        assert accepted == sorted(a["id"] for a in more)

        progress = c.get("/students/me/progress").json()
    assert progress["attempts"] == 15
    by_puppet = {p["puppet"]: p for p in progress["puppets"]}
    assert by_puppet["dog"]["attempts"] == 4 and by_puppet["dog"]["mastery"] == pytest.approx(0.8)
    assert by_puppet["dog"]["level"] == "mastered"
    assert by_puppet["swan"]["level"] == "learning"
    assert by_puppet["crab"]["attempts"] == 10
    assert by_puppet["bird"]["level"] == "not_started"
    assert progress["streak_days"] >= 1


def test_old_and_new_apps_sync_side_by_side(live_server, db_factory):
    """Apps from before shape feedback send no shape fields and are accepted as they were; a new
    app's shape match and hint are stored with the attempt."""
    from server.models import Attempt

    student = make_user(db_factory, "student")
    old = attempt("rabbit", False, 3)
    assert "shape_match" not in old and "hint" not in old  # exactly what the old app sends
    new = {**attempt("rabbit", False, 2), "shape_match": 0.734, "hint": "ears"}
    half = {**attempt("rabbit", True, 1), "shape_match": 0.93, "hint": None}
    with live_server.client(login(live_server, student.username)) as c:
        r = c.post("/attempts", json={"attempts": [old, new, half]})
        assert r.status_code == 200, r.text
        assert r.json()["accepted"] == [old["id"], new["id"], half["id"]]
    with db_factory() as s:
        stored = {a.id: (a.shape_match, a.hint) for a in s.query(Attempt).filter(
            Attempt.student_id == student.id)}
    assert stored == {old["id"]: (None, None), new["id"]: (pytest.approx(0.734), "ears"),
                      half["id"]: (pytest.approx(0.93), None)}


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda a: a.update(puppet="unicorn"), "unknown puppet"),
        (lambda a: a.update(device_time="2026-05-01T10:00:00"), "time zone"),
        (lambda a: a.update(confidence=1.5), "less than or equal"),
        (lambda a: a.update(id="not-a-uuid"), "UUID"),
        (lambda a: a.update(shape_match=1.2), "less than or equal"),
        (lambda a: a.update(hint="<b>ears</b>"), "pattern"),
        (lambda a: a.update(hint="x" * 40), "at most 16"),
    ],
)
def test_bad_attempts_are_422_and_store_nothing(live_server, db_factory, mutate, fragment):
    student = make_user(db_factory, "student")
    good, bad = attempt(), attempt()
    mutate(bad)
    with live_server.client(login(live_server, student.username)) as c:
        r = c.post("/attempts", json={"attempts": [good, bad]})
        assert r.status_code == 422
        assert fragment in str(r.json()["detail"])
        assert c.get("/students/me/progress").json()["attempts"] == 0


def test_attempt_batches_are_capped(live_server, actors):
    with live_server.client(actors["student_a"].token) as c:
        r = c.post("/attempts", json={"attempts": [attempt() for _ in range(501)]})
    assert r.status_code == 422


def test_class_mastery_and_csv(live_server, actors, db_factory):
    with live_server.client(actors["teacher_b"].token) as t:
        klass = t.post("/classes", json={"name": "mastery"}).json()
        t.post(f"/classes/{klass['id']}/assignments", json={"puppet": "snail"}).raise_for_status()
    with live_server.client() as anon:
        token = anon.post("/auth/join", json={"join_code": klass["join_code"], "username":
                          unique("m"), "password": PASSWORD}).json()["access_token"]
    with live_server.client(token) as s:
        s.post("/attempts", json={"attempts": [attempt("snail", False, 10 - i) for i in range(5)]})
    with live_server.client(actors["teacher_b"].token) as t:
        m = t.get(f"/classes/{klass['id']}/mastery").json()
        csv_text = t.get(f"/classes/{klass['id']}/export.csv").text
    (row,) = m["students"]
    assert m["assigned"] == ["snail"] and m["puppets"] == list(PUPPETS)
    assert row["puppets"]["snail"] == {"mastery": 0.0, "level": "learning", "attempts": 5}
    assert row["needs_help"][0]["kind"] == "fail_streak" and row["needs_help"][0]["puppet"] == "snail"
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("student_id,username")
    assert len(lines) == 1 + len(PUPPETS)


# --- scoring ---------------------------------------------------------------------------------

def encode(img: np.ndarray, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, fmt, **kw)
    return buf.getvalue()


def shadow(h=240, w=320) -> np.ndarray:
    img = np.full((h, w, 3), 210, np.uint8)
    img[60:200, 90:230] = 25
    return img


def png_bomb(width: int, height: int) -> bytes:
    """A small, valid 1-bit PNG that would inflate to width*height pixels."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    comp = zlib.compressobj(9)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_score_matches_the_contract_classifier(live_server, actors, score_model):
    data = encode(shadow())
    with live_server.client(actors["student_a"].token) as c:
        r = c.post("/score", files={"image": ("s.png", data, "image/png")})
    assert r.status_code == 200, r.text
    body = r.json()
    local = PuppetClassifier.from_path(score_model).classify(decode_image(data), top_k=3)
    assert body["model_version"] == local.model_version
    assert [t["label"] for t in body["top_k"]] == [label for label, _ in local.top_k]
    np.testing.assert_allclose([t["prob"] for t in body["top_k"]], [p for _, p in local.top_k], atol=1e-5)


def test_concurrent_scores_are_each_correct(live_server, actors, score_model):
    """Micro-batched requests must not mix up whose image is whose."""
    clf = PuppetClassifier.from_path(score_model)
    images = [np.full((120, 160, 3), (10, 60, 120, 180, 250)[i % 5], np.uint8) for i in range(20)]
    for i, img in enumerate(images):
        img[:, : (i * 7) % 160] = (i * 37) % 255
    payloads = [encode(img) for img in images]
    with live_server.client(actors["student_b"].token) as c, ThreadPoolExecutor(8) as pool:
        results = list(pool.map(
            lambda d: c.post("/score", files={"image": ("x.png", d, "image/png")}).json(), payloads))
    for data, res in zip(payloads, results):
        want = clf.classify(decode_image(data), top_k=3)
        np.testing.assert_allclose([t["prob"] for t in res["top_k"]], [p for _, p in want.top_k], atol=1e-5)


def test_a_24_mp_phone_jpeg_is_scored(live_server, actors, score_model):
    """iPhone 15 Pro and later save 24 MP photos by default: a baseline JPEG of that size is
    decoded at an eighth, so it is scored, and like the same scene sent at camera size."""
    big = cv2.resize(shadow(), (5712, 4284), interpolation=cv2.INTER_NEAREST)
    data = encode(big, "JPEG", quality=85)
    small = encode(cv2.resize(big, (714, 536), interpolation=cv2.INTER_AREA), "PNG")
    with live_server.client(actors["student_a"].token) as c:
        r = c.post("/score", files={"image": ("IMG_0001.jpg", data, "image/jpeg")})
        ref = c.post("/score", files={"image": ("small.png", small, "image/png")})
    assert r.status_code == 200, r.text
    assert r.json()["top_k"][0]["label"] == ref.json()["top_k"][0]["label"]
    np.testing.assert_allclose([t["prob"] for t in r.json()["top_k"]],
                               [t["prob"] for t in ref.json()["top_k"]], atol=0.05)


def test_bad_images_get_the_right_4xx(live_server, actors, score_model):
    jpeg = encode(shadow(480, 640), "JPEG", quality=90)
    cases = {
        "truncated jpeg": (jpeg[: len(jpeg) // 2], 422, "truncated"),
        "png bomb": (png_bomb(20000, 20000), 413, "pixels"),
        "48 MP png": (png_bomb(8000, 6000), 413, "pixels"),
        "text file": (b"hello, I am not a picture\n" * 10, 415, "unsupported image type"),
        "empty": (b"", 422, "empty"),
        "25 MB": (b"\xff\xd8\xff" + bytes(25 * 1024 * 1024), 413, "too large"),
        "24 MP progressive jpeg": (encode(shadow(4284, 5712), "JPEG", quality=80, progressive=True),
                                   413, "progressive"),
    }
    with live_server.client(actors["student_a"].token) as c:
        for name, (data, status, fragment) in cases.items():
            r = c.post("/score", files={"image": ("x.jpg", data, "image/jpeg")})
            assert r.status_code == status, f"{name}: {r.status_code} {r.text[:200]}"
            assert fragment in r.json()["detail"], f"{name}: {r.json()['detail']}"
        assert len(png_bomb(20000, 20000)) < 200_000  # small on the wire, 400 MP inflated


def test_chunked_bodies_are_cut_off_at_the_limit(live_server, actors):
    """Without a Content-Length the limit is enforced while the body streams in."""
    boundary = "b0undary"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; "
               'filename="x.jpg"\r\nContent-Type: image/jpeg\r\n\r\n').encode()
        for _ in range(30):  # past the 24 MiB image limit
            yield b"\xff\xd8\xff" + bytes(1024 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    with live_server.client(actors["student_a"].token) as c:
        r = c.post("/score", content=body(),
                   headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert r.status_code == 413
        assert "too large" in r.json()["detail"]
        big = c.post("/attempts", content=(b" " * 65536 for _ in range(40)),
                     headers={"Content-Type": "application/json"})
        assert big.status_code == 413


def test_operations_endpoints(live_server, actors, score_model):
    import httpx

    with live_server.client(actors["teacher_a"].token) as c:
        scored = c.post("/score", files={"image": ("s.png", encode(shadow()), "image/png")}).json()
    ready = httpx.get(f"{live_server.url}/readyz").json()
    assert ready["database"] == "ok" and ready["score_model"] == scored["model_version"]
    r = httpx.get(f"{live_server.url}/healthz", headers={"X-Request-ID": "abc123"})
    assert r.json() == {"status": "ok"} and r.headers["x-request-id"] == "abc123"
    assert len(httpx.get(f"{live_server.url}/healthz").headers["x-request-id"]) == 32
    assert httpx.get(f"{live_server.url}/metrics").status_code == 401  # token required
    bad = httpx.get(f"{live_server.url}/metrics", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    metrics = httpx.get(f"{live_server.url}/metrics",
                        headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).text
    assert 'ombro_http_requests_total{method="POST",route="/api/v1/score"' in metrics
    assert "ombro_score_batch_size_count" in metrics
    assert f'ombro_server_model_info{{version="{ready["score_model"]}"}} 1.0' in metrics
    paths = httpx.get(f"{live_server.url}/openapi.json").json()["paths"]
    assert "/api/v1/models/latest" in paths and "/api/v1/attempts" in paths

"""Hostile and concurrent input against a real server: every JSON route, every id, races on
unique names and on the login lock, throttles, clock bounds, proxies, public URLs, metrics.

Routes are discovered from the app itself (OpenAPI for the API, the route table for the
dashboard), so a route added later is covered without editing this file.
"""

from __future__ import annotations

import io
import re
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from ombro_contract.card import card_path_for
from server import crud
from server.core.db import make_engine, make_sessionmaker, session_scope
from server.models import LoginThrottle
from server.web.routes import router as dashboard_router
from tests.model_factory import make_tiny_model

from .conftest import METRICS_TOKEN, PASSWORD, LiveServer, login, make_user, unique

API = "/api/v1"
HUGE_IDS = [2**63, -(2**63) - 1, 2**31, 0, -1, 10**30]
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def world(live_server, actors):
    with live_server.client(actors["teacher_a"].token) as t:
        klass = t.post("/classes", json={"name": "hardening"}).json()
    return {"class_id": klass["id"], "join_code": klass["join_code"],
            "student_id": actors["student_a"].user_id, "channel": "beta", "version": "v-none"}


@pytest.fixture(scope="module")
def spec(live_server):
    return httpx.get(f"{live_server.url}/openapi.json").json()


def json_routes(spec) -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, ops in spec["paths"].items()
            for method, op in ops.items()
            if "application/json" in op.get("requestBody", {}).get("content", {})]


def tokens(actors) -> dict[str, str | None]:
    return {"anon": None, **{name: a.token for name, a in actors.items()}}


# --- 1. non-finite and other non-standard JSON numbers on every JSON route ----------------------

@pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity", "1e999", "9" * 5000])
def test_every_json_route_answers_422_to_nonstandard_numbers(live_server, actors, world, spec, bad):
    routes = json_routes(spec)
    assert {("POST", f"{API}/auth/join"), ("POST", f"{API}/attempts")} <= set(routes)
    for method, path in routes:
        url = path.format(**world)
        # The value in every plausible field: the route validates its own fields, and the
        # number must be refused whichever field it lands in.
        body = ('{"join_code": %s, "username": %s, "password": %s, "name": %s, "puppet": %s, '
                '"version": %s, "attempts": [{"confidence": %s}]}') % ((bad,) * 7)
        for role, token in tokens(actors).items():
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            r = httpx.request(method, live_server.url + url, content=body, headers=headers)
            assert r.status_code == 422, f"{role} {method} {url}: {r.status_code} {r.text[:200]}"
            assert "JSON number" in r.text or "out of range" in r.text, r.text[:300]


def test_deep_and_unstorable_json_is_422(live_server, actors):
    join = f"{live_server.url}{API}/auth/join"
    deep = "[" * 50_000 + "]" * 50_000
    for body in (deep, '{"join_code": "ABCD\\u0000EFG", "username": "x", "password": "y"}',
                 '{"join_code": "\\ud800ABCDE", "username": "xyz", "password": "12345678"}'):
        r = httpx.post(join, content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text[:200]


# --- 2. ids beyond what a row can have, API and dashboard ---------------------------------------

def api_id_routes(spec) -> list[tuple[str, str, str]]:
    out = []
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            ids = [p["name"] for p in op.get("parameters", [])
                   if p["in"] == "path" and p["schema"].get("type") == "integer"]
            if ids:
                out += [(method.upper(), path, name) for name in ids]
    return out


def dashboard_id_routes() -> list[tuple[str, str]]:
    """(method, path) of every dashboard route with an id in its path (the dashboard's routers
    add no prefix; included routers are walked, whatever FastAPI wraps them in)."""
    out, pending = [], [dashboard_router]
    while pending:
        for route in pending.pop().routes:
            if hasattr(route, "original_router"):
                pending.append(route.original_router)
            elif hasattr(route, "routes") and not hasattr(route, "path"):
                pending.append(route)
            elif re.search(r"\{\w+_id\}", getattr(route, "path", "")):
                out += [(m, route.path) for m in sorted(route.methods - {"HEAD"})]
    return out


@contextmanager
def dashboard_client(server: LiveServer, username: str) -> Iterator[httpx.Client]:
    """A browser-like client signed in to the dashboard (cookies and CSRF token)."""
    with httpx.Client(base_url=server.url, timeout=30) as client:
        page = client.get("/login")
        r = client.post("/login", data={"username": username, "password": PASSWORD, "next": "/",
                                        "csrf_token": CSRF_RE.search(page.text).group(1)})
        assert r.status_code in (200, 303) and "ombro_session" in client.cookies, r.text[:300]
        yield client


def test_every_api_id_is_bounded(live_server, actors, world, spec):
    routes = api_id_routes(spec)
    assert len(routes) >= 5, routes
    for method, path, name in routes:
        for bad in HUGE_IDS:
            url = re.sub(r"\{(\w+)\}", lambda m, bad=bad, name=name: str(bad) if m.group(1) == name
                         else str(world.get(m.group(1), 1)), path)
            got = {}
            for role, token in tokens(actors).items():
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                r = httpx.request(method, live_server.url + url, headers=headers,
                                  json={"puppet": "dog"})
                got[role] = r.status_code
                assert r.status_code < 500, f"{role} {method} {url}: {r.text[:200]}"
            # Whoever may call the route is told the id is impossible.
            assert 422 in got.values(), f"{method} {url}: {got}"


def test_every_dashboard_id_is_bounded(live_server, actors):
    routes = dashboard_id_routes()
    assert ("GET", "/classes/{class_id}") in routes and len(routes) >= 4, routes
    with dashboard_client(live_server, actors["teacher_a"].username) as c:
        csrf = CSRF_RE.search(c.get("/").text).group(1)
        for method, path in routes:
            for bad in HUGE_IDS:
                url = re.sub(r"\{\w+\}", str(bad), path)
                r = c.request(method, url, data={"csrf_token": csrf, "puppet": "dog",
                                                 "due": "2030-01-01"})
                assert r.status_code == 404, f"{method} {url}: {r.status_code} {r.text[:200]}"
                assert "text/html" in r.headers["content-type"]


# --- 3. races on unique values ---------------------------------------------------------------

def test_ten_concurrent_joins_with_one_username(live_server, world):
    name = unique("twin")
    body = {"join_code": world["join_code"], "username": name, "password": PASSWORD}
    barrier = threading.Barrier(10)

    def join(_):
        barrier.wait()
        return httpx.post(f"{live_server.url}{API}/auth/join", json=body, timeout=60).status_code

    with ThreadPoolExecutor(10) as pool:
        statuses = sorted(pool.map(join, range(10)))
    assert statuses == [201] + [409] * 9


# --- 7. the login lock under 20 parallel wrong passwords ---------------------------------------

def test_login_lock_holds_under_parallel_guesses(live_server, db_factory):
    user = make_user(db_factory, "teacher")
    barrier = threading.Barrier(20)

    def guess(i):
        barrier.wait()
        r = httpx.post(f"{live_server.url}{API}/auth/token", timeout=60,
                       data={"username": user.username, "password": f"wrong-{i}"})
        return r.status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(guess, range(20)))
    assert statuses.count(401) <= 5 and statuses.count(401) + statuses.count(429) == 20, statuses
    r = httpx.post(f"{live_server.url}{API}/auth/token",
                   data={"username": user.username, "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


# --- 9. bounded sign-in input and throttle rows --------------------------------------------------

def test_sign_in_input_is_capped_and_throttle_rows_are_hashed(live_server):
    engine = make_engine(live_server.db_url)
    try:
        with make_sessionmaker(engine)() as s:
            before = s.scalar(select(func.count()).select_from(LoginThrottle))
        r = httpx.post(f"{live_server.url}{API}/auth/token",
                       data={"username": "u" * 100_000, "password": "x"})
        assert r.status_code == 422 and "64 characters" in r.text
        r = httpx.post(f"{live_server.url}{API}/auth/token",
                       data={"username": "u" * 1_000_000, "password": "x"})
        assert r.status_code == 413
        r = httpx.post(f"{live_server.url}{API}/auth/token",
                       data={"username": unique("n"), "password": "p" * 100_000})
        assert r.status_code == 422
        with make_sessionmaker(engine)() as s:
            assert s.scalar(select(func.count()).select_from(LoginThrottle)) == before
            assert max(len(k) for k in s.scalars(select(LoginThrottle.key))) <= 60
    finally:
        engine.dispose()


# --- 4 and 11. attempt times --------------------------------------------------------------------

def attempt_at(when: str) -> dict:
    return {"id": str(uuid.uuid4()), "puppet": "dog", "predicted": "dog", "confidence": 0.9,
            "hold_seconds": 2.0, "passed": True, "model_version": "v", "device_time": when}


@pytest.mark.parametrize(
    "when, status",
    [
        ("9999-12-31T23:59:59-14:00", 422),  # past datetime.max in UTC: was a 500
        ("0001-01-01T00:00:00+14:00", 422),  # before datetime.min in UTC
        ("+2h", 422), ("+50min", 200), ("-400d", 422), ("-300d", 200), ("2031-01-01T00:00:00Z", 422),
    ],
)
def test_attempt_times_are_bounded(live_server, actors, when, status):
    if when[0] in "+-":
        n, unit = int(when[1:-1] if when.endswith(("h", "d")) else when[1:-3]), when.lstrip("+-0123456789")
        delta = {"h": timedelta(hours=n), "min": timedelta(minutes=n), "d": timedelta(days=n)}[unit]
        when = (datetime.now(UTC) + (delta if when[0] == "+" else -delta)).isoformat()
    with live_server.client(actors["student_b"].token) as c:
        r = c.post("/attempts", json={"attempts": [attempt_at(when)]})
    assert r.status_code == status, r.text[:300]
    if status == 422:
        assert "device_time" in r.text


# --- 15. the API's CSV export neutralises usernames too ------------------------------------------

def test_api_csv_neutralises_usernames(live_server, actors, world):
    name = "-1-1" + uuid.uuid4().hex[:6]
    r = httpx.post(f"{live_server.url}{API}/auth/join", json={
        "join_code": world["join_code"], "username": name, "password": PASSWORD,
        "display_name": "=1+1"})
    assert r.status_code == 201, r.text
    with live_server.client(actors["teacher_a"].token) as t:
        r = t.get(f"/classes/{world['class_id']}/export.csv")
    rows = [line.split(",") for line in r.text.splitlines() if name in line]
    assert rows and all(row[1] == "'" + name and row[2] == "'=1+1" for row in rows)
    assert "filename*=UTF-8''" in r.headers["content-disposition"]


# --- 8. join codes: per client and global ------------------------------------------------------

def test_join_code_guessing_is_throttled(fresh_db_url, tmp_path):
    server = LiveServer(tmp_path / "data", fresh_db_url, extra_env={
        "OMBRO_JOIN_MAX_FAILURES_PER_IP": "5", "OMBRO_JOIN_MAX_FAILURES_GLOBAL": "1000"}).start()
    try:
        def guess(i):
            return httpx.post(f"{server.url}{API}/auth/join", timeout=60, json={
                "join_code": f"GUESS{i:03d}", "username": f"g{i:04d}", "password": PASSWORD,
            }).status_code

        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(guess, range(60)))
        assert statuses.count(404) <= 5 and statuses.count(404) + statuses.count(429) == 60
    finally:
        server.stop()


# --- 12, 13, 14. proxies, public URL, metrics ---------------------------------------------------

def failed_logins(server: LiveServer, n: int, forwarded_for) -> list[int]:
    out = []
    for i in range(n):
        r = httpx.post(f"{server.url}{API}/auth/token", headers={"X-Forwarded-For": forwarded_for(i)},
                       data={"username": unique("nobody"), "password": "wrong"})
        out.append(r.status_code)
    return out


def test_no_proxy_is_trusted_by_default(fresh_db_url, tmp_path):
    server = LiveServer(tmp_path / "data", fresh_db_url, extra_env={
        "OMBRO_LOGIN_MAX_FAILURES_PER_IP": "3", "OMBRO_METRICS_TOKEN": "",
        "OMBRO_PUBLIC_URL": "https://ombro.example.org/school/"}).start()
    try:
        # A client rotating X-Forwarded-For is still one address.
        assert failed_logins(server, 5, lambda i: f"203.0.113.{i}") == [401] * 3 + [429] * 2
        assert httpx.get(f"{server.url}/metrics").status_code == 404  # off unless configured
        # This address is locked out now (the point above), so the maintainer's token is issued
        # directly.
        engine = make_engine(fresh_db_url)
        with session_scope(make_sessionmaker(engine)) as s:
            maint = crud.create_user(s, unique("mai"), PASSWORD, "maintainer")
            token, _ = crud.issue_token(s, maint, ttl_hours=1)
        engine.dispose()
        path = tmp_path / "m.onnx"
        make_tiny_model(path, version="pub-1", arch="mobilenet_v2")
        with server.client(token) as m:
            assert m.post("/models", files={"file": ("m.onnx", path.read_bytes())},
                          data={"card": card_path_for(path).read_text()}).status_code == 201
            m.post("/channels/stable/promote", json={"version": "pub-1"}).raise_for_status()
            manifest = m.get("/models/latest", headers={"Host": "evil.example"}).json()
        assert manifest["download_url"] == (
            "https://ombro.example.org/school/api/v1/models/pub-1/download")
    finally:
        server.stop()


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_counts(fresh_db_url, tmp_path):
    server = LiveServer(tmp_path / "data", fresh_db_url, extra_env={
        "OMBRO_LOGIN_MAX_FAILURES_PER_IP": "3", "OMBRO_FORWARDED_ALLOW_IPS": "127.0.0.1"}).start()
    try:
        # The proxy appends the real client (198.51.100.9); whatever the client wrote before it
        # does not change who it is.
        spoofed = failed_logins(server, 5, lambda i: f"10.0.0.{i}, 192.0.2.{i}, 198.51.100.9")
        assert spoofed == [401] * 3 + [429] * 2
        # Another real client has its own budget: the header is honoured from the proxy.
        assert failed_logins(server, 1, lambda i: "198.51.100.10") == [401]
    finally:
        server.stop()


def test_metrics_need_the_token(live_server):
    assert httpx.get(f"{live_server.url}/metrics").status_code == 401
    ok = httpx.get(f"{live_server.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    assert ok.status_code == 200 and "ombro_http_requests_total" in ok.text


# --- 10. bounded concurrent decodes and hashes ------------------------------------------------

def test_full_gates_answer_503_with_retry_after(live_server, actors, score_model):
    # The same database and data dir as `live_server`, so the published score model is there.
    server = LiveServer(live_server.data_dir, live_server.db_url, extra_env={
        "OMBRO_DECODE_CONCURRENCY": "1", "OMBRO_DECODE_QUEUE": "0",
        "OMBRO_HASH_CONCURRENCY": "1", "OMBRO_HASH_QUEUE": "0"}).start()
    try:
        buf = io.BytesIO()
        Image.new("RGB", (4000, 3000), (200, 200, 200)).save(buf, "PNG")
        big = buf.getvalue()
        token = actors["student_a"].token
        barrier = threading.Barrier(10)

        def score(_):
            barrier.wait()
            return httpx.post(f"{server.url}{API}/score", headers={"Authorization": f"Bearer {token}"},
                              files={"image": ("x.png", big, "image/png")}, timeout=60)

        def sign_in(_):
            barrier.wait()
            return httpx.post(f"{server.url}{API}/auth/token", timeout=60,
                              data={"username": actors["teacher_b"].username, "password": PASSWORD})

        for fn in (score, sign_in):
            with ThreadPoolExecutor(10) as pool:
                answers = list(pool.map(fn, range(10)))
            statuses = sorted(r.status_code for r in answers)
            assert set(statuses) <= {200, 503} and 200 in statuses and 503 in statuses, statuses
            assert all(int(r.headers["retry-after"]) >= 1 for r in answers if r.status_code == 503)
    finally:
        server.stop()


def test_login_helper_still_works(live_server, db_factory):
    """Regression guard for the fixtures: a fresh account signs in (hash gate, throttle)."""
    user = make_user(db_factory, "student")
    assert login(live_server, user.username)

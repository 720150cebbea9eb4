"""Generated requests for every operation of the OpenAPI schema: whatever comes in, no 5xx.

Schemathesis builds valid requests (positive) and requests that break the schema (negative:
wrong types, out-of-range numbers, missing fields, odd strings) for each operation, sent as each
kind of caller. It runs against its own server on a fresh database, with throttles opened up
(it would otherwise spend its budget on 429s, and leave locked-out rows for other tests), and it
is bounded: a fixed number of examples per operation and a time budget per backend.
"""

from __future__ import annotations

import time

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from ombro_contract.card import card_path_for
from server import crud
from server.core.db import make_engine, make_sessionmaker, session_scope
from tests.model_factory import make_tiny_model

from .conftest import PASSWORD, LiveServer, unique

EXAMPLES_PER_OPERATION = 40
BUDGET_S = 60.0
OPEN_THROTTLES = {
    "OMBRO_LOGIN_MAX_FAILURES": "100000", "OMBRO_LOGIN_MAX_FAILURES_PER_IP": "100000",
    "OMBRO_JOIN_MAX_FAILURES_PER_IP": "100000", "OMBRO_JOIN_MAX_FAILURES_GLOBAL": "100000",
}


@pytest.fixture
def fuzz_server(fresh_db_url, tmp_path):
    server = LiveServer(tmp_path / "data", fresh_db_url, extra_env=OPEN_THROTTLES).start()
    engine = make_engine(fresh_db_url)
    tokens: dict[str, str | None] = {"anon": None}
    with session_scope(make_sessionmaker(engine)) as s:
        for role in ("student", "teacher", "maintainer"):
            user = crud.create_user(s, unique(role[:3]), PASSWORD, role)
            tokens[role], _ = crud.issue_token(s, user, ttl_hours=1)
    engine.dispose()
    path = tmp_path / "fuzz.onnx"
    make_tiny_model(path, version="fuzz-1", arch="mobilenet_v2")
    with server.client(tokens["maintainer"]) as m:
        assert m.post("/models", files={"file": ("fuzz.onnx", path.read_bytes())},
                      data={"card": card_path_for(path).read_text()}).status_code == 201
        m.post("/channels/stable/promote", json={"version": "fuzz-1"}).raise_for_status()
    with server.client(tokens["teacher"]) as t:
        t.post("/classes", json={"name": "fuzz"}).raise_for_status()
    try:
        yield server, tokens
    finally:
        server.stop()


@pytest.mark.slow
def test_generated_requests_never_get_a_server_error(fuzz_server):
    server, tokens = fuzz_server
    raw = httpx.get(f"{server.url}/openapi.json").json()
    operations = [result.ok() for result in schemathesis.openapi.from_dict(raw).get_all_operations()]
    # Logout takes nothing but the bearer token, and would revoke the probe's own tokens.
    operations = [op for op in operations if op.path != "/api/v1/auth/logout"]
    assert len(operations) >= 15
    deadline = time.monotonic() + BUDGET_S
    failures: list[str] = []
    sent = 0

    def fuzz(operation, mode) -> None:
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode),
               role=st.sampled_from(sorted(tokens)))
        def probe(case, role):
            nonlocal sent
            headers = {"Authorization": f"Bearer {tokens[role]}"} if tokens[role] else {}
            response = case.call(base_url=server.url, headers=headers, timeout=30)
            sent += 1
            if response.status_code >= 500:
                failures.append(f"{operation.label} as {role}: {response.status_code} "
                                f"{response.text[:200]} <- {case.as_curl_command()[:400]}")

        try:
            probe()
        except Unsatisfiable:  # nothing to break in this operation (negative mode)
            pass

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if time.monotonic() < deadline:
                fuzz(operation, mode)

    assert sent >= len(operations) * 4, f"only {sent} requests were sent"
    assert not failures, "\n".join(failures[:10])

"""The role/ownership matrix against a real server: every endpoint, every role, expected status.

Actors: anonymous, two students and two teachers (each student in one teacher's class) and a
maintainer. Resources belong to teacher A / student A, so B-side actors probe someone else's data.
"""

from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime

import numpy as np
import pytest
from PIL import Image

from ombro_contract.card import card_path_for
from server import crud
from server.core.db import make_engine, make_sessionmaker, session_scope
from tests.model_factory import make_tiny_model

from .conftest import unique

ROLES = ("anon", "student_a", "student_b", "teacher_a", "teacher_b", "maintainer")


def png_bytes() -> bytes:
    img = np.full((48, 64), 220, np.uint8)
    img[10:40, 20:44] = 20
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def world(live_server, actors, tmp_path_factory):
    """Classes for both teachers, memberships, and a published model on a private channel."""
    ids = {}
    for side in "ab":
        with live_server.client(actors[f"teacher_{side}"].token) as t:
            klass = t.post("/classes", json={"name": f"class {side}"}).json()
        ids[f"class_{side}"], ids[f"join_{side}"] = klass["id"], klass["join_code"]
    # The fixture's students are existing accounts, so membership is added directly; joining by
    # code through the API is tested in test_live_api.py.
    engine = make_engine(live_server.db_url)
    with session_scope(make_sessionmaker(engine)) as s:
        for side in "ab":
            crud.join_class(s, crud.get_class(s, ids[f"class_{side}"]),
                            crud.get_user(s, actors[f"student_{side}"].user_id))
    engine.dispose()
    path = tmp_path_factory.mktemp("matrix") / "m.onnx"
    version = unique("matrix-")
    make_tiny_model(path, version=version, arch="matrix-arch")
    with live_server.client(actors["maintainer"].token) as m:
        r = m.post("/models", files={"file": ("m.onnx", path.read_bytes())},
                   data={"card": card_path_for(path).read_text()})
        assert r.status_code == 201, r.text
        m.post("/channels/matrix/promote", json={"version": version}).raise_for_status()
    ids["version"] = version
    ids["student_a"] = actors["student_a"].user_id
    return ids


def attempts_body():
    return {"attempts": [{
        "id": str(uuid.uuid4()), "puppet": "dog", "predicted": "dog", "confidence": 0.9,
        "hold_seconds": 2.0, "passed": True, "model_version": "v", "device_time":
        datetime.now(UTC).isoformat(),
    }]}


def row(anon, sa, sb, ta, tb, mt):
    return dict(zip(ROLES, (anon, sa, sb, ta, tb, mt)))


# (id, method, path, request kwargs (callable: world -> kwargs), expected per role)
MATRIX = [
    ("me", "GET", "/me", None, row(401, 200, 200, 200, 200, 200)),
    ("create-class", "POST", "/classes", lambda w: {"json": {"name": "x"}}, row(401, 403, 403, 201, 201, 403)),
    ("list-classes", "GET", "/classes", None, row(401, 200, 200, 200, 200, 403)),
    ("get-class", "GET", "/classes/{class_a}", None, row(401, 200, 404, 200, 404, 403)),
    ("class-mastery", "GET", "/classes/{class_a}/mastery", None, row(401, 403, 403, 200, 404, 403)),
    ("class-export", "GET", "/classes/{class_a}/export.csv", None, row(401, 403, 403, 200, 404, 403)),
    ("assign", "POST", "/classes/{class_a}/assignments", lambda w: {"json": {"puppet": "swan"}},
     row(401, 403, 403, 201, 404, 403)),
    ("missing-class", "GET", "/classes/999999", None, row(401, 404, 404, 404, 404, 403)),
    ("attempts", "POST", "/attempts", lambda w: {"json": attempts_body()}, row(401, 200, 200, 403, 403, 403)),
    ("my-progress", "GET", "/students/me/progress", None, row(401, 200, 200, 403, 403, 403)),
    ("student-progress", "GET", "/students/{student_a}/progress", None, row(401, 200, 404, 200, 404, 403)),
    ("list-models", "GET", "/models", None, row(401, 200, 200, 200, 200, 200)),
    ("get-model", "GET", "/models/{version}", None, row(401, 200, 200, 200, 200, 200)),
    ("manifest", "GET", "/models/latest", lambda w: {"params": {"arch": "matrix-arch", "channel": "matrix"}},
     row(401, 200, 200, 200, 200, 200)),
    ("download", "GET", "/models/{version}/download", None, row(401, 200, 200, 200, 200, 200)),
    ("upload-model", "POST", "/models", lambda w: {"files": {"file": ("x.onnx", b"junk")}},
     row(401, 403, 403, 403, 403, 422)),
    ("promote", "POST", "/channels/matrix/promote", lambda w: {"json": {"version": w["version"]}},
     row(401, 403, 403, 403, 403, 200)),
    ("rollback", "POST", "/channels/matrix-empty/rollback", None, row(401, 403, 403, 403, 403, 404)),
    ("channel", "GET", "/channels/matrix", None, row(401, 200, 200, 200, 200, 200)),
    ("score", "POST", "/score", lambda w: {"files": {"image": ("s.png", png_bytes(), "image/png")}},
     row(401, 200, 200, 200, 200, 200)),
]


@pytest.mark.parametrize("name, method, path, kwargs, expected", MATRIX, ids=[m[0] for m in MATRIX])
def test_access_matrix(live_server, actors, world, score_model, name, method, path, kwargs, expected):
    url = path.format(**world)
    got = {}
    for role in ROLES:
        token = None if role == "anon" else actors[role].token
        with live_server.client(token) as c:
            r = c.request(method, url, **(kwargs(world) if kwargs else {}))
        got[role] = r.status_code
        if r.status_code >= 400:
            assert r.json()["detail"], f"{role} {method} {url}: error without a detail"
    assert got == expected


def test_students_never_see_join_codes_or_classmates(live_server, actors, world):
    with live_server.client(actors["student_a"].token) as s:
        (klass,) = [c for c in s.get("/classes").json() if c["id"] == world["class_a"]]
        detail = s.get(f"/classes/{world['class_a']}").json()
    assert klass["join_code"] is None and detail["join_code"] is None
    assert detail["students"] == []
    with live_server.client(actors["teacher_a"].token) as t:
        detail = t.get(f"/classes/{world['class_a']}").json()
    assert detail["join_code"] == world["join_a"]
    assert actors["student_a"].user_id in [s["id"] for s in detail["students"]]

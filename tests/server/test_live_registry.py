"""Model registry against a real server: publish -> manifest -> conditional download -> rollback,
and bad uploads answered with the right 4xx."""

from __future__ import annotations

import hashlib
import json

import pytest

from ombro_contract.card import card_path_for
from ombro_contract.labels import PUPPETS
from tests.model_factory import make_tiny_model

from .conftest import unique


def upload(client, onnx_path, card_text=None, filename=None):
    card = card_text if card_text is not None else card_path_for(onnx_path).read_text()
    return client.post(
        "/models",
        files={"file": (filename or onnx_path.name, onnx_path.read_bytes(), "application/octet-stream")},
        data={"card": card},
    )


def test_publish_manifest_download_rollback_cycle(live_server, actors, tmp_path):
    maint, student = actors["maintainer"], actors["student_a"]
    arch = unique("arch")  # its own arch keeps this test's channel history apart from others
    v1, v2 = unique("v1-"), unique("v2-")
    make_tiny_model(tmp_path / "a.onnx", version=v1, arch=arch, seed=1)
    make_tiny_model(tmp_path / "b.onnx", version=v2, arch=arch, seed=2)
    with live_server.client(maint.token) as m, live_server.client(student.token) as s:
        r = upload(m, tmp_path / "a.onnx")
        assert r.status_code == 201, r.text
        assert r.json()["version"] == v1 and r.json()["channels"] == []
        assert s.get("/models/latest", params={"arch": arch}).status_code == 404  # not promoted yet

        assert m.post("/channels/stable/promote", json={"version": v1}).json()["version"] == v1
        manifest = s.get("/models/latest", params={"arch": arch, "channel": "stable"}).json()
        body = (tmp_path / "a.onnx").read_bytes()
        assert manifest["version"] == v1
        assert manifest["sha256"] == hashlib.sha256(body).hexdigest()
        assert manifest["size_bytes"] == len(body)
        assert manifest["card"]["classes"] == list(PUPPETS)

        url = manifest["download_url"]
        full = s.get(url)
        assert full.status_code == 200 and full.content == body
        etag = full.headers["etag"]
        assert etag == f'"{manifest["sha256"]}"'
        not_modified = s.get(url, headers={"If-None-Match": etag})
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert s.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
        part = s.get(url, headers={"Range": "bytes=10-99"})
        assert part.status_code == 206
        assert part.content == body[10:100]
        assert part.headers["content-range"] == f"bytes 10-99/{len(body)}"
        tail = s.get(url, headers={"Range": "bytes=100-", "If-Range": etag})
        assert tail.status_code == 206 and tail.content == body[100:]  # resume a download

        assert upload(m, tmp_path / "b.onnx").status_code == 201
        m.post("/channels/stable/promote", json={"version": v2}).raise_for_status()
        assert s.get("/models/latest", params={"arch": arch}).json()["version"] == v2
        listed = {x["version"]: x["channels"] for x in s.get("/models").json()}
        assert listed[v2] == ["stable"] and listed[v1] == []

        r = m.post("/channels/stable/rollback", params={"arch": arch})
        assert r.status_code == 200 and r.json()["version"] == v1
        assert s.get("/models/latest", params={"arch": arch}).json()["version"] == v1
        again = m.post("/channels/stable/rollback", params={"arch": arch})
        assert again.status_code == 409  # nothing older to go back to
        assert "promote" in again.json()["detail"]

        # Versions are immutable: the same version cannot be uploaded twice.
        dup = upload(m, tmp_path / "a.onnx")
        assert dup.status_code == 409 and "immutable" in dup.json()["detail"]
        # Students may download but never publish or move channels.
        assert upload(s, tmp_path / "b.onnx").status_code == 403
        assert s.post("/channels/stable/promote", json={"version": v2}).status_code == 403


def test_text_file_named_onnx_is_415(live_server, actors, tmp_path):
    fake = tmp_path / "model.onnx"
    fake.write_text("this is not a model, just some text\n" * 20)
    card = make_tiny_model(tmp_path / "real.onnx", version=unique("fake-"))
    card = card.model_copy(update={"sha256": hashlib.sha256(fake.read_bytes()).hexdigest(),
                                   "size_bytes": fake.stat().st_size})
    with live_server.client(actors["maintainer"].token) as m:
        r = upload(m, fake, card.model_dump_json())
        assert r.status_code == 415, r.text
        assert "not an ONNX model" in r.json()["detail"]
        assert card.version not in {x["version"] for x in m.get("/models").json()}


def test_onnx_with_ten_classes_is_422(live_server, actors, tmp_path):
    ver = unique("ten-")
    make_tiny_model(tmp_path / "ten.onnx", version=ver, num_outputs=10)  # card claims 15
    with live_server.client(actors["maintainer"].token) as m:
        r = upload(m, tmp_path / "ten.onnx")
        assert r.status_code == 422, r.text
        assert "10" in r.json()["detail"] and "15" in r.json()["detail"]
        assert ver not in {x["version"] for x in m.get("/models").json()}


def test_card_with_ten_classes_is_422(live_server, actors, tmp_path):
    make_tiny_model(tmp_path / "x.onnx", version=unique("cls-"), classes=PUPPETS[:10])
    card = json.loads(card_path_for(tmp_path / "x.onnx").read_text())
    with live_server.client(actors["maintainer"].token) as m:
        r = upload(m, tmp_path / "x.onnx", json.dumps(card))
        assert r.status_code == 422
        assert "classes" in r.json()["detail"]


@pytest.mark.parametrize("defect", ["checksum", "not-json", "missing-card"])
def test_bad_cards_are_422(live_server, actors, tmp_path, defect):
    make_tiny_model(tmp_path / "m.onnx", version=unique("card-"))
    card = json.loads(card_path_for(tmp_path / "m.onnx").read_text())
    with live_server.client(actors["maintainer"].token) as m:
        if defect == "checksum":
            card["sha256"] = "0" * 64
            r = upload(m, tmp_path / "m.onnx", json.dumps(card))
        elif defect == "not-json":
            r = upload(m, tmp_path / "m.onnx", "{not json")
        else:
            r = m.post("/models", files={"file": ("m.onnx", (tmp_path / "m.onnx").read_bytes())})
        assert r.status_code == 422, r.text
        assert r.json()["detail"]


def test_missing_model_file_is_503_without_server_paths(live_server, actors, tmp_path):
    """A file gone from the store is the server's problem: 503 with Retry-After, and the client
    is not told where the server keeps its files (the log is)."""
    maint, student = actors["maintainer"], actors["student_a"]
    version = unique("gone-")
    make_tiny_model(tmp_path / "g.onnx", version=version, arch=unique("arch"))
    with live_server.client(maint.token) as m:
        assert upload(m, tmp_path / "g.onnx").status_code == 201
    (stored,) = (live_server.data_dir / "models").glob(f"{version}.*.onnx")
    stored.unlink()
    with live_server.client(student.token) as s:
        r = s.get(f"/models/{version}/download")
    assert r.status_code == 503 and r.headers["retry-after"] == "30"
    assert "tell a maintainer" in r.json()["detail"]
    assert str(live_server.data_dir) not in r.text

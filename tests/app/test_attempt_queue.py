import json
import uuid

import httpx
import pytest

from app.attempt_queue import (
    AttemptQueue,
    AuthExpiredError,
    Backoff,
    SyncError,
    sync_pending,
)
from ombro_contract.errors import UnknownPuppetError


class FakeAttemptsServer:
    """An idempotent POST /attempts like the real one, with switchable failures."""

    def __init__(self):
        self.stored: dict[str, dict] = {}
        self.posts = 0
        self.fail_with: int | None = None
        self.down = False
        self.reject_puppet: str | None = None

    def handler(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        self.posts += 1
        if request.headers.get("authorization") != "Bearer good":
            return httpx.Response(401, json={"detail": "sign in"})
        if self.fail_with:
            return httpx.Response(self.fail_with, json={"detail": "busy"})
        attempts = json.loads(request.content)["attempts"]
        if any(a["puppet"] == self.reject_puppet for a in attempts):
            return httpx.Response(422, json={"detail": "bad attempt"})
        accepted, dups = [], []
        for a in attempts:
            uuid.UUID(a["id"], version=4)
            (dups if a["id"] in self.stored else accepted).append(a["id"])
            self.stored.setdefault(a["id"], a)
        return httpx.Response(200, json={"accepted": accepted, "duplicates": dups})

    def client(self):
        return httpx.Client(base_url="http://ombro.test", transport=httpx.MockTransport(self.handler))


def record(q, puppet="dog", passed=True, owner="u1"):
    return q.record(puppet=puppet, predicted=puppet, confidence=0.9, hold_seconds=2.1,
                    passed=passed, model_version="v1", owner=owner)


def test_record_persists_with_uuid4_and_iso_time(tmp_path):
    q = AttemptQueue(tmp_path / "a.db")
    a = record(q)
    assert uuid.UUID(a.id).version == 4
    assert "+00:00" in a.device_time
    again = AttemptQueue(tmp_path / "a.db")  # a new process opening the same file
    assert [x.id for x in again.pending("u1")] == [a.id]
    assert again.counts("u1") == {"total": 1, "pending": 1, "synced": 0, "rejected": 0}


def test_record_rejects_unknown_puppet_and_stores_nothing(tmp_path):
    q = AttemptQueue(tmp_path / "a.db")
    with pytest.raises(UnknownPuppetError):
        record(q, puppet="unicorn")
    assert q.counts()["total"] == 0


def test_sync_sends_each_attempt_once_and_is_idempotent(tmp_path):
    q, server = AttemptQueue(tmp_path / "a.db"), FakeAttemptsServer()
    ids = {record(q).id for _ in range(3)}
    report = sync_pending(q, server.client(), "good", "u1")
    assert set(report.accepted) == ids and report.duplicates == []
    assert q.counts("u1")["pending"] == 0
    assert sync_pending(q, server.client(), "good", "u1").synced == 0  # nothing left to send
    assert set(server.stored) == ids


def test_lost_reply_is_resolved_as_duplicate(tmp_path):
    """The server stored the batch but the app died before marking it: resend, stored once."""
    q, server = AttemptQueue(tmp_path / "a.db"), FakeAttemptsServer()
    a = record(q)
    server.stored[a.id] = a.payload()
    report = sync_pending(q, server.client(), "good", "u1")
    assert report.duplicates == [a.id] and report.accepted == []
    assert len(server.stored) == 1 and q.counts("u1")["synced"] == 1


def test_network_down_keeps_everything_queued(tmp_path):
    q, server = AttemptQueue(tmp_path / "a.db"), FakeAttemptsServer()
    record(q)
    server.down = True
    with pytest.raises(SyncError):
        sync_pending(q, server.client(), "good", "u1")
    assert q.counts("u1")["pending"] == 1
    server.fail_with = 503
    server.down = False
    with pytest.raises(SyncError, match="busy"):
        sync_pending(q, server.client(), "good", "u1")
    server.fail_with = None
    assert sync_pending(q, server.client(), "good", "u1").synced == 1


def test_expired_token_raises_auth_error_and_keeps_queue(tmp_path):
    q, server = AttemptQueue(tmp_path / "a.db"), FakeAttemptsServer()
    record(q)
    with pytest.raises(AuthExpiredError):
        sync_pending(q, server.client(), "stale", "u1")
    assert q.counts("u1")["pending"] == 1


def test_one_invalid_attempt_is_set_aside_not_blocking_the_rest(tmp_path):
    q, server = AttemptQueue(tmp_path / "a.db"), FakeAttemptsServer()
    good = [record(q).id for _ in range(2)]
    bad = record(q, puppet="crab").id
    server.reject_puppet = "crab"
    report = sync_pending(q, server.client(), "good", "u1")
    assert set(report.accepted) == set(good)
    assert list(report.rejected) == [bad] and "bad attempt" in report.rejected[bad]
    counts = q.counts("u1")
    assert counts == {"total": 3, "pending": 0, "synced": 2, "rejected": 1}
    assert any(a.id == bad and a.rejected for a in q.history("u1"))  # kept locally


def test_only_the_signed_in_owner_is_synced(tmp_path):
    q, server = AttemptQueue(tmp_path / "a.db"), FakeAttemptsServer()
    mine = record(q, owner="u1").id
    record(q, owner="guest")
    record(q, owner="u2")
    report = sync_pending(q, server.client(), "good", "u1")
    assert report.accepted == [mine]
    assert q.counts("guest")["pending"] == 1


def test_large_queue_goes_in_batches_of_500(tmp_path):
    q, server = AttemptQueue(tmp_path / "a.db"), FakeAttemptsServer()
    template = record(q)
    with q._connect() as db:  # 500 more in one transaction: one fsync instead of 500
        db.executemany(
            "INSERT INTO attempts (id, owner, puppet, predicted, confidence, hold_seconds, passed,"
            " model_version, device_time) VALUES (?, 'u1', 'dog', 'dog', 0.9, 2.0, 1, 'v1', ?)",
            [(str(uuid.uuid4()), template.device_time) for _ in range(500)],
        )
    report = sync_pending(q, server.client(), "good", "u1")
    assert len(report.accepted) == 501 and server.posts == 2


def test_backoff_grows_with_jitter_and_caps():
    b = Backoff(base_s=1.0, cap_s=8.0)
    delays = [b.next_delay() for _ in range(6)]
    for i, d in enumerate(delays):
        full = min(8.0, 2**i)
        assert full / 2 <= d <= full
    b.reset()
    assert b.next_delay() <= 1.0


def test_forget_deletes_local_history(tmp_path):
    q = AttemptQueue(tmp_path / "a.db")
    record(q, owner="u1")
    record(q, owner="u2")
    assert q.forget("u1") == 1
    assert q.counts()["total"] == 1


def test_shape_match_and_hint_are_kept_and_sent_only_when_measured(tmp_path):
    q, server = AttemptQueue(tmp_path / "a.db"), FakeAttemptsServer()
    shaped = q.record(puppet="rabbit", predicted="rabbit", confidence=0.7, hold_seconds=0.5,
                      passed=False, model_version="v1", owner="u1", shape_match=0.8312, hint="ears")
    plain = record(q)
    again = {a.id: a for a in AttemptQueue(tmp_path / "a.db").history("u1")}
    assert (again[shaped.id].shape_match, again[shaped.id].hint) == (0.8312, "ears")
    assert (again[plain.id].shape_match, again[plain.id].hint) == (None, None)
    sync_pending(q, server.client(), "good", "u1")
    assert server.stored[shaped.id]["shape_match"] == 0.8312
    assert server.stored[shaped.id]["hint"] == "ears"
    assert "shape_match" not in server.stored[plain.id] and "hint" not in server.stored[plain.id]


def test_a_queue_from_before_shape_feedback_is_upgraded_in_place(tmp_path):
    """A phone updating the app keeps its attempts.db: old rows stay, new columns appear."""
    import sqlite3

    db = sqlite3.connect(tmp_path / "a.db")
    db.executescript("""
        CREATE TABLE attempts (id TEXT PRIMARY KEY, owner TEXT NOT NULL, puppet TEXT NOT NULL,
            predicted TEXT, confidence REAL NOT NULL, hold_seconds REAL NOT NULL,
            passed INTEGER NOT NULL, stars INTEGER NOT NULL DEFAULT 0,
            model_version TEXT NOT NULL, device_time TEXT NOT NULL, synced_at TEXT,
            tries INTEGER NOT NULL DEFAULT 0, rejected TEXT);
        INSERT INTO attempts (id, owner, puppet, predicted, confidence, hold_seconds, passed,
            model_version, device_time) VALUES ('old-1', 'u1', 'dog', 'dog', 0.9, 2.0, 1, 'v0',
            '2026-05-01T10:00:00+00:00');
    """)
    db.close()
    q = AttemptQueue(tmp_path / "a.db")
    (old,) = q.history("u1")
    assert old.id == "old-1" and old.shape_match is None and old.hint is None
    new = q.record(puppet="dog", predicted="dog", confidence=0.9, hold_seconds=2.0, passed=True,
                   model_version="v1", owner="u1", shape_match=0.95)
    assert {a.id: a.shape_match for a in AttemptQueue(tmp_path / "a.db").history("u1")} == \
        {"old-1": None, new.id: 0.95}

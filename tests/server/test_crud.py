"""Database operations on SQLite and PostgreSQL (no HTTP)."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest

from server import crud
from server.core.db import make_engine, migrate, session_scope
from server.crud.attempts import AttemptIn
from server.crud.progress import class_mastery, student_progress
from server.crud.users import ThrottlePolicy
from server.models import ApiToken

from .conftest import PASSWORD, make_user, unique


def attempt(passed=True, puppet="dog", when=None, aid=None):
    return AttemptIn(
        id=aid or str(uuid.uuid4()), puppet=puppet, predicted=puppet if passed else "cow",
        confidence=0.9 if passed else 0.3, hold_seconds=2.0, passed=passed, model_version="v1",
        device_time=when or datetime.now(UTC),
    )


def test_attempt_sync_is_idempotent(db_factory):
    student = make_user(db_factory, "student")
    batch = [attempt(), attempt(False), attempt()]
    with session_scope(db_factory) as s:
        accepted, dups = crud.add_attempts(s, student.id, batch + [batch[0]])
    assert accepted == [a.id for a in batch]
    assert dups == [batch[0].id]
    with session_scope(db_factory) as s:
        accepted, dups = crud.add_attempts(s, student.id, batch)
    assert accepted == [] and dups == [a.id for a in batch]
    with db_factory() as s:
        assert len(crud.attempts_for_students(s, [student.id])) == 3


def test_concurrent_retries_store_each_attempt_once(db_factory):
    student = make_user(db_factory, "student")
    batch = [attempt() for _ in range(20)]

    def sync(_):
        with session_scope(db_factory) as s:
            return crud.add_attempts(s, student.id, batch)[0]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(sync, range(4)))
    assert sorted(i for r in results for i in r) == sorted(a.id for a in batch)
    with db_factory() as s:
        assert len(crud.attempts_for_students(s, [student.id])) == 20


def test_device_time_round_trips_as_aware_utc(db_factory):
    student = make_user(db_factory, "student")
    local = datetime(2026, 3, 1, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    with session_scope(db_factory) as s:
        crud.add_attempts(s, student.id, [attempt(when=local)])
    with db_factory() as s:
        (row,) = crud.attempts_for_students(s, [student.id])
    assert row.device_time == local and row.device_time.utcoffset() == timedelta(0)


def test_progress_and_class_mastery(db_factory):
    teacher = make_user(db_factory, "teacher")
    students = [make_user(db_factory, "student") for _ in range(2)]
    now = datetime.now(UTC)
    with session_scope(db_factory) as s:
        klass = crud.create_class(s, teacher, "4B")
        for st in students:
            crud.join_class(s, klass, st)
        crud.add_assignment(s, klass, "swan", None)
        crud.add_attempts(s, students[0].id, [attempt(True, "dog", now - timedelta(minutes=10 - i)) for i in range(4)])
        crud.add_attempts(s, students[1].id, [attempt(False, "swan", now - timedelta(minutes=10 - i)) for i in range(5)])
    with db_factory() as s:
        p0 = student_progress(s, students[0])
        assert p0.puppets["dog"].mastery == pytest.approx(0.8)
        assert p0.puppets["dog"].level.value == "mastered"
        assert p0.streak_days == 1 and p0.needs_help == []
        assigned, rows = class_mastery(s, crud.get_class(s, klass.id))
    assert assigned == ["swan"]
    by_id = {st.id: summary for st, summary in rows}
    assert set(by_id) == {st.id for st in students}
    assert [(r.kind, r.puppet) for r in by_id[students[1].id].needs_help] == [("fail_streak", "swan")]


def test_authenticate_and_throttle(db_factory):
    user = make_user(db_factory, "teacher")
    policy = ThrottlePolicy(max_failures=3, window_s=60, lockout_s=60)
    with session_scope(db_factory) as s:
        assert crud.authenticate(s, user.username.upper(), PASSWORD, "10.0.0.1", policy).id == user.id
    for _ in range(3):
        with session_scope(db_factory) as s:
            assert crud.authenticate(s, user.username, "wrong", "10.0.0.1", policy) is None
    with pytest.raises(crud.LoginThrottled) as info, session_scope(db_factory) as s:
        crud.authenticate(s, user.username, PASSWORD, "10.0.0.2", policy)
    assert 0 < info.value.retry_after <= 61
    with session_scope(db_factory) as s:  # an unknown user is throttled the same way
        assert crud.authenticate(s, unique("ghost"), "x", None, policy) is None


def test_tokens_expire_and_revoke(db_factory):
    user = make_user(db_factory, "student")
    with session_scope(db_factory) as s:
        live, _ = crud.issue_token(s, user, ttl_hours=1)
        expired, row = crud.issue_token(s, user, ttl_hours=1)
        s.get(ApiToken, row.id).expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with session_scope(db_factory) as s:
        assert crud.resolve_token(s, live).user_id == user.id
        assert crud.resolve_token(s, expired) is None
        assert crud.resolve_token(s, live, kind="session") is None
        assert crud.revoke_token(s, live)
    with db_factory() as s:
        assert crud.resolve_token(s, live) is None


def test_migrations_match_the_models(db_factory):
    """The Alembic head creates exactly the tables in server/models.py (no forgotten revision)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server.models import Base

    with db_factory.kw["bind"].connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_attempts_stored_before_shape_feedback_survive_the_upgrade(tmp_path):
    """Revision 0002 adds the shape columns to a database that already holds attempts."""
    from alembic import command
    from sqlalchemy import text

    from server.core.db import alembic_config

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = make_engine(url)
    with engine.begin() as conn:
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text(
            "INSERT INTO users (id, username, display_name, role, password_hash, is_active,"
            " created_at) VALUES (1, 'kid', 'Kid', 'student', 'x', 1, '2026-05-01 10:00:00')"))
        conn.execute(text(
            "INSERT INTO attempts (id, student_id, puppet, predicted, confidence, hold_seconds,"
            " passed, model_version, device_time, received_at) VALUES ('a1', 1, 'dog', 'dog',"
            " 0.9, 2.0, 1, 'v0', '2026-05-01 10:00:00', '2026-05-01 10:00:01')"))
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, shape_match, hint FROM attempts")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("a1", None, None)]

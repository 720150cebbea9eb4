"""Try counters, create-if-absent and housekeeping on SQLite and PostgreSQL, under concurrency
(threads with their own sessions, as a server's worker threads or processes would be)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from server import crud
from server.core.db import session_scope
from server.crud import throttle
from server.crud.classes import JoinPolicy
from server.crud.throttle import Limit, throttle_key
from server.crud.tokens import purge_tokens
from server.crud.users import ThrottlePolicy, UsernameTakenError
from server.models import ApiToken, LoginThrottle, Membership, User

from .conftest import PASSWORD, make_user, unique


def parallel(n, fn):
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(lambda i: _outcome(fn, i), range(n)))


def _outcome(fn, i):
    try:
        return fn(i)
    except Exception as exc:  # noqa: BLE001 -- the test inspects what each thread got
        return exc


def test_take_counts_locks_and_resets(db_factory):
    key, limit = throttle_key("test", unique("k")), Limit(max_tries=3, window_s=60, lockout_s=30)
    t0 = datetime(2030, 1, 1, tzinfo=UTC)
    with session_scope(db_factory) as s:
        assert [throttle.take(s, key, limit, t0) for _ in range(3)] == [None, None, None]
        throttle.give_back(s, key, limit)  # the 3rd was legitimate: under the limit, no lock
        assert s.get(LoginThrottle, key).locked_until is None
        assert throttle.take(s, key, limit, t0) is None  # the 3rd try again, locks till t0+30
        assert throttle.take(s, key, limit, t0 + timedelta(seconds=10)) == 20
        assert throttle.take(s, key, limit, t0 + timedelta(seconds=12)) == 18
        # The lock ends: counting starts again.
        assert throttle.take(s, key, limit, t0 + timedelta(seconds=42)) is None
        row = s.get(LoginThrottle, key)
        assert row.failures == 1 and row.locked_until is None
        # A quiet window ends too.
        assert throttle.take(s, key, limit, t0 + timedelta(seconds=200)) is None
        assert s.get(LoginThrottle, key).failures == 1


def test_twenty_parallel_wrong_passwords_get_at_most_the_limit_checked(db_factory):
    user = make_user(db_factory, "teacher")
    policy = ThrottlePolicy(max_failures=5, max_failures_per_ip=1000, window_s=600, lockout_s=600)

    def guess(i):
        with session_scope(db_factory) as s:
            return crud.authenticate(s, user.username, f"wrong-{i}", "10.9.8.7", policy)

    outcomes = parallel(20, guess)
    checked = [o for o in outcomes if o is None]
    throttled = [o for o in outcomes if isinstance(o, crud.LoginThrottled)]
    assert len(checked) == 5 and len(throttled) == 15, outcomes
    # Even the right password waits out the lock now.
    with pytest.raises(crud.LoginThrottled), session_scope(db_factory) as s:
        crud.authenticate(s, user.username, PASSWORD, "10.1.1.1", policy)


def test_throttle_rows_are_fixed_size_and_expire(db_factory):
    policy = ThrottlePolicy(max_failures=5, window_s=60, lockout_s=60)
    long_name = "x" * 10_000
    with session_scope(db_factory) as s:
        assert crud.authenticate(s, long_name, "pw", "10.2.2.2", policy) is None
    with db_factory() as s:
        keys = [k for k in s.scalars(select(LoginThrottle.key))
                if k in (throttle_key("user", long_name), throttle_key("ip", "10.2.2.2"))]
        assert len(keys) == 2 and all(len(k) <= 60 for k in keys)
    later = datetime.now(UTC) + timedelta(seconds=61)
    with session_scope(db_factory) as s:
        assert throttle.purge_expired(s, later, 60) >= 2
    with db_factory() as s:
        assert s.get(LoginThrottle, keys[0]) is None and s.get(LoginThrottle, keys[1]) is None


def test_a_locked_row_survives_the_purge_until_its_lock_ends(db_factory):
    key, limit = throttle_key("test", unique("k")), Limit(max_tries=1, window_s=10, lockout_s=3600)
    now = datetime.now(UTC)
    with session_scope(db_factory) as s:
        throttle.take(s, key, limit, now)
        assert throttle.purge_expired(s, now + timedelta(seconds=60), 10) >= 0
        assert s.get(LoginThrottle, key) is not None  # still locked: kept
        throttle.purge_expired(s, now + timedelta(seconds=3601), 10)
        assert s.get(LoginThrottle, key) is None


def test_expired_and_revoked_tokens_are_purged(db_factory):
    user = make_user(db_factory, "student")
    with session_scope(db_factory) as s:
        live, _ = crud.issue_token(s, user, ttl_hours=1)
        revoked, _ = crud.issue_token(s, user, ttl_hours=1)
        crud.revoke_token(s, revoked)
        _, old = crud.issue_token(s, user, ttl_hours=1)
        old.expires_at = datetime.now(UTC) - timedelta(seconds=1)
    with session_scope(db_factory) as s:
        assert purge_tokens(s, datetime.now(UTC)) >= 2
    with db_factory() as s:
        mine = s.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
        assert len(mine) == 1 and crud.resolve_token(s, live) is not None


def test_join_codes_are_throttled_per_client_and_globally(db_factory):
    teacher = make_user(db_factory, "teacher")
    with session_scope(db_factory) as s:
        klass = crud.create_class(s, teacher, "throttle")
    # Its own global budget: other tests share the database's global key.
    policy = JoinPolicy(max_failures_per_ip=3, max_failures_global=10_000, window_s=60, lockout_s=60)
    client = f"10.3.{unique('')[:2]}"

    def try_code(code, who=client, pol=policy):
        with session_scope(db_factory) as s:
            return crud.class_for_join_code(s, code, who, pol)

    assert try_code(klass.join_code).id == klass.id  # right codes are given back...
    assert try_code(klass.join_code.lower()).id == klass.id
    assert [try_code("WRONG123") for _ in range(3)] == [None] * 3  # ...wrong ones count
    with pytest.raises(crud.JoinThrottled):
        try_code(klass.join_code)
    assert try_code(klass.join_code, who="10.4.4.4").id == klass.id  # another client is fine


def test_global_join_budget_stops_guessing_from_many_addresses(db_factory, monkeypatch):
    # Point the global counter at a key of this test's own.
    salt = unique("g")
    monkeypatch.setattr(crud.classes, "throttle_key",
                        lambda kind, value: throttle_key(kind, value + salt))
    policy = JoinPolicy(max_failures_per_ip=100, max_failures_global=5, window_s=60, lockout_s=60)

    def guess(i):
        with session_scope(db_factory) as s:
            return crud.class_for_join_code(s, "GUESS234", f"10.5.0.{i}", policy)

    outcomes = [_outcome(guess, i) for i in range(8)]
    assert outcomes[:5] == [None] * 5
    assert all(isinstance(o, crud.JoinThrottled) for o in outcomes[5:])


def test_concurrent_creates_of_one_username_give_one_user(db_factory):
    name = unique("race")

    def create(_):
        with session_scope(db_factory) as s:
            return crud.create_user(s, name, PASSWORD, "student").id

    outcomes = parallel(8, create)
    ids = [o for o in outcomes if isinstance(o, int)]
    assert len(ids) == 1, outcomes
    assert all(isinstance(o, UsernameTakenError) for o in outcomes if not isinstance(o, int))
    with db_factory() as s:
        assert s.scalar(select(User.id).where(User.username == name)) == ids[0]


def test_concurrent_joins_of_one_class_give_one_membership(db_factory):
    teacher, student = make_user(db_factory, "teacher"), make_user(db_factory, "student")
    with session_scope(db_factory) as s:
        klass = crud.create_class(s, teacher, "join race")

    def join(_):
        with session_scope(db_factory) as s:
            return crud.join_class(s, crud.get_class(s, klass.id), crud.get_user(s, student.id)).id

    outcomes = parallel(8, join)
    assert len(set(outcomes)) == 1 and isinstance(outcomes[0], int), outcomes
    with db_factory() as s:
        rows = s.scalars(select(Membership).where(Membership.student_id == student.id)).all()
    assert len(rows) == 1

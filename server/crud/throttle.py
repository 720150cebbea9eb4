"""Atomic try counters in the database, shared by every server process: login and join throttles.

A try is counted *before* it is checked (one `INSERT ... ON CONFLICT DO UPDATE ... RETURNING`
statement, atomic on SQLite and PostgreSQL), and given back when it turns out to be legitimate.
Counting first is what makes the limit hold under concurrency: 20 parallel wrong passwords get
tries 1..20 from the database, the first `max_tries` are checked, the rest are refused at once.
Counting failures after the (slow) password check let all 20 through before the first one was
recorded.

Rows are keyed by a hash of what they count ("user:<sha256>", "ip:<sha256>"), so a long or odd
username costs one fixed-size row, and rows whose window and lock are over are purged
(`purge_expired`); until then they are reset on the next try anyway.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, case, delete, or_, update
from sqlalchemy.orm import Session

from ..models import LoginThrottle, UTCDateTime
from .sql import dialect_insert


@dataclass(frozen=True)
class Limit:
    """At most `max_tries` counted tries per `window_s`; the last one locks for `lockout_s`."""

    max_tries: int
    window_s: int
    lockout_s: int


def throttle_key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{kind}:{digest[:48]}"


def take(session: Session, key: str, limit: Limit, now: datetime) -> int | None:
    """Count one try; None when it may go ahead, else the seconds until tries are allowed again.

    Flushes only: commit before doing the slow check, so that concurrent tries see this one.
    """
    t = LoginThrottle
    lock = bindparam("lock_until", now + timedelta(seconds=limit.lockout_s), type_=UTCDateTime())
    over = or_(
        and_(t.locked_until.is_not(None), t.locked_until <= now),
        and_(t.locked_until.is_(None), t.window_start <= now - timedelta(seconds=limit.window_s)),
    )
    first_locks = limit.max_tries <= 1
    stmt = (
        dialect_insert(session, t)
        .values(key=key, failures=1, window_start=now,
                locked_until=now + timedelta(seconds=limit.lockout_s) if first_locks else None)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((over, 1), else_=t.failures + 1),
                "window_start": case((over, now), else_=t.window_start),
                "locked_until": case(
                    (over, lock if first_locks else None),
                    (and_(t.locked_until.is_(None), t.failures + 1 >= limit.max_tries), lock),
                    else_=t.locked_until,
                ),
            },
        )
        .returning(t.failures, t.locked_until)
    )
    tries, locked_until = session.execute(stmt).one()
    if tries <= limit.max_tries:
        return None
    if locked_until is None:  # max_tries changed while a window was open: lock from now
        return limit.lockout_s
    return max(1, math.ceil((locked_until - now).total_seconds()))


def give_back(session: Session, key: str, limit: Limit) -> None:
    """Uncount a try that turned out legitimate (a right join code, a refused-anyway try)."""
    t = LoginThrottle
    session.execute(
        update(t)
        .where(t.key == key, t.failures > 0)
        .values(
            failures=t.failures - 1,
            locked_until=case((t.failures - 1 < limit.max_tries, None), else_=t.locked_until),
        )
    )


def clear(session: Session, key: str) -> None:
    """Forget every try on this key (a successful sign-in resets its username's count)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def purge_expired(session: Session, now: datetime, max_window_s: int) -> int:
    """Delete rows whose window and lock are both over (the next try would reset them anyway)."""
    t = LoginThrottle
    result = session.execute(
        delete(t).where(
            or_(t.locked_until.is_(None), t.locked_until <= now),
            t.window_start <= now - timedelta(seconds=max_window_s),
        )
    )
    return result.rowcount or 0

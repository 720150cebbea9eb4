"""Users, password checks and the login throttle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.security import hash_password, needs_rehash, verify_password
from ..models import LoginThrottle, Role, User, utcnow


class UsernameTakenError(ValueError):
    pass


class LoginThrottled(Exception):
    """Too many failed logins; `retry_after` seconds until the next try is allowed."""

    def __init__(self, retry_after: int):
        super().__init__(f"too many failed logins: try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int = 5
    max_failures_per_ip: int = 50
    window_s: int = 900
    lockout_s: int = 900


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def create_user(
    session: Session, username: str, password: str, role: Role | str, display_name: str = ""
) -> User:
    username = username.strip().lower()
    if get_user_by_username(session, username) is not None:
        raise UsernameTakenError(f"username {username!r} is taken: choose another one")
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=Role(role).value,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def _check_lock(session: Session, key: str, now: datetime) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None and row.locked_until is not None and row.locked_until > now:
        raise LoginThrottled(max(1, int((row.locked_until - now).total_seconds()) + 1))


def _record_failure(session: Session, key: str, now: datetime, policy: ThrottlePolicy) -> None:
    row = session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now)
        session.add(row)
    if now - row.window_start > timedelta(seconds=policy.window_s):
        row.failures, row.window_start, row.locked_until = 0, now, None
    row.failures += 1
    limit = policy.max_failures_per_ip if key.startswith("ip:") else policy.max_failures
    if row.failures >= limit:
        row.locked_until = now + timedelta(seconds=policy.lockout_s)
    session.flush()


def authenticate(
    session: Session,
    username: str,
    password: str,
    client: str | None = None,
    policy: ThrottlePolicy | None = None,
) -> User | None:
    """The active user with these credentials, or None.

    Raises `LoginThrottled` while the username or the client address is locked out. Failures are
    flushed in the caller's session: commit it even when this returns None, or the throttle
    forgets them.
    """
    policy = policy or ThrottlePolicy()
    now = utcnow()
    keys = [f"user:{username.strip().lower()}"] + ([f"ip:{client}"] if client else [])
    for key in keys:
        _check_lock(session, key, now)
    user = get_user_by_username(session, username)
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        for key in keys:
            _record_failure(session, key, now, policy)
        return None
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is not None and key.startswith("user:"):
            session.delete(row)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return user

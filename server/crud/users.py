"""Users, password checks and the login throttle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core.security import hash_password, needs_rehash, verify_password
from ..models import Role, User, utcnow
from . import throttle
from .sql import insert_if_absent
from .throttle import Limit, throttle_key


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
    """A new account; `UsernameTakenError` if the name exists, also when a concurrent request
    takes it between our check and our insert (the insert itself decides)."""
    username = username.strip().lower()
    if get_user_by_username(session, username) is not None:
        raise UsernameTakenError(f"username {username!r} is taken: choose another one")
    values = {
        "username": username,
        "display_name": display_name.strip() or username,
        "role": Role(role).value,
        "password_hash": hash_password(password),
    }
    user_id = insert_if_absent(session, User, values, conflict=["username"])
    if user_id is None:
        raise UsernameTakenError(f"username {username!r} was just taken: choose another one")
    return session.get(User, user_id)


def authenticate(
    session: Session,
    username: str,
    password: str,
    client: str | None = None,
    policy: ThrottlePolicy | None = None,
) -> User | None:
    """The active user with these credentials, or None.

    Raises `LoginThrottled` while the username or the client address has used up its tries. The
    try is counted and *committed* before the password is checked (see `throttle.take`), so
    parallel guesses cannot slip past the limit; a successful sign-in resets the username's count
    and gives the address its try back. The caller commits the rest (a rehashed password).
    """
    policy = policy or ThrottlePolicy()
    now = utcnow()
    name = username.strip().lower()
    by_ip = Limit(policy.max_failures_per_ip, policy.window_s, policy.lockout_s)
    by_user = Limit(policy.max_failures, policy.window_s, policy.lockout_s)
    ip_key = throttle_key("ip", client) if client else None
    user_key = throttle_key("user", name)
    if ip_key and (wait := throttle.take(session, ip_key, by_ip, now)) is not None:
        session.commit()
        raise LoginThrottled(wait)
    if (wait := throttle.take(session, user_key, by_user, now)) is not None:
        if ip_key:  # no password was tried: the address keeps its try
            throttle.give_back(session, ip_key, by_ip)
        session.commit()
        raise LoginThrottled(wait)
    session.commit()
    user = get_user_by_username(session, name)
    ok = verify_password(password, user.password_hash if user else None)
    if not ok or user is None or not user.is_active:
        return None
    throttle.clear(session, user_key)
    if ip_key:
        throttle.give_back(session, ip_key, by_ip)
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.flush()
    return user

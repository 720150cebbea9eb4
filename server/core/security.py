"""Passwords and opaque tokens.

Passwords use argon2id (argon2-cffi's defaults follow RFC 9106). Tokens are random secrets handed
to the client once; the database keeps only their SHA-256, so a leaked database cannot be replayed
as a login.
"""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()  # stateless and thread-safe; holds only parameters
# Verified when a username does not exist, so a miss costs as long as a wrong password.
_DUMMY_HASH = _HASHER.hash("ombro-timing-equaliser")

JOIN_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in class


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _HASHER.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _HASHER.check_needs_rehash(password_hash)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_join_code(length: int = 8) -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(length))

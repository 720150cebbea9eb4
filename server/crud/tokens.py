"""Bearer tokens and dashboard sessions: issue, resolve, revoke."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from ..core.security import new_token, token_digest
from ..models import ApiToken, User, utcnow


def issue_token(
    session: Session, user: User, ttl_hours: float, kind: str = "bearer"
) -> tuple[str, ApiToken]:
    """A new secret (returned once, never stored) and its database row."""
    secret = new_token()
    row = ApiToken(
        user_id=user.id,
        token_hash=token_digest(secret),
        kind=kind,
        expires_at=utcnow() + timedelta(hours=ttl_hours),
    )
    session.add(row)
    session.flush()
    return secret, row


def resolve_token(session: Session, secret: str, kind: str | None = None) -> ApiToken | None:
    """The live token row for a secret: not expired, not revoked, user still active."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    if kind is not None and row.kind != kind:
        return None
    if not row.user.is_active:
        return None
    return row


def revoke_token(session: Session, secret: str) -> bool:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(secret)))
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = utcnow()
    session.flush()
    return True


def purge_tokens(session: Session, now: datetime) -> int:
    """Delete tokens that can never be used again (expired or revoked); returns how many."""
    result = session.execute(
        delete(ApiToken).where(or_(ApiToken.expires_at <= now, ApiToken.revoked_at.is_not(None)))
    )
    return result.rowcount or 0

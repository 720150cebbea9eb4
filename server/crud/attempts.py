"""Attempt sync: insert-or-ignore keyed by the client's UUID.

`INSERT ... ON CONFLICT DO NOTHING RETURNING id` (both SQLite and PostgreSQL) decides atomically
which ids are new, so two concurrent retries of one sync still store each attempt once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Attempt, utcnow
from .sql import dialect_insert


@dataclass(frozen=True)
class AttemptIn:
    id: str
    puppet: str
    predicted: str
    confidence: float
    hold_seconds: float
    passed: bool
    model_version: str
    device_time: datetime
    shape_match: float | None = None
    hint: str | None = None


def add_attempts(
    session: Session, student_id: int, attempts: Sequence[AttemptIn]
) -> tuple[list[str], list[str]]:
    """Store new attempts; returns (accepted ids, duplicate ids) in the order given."""
    if not attempts:
        return [], []
    received = utcnow()
    rows, seen = [], set()
    for a in attempts:
        if a.id in seen:
            continue
        seen.add(a.id)
        rows.append(
            {
                "id": a.id,
                "student_id": student_id,
                "puppet": a.puppet,
                "predicted": a.predicted,
                "confidence": float(a.confidence),
                "hold_seconds": float(a.hold_seconds),
                "passed": bool(a.passed),
                "model_version": a.model_version,
                "device_time": a.device_time,
                "received_at": received,
                "shape_match": None if a.shape_match is None else float(a.shape_match),
                "hint": a.hint,
            }
        )
    stmt = (
        dialect_insert(session, Attempt)
        .on_conflict_do_nothing(index_elements=["id"])
        .returning(Attempt.id)
    )
    # One multi-row statement; RETURNING lists only the rows that were really inserted.
    new_ids = set(session.execute(stmt, rows).scalars().all())
    session.flush()
    # A client may repeat an id inside one batch: it is stored once, accepted once, and every
    # other occurrence is reported as a duplicate.
    accepted: list[str] = []
    duplicates: list[str] = []
    for a in attempts:
        if a.id in new_ids and a.id not in accepted:
            accepted.append(a.id)
        else:
            duplicates.append(a.id)
    return accepted, duplicates


def attempts_for_students(
    session: Session, student_ids: Iterable[int], puppet: str | None = None
) -> list[Attempt]:
    """All attempts of these students, oldest first (the order mastery expects)."""
    ids = list(student_ids)
    if not ids:
        return []
    q = select(Attempt).where(Attempt.student_id.in_(ids))
    if puppet is not None:
        q = q.where(Attempt.puppet == puppet)
    return list(session.scalars(q.order_by(Attempt.device_time, Attempt.received_at, Attempt.id)))

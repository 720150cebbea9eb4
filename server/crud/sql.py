"""Dialect-aware `INSERT ... ON CONFLICT` for the two databases the server runs on.

Create-if-absent must be one statement: "SELECT, then INSERT if nothing was found" lets two
concurrent requests both find nothing, and the loser's INSERT fails with an IntegrityError (a 500).
`ON CONFLICT DO NOTHING RETURNING` decides atomically on SQLite (3.35+) and PostgreSQL alike,
and the loser simply gets no row back.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def dialect_insert(session: Session, table: Any):
    """`insert(table)` with `.on_conflict_do_nothing/_update` for this session's database."""
    dialect = session.get_bind().dialect.name
    insert = INSERTS.get(dialect)
    if insert is None:
        raise RuntimeError(f"the server supports SQLite and PostgreSQL, not {dialect}")
    return insert(table)


def insert_if_absent(session: Session, model: Any, values: dict[str, Any], conflict: list[str]):
    """Insert one row unless `conflict` columns clash; returns the new primary key or None."""
    pk = model.__mapper__.primary_key[0]
    stmt = (
        dialect_insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=conflict)
        .returning(pk)
    )
    return session.execute(stmt).scalar()

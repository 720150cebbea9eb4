"""Secrets shared by every server process, kept in the database (see `ServerSecret`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ServerSecret
from .sql import insert_if_absent


def shared_secret(session: Session, name: str, proposal: str) -> str:
    """The secret called `name`: `proposal` if nobody stored one yet, else the stored one.

    One `INSERT ... ON CONFLICT DO NOTHING`, then a read: when several processes start at once
    each proposes its own random value and all of them end up with the first one stored.
    Flushes only; commit so the others see it.
    """
    insert_if_absent(session, ServerSecret, {"name": name, "value": proposal}, ["name"])
    return session.scalar(select(ServerSecret.value).where(ServerSecret.name == name))

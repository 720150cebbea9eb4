"""Engine, sessions and migrations.

The schema is owned by Alembic (`server/alembic/`); `migrate()` brings any database to head, so
the same code path runs on a fresh SQLite file, a test database and production PostgreSQL.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session, sessionmaker

from .config import Settings
from .text import unstorable_reason

ALEMBIC_DIR = Path(__file__).resolve().parent.parent / "alembic"


class UnstorableText(ValueError):
    """Text the database cannot hold: a NUL character or an unpaired surrogate (answered 422)."""


def _guard_text(conn, cursor, statement, parameters, context, executemany) -> None:
    """Refuse text that PostgreSQL rejects (NUL) or UTF-8 cannot encode, on every backend alike.

    This is the one place every value from a path, a query string, a form or a body passes on its
    way to the database, so an odd character is a 422 whatever route it came through, instead of
    a driver error (500) on PostgreSQL and silently different behaviour on SQLite.
    """
    # One dict or tuple, or (executemany, insertmanyvalues) a list of them or one flat tuple.
    pending = [parameters]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, (list, tuple)):
            pending.extend(item)
        elif isinstance(item, str) and (problem := unstorable_reason(item)):
            raise UnstorableText(
                f"text with {problem} cannot be stored: remove it and send the request again"
            )


def make_engine(url: str) -> Engine:
    engine = _make_engine(url)
    event.listen(engine, "before_cursor_execute", _guard_text)
    return engine


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # WAL lets the dashboard read while the app syncs; foreign keys are off by default.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def engine_for(settings: Settings) -> Engine:
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return make_engine(settings.db_url)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    # ConfigParser interpolation would choke on "%" in passwords.
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


# Any fixed 64-bit number, the same in every process: PostgreSQL advisory locks are keyed by it.
STARTUP_LOCK_KEY = 0x0_6D62_726F  # "ombro"


@contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Only one server process at a time runs its start-up chores on this database.

    Several replicas (or `serve --workers N`) start at once against one database: two Alembic
    runs would both see an empty schema and the second CREATE TABLE would fail, and two bundled
    model registrations would each promote a different model. PostgreSQL: a session advisory
    lock, released when the holder's connection ends (also when the process is killed). SQLite
    lives on one machine, so an exclusive `flock` on a file beside the database does the same.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": STARTUP_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": STARTUP_LOCK_KEY})
                conn.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with open(f"{database}.startup-lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest migration (idempotent, and safe when several
    processes start at once: they take turns, and the later ones find the schema at head)."""
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    with startup_lock(engine), engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def at_head(engine: Engine) -> bool:
    """True when the database schema is the newest migration; used by /readyz."""
    script = ScriptDirectory.from_config(alembic_config(str(engine.url)))
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_heads()
    return set(current) == set(script.get_heads())

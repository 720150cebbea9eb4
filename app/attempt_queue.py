"""Offline-first attempt storage and sync.

Every attempt is written to SQLite (WAL, synchronous=FULL) the moment it ends, with a client
uuid4, before anything touches the network. Sync sends pending attempts in batches to
`POST /api/v1/attempts`; the server stores each id once, so an attempt that reached the server
but whose reply was lost (app killed, network cut) is simply reported as a duplicate next time
and marked synced. Rows are never deleted by sync: a batch the server rejects stays in the queue
with the server's reason, and the student's history keeps working offline.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from ombro_contract.labels import check_puppet

log = logging.getLogger(__name__)

MAX_BATCH = 500  # the server's limit per POST /attempts

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    puppet TEXT NOT NULL,
    predicted TEXT,
    confidence REAL NOT NULL,
    hold_seconds REAL NOT NULL,
    passed INTEGER NOT NULL,
    stars INTEGER NOT NULL DEFAULT 0,
    model_version TEXT NOT NULL,
    device_time TEXT NOT NULL,
    synced_at TEXT,
    tries INTEGER NOT NULL DEFAULT 0,
    rejected TEXT,
    shape_match REAL,
    hint TEXT
);
CREATE INDEX IF NOT EXISTS attempts_pending ON attempts (owner, synced_at);
"""
# Columns added after the first release: a phone keeps its attempts.db across app updates.
_ADDED_COLUMNS = {"shape_match": "REAL", "hint": "TEXT"}

GUEST = "guest"


@dataclass(frozen=True)
class Attempt:
    id: str
    puppet: str
    predicted: str  # the best puppet the model saw during the try
    confidence: float
    hold_seconds: float
    passed: bool
    model_version: str
    device_time: str  # ISO 8601 with timezone
    stars: int = 0
    owner: str = GUEST
    synced_at: str | None = None
    rejected: str | None = None
    shape_match: float | None = None  # best overlap with the target during the try, 0..1
    hint: str | None = None  # the part the hint named longest during the try ("ears")

    def payload(self) -> dict:
        """The JSON the server's API agreed on (no local-only fields). The shape fields are only
        sent when measured; servers older than them ignore unknown fields."""
        shape = {} if self.shape_match is None else {"shape_match": round(self.shape_match, 4)}
        if self.hint:
            shape["hint"] = self.hint
        return {
            "id": self.id,
            "puppet": self.puppet,
            "predicted": self.predicted,
            "confidence": round(float(self.confidence), 4),
            "hold_seconds": round(float(self.hold_seconds), 3),
            "passed": bool(self.passed),
            "model_version": self.model_version,
            "device_time": self.device_time,
            **shape,
        }


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class AttemptQueue:
    """The local attempt log; one short-lived connection per call so any thread may use it."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(_SCHEMA)
            have = {row["name"] for row in db.execute("PRAGMA table_info(attempts)")}
            for column, kind in _ADDED_COLUMNS.items():
                if column not in have:
                    db.execute(f"ALTER TABLE attempts ADD COLUMN {column} {kind}")

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.db_path, timeout=10.0)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA synchronous=FULL")  # an attempt the student saw recorded survives a kill
        try:
            with db:
                yield db
        finally:
            db.close()

    def record(
        self,
        *,
        puppet: str,
        predicted: str,
        confidence: float,
        hold_seconds: float,
        passed: bool,
        model_version: str,
        stars: int = 0,
        owner: str = GUEST,
        device_time: str | None = None,
        shape_match: float | None = None,
        hint: str | None = None,
    ) -> Attempt:
        attempt = Attempt(
            id=str(uuid.uuid4()),
            puppet=check_puppet(puppet),
            predicted=check_puppet(predicted),
            confidence=max(0.0, min(1.0, float(confidence))),
            hold_seconds=max(0.0, float(hold_seconds)),
            passed=bool(passed),
            model_version=model_version or "unknown",
            device_time=device_time or now_iso(),
            stars=int(stars),
            owner=owner,
            shape_match=None if shape_match is None else max(0.0, min(1.0, float(shape_match))),
            hint=(hint or None) and str(hint)[:16],
        )
        row = asdict(attempt)
        with self._connect() as db:
            db.execute(
                "INSERT INTO attempts (id, owner, puppet, predicted, confidence, hold_seconds, passed,"
                " stars, model_version, device_time, shape_match, hint) VALUES (:id, :owner,"
                " :puppet, :predicted, :confidence, :hold_seconds, :passed, :stars, :model_version,"
                " :device_time, :shape_match, :hint)",
                row,
            )
        return attempt

    @staticmethod
    def _row(r: sqlite3.Row) -> Attempt:
        return Attempt(
            id=r["id"], puppet=r["puppet"], predicted=r["predicted"], confidence=r["confidence"],
            hold_seconds=r["hold_seconds"], passed=bool(r["passed"]), model_version=r["model_version"],
            device_time=r["device_time"], stars=r["stars"], owner=r["owner"],
            synced_at=r["synced_at"], rejected=r["rejected"], shape_match=r["shape_match"],
            hint=r["hint"],
        )

    def pending(self, owner: str, limit: int = MAX_BATCH) -> list[Attempt]:
        """Unsynced, not-rejected attempts of `owner`, oldest first."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT * FROM attempts WHERE owner = ? AND synced_at IS NULL AND rejected IS NULL"
                " ORDER BY device_time, rowid LIMIT ?",
                (owner, limit),
            ).fetchall()
        return [self._row(r) for r in rows]

    def history(self, owner: str | None = None, limit: int = 1000) -> list[Attempt]:
        """Newest first; `owner=None` for every profile on this device."""
        sql = "SELECT * FROM attempts"
        args: tuple = ()
        if owner is not None:
            sql += " WHERE owner = ?"
            args = (owner,)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY device_time DESC, rowid DESC LIMIT ?", (*args, limit))
            return [self._row(r) for r in rows.fetchall()]

    def mark_synced(self, ids: list[str]) -> None:
        if not ids:
            return
        stamp = now_iso()
        with self._connect() as db:
            db.executemany(
                "UPDATE attempts SET synced_at = ? WHERE id = ? AND synced_at IS NULL",
                [(stamp, i) for i in ids],
            )

    def mark_tried(self, ids: list[str]) -> None:
        with self._connect() as db:
            db.executemany("UPDATE attempts SET tries = tries + 1 WHERE id = ?", [(i,) for i in ids])

    def mark_rejected(self, attempt_id: str, reason: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE attempts SET rejected = ? WHERE id = ?", (reason[:500], attempt_id))

    def counts(self, owner: str | None = None) -> dict[str, int]:
        where, args = ("WHERE owner = ?", (owner,)) if owner is not None else ("", ())
        with self._connect() as db:
            r = db.execute(
                "SELECT COUNT(*) AS total,"
                " SUM(synced_at IS NULL AND rejected IS NULL) AS pending,"
                " SUM(synced_at IS NOT NULL) AS synced, SUM(rejected IS NOT NULL) AS rejected"
                f" FROM attempts {where}",
                args,
            ).fetchone()
        return {k: int(r[k] or 0) for k in ("total", "pending", "synced", "rejected")}

    def forget(self, owner: str | None = None) -> int:
        """Privacy: delete local history (all of it, or one profile's)."""
        with self._connect() as db:
            if owner is None:
                return db.execute("DELETE FROM attempts").rowcount
            return db.execute("DELETE FROM attempts WHERE owner = ?", (owner,)).rowcount


class SyncError(Exception):
    """A sync round that should be retried later (network down, server busy)."""


class AuthExpiredError(SyncError):
    """The token is no longer accepted: sign in again; attempts stay queued."""


@dataclass
class SyncReport:
    accepted: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: dict[str, str] = field(default_factory=dict)

    @property
    def synced(self) -> int:
        return len(self.accepted) + len(self.duplicates)


@dataclass
class Backoff:
    """Exponential backoff with full jitter between failed sync rounds."""

    base_s: float = 2.0
    cap_s: float = 300.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self) -> float:
        delay = min(self.cap_s, self.base_s * (2**self.failures))
        self.failures += 1
        return self.rng.uniform(delay / 2, delay)

    def reset(self) -> None:
        self.failures = 0


def _detail(resp: httpx.Response) -> str:
    try:
        return str(resp.json().get("detail", resp.text))
    except ValueError:
        return resp.text[:300]


def _post_batch(client: httpx.Client, token: str, batch: list[Attempt]) -> httpx.Response:
    try:
        resp = client.post(
            "/api/v1/attempts",
            json={"attempts": [a.payload() for a in batch]},
            headers={"Authorization": f"Bearer {token}"},
        )
    except httpx.HTTPError as exc:
        raise SyncError(f"server unreachable: {exc}") from exc
    if resp.status_code == 401:
        raise AuthExpiredError("the server no longer accepts this sign-in: sign in again to sync")
    if resp.status_code == 429 or resp.status_code >= 500:
        raise SyncError(f"server busy ({resp.status_code}): {_detail(resp)}")
    return resp


def sync_pending(queue: AttemptQueue, client: httpx.Client, token: str, owner: str) -> SyncReport:
    """Send everything `owner` has queued; raises SyncError when a retry later may help.

    A batch refused as invalid (4xx) is retried one attempt at a time, so one bad row is set
    aside with the server's reason instead of blocking the rest forever.
    """
    report = SyncReport()
    while True:
        batch = queue.pending(owner, MAX_BATCH)
        if not batch:
            return report
        queue.mark_tried([a.id for a in batch])
        resp = _post_batch(client, token, batch)
        if resp.is_success:
            body = resp.json()
            accepted, dups = list(body.get("accepted", [])), list(body.get("duplicates", []))
            queue.mark_synced(accepted + dups)
            report.accepted += accepted
            report.duplicates += dups
            unanswered = {a.id for a in batch} - set(accepted) - set(dups)
            if unanswered:  # never loop forever on a server that ignores some ids
                raise SyncError(f"server did not acknowledge {len(unanswered)} attempts")
            continue
        for attempt in batch:
            single = _post_batch(client, token, [attempt])
            if single.is_success:
                body = single.json()
                ids = list(body.get("accepted", [])) + list(body.get("duplicates", []))
                queue.mark_synced(ids)
                report.accepted += list(body.get("accepted", []))
                report.duplicates += list(body.get("duplicates", []))
            else:
                reason = f"{single.status_code}: {_detail(single)}"
                queue.mark_rejected(attempt.id, reason)
                report.rejected[attempt.id] = reason
                log.warning("server rejected attempt %s: %s", attempt.id, reason)

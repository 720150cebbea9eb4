"""Durable, atomic model files.

An upload is streamed into `.incoming/` (never a path anyone serves), fsynced, validated, then put
where published models live under a unique name; only then is the database row committed. The
listing comes from the database, so a crash at any point leaves either nothing visible or a
complete, verified model. `recover()` on startup deletes what a crashed upload left behind.

Where published files live is the store's business: `ModelStore` keeps them on local disk (the
default); `server.registry.s3.S3ModelStore` in an S3-compatible bucket shared by every replica,
with a local cache keyed by sha256 for scoring and downloads. Validation always runs on a local
file, so both stores share the upload pipeline below.

Several processes may share one `.incoming/` (`serve --workers N`, a restarted worker), so a
process recovering at startup must not delete another's upload in progress: each upload holds an
exclusive `flock` on `.locks/<token>` while its files exist, and recovery deletes only files whose
token is not locked. The kernel drops the lock when its holder dies, even by SIGKILL.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ombro_contract.card import CARD_SUFFIX, ModelCard, card_path_for

from ..models import ModelVersion
from .validation import UploadRejected, parse_upload_card, validate_model

log = logging.getLogger(__name__)
CHUNK = 1 << 20


class ModelFileUnavailable(OSError):
    """A published model's file cannot be read here (missing, damaged, or storage unreachable)."""


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_durably(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def token_of(name: str) -> str:
    """The upload token in a published file name, `<version>.<token>.onnx` (or its card)."""
    stem = name[: -len(CARD_SUFFIX)] if name.endswith(CARD_SUFFIX) else name.removesuffix(".onnx")
    return stem.rsplit(".", 1)[-1]


class ModelStore:
    """Published model files on local disk: `<root>/<version>.<token>.onnx` plus its card."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.incoming = self.root / ".incoming"
        self.locks = self.root / ".locks"

    def ensure(self) -> None:
        self.incoming.mkdir(parents=True, exist_ok=True)
        self.locks.mkdir(parents=True, exist_ok=True)

    # -- where published files live (what an object store overrides) ---------------------------

    def path_of(self, model: ModelVersion) -> Path:
        return self.root / model.path

    def local_file(self, model: ModelVersion) -> Path:
        """A local copy of the model's file, for scoring and for serving downloads."""
        path = self.path_of(model)
        if not path.is_file():
            raise ModelFileUnavailable(
                f"the file of model {model.version!r} is missing from {self.root}; publish the "
                "model again under a new version"
            )
        return path

    def presigned_url(self, model: ModelVersion) -> str | None:
        """A short-lived URL clients may download from directly; local disk has none."""
        return None

    def describe(self) -> str:
        return str(self.root)

    def _put_published(self, tmp: Path, tmp_card: Path, name: str, card: ModelCard) -> None:
        final = self.root / name
        # The model first: recovery treats a card without its model as debris, and this card's
        # model is guarded by our lock only while it is the token's file.
        os.replace(tmp, final)
        os.replace(tmp_card, card_path_for(final))
        _fsync_dir(self.root)

    def _remove_published(self, name: str) -> None:
        for path in (self.root / name, card_path_for(self.root / name)):
            path.unlink(missing_ok=True)

    def _recover_published(self, session: Session) -> list[str]:
        """Delete published-looking files that no row points at (crash before the commit)."""
        known = set(session.scalars(select(ModelVersion.path)))
        removed: list[str] = []
        for path in self.root.glob("*.onnx"):
            if path.name not in known and not self._live(token_of(path.name)):
                for stale in (path, card_path_for(path)):
                    if stale.exists():
                        stale.unlink()
                        removed.append(str(stale))
        for card in self.root.glob(f"*{CARD_SUFFIX}"):
            model = self.root / (card.name[: -len(CARD_SUFFIX)] + ".onnx")
            if not model.exists() and not self._live(token_of(card.name)):
                card.unlink(missing_ok=True)
                removed.append(str(card))
        return removed

    # -- uploads in progress ------------------------------------------------------------------

    @contextmanager
    def claim(self) -> Iterator[str]:
        """A new upload token, locked for as long as the block runs (see the module docstring)."""
        self.ensure()
        while True:
            token = uuid.uuid4().hex
            path = self.locks / token
            fh = open(path, "xb")  # noqa: SIM115 -- held until the finally below
            fcntl.flock(fh, fcntl.LOCK_EX)
            # A recovery may have found the file before we locked it and deleted it as stale.
            try:
                if os.stat(path).st_ino == os.fstat(fh.fileno()).st_ino:
                    break
            except FileNotFoundError:
                pass
            fh.close()
        try:
            yield token
        finally:
            path.unlink(missing_ok=True)
            fh.close()

    def _live(self, token: str) -> bool:
        """Is an upload with this token in progress in some process on this machine?

        A lock file nobody holds is a dead upload's: it is deleted while we hold it.
        """
        path = self.locks / token
        try:
            fh = open(path, "rb")  # noqa: SIM115 -- closed below
        except FileNotFoundError:
            return False
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            path.unlink(missing_ok=True)
            return False

    def recover(self, session: Session) -> list[str]:
        """Delete half-written uploads and files no row points at; returns what was removed."""
        self.ensure()
        removed: list[str] = []
        for leftover in self.incoming.iterdir():
            if not self._live(leftover.name.split(".", 1)[0]):
                shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink(missing_ok=True)
                removed.append(str(leftover))
        for lock in self.locks.iterdir():
            self._live(lock.name)  # sweeps lock files of dead uploads
        removed += self._recover_published(session)
        if removed:
            log.warning("registry recovery removed %d incomplete file(s)", len(removed),
                        extra={"removed": removed})
        return removed

    def _receive(self, source: BinaryIO, dest: Path, max_bytes: int) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with open(dest, "wb") as out:
            while block := source.read(CHUNK):
                size += len(block)
                if size > max_bytes:
                    raise UploadRejected(
                        413, f"the model file is larger than the {max_bytes // (1 << 20)} MB limit "
                        "(OMBRO_MAX_MODEL_BYTES)"
                    )
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        return digest.hexdigest(), size

    def publish(
        self,
        factory: sessionmaker[Session],
        card_raw: bytes | str,
        source: BinaryIO,
        max_bytes: int,
        uploader_id: int | None,
    ) -> ModelVersion:
        """Validate and publish one upload; raises `UploadRejected` with an HTTP status."""
        card = parse_upload_card(card_raw)
        with factory() as session:
            if session.get(ModelVersion, card.version) is not None:
                raise UploadRejected(
                    409, f"model version {card.version!r} already exists and versions are "
                    "immutable; bump the version in the card"
                )
        with self.claim() as token:
            return self._publish(factory, card, source, max_bytes, uploader_id, token)

    def _publish(self, factory, card: ModelCard, source: BinaryIO, max_bytes: int,
                 uploader_id: int | None, token: str) -> ModelVersion:
        tmp = self.incoming / f"{token}.onnx"
        tmp_card = card_path_for(tmp)
        name = f"{card.version}.{token}.onnx"
        stored = published = False
        try:
            sha, size = self._receive(source, tmp, max_bytes)
            if size == 0:
                raise UploadRejected(422, "the uploaded model file is empty")
            if (sha, size) != (card.sha256, card.size_bytes):
                raise UploadRejected(
                    422, f"the card's sha256/size ({card.sha256[:12]}..., {card.size_bytes} B) do "
                    f"not match the uploaded file ({sha[:12]}..., {size} B); upload the card "
                    "written next to this file by training/export.py"
                )
            _write_durably(tmp_card, card.model_dump_json(indent=2).encode())
            validate_model(tmp)
            stored = True
            self._put_published(tmp, tmp_card, name, card)
            row = ModelVersion(
                version=card.version,
                arch=card.arch,
                quantization=card.quantization,
                sha256=sha,
                size_bytes=size,
                path=name,
                card=card.model_dump(mode="json"),
                uploaded_by=uploader_id,
            )
            with factory() as session:
                session.add(row)
                try:
                    session.commit()
                except IntegrityError:
                    session.rollback()
                    raise UploadRejected(
                        409, f"model version {card.version!r} was published concurrently; "
                        "versions are immutable"
                    ) from None
            published = True
            log.info("published model", extra={"version": card.version, "sha256": sha,
                                               "store": self.describe()})
            return row
        finally:
            tmp.unlink(missing_ok=True)
            tmp_card.unlink(missing_ok=True)
            if stored and not published:
                self._remove_published(name)


def publish_file(
    store: ModelStore, factory: sessionmaker[Session], onnx_path: Path, max_bytes: int
) -> ModelVersion:
    """Publish a model that sits on disk with its card (the bundled models on first start)."""
    card_raw = card_path_for(onnx_path).read_bytes()
    with open(onnx_path, "rb") as fh:
        return store.publish(factory, card_raw, fh, max_bytes, uploader_id=None)

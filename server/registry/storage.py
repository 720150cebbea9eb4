"""Durable, atomic model files.

An upload is streamed into `models/.incoming/` (never a path anyone serves), fsynced, validated,
then renamed to a unique final name and the directory fsynced; only then is the database row
committed. A crash at any point leaves either nothing visible or a complete, verified model:
`recover()` on startup deletes leftovers in `.incoming/` and final files with no row (a crash
between rename and commit).
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ombro_contract.card import CARD_SUFFIX, card_path_for

from ..models import ModelVersion
from .validation import UploadRejected, parse_upload_card, validate_model

log = logging.getLogger(__name__)
CHUNK = 1 << 20


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


class ModelStore:
    def __init__(self, root: Path):
        self.root = Path(root)
        self.incoming = self.root / ".incoming"

    def ensure(self) -> None:
        self.incoming.mkdir(parents=True, exist_ok=True)

    def path_of(self, model: ModelVersion) -> Path:
        return self.root / model.path

    def recover(self, session: Session) -> list[Path]:
        """Delete half-written uploads and files no row points at; returns what was removed."""
        self.ensure()
        removed: list[Path] = []
        for leftover in self.incoming.iterdir():
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink(missing_ok=True)
            removed.append(leftover)
        known = set(session.scalars(select(ModelVersion.path)))
        for path in self.root.glob("*.onnx"):
            if path.name not in known:
                for stale in (path, card_path_for(path)):
                    if stale.exists():
                        stale.unlink()
                        removed.append(stale)
        for card in self.root.glob(f"*{CARD_SUFFIX}"):
            if not (self.root / (card.name[: -len(CARD_SUFFIX)] + ".onnx")).exists():
                card.unlink(missing_ok=True)
                removed.append(card)
        if removed:
            log.warning("registry recovery removed %d incomplete file(s)", len(removed),
                        extra={"removed": [str(p) for p in removed]})
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
        self.ensure()
        token = uuid.uuid4().hex
        tmp = self.incoming / f"{token}.onnx"
        tmp_card = card_path_for(tmp)
        final = self.root / f"{card.version}.{token[:8]}.onnx"
        final_card = card_path_for(final)
        published = False
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
            os.replace(tmp_card, final_card)
            os.replace(tmp, final)
            _fsync_dir(self.root)
            row = ModelVersion(
                version=card.version,
                arch=card.arch,
                quantization=card.quantization,
                sha256=sha,
                size_bytes=size,
                path=final.name,
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
            log.info("published model", extra={"version": card.version, "sha256": sha})
            return row
        finally:
            for path in (tmp, tmp_card) if published else (tmp, tmp_card, final, final_card):
                path.unlink(missing_ok=True)


def publish_file(
    store: ModelStore, factory: sessionmaker[Session], onnx_path: Path, max_bytes: int
) -> ModelVersion:
    """Publish a model that sits on disk with its card (the bundled model on first start)."""
    card_raw = card_path_for(onnx_path).read_bytes()
    with open(onnx_path, "rb") as fh:
        return store.publish(factory, card_raw, fh, max_bytes, uploader_id=None)

"""Published model files in an S3-compatible bucket (AWS S3, MinIO, Ceph...), shared by replicas.

    OMBRO_MODEL_STORE=s3://ombro-models/prod  OMBRO_S3_ENDPOINT_URL=http://minio:9000
    AWS_ACCESS_KEY_ID=...  AWS_SECRET_ACCESS_KEY=...    (boto3's usual credential chain)

Uploads go through the same pipeline as on local disk (received and validated in a local
`.incoming/`), then the file is PUT as `<prefix>/<version>.<token>.onnx` (and its card beside
it), and only then is the row committed. S3 makes an object visible only once it is complete
(a multipart upload stays invisible until it is completed), and the listing comes from the
database, so nobody ever sees a half-written model. A crash between the PUT and the commit leaves
an object without a row: `recover()` deletes those, and abandons incomplete multipart uploads,
once they are older than `OMBRO_S3_ORPHAN_GRACE_S`, because another replica may be between its
PUT and its commit right now (there is no lock across machines; the grace period is one).

Scoring needs the file on local disk, and downloads streamed through the server are served from
disk too (so ETag/304 and Range work exactly as with local storage): `local_file()` fetches the
object once into `<cache>/<sha256>.onnx`, checks its sha256 and size against the registry row on
the way in, and reuses it afterwards. Versions are immutable, so a cached file never goes stale.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ombro_contract.card import CARD_SUFFIX, ModelCard, card_path_for

from ..models import ModelVersion
from .storage import CHUNK, ModelFileUnavailable, ModelStore, token_of

log = logging.getLogger(__name__)


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix/") (the prefix may be empty)."""
    if not url.startswith("s3://") or not url[5:].split("/", 1)[0]:
        raise ValueError(f"{url!r} is not an s3://bucket/prefix URL")
    bucket, _, prefix = url[5:].partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


class S3ModelStore(ModelStore):
    """Model files in `s3://bucket/prefix`; `cache_dir` holds uploads in progress and the cache."""

    def __init__(self, url: str, cache_dir: Path, client, presign_client=None,
                 presign_expiry_s: int = 900, orphan_grace_s: float = 3600.0):
        super().__init__(cache_dir)
        self.url = url
        self.bucket, self.prefix = parse_s3_url(url)
        self.client = client
        self.presign_client = presign_client or client
        self.presign_expiry_s = presign_expiry_s
        self.orphan_grace_s = orphan_grace_s
        self._fills: dict[str, threading.Lock] = {}
        self._fills_guard = threading.Lock()

    def describe(self) -> str:
        return self.url

    def key_of(self, name: str) -> str:
        return self.prefix + name

    def path_of(self, model: ModelVersion) -> Path:
        """Where the cached copy of this model's file lives (it may not be there yet)."""
        return self.root / f"{model.sha256}.onnx"

    def _unavailable(self, what: str, exc: Exception) -> ModelFileUnavailable:
        return ModelFileUnavailable(
            f"{what} in the model store {self.url} failed ({type(exc).__name__}: "
            f"{str(exc)[:200]}); check that the store is reachable (OMBRO_S3_ENDPOINT_URL), the "
            "credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and that the bucket exists"
        )

    # -- publishing ------------------------------------------------------------------------------

    def _put_published(self, tmp: Path, tmp_card: Path, name: str, card: ModelCard) -> None:
        from boto3.s3.transfer import TransferConfig
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            # The card first: an orphan card is harmless, and the model object is what makes a
            # (row-less) upload look published to anyone listing the bucket by hand.
            self.client.put_object(Bucket=self.bucket, Key=self.key_of(card_path_for(name).name),
                                   Body=tmp_card.read_bytes(), ContentType="application/json")
            self.client.upload_file(
                str(tmp), self.bucket, self.key_of(name),
                ExtraArgs={"ContentType": "application/octet-stream",
                           "Metadata": {"sha256": card.sha256, "version": card.version}},
                Config=TransferConfig(multipart_threshold=64 << 20, multipart_chunksize=16 << 20),
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable("storing the model", exc) from None
        # The validated upload is the very file the cache would fetch: keep it (same filesystem).
        try:
            os.link(tmp, self.root / f"{card.sha256}.onnx")
        except FileExistsError:
            pass

    def _remove_published(self, name: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        for key in (self.key_of(name), self.key_of(card_path_for(name).name)):
            try:
                self.client.delete_object(Bucket=self.bucket, Key=key)
            except (BotoCoreError, ClientError) as exc:  # recovery deletes it later
                log.warning("could not delete %s from %s: %s", key, self.url, exc)

    def presigned_url(self, model: ModelVersion) -> str:
        return self.presign_client.generate_presigned_url(
            "get_object",
            Params={"Bucket": self.bucket, "Key": self.key_of(model.path),
                    "ResponseContentDisposition": f'attachment; filename="{model.version}.onnx"'},
            ExpiresIn=self.presign_expiry_s,
        )

    # -- the local cache -------------------------------------------------------------------------

    def _fill_lock(self, sha256: str) -> threading.Lock:
        with self._fills_guard:
            return self._fills.setdefault(sha256, threading.Lock())

    def local_file(self, model: ModelVersion) -> Path:
        """The model's file on local disk, fetched from the bucket once and checked on the way in.

        One fetch per file and process at a time: 40 apps asking a fresh replica for a new model
        at once cause one GET from the bucket, not 40.
        """
        path = self.path_of(model)
        if path.is_file() and path.stat().st_size == model.size_bytes:
            return path
        with self._fill_lock(model.sha256):
            if path.is_file() and path.stat().st_size == model.size_bytes:
                return path
            with self.claim() as token:
                part = self.incoming / f"{token}.part"
                try:
                    self._fetch(model, part)
                    os.replace(part, path)
                finally:
                    part.unlink(missing_ok=True)
        log.info("cached model file", extra={"version": model.version, "path": str(path)})
        return path

    def _fetch(self, model: ModelVersion, part: Path) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        digest, size = hashlib.sha256(), 0
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=self.key_of(model.path))["Body"]
            with open(part, "wb") as out:
                while block := body.read(CHUNK):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(f"fetching {self.key_of(model.path)}", exc) from None
        if (digest.hexdigest(), size) != (model.sha256, model.size_bytes):
            raise ModelFileUnavailable(
                f"the object {self.key_of(model.path)} in {self.url} does not match model "
                f"{model.version!r} in the registry (sha256 {digest.hexdigest()[:12]}..., {size} B "
                f"instead of {model.sha256[:12]}..., {model.size_bytes} B): someone changed the "
                "bucket by hand; publish the model again under a new version"
            )

    # -- recovery --------------------------------------------------------------------------------

    def recover(self, session: Session) -> list[str]:
        """As on local disk, plus: the bucket must be reachable (else the server does not start)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable(f"opening the bucket {self.bucket!r}", exc) from None
        return super().recover(session)

    def _recover_published(self, session: Session) -> list[str]:
        """Objects without a row and stale multipart uploads (after the grace period), and
        cached files of models the registry does not know."""
        from botocore.exceptions import BotoCoreError, ClientError

        rows = session.execute(select(ModelVersion.path, ModelVersion.sha256)).all()
        known = {path for path, _ in rows}
        wanted = known | {card_path_for(name).name for name in known}
        cutoff = datetime.now(UTC) - timedelta(seconds=self.orphan_grace_s)
        removed: list[str] = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(
                    Bucket=self.bucket, Prefix=self.prefix):
                for obj in page.get("Contents", []):
                    name = obj["Key"][len(self.prefix):]
                    if "/" in name or name in wanted or not name.endswith((".onnx", CARD_SUFFIX)):
                        continue
                    if obj["LastModified"] > cutoff or self._live(token_of(name)):
                        continue
                    self.client.delete_object(Bucket=self.bucket, Key=obj["Key"])
                    removed.append(f"s3://{self.bucket}/{obj['Key']}")
            uploads = self.client.list_multipart_uploads(Bucket=self.bucket, Prefix=self.prefix)
            for upload in uploads.get("Uploads", []):
                if upload["Initiated"] <= cutoff:
                    self.client.abort_multipart_upload(Bucket=self.bucket, Key=upload["Key"],
                                                       UploadId=upload["UploadId"])
                    removed.append(f"s3://{self.bucket}/{upload['Key']} (incomplete upload)")
        except (BotoCoreError, ClientError) as exc:
            raise self._unavailable("cleaning up after crashed uploads", exc) from None
        cached_names = {f"{sha}.onnx" for _, sha in rows}
        for cached in self.root.glob("*.onnx"):
            if cached.name not in cached_names:
                cached.unlink(missing_ok=True)
                removed.append(str(cached))
        return removed

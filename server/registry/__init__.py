"""The model registry: validated, immutable model files plus channel pointers.

`storage` writes files atomically and publishes the database row only once the file is durable
(on local disk, or in an S3-compatible bucket with `s3`); `validation` decides whether an upload
is a model the apps can run; `channels` moves pointers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .channels import (
    ChannelError,
    current_version,
    history,
    promote,
    rollback,
    server_model,
    server_models,
)
from .storage import ModelFileUnavailable, ModelStore
from .validation import UploadRejected, validate_model

if TYPE_CHECKING:
    from ..core.config import Settings


def open_store(settings: Settings) -> ModelStore:
    """The model store the settings describe: local disk, or S3 when OMBRO_MODEL_STORE is s3://."""
    if not settings.model_store:
        return ModelStore(settings.models_dir)
    import boto3
    from botocore.config import Config

    from .s3 import S3ModelStore

    # Path-style addressing for self-hosted stores (MinIO, Ceph, moto): bucket-named host names
    # need DNS that a docker network or a school's server room does not have.
    config = Config(signature_version="s3v4", retries={"max_attempts": 5, "mode": "standard"},
                    s3={"addressing_style": "path" if settings.s3_endpoint_url else "auto"})
    session = boto3.session.Session()

    def client(endpoint: str):
        return session.client("s3", endpoint_url=endpoint or None,
                              region_name=settings.s3_region or None, config=config)

    internal = client(settings.s3_endpoint_url)
    public = client(settings.s3_public_endpoint_url) if settings.s3_public_endpoint_url else internal
    return S3ModelStore(settings.model_store, settings.models_dir, internal, public,
                        settings.s3_presign_expiry_s, settings.s3_orphan_grace_s)

__all__ = [
    "ChannelError",
    "ModelFileUnavailable",
    "ModelStore",
    "UploadRejected",
    "current_version",
    "history",
    "open_store",
    "promote",
    "rollback",
    "server_model",
    "server_models",
    "validate_model",
]

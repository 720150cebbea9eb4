"""The S3 model store without HTTP, against moto's in-process S3: publishing, the local cache,
recovery after crashed uploads, presigned URLs; and the upload locks that keep one process's
recovery away from another process's upload in progress."""

from __future__ import annotations

import hashlib
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from ombro_contract.card import card_path_for
from server.core.config import Settings
from server.registry import ModelFileUnavailable, ModelStore, UploadRejected, open_store
from server.registry.s3 import S3ModelStore, parse_s3_url
from server.registry.storage import publish_file
from server.scoring import load_classifier
from tests.model_factory import make_tiny_model

from .conftest import unique

BUCKET = "ombro-test-models"


@pytest.fixture
def s3(monkeypatch):
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def s3_store(tmp_path: Path, replica: str = "a", **settings) -> S3ModelStore:
    store = open_store(Settings(data_dir=tmp_path / replica, model_store=f"s3://{BUCKET}/district/models",
                                **settings))
    assert isinstance(store, S3ModelStore)
    return store


def keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_parse_s3_url():
    assert parse_s3_url("s3://b/p/q/") == ("b", "p/q/")
    assert parse_s3_url("s3://b") == ("b", "")
    with pytest.raises(ValueError):
        parse_s3_url("s3:///prefix")
    with pytest.raises(ValueError, match="s3://bucket"):
        Settings(model_store="/var/models")


def test_publish_puts_object_and_card_then_row(s3, db_factory, tmp_path):
    store = s3_store(tmp_path)
    version = unique("s3-")
    make_tiny_model(tmp_path / "m.onnx", version=version)
    row = publish_file(store, db_factory, tmp_path / "m.onnx", 10 << 20)
    blob = (tmp_path / "m.onnx").read_bytes()
    key = f"district/models/{row.path}"
    assert keys(s3) == {key, f"district/models/{card_path_for(row.path).name}"}
    obj = s3.get_object(Bucket=BUCKET, Key=key)
    assert obj["Body"].read() == blob
    assert obj["Metadata"]["sha256"] == hashlib.sha256(blob).hexdigest() == row.sha256
    # Nothing left in progress; the validated upload became this replica's cached copy.
    assert list(store.incoming.iterdir()) == [] and list(store.locks.iterdir()) == []
    assert store.local_file(row).read_bytes() == blob
    assert load_classifier(store, row, threads=1).version == version


def test_another_replica_fetches_once_and_checks_the_bytes(s3, db_factory, tmp_path):
    version = unique("s3-fetch-")
    make_tiny_model(tmp_path / "m.onnx", version=version)
    row = publish_file(s3_store(tmp_path, "a"), db_factory, tmp_path / "m.onnx", 10 << 20)

    replica_b = s3_store(tmp_path, "b")
    assert not replica_b.path_of(row).exists()
    cached = replica_b.local_file(row)
    assert cached == replica_b.root / f"{row.sha256}.onnx"
    assert cached.read_bytes() == (tmp_path / "m.onnx").read_bytes()
    # Served from the cache afterwards: the bucket is no longer asked.
    s3.delete_object(Bucket=BUCKET, Key=f"district/models/{row.path}")
    assert replica_b.local_file(row) == cached

    # An object changed behind the registry's back is refused, and nothing half-fetched stays.
    s3.put_object(Bucket=BUCKET, Key=f"district/models/{row.path}", Body=b"not the model")
    replica_c = s3_store(tmp_path, "c")
    with pytest.raises(ModelFileUnavailable, match="does not match model"):
        replica_c.local_file(row)
    assert not replica_c.path_of(row).exists() and list(replica_c.incoming.iterdir()) == []


def test_rejected_upload_stores_nothing(s3, db_factory, tmp_path):
    store = s3_store(tmp_path)
    make_tiny_model(tmp_path / "ten.onnx", version=unique("bad-"), num_outputs=10)
    with pytest.raises(UploadRejected) as info:
        publish_file(store, db_factory, tmp_path / "ten.onnx", 10 << 20)
    assert info.value.status == 422
    assert keys(s3) == set()


def test_recover_deletes_old_orphans_and_dead_multipart_uploads(s3, db_factory, tmp_path):
    version = unique("s3-keep-")
    make_tiny_model(tmp_path / "m.onnx", version=version)
    row = publish_file(s3_store(tmp_path), db_factory, tmp_path / "m.onnx", 10 << 20)
    published = keys(s3)
    # A replica killed between its PUT and its commit, and one killed mid multipart upload:
    orphan = "district/models/ghost.0123456789abcdef.onnx"
    s3.put_object(Bucket=BUCKET, Key=orphan, Body=b"complete but never published")
    s3.put_object(Bucket=BUCKET, Key="district/other-app/keep.txt", Body=b"not ours")

    # Within the grace period another replica may still commit: nothing is touched.
    with db_factory() as session:
        assert s3_store(tmp_path, "b").recover(session) == []
    assert orphan in keys(s3)

    # (Created only now: moto dates every multipart upload in 2010, always past the grace.)
    s3.create_multipart_upload(Bucket=BUCKET, Key="district/models/half.fedcba9876543210.onnx")

    with db_factory() as session:
        removed = s3_store(tmp_path, "b", s3_orphan_grace_s=0).recover(session)
    assert f"s3://{BUCKET}/{orphan}" in removed
    assert keys(s3) == published | {"district/other-app/keep.txt"}
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []
    with db_factory() as session:
        assert s3_store(tmp_path, "c", s3_orphan_grace_s=0).local_file(session.merge(row)).is_file()


def test_unreachable_bucket_stops_startup_with_a_hint(s3, db_factory, tmp_path):
    store = open_store(Settings(data_dir=tmp_path, model_store="s3://no-such-bucket/models"))
    with db_factory() as session, pytest.raises(ModelFileUnavailable, match="bucket exists"):
        store.recover(session)


def test_presigned_url_points_at_the_public_endpoint(s3, db_factory, tmp_path):
    store = s3_store(tmp_path, s3_public_endpoint_url="https://models.example.org",
                     s3_presign_expiry_s=120)
    version = unique("s3-url-")
    make_tiny_model(tmp_path / "m.onnx", version=version)
    row = publish_file(store, db_factory, tmp_path / "m.onnx", 10 << 20)
    url = store.presigned_url(row)
    assert url.startswith(f"https://models.example.org/{BUCKET}/district/models/{row.path}?")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=120" in url
    assert ModelStore(tmp_path / "local").presigned_url(row) is None


def test_recovery_leaves_uploads_in_progress_alone(db_factory, tmp_path):
    """Another process's upload (here: a claim held by this one) survives a recovery; once its
    holder is gone, its leftovers do not."""
    store = ModelStore(tmp_path / "models")
    store.ensure()
    with store.claim() as token:
        (store.incoming / f"{token}.onnx").write_bytes(b"half")
        (store.root / f"v1.{token}.onnx").write_bytes(b"renamed, row not yet committed")
        assert store._live(token)
        with db_factory() as session:
            assert store.recover(session) == []
        assert (store.incoming / f"{token}.onnx").exists()
    assert not store._live(token)
    with db_factory() as session:
        removed = {Path(p).name for p in store.recover(session)}
    assert removed == {f"{token}.onnx", f"v1.{token}.onnx"}
    assert list(store.locks.iterdir()) == []

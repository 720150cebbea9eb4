"""Registry storage and the micro-batcher without HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from ombro_contract.card import card_path_for
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.preprocess import DEFAULT_SPEC
from server.core.db import make_engine, make_sessionmaker, migrate, session_scope
from server.models import ModelVersion
from server.registry import ModelStore, UploadRejected, promote, rollback, server_model
from server.registry.storage import publish_file
from server.scoring import MicroBatcher, ModelProvider, NoModelError
from tests.model_factory import make_tiny_int8_model, make_tiny_model

from .conftest import unique


def test_publish_writes_file_then_row(fresh_db_url, tmp_path):
    # Its own database: promoting a ResNet34 whose file lives in this test's folder onto the
    # session database's stable channel would make every live server after it unable to score.
    engine = make_engine(fresh_db_url)
    migrate(engine)
    db_factory = make_sessionmaker(engine)
    store = ModelStore(tmp_path / "models")
    version = unique("store-")
    make_tiny_model(tmp_path / "src.onnx", version=version, arch="resnet34")
    row = publish_file(store, db_factory, tmp_path / "src.onnx", 10 << 20)
    path = store.path_of(row)
    assert path.read_bytes() == (tmp_path / "src.onnx").read_bytes()
    assert card_path_for(path).is_file()
    assert list(store.incoming.iterdir()) == []
    PuppetClassifier.from_path(path)  # the stored pair verifies like any exported model
    with session_scope(db_factory) as s:
        promote(s, "stable", version, None)
        assert server_model(s).version == version  # resnet34 is preferred for scoring
    engine.dispose()


def test_rejected_upload_leaves_nothing(db_factory, tmp_path):
    store = ModelStore(tmp_path / "models")
    make_tiny_model(tmp_path / "ten.onnx", version=unique("bad-"), num_outputs=10)
    with pytest.raises(UploadRejected) as info:
        publish_file(store, db_factory, tmp_path / "ten.onnx", 10 << 20)
    assert info.value.status == 422
    assert [p for p in store.root.rglob("*") if p.is_file()] == []


def test_int8_weights_beyond_seven_bits_are_refused(db_factory, tmp_path):
    # Such a file answers differently on x86 CPUs without VNNI (ombro_contract.int8).
    store = ModelStore(tmp_path / "models")
    make_tiny_int8_model(tmp_path / "eight.onnx", level=127, version=unique("int8-8bit-"))
    with pytest.raises(UploadRejected) as info:
        publish_file(store, db_factory, tmp_path / "eight.onnx", 10 << 20)
    assert info.value.status == 422
    assert "level 127 > 64" in info.value.detail and "training/requantize.py" in info.value.detail
    assert [p for p in store.root.rglob("*") if p.is_file()] == []
    version = unique("int8-7bit-")
    make_tiny_int8_model(tmp_path / "seven.onnx", level=64, version=version)
    assert publish_file(store, db_factory, tmp_path / "seven.onnx", 10 << 20).version == version


def test_size_limit_is_413(db_factory, tmp_path):
    store = ModelStore(tmp_path / "models")
    make_tiny_model(tmp_path / "m.onnx", version=unique("big-"))
    with pytest.raises(UploadRejected) as info:
        publish_file(store, db_factory, tmp_path / "m.onnx", 100)
    assert info.value.status == 413
    assert list(store.incoming.iterdir()) == []


def test_recover_removes_orphans_but_keeps_published(db_factory, tmp_path):
    store = ModelStore(tmp_path / "models")
    version = unique("keep-")
    make_tiny_model(tmp_path / "m.onnx", version=version)
    row = publish_file(store, db_factory, tmp_path / "m.onnx", 10 << 20)
    # A crash mid-write, and a crash between the rename and the database commit:
    (store.incoming / "abc.onnx").write_bytes(b"half a model")
    orphan = store.root / "ghost.12345678.onnx"
    orphan.write_bytes(b"complete but never published")
    card_path_for(orphan).write_text("{}")
    with db_factory() as s:
        removed = store.recover(s)
    assert {Path(p).name for p in removed} == {"abc.onnx", orphan.name, card_path_for(orphan).name}
    assert not orphan.exists() and not card_path_for(orphan).exists()
    assert store.path_of(row).is_file() and card_path_for(store.path_of(row)).is_file()


def test_rollback_walks_back_through_history(db_factory, tmp_path):
    store, arch = ModelStore(tmp_path / "models"), unique("arch")
    versions = [unique(f"h{i}-") for i in range(3)]
    for i, v in enumerate(versions):
        make_tiny_model(tmp_path / f"{i}.onnx", version=v, arch=arch, seed=i)
        publish_file(store, db_factory, tmp_path / f"{i}.onnx", 10 << 20)
    with session_scope(db_factory) as s:
        for v in versions:
            promote(s, "beta", v, None)
        assert rollback(s, "beta", arch).version == versions[1]
        assert rollback(s, "beta", None).version == versions[0]
        promote(s, "beta", versions[2], None)
        assert rollback(s, "beta", arch).version == versions[0]
        assert s.get(ModelVersion, versions[2]) is not None  # rollback never deletes a version


class CountingModel:
    """Stands in for a PuppetClassifier: records batch sizes, returns a per-input answer."""

    def __init__(self):
        self.batches: list[int] = []

    def run(self, batch: np.ndarray) -> np.ndarray:
        self.batches.append(len(batch))
        return batch.reshape(len(batch), -1)[:, :15] * 2.0


@pytest.mark.parametrize("enabled", [True, False])
def test_micro_batcher_groups_concurrent_requests(enabled):
    model = CountingModel()
    inputs = [np.full((3, 4, 4), i, np.float32) for i in range(10)]

    async def main():
        batcher = MicroBatcher(max_batch=4, max_wait_ms=50, enabled=enabled)
        await batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(model, x) for x in inputs))
        finally:
            await batcher.stop()

    results = asyncio.run(main())
    for i, r in enumerate(results):  # every caller gets its own answer back
        np.testing.assert_array_equal(r, np.full(15, 2.0 * i, np.float32))
    assert sum(model.batches) == 10
    assert model.batches == ([4, 4, 2] if enabled else [1] * 10)


def test_micro_batcher_passes_errors_to_callers():
    class Broken:
        def run(self, batch):
            raise RuntimeError("onnxruntime exploded")

    async def main():
        batcher = MicroBatcher(max_batch=8, max_wait_ms=10)
        await batcher.start()
        try:
            return await asyncio.gather(*(batcher.submit(Broken(), np.zeros((3, 2, 2), np.float32))
                                          for _ in range(3)), return_exceptions=True)
        finally:
            await batcher.stop()

    results = asyncio.run(main())
    assert all(isinstance(r, RuntimeError) for r in results)


def test_unloadable_server_model_is_reported_without_server_paths(fresh_db_url, tmp_path):
    engine = make_engine(fresh_db_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    store = ModelStore(tmp_path / "models")
    make_tiny_model(tmp_path / "m.onnx", version="r34-gone", arch="resnet34")
    row = publish_file(store, factory, tmp_path / "m.onnx", 10 << 20)
    with session_scope(factory) as s:
        promote(s, "stable", "r34-gone", None)
    provider = ModelProvider(factory, store, threads=1, refresh_s=0)
    assert asyncio.run(provider.current()).version == "r34-gone"
    store.path_of(row).unlink()
    provider = ModelProvider(factory, store, threads=1, refresh_s=0)  # a fresh process
    with pytest.raises(NoModelError) as info:
        asyncio.run(provider.current())
    assert "r34-gone" in str(info.value) and "server log" in str(info.value)
    assert str(tmp_path) not in str(info.value)
    engine.dispose()


def _stable(store, factory, tmp_path, version, arch, **kw):
    make_tiny_model(tmp_path / f"{version}.onnx", version=version, arch=arch, **kw)
    row = publish_file(store, factory, tmp_path / f"{version}.onnx", 10 << 20)
    with session_scope(factory) as s:
        promote(s, "stable", version, None)
    return row


def test_scoring_averages_the_stable_model_of_each_architecture_when_asked(fresh_db_url, tmp_path):
    engine = make_engine(fresh_db_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    store = ModelStore(tmp_path / "models")
    r34 = _stable(store, factory, tmp_path, "r34-a", "resnet34", seed=1)
    mnv2 = _stable(store, factory, tmp_path, "mnv2-a", "mobilenet_v2", seed=2)
    ensemble = asyncio.run(ModelProvider(factory, store, threads=1, refresh_s=0, ensemble=True).current())
    assert ensemble.versions == ["r34-a", "mnv2-a"] and ensemble.version == "r34-a"
    x = np.random.default_rng(0).normal(size=(4, *ensemble.spec.input_shape)).astype(np.float32)
    alone = [PuppetClassifier.from_path(store.path_of(row)).run(x) for row in (r34, mnv2)]
    assert not np.allclose(alone[0], alone[1])  # two different models, so the mean says something
    np.testing.assert_allclose(ensemble.run(x), (alone[0] + alone[1]) / 2, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ensemble.run(x).sum(axis=1), 1.0, rtol=1e-5)

    solo = asyncio.run(ModelProvider(factory, store, threads=1, refresh_s=0).current())  # the default
    assert solo.versions == ["r34-a"]
    np.testing.assert_allclose(solo.run(x), alone[0], rtol=1e-6)
    engine.dispose()


def test_scoring_with_flip_averages_each_photo_and_its_mirror_image(fresh_db_url, tmp_path):
    engine = make_engine(fresh_db_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    store = ModelStore(tmp_path / "models")
    r34 = _stable(store, factory, tmp_path, "r34-flip", "resnet34", seed=1, sided=True)
    flipped = asyncio.run(ModelProvider(factory, store, threads=1, refresh_s=0, flip=True).current())
    plain = asyncio.run(ModelProvider(factory, store, threads=1, refresh_s=0).current())
    assert flipped.flip and not plain.flip and flipped.versions == plain.versions == ["r34-flip"]
    x = np.random.default_rng(0).normal(size=(4, *flipped.spec.input_shape)).astype(np.float32)
    alone = PuppetClassifier.from_path(store.path_of(r34))
    mirror = alone.run(x[..., ::-1])
    assert not np.allclose(alone.run(x), mirror, atol=1e-4)
    np.testing.assert_allclose(plain.run(x), alone.run(x), rtol=1e-6)
    np.testing.assert_allclose(flipped.run(x), (alone.run(x) + mirror) / 2, rtol=1e-5, atol=1e-6)
    engine.dispose()


def test_a_member_that_cannot_score_is_left_out_and_the_primary_scores(fresh_db_url, tmp_path):
    engine = make_engine(fresh_db_url)
    migrate(engine)
    factory = make_sessionmaker(engine)
    store = ModelStore(tmp_path / "models")
    _stable(store, factory, tmp_path, "r34-b", "resnet34")
    other = DEFAULT_SPEC.model_copy(update={"input_size": 64})
    _stable(store, factory, tmp_path, "mnv2-64px", "mobilenet_v2", spec=other)
    provider = ModelProvider(factory, store, threads=1, refresh_s=0, ensemble=True)
    assert asyncio.run(provider.current()).versions == ["r34-b"]  # reads another input size
    gone = _stable(store, factory, tmp_path, "mnv2-gone", "mobilenet_v2", seed=3)
    store.path_of(gone).unlink()
    assert asyncio.run(provider.current()).versions == ["r34-b"]  # its file is missing
    _stable(store, factory, tmp_path, "mnv2-ok", "mobilenet_v2", seed=4)
    assert asyncio.run(provider.current()).versions == ["r34-b", "mnv2-ok"]  # a new promote
    engine.dispose()

"""Server-side scoring: the current server models and a micro-batcher in front of them.

The server scores with the stable model of its best architecture, the ResNet34. With
`OMBRO_SCORE_ENSEMBLE=true` it averages the stable model of every server architecture (ResNet34
first, then MobileNetV2). The average was the default while the two networks erred on different
photos (v3.1.0: 10/15 and 9/15 alone, 12/15 averaged). With the shipped pair it is not: scored
under 4 x 48 camera views of each of the 15 real photos (docs/training.md, "Camera views"), the
ResNet34 alone holds 2,360 of 2,880 views at top-1 and the average 2,305, lower on seven photos
and higher on one, with the same top-3 and generated-val accuracy (2,779 and 2,780 of 3,000). The
app's MobileNetV2 is weaker than the ResNet34 on every photo and learnt from it, so averaging it in
pulls the ResNet34 toward its own mistakes.

Each model also scores the mirror image of its input and averages the two (`OMBRO_SCORE_FLIP`,
on by default): performers make the same puppet with either hand. Measured on the shipped ResNet34
over the same 4 x 48 camera views it moves top-1 from 12.29 to 12.71 photos of 15 (top-3 14.01 to
14.09, p(true) 0.568 to 0.575; the photos themselves 12/15 to 13/15) and generated val from 92.63 %
to 92.73 %; most of the gain is one photo (the bird). It doubles the inference, which is most of
a request's cost: one process scored 53 requests/s without it and 28 with it in one
`benchmarks/bench_capacity.py` run. `/score` is the accurate path, not the busy one (apps score
on the phone), so accuracy wins; a deployment that needs the throughput sets it to false.

Concurrent `/score` requests are queued; one worker task takes up to `max_batch` of them (waiting
at most `max_wait_ms` after the first) and makes a single onnxruntime call for the whole batch.
While that call runs, new requests pile up, so under load batches fill themselves. With batching
off every request runs on its own (the baseline the benchmark compares against).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from ombro_contract.card import ModelCard, verify_file
from ombro_contract.classifier import PuppetClassifier
from ombro_contract.errors import ModelContractError

from .models import ModelVersion
from .registry import ModelStore, server_model, server_models

log = logging.getLogger(__name__)


class NoModelError(Exception):
    pass


def load_classifier(store: ModelStore, row: ModelVersion, threads: int, flip: bool = False) -> PuppetClassifier:
    """The registry row's model, from the store's local copy, checked against the row's card.

    The card comes from the database, not from a file beside the model: an object store's cache
    holds bare files named by sha256, and the row is what every replica agrees on.
    """
    path = store.local_file(row)
    try:
        card = ModelCard.model_validate(row.card)
    except ValidationError as exc:
        raise ModelContractError(f"the registry's card of {row.version} is invalid: {exc}") from None
    verify_file(path, card)
    clf = PuppetClassifier(path, card, threads=threads, flip=flip)
    clf.warmup()
    return clf


class Ensemble:
    """Several classifiers that read the same input and whose probabilities are averaged.

    Members share one preprocessing spec and one label list (the provider checks), so a photo is
    preprocessed once for all of them. The first member is the primary: its version is the
    `model_version` a score reports, as it was when one model scored alone.
    """

    def __init__(self, members: list[PuppetClassifier]):
        if not members:
            raise ValueError("an ensemble needs at least one classifier")
        self.members = list(members)

    @property
    def primary(self) -> PuppetClassifier:
        return self.members[0]

    @property
    def spec(self):
        return self.primary.spec

    @property
    def classes(self) -> list[str]:
        return self.primary.classes

    @property
    def version(self) -> str:
        return self.primary.version

    @property
    def versions(self) -> list[str]:
        return [m.version for m in self.members]

    @property
    def flip(self) -> bool:
        return self.primary.flip

    def run(self, batch: np.ndarray) -> np.ndarray:
        """Mean probabilities (N, classes) of the members for a preprocessed batch."""
        if len(self.members) == 1:
            return self.primary.run(batch)
        return np.mean([m.run(batch) for m in self.members], axis=0)


class ModelProvider:
    """The scoring ensemble of the stable models, reloaded when a channel pointer moves.

    Every process asks the database at most every `refresh_s` seconds which models are on stable,
    so a promote or rollback on any replica reaches every replica within `refresh_s` plus the
    time to fetch (object store) and load the new model; until then the old one keeps scoring.
    The primary (best architecture) must load, or /score answers 503; another member that cannot
    be loaded, or that reads a different input, is left out (logged once) and the rest score.
    """

    def __init__(
        self,
        factory: sessionmaker[Session],
        store: ModelStore,
        threads: int,
        refresh_s: float,
        on_load: Callable[[str], None] = lambda version: None,
        ensemble: bool = False,
        flip: bool = False,
    ):
        self._factory, self._store, self._on_load = factory, store, on_load
        self._threads, self._refresh_s, self._ensemble = threads, refresh_s, ensemble
        self._flip = flip
        self._clf: Ensemble | None = None
        self._checked = 0.0
        self._left_out: set[str] = set()
        self._lock = asyncio.Lock()

    @property
    def loaded(self) -> Ensemble | None:
        return self._clf

    def _load(self, row: ModelVersion) -> PuppetClassifier:
        log.info("loading server model", extra={"version": row.version, "arch": row.arch})
        try:
            return load_classifier(self._store, row, self._threads, flip=self._flip)
        except (ModelContractError, OSError) as exc:
            # The registry row exists but its file is gone or damaged: the server's fault, but
            # one a maintainer fixes, so /score says so (503) instead of crashing (500).
            log.error("server model %s cannot be loaded: %s", row.version, exc)
            # The details (paths, the bucket) are in the log line above, not in the answer.
            raise NoModelError(
                f"the stable model {row.version} cannot be loaded on the server; a maintainer "
                "must check the server log, or publish and promote a model again"
            ) from None

    def _load_member(self, row: ModelVersion, primary: PuppetClassifier) -> PuppetClassifier | None:
        """Another architecture's model, or None (remembered) when it cannot join the primary."""
        if row.version in self._left_out:
            return None
        try:
            clf = self._load(row)
        except NoModelError:
            clf = None
        if clf is not None and (clf.spec != primary.spec or clf.classes != primary.classes):
            log.warning("server model %s reads another input or label list than %s",
                        row.version, primary.version)
            clf = None
        if clf is None:
            log.warning("scoring without %s", row.version)
            self._left_out.add(row.version)
        return clf

    def _resolve(self) -> Ensemble | None:
        with self._factory() as session:
            rows = server_models(session) if self._ensemble else [server_model(session)]
        rows = [r for r in rows if r is not None]
        if not rows:
            return None
        current = {m.version: m for m in self._clf.members} if self._clf is not None else {}
        wanted = [r.version for r in rows if r.version not in self._left_out or r is rows[0]]
        if self._clf is not None and self._clf.versions == wanted:
            return self._clf
        primary = current.get(rows[0].version) or self._load(rows[0])
        members = [primary]
        for row in rows[1:]:
            clf = current.get(row.version) or self._load_member(row, primary)
            if clf is not None:
                members.append(clf)
        if self._clf is None or self._clf.version != primary.version:
            self._on_load(primary.version)
        return Ensemble(members)

    async def current(self) -> Ensemble:
        now = time.monotonic()
        if self._clf is None or now - self._checked > self._refresh_s:
            async with self._lock:
                if self._clf is None or time.monotonic() - self._checked > self._refresh_s:
                    self._clf = await asyncio.to_thread(self._resolve)
                    self._checked = time.monotonic()
        if self._clf is None:
            raise NoModelError(
                "no model is published on the stable channel yet; a maintainer must upload one "
                "(POST /api/v1/models) and promote it"
            )
        return self._clf


@dataclass
class _Job:
    clf: Ensemble | PuppetClassifier
    tensor: np.ndarray
    future: asyncio.Future


class MicroBatcher:
    def __init__(self, max_batch: int, max_wait_ms: float, enabled: bool = True, observe=None):
        self.max_batch, self.max_wait = max(1, max_batch), max(0.0, max_wait_ms) / 1000.0
        self.enabled = enabled
        self._observe = observe or (lambda size: None)  # metrics hook: batch size
        self._queue: asyncio.Queue[_Job] | None = None
        self._worker: asyncio.Task | None = None

    async def start(self) -> None:
        if self.enabled and self._worker is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run(), name="score-batcher")

    async def stop(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            try:
                await self._worker
            except asyncio.CancelledError:
                pass
            self._worker = None

    async def submit(self, clf: Ensemble | PuppetClassifier, tensor: np.ndarray) -> np.ndarray:
        """Probabilities for one preprocessed (3, S, S) input."""
        if not self.enabled or self._queue is None:
            self._observe(1)
            return (await asyncio.to_thread(clf.run, tensor[None]))[0]
        future = asyncio.get_running_loop().create_future()
        await self._queue.put(_Job(clf, tensor, future))
        return await future

    async def _collect(self, first: _Job) -> tuple[list[_Job], _Job | None]:
        """Up to max_batch jobs for the same model; a job for another model starts the next batch."""
        batch, deadline = [first], time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            try:
                job = self._queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                try:
                    job = await asyncio.wait_for(self._queue.get(), remaining)
                except TimeoutError:
                    break
            if job.clf is not first.clf:
                return batch, job
            batch.append(job)
        return batch, None

    async def _run(self) -> None:
        carry: _Job | None = None
        while True:
            first = carry or await self._queue.get()
            batch, carry = await self._collect(first)
            batch = [j for j in batch if not j.future.cancelled()]
            if not batch:
                continue
            self._observe(len(batch))
            try:
                stacked = np.stack([j.tensor for j in batch])
                probs = await asyncio.to_thread(batch[0].clf.run, stacked)
            except Exception as exc:  # noqa: BLE001 -- hand any failure to every waiting request
                for j in batch:
                    if not j.future.done():
                        j.future.set_exception(exc)
                continue
            for j, p in zip(batch, probs):
                if not j.future.done():
                    j.future.set_result(p)

"""Live-stream recognition: the camera never waits for the model.

Modelled on MediaPipe's live-stream mode: `submit(frame, timestamp)` returns at once, a single
worker thread classifies the most recent frame, and results arrive through a callback carrying the
frame's timestamp and the model version. The pending slot holds one frame: a newer frame replaces
an unprocessed older one (latest frame wins), so a slow phone shows fresh results instead of an
ever-growing lag. The callback runs on the worker thread; the Kivy app hops to the UI thread with
`Clock.schedule_once`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)


class Classifier(Protocol):
    """What the recognizer needs from `ombro_contract.classifier.PuppetClassifier`."""

    def classify(self, bgr_frame: np.ndarray, top_k: int = 3): ...


@dataclass(frozen=True)
class RecognitionResult:
    timestamp: float  # the submitted frame's timestamp, not the time the result was ready
    label: str
    confidence: float
    top_k: list[tuple[str, float]]
    probs: np.ndarray
    model_version: str
    latency_ms: float  # classify() time on the worker
    age_ms: float  # from submit() to result: what the student actually waits


@dataclass
class RecognizerStats:
    submitted: int = 0
    replaced: int = 0  # frames dropped because a newer one arrived first
    processed: int = 0
    failed: int = 0


class LiveRecognizer:
    """One worker thread around one classifier; start/stop with the practice screen."""

    def __init__(
        self,
        classifier: Classifier,
        on_result: Callable[[RecognitionResult], None],
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self._classifier = classifier
        self._on_result = on_result
        self._on_error = on_error
        self._cond = threading.Condition()
        self._pending: tuple[np.ndarray, float, float] | None = None
        self._running = False
        self._thread: threading.Thread | None = None
        self.stats = RecognizerStats()

    @property
    def classifier(self) -> Classifier:
        return self._classifier

    def swap_classifier(self, classifier: Classifier) -> None:
        """Use a newly downloaded model from the next frame on (the current frame finishes)."""
        with self._cond:
            self._classifier = classifier

    def start(self) -> None:
        with self._cond:
            if self._running:
                return
            self._running = True
        self._thread = threading.Thread(target=self._work, name="ombro-recognizer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._running = False
            self._pending = None
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._running

    def submit(self, frame: np.ndarray, timestamp: float) -> bool:
        """Queue `frame` for recognition; False when it replaced a frame the worker never saw."""
        with self._cond:
            if not self._running:
                raise RuntimeError("LiveRecognizer.submit() before start(): start it first")
            replaced = self._pending is not None
            self._pending = (frame, timestamp, time.perf_counter())
            self.stats.submitted += 1
            self.stats.replaced += int(replaced)
            self._cond.notify()
        return not replaced

    def _work(self) -> None:
        while True:
            with self._cond:
                while self._running and self._pending is None:
                    self._cond.wait()
                if not self._running:
                    return
                frame, timestamp, submitted_at = self._pending
                self._pending = None
                classifier = self._classifier
            try:
                started = time.perf_counter()
                pred = classifier.classify(frame, top_k=3)
                latency = (time.perf_counter() - started) * 1000.0
                result = RecognitionResult(
                    timestamp=timestamp,
                    label=pred.label,
                    confidence=float(pred.confidence),
                    top_k=[(str(lbl), float(p)) for lbl, p in pred.top_k],
                    probs=np.asarray(pred.probs, dtype=np.float32),
                    model_version=str(pred.model_version),
                    latency_ms=latency,
                    age_ms=(time.perf_counter() - submitted_at) * 1000.0,
                )
            except Exception as exc:  # a bad frame must not kill the worker
                self.stats.failed += 1
                log.exception("recognition failed for frame at %.3f", timestamp)
                if self._on_error is not None:
                    self._on_error(exc)
                continue
            self.stats.processed += 1
            with self._cond:
                still_running = self._running
            if still_running:
                self._on_result(result)

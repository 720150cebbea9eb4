"""Live-stream recognition: the camera never waits for the model.

Modelled on MediaPipe's live-stream mode: `submit(frame, timestamp)` returns at once, a single
worker thread classifies the most recent frame, and results arrive through a callback carrying the
frame's timestamp and the model version. The pending slot holds one frame: a newer frame replaces
an unprocessed older one (latest frame wins), so a slow phone shows fresh results instead of an
ever-growing lag. The callback runs on the worker thread; the Kivy app hops to the UI thread with
`Clock.schedule_once`.

With a shape coach (`app.shape_coach.ShapeCoach`) the worker also judges the shadow's shape, on
the silhouette the model's preprocessing made for this very frame (made once, used twice), and the
result carries that feedback. A coach that fails is switched off for the rest of its try: the
lesson goes on without shape hints rather than without recognition.
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
    """What the recognizer needs from `ombro_contract.classifier.PuppetClassifier`
    (`classify_with_silhouette` only when a shape coach is attached)."""

    def classify(self, bgr_frame: np.ndarray, top_k: int = 3): ...

    def classify_with_silhouette(self, bgr_frame: np.ndarray, top_k: int = 3): ...


class Coach(Protocol):
    """What the recognizer needs from `app.shape_coach.ShapeCoach`."""

    def update(self, silhouette: np.ndarray, timestamp: float): ...


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
    feedback: object | None = None  # `ShapeFeedback` when a coach is attached
    feedback_ms: float = 0.0  # the coach's time on the worker


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
        coach: Coach | None = None,
    ) -> None:
        self._classifier = classifier
        self._coach = coach
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

    def swap_coach(self, coach: Coach | None) -> None:
        """Judge shapes with `coach` from the next frame on (a new try starts a fresh coach)."""
        with self._cond:
            self._coach = coach

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
                classifier, coach = self._classifier, self._coach
            try:
                started = time.perf_counter()
                if coach is None:
                    pred, mask = classifier.classify(frame, top_k=3), None
                else:
                    pred, mask = classifier.classify_with_silhouette(frame, top_k=3)
                latency = (time.perf_counter() - started) * 1000.0
                feedback, feedback_ms = self._judge_shape(coach, mask, timestamp)
                result = RecognitionResult(
                    timestamp=timestamp,
                    label=pred.label,
                    confidence=float(pred.confidence),
                    top_k=[(str(lbl), float(p)) for lbl, p in pred.top_k],
                    probs=np.asarray(pred.probs, dtype=np.float32),
                    model_version=str(pred.model_version),
                    latency_ms=latency,
                    age_ms=(time.perf_counter() - submitted_at) * 1000.0,
                    feedback=feedback,
                    feedback_ms=feedback_ms,
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

    def _judge_shape(self, coach: Coach | None, mask: np.ndarray | None, timestamp: float):
        if coach is None or mask is None:
            return None, 0.0
        started = time.perf_counter()
        try:
            feedback = coach.update(mask, timestamp)
        except Exception:  # shape hints are a help; recognition must go on without them
            log.exception("shape feedback failed; this try goes on without it")
            with self._cond:
                if self._coach is coach:
                    self._coach = None
            return None, 0.0
        return feedback, (time.perf_counter() - started) * 1000.0

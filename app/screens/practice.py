"""Practice: the live camera, what the model sees, and the hold-to-pass ring.

The frame loop runs on `Clock` at the camera's pace and only draws and submits; the model runs on
the recognizer's worker (latest frame wins) and its results come back through
`Clock.schedule_once`, so the preview never waits for inference. Each try ends in one recorded
attempt: a pass, a timeout, or leaving the screen after practising.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.graphics.texture import Texture
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import Screen

from app.camera_source import CameraSourceError, open_source
from app.lessons import lesson_for
from app.recognizer import LiveRecognizer, RecognitionResult
from app.smoothing import PracticeJudge, PracticeState, SmoothingConfig

log = logging.getLogger(__name__)
Builder.load_file(str(Path(__file__).with_suffix(".kv")))

MIN_PRACTICE_S = 3.0  # leaving sooner than this is browsing, not an attempt

STATE_TEXT = {
    PracticeState.UNSURE: "No puppet yet: make the shadow on the wall",
    PracticeState.OTHER: "That looks like a {label}",
    PracticeState.HOLDING: "Hold it... {held:.1f} s",
    PracticeState.PASSED: "Well done!",
}


class PracticeScreen(Screen):
    target = StringProperty("dog")
    target_picture = StringProperty("")
    predicted = StringProperty("")
    confidence = NumericProperty(0.0)
    target_confidence = NumericProperty(0.0)
    threshold = NumericProperty(0.6)
    hold_progress = NumericProperty(0.0)
    state = StringProperty(PracticeState.UNSURE.value)
    message = StringProperty("")
    passed = BooleanProperty(False)
    failed = BooleanProperty(False)
    stars = NumericProperty(0)
    model_version = StringProperty("")
    preview = ObjectProperty(None, allownone=True)
    ui_fps = NumericProperty(0.0)
    inference_fps = NumericProperty(0.0)
    latency_ms = NumericProperty(0.0)

    def __init__(self, **kw):
        super().__init__(**kw)
        self._source = None
        self._recognizer: LiveRecognizer | None = None
        self._judge: PracticeJudge | None = None
        self._tick_ev = None
        self._try_id = 0
        self._try_started = 0.0
        self._last_submit = 0.0
        self._last_frame = None
        self._max_held = 0.0
        self._recorded = True
        self._frame_times: list[float] = []
        self._result_times: list[float] = []

    # -- lifecycle --------------------------------------------------------------------------
    def on_pre_enter(self, *_):
        app = App.get_running_app()
        lesson = lesson_for(self.target)
        self.target_picture = str(lesson.silhouette or "")
        self.threshold = app.services.settings.threshold
        if app.classifier is None:
            self.message = app.model_message or "Loading the model..."
            return
        try:
            self._source = open_source(app.camera_spec)
        except CameraSourceError as exc:
            self.message = str(exc)
            return
        self._recognizer = LiveRecognizer(app.classifier, self._on_result_worker, self._on_error_worker)
        self._recognizer.start()
        self.model_version = app.classifier.version
        self.new_try()
        self._tick_ev = Clock.schedule_interval(self._tick, 1.0 / 30.0)

    def on_leave(self, *_):
        self._finish_try(passed=False, reason="left")
        if self._tick_ev is not None:
            self._tick_ev.cancel()
            self._tick_ev = None
        if self._recognizer is not None:
            self._recognizer.stop()
            self._recognizer = None
        if self._source is not None:
            self._source.close()
            self._source = None

    def swap_classifier(self, classifier) -> None:
        """A new model was installed: use it from the next frame."""
        if self._recognizer is not None:
            self._recognizer.swap_classifier(classifier)
            self.model_version = classifier.version

    def new_try(self) -> None:
        settings = App.get_running_app().services.settings
        cfg = SmoothingConfig(hold_seconds=settings.hold_seconds, threshold=settings.threshold)
        self._judge = PracticeJudge(self.target, cfg)
        self._try_id += 1
        self._try_started = time.monotonic()
        self._max_held = 0.0
        self._recorded = False
        self.passed = self.failed = False
        self.stars = 0
        self.hold_progress = 0.0
        self.predicted = ""
        self.confidence = self.target_confidence = 0.0
        self.state = PracticeState.UNSURE.value
        self.message = STATE_TEXT[PracticeState.UNSURE]

    # -- frame loop (UI thread) -------------------------------------------------------------
    def _tick(self, dt: float) -> None:
        now = time.monotonic()
        settings = App.get_running_app().services.settings
        if not self.passed and not self.failed and now - self._try_started > settings.lesson_timeout_s:
            self.failed = True
            self.message = "Not this time. Look at the how-to picture and try again."
            self._finish_try(passed=False, reason="timeout")
        frame = self._source.read() if self._source is not None else None
        if frame is None:
            return
        if frame is not self._last_frame:  # a still camera source needs no redraw
            self._last_frame = frame
            self._show(frame)
            self._frame_times.append(now)
        self._frame_times = [t for t in self._frame_times if now - t < 1.0]
        self.ui_fps = float(len(self._frame_times))
        if self._recognizer is not None and not self.passed and not self.failed \
                and now - self._last_submit >= 1.0 / settings.inference_fps:
            self._last_submit = now
            self._recognizer.submit(frame, now)

    def _show(self, frame) -> None:
        h, w = frame.shape[:2]
        tex = self.preview
        if tex is None or tuple(tex.size) != (w, h):
            tex = Texture.create(size=(w, h), colorfmt="bgr")
            tex.flip_vertical()  # camera rows are top-down, GL rows bottom-up
        tex.blit_buffer(frame.tobytes(), colorfmt="bgr", bufferfmt="ubyte")
        if tex is not self.preview:
            self.preview = tex
        else:
            self.ids.preview.canvas.ask_update()

    # -- results (worker thread -> UI thread) -----------------------------------------------
    def _on_result_worker(self, result: RecognitionResult) -> None:
        Clock.schedule_once(partial(self._apply, self._try_id, result))

    def _on_error_worker(self, exc: Exception) -> None:
        Clock.schedule_once(lambda dt: setattr(self, "message", f"Recognition error: {exc}"))

    def _apply(self, try_id: int, result: RecognitionResult, *_):
        if try_id != self._try_id or self._judge is None or self.failed:
            return  # a late result from a previous try
        now = time.monotonic()
        self._result_times = [t for t in self._result_times if now - t < 1.0] + [now]
        self.inference_fps = float(len(self._result_times))
        self.latency_ms = result.latency_ms
        was_passed = self._judge.passed
        upd = self._judge.update(result.probs, result.timestamp)
        self._max_held = max(self._max_held, upd.held_seconds)
        self.state = upd.state.value
        self.predicted = upd.label or ""
        self.confidence = upd.confidence
        self.target_confidence = upd.target_confidence
        self.hold_progress = upd.hold_progress
        self.model_version = result.model_version
        if upd.passed and not was_passed:
            self.passed = True
            self.stars = upd.stars
            self._finish_try(passed=True, reason="passed", confidence=upd.target_confidence,
                             stars=upd.stars)
        self.message = STATE_TEXT[upd.state].format(label=upd.label or "", held=upd.held_seconds)

    # -- attempts ---------------------------------------------------------------------------
    def _finish_try(self, passed: bool, reason: str, confidence: float | None = None,
                    stars: int = 0) -> None:
        if self._recorded or self._judge is None:
            return
        practised = time.monotonic() - self._try_started
        if self._judge.best_label is None or (reason == "left" and practised < MIN_PRACTICE_S):
            self._recorded = True  # no model result yet, or looked and left: not an attempt
            return
        self._recorded = True
        judge = self._judge
        predicted = self.target if passed else judge.best_label
        app = App.get_running_app()
        app.record_attempt(
            puppet=self.target,
            predicted=predicted,
            confidence=confidence if confidence is not None else judge.best_target_confidence,
            hold_seconds=self._max_held,
            passed=passed,
            model_version=self.model_version or "unknown",
            stars=stars,
        )
        log.info("attempt recorded: %s passed=%s (%s)", self.target, passed, reason)

    def retry(self) -> None:
        self._finish_try(passed=False, reason="left")
        self.new_try()

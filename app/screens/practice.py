"""Practice: the live camera, what the model sees, and the hold-to-pass ring.

The frame loop runs on `Clock` at the camera's pace and only draws and submits; the model runs on
the recognizer's worker (latest frame wins) and its results come back through
`Clock.schedule_once`, so the preview never waits for inference. Each try ends in one recorded
attempt: a pass, a timeout, or leaving the screen after practising.

Shape feedback rides along: the recognizer's worker also runs a `ShapeCoach` for the lesson's
target on the silhouette the model saw, and each result brings the shape match, one steady hint
and the overlay (outline, missing area blue, extra orange) drawn over the preview. The attempt
records the try's best shape match and the hint shown longest.
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
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.screenmanager import Screen

from app.camera_source import CameraSourceError, open_source
from app.lessons import lesson_for
from app.puppet_shape import PuppetShape, ShapeAssetError, load_puppet_shape
from app.recognizer import LiveRecognizer, RecognitionResult
from app.shape_coach import ShapeCoach, ShapeFeedback
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
    shape_match = NumericProperty(-1.0)  # the overlap with the target, -1: nothing measured
    good_shape = NumericProperty(0.85)  # praise the shape from here (a correct one scores 90+)
    hint_text = StringProperty("")
    hint_part = StringProperty("")
    show_overlay = BooleanProperty(True)
    shape_available = BooleanProperty(False)  # the lesson has a part map (assets present)
    overlay_texture = ObjectProperty(None, allownone=True)
    outline = ListProperty([])
    feedback_ms = NumericProperty(0.0)

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
        self._shapes: dict[str, PuppetShape | None] = {}
        self._best_match: float | None = None
        self._hint_seconds: dict[str, float] = {}
        self._last_feedback_at: float | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def on_pre_enter(self, *_):
        app = App.get_running_app()
        lesson = lesson_for(self.target)
        self.target_picture = str(lesson.silhouette or "")
        self.threshold = app.services.settings.threshold
        self.show_overlay = app.services.settings.shape_overlay
        self.shape_available = self._shape() is not None
        if app.classifier is None:
            self.message = app.model_message or "Loading the model..."
            return
        try:
            self._source = open_source(app.camera_spec)
        except CameraSourceError as exc:
            self.message = str(exc)
            return
        self._recognizer = LiveRecognizer(app.classifier, self._on_result_worker,
                                          self._on_error_worker)
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

    def _shape(self) -> PuppetShape | None:
        """The lesson's target shape, read once per puppet; None (no shape feedback, the lesson
        still works) when its assets are missing."""
        if self.target not in self._shapes:
            try:
                self._shapes[self.target] = load_puppet_shape(self.target)
            except ShapeAssetError as exc:
                log.warning("no shape feedback for %s: %s", self.target, exc)
                self._shapes[self.target] = None
        return self._shapes[self.target]

    def _new_coach(self) -> ShapeCoach | None:
        shape = self._shape()
        return None if shape is None else ShapeCoach(shape, overlay=self.show_overlay)

    def toggle_overlay(self, on: bool) -> None:
        """The switch on the preview: saved, and the worker stops painting when it is off."""
        services = App.get_running_app().services
        self.show_overlay = bool(on)
        if services.settings.shape_overlay != self.show_overlay:
            services.settings.shape_overlay = self.show_overlay
            services.save_settings()
        if self._recognizer is not None:
            self._recognizer.swap_coach(self._new_coach())  # the hint starts afresh, briefly
        if not on:
            self.outline = []
            self.overlay_texture = None

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
        self.shape_match = -1.0
        self.hint_text = self.hint_part = ""
        self.outline = []
        self._best_match = None
        self._hint_seconds = {}
        self._last_feedback_at = None
        if self._recognizer is not None:
            self._recognizer.swap_coach(self._new_coach())  # a fresh fit and hint per try

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
        if result.feedback is not None and not self.passed:
            self._show_feedback(result.feedback, result.feedback_ms)
        if upd.passed and not was_passed:
            self.passed = True
            self.stars = upd.stars
            self._finish_try(passed=True, reason="passed", confidence=upd.target_confidence,
                             stars=upd.stars)
        self.message = STATE_TEXT[upd.state].format(label=upd.label or "", held=upd.held_seconds)

    def _show_feedback(self, fb: ShapeFeedback, cost_ms: float) -> None:
        self.feedback_ms = cost_ms
        self.shape_match = -1.0 if fb.match is None else fb.match
        if fb.match is not None:
            self._best_match = max(self._best_match or 0.0, fb.match)
        # The hint shown longest in a try is the one the attempt reports.
        if self._last_feedback_at is not None and self.hint_part:
            shown_for = min(0.5, max(0.0, fb.timestamp - self._last_feedback_at))
            part = self.hint_part
            self._hint_seconds[part] = self._hint_seconds.get(part, 0.0) + shown_for
        self._last_feedback_at = fb.timestamp
        self.hint_part = fb.hint.part if fb.hint else ""
        self.hint_text = fb.hint.text if fb.hint else ""
        if not self.show_overlay or fb.overlay is None:
            self.outline = []
            self.overlay_texture = None
            return
        h, w = fb.overlay.shape[:2]
        tex = self.overlay_texture
        if tex is None or tuple(tex.size) != (w, h):
            tex = Texture.create(size=(w, h), colorfmt="rgba")
            tex.flip_vertical()  # rows top-down, like the camera's
        tex.blit_buffer(fb.overlay.tobytes(), colorfmt="rgba", bufferfmt="ubyte")
        if tex is not self.overlay_texture:
            self.overlay_texture = tex
        else:
            self.ids.overlay.canvas.ask_update()
        self.outline = [c.reshape(-1).tolist() for c in fb.outline]

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
            shape_match=self._best_match,
            hint=max(self._hint_seconds, key=self._hint_seconds.get) if self._hint_seconds else None,
        )
        log.info("attempt recorded: %s passed=%s (%s)", self.target, passed, reason)

    def retry(self) -> None:
        self._finish_try(passed=False, reason="left")
        self.new_try()

"""A hands-free run of the real UI for demos and end-to-end tests.

`--autopilot dog` signs in (or continues as guest), opens the dog lesson, lets the camera source
play until the configured number of attempts are recorded, optionally waits until they are
synced, saves screenshots, prints one `AUTOPILOT {json}` line and quits. It only taps what a
student would tap (the same app methods the buttons call), so it tests the real app. The JSON
also lists the texts readable on the practice screen, so tests check what a student sees.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

from kivy.clock import Clock
from kivy.core.window import Window
from kivy.uix.label import Label

from app.api_client import ApiError
from app.attempt_queue import Attempt

log = logging.getLogger(__name__)

POLL_S = 0.2


class Autopilot:
    def __init__(self, app, options) -> None:
        self.app = app
        self.opt = options
        self.state = "sign_in"
        self.started = time.monotonic()
        self.state_since = self.started
        self.attempts: list[Attempt] = []
        self.shots: dict[str, str] = {}
        self.error: str | None = None
        self._busy = False
        self._last_report = 0.0
        self._ended_at: float | None = None
        self.fps_samples: list[tuple[float, float, float]] = []
        self.practice_texts: list[str] = []
        self.tour_texts: dict[str, list[str]] = {}

    def start(self) -> None:
        self._ev = Clock.schedule_interval(self._step, POLL_S)

    def attempt_recorded(self, attempt: Attempt) -> None:
        self.attempts.append(attempt)
        print(f"autopilot: attempt {len(self.attempts)} recorded: {attempt.puppet} "
              f"passed={attempt.passed} confidence={attempt.confidence:.2f}", flush=True)

    def _goto(self, state: str) -> None:
        self.state, self.state_since = state, time.monotonic()

    def _in_state(self) -> float:
        return time.monotonic() - self.state_since

    def screenshot(self, name: str) -> None:
        if self.opt.screenshot_dir is None or name in self.shots:
            return
        folder = Path(self.opt.screenshot_dir)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"app-{name}.png"
        made = Window.screenshot(name=str(folder / f".shot-{name}.png"))
        if made:
            Path(made).replace(target)
            self.shots[name] = str(target)

    # -- the plan ---------------------------------------------------------------------------
    def _step(self, dt) -> None:
        if time.monotonic() - self.started > self.opt.timeout_s and self.state != "done":
            self._finish(f"timed out in state {self.state!r} after {self.opt.timeout_s:.0f} s")
            return
        getattr(self, f"_state_{self.state}")()

    def _state_sign_in(self) -> None:
        services = self.app.services
        if self._busy:
            return
        if self.opt.username and (services.session is None
                                  or services.session.username != self.opt.username):
            self._busy = True
            threading.Thread(target=self._sign_in_worker, daemon=True).start()
            return
        if services.session is None and not self.app.started:
            self.app.signed_in(None)  # guest
        self.app.started = True
        self.app.go("lessons")
        self._goto("lessons")

    def _sign_in_worker(self) -> None:
        api = self.app.services.api
        try:
            if self.opt.join_code:
                session = api.join(self.opt.join_code, self.opt.username, self.opt.password or "",
                                   self.opt.username)
            else:
                session = api.sign_in(self.opt.username, self.opt.password or "")
            error = None
        except ApiError as exc:
            session, error = None, str(exc)
        Clock.schedule_once(lambda dt: self._signed_in(session, error))

    def _signed_in(self, session, error) -> None:
        self._busy = False
        if session is None:
            self._finish(f"sign-in failed: {error}")
            return
        self.app.signed_in(session)
        self._goto("lessons")

    def _state_lessons(self) -> None:
        if self._in_state() < 1.0:
            return  # let the list draw
        self.screenshot("lessons")
        if self.opt.autopilot:
            self.app.open_lesson(self.opt.autopilot)
            self._goto("practice")
        else:
            self._goto("wait_sync")

    def _state_practice(self) -> None:
        practice = self.app.sm.get_screen("practice")
        if self.app.classifier is None and self.app.model_message and \
                not self.app.model_message.startswith("Loading"):
            self._finish(self.app.model_message)
            return
        now = time.monotonic()
        if now - self._last_report >= 1.0:
            self._last_report = now
            print(f"autopilot: {practice.target}: sees {practice.predicted or 'unsure'} "
                  f"{practice.confidence:.2f}, hold {practice.hold_progress * 100:.0f}%", flush=True)
            if practice.ui_fps > 0:  # frame rates the student saw, for the benchmark
                self.fps_samples.append((Clock.get_fps(), practice.ui_fps, practice.inference_fps))
            self.practice_texts = visible_texts(practice)
        if practice.hold_progress >= 0.5 and not practice.passed:
            self.screenshot("practice")
        if practice.hint_text and practice.outline and not (practice.passed or practice.failed):
            self.screenshot("hint")  # shape feedback: the outline, the colours and a hint
        ended = practice.passed or practice.failed
        if not ended:
            self._ended_at = None
        elif self._ended_at is None:
            self._ended_at = now
        since_end = now - self._ended_at if self._ended_at is not None else 0.0
        if practice.passed and since_end > 0.6:  # let the celebration draw first
            self.screenshot("passed")
        if len(self.attempts) >= self.opt.attempts and (not ended or since_end > 0.8):
            self.screenshot("practice")  # a run that never held still shows what it saw
            self.app.go("lessons")
            self._goto("wait_sync" if self.opt.exit_when_synced else "tour")
            return
        if ended and since_end > 1.5:
            practice.retry()

    def _state_wait_sync(self) -> None:
        services = self.app.services
        if services.session is None:
            self._finish("cannot sync as a guest: pass --username/--password")
            return
        if services.sync_status().pending == 0 and self._in_state() > 0.5:
            self._goto("tour")
        elif self._in_state() > 2.0 and int(self._in_state() / POLL_S) % 10 == 0:
            self.app.sync_worker.poke()

    def _state_tour(self) -> None:
        """With a screenshot folder, also photograph progress and settings for the docs."""
        if self.opt.screenshot_dir is None:
            self._finish(None)
            return
        stops = ["progress", "settings"]
        step = int(self._in_state() / 1.2)  # 1.2 s per screen: long enough to draw
        if step > len(stops):
            self._finish(None)
            return
        if step > 0:
            self.screenshot(stops[step - 1])
            self.tour_texts.setdefault(stops[step - 1], visible_texts(self.app.sm.current_screen))
        if step < len(stops) and self.app.sm.current != stops[step]:
            self.app.go(stops[step])

    def _state_done(self) -> None:
        pass

    def _finish(self, error: str | None) -> None:
        self._ev.cancel()
        self.state = "done"
        self.error = error
        self.app.exit_code = 1 if error else 0
        counts = self.app.services.queue.counts(self.app.services.owner)
        print("AUTOPILOT " + json.dumps({
            "ok": error is None, "error": error, "target": self.opt.autopilot,
            "attempts": [{"id": a.id, "passed": a.passed, "confidence": round(a.confidence, 3),
                          "stars": a.stars, "model_version": a.model_version,
                          "shape_match": a.shape_match, "hint": a.hint} for a in self.attempts],
            "queue": counts, "screenshots": self.shots,
            "ui_fps": _mean([s[0] for s in self.fps_samples[1:]]),
            "preview_fps": _mean([s[1] for s in self.fps_samples[1:]]),
            "inference_fps": _mean([s[2] for s in self.fps_samples[1:]]),
            "seconds": round(time.monotonic() - self.started, 1),
            "practice_texts": self.practice_texts,
            "tour_texts": self.tour_texts,
        }), flush=True)
        Clock.schedule_once(lambda dt: self.app.stop(), 0.1)


def visible_texts(widget) -> list[str]:
    """The label and button texts a person can read: shown, with room, in shown parents."""
    if widget.opacity <= 0 or widget.width <= 0 or widget.height <= 0:
        return []
    own = [widget.text] if isinstance(widget, Label) and widget.text.strip() else []
    return own + [t for child in reversed(widget.children) for t in visible_texts(child)]


def _mean(values: list[float]) -> float | None:
    """The first second is warm-up, so callers drop it."""
    return round(sum(values) / len(values), 1) if values else None

"""The Kivy application: one ScreenManager, the services, and the background workers.

Slow work (loading the model, sync, model updates, sign-in) runs on threads; anything they report
reaches widgets through `Clock.schedule_once`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

import app.widgets  # noqa: F401  (registers the custom widgets used by the .kv files)
from app.api_client import Session
from app.model_updater import UpdateResult
from app.screens.lessons import LessonsScreen
from app.screens.practice import PracticeScreen
from app.screens.progress import ProgressScreen
from app.screens.settings import SettingsScreen
from app.screens.signin import SignInScreen
from app.services import AppServices, SyncStatus, SyncWorker
from app.update_schedule import UpdateSchedule
from ombro_contract.errors import ModelContractError

log = logging.getLogger(__name__)

DAY_S = 24 * 3600


@dataclass
class LaunchOptions:
    """Command-line choices for one run; not saved to the settings file."""

    camera_source: str | None = None
    autopilot: str | None = None
    username: str | None = None
    password: str | None = None
    join_code: str | None = None
    attempts: int = 1
    screenshot_dir: Path | None = None
    exit_when_synced: bool = False
    timeout_s: float = 180.0
    check_updates: bool = True


class OmbroApp(App):
    title = "Ombro"
    classifier = ObjectProperty(None, allownone=True)
    model_message = StringProperty("Loading the model...")
    sync_message = StringProperty("")
    started = BooleanProperty(False)  # past the sign-in screen
    show_debug_info = BooleanProperty(False)  # the settings switch, as a property the .kv binds to

    def __init__(self, services: AppServices, options: LaunchOptions | None = None, **kw):
        super().__init__(**kw)
        self.services = services
        self.options = options or LaunchOptions()
        self.sync_worker = SyncWorker(services, on_status=self._sync_status_worker)
        self.exit_code = 0
        self.autopilot = None
        self.updates = UpdateSchedule(
            enabled=self.options.check_updates and services.settings.auto_update_model,
            signed_in=services.session is not None,
        )

    # -- build and lifecycle ----------------------------------------------------------------
    def build(self):
        sm = ScreenManager(transition=NoTransition())
        for screen in (SignInScreen(name="signin"), LessonsScreen(name="lessons"),
                       PracticeScreen(name="practice"), ProgressScreen(name="progress"),
                       SettingsScreen(name="settings")):
            sm.add_widget(screen)
        self.sm = sm
        self.show_debug_info = self.services.settings.show_debug_info
        if self.services.session is not None:
            self.started = True
            sm.current = "lessons"
        else:
            sm.current = "signin"
        threading.Thread(target=self._load_model_worker, name="ombro-model", daemon=True).start()
        self.sync_worker.start()
        if self.updates.enabled:
            Clock.schedule_interval(self._daily_update_check, DAY_S)
        if self.options.autopilot or self.options.exit_when_synced:
            from app.autopilot import Autopilot

            self.autopilot = Autopilot(self, self.options)
            self.autopilot.start()
        return sm

    def on_stop(self):
        if self.sm.current == "practice":
            self.sm.get_screen("practice").on_leave()  # records an attempt in progress
        self.sync_worker.stop()
        self.services.close()

    def on_pause(self):
        """Android: keep the app alive in the background; a try in progress ends here."""
        if self.sm.current == "practice":
            self.go("lessons")  # releases the camera and records the try
        return True

    def on_resume(self):
        self.sync_worker.poke()

    @property
    def camera_spec(self) -> str:
        return self.options.camera_source or self.services.settings.camera

    def go(self, screen: str) -> None:
        self.sm.current = screen

    # -- sign-in ----------------------------------------------------------------------------
    def signed_in(self, session: Session | None) -> None:
        """None means "practise as a guest"."""
        self.services.signed_in(session)
        if session is not None:
            log.info("signed in as %s", session.username)
        else:
            log.info("practising as a guest: attempts stay on this device")
        self.started = True
        self.sync_worker.poke()
        if self.updates.session_changed(session is not None):
            self.check_model_update()  # the registry serves signed-in users only
        self.go("lessons")

    def sign_out(self) -> None:
        self.services.sign_out()
        self.updates.session_changed(False)
        self.started = False
        self.go("signin")

    # -- lessons and attempts ---------------------------------------------------------------
    def open_lesson(self, puppet: str) -> None:
        practice = self.sm.get_screen("practice")
        if self.sm.current == "practice":
            self.go("lessons")
        practice.target = puppet
        self.go("practice")

    def record_attempt(self, **fields) -> None:
        attempt = self.services.record_attempt(**fields)
        self.sync_worker.poke()
        if self.autopilot is not None:
            self.autopilot.attempt_recorded(attempt)

    def _sync_status_worker(self, status: SyncStatus) -> None:
        Clock.schedule_once(lambda dt: setattr(self, "sync_message", status.message))

    # -- the model --------------------------------------------------------------------------
    def _load_model_worker(self) -> None:
        try:
            clf, msg = self.services.load_classifier(), None
        except ModelContractError as exc:
            clf, msg = None, f"No usable model: {exc}"
        except Exception as exc:  # a broken runtime must still leave a readable screen
            log.exception("model load failed")
            clf, msg = None, f"The model could not be loaded: {exc}"
        Clock.schedule_once(lambda dt: self._model_loaded(clf, msg))

    def _model_loaded(self, classifier, message: str | None) -> None:
        self.classifier = classifier
        self.model_message = message or ""
        if message:
            log.error(message)
        practice = self.sm.get_screen("practice")
        if self.sm.current == "practice" and classifier is not None:
            practice.on_pre_enter()  # the screen was opened before the model was ready
        if self.updates.model_loaded():
            self.check_model_update()
        elif self.updates.enabled and not self.updates.signed_in:
            log.info("model updates wait for a sign-in (the registry serves signed-in users only)")

    def model_line(self) -> str:
        if self.classifier is None:
            return self.model_message
        card = self.classifier.card
        return (f"Model {card.version} ({card.quantization}, {self.classifier.backend}) "
                f"from {self.classifier.path.name}")

    def _daily_update_check(self, dt) -> None:
        if self.updates.daily_due():
            self.check_model_update()

    def check_model_update(self, on_done: Callable[[UpdateResult], None] | None = None) -> None:
        current = self.classifier.version if self.classifier is not None else None

        def work():
            result = self.services.check_model_update(current)
            new = None
            if result.status == "updated" and result.path is not None:
                try:
                    new = self.services.load_classifier(result.path)
                except Exception as exc:  # verified already; keep the old model if it fails
                    log.exception("new model %s failed to load", result.path)
                    result = UpdateResult("failed", result.version, f"new model failed: {exc}")
            Clock.schedule_once(lambda dt: self._update_done(result, new, on_done))

        threading.Thread(target=work, name="ombro-model-update", daemon=True).start()

    def _update_done(self, result: UpdateResult, classifier, on_done) -> None:
        log.info("model update: %s (%s)", result.status, result.message)
        if classifier is not None:
            self.classifier = classifier
            self.sm.get_screen("practice").swap_classifier(classifier)
        if on_done is not None:
            on_done(result)

"""Settings: server, camera, the practice overlay, model version and privacy. Saved to the user
data dir."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen
from pydantic import ValidationError

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class SettingsScreen(Screen):
    server_url = StringProperty("")
    camera = StringProperty("")
    sync_attempts = BooleanProperty(True)
    show_debug_info = BooleanProperty(False)
    shape_overlay = BooleanProperty(True)
    model_line = StringProperty("")
    account_line = StringProperty("")
    message = StringProperty("")

    def on_pre_enter(self, *_):
        app = App.get_running_app()
        s = app.services.settings
        self.server_url, self.camera, self.sync_attempts = s.server_url, s.camera, s.sync_attempts
        self.show_debug_info, self.shape_overlay = s.show_debug_info, s.shape_overlay
        self.model_line = app.model_line()
        session = app.services.session
        self.account_line = f"signed in as {session.username}" if session else "guest (not signed in)"
        self.message = ""

    def save(self, server_url: str, camera: str, sync_attempts: bool,
             show_debug_info: bool = False, shape_overlay: bool = True) -> None:
        app = App.get_running_app()
        services = app.services
        try:
            if server_url.strip().rstrip("/") != services.settings.server_url:
                services.set_server_url(server_url)
            services.settings.camera = camera.strip() or "0"
            services.settings.sync_attempts = sync_attempts
            services.settings.show_debug_info = show_debug_info
            services.settings.shape_overlay = shape_overlay
        except ValidationError as exc:
            self.message = "Not saved: " + "; ".join(e["msg"] for e in exc.errors())
            return
        services.save_settings()
        app.show_debug_info = show_debug_info
        app.sync_worker.poke()
        self.message = "Saved."

    def check_update(self) -> None:
        self.message = "Checking for a newer model..."
        App.get_running_app().check_model_update(on_done=self._update_done)

    def _update_done(self, result) -> None:
        self.message = result.message
        self.model_line = App.get_running_app().model_line()

    def forget_history(self) -> None:
        services = App.get_running_app().services
        n = services.queue.forget(services.owner)
        self.message = f"Deleted {n} attempts from this device (the server keeps synced ones)."

    def sign_out(self) -> None:
        App.get_running_app().sign_out()

"""Sign in, join a class with the teacher's code, or practise as a guest.

Network calls run on a thread; the result comes back to the UI with `Clock.schedule_once`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from app.api_client import ApiError, Session

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class SignInScreen(Screen):
    message = StringProperty("")
    busy = BooleanProperty(False)
    server_url = StringProperty("")

    def on_pre_enter(self, *_):
        self.server_url = App.get_running_app().services.settings.server_url

    def _run(self, call: Callable[[], Session]) -> None:
        self.busy = True
        self.message = "Contacting the server..."

        def work():
            try:
                session, error = call(), None
            except ApiError as exc:
                session, error = None, str(exc)
            Clock.schedule_once(lambda dt: self._done(session, error))

        threading.Thread(target=work, name="ombro-signin", daemon=True).start()

    def _done(self, session: Session | None, error: str | None) -> None:
        self.busy = False
        if session is None:
            self.message = error or "sign-in failed"
            return
        self.message = ""
        App.get_running_app().signed_in(session)

    def sign_in(self, username: str, password: str) -> None:
        api = App.get_running_app().services.api
        self._run(lambda: api.sign_in(username.strip(), password))

    def join(self, code: str, username: str, password: str, display_name: str) -> None:
        api = App.get_running_app().services.api
        self._run(lambda: api.join(code.strip(), username.strip(), password, display_name.strip()))

    def guest(self) -> None:
        App.get_running_app().signed_in(None)

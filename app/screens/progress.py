"""My progress: streak, history and best result per puppet.

Computed from the local attempt log so it works offline; when signed in and online the server's
numbers (which include other devices) are shown too.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import ListProperty, StringProperty
from kivy.uix.screenmanager import Screen

from app.api_client import ApiError
from app.lessons import lesson_for
from app.progress import summarize
from app.screens.lessons import LEVEL_TEXT

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class ProgressScreen(Screen):
    headline = StringProperty("")
    server_line = StringProperty("")
    puppet_rows = ListProperty([])
    history_rows = ListProperty([])

    def on_pre_enter(self, *_):
        services = App.get_running_app().services
        s = summarize(services.queue.history(services.owner))
        total = s.summary
        self.headline = (f"Streak: {total.streak_days} day{'s' if total.streak_days != 1 else ''}   "
                         f"Attempts: {total.attempts}   Passed: {total.passed}")
        self.puppet_rows = [
            {"text": f"{p:<9} {LEVEL_TEXT[m.level.value]:<11} best {(m.best_confidence or 0) * 100:3.0f}%  "
                     f"{'*' * s.best_stars[p]:<3}  {m.passed_total}/{m.attempts} passed"}
            for p, m in sorted(s.per_puppet.items(), key=lambda kv: lesson_for(kv[0]).difficulty)
        ]
        self.history_rows = [
            {"text": f"{_when(a.device_time)}  {a.puppet:<9} {'passed' if a.passed else 'missed':<6} "
                     f"{a.confidence * 100:3.0f}%  {'synced' if a.synced_at else 'on device'}"}
            for a in s.recent
        ]
        self.server_line = ""
        if services.session is not None:
            threading.Thread(target=self._fetch_server, daemon=True).start()

    def _fetch_server(self) -> None:
        services = App.get_running_app().services
        try:
            data = services.api.progress(services.session)
            line = (f"On the server (all your devices): streak {data.get('streak_days', '?')} days, "
                    f"{data.get('attempts', '?')} attempts, {data.get('passed', '?')} passed")
        except ApiError as exc:
            line = f"Server progress unavailable: {exc}"
        Clock.schedule_once(lambda dt: setattr(self, "server_line", line))


def _when(iso: str) -> str:
    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%d %b %H:%M")
    except ValueError:
        return iso[:16]

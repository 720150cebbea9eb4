"""My progress: the 15 puppets at a glance, the streak, and practice over the last two weeks.

A child reads pictures before tables: each puppet is a tile with its target silhouette, coloured
by mastery (and the level in words, so colour is never the only cue), its best stars and best
shape match. A bar chart shows passed and missed attempts per day. Computed from the local
attempt log so it works offline; when signed in and online the server's totals (which include
other devices) are shown too.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from app.api_client import ApiError
from app.lessons import all_lessons
from app.progress import summarize
from app.screens.lessons import LEVEL_TEXT

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# The dashboard's heat-map hues, deeper for the app's dark background.
LEVEL_RGBA = {
    "not_started": (0.28, 0.28, 0.32, 1),
    "learning": (0.62, 0.30, 0.27, 1),
    "practising": (0.66, 0.52, 0.16, 1),
    "mastered": (0.20, 0.52, 0.32, 1),
}


class PuppetTile(ButtonBehavior, BoxLayout):
    """One puppet on the progress grid; a tap opens its lesson."""

    puppet = StringProperty("")
    silhouette = StringProperty("")
    level = StringProperty("not_started")
    level_text = StringProperty("")
    stars = NumericProperty(0)
    shape_text = StringProperty("")
    tint = ListProperty(LEVEL_RGBA["not_started"])

    def on_release(self):
        App.get_running_app().open_lesson(self.puppet)


class ProgressScreen(Screen):
    streak = NumericProperty(0)
    attempts = NumericProperty(0)
    passed = NumericProperty(0)
    mastered = NumericProperty(0)
    server_line = StringProperty("")
    chart_days = ListProperty([])  # [(passed, missed)] oldest first
    chart_caption = StringProperty("")
    history_rows = ListProperty([])

    def on_pre_enter(self, *_):
        services = App.get_running_app().services
        s = summarize(services.queue.history(services.owner))
        total = s.summary
        self.streak, self.attempts, self.passed = total.streak_days, total.attempts, total.passed
        self.mastered = sum(1 for m in s.per_puppet.values() if m.level.value == "mastered")
        grid = self.ids.tiles
        grid.clear_widgets()
        for lesson in all_lessons():
            m, shape = s.per_puppet[lesson.puppet], s.shapes[lesson.puppet]
            match = shape.best_match
            grid.add_widget(PuppetTile(
                puppet=lesson.puppet, silhouette=str(lesson.silhouette or ""),
                level=m.level.value, level_text=LEVEL_TEXT[m.level.value],
                stars=s.best_stars[lesson.puppet], tint=LEVEL_RGBA[m.level.value],
                shape_text="shape -" if match is None else f"shape {match * 100:.0f}%"))
        self.chart_days = [(d.passed, d.missed) for d in s.days]
        shown = sum(p + m for p, m in self.chart_days)
        practised = sum(1 for p, m in self.chart_days if p + m)
        self.chart_caption = (f"{shown} attempts on {practised} of the last {len(s.days)} days"
                              if shown else f"No practice in the last {len(s.days)} days yet")
        self.history_rows = [
            {"text": f"{_when(a.device_time)}   {a.puppet}   "
                     f"{'passed' if a.passed else 'not yet'}"
                     f"{'' if a.shape_match is None else f'   shape {a.shape_match * 100:.0f}%'}"
                     f"   {'synced' if a.synced_at else 'on this phone'}"}
            for a in s.recent[:5]
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

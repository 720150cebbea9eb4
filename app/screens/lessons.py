"""The lesson list: 15 puppets with their reference silhouette, how-to picture and difficulty."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen

from app.lessons import all_lessons
from app.progress import summarize

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

LEVEL_TEXT = {"not_started": "new", "learning": "learning", "practising": "practising",
              "mastered": "mastered"}


class LessonCard(ButtonBehavior, BoxLayout):
    puppet = StringProperty("")
    title = StringProperty("")
    difficulty = NumericProperty(1)
    difficulty_name = StringProperty("")
    silhouette = StringProperty("")
    howto = StringProperty("")
    level = StringProperty("new")
    best_stars = NumericProperty(0)

    def on_release(self):
        App.get_running_app().open_lesson(self.puppet)


class LessonsScreen(Screen):
    who = StringProperty("")

    def on_kv_post(self, base_widget):
        self._cards: dict[str, LessonCard] = {}
        for lesson in all_lessons():
            card = LessonCard(
                puppet=lesson.puppet, title=lesson.title, difficulty=lesson.difficulty,
                difficulty_name=lesson.difficulty_name,
                silhouette=str(lesson.silhouette or ""), howto=str(lesson.howto or ""),
            )
            self._cards[lesson.puppet] = card
            self.ids.lesson_list.add_widget(card)

    def on_pre_enter(self, *_):
        app = App.get_running_app()
        services = app.services
        self.who = services.session.username if services.session else "guest"
        summary = summarize(services.queue.history(services.owner))
        for puppet, card in self._cards.items():
            card.level = LEVEL_TEXT[summary.per_puppet[puppet].level.value]
            card.best_stars = summary.best_stars[puppet]

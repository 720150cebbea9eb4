"""Small drawing widgets for the practice screen; their look lives in widgets.kv."""

from __future__ import annotations

import math
from pathlib import Path

from kivy.graphics import Color, Line, Mesh
from kivy.lang import Builder
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.widget import Widget

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class HoldRing(Widget):
    """Fills clockwise while the target puppet is held; full means passed."""

    progress = NumericProperty(0.0)
    color = ListProperty([0.2, 0.8, 0.4, 1])


class ConfidenceBar(Widget):
    value = NumericProperty(0.0)  # 0..1
    threshold = NumericProperty(0.6)
    color = ListProperty([0.3, 0.6, 1.0, 1])


class Stars(Widget):
    """`count` filled stars out of `total`, drawn as polygons (no font glyph needed)."""

    count = NumericProperty(0)
    total = NumericProperty(3)
    color = ListProperty([1, 0.8, 0.1, 1])

    def __init__(self, **kw):
        super().__init__(**kw)
        self.bind(pos=self._redraw, size=self._redraw, count=self._redraw, total=self._redraw)

    def _redraw(self, *_) -> None:
        n = max(1, int(self.total))
        r = min(self.height / 2.0, self.width / (2.2 * n))
        self.canvas.clear()
        with self.canvas:
            for i in range(n):
                cx, cy = self.x + self.width * (i + 0.5) / n, self.center_y
                outline, verts = [], [cx, cy, 0, 0]
                for k in range(11):  # 10 tips and notches, then the first again to close the fan
                    rad = r if k % 2 == 0 else r * 0.45
                    ang = math.pi / 2 + (k % 10) * math.pi / 5
                    x, y = cx + rad * math.cos(ang), cy + rad * math.sin(ang)
                    outline += [x, y]
                    verts += [x, y, 0, 0]
                Color(*self.color)
                Line(points=outline, width=1.5)
                if i < self.count:
                    Mesh(vertices=verts, indices=list(range(12)), mode="triangle_fan")


class PlaceholderImage(Widget):
    """Shown where a lesson picture has not been drawn yet."""

    text = StringProperty("")

"""Small drawing widgets for the practice screen; their look lives in widgets.kv."""

from __future__ import annotations

import math
from pathlib import Path

from kivy.graphics import Color, Line, Mesh, Rectangle
from kivy.lang import Builder
from kivy.metrics import dp
from kivy.properties import ListProperty, NumericProperty, ObjectProperty, StringProperty
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


class ShapeOverlay(Widget):
    """The target's outline and the missing/extra tints, laid over the camera preview.

    `image_size` is the preview's picture as drawn (`Image.norm_image_size`, letterboxed in the
    widget), `tint` a texture as large as the frame's measuring grid, `outline` the target's
    outline as flat [x0, y0, x1, y1, ...] lists in frame widths with y down (`ShapeFeedback`).
    The outline is drawn twice, dark and wide under light and thin, so it shows on a white wall
    and on a black shadow alike.
    """

    tint = ObjectProperty(None, allownone=True)
    outline = ListProperty([])
    image_size = ListProperty([0, 0])

    def __init__(self, **kw):
        super().__init__(**kw)
        self.bind(pos=self._redraw, size=self._redraw, tint=self._redraw, outline=self._redraw,
                  image_size=self._redraw)

    def _redraw(self, *_) -> None:
        self.canvas.clear()
        w, h = self.image_size
        if w <= 0 or h <= 0:
            return
        x0, y0 = self.center_x - w / 2.0, self.center_y - h / 2.0
        lines = [[v for u, t in zip(flat[0::2], flat[1::2]) for v in (x0 + u * w, y0 + h - t * w)]
                 for flat in self.outline]
        with self.canvas:
            if self.tint is not None:
                Color(1, 1, 1, 1)
                Rectangle(texture=self.tint, pos=(x0, y0), size=(w, h))
            for width, rgba in ((dp(2.6), (0, 0, 0, 0.55)), (dp(1.2), (1, 1, 1, 0.95))):
                Color(*rgba)
                for points in lines:
                    Line(points=points, width=width, close=True)


class AttemptsChart(Widget):
    """Attempts per day as stacked bars: passed below (bluish green), not yet above (vermillion),
    Okabe-Ito colours that stay apart with colour-vision deficiencies; the caption says it in
    words too."""

    days = ListProperty([])  # [(passed, missed)] oldest first
    passed_rgba = ListProperty([0.0, 0.62, 0.45, 1])
    missed_rgba = ListProperty([0.84, 0.37, 0.0, 1])

    def __init__(self, **kw):
        super().__init__(**kw)
        self.bind(pos=self._redraw, size=self._redraw, days=self._redraw)

    def _redraw(self, *_) -> None:
        self.canvas.clear()
        n = len(self.days)
        if n == 0 or self.width <= 0:
            return
        most = max(1, max(p + m for p, m in self.days))
        slot = self.width / n
        bar = slot * 0.7
        with self.canvas:
            Color(1, 1, 1, 0.25)
            Rectangle(pos=(self.x, self.y), size=(self.width, dp(1)))
            for i, (passed, missed) in enumerate(self.days):
                x = self.x + i * slot + (slot - bar) / 2
                hp = self.height * passed / most
                hm = self.height * missed / most
                Color(*self.passed_rgba)
                Rectangle(pos=(x, self.y), size=(bar, hp))
                Color(*self.missed_rgba)
                Rectangle(pos=(x, self.y + hp), size=(bar, hm))


class PlaceholderImage(Widget):
    """Shown where a lesson picture has not been drawn yet."""

    text = StringProperty("")

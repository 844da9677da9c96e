"""The touch calibration test on the staff screen: touch the targets, see where touches land.

Five targets (the corners, inset, and the centre); every touch draws a ring where Kivy
placed it and says how far that is from the nearest target, so a rotated, mirrored or
offset touchscreen shows at once. Several fingers at a time show multitouch working.
"""

from __future__ import annotations

import math

from kivy.graphics import Color, Ellipse, InstructionGroup, Line
from kivy.properties import ListProperty, NumericProperty, StringProperty
from kivy.uix.modalview import ModalView

INSET = 0.1
"""Targets sit this share of the width and height in from the edges."""


def targets(width: float, height: float) -> list[tuple[float, float]]:
    dx, dy = width * INSET, height * INSET
    return [
        (dx, dy),
        (width - dx, dy),
        (width / 2, height / 2),
        (dx, height - dy),
        (width - dx, height - dy),
    ]


def nearest_offset(x: float, y: float, points: list[tuple[float, float]]) -> float:
    return min(math.dist((x, y), p) for p in points)


class TouchTest(ModalView):
    touches = NumericProperty(0)
    """Touches so far."""
    fingers = NumericProperty(0)
    """Fingers down now."""
    last = StringProperty("")
    """Where the last touch landed and how far from the nearest target."""
    marks = ListProperty([])
    """(x, y, offset) of every touch, for tests."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Drawn after the modal view's own (black) background: targets, then the dots.
        self._targets = InstructionGroup()
        self._dots = InstructionGroup()
        self.canvas.after.add(self._targets)
        self.canvas.after.add(self._dots)
        self.bind(size=self._draw_targets, pos=self._draw_targets)
        self._down: set[int] = set()

    def _draw_targets(self, *_args) -> None:
        group = self._targets
        group.clear()
        radius = min(self.width, self.height) * 0.03
        arm = radius * 1.6
        group.add(Color(1, 0.84, 0.31, 1))
        for tx, ty in targets(self.width, self.height):
            x, y = self.x + tx, self.y + ty
            group.add(Line(circle=(x, y, radius), width=2))
            group.add(Line(points=[x - arm, y, x + arm, y], width=1.5))
            group.add(Line(points=[x, y - arm, x, y + arm], width=1.5))

    def on_touch_down(self, touch) -> bool:
        if super().on_touch_down(touch) and self.ids.close.collide_point(*touch.pos):
            return True  # the Close button
        x, y = touch.x - self.x, touch.y - self.y
        offset = nearest_offset(x, y, targets(self.width, self.height))
        self.touches += 1
        self._down.add(touch.uid)
        self.fingers = len(self._down)
        self.marks.append((round(x), round(y), round(offset)))
        self.last = f"{round(x)}, {round(y)}  (±{round(offset)} px)"
        size = min(self.width, self.height) * 0.04
        self._dots.add(Color(0.2, 0.85, 0.4, 1))
        self._dots.add(Ellipse(pos=(touch.x - size / 2, touch.y - size / 2), size=(size, size)))
        return True

    def on_touch_up(self, touch) -> bool:
        self._down.discard(touch.uid)
        self.fingers = len(self._down)
        return super().on_touch_up(touch)

    def clear_marks(self) -> None:
        self._dots.clear()
        self.marks = []
        self.touches = 0
        self.last = ""

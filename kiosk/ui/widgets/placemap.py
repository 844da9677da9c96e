"""The municipality's map with a pin: the whole map to point at a place, or the piece of it
around a chosen place, to show a resident where their report will say.

The map's texture is given by the owner (one decoded image for every map on the screen); the
widget draws the part `zoom` asks for, as large as fits with the image's proportions, and the
pin where `point` lies. Turning a touch into a place is the owner's: `fraction_at` says where
on the whole map a point of the widget is.
"""

from __future__ import annotations

from kivy.graphics import Color, Ellipse, Line, Rectangle
from kivy.properties import ColorProperty, NumericProperty, ObjectProperty
from kivy.uix.widget import Widget

Box = tuple[float, float, float, float]


def window_of(zoom: float, focus: tuple[float, float] | None) -> Box:
    """The part of the map shown, as fractions of its width and height from the left and the
    top (x, y, width, height): all of it at zoom 1, else 1/zoom of each side centred on
    `focus` (fractions too), moved inside the map where the focus is near an edge."""
    side = 1.0 / max(1.0, zoom)
    if focus is None or side >= 1.0:
        return (0.0, 0.0, 1.0, 1.0)
    x = min(max(focus[0] - side / 2, 0.0), 1.0 - side)
    y = min(max(focus[1] - side / 2, 0.0), 1.0 - side)
    return (x, y, side, side)


class PlaceMap(Widget):
    texture = ObjectProperty(None, allownone=True)
    """The whole map, decoded by the owner; None draws nothing."""
    point = ObjectProperty(None, allownone=True)
    """Where the pin goes: (fx, fy), fractions of the whole map from the left and the top."""
    zoom = NumericProperty(1.0)
    """1: the whole map; 3: a third of its width and height around `point`."""
    pin_color = ColorProperty([0.7, 0.15, 0.12, 1])
    pin_edge = ColorProperty([1, 1, 1, 1])
    frame_color = ColorProperty([0.3, 0.3, 0.3, 1])
    pin_size = NumericProperty(36)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.drawn: Box = (0.0, 0.0, 0.0, 0.0)
        """Where the map's shown part lies on screen (x, y, width, height)."""
        for name in (
            "pos", "size", "texture", "point", "zoom", "pin_color", "pin_edge", "frame_color",
            "pin_size",
        ):  # fmt: skip
            self.fbind(name, self.redraw)

    def shown_part(self) -> Box:
        return window_of(self.zoom, self.point)

    def redraw(self, *_args) -> None:
        self.canvas.clear()
        texture = self.texture
        if texture is None or self.width < 2 or self.height < 2:
            self.drawn = (0.0, 0.0, 0.0, 0.0)
            return
        wx, wy, ww, wh = self.shown_part()
        part_w, part_h = texture.width * ww, texture.height * wh
        scale = min(self.width / part_w, self.height / part_h)
        w, h = part_w * scale, part_h * scale
        x, y = self.center_x - w / 2, self.center_y - h / 2
        self.drawn = (x, y, w, h)
        region = texture.get_region(
            round(wx * texture.width),
            round((1.0 - wy - wh) * texture.height),
            max(1, round(part_w)),
            max(1, round(part_h)),
        )
        with self.canvas:
            Color(1, 1, 1, 1)
            Rectangle(texture=region, pos=(x, y), size=(w, h))
            Color(rgba=self.frame_color)
            Line(rectangle=(x, y, w, h), width=1.2)
            pin = self.pin_at()
            if pin is not None:
                size, edge = self.pin_size, self.pin_size + 6
                Color(rgba=self.pin_edge)
                Ellipse(pos=(pin[0] - edge / 2, pin[1] - edge / 2), size=(edge, edge))
                Color(rgba=self.pin_color)
                Ellipse(pos=(pin[0] - size / 2, pin[1] - size / 2), size=(size, size))
                Color(rgba=self.pin_edge)
                Ellipse(pos=(pin[0] - size / 6, pin[1] - size / 6), size=(size / 3, size / 3))

    def pin_at(self) -> tuple[float, float] | None:
        """Where the pin is drawn, or None (no point, or one outside the part shown)."""
        if self.point is None:
            return None
        wx, wy, ww, wh = self.shown_part()
        fx, fy = (self.point[0] - wx) / ww, (self.point[1] - wy) / wh
        if not (0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0):
            return None
        x, y, w, h = self.drawn
        return (x + fx * w, y + h - fy * h)

    def fraction_at(self, x: float, y: float) -> tuple[float, float] | None:
        """Where on the whole map a point of this widget lies (fractions from the left and
        the top), or None beside the map."""
        dx, dy, w, h = self.drawn
        if not w or not h or not (dx <= x <= dx + w and dy <= y <= dy + h):
            return None
        wx, wy, ww, wh = self.shown_part()
        return (wx + (x - dx) / w * ww, wy + (dy + h - y) / h * wh)

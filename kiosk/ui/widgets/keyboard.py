"""The on-screen keyboard: a layout per language, every diacritic one touch away.

One widget draws all its keys on its own canvas. A keyboard made of sixty-odd Kivy buttons
cost about 4 MB and was rebuilt on every language change; drawn keys cost a handful of
instructions each, and their letters are textures shared by every keyboard on the kiosk.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.graphics import Color, Line, Rectangle, SmoothRoundedRectangle
from kivy.graphics.texture import Texture
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.widget import Widget

from kiosk.ui.speech import heard_only
from kiosk_core.speech.spelling import character_name

LAYOUTS: dict[str, list[str]] = {
    "pl": ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "ąćęłńóśźż"],
    "en": ["1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm"],
    "de": ["1234567890", "qwertzuiopü", "asdfghjklöä", "yxcvbnmß"],
    "cs": ["1234567890", "qwertzuiopú", "asdfghjklů", "yxcvbnm", "áčďéěíňóřšťýž"],
    "uk": ["1234567890", "йцукенгшщзхї", "фівапролджє", "ячсмитьбюґ'"],
}
"""Rows of letter keys per language; shift, space, backspace and clear are added below."""
PUNCTUATION = ".,-@_+:/?!()"
"""Offered on every layout when the owner asks for it (e-mail, phone, addresses, texts)."""


NON_LATIN = frozenset({"uk"})
"""Layouts that also need a Latin one at hand (e-mail addresses, street names in Polish)."""

DARKER_WHEN_HELD = 0.8
"""A key under a finger is drawn this much darker: the visitor sees which key will type."""
FILL = 0.9
"""At most this share of a key's width is taken by its word."""
FIT_STEPS = (7 / 8, 6 / 8, 5 / 8, 4 / 8)
"""The smaller sizes a word too wide for its key is drawn at, as shares of its font size
(narrower still, it is squeezed into the key): a few sizes whatever the keys' widths, so a
few fonts and letter textures. Each size a word fitted to its key's very width had its own
font and textures, down to 1 px for a keyboard drawn before it was laid out."""


@dataclass(frozen=True)
class Key:
    """One key: what it does, the character it types, its share of its row's width."""

    action: str
    """"char", "shift", "latin", "space", "delete" or "clear"."""
    char: str = ""
    share: float = 1.0


Box = tuple[float, float, float, float]


def layout_for(lang: str) -> list[str]:
    return LAYOUTS.get(lang, LAYOUTS["pl"])


def key_rows(lang: str, latin: bool = False, punctuation: bool = False) -> list[list[Key]]:
    """The keys row by row, top first: letters of the language (or Polish letters while a
    non-Latin layout is switched to Latin), punctuation if asked for, then the function row."""
    letters_of = "pl" if latin and lang in NON_LATIN else lang
    rows = layout_for(letters_of) + ([PUNCTUATION] if punctuation else [])
    function_row = [Key("shift", share=0.15)]
    if lang in NON_LATIN:
        function_row.append(Key("latin", share=0.15))
    function_row += [Key("space", " "), Key("delete", share=0.3), Key("clear", share=0.3)]
    return [[Key("char", char) for char in row] for row in rows] + [function_row]


def place_keys(
    rows: list[list[Key]], x: float, y: float, width: float, height: float, spacing: float
) -> list[tuple[Key, Box]]:
    """Rows share the height equally; the keys of a row share its width by their shares."""
    if not rows:
        return []
    row_height = max(0.0, (height - spacing * (len(rows) - 1)) / len(rows))
    placed = []
    for index, row in enumerate(rows):
        top = y + height - index * (row_height + spacing)
        room = max(0.0, width - spacing * (len(row) - 1))
        total = sum(key.share for key in row)
        left = x
        for key in row:
            key_width = room * key.share / total
            placed.append((key, (left, top - row_height, key_width, row_height)))
            left += key_width + spacing
    return placed


def fitted_size(size: int, text_width: float, room: float) -> int:
    """The first of FIT_STEPS at which a text `text_width` wide at font size `size` fits
    into `room` (text widths scale with the size), else the smallest."""
    for share in FIT_STEPS:
        smaller = max(1, round(size * share))
        if text_width * smaller / size <= room:
            return smaller
    return smaller


@lru_cache(maxsize=512)
def glyph(text: str, font_size: int) -> Texture:
    """White text on a transparent texture, tinted by the Color drawn before it: one
    texture per letter and size for every keyboard and every colour theme."""
    label = CoreLabel(text=text, font_size=font_size, color=(1, 1, 1, 1))
    label.refresh()
    return label.texture


class OnScreenKeyboard(Widget):
    """Edits `text`; the owner binds to it. No system keyboard, no focus to lose."""

    text = StringProperty("")
    lang = StringProperty("pl")
    shift = BooleanProperty(False)
    max_length = NumericProperty(200)
    punctuation = BooleanProperty(False)
    latin = BooleanProperty(False)
    """On a non-Latin layout: temporarily show the Polish (Latin) letters instead."""
    can_switch = BooleanProperty(False)

    # The look, set by the kv rule from the app's theme and scale.
    key_color = ColorProperty([1, 1, 1, 1])
    key_text_color = ColorProperty([0, 0, 0, 1])
    active_color = ColorProperty([0, 0, 1, 1])
    active_text_color = ColorProperty([1, 1, 1, 1])
    edge_color = ColorProperty([0.5, 0.5, 0.5, 1])
    font_size = NumericProperty(34)
    small_font_size = NumericProperty(26)
    spacing = NumericProperty(8)
    radius = NumericProperty(12)
    names = ListProperty(["Space", "Delete", "Clear"])
    """The space, delete and clear keys' words in the visitor's language."""

    def __init__(self, **kwargs) -> None:
        self.keys: list[tuple[Key, Box]] = []
        self._held: dict[int, int] = {}
        self._backgrounds: list[Color] = []
        self._redraw = Clock.create_trigger(self._redraw_now, -1)
        super().__init__(**kwargs)
        for name in (
            "pos", "size", "lang", "latin", "punctuation", "shift", "key_color",
            "key_text_color", "active_color", "active_text_color", "edge_color",
            "font_size", "small_font_size", "spacing", "radius", "names",
        ):  # fmt: skip
            self.fbind(name, self._redraw)
        self._redraw()

    def _redraw_now(self, _dt: float) -> None:
        self.redraw()

    def on_lang(self, *_args) -> None:
        self.latin = False
        self.shift = False

    # --- what a key shows and does --------------------------------------------------------

    def label_of(self, key: Key) -> str:
        if key.action == "char":
            return key.char.upper() if self.shift else key.char
        space, delete, clear = (list(self.names) + ["", "", ""])[:3]
        return {
            "shift": "Aa",
            "latin": "АБВ" if self.latin else "ABC",
            "space": space,
            "delete": delete,
            "clear": clear,
        }[key.action]

    def activate(self, key: Key) -> None:
        if key.action in ("char", "space"):
            self.press(key.char)
        elif key.action == "shift":
            self.shift = not self.shift
        elif key.action == "latin":
            self.latin = not self.latin
            self.shift = False
        elif key.action == "delete":
            self.backspace()
        elif key.action == "clear":
            self.clear()

    def press(self, char: str) -> None:
        if len(self.text) < self.max_length:
            self.text += char.upper() if self.shift else char
        self.shift = False

    def backspace(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""

    # --- drawing -------------------------------------------------------------------------

    def redraw(self) -> None:
        self.can_switch = self.lang in NON_LATIN
        rows = key_rows(self.lang, self.latin, self.punctuation)
        placed = place_keys(rows, *self.pos, *self.size, self.spacing)
        if [key for key, _box in placed] != [key for key, _box in self.keys]:
            self._held.clear()  # other keys now: a held one no longer types
        self.keys = placed
        self._backgrounds = []
        self.canvas.clear()
        with self.canvas:
            held = set(self._held.values())
            for index, (key, (x, y, w, h)) in enumerate(self.keys):
                self._backgrounds.append(Color(rgba=self._background(key, index in held)))
                SmoothRoundedRectangle(pos=(x, y), size=(w, h), radius=[self.radius])
                if key.action == "char":
                    Color(rgba=self.edge_color)
                    Line(rounded_rectangle=(x, y, w, h, self.radius), width=1)
                text = self.label_of(key)
                size = max(
                    1, round(self.font_size if key.action == "char" else self.small_font_size)
                )
                if not text or w < size / 2 or h < size / 2:
                    continue  # no room for a letter: not laid out yet (Kivy's 100 x 100)
                texture = glyph(text, size)
                if texture.width > w * FILL:  # a long word on a narrow key: a smaller size
                    texture = glyph(text, fitted_size(size, texture.width, w * FILL))
                tw, th = min(texture.width, w), min(texture.height, h)
                Color(rgba=self._text_color(key))
                Rectangle(texture=texture, pos=(x + (w - tw) / 2, y + (h - th) / 2), size=(tw, th))

    def _selected(self, key: Key) -> bool:
        return (key.action == "shift" and self.shift) or (key.action == "latin" and self.latin)

    def _background(self, key: Key, held: bool = False) -> list[float]:
        r, g, b, a = self.active_color if self._selected(key) else self.key_color
        if held:
            return [r * DARKER_WHEN_HELD, g * DARKER_WHEN_HELD, b * DARKER_WHEN_HELD, a]
        return [r, g, b, a]

    def _text_color(self, key: Key) -> list[float]:
        return list(self.active_text_color if self._selected(key) else self.key_text_color)

    # --- touches -------------------------------------------------------------------------

    def key_at(self, x: float, y: float) -> int | None:
        """Index in `keys` of the key under a point (in this widget's coordinates)."""
        for index, (_key, (kx, ky, kw, kh)) in enumerate(self.keys):
            if kx <= x <= kx + kw and ky <= y <= ky + kh:
                return index
        return None

    def _hold(self, index: int, held: bool) -> None:
        if index < len(self._backgrounds):
            key = self.keys[index][0]
            self._backgrounds[index].rgba = self._background(key, held)

    def _refusing(self) -> bool:
        return self.disabled or self.opacity == 0

    def on_touch_down(self, touch) -> bool:
        if not self.collide_point(*touch.pos) or self.opacity == 0:
            return False
        if self.disabled or getattr(touch, "is_mouse_scrolling", False):
            return True
        index = self.key_at(*touch.pos)
        if index is not None and self._heard_only(self.keys[index][0]):
            return True
        if index is not None:
            touch.grab(self)
            self._held[touch.uid] = index
            self._hold(index, True)
        return True

    def _heard_only(self, key: Key) -> bool:
        """Read-aloud's first touch on a key says it (kiosk.ui.speech), the second types."""
        app = App.get_running_app()

        def label() -> tuple[str, str]:
            if key.action == "char":
                return character_name(key.char, app.lang), app.lang
            names = {
                "shift": app._("Capital letter"),
                "latin": app._("Latin letters") if not self.latin else app._("Cyrillic letters"),
            }
            return names.get(key.action) or self.label_of(key), app.lang

        return heard_only(self, key, label)

    def on_touch_move(self, touch) -> bool:
        return touch.grab_current is self

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        index = self._held.pop(touch.uid, None)
        if index is None or index >= len(self.keys):
            return True
        self._hold(index, False)
        if self.key_at(*touch.pos) == index and not self._refusing():  # released on the key
            self.activate(self.keys[index][0])
        return True

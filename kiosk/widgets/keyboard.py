"""The on-screen keyboard: a layout per language, every diacritic one touch away."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

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


def layout_for(lang: str) -> list[str]:
    return LAYOUTS.get(lang, LAYOUTS["pl"])


class OnScreenKeyboard(BoxLayout):
    """Edits `text`; the owner binds to it. No system keyboard, no focus to lose."""

    text = StringProperty("")
    lang = StringProperty("pl")
    shift = BooleanProperty(False)
    max_length = NumericProperty(200)
    punctuation = BooleanProperty(False)
    latin = BooleanProperty(False)
    """On a non-Latin layout: temporarily show the Polish (Latin) letters instead."""
    can_switch = BooleanProperty(False)

    def on_kv_post(self, _base) -> None:
        # Several properties change together (language, punctuation): build the keys once.
        self._rebuild = Clock.create_trigger(lambda _dt: self.rebuild(), -1)
        self._rebuild()

    def on_lang(self, *_args) -> None:
        self.latin = False
        self._later()

    def on_latin(self, *_args) -> None:
        self._later()

    def on_punctuation(self, *_args) -> None:
        self._later()

    def _later(self) -> None:
        if hasattr(self, "_rebuild"):
            self._rebuild()

    def on_shift(self, *_args) -> None:
        for row in self.ids.rows.children:
            for key in row.children:
                key.text = key.char.upper() if self.shift else key.char

    def rebuild(self) -> None:
        if "rows" not in self.ids:
            return
        self.can_switch = self.lang in NON_LATIN
        letters_of = "pl" if self.latin and self.can_switch else self.lang
        rows = layout_for(letters_of) + ([PUNCTUATION] if self.punctuation else [])
        if rows == getattr(self, "_built", None):
            return
        self._built = rows
        self.ids.rows.clear_widgets()
        for letters in rows:
            row = Factory.KeyRow()
            for char in letters:
                row.add_widget(Factory.KeyButton(char=char, text=char, keyboard=self))
            self.ids.rows.add_widget(row)
        self.shift = False

    def press(self, char: str) -> None:
        if len(self.text) < self.max_length:
            self.text += char.upper() if self.shift else char
        self.shift = False

    def backspace(self) -> None:
        self.text = self.text[:-1]

    def clear(self) -> None:
        self.text = ""

"""Choosing a language: one button on the top bar, named in the language shown, opens a
chooser of every language of the kiosk, each named in itself ("Українська", not "UK", which
reads as the United Kingdom).

One button, however long the names and however large the text: five names side by side
would take some 780 of a 1280x800 panel's pixels with larger text, pushing the town's name
and the other buttons off the bar; the chooser's rows are as wide as the panel allows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from kivy.factory import Factory
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

from kiosk.ui.widgets.buttons import ChoiceButton


class LanguageChoice(ChoiceButton):
    code = StringProperty("")


class LanguageChooser(ModalView):
    """Every language, the one in use marked; a touch on one switches to it and closes."""

    def __init__(
        self, languages: Sequence[tuple[str, str]], current: str, choose: Callable[[str], None]
    ):
        super().__init__()
        self._choose = choose
        for code, name in languages:
            choice = Factory.LanguageChoice(code=code, text=name, selected=code == current)
            choice.bind(on_release=self._chosen)
            self.ids.choices.add_widget(choice)

    def _chosen(self, choice: LanguageChoice) -> None:
        self.dismiss(animation=False)
        self._choose(choice.code)

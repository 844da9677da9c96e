"""Big, forgiving buttons: a label with a rounded background that darkens while pressed."""

from __future__ import annotations

from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior

from kiosk.ui.widgets.text import TightLabel


class KioskButton(ButtonBehavior, TightLabel):
    bg = ColorProperty([0.06, 0.36, 0.6, 1])
    radius = NumericProperty(12)
    spoken = StringProperty("")
    """What read-aloud calls the button when its text says it poorly ("A+"); "" its text."""


class ChoiceButton(KioskButton):
    selected = BooleanProperty(False)


class BarButton(KioskButton):
    """A button on the top bar, outlined in the bar's text colour."""


class LanguageButton(BarButton):
    code = StringProperty("")

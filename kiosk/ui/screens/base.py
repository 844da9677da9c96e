"""What every screen can do: be shown with parameters, follow the language, forget."""

from __future__ import annotations

import contextlib
from pathlib import Path

from kivy.app import App
from kivy.factory import Factory, FactoryException
from kivy.lang import Builder
from kivy.uix.screenmanager import Screen

from kiosk.ui.speech import readable
from kiosk_core.speech.utterance import Piece


def load_kv(module_file: str) -> None:
    """Load the .kv file that sits beside a module: a screen's layout, with the widget
    classes it names (Kivy would load their code when the screen is first built)."""
    path = Path(module_file).with_suffix(".kv")
    load_kv_once(path)
    load_widget_classes(path)


def load_widget_classes(path: Path) -> None:
    """Load the code of every widget class a loaded .kv file builds (Kivy's Factory imports
    a class's module the first time one is made), so a first opening does not wait for it."""
    rules = [rule for _selector, rule in Builder.rules if rule.ctx.filename == str(path)]
    names = set()
    while rules:  # the widgets inside each rule, at any depth
        children = rules.pop().children
        names.update(child.name for child in children)
        rules.extend(children)
    for name in names:
        with contextlib.suppress(FactoryException):  # not a registered class
            Factory.get(name)


def load_kv_once(path: Path) -> None:
    """Rules loaded twice would build every widget twice; a second app reuses them."""
    if str(path) not in Builder.files:
        Builder.load_file(str(path))


class KioskScreen(Screen):
    keep_built = True
    """Kept built for a later visit, among the few most recent (kiosk.ui.navigation.KEEP_BUILT)."""

    @property
    def app(self):
        return App.get_running_app()

    def show(self, **params) -> None:
        """Prepare for display; `params` name what to show (an id, a category)."""
        self.refresh()

    def refresh(self) -> None:
        """Redraw content texts in the current language."""

    def handle_back(self) -> bool:
        """Back inside the screen (a form's previous step); False lets the app go back."""
        return False

    def reset(self) -> None:
        """Forget everything a visitor did here (idle reset: privacy)."""

    def holds_input(self) -> bool:
        """Something a visitor typed or chose here is still wanted (a half-filled form): the
        screen is kept built until the idle reset, even when not on screen."""
        return False

    def spoken(self) -> list[Piece]:
        """What read-aloud says when the screen opens: its heading and main text (the
        Heading, SectionTitle, Body and Muted labels in reading order), and how long a list
        is."""
        pieces = readable(self)
        for widget in self.walk(restrict=True):
            if type(widget).__name__ == "ItemList" and widget.data:
                n = len(widget.data)
                pieces.append(
                    self.app.ngettext("{n} item in the list.", "{n} items in the list.", n).format(
                        n=n
                    )
                )
        return pieces

    def spoken_page(self) -> tuple:
        """What the screen shows, as far as read-aloud tells pages apart: when it changes,
        the screen is read again (the item shown; a form's step)."""
        return tuple(getattr(self, name, None) for name in ("item_id", "category"))

    def dropped(self) -> None:
        """The app lets this screen go (it is built again when next needed): stop what it
        runs in the background."""

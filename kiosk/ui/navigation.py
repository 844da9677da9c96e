"""Where the visitor is and how they got there: the screens by name, built the first time they
are needed, Go, Back and Home, and which built screens are let go once the visitor is reading
(kiosk.ui.retention decides which; this drops them and gives their memory back)."""

from __future__ import annotations

import importlib
from collections.abc import Callable

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.uix.screenmanager import Screen, ScreenManager

from kiosk.ui.memory import give_back_memory, trim_heap
from kiosk.ui.retention import screens_to_drop
from kiosk.ui.touches import TouchActivity

SCREENS = (
    "home",
    "categories",
    "services",
    "service",
    "search",
    "events",
    "event",
    "contact",
    "report",
    "receipt",
    "staff",
    "walk",
)
KEEP_BUILT = 3
"""How many of the screens shown most recently stay built besides home, the one shown and
those Back leads to: a visit through every screen does not hold every screen's widgets and
textures, and going back and forth between a few screens never rebuilds them."""
TIDY_AFTER = 2.0
"""Seconds after the last change of screen before garbage is collected and freed memory is
returned to the system: the visitor is reading by then, and dropped screens are gone."""


class Navigator:
    """The app's screen manager with a history: screens call it through the app (`app.go`,
    `app.back`, `app.home`, `app.screen`)."""

    def __init__(
        self,
        manager: ScreenManager,
        touches: TouchActivity,
        can_go_back: Callable[[bool], None],
    ) -> None:
        self.manager = manager
        self.touches = touches
        self._can_go_back = can_go_back
        """Told after every change whether Back leads anywhere (the bottom bar's button)."""
        self.history: list[tuple[str, dict]] = []
        self._shown: list[str] = []
        """Names of the screens shown and still built, the most recently shown last."""
        self._tidy = Clock.create_trigger(self._tidy_up, TIDY_AFTER)

    def stop(self) -> None:
        self._tidy.cancel()

    def go(self, name: str, **params) -> None:
        current = self.manager.current
        if current != name or params:
            self.history.append((current, self._params_of(current)))
        self._show(name, params, "left")

    def back(self) -> None:
        if self.manager.current_screen.handle_back():
            return
        if not self.history:
            return
        name, params = self.history.pop()
        self._show(name, params, "right")

    def home(self) -> None:
        self.history.clear()
        self._show("home", {}, "right")

    def start_at(self, name: str, **params) -> None:
        """Show `name` with nothing behind it for Back (the receipt, after a report)."""
        self.history.clear()
        self._show(name, params, "left")

    def screen(self, name: str) -> Screen:
        """A screen by name, built the first time it is needed (a fast start, less memory)."""
        if not self.manager.has_screen(name):
            if name not in SCREENS:
                raise KeyError(name)
            importlib.import_module(f"kiosk.ui.screens.{name}")  # registers it, loads its .kv
            screen = Factory.get(f"{name.capitalize()}Screen")(name=name)
            self.manager.add_widget(screen)
            screen.refresh()
        return self.manager.get_screen(name)

    def tidy_later(self) -> None:
        """The tidy-up, TIDY_AFTER from now: the visitor has just changed what is shown."""
        self._tidy.cancel()
        self._tidy()

    def _params_of(self, name: str) -> dict:
        screen = self.manager.get_screen(name)
        return {k: getattr(screen, k) for k in ("item_id", "category") if hasattr(screen, k)}

    def _show(self, name: str, params: dict, direction: str) -> None:
        screen = self.screen(name)
        screen.show(**params)
        self.manager.transition.direction = direction
        self.manager.current = name
        self._can_go_back(bool(self.history))
        if name in self._shown:
            self._shown.remove(name)
        self._shown.append(name)
        self.tidy_later()

    def _tidy_up(self, _dt: float = 0) -> None:
        """Once the visitor is reading, not touching: drop the screens not needed any more,
        then give their memory back (a full garbage collection only when a screen went)."""
        if self.manager.transition.is_active or self.touches.touching():
            self._tidy()
            return
        if self._drop_spare_screens():
            give_back_memory()
        else:
            trim_heap()

    def _drop_spare_screens(self) -> list[str]:
        """Drop the screens `screens_to_drop` names; a dropped screen is built again, with
        what Back needs to show it, when it is next needed."""
        manager = self.manager
        needed = {"home", manager.current, *(name for name, _params in self.history)}
        needed |= {s.name for s in manager.screens if s.holds_input()}
        dropped = screens_to_drop(
            self._shown, needed, lambda name: manager.get_screen(name).keep_built, KEEP_BUILT
        )
        for name in dropped:
            self._shown.remove(name)
            screen = manager.get_screen(name)
            manager.remove_widget(screen)
            screen.dropped()
            if manager.transition.screen_out is screen:  # it keeps the last screen it slid
                manager.transition.screen_out = manager.current_screen
        return dropped

"""The warm-up: what the first screen did not need, prepared while the kiosk waits for its
first visitor, a step a frame, so that no screen's first opening waits for it.

It buys a first frame as early as the home screen allows (the kiosk tells systemd it is
ready then) and first openings as fast as later ones; bench/ui_bench.py measures both (cold
start to the first frame, the time from a touch to each home tile's first opening), and
tests/test_ui_warm_up.py checks that the screens are ready before the first visitor but not
before the first frame.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from kivy.clock import Clock

from kiosk.ui.i18n import format_day
from kiosk.ui.memory import give_back_memory
from kiosk.ui.navigation import SCREENS
from kiosk.ui.screens.base import load_widget_classes
from kiosk.ui.touches import TOUCH_QUIET, TouchActivity

if TYPE_CHECKING:
    from kiosk.content.release import Catalog

WARM_UP_AFTER = 0.2
"""Seconds after a release is first shown before work its first screen did not need (the
search index, the calendar words, the other screens' code and layout rules) begins."""
NOT_WARMED = ("home", "staff")
"""Screens whose code is not loaded ahead: home is loaded at start; the staff screen is for
the few who know the PIN, and waits until asked for."""


class WarmUp:
    def __init__(
        self,
        touches: TouchActivity,
        catalog: Callable[[], Catalog | None],
        now: Callable[[], datetime],
        kv_files: Iterable[Path],
    ) -> None:
        self._touches = touches
        self._catalog = catalog
        self._now = now
        self._kv_files = tuple(kv_files)
        """The app's own layout rules (each screen loads its own)."""
        self._steps: list[Callable[[], object]] = []
        """What is still to be prepared ahead of the first visitor, a step a frame."""

    def later(self) -> None:
        """The warm-up, WARM_UP_AFTER from now (a release was just shown)."""
        Clock.schedule_once(self.start, WARM_UP_AFTER)

    def start(self, _dt: float = 0) -> None:
        """The search index, the calendar words of the first dates shown, then each screen's
        code and layout rules and the libraries screens load on first use."""
        from PIL import Image  # loaded with Kivy's image providers

        self._steps = [
            self._warm_search,
            *(
                partial(importlib.import_module, f"kiosk.ui.screens.{name}")
                for name in SCREENS
                if name not in NOT_WARMED
            ),
            *(partial(load_widget_classes, kv) for kv in self._kv_files),
            partial(importlib.import_module, "qrcode"),  # for every page with a web link
            Image.preinit,  # Pillow's decoders, for the walk's previews and the report map
        ]
        self._step()

    def stop(self) -> None:
        self._steps.clear()  # a step still scheduled finds nothing left to do

    def _step(self, _dt: float = 0) -> None:
        if not self._steps:
            return
        if self._touches.touching():  # a visitor's frames come first; the rest waits
            Clock.schedule_once(self._step, TOUCH_QUIET)
            return
        self._steps.pop(0)()
        if self._steps:
            Clock.schedule_once(self._step, 0)
        else:
            give_back_memory()

    def _warm_search(self) -> None:
        catalog = self._catalog()
        if catalog is not None:
            default = catalog.settings.default_language
            catalog.search_index(default)
            format_day(self._now().date(), default)

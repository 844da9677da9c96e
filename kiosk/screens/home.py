"""Home: large tiles for everything a visitor can do."""

from __future__ import annotations

from kiosk.screens.base import KioskScreen, load_kv

load_kv(__file__)


class HomeScreen(KioskScreen):
    pass

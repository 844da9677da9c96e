"""The service cards of one category, as a long list."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui.fallback import noted
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk_core.content.model import tr

load_kv(__file__)


class ServicesScreen(KioskScreen):
    category = StringProperty("")
    heading = StringProperty("")

    def show(self, category: str = "", **_params) -> None:
        self.category = category
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        match = [c for c in app.catalog.categories(app.now()) if c.id == self.category]
        self.heading = tr(match[0].name, app.lang) if match else ""
        self.ids.list.data = [
            {
                "title": tr(card.title, app.lang),
                "subtitle": noted(
                    tr(card.summary, app.lang), (card.title, card.summary), app.lang, app._
                ),
                "kind": "service",
                "item_id": card.id,
            }
            for card in app.catalog.services(self.category, app.now())
        ]
        self.ids.list.scroll_y = 1

    def reset(self) -> None:
        self.category = ""
        self.ids.list.data = []

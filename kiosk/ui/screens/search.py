"""Search with the on-screen keyboard: results appear while the visitor types."""

from __future__ import annotations

from kivy.clock import Clock
from kivy.properties import StringProperty

from kiosk.ui.fallback import noted
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk_core.content.model import tr

load_kv(__file__)

MISS_AFTER = 3.0
"""Seconds a fruitless query must stand before it counts as a failed search."""


class SearchScreen(KioskScreen):
    query = StringProperty("")
    status = StringProperty("")

    def on_kv_post(self, _base) -> None:
        self._miss = Clock.create_trigger(self._count_miss, MISS_AFTER)
        self.ids.keyboard.bind(text=self.setter("query"))

    def on_query(self, *_args) -> None:
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        self.ids.keyboard.lang = app.lang
        if not self.query.strip():
            self.ids.list.data = []
            self.status = app._("Type what you are looking for, e.g. ID card.")
            return
        cards = app.catalog.search(self.query, app.lang, app.now())
        self.ids.list.data = [
            {
                "title": tr(c.title, app.lang),
                "subtitle": noted(tr(c.summary, app.lang), (c.title, c.summary), app.lang, app._),
                "kind": "service",
                "item_id": c.id,
            }
            for c in cards
        ]
        self.ids.list.scroll_y = 1
        if cards:
            self.status = app.ngettext("{n} result", "{n} results", len(cards)).format(n=len(cards))
            self._miss.cancel()
        else:
            self.status = app._("Nothing found. Try another word or ask at the town hall.")
            self._miss()

    def _count_miss(self, _dt: float) -> None:
        if self.query.strip() and not self.ids.list.data:
            self.app.counter.search_miss(self.query)

    def start_over(self) -> None:
        """The visitor went home: a fruitless query they left counts as a failed search at
        once, and the next search starts empty."""
        if self._miss.is_triggered:
            self._miss.cancel()
            self._count_miss(0)
        self.reset()

    def reset(self) -> None:
        self._miss.cancel()
        self.ids.keyboard.text = ""
        self.query = ""
        self.ids.list.data = []

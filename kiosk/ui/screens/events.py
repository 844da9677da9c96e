"""Events: today, the coming week, later; filtered by category."""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import ListProperty, StringProperty

from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.visit.agenda import When
from kiosk_core.content.model import tr

load_kv(__file__)


class EventsScreen(KioskScreen):
    when = StringProperty(When.TODAY.value)
    category = StringProperty("")
    categories = ListProperty([])
    empty_text = StringProperty("")

    def choose(self, when: str | None = None, category: str | None = None) -> None:
        if when is not None:
            self.when = when
        if category is not None:
            self.category = "" if category == self.category else category
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        self.categories = [
            {"id": c.id, "name": tr(c.name, app.lang)} for c in app.catalog.event_categories()
        ]
        events = app.catalog.events(When(self.when), app.now(), self.category or None)
        self.ids.list.data = [
            {
                "title": tr(e.title, app.lang),
                "subtitle": self._subtitle(e),
                "kind": "event",
                "item_id": e.id,
            }
            for e in events
        ]
        self.ids.list.scroll_y = 1
        self.empty_text = "" if events else app._("No events in this period.")
        self.ids.chips.clear_widgets()
        for cat in self.categories:
            chip = Factory.ChoiceButton(text=cat["name"], selected=cat["id"] == self.category)
            chip.category_id = cat["id"]
            chip.bind(on_release=lambda c: self.choose(category=c.category_id))
            self.ids.chips.add_widget(chip)

    def spoken_page(self) -> tuple:
        return (self.when, self.category)

    def _subtitle(self, event) -> str:
        app = self.app
        when = app.format_when(event)
        place = tr(event.place, app.lang)
        return f"{when}  ·  {place}" if place else when

    def reset(self) -> None:
        self.when = When.TODAY.value
        self.category = ""
        self.ids.list.data = []

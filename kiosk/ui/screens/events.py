"""Events: today, the coming week, later; filtered by category.

Opened from home it shows the first of the three that has events (kiosk.visit.agenda). A
list left empty says which period or category emptied it, and shows the events after it.
"""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.ui.fallback import noted
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets.buttons import KioskButton
from kiosk.visit.agenda import When
from kiosk_core.content.model import tr
from kiosk_core.i18n import N_

load_kv(__file__)

EMPTY = {
    When.TODAY: N_("No events today."),
    When.WEEK: N_("No events in the next 7 days."),
    When.LATER: N_("No events later."),
}
EMPTY_IN = {
    When.TODAY: N_("No events in “{category}” today."),
    When.WEEK: N_("No events in “{category}” in the next 7 days."),
    When.LATER: N_("No events in “{category}” later."),
}


class CategoryChip(KioskButton):
    """A category to filter by: a round-ended chip, unlike the square period tabs."""

    selected = BooleanProperty(False)
    category_id = StringProperty("")
    name = StringProperty("")


class EventsScreen(KioskScreen):
    when = StringProperty("")
    """The period shown; "" until the screen opens on the first period with events."""
    category = StringProperty("")
    categories = ListProperty([])
    empty_text = StringProperty("")

    def show(self, category: str | None = None, **_params) -> None:
        """From home (no category given) the screen starts afresh; Back brings the
        category the visitor left with."""
        if category is None:
            self.when, self.category = "", ""
        else:
            self.category = category
        self.refresh()

    def choose(self, when: str | None = None, category: str | None = None) -> None:
        if when is not None:
            self.when = when
        if category is not None:
            self.category = "" if category == self.category else category
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        now = app.now()
        if not self.when:
            self.when = app.catalog.first_period(now).value
        when, category = When(self.when), self.category or None
        self.categories = [
            {"id": c.id, "name": tr(c.name, app.lang)} for c in app.catalog.event_categories()
        ]
        events = app.catalog.events(when, now, category)
        self.empty_text = ""
        if not events:
            names = {c["id"]: c["name"] for c in self.categories}
            if category in names:
                self.empty_text = app._(EMPTY_IN[when]).format(category=names[category])
            else:
                self.empty_text = app._(EMPTY[when])
            events = app.catalog.events_after(when, now, category)
            if events:
                self.empty_text += "\n" + app._("The next events:")
        self.ids.list.data = [
            {
                "title": tr(e.title, app.lang),
                "subtitle": noted(self._subtitle(e), (e.title, e.place), app.lang, app._),
                "kind": "event",
                "item_id": e.id,
            }
            for e in events
        ]
        self.ids.list.scroll_y = 1
        self.ids.chips.clear_widgets()
        for cat in self.categories:
            chip = Factory.CategoryChip(
                name=cat["name"], category_id=cat["id"], selected=cat["id"] == self.category
            )
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
        self.when = ""
        self.category = ""
        self.ids.list.data = []

"""One event: when and where, what it is, a picture and a QR code for the web page."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui import fallback
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk_core.content.model import tr
from kiosk_core.content.texts import item_texts

load_kv(__file__)


class EventScreen(KioskScreen):
    item_id = StringProperty("")
    heading = StringProperty("")
    when = StringProperty("")
    place = StringProperty("")
    description = StringProperty("")
    image = StringProperty("")
    link = StringProperty("")
    note = StringProperty("")
    """What of the event is shown in Polish because the visitor's language is missing."""

    def show(self, item_id: str = "", **_params) -> None:
        self.item_id = item_id
        self.app.counter.view("event", item_id)
        self.refresh()

    def refresh(self) -> None:
        app = self.app
        event = app.catalog.event(self.item_id)
        if event is None:
            self.heading = self.when = self.place = self.description = self.image = ""
            self.note = ""
            self.link = ""
            return
        self.heading = tr(event.title, app.lang)
        self.note = fallback.note(item_texts(event).values(), app.lang, app._)
        self.when = app.format_when(event)
        self.place = tr(event.place, app.lang)
        self.description = tr(event.description, app.lang)
        path = app.catalog.release.media_path(event.image)
        self.image = str(path) if path else ""
        self.link = str(event.link) if event.link else ""

    def reset(self) -> None:
        self.item_id = ""
        self.refresh()

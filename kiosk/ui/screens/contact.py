"""How to reach the town hall: address, phone, e-mail, opening hours, web page."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk_core.content.model import tr

load_kv(__file__)


class ContactScreen(KioskScreen):
    name_text = StringProperty("")
    address = StringProperty("")
    phone = StringProperty("")
    email = StringProperty("")
    hours = StringProperty("")
    link = StringProperty("")

    def refresh(self) -> None:
        app = self.app
        contact = app.catalog.settings.contact
        self.name_text = tr(contact.name, app.lang)
        self.address = tr(contact.address, app.lang)
        self.phone = contact.phone or ""
        self.email = contact.email or ""
        self.hours = tr(contact.opening_hours, app.lang)
        self.link = str(contact.web) if contact.web else ""

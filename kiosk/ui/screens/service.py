"""One service card: what to bring, what it costs, where to go; a QR code for the web page.
What of it is shown in Polish because the visitor's language is missing is said at its top."""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import StringProperty

from kiosk.ui import fallback
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk_core.content.model import tr
from kiosk_core.content.texts import item_texts

load_kv(__file__)


class ServiceScreen(KioskScreen):
    item_id = StringProperty("")
    heading = StringProperty("")
    link = StringProperty("")

    def show(self, item_id: str = "", **_params) -> None:
        self.item_id = item_id
        self.app.counter.view("service", item_id)
        self.refresh()
        self.ids.scroll.scroll_y = 1

    def refresh(self) -> None:
        app = self.app
        card = app.catalog.service(self.item_id)
        box = self.ids.details
        box.clear_widgets()
        if card is None:
            self.heading, self.link = "", ""
            return
        lang, _ = app.lang, app._
        self.heading = tr(card.title, lang)
        self.link = str(card.link) if card.link else ""
        note = fallback.note(item_texts(card).values(), lang, _)
        if note:
            box.add_widget(Factory.FallbackNote(text=note))
        box.add_widget(Factory.Body(text=tr(card.summary, lang), bold=True))
        if card.body:
            box.add_widget(Factory.Body(text=tr(card.body, lang)))
        if card.documents:
            box.add_widget(Factory.SectionTitle(text=_("What to bring")))
            for doc in card.documents:
                box.add_widget(Factory.Body(text=f"•  {tr(doc, lang)}"))
        sections = [
            (_("Fees"), tr(card.fees, lang)),
            (_("How long it takes"), tr(card.processing_time, lang)),
            (_("Where"), _office(card.office, lang, _)),
            (_("Opening hours"), tr(card.opening_hours, lang)),
            (_("Phone"), card.phone or ""),
            (_("E-mail"), card.email or ""),
        ]
        for title, text in sections:
            if text:
                box.add_widget(Factory.SectionTitle(text=title))
                box.add_widget(Factory.Body(text=text))
        if card.last_reviewed:
            box.add_widget(
                Factory.Muted(
                    text=_("Checked on {date}").format(date=app.format_day(card.last_reviewed)),
                    font_size=app.unit * 22 * app.font_scale,
                )
            )

    def reset(self) -> None:
        self.item_id = ""
        self.ids.details.clear_widgets()


def _office(office, lang: str, _) -> str:
    if office is None:
        return ""
    parts = [tr(office.name, lang)]
    if office.room:
        room = office.room.strip()
        parts.append(_("room {number}").format(number=room) if office.numbered_room() else room)
    if office.address:
        parts.append(tr(office.address, lang))
    return ", ".join(p for p in parts if p)

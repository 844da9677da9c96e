"""Tickets as the screens print them: the receipt screen a filed report's, the staff screen a
test ticket and the printer's state. Every ticket is made here, one way (the staff's test
ticket is a report's ticket with TEST for its code), and the printer is driven on a worker
thread: a slow or broken printer never blocks the screen (devices.printer bounds each call in
time). The answer comes back on Kivy's main loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from kivy.clock import Clock

from kiosk_core.content.model import tr

if TYPE_CHECKING:
    from kiosk.appliance.devices.printer import Ticket
    from kiosk.content.release import Catalog
    from kiosk.infra.config import KioskConfig
    from kiosk.visit.outbox import SavedReport

PRINTED = "printed"
"""What `done` hears when the ticket came out; otherwise a devices.printer.Reason."""


class TicketWords(Protocol):
    """Where a ticket's words come from: the content shown and the visitor's language (the
    app)."""

    catalog: Catalog | None
    lang: str

    def _(self, message: str, _lang: str | None = None) -> str: ...

    def now(self) -> datetime: ...


class TicketPrinting:
    def __init__(self, kiosk: KioskConfig, words: TicketWords) -> None:
        self.printer = kiosk.printer
        self.hub_url = kiosk.hub_url
        self.words = words

    @property
    def configured(self) -> bool:
        """A printer is configured (the screens say so when not, and print nothing)."""
        return bool(self.printer.device)

    def print_report(
        self, saved: SavedReport, service_code: str, status_url: str, done: Callable[[str], None]
    ) -> None:
        """The ticket of a report just filed: its code, its category, where to follow it."""
        words = self.words
        categories = {c.service_code: c for c in words.catalog.report_categories(words.now())}
        category = categories.get(service_code)
        ticket = self._ticket(
            heading=words._("Report received"),
            reference=saved.ref_code,
            category=tr(category.name, words.lang) if category else service_code,
            created=datetime.fromisoformat(saved.created),
            status_url=status_url,
        )
        self._print(ticket, done)

    def print_test(self, done: Callable[[str], None]) -> None:
        """A ticket like a report's, with TEST for its code, to try the printer."""
        _ = self.words._
        ticket = self._ticket(
            heading=_("Test ticket"),
            reference="TEST",
            category=_("Test ticket"),
            created=self.words.now(),
            status_url=str(self.hub_url or "https://example.org/"),
        )
        self._print(ticket, done)

    def status(self, done: Callable[[str], None]) -> None:
        """The printer's state (devices.printer.printer_status), asked in the background."""
        from kiosk.appliance.devices.printer import printer_status

        printer = self.printer
        self._in_background(lambda: printer_status(printer.device, printer.baudrate), done)

    def _ticket(
        self, heading: str, reference: str, category: str, created: datetime, status_url: str
    ) -> Ticket:
        from kiosk.appliance.devices.printer import Ticket, TicketLabels

        words = self.words
        _ = words._
        settings = words.catalog.settings
        return Ticket(
            municipality=tr(settings.municipality, words.lang),
            reference=reference,
            category=category,
            created=created,
            status_url=status_url,
            labels=TicketLabels(
                heading=heading,
                reference=_("Reference number"),
                category=_("Category"),
                date=_("Date"),
                status=_("Follow your report:"),
            ),
            timezone=settings.timezone,
        )

    def _print(self, ticket: Ticket, done: Callable[[str], None]) -> None:
        from kiosk.appliance.devices.printer import PrinterError, print_ticket

        printer = self.printer

        def work() -> str:
            try:
                print_ticket(ticket, printer.device, printer.baudrate)
            except PrinterError as exc:
                return str(exc.reason)
            return PRINTED

        self._in_background(work, done)

    def _in_background(self, work: Callable[[], str], done: Callable[[str], None]) -> None:
        def run() -> None:
            result = work()
            Clock.schedule_once(lambda _dt: done(result))

        threading.Thread(target=run, name="ticket-printer", daemon=True).start()

"""Thank you: the reference code in large type, what happens next, a QR code to follow it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.logger import Logger
from kivy.properties import StringProperty

from kiosk.appliance.printing import PRINTED
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk_core.speech.utterance import Piece, Spell

if TYPE_CHECKING:
    from kiosk.visit.outbox import SavedReport

load_kv(__file__)


class ReceiptScreen(KioskScreen):
    ref_code = StringProperty("")
    status_link = StringProperty("")
    print_state = StringProperty("")
    """'' (no printer), 'printing', 'printed' or 'failed'."""

    def show(self, ref_code: str = "", status_link: str = "", **_params) -> None:
        self.ref_code = ref_code
        self.status_link = status_link or ""

    def print_ticket(self, saved: SavedReport, service_code: str, status_link: str) -> None:
        """The visitor's ticket, when a printer is configured (the report is stored
        already: a failed ticket only changes what this screen says)."""
        printing = self.app.printing
        if not printing.configured:
            self.print_state = ""
            return
        self.print_state = "printing"
        printing.print_report(saved, service_code, status_link, self._printed)

    def _printed(self, outcome: str) -> None:
        if outcome != PRINTED:
            Logger.warning(f"Kiosk: ticket not printed ({outcome})")
        self.print_state = "printed" if outcome == PRINTED else "failed"

    def spoken(self) -> list[Piece]:
        """The reference number letter by letter, after the words that introduce it."""
        pieces = super().spoken()
        introduced = self.app._("Your reference number")
        at = pieces.index(introduced) + 1 if introduced in pieces else len(pieces)
        return [*pieces[:at], Spell(self.ref_code), *pieces[at:]]

    def spoken_page(self) -> tuple:
        return (self.ref_code,)

    def handle_back(self) -> bool:
        """The report is sent: Back leads home, not into the finished form."""
        self.app.home()
        return True

    def reset(self) -> None:
        self.ref_code = self.status_link = self.print_state = ""

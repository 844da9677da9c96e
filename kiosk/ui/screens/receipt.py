"""Thank you: the reference code in large type, what happens next, a QR code to follow it."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class ReceiptScreen(KioskScreen):
    ref_code = StringProperty("")
    status_link = StringProperty("")
    print_state = StringProperty("")
    """'' (no printer), 'printing', 'printed' or 'failed'."""

    def show(self, ref_code: str = "", status_link: str = "", **_params) -> None:
        self.ref_code = ref_code
        self.status_link = status_link or ""

    def handle_back(self) -> bool:
        """The report is sent: Back leads home, not into the finished form."""
        self.app.home()
        return True

    def reset(self) -> None:
        self.ref_code = self.status_link = self.print_state = ""

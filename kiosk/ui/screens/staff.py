"""Staff: behind the hidden gesture and the PIN, the kiosk's state and a few remedies.

Locked, it shows a keypad; unlocked, the status (kiosk id, content version, last sync, reports
waiting, reports needing attention, printer, network, display, video) and the actions.
Everything it shows or does goes through the app; an idle reset locks it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.factory import Factory
from kivy.properties import BooleanProperty, ListProperty, ObjectProperty, StringProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.boxlayout import BoxLayout

from kiosk.appliance.pin import MAX_DIGITS
from kiosk.appliance.printing import PRINTED
from kiosk.ui.i18n import format_when
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk_core.i18n import N_

if TYPE_CHECKING:
    from datetime import datetime

    from kiosk.appliance.staffstatus import StaffStatus


class StaffKeypad(AnchorLayout):
    screen = ObjectProperty(None, allownone=True)


class StaffPanel(BoxLayout):
    screen = ObjectProperty(None, allownone=True)


load_kv(__file__)

REASON_SHOWN = 120
"""Characters of the hub's reason shown per report needing attention."""

PRINTER_STATES = {
    "": N_("No printer configured"),
    "checking": N_("Checking…"),
    "ready": N_("Ready"),
    "no_answer": N_("Connected (does not report its status)"),
    "paper_out": N_("Out of paper"),
    "missing": N_("Not connected"),
    "busy": N_("In use"),
    "timeout": N_("Not responding"),
    "error": N_("Error"),
}


class StaffScreen(KioskScreen):
    unlocked = BooleanProperty(False)
    pin = StringProperty("")
    message = StringProperty("")
    feedback = StringProperty("")
    rows = ListProperty([])
    """(label, value) pairs of the status table, in the current language."""
    warnings = ListProperty([])
    """Labels of `rows` whose value is shown as a warning (set before `rows`)."""
    printer_state = StringProperty("")

    def show(self, **params) -> None:
        self.pin = ""
        self.message = ""
        self._place_body()
        self.refresh()

    def on_unlocked(self, *_args) -> None:
        self._place_body()

    def _place_body(self) -> None:
        """Only the keypad or only the panel is in the widget tree: a hidden button must
        never take a touch (an invisible "Restart" under a locked keypad)."""
        if not hasattr(self, "_keypad"):
            self._keypad = StaffKeypad(screen=self)
            self._panel = StaffPanel(screen=self)
        body = self.ids.body
        wanted = self._panel if self.unlocked else self._keypad
        if wanted.parent is not body:
            body.clear_widgets()
            body.add_widget(wanted)

    def refresh(self) -> None:
        if self.unlocked:
            self._fill_status()

    def reset(self) -> None:
        self.unlocked = False
        self.pin = ""
        self.message = ""
        self.feedback = ""
        self.rows = []

    def on_rows(self, _screen, rows: list) -> None:
        if not hasattr(self, "_panel"):
            return
        box = self._panel.ids.status
        box.clear_widgets()
        for label, value in rows:
            row = Factory.StatusRow()  # kv-declared properties: set after creation
            row.label, row.value = label, value
            row.warn = label in self.warnings
            box.add_widget(row)

    # --- the keypad ------------------------------------------------------------------------

    def press(self, key: str) -> None:
        if key == "clear":
            self.pin = ""
        elif key == "back":
            self.pin = self.pin[:-1]
        elif key == "ok":
            self.submit()
        elif key.isdigit() and len(self.pin) < MAX_DIGITS:
            self.pin += key

    def submit(self) -> None:
        app = self.app
        attempt = app.appliance.unlock(self.pin)
        self.pin = ""
        if attempt.ok:
            self.unlocked = True
            self.message = ""
            self.feedback = ""
            self._fill_status()
            self.check_printer()
        elif attempt.locked_for > 0:
            minutes, seconds = divmod(int(attempt.locked_for + 0.999), 60)
            self.message = app._("Too many wrong PINs. Try again in {time}.").format(
                time=f"{minutes}:{seconds:02d}"
            )
        else:
            self.message = app.ngettext(
                "Wrong PIN. {n} attempt left.", "Wrong PIN. {n} attempts left.",
                attempt.failures_left,
            ).format(n=attempt.failures_left)  # fmt: skip

    # --- status ----------------------------------------------------------------------------

    def _fill_status(self) -> None:
        app = self.app
        _ = app._
        status = app.appliance.status()
        when = self._moment(status.last_sync) if status.last_sync else _("never")
        addresses = ", ".join(f"{addr} ({name})" for name, addr in status.addresses)
        attention = _("Reports needing attention")
        self.warnings = [attention] if status.attention_count else []
        self.rows = [
            (_("Kiosk"), status.kiosk_id),
            (_("Content version"), str(status.content_version)),
            (_("Last successful sync"), when),
            (_("Reports waiting to be sent"), str(status.outbox_depth)),
            (attention, self._attention_text(status)),
            (_("Printer"), _(PRINTER_STATES.get(self.printer_state, self.printer_state))),
            (_("Network address"), addresses or _("no network")),
            (_("Display"), app.appliance.display_summary(_)),
            (_("Video"), app.appliance.video_summary(_)),
        ]

    def _moment(self, moment: datetime) -> str:
        return format_when(moment, None, self.app.lang, self.app.catalog.timezone, False)

    def _attention_text(self, status: StaffStatus) -> str:
        """How many the hub refused, then the oldest by code with the hub's reason."""
        app = self.app
        if not status.attention_count:
            return app._("none")
        lines = [
            app.ngettext(
                "{n} report refused by the hub, kept here",
                "{n} reports refused by the hub, kept here",
                status.attention_count,
            ).format(n=status.attention_count)
        ]
        for report in status.attention:
            reason = " ".join(report.reason.split())
            if len(reason) > REASON_SHOWN:
                reason = reason[: REASON_SHOWN - 1] + "…"
            lines.append(f"{report.ref_code}: {reason}")
        hidden = status.attention_count - len(status.attention)
        if hidden > 0:
            lines.append(app._("and {n} more").format(n=hidden))
        return "\n".join(lines)

    def check_printer(self) -> None:
        if not self.app.printing.configured:
            self.printer_state = ""
            self._fill_status()
            return
        self.printer_state = "checking"
        self._fill_status()
        self.app.printing.status(self._printer_checked)

    def _printer_checked(self, state: str) -> None:
        self.printer_state = state
        if self.unlocked:
            self._fill_status()

    # --- actions ---------------------------------------------------------------------------

    def sync_now(self) -> None:
        _ = self.app._
        if self.app.appliance.sync_now():
            self.feedback = _("The sync agent was asked to sync now.")
        else:
            self.feedback = _("The sync could not be requested.")

    def print_test(self) -> None:
        if not self.app.printing.configured:
            self.feedback = self.app._("No printer configured")
            return
        self.feedback = self.app._("Printing a test ticket…")
        self.app.printing.print_test(self._printed)

    def _printed(self, state: str) -> None:
        _ = self.app._
        self.feedback = _("Test ticket printed.") if state == PRINTED else (
            _("The test ticket was not printed: {reason}").format(
                reason=_(PRINTER_STATES.get(state, state))
            )
        )  # fmt: skip
        self.check_printer()

    def send_again(self) -> None:
        """Reports the hub refused go to it again (after the cause was fixed, say)."""
        app = self.app
        count = app.appliance.send_again()
        if count is None:
            self.feedback = app._("The reports could not be sent again.")
        elif count == 0:
            self.feedback = app._("No report needs attention.")
        else:
            self.feedback = app.ngettext(
                "{n} report will be sent to the hub again.",
                "{n} reports will be sent to the hub again.",
                count,
            ).format(n=count)
        self._fill_status()

    def reload(self) -> None:
        """The newest installed release, now, and the staff screen again."""
        self.app.reload_content()
        self.app.go("staff")

    def touch_test(self) -> None:
        self.app.appliance.open_touch_test()

    def restart(self) -> None:
        self.app.appliance.restart()

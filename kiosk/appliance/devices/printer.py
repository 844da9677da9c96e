"""The ticket printer: a receipt for a filed report, printed on an ESC/POS printer over serial.

The ticket is built once, as bytes, by python-escpos's `Dummy` printer (`ticket_bytes`), and
`print_ticket` sends exactly those bytes, so what the tests check is what the printer gets:

    ESC @                      initialise
    ESC t 18                   code page PC852 (Latin-2)
    GS ! 0x11, ESC E 1         the municipality, bold, double width and height, centred
    ...                        heading, reference code (3x size), category, local date and time
    GS ( k ...                 the status page's QR code, rendered by the printer itself
    ...                        the status URL as text under it
    ESC d 6, GS V 0            feed and full cut

Texts. The module has no texts of its own: the caller passes the translated labels. They are
printed in code page PC852 (DOS Latin-2, ESC/POS table 18), selected right after ESC @. PC852 has
every Polish letter (ą ć ę ł ń ó ś ź ż) and also the Czech and German ones, and table 18 is the
Latin-2 page that Epson printers and most ESC/POS clones agree on; WPC1250 (table 45) and
ISO 8859-2 (table 39) are missing from older models (the TM-T88IV profile lists only PC852), and
clones number them differently. python-escpos's magic encoding stays on: a character PC852 lacks
(Ukrainian Cyrillic labels) switches to another page of the profile that has it, and a character
no page has prints as "?". Typographic punctuation (dashes, curly quotes, ellipsis, no-break
space) is first replaced by its ASCII look-alike so it never forces a code page switch. The QR
code carries the URL as UTF-8 bytes; the printer does not interpret them.

Profile. python-escpos's "TM-T88V": an 80 mm printer (42 columns in font A) with native QR
codes (GS ( k), full and partial cut, and the code pages above. Most kiosk ESC/POS printers
emulate it; on a 58 mm printer long lines simply wrap.

Transport. pyserial directly, not `escpos.printer.Serial`: that class opens the port without
`exclusive` or a write timeout, reads 16 bytes with the full timeout for a one-byte status
answer, and its close() (also run from `__del__`) calls `flush()`, an unbounded tcdrain that hangs
on a stalled printer. Its `paper_status()` also reads any byte without the status bits fixed by
the ESC/POS spec (for example a line that echoes the query) as "no paper". Here:

- the port is opened with `exclusive=True` (flock), so two processes never interleave tickets;
- before printing, DLE EOT 4 (roll paper sensor) is sent and one byte awaited for at most
  `STATUS_TIMEOUT`. A valid status byte (bits 1 and 4 set, bits 0 and 7 clear, as the spec
  fixes them) with both "paper end" bits 5 and 6 set (0x60, e.g. 0x72) means no paper. No
  answer, or a byte that is not a status byte, means "unknown": many cheap printers never
  answer, so printing goes on. "Paper near end" (bits 2 and 3) prints;
- every write has a write timeout and the output queue is drained against one deadline, so a
  call returns or raises within `timeout` seconds plus a fraction of a second;
- on a failure the pending output is discarded and the port closed in a helper thread, because
  the kernel may keep close() waiting for a stalled USB printer (closing_wait, 30 s by default).

Every failure is one `PrinterError` whose `reason` says which: missing, busy, paper_out, timeout
or error. The report is already stored when the ticket is printed; a failed ticket only changes
what the thank-you screen says. `print_ticket` blocks for up to `timeout` seconds: call it from a
worker thread, not from the Kivy event loop.
"""

from __future__ import annotations

import errno
import logging
import textwrap
import threading
import time
from dataclasses import dataclass
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import serial

if TYPE_CHECKING:
    from escpos.escpos import Escpos

log = logging.getLogger(__name__)

PROFILE = "TM-T88V"
CODE_PAGE = "CP852"
PAPER_STATUS_QUERY = b"\x10\x04\x04"
"""DLE EOT 4: real-time status of the roll paper sensor, sent before every ticket."""
STATUS_TIMEOUT = 0.3
"""Seconds to wait for the answer to PAPER_STATUS_QUERY (a printer answers in milliseconds)."""
CLOSE_GRACE = 0.5
"""Seconds a failed call still waits for the port to close before leaving it to a thread."""

QR_SIZE = 6  # dots per module: a 50-character URL makes a code of about 25 mm
TEXT_COLUMNS = 42  # font A on 80 mm paper

_STATUS_FIXED_MASK = 0x93  # bits 0, 1, 4, 7 ...
_STATUS_FIXED_BITS = 0x12  # ... are 0, 1, 1, 0 in every DLE EOT answer
_PAPER_END = 0x60  # bits 5 and 6: roll paper end sensor, paper not present

_ASCII_LOOKALIKES = str.maketrans(
    {
        "\u00a0": " ",  # no-break space
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",  # en dash
        "\u2014": "-",  # em dash
        "\u2212": "-",  # minus sign
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',  # Polish opening quote
        "\u2026": "...",
    }
)

_MISSING_ERRNOS = {errno.ENOENT, errno.ENODEV, errno.ENXIO, errno.ENOTDIR}
_BUSY_ERRNOS = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}


class Reason(StrEnum):
    MISSING = "missing"
    """No such device: the printer is unplugged or the configured path is wrong."""
    BUSY = "busy"
    """Another process (or another ticket) holds the printer."""
    PAPER_OUT = "paper_out"
    """The printer says its roll is empty."""
    TIMEOUT = "timeout"
    """The printer stopped taking data (off, jammed, cover open, flow control held)."""
    ERROR = "error"
    """Anything else: no permission, not a serial device, unplugged while printing."""


class PrinterError(Exception):
    """The ticket could not be printed; `reason` says why, the message gives details."""

    def __init__(self, reason: Reason | str, detail: str = "") -> None:
        self.reason = Reason(reason)
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}" if detail else str(self.reason))


@dataclass(frozen=True)
class TicketLabels:
    """The ticket's fixed texts, already translated by the caller."""

    heading: str
    """e.g. "Zgłoszenie przyjęte"."""
    reference: str
    """e.g. "Numer zgłoszenia"."""
    category: str
    """e.g. "Kategoria"."""
    date: str
    """e.g. "Data"."""
    status: str
    """e.g. "Sprawdź status:", printed above the QR code."""


@dataclass(frozen=True)
class Ticket:
    municipality: str
    reference: str
    """The short human reference code, e.g. "7KQ-4XM"."""
    category: str
    """The report category's name in the visitor's language."""
    created: datetime
    """When the report was filed; must be timezone-aware."""
    status_url: str
    """The report's public status page on the hub, printed as a QR code and as text."""
    labels: TicketLabels
    timezone: str | tzinfo
    """The kiosk's local time zone (a zoneinfo name such as "Europe/Warsaw", or a tzinfo)."""

    def __post_init__(self) -> None:
        if self.created.tzinfo is None or self.created.utcoffset() is None:
            raise ValueError("Ticket.created must be a timezone-aware datetime")
        if isinstance(self.timezone, str):
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {self.timezone!r}") from exc

    @property
    def local_created(self) -> datetime:
        tz = ZoneInfo(self.timezone) if isinstance(self.timezone, str) else self.timezone
        return self.created.astimezone(tz)


def ticket_bytes(ticket: Ticket) -> bytes:
    """The exact ESC/POS bytes of `ticket`, as `print_ticket` sends them after the status query."""
    # Imported here, not at the top: importing escpos runs logging.basicConfig() and loads its
    # printer database, which should not happen to every program that imports this module.
    from escpos.printer import Dummy

    printer = Dummy(profile=PROFILE)
    _compose(printer, ticket)
    return printer.output


def print_ticket(ticket: Ticket, device: str, baudrate: int, timeout: float = 3.0) -> None:
    """Print `ticket` on the ESC/POS printer at serial `device`; raise `PrinterError` if it cannot.

    Returns or raises within about `timeout` seconds (plus `CLOSE_GRACE` on a failure). Blocks:
    call it from a worker thread.
    """
    if timeout <= 0:
        raise ValueError("timeout must be positive")
    deadline = time.monotonic() + timeout
    data = ticket_bytes(ticket)
    port = _open(device, baudrate, timeout)
    printed = False
    try:
        try:
            if _paper_out(port, deadline):
                raise PrinterError(Reason.PAPER_OUT, f"{device}: the printer reports no paper")
            _write(port, data, deadline)
            _drain(port, deadline)
            printed = True
        except serial.SerialTimeoutException as exc:
            raise PrinterError(Reason.TIMEOUT, f"{device}: {exc}") from exc
        except (serial.SerialException, OSError) as exc:
            raise PrinterError(Reason.ERROR, f"{device}: {exc}") from exc
    finally:
        _close(port, discard=not printed)


def printer_status(device: str, baudrate: int, timeout: float = 1.0) -> str:
    """What the staff screen shows: "ready", "paper_out", "no_answer" (many printers never
    answer the status query and print all the same), or a `Reason` (missing, busy, ...).
    Blocks for up to about `timeout` seconds: call it from a worker thread."""
    deadline = time.monotonic() + timeout
    try:
        port = _open(device, baudrate, timeout)
    except PrinterError as exc:
        return str(exc.reason)
    try:
        port.reset_input_buffer()
        _write(port, PAPER_STATUS_QUERY, deadline)
        port.timeout = min(STATUS_TIMEOUT, _time_left(deadline))
        answer = port.read(1)
    except serial.SerialTimeoutException:
        return str(Reason.TIMEOUT)
    except (serial.SerialException, OSError):
        return str(Reason.ERROR)
    finally:
        _close(port, discard=True)
    if not answer or answer[0] & _STATUS_FIXED_MASK != _STATUS_FIXED_BITS:
        return "no_answer"
    return str(Reason.PAPER_OUT) if answer[0] & _PAPER_END == _PAPER_END else "ready"


def _compose(p: Escpos, ticket: Ticket) -> None:
    from escpos.constants import QR_ECLEVEL_M

    labels = ticket.labels

    def text(line: str, columns: int = TEXT_COLUMNS) -> None:
        line = line.translate(_ASCII_LOOKALIKES)
        p.textln(textwrap.fill(line, columns, break_long_words=True, break_on_hyphens=False))

    p.hw("INIT")  # ESC @
    p.magic.write_with_encoding(CODE_PAGE, None)  # ESC t 18, magic encoding stays on
    p.set(align="center", bold=True, custom_size=True, width=2, height=2)
    text(ticket.municipality, TEXT_COLUMNS // 2)
    p.set(bold=False, custom_size=True, width=1, height=1)
    text(labels.heading)
    p.ln()
    text(labels.reference)
    p.set(bold=True, custom_size=True, width=3, height=3)
    text(ticket.reference, TEXT_COLUMNS // 3)
    p.set(align="left", bold=False, custom_size=True, width=1, height=1)
    p.ln()
    text(f"{labels.category}: {ticket.category}")
    text(f"{labels.date}: {ticket.local_created:%Y-%m-%d %H:%M}")
    p.ln()
    p.set(align="center")
    text(labels.status)
    p.qr(ticket.status_url, native=True, size=QR_SIZE, ec=QR_ECLEVEL_M)  # GS ( k
    p.textln(ticket.status_url)
    p.cut()  # ESC d 6, GS V 0


def _open(device: str, baudrate: int, timeout: float) -> serial.Serial:
    try:
        return serial.Serial(
            port=device,
            baudrate=baudrate,
            timeout=min(STATUS_TIMEOUT, timeout),
            write_timeout=timeout,
            exclusive=True,
        )
    except serial.SerialException as exc:
        if exc.errno in _MISSING_ERRNOS:
            reason = Reason.MISSING
        elif exc.errno in _BUSY_ERRNOS:
            reason = Reason.BUSY
        else:
            reason = Reason.ERROR
        raise PrinterError(reason, str(exc)) from exc
    except (ValueError, OSError) as exc:
        raise PrinterError(Reason.ERROR, f"{device}: {exc}") from exc


def _time_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise serial.SerialTimeoutException("no time left")
    return left


def _write(port: serial.Serial, data: bytes, deadline: float) -> None:
    port.write_timeout = _time_left(deadline)
    port.write(data)


def _paper_out(port: serial.Serial, deadline: float) -> bool:
    """Ask the roll paper sensor; True only if the printer clearly says the paper is out."""
    port.reset_input_buffer()  # a stale byte must not pass for the answer
    _write(port, PAPER_STATUS_QUERY, deadline)
    port.timeout = min(STATUS_TIMEOUT, _time_left(deadline))
    answer = port.read(1)
    if not answer:
        log.debug("the printer did not answer the paper status query")
        return False
    status = answer[0]
    if status & _STATUS_FIXED_MASK != _STATUS_FIXED_BITS:
        log.debug("ignoring 0x%02x: not an answer to the paper status query", status)
        return False
    return status & _PAPER_END == _PAPER_END


def _drain(port: serial.Serial, deadline: float) -> None:
    """Wait until the serial driver has sent everything, so that close() does not wait."""
    while port.out_waiting:
        if time.monotonic() >= deadline:
            raise serial.SerialTimeoutException("the printer does not take the data")
        time.sleep(0.01)


def _close(port: serial.Serial, discard: bool) -> None:
    def close() -> None:
        try:
            if discard:
                port.reset_output_buffer()
            port.close()
        except (serial.SerialException, OSError) as exc:
            log.debug("closing the printer port: %s", exc)

    if not discard:
        close()
        return
    closer = threading.Thread(target=close, name="printer-close", daemon=True)
    closer.start()
    closer.join(CLOSE_GRACE)

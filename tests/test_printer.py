"""The ticket printer over a real serial line: a pseudo-terminal pair stands in for the printer."""

from __future__ import annotations

import os
import select
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import serial

from kiosk.appliance.devices.printer import (
    PAPER_STATUS_QUERY,
    STATUS_TIMEOUT,
    PrinterError,
    Reason,
    Ticket,
    TicketLabels,
    print_ticket,
    ticket_bytes,
)

LABELS = TicketLabels(
    heading="Zgłoszenie przyjęte",
    reference="Numer zgłoszenia",
    category="Kategoria",
    date="Data",
    status="Sprawdź status:",
)
URL = "https://hub.example.pl/zgloszenia/7KQ-4XM"
BAUD = 19200


def make_ticket(**changes: object) -> Ticket:
    fields: dict[str, object] = {
        "municipality": "Gmina Łąck",
        "reference": "7KQ-4XM",
        "category": "Dziura w jezdni",
        "created": datetime(2026, 3, 14, 14, 42, tzinfo=UTC),  # 15:42 in Warsaw (CET)
        "status_url": URL,
        "labels": LABELS,
        "timezone": "Europe/Warsaw",
    }
    fields.update(changes)
    return Ticket(**fields)


def qr_store(data: bytes) -> bytes:
    """GS ( k pL pH cn=49 fn=80 m=48 d1..dk: store the QR code's data."""
    size = len(data) + 3
    return b"\x1d(k" + bytes([size % 256, size // 256]) + b"1P0" + data


def fill(path: str) -> None:
    """Write to the pty until the kernel's buffers are full and writes keep blocking.

    The kernel moves data between a pty's buffers asynchronously, so room can reappear just
    after a write would have blocked: only three refusals in a row, 20 ms apart, count as full.
    """
    fd = os.open(path, os.O_WRONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        refusals = written = 0
        while refusals < 3:
            try:
                written += os.write(fd, bytes(4096))
                refusals = 0
            except BlockingIOError:
                refusals += 1
                time.sleep(0.02)
            assert written < 4_000_000, "the pty never filled up"
    finally:
        os.close(fd)


class FakePrinter:
    """The master side of a pty: records what the kiosk sends, may answer DLE EOT 4."""

    def __init__(self, status: bytes | None = None, jam: bool = False) -> None:
        self.master, self.slave = os.openpty()  # the slave stays open: no EIO on the master
        self.path = os.ttyname(self.slave)
        self.status = status
        self.jam = jam
        self.received = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        answered = False
        while True:
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                if self._stop.is_set():
                    return
                continue
            try:
                self.received += os.read(self.master, 4096)
            except OSError:
                return
            if self.status is not None and not answered and PAPER_STATUS_QUERY in self.received:
                if self.jam:  # stop taking data, with the pty full, once the status is sent
                    fill(self.path)
                    os.write(self.master, self.status)
                    return
                os.write(self.master, self.status)
                answered = True

    def output(self, expected: int = 0) -> bytes:
        """Everything received: at least `expected` bytes (if they come within 2 s), then
        whatever else arrives before the line has been quiet for 50 ms.

        The kernel hands a pty's data to the master side asynchronously, so bytes written
        before print_ticket returned may still be on their way.
        """
        deadline = time.monotonic() + 2
        while len(self.received) < expected and time.monotonic() < deadline:
            time.sleep(0.01)
        self._stop.set()
        self._thread.join(2)
        return bytes(self.received)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def printer() -> Iterator[FakePrinter]:
    fake = FakePrinter(status=b"\x12")  # paper present
    yield fake
    fake.close()


def test_ticket_bytes_layout() -> None:
    data = ticket_bytes(make_ticket())
    assert data.startswith(b"\x1b@\x1bt\x12")  # ESC @, then code page 18 = PC852
    assert "Gmina Łąck".encode("cp852") in data
    assert b"7KQ-4XM" in data
    assert "Zgłoszenie przyjęte".encode("cp852") in data
    assert "Kategoria: Dziura w jezdni".encode("cp852") in data
    assert b"Data: 2026-03-14 15:42\n" in data  # the kiosk's local time, not UTC
    assert "Sprawdź status:".encode("cp852") in data
    store = qr_store(URL.encode())
    assert store in data
    after_qr = data.index(b"\x1d(k\x03\x001Q0", data.index(store))  # print the stored code
    assert data.index(URL.encode() + b"\n", after_qr) > after_qr  # the URL as text under it
    assert data.endswith(b"\x1dV\x00")  # GS V 0: full cut


def test_polish_letters_print_in_the_code_page_and_typography_becomes_ascii() -> None:
    data = ticket_bytes(make_ticket(municipality="Urząd Gminy – „Żółć”", category="Śmieci"))
    assert 'Urząd Gminy - "Żółć"'.encode("cp852") in data
    assert "Kategoria: Śmieci".encode("cp852") in data
    assert data.count(b"\x1bt") == 1  # one code page for all of it
    assert b"?" not in data


def test_cyrillic_labels_switch_code_page_instead_of_printing_question_marks() -> None:
    labels = TicketLabels("Звернення прийнято", "Номер", "Категорія", "Дата", "Статус:")
    data = ticket_bytes(make_ticket(labels=labels))
    assert data.startswith(b"\x1b@\x1bt\x12")
    assert data.count(b"\x1bt") > 1
    assert b"?" not in data


def test_ticket_needs_an_aware_time_and_a_known_zone() -> None:
    with pytest.raises(ValueError, match="aware"):
        make_ticket(created=datetime(2026, 3, 14, 14, 42))
    with pytest.raises(ValueError, match="time zone"):
        make_ticket(timezone="Europe/Atlantis")


def test_prints_the_exact_ticket_bytes_over_a_serial_line(printer: FakePrinter) -> None:
    ticket = make_ticket()
    print_ticket(ticket, printer.path, BAUD)
    expected = PAPER_STATUS_QUERY + ticket_bytes(ticket)
    received = printer.output(len(expected))
    assert received == expected
    data = received[len(PAPER_STATUS_QUERY) :]
    assert data.startswith(b"\x1b@")
    assert "Gmina Łąck".encode("cp852") in data
    assert b"7KQ-4XM" in data
    assert qr_store(URL.encode()) in data
    assert data.endswith(b"\x1dV\x00")


@pytest.mark.parametrize(
    "status",
    [
        pytest.param(None, id="no-answer"),
        pytest.param(b"\x1e", id="paper-near-end"),
        pytest.param(b"\x10", id="echo-not-a-status-byte"),
    ],
)
def test_prints_when_the_printer_does_not_say_the_paper_is_out(status: bytes | None) -> None:
    fake = FakePrinter(status)
    try:
        started = time.monotonic()
        print_ticket(make_ticket(), fake.path, BAUD)
        assert time.monotonic() - started < STATUS_TIMEOUT + 1
        expected = PAPER_STATUS_QUERY + ticket_bytes(make_ticket())
        assert fake.output(len(expected)) == expected
    finally:
        fake.close()


def test_paper_out() -> None:
    fake = FakePrinter(b"\x72")  # bits 5 and 6: roll paper end sensor, no paper
    try:
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            print_ticket(make_ticket(), fake.path, BAUD)
        assert caught.value.reason == Reason.PAPER_OUT == "paper_out"
        assert time.monotonic() - started < 1
        assert fake.output() == PAPER_STATUS_QUERY  # nothing printed
    finally:
        fake.close()


def test_missing_device() -> None:
    started = time.monotonic()
    with pytest.raises(PrinterError) as caught:
        print_ticket(make_ticket(), "/dev/does-not-exist", BAUD)
    assert caught.value.reason == "missing"
    assert time.monotonic() - started < 0.5


def test_busy_device(printer: FakePrinter) -> None:
    with serial.Serial(printer.path, exclusive=True):
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            print_ticket(make_ticket(), printer.path, BAUD)
    assert caught.value.reason == "busy"
    assert time.monotonic() - started < 0.5
    assert printer.output() == b""  # nothing interleaved with the other process


def test_a_printer_that_takes_no_data_times_out() -> None:
    master, slave = os.openpty()  # nobody reads the master side
    path = os.ttyname(slave)
    try:
        fill(path)  # even the status query cannot be written
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            print_ticket(make_ticket(), path, BAUD, timeout=1.0)
        assert caught.value.reason == "timeout"
        assert time.monotonic() - started < 2.0
    finally:
        os.close(slave)
        os.close(master)


def test_a_printer_that_jams_after_answering_times_out() -> None:
    fake = FakePrinter(status=b"\x12", jam=True)  # paper present, then takes no more data
    try:
        started = time.monotonic()
        with pytest.raises(PrinterError) as caught:
            print_ticket(make_ticket(), fake.path, BAUD, timeout=1.0)
        assert caught.value.reason == "timeout"
        assert time.monotonic() - started < 2.0
        assert fake.output() == PAPER_STATUS_QUERY
    finally:
        fake.close()


def test_the_port_is_free_again_after_a_failure(printer: FakePrinter) -> None:
    with serial.Serial(printer.path, exclusive=True), pytest.raises(PrinterError):
        print_ticket(make_ticket(), printer.path, BAUD)
    print_ticket(make_ticket(), printer.path, BAUD)
    expected = PAPER_STATUS_QUERY + ticket_bytes(make_ticket())
    assert printer.output(len(expected)) == expected

"""The staff screen in the real app: hidden gesture, PIN with lock-out, status and actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.appliance.pin import MAX_FAILURES, hash_pin
from kiosk.infra.config import KioskConfig
from kiosk.infra.store import open_store, set_state
from kiosk.sync.agent import WAKE_FILE
from kiosk_core.validation import validate
from tests.test_printer import FakePrinter

PIN = "2468"


@pytest.fixture(scope="module")
def pin_hash() -> str:
    return hash_pin(PIN, log_n=10)


def staff_config(tmp_path: Path, pin_hash: str, **extra) -> KioskConfig:
    data = {
        "fullscreen": False,
        "kiosk_id": "rynek",
        "data_dir": str(tmp_path / "data"),
        "staff": {"pin_hash": pin_hash},
        "display": {"power": "blank"},
    }
    return validate(KioskConfig, data | extra)


def corner_taps(ui, n: int = 5) -> None:
    from kivy.core.window import Window

    for _ in range(n):
        ui.tap_at(15, Window.height - 15)


def enter(ui, pin: str) -> None:
    staff = ui.app.manager.get_screen("staff")
    for digit in pin:
        ui.tap(next(k for k in ui.find("PinKey", root=staff) if k.key == digit))
    ui.tap(next(k for k in ui.find("PinKey", root=staff) if k.key == "ok"))


def unlock(ui) -> None:
    corner_taps(ui)
    assert ui.app.manager.current == "staff"
    enter(ui, PIN)
    assert ui.screen.unlocked


def rows(ui) -> dict[str, str]:
    return dict(ui.screen.rows)


def test_the_gesture_and_the_pin_open_the_staff_screen(kiosk_app, tmp_path, pin_hash) -> None:
    app, ui = kiosk_app(kiosk=staff_config(tmp_path, pin_hash), size=(1920, 1080))
    corner_taps(ui, 4)
    assert app.manager.current == "home"
    corner_taps(ui, 1)
    assert app.manager.current == "staff"
    assert not ui.screen.unlocked
    ui.screenshot("staff-pin")
    enter(ui, "1111")
    assert not ui.screen.unlocked
    assert ui.screen.message == "Błędny PIN. Pozostały 4 próby."
    ui.choose_language("English")
    enter(ui, PIN)
    assert ui.screen.unlocked
    set_state(open_store(tmp_path / "data"), "clock_skew", "0.2")
    ui.screen.refresh()
    status = rows(ui)
    assert status["Kiosk"] == "rynek"
    assert status["Content version"] == "1"
    assert status["Last successful sync"] != "never"
    assert status["Reports waiting to be sent"] == "0"
    assert status["Printer"] == "No printer configured"
    assert status["Display"].startswith("on (blank)")
    assert status["Video"].startswith("libVLC 3.")
    ui.screenshot("staff-status")
    # the idle reset locks it again
    ui.advance(200)
    ui.wait(0.5)
    assert app.manager.current == "home"
    assert not app.manager.get_screen("staff").unlocked


def test_repeated_wrong_pins_lock_the_keypad_even_across_a_restart(
    kiosk_app, tmp_path, pin_hash
) -> None:
    app, ui = kiosk_app(kiosk=staff_config(tmp_path, pin_hash))
    corner_taps(ui)
    for _ in range(MAX_FAILURES):
        enter(ui, "9999")
    assert "Zbyt wiele błędnych PIN-ów" in ui.screen.message and "1:00" in ui.screen.message
    enter(ui, PIN)
    assert not ui.screen.unlocked
    ui.screenshot("staff-locked-out")
    ui.stop()
    app2, ui2 = kiosk_app(kiosk=staff_config(tmp_path, pin_hash), clock=ui.clock)
    corner_taps(ui2)
    enter(ui2, PIN)
    assert not ui2.screen.unlocked  # the lock-out was kept on disk
    ui2.clock.advance(61)
    enter(ui2, PIN)
    assert ui2.screen.unlocked


def test_without_a_pin_hash_the_gesture_does_nothing(kiosk_app, tmp_path) -> None:
    kiosk = KioskConfig(fullscreen=False, data_dir=tmp_path / "data")
    app, ui = kiosk_app(kiosk=kiosk)
    corner_taps(ui)
    assert app.manager.current == "home"


def test_actions(kiosk_app, tmp_path, pin_hash) -> None:
    printer = FakePrinter(status=b"\x12")
    try:
        kiosk = staff_config(tmp_path, pin_hash, printer={"device": printer.path})
        app, ui = kiosk_app(kiosk=kiosk)
        unlock(ui)
        ui.choose_language("English")
        ui.wait(0.5)
        assert rows(ui)["Printer"] == "Ready"
        # sync now: the agent's wake file
        ui.tap(ui.button("Sync now"))
        assert (tmp_path / "data" / WAKE_FILE).exists()
        assert ui.screen.feedback == "The sync agent was asked to sync now."
        # a test ticket goes to the printer
        ui.tap(ui.button("Print a test ticket"))
        ui.wait(1.0)
        assert ui.screen.feedback == "Test ticket printed."
        assert b"TEST" in printer.output(200)
        # reload content stays on the staff screen
        ui.tap(ui.button("Reload content"))
        assert app.manager.current == "staff" and ui.screen.unlocked
        ui.choose_language("English")  # a reload starts over in the default language
        # the touch test records touches and where they landed
        ui.tap(ui.button("Touch test"))
        test = app.appliance.touch_test
        assert test is not None
        ui.tap_at(192, 108)  # the bottom-left target of a 1920x1080 window
        ui.tap_at(960, 540)
        assert test.touches == 2
        assert [m[2] for m in test.marks] == [0, 0]
        ui.tap_at(1000, 600)
        assert test.marks[-1][2] == 72
        ui.screenshot("staff-touch-test")
        ui.tap(ui.button("Close", root=test))
        assert app.appliance.touch_test is None
        # restart: the app stops (systemd or `kiosk run` starts it again)
        stopped = []
        app.stop = lambda *a: stopped.append(True)
        ui.tap(ui.button("Restart the app"))
        assert stopped and app.appliance.restart_requested
    finally:
        printer.close()


def test_portrait_staff_screen(kiosk_app, tmp_path, pin_hash) -> None:
    app, ui = kiosk_app(kiosk=staff_config(tmp_path, pin_hash), size=(1080, 1920))
    unlock(ui)
    ui.choose_language("Українська")
    ui.screenshot("portrait-staff-status")


def test_reports_the_hub_refused_are_shown_and_sent_again(kiosk_app, tmp_path, pin_hash) -> None:
    from datetime import UTC, datetime

    from kiosk.visit.outbox import list_reports, mark_attention, save_report
    from kiosk_core.reports import ReportDraft
    from tests.hubtools import REPORT

    db = open_store(tmp_path / "data")
    saved = [
        save_report(db, ReportDraft(**(REPORT | {"description": f"Latarnia {i}"})), "rynek", "pl",
                    datetime(2026, 11, 20 + i, 9, tzinfo=UTC))
        for i in range(7)
    ]  # fmt: skip
    reason = "POST /reports: 409 a different report is already stored under this uuid [b]x[/b]"
    for report in saved[:6]:
        mark_attention(db, report.uuid, reason)
    app, ui = kiosk_app(kiosk=staff_config(tmp_path, pin_hash), size=(1920, 1080))
    unlock(ui)
    ui.choose_language("English")
    shown = rows(ui)["Reports needing attention"]
    lines = shown.split("\n")
    assert lines[0] == "6 reports refused by the hub, kept here"
    assert lines[1] == f"{saved[0].ref_code}: {reason}"  # the oldest first, as plain text
    assert len(lines) == 7 and lines[-1] == "and 1 more"
    assert rows(ui)["Reports waiting to be sent"] == "1"
    ui.screenshot("staff-attention")
    ui.tap(ui.button("Send refused reports again"))
    assert ui.screen.feedback == "6 reports will be sent to the hub again."
    assert (tmp_path / "data" / WAKE_FILE).exists()
    assert rows(ui)["Reports needing attention"] == "none"
    assert rows(ui)["Reports waiting to be sent"] == "7"
    states = {r["state"] for r in list_reports(db, with_contact=True)}
    assert states == {"pending"}
    ui.tap(ui.button("Send refused reports again"))
    assert ui.screen.feedback == "No report needs attention."

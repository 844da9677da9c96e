"""Filing a problem report through the real UI, in Polish and in Ukrainian."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.infra.config import KioskConfig
from kiosk.infra.store import open_store
from kiosk.visit.outbox import list_reports
from kiosk_core.validation import to_data, validate


def in_sight(label) -> bool:
    """The label's text lies inside the window (not pushed off its edge)."""
    from kivy.core.window import Window

    x, _y = label.to_window(label.x, label.y)
    return (
        label.opacity > 0
        and label.width >= label.texture_size[0] > 0
        and (x >= 0 and x + label.width <= Window.width + 1)
    )


def config(tmp_path: Path) -> KioskConfig:
    return KioskConfig(
        fullscreen=False,
        data_dir=tmp_path / "data",
        kiosk_id="rynek",
        hub_url="https://hub.example.org/",
    )


@pytest.mark.parametrize(
    ("lang", "words", "labels"),
    [
        (
            "pl",
            "Nie świeci latarnia",
            {
                "report": "Zgłoś problem",
                "next": "Dalej",
                "here": "Tutaj, przy kiosku",
                "send": "Wyślij zgłoszenie",
            },
        ),
        (
            "uk",
            "Не світить ліхтар",
            {
                "report": "Повідомити про проблему",
                "next": "Далі",
                "here": "Тут, біля кіоску",
                "send": "Надіслати",
            },
        ),
    ],
)
def test_the_whole_flow(kiosk_app, tmp_path: Path, lang, words, labels) -> None:
    app, ui = kiosk_app(kiosk=config(tmp_path))
    if lang != "pl":
        ui.choose_language(dict(app.languages)[lang])
    home = app.manager.get_screen("home")
    ui.tap(home.ids.report)
    report = ui.screen
    assert app.manager.current == "report" and report.step == "category"
    ui.screenshot(f"report-{lang}-1-category")
    tile = next(
        t
        for t in ui.find("CategoryTile")
        if "Nie świeci latarnia" in t.text
        or "Street" in t.text
        or "латарн" in t.text.lower()
        or t.service_code == "lampa"
    )
    ui.tap(tile)
    assert report.step == "description"
    ui.tap(report.ids.next_description)
    assert report.step == "description", "an empty description cannot go on"
    assert report.error
    assert in_sight(report.ids.error) and in_sight(report.ids.progress_text)
    ui.type_on(report.ids.description_keys, words)
    assert not report.error and in_sight(report.ids.progress_text), "the step counter is back"
    assert report.description == words
    ui.screenshot(f"report-{lang}-2-description")
    ui.tap(report.ids.next_description)
    assert report.step == "location"
    ui.tap(report.ids.next_location)
    assert report.step == "location" and report.error
    ui.tap(report.ids.here)
    ui.screenshot(f"report-{lang}-3-location")
    ui.tap(report.ids.next_location)
    assert report.step == "contact"
    ui.tap(report.ids.leave_contact)
    ui.tap(report.ids.email_field)
    ui.screenshot(f"report-{lang}-4-contact-empty")
    ui.type_on(report.ids.contact_keys, "jan@")
    ui.tap(report.ids.next_contact)
    assert report.step == "contact" and report.error, "no consent ticked yet"
    ui.tap(report.ids.consent)
    ui.tap(report.ids.next_contact)
    assert report.step == "contact" and report.error, "'jan@' is not an e-mail address"
    ui.type_on(report.ids.contact_keys, "example.pl")
    ui.screenshot(f"report-{lang}-4-contact")
    ui.tap(report.ids.next_contact)
    assert report.step == "review", (report.error, report.email, report.draft)
    assert words in report.review_text
    ui.screenshot(f"report-{lang}-5-review")
    send = report.ids.send
    ui.tap(send)
    ui.tap_at(*send.to_window(*send.center))  # an impatient double tap
    assert app.manager.current == "receipt"
    receipt = ui.screen
    ui.screenshot(f"report-{lang}-6-receipt")
    rows = list_reports(open_store(tmp_path / "data"), with_contact=True)
    assert len(rows) == 1
    (row,) = rows
    assert row["ref_code"] == receipt.ref_code
    assert row["description"] == words and row["lang"] == lang
    assert row["email"] == "jan@example.pl" and row["kiosk_id"] == "rynek"
    assert row["service_code"] == "lampa"
    assert receipt.status_link == f"https://hub.example.org/r/{row['status_token']}"
    assert ui.find("QrCode", root=receipt)[0].texture is not None
    ui.tap(ui.button("Wstecz" if lang == "pl" else "Назад"))
    assert app.manager.current == "home"


def test_point_on_the_map_and_address(kiosk_app, tmp_path: Path) -> None:
    app, ui = kiosk_app(kiosk=config(tmp_path))
    ui.tap(app.manager.get_screen("home").ids.report)
    report = ui.screen
    ui.tap(ui.find("CategoryTile")[0])
    ui.type_on(report.ids.description_keys, "Dziura")
    ui.tap(report.ids.next_description)
    ui.tap(report.ids.on_map)
    ui.wait(0.2)
    image = report.ids.map_image
    width, height = image.norm_image_size
    left, bottom = image.center_x - width / 2, image.center_y - height / 2
    # the centre of the map is the centre of the area it shows
    ui.tap_at(*image.to_window(left + width / 2, bottom + height / 2))
    assert report.draft.lat == pytest.approx(50.30, abs=0.01)
    assert report.draft.long == pytest.approx(16.85, abs=0.01)
    ui.screenshot("report-pl-3-map")
    # beside the map: a clear message, the point kept
    ui.tap_at(*image.to_window(left - 5, bottom + height / 2))
    assert report.error and report.draft.lat == pytest.approx(50.30, abs=0.01)
    ui.tap(report.ids.by_address)
    ui.type_on(report.ids.address_keys, "Polna 3")
    ui.tap(report.ids.next_location)
    assert report.step == "contact"
    ui.tap(report.ids.next_contact)  # anonymous
    ui.tap(report.ids.send)
    (row,) = list_reports(open_store(tmp_path / "data"), with_contact=True)
    assert row["address_string"] == "Polna 3" and row["lat"] is None
    assert row["email"] is None


def test_idle_reset_wipes_an_unfinished_form(kiosk_app, tmp_path: Path) -> None:
    app, ui = kiosk_app(kiosk=config(tmp_path))
    ui.tap(app.manager.get_screen("home").ids.report)
    report = ui.screen
    ui.tap(ui.find("CategoryTile")[0])
    ui.type_on(report.ids.description_keys, "Tajne")
    ui.advance(200)
    ui.wait(0.5)
    assert app.manager.current == "home"
    assert report.description == "" and report.draft.description == ""
    assert report.ids.description_keys.text == "" and report.step == "category"
    assert list_reports(open_store(tmp_path / "data")) == []


def fill_and_send(ui, app) -> None:
    ui.tap(app.manager.get_screen("home").ids.report)
    report = ui.screen
    ui.tap(ui.find("CategoryTile")[0])
    ui.type_on(report.ids.description_keys, "Dziura")
    ui.tap(report.ids.next_description)
    ui.tap(report.ids.here)
    ui.tap(report.ids.next_location)
    ui.tap(report.ids.next_contact)
    ui.tap(report.ids.send)


def test_ticket_printed_on_a_serial_line(kiosk_app, tmp_path: Path) -> None:
    import os
    import select

    master, slave = os.openpty()
    kiosk = validate(
        KioskConfig, to_data(config(tmp_path)) | {"printer": {"device": os.ttyname(slave)}}
    )
    app, ui = kiosk_app(kiosk=kiosk)
    fill_and_send(ui, app)
    receipt = ui.screen
    received = b""
    deadline = 50
    while receipt.print_state in ("", "printing") and deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            received += os.read(master, 65536)
        ui.frames(2)
        deadline -= 1
    while select.select([master], [], [], 0.2)[0]:
        received += os.read(master, 65536)
    assert receipt.print_state == "printed"
    assert receipt.ref_code.encode() in received
    assert receipt.status_link.encode() in received
    assert received.rstrip(b"\n").endswith(b"\x1dV\x00")
    ui.screenshot("report-pl-7-receipt-printed")
    os.close(master)
    os.close(slave)


def test_a_missing_printer_does_not_stop_the_report(kiosk_app, tmp_path: Path) -> None:
    kiosk = validate(
        KioskConfig, to_data(config(tmp_path)) | {"printer": {"device": "/dev/no-such-printer"}}
    )
    app, ui = kiosk_app(kiosk=kiosk)
    fill_and_send(ui, app)
    receipt = ui.screen
    for _ in range(40):
        if receipt.print_state == "failed":
            break
        ui.wait(0.05)
    assert receipt.print_state == "failed"
    assert (
        any(
            "could not be printed" in t or "nie udało się" in t.lower() or "Nie można" in t
            for t in ui.texts(receipt)
        )
        or receipt.ids.print_status.text
    )
    assert len(list_reports(open_store(tmp_path / "data"))) == 1

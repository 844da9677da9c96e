"""Filing a problem report through the real UI, in Polish and in Ukrainian."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.infra.config import KioskConfig
from kiosk.infra.store import open_store
from kiosk.visit.outbox import list_reports
from kiosk_core.geo import latlong_to_tap
from kiosk_core.validation import to_data, validate
from tests.conftest import SAMPLE_CONTENT


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
    image = report.ids.map_view
    left, bottom, width, height = image.drawn
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


def test_the_category_s_question_the_place_on_a_small_map_and_the_answer_stored(
    kiosk_app, tmp_path: Path
) -> None:
    """The street lamp asks for its pole number (required) and says where to find it; the
    place touched on the map is confirmed on a small map with the street it is near."""
    app, ui = kiosk_app(kiosk=config(tmp_path), content=SAMPLE_CONTENT)
    ui.tap(app.manager.get_screen("home").ids.report)
    report = ui.screen
    ui.tap(next(t for t in ui.find("CategoryTile") if t.service_code == "latarnia"))
    assert report.ids.category_hint.text.startswith("Lampa nie świeci, mruga")
    ui.type_on(report.ids.description_keys, "Mruga")
    ui.tap(report.ids.next_description)
    assert report.step == "questions" and report.ids.progress_text.text == "Krok 3 z 6"
    assert report.ids.question_title.text == "Numer słupa (z tabliczki na słupie)"
    assert "np. 12/345" in report.ids.question_hint.text
    ui.tap(report.ids.next_question)
    assert report.step == "questions", "a required question cannot be left out"
    assert report.error == "Odpowiedz na to pytanie: urząd potrzebuje tej odpowiedzi."
    ui.type_on(report.ids.question_keys, "12/345")
    assert report.ids.answer_line.ids.typed.text == "12/345|", "the answer with its caret"
    ui.screenshot("report-pl-3-question")
    ui.tap(report.ids.next_question)
    assert report.step == "location", report.error

    ui.tap(report.ids.on_map)
    view = report.ids.map_view
    ui.wait_until(lambda: view.drawn[2] > 0, "the map drawn")
    left, bottom, width, height = view.drawn
    fx, fy = latlong_to_tap(app.catalog.settings.map, 50.30246, 16.87895)  # the market square
    ui.tap_at(*view.to_window(left + fx * width, bottom + (1 - fy) * height))
    assert report.draft.lat == pytest.approx(50.30246, abs=1e-4)
    assert report.ids.chosen_place.text == "Wybrane miejsce: Punkt na mapie (w pobliżu ul. Rynek)"
    ui.tap(report.ids.next_location)
    ui.tap(report.ids.next_contact)
    assert report.step == "review"
    small = report.ids.small_map
    ui.wait_until(lambda: small.drawn[2] > 0, "the small map drawn")
    assert small.opacity == 1 and small.zoom > 1
    pin = small.pin_at()
    assert pin is not None and small.collide_point(*pin), "the pin on the small map"
    assert report.ids.place_near.text == "w pobliżu ul. Rynek"
    assert "50.30" not in report.review_text, "no raw coordinates for the resident"
    assert "Numer słupa (z tabliczki na słupie):[/b] 12/345" in report.review_text
    ui.screenshot("report-pl-5-review-small-map")
    ui.tap(report.ids.send)
    assert app.manager.current == "receipt"
    (row,) = list_reports(open_store(tmp_path / "data"))
    assert json.loads(row["attributes"]) == {"pole_number": "12/345"}
    assert row["service_code"] == "latarnia"


def test_a_long_description_keeps_its_end_in_sight_and_the_contact_step_holds_with_a_plus(
    kiosk_app, tmp_path: Path
) -> None:
    app, ui = kiosk_app(kiosk=config(tmp_path), size=(1280, 800))
    ui.tap(ui.button("A+"))
    ui.tap(app.manager.get_screen("home").ids.report)
    report = ui.screen
    ui.tap(ui.find("CategoryTile")[0])
    field = report.ids.description_field
    keys = report.ids.description_keys
    keys.text = "Lampa przy ul. Polnej mruga od tygodnia, a wieczorem gaśnie zupełnie. " * 15
    ui.type_on(keys, "koniec")
    shown = field.ids.shown
    assert len(report.description) > 1000
    assert shown.text.endswith("koniec|"), "the end of what is typed, with the caret"
    assert shown.y >= field.y and shown.top > field.y, "the last line inside the field"
    ui.screenshot("report-pl-2-long-description-larger-text")
    ui.tap(report.ids.next_description)
    ui.tap(report.ids.here)
    ui.tap(report.ids.next_location)
    assert report.step == "contact"
    ui.tap(report.ids.leave_contact)
    ui.tap(report.ids.email_field)
    ui.screenshot("report-pl-4-contact-larger-text")
    anonymous, leave = report.ids.anonymous, report.ids.leave_contact
    title = ui.find("StepTitle", root=report.ids.steps.get_screen("contact"))[0]
    for button in (anonymous, leave, report.ids.consent):
        assert button.texture_size[0] <= button.width, f"{button.text!r} wider than its button"
        assert button.texture_size[1] <= button.height, f"{button.text!r} taller than its button"
        assert button.top <= title.y + 1, f"{button.text!r} over the question"
    assert anonymous.right <= leave.x, "the two choices side by side, not over each other"
    assert report.ids.phone_field.y >= report.ids.steps.y, "the last field on screen"
    # A field's name is its caption, drawn apart from what is typed, never like a value.
    name = report.ids.name_field
    assert name.ids.caption.text == "Imię i nazwisko" and name.ids.typed.text == ""
    assert list(name.ids.caption.color) == list(app.pal.muted)

"""Text drawn from textures only as wide as its lines, in the very place Kivy would draw it."""

from __future__ import annotations

from kivy.graphics import Rectangle

from tests.conftest import SAMPLE_CONTENT
from tests.kivy_driver import FakeClock
from tests.test_ui_screens import SATURDAY_MORNING


def drawn(label) -> Rectangle:
    """The rectangle that shows the label's text."""
    return next(
        i for i in label.canvas.children if isinstance(i, Rectangle) and i.texture is label.texture
    )


def test_short_titles_take_little_memory_and_stay_in_place(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(SATURDAY_MORNING))
    question = ui.find("Heading", "W czym możemy pomóc?")[0]
    assert question.halign == "center"
    assert question.texture_size[0] < question.width / 2
    rect = drawn(question)
    assert abs(rect.pos[0] + rect.size[0] / 2 - question.center_x) <= 1, "centred as before"

    ui.tap(ui.button("Kontakt z urzędem"))
    phone = ui.find("SectionTitle", "Telefon")[0]
    assert phone.halign == "left"
    assert phone.texture_size[0] < phone.width / 4
    assert abs(drawn(phone).pos[0] - phone.x) <= 1, "starts at the left edge, as before"


def test_long_text_still_wraps_at_the_width_of_its_place(kiosk_app) -> None:
    app, ui = kiosk_app(content=SAMPLE_CONTENT, clock=FakeClock(SATURDAY_MORNING), size=(1280, 800))
    card = next(c for c in app.catalog._services if c.body and len(c.body["pl"]) > 300)
    app.open_item("service", card.id)
    ui.frames()
    body = max(ui.find("Body"), key=lambda b: len(b.text))
    lines = body.text.count("\n") + 1
    assert body.texture_size[0] <= body.width
    assert body.texture_size[1] > 3 * lines * body.font_size, "wrapped into many lines"
    assert abs(drawn(body).pos[0] - body.x) <= 1

"""The on-screen keyboard: every key where it is drawn, typed by real touches."""

from __future__ import annotations

from kiosk.ui.widgets.keyboard import key_rows, place_keys


def test_keys_fill_the_keyboard_without_overlapping() -> None:
    rows = key_rows("uk", punctuation=True)
    placed = place_keys(rows, 100, 50, 900, 400, 8)
    assert len(placed) == sum(len(row) for row in rows)
    for key, (x, y, w, h) in placed:
        assert x >= 100 and x + w <= 1000 + 1e-6
        assert y >= 50 and y + h <= 450 + 1e-6
        assert w > 40 and h > 40, f"{key} is too small to touch"
    boxes = [box for _key, box in placed]
    for i, (x, y, w, h) in enumerate(boxes):
        for ox, oy, ow, oh in boxes[i + 1 :]:
            assert x + w <= ox or ox + ow <= x or y + h <= oy or oy + oh <= y
    assert {k.action for k in rows[-1]} == {"shift", "latin", "space", "delete", "clear"}


def test_only_a_non_latin_layout_offers_the_latin_switch() -> None:
    assert "latin" not in {k.action for k in key_rows("pl")[-1]}
    latin = [k.char for row in key_rows("uk", latin=True)[:-1] for k in row]
    assert "ł" in latin and "й" not in latin


def test_shift_delete_clear_and_the_length_limit(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.tap(ui.button("Szukaj"))
    keyboard = ui.screen.ids.keyboard
    keyboard.max_length = 4
    ui.type_on(keyboard, "Ząb")
    assert keyboard.text == "Ząb" and not keyboard.shift
    ui.type_on(keyboard, "xy")
    assert keyboard.text == "Ząbx", "a fifth letter does not fit"
    ui.tap_key(keyboard, "delete")
    assert keyboard.text == "Ząb"
    ui.tap_key(keyboard, "clear")
    assert keyboard.text == "" and ui.screen.query == ""


def test_a_finger_slid_off_a_key_types_nothing(kiosk_app) -> None:
    from kivy.tests.common import UnitTestTouch

    app, ui = kiosk_app()
    ui.tap(ui.button("Szukaj"))
    keyboard = ui.screen.ids.keyboard
    ui.frames(1)
    boxes = {key.char: box for key, box in keyboard.keys if key.action == "char"}
    x, y, w, h = boxes["q"]
    tx, ty, tw, th = boxes["p"]
    finger = UnitTestTouch(*keyboard.to_window(x + w / 2, y + h / 2))
    finger.touch_down()
    ui.frames(2)
    q = next(i for i, (key, _box) in enumerate(keyboard.keys) if key.char == "q")
    held = keyboard._backgrounds[q]
    assert held.rgba[0] < keyboard.key_color[0], "the key under the finger darkens"
    finger.touch_move(*keyboard.to_window(tx + tw / 2, ty + th / 2))
    finger.touch_up()
    ui.frames(2)
    assert keyboard.text == ""
    assert list(held.rgba) == list(keyboard.key_color), "released, the key looks as before"


def test_the_contact_keyboard_types_only_once_contact_details_are_chosen(kiosk_app) -> None:
    app, ui = kiosk_app()
    ui.tap(ui.button("Zgłoś problem"))
    report = ui.screen
    report.go_step("contact")
    ui.frames(3)
    keys = report.ids.contact_keys
    assert report.anonymous and keys.disabled and keys.width > 100
    keys.opacity = 1  # even if it were visible, a disabled keyboard types nothing
    x, y, w, h = next(box for key, box in keys.keys if key.char == "a")
    ui.tap_at(*keys.to_window(x + w / 2, y + h / 2))
    assert keys.text == "" and report.name_text == ""
    report.set_anonymous(False)
    ui.frames(2)
    ui.tap_at(*keys.to_window(x + w / 2, y + h / 2))
    assert report.name_text == "a"


def test_two_thumbs_a_capital_typed_while_the_next_letter_is_held(kiosk_app) -> None:
    from kivy.tests.common import UnitTestTouch

    app, ui = kiosk_app()
    ui.tap(ui.button("Szukaj"))
    keyboard = ui.screen.ids.keyboard
    ui.tap_key(keyboard, "shift")
    ui.frames(1)
    boxes = {key.char: box for key, box in keyboard.keys if key.action == "char"}

    def finger_on(char):
        x, y, w, h = boxes[char]
        return UnitTestTouch(*keyboard.to_window(x + w / 2, y + h / 2))

    holding = finger_on("b")
    holding.touch_down()
    ui.frames(2)
    other = finger_on("a")
    other.touch_down()
    other.touch_up()  # "A": shift is used up, the keys are drawn again in lower case
    ui.frames(3)
    holding.touch_up()
    ui.frames(2)
    assert keyboard.text == "Ab"

"""Read-aloud in the real app: a visitor turns "Listen" on and hears the screens, the buttons
before they use them, the reference code letter by letter and the idle warning; the next
visitor finds it off. The engine is the real one (espeak-ng into ALSA's `null` device), also
writing each utterance to a WAV file, so what the kiosk said is checked as it was said."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest

from kiosk.speech.engine import SpeechEngine

pytestmark = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("aplay")),
    reason="espeak-ng and aplay (Debian packages espeak-ng, alsa-utils; ./dev installs them)",
)


def said(engine: SpeechEngine) -> list[str]:
    return [u.text for u in engine.said]


def last(engine: SpeechEngine):
    return engine.said[-1]


def test_a_visit_with_read_aloud(kiosk_app, tmp_path: Path) -> None:
    engine = SpeechEngine(device="null", record_dir=tmp_path / "said")
    app, ui = kiosk_app(speech=engine)
    listen = app.root_widget.ids.topbar.ids.listen
    ui.choose_language("English")
    assert not engine.said  # silent until a visitor asks for it
    ui.screenshot("speech-listen-off")

    ui.tap(listen)
    assert app.listening
    assert last(engine).text.startswith("Read-aloud is on. Touch something once to hear it")
    assert "How can we help you?" in last(engine).text and last(engine).lang == "en"
    ui.screenshot("speech-listen-on")

    # a first touch says what the button is and does nothing else; the second uses it
    services = ui.button("Town hall services")
    ui.tap(services)
    assert last(engine).text == "Town hall services. Documents, fees, opening hours, button."
    assert app.manager.current == "home"
    ui.tap(services)
    assert app.manager.current == "categories"
    ui.wait_until(lambda: last(engine).text == "Town hall services.", "the new screen read")

    documents = ui.button("Documents")
    ui.tap(documents)
    ui.tap(documents)
    ui.wait_until(
        lambda: last(engine).text == "Documents. 2 items in the list.", "the list and its length"
    )
    # list rows are heard as they are touched, opened by the second touch
    row = next(r for r in ui.find("ListRow") if r.item_id == "dowod")
    ui.tap(row)
    assert last(engine).text == "ID card. Applying for an ID card, button."
    assert app.manager.current == "services"
    ui.tap(row)
    assert app.manager.current == "service"
    ui.wait_until(lambda: last(engine).text.startswith("ID card."), "the card read")
    card = last(engine)
    assert card.text.startswith("ID card. Applying for an ID card.") and card.lang == "en"
    assert card.done.wait(30) and not card.error
    with wave.open(str(card.wav)) as wav:
        assert wav.getnframes() / wav.getframerate() > 1.5

    # another language: its name heard in that language, then the screen read in it
    language = app.root_widget.ids.topbar.ids.language
    ui.tap(language)
    assert last(engine).text.startswith("English")
    ui.tap(language)  # heard, then the chooser opens
    german = ui.button("Deutsch", root=ui.window_child("LanguageChooser"))
    ui.tap(german)
    assert (last(engine).text, last(engine).lang) == ("Deutsch.", "de")
    assert app.lang == "en"
    ui.tap(german)
    ui.wait_until(lambda: last(engine).lang == "de", "the card read again in German")
    assert last(engine).text.startswith("Personalausweis.")

    # the on-screen keyboard: a key is heard, then typed
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Start"))
    ui.tap(ui.button("Suche"))
    ui.tap(ui.button("Suche"))
    ui.wait_until(lambda: last(engine).text.startswith("Suche."), "the search screen read")
    keyboard = ui.screen.ids.keyboard
    ui.tap_key(keyboard, "char", "ß")
    assert (last(engine).text, ui.screen.query) == ("ß.", ""), said(engine)[-4:]
    ui.tap_key(keyboard, "char", "ß")
    assert ui.screen.query == "ß"

    # the receipt's reference code, letter by letter
    app.navigator.start_at("receipt", ref_code="7KQ-4XM")
    ui.wait_until(lambda: "7, K, Q. 4, X, M." in last(engine).text, "the code spelled")
    assert last(engine).text.index("Ihre Vorgangsnummer") < last(engine).text.index("7, K, Q")

    # the idle warning is said, and lasts long enough to be heard and answered
    ui.advance(91)
    overlay = ui.overlay()
    assert overlay is not None and app.idle_left == 29  # 30 s from the 90th, not 10
    ui.wait_until(lambda: last(engine).text.startswith("Sind Sie noch da?"), "the warning said")
    assert "29 Sekunden" in last(engine).text
    stay = overlay.ids.stay
    ui.tap(stay)
    assert last(engine).text.startswith("Ja, ich bin noch da")
    assert ui.overlay() is not None  # heard, not yet used
    ui.tap(stay)
    assert ui.overlay() is None and app.manager.current == "receipt"

    # the next visitor finds the kiosk silent and Listen off
    ui.advance(91)
    ui.advance(30)
    manager = app.manager
    ui.wait_until(
        lambda: manager.current == "home" and not manager.transition.is_active, "the idle reset"
    )
    assert not app.listening and app.lang == "pl"
    count = len(engine.said)
    ui.tap(ui.button("Szukaj"))
    assert app.manager.current == "search" and len(engine.said) == count
    for utterance in engine.said:
        assert utterance.done.wait(30)
    assert all(u.wav is not None and u.wav.exists() for u in engine.said if not u.stopped)


def test_without_a_voice_listen_is_off_and_nothing_breaks(kiosk_app, tmp_path: Path) -> None:
    engine = SpeechEngine(program=str(tmp_path / "no-espeak-ng"))
    app, ui = kiosk_app(speech=engine, size=(1080, 1920))
    listen = app.root_widget.ids.topbar.ids.listen
    assert listen.disabled and not app.speech_available
    ui.tap(listen)
    assert not app.listening
    ui.tap(ui.button("Szukaj"))
    assert app.manager.current == "search"  # one touch, as always
    ui.screenshot("speech-unavailable-portrait")

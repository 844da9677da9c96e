"""The kiosk's voice: espeak-ng through `kiosk speak` into a WAV file, and the engine the app
speaks with (into ALSA's `null` device, which takes sound where there is no card)."""

from __future__ import annotations

import logging
import shutil
import wave
from pathlib import Path

import pytest
from click.testing import CliRunner

from kiosk.cli import main
from kiosk.speech.engine import SpeechEngine
from kiosk_core.speech.utterance import speakable

pytestmark = pytest.mark.skipif(
    not (shutil.which("espeak-ng") and shutil.which("aplay")),
    reason="espeak-ng and aplay (Debian packages espeak-ng, alsa-utils; ./dev installs them)",
)

HOURS = "Urząd: ul. Rynek 1, tel. 74 811 20 00, pon. 7:30–17:00"


def seconds(path: Path) -> float:
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        assert wav.getframerate() >= 16000
        return wav.getnframes() / wav.getframerate()


def test_kiosk_speak_writes_what_the_kiosk_would_say(tmp_path: Path) -> None:
    out = {lang: tmp_path / f"{lang}.wav" for lang in ("pl", "de", "uk")}
    for lang, path in out.items():
        done = CliRunner().invoke(main, ["speak", HOURS, "--lang", lang, "--out", str(path)])
        assert done.exit_code == 0, done.output
        # it prints what the voice was given: the kiosk's own cleaning in that language
        assert done.stdout.strip() == speakable([HOURS], lang)
        assert 4 < seconds(path) < 30
    assert "ulica Rynek 1" in speakable([HOURS], "pl")
    assert "od 7 30 do 17" in speakable([HOURS], "pl")
    assert "von 7 Uhr 30 bis 17 Uhr" in speakable([HOURS], "de")
    # each language has its own voice: the same text sounds different
    engine = SpeechEngine()
    phonemes = {lang: engine.phonemes(speakable([HOURS], "pl"), lang) for lang in out}
    assert len(set(phonemes.values())) == 3
    assert len({path.read_bytes() for path in out.values()}) == 3


def test_kiosk_speak_spells_a_code(tmp_path: Path) -> None:
    out = tmp_path / "code.wav"
    done = CliRunner().invoke(
        main, ["speak", "7KQ-4XM", "--spell", "--lang", "uk", "--out", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert done.stdout.strip() == "7, ка, ку. 4, ікс, ем."
    assert seconds(out) > 2


def test_a_new_utterance_cuts_the_one_speaking(tmp_path: Path) -> None:
    engine = SpeechEngine(device="null", record_dir=tmp_path)
    try:
        long = engine.say(["Długi tekst. " * 200], "pl")
        short = engine.say(["Wyszukaj, przycisk"], "pl")
        assert short is not None and short.done.wait(20)
        assert long is not None and long.done.wait(20)
        assert long.stopped and not short.stopped and not short.error
        assert short.first_sound is not None and short.wav is not None
        assert 0.5 < seconds(short.wav) < 5
        assert [u.text for u in engine.said] == [long.text, "Wyszukaj, przycisk."]
    finally:
        engine.close()


def test_without_espeak_the_kiosk_stays_silent_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        engine = SpeechEngine(program=str(tmp_path / "espeak-ng"))
    assert not engine.available
    assert "espeak-ng not found (Debian package espeak-ng)" in caplog.text
    assert engine.say(["Hello"], "en") is None
    engine.close()
    done = CliRunner().invoke(main, ["speak", "Hello", "--lang", "xx"])
    assert done.exit_code != 0 and "xx" in done.output

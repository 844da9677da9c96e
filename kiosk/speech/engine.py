"""The kiosk's voice: espeak-ng speaking into the audio output, one utterance at a time.

Each utterance is a small pipeline: `espeak-ng --stdout` writes a WAV stream, a thread of ours
reads it and hands it to `aplay` on the configured ALSA device (the Pi's headphone jack or
HDMI, a USB speaker; `null` in tests). Passing the samples through us costs little (22 kHz,
16 bit, mono: 44 kB a second) and tells us when the first sample reached the player, and the
same stream can be written to a file: `kiosk speak --out` and the tests hear exactly what
the kiosk says.

A new utterance ends the one speaking: its processes are killed at once (a signal, from the
caller's thread, which never waits), then the worker thread starts the next. Nothing here
waits on the caller's thread, so the UI can call `say` from a touch. Without espeak-ng or
aplay the engine says why in the log once and `available` is False; nothing raises.

The text is made speakable in kiosk_core.speech (abbreviations, numbers, times), in plain
Python; this module only runs the programs.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import shutil
import struct
import subprocess
import threading
import time
import wave
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kiosk_core.speech.utterance import Piece, speakable

log = logging.getLogger(__name__)

VOICES = {"pl": "pl", "en": "en-gb", "de": "de", "cs": "cs", "uk": "uk"}
"""espeak-ng's voice for each language the kiosk speaks (British English: a European town)."""
RATE = 150
"""Words a minute: a little slower than espeak's 175, for listeners who are not used to a
synthetic voice."""
KEEP_SAID = 100
"""Utterances kept in `said` (the kiosk runs for months)."""
CHUNK = 2048
"""Bytes read from espeak-ng at a time: 46 ms of sound, so the first reaches the player soon."""
WAV_HEADER = 44
"""espeak-ng's WAV header on stdout: RIFF, a 16-byte fmt chunk, the data chunk's header."""


class SpeechUnavailable(Exception):
    """espeak-ng (or the player) is missing; the message says which and what to install."""


@dataclass
class Utterance:
    """One thing said: the text the voice was given, and when its sound started."""

    text: str
    lang: str
    asked: float = field(default_factory=time.monotonic)
    """time.monotonic() when it was asked for."""
    first_sound: float | None = None
    """time.monotonic() when its first samples were handed to the player."""
    finished: float | None = None
    """When the voice had said all of it (or was stopped): time.monotonic()."""
    stopped: bool = False
    """Cut short by the next utterance or by `stop`."""
    number: int = 0
    wav: Path | None = None
    """Where its sound was written (an engine with a record folder)."""
    error: str = ""
    """Why it was not heard (the player could not open the audio device)."""
    seconds: float = 0.0
    """How long it sounds."""
    done: threading.Event = field(default_factory=threading.Event, repr=False)


@dataclass
class _Playing:
    utterance: Utterance
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    cancelled: bool = False


class SpeechEngine:
    """espeak-ng into aplay. `say` and `stop` return at once; `render` (for `kiosk speak`)
    waits until the file is written."""

    def __init__(
        self,
        device: str = "default",
        rate: int = RATE,
        volume: int = 100,
        program: str = "espeak-ng",
        player: str = "aplay",
        record_dir: Path | None = None,
    ) -> None:
        self.device = device
        self.rate = rate
        self.volume = volume
        self.record_dir = Path(record_dir) if record_dir else None
        """Every utterance is also written there as a WAV file (tests, staff checks)."""
        self.program = shutil.which(program)
        self.player = shutil.which(player)
        self.problem = self._problem(program, player)
        self.available = not self.problem
        if self.problem:
            log.warning(f"Speech: read-aloud is off: {self.problem}")
        self.said: deque[Utterance] = deque(maxlen=KEEP_SAID)
        """The latest utterances asked for, in order (what the kiosk said: tests, benches)."""
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._next: Utterance | None = None
        self._playing: _Playing | None = None
        self._closed = False
        self._worker: threading.Thread | None = None

    def _problem(self, program: str, player: str) -> str:
        if not self.program:
            return f"{program} not found (Debian package espeak-ng)"
        if not self.player:
            return f"{player} not found (Debian package alsa-utils)"
        return ""

    # --- what the kiosk calls ---------------------------------------------------------------

    def say(self, pieces: Iterable[Piece] | str, lang: str) -> Utterance | None:
        """Say `pieces` in `lang` now, cutting off whatever is being said. Returns at once."""
        if not self.available or self._closed:
            return None
        text = speakable([pieces] if isinstance(pieces, str) else pieces, lang)
        if not text:
            return None
        utterance = Utterance(text, lang, number=next(self._numbers))
        self.said.append(utterance)
        with self._lock:
            if self._next is not None:
                self._end(self._next)
            self._next = utterance
            self._cancel_playing()
            self._wake.notify()
            if self._worker is None:
                self._worker = threading.Thread(target=self._work, name="speech", daemon=True)
                self._worker.start()
        return utterance

    def stop(self) -> None:
        """Silence: what is being said stops, what was about to be said is not."""
        with self._lock:
            if self._next is not None:
                self._end(self._next)
                self._next = None
            self._cancel_playing()

    def close(self) -> None:
        self.stop()
        with self._lock:
            self._closed = True
            self._wake.notify()
        if self._worker is not None:
            self._worker.join(timeout=5)

    def render(self, pieces: Iterable[Piece] | str, lang: str, out: Path) -> Utterance:
        """Write what the kiosk would say for `pieces` into the WAV file `out` (same voice,
        same text), waiting until it is written."""
        if not self.program:
            raise SpeechUnavailable(self.problem)
        text = speakable([pieces] if isinstance(pieces, str) else pieces, lang)
        utterance = Utterance(text, lang)
        espeak = subprocess.Popen(
            self.command(text, lang), stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert espeak.stdout is not None
        try:
            self._pump(espeak.stdout, None, out, utterance, lambda: False)
        finally:
            _, errors = espeak.communicate()
        if espeak.returncode != 0:
            raise SpeechUnavailable(f"espeak-ng failed: {errors.decode(errors='replace')}")
        return utterance

    def command(self, text: str, lang: str) -> list[str]:
        """The espeak-ng command that says `text` (already speakable) in `lang`."""
        voice = VOICES.get(lang)
        if voice is None:
            raise ValueError(f"no voice for language {lang!r}")
        return [
            self.program or "espeak-ng",
            "-v", voice,
            "-s", str(self.rate),
            "-a", str(self.volume),
            "--stdout",
            "--", text,
        ]  # fmt: skip

    def phonemes(self, text: str, lang: str) -> str:
        """The phonemes espeak-ng says for `text` in `lang` (tests and staff checks)."""
        command = self.command(text, lang)
        command[command.index("--stdout")] = "-x"
        command.insert(1, "-q")
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    # --- the worker -------------------------------------------------------------------------

    def _end(self, utterance: Utterance) -> None:
        utterance.stopped = True
        utterance.finished = utterance.finished or time.monotonic()
        utterance.done.set()

    def _cancel_playing(self) -> None:
        """Kill the pipeline speaking (called with the lock held; never waits)."""
        playing = self._playing
        if playing is None:
            return
        playing.cancelled = True
        for process in playing.processes:
            with contextlib.suppress(OSError):
                process.kill()

    def _work(self) -> None:
        while True:
            with self._lock:
                while self._next is None and not self._closed:
                    self._wake.wait()
                if self._closed:
                    return
                utterance, self._next = self._next, None
                playing = self._playing = _Playing(utterance)
            try:
                self._speak(playing)
            except Exception as exc:  # a voice that fails must not take the kiosk with it
                log.error(f"Speech: an utterance of {len(utterance.text)} characters failed: {exc}")
            finally:
                with self._lock:
                    if self._playing is playing:
                        self._playing = None
                for process in playing.processes:
                    with contextlib.suppress(OSError):
                        process.kill()
                    process.wait()
                if playing.cancelled:
                    utterance.stopped = True
                utterance.finished = utterance.finished or time.monotonic()
                utterance.done.set()

    def _speak(self, playing: _Playing) -> None:
        utterance = playing.utterance
        with self._lock:
            if playing.cancelled:
                return
            espeak = subprocess.Popen(
                self.command(utterance.text, utterance.lang),
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
            playing.processes.append(espeak)
            player = subprocess.Popen(
                [self.player or "aplay", "-q", "-D", self.device, "-"],
                stdin=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            playing.processes.append(player)
        assert espeak.stdout is not None and player.stdin is not None
        wav = None
        if self.record_dir is not None:
            self.record_dir.mkdir(parents=True, exist_ok=True)
            wav = self.record_dir / f"{utterance.number:04d}-{utterance.lang}.wav"
            utterance.wav = wav
        try:
            self._pump(espeak.stdout, player.stdin, wav, utterance, lambda: playing.cancelled)
        finally:
            with contextlib.suppress(OSError):
                player.stdin.close()
        if not playing.cancelled:
            player.wait()
            problem = player.stderr.read().decode(errors="replace").strip() if player.stderr else ""
            if player.returncode != 0 and not playing.cancelled:
                utterance.error = (
                    problem.splitlines()[-1] if problem else f"exit {player.returncode}"
                )
                log.error(f"Speech: aplay on device {self.device!r} failed: {utterance.error}")

    def _pump(
        self,
        source: IO[bytes],
        player: IO[bytes] | None,
        out: Path | None,
        utterance: Utterance,
        cancelled: Callable[[], bool],
    ) -> None:
        """Copy espeak-ng's WAV stream to the player and, when asked, into a WAV file with
        the right sizes in its header (espeak-ng's on stdout cannot know them)."""
        header = _read_exactly(source, WAV_HEADER)
        if len(header) < WAV_HEADER:
            return
        channels, rate, width = _wav_format(header)
        writer = None
        if out is not None:
            writer = wave.open(str(out), "wb")  # noqa: SIM115 (closed below)
            writer.setnchannels(channels)
            writer.setsampwidth(width)
            writer.setframerate(rate)
        frames = 0
        try:
            if player is not None:
                player.write(header)
            while not cancelled():
                chunk = source.read1(CHUNK) if hasattr(source, "read1") else source.read(CHUNK)
                if not chunk:
                    break
                if player is not None:
                    try:
                        player.write(chunk)
                        player.flush()
                    except (BrokenPipeError, ValueError, OSError):
                        break
                if utterance.first_sound is None:
                    utterance.first_sound = time.monotonic()
                if writer is not None:
                    writer.writeframes(chunk)
                frames += len(chunk) // (channels * width)
        finally:
            utterance.seconds = frames / rate
            if writer is not None:
                writer.close()


def _read_exactly(source: IO[bytes], size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = source.read(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _wav_format(header: bytes) -> tuple[int, int, int]:
    """(channels, frame rate, bytes per sample) from a 44-byte PCM WAV header."""
    if header[:4] != b"RIFF" or header[8:12] != b"WAVE":
        raise ValueError("espeak-ng did not write a WAV stream")
    channels, rate = struct.unpack_from("<HI", header, 22)
    (bits,) = struct.unpack_from("<H", header, 34)
    return channels, rate, bits // 8

"""What the kiosk gives its voice: pieces of text, each cleaned for speech in the visitor's
language (or spelled, for a code), said as sentences one after the other."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kiosk_core.speech.cleaning import clean
from kiosk_core.speech.spelling import spell

SENTENCE_ENDS = ".!?:;…"


@dataclass(frozen=True)
class Spell:
    """A piece said letter by letter (a reference code)."""

    text: str


Piece = str | Spell


def speakable(pieces: Iterable[Piece], lang: str) -> str:
    """The text the voice says for `pieces`: each cleaned or spelled, and ended as a sentence,
    so the voice pauses between a heading and the text under it."""
    said = []
    for piece in pieces:
        text = spell(piece.text, lang) if isinstance(piece, Spell) else clean(piece, lang)
        if not text:
            continue
        said.append(text if text[-1] in SENTENCE_ENDS else f"{text}.")
    return " ".join(said)

"""A code said letter by letter, the way a clerk reads a reference number over the phone.

"7KQ-4XM" is "7, K, Q. 4, X, M.": each character by its name in the visitor's language (a
voice names a letter standing alone; kiosk_core.speech.words lists the few it names wrongly,
such as a Ukrainian voice's English names for Latin letters), a pause between characters and a
longer one where the code is split.
"""

from __future__ import annotations

import re

from kiosk_core.speech.words import WORDS

SPLITS = re.compile(r"[\s\-–—_/.]+")


def spell(code: str, lang: str) -> str:
    """`code` character by character, in groups as it is written; KeyError for a language the
    kiosk does not speak."""
    groups = [group for group in SPLITS.split(code) if group]
    return " ".join(", ".join(character_name(c, lang) for c in group) + "." for group in groups)


def character_name(char: str, lang: str) -> str:
    """One character by its name: a letter as the voice names it (capital: "a" alone is an
    English article), punctuation in words ("kropka")."""
    words = WORDS[lang]
    if char in words.symbols:
        return words.symbols[char]
    upper = char.upper()
    if len(upper) != 1:  # ß has no capital of its own
        upper = char
    return words.letters.get(upper, upper)

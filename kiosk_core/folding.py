"""Text as both a search index and a query compare it: lower case, without diacritics.

"zaswiadczenie", "ZAŚWIADCZENIE" and "zaśw" all match "Zaświadczenie o zameldowaniu": the
kiosk's search (kiosk.visit.search) and the hub's editor lists fold alike.
"""

from __future__ import annotations

import unicodedata


def _folding_table() -> dict[int, str]:
    """One translate() table for Latin, Greek and Cyrillic: C speed for the common case."""
    table: dict[int, str] = {}
    for code in range(0x00C0, 0x0530):
        ch = chr(code)
        plain = "".join(
            c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)
        )
        if plain != ch:
            table[code] = plain
    # Letters NFKD does not decompose but a visitor without the key would type plainly.
    table.update({ord("ł"): "l", ord("ß"): "ss", ord("æ"): "ae", ord("ø"): "o", ord("đ"): "d"})
    return table


_FOLD = _folding_table()


def fold(text: str) -> str:
    """Lower-case, with diacritics removed: the form both index and query are compared in."""
    text = text.lower().translate(_FOLD)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))

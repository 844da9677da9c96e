"""What a visitor is told when content is shown in Polish because their language is missing.

Content needs Polish only; a text missing in the visitor's language is shown in Polish
(kiosk_core.content.model.tr). Without a word, a visitor takes it for a fault of the kiosk:
a card, an event or a list row that falls back says so, and home says how much of the
content is wholly in the visitor's language. Each catalog's translation names its own
language ("Nicht auf Deutsch verfügbar"), so the English message ids name English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kiosk_core.content.texts import Fallback, Share, fallback
from kiosk_core.i18n import N_

Translate = Callable[[str], str]

NOTES = {
    Fallback.WHOLE: N_("Not available in English — shown in Polish."),
    Fallback.PART: N_("Parts not available in English are shown in Polish."),
}


def note(texts: Iterable[dict[str, str] | None], lang: str, _: Translate) -> str:
    """The note for what shows these texts: "" when all of them are in `lang`."""
    how = fallback(texts, lang)
    return _(NOTES[how]) if how in NOTES else ""


def noted(subtitle: str, texts: Iterable[dict[str, str] | None], lang: str, _: Translate) -> str:
    """A list row's subtitle with the note under it, where the row's texts fall back."""
    said = note(texts, lang, _)
    return f"{subtitle}\n{said}" if said and subtitle else subtitle or said


def share_line(cards: Share, events: Share, _: Translate) -> str:
    """How much of the content is wholly in the visitor's language: "" when all of it is."""
    if cards.complete and events.complete:
        return ""
    parts = []
    if cards.total:
        parts.append(_("service cards: {n} of {total}").format(n=cards.whole, total=cards.total))
    if events.total:
        parts.append(_("events: {n} of {total}").format(n=events.whole, total=events.total))
    return _("Wholly in English: {parts}. The rest is shown in Polish.").format(
        parts=", ".join(parts)
    )

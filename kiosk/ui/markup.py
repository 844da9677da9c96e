"""Kivy markup made only from the app's own templates, with every value in it shown as text.

Kivy reads `[b]`, `[size=…]`, `[font=…]`, `[ref=…]` in a markup label's text. Text from content,
from a visitor's report or from a translation must never be read that way: a service category
named `[font=/etc/passwd]` crashed the kiosk when a visitor opened the services, and
`[size=5000]` made a texture 20,000 px tall. So the tags live only in the templates here,
written in code (never in a catalog: translators' words are values like any other), and every
value put into one is escaped.

A label reads markup only when its text is `Markup` (kiosk.ui.widgets.text): text of any other
kind, whoever set it, is drawn as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TAG = re.compile(r"\[/?(?:b|i|u|s|sub|sup|size|color|font|font_family|ref|anchor)(?:=[^\]]*)?\]")


class Markup(str):
    """Text for a markup label: a template's tags around escaped values. Made by `markup`."""

    __slots__ = ()


def escape(text: str) -> str:
    """`text` as it reads, inside markup (what kivy.utils.escape_markup does)."""
    return text.replace("&", "&amp;").replace("[", "&bl;").replace("]", "&br;")


def plain(text: str) -> str:
    """A label's text as it reads, without the templates' tags and escapes (read-aloud says
    it): the reverse of `escape`, so it lives beside it."""
    text = TAG.sub("", text)
    return text.replace("&bl;", "[").replace("&br;", "]").replace("&amp;", "&")


def markup(template: str, **values: object) -> Markup:
    """The app's own `template` (str.format fields) with each value escaped into it; a value
    that is Markup already goes in as it is."""
    return Markup(
        template.format(
            **{k: v if isinstance(v, Markup) else escape(str(v)) for k, v in values.items()}
        )
    )


def lines(parts: Iterable[Markup]) -> Markup:
    """Pieces of markup one under the other."""
    parts = list(parts)
    if not all(isinstance(part, Markup) for part in parts):
        raise TypeError("lines() joins Markup only: make each piece with markup()")
    return Markup("\n".join(parts))


def tile(title: str, subtitle: str, size: float) -> Markup:
    """A tile's title with a line in smaller type (`size` px) under it."""
    return markup(
        "{title}\n[size={size}]{subtitle}[/size]", title=title, subtitle=subtitle, size=int(size)
    )


def labelled(label: str, value: str) -> Markup:
    """A value after its label in bold ("Category: Street lamp out")."""
    return markup("[b]{label}:[/b] {value}", label=label, value=value)

"""Markup only from the app's templates: every value escaped, as Kivy itself would escape it,
and a label reads markup only in text made that way."""

from __future__ import annotations

import pytest

from kiosk.ui.markup import Markup, escape, labelled, lines, markup, tile

HOSTILE = ["[font=/etc/passwd]", "[size=5000]x", "[/b]", "a & b", "&bl;", "[[]]", "ok"]


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_is_kivys(text: str) -> None:
    from kivy.utils import escape_markup

    assert escape(text) == escape_markup(text)


def test_every_value_is_escaped_and_only_the_template_is_markup() -> None:
    made = tile("[font=/etc/passwd]", "[size=5000]{n}", 26.7)
    assert isinstance(made, Markup)
    assert made == "&bl;font=/etc/passwd&br;\n[size=26]&bl;size=5000&br;{n}[/size]"
    row = labelled("Kategoria [b]", "&bl;")
    assert row == "[b]Kategoria &bl;b&br;:[/b] &amp;bl;"
    assert markup("{a}", a=row) == row, "markup goes into markup as it is"
    assert lines([row, row]) == f"{row}\n{row}"
    with pytest.raises(TypeError):
        lines([row, "[b]not escaped"])


def test_a_label_reads_markup_only_in_markup_text(display) -> None:
    from kiosk.ui.widgets.text import TightLabel

    label = TightLabel(text="[b]plain[/b]")
    assert not label.markup
    label.text = labelled("Kategoria", "[size=5000]")
    assert label.markup
    label.text = "[size=5000]"
    assert not label.markup
    with pytest.raises(AttributeError):
        label.markup = True  # no rule can switch it on for text from elsewhere

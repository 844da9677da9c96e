"""Text that wraps at its widget's width but whose texture is only as wide as its lines.

Kivy makes a wrapping label's texture as wide as the label: a two-word heading on a 1920 px
screen would be a 1860 x 54 texture, 400 KB of pixels that are nearly all transparent. A
kiosk shows dozens of such titles, and without a GPU of its own every texture is ordinary
memory. Left-aligned and centred text is laid out the same and drawn in the same place; its
texture ends where its longest line does.
"""

from __future__ import annotations

import math

from kivy.core.text import Label as CoreLabel
from kivy.properties import AliasProperty
from kivy.uix.label import Label

from kiosk.ui.markup import Markup

TIGHT_ALIGNMENTS = ("left", "center")
"""Where a narrower texture changes nothing on screen (right-aligned and justified lines
need the full width to start from)."""


OVERHANG = 0.2
"""How far past a line's advance width a glyph's ink may reach, in font sizes."""


class TightCoreLabel(CoreLabel):
    def render(self, real: bool = False):
        size = super().render(real)
        if real or self.options["halign"] not in TIGHT_ALIGNMENTS or not self._text_size[0]:
            return size
        width, height = size
        if width <= 1 or height <= 1:  # nothing to draw: Kivy's 1 px texture
            return size
        # glyphs may reach a little past their advance (bold, italic): room on either side
        overhang = math.ceil(OVERHANG * self.options["font_size"])
        return min(width, math.ceil(self._internal_size[0]) + 2 * overhang), height


class TightLabel(Label):
    """Every label of the kiosk: Kivy's, with a texture only as wide as its text (its rule
    in widgets.kv draws left-aligned text where Kivy would)."""

    def _reads_markup(self) -> bool:
        return isinstance(self.text, Markup)

    markup = AliasProperty(_reads_markup, None, bind=("text",), cache=True)
    """Markup is read only in text made by kiosk.ui.markup (the app's templates, every value
    escaped): text from content, a report or a translation is drawn as it is, and a rule
    cannot switch markup on for it (the property cannot be set)."""

    def _create_label(self) -> None:
        super()._create_label()
        if type(self._label) is CoreLabel:  # not markup: Kivy's plain text renderer
            self._label.__class__ = TightCoreLabel  # the same renderer, sized tightly

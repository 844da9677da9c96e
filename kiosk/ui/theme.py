"""Colours of the two themes, and the contrast rule (WCAG 2.x) they are checked against.

Every pair of text colour and the background it is drawn on is named here; the tests check
each pair reaches 4.5:1, so a palette change cannot quietly make text unreadable.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

RGBA = tuple[float, float, float, float]


def hex_rgba(value: str) -> RGBA:
    value = value.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, 1.0)


def relative_luminance(color: RGBA) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in color[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: RGBA, b: RGBA) -> float:
    la, lb = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


@dataclass(frozen=True)
class Palette:
    background: RGBA
    text: RGBA
    muted: RGBA
    """Secondary text (dates, places) on the background."""
    bar: RGBA
    bar_text: RGBA
    tile: RGBA
    tile_text: RGBA
    accent: RGBA
    accent_text: RGBA
    card: RGBA
    card_text: RGBA
    warning: RGBA
    warning_text: RGBA
    danger: RGBA
    danger_text: RGBA
    info: RGBA
    info_text: RGBA
    key: RGBA
    key_text: RGBA
    selected: RGBA
    selected_text: RGBA


STANDARD = Palette(
    background=hex_rgba("#F4F6F8"),
    text=hex_rgba("#14202E"),
    muted=hex_rgba("#4A5563"),
    bar=hex_rgba("#0B3D6B"),
    bar_text=hex_rgba("#FFFFFF"),
    tile=hex_rgba("#0F5C99"),
    tile_text=hex_rgba("#FFFFFF"),
    accent=hex_rgba("#B3261E"),
    accent_text=hex_rgba("#FFFFFF"),
    card=hex_rgba("#FFFFFF"),
    card_text=hex_rgba("#14202E"),
    warning=hex_rgba("#FFD54F"),
    warning_text=hex_rgba("#1F1A00"),
    danger=hex_rgba("#B3261E"),
    danger_text=hex_rgba("#FFFFFF"),
    info=hex_rgba("#D7E9F8"),
    info_text=hex_rgba("#0B2540"),
    key=hex_rgba("#FFFFFF"),
    key_text=hex_rgba("#14202E"),
    selected=hex_rgba("#0F5C99"),
    selected_text=hex_rgba("#FFFFFF"),
)

HIGH_CONTRAST = Palette(
    background=hex_rgba("#000000"),
    text=hex_rgba("#FFFFFF"),
    muted=hex_rgba("#E0E0E0"),
    bar=hex_rgba("#000000"),
    bar_text=hex_rgba("#FFE600"),
    tile=hex_rgba("#1A1A1A"),
    tile_text=hex_rgba("#FFE600"),
    accent=hex_rgba("#FFE600"),
    accent_text=hex_rgba("#000000"),
    card=hex_rgba("#000000"),
    card_text=hex_rgba("#FFFFFF"),
    warning=hex_rgba("#FFE600"),
    warning_text=hex_rgba("#000000"),
    danger=hex_rgba("#FF5A4F"),
    danger_text=hex_rgba("#000000"),
    info=hex_rgba("#FFFFFF"),
    info_text=hex_rgba("#000000"),
    key=hex_rgba("#1A1A1A"),
    key_text=hex_rgba("#FFFFFF"),
    selected=hex_rgba("#FFE600"),
    selected_text=hex_rgba("#000000"),
)

TEXT_PAIRS = [
    ("text", "background"),
    ("muted", "background"),
    ("bar_text", "bar"),
    ("tile_text", "tile"),
    ("accent_text", "accent"),
    ("card_text", "card"),
    ("muted", "card"),
    ("warning_text", "warning"),
    ("danger_text", "danger"),
    ("danger", "card"),
    ("info_text", "info"),
    ("key_text", "key"),
    ("selected_text", "selected"),
]
"""(text colour, background) pairs the UI draws."""


def palette(high_contrast: bool) -> Palette:
    return HIGH_CONTRAST if high_contrast else STANDARD


def palette_names() -> list[str]:
    return [f.name for f in fields(Palette)]

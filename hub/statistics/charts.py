"""Charts as inline SVG made on the server: no JavaScript, nothing to download.

Two shapes serve the statistics page: a value over time (bars, or a line when there are
too many periods for bars to stay visible) and horizontal bars for a ranking (kiosks,
screens). Each chart is an accessible image: `role="img"` with a title and a description
that say what it shows; numbers and dates are written as people of `lang` write them
(Babel). Colours are the hub's own: text at least 4.5:1 on white.

A chart is drawn for one width of its viewBox; the page draws a wide one for a desktop and
a narrow one for a phone, so the text is read at about its own size on both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime

from babel.dates import format_skeleton
from babel.numbers import format_decimal
from markupsafe import Markup, escape

INK = "#1b1f24"
MUTED = "#4f5965"
GRID = "#c9d0d8"
BAR = "#0b4f8a"
FONT = 13
"""Text size in viewBox units; a phone's narrow chart is drawn with larger text."""
GLYPH = 0.6
"""An average glyph's width per unit of text size, to leave room for a label."""
MAX_BARS = 62
"""More periods than this are drawn as a line."""
_STEPS = {
    "hour": (1, 2, 3, 6, 12, 24, 48, 72, 168, 336, 672),
    "day": (1, 2, 7, 14, 28, 56, 91, 182, 364),
    "month": (1, 2, 3, 6, 12, 24, 60, 120),
}
"""Tick spacing per granularity, in periods: whole days, weeks, quarters, years."""


def number(value: float, lang: str) -> str:
    return format_decimal(value, locale=lang)


def nice_ticks(top: float, count: int = 5) -> list[int]:
    """0 and round steps (1, 2 or 5 × 10ⁿ) up to at least `top`."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(1, int(step))
    return list(range(0, int(math.ceil(top / step)) * step + 1, step))


def period_label(moment: date | datetime, by: str, lang: str) -> list[str]:
    """A tick's text, one or two lines: `14:00` under `21 lis`, `21 lis`, `lis 2026`;
    `by="midnight"` is an hour labelled by its day alone."""
    if by == "hour":
        return [
            format_skeleton("MMMd", moment, locale=lang),
            format_skeleton("Hm", moment, locale=lang),
        ]
    if by in ("day", "midnight"):
        return [format_skeleton("MMMd", moment, locale=lang)]
    return [format_skeleton("yMMM", moment, locale=lang)]


def _text(x: float, y: float, text: str, anchor: str = "start", fill: str = INK, **attrs) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


def _open(
    ident: str, width: int, height: int, title: str, desc: str, css: str, font: int
) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart {escape(css)}" '
        f'aria-labelledby="{ident}-title {ident}-desc" font-size="{font}">',
        f'<title id="{ident}-title">{escape(title)}</title>',
        f'<desc id="{ident}-desc">{escape(desc)}</desc>',
    ]


def _tick_indexes(
    moments: Sequence[date | datetime], by: str, room: float, label: float
) -> tuple[list[int], str]:
    """Which periods get a label, and how they are labelled: evenly spaced so that no two
    labels overlap; hours a day or more apart at midnights, labelled by their day."""
    fit = max(1, int(room // (label + 10)))
    step = next((s for s in _STEPS[by] if len(moments) / s <= fit), None)
    if step is None:
        step = math.ceil(len(moments) / fit)
    first = 0
    if by == "hour" and step >= 24:
        first = next((i for i, m in enumerate(moments) if m.hour == 0), 0)
    kind = "midnight" if by == "hour" and step >= 24 else by
    return list(range(first, len(moments), step)), kind


def time_chart(
    points: Sequence[tuple[date | datetime, int]],
    by: str,
    lang: str,
    *,
    title: str,
    desc: str,
    y_label: str,
    ident: str,
    width: int = 800,
    height: int = 320,
    css: str = "",
    font: int = FONT,
) -> Markup:
    """A value per hour, day or month: bars, or a line beyond MAX_BARS periods."""
    char = GLYPH * font
    values = [v for _, v in points]
    ticks = nice_ticks(max(values, default=0))
    top_value = ticks[-1]
    tick_texts = [number(t, lang) for t in ticks]
    left = 8 + char * max(len(t) for t in tick_texts) + 6
    top, right = font * 2 + 6, 12
    plot_w = width - left - right
    moments = [m for m, _ in points]
    ticks_at: list[int] = []
    kind, label_w = by, 0.0
    if moments:
        label_w = char * max(len(s) for s in period_label(moments[0], by, lang))
        ticks_at, kind = _tick_indexes(moments, by, plot_w, label_w)
    bottom = 12 + (2 if kind == "hour" else 1) * (font + 3)
    plot_h = height - top - bottom
    base = top + plot_h

    def y_of(value: float) -> float:
        return base - plot_h * value / top_value

    out = _open(ident, width, height, title, desc, css, font)
    out.append(f'<rect width="{width}" height="{height}" fill="#ffffff"/>')
    out.append(_text(4, font + 2, y_label, font_weight="bold"))
    for tick, text in zip(ticks, tick_texts, strict=True):
        y = y_of(tick)
        out.append(
            f'<line x1="{left:.1f}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        out.append(_text(left - 6, y + font * 0.35, text, "end", MUTED))
    n = len(points)
    slot = plot_w / max(n, 1)
    if n <= MAX_BARS:
        out.append(f'<g class="bars" fill="{BAR}">')
        for i, (moment, value) in enumerate(points):
            h = plot_h * value / top_value
            x = left + i * slot + slot * 0.15
            label = " ".join(period_label(moment, by, lang))
            out.append(
                f'<rect x="{x:.2f}" y="{base - h:.2f}" width="{slot * 0.7:.2f}" '
                f'height="{h:.2f}" data-value="{value}"><title>{escape(label)}: '
                f"{escape(number(value, lang))}</title></rect>"
            )
        out.append("</g>")
    else:
        coords = [(left + (i + 0.5) * slot, y_of(v)) for i, v in enumerate(values)]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        first_x, last_x = coords[0][0], coords[-1][0]
        out.append(
            f'<polygon points="{first_x:.1f},{base:.1f} {path} {last_x:.1f},{base:.1f}" '
            f'fill="{BAR}" fill-opacity="0.15"/>'
        )
        out.append(
            f'<polyline class="line" points="{path}" fill="none" stroke="{BAR}" '
            'stroke-width="2" stroke-linejoin="round"/>'
        )
    out.append(
        f'<line x1="{left:.1f}" x2="{width - right}" y1="{base:.1f}" y2="{base:.1f}" '
        f'stroke="{MUTED}" stroke-width="1"/>'
    )
    if moments:
        out.append('<g class="x-ticks">')
        for i in ticks_at:
            x = left + (i + 0.5) * slot
            out.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{base:.1f}" y2="{base + 4:.1f}" '
                f'stroke="{MUTED}"/>'
            )
            for row, text in enumerate(period_label(moments[i], kind, lang)):
                y = base + 4 + (row + 1) * (font + 2)
                anchor = "middle"
                if x - label_w / 2 < 0:
                    anchor, x_text = "start", max(x - slot / 2, 2)
                elif x + label_w / 2 > width:
                    anchor, x_text = "end", width - 2
                else:
                    x_text = x
                out.append(_text(x_text, y, text, anchor, MUTED))
        out.append("</g>")
    out.append("</svg>")
    return Markup("\n".join(out))


def _fit(text: str, room: float, char: float) -> str:
    most = max(4, int(room // char))
    return text if len(text) <= most else text[: most - 1] + "…"


def bar_list(
    items: Sequence[tuple[str, int]],
    lang: str,
    *,
    title: str,
    desc: str,
    ident: str,
    width: int = 800,
    css: str = "",
    font: int = FONT,
) -> Markup:
    """Horizontal bars, one per item (most first as given), its name above its bar and
    its value after it, so long names fit a phone as well."""
    values = [v for _, v in items]
    top_value = max(values, default=0) or 1
    char = GLYPH * font
    value_w = char * max((len(number(v, lang)) for v in values), default=1) + 8
    row_h = font + 4 + 18 + 10
    pad = 8
    height = pad * 2 + row_h * len(items)
    plot_w = width - pad * 2 - value_w
    out = _open(ident, width, height, title, desc, css, font)
    out.append(f'<rect width="{width}" height="{height}" fill="#ffffff"/>')
    out.append('<g class="bars">')
    for i, (name, value) in enumerate(items):
        y = pad + i * row_h
        length = plot_w * value / top_value
        shown = number(value, lang)
        out.append(f'<g class="item"><title>{escape(name)}: {escape(shown)}</title>')
        out.append(_text(pad, y + font, _fit(name, width - pad * 2, char)))
        out.append(
            f'<rect x="{pad}" y="{y + font + 4}" width="{length:.2f}" height="18" '
            f'fill="{BAR}" data-value="{value}"/>'
        )
        out.append(_text(pad + length + 6, y + font + 4 + 14, shown, "start", INK))
        out.append("</g>")
    out.append("</g></svg>")
    return Markup("\n".join(out))

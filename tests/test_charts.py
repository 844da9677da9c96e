"""Server-side SVG charts: what they draw is proportional to the numbers, labelled in the
reader's language, readable (contrast) and accessible (title, description)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest

from hub.statistics.charts import bar_list, nice_ticks, time_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def days(values: list[int], first=date(2026, 11, 1)) -> list[tuple[date, int]]:
    return [(first + timedelta(days=i), v) for i, v in enumerate(values)]


def chart(points, by="day", lang="pl", **kw):
    options = dict(title="Dotknięcia", desc="Opis", y_label="Dotknięcia na dzień", ident="t")
    return parse(time_chart(points, by, lang, **(options | kw)))


def bars_of(root: ET.Element) -> list[ET.Element]:
    group = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "bars")
    return list(group.iter(f"{SVG}rect"))


def test_bar_heights_are_proportional_to_the_values() -> None:
    values = [0, 5, 10, 20, 7, 13]
    root = chart(days(values))
    bars = bars_of(root)
    assert len(bars) == len(values)
    heights = [float(b.get("height")) for b in bars]
    assert heights[0] == 0
    ratios = {round(h / v, 6) for h, v in zip(heights, values, strict=True) if v}
    assert len(ratios) == 1
    # All bars stand on one base line, in order from left to right.
    bottoms = {round(float(b.get("y")) + float(b.get("height")), 2) for b in bars}
    assert len(bottoms) == 1
    xs = [float(b.get("x")) for b in bars]
    assert xs == sorted(xs)
    # The tallest bar reaches no higher than the top tick, which is at least the maximum.
    assert max(heights) <= float(root.get("viewBox").split()[3])


def test_title_description_and_localised_labels() -> None:
    root = chart(days([1200, 15000, 300]), title="Dotknięcia: 1–3 lis", desc="Łącznie 16 500")
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    assert root.find(f"{SVG}title").get("id") == labelled[0]
    assert root.find(f"{SVG}title").text == "Dotknięcia: 1–3 lis"
    assert root.find(f"{SVG}desc").get("id") == labelled[1]
    labels = texts(root)
    assert "Dotknięcia na dzień" in labels
    assert "15\xa0000" in labels  # a Polish thousands separator on the value axis
    assert "1 lis" in labels  # a Polish date under the bars
    english = texts(chart(days([1200, 15000, 300]), lang="en"))
    assert "15,000" in english and "Nov 1" in english
    # Each bar says its value when pointed at.
    tips = [b.find(f"{SVG}title").text for b in bars_of(root)]
    assert tips[1] == "2 lis: 15\xa0000"


def test_hours_are_labelled_with_day_and_time_and_months_with_year() -> None:
    start = datetime(2026, 11, 20)
    hours = [(start + timedelta(hours=h), h) for h in range(48)]
    labels = texts(chart(hours, by="hour"))
    assert "20 lis" in labels and "00:00" in labels and "21 lis" in labels
    months = [(date(2026, m, 1), m) for m in range(1, 13)]
    labels = texts(chart(months, by="month", lang="uk"))
    assert any("2026" in t and "січ" in t for t in labels)


def test_many_periods_become_a_line_through_every_value() -> None:
    start = datetime(2026, 10, 1)
    values = [(h * 37) % 500 for h in range(24 * 60)]
    root = chart([(start + timedelta(hours=i), v) for i, v in enumerate(values)], by="hour")
    line = next(p for p in root.iter(f"{SVG}polyline") if p.get("class") == "line")
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    assert len(points) == len(values)
    base = max(y for _x, y in points)  # a zero value lies on the base line
    heights = [base - y for _x, y in points]
    ratios = {round(h / v, 1) for h, v in zip(heights, values, strict=True) if v > 100}
    assert max(ratios) - min(ratios) <= 0.1  # proportional (to the drawn 0.1 precision)
    assert not any(g.get("class") == "bars" for g in root.iter(f"{SVG}g"))
    # Sixty days of hours: ticks at midnights, labelled by day only, none overlapping.
    ticks = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "x-ticks")
    labels = [t for t in ticks.iter(f"{SVG}text")]
    assert labels and all(":" not in t.text for t in labels)
    xs = [float(t.get("x")) for t in labels]
    assert all(b - a >= 40 for a, b in zip(xs, xs[1:], strict=False))


@pytest.mark.parametrize("width", [800, 360])
def test_tick_labels_never_overlap(width: int) -> None:
    for count in (7, 31, 62, 365, 731):
        root = chart(days(list(range(count))), width=width)
        ticks = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "x-ticks")
        labels = list(ticks.iter(f"{SVG}text"))
        assert len(labels) >= 2
        xs = [float(t.get("x")) for t in labels]
        widest = max(len(t.text) for t in labels) * 0.6 * 13
        assert all(b - a >= widest for a, b in zip(xs, xs[1:], strict=False)), (count, xs)
        assert all(0 <= x <= width for x in xs)


def test_nothing_recorded_still_draws_an_empty_chart() -> None:
    root = chart(days([0, 0, 0]))
    assert [float(b.get("height")) for b in bars_of(root)] == [0, 0, 0]
    assert "0" in texts(root)
    assert parse(time_chart([], "day", "pl", title="t", desc="d", y_label="y", ident="e"))


def test_nice_ticks() -> None:
    for top in (1, 7, 10, 99, 101, 12345, 987654321):
        ticks = nice_ticks(top)
        assert ticks[0] == 0 and ticks[-1] >= top
        steps = {b - a for a, b in zip(ticks, ticks[1:], strict=False)}
        assert len(steps) == 1
        step = steps.pop()
        assert str(step).rstrip("0") in ("1", "2", "5")
        assert len(ticks) <= 7


def test_ranking_bars_are_proportional_and_names_are_safe() -> None:
    long_name = "Kiosk przy wejściu głównym do Urzędu Miasta i Gminy, ul. Świdnicka 1"
    items = [(long_name, 1234), ("<script>alert(1)</script>", 617), ("Dworzec", 0)]
    markup = bar_list(
        items, "pl", title="Dotknięcia według kiosków", desc="d", ident="k", width=360
    )
    assert "<script>" not in markup
    root = parse(markup)
    assert not list(root.iter("script")) and not list(root.iter(f"{SVG}script"))
    bars = bars_of(root)
    widths = [float(b.get("width")) for b in bars]
    assert widths[2] == 0 and widths[0] == pytest.approx(2 * widths[1], abs=0.01)
    labels = texts(root)
    assert "1\xa0234" in labels and "617" in labels and "0" in labels
    assert "<script>alert(1)</script>" in labels
    # A name too long for a phone is cut short on the chart but whole in its tooltip.
    cut = next(t for t in labels if t.startswith("Kiosk przy"))
    assert cut.endswith("…") and len(cut) * 0.6 * 13 <= 360
    tips = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g") if g.get("class") == "item"]
    assert tips[0] == f"{long_name}: 1\xa0234"


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_and_bars_contrast_with_the_background() -> None:
    root = chart(days([3, 9, 4]))
    ranking = parse(bar_list([("Rynek", 5)], "pl", title="t", desc="d", ident="r"))
    background = root.find(f"{SVG}rect").get("fill")
    assert background == "#ffffff"
    for svg in (root, ranking):
        for text in svg.iter(f"{SVG}text"):
            assert contrast(text.get("fill"), background) >= 4.5, text.text
    bars = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "bars").get("fill")
    ranked = bars_of(ranking)[0].get("fill")
    for colour in (bars, ranked):  # graphics need 3:1 (WCAG 1.4.11)
        assert contrast(colour, background) >= 3

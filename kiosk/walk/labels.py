"""Where the places' names go so that each is read whole: beside its dot on the map, clear of
the other dots and names, and in at most two lines in a cell of the strip, the cell as wide
as its name needs.

Plain geometry: the screen measures text with its font and passes the sizes in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

Box = tuple[float, float, float, float]
"""(left, bottom, right, top) in pixels."""

SIDES = (
    "right",
    "left",
    "below",
    "above",
    "below right",
    "above right",
    "below left",
    "above left",
)
"""Where a name may go beside its dot, the first preferred: a name to the right reads on from
the dot; centred below or above it; or below or above it starting at the dot's left edge (or
ending at its right edge)."""


def two_line_width(text: str, measure: Callable[[str], float]) -> float:
    """The narrowest width in which `text` wraps into at most two lines (it breaks only
    between words): the widest half of the best split. `measure` gives one line's width."""
    words = text.split()
    if len(words) <= 1:
        return measure(text.strip())
    return min(
        max(measure(" ".join(words[:i])), measure(" ".join(words[i:])))
        for i in range(1, len(words))
    )


PASSES = 6
"""Rounds in which each name may move again to clear the names placed after it."""


def name_boxes(
    dots: Sequence[tuple[float, float]],
    names: Sequence[tuple[float, float]],
    radius: float,
    gap: float,
    area: Box,
) -> list[Box]:
    """Each name's box beside its dot (centre at `dots[i]`, `radius`): a side of SIDES where
    the name stays inside `area` and the dot and name together (one widget, one touch target)
    stay clear of the other places. The first round places the names in the order given (put
    the place the visitor is in first), each on the first clear side, or the side that covers
    least; later rounds move a name again where that clears what it covers, until nothing
    moves."""
    dot_boxes = [(x - radius, y - radius, x + radius, y + radius) for x, y in dots]
    choices: list[tuple[Box, Box] | None] = [None] * len(dots)

    def cost(index: int, box: Box, whole: Box) -> float:
        others = [
            chosen[1] if chosen is not None else dot_boxes[i]
            for i, chosen in enumerate(choices)
            if i != index
        ]
        return _outside(box, area) + sum(_shared(whole, other) for other in others)

    for _round in range(PASSES):
        moved = False
        for index, ((x, y), (w, h)) in enumerate(zip(dots, names, strict=True)):
            current = choices[index]
            best = (cost(index, *current), current) if current is not None else None
            for side in SIDES:
                if best is not None and best[0] == 0:
                    break
                box = _beside(x, y, w, h, radius + gap, side)
                candidate = (box, union(box, dot_boxes[index]))
                price = cost(index, *candidate)
                if best is None or price < best[0]:
                    best = (price, candidate)
            if best[1] is not current:
                choices[index] = best[1]
                moved = True
        if not moved:
            break
    return [chosen[0] for chosen in choices]


def union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _beside(x: float, y: float, w: float, h: float, off: float, side: str) -> Box:
    if side == "right":
        return (x + off, y - h / 2, x + off + w, y + h / 2)
    if side == "left":
        return (x - off - w, y - h / 2, x - off, y + h / 2)
    bottom = y - off - h if side.startswith("below") else y + off
    if side.endswith("right"):
        left = x - off
    elif side.endswith("left"):
        left = x + off - w
    else:
        left = x - w / 2
    return (left, bottom, left + w, bottom + h)


def _shared(a: Box, b: Box) -> float:
    """The area two boxes share."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def _outside(box: Box, area: Box) -> float:
    """The area of `box` outside `area` (weighed above any overlap: a name cut off by the
    panel's edge is worse than one touching another)."""
    whole = (box[2] - box[0]) * (box[3] - box[1])
    return 4 * (whole - _shared(box, area))

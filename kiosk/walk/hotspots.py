"""Which hotspot a touch lands on, and where the markers go on screen.

A marker is drawn where its direction projects, if that is inside the area markers may use
(the UI keeps them clear of the viewport's edges and of the thumbnail strip); a touch hits the
nearest shown marker within a radius generous enough for an elderly visitor's finger.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from kiosk.walk.projection import View, Viewport, project_many

Bounds = tuple[float, float, float, float]
"""(left, bottom, right, top) in viewport pixels."""


class Aimed(Protocol):
    """Anything with a direction: a hotspot of the content model fits."""

    yaw: float
    pitch: float


def inset(viewport: Viewport, left: float, bottom: float, right: float, top: float) -> Bounds:
    """The viewport less a margin on each side (negative margins reach beyond it)."""
    return (left, bottom, viewport.width - right, viewport.height - top)


def positions(
    view: View,
    viewport: Viewport,
    spots: Sequence[Aimed],
    bounds: Bounds | None = None,
    covered: Sequence[Bounds] = (),
) -> list[tuple[float, float] | None]:
    """Each spot's screen position, or None where it is behind the visitor, outside `bounds`
    (default: the viewport) or under one of the `covered` rectangles (a caption, a button):
    nothing to draw there."""
    x0, y0, x1, y1 = bounds if bounds is not None else (0.0, 0.0, viewport.width, viewport.height)
    found: list[tuple[float, float] | None] = []
    for point in project_many(view, viewport, [(s.yaw, s.pitch) for s in spots]):
        if point is not None and not (x0 <= point[0] <= x1 and y0 <= point[1] <= y1):
            point = None
        if point is not None and any(_inside(point, rect) for rect in covered):
            point = None
        found.append(point)
    return found


def _inside(point: tuple[float, float], rect: Bounds) -> bool:
    return rect[0] <= point[0] <= rect[2] and rect[1] <= point[1] <= rect[3]


def hit(
    view: View,
    viewport: Viewport,
    spots: Sequence[Aimed],
    x: float,
    y: float,
    radius: float,
    bounds: Bounds | None = None,
    covered: Sequence[Bounds] = (),
) -> int | None:
    """The index of the spot a touch at (x, y) lands on: the nearest within `radius` pixels
    of its marker, or None. Only markers inside `bounds` count (pass the bounds the markers
    are drawn in, so an undrawn one cannot be hit)."""
    best: tuple[float, int] | None = None
    for index, point in enumerate(positions(view, viewport, spots, bounds, covered)):
        if point is None:
            continue
        distance = math.hypot(point[0] - x, point[1] - y)
        if distance <= radius and (best is None or distance < best[0]):
            best = (distance, index)
    return best[1] if best else None

"""Which hotspot a touch lands on, and where the markers go on screen.

A marker is drawn where its direction projects, if all of it (its disc and its caption: its
footprint; its caption goes below it, or above it where there is no room below) is inside the
area markers may use and clear of what the UI lays over the panorama (the place's name, the
buttons, a note, the map); of two markers that would overlap, the one nearer the middle of
the view is drawn. A touch hits the nearest shown marker within a radius
generous enough for an elderly visitor's finger.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from kiosk.walk.projection import View, Viewport, project_many

Bounds = tuple[float, float, float, float]
"""(left, bottom, right, top) in viewport pixels."""
Footprint = tuple[float, float, float, float]
"""How far a marker's drawing reaches from its point: to the left, below, to the right and
above, in pixels."""


class Aimed(Protocol):
    """Anything with a direction: a hotspot of the content model fits."""

    yaw: float
    pitch: float


def inset(viewport: Viewport, left: float, bottom: float, right: float, top: float) -> Bounds:
    """The viewport less a margin on each side (negative margins reach beyond it)."""
    return (left, bottom, viewport.width - right, viewport.height - top)


def placements(
    view: View,
    viewport: Viewport,
    spots: Sequence[Aimed],
    bounds: Bounds | None = None,
    covered: Sequence[Bounds] = (),
    footprints: Sequence[Sequence[Footprint]] | None = None,
) -> list[tuple[tuple[float, float], int] | None]:
    """Each spot's screen position and which of its footprints it takes (the first of them
    that fits: a caption below the marker, else above it), or None where nothing is drawn:
    behind the visitor, or where no footprint (none given: the point alone) stays inside
    `bounds` (default: the viewport), clear of the `covered` rectangles and of the markers
    nearer the middle of the view (placed first)."""
    x0, y0, x1, y1 = bounds if bounds is not None else (0.0, 0.0, viewport.width, viewport.height)
    points = project_many(view, viewport, [(s.yaw, s.pitch) for s in spots])
    reach = footprints if footprints is not None else [[(0.0, 0.0, 0.0, 0.0)]] * len(points)
    cx, cy = viewport.width / 2, viewport.height / 2
    order = [i for i, point in enumerate(points) if point is not None]
    order.sort(key=lambda i: math.hypot(points[i][0] - cx, points[i][1] - cy))
    found: list[tuple[tuple[float, float], int] | None] = [None] * len(points)
    kept: list[Bounds] = []
    for i in order:
        (x, y) = points[i]
        for choice, (left, below, right, above) in enumerate(reach[i]):
            box = (x - left, y - below, x + right, y + above)
            inside = x0 <= box[0] and box[2] <= x1 and y0 <= box[1] and box[3] <= y1
            if inside and not any(_overlap(box, rect) for rect in (*covered, *kept)):
                found[i] = ((x, y), choice)
                kept.append(box)
                break
    return found


def positions(
    view: View,
    viewport: Viewport,
    spots: Sequence[Aimed],
    bounds: Bounds | None = None,
    covered: Sequence[Bounds] = (),
    footprints: Sequence[Sequence[Footprint]] | None = None,
) -> list[tuple[float, float] | None]:
    """Each spot's screen position, or None where nothing is drawn (see `placements`)."""
    found = placements(view, viewport, spots, bounds, covered, footprints)
    return [place[0] if place is not None else None for place in found]


def _overlap(a: Bounds, b: Bounds) -> bool:
    """Whether two rectangles share a point (a point is a rectangle of no size)."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def hit(
    view: View,
    viewport: Viewport,
    spots: Sequence[Aimed],
    x: float,
    y: float,
    radius: float,
    bounds: Bounds | None = None,
    covered: Sequence[Bounds] = (),
    footprints: Sequence[Sequence[Footprint]] | None = None,
) -> int | None:
    """The index of the spot a touch at (x, y) lands on: the nearest within `radius` pixels
    of its marker, or None. Only markers inside `bounds` count (pass the bounds the markers
    are drawn in, and their footprints, so an undrawn one cannot be hit)."""
    best: tuple[float, int] | None = None
    shown = positions(view, viewport, spots, bounds, covered, footprints)
    for index, point in enumerate(shown):
        if point is None:
            continue
        distance = math.hypot(point[0] - x, point[1] - y)
        if distance <= radius and (best is None or distance < best[0]):
            best = (distance, index)
    return best[1] if best else None

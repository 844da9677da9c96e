"""Where each place of the walk lies on the map panel, as fractions of the map image.

With a municipality map in the settings the places sit where they are on it; without one
they are spread over a plain panel by their coordinates, so the panel still shows which
place lies where. A touch means the place whose dot or name it lands on, or the nearest.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from kiosk_core.content.model import MapImage, Walk
from kiosk_core.geo import latlong_to_tap

MARGIN = 0.12
"""Fraction of a plain panel left free around the places."""


def map_positions(walk: Walk, area: MapImage | None) -> dict[str, tuple[float, float]]:
    """Each node's (fx, fy): from the map's left edge and from its top edge, 0 to 1."""
    if area is not None:
        return {n.id: latlong_to_tap(area, n.location.lat, n.location.long) for n in walk.nodes}
    lats = [n.location.lat for n in walk.nodes]
    longs = [n.location.long for n in walk.nodes]
    span_lat = (max(lats) - min(lats)) or 1e-6
    span_long = (max(longs) - min(longs)) or 1e-6
    inner = 1 - 2 * MARGIN
    return {
        n.id: (
            MARGIN + inner * (n.location.long - min(longs)) / span_long,
            MARGIN + inner * (max(lats) - n.location.lat) / span_lat,
        )
        for n in walk.nodes
    }


def touched(
    boxes: Sequence[tuple[float, float, float, float]],
    dots: Sequence[tuple[float, float]],
    x: float,
    y: float,
    radius: float,
) -> int | None:
    """Which place a touch on the map means: the one whose dot or name (`boxes`, left,
    bottom, right, top) it lands on, else the nearest dot within `radius`: a finger wider
    than the dot still finds its place where places lie close together."""
    for index, (left, bottom, right, top) in enumerate(boxes):
        if left <= x <= right and bottom <= y <= top:
            return index
    near = [(math.hypot(dx - x, dy - y), i) for i, (dx, dy) in enumerate(dots)]
    near = [(d, i) for d, i in near if d <= radius]
    return min(near)[1] if near else None

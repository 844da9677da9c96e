"""Where each place of the walk lies on the map panel, as fractions of the map image.

With a municipality map in the settings the places sit where they are on it; without one
they are spread over a plain panel by their coordinates, so the panel still shows which
place lies where.
"""

from __future__ import annotations

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

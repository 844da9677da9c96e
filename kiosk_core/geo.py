"""Places on the municipality's map: a touch on its image as latitude and longitude, and the
street a point lies nearest to."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from kiosk_core.content.model import MapImage, MapStreet

EARTH_RADIUS = 6_371_008.8
"""Metres (the mean radius)."""
NEAR_STREET = 150.0
"""Metres: a place further from every street than this is not named by a street (a field, a
forest or a square the map's streets do not reach would be named misleadingly)."""


class OutsideMap(ValueError):
    """The touch landed beside the map, not on it."""


def tap_to_latlong(area: MapImage, fx: float, fy: float) -> tuple[float, float]:
    """`fx`, `fy`: the touch as fractions of the image's width from the left and height from
    the top. A town-sized map is small enough for linear interpolation between its edges."""
    if not (0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0):
        raise OutsideMap(f"({fx:.3f}, {fy:.3f}) is outside the map")
    lat = area.north - fy * (area.north - area.south)
    long = area.west + fx * (area.east - area.west)
    return round(lat, 6), round(long, 6)


def latlong_to_tap(area: MapImage, lat: float, long: float) -> tuple[float, float]:
    """Where on the image a point lies (for drawing the marker), as fractions."""
    fx = (long - area.west) / (area.east - area.west)
    fy = (area.north - lat) / (area.north - area.south)
    return fx, fy


@dataclass(frozen=True)
class NearStreet:
    name: str
    metres: float
    """From the point to the nearest point of the street's line."""


def nearest_street(
    streets: Sequence[MapStreet], lat: float, long: float, within: float = NEAR_STREET
) -> NearStreet | None:
    """The street whose line passes nearest to the point, if one passes within `within`
    metres; a square (a line that ends where it starts) is 0 m from a point inside it.
    Distances are measured on a plane tangent at the point (east-west metres shrink with the
    cosine of the latitude): across a town the error is far below a street's width."""
    metres_per_degree = math.radians(EARTH_RADIUS)
    scale_x = metres_per_degree * math.cos(math.radians(lat))
    best: NearStreet | None = None
    for street in streets:
        plane = [((p[1] - long) * scale_x, (p[0] - lat) * metres_per_degree) for p in street.points]
        distance = min(
            (_to_segment(a, b) for a, b in zip(plane, plane[1:], strict=False)), default=math.inf
        )
        if len(plane) > 3 and plane[0] == plane[-1] and _encloses_origin(plane):
            distance = 0.0
        if distance <= within and (best is None or distance < best.metres):
            best = NearStreet(street.name, distance)
    return best


def _to_segment(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from the origin to the segment a-b."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / length2))
    return math.hypot(ax + t * dx, ay + t * dy)


def _encloses_origin(ring: list[tuple[float, float]]) -> bool:
    """Whether the closed line goes around the origin (even-odd rule)."""
    inside = False
    for (ax, ay), (bx, by) in zip(ring, ring[1:], strict=False):
        if (ay > 0) != (by > 0) and ax + (0 - ay) * (bx - ax) / (by - ay) > 0:
            inside = not inside
    return inside

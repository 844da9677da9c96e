"""Turning a touch on the municipality's map image into a latitude and longitude."""

from __future__ import annotations

from kiosk_core.content.model import MapImage


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

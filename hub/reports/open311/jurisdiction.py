"""The one jurisdiction this hub serves, named as GeoReport v2 suggests: its web host.

The spec lets an endpoint serving one jurisdiction treat `jurisdiction_id` as optional;
one that is given must be ours, or the call fails with 404 as the spec says.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hub.reports.open311.errors import NotFound
from hub.reports.open311.params import Params


def jurisdiction_id(public_url: str) -> str:
    """`https://www.kiosk.jodlow.example:8443/` → `kiosk.jodlow.example`."""
    host = (urlsplit(public_url).hostname or "localhost").lower()
    return host.removeprefix("www.")


def check(params: Params, ours: str) -> None:
    given = params.one("jurisdiction_id", max_length=200)
    if given is not None and given.lower().removeprefix("www.") != ours:
        raise NotFound(f"jurisdiction_id {given!r} was not found: this endpoint serves {ours!r}")

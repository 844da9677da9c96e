"""What of a report anyone may read: the one rule behind Open311's `GET requests` (XML and
JSON, the list and one by id) and the receipt's status page, so the two cannot disagree.

Always public: the category, the status, the dates and the town's answer (`status_notes`).
Never: names, e-mail, phone, the status token. In between, each category decides
(`ReportCategory.public`, in the content):

- the description (and a photo link, which is the resident's too): public only once staff
  have read it and marked it public (`after_review`, the default), or `never`;
- the place: `rough` (the default) is the coordinates rounded to ROUGH_DECIMALS and no typed
  address (an address is the resident's words and may be their own door); `exact` is the
  coordinates and the address as given; `none` is nothing of the place.

A report whose category is gone from the content follows the defaults. The Open311 client that
filed a request reads back all it sent (it has it anyway): the hub forwarding to another hub
finds its request there by the marker in its description.

The status page shows the public part only, though its reader holds the receipt's secret
token: a receipt is a slip of paper or a photo of a QR code, easily left in the kiosk's tray or
passed on, and the resident needs no copy of their own words to follow their report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from kiosk_core.content.model import ReportCategory, ReportPublicity

ROUGH_DECIMALS = 3
"""0.001°: about 111 m north to south, 72 m east to west at 50°N; the report's point lies
within about 60 m of the one shown."""
DEFAULT = ReportPublicity()


class ReportText(Protocol):
    """The columns of a report the rule reads (a database row has them)."""

    description: str
    description_public: bool
    address_string: str | None
    lat: float | None
    long: float | None
    media_url: str | None


@dataclass(frozen=True)
class Disclosed:
    """What of a report's own words and place a reader may see (None: not shown)."""

    description: str | None
    address: str | None
    lat: float | None
    long: float | None
    rough: bool
    """Whether lat and long are rounded (the place is only roughly where the report is)."""
    media_url: str | None


def publicity(category: ReportCategory | None) -> ReportPublicity:
    return category.public if category is not None else DEFAULT


def description_may_be_public(category: ReportCategory | None) -> bool:
    """Whether staff may mark this category's descriptions public."""
    return publicity(category).description == "after_review"


def disclosed(
    report: ReportText, category: ReportCategory | None, *, filed_by_reader: bool = False
) -> Disclosed:
    """What the public may read of `report` (everything it sent, for the client that filed it)."""
    if filed_by_reader:
        return Disclosed(
            report.description,
            report.address_string,
            report.lat,
            report.long,
            False,
            report.media_url,
        )
    rules = publicity(category)
    words = rules.description == "after_review" and bool(report.description_public)
    lat = long = None
    if rules.place != "none" and report.lat is not None and report.long is not None:
        lat, long = report.lat, report.long
        if rules.place == "rough":
            lat, long = _rounded(lat), _rounded(long)
    return Disclosed(
        description=report.description if words else None,
        address=report.address_string if rules.place == "exact" else None,
        lat=lat,
        long=long,
        rough=rules.place == "rough" and lat is not None,
        media_url=report.media_url if words else None,
    )


def _rounded(degrees: float) -> float:
    return round(degrees, ROUGH_DECIMALS) + 0.0  # + 0.0: never "-0.0"

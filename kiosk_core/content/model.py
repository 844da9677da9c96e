"""The content model: what staff author and what every kiosk shows.

Shared by the kiosk (reading a release) and the hub (validating a publish). Every text a
visitor reads is a `Text`: a mapping of language code to string, Polish required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kiosk_core.content.problems import Refused
from kiosk_core.validation import STRICT, After, Before, Email, Limits, WebLink

DEFAULT_LANGUAGE = "pl"
Language = Literal["pl", "en", "de", "cs", "uk"]
LANGUAGES: tuple[Language, ...] = ("pl", "en", "de", "cs", "uk")

ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
PHONE_PATTERN = r"^\+?[0-9][0-9 ()-]{5,24}$"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _text_from_plain(value: Any) -> Any:
    """A plain string is shorthand for Polish-only text."""
    return {"pl": value} if isinstance(value, str) else value


def _check_text(value: dict[str, str]) -> dict[str, str]:
    cleaned = {}
    for lang, text in value.items():
        if _CONTROL.search(text):
            raise Refused(
                "text_control", f"text in '{lang}' contains control characters", lang, lang=lang
            )
        if text.strip():
            cleaned[lang] = text.strip()
    if "pl" not in cleaned:
        raise Refused("text_polish_missing", "Polish text ('pl') is required and must not be empty")
    return cleaned


Text = Annotated[dict[Language, str], Before(_text_from_plain), After(_check_text)]
"""Visitor-facing text in several languages; `pl` required, the others fall back to it."""

Identifier = Annotated[str, Limits(pattern=ID_PATTERN)]
MediaRef = Annotated[str, Limits(min_length=1, max_length=500)]
"""A media file: in a source tree a path relative to it, in a release `media/<sha256>.<ext>`."""
Phone = Annotated[str, Limits(pattern=PHONE_PATTERN)]
Keywords = dict[Language, list[Annotated[str, Limits(min_length=1, max_length=80)]]]


def tr(text: dict[str, str] | None, lang: str) -> str:
    """The text in `lang`, or Polish where that translation is missing."""
    if not text:
        return ""
    return text.get(lang) or text.get(DEFAULT_LANGUAGE, "")


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: a name too long
        raise Refused(
            "timezone_unknown",
            f"unknown time zone {name!r} (use an IANA name such as Europe/Warsaw)",
        ) from exc
    return name


TimeZoneName = Annotated[str, After(_check_timezone)]


@dataclass(kw_only=True)
class Model:
    """Base of every model: a plain dataclass that `kiosk_core.validation.validate` checks with
    pydantic, strictly (an unknown field is a typo and an error, not silently ignored).

    Cross-field checks are `__post_init__` methods: pydantic runs them after validating the
    fields, and they run again whenever a model is made or copied in code."""

    __pydantic_config__ = STRICT


@dataclass(kw_only=True)
class Targeted(Model):
    """Any item may be limited to some kiosks or kiosk groups and to a validity window."""

    kiosks: list[Identifier] = field(default_factory=list)
    groups: list[Identifier] = field(default_factory=list)
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def __post_init__(self) -> None:
        if self.valid_from and self.valid_until and _ts(self.valid_until) <= _ts(self.valid_from):
            raise Refused(
                "validity_order", "valid_until must be later than valid_from", "valid_until"
            )

    def targets(self, kiosk_id: str | None, groups: frozenset[str] | set[str]) -> bool:
        """Whether this item is meant for a kiosk with this id and these groups."""
        if not self.kiosks and not self.groups:
            return True
        return (kiosk_id in self.kiosks) or bool(set(self.groups) & set(groups))

    def valid_at(self, now: datetime) -> bool:
        if self.valid_from and _ts(now) < _ts(self.valid_from):
            return False
        return not (self.valid_until and _ts(now) >= _ts(self.valid_until))


def _moment(when: datetime | date) -> float:
    """What orders an event's start and end: a time (with or without its offset), or a day
    (its midnight: days are only ever compared with days)."""
    return _ts(when if isinstance(when, datetime) else datetime.combine(when, time.min))


def _ts(moment: datetime) -> float:
    """Seconds since the epoch; naive datetimes are taken as UTC so comparisons never raise."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=ZoneInfo("UTC")).timestamp()
    return moment.timestamp()


@dataclass(kw_only=True)
class Location(Model):
    lat: Annotated[float, Limits(ge=-90, le=90)]
    long: Annotated[float, Limits(ge=-180, le=180)]


@dataclass(kw_only=True)
class Contact(Model):
    name: Text
    address: Text
    phone: Phone | None = None
    email: Email | None = None
    web: WebLink | None = None
    opening_hours: Text | None = None


MapPoint = Annotated[list[float], Limits(min_length=2, max_length=2)]
"""A point as [latitude, longitude]."""


@dataclass(kw_only=True)
class MapStreet(Model):
    """A named street as a line through points on the map: the kiosk names the street nearest
    to a reported place ("near ul. Rynek") instead of its coordinates."""

    name: Annotated[str, Limits(min_length=1, max_length=100)]
    """As it is signed, e.g. `ul. Rynek`: street names are not translated."""
    points: Annotated[list[MapPoint], Limits(min_length=2, max_length=500)]
    """[latitude, longitude] of each bend, in order along the street. A line that ends where
    it starts is a square: a place inside it is on it."""


@dataclass(kw_only=True)
class MapImage(Model):
    """A map of the municipality for reports; its edges' coordinates turn a tap into lat/long."""

    image: MediaRef
    north: Annotated[float, Limits(ge=-90, le=90)]
    south: Annotated[float, Limits(ge=-90, le=90)]
    west: Annotated[float, Limits(ge=-180, le=180)]
    east: Annotated[float, Limits(ge=-180, le=180)]
    streets: Annotated[list[MapStreet], Limits(max_length=2000)] = field(default_factory=list)
    """Streets to name a reported place by; none: the place is shown on the map alone."""

    def __post_init__(self) -> None:
        if self.north <= self.south:
            raise Refused("map_north_south", "north must be greater than south", "north")
        if self.east <= self.west:
            raise Refused("map_east_west", "east must be greater than west", "east")
        for index, street in enumerate(self.streets):
            for lat, long in street.points:
                if not (self.south <= lat <= self.north and self.west <= long <= self.east):
                    raise Refused(
                        "street_off_map",
                        f"street {street.name!r} has a point ({lat}, {long}) outside the map's "
                        "edges (latitude first, then longitude)",
                        f"streets[{index}].points",
                        value=f"{lat}, {long}",
                        name=street.name,
                    )


@dataclass(kw_only=True)
class IdleSettings(Model):
    reset_after: Annotated[int, Limits(ge=15, le=3600)] = 90
    """Seconds without a touch before the "Are you still there?" overlay."""
    countdown: Annotated[int, Limits(ge=3, le=60)] = 10
    """Seconds the overlay counts down before the kiosk returns home."""
    attract_after: Annotated[int, Limits(ge=0, le=3600)] = 30
    """Seconds at rest after the reset before the attract loop plays (attract.yaml)."""


@dataclass(kw_only=True)
class Settings(Model):
    municipality: Text
    logo: MediaRef | None = None
    default_language: Language = "pl"
    languages: list[Language] = field(default_factory=lambda: list(LANGUAGES))
    timezone: TimeZoneName = "Europe/Warsaw"
    location: Location
    contact: Contact
    idle: IdleSettings = field(default_factory=IdleSettings)
    map: MapImage | None = None

    def __post_init__(self) -> None:
        if self.default_language not in self.languages:
            raise Refused(
                "default_language_not_offered",
                "default_language must be one of the offered languages",
                "default_language",
            )
        if len(set(self.languages)) != len(self.languages):
            raise Refused("language_twice", "languages lists a language twice", "languages")


@dataclass(kw_only=True)
class ServiceCategory(Targeted):
    id: Identifier
    name: Text
    description: Text | None = None
    icon: Identifier | None = None
    order: int = 0


@dataclass(kw_only=True)
class Office(Model):
    name: Text
    room: Annotated[str, Limits(max_length=80)] | None = None
    address: Text | None = None

    def numbered_room(self) -> bool:
        """The room is written as its number ("3", "12a", "2.14"): screens label it ("room
        3"), where a bare "3" between an office and a street reads as nothing. A room
        written in words ("parter, okienko 2") is shown as written."""
        return bool(self.room and self.room.strip()[:1].isdigit())


@dataclass(kw_only=True)
class ServiceCard(Targeted):
    id: Identifier
    category: Identifier
    title: Text
    summary: Text
    body: Text | None = None
    documents: list[Text] = field(default_factory=list)
    fees: Text | None = None
    processing_time: Text | None = None
    office: Office | None = None
    opening_hours: Text | None = None
    phone: Phone | None = None
    email: Email | None = None
    link: WebLink | None = None
    keywords: Keywords = field(default_factory=dict)
    last_reviewed: date | None = None


@dataclass(kw_only=True)
class EventCategory(Model):
    id: Identifier
    name: Text
    icon: Identifier | None = None


@dataclass(kw_only=True)
class Event(Targeted):
    id: Identifier
    title: Text
    description: Text | None = None
    start: datetime | date
    end: datetime | date | None = None
    all_day: bool = False
    timezone: TimeZoneName | None = None
    """Where start/end carry no UTC offset they are read in this zone, else the kiosk's."""
    place: Text | None = None
    category: Identifier | None = None
    image: MediaRef | None = None
    link: WebLink | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        dated = [isinstance(t, datetime) for t in (self.start, self.end) if t is not None]
        if self.all_day and any(dated):
            raise Refused(
                "all_day_times", "an all-day event takes dates (2026-05-01), not times", "start"
            )
        if not self.all_day and not all(dated):
            raise Refused(
                "needs_time", "give a time (2026-05-01T18:00) or set all_day: true", "start"
            )
        if self.end is not None and _moment(self.end) < _moment(self.start):
            raise Refused("ends_before_start", "the event ends before it starts", "end")


ATTRIBUTE_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$"
LIST_KEY_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
AttributeCode = Annotated[str, Limits(pattern=ATTRIBUTE_CODE_PATTERN)]
"""Sent back by Open311 clients as `attribute[CODE]=…`, so no brackets, dots or spaces."""
ListKey = Annotated[str, Limits(pattern=LIST_KEY_PATTERN)]
LIST_DATATYPES = ("singlevaluelist", "multivaluelist")


@dataclass(kw_only=True)
class AttributeValue(Model):
    """One choice of a list attribute: `key` is what clients send, `name` what people read."""

    key: ListKey
    name: Text


@dataclass(kw_only=True)
class ReportAttribute(Model):
    """An extra question of a report category: an Open311 service definition attribute."""

    code: AttributeCode
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    description: Text
    """The question, with instructions for finding the answer."""
    variable: bool = True
    """False: no answer is asked for; the description only informs."""
    required: bool = False
    datatype_description: Text | None = None
    order: Annotated[int, Limits(ge=1)] | None = None
    """Position among the category's attributes (1 first); by default its place in the list."""
    values: list[AttributeValue] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.datatype in LIST_DATATYPES and not self.values:
            raise Refused(
                "values_needed",
                f"a {self.datatype} attribute needs values to choose from",
                "values",
            )
        if self.datatype not in LIST_DATATYPES and self.values:
            raise Refused(
                "values_not_allowed",
                f"a {self.datatype} attribute takes no values (only lists do)",
                "values",
            )
        keys = [v.key for v in self.values]
        if len(set(keys)) != len(keys):
            raise Refused("value_keys_twice", "two values have the same key", "values")
        if self.required and not self.variable:
            raise Refused(
                "required_not_asked",
                "an attribute that asks nothing (variable: false) cannot be required",
                "required",
            )


@dataclass(kw_only=True)
class ReportPublicity(Model):
    """What anyone may read of a category's reports (the hub's Open311 `GET requests` and the
    receipt's status page). The category, status, dates and the town's answer always are;
    names, e-mail and phone never."""

    description: Literal["after_review", "never"] = "after_review"
    """The resident's words: public only once staff have read them and marked them public, or
    never."""
    place: Literal["rough", "exact", "none"] = "rough"
    """`rough`: the coordinates to about 100 m, no typed address; `exact`: the coordinates and
    the address as given; `none`: nothing of the place."""


@dataclass(kw_only=True)
class ReportCategory(Targeted):
    service_code: Identifier
    name: Text
    group: Text
    description: Text | None = None
    department: Text
    department_email: Email
    icon: Identifier | None = None
    keywords: Keywords = field(default_factory=dict)
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    """Open311 service type."""
    attributes: list[ReportAttribute] = field(default_factory=list)
    """Extra questions (Open311 service definition); Open311 clients must answer the required."""
    public: ReportPublicity = field(default_factory=ReportPublicity)
    """What of its reports anyone may read; the kiosk's review step says so."""

    def __post_init__(self) -> None:
        super().__post_init__()
        codes = [a.code for a in self.attributes]
        if len(set(codes)) != len(codes):
            raise Refused(
                "attribute_codes_twice", "two attributes have the same code", "attributes"
            )
        orders = self.attribute_orders()
        if len(set(orders)) != len(orders):
            raise Refused(
                "attribute_orders_twice", "two attributes have the same order", "attributes"
            )

    def attribute_orders(self) -> list[int]:
        """Each attribute's order: as given, or its place in the list (1 first)."""
        return [a.order or i for i, a in enumerate(self.attributes, start=1)]


@dataclass(kw_only=True)
class Alert(Targeted):
    id: Identifier
    severity: Literal["info", "warning", "danger"] = "info"
    text: Text


@dataclass(kw_only=True)
class AttractItem(Targeted):
    """One slide of the attract loop a kiosk plays at rest: a video or an image."""

    video: MediaRef | None = None
    image: MediaRef | None = None
    duration: Annotated[float, Limits(ge=1, le=600)] | None = None
    """Seconds on screen: for an image (default 8), or to cut a video short."""

    def __post_init__(self) -> None:
        super().__post_init__()
        if (self.video is None) == (self.image is None):
            raise Refused("video_or_image", "give either a video or an image")


Yaw = Annotated[float, Limits(ge=-180, le=180)]
"""Degrees to the right of the panorama image's centre (negative: to the left)."""
Pitch = Annotated[float, Limits(ge=-90, le=90)]
"""Degrees above the horizon (negative: below it)."""


@dataclass(kw_only=True)
class Hotspot(Model):
    """A point in a panorama a visitor can touch: a way to another place, or a note."""

    yaw: Yaw
    pitch: Pitch = 0.0
    target: Identifier | None = None
    """The id of the place this hotspot leads to."""
    info: Text | None = None
    """A note shown when touched (instead of a target)."""
    label: Text | None = None
    """Shown beside the marker; a way to a place defaults to that place's title."""

    def __post_init__(self) -> None:
        if (self.target is None) == (self.info is None):
            raise Refused("target_or_info", "give either a target (a place's id) or an info text")


@dataclass(kw_only=True)
class PanoramaTextures(Model):
    """Written by `content build`: the panorama cut into GPU textures of at most 4096 px."""

    layout: Literal["halves"] = "halves"
    """`halves`: the equirectangular image's left and right halves, each one texture."""
    width: Annotated[int, Limits(ge=2, le=8192)]
    height: Annotated[int, Limits(ge=1, le=4096)]
    """Size of the whole equirectangular image the textures make up."""
    files: Annotated[list[MediaRef], Limits(min_length=2, max_length=2)]


@dataclass(kw_only=True)
class PanoramaNode(Model):
    """One place of the virtual walk: a 360° equirectangular photograph and its hotspots."""

    id: Identifier
    title: Text
    description: Text | None = None
    image: MediaRef | None = None
    """The source photograph (content folder only; a release carries textures instead)."""
    textures: PanoramaTextures | None = None
    preview: MediaRef | None = None
    yaw: Yaw = 0.0
    """Where the view looks when a visitor arrives."""
    pitch: Pitch = 0.0
    location: Location
    """Where the place is: a point on the municipality map."""
    hotspots: list[Hotspot] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.image is None and self.textures is None:
            raise Refused(
                "panorama_image_required",
                "image is required (an equirectangular JPEG, twice as wide as high)",
                "image",
            )


@dataclass(kw_only=True)
class Walk(Model):
    """The virtual walk: places joined by hotspots, entered at `start`."""

    start: Identifier | None = None
    """The place a visitor enters at; the first node when not given."""
    nodes: Annotated[list[PanoramaNode], Limits(min_length=1)]

    @property
    def start_id(self) -> str:
        return self.start or self.nodes[0].id

    def node(self, node_id: str) -> PanoramaNode | None:
        return next((n for n in self.nodes if n.id == node_id), None)

    def media_refs(self) -> list[str]:
        """Every release file the walk points at (textures and previews)."""
        refs: list[str] = []
        for node in self.nodes:
            refs.extend(node.textures.files if node.textures else ())
            refs.extend(r for r in (node.image, node.preview) if r)
        return refs


@dataclass(kw_only=True)
class Content(Model):
    """Everything a release carries: the one JSON document a kiosk loads."""

    format: Literal[1] = 1
    settings: Settings
    service_categories: list[ServiceCategory] = field(default_factory=list)
    services: list[ServiceCard] = field(default_factory=list)
    event_categories: list[EventCategory] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    report_categories: list[ReportCategory] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    walk: Walk | None = None
    attract: list[AttractItem] = field(default_factory=list)

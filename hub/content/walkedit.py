"""Editing the virtual walk in a browser without JavaScript: the logic of the walk's pages.

A place's 360° photograph is shown as an `<input type="image">`: clicking it submits the
form with the click's x and y in the picture's CSS pixels, and `direction_at` turns them into
the yaw and pitch the kiosk uses (kiosk.walk.projection: yaw 0 is the middle of the
equirectangular picture, +180 its right edge; pitch 90 its top, -90 its bottom). The page
shows the picture at one of WIDTHS depending on the screen; the input's name says which
(`at1024.x`), so the server knows the scale without asking the browser. The hotspots are
drawn over it by an SVG the hub makes (`markers_svg`), laid on top of the picture: no inline
style, no script.

Forms come in as the browser sends them (input names like `title.de`, `hotspot.yaw`) and
leave as a place in source form (kiosk_core.content.items), with every problem as a content
`Problem` named as in panoramas/walk.yaml, so kiosk_core.content.problemtext words it for a
clerk with the field's label ("Hotspot: direction: may be at most 180"); `input_name` says
which input to mark. No FastAPI, no database: the pages (walk_pages.py) only call this.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from kiosk_core.content import problems as codes
from kiosk_core.content.items import source_form
from kiosk_core.content.model import ID_PATTERN, LANGUAGES, MapImage, PanoramaNode, Walk
from kiosk_core.content.problems import Problem, shown_value
from kiosk_core.content.source import item_problems
from kiosk_core.content.walkgraph import problems as graph_problems
from kiosk_core.content.walksource import WALK_FILE
from kiosk_core.content.yamlfile import dotted
from kiosk_core.geo import latlong_to_tap
from kiosk_core.validation import to_data, validate

WIDTHS = (1024, 720)
"""The picture's widths in CSS pixels on the place's page: 1024 on a wide screen, 720 on
others (scrolled sideways on a phone). At 720 a pixel is half a degree."""
CLICK = re.compile(r"^at(\d+)\.([xy])$")
PLACE = ("nodes", 0)
"""Where an edited place's problems are said to be: panoramas/walk.yaml's first node, so
their fields get the walk's labels ("Place: name")."""
TEXTS = ("title", "description", "hotspot.info", "hotspot.label")
"""Inputs that are a text per language (`title.pl`, `title.de` ...)."""


# --- clicking on the picture ---------------------------------------------------------------


def direction_at(x: float, y: float, width: int) -> tuple[float, float]:
    """The (yaw, pitch) at pixel (x, y) of the picture `width` wide (and half as high),
    taken at the pixel's centre, to a tenth of a degree."""
    height = width / 2
    yaw = (min(max(x, 0.0), width - 1) + 0.5) / width * 360.0 - 180.0
    pitch = 90.0 - (min(max(y, 0.0), height - 1) + 0.5) / height * 180.0
    return round(yaw, 1), round(pitch, 1)


def point_of(yaw: float, pitch: float, width: float = 360.0) -> tuple[float, float]:
    """Where (yaw, pitch) lies on the picture `width` wide: the inverse of `direction_at`."""
    return (yaw + 180.0) / 360.0 * width, (90.0 - pitch) / 180.0 * width / 2


def clicked(form: Mapping[str, Any]) -> tuple[float, float] | None:
    """The direction a click on one of the pictures chose, or None if the form was sent
    otherwise (a button, the Enter key)."""
    found: dict[int, dict[str, str]] = {}
    for name, value in form.items():
        match = CLICK.match(name)
        if match and int(match.group(1)) in WIDTHS and isinstance(value, str):
            found.setdefault(int(match.group(1)), {})[match.group(2)] = value
    for width, xy in found.items():
        try:
            x, y = float(xy["x"]), float(xy["y"])
        except (KeyError, ValueError):
            continue
        if math.isfinite(x) and math.isfinite(y):
            return direction_at(x, y, width)
    return None


# --- the markers over the picture -------------------------------------------------------------

WAY_COLOUR = "#0b4f8a"
NOTE_COLOUR = "#8a4b00"
CLICK_COLOUR = "#a8201a"
RADIUS = 5.5


def markers_svg(
    hotspots: list[dict[str, Any]],
    view: tuple[float, float] = (0.0, 0.0),
    pending: tuple[float, float] | None = None,
    chosen: int | None = None,
) -> str:
    """The hotspots as numbered markers (a circle for a way to another place, a square for a
    note), a cross where the view starts, and a ring where the editor last clicked, on a
    transparent 360x180 picture that lies over the photograph (one unit a degree)."""
    parts = [
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 180" width="360" '
        'height="180" preserveAspectRatio="none" font-family="DejaVu Sans, sans-serif">'
    ]
    vx, vy = point_of(*view)
    for dx in _copies(vx, 5.0):
        x = vx + dx
        parts.append(
            f'<path d="M{x - 5:.2f} {vy:.2f}H{x + 5:.2f}M{x:.2f} {vy - 5:.2f}V{vy + 5:.2f}" '
            'stroke="#000" stroke-width="2.6"/>'
            f'<path d="M{x - 5:.2f} {vy:.2f}H{x + 5:.2f}M{x:.2f} {vy - 5:.2f}V{vy + 5:.2f}" '
            'stroke="#fff" stroke-width="1.2"/>'
        )
    for number, spot in enumerate(hotspots, 1):
        try:
            x0, y0 = point_of(float(spot["yaw"]), float(spot.get("pitch", 0.0)))
        except (KeyError, TypeError, ValueError):
            continue
        y0 = min(max(y0, RADIUS), 180 - RADIUS)
        note = spot.get("target") is None
        colour = NOTE_COLOUR if note else WAY_COLOUR
        stroke = "#ffd400" if chosen == number - 1 else "#fff"
        for dx in _copies(x0, RADIUS):
            x = x0 + dx
            if note:
                r = RADIUS - 0.5
                shape = (
                    f'<rect x="{x - r:.2f}" y="{y0 - r:.2f}" width="{2 * r:.2f}" '
                    f'height="{2 * r:.2f}" rx="1.2"'
                )
            else:
                shape = f'<circle cx="{x:.2f}" cy="{y0:.2f}" r="{RADIUS}"'
            parts.append(f'{shape} fill="{colour}" stroke="{stroke}" stroke-width="1.2"/>')
            size = 6.5 if number < 10 else 5.2
            parts.append(
                f'<text x="{x:.2f}" y="{y0 + size * 0.36:.2f}" font-size="{size}" '
                f'text-anchor="middle" fill="#fff" font-weight="bold">{number}</text>'
            )
    if pending is not None:
        px, py = point_of(*pending)
        for dx in _copies(px, 7.0):
            x = px + dx
            parts.append(
                f'<circle cx="{x:.2f}" cy="{py:.2f}" r="6.5" fill="none" stroke="#fff" '
                'stroke-width="2.8"/>'
                f'<circle cx="{x:.2f}" cy="{py:.2f}" r="6.5" fill="none" '
                f'stroke="{CLICK_COLOUR}" stroke-width="1.4"/>'
                f'<circle cx="{x:.2f}" cy="{py:.2f}" r="1.1" fill="{CLICK_COLOUR}"/>'
            )
    parts.append("</svg>")
    return "".join(parts)


def _copies(x: float, reach: float) -> list[float]:
    """Shifts to draw a marker at: also across the 180° seam when it reaches over it."""
    shifts = [0.0]
    if x - reach < 0:
        shifts.append(360.0)
    if x + reach > 360:
        shifts.append(-360.0)
    return shifts


# --- reading the forms ---------------------------------------------------------------------


def number(raw: Any) -> Any:
    """A typed number as a float (a decimal comma as well as a point); None when nothing
    was typed; what was typed, unchanged, when it is no number (the check then says so)."""
    text = str(raw or "").strip()
    if not text:
        return None
    try:
        value = float(text.replace(",", ".").replace("\u2212", "-"))
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def texts(form: Mapping[str, Any], name: str) -> dict[str, str]:
    """A text in every language from the inputs `name.pl`, `name.en` ...; the empty left out."""
    out = {}
    for lang in LANGUAGES:
        value = str(form.get(f"{name}.{lang}") or "").strip()
        if value:
            out[lang] = value
    return out


def _set(data: dict[str, Any], key: str, value: Any) -> None:
    if value is None or value == {}:
        data.pop(key, None)
    else:
        data[key] = value


def place_fields(current: dict[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
    """The place with what its form sets: name, description, location, the view's yaw and
    pitch. Its id, photograph and hotspots stay as they are."""
    data = dict(current)
    data["title"] = texts(form, "title")
    _set(data, "description", texts(form, "description"))
    location = {}
    for key in ("lat", "long"):
        value = number(form.get(f"location.{key}"))
        if value is not None:
            location[key] = value
    data["location"] = location
    for key in ("yaw", "pitch"):
        _set(data, key, number(form.get(key)))
    return data


def new_place(form: Mapping[str, Any], photo: str | None) -> tuple[str, dict[str, Any]]:
    """A new place from the form that adds one: its id (made from the Polish name when left
    empty) and its data."""
    place_id = str(form.get("id") or "").strip() or suggested_id(texts(form, "title").get("pl", ""))
    data = place_fields({"id": place_id}, form)
    _set(data, "image", photo)
    return place_id, data


WAY, NOTE = "way", "note"


def hotspot_fields(form: Mapping[str, Any]) -> dict[str, Any]:
    """A hotspot from its form: a way to the place chosen, or a note."""
    spot: dict[str, Any] = {}
    _set(spot, "yaw", number(form.get("hotspot.yaw")))
    _set(spot, "pitch", number(form.get("hotspot.pitch")))
    if form.get("hotspot.kind") == NOTE:
        spot["info"] = texts(form, "hotspot.info")
    else:
        _set(spot, "target", str(form.get("hotspot.target") or "").strip() or None)
    _set(spot, "label", texts(form, "hotspot.label"))
    return spot


def with_hotspot(data: dict[str, Any], spot: dict[str, Any], index: int | None) -> dict[str, Any]:
    """The place with hotspot `index` replaced by `spot` (None: `spot` added at the end)."""
    spots = list(data.get("hotspots") or [])
    if index is None or not 0 <= index < len(spots):
        spots.append(spot)
    else:
        spots[index] = spot
    return {**data, "hotspots": spots}


def without_hotspot(data: dict[str, Any], index: int) -> dict[str, Any]:
    spots = [s for n, s in enumerate(data.get("hotspots") or []) if n != index]
    return _with_spots(data, spots)


def _with_spots(data: dict[str, Any], spots: list[dict[str, Any]]) -> dict[str, Any]:
    out = {**data, "hotspots": spots}
    if not spots:
        del out["hotspots"]
    return out


# --- checking ---------------------------------------------------------------------------------


def problem(field: str, code: str, message: str, **params: Any) -> Problem:
    """A problem of the edited place's `field` (a path inside the place)."""
    where = f"nodes[0].{field}" if field else "nodes[0]"
    return Problem(WALK_FILE, None, where, message, code, params)


def check_place(
    data: dict[str, Any],
    places: Mapping[str, str],
    settings: Mapping[str, Any] | None,
    hotspot: int | None = None,
    kind: str | None = None,
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The place in source form ready to save, or None and every problem. `places` are the
    walk's places (id to name, this one included if saved before); `settings` the draft's
    settings (a location off its map is refused, as the build would). With `hotspot` (the
    index of a hotspot being edited, whose form chose `kind`), its target is checked too."""
    found = item_problems(PanoramaNode, data, WALK_FILE, PLACE)
    spots = data.get("hotspots") or []
    if hotspot is not None and 0 <= hotspot < len(spots) and isinstance(spots[hotspot], dict):
        found.extend(_target_problems(data.get("id"), spots[hotspot], hotspot, places, kind))
        if any(p.field.endswith(f"hotspots[{hotspot}].target") for p in found):
            found = [p for p in found if p.code != "target_or_info"]
    if not found and settings is not None and not on_map(settings, data["location"]):
        found.append(problem("location", codes.OFF_MAP, "lies outside the municipality map"))
    if found:
        return None, found
    checked = validate(PanoramaNode, data)
    return source_form(PanoramaNode, to_data(checked)), []


def _target_problems(
    place_id: Any,
    spot: dict[str, Any],
    index: int,
    places: Mapping[str, str],
    kind: str | None,
) -> list[Problem]:
    where = f"hotspots[{index}].target"
    target = spot.get("target")
    if kind == WAY and target is None:
        return [problem(where, "missing", "choose the place it leads to")]
    if target is None:
        return []
    if target == place_id:
        return [problem(where, codes.SELF_LINK, "leads to the place it is in")]
    if target not in places:
        known = ", ".join(sorted(places))
        return [
            problem(
                where,
                codes.UNKNOWN_REFERENCE,
                f"unknown place {target!r}",
                value=shown_value(target),
                known=known,
            )
        ]
    return []


def check_new(place_id: str, data: dict[str, Any], places: Mapping[str, str]) -> list[Problem]:
    """What a new place needs beyond what `check_place` finds: a photograph (said even when
    other fields are wrong too), and an identifier no other place has."""
    found = []
    if not data.get("image"):
        found.append(problem("image", "panorama_image_required", "the photograph is required"))
    return found + _check_id(place_id, places)


def _check_id(place_id: str, places: Mapping[str, str]) -> list[Problem]:
    if not place_id:
        return [problem("id", "missing", "give the place an identifier")]
    if not re.match(ID_PATTERN, place_id):
        return [
            problem(
                "id",
                "string_pattern_mismatch",
                "not an identifier",
                pattern=ID_PATTERN,
                value=shown_value(place_id),
            )
        ]
    if place_id in places:
        return [problem("id", codes.DUPLICATE_ID, "already used", value=place_id)]
    return []


def on_map(settings: Mapping[str, Any], location: Mapping[str, Any]) -> bool:
    """Whether a location lies on the municipality's map (True when there is no map: the
    build checks only against one)."""
    raw = settings.get("map")
    if not raw:
        return True
    try:
        area = validate(MapImage, raw)
    except ValidationError:
        return True  # the settings' own problem, said on their page
    fx, fy = latlong_to_tap(area, float(location["lat"]), float(location["long"]))
    return 0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0


def input_name(field: str, hotspot: int | None = None) -> str:
    """The form input a problem's field stands for: `nodes[0].title` is `title.pl` (the
    Polish text is the one required), `nodes[0].hotspots[2].yaw` the hotspot form's
    `hotspot.yaw` when hotspot 2 is the one being edited."""
    rel = re.sub(r"^nodes\[\d+\]\.?", "", field)
    if hotspot is not None:
        rel = re.sub(rf"^hotspots\[{hotspot}\]", "hotspot", rel)
    if rel in TEXTS:
        return f"{rel}.pl"
    if rel == "location":
        return "location.lat"
    if rel == "image":
        return "photo"
    return rel


# --- the walk as a whole ----------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A hotspot of one place leading to another."""

    place_id: str
    index: int


def links_to(places: Iterable[tuple[str, dict[str, Any]]], target: str) -> list[Link]:
    """Every hotspot of the other places that leads to `target`."""
    return [
        Link(place_id, index)
        for place_id, data in places
        if place_id != target
        for index, spot in enumerate(data.get("hotspots") or [])
        if spot.get("target") == target
    ]


def without_ways_to(data: dict[str, Any], target: str) -> dict[str, Any]:
    """The place without its hotspots that lead to `target`."""
    spots = [s for s in data.get("hotspots") or [] if s.get("target") != target]
    return _with_spots(data, spots)


@dataclass(frozen=True)
class WalkWarning:
    """Something that would stop the walk from being published, by the place it is about."""

    place_id: str | None
    problem: Problem


def walk_warnings(
    places: list[tuple[str, dict[str, Any]]],
    start: str | None,
    settings: Mapping[str, Any] | None,
) -> list[WalkWarning]:
    """What the build would refuse in the walk as the draft has it: places no chain of
    hotspots reaches from the start, hotspots leading to places that are gone, a start that
    is gone, places off the map."""
    if not places:
        return []
    try:
        walk = validate(Walk, {"start": start, "nodes": [data for _, data in places]})
    except ValidationError:
        return []  # each place was checked when saved; nothing the graph can say
    found = []
    for where, message, code, params in graph_problems(walk):
        place_id = places[int(where[1])][0] if where[0] == "nodes" else None
        shown = Problem(WALK_FILE, None, dotted(where), message, code, params)
        found.append(WalkWarning(place_id, shown))
    if settings is not None:
        for place_id, data in places:
            if not on_map(settings, data["location"]):
                off = Problem(WALK_FILE, None, "nodes[0].location", "off the map", codes.OFF_MAP)
                found.append(WalkWarning(place_id, off))
    return found


def suggested_id(name: str) -> str:
    """An identifier made from a place's Polish name: "Most na Białce" -> "most-na-bialce"."""
    plain = name.lower().replace("ł", "l")
    plain = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:64].rstrip("-")


def form_values(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """A place's (or a hotspot's) fields as its form's inputs show them."""
    values: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            for sub, inner in value.items():
                values[f"{name}.{sub}"] = shown_number(inner)
        elif not isinstance(value, list):
            values[name] = shown_number(value)
    return values


def shown_number(value: Any) -> str:
    """A number as an input shows it: 154.7, 3 (not 3.0), 50.30246."""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return "" if value is None else str(value)

"""The label of every content field as a clerk sees it in a form ("Title", "Fees", "Start").

A problem names a field by its path in the source tree (`[3].office.room` in
services/documents.yaml); a clerk knows it by the label beside the input. Which kind of item a
file holds comes from its name (the layout in `kiosk_core.content.source`); the labels are
English message ids, translated in the hub's catalogs (hub/locale). Every field of every
model has one (tests/test_problem_text.py checks), so a new field without a label fails there.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable
from fnmatch import fnmatchcase
from typing import Any, get_args, get_type_hints

from kiosk_core.content.model import LANGUAGES, Settings, Text, Walk
from kiosk_core.content.source import COLLECTIONS, SETTINGS_FILE
from kiosk_core.content.walksource import WALK_FILE
from kiosk_core.i18n import N_

Translate = Callable[[str], str]

SETTINGS = "settings"
WALK = "walk"
KIND_FILES: tuple[tuple[str, str], ...] = (
    (SETTINGS, SETTINGS_FILE),
    (WALK, WALK_FILE),
    *((c.key, c.pattern) for c in COLLECTIONS),
)
"""Which kind of content each file of a source tree holds, by its name."""

ITEMS = {
    SETTINGS: N_("Settings"),
    "service_categories": N_("Service category"),
    "services": N_("Service card"),
    "event_categories": N_("Event category"),
    "events": N_("Event"),
    "report_categories": N_("Report category"),
    "alerts": N_("Alert"),
    "attract": N_("Attract loop slide"),
    WALK: N_("Virtual walk"),
}
"""What one item of each kind is called: the label of a problem with a whole item."""

LANGUAGE_LABELS = {
    "pl": N_("Polish"),
    "en": N_("English"),
    "de": N_("German"),
    "cs": N_("Czech"),
    "uk": N_("Ukrainian"),
}
IN_LANGUAGE = N_("{label} ({language})")

COMMON = {
    "id": N_("Identifier"),
    "name": N_("Category name"),
    "description": N_("Description"),
    "icon": N_("Icon"),
    "keywords": N_("Search keywords"),
    "kiosks": N_("Only on kiosks"),
    "groups": N_("Only on kiosk groups"),
    "valid_from": N_("Shown from"),
    "valid_until": N_("Shown until"),
}
"""Fields several kinds share, labelled alike."""

LABELS: dict[str, dict[str, str]] = {
    SETTINGS: {
        "municipality": N_("Municipality name"),
        "logo": N_("Logo"),
        "default_language": N_("Default language"),
        "languages": N_("Languages offered"),
        "timezone": N_("Time zone"),
        "location": N_("Location"),
        "location.lat": N_("Latitude"),
        "location.long": N_("Longitude"),
        "contact": N_("Contact"),
        "contact.name": N_("Office name"),
        "contact.address": N_("Address"),
        "contact.phone": N_("Phone"),
        "contact.email": N_("E-mail"),
        "contact.web": N_("Website"),
        "contact.opening_hours": N_("Opening hours"),
        "idle": N_("Idle times"),
        "idle.reset_after": N_("Seconds without a touch before the question"),
        "idle.countdown": N_("Seconds of the countdown"),
        "idle.attract_after": N_("Seconds before the attract loop"),
        "map": N_("Map"),
        "map.image": N_("Map image"),
        "map.north": N_("Map: north edge"),
        "map.south": N_("Map: south edge"),
        "map.west": N_("Map: west edge"),
        "map.east": N_("Map: east edge"),
        "map.streets": N_("Map: streets"),
        "map.streets.name": N_("Street: name"),
        "map.streets.points": N_("Street: its line on the map"),
    },
    "service_categories": {"order": N_("Order")},
    "services": {
        "category": N_("Service category"),
        "title": N_("Title"),
        "summary": N_("Summary"),
        "body": N_("Full text"),
        "documents": N_("Documents"),
        "fees": N_("Fees"),
        "processing_time": N_("Processing time"),
        "office": N_("Office"),
        "office.name": N_("Office name"),
        "office.room": N_("Room"),
        "office.address": N_("Office address"),
        "opening_hours": N_("Opening hours"),
        "phone": N_("Phone"),
        "email": N_("E-mail"),
        "link": N_("Link"),
        "last_reviewed": N_("Last reviewed"),
    },
    "event_categories": {},
    "events": {
        "title": N_("Title"),
        "start": N_("Start"),
        "end": N_("End"),
        "all_day": N_("All day"),
        "timezone": N_("Time zone"),
        "place": N_("Place"),
        "category": N_("Event category"),
        "image": N_("Poster"),
        "link": N_("Link"),
    },
    "report_categories": {
        "service_code": N_("Code"),
        "group": N_("Group"),
        "department": N_("Department"),
        "department_email": N_("Department e-mail"),
        "type": N_("Open311 type"),
        "attributes": N_("Questions"),
        "attributes.code": N_("Question: code"),
        "attributes.datatype": N_("Question: kind of answer"),
        "attributes.description": N_("Question: text"),
        "attributes.variable": N_("Question: asks for an answer"),
        "attributes.required": N_("Question: answer required"),
        "attributes.datatype_description": N_("Question: hint for the answer"),
        "attributes.order": N_("Question: order"),
        "attributes.values": N_("Question: choices"),
        "attributes.values.key": N_("Choice: key"),
        "attributes.values.name": N_("Choice: name"),
        "public": N_("What is public"),
        "public.description": N_("Public: the resident's words"),
        "public.place": N_("Public: the place"),
    },
    "alerts": {"severity": N_("Severity"), "text": N_("Alert text")},
    "attract": {
        "video": N_("Video"),
        "image": N_("Image"),
        "duration": N_("Seconds on screen"),
    },
    WALK: {
        "start": N_("Starting place"),
        "nodes": N_("Places"),
        "nodes.id": N_("Place: identifier"),
        "nodes.title": N_("Place: name"),
        "nodes.description": N_("Place: description"),
        "nodes.image": N_("Place: 360° photograph"),
        "nodes.textures": N_("Place: textures"),
        "nodes.textures.layout": N_("Place: textures"),
        "nodes.textures.width": N_("Place: textures"),
        "nodes.textures.height": N_("Place: textures"),
        "nodes.textures.files": N_("Place: textures"),
        "nodes.preview": N_("Place: preview"),
        "nodes.yaw": N_("Place: direction of view"),
        "nodes.pitch": N_("Place: height of view"),
        "nodes.location": N_("Place: location"),
        "nodes.location.lat": N_("Place: latitude"),
        "nodes.location.long": N_("Place: longitude"),
        "nodes.hotspots": N_("Hotspots"),
        "nodes.hotspots.yaw": N_("Hotspot: direction"),
        "nodes.hotspots.pitch": N_("Hotspot: height"),
        "nodes.hotspots.target": N_("Hotspot: leads to"),
        "nodes.hotspots.info": N_("Hotspot: note"),
        "nodes.hotspots.label": N_("Hotspot: label"),
    },
}
"""Each kind's own fields by dotted path without list indexes; the rest are in COMMON."""

_PART = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def kind_of(file: str) -> str | None:
    """The kind of content a source file holds ("services"), or None for another file."""
    return next((kind for kind, pattern in KIND_FILES if fnmatchcase(file, pattern)), None)


def field_parts(field: str) -> list[str]:
    """A problem's field path as names, list indexes left out: `[3].office.room` ->
    ["office", "room"]."""
    return [name for index, name in _PART.findall(field) if name]


def label_id(kind: str | None, parts: list[str]) -> str | None:
    """The message id of the field at `parts`, or of the nearest field around it that has
    one (a key mistyped inside `office` is labelled "Office"); None when nothing is known."""
    own = LABELS.get(kind or "", {})
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        found = own.get(key) or (COMMON.get(key) if end == 1 else None)
        if found is not None:
            return found
    return None


def field_label(file: str, field: str, translate: Translate) -> str:
    """The label a clerk knows the field by, in the translator's language: "Title (German)"
    for a text's translation, the item's name ("Event") for a problem with a whole item,
    "" for a problem with a whole file, and the key itself when it is no field of ours."""
    kind = kind_of(file)
    parts = field_parts(field)
    language = parts.pop() if len(parts) > 1 and parts[-1] in LANGUAGES else None
    if not parts:
        return translate(ITEMS[kind]) if kind and field.startswith("[") else ""
    found = label_id(kind, parts)
    if found is None:
        return parts[-1]
    label = translate(found)
    if language:
        language_name = translate(LANGUAGE_LABELS[language])
        return translate(IN_LANGUAGE).format(label=label, language=language_name)
    return label


def model_of(kind: str) -> type:
    """The model one item of a kind is."""
    if kind == SETTINGS:
        return Settings
    if kind == WALK:
        return Walk
    return next(c.model for c in COLLECTIONS if c.key == kind)


def model_paths(model: type, prefix: str = "") -> list[str]:
    """Every field of a model and of the models inside it, as dotted paths: what a form
    has an input (and a label) for."""
    return [path for path, _annotation in _annotated_paths(model, prefix)]


def is_text(file: str, field: str) -> bool:
    """Whether the field is a visitor-facing text (one string, or one per language)."""
    kind = kind_of(file)
    if kind is None:
        return False
    parts = field_parts(field)
    if len(parts) > 1 and parts[-1] in LANGUAGES:
        parts.pop()
    return ".".join(parts) in _text_paths(kind)


@functools.cache
def _text_paths(kind: str) -> frozenset[str]:
    return frozenset(
        path
        for path, annotation in _annotated_paths(model_of(kind), "")
        if annotation == Text or Text in get_args(annotation)
    )


def _annotated_paths(model: type, prefix: str) -> list[tuple[str, Any]]:
    hints = get_type_hints(model, include_extras=True)
    found: list[tuple[str, Any]] = []
    for f in dataclasses.fields(model):
        path = f"{prefix}{f.name}"
        found.append((path, hints[f.name]))
        for inner in _models_in(hints[f.name]):
            found.extend(_annotated_paths(inner, f"{path}."))
    return found


def _models_in(annotation: Any) -> list[type]:
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return [annotation]
    return [m for arg in get_args(annotation) for m in _models_in(arg)]

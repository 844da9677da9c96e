"""A content problem worded for a clerk: the field by its label, what is wrong and what is
allowed, in the reader's language. Never pydantic's or YAML's own English.

`message_for(problem, translate)` is what a page calls: the upload page lists problems with
their file and line; an editor form shows each one next to its input (`Explanation.field` is
the path the form's input stands for, `Explanation.value` what was typed, to keep in the
input). `translate` is the page's gettext for its language (the hub's catalogs hold these
messages). A code without a message of its own gets a generic one that still names the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk_core.content import problems as codes
from kiosk_core.content.fieldlabels import ITEMS, field_label, is_text, kind_of
from kiosk_core.content.model import (
    ATTRIBUTE_CODE_PATTERN,
    ID_PATTERN,
    LIST_KEY_PATTERN,
    PHONE_PATTERN,
)
from kiosk_core.content.problems import Problem
from kiosk_core.i18n import N_

Translate = Callable[[str], str]

GENERIC = N_("this value cannot be used here; check what was typed")
"""For a code with no message of its own: still a sentence, still naming the field."""

MESSAGES: dict[str, str] = {
    # reading the files
    codes.YAML_SYNTAX: N_(
        "the file cannot be read from this line on. Check that each line reads "
        '"name: value", that it is indented like the lines above it, and that a text with '
        "a colon or # in it is in quotes"
    ),
    codes.YAML_ENCODING: N_(
        "the file is not saved as UTF-8 text; save it again as UTF-8 in your editor"
    ),
    codes.YAML_CONTROL_CHARACTERS: N_(
        "the file holds characters that are not text here; save it again as plain UTF-8 text"
    ),
    codes.YAML_UNREADABLE: N_("the file cannot be read"),
    codes.FILE_TOO_BIG: N_("the file is larger than {megabytes} MB; split it into several files"),
    codes.YAML_TOO_LARGE: N_(
        "with its aliases (*name) written out, this part of the file would be far too large; "
        "repeat less through aliases"
    ),
    codes.YAML_TOO_DEEP: N_("the file is nested too deeply; check the indentation"),
    codes.YAML_SELF_ALIAS: N_("an alias (*name) here refers to the block it is in"),
    codes.DUPLICATE_KEY: N_("this field is given twice in the same item; keep one"),
    codes.NOT_A_FOLDER: N_("this is not a folder"),
    codes.FILE_MISSING: N_("the file is missing; it is required"),
    codes.FILE_REQUIRED: N_("there is no such file in the content folder; it is required"),
    codes.NOT_A_MAPPING: N_(
        'the file must hold fields, one "name: value" a line, not a list of items'
    ),
    codes.NOT_A_LIST: N_('the file must be a list of items, each starting with "- "'),
    codes.LINK_OUT: N_("this is a link out of the content folder"),
    # across items
    codes.DUPLICATE_ID: N_('"{value}" is already used; each must be different'),
    codes.UNKNOWN_REFERENCE: N_('"{value}" does not exist; choose one of: {known}'),
    codes.BUILT_FIELD: N_("this is filled in by the build; give only the photograph"),
    codes.OFF_MAP: N_("this place lies outside the municipality's map"),
    codes.UNREACHABLE: N_("no chain of hotspots leads to this place from the starting place"),
    codes.SELF_LINK: N_("leads to the place it is in"),
    codes.PANORAMA: N_(
        '"{value}" cannot be used for the walk: it must be a JPEG photograph twice as wide '
        "as it is high"
    ),
    # media files
    "media_bad_path": N_("use forward slashes (/) and plain characters in file paths"),
    "media_absolute": N_(
        '"{value}": give a path inside the content folder, such as media/logo.png'
    ),
    "media_outside": N_('"{value}" leads out of the content folder'),
    "media_type": N_('"{value}" is not a supported kind of file; use {allowed}'),
    "media_missing": N_('there is no file "{value}" in the content folder'),
    "media_not_file": N_('"{value}" is not a file'),
    "media_too_big": N_('"{value}" is larger than {megabytes} MB'),
    "media_empty": N_('"{value}" is an empty file'),
    "image_too_large": N_(
        '"{value}" is too large: an image may be at most {side}×{side} pixels; scale it down'
    ),
    "image_unreadable": N_('"{value}" is not a readable PNG or JPEG image'),
    "image_format": N_('"{value}" must be a PNG or JPEG image'),
    # the model's own checks
    "text_control": N_("contains invisible control characters; type the text again"),
    "text_polish_missing": N_("the Polish text is required"),
    "timezone_unknown": N_('"{value}" is not a time zone; use a name such as Europe/Warsaw'),
    "validity_order": N_("the end of the display period must be later than its start"),
    "map_north_south": N_("the north edge must be further north than the south edge"),
    "map_east_west": N_("the east edge must be further east than the west edge"),
    "street_off_map": N_(
        'a point of "{name}" ({value}) lies outside the map\'s edges; give each point as '
        "latitude, longitude"
    ),
    "default_language_not_offered": N_("must be one of the languages offered"),
    "language_twice": N_("a language is listed twice"),
    "all_day_times": N_("an all-day event takes dates (2026-05-01), not times"),
    "needs_time": N_("give a time (2026-05-01T18:00), or mark the event as all day"),
    "ends_before_start": N_("the event ends before it starts"),
    "values_needed": N_("a question with a list of answers needs choices"),
    "values_not_allowed": N_("only a question with a list of answers takes choices"),
    "value_keys_twice": N_("two choices have the same key"),
    "required_not_asked": N_("a question that asks for no answer cannot be required"),
    "attribute_codes_twice": N_("two questions have the same code"),
    "attribute_orders_twice": N_("two questions have the same order"),
    "video_or_image": N_("give either a video or an image (one of them)"),
    "target_or_info": N_("give either the place it leads to or a note (one of them)"),
    "panorama_image_required": N_("the 360° photograph is required"),
    # pydantic's checks
    "missing": N_("is required; fill it in"),
    "extra_forbidden": N_('there is no field "{name}" here; check its spelling'),
    "unexpected_keyword_argument": N_('there is no field "{name}" here; check its spelling'),
    "string_type": N_("must be text"),
    "string_too_short": N_("must not be empty"),
    "string_too_long": N_("may be at most {max_length} characters long"),
    "too_short": N_("needs at least {min_length} entries"),
    "too_long": N_("may have at most {max_length} entries"),
    "int_type": N_("must be a whole number, such as 10"),
    "int_parsing": N_("must be a whole number, such as 10"),
    "int_from_float": N_("must be a whole number, such as 10"),
    "float_type": N_("must be a number, such as 50.25"),
    "float_parsing": N_("must be a number, such as 50.25"),
    "finite_number": N_("must be a number, such as 50.25"),
    "bool_type": N_("answer with true or false"),
    "bool_parsing": N_("answer with true or false"),
    "greater_than_equal": N_("must be at least {ge}"),
    "greater_than": N_("must be more than {gt}"),
    "less_than_equal": N_("may be at most {le}"),
    "less_than": N_("must be less than {lt}"),
    "literal_error": N_('"{value}" is not one of the choices: {expected}'),
    "list_type": N_('must be a list, each entry on its own line starting with "- "'),
    "dict_type": N_('must be a group of fields, one "name: value" a line, indented'),
    "dataclass_type": N_('must be a group of fields, one "name: value" a line, indented'),
    "url_parsing": N_("must be a web address starting with https://"),
    "url_scheme": N_("must be a web address starting with https://"),
    "url_type": N_("must be a web address starting with https://"),
    codes.EMAIL: N_('"{value}" is not an e-mail address; write it as name@example.pl'),
}
"""What each code says, after the field's label ("Fees: must be text")."""

DATES = N_(
    '"{value}" is not a valid date or time; write a date as 2026-05-01 and a time as '
    "2026-05-01T18:00"
)
"""Every date and time code of pydantic (date_parsing, datetime_from_date_parsing, ...)."""

PATTERNS = {
    ID_PATTERN: N_(
        "only lowercase letters without accents, digits, - and _ "
        "(at most 64, starting with a letter or a digit)"
    ),
    PHONE_PATTERN: N_(
        "a phone number: digits, spaces, brackets and -, with + in front if needed "
        "(6 to 25 characters)"
    ),
    ATTRIBUTE_CODE_PATTERN: N_(
        "only letters without accents, digits, - and _ (at most 64, no spaces)"
    ),
    LIST_KEY_PATTERN: N_(
        "only letters without accents, digits, ., - and _ (at most 100, no spaces)"
    ),
}
"""What a pattern allows, said in words instead of the regular expression."""

TEXT_TYPE = N_(
    "must be text: one line after the colon, or a text per language on lines of their own "
    "(pl: …, en: …)"
)
"""A visitor-facing text given as a number, a list or a yes/no."""

NONE_YET = N_('"{value}" does not exist, and none are defined yet')


@dataclass(frozen=True)
class Explanation:
    """One problem as a clerk reads it."""

    field: str
    """The path of the input to mark (`[3].office.room`, `[0].end`); "" for a whole file."""
    label: str
    """The field's label in the reader's language ("" for a problem with a whole file)."""
    text: str
    """What is wrong and what is allowed, without the label."""
    value: Any
    """What was typed, to keep in the input (None where nothing single was typed)."""

    def __str__(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text


def message_for(problem: Problem, translate: Translate) -> Explanation:
    """The problem for a clerk: its field's label and what to do, in `translate`'s language."""
    params = dict(problem.params)
    subfield = params.pop("subfield", "")
    field = problem.field
    if subfield:
        field = f"{field}.{subfield}" if field else subfield
    label_field = field
    if problem.code in UNKNOWN_KEY:
        label_field, params["name"] = _parent(field)
    label = field_label(problem.file, label_field, translate)
    if not label and problem.code in UNKNOWN_KEY:
        kind = kind_of(problem.file)
        label = translate(ITEMS[kind]) if kind else ""
    message = _message_id(problem.code, params)
    if problem.code == "dict_type" and is_text(problem.file, field):
        message = TEXT_TYPE
    try:
        text = translate(message).format_map(_Shown(params))
    except (ValueError, IndexError, AttributeError):  # a translation with a broken {}
        text = message.format_map(_Shown(params))
    return Explanation(field, label, text, params.get("value"))


UNKNOWN_KEY = frozenset({"extra_forbidden", "unexpected_keyword_argument"})
"""Codes whose field is a key the model does not have: labelled by the field it is in."""


def _parent(field: str) -> tuple[str, str]:
    """A path split into the path around its last key, and that key."""
    at = max(field.rfind("."), field.rfind("]"))
    if at < 0:
        return "", field
    return field[: at + 1 if field[at] == "]" else at], field[at + 1 :]


def _message_id(code: str, params: Mapping[str, Any]) -> str:
    if code == codes.UNKNOWN_REFERENCE and not params.get("known"):
        return NONE_YET
    if code == "string_pattern_mismatch":
        return PATTERNS.get(str(params.get("pattern")), GENERIC)
    if code in MESSAGES:
        return MESSAGES[code]
    if code.startswith(("date", "datetime", "time")):
        return DATES
    return GENERIC


class _Shown(dict[str, Any]):
    """Parameters as a message shows them (90.0 as 90); one a translation asks for but the
    problem lacks shows as "…" rather than failing the page."""

    def __missing__(self, key: str) -> str:
        return "…"

    def __getitem__(self, key: str) -> Any:
        value = super().__getitem__(key) if key in self else self.__missing__(key)
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return "" if value is None else value

"""The fields of an Open311 call, as a client sent them: query or form, possibly repeated.

GeoReport v2 treats an empty parameter like a missing one; list filters are comma
separated and may also be repeated. One field given twice with different values is an
error, not a guess at which one was meant.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from hub.reports.open311.errors import BadRequest
from kiosk_core.content.model import DEFAULT_LANGUAGE, LANGUAGES

MAX_FIELDS = 200
"""More fields than any real request has (14 fields plus a service's attributes)."""
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Control characters, except tab and line breaks."""
LINE_BREAK = re.compile(r"[\r\n]")


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """An application/x-www-form-urlencoded body, strictly: UTF-8, every field `name=value`."""
    try:
        text = body.decode("utf-8")
        return parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=bool(text),
            encoding="utf-8",
            errors="strict",
            max_num_fields=MAX_FIELDS,
        )
    except UnicodeDecodeError as exc:
        raise BadRequest("the form is not UTF-8 text (percent-encode it as UTF-8)") from exc
    except ValueError as exc:
        if "Max number of fields" in str(exc):
            raise BadRequest(f"too many fields (at most {MAX_FIELDS})") from exc
        raise BadRequest(f"the form is malformed: {exc}") from exc


class Params:
    """Named access to the fields, with the spec's rules for empty and repeated ones."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = items

    def values(self, name: str) -> list[str]:
        return [v.strip() for k, v in self.items if k == name and v.strip()]

    def one(self, name: str, max_length: int = 200, multiline: bool = False) -> str | None:
        """The field's value, or None if it is missing or empty."""
        values = list(dict.fromkeys(self.values(name)))
        if not values:
            return None
        if len(values) > 1:
            raise BadRequest(f"{name} was given more than once, with different values")
        return check_text(name, values[0], max_length, multiline)

    def listed(self, name: str, max_items: int = 1000, max_length: int = 100) -> list[str]:
        """A comma-separated (or repeated) list, duplicates dropped, order kept."""
        items = [part.strip() for v in self.values(name) for part in v.split(",")]
        items = list(dict.fromkeys(p for p in items if p))
        if len(items) > max_items:
            raise BadRequest(f"{name} lists more than {max_items} items")
        for item in items:
            check_text(name, item, max_length)
        return items


def check_text(name: str, value: str, max_length: int, multiline: bool = False) -> str:
    if len(value) > max_length:
        raise BadRequest(f"{name} is too long ({len(value)} characters; at most {max_length})")
    if CONTROL.search(value) or (not multiline and LINE_BREAK.search(value)):
        raise BadRequest(f"{name} contains control characters or line breaks")
    return value


def locale(params: Params) -> str:
    """Our extension: `locale` (pl, en, de, cs, uk; `en-GB` is taken as `en`), default pl."""
    given = params.one("locale", max_length=20)
    if given is None:
        return DEFAULT_LANGUAGE
    lang = re.split(r"[-_]", given, maxsplit=1)[0].lower()
    if lang not in LANGUAGES:
        raise BadRequest(f"locale {given!r} is not offered; use one of {', '.join(LANGUAGES)}")
    return lang

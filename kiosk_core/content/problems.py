"""A problem found in a content source tree, said so that staff can find and fix it.

Each problem has its English text (what `kiosk content check` prints) and, for whoever words
it for a clerk in another language (`kiosk_core.content.problemtext`), a machine-readable
`code` and the `params` the wording needs: pydantic's error type and its context (pattern,
max_length, expected values), or one of the project's own codes below, and the `value` as
typed where there is one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_VALUE_CHARS = 200
"""How much of a typed value a problem keeps: enough to recognise it, never a whole upload."""

# The project's own codes (pydantic's error types are used as they are).
YAML_SYNTAX = "yaml_syntax"
YAML_ENCODING = "yaml_encoding"
YAML_CONTROL_CHARACTERS = "yaml_control_characters"
YAML_UNREADABLE = "yaml_unreadable"
FILE_TOO_BIG = "file_too_big"
YAML_TOO_LARGE = "yaml_too_large"
YAML_TOO_DEEP = "yaml_too_deep"
YAML_SELF_ALIAS = "yaml_self_alias"
DUPLICATE_KEY = "duplicate_key"
NOT_A_FOLDER = "not_a_folder"
FILE_MISSING = "file_missing"
FILE_REQUIRED = "file_required"
NOT_A_MAPPING = "not_a_mapping"
NOT_A_LIST = "not_a_list"
LINK_OUT = "link_out"
DUPLICATE_ID = "duplicate_id"
UNKNOWN_REFERENCE = "unknown_reference"
EMAIL = "email"
BUILT_FIELD = "built_field"
OFF_MAP = "off_map"
UNREACHABLE = "unreachable"
SELF_LINK = "self_link"
PANORAMA = "panorama"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int | None
    field: str
    message: str
    """In English, for the command line and logs."""
    code: str = dataclasses.field(default="", compare=False)
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict, compare=False)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.message}"


class ContentError(Exception):
    """The source tree has problems; all of them are in `problems`."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line or 0, p.field))
        super().__init__(f"{len(self.problems)} problem(s) in the content")


class Refused(ValueError):
    """A value the content model refuses, with a code and the field it is about (a check of
    several fields names the one to change), so it can be worded for a clerk. pydantic wraps
    it in a `value_error`; `kiosk_core.content.source` takes the code and field back out."""

    def __init__(self, code: str, message: str, field: str = "", **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.params = params


def shown_value(value: Any) -> Any:
    """A typed value to keep with a problem: scalars only, long text cut."""
    if isinstance(value, str):
        return value if len(value) <= MAX_VALUE_CHARS else value[:MAX_VALUE_CHARS] + "…"
    if isinstance(value, int) and value.bit_length() > 64:
        return None
    if isinstance(value, bool | int | float) or value is None:
        return value
    return None

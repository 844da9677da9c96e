"""The editor's form of each kind of content, made from the content model itself.

A form is a tree of `FormField`s read off the model's type hints (`form_for`), so every field
the kiosk knows has an input, labelled as kiosk_core.content.fieldlabels labels it, and a
field added to the model appears in the form without a change here. Three plain functions
do the work, no web framework in them:

- `values_of(form, data)`: an item in source form as the inputs show it (name -> text);
- `parse(form, posted, old)`: what a browser posted, back to an item in source form; what
  cannot be read as its type is kept as typed, so that the model's check names it and the
  clerk sees what they typed next to the message;
- `problems_by_input(...)`: the model's problems, worded for a clerk, keyed by the input they
  belong next to.

Inputs are named by dotted paths: `title.pl`, `office.room`, `documents.de` (one document a
line), `keywords.en` (comma-separated), `attributes.0.values.1.name.uk`, `start.date` and
`start.time`. An item saved without a change parses back to exactly the data it came from
(tests/test_editor_forms.py checks every item of the sample content).
"""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from kiosk_core.content.fieldlabels import COMMON, IN_LANGUAGE, LABELS, LANGUAGE_LABELS
from kiosk_core.content.items import BY_NAME, source_form
from kiosk_core.content.model import LANGUAGES, Keywords, Language, Text
from kiosk_core.content.problems import Problem
from kiosk_core.content.problemtext import Explanation, message_for
from kiosk_core.content.source import MEDIA_FIELDS, VIDEO_FIELDS, item_problems
from kiosk_core.i18n import N_

Posted = Mapping[str, list[str]]
"""A posted form: each input's name with its values (several for checkboxes)."""

LONG_TEXTS = frozenset({"body", "description", "summary", "text", "fees", "opening_hours"})
"""Texts that get a box of several lines rather than one line."""
TARGETING = frozenset({"kiosks", "groups", "valid_from", "valid_until"})
"""Fields of every targeted item: which kiosks show it, and when (kiosk_core Targeted)."""
DERIVED = frozenset({"all_day"})
"""Fields the form works out itself: an event is all day when its start has no time."""
REFERENCES = {
    ("services", "category"): "service_category",
    ("events", "category"): "event_category",
}
"""Fields naming another item: a choice among the draft's items of that kind."""
ADMIN_ONLY = {("report_categories", "department"), ("report_categories", "department_email")}
"""Where residents' reports go: only an administrator changes it (hub.reports.routing)."""
CHOICE_LABELS = {
    "info": N_("Information"),
    "warning": N_("Warning"),
    "danger": N_("Danger"),
    "string": N_("One line of text"),
    "text": N_("Longer text"),
    "number": N_("A number"),
    "datetime": N_("A date and time"),
    "singlevaluelist": N_("One choice from a list"),
    "multivaluelist": N_("Several choices from a list"),
    "realtime": N_("Handled one by one (realtime)"),
    "batch": N_("Handled in batches (batch)"),
    "blackbox": N_("No status given back (blackbox)"),
    "after_review": N_("Public after staff have read them"),
    "never": N_("Never public"),
    "rough": N_("Roughly (about 100 m)"),
    "exact": N_("Exactly, with the address"),
    "none": N_("Not at all"),
    **LANGUAGE_LABELS,
}
"""How a choice among fixed values reads in a form."""
SAMPLE_FILES = {
    "settings": "settings.yaml",
    "service_categories": "service_categories.yaml",
    "services": "services/items.yaml",
    "event_categories": "event_categories.yaml",
    "events": "events/items.yaml",
    "report_categories": "report_categories.yaml",
    "alerts": "alerts.yaml",
    "attract": "attract.yaml",
}
"""A file of each kind, which names the kind of an item's problems (for their labels)."""


@dataclass(frozen=True)
class FormField:
    name: str
    """The field's name in the model."""
    path: str
    """Its dotted path in the item without list indexes (`attributes.values.key`): labels."""
    widget: str
    """text, textlist, keywords, line, number, integer, choice, reference, languages, ids,
    points (a line on the map: one point a line), check, day, moment, when, media, group,
    repeat."""
    label: str
    """English message id of its label."""
    required: bool = False
    choices: tuple[str, ...] = ()
    long: bool = False
    reference: str = ""
    """The kind of item a reference names."""
    admin_only: bool = False
    video: bool = False
    default: Any = None
    children: tuple[FormField, ...] = ()


@dataclass(frozen=True)
class Form:
    kind: str
    key: str
    """The kind's part of the content ("services"), which its labels and files use."""
    fields: tuple[FormField, ...]

    @property
    def multipart(self) -> bool:
        """Whether the form uploads files (a poster, a logo)."""
        return any(f.widget == "media" for f in walk_fields(self.fields))


def walk_fields(fields: tuple[FormField, ...]) -> list[FormField]:
    out: list[FormField] = []
    for f in fields:
        out.append(f)
        out.extend(walk_fields(f.children))
    return out


@cache
def form_for(kind: str) -> Form:
    """The form of a kind of item (not the walk's places: hub.content.walk_pages has those)."""
    spec = BY_NAME[kind]
    return Form(kind, spec.key, _fields(spec.model, spec.key, ""))


def _fields(model: type, key: str, prefix: str) -> tuple[FormField, ...]:
    hints = get_type_hints(model, include_extras=True)
    out = []
    for f in dataclasses.fields(model):
        if f.name in DERIVED:
            continue
        path = f"{prefix}{f.name}"
        out.append(_field(f, hints[f.name], key, path))
    # Where and when an item is shown comes last, after what it says.
    return tuple(sorted(out, key=lambda f: f.name in TARGETING))


def label_of(key: str, path: str) -> str:
    own = LABELS.get(key, {})
    return own.get(path) or COMMON.get(path) or own.get(path.rsplit(".", 1)[-1]) or path


def _field(f: dataclasses.Field[Any], hint: Any, key: str, path: str) -> FormField:
    required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    default = None if f.default is dataclasses.MISSING else f.default
    base = dict(name=f.name, path=path, label=label_of(key, path), required=required)
    bare, optional = _bare(hint)
    if bare == Text or bare == _bare(Text)[0]:
        return FormField(widget="text", long=f.name in LONG_TEXTS, **base)  # type: ignore[arg-type]
    if bare == Keywords:
        return FormField(widget="keywords", **base)  # type: ignore[arg-type]
    media = path in MEDIA_FIELDS.get(key, ())
    if media:
        return FormField(widget="media", video=f.name in VIDEO_FIELDS, **base)  # type: ignore[arg-type]
    origin = get_origin(bare)
    if origin is list:
        inner, _ = _bare(get_args(bare)[0])
        if inner == Text or inner == _bare(Text)[0]:
            return FormField(widget="textlist", **base)  # type: ignore[arg-type]
        if inner == Language:
            return FormField(widget="languages", default=list(LANGUAGES), **base)  # type: ignore[arg-type]
        if isinstance(inner, type) and dataclasses.is_dataclass(inner):
            children = _fields(inner, key, f"{path}.")
            return FormField(widget="repeat", children=children, **base)  # type: ignore[arg-type]
        if get_origin(inner) is list:
            return FormField(widget="points", **base)  # type: ignore[arg-type]
        return FormField(widget="ids", **base)  # type: ignore[arg-type]
    if isinstance(bare, type) and dataclasses.is_dataclass(bare):
        children = _fields(bare, key, f"{path}.")
        return FormField(widget="group", children=children, **{**base, "required": not optional})  # type: ignore[arg-type]
    if origin is Literal:
        choices = tuple(str(c) for c in get_args(bare))
        return FormField(widget="choice", choices=choices, default=default, **base)  # type: ignore[arg-type]
    if (key, path) in REFERENCES:
        return FormField(widget="reference", reference=REFERENCES[key, path], **base)  # type: ignore[arg-type]
    if bare is bool:
        return FormField(widget="check", default=bool(default), **base)  # type: ignore[arg-type]
    if bare is int:
        return FormField(widget="integer", default=default, **base)  # type: ignore[arg-type]
    if bare is float:
        return FormField(widget="number", default=default, **base)  # type: ignore[arg-type]
    if bare is date:
        return FormField(widget="day", **base)  # type: ignore[arg-type]
    if bare is datetime:
        return FormField(widget="moment", **base)  # type: ignore[arg-type]
    if origin in (Union, types.UnionType) and {datetime, date} <= set(get_args(bare)):
        return FormField(widget="when", **base)  # type: ignore[arg-type]
    admin_only = (key, path) in ADMIN_ONLY
    return FormField(widget="line", admin_only=admin_only, **base)  # type: ignore[arg-type]


def _bare(hint: Any) -> tuple[Any, bool]:
    """The type inside `X | None` and `Annotated[X, ...]` (but Text stays Text), and whether
    None was allowed."""
    optional = False
    while True:
        origin = get_origin(hint)
        if origin in (Union, types.UnionType):
            rest = [a for a in get_args(hint) if a is not type(None)]
            optional = optional or len(rest) < len(get_args(hint))
            if len(rest) != 1:
                return (Union[tuple(rest)] if len(rest) > 1 else hint), optional  # noqa: UP007
            hint = rest[0]
            continue
        if origin is Annotated and hint != Text:
            inner = get_args(hint)[0]
            if get_origin(inner) is dict:  # a text with constraints of its own
                return hint, optional
            hint = inner
            continue
        return hint, optional


# --- showing an item -----------------------------------------------------------------------


def values_of(form: Form, data: dict[str, Any]) -> dict[str, str | list[str]]:
    """The inputs' values for an item in source form."""
    out: dict[str, str | list[str]] = {}
    _show(form.fields, data, "", out)
    return out


def _show(fields: tuple[FormField, ...], data: Any, prefix: str, out: dict[str, Any]) -> None:
    data = data if isinstance(data, dict) else {}
    for f in fields:
        name = f"{prefix}{f.name}"
        value = data.get(f.name)
        if f.widget == "text":
            text = {"pl": value} if isinstance(value, str) else (value or {})
            for lang in LANGUAGES:
                out[f"{name}.{lang}"] = str(text.get(lang, ""))
        elif f.widget == "textlist":
            entries = [{"pl": e} if isinstance(e, str) else e for e in value or []]
            for lang in LANGUAGES:
                out[f"{name}.{lang}"] = "\n".join(str(e.get(lang, "")) for e in entries).rstrip()
        elif f.widget == "keywords":
            for lang in LANGUAGES:
                out[f"{name}.{lang}"] = ", ".join((value or {}).get(lang, []))
        elif f.widget in ("ids",):
            out[name] = ", ".join(value or [])
        elif f.widget == "points":
            out[name] = "\n".join(", ".join(_plain(c) for c in point) for point in value or [])
        elif f.widget == "languages":
            out[name] = list(value if value is not None else f.default)
        elif f.widget == "check":
            out[name] = "on" if (value if value is not None else f.default) else ""
        elif f.widget in ("when", "moment"):
            day, clock = _split_moment(value)
            out[f"{name}.date"], out[f"{name}.time"] = day, clock
        elif f.widget == "group":
            _show(f.children, value, f"{name}.", out)
        elif f.widget == "repeat":
            entries = value or []
            for index, entry in enumerate([*entries, {}]):
                _show(f.children, entry, f"{name}.{index}.", out)
            out[f"{name}.count"] = str(len(entries) + 1)
        elif value is None:
            out[name] = "" if f.default is None else str(f.default)
        else:
            out[name] = _plain(value)
    return None


def _plain(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _split_moment(value: Any) -> tuple[str, str]:
    """A date or time as the date and time inputs show it: the wall-clock time as written
    (an offset, where a release gave one, is not shown: times are local to the kiosk)."""
    if not isinstance(value, str) or not value:
        return "", ""
    if len(value) == 10:
        return value, ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value, ""
    return moment.date().isoformat(), moment.strftime("%H:%M")


# --- reading a posted form -----------------------------------------------------------------


def parse(
    form: Form,
    posted: Posted,
    old: dict[str, Any] | None = None,
    *,
    uploaded: Mapping[str, str] | None = None,
    may_route: bool = True,
) -> dict[str, Any]:
    """The item a posted form describes, in source form. `old` is the item before (its
    media, and the fields only an administrator may change, are kept from it unless
    replaced); `uploaded` maps a media field's input name to the path of the file just
    stored for it."""
    context = _Reading(posted, uploaded or {}, may_route)
    data = context.read(form.fields, "", old or {})
    if form.kind == "event":
        data = _with_all_day(data)
    return source_form(BY_NAME[form.kind].model, data)


@dataclass
class _Reading:
    posted: Posted
    uploaded: Mapping[str, str]
    may_route: bool

    def one(self, name: str) -> str:
        values = self.posted.get(name) or [""]
        return values[-1] if isinstance(values[-1], str) else ""

    def read(self, fields: tuple[FormField, ...], prefix: str, old: Any) -> dict[str, Any]:
        old = old if isinstance(old, dict) else {}
        data: dict[str, Any] = {}
        for f in fields:
            value = self.field(f, f"{prefix}{f.name}", old.get(f.name))
            if value is not None:
                data[f.name] = value
        return data

    def field(self, f: FormField, name: str, old: Any) -> Any:  # noqa: PLR0911, PLR0912
        widget = f.widget
        if f.admin_only and not self.may_route:
            return old
        if widget == "text":
            text = {lang: self.one(f"{name}.{lang}").strip() for lang in LANGUAGES}
            return {k: v for k, v in text.items() if v} or None
        if widget == "textlist":
            return _lines_by_index({lang: self.one(f"{name}.{lang}") for lang in LANGUAGES})
        if widget == "keywords":
            words = {lang: _split_list(self.one(f"{name}.{lang}")) for lang in LANGUAGES}
            return {k: v for k, v in words.items() if v} or None
        if widget == "ids":
            chosen = [part for raw in self.posted.get(name) or [] for part in _split_list(raw)]
            return list(dict.fromkeys(chosen)) or None
        if widget == "languages":
            chosen = set(self.posted.get(name) or [])
            return [lang for lang in LANGUAGES if lang in chosen]
        if widget == "check":
            return self.one(name) == "on"
        if widget in ("integer", "number"):
            return _number(self.one(name), integer=widget == "integer")
        if widget == "points":
            return _points(self.one(name))
        if widget == "media":
            if name in self.uploaded:
                return self.uploaded[name]
            return None if self.one(f"{name}.remove") == "on" else old
        if widget in ("when", "moment"):
            return _moment(self.one(f"{name}.date"), self.one(f"{name}.time"), old)
        if widget == "group":
            inner = self.read(f.children, f"{name}.", old)
            return inner if inner or f.required else None
        if widget == "repeat":
            return self.repeat(f, name, old)
        value = self.one(name).strip()
        return value or None

    def repeat(self, f: FormField, name: str, old: Any) -> list[dict[str, Any]] | None:
        count = _count(self.one(f"{name}.count"))
        olds = old if isinstance(old, list) else []
        entries = []
        for index in range(count):
            before = olds[index] if index < len(olds) else {}
            entry = self.read(f.children, f"{name}.{index}.", before)
            if self.one(f"{name}.{index}.remove") == "on" or _blank(entry, f.children):
                continue
            entries.append(entry)
        return entries or None


MAX_ENTRIES = 200
"""Entries of a repeated group a form may post: more is not a form a person filled in."""


def _count(raw: str) -> int:
    return min(int(raw), MAX_ENTRIES) if raw.isdigit() else 0


def _blank(entry: dict[str, Any], fields: tuple[FormField, ...]) -> bool:
    """An entry with nothing typed in it (its checkboxes do not count): the empty row a form
    offers for adding one."""
    kinds = {f.name: f.widget for f in fields}
    return not any(v for k, v in entry.items() if kinds.get(k) != "check")


def _lines_by_index(texts: dict[str, str]) -> list[dict[str, str]] | None:
    """One entry a line, the languages' lines side by side by their position."""
    lines = {lang: text.replace("\r\n", "\n").split("\n") for lang, text in texts.items()}
    longest = max((len(v) for v in lines.values()), default=0)
    entries = []
    for index in range(longest):
        entry = {
            lang: ls[index].strip()
            for lang, ls in lines.items()
            if index < len(ls) and ls[index].strip()
        }
        if entry:
            entries.append(entry)
    return entries or None


def _points(raw: str) -> list[list[Any]] | None:
    """One point a line, its numbers separated by a comma, a semicolon or spaces (a decimal
    comma is not taken: 50,3 would be two numbers); what is not a number stays as typed."""
    points = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        parts = [p for p in re.split(r"[,;\s]+", line.strip()) if p]
        if parts:
            points.append([_number(p, integer=False) for p in parts])
    return points or None


def _split_list(raw: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\n]", raw) if part.strip()]


def _number(raw: str, integer: bool) -> Any:
    """A typed number as a number; what is not one stays as typed, for the check to name."""
    text = raw.strip().replace(",", ".").replace(" ", "")
    if not text:
        return None
    try:
        return int(text) if integer else _float(text)
    except ValueError:
        return raw.strip()


def _float(text: str) -> float | int:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _moment(day: str, clock: str, old: Any) -> str | None:
    """A date and an optional time as the model takes them: "2026-05-01" or
    "2026-05-01T18:00:00". The time as it was, offset included, when it did not change."""
    day, clock = day.strip(), clock.strip()
    if not day and not clock:
        return None
    if _split_moment(old) == (day, clock):
        return str(old)
    if not clock:
        return day
    if re.fullmatch(r"\d{1,2}:\d{2}", clock):
        clock = f"{int(clock[:-3]):02d}{clock[-3:]}:00"
    return f"{day}T{clock}"


def _with_all_day(data: dict[str, Any]) -> dict[str, Any]:
    """An event is all day when its start is a date without a time."""
    start = data.get("start")
    all_day = isinstance(start, str) and len(start) == 10
    if all_day:
        return {**data, "all_day": True}
    return data


# --- problems next to their inputs ---------------------------------------------------------


def problems_of(form: Form, data: dict[str, Any]) -> list[Problem]:
    """What the model finds wrong with an item (one item alone; references are choices)."""
    model = BY_NAME[form.kind].model
    return item_problems(model, data, SAMPLE_FILES[form.key])


def problems_by_input(
    form: Form, problems: list[Problem], translate: Callable[[str], str]
) -> dict[str, list[str]]:
    """Each problem's sentence, keyed by the form field it belongs to (`title`,
    `office.room`, `attributes.0.code`); "" for the item as a whole."""
    out: dict[str, list[str]] = {}
    names = {_indexless(n) for n in _names(form.fields, "")}
    for p in problems:
        explained: Explanation = message_for(p, translate)
        key = _field_key(explained.field, names)
        out.setdefault(key, []).append(str(explained))
    return out


def _names(fields: tuple[FormField, ...], prefix: str) -> list[str]:
    out = []
    for f in fields:
        out.append(f"{prefix}{f.name}")
        out.extend(_names(f.children, f"{prefix}{f.name}."))
    return out


def _indexless(path: str) -> str:
    return ".".join(p for p in path.split(".") if not p.isdigit())


def _field_key(field: str, names: set[str]) -> str:
    """The longest field of the form the problem's path lies in (`documents[1].pl` is about
    `documents`, `attributes[0].code` about `attributes.0.code`)."""
    parts = [p for p in re.split(r"[.\[\]]+", field) if p]
    for end in range(len(parts), 0, -1):
        key = ".".join(parts[:end])
        if _indexless(key) in names:
            return key
    return ""


@dataclass(frozen=True)
class Merged:
    """A form refused because someone saved the item meanwhile, filled again for its next
    save: what this person changed over what the other saved."""

    values: dict[str, Any]
    theirs: tuple[str, ...]
    """Inputs only the other person changed: their text is in the form now."""
    both: tuple[str, ...]
    """Inputs both changed: this person's text is in the form, theirs shown beside it."""


def merge(form: Form, base: dict[str, Any], theirs: dict[str, Any], mine: dict[str, Any]) -> Merged:
    """Input values (values_of) of the revision this person started from, of the item as
    the other person saved it, and as this person posted them."""
    values = dict(theirs)
    only_theirs, both = [], []
    choices = {f.name for f in form.fields if f.widget in ("ids", "languages")}
    for name in sorted(set(base) | set(theirs) | set(mine)):
        if name.endswith(".count"):
            continue
        same = _chosen if name in choices else _same
        start, other, own = (same(v.get(name)) for v in (base, theirs, mine))
        mine_changed = name in mine and own != start
        if mine_changed:
            values[name] = mine[name]
        if other != start and other != own:
            (both if mine_changed else only_theirs).append(name)
    for name, value in mine.items():
        values.setdefault(name, value)
    return Merged(values, tuple(only_theirs), tuple(both))


def _same(value: Any) -> Any:
    """A typed value as two of them compare: not the line ends a browser sends."""
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").strip()


def _chosen(value: Any) -> Any:
    """Ticked boxes and comma-separated names as two of them compare: a set."""
    raw = value if isinstance(value, list) else [value or ""]
    return frozenset(p.strip() for v in raw for p in str(v).split(",") if p.strip())


def input_label(form: Form, name: str, translate: Callable[[str], str]) -> str:
    """What a clerk calls an input (`fees.uk`: "Fees (Ukrainian)", `attributes.1.code`:
    "Question: code (2)"), for the pages that list changes."""
    parts = name.split(".")
    if parts[-1] in ("date", "time", "count", "remove", "uploaded"):
        parts = parts[:-1]
    lang = parts.pop() if parts and parts[-1] in LANGUAGES else None
    numbers = [str(int(p) + 1) for p in parts if p.isdigit()]
    label = translate(label_of(form.key, ".".join(p for p in parts if not p.isdigit())))
    if lang:
        label = translate(IN_LANGUAGE).format(
            label=label, language=translate(LANGUAGE_LABELS[lang])
        )
    return f"{label} ({', '.join(numbers)})" if numbers else label


def language_label(lang: str) -> str:
    """The message id of a language's name."""
    return LANGUAGE_LABELS[lang]

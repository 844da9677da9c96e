"""Plain dataclasses that pydantic validates: the constraints, validating, dumping, and reading
data that was validated before.

The content model and the kiosk's configuration are standard dataclasses, so the kiosk screen,
which only reads releases and a configuration checked before, starts without importing
pydantic (on a Raspberry Pi that import and the model classes cost about 50 ms of the start and
13 MB). Whatever reads input from people (content build, the hub, the agent, a changed
configuration file) validates it with pydantic through `validate`, which imports pydantic on
first use. Data validated before is read back by a second reader, `trusted`, which builds the
dataclasses from the JSON without pydantic (only the shape is checked), and `validate_once`
remembers a validated configuration for the next start. bench/content_load.py times the
loading of a large release (this reader's work), bench/ui_bench.py the kiosk's cold start and
RSS; tests/test_config.py checks that a kiosk whose configuration did not change starts
without importing pydantic.

The constraints are `Annotated` metadata that pydantic asks for their part of the schema
(`__get_pydantic_core_schema__`); without pydantic they are inert.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import types
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    TypeVar,
    Union,
    get_args,
    get_origin,
    get_type_hints,
)

from kiosk_core.durable import write_private

if TYPE_CHECKING:
    from pydantic import TypeAdapter

T = TypeVar("T")

STRICT = {"extra": "forbid", "str_strip_whitespace": True}
"""pydantic configuration of every model (`__pydantic_config__`): an unknown field is a typo
and an error, not silently ignored; text is taken without surrounding spaces."""


class Limits:
    """Bounds of a number (ge, gt, le), a string or list's length (min_length, max_length) or
    a string's pattern, as pydantic's Field would take them."""

    __slots__ = ("constraints",)

    def __init__(self, **constraints: Any) -> None:
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        schema = handler(source)
        schema.update(self.constraints)
        return schema


class _Function:
    __slots__ = ("func",)
    wrap = ""
    """The pydantic-core schema function that puts `func` before or after the type's own."""

    def __init__(self, func: Callable[[Any], Any]) -> None:
        self.func = func

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return getattr(core_schema, self.wrap)(self.func, handler(source))


class Before(_Function):
    """A function that turns the raw value into what the type takes (before validation)."""

    wrap = "no_info_before_validator_function"


class After(_Function):
    """A check on the validated value: returns it (maybe cleaned) or raises ValueError."""

    wrap = "no_info_after_validator_function"


class EmailAddress:
    """A string that must be an e-mail address (pydantic's EmailStr)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import EmailStr

        return handler.generate_schema(EmailStr)


class WebAddress:
    """A string that must be an http(s) URL; kept as the normalised string pydantic's HttpUrl
    gives (`https://gmina.pl` becomes `https://gmina.pl/`)."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic import HttpUrl
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(
            str,
            handler.generate_schema(HttpUrl),
            serialization=core_schema.to_string_ser_schema(),
        )


Email = Annotated[str, EmailAddress()]
WebLink = Annotated[str, WebAddress()]


_ADAPTERS: dict[object, TypeAdapter[Any]] = {}
"""One pydantic TypeAdapter a model, made on first use (making one compiles its schema)."""


def _adapter(model: Any) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        from pydantic import TypeAdapter

        adapter = _ADAPTERS[model] = TypeAdapter(model)
    return adapter


def validate(model: type[T], data: Any) -> T:
    """`data` (parsed YAML, TOML or JSON) as a `model`; pydantic's ValidationError says what
    is wrong and where."""
    result: T = _adapter(model).validate_python(data)
    return result


def validate_json(model: type[T], raw: bytes | str) -> T:
    result: T = _adapter(model).validate_json(raw)
    return result


def to_data(value: Any) -> Any:
    """A model as plain JSON data (dates as ISO strings), the way `validate` reads it back."""
    return _adapter(type(value)).dump_python(value, mode="json")


def to_json(value: Any, indent: int | None = None) -> bytes:
    data: bytes = _adapter(type(value)).dump_json(value, indent=indent)
    return data


def describe(error: ValueError) -> str:
    """What a failed validation found, one `place: problem` after the other."""
    return "; ".join(problem_lines(error)) if hasattr(error, "errors") else str(error)


def problem_lines(error: Any) -> list[str]:
    """Each problem pydantic's ValidationError found, as `place: problem` (the problem alone
    where it is the whole input's)."""
    return [
        f"{'.'.join(map(str, e['loc']))}: {problem(e)}" if e["loc"] else problem(e)
        for e in error.errors()
    ]


UNKNOWN_FIELD = ("extra_forbidden", "unexpected_keyword_argument")
"""How pydantic names a field the model does not have (in a model; in a dataclass)."""


def problem(error: Any) -> str:
    """One of pydantic's errors in words for the staff who wrote the file."""
    if error["type"] in UNKNOWN_FIELD:
        return "unknown field; check its spelling"
    if error["type"] == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ")


def validate_once(model: type[T], data: Any, memo: Path, rules: list[str]) -> T:
    """`validate`, remembered: the file `memo` keeps the last data that validated and the
    result, so the same data under the same rules is read back as trusted, without importing
    pydantic. For what a kiosk reads at every start and rarely changes: its configuration.

    The rules are the contents of the files `rules` (the modules that validate) and pydantic's
    version. The key covers the result too, so a damaged memo is not trusted; the memo is no
    defence against someone who may write in its folder (a kiosk's data directory, whose
    releases the screen trusts as well)."""
    try:
        stamp = _stamp(rules)
    except OSError:  # modules not in files (a frozen install): validate every time
        return validate(model, data)
    try:
        kept = json.loads(memo.read_bytes())
        if kept["key"] == _key(data, stamp, kept["value"]):
            return trusted(model, kept["value"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no memo yet, an unreadable one, or one of other data: validate
    value = validate(model, data)
    result = to_data(value)
    kept = {"key": _key(data, stamp, result), "value": result}
    with contextlib.suppress(OSError):  # a read-only or missing folder: validate every time
        write_private(memo, json.dumps(kept).encode("utf-8"))
    return value


def _key(data: Any, stamp: str, result: Any) -> str:
    text = json.dumps([data, stamp, result], sort_keys=True, default=_typed)
    return hashlib.sha256(text.encode()).hexdigest()


def _typed(value: Any) -> list[str]:
    """A value JSON has no type for (a TOML date, a path), with its type: the date
    1979-05-27 and the string "1979-05-27" are different settings."""
    return [type(value).__name__, str(value)]


def _stamp(files: list[str]) -> str:
    digest = hashlib.sha256()
    spec = importlib.util.find_spec("pydantic")  # its version, without importing it
    origin = spec.origin if spec else None
    for name in [*files, *([str(Path(origin).with_name("version.py"))] if origin else [])]:
        with open(name, "rb") as fh:
            digest.update(fh.read())
    return digest.hexdigest()


class ShapeError(ValueError):
    """Trusted data that does not even have the model's shape (a damaged file)."""


Convert = Callable[[Any], Any]
_PLANS: dict[type, tuple[list[tuple[str, Convert | None]], list[str]]] = {}


def trusted(model: type[T], data: Any) -> T:
    """An instance of `model` made from JSON data that was validated before, without
    validating it again: nested objects become their models, ISO strings dates and datetimes,
    strings paths, and fields the data leaves out take their defaults. Only the shape is
    checked (objects where the model has objects, lists where it has lists, required fields
    present); the models' own cross-checks (`__post_init__`) still run."""
    if not isinstance(data, dict):
        raise ShapeError(f"expected an object for {model.__name__}, not {type(data).__name__}")
    plan = _PLANS.get(model)
    if plan is None:
        plan = _PLANS[model] = _plan(model)
    converters, required = plan
    missing = [name for name in required if name not in data]
    if missing:
        raise ShapeError(f"{model.__name__}: missing {', '.join(missing)}")
    unknown = data.keys() - {name for name, _ in converters}
    if unknown:
        raise ShapeError(f"{model.__name__}: unknown {', '.join(sorted(unknown))}")
    values = {}
    for name, convert in converters:
        if name in data:
            value = data[name]
            if convert is not None and value is not None:
                try:
                    value = convert(value)
                except ShapeError as exc:
                    raise ShapeError(f"{name}: {exc}") from None
            values[name] = value
    return model(**values)


def _plan(model: type) -> tuple[list[tuple[str, Convert | None]], list[str]]:
    hints = get_type_hints(model, include_extras=True)
    fields = dataclasses.fields(model)
    converters = [(f.name, _converter(hints[f.name])) for f in fields]
    required = [
        f.name
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    return converters, required


def _converter(annotation: Any) -> Convert | None:
    """How a JSON value becomes a value of `annotation`; None where JSON already has it
    (strings, numbers, booleans, literals, texts; web links are the strings validation gave)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _converter(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return _union([a for a in get_args(annotation) if a is not type(None)])
    if origin is list:
        return _list(_converter(get_args(annotation)[0]))
    if origin is dict:
        return _dict(_converter(get_args(annotation)[1]))
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return lambda value: trusted(annotation, value)
    if annotation is datetime:
        return _iso(datetime.fromisoformat)
    if annotation is date:
        return _iso(date.fromisoformat)
    if annotation is Path:
        return _path
    return None


def _union(members: list[Any]) -> Convert | None:
    converters = [_converter(m) for m in members]
    if all(c is None for c in converters):
        return None
    if len(converters) == 1:
        return converters[0]
    if set(members) == {datetime, date}:  # an all-day event's "2026-05-01", else a time
        return _iso(lambda text: (date if len(text) == 10 else datetime).fromisoformat(text))
    raise TypeError(f"no JSON reading for a union of {members}")


def _list(item: Convert | None) -> Convert:
    def convert(value: Any) -> list[Any]:
        if not isinstance(value, list):
            raise ShapeError(f"expected a list, not {type(value).__name__}")
        if item is None:
            return value
        try:
            return [item(v) for v in value]
        except ShapeError as exc:
            raise ShapeError(f"item {_failing(item, value)}: {exc}") from None

    return convert


def _dict(item: Convert | None) -> Convert:
    def convert(value: Any) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise ShapeError(f"expected an object, not {type(value).__name__}")
        return value if item is None else {k: item(v) for k, v in value.items()}

    return convert


def _iso(parse: Callable[[str], Any]) -> Convert:
    def convert(value: Any) -> Any:
        if not isinstance(value, str):
            raise ShapeError(f"expected an ISO date or time, not {value!r}")
        try:
            return parse(value)
        except ValueError as exc:
            raise ShapeError(str(exc)) from None

    return convert


def _path(value: Any) -> Path:
    if not isinstance(value, str):
        raise ShapeError(f"expected a path, not {value!r}")
    return Path(value)


def _failing(item: Convert, values: list[Any]) -> int:
    """The index of the first value `item` refuses (only on the way to an error)."""
    for index, value in enumerate(values):
        try:
            item(value)
        except ShapeError:
            return index
    return -1

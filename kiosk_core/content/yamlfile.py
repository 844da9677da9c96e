"""Reading one YAML file into plain data plus the line of every value in it.

PyYAML forgets positions once it builds Python objects, so we compose the node tree
ourselves and remember, for each path of keys and indexes, the line it starts on. That
lets a validation error on `events[3].title.pl` point at the exact line staff must edit.

Every YAML file of a content tree is read here, on the hub from strangers' uploads too. An
alias (`*name`) repeats what its anchor (`&name`) holds, so 400 bytes of aliases of aliases
expand to billions of values (a "billion laughs"); an anchor may even contain its own alias.
So before anything is built, the composed node graph is measured as if every alias were
expanded (each node once, so in time proportional to the file) and refused when it would be
larger than any file the size limit lets through without aliases, or nested deeper than
content ever is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kiosk_core.content import problems as codes
from kiosk_core.content.problems import Problem

MAX_YAML_BYTES = 5 * 1024 * 1024
MAX_VALUES = 1_000_000
"""Values (mappings, lists, scalars) a file may hold with its aliases expanded: about what
5 MiB of YAML without aliases holds at the very most."""
MAX_TEXT = 2 * MAX_YAML_BYTES
"""Characters of scalars a file may hold with its aliases expanded."""
MAX_DEPTH = 50
"""Mappings and lists within each other; content needs about six."""

PathKey = tuple[str | int, ...]


@dataclass
class YamlDocument:
    name: str
    data: Any
    lines: dict[PathKey, int] = field(default_factory=dict)

    def line_of(self, path: PathKey) -> int | None:
        """The line of the deepest known part of `path` (errors may name sub-fields)."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


class _Reader:
    def __init__(self, name: str, loader: yaml.SafeLoader):
        self.name = name
        self.loader = loader
        self.lines: dict[PathKey, int] = {}
        self.problems: list[Problem] = []

    def convert(self, node: yaml.Node, path: PathKey) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            self.loader.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.loader.construct_object(key_node, deep=True)
                if not isinstance(key, str | int):
                    key = str(key)
                if key in result:
                    self.problems.append(
                        Problem(
                            self.name,
                            key_node.start_mark.line + 1,
                            dotted(path + (key,)),
                            "this key appears twice in the same block",
                            codes.DUPLICATE_KEY,
                        )
                    )
                result[key] = self.convert(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        try:
            return self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError):
            # A scalar YAML reads as a date or number that is none (2026-02-30, an integer
            # of 5,000 digits): kept as typed, so the field's own check says what is wrong
            # and where, instead of the whole file failing without a line.
            return node.value


class _TooLarge(Exception):
    def __init__(self, node: yaml.Node, message: str, code: str):
        super().__init__(message)
        self.node = node
        self.message = message
        self.code = code


class _Expansion:
    """The size of each node with its aliases expanded: (values, characters, depth),
    memoized per node (aliases share their anchor's node) and capped just over the limits,
    so a bomb is measured in a few steps per node of its text."""

    def __init__(self) -> None:
        self.sizes: dict[int, tuple[int, int, int]] = {}
        self.open: set[int] = set()

    def measure(self, root: yaml.Node) -> None:
        """Raise _TooLarge, at the innermost node that is too large, if `root` is."""
        if self.over(self.size(root)):
            node = root
            while child := next((c for c in _children(node) if self.over(self.size(c))), None):
                node = child
            values, _text, depth = self.size(node)
            if depth > MAX_DEPTH:
                raise _TooLarge(
                    node, f"is nested more than {MAX_DEPTH} levels deep", codes.YAML_TOO_DEEP
                )
            what = f"{MAX_VALUES:,} values" if values > MAX_VALUES else f"{MAX_TEXT:,} characters"
            raise _TooLarge(
                node,
                f"with its aliases (*name) expanded, this part of the file holds more than "
                f"{what}; repeat less through aliases",
                codes.YAML_TOO_LARGE,
            )

    @staticmethod
    def over(size: tuple[int, int, int]) -> bool:
        values, text, depth = size
        return values > MAX_VALUES or text > MAX_TEXT or depth > MAX_DEPTH

    def size(self, node: yaml.Node) -> tuple[int, int, int]:
        key = id(node)
        known = self.sizes.get(key)
        if known is not None:
            return known
        if key in self.open:
            raise _TooLarge(
                node, "an alias (*name) refers to the block it is in", codes.YAML_SELF_ALIAS
            )
        if isinstance(node, yaml.ScalarNode):
            size = (1, len(node.value), 0)
        else:
            self.open.add(key)
            values, text, depth = 1, 0, 0
            for child in _children(node):
                child_values, child_text, child_depth = self.size(child)
                values = min(values + child_values, MAX_VALUES + 1)
                text = min(text + child_text, MAX_TEXT + 1)
                depth = max(depth, min(child_depth + 1, MAX_DEPTH + 1))
            self.open.discard(key)
            size = (values, text, depth)
        self.sizes[key] = size
        return size


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(path: Path, name: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse a YAML file; on failure return no document and the problems that say why.
    (PyYAML's pure-Python parser, not libYAML's: its composer stops deep nesting at Python's
    recursion limit, YAML_TOO_DEEP, where libYAML's, compiled, would recurse until the
    process's stack ran out.)"""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [
            Problem(name, None, "", f"cannot be read: {exc.strerror}", codes.YAML_UNREADABLE)
        ]
    if size > MAX_YAML_BYTES:
        return None, [
            Problem(
                name,
                None,
                "",
                f"is {size:,} bytes, more than the {MAX_YAML_BYTES:,} allowed",
                codes.FILE_TOO_BIG,
                {"megabytes": MAX_YAML_BYTES // (1024 * 1024)},
            )
        ]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                name,
                line,
                "",
                "is not valid UTF-8 text (save it as UTF-8 in your editor)",
                codes.YAML_ENCODING,
            )
        ]
    text = text.removeprefix("\ufeff")
    try:
        loader = yaml.SafeLoader(text)
    except yaml.reader.ReaderError as exc:  # a NUL or another control character
        line = text[: exc.position].count("\n") + 1
        return None, [
            Problem(
                name, line, "", f"is not plain text: {exc.reason}", codes.YAML_CONTROL_CHARACTERS
            )
        ]
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(name, None), []
        _Expansion().measure(node)
        reader = _Reader(name, loader)
        data = reader.convert(node, ())
    except _TooLarge as exc:
        return None, [Problem(name, exc.node.start_mark.line + 1, "", exc.message, exc.code)]
    except RecursionError:
        # The composer itself recurses once per level: very deep nesting ends here, before
        # it could be measured.
        return None, [
            Problem(
                name, None, "", f"is nested more than {MAX_DEPTH} levels deep", codes.YAML_TOO_DEEP
            )
        ]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = mark.line + 1 if mark else None
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        return None, [Problem(name, at, "", f"YAML syntax error: {message}", codes.YAML_SYNTAX)]
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return None, [Problem(name, None, "", f"YAML error: {exc}", codes.YAML_SYNTAX)]
    finally:
        loader.dispose()
    return YamlDocument(name, data, reader.lines), reader.problems

"""Reading one YAML file into plain data plus the line of every value in it.

PyYAML forgets positions once it builds Python objects, so we compose the node tree
ourselves and remember, for each path of keys and indexes, the line it starts on. That
lets a validation error on `events[3].title.pl` point at the exact line staff must edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kiosk.content.problems import Problem

MAX_YAML_BYTES = 5 * 1024 * 1024

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
                        )
                    )
                result[key] = self.convert(value_node, path + (key,))
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, path + (i,)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)


def dotted(path: PathKey) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def read_yaml(path: Path, name: str) -> tuple[YamlDocument | None, list[Problem]]:
    """Parse a YAML file; on failure return no document and the problems that say why."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return None, [Problem(name, None, "", f"cannot be read: {exc.strerror}")]
    if size > MAX_YAML_BYTES:
        return None, [
            Problem(name, None, "", f"is {size:,} bytes, more than the {MAX_YAML_BYTES:,} allowed")
        ]
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(name, line, "", "is not valid UTF-8 text (save it as UTF-8 in your editor)")
        ]
    text = text.removeprefix("\ufeff")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(name, None), []
        reader = _Reader(name, loader)
        data = reader.convert(node, ())
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = " ".join(filter(None, [exc.context, exc.problem])) or "invalid YAML"
        return None, [Problem(name, line, "", f"YAML syntax error: {message}")]
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        return None, [Problem(name, None, "", f"YAML error: {exc}")]
    finally:
        loader.dispose()
    return YamlDocument(name, data, reader.lines), reader.problems

"""Reading the virtual walk from a content source tree: `panoramas/walk.yaml`.

The walk lives beside its photographs in the content folder's `panoramas/` folder, so staff
replace a place's picture and its hotspots in one place. Image paths are relative to the
content folder (`panoramas/rynek.jpg`), like every other media path. The file is optional:
without it the kiosk offers no virtual walk.

A place may instead carry what a build made of its photograph (`textures` and `preview`,
files of the tree) and no `image`: a place written out from a release (the hub's draft, see
kiosk_core/content/unbuild.py), whose photograph stayed at the town hall. It goes into the
next release as it is, until someone gives it an `image` again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from kiosk_core.content import problems as codes
from kiosk_core.content.media import (
    MAX_PANORAMA_BYTES,
    MediaError,
    check_image,
    resolve_media,
)
from kiosk_core.content.model import PanoramaNode, Settings, Walk
from kiosk_core.content.panorama import SUFFIXES, PanoramaError, inspect
from kiosk_core.content.problems import Problem, shown_value
from kiosk_core.content.walkgraph import problems as graph_problems
from kiosk_core.content.yamlfile import YamlDocument, dotted
from kiosk_core.geo import latlong_to_tap

WALK_FILE = "panoramas/walk.yaml"
BUILT_FIELDS = ("textures", "preview")
"""Written into a release by `content build`; never by hand beside an `image`."""


class Loader(Protocol):
    """What this module needs of the source loader (kiosk_core.content.source._Loader)."""

    root: Path
    problems: list[Problem]
    media: dict[str, Path]

    def _read(self, path: Path) -> YamlDocument | None: ...

    def _present(self, path: Path) -> bool: ...

    def _validate(
        self,
        model: Any,
        doc: YamlDocument,
        path: tuple[str | int, ...],
        media_fields: tuple[str, ...] = (),
    ) -> Any: ...


def load_walk(loader: Loader, settings: Settings | None) -> tuple[Walk | None, dict[str, Path]]:
    """The walk and its photographs by reference, or (None, {}) if the tree has none.
    Problems go into `loader.problems`, every one of them."""
    path = loader.root / WALK_FILE
    if not loader._present(path):
        return None, {}
    if not path.resolve().is_relative_to(loader.root.resolve()):
        loader.problems.append(
            Problem(WALK_FILE, None, "", "is a link out of the content folder", codes.LINK_OUT)
        )
        return None, {}
    doc = loader._read(path)
    if doc is None or doc.data is None:
        return None, {}
    if not isinstance(doc.data, dict):
        loader.problems.append(
            Problem(
                doc.name, 1, "", "must be a mapping with 'start:' and 'nodes:'", codes.NOT_A_MAPPING
            )
        )
        return None, {}
    images = _check_images(loader, doc)
    walk = loader._validate(Walk, doc, ())
    if walk is None:
        return None, images
    for where, message, code, params in graph_problems(walk):
        loader.problems.append(
            Problem(doc.name, doc.line_of(where), dotted(where), message, code, params)
        )
    if settings is not None and settings.map is not None:
        for index, node in enumerate(walk.nodes):
            if not _on_map(settings, node):
                where = ("nodes", index, "location")
                loader.problems.append(
                    Problem(
                        doc.name,
                        doc.line_of(where),
                        dotted(where),
                        "lies outside the municipality map (settings.yaml map:)",
                        codes.OFF_MAP,
                    )
                )
    return walk, images


def _check_images(loader: Loader, doc: YamlDocument) -> dict[str, Path]:
    """Check every node's photograph in the raw data, so an otherwise invalid node's missing
    or wrongly shaped image is reported in the same round."""
    images: dict[str, Path] = {}
    nodes = doc.data.get("nodes")
    for index, raw in enumerate(nodes if isinstance(nodes, list) else ()):
        if not isinstance(raw, dict):
            continue
        if "image" not in raw:
            _check_built(loader, doc, index, raw)
            continue
        for name in BUILT_FIELDS:
            if name in raw:
                where = ("nodes", index, name)
                loader.problems.append(
                    Problem(
                        doc.name,
                        doc.line_of(where),
                        dotted(where),
                        "is written by 'kiosk content build'; give only image:",
                        codes.BUILT_FIELD,
                    )
                )
        ref = raw.get("image")
        if not isinstance(ref, str) or ref in images:
            continue
        where = ("nodes", index, "image")
        try:
            found = resolve_media(loader.root, ref, SUFFIXES, MAX_PANORAMA_BYTES)
            inspect(found)
        except (MediaError, PanoramaError) as exc:
            if isinstance(exc, MediaError):
                message, code, params = str(exc), exc.code, dict(exc.params)
            else:
                message, code, params = f"{ref!r} {exc}", codes.PANORAMA, {}
            params["value"] = shown_value(ref)
            loader.problems.append(
                Problem(doc.name, doc.line_of(where), dotted(where), message, code, params)
            )
            continue
        images[ref] = found
    return images


def _check_built(loader: Loader, doc: YamlDocument, index: int, raw: dict[str, Any]) -> None:
    """A place kept as a build made it: its texture and preview files are media of the tree
    (copied into the release like a logo), checked the same way."""
    textures = raw.get("textures")
    files = textures.get("files") if isinstance(textures, dict) else None
    refs: list[tuple[tuple[str | int, ...], Any]] = [
        (("nodes", index, "textures", "files", n), ref)
        for n, ref in enumerate(files if isinstance(files, list) else ())
    ]
    refs.append((("nodes", index, "preview"), raw.get("preview")))
    for where, ref in refs:
        if not isinstance(ref, str) or ref in loader.media:
            continue
        try:
            found = resolve_media(loader.root, ref)
            check_image(found, ref)
        except MediaError as exc:
            params = {**exc.params, "value": shown_value(ref)}
            loader.problems.append(
                Problem(doc.name, doc.line_of(where), dotted(where), str(exc), exc.code, params)
            )
            continue
        loader.media[ref] = found


def _on_map(settings: Settings, node: PanoramaNode) -> bool:
    assert settings.map is not None
    fx, fy = latlong_to_tap(settings.map, node.location.lat, node.location.long)
    return 0.0 <= fx <= 1.0 and 0.0 <= fy <= 1.0

"""The virtual walk in a release: photographs cut into textures, named by their content.

Each node's source `image` is replaced by `textures` (two halves of at most 4096x4096) and a
`preview`; the photograph itself stays at the town hall. Files are written as
`media/<sha256>.jpg` like every other media file, so an unchanged panorama is never sent to
a kiosk twice.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import replace
from pathlib import Path

from kiosk_core.content.manifest import FileEntry, sha256_file
from kiosk_core.content.model import PanoramaNode, PanoramaTextures, Walk
from kiosk_core.content.panorama import cut
from kiosk_core.durable import fsync_path


def build_walk(
    walk: Walk,
    images: dict[str, Path],
    dest: Path,
    entries: list[FileEntry],
    media_names: dict[str, str] | None = None,
) -> Walk:
    """Cut every node's image into `dest/media/`, add the files to `entries`, and return
    the walk as a release carries it. A node built before (textures, no image) keeps its
    files, renamed as `media_names` (source path to release name) says."""
    media = dest / "media"
    done: dict[str, tuple[PanoramaTextures, str]] = {}
    nodes = []
    for node in walk.nodes:
        if node.image is None:  # already built: keep it, its files under their release names
            nodes.append(_renamed(node, media_names or {}))
            continue
        if node.image not in done:
            with tempfile.TemporaryDirectory(dir=dest) as tmp:
                pieces = cut(images[node.image], Path(tmp), "panorama")
                left, right, preview = (
                    _store(p, media, entries) for p in (*pieces.halves, pieces.preview)
                )
            textures = PanoramaTextures(
                width=pieces.width, height=pieces.height, files=[left, right]
            )
            done[node.image] = (textures, preview)
        textures, preview = done[node.image]
        nodes.append(replace(node, image=None, textures=textures, preview=preview))
    return replace(walk, nodes=nodes)


def _renamed(node: PanoramaNode, names: dict[str, str]) -> PanoramaNode:
    textures = node.textures
    if textures is not None:
        textures = replace(textures, files=[names.get(f, f) for f in textures.files])
    preview = names.get(node.preview, node.preview) if node.preview else None
    return replace(node, textures=textures, preview=preview)


def _store(path: Path, media: Path, entries: list[FileEntry]) -> str:
    digest = sha256_file(path)
    name = f"media/{digest}.jpg"
    target = media / f"{digest}.jpg"
    if not target.exists():
        os.replace(path, target)
        fsync_path(target)
        entries.append(FileEntry(path=name, sha256=digest, size=target.stat().st_size))
    return name

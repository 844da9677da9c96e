"""Compiling a validated source tree into a release a kiosk can load.

A release is a folder:

    manifest.json      version, created, expires, every file with sha256 and size
    content.json       the whole validated content, all languages, one document
    media/<sha256>.<ext>   every media file, named by its content

The same source always gives the same content.json and media files. The release is written
into a temporary folder beside OUT and renamed into place at the end, so a failed build never
leaves half a release behind.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kiosk_core.content.manifest import (
    CONTENT_FILE,
    MANIFEST_FILE,
    FileEntry,
    Manifest,
    sha256_file,
)
from kiosk_core.content.sampledates import move_sample
from kiosk_core.content.source import MEDIA_FIELDS, Source, load_source
from kiosk_core.content.walkbuild import build_walk
from kiosk_core.durable import fsync_path
from kiosk_core.validation import to_data


def content_document(source: Source, media_names: dict[str, str]) -> bytes:
    """content.json bytes: deterministic (sorted keys), media refs rewritten to blob names."""
    data = to_data(source.content)
    for key, fields in MEDIA_FIELDS.items():
        owners = [data[key]] if isinstance(data[key], dict) else data[key]
        for owner in owners:
            for field_name in fields:
                *parents, leaf = field_name.split(".")
                target = owner
                for parent in parents:
                    target = target.get(parent) or {}
                if target.get(leaf) is not None:
                    target[leaf] = media_names[target[leaf]]
    if data.get("walk") is None:
        data.pop("walk", None)  # content without a walk: the same document as before walks
    if not data.get("attract"):
        data.pop("attract", None)  # likewise without an attract loop
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def build_release(
    src: Path,
    out: Path,
    version: int = 1,
    created: datetime | None = None,
    expires: datetime | None = None,
    *,
    documents: Mapping[str, Any] | None = None,
    sample_dates: bool = False,
) -> Manifest:
    """Validate `src` and write the release to `out` (replaced whole if it exists);
    `documents` as for `load_source`. With `sample_dates`, a sample tree's events are moved
    to the weeks around the day the release is created (kiosk_core.content.sampledates); a
    town's content never is."""
    source = load_source(src, documents=documents)
    created = created or _default_created()
    if sample_dates:
        content, _moved = move_sample(Path(src), source.content, created.date())
        source = replace(source, content=content)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        manifest = _write_release(source, tmp, version, created, expires)
        _replace_dir(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def _write_release(
    source: Source, dest: Path, version: int, created: datetime, expires: datetime | None
) -> Manifest:
    entries: list[FileEntry] = []
    media_names: dict[str, str] = {}
    (dest / "media").mkdir()
    for ref, path in sorted(source.media.items()):
        digest = sha256_file(path)
        name = f"media/{digest}{path.suffix.lower()}"
        media_names[ref] = name
        target = dest / name
        if not target.exists():
            shutil.copyfile(path, target)
            fsync_path(target)
            entries.append(FileEntry(path=name, sha256=digest, size=target.stat().st_size))
    if source.content.walk is not None:
        walk = build_walk(source.content.walk, source.panoramas, dest, entries, media_names)
        source = replace(source, content=replace(source.content, walk=walk))
    document = content_document(source, media_names)
    (dest / CONTENT_FILE).write_bytes(document)
    fsync_path(dest / CONTENT_FILE)
    entries.append(
        FileEntry(
            path=CONTENT_FILE, sha256=hashlib.sha256(document).hexdigest(), size=len(document)
        )
    )
    manifest = Manifest(
        version=version,
        created=created,
        expires=expires,
        files=sorted(entries, key=lambda e: e.path),
    )
    (dest / MANIFEST_FILE).write_bytes(manifest.to_json())
    fsync_path(dest / MANIFEST_FILE)
    return manifest


def _default_created() -> datetime:
    """Now, or SOURCE_DATE_EPOCH for byte-identical reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), UTC)
    return datetime.now(UTC).replace(microsecond=0)


def _replace_dir(tmp: Path, out: Path) -> None:
    """Put the finished release at `out`; an old one there is moved aside, then removed."""
    for sub in (tmp / "media", tmp):
        fsync_path(sub)
    if out.exists() or out.is_symlink():
        if not out.is_dir() or not (out / MANIFEST_FILE).exists() and any(out.iterdir()):
            raise FileExistsError(
                f"{out} exists and is not a release; refusing to replace it (choose another OUT)"
            )
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(tmp, out)
    fsync_path(out.parent)

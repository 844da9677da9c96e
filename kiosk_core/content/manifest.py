"""The release manifest: which files make a release, with their hashes and sizes."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Annotated

from kiosk_core.content.model import Model
from kiosk_core.validation import After, Limits, to_json

MANIFEST_FILE = "manifest.json"
CONTENT_FILE = "content.json"
HASH_CHUNK = 1024 * 1024


def _safe_release_path(path: str) -> str:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or "\\" in path or not pure.parts:
        raise ValueError(f"path {path!r} leaves the release directory")
    if pure.parts[0] not in (CONTENT_FILE, "media", "panoramas"):
        raise ValueError(f"path {path!r} is not a release file")
    return path


@dataclass(kw_only=True)
class FileEntry(Model):
    path: Annotated[str, After(_safe_release_path)]
    sha256: Annotated[str, Limits(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Limits(ge=0)]


@dataclass(kw_only=True)
class Manifest(Model):
    format: int = 1
    version: Annotated[int, Limits(ge=1)]
    created: datetime
    expires: datetime | None = None
    files: list[FileEntry]

    def to_json(self) -> bytes:
        return to_json(self, indent=1) + b"\n"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

"""The release manifest: which files make a release, with their hashes and sizes."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Annotated

from pydantic import AfterValidator, Field

from kiosk.content.model import Model

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


class FileEntry(Model):
    path: Annotated[str, AfterValidator(_safe_release_path)]
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Field(ge=0)]


class Manifest(Model):
    format: int = 1
    version: Annotated[int, Field(ge=1)]
    created: datetime
    expires: datetime | None = None
    files: list[FileEntry]

    def to_json(self) -> bytes:
        return self.model_dump_json(indent=1).encode() + b"\n"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

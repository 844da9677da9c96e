"""Uploaded content trees waiting for their uploader to confirm them.

An uploaded tree is built and checked at once (hub.content.sourcetree.build_upload, which puts
its files in the blob store), but published only after its uploader has read what it would
change and confirmed it. Until then its file list waits here: a small JSON record in
DATA/staging, named by the sha256 of an unguessable token (the token itself is written
nowhere), readable only with that token by the person who uploaded it, and gone after
`TTL` or once published or cancelled. Every hub process on the data directory sees the same
records; the blobs they name are content-addressed and harmless if never published.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from hub.errors import NotFound
from hub.times import iso, parse
from kiosk_core.content.manifest import FileEntry
from kiosk_core.durable import write_private
from kiosk_core.validation import to_data, validate

STAGING_DIR = "staging"
TTL = timedelta(hours=2)
"""Long enough to read the changes of a large upload and ask a colleague; short enough that
a forgotten one does not linger."""
TOKEN_BYTES = 32


@dataclass(frozen=True)
class StagedUpload:
    token: str
    files: list[FileEntry]
    """The built release's files, all in the blob store: what confirming publishes."""
    uploaded_by: str
    """The user name of whoever uploaded it: only they may publish or cancel it."""
    filename: str
    created: datetime
    expires: datetime


def _folder(data_dir: Path) -> Path:
    folder = data_dir / STAGING_DIR
    folder.mkdir(mode=0o750, exist_ok=True)
    return folder


def _path(data_dir: Path, token: str) -> Path:
    return _folder(data_dir) / (hashlib.sha256(token.encode()).hexdigest() + ".json")


def stage(
    data_dir: Path, files: list[FileEntry], uploaded_by: str, filename: str, now: datetime
) -> StagedUpload:
    """Keep a built upload for its uploader to confirm; returns it with its new token.
    Records past their time are swept away first."""
    sweep(data_dir, now)
    staged = StagedUpload(
        secrets.token_urlsafe(TOKEN_BYTES), list(files), uploaded_by, filename, now, now + TTL
    )
    record = {
        "files": [to_data(f) for f in staged.files],
        "uploaded_by": uploaded_by,
        "filename": filename,
        "created": iso(now),
        "expires": iso(staged.expires),
    }
    write_private(_path(data_dir, staged.token), json.dumps(record).encode())
    return staged


def find(data_dir: Path, token: str, username: str, now: datetime) -> StagedUpload:
    """The upload waiting under `token` for `username`; NotFound when there is none (never
    made, published, cancelled, expired, or someone else's: all look alike)."""
    if not token or len(token) > 100:
        raise NotFound("no such upload")
    path = _path(data_dir, token)
    try:
        record = json.loads(path.read_bytes())
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound("no such upload") from exc
    expires = parse(record["expires"])
    if record["uploaded_by"] != username or now >= expires:
        raise NotFound("no such upload")
    return StagedUpload(
        token,
        [validate(FileEntry, f) for f in record["files"]],
        record["uploaded_by"],
        record["filename"],
        parse(record["created"]),
        expires,
    )


def drop(data_dir: Path, token: str) -> None:
    """Forget an upload (published or cancelled); nothing happens if it is gone already."""
    _path(data_dir, token).unlink(missing_ok=True)


def sweep(data_dir: Path, now: datetime) -> int:
    """Delete the records past their time; returns how many."""
    gone = 0
    for path in _folder(data_dir).glob("*.json"):
        with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
            if now >= parse(json.loads(path.read_bytes())["expires"]):
                path.unlink(missing_ok=True)
                gone += 1
    return gone

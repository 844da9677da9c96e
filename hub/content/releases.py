"""Publishing releases and serving their signed manifests.

A release is a list of files (path, sha256, size) whose blobs are all in the store and whose
content.json the kiosk's own content model accepts. Versions only ever go up: rolling back
publishes an old file list again under a new, higher version. Every way of publishing ends in
`publish`, which refuses a change of where reports go unless the publisher may make it, and
records it when they may (`hub.reports.routingchanges`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Connection, func, select, text

from hub.content import alerts
from hub.content.blobs import BlobStore
from hub.content.signing import Signer
from hub.db import releases
from hub.errors import Invalid, NotFound
from hub.reports import routingchanges
from hub.times import ceil_hour, iso, parse
from kiosk_core.content.changes import compare as compare_items
from kiosk_core.content.changes import release_items
from kiosk_core.content.changes import summary as summarise
from kiosk_core.content.items import Item
from kiosk_core.content.manifest import CONTENT_FILE, FileEntry, Manifest
from kiosk_core.content.model import Content, ReportCategory
from kiosk_core.content.source import MEDIA_FIELDS
from kiosk_core.validation import problem_lines, to_data, validate, validate_json


@dataclass(frozen=True)
class Release:
    version: int
    created: datetime
    files: list[FileEntry]
    content_sha256: str
    published_by: str | None = None
    copy_of: int | None = None
    note: str | None = None
    changes: dict | None = None
    """What it changed against the release before it (`change_summary`); None for releases
    published before the hub recorded it."""

    def summary(self) -> dict:
        return {
            "version": self.version,
            "created": iso(self.created),
            "files": len(self.files),
            "bytes": sum(f.size for f in self.files),
            "published_by": self.published_by,
            "copy_of": self.copy_of,
        }


@dataclass(frozen=True)
class SignedManifest:
    body: bytes
    """Exactly the signed bytes: serve them unchanged."""
    signature: str
    """The `Kiosk-Signature` header value."""
    etag: str


def _from_row(row) -> Release:
    files = [validate(FileEntry, f) for f in json.loads(row.files)]
    return Release(
        row.version,
        parse(row.created),
        files,
        row.content_sha256,
        row.published_by,
        row.copy_of,
        row.note,
        json.loads(row.summary) if row.summary else None,
    )


def latest(conn: Connection) -> Release | None:
    row = conn.execute(select(releases).order_by(releases.c.version.desc()).limit(1)).first()
    return _from_row(row) if row else None


def get_release(conn: Connection, version: int) -> Release:
    row = conn.execute(select(releases).where(releases.c.version == version)).first()
    if row is None:
        raise NotFound(f"no release {version}")
    return _from_row(row)


def list_releases(conn: Connection, limit: int | None = None, offset: int = 0) -> list[Release]:
    """Newest first; `limit` and `offset` page through a long history."""
    query = select(releases).order_by(releases.c.version.desc()).offset(offset)
    rows = conn.execute(query.limit(limit) if limit is not None else query)
    return [_from_row(r) for r in rows]


def count_releases(conn: Connection) -> int:
    return conn.scalar(select(func.count()).select_from(releases)) or 0


def parse_files(raw: list) -> list[FileEntry]:
    """The file list a client sent, each entry checked like a kiosk would check it."""
    problems = []
    files = []
    for i, item in enumerate(raw):
        try:
            files.append(validate(FileEntry, item))
        except ValidationError as exc:
            problems += [f"files[{i}]: {line}" for line in problem_lines(exc)]
    if problems:
        raise Invalid("the file list is not valid", problems)
    return files


def check_release(blobs: BlobStore, files: list[FileEntry]) -> str:
    """Every blob present, content.json valid content referring only to listed media.

    Returns content.json's sha256; raises Invalid with every problem found."""
    problems = []
    paths = [f.path for f in files]
    for path in sorted({p for p in paths if paths.count(p) > 1}):
        problems.append(f"{path}: listed more than once")
    for f in files:
        if not blobs.has(f.sha256, f.size):
            problems.append(f"{f.path}: blob {f.sha256} ({f.size} bytes) has not been uploaded")
    content_entries = [f for f in files if f.path == CONTENT_FILE]
    if not content_entries:
        problems.append(f"{CONTENT_FILE}: missing from the file list")
    if problems:
        raise Invalid("the release is incomplete", problems)
    entry = content_entries[0]
    try:
        content = validate_json(Content, blobs.read(entry.sha256))
    except ValidationError as exc:
        problems = [f"{CONTENT_FILE}: {line}" for line in problem_lines(exc)]
        raise Invalid("content.json is not valid content", problems) from exc
    listed = set(paths)
    for ref in media_refs(content):
        if ref not in listed:
            problems.append(f"{CONTENT_FILE}: refers to {ref}, which is not in the release")
    if problems:
        raise Invalid("content.json refers to files the release lacks", problems)
    return entry.sha256


def media_refs(content: Content) -> list[str]:
    """Every media file the content points at (logo, map, event images)."""
    data = to_data(content)
    refs = []
    for key, fields in MEDIA_FIELDS.items():
        owners = [data[key]] if isinstance(data[key], dict) else data[key]
        for owner in owners:
            for name in fields:
                value = owner
                for part in name.split("."):
                    value = value.get(part) if isinstance(value, dict) else None
                if isinstance(value, str):
                    refs.append(value)
    if content.walk is not None:
        refs.extend(content.walk.media_refs())  # panorama textures and previews
    return refs


def routing_changes(
    conn: Connection, blobs: BlobStore, files: list[FileEntry]
) -> list[routingchanges.RoutingChange]:
    """What publishing `files` (a checked release) would change in where reports go."""
    entry = next(f for f in files if f.path == CONTENT_FILE)
    new = _content_in(blobs.path(entry.sha256))
    return routingchanges.release_changes(latest_content(conn, blobs), new)


def publish(
    conn: Connection,
    blobs: BlobStore,
    files: list[FileEntry],
    now: datetime,
    published_by: str | None = None,
    copy_of: int | None = None,
    *,
    may_route: bool = False,
    note: str | None = None,
) -> Release:
    """Check and record a new release under the next version, carrying the hub's alerts.

    A release that changes where reports go is refused (`RoutingRefused`, nothing stored)
    unless `may_route` (an administrator publishes it); then its changes are recorded."""
    content_sha256 = check_release(blobs, files)
    merged, document = _with_hub_alerts(conn, blobs, files, now)
    if merged is not files:
        content_sha256 = check_release(blobs, merged)
        files = merged
    if conn.dialect.name == "postgresql":
        # Two publishes at once must not both take "last + 1" (SQLite's BEGIN IMMEDIATE
        # already serialises writers).
        conn.execute(text("LOCK TABLE releases IN SHARE ROW EXCLUSIVE MODE"))
    changes = routing_changes(conn, blobs, files)
    routingchanges.check_may_route(changes, may_route)
    version = (conn.scalar(select(func.max(releases.c.version))) or 0) + 1
    files = sorted(files, key=lambda f: f.path)
    summary = change_summary(conn, blobs, content_sha256, document)
    conn.execute(
        releases.insert().values(
            version=version,
            created=iso(now),
            files=json.dumps([to_data(f) for f in files]),
            content_sha256=content_sha256,
            published_by=published_by,
            copy_of=copy_of,
            note=note,
            summary=json.dumps(summary),
        )
    )
    routingchanges.record(conn, changes, published_by, now, version)
    return Release(
        version, parse(iso(now)), files, content_sha256, published_by, copy_of, note, summary
    )


def change_summary(
    conn: Connection, blobs: BlobStore, content_sha256: str, document: dict | None = None
) -> dict:
    """What a release with this content.json (`document`, when the caller has read it
    already) changes against the latest one, counted per kind
    (kiosk_core.content.changes.summary) and naming the release compared with (`against`,
    None for the first). The hub's alerts count as alerts: a release that only carries a new
    or withdrawn one is `alerts_only`."""
    query = select(releases.c.version, releases.c.content_sha256)
    previous = conn.execute(query.order_by(releases.c.version.desc()).limit(1)).first()
    old = _items_in(blobs.path(previous.content_sha256)) if previous is not None else ()
    found = compare_items(old, _items_in(blobs.path(content_sha256), document))
    return {**summarise(found), "against": previous.version if previous is not None else None}


_last_items: tuple[Path, tuple[Item, ...]] | None = None


def _items_in(content_path: Path, document: dict | None = None) -> tuple[Item, ...]:
    """A content.json's items (from `document`, its data, when given). The last ones are
    kept (a blob never changes): the release a publish compares with is mostly the one this
    process published last, so a publish reads no document beyond its own (4,000 items are
    2.6 MB of JSON, some 30 ms to read and 11 MB to keep)."""
    global _last_items
    last = _last_items
    if last is not None and last[0] == content_path:
        return last[1]
    items = tuple(release_items(document if document is not None else content_path.read_bytes()))
    _last_items = (content_path, items)
    return items


def _with_hub_alerts(
    conn: Connection, blobs: BlobStore, files: list[FileEntry], now: datetime
) -> tuple[list[FileEntry], dict]:
    """`files` with content.json replaced by one carrying the hub's alerts on the air now, so
    that publishing content or rolling back never drops a storm warning; and that content."""
    entry = next(f for f in files if f.path == CONTENT_FILE)
    document = json.loads(blobs.read(entry.sha256))
    merged = alerts.merge_alerts(document, alerts.all_alerts(conn), now)
    if merged is document:
        return files, document
    data = json.dumps(merged, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    new = FileEntry(path=CONTENT_FILE, sha256=blobs.put(data), size=len(data))
    return [new if f.path == CONTENT_FILE else f for f in files], merged


def republish(
    conn: Connection, blobs: BlobStore, now: datetime, by: str | None = None
) -> Release | None:
    """The latest release's files again under a new version, with the hub's alerts as they
    are now: how a new or withdrawn alert reaches every kiosk. None before any release."""
    current = latest(conn)
    if current is None:
        return None
    return publish(conn, blobs, current.files, now, by)


def activate(
    conn: Connection,
    blobs: BlobStore,
    version: int,
    now: datetime,
    by: str | None = None,
    *,
    may_route: bool = False,
) -> Release:
    """Roll the fleet back (or forward) to `version`'s files, as a new, higher version (as
    any release: refused if it changes where reports go and `may_route` is not given)."""
    old = get_release(conn, version)
    return publish(conn, blobs, old.files, now, by, copy_of=old.version, may_route=may_route)


def signed_manifest(
    release: Release, signer: Signer, now: datetime, ttl: timedelta
) -> SignedManifest:
    """The manifest kiosks fetch; `expires` moves on the hour, so the bytes (and the ETag)
    stay the same for up to an hour and a polling kiosk mostly gets 304."""
    manifest = Manifest(
        version=release.version,
        created=release.created,
        expires=ceil_hour(now + ttl),
        files=release.files,
    )
    body = manifest.to_json()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    return SignedManifest(body, signer.header(body), etag)


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    candidates = [c.strip().removeprefix("W/") for c in if_none_match.split(",")]
    return "*" in candidates or etag in candidates


def _latest_content_path(conn: Connection, blobs: BlobStore) -> Path | None:
    """The latest release's content.json in the store, or None: only its hash is read, not
    the release's whole file list (this runs for every report a kiosk sends)."""
    query = select(releases.c.content_sha256).order_by(releases.c.version.desc()).limit(1)
    sha256 = conn.scalar(query)
    return blobs.path(sha256) if sha256 is not None else None


def latest_content(conn: Connection, blobs: BlobStore) -> Content | None:
    """The content of the latest release (report categories, municipality), or None."""
    path = _latest_content_path(conn, blobs)
    return _content_in(path) if path is not None else None


@lru_cache(maxsize=4)
def _content_in(content_path: Path) -> Content:
    """Cached by path: a blob is named by its content, so it never changes."""
    return validate_json(Content, content_path.read_bytes())


def service_codes(conn: Connection, blobs: BlobStore) -> frozenset[str]:
    """Report categories of the latest release: the service codes a report may use."""
    path = _latest_content_path(conn, blobs)
    return _codes_in(path) if path is not None else frozenset()


@lru_cache(maxsize=16)
def _codes_in(content_path: Path) -> frozenset[str]:
    return frozenset(c.service_code for c in _content_in(content_path).report_categories)


def report_categories(conn: Connection, blobs: BlobStore) -> dict[str, ReportCategory]:
    """Report categories of the latest release by service code (name, department, e-mail)."""
    path = _latest_content_path(conn, blobs)
    return dict(_categories_in(path)) if path is not None else {}


def municipality(conn: Connection, blobs: BlobStore) -> dict[str, str]:
    """The municipality's name in every language it has, from the latest release."""
    path = _latest_content_path(conn, blobs)
    return dict(_municipality_in(path)) if path is not None else {}


@lru_cache(maxsize=16)
def _categories_in(content_path: Path) -> tuple[tuple[str, ReportCategory], ...]:
    return tuple((c.service_code, c) for c in _content_in(content_path).report_categories)


@lru_cache(maxsize=16)
def _municipality_in(content_path: Path) -> tuple[tuple[str, str], ...]:
    return tuple(_content_in(content_path).settings.municipality.items())

"""Pulling content: poll the signed manifest, fetch missing blobs, install the release.

Steps 1-5 of the protocol's "Fetching (kiosk)". Nothing here can spoil what the kiosk shows:
blobs are written beside the store and renamed in only once their size and sha256 match, a
release is assembled in a hidden folder, fsynced and test-loaded before it is renamed into
place and the `current` link is swapped. Any failure leaves the last good release active (the
agent records the error for the next heartbeat), and the next cycle carries on where this one
stopped: finished blobs are kept, a partial one is resumed with a Range request.

Each download has an overall deadline that grows with what is left to fetch
(`download_deadline`): a hub or a CDN that drips a byte every few seconds is left after it, the
bytes it did send are kept, and the next cycle resumes from there. The agent runs all of this
in a thread of its own, so a long download never holds back reports or heartbeats; asked to
stop, a download ends after the piece it is reading (`cancelled`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import requests
from sqlite_utils import Database

from kiosk.content.release import (
    RELEASES_DIR,
    ReleaseError,
    activate_release,
    current_release_dir,
    load_release,
)
from kiosk.infra.store import get_state, set_state, write_transaction
from kiosk.sync.client import HubClient, HubError, body_chunks, failure
from kiosk.sync.manifest_check import check_manifest, trusted_time
from kiosk_core.content.manifest import MANIFEST_FILE, Manifest, sha256_file
from kiosk_core.durable import fsync_path
from kiosk_core.signature import SIGNATURE_HEADER
from kiosk_core.validation import validate_json

BLOBS_DIR = "blobs"
PARTIAL_DIR = "partial"
SPACE_MARGIN = 64 * 1024 * 1024
"""Bytes left free on the data disk after downloading: the database must still grow."""

DOWNLOAD_BASE = 60.0
"""Seconds every download may take whatever its size: connecting, a slow start, a short file."""
DOWNLOAD_MIN_RATE = 4 * 1024
"""Bytes per second below which a download is given up (32 kbit/s, a poor mobile link): the
deadline is DOWNLOAD_BASE plus the bytes still missing at this rate."""

STATE_ETAG = "manifest_etag"
STATE_TRUSTED = "last_trusted"
STATE_EXPIRES = "content_expires"


class ContentError(Exception):
    """A release that cannot be installed; the message says why."""


class Cancelled(Exception):
    """The agent is stopping: the download was left where it was, to be resumed."""


def download_deadline(missing: int) -> float:
    """Seconds a download of `missing` bytes may take before it is given up."""
    return DOWNLOAD_BASE + max(0, missing) / DOWNLOAD_MIN_RATE


@dataclass
class ContentOutcome:
    action: str
    """`unchanged` (304), `current` (same version), `activated`, or `none` published yet."""
    version: int | None
    downloaded: list[str] = field(default_factory=list)
    downloaded_bytes: int = 0

    def __str__(self) -> str:
        if self.action == "activated":
            return (
                f"activated release {self.version} ({len(self.downloaded)} file(s) downloaded, "
                f"{self.downloaded_bytes} bytes)"
            )
        if self.action == "current":
            return f"release {self.version} is current"
        if self.action == "none":
            return "the hub has published no release yet"
        return "manifest unchanged"


def blob_dir(data_dir: Path) -> Path:
    return Path(data_dir) / BLOBS_DIR


def _parse_time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def active_version(data_dir: Path) -> int | None:
    """The version of the release `current` points at, None with no (readable) release."""
    current = current_release_dir(data_dir)
    if current is None:
        return None
    try:
        return validate_json(Manifest, (current / MANIFEST_FILE).read_bytes()).version
    except (OSError, ValueError):
        return None


def sync_content(
    client: HubClient,
    db: Database,
    data_dir: Path,
    public_key: bytes,
    now: datetime | None,
    cancelled: Callable[[], bool] | None = None,
) -> ContentOutcome:
    """One poll of the manifest; `now` is the wall clock, or None while it is not trusted.
    `cancelled()` is asked while downloading: True ends the sync with `Cancelled`."""
    data_dir = Path(data_dir)
    version = active_version(data_dir)
    etag = get_state(db, STATE_ETAG) if version is not None else None
    try:
        answer = client.request(
            "GET", "/manifest", headers={"If-None-Match": etag} if etag else None
        )
    except HubError as exc:
        if exc.status == 404:  # the hub has published nothing yet
            return ContentOutcome("none", version)
        raise
    if answer.status == 304:
        return ContentOutcome("unchanged", version)
    if answer.status != 200:
        raise HubError(f"GET /manifest: unexpected status {answer.status}")
    body = answer.body
    last_trusted = trusted_time(_parse_time(get_state(db, STATE_TRUSTED)), now)
    manifest = check_manifest(
        body, answer.headers.get(SIGNATURE_HEADER), public_key, version, last_trusted
    )
    if manifest.version == version:
        outcome = ContentOutcome("current", version)
    else:
        outcome = install_release(client, data_dir, body, manifest, cancelled)
    with write_transaction(db):
        trusted = trusted_time(last_trusted, manifest.created)
        assert trusted is not None
        set_state(db, STATE_TRUSTED, trusted.isoformat())
        if manifest.expires is not None:
            set_state(db, STATE_EXPIRES, manifest.expires.isoformat())
        if answer.headers.get("ETag"):
            set_state(db, STATE_ETAG, answer.headers["ETag"])
    return outcome


def install_release(
    client: HubClient,
    data_dir: Path,
    body: bytes,
    manifest: Manifest,
    cancelled: Callable[[], bool] | None = None,
) -> ContentOutcome:
    """Fetch what is missing, assemble, test-load, activate, prune: the whole of steps 4-5."""
    data_dir = Path(data_dir)
    previous = current_release_dir(data_dir)
    outcome = ContentOutcome("activated", manifest.version)
    fetch_blobs(client, data_dir, manifest, outcome, cancelled)
    release = assemble_release(data_dir, body, manifest)
    activate_release(data_dir, release)
    keep = {release.resolve()} | ({previous.resolve()} if previous else set())
    prune_releases(data_dir, keep)
    prune_blobs(data_dir, keep)
    return outcome


def fetch_blobs(
    client: HubClient,
    data_dir: Path,
    manifest: Manifest,
    outcome: ContentOutcome,
    cancelled: Callable[[], bool] | None = None,
) -> None:
    """Make sure every blob of `manifest` is in DATA/blobs, downloading only what is missing."""
    store = blob_dir(data_dir)
    (store / PARTIAL_DIR).mkdir(parents=True, exist_ok=True)
    wanted = {e.sha256: e.size for e in manifest.files}
    missing = {sha: size for sha, size in wanted.items() if not _have_blob(store, sha, size)}
    if not missing:
        return
    local = _blobs_in_releases(data_dir)
    for sha in list(missing):
        if sha in local and _adopt(local[sha], store, sha, missing[sha]):
            del missing[sha]
    _check_space(store, missing)
    for sha, size in sorted(missing.items(), key=lambda item: item[1]):
        download_blob(client, store, sha, size, cancelled)
        outcome.downloaded.append(sha)
        outcome.downloaded_bytes += size


def _have_blob(store: Path, sha: str, size: int) -> bool:
    path = store / sha
    try:
        return path.stat().st_size == size
    except FileNotFoundError:
        return False


def _blobs_in_releases(data_dir: Path) -> dict[str, Path]:
    """Files of installed releases by sha256: a republished old release needs no download."""
    found: dict[str, Path] = {}
    releases = Path(data_dir) / RELEASES_DIR
    if not releases.is_dir():
        return found
    for folder in releases.iterdir():
        try:
            manifest = validate_json(Manifest, (folder / MANIFEST_FILE).read_bytes())
        except (OSError, ValueError):
            continue
        for entry in manifest.files:
            found.setdefault(entry.sha256, folder / entry.path)
    return found


def _adopt(source: Path, store: Path, sha: str, size: int) -> bool:
    """Put a file already on disk into the blob store if it really is that blob."""
    try:
        if source.stat().st_size != size or sha256_file(source) != sha:
            return False
        tmp = store / PARTIAL_DIR / f"{sha}.adopt"
        tmp.unlink(missing_ok=True)
        _link_or_copy(source, tmp)
        os.replace(tmp, store / sha)
    except OSError:
        return False
    return True


def _check_space(store: Path, missing: dict[str, int]) -> None:
    need = sum(missing.values()) + SPACE_MARGIN
    free = shutil.disk_usage(store).free
    if free < need:
        raise ContentError(
            f"not enough disk space for the new release: {need} bytes needed, {free} free"
        )


def download_blob(
    client: HubClient,
    store: Path,
    sha: str,
    size: int,
    cancelled: Callable[[], bool] | None = None,
) -> Path:
    """GET /blobs/<sha> into partial/<sha>, resuming what is there; checked, then moved in.
    Given up (the partial file kept) once `download_deadline` of what was missing passes."""
    partial = store / PARTIAL_DIR / sha
    partial.parent.mkdir(parents=True, exist_ok=True)
    have = partial.stat().st_size if partial.exists() else 0
    if have > size:
        partial.unlink()
        have = 0
    if have < size or size == 0:
        _download(client, partial, sha, size, have, cancelled)
    return _finish_blob(partial, store / sha, sha, size)


def _download(
    client: HubClient,
    partial: Path,
    sha: str,
    size: int,
    have: int,
    cancelled: Callable[[], bool] | None,
) -> None:
    path = f"/blobs/{sha}"
    headers = {"Range": f"bytes={have}-"} if have else {}
    deadline = download_deadline(size - have)
    try:
        with client.stream(path, headers) as response:
            if response.status_code == 206 and have:
                if not response.headers.get("Content-Range", "").startswith(f"bytes {have}-"):
                    partial.unlink(missing_ok=True)
                    raise ContentError(f"blob {sha}: the hub resumed at the wrong offset")
                mode = "ab"
            elif response.status_code == 200:
                mode, have = "wb", 0
            else:
                raise HubError(f"GET {path}: unexpected status {response.status_code}")
            with partial.open(mode) as fh:
                try:
                    for chunk in body_chunks(response, f"GET {path}", deadline):
                        have += len(chunk)
                        if have > size:
                            fh.close()
                            partial.unlink(missing_ok=True)
                            raise ContentError(f"blob {sha}: the hub sent more than {size} bytes")
                        fh.write(chunk)
                        if cancelled is not None and cancelled():
                            raise Cancelled(f"blob {sha}: stopped at {have} of {size} bytes")
                finally:
                    if not fh.closed:  # what came is kept for the next attempt to resume
                        fh.flush()
                        os.fsync(fh.fileno())
    except HubError as exc:
        if exc.status == 416:
            partial.unlink(missing_ok=True)  # our partial does not fit the blob: start over
        raise
    except requests.RequestException as exc:
        raise failure(f"GET {path}", exc) from exc


def _finish_blob(partial: Path, blob: Path, sha: str, size: int) -> Path:
    actual_size = partial.stat().st_size
    if actual_size != size:
        if actual_size > size:
            partial.unlink()
        raise ContentError(f"blob {sha}: got {actual_size} bytes of {size}")
    if sha256_file(partial) != sha:
        partial.unlink()
        raise ContentError(f"blob {sha}: the sha256 of the downloaded bytes does not match")
    os.chmod(partial, 0o444)
    os.replace(partial, blob)
    fsync_path(blob.parent)
    return blob


def _inside(root: Path, relative: str) -> Path:
    """`root/relative`, or ContentError if it would land outside `root`."""
    target = Path(os.path.normpath(root / relative))
    if not relative or os.path.isabs(relative) or not target.is_relative_to(root):
        raise ContentError(f"release path {relative!r} leaves the release folder")
    if target == root:
        raise ContentError(f"release path {relative!r} is not a file")
    return target


def assemble_release(data_dir: Path, body: bytes, manifest: Manifest) -> Path:
    """Build DATA/releases/<version>/ from the blob store, fsynced and test-loaded."""
    data_dir = Path(data_dir)
    releases = data_dir / RELEASES_DIR
    releases.mkdir(parents=True, exist_ok=True)
    final = releases / str(manifest.version)
    tmp = releases / f".{manifest.version}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    root = tmp.resolve()
    store = blob_dir(data_dir)
    try:
        seen: set[Path] = {root / MANIFEST_FILE}
        for entry in manifest.files:
            target = _inside(root, entry.path)
            if target in seen:
                raise ContentError(f"release path {entry.path!r} is listed twice or reserved")
            seen.add(target)
            blob = store / entry.sha256
            if not _have_blob(store, entry.sha256, entry.size):
                raise ContentError(f"blob {entry.sha256} for {entry.path} is missing")
            target.parent.mkdir(parents=True, exist_ok=True)
            _link_or_copy(blob, target)
        (root / MANIFEST_FILE).write_bytes(body)
        _fsync_tree(root)
        try:
            loaded = load_release(root)
        except ReleaseError as exc:
            raise ContentError(f"release {manifest.version} does not load: {exc}") from exc
        if loaded.version != manifest.version:
            raise ContentError(f"release {manifest.version} loads as version {loaded.version}")
        current = current_release_dir(data_dir)
        if final.exists():
            if current is not None and final.resolve() == current:
                raise ContentError(f"release {manifest.version} is already the active one")
            shutil.rmtree(final)
        os.rename(tmp, final)
        fsync_path(releases)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def _link_or_copy(source: Path, target: Path) -> None:
    """A hard link costs no space; another filesystem or a refusing one gets a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _fsync_tree(root: Path) -> None:
    for folder, _dirs, files in os.walk(root):
        for name in files:
            fsync_path(os.path.join(folder, name))
        fsync_path(folder)


def prune_releases(data_dir: Path, keep: set[Path]) -> list[Path]:
    """Delete installed releases not in `keep` and leftovers of interrupted assemblies.
    Folders that are not numbered releases (`local`, built for development) are left alone."""
    releases = Path(data_dir) / RELEASES_DIR
    removed = []
    for folder in releases.iterdir() if releases.is_dir() else []:
        leftover = folder.name.startswith(".") and ".tmp-" in folder.name
        if not (folder.name.isdigit() or leftover) or folder.resolve() in keep:
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def prune_blobs(data_dir: Path, keep: set[Path]) -> list[str]:
    """Delete blobs (and partial downloads) no kept release uses."""
    used: set[str] = set()
    for folder in keep:
        manifest = validate_json(Manifest, (folder / MANIFEST_FILE).read_bytes())
        used.update(e.sha256 for e in manifest.files)
    store = blob_dir(data_dir)
    removed = []
    for path in [*store.glob("*"), *(store / PARTIAL_DIR).glob("*")]:
        if path.is_file() and (path.parent.name == PARTIAL_DIR or path.name not in used):
            path.unlink(missing_ok=True)
            removed.append(path.name)
    return removed

"""Installing a release on a kiosk: blobs fetched (resumable, checked), assembled, activated.

HTTP is real: a small blob server on 127.0.0.1 written here, with Range support and ways to
misbehave (cut a transfer, ignore Range, send the wrong bytes).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from kiosk.content.release import current_release_dir, load_release
from kiosk.sync.client import HubClient, HubError
from kiosk.sync.content import (
    PARTIAL_DIR,
    ContentError,
    ContentOutcome,
    assemble_release,
    blob_dir,
    download_blob,
    fetch_blobs,
    install_release,
)
from kiosk_core.content.build import build_release
from kiosk_core.content.manifest import MANIFEST_FILE, FileEntry, Manifest
from kiosk_core.validation import validate_json
from tests.conftest import tiny_png


class BlobServer:
    """GET /api/v1/blobs/<sha> from a dict, honouring `Range: bytes=N-`."""

    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.cut_after: int | None = None
        """Send only this many bytes of a body (with the full Content-Length), then hang up."""
        self.ignore_range = False
        self.lie: dict[str, bytes] = {}
        """Serve these bytes instead of the real blob."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                pass

            def do_GET(self) -> None:
                range_header = self.headers.get("Range")
                server.requests.append((self.path, range_header))
                match = re.fullmatch(r"/api/v1/blobs/([0-9a-f]{64})", self.path)
                if not match or match[1] not in server.blobs:
                    self.send_error(404)
                    return
                data = server.lie.get(match[1], server.blobs[match[1]])
                start = 0
                if range_header and not server.ignore_range:
                    start = int(re.fullmatch(r"bytes=(\d+)-", range_header)[1])
                    if start >= len(data):
                        self.send_error(416)
                        return
                    self.send_response(206)
                    self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                else:
                    self.send_response(200)
                body = data[start:]
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if server.cut_after is not None:
                    self.wfile.write(body[: server.cut_after])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def add(self, data: bytes) -> str:
        sha = hashlib.sha256(data).hexdigest()
        self.blobs[sha] = data
        return sha

    def add_release(self, release: Path) -> Manifest:
        manifest = validate_json(Manifest, (release / MANIFEST_FILE).read_bytes())
        for entry in manifest.files:
            self.add((release / entry.path).read_bytes())
        return manifest

    def blob_requests(self) -> list[tuple[str, str | None]]:
        return [r for r in self.requests if "/blobs/" in r[0]]

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[BlobServer]:
    blob_server = BlobServer()
    yield blob_server
    blob_server.close()


@pytest.fixture
def client(server: BlobServer) -> HubClient:
    return HubClient(server.url, timeout=(2, 2))


def built(source: Path, tmp_path: Path, version: int, name: str = "built") -> tuple[Path, bytes]:
    out = tmp_path / f"{name}-{version}"
    build_release(source, out, version=version)
    return out, (out / MANIFEST_FILE).read_bytes()


def stock_blobs(data: Path, release: Path) -> Manifest:
    """Put every file of a built release into the kiosk's blob store by hand."""
    manifest = validate_json(Manifest, (release / MANIFEST_FILE).read_bytes())
    store = blob_dir(data)
    store.mkdir(parents=True, exist_ok=True)
    for entry in manifest.files:
        shutil.copyfile(release / entry.path, store / entry.sha256)
    return manifest


def leave_partial(store: Path, sha: str, data: bytes) -> None:
    """What an interrupted download of an earlier cycle left in the kiosk's blob store."""
    (store / PARTIAL_DIR).mkdir(parents=True)
    (store / PARTIAL_DIR / sha).write_bytes(data)


def test_a_release_is_assembled_from_blobs_and_loads(source: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    release, body = built(source, tmp_path, 3)
    manifest = stock_blobs(data, release)
    folder = assemble_release(data, body, manifest)
    assert folder == data / "releases" / "3"
    assert (folder / MANIFEST_FILE).read_bytes() == body
    for entry in manifest.files:
        assert (folder / entry.path).read_bytes() == (release / entry.path).read_bytes()
    assert load_release(folder).version == 3
    assert not [p for p in (data / "releases").iterdir() if p.name.startswith(".")]


def test_a_path_leaving_the_release_folder_is_refused(source: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    release, body = built(source, tmp_path, 3)
    manifest = stock_blobs(data, release)
    good = manifest.files[0]
    for bad_path in ["../escaped", "media/../../escaped", "/etc/escaped", ""]:
        # The model refuses such paths already; the assembler checks again on its own.
        evil = FileEntry(path=bad_path, sha256=good.sha256, size=good.size)
        forged = replace(manifest, files=[*manifest.files, evil])
        with pytest.raises(ContentError, match="leaves the release folder|not a file"):
            assemble_release(data, body, forged)
        assert not (data / "releases" / "3").exists()
        assert not (data / "escaped").exists() and not (data / "releases" / "escaped").exists()
        assert not [p for p in (data / "releases").iterdir() if p.name.startswith(".")]


def test_a_release_that_does_not_load_is_not_installed(source: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    release, body = built(source, tmp_path, 3)
    manifest = stock_blobs(data, release)
    content = next(e for e in manifest.files if e.path == "content.json")
    broken = b'{"format": 1}'
    (blob_dir(data) / content.sha256).write_bytes(broken.ljust(content.size))
    with pytest.raises(ContentError, match="does not load"):
        assemble_release(data, body, manifest)
    assert not (data / "releases" / "3").exists()


def test_missing_blobs_are_downloaded_and_checked(
    server: BlobServer, client: HubClient, source: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    release, _body = built(source, tmp_path, 1)
    manifest = server.add_release(release)
    outcome = ContentOutcome("activated", 1)
    fetch_blobs(client, data, manifest, outcome)
    assert sorted(outcome.downloaded) == sorted({e.sha256 for e in manifest.files})
    for entry in manifest.files:
        blob = blob_dir(data) / entry.sha256
        assert hashlib.sha256(blob.read_bytes()).hexdigest() == entry.sha256
        assert not os.access(blob, os.W_OK) or os.geteuid() == 0
    assert list((blob_dir(data) / PARTIAL_DIR).iterdir()) == []
    server.requests.clear()
    fetch_blobs(client, data, manifest, ContentOutcome("activated", 1))
    assert server.requests == []  # nothing missing: nothing asked


def test_bad_hash_is_refused_and_not_kept(server: BlobServer, client: HubClient, tmp_path) -> None:
    store = tmp_path / "blobs"
    sha = server.add(b"the real bytes")
    server.lie[sha] = b"the fake bytes"  # same size, other content
    with pytest.raises(ContentError, match="sha256"):
        download_blob(client, store, sha, len(b"the real bytes"))
    assert not (store / sha).exists()
    assert not (store / PARTIAL_DIR / sha).exists()


def test_bad_size_is_refused(server: BlobServer, client: HubClient, tmp_path: Path) -> None:
    store = tmp_path / "blobs"
    sha = server.add(b"0123456789")
    server.lie[sha] = b"0123456789 and more"
    with pytest.raises(ContentError, match="more than 10 bytes"):
        download_blob(client, store, sha, 10)
    assert not (store / sha).exists() and not (store / PARTIAL_DIR / sha).exists()
    server.lie[sha] = b"01234"
    with pytest.raises(ContentError, match="got 5 bytes of 10"):
        download_blob(client, store, sha, 10)
    assert not (store / sha).exists()
    # the manifest says 10 bytes but the real blob is larger: refused all the same
    with pytest.raises(ContentError):
        download_blob(client, store, server.add(b"x" * 20), 10)


def test_a_truncated_partial_is_resumed_with_range(
    server: BlobServer, client: HubClient, tmp_path: Path
) -> None:
    store = tmp_path / "blobs"
    data = os.urandom(300_000)
    sha = server.add(data)
    leave_partial(store, sha, data[:123_456])
    download_blob(client, store, sha, len(data))
    assert (store / sha).read_bytes() == data
    assert server.blob_requests() == [(f"/api/v1/blobs/{sha}", "bytes=123456-")]


def test_a_cut_transfer_keeps_its_bytes_and_resumes(
    server: BlobServer, client: HubClient, tmp_path: Path
) -> None:
    store = tmp_path / "blobs"
    data = os.urandom(200_000)
    sha = server.add(data)
    server.cut_after = 70_000
    with pytest.raises(HubError) as failure:
        download_blob(client, store, sha, len(data))
    assert not failure.value.permanent
    kept = (store / PARTIAL_DIR / sha).stat().st_size
    assert 0 < kept <= 70_000
    server.cut_after = None
    download_blob(client, store, sha, len(data))
    assert (store / sha).read_bytes() == data
    assert server.blob_requests()[-1][1] == f"bytes={kept}-"


def test_a_server_ignoring_range_gets_a_fresh_download(
    server: BlobServer, client: HubClient, tmp_path: Path
) -> None:
    store = tmp_path / "blobs"
    data = os.urandom(50_000)
    sha = server.add(data)
    leave_partial(store, sha, data[:10_000])
    server.ignore_range = True
    download_blob(client, store, sha, len(data))
    assert (store / sha).read_bytes() == data


def test_a_corrupt_partial_is_dropped_after_the_hash_check(
    server: BlobServer, client: HubClient, tmp_path: Path
) -> None:
    store = tmp_path / "blobs"
    data = os.urandom(40_000)
    sha = server.add(data)
    leave_partial(store, sha, b"\0" * 10_000)  # power cut garbage
    with pytest.raises(ContentError, match="sha256"):
        download_blob(client, store, sha, len(data))
    download_blob(client, store, sha, len(data))  # the next cycle starts afresh
    assert (store / sha).read_bytes() == data


def test_a_missing_blob_is_a_permanent_hub_error(client: HubClient, tmp_path: Path) -> None:
    with pytest.raises(HubError) as failure:
        download_blob(client, tmp_path / "blobs", "cd" * 32, 5)
    assert failure.value.status == 404 and failure.value.permanent


def test_install_activates_keeps_previous_and_removes_older(
    server: BlobServer, client: HubClient, source: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    versions = {}
    for version, color in [(1, (9, 9, 9)), (2, (30, 200, 30)), (3, (30, 30, 200))]:
        (source / "media" / "map.png").write_bytes(tiny_png(color))
        release, body = built(source, tmp_path, version)
        manifest = server.add_release(release)
        server.requests.clear()
        outcome = install_release(client, data, body, manifest)
        versions[version] = outcome
        assert current_release_dir(data) == (data / "releases" / str(version)).resolve()
        assert load_release(data / "current").version == version
    assert len(versions[1].downloaded) == 3  # content.json, logo, map
    # only the changed map and the content.json that names it were fetched the next times
    assert len(versions[2].downloaded) == 2
    assert len(versions[3].downloaded) == 2
    assert sorted(p.name for p in (data / "releases").iterdir()) == ["2", "3"]
    # blobs of release 1 only are gone; those of 2 and 3 stay
    used = set()
    for version in ("2", "3"):
        m = validate_json(Manifest, (data / "releases" / version / MANIFEST_FILE).read_bytes())
        used |= {e.sha256 for e in m.files}
    assert {p.name for p in blob_dir(data).iterdir() if p.is_file()} == used


def test_a_republished_old_release_reuses_installed_files(
    server: BlobServer, client: HubClient, source: Path, tmp_path: Path
) -> None:
    """Rolling the fleet back publishes release 1's files as version 3: nothing to download
    while release 1's files are still installed."""
    data = tmp_path / "data"
    release1, body1 = built(source, tmp_path, 1)
    install_release(client, data, body1, server.add_release(release1))
    (source / "media" / "map.png").write_bytes(tiny_png((1, 2, 3)))
    release2, body2 = built(source, tmp_path, 2)
    install_release(client, data, body2, server.add_release(release2))
    # release 1 is kept as the previous one; make its blobs vanish from the store
    for entry in validate_json(Manifest, body1).files:
        (blob_dir(data) / entry.sha256).unlink(missing_ok=True)
    body3 = body1.replace(b'"version": 1', b'"version": 3')
    server.requests.clear()
    outcome = install_release(client, data, body3, validate_json(Manifest, body3))
    assert outcome.downloaded == []
    assert server.blob_requests() == []
    assert load_release(data / "current").version == 3

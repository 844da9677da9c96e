"""Temporary files of interrupted uploads do not survive a restart (issue 15, item 13).

A blob upload in progress is written to a temporary file (and a content archive uploaded
through the web form is spooled to one). A hub killed halfway (kill -9, a
power cut) cannot delete it, and such files (up to the 1 GiB blob limit each) piled up over
restarts. The hub keeps its temporary files in DATA/tmp, a folder per running process, and
empties the folders of processes that are gone when it starts, never those of one running.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from pathlib import Path

from hub.context import Hub
from hub.settings import Settings
from tests.hubtools import HubProcess
from tests.test_hub_hostile_publish import admin_session
from tests.webtools import csrf_of

DECLARED = 64 * 1024 * 1024
SENT = 8 * 1024 * 1024


def _files(data: Path) -> dict[Path, int]:
    return {p: p.stat().st_size for p in data.rglob("*") if p.is_file()}


def test_an_upload_cut_off_by_a_killed_hub_is_deleted_when_the_hub_starts_again(
    tmp_path: Path,
) -> None:
    hub = HubProcess(tmp_path)
    data = hub.data
    before = _files(data)
    # Another hub on the same data directory (here: this test process), storing a blob.
    neighbour = Hub.open(Settings(data))
    blob = os.urandom(2000)
    writer = neighbour.blobs.writer(hashlib.sha256(blob).hexdigest(), len(blob))
    writer.write(blob[:1000])
    (theirs,) = (p for p in _files(data) if p not in before)
    port = int(hub.url.rsplit(":", 1)[1])
    client = socket.create_connection(("127.0.0.1", port))
    try:
        sha = hashlib.sha256(b"never finished").hexdigest()
        client.sendall(
            f"PUT /api/v1/blobs/{sha} HTTP/1.1\r\nHost: hub\r\n"
            f"Authorization: Bearer {hub.editor}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {DECLARED}\r\n\r\n".encode()
        )
        client.sendall(b"\0" * SENT)
        deadline = time.monotonic() + 30
        while True:
            new = {
                p: size
                for p, size in _files(data).items()
                if p not in before and p != theirs and size >= SENT // 2
            }
            if new:
                break
            assert time.monotonic() < deadline, "the upload never reached the disk"
            time.sleep(0.05)
        hub.proc.kill()  # kill -9, halfway through the upload
        hub.proc.wait(timeout=10)
        hub.log.close()
    finally:
        client.close()
    left = list(new)
    assert all(p.exists() for p in left)  # what a killed hub cannot clean up

    again = HubProcess(tmp_path)
    try:
        assert not any(p.exists() for p in left), left
        leftovers = {p: size for p, size in _files(data).items() if p not in before and p != theirs}
        assert sum(leftovers.values()) == 0, leftovers
        writer.write(blob[1000:])  # a running hub's upload was left alone
        writer.finish()
        assert neighbour.blobs.read(hashlib.sha256(blob).hexdigest()) == blob
    finally:
        again.stop()
        neighbour.close()
    stored = neighbour.blobs.path(hashlib.sha256(blob).hexdigest())
    assert {p: size for p, size in _files(data).items() if p not in before and p != stored} in (
        {},
        {data / "tmp" / ".lock": 0},  # the lock file hubs take turns on while cleaning
    )


def test_a_content_archive_being_uploaded_is_spooled_in_the_hubs_own_folder(
    tmp_path: Path,
) -> None:
    """A form upload over 1 MiB is spooled to disk by the form parser, which used the
    system's /tmp (a tmpfs on many machines: a 1 GiB upload in memory)."""
    hub = HubProcess(tmp_path)
    try:
        anna = admin_session(hub)
        page = anna.get(f"{hub.url}/admin/releases", timeout=10)
        boundary = "kioskboundary"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
            f"{csrf_of(page.text)}\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f'name="archive"; filename="content.zip"\r\n'
            f"Content-Type: application/zip\r\n\r\n"
        ).encode()
        cookies = "; ".join(f"{k}={v}" for k, v in anna.cookies.items())
        with socket.create_connection(("127.0.0.1", int(hub.url.rsplit(":", 1)[1]))) as sock:
            sock.sendall(
                f"POST /admin/releases/upload HTTP/1.1\r\nHost: hub\r\nCookie: {cookies}\r\n"
                f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                f"Content-Length: {len(head) + DECLARED}\r\n\r\n".encode()
                + head
                + b"\0" * SENT
            )
            deadline = time.monotonic() + 30
            while not (spools := _open_files_under(hub.proc.pid, hub.data / "tmp")):
                assert time.monotonic() < deadline, [
                    os.readlink(fd) for fd in Path(f"/proc/{hub.proc.pid}/fd").iterdir()
                ]
                time.sleep(0.05)
    finally:
        hub.stop()
    assert spools


def _open_files_under(pid: int, folder: Path) -> list[str]:
    """The files process `pid` has open in `folder` (deleted ones too: a spool has no name)."""
    found = []
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(f"{folder}/") and Path(target).parent != folder:
            found.append(target)  # not a process's folder itself (its lock), what is in it
    return found

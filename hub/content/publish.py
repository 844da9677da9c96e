"""The client side of publishing: build locally, upload only what the hub lacks, release.

Building first means staff see content problems before anything is sent, and a release that
changes one text uploads one small content.json, not every panorama again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

from kiosk_core.content.manifest import FileEntry
from kiosk_core.validation import to_data

TIMEOUT = (10, 300)
"""(connect, read) seconds; a read waits for the hub to hash and store a large blob."""
READ_BLOCK = 256 * 1024


class PublishError(Exception):
    """The hub refused or could not be reached; `problems` lists content problems if any."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class _ProgressReader:
    """A file that reports how much has been read, with a length, so requests streams it
    with a Content-Length instead of loading it into memory."""

    def __init__(self, path: Path, size: int, progress: Callable[[int], None]):
        self._fh = path.open("rb")
        self._size = size
        self._progress = progress

    def __len__(self) -> int:
        return self._size

    def __iter__(self):
        while chunk := self.read(READ_BLOCK):
            yield chunk

    def read(self, n: int = -1) -> bytes:
        chunk = self._fh.read(n)
        self._progress(len(chunk))
        return chunk

    def close(self) -> None:
        self._fh.close()


@dataclass
class HubClient:
    url: str
    token: str
    session: requests.Session = field(default_factory=requests.Session)

    def _api(self, path: str) -> str:
        return f"{self.url.rstrip('/')}/api/v1{path}"

    def _send(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        try:
            response = self.session.request(
                method, self._api(path), headers=headers, timeout=TIMEOUT, **kwargs
            )
        except requests.RequestException as exc:
            raise PublishError(f"cannot reach the hub at {self.url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {}
            detail = body.get("detail") or response.reason
            raise PublishError(
                f"the hub refused {method} {path}: {response.status_code} {detail}",
                body.get("problems"),
            )
        return response

    def missing(self, files: list[FileEntry]) -> list[str]:
        wanted = [{"sha256": f.sha256, "size": f.size} for f in files]
        return self._send("POST", "/publish/missing", json={"files": wanted}).json()["missing"]

    def upload(self, path: Path, entry: FileEntry, progress: Callable[[int], None]) -> None:
        reader = _ProgressReader(path, entry.size, progress)
        try:
            self._send(
                "PUT",
                f"/blobs/{entry.sha256}",
                data=reader,
                headers={"Content-Type": "application/octet-stream"},
            )
        finally:
            reader.close()

    def create_release(self, files: list[FileEntry]) -> int:
        body = {"files": [to_data(f) for f in files]}
        return self._send("POST", "/releases", json=body).json()["version"]


def blobs_to_upload(files: list[FileEntry], missing: list[str]) -> list[FileEntry]:
    """One file entry per missing blob (two paths with the same content upload once)."""
    wanted = set(missing)
    out = []
    for entry in files:
        if entry.sha256 in wanted:
            out.append(entry)
            wanted.discard(entry.sha256)
    return out

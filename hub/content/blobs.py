"""The content-addressed blob store: DATA/blobs/<sha256>, each file written once.

A blob is streamed into a temporary file in the hub's scratch folder (DATA/tmp/…), checked
against its name (sha256) and announced size, fsynced and renamed into place, so a reader
never sees half a blob and a failed upload leaves nothing behind (what a killed hub leaves
is deleted when the next one starts). Blobs never change, so anything may cache them forever.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from hub.errors import BadRequest

SHA256 = re.compile(r"^[0-9a-f]{64}$")


def check_sha256(sha256: str) -> str:
    if not SHA256.match(sha256):
        raise BadRequest(f"{sha256!r} is not a sha256 (64 lower-case hex digits)")
    return sha256


BLOB_MODE = 0o644
"""Blobs are published content; the data directory (0750) keeps strangers out."""


class BlobWriter:
    """One upload in progress: `write` chunks, then `finish` (or `abort`)."""

    def __init__(self, store: BlobStore, sha256: str, size: int | None):
        self.store = store
        self.sha256 = check_sha256(sha256)
        self.size = size
        self.written = 0
        self._digest = hashlib.sha256()
        fd, name = tempfile.mkstemp(prefix=f"{sha256[:16]}.", dir=store.tmp_dir)
        self._tmp = Path(name)
        self._fh = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.written += len(chunk)
        if self.size is not None and self.written > self.size:
            self.abort()
            raise BadRequest(f"blob {self.sha256} is longer than its size {self.size}")
        self._digest.update(chunk)
        self._fh.write(chunk)

    def finish(self) -> Path:
        try:
            if self.size is not None and self.written != self.size:
                raise BadRequest(
                    f"blob {self.sha256}: got {self.written} bytes, expected {self.size}"
                )
            if self._digest.hexdigest() != self.sha256:
                raise BadRequest(
                    f"blob content does not match its name: sha256 is "
                    f"{self._digest.hexdigest()}, not {self.sha256}"
                )
            # Public content: readable by the group, so nginx (in the hub's group) can serve
            # blobs straight from disk; mkstemp makes files private.
            os.fchmod(self._fh.fileno(), BLOB_MODE)
            self._fh.flush()
            os.fsync(self._fh.fileno())
            self._fh.close()
            target = self.store.path(self.sha256)
            os.replace(self._tmp, target)
            self.store.fsync_dir()
            return target
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        if not self._fh.closed:
            self._fh.close()
        self._tmp.unlink(missing_ok=True)


class BlobStore:
    def __init__(self, root: Path, tmp_dir: Path):
        """`tmp_dir` holds blobs being written: on the same file system as `root`, so a
        finished one is renamed into place (the hub's scratch folder, hub.scratch)."""
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.tmp_dir = Path(tmp_dir)

    def path(self, sha256: str) -> Path:
        return self.root / check_sha256(sha256)

    def size(self, sha256: str) -> int | None:
        """The stored size, or None when the blob is not here."""
        try:
            return self.path(sha256).stat().st_size
        except FileNotFoundError:
            return None

    def has(self, sha256: str, size: int | None = None) -> bool:
        stored = self.size(sha256)
        return stored is not None and (size is None or stored == size)

    def missing(self, wanted: list[tuple[str, int]]) -> list[str]:
        """The sha256s of `(sha256, size)` pairs not yet stored, each once, in order."""
        seen: set[str] = set()
        out = []
        for sha256, size in wanted:
            if sha256 not in seen and not self.has(sha256, size):
                out.append(sha256)
            seen.add(sha256)
        return out

    def writer(self, sha256: str, size: int | None = None) -> BlobWriter:
        return BlobWriter(self, sha256, size)

    def put(self, data: bytes, sha256: str | None = None) -> str:
        """Store bytes in one go (small blobs, tests); returns the sha256."""
        sha256 = sha256 or hashlib.sha256(data).hexdigest()
        writer = self.writer(sha256, len(data))
        writer.write(data)
        writer.finish()
        return sha256

    def read(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def fsync_dir(self) -> None:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

"""The hub's scratch space: DATA/tmp, a folder of its own for every running hub process.

Uploads in progress (blobs, content archives and what they unpack to, form parts spooled to
disk) are written there and moved into the blob store or deleted when they are done. A hub
killed halfway (kill -9, a power cut, an out-of-memory kill) cannot delete them, and an
interrupted upload may be gigabytes, so every hub empties the folders of processes that are
gone when it starts. Each process holds an exclusive lock (flock) on its own folder while it
runs (on the folder itself, which stays empty while nothing is in progress): a folder whose
lock can be taken belongs to nobody, so several hubs (the CLI, a second server on the same
data directory) never delete each other's uploads. Creating and cleaning happen under a lock
on DATA/tmp itself, so a cleaner never sees a folder before its lock.

Kept inside the data directory, on the same file system as the blob store, so a finished
blob is renamed into place, never copied.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK = ".lock"
"""The file in DATA/tmp whose lock is held while cleaning or making a process's folder."""


class Scratch:
    """This process's folder under DATA/tmp, locked until `close`, which runs by itself when
    the object is dropped or the process exits (a killed process leaves it to the next
    start)."""

    def __init__(self, path: Path, lock: int):
        self.path = path
        self._finalizer = weakref.finalize(self, _remove, path, lock)

    @classmethod
    def open(cls, root: Path) -> Scratch:
        """Empty `root` of the folders of processes that are gone, then make this one's."""
        root.mkdir(parents=True, exist_ok=True)
        with _locked(root):
            clean(root)
            path = Path(tempfile.mkdtemp(prefix=f"{os.getpid()}.", dir=root))
            lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return cls(path, lock)

    def close(self) -> None:
        """Delete the folder and all in it (nothing there outlives the process's work)."""
        self._finalizer()


def _remove(path: Path, lock: int) -> None:
    shutil.rmtree(path, ignore_errors=True)
    os.close(lock)


def clean(root: Path) -> list[Path]:
    """Remove what no running process holds under `root`; returns what was removed. The
    caller holds the lock on `root`."""
    removed = []
    for entry in root.iterdir():
        if entry.name == LOCK:
            continue
        if entry.is_dir() and not entry.is_symlink() and _held(entry):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _held(folder: Path) -> bool:
    """Whether a live process holds the lock of a scratch folder."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@contextmanager
def _locked(root: Path) -> Iterator[None]:
    """The lock on the scratch root itself, for the moments of cleaning and creating."""
    fd = os.open(root / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)

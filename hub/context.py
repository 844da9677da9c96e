"""The hub's moving parts in one object: settings, database, signing key, blob store, clock.

The app, the CLI and the tests all open the same `Hub`, so none of them wires things up
differently from the others.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection, Engine

from hub.content.blobs import BlobStore
from hub.content.signing import Signer, SigningKeyError
from hub.db import make_engine, migrate, transaction
from hub.scratch import Scratch
from hub.settings import Settings
from hub.times import utcnow

LEGACY_TMP = "tmp"
"""DATA/blobs/tmp: where hubs before DATA/tmp kept unfinished uploads (deleted at start)."""


class NotInitialised(SigningKeyError):
    """The data directory was never set up with `kiosk-hub init`."""


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    signer: Signer
    blobs: BlobStore
    scratch: Scratch
    """This process's folder for temporary files (DATA/tmp/…), removed when the process
    ends (or by the next hub to start, if it was killed)."""
    clock: Callable[[], datetime] = field(default=utcnow)
    _write_lock: threading.Lock | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.engine.dialect.name == "sqlite" and self._write_lock is None:
            self._write_lock = threading.Lock()

    @classmethod
    def open(cls, settings: Settings) -> Hub:
        """Open an initialised data directory, bringing the database schema up to date."""
        if not settings.key_path.exists():
            raise NotInitialised(
                f"{settings.data_dir} is not a hub data directory (no {settings.key_path.name}): "
                f"run `kiosk-hub init --data {settings.data_dir}` first"
            )
        signer = Signer.load(settings.key_path)
        engine = make_engine(settings.db_url)
        migrate(engine)
        scratch = Scratch.open(settings.scratch_dir)
        shutil.rmtree(settings.blob_dir / LEGACY_TMP, ignore_errors=True)
        return cls(settings, engine, signer, BlobStore(settings.blob_dir, scratch.path), scratch)

    def now(self) -> datetime:
        return self.clock()

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Connection]:
        """One transaction. SQLite writers of this process queue on a lock first: SQLite's
        own busy handler sleeps in growing steps, so forty threads polling for its write
        lock would spend most of their time asleep while the lock is free."""
        if write and self._write_lock is not None:
            with self._write_lock, transaction(self.engine, write) as conn:
                yield conn
        else:
            with transaction(self.engine, write) as conn:
                yield conn

    def close(self) -> None:
        """Close the database connections (the hub may still be used: they open again)."""
        self.engine.dispose()


def init_data(settings: Settings) -> bool:
    """Create the data directory, the signing key (once) and the database.

    Returns whether a new key was made; an existing key is never replaced, since every
    enrolled kiosk has pinned it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(settings.data_dir, 0o700)
    created = not settings.key_path.exists()
    if created:
        Signer.generate(settings.key_path)
    settings.blob_dir.mkdir(exist_ok=True)
    engine = make_engine(settings.db_url)
    try:
        migrate(engine)
    finally:
        engine.dispose()
    return created

"""The kiosk's local database, shared by the UI and the sync agent.

One SQLite file in WAL mode (`DATA/kiosk.db`): the UI writes reports and touch counters,
the agent reads and delivers them; either process may crash or restart without harming the
other. The schema is versioned: each migration runs once, in order, inside a transaction.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

DB_FILE = "kiosk.db"
BUSY_TIMEOUT_MS = 10_000

REPORT_STATES = ("pending", "sending", "delivered", "attention", "discarded")
"""`attention`: the hub refused to store it; kept, contact and all, until someone sends it
again or decides to discard it (see kiosk.visit.outbox)."""


def _m1_initial(db: Database) -> None:
    states = "'pending', 'sending', 'delivered', 'rejected'"
    db.execute(f"""
        CREATE TABLE reports (
            uuid TEXT PRIMARY KEY,
            ref_code TEXT NOT NULL UNIQUE,
            status_token TEXT NOT NULL UNIQUE,
            kiosk_id TEXT,
            lang TEXT NOT NULL,
            created TEXT NOT NULL,
            service_code TEXT NOT NULL,
            description TEXT NOT NULL,
            lat REAL,
            long REAL,
            address_string TEXT,
            email TEXT,
            phone TEXT,
            first_name TEXT,
            last_name TEXT,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ({states})),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt TEXT,
            last_error TEXT,
            service_request_id TEXT,
            delivered TEXT
        )""")
    db.execute("CREATE INDEX reports_due ON reports (state, next_attempt)")
    db.execute("""
        CREATE TABLE counters (
            hour TEXT NOT NULL,
            metric TEXT NOT NULL,
            key TEXT NOT NULL,
            count INTEGER NOT NULL,
            clock_synced INTEGER NOT NULL DEFAULT 1,
            PRIMARY KEY (hour, metric, key)
        )""")
    db.execute("""
        CREATE TABLE sync_state (
            key TEXT PRIMARY KEY,
            value TEXT,
            updated TEXT NOT NULL
        )""")


def _m2_attention(db: Database) -> None:
    """Reports the hub refused are kept as needing attention, no longer rejected for good.
    Those an older version rejected (their contact details already erased) need attention
    too: once the hub takes them (it now stores unknown categories) staff can send them again.
    SQLite cannot change a CHECK constraint: the table is rebuilt, every row copied."""
    states = "'pending', 'sending', 'delivered', 'attention', 'discarded'"
    db.execute(f"""
        CREATE TABLE reports_v2 (
            uuid TEXT PRIMARY KEY,
            ref_code TEXT NOT NULL UNIQUE,
            status_token TEXT NOT NULL UNIQUE,
            kiosk_id TEXT,
            lang TEXT NOT NULL,
            created TEXT NOT NULL,
            service_code TEXT NOT NULL,
            description TEXT NOT NULL,
            lat REAL,
            long REAL,
            address_string TEXT,
            email TEXT,
            phone TEXT,
            first_name TEXT,
            last_name TEXT,
            state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ({states})),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt TEXT,
            last_error TEXT,
            service_request_id TEXT,
            delivered TEXT
        )""")
    columns = [row[1] for row in db.execute("PRAGMA table_info(reports)").fetchall()]
    names = ", ".join(columns)
    chosen = ", ".join(
        "CASE state WHEN 'rejected' THEN 'attention' ELSE state END" if c == "state" else c
        for c in columns
    )
    db.execute(f"INSERT INTO reports_v2 ({names}) SELECT {chosen} FROM reports")
    db.execute("DROP TABLE reports")
    db.execute("ALTER TABLE reports_v2 RENAME TO reports")
    db.execute("CREATE INDEX reports_due ON reports (state, next_attempt)")


def _m3_answers(db: Database) -> None:
    """Answers to the category's questions, as one JSON object (kiosk_core.reportanswers);
    NULL where none were asked or given."""
    db.execute("ALTER TABLE reports ADD COLUMN attributes TEXT")


MIGRATIONS: list[tuple[int, str, Callable[[Database], None]]] = [
    (1, "reports outbox, touch counters, sync state", _m1_initial),
    (2, "reports the hub refused need attention instead of being rejected", _m2_attention),
    (3, "reports keep the answers to their category's questions", _m3_answers),
]
"""(version, description, function): append only; never edit one that has shipped."""


def open_store(data_dir: Path, durable: bool = True) -> Database:
    """Open (creating and migrating as needed) the kiosk database in `data_dir`.

    `durable=False` is for the sync agent: its writes are bookkeeping that a replay can redo
    (a lost "delivered" mark means the hub is asked again and answers with the same id), so
    it need not wait for the disk twice per report. What a visitor files is always durable.
    """
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        data_dir / DB_FILE,
        timeout=BUSY_TIMEOUT_MS / 1000,
        isolation_level=None,
        check_same_thread=False,
    )
    db = Database(conn)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    _enable_wal(db)
    # A report is stored before the visitor is thanked: commits must survive power loss.
    db.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db)
    return db


@contextmanager
def write_transaction(db: Database) -> Iterator[Database]:
    """BEGIN IMMEDIATE ... COMMIT: takes the write lock up front, so two processes wait in
    turn (busy_timeout) instead of failing when both upgrade a read to a write."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _enable_wal(db: Database) -> None:
    """Switch to WAL; SQLite does not wait on its busy handler for this, so we do."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while db.journal_mode != "wal":
        try:
            db.enable_wal()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def schema_version(db: Database) -> int:
    if "schema_migrations" not in db.table_names():
        return 0
    row = db.execute("SELECT MAX(version) FROM schema_migrations").fetchone()
    return row[0] or 0


def migrate(db: Database) -> list[int]:
    """Apply every migration newer than the database; return the versions applied."""
    db.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied TEXT NOT NULL)"
    )
    applied = []
    for version, description, apply in MIGRATIONS:
        with write_transaction(db):
            # Checked inside the transaction: another process may have just migrated.
            done = db.execute(
                "SELECT 1 FROM schema_migrations WHERE version = ?", [version]
            ).fetchone()
            if done:
                continue
            apply(db)
            db.execute(
                "INSERT INTO schema_migrations (version, description, applied) VALUES (?, ?, ?)",
                [version, description, datetime.now(UTC).isoformat(timespec="seconds")],
            )
        applied.append(version)
    newest = MIGRATIONS[-1][0]
    if schema_version(db) > newest:
        raise RuntimeError(
            f"the database schema ({schema_version(db)}) is newer than this program ({newest}); "
            "upgrade the kiosk software"
        )
    return applied


def get_state(db: Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM sync_state WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_state(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO sync_state (key, value, updated) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated",
        [key, value, datetime.now(UTC).isoformat(timespec="seconds")],
    )

"""The hub's database: SQLAlchemy Core tables, portable between SQLite and PostgreSQL.

Times are ISO 8601 text in UTC (`2026-11-21T14:00:00+00:00`), which sorts correctly as text
in every database. The tables here always describe the latest schema; each change of them
is also an Alembic revision (hub/migrations/versions/, run by hub.schema), which upgrades the
databases made before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    false,
)

from hub.schema import SchemaError, upgrade

BUSY_TIMEOUT_S = 10

metadata = MetaData()

kiosks = Table(
    "kiosks",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("long", Float, nullable=False),
    Column("groups", Text, nullable=False, default="[]"),
    Column("created", String(32), nullable=False),
    Column("retired", String(32), nullable=True),
    # Retired: out of the fleet (no token, no alarms); its reports and statistics stay.
)

tokens = Table(
    "tokens",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), nullable=True),
    Column("name", String(200), nullable=True),
    Column("created", String(32), nullable=False),
    Column("revoked", String(32), nullable=True),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), nullable=False),
    Column("created", String(32), nullable=False),
    Column("expires", String(32), nullable=False),
    Column("used", String(32), nullable=True),
    Column("voided", String(32), nullable=True),
    # Voided: a newer enrolment token was issued for the kiosk, or it was retired.
)

releases = Table(
    "releases",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("created", String(32), nullable=False),
    Column("files", Text, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("published_by", String(200), nullable=True),
    Column("copy_of", Integer, nullable=True),
    Column("note", Text, nullable=True),
    # what the publisher said of it (publishing the draft asks for a short note)
    Column("summary", Text, nullable=True),
    # JSON: what the release changed against the one before (hub.content.changes); NULL for
    # releases published before the hub recorded it
)

reports = Table(
    "reports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), nullable=True),
    # The kiosk it was filed at (Open311's device_id); none for reports from Open311 clients.
    Column("uuid", String(36), nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("received", String(32), nullable=False),
    Column("created", String(32), nullable=False),
    Column("ref_code", String(20), nullable=False),
    Column("status_token", String(100), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("service_code", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("lat", Float, nullable=True),
    Column("long", Float, nullable=True),
    Column("address_string", String(250), nullable=True),
    Column("email", String(254), nullable=True),
    Column("phone", String(32), nullable=True),
    Column("first_name", String(100), nullable=True),
    Column("last_name", String(100), nullable=True),
    Column("status", String(16), nullable=False, default="open"),
    Column("source", String(16), nullable=False, default="kiosk", server_default="kiosk"),
    Column("client", String(200), nullable=True),
    # What an Open311 client sent as device_id and account_id (a kiosk's report: its kiosk id).
    Column("device_id", String(100), nullable=True),
    Column("account_id", String(100), nullable=True),
    Column("open311_token", String(64), nullable=True),
    Column("media_url", String(500), nullable=True),
    Column("attributes", Text, nullable=True),
    Column("updated", String(32), nullable=True),
    Column("status_notes", Text, nullable=True),
    Column("assigned_to", String(64), nullable=True),
    Column("closed", String(32), nullable=True),
    # Staff read the description and published it (if its category allows: hub.reports.disclosure).
    Column("description_public", Boolean, nullable=False, default=False, server_default=false()),
    # The api_key (tokens.hash) an Open311 client filed it with: it may read back all it sent.
    Column("client_key", String(64), nullable=True),
    Column("unsorted", Boolean, nullable=False, default=False, server_default=false()),
    # Received in a category the hub did not know: staff choose one
    # (hub.reports.casework.recategorise).
    Column("flags", Text, nullable=True),
    # JSON: what the hub mended to store the report (hub.reports.intake.mend), null when nothing.
    UniqueConstraint("kiosk_id", "uuid", name="reports_kiosk_uuid"),
)
Index("reports_status_token", reports.c.status_token)
Index("reports_open311_token", reports.c.open311_token)
Index("reports_received", reports.c.received)
Index("reports_kiosk_received", reports.c.kiosk_id, reports.c.received)
REPORT_STATUSES = ("open", "in_progress", "closed")
"""Open311 knows only open and closed: in_progress is open there."""

report_events = Table(
    "report_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False),
    Column("at", String(32), nullable=False),
    Column("actor", String(200), nullable=True),
    Column("kind", String(16), nullable=False),
    # status, answer, assign, emailed, forwarded, remote (a status pulled from a city system),
    # disclose (the description made public or hidden again: note "public" or "hidden")
    Column("status", String(16), nullable=True),
    Column("note", Text, nullable=True),
)
Index("report_events_report", report_events.c.report_id)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False),
    Column("channel", String(16), nullable=False),
    # email (to the department) or open311 (to the city's own system)
    Column("target", String(500), nullable=False),
    Column("state", String(16), nullable=False, default="pending"),
    # pending → (waiting: an Open311 token, no id yet) → done; failed after a permanent error
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", String(32), nullable=False),
    Column("last_error", Text, nullable=True),
    Column("external_id", String(100), nullable=True),
    Column("external_token", String(100), nullable=True),
    Column("created", String(32), nullable=False),
    Column("updated", String(32), nullable=False),
    UniqueConstraint("report_id", "channel", "target", name="deliveries_once"),
)
Index("deliveries_due", deliveries.c.state, deliveries.c.next_attempt)

forward_targets = Table(
    "forward_targets",
    metadata,
    Column("service_code", String(64), primary_key=True),
    Column("endpoint", String(500), nullable=False),
    # The city's Open311 base URL, e.g. https://city.example/open311/v2/
    Column("api_key", Text, nullable=False),
    Column("remote_service_code", String(64), nullable=False),
    Column("jurisdiction_id", String(200), nullable=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("created", String(32), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("role", String(16), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("email", String(254), nullable=True),
    Column("departments", Text, nullable=False, default="[]"),
    # Service codes whose reports this person handles (empty: all).
    Column("lang", String(2), nullable=False, default="pl"),
    Column("created", String(32), nullable=False),
    Column("disabled", String(32), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("username", String(64), ForeignKey("users.username"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created", String(32), nullable=False),
    Column("expires", String(32), nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("severity", String(16), nullable=False),
    Column("text", Text, nullable=False),
    # JSON {lang: text}, pl required
    Column("kiosks", Text, nullable=False, default="[]"),
    Column("groups", Text, nullable=False, default="[]"),
    Column("valid_from", String(32), nullable=True),
    Column("valid_until", String(32), nullable=False),
    Column("created", String(32), nullable=False),
    Column("created_by", String(200), nullable=True),
    Column("withdrawn", String(32), nullable=True),
)

stats = Table(
    "stats",
    metadata,
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), primary_key=True),
    Column("hour", String(13), primary_key=True),
    Column("metric", String(32), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("clock_synced", Boolean, nullable=False, default=True),
    Column("local_hour", String(13), nullable=False),
    Column("received", String(32), nullable=False),
)
Index("stats_local_hour", stats.c.local_hour)

stats_daily = Table(
    "stats_daily",
    metadata,
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), primary_key=True),
    Column("day", String(10), primary_key=True),
    Column("metric", String(32), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("count", BigInteger, nullable=False),
    Column("clock_synced", Boolean, nullable=False, default=True),
)
"""Local-day totals of `stats`, kept up to date on every upload: day and month exports
read 24 times fewer rows."""

heartbeats = Table(
    "heartbeats",
    metadata,
    Column("kiosk_id", String(64), ForeignKey("kiosks.id"), primary_key=True),
    Column("received", String(32), nullable=False),
    Column("sent_at", String(32), nullable=False),
    Column("skew", Float, nullable=False),
    Column("content_version", Integer, nullable=True),
    Column("outbox_depth", Integer, nullable=True),
    Column("last_touch", String(32), nullable=True),
    Column("uptime", Float, nullable=True),
    Column("app_version", String(50), nullable=True),
    Column("errors", Text, nullable=False, default="[]"),
    Column("attention", Integer, nullable=True),
    Column("attention_reports", Text, nullable=True),
)
"""`attention`: reports the kiosk keeps because this hub refused to store them (None from a
kiosk too old to say); `attention_reports`: the oldest of them as JSON (codes and reasons)."""


routing_changes = Table(
    "routing_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("actor", String(200), nullable=True),
    Column("service_code", String(64), nullable=False),
    Column("field", String(32), nullable=False),
    # department, department_email (from a release); forward_endpoint, forward_service_code,
    # forward_jurisdiction, forward_api_key (masked) from the forwarding settings
    Column("old", Text, nullable=True),
    Column("new", Text, nullable=True),
    Column("release", Integer, nullable=True),
)
Index("routing_changes_at", routing_changes.c.at)
"""Who changed where a category's reports go, when, from what to what: shown to
administrators."""

sign_in_failures = Table(
    "sign_in_failures",
    metadata,
    Column("key", String(200), primary_key=True),
    # addr:<address> or user:<user name>@<address>
    Column("failures", Integer, nullable=False),
    Column("last", String(32), nullable=False),
)
Index("sign_in_failures_last", sign_in_failures.c.last)
"""Failed sign-ins per address and per user name at an address (hub.accounts.signinlimits): in the
database, so that every hub process slows the same guesser down."""


content_items = Table(
    "content_items",
    metadata,
    Column("kind", String(32), primary_key=True),
    # settings, service_category, service, event_category, event, report_category, alert,
    # attract, walk, place (kiosk_core.content.items.KINDS)
    Column("item_id", String(64), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("data", Text, nullable=False),
    # JSON: the item as a source tree's YAML holds it (media as `media/...` paths)
    Column("revision", Integer, nullable=False),
    Column("updated_by", String(200), nullable=True),
    Column("updated_at", String(32), nullable=False),
    Column("checked", Text, nullable=True),
    # JSON {field path: {language: digest of the Polish text the translation was last
    # written or confirmed against}} (hub.content.translating); NULL: nothing recorded
)
Index("content_items_order", content_items.c.kind, content_items.c.position)
"""The shared draft of the kiosks' content (hub.content.draft): one row per item, saved only
over the revision its editor started from."""

content_draft = Table(
    "content_draft",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("base_version", Integer, nullable=True),
    # the release the draft last took in (seeded from, followed or published as)
    Column("changes", Integer, nullable=False),
    # saves and deletes ever made in the draft
    Column("base_changes", Integer, nullable=False),
    # `changes` when it took in base_version: more since means unpublished edits
)
"""Where the draft stands against the releases (hub.content.draft): a release published by
other means (an upload, `kiosk-hub publish`, a rollback) is taken into a draft without edits,
and is never undone by publishing a draft with edits unless someone says so."""

content_history = Table(
    "content_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("data", Text, nullable=True),
    # the item as saved; NULL: deleted
    Column("who", String(200), nullable=True),
    Column("at", String(32), nullable=False),
    Column("note", Text, nullable=True),
)
Index("content_history_item", content_history.c.kind, content_history.c.item_id)
"""Every save and delete of a draft item, with who and when."""

content_media = Table(
    "content_media",
    metadata,
    Column("path", String(500), primary_key=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
)
"""The draft's media: the path items name (`media/<sha256>.png`) and the blob that holds it."""


SQLITE_SYNCHRONOUS = "FULL"
"""WAL + FULL: each commit syncs the WAL before it returns, so what the hub acknowledges
(a report, statistics, a heartbeat) survives a power cut. NORMAL would sync only at
checkpoints: a crash of the machine could lose the last commits, after the kiosk had
erased the reporter's contact details on the hub's word. bench/hub_reports.py measures the
cost (a module constant, so that bench can run a baseline with NORMAL)."""


def make_engine(url: str) -> Engine:
    """An engine whose commits are durable when they return; for SQLite also WAL, foreign
    keys, a busy timeout and explicit BEGINs."""
    if not url.startswith("sqlite"):
        engine = create_engine(url, pool_pre_ping=True)
        if engine.dialect.name == "postgresql":
            event.listen(engine, "connect", _durable_postgres_commits)
        return engine
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_S},
        # More connections than worker threads (40) plus the event loop: a request never
        # waits for the pool, only (briefly) for the write lock. They are cheap in SQLite.
        pool_size=8,
        max_overflow=48,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # pysqlite's own transaction handling is off; we emit BEGIN ourselves (below).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute(f"PRAGMA synchronous = {SQLITE_SYNCHRONOUS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A writer takes the lock up front: two writers wait in turn (busy timeout) instead
        # of one failing when both try to upgrade a read snapshot to a write.
        immediate = conn.get_execution_options().get("hub_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _durable_postgres_commits(dbapi_conn: Any, _record: Any) -> None:
    """A server (or role, or database) set to `synchronous_commit = off` would acknowledge
    commits it may still lose; turn it back on for the hub's sessions. Every other value
    (local, remote_write, on, remote_apply) flushes the commit to the local disk first."""
    cursor = dbapi_conn.cursor()
    cursor.execute("SHOW synchronous_commit")
    if cursor.fetchone()[0] == "off":
        cursor.execute("SET synchronous_commit = on")
    cursor.close()
    dbapi_conn.commit()


@contextmanager
def transaction(engine: Engine, write: bool = True) -> Iterator[Connection]:
    """One transaction: committed when the block ends, rolled back if it raises."""
    with engine.connect() as conn:
        conn.execution_options(hub_write=write)
        with conn.begin():
            yield conn


def migrate(engine: Engine) -> list[str]:
    """Bring the database to the latest schema (hub.schema); returns the revisions it got
    now, oldest first.

    On SQLite, foreign keys are off during the upgrade: a revision that rebuilds a table
    (batch mode) drops the old one, which SQLite refuses (or empties its children) while
    another table refers to it. They cannot be switched inside a transaction, so they are
    switched around it, and the upgrade commits only if it broke no reference that held."""
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        try:
            conn.execution_options(hub_write=True)
            with conn.begin():
                broken = _broken_references(conn) if sqlite else set()
                applied = upgrade(conn, metadata)
                if sqlite and (new := _broken_references(conn) - broken):
                    raise SchemaError(f"the upgrade broke references: {sorted(new)}")
            return applied
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys = ON")


def _broken_references(conn: Connection) -> set[tuple]:
    """SQLite's foreign_key_check: (table, rowid, parent, constraint) of every row whose
    parent is missing."""
    return {tuple(row) for row in conn.exec_driver_sql("PRAGMA foreign_key_check")}


def upsert(conn: Connection, table: Table, rows: Iterable[dict], keys: tuple[str, ...]) -> int:
    """Insert rows, or overwrite the non-key columns where the key already exists."""
    rows = list(rows)
    if not rows:
        return 0
    conn.execute(_upsert_statement(conn.dialect.name, table, keys), rows)
    return len(rows)


@lru_cache(maxsize=32)
def _upsert_statement(dialect: str, table: Table, keys: tuple[str, ...]):
    """Built once per table: constructing `excluded` costs more than running the statement."""
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:  # pragma: no cover - other databases are not supported
        raise NotImplementedError(f"upsert on {dialect}")
    stmt = insert(table)
    update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in keys}
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=update)

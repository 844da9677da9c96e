"""Hub databases made by earlier code (schema 1, 2 and 6 of the hand-written migrations before
Alembic) are upgraded in place by the Alembic revisions, keeping every row, on SQLite and, where
HUB_TEST_POSTGRES names a server, on PostgreSQL; the revisions build exactly the schema the Table
definitions in hub.db describe, so a Table changed without a revision fails here."""

import os
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import (
    Column,
    DefaultClause,
    Engine,
    MetaData,
    Table,
    Text,
    create_engine,
    false,
    inspect,
    select,
    text,
    true,
    update,
)

import hub.schema
from hub.accounts.signinlimits import Limits, admit
from hub.accounts.tokens import authenticate, redeem_enrolment
from hub.accounts.users import list_users
from hub.cli import main
from hub.db import heartbeats, make_engine, metadata, migrate, report_events, reports, tokens
from hub.fleet.heartbeats import status
from hub.fleet.kiosks import list_kiosks
from hub.reports.routingchanges import RoutingChange, record
from hub.schema import (
    MIGRATIONS_DIR,
    SchemaError,
    current,
    differences,
    head,
    new_revision,
    revisions,
    upgrade_to,
)
from hub.times import parse
from tests.hubtools import _fresh_postgres

DATA = Path(__file__).parent / "data"
V1_DUMP = DATA / "hub_v1.sql"
"""Made by the code of schema 1, with one kiosk and one report."""
V2_DUMP = DATA / "hub_v2.sql"
"""Made by the code of schema 2 (`migrate` on an empty file), with two reports in it."""
V2_ACCOUNTS_DUMP = DATA / "hub_v2_accounts.sql"
"""Made by the code of schema 2 with kiosks, tokens of every role and accounts."""
V6_DUMP = DATA / "hub_v6.sql"
"""Made by the code of schema 6, the last before Alembic, with rows in every table."""
LEGACY = "schema_migrations"

ON_POSTGRES = bool(os.environ.get("HUB_TEST_POSTGRES"))
DATABASES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not ON_POSTGRES, reason="set HUB_TEST_POSTGRES to a server's URL"),
    ),
]


def newer_than(revision: str) -> list[str]:
    return revisions(after=revision)


@pytest.fixture(params=DATABASES)
def restore(request, tmp_path: Path) -> Iterator[Callable[[Path | None], Engine]]:
    """`restore(dump)`: an engine on a database with the dump's tables and rows (None: an
    empty database), on SQLite or, for the postgresql parameter, on a fresh PostgreSQL
    database."""
    engines: list[Engine] = []

    def make(dump: Path | None) -> Engine:
        path = tmp_path / f"hub{len(engines)}.db"
        if dump is not None:
            with sqlite3.connect(path) as db:
                db.executescript(dump.read_text(encoding="utf-8"))
        if request.param == "sqlite":
            engine = make_engine(f"sqlite:///{path}")
        else:
            engine = make_engine(_fresh_postgres(os.environ["HUB_TEST_POSTGRES"]))
            if dump is not None:
                _copy_to_postgres(path, engine)
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


def _copy_to_postgres(sqlite_path: Path, target: Engine) -> None:
    """The SQLite database's tables made on PostgreSQL as the hub's code made them there
    (from the same definitions), with every row: a dump's database on PostgreSQL."""
    source = create_engine(f"sqlite:///{sqlite_path}")
    tables = MetaData()
    tables.reflect(source)
    for table in tables.tables.values():
        for column in table.columns:
            # The hub's integer keys autoincrement only when named id (releases.version and
            # schema_migrations.version are given); SQLite's 0 and 1 are PostgreSQL's booleans.
            if column.primary_key and column.name != "id":
                column.autoincrement = False
            default = column.server_default
            if default is not None and str(column.type) == "BOOLEAN":
                value = true() if default.arg.text == "1" else false()
                column.server_default = DefaultClause(value)
    try:
        with source.connect() as old, target.begin() as new:
            tables.create_all(new)
            for table in tables.sorted_tables:
                rows = [dict(row._mapping) for row in old.execute(table.select())]
                if rows:
                    new.execute(table.insert(), rows)
                if table.autoincrement_column is not None:
                    new.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                            f"coalesce(max(id), 0) + 1, false) FROM {table.name}"
                        )
                    )
    finally:
        source.dispose()


def _rows(engine: Engine) -> dict[str, dict[tuple, dict]]:
    """Every row of every table but the old version table, by table and primary key."""
    found = {}
    tables = MetaData()
    tables.reflect(engine)
    with engine.connect() as conn:
        for table in tables.sorted_tables:
            if table.name in (LEGACY, "alembic_version"):
                continue
            keys = [c.name for c in table.primary_key.columns]
            found[table.name] = {
                tuple(row[k] for k in keys): dict(row)
                for row in conn.execute(table.select()).mappings()
            }
    return found


# --- the upgrade of databases made before Alembic -----------------------------------------


@pytest.mark.parametrize(
    "dump, version",
    [(V1_DUMP, 1), (V2_DUMP, 2), (V2_ACCOUNTS_DUMP, 2), (V6_DUMP, 6)],
    ids=["v1", "v2", "v2_accounts", "v6"],
)
def test_a_database_made_before_alembic_upgrades_to_the_tables_with_every_row(
    restore, dump: Path, version: int
) -> None:
    engine = restore(dump)
    before = _rows(engine)
    assert sum(map(len, before.values())) >= 1
    assert migrate(engine) == newer_than(f"{version:04d}")
    assert migrate(engine) == []
    after = _rows(engine)
    for table, rows in before.items():
        assert after[table].keys() == rows.keys(), table
        for key, row in rows.items():
            kept = {name: after[table][key][name] for name in row}
            if table == "tokens" and row["role"] == "staff":
                # Migration 4: staff bearer tokens could only publish; they are editors.
                row = {**row, "role": "editor"}
            assert kept == row, (table, key)
    with engine.connect() as conn:
        assert current(conn) == head()
        assert not inspect(conn).has_table(LEGACY)
        assert differences(conn, metadata) == []


@pytest.mark.parametrize(
    "dump, revision",
    [(V1_DUMP, "0001"), (V2_DUMP, "0002"), (V2_ACCOUNTS_DUMP, "0002"), (V6_DUMP, "0006")],
    ids=["v1", "v2", "v2_accounts", "v6"],
)
def test_each_version_before_alembic_is_the_schema_of_the_revision_it_is_stamped_with(
    tmp_path: Path, dump: Path, revision: str
) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as db:
        db.executescript(dump.read_text(encoding="utf-8"))
    old = create_engine(f"sqlite:///{path}")
    new = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        made_then = MetaData()
        made_then.reflect(old)
        made_then.remove(made_then.tables[LEGACY])
        with new.begin() as conn:
            upgrade_to(conn, metadata, revision)
            assert differences(conn, made_then) == []
    finally:
        old.dispose()
        new.dispose()


def test_v1_database_upgrades_and_keeps_its_report(restore):
    engine = restore(V1_DUMP)
    assert migrate(engine) == newer_than("0001")
    assert migrate(engine) == []
    with engine.begin() as conn:
        assert current(conn) == head()
        row = conn.execute(select(reports)).one()
        # A kiosk report keeps its fields and becomes an open report from that kiosk.
        assert row.kiosk_id == "jod-rynek"
        assert row.ref_code == "7KQ-4XM"
        assert row.description == "Nie świeci latarnia przy ul. Młyńskiej 4"
        assert (row.source, row.status, row.status_notes) == ("kiosk", "open", None)
        assert (row.description_public, row.client_key) == (False, None)
        assert (row.unsorted, row.flags) == (False, None)
        # Reports from Open311 clients have no kiosk.
        conn.execute(
            reports.insert().values(
                uuid="7d1f0f1e-1c1a-4a51-9a51-0e6c4b1c2d3e",
                body_sha256="cd" * 32,
                received="2026-11-21T08:00:00+00:00",
                created="2026-11-21T08:00:00+00:00",
                ref_code="9MW-2TR",
                status_token="x" * 22,
                lang="pl",
                service_code="pothole",
                description="Dziura w jezdni",
                source="open311",
            )
        )
        assert conn.execute(select(reports.c.kiosk_id).where(reports.c.id == 2)).scalar() is None


def test_a_schema_2_database_keeps_its_heartbeats_and_learns_of_reports_needing_attention(
    restore,
) -> None:
    engine = restore(V2_DUMP)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO heartbeats (kiosk_id, received, sent_at, skew, content_version, "
                "outbox_depth, errors) VALUES ('jod-rynek', '2026-11-21T14:00:00+00:00', "
                "'2026-11-21T13:59:58+00:00', 2.0, 3, 1, '[\"printer: out of paper\"]')"
            )
        )
    assert "0006" in migrate(engine) == newer_than("0002")
    with engine.connect() as conn:
        row = conn.execute(heartbeats.select()).one()
        assert (row.kiosk_id, row.content_version, row.outbox_depth) == ("jod-rynek", 3, 1)
        assert (row.attention, row.attention_reports) == (None, None)
        (kiosk,) = status(conn, parse(row.received), timedelta(minutes=15))
    assert kiosk.errors == ["printer: out of paper"]
    assert (kiosk.attention, kiosk.attention_reports) == (None, [])


def test_a_revision_6_database_gets_the_content_draft_and_keeps_its_releases(restore) -> None:
    """0007: the draft's tables start empty (the hub fills them from the latest release when
    the draft is first used, hub.content.draft.seed) and every release is kept, without a
    note."""
    engine = restore(V6_DUMP)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM releases ORDER BY 1")).mappings().all()
        before = [dict(r) for r in rows]
    assert before
    assert "0007" in migrate(engine)
    with engine.connect() as conn:
        after = conn.execute(text("SELECT * FROM releases ORDER BY version")).mappings().all()
        assert [{k: r[k] for k in before[0]} for r in after] == before
        assert {r["note"] for r in after} == {None}
        for table in ("content_items", "content_history", "content_media", "content_draft"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_a_revision_7_database_keeps_its_draft_and_releases_with_nothing_marked(
    tmp_path,
) -> None:
    """0008: translation marks and release summaries start empty; the draft and the
    releases are kept as they were."""
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with engine.begin() as conn:
            upgrade_to(conn, metadata, "0007")
            conn.execute(
                text(
                    "INSERT INTO releases (version, created, files, content_sha256) "
                    "VALUES (1, '2026-12-01T10:00:00Z', '[]', :sha)"
                ),
                {"sha": "0" * 64},
            )
            conn.execute(
                text(
                    "INSERT INTO content_items "
                    "(kind, item_id, position, data, revision, updated_at) VALUES "
                    "('service', 'dowod', 0, '{}', 3, '2026-12-01T10:00:00Z')"
                )
            )
        assert migrate(engine) == ["0008"]
        with engine.connect() as conn:
            item = conn.execute(text("SELECT * FROM content_items")).mappings().one()
            assert (item["item_id"], item["revision"], item["checked"]) == ("dowod", 3, None)
            release = conn.execute(text("SELECT * FROM releases")).mappings().one()
            assert (release["version"], release["summary"]) == (1, None)
    finally:
        engine.dispose()


def test_v2_database_upgrades_and_keeps_its_reports_private(restore):
    engine = restore(V2_DUMP)
    assert "0005" in migrate(engine) == newer_than("0002")
    assert migrate(engine) == []
    with engine.begin() as conn:
        assert current(conn) == head()
        kiosk, client = conn.execute(select(reports).order_by(reports.c.id)).all()
        # Everything stored is kept; no description becomes public by the upgrade.
        assert (kiosk.ref_code, kiosk.status, kiosk.status_notes) == (
            "7KQ-4XM",
            "in_progress",
            "Zlecono naprawę.",
        )
        assert kiosk.description == "Nie świeci latarnia przy ul. Młyńskiej 4"
        assert (kiosk.lat, kiosk.email) == (50.30123, "jan@example.org")
        assert (client.client, client.address_string) == ("Naprawmy To", "ul. Polna 3")
        for row in (kiosk, client):
            assert (row.description_public, row.client_key) == (False, None)
        assert conn.execute(select(report_events.c.note)).scalar() == "Zlecono naprawę."
        conn.execute(update(reports).where(reports.c.id == 1).values(description_public=True))
        assert conn.execute(select(reports.c.description_public).order_by(reports.c.id)).all() == [
            (True,),
            (False,),
        ]


def test_v2_database_gets_editors_and_retirement_and_keeps_every_token(restore):
    """Staff bearer tokens could only publish: they become editor tokens and still publish;
    staff accounts stay staff (their reports); kiosks stay in service, enrolment tokens
    unspent stay valid, and the new tables take rows."""
    engine = restore(V2_ACCOUNTS_DUMP)
    now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    assert "0004" in migrate(engine)
    with engine.begin() as conn:
        roles = dict(conn.execute(select(tokens.c.name, tokens.c.role)).all())
        assert roles == {
            "kiosk rynek": "kiosk",
            "Publikacja": "editor",
            "Ewa": "admin",
            "miasto": "open311",
        }
        editor = authenticate(conn, "Bearer staff-publish")
        assert editor.role == "editor" and editor.has("editor") and not editor.has("admin")
        assert authenticate(conn, "Bearer admin-ewa").has("editor")
        assert authenticate(conn, "Bearer kiosk-rynek").kiosk_id == "rynek"
        people = {u.username: u.role for u in list_users(conn)}
        assert people == {"anna": "staff", "ewa": "admin"}
        assert [k.retired for k in list_kiosks(conn)] == [None, None]
        assert redeem_enrolment(conn, "enrol-biblioteka", now)[0] == "biblioteka"
        recorded_now = record(
            conn, [RoutingChange("lampa", "department_email", None, "a@b.pl")], "Ewa", now
        )
        assert recorded_now == 1
        assert admit(conn, "anna", "192.0.2.1", now, Limits()) == 0


def test_an_upgrade_that_fails_leaves_the_database_as_it_was(restore):
    """Every revision runs in one transaction with the stamp: a failure in the middle (here
    a table of schema 2 someone made by hand) keeps schema 1 and its report whole."""
    engine = restore(V1_DUMP)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alerts (id VARCHAR(64) PRIMARY KEY)"))
    with pytest.raises(Exception, match="alerts"):
        migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT version FROM {LEGACY}")).scalars().all() == [1]
        assert not inspect(conn).has_table("alembic_version")
        assert not inspect(conn).has_table("users")
        columns = {c["name"]: c for c in inspect(conn).get_columns("reports")}
        assert columns["kiosk_id"]["nullable"] is False and "source" not in columns
        assert conn.execute(select(reports.c.ref_code)).scalars().all() == ["7KQ-4XM"]
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


# --- new databases, and databases the hub does not know ------------------------------------


def test_a_new_database_gets_the_tables_and_the_latest_revision(restore):
    engine = restore(None)
    assert migrate(engine) == revisions() == [f"{n:04d}" for n in range(1, len(revisions()) + 1)]
    assert migrate(engine) == []
    with engine.connect() as conn:
        assert current(conn) == head()
        assert not inspect(conn).has_table(LEGACY)
        assert differences(conn, metadata) == []
        if engine.dialect.name == "sqlite":  # off only while upgrading
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_the_revisions_build_the_schema_the_tables_describe(restore):
    """Every revision from an empty database gives what metadata.create_all gives a new
    one; a column added to a Table without a revision is seen."""
    engine = restore(None)
    with engine.begin() as conn:
        upgrade_to(conn, metadata)
        assert current(conn) == head()
        assert differences(conn, metadata) == []
        changed = MetaData()
        for table in metadata.sorted_tables:
            table.to_metadata(changed)
        Table("kiosks", changed, Column("note", Text), extend_existing=True)
        assert [(d[0], d[2], d[3].name) for d in differences(conn, changed)] == [
            ("add_column", "kiosks", "note")
        ]


def test_a_database_a_newer_hub_upgraded_is_refused_with_a_clear_error(restore):
    engine = restore(None)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(SchemaError, match="revision 0099, which this hub does not know"):
        migrate(engine)


def test_the_command_line_says_why_it_cannot_open_a_database(tmp_path: Path):
    data = tmp_path / "data"
    result = CliRunner().invoke(main, ["init", "--data", str(data)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(data / "hub.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '0099'")
    for command in (["init"], ["token", "list"]):
        result = CliRunner().invoke(main, [*command, "--data", str(data)])
        assert result.exit_code == 1, result.output
        assert result.output.startswith("Error: the database is at schema revision 0099")
        assert "newer version of the hub" in result.output


@pytest.mark.parametrize(
    "script, error",
    [
        ("INSERT INTO schema_migrations VALUES (7, 'from the future', 'x')", "version 7"),
        ("DELETE FROM schema_migrations", "schema_migrations is empty"),
        ("DROP TABLE schema_migrations", "no schema version"),
    ],
)
def test_a_database_of_unknown_version_is_refused_and_kept(tmp_path, script, error):
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as db:
        db.executescript(V1_DUMP.read_text(encoding="utf-8"))
        db.execute(script)
    engine = make_engine(f"sqlite:///{path}")
    try:
        with pytest.raises(SchemaError, match=error):
            migrate(engine)
        with engine.connect() as conn:
            assert conn.execute(select(reports.c.ref_code)).scalars().all() == ["7KQ-4XM"]
    finally:
        engine.dispose()


# --- writing a revision -----------------------------------------------------------------------


@pytest.fixture
def scripts(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the hub's revisions to write new ones into."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(hub.schema, "MIGRATIONS_DIR", directory)
    return directory


def test_kiosk_hub_db_revision_writes_the_next_numbered_revision(scripts: Path):
    last = head(scripts)
    following = f"{int(last) + 1:04d}"
    result = CliRunner().invoke(main, ["db", "revision", "-m", "Notes on kiosks"])
    assert result.exit_code == 0, result.output
    (written,) = scripts.glob(f"versions/{following}_*.py")
    assert written.name == f"{following}_notes_on_kiosks.py"
    assert f"Wrote {written}" in result.output
    source = written.read_text(encoding="utf-8")
    assert '"""Notes on kiosks' in source
    assert f'revision = "{following}"' in source and f'down_revision = "{last}"' in source
    assert head(scripts) == following


def test_an_autogenerated_revision_builds_the_changed_tables(scripts: Path, tmp_path: Path):
    changed = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(changed)
    Table("kiosks", changed, Column("note", Text), extend_existing=True)
    following = f"{int(head(scripts)) + 1:04d}"
    written = new_revision("Notes on kiosks", changed, autogenerate=True)
    assert "batch_op.add_column(sa.Column('note', sa.Text()" in written.read_text(encoding="utf-8")
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    try:
        with engine.begin() as conn:
            upgrade_to(conn, changed)
            assert current(conn) == following
            assert differences(conn, changed) == []
    finally:
        engine.dispose()

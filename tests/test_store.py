"""The local SQLite store: WAL, durable commits, versioned migrations."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.infra import store
from kiosk.infra.store import get_state, migrate, open_store, schema_version, set_state


def test_new_store_has_schema_and_wal(tmp_path: Path) -> None:
    db = open_store(tmp_path / "data")
    assert (tmp_path / "data" / "kiosk.db").is_file()
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert {"reports", "counters", "sync_state", "schema_migrations"} <= set(db.table_names())
    assert schema_version(db) == store.MIGRATIONS[-1][0]


def test_migrations_run_once_and_keep_data(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    set_state(db, "manifest_etag", '"v7"')
    db.close()
    db = open_store(tmp_path)
    assert migrate(db) == []
    assert get_state(db, "manifest_etag") == '"v7"'
    rows = db.execute("SELECT version FROM schema_migrations").fetchall()
    assert len(rows) == len(store.MIGRATIONS)


def test_a_new_migration_is_applied_to_an_old_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = open_store(tmp_path)
    set_state(db, "kept", "yes")
    db.close()
    monkeypatch.setattr(
        store,
        "MIGRATIONS",
        [
            *store.MIGRATIONS,
            (99, "test column", lambda d: d.execute("ALTER TABLE sync_state ADD COLUMN note TEXT")),
        ],
    )
    db = open_store(tmp_path)
    assert schema_version(db) == 99
    assert "note" in db["sync_state"].columns_dict
    assert get_state(db, "kept") == "yes"


def test_a_failing_migration_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_store(tmp_path).close()

    def broken(d):
        d.execute("CREATE TABLE half (x)")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, (50, "broken", broken)])
    with pytest.raises(RuntimeError, match="disk on fire"):
        open_store(tmp_path)
    monkeypatch.undo()
    db = open_store(tmp_path)
    assert "half" not in db.table_names()
    assert schema_version(db) == store.MIGRATIONS[-1][0]


def test_a_newer_database_is_refused(tmp_path: Path) -> None:
    db = open_store(tmp_path)
    db.execute("INSERT INTO schema_migrations VALUES (1000, 'from the future', 'x')")
    db.close()
    with pytest.raises(RuntimeError, match="newer than this program"):
        open_store(tmp_path)


def test_two_processes_open_and_write_at_once(tmp_path: Path) -> None:
    code = (
        "import sys; from kiosk.infra.store import open_store, set_state\n"
        "db = open_store(sys.argv[1])\n"
        "for i in range(200): set_state(db, f'{sys.argv[2]}-{i}', 'x')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), name])
        for name in ("ui", "agent")
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    db = open_store(tmp_path)
    assert db.execute("SELECT COUNT(*) FROM sync_state").fetchone()[0] == 400
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_agents_bookkeeping_connection_need_not_wait_for_the_disk(tmp_path: Path) -> None:
    ui = open_store(tmp_path)
    agent = open_store(tmp_path, durable=False)
    assert ui.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert agent.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL (WAL: consistent)
    set_state(agent, "x", "1")
    assert get_state(ui, "x") == "1"


def test_reports_an_older_version_rejected_are_kept_as_needing_attention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database of schema 1 (before reports needed attention) keeps every report: those it
    had rejected (their contact details already erased) now need attention."""
    monkeypatch.setattr(store, "MIGRATIONS", store.MIGRATIONS[:1])
    db = open_store(tmp_path)
    columns = (
        "uuid, ref_code, status_token, kiosk_id, lang, created, service_code, description, "
        "lat, long, email, state, attempts, last_error, service_request_id"
    )
    rows = [
        ("u1", "AAA-AAA", "t1", "rynek", "pl", "2026-11-20T10:00:00+00:00", "lampa", "Latarnia",
         50.3, 16.88, "jan@example.org", "pending", 2, "503", None),
        ("u2", "BBB-BBB", "t2", "rynek", "uk", "2026-11-20T11:00:00+00:00", "ufo", "Щось",
         None, None, None, "rejected", 1, "POST /reports: 422 unknown service_code", None),
        ("u3", "CCC-CCC", "t3", "rynek", "de", "2026-11-20T12:00:00+00:00", "idea", "Bank",
         50.3, 16.88, None, "delivered", 1, None, "17"),
    ]  # fmt: skip
    db.conn.executemany(f"INSERT INTO reports ({columns}) VALUES ({', '.join('?' * 15)})", rows)
    db.close()
    monkeypatch.undo()

    db = open_store(tmp_path)
    assert schema_version(db) == store.MIGRATIONS[-1][0]
    kept = db.execute(f"SELECT {columns} FROM reports ORDER BY uuid").fetchall()
    assert kept == [rows[0], rows[1][:11] + ("attention",) + rows[1][12:], rows[2]]
    # reports filed before categories asked questions have no answers (schema 3)
    assert db.execute("SELECT attributes FROM reports").fetchall() == [(None,)] * 3
    assert "reports_due" in [r[1] for r in db.execute("PRAGMA index_list(reports)")]
    db.execute("UPDATE reports SET state = 'discarded' WHERE uuid = 'u2'")  # a new state
    with pytest.raises(sqlite3.IntegrityError):
        db.execute("UPDATE reports SET state = 'rejected' WHERE uuid = 'u2'")

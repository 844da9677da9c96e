"""Hub databases made by earlier code (schema 1, schema 2) are upgraded in place, keeping every
row; on PostgreSQL too, where HUB_TEST_POSTGRES names a server."""

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text, update

from hub.db import (
    MIGRATIONS,
    heartbeats,
    make_engine,
    metadata,
    migrate,
    report_events,
    reports,
    schema_version,
    tokens,
)
from hub.fleet import status
from hub.kiosks import list_kiosks
from hub.routingchanges import RoutingChange, record
from hub.signinlimits import Limits, admit
from hub.times import parse
from hub.tokens import authenticate, redeem_enrolment
from hub.users import list_users
from tests.hubtools import _fresh_postgres

V1_DUMP = Path(__file__).parent / "data" / "hub_v1.sql"
V2_DUMP = Path(__file__).parent / "data" / "hub_v2.sql"
V2_ACCOUNTS_DUMP = Path(__file__).parent / "data" / "hub_v2_accounts.sql"
"""Made by the code of schema 2 with kiosks, tokens of every role and accounts."""
"""Made by the code of schema 2 (`migrate` on an empty file), with two reports in it."""
LATEST = max(v for v, _, _ in MIGRATIONS)


def newer_than(version: int) -> list[int]:
    return [v for v, _, _ in MIGRATIONS if v > version]


def test_v1_database_upgrades_and_keeps_its_report(tmp_path):
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as db:
        db.executescript(V1_DUMP.read_text())
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert migrate(engine) == newer_than(1)
        assert migrate(engine) == []
        with engine.connect() as conn:
            assert schema_version(conn) == LATEST
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
            assert (
                conn.execute(select(reports.c.kiosk_id).where(reports.c.id == 2)).scalar() is None
            )
    finally:
        engine.dispose()


def test_a_schema_2_database_keeps_its_heartbeats_and_learns_of_reports_needing_attention(
    tmp_path: Path,
) -> None:
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(V2_DUMP.read_text())
        conn.execute(
            "INSERT INTO heartbeats (kiosk_id, received, sent_at, skew, content_version, "
            "outbox_depth, errors) VALUES ('jod-rynek', '2026-11-21T14:00:00+00:00', "
            "'2026-11-21T13:59:58+00:00', 2.0, 3, 1, '[\"printer: out of paper\"]')"
        )
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert 6 in migrate(engine) == newer_than(2)
        with engine.connect() as conn:
            row = conn.execute(heartbeats.select()).one()
            assert (row.kiosk_id, row.content_version, row.outbox_depth) == ("jod-rynek", 3, 1)
            assert (row.attention, row.attention_reports) == (None, None)
            (kiosk,) = status(conn, parse(row.received), timedelta(minutes=15))
        assert kiosk.errors == ["printer: out of paper"]
        assert (kiosk.attention, kiosk.attention_reports) == (None, [])
    finally:
        engine.dispose()


def test_v2_database_upgrades_and_keeps_its_reports_private(tmp_path):
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as db:
        db.executescript(V2_DUMP.read_text())
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert 5 in migrate(engine) == newer_than(2)
        assert migrate(engine) == []
        with engine.begin() as conn:
            assert schema_version(conn) == LATEST
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
            assert conn.execute(select(reports.c.description_public)).all() == [(True,), (False,)]
    finally:
        engine.dispose()


@pytest.mark.skipif(not os.environ.get("HUB_TEST_POSTGRES"), reason="HUB_TEST_POSTGRES unset")
def test_v2_database_upgrades_on_postgresql():
    engine = make_engine(_fresh_postgres(os.environ["HUB_TEST_POSTGRES"]))
    try:
        # Schema 2 as that code made it: today's tables without the columns added since.
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("ALTER TABLE reports DROP COLUMN description_public"))
            conn.execute(text("ALTER TABLE reports DROP COLUMN client_key"))
            conn.execute(text("DELETE FROM schema_migrations WHERE version > 2"))
            conn.execute(
                insert(metadata.tables["kiosks"]).values(
                    id="jod-rynek", name="Rynek", lat=50.1, long=18.9, groups="[]", created="x"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO reports (kiosk_id, uuid, body_sha256, received, created, "
                    "ref_code, status_token, lang, service_code, description, source, status) "
                    "VALUES ('jod-rynek', 'u-1', 'ab', 't', 't', '7KQ-4XM', 'tok', 'pl', "
                    "'latarnia', 'Nie świeci', 'kiosk', 'open')"
                )
            )
        assert 5 in migrate(engine)
        with engine.connect() as conn:
            row = conn.execute(select(reports)).one()
            assert (row.description, row.description_public, row.client_key) == (
                "Nie świeci",
                False,
                None,
            )
    finally:
        engine.dispose()


def test_v2_database_gets_editors_and_retirement_and_keeps_every_token(tmp_path):
    """Staff bearer tokens could only publish: they become editor tokens and still publish;
    staff accounts stay staff (their reports); kiosks stay in service, enrolment tokens
    unspent stay valid, and the new tables take rows."""
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as db:
        db.executescript(V2_ACCOUNTS_DUMP.read_text())
    engine = make_engine(f"sqlite:///{path}")
    now = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
    try:
        assert 4 in migrate(engine)
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
    finally:
        engine.dispose()

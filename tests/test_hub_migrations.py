"""Hub databases made by earlier code (schema 1, schema 2) are upgraded in place, keeping every
row."""

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from hub.db import MIGRATIONS, make_engine, migrate, reports, schema_version, tokens
from hub.kiosks import list_kiosks
from hub.routingchanges import RoutingChange, record
from hub.signinlimits import Limits, admit
from hub.tokens import authenticate, redeem_enrolment
from hub.users import list_users

V1_DUMP = Path(__file__).parent / "data" / "hub_v1.sql"


def test_v1_database_upgrades_and_keeps_its_report(tmp_path):
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as db:
        db.executescript(V1_DUMP.read_text())
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert migrate(engine) == [v for v, _, _ in MIGRATIONS if v > 1]
        assert migrate(engine) == []
        with engine.connect() as conn:
            assert schema_version(conn) == MIGRATIONS[-1][0]
            row = conn.execute(select(reports)).one()
            # A kiosk report keeps its fields and becomes an open report from that kiosk.
            assert row.kiosk_id == "jod-rynek"
            assert row.ref_code == "7KQ-4XM"
            assert row.description == "Nie świeci latarnia przy ul. Młyńskiej 4"
            assert (row.source, row.status, row.status_notes) == ("kiosk", "open", None)
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


V2_DUMP = Path(__file__).parent / "data" / "hub_v2_accounts.sql"


def test_v2_database_gets_editors_and_retirement_and_keeps_every_token(tmp_path):
    """Staff bearer tokens could only publish: they become editor tokens and still publish;
    staff accounts stay staff (their reports); kiosks stay in service, enrolment tokens
    unspent stay valid, and the new tables take rows."""
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as db:
        db.executescript(V2_DUMP.read_text())
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

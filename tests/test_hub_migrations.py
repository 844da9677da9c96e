"""A hub database from session 1 (schema 1) is upgraded in place, keeping every row."""

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hub import db
from hub.db import MIGRATIONS, heartbeats, make_engine, migrate, reports, schema_version
from hub.fleet import status
from hub.times import parse

V1_DUMP = Path(__file__).parent / "data" / "hub_v1.sql"


def test_v1_database_upgrades_and_keeps_its_report(tmp_path):
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as db:
        db.executescript(V1_DUMP.read_text())
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert migrate(engine) == [v for v, _d, _f in MIGRATIONS if v > 1]
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


def test_a_schema_2_database_keeps_its_heartbeats_and_learns_of_reports_needing_attention(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(V1_DUMP.read_text())
    engine = make_engine(f"sqlite:///{path}")
    try:
        monkeypatch.setattr(db, "MIGRATIONS", MIGRATIONS[:2])  # the hub before version 6
        assert migrate(engine) == [2]
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO heartbeats (kiosk_id, received, sent_at, skew, content_version, "
                "outbox_depth, errors) VALUES ('jod-rynek', '2026-11-21T14:00:00+00:00', "
                "'2026-11-21T13:59:58+00:00', 2.0, 3, 1, '[\"printer: out of paper\"]')"
            )
        monkeypatch.undo()
        assert migrate(engine) == [6]
        with engine.connect() as conn:
            row = conn.execute(heartbeats.select()).one()
            assert (row.kiosk_id, row.content_version, row.outbox_depth) == ("jod-rynek", 3, 1)
            assert (row.attention, row.attention_reports) == (None, None)
            (kiosk,) = status(conn, parse(row.received), timedelta(minutes=15))
        assert kiosk.errors == ["printer: out of paper"]
        assert (kiosk.attention, kiosk.attention_reports) == (None, [])
    finally:
        engine.dispose()

"""A hub database from session 1 (schema 1) is upgraded in place, keeping every row."""

import sqlite3
from pathlib import Path

from sqlalchemy import select

from hub.db import MIGRATIONS, make_engine, migrate, reports, schema_version

V1_DUMP = Path(__file__).parent / "data" / "hub_v1.sql"


def test_v1_database_upgrades_and_keeps_its_report(tmp_path):
    path = tmp_path / "hub.db"
    with sqlite3.connect(path) as db:
        db.executescript(V1_DUMP.read_text())
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert migrate(engine) == [version for version, _, _ in MIGRATIONS[1:]]
        assert migrate(engine) == []
        with engine.connect() as conn:
            assert schema_version(conn) == MIGRATIONS[-1][0]
            row = conn.execute(select(reports)).one()
            # A kiosk report keeps its fields and becomes an open report from that kiosk.
            assert row.kiosk_id == "jod-rynek"
            assert row.ref_code == "7KQ-4XM"
            assert row.description == "Nie świeci latarnia przy ul. Młyńskiej 4"
            assert (row.source, row.status, row.status_notes) == ("kiosk", "open", None)
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

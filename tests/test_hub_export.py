"""Statistics exports: CSV that a Polish Excel opens correctly, XLSX, by hour, day and month
in the municipality's local time."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hub.cli import main
from hub.db import stats
from hub.statistics.export import to_csv, to_xlsx
from hub.statistics.stats import HourCount, aggregate, rebuild, store_hours
from tests.hubtools import HubEnv, LiveServer, bearer, make_client

NOV = (date(2026, 11, 1), date(2026, 11, 30))
HEADER = ["kiosk", "name", "lat", "long", "period", "metric", "key", "count", "clock_synced"]


def hours(*rows) -> list[HourCount]:
    return [HourCount(hour=h, metric=m, key=k, count=n) for h, m, k, n in rows]


@pytest.fixture
def env(tmp_path: Path) -> HubEnv:
    env = HubEnv.create(tmp_path / "hub")
    env.kiosk("rynek", name="Rynek; wejście od ul. Świdnickiej", lat=50.30512, long=16.8821)
    env.kiosk("dworzec", name="Dworzec PKS", lat=50.29, long=16.9)
    now = datetime.now(UTC)
    zone = env.hub.settings.timezone
    with env.hub.transaction() as conn:
        store_hours(
            conn,
            "rynek",
            hours(
                ("2026-11-21T10", "touch", "home", 5),
                ("2026-11-21T11", "touch", "home", 7),
                # 23:00 UTC is already 00:00 on the 22nd in Warsaw (CET, UTC+1).
                ("2026-11-21T23", "touch", "home", 3),
                ("2026-11-22T09", "touch", "services", 4),
                ("2026-11-22T09", "search_miss", '=HYPERLINK("http://x")', 1),
                ("2026-12-01T10", "touch", "home", 10),
            ),
            zone,
            now,
        )
        store_hours(conn, "dworzec", hours(("2026-11-21T10", "touch", "home", 2)), zone, now)
    yield env
    env.hub.close()


def export(env: HubEnv, by: str, start=NOV[0], end=NOV[1], kiosk=None):
    with env.hub.transaction(write=False) as conn:
        return aggregate(conn, start, end, by, kiosk)


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def test_csv_is_what_a_polish_excel_expects(env: HubEnv) -> None:
    data = to_csv(export(env, "day"))
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")  # CRLF only
    lines = data[3:].decode("utf-8").split("\r\n")
    assert lines[0] == ";".join(HEADER)
    rows = parse_csv(data)
    assert rows[0] == HEADER
    rynek = [r for r in rows if r[0] == "rynek"]
    # A name with the separator in it is quoted, and comes back whole.
    assert rynek[0][1] == "Rynek; wejście od ul. Świdnickiej"
    assert '"Rynek; wejście od ul. Świdnickiej"' in data.decode("utf-8-sig")
    assert (rynek[0][2], rynek[0][3]) == ("50,30512", "16,8821")  # decimal commas
    assert [r[2:4] for r in rows if r[0] == "dworzec"] == [["50,29", "16,9"]]
    # A key that starts like a formula is defused, not executed.
    assert [r[6] for r in rynek if r[5] == "search_miss"] == ['\'=HYPERLINK("http://x")']


def test_by_day_uses_local_days(env: HubEnv) -> None:
    rows = {(r.kiosk.id, r.period, r.metric, r.key): r.count for r in export(env, "day")}
    assert rows[("rynek", "2026-11-21", "touch", "home")] == 12
    assert rows[("rynek", "2026-11-22", "touch", "home")] == 3
    assert rows[("rynek", "2026-11-22", "touch", "services")] == 4
    assert rows[("dworzec", "2026-11-21", "touch", "home")] == 2
    assert not any(period.startswith("2026-12") for _, period, _, _ in rows)


def test_by_month_and_by_hour(env: HubEnv) -> None:
    months = export(env, "month", date(2026, 1, 1), date(2026, 12, 31), kiosk="rynek")
    totals = {(r.period, r.metric, r.key): r.count for r in months}
    assert totals[("2026-11", "touch", "home")] == 15
    assert totals[("2026-12", "touch", "home")] == 10
    assert {r.kiosk.id for r in months} == {"rynek"}
    by_hour = export(env, "hour", date(2026, 11, 22), date(2026, 11, 22), kiosk="rynek")
    assert [(r.period, r.key, r.count) for r in by_hour if r.metric == "touch"] == [
        ("2026-11-22 00:00", "home", 3),
        ("2026-11-22 10:00", "services", 4),
    ]


def test_an_upload_again_replaces_day_totals(env: HubEnv) -> None:
    with env.hub.transaction() as conn:
        store_hours(
            conn,
            "rynek",
            hours(("2026-11-21T11", "touch", "home", 1)),
            env.hub.settings.timezone,
            datetime.now(UTC),
        )
    rows = {(r.kiosk.id, r.period, r.key): r.count for r in export(env, "day")}
    assert rows[("rynek", "2026-11-21", "home")] == 6


def test_rebuild_for_another_time_zone(env: HubEnv) -> None:
    with env.hub.transaction() as conn:
        rebuild(conn, "UTC")
    rows = {(r.kiosk.id, r.period, r.key): r.count for r in export(env, "day")}
    assert rows[("rynek", "2026-11-21", "home")] == 15  # 23:00 UTC stays on the 21st


def test_xlsx_opens_with_numbers_and_dates(env: HubEnv) -> None:
    data = to_xlsx(export(env, "day"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    first = rows[1]
    assert first[:4] == ("dworzec", "Dworzec PKS", 50.29, 16.9)
    assert first[4] == datetime(2026, 11, 21)
    assert first[7] == 2
    miss = next(c for c in sheet["G"] if str(c.value).startswith("=HYPERLINK"))
    assert miss.data_type == "s"  # text, not a formula


def test_export_over_http_for_admins(env: HubEnv) -> None:
    admin = bearer(env.token("admin"))
    with make_client(env.app) as client:
        url = "/api/v1/stats/export?from=2026-11-01&to=2026-11-30"
        answer = client.get(f"{url}&by=month", headers=admin)
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/csv; charset=utf-8"
        assert (
            'filename="stats-2026-11-01-2026-11-30-by-month.csv"'
            in (answer.headers["content-disposition"])
        )
        months = parse_csv(answer.content)
        assert [
            "rynek",
            "Rynek; wejście od ul. Świdnickiej",
            "50,30512",
            "16,8821",
            "2026-11",
            "touch",
            "home",
            "15",
            "1",
        ] in months
        xlsx = client.get(f"{url}&format=xlsx&kiosk=dworzec", headers=admin)
        assert xlsx.status_code == 200
        rows = list(openpyxl.load_workbook(io.BytesIO(xlsx.content)).active.values)
        assert [r[0] for r in rows[1:]] == ["dworzec"]
        assert client.get(f"{url}&kiosk=nowhere", headers=admin).status_code == 404
        assert client.get(f"{url}&by=week", headers=admin).status_code == 422
        backwards = client.get("/api/v1/stats/export?from=2026-12-01&to=2026-11-01", headers=admin)
        assert backwards.status_code == 422


def test_export_from_the_command_line(env: HubEnv, tmp_path: Path) -> None:
    out = tmp_path / "listopad.csv"
    data = ["--data", str(env.hub.settings.data_dir), *env.database_args()]
    args = ["stats", "export", *data, "--from", "2026-11-01"]
    result = CliRunner().invoke(
        main, [*args, "--to", "2026-11-30", "--by", "month", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    with env.hub.transaction(write=False) as conn:
        expected = to_csv(aggregate(conn, *NOV, "month"))
    assert out.read_bytes() == expected
    unknown = CliRunner().invoke(main, [*args, "--to", "2026-11-30", "--kiosk", "nowhere"])
    assert unknown.exit_code == 1
    assert "no kiosk 'nowhere'" in unknown.output


def test_control_characters_in_keys_are_cleaned_on_upload_and_never_break_an_export(
    tmp_path: Path,
) -> None:
    """XLSX cannot hold a control character at all: an export of a period with one in a key
    was a 500. Keys are cleaned when they arrive (each such character becomes U+FFFD, keys
    that then read the same are added up), and the export cleans what an older hub stored."""
    env = HubEnv.create(tmp_path / "hub")
    kiosk = bearer(env.kiosk_token("rynek"))
    admin = bearer(env.token("admin"))
    try:
        with env.hub.transaction() as conn:  # as an older hub stored it, uncleaned
            conn.execute(
                stats.insert().values(
                    kiosk_id="rynek",
                    hour="2026-11-20T10",
                    metric="view",
                    key="service:\x01dowod\x1b[0m",
                    count=2,
                    clock_synced=True,
                    local_hour="2026-11-20T11",
                    received="2026-11-20T12:00:00+00:00",
                )
            )
            rebuild(conn)
        upload = [
            {"hour": "2026-11-21T10", "metric": "search_miss", "key": "zażółć\x00\x07", "count": 2},
            {"hour": "2026-11-21T10", "metric": "search_miss", "key": "zażółć\x08\x0b", "count": 3},
            {"hour": "2026-11-21T10", "metric": "search_miss", "key": "tab\there", "count": 1},
        ]
        with LiveServer(env.app) as live:
            stored = httpx.put(f"{live.url}/api/v1/stats", json={"hours": upload}, headers=kiosk)
            assert stored.status_code == 200, stored.text
            with env.hub.transaction(write=False) as conn:
                keys = dict(conn.execute(select(stats.c.key, stats.c.count)).all())
            assert keys["zażółć\ufffd\ufffd"] == 5
            assert keys["tab\ufffdhere"] == 1
            url = f"{live.url}/api/v1/stats/export?from=2026-11-01&to=2026-11-30&by=day"
            xlsx = httpx.get(f"{url}&format=xlsx", headers=admin, timeout=30)
            csv_answer = httpx.get(f"{url}&format=csv", headers=admin, timeout=30)
    finally:
        env.hub.close()
    assert xlsx.status_code == 200, xlsx.text
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    shown = {row[6]: row[7] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert shown == {"service:\ufffddowod\ufffd[0m": 2, "zażółć\ufffd\ufffd": 5, "tab\ufffdhere": 1}
    assert csv_answer.status_code == 200
    rows = list(csv.reader(io.StringIO(csv_answer.content.decode("utf-8-sig")), delimiter=";"))
    assert {row[6] for row in rows[1:]} == set(shown)

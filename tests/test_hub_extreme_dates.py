"""Times at the edges of the calendar, over HTTP against a real hub under uvicorn: each time a
client sends outside 1970..2999 gets a clear 4xx, never a 500 (before: statistics hours in
year 1 or 9999, heartbeat times in year 9999, `start_date=9999-12-30` on the anonymous
Open311 list, a statistics export of year 9999, an alert expiring in year 1 all overflowed).
A report with an absurd clock is kept with the hub's time and flagged (test_hub_intake.py).
Times an older hub stored before it bounded them are shown, not crashed on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from hub.db import heartbeats, reports, stats
from hub.times import iso
from kiosk_core.content.build import build_release
from tests.conftest import write_tree
from tests.hubtools import HubEnv, LiveServer, bearer, report_body
from tests.webtools import post_form, sign_in

API = "/api/v1"
TIMEOUT = 10
RANGE = "is not a time the hub takes (only from 1970-01-01 to 2999-12-31)"
PASSWORD = "Ewa-Hasło-2026-długie"


def text_of(html: str) -> str:
    inline = re.sub(r"</?(?:strong|span|a|em)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


class Live:
    def __init__(self, env: HubEnv, url: str):
        self.env, self.url = env, url
        self.kiosk = bearer(env.kiosk_token("rynek"))
        self.admin = bearer(env.token("admin"))

    def count(self, table) -> int:
        with self.env.hub.transaction(write=False) as conn:
            return conn.scalar(select(func.count()).select_from(table))


@pytest.fixture
def live(tmp_path: Path) -> Iterator[Live]:
    env = HubEnv.create(tmp_path / "hub", deliveries_interval=0)
    build_release(write_tree(tmp_path / "src"), tmp_path / "release")
    env.publish_release(tmp_path / "release")
    env.user("ewa", role="admin", password=PASSWORD)
    try:
        with LiveServer(env.app) as server:
            yield Live(env, server.url)
    finally:
        env.hub.close()


@pytest.mark.parametrize("hour", ["0001-01-01T00", "9999-12-31T23", "1969-12-31T23"])
def test_statistics_hours_outside_the_range_are_refused_clearly(live: Live, hour: str) -> None:
    hours = [
        {"hour": "2026-11-21T13", "metric": "touch", "key": "home", "count": 4},
        {"hour": hour, "metric": "touch", "key": "home", "count": 1},
    ]
    answer = requests.put(
        f"{live.url}{API}/stats", json={"hours": hours}, headers=live.kiosk, timeout=TIMEOUT
    )
    assert answer.status_code == 422, answer.text
    assert f"hours.1.hour: Value error, {hour[:10]}" in answer.json()["detail"]
    assert RANGE in answer.json()["detail"]
    assert live.count(stats) == 0


@pytest.mark.parametrize(
    "beat",
    [
        {"sent_at": "9999-12-31T23:59:59-01:00"},
        {"sent_at": "9999-12-31T23:59:59+00:00"},
        {"sent_at": "2026-11-21T13:00:00Z", "last_touch": "0001-01-01T00:00:00+01:00"},
    ],
    ids=["sent-9999-west", "sent-9999", "touched-year-1"],
)
def test_heartbeat_times_outside_the_range_are_refused_clearly(live: Live, beat: dict) -> None:
    answer = requests.post(f"{live.url}{API}/heartbeat", json=beat, headers=live.kiosk, timeout=10)
    assert answer.status_code == 422, answer.text
    assert RANGE in answer.json()["detail"]
    assert live.count(heartbeats) == 0
    fine = {"sent_at": "2026-11-21T13:00:00Z", "last_touch": "1970-01-01T00:00:00Z"}
    ok = requests.post(f"{live.url}{API}/heartbeat", json=fine, headers=live.kiosk, timeout=10)
    assert ok.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "start_date=9999-12-30T00:00:00Z",
        "end_date=0001-01-02T00:00:00Z",
        "start_date=2999-12-31T00:00:00Z&end_date=9999-01-01T00:00:00",
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_dates_outside_the_range_are_the_specs_400(live: Live, query: str, fmt: str):
    answer = requests.get(f"{live.url}/open311/v2/requests.{fmt}?{query}", timeout=TIMEOUT)
    assert answer.status_code == 400, answer.text
    assert RANGE in answer.text
    edge = requests.get(
        f"{live.url}/open311/v2/requests.{fmt}?start_date=2999-12-30T00:00:00Z", timeout=10
    )
    assert edge.status_code == 200, edge.text


@pytest.mark.parametrize(
    "period", ["from=9999-12-31&to=9999-12-31", "from=0001-01-01&to=0001-01-01&by=month"]
)
def test_a_statistics_export_outside_the_range_is_refused_clearly(live: Live, period: str):
    answer = requests.get(f"{live.url}{API}/stats/export?{period}", headers=live.admin, timeout=10)
    assert answer.status_code == 422, answer.text
    assert RANGE in answer.json()["detail"]


def test_an_alert_expiring_at_the_edge_of_the_calendar_is_refused_on_the_form(live: Live):
    staff = sign_in(live.url, "ewa", PASSWORD)
    page = f"{live.url}/admin/alerts"
    for until, message in [
        ("0001-01-01T00:30", "Wygaśnięcie musi przypadać w przyszłości."),
        ("9999-12-31T23:59", "Komunikat może trwać najwyżej rok."),
    ]:
        form = {"severity": "warning", "text_pl": "Burza", "valid_until": until}
        answer = post_form(staff, page, form)
        assert answer.status_code == 422, answer.text
        assert message in text_of(answer.text)


def test_times_an_older_hub_stored_at_the_edge_are_shown_not_crashed_on(live: Live) -> None:
    """Year 9999 was taken before, with a +00:00 offset: shown in UTC where the town's
    zone cannot go."""
    edge = "9999-12-31T23:30:00+00:00"
    body = report_body(status_token="edge-status-token")
    answer = requests.post(
        f"{live.url}{API}/reports",
        json=body,
        headers=live.kiosk | {"Idempotency-Key": body["uuid"]},
        timeout=TIMEOUT,
    )
    rid = answer.json()["service_request_id"]
    with live.env.hub.transaction() as conn:
        conn.execute(
            reports.update().values(created=edge, updated=edge, status="closed", closed=edge)
        )
        conn.execute(
            heartbeats.insert().values(
                kiosk_id="rynek",
                received=iso(datetime.now(UTC)),
                sent_at=edge,
                skew=-250_000_000_000.0,
                last_touch=edge,
                errors="[]",
            )
        )
    staff = sign_in(live.url, "ewa", PASSWORD)
    for path in (
        f"/admin/reports/{rid}",
        "/admin/reports?status=all",
        "/admin/fleet",
        "/admin/fleet/rynek",
    ):
        assert staff.get(f"{live.url}{path}", timeout=TIMEOUT).status_code == 200, path
    status = requests.get(f"{live.url}/r/edge-status-token", timeout=TIMEOUT)
    assert status.status_code == 200 and "9999" in status.text
    one = requests.get(f"{live.url}/open311/v2/requests/{rid}.json", timeout=TIMEOUT)
    assert one.status_code == 200, one.text
    assert one.json()[0]["requested_datetime"] == "9999-12-31T23:30:00+00:00"

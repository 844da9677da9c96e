"""The statistics page for administrators: totals, charts and downloads of what kiosks
uploaded, on a real hub under uvicorn, through a signed-in browser-like session."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import requests
from babel.numbers import format_decimal
from click.testing import CliRunner

from hub.accounts.tokens import add_token
from hub.cli import main
from hub.statistics.statsview import Selection, periods
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import HubEnv, LiveServer, bearer
from tests.webtools import sign_in

ZONE = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 11, 21, 12, 30, tzinfo=UTC)
DEFAULT = (date(2026, 10, 22), date(2026, 11, 21))
"""The page's default period on NOW: the last 30 days up to today, in the town's zone."""
KIOSKS = {
    "rynek": ("Rynek; wejście od ul. Świdnickiej", ["centrum"]),
    "ratusz": ("Ratusz", ["centrum", "urzad"]),
    "dworzec": ("Dworzec PKS", ["obrzeza"]),
    "biblioteka": ("Biblioteka", ["centrum"]),
}
UPLOADS = {
    "rynek": [
        ("2026-11-20T09", "touch", "home", 12345),
        ("2026-11-20T10", "touch", "services", 25),
        ("2026-11-21T08", "touch", "home", 12),
        # 23:00 UTC on the 21st is already the 22nd in Warsaw: after the default period.
        ("2026-11-21T23", "touch", "home", 99),
        ("2026-11-20T09", "session", "", 7),
        ("2026-11-20T09", "view", "service:paszport", 3),
        ("2026-11-20T09", "search_miss", "psy", 2),
    ],
    "ratusz": [
        ("2026-11-01T10", "touch", "home", 30),
        ("2026-11-01T10", "touch", "events", 1500),
        # 22:00 UTC on 21 October is 00:00 on the 22nd (CEST): the period's first hour.
        ("2026-10-21T22", "touch", "home", 5),
        # 21:00 UTC is 23:00 on the 21st: the day before the period.
        ("2026-10-21T21", "touch", "home", 1000),
    ],
    "dworzec": [
        ("2026-11-15T12", "touch", "report", 8),
        # On 25 October 2026 clocks go back: 00:00 and 01:00 UTC are both 02:00 in Warsaw.
        ("2026-10-25T00", "session", "", 4),
        ("2026-10-25T01", "session", "", 6),
    ],
}


def local_day(hour: str) -> date:
    moment = datetime.strptime(hour, "%Y-%m-%dT%H").replace(tzinfo=UTC)
    return moment.astimezone(ZONE).date()


def expected(metric: str = "touch", start=DEFAULT[0], end=DEFAULT[1], kiosks=None) -> dict:
    """What the uploads add up to per kiosk, counted here independently of the hub."""
    out: dict[str, int] = defaultdict(int)
    for kiosk, rows in UPLOADS.items():
        for hour, what, _key, count in rows:
            wanted = kiosks is None or kiosk in kiosks
            if wanted and what == metric and start <= local_day(hour) <= end:
                out[kiosk] += count
    return dict(out)


def pl(n: int) -> str:
    return format_decimal(n, locale="pl")


class Tables(HTMLParser):
    """The text of every table cell, per table class, and of elements with a given class."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.table: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table":
            self.table = (attrs.get("class") or "").split()[-1]
            self.tables[self.table] = []
        elif tag == "tr" and self.table:
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(re.sub(r"[ \t\r\n]+", " ", "".join(self.cell)).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.row and not all(c == "" for c in self.row):
                self.tables[self.table].append(self.row)
            self.row = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def body_rows(html: str, table: str) -> list[list[str]]:
    return Tables(html).tables[table][1:]


def total_on(html: str) -> str:
    found = re.search(r'<dd class="total"><strong>([^<]*)</strong>', html)
    assert found, "the page shows no total"
    return unescape(found.group(1))


def problems_on(html: str) -> list[str]:
    block = re.search(r'<div class="flash error" role="alert">(.*?)</div>', html, re.S)
    return [unescape(m) for m in re.findall(r"<li>(.*?)</li>", block.group(1))] if block else []


def kiosk_token(env: HubEnv, kiosk_id: str) -> str:
    with env.hub.transaction() as conn:
        return add_token(conn, "kiosk", env.hub.now(), kiosk_id=kiosk_id)


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    env.hub.clock = lambda: NOW
    for kiosk_id, (name, groups) in KIOSKS.items():
        env.kiosk(kiosk_id, name=name, groups=groups)
    yield env
    env.hub.close()


@pytest.fixture
def live(env: HubEnv):
    with LiveServer(env.app) as server:
        for kiosk_id, rows in UPLOADS.items():
            hours = [{"hour": h, "metric": m, "key": k, "count": n} for h, m, k, n in rows]
            answer = requests.put(
                f"{server.url}/api/v1/stats",
                json={"hours": hours},
                headers=bearer(kiosk_token(env, kiosk_id)),
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
        yield server


@pytest.fixture
def admin(env: HubEnv, live: LiveServer) -> requests.Session:
    return sign_in(live.url, "ola", env.user("ola", "admin", display_name="Ola Admin"))


def page(session: requests.Session, live: LiveServer, **params) -> requests.Response:
    return session.get(f"{live.url}/admin/stats?{urlencode(params)}", timeout=30)


def test_totals_on_the_page_match_the_uploads(admin, live) -> None:
    answer = page(admin, live)
    assert answer.status_code == 200
    html = answer.text
    assert 'lang="pl"' in html and "Statystyki" in html
    assert f'value="{DEFAULT[0]}"' in html and f'value="{DEFAULT[1]}"' in html
    totals = expected()
    assert total_on(html) == pl(sum(totals.values())) == "13\xa0925"
    per_kiosk = {row[0]: row[2] for row in body_rows(html, "per-kiosk")}
    assert per_kiosk == {
        f"{name} ({kiosk_id})": pl(totals.get(kiosk_id, 0))
        for kiosk_id, (name, _groups) in KIOSKS.items()
    }
    assert per_kiosk["Biblioteka (biblioteka)"] == "0"  # a silent kiosk is listed too
    series = body_rows(html, "series")
    assert len(series) == (DEFAULT[1] - DEFAULT[0]).days + 1
    days = {row[0]: row[1] for row in series}
    assert days["20 lis 2026"] == pl(12345 + 25)
    assert days["22 paź 2026"] == pl(5)
    assert days["21 lis 2026"] == pl(12)
    screens = {row[0]: row[1] for row in body_rows(html, "per-key")}
    assert screens == {
        "home": pl(12345 + 12 + 30 + 5),
        "events": pl(1500),
        "services": "25",
        "report": "8",
    }


def test_other_metrics_and_a_single_kiosk(admin, live) -> None:
    sessions = page(admin, live, metric="session", scope="kiosk:rynek")
    assert sessions.status_code == 200
    assert total_on(sessions.text) == pl(expected("session")["rynek"])
    assert "Sesje" in sessions.text
    misses = page(admin, live, metric="search_miss")
    assert {r[0]: r[1] for r in body_rows(misses.text, "per-key")} == {"psy": "2"}


def test_a_group_shows_only_its_kiosks(admin, live) -> None:
    answer = page(admin, live, scope="group:centrum")
    assert answer.status_code == 200
    centrum = {k for k, (_name, groups) in KIOSKS.items() if "centrum" in groups}
    totals = expected(kiosks=centrum)
    assert total_on(answer.text) == pl(sum(totals.values()))
    shown = [row[0] for row in body_rows(answer.text, "per-kiosk")]
    assert sorted(shown) == sorted(f"{KIOSKS[k][0]} ({k})" for k in centrum)
    assert "Dworzec PKS (dworzec)</td>" not in answer.text
    assert '<option value="group:centrum" selected>' in answer.text


def test_hours_are_local_hours(admin, live) -> None:
    answer = page(admin, live, by="hour", **{"from": "2026-11-20", "to": "2026-11-20"})
    hours = {row[0]: row[1] for row in body_rows(answer.text, "series")}
    assert len(hours) == 24
    # 09:00 UTC is 10:00 in Warsaw in November.
    assert hours["20 lis 2026, 10:00"] == pl(12345)
    assert hours["20 lis 2026, 11:00"] == "25"
    assert hours["20 lis 2026, 09:00"] == "0"


def test_days_when_the_clocks_change(admin, live) -> None:
    autumn = page(
        admin, live, by="hour", metric="session", **{"from": "2026-10-25", "to": "2026-10-25"}
    )
    hours = body_rows(autumn.text, "series")
    assert len(hours) == 24  # 25 hours long, the repeated 02:00 shown once
    assert ["25 paź 2026, 02:00", "10"] in hours
    assert total_on(autumn.text) == "10"
    # In spring 02:00 does not exist: the day has 23 hours.
    spring = periods(Selection(date(2026, 3, 29), date(2026, 3, 29), "hour"), "Europe/Warsaw")
    assert len(spring) == 23 and "2026-03-29T02" not in spring
    assert spring[:3] == ["2026-03-29T00", "2026-03-29T01", "2026-03-29T03"]


def download_links(html: str) -> dict[str, str]:
    links = re.findall(r'href="(/admin/stats/export\.(csv|xlsx)\?[^"]+)"', html)
    return {fmt: unescape(url) for url, fmt in links}


def parse_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))


def only_metric(data: bytes, metric: str, kiosks=None) -> bytes:
    """An all-metrics export cut down to one metric (and some kiosks), line by line."""
    lines = data.split(b"\r\n")
    kept = [lines[0]]
    for line in lines[1:-1]:
        row = parse_csv(line + b"\r\n")[0]
        if row[5] == metric and (kiosks is None or row[0] in kiosks):
            kept.append(line)
    return b"\r\n".join(kept) + b"\r\n"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"scope": "kiosk:rynek", "by": "hour", "from": "2026-11-20", "to": "2026-11-21"},
        {"scope": "group:centrum", "by": "month", "from": "2026-01-01", "to": "2026-12-31"},
    ],
)
def test_the_csv_download_is_the_api_export_of_the_shown_selection(
    env, admin, live, params, tmp_path
) -> None:
    shown = page(admin, live, **params)
    links = download_links(shown.text)
    answer = admin.get(live.url + links["csv"], timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    data = answer.content
    # What a Polish Excel needs: BOM, `;`, CRLF, decimal commas.
    assert data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    rows = parse_csv(data)
    assert rows[0][:5] == ["kiosk", "name", "lat", "long", "period"]
    assert all(r[2] == "50,3" and r[5] == "touch" for r in rows[1:])
    assert sum(int(r[7]) for r in rows[1:]) == int(total_on(shown.text).replace("\xa0", ""))

    start = params.get("from", DEFAULT[0].isoformat())
    end = params.get("to", DEFAULT[1].isoformat())
    by = params.get("by", "day")
    query = {"from": start, "to": end, "by": by}
    kiosks = None
    if params.get("scope", "").startswith("kiosk:"):
        query["kiosk"] = params["scope"].split(":")[1]
    if params.get("scope", "").startswith("group:"):
        kiosks = {k for k, (_n, groups) in KIOSKS.items() if "centrum" in groups}
    api = requests.get(
        f"{live.url}/api/v1/stats/export?{urlencode(query)}",
        headers=bearer(env.token("admin")),
        timeout=30,
    )
    assert api.status_code == 200
    assert data == only_metric(api.content, "touch", kiosks)

    out = tmp_path / "cli.csv"
    cli = ["stats", "export", "--data", str(env.hub.settings.data_dir), *env.database_args()]
    cli += ["--from", start, "--to", end, "--by", by, "--out", str(out)]
    if "kiosk" in query:
        cli += ["--kiosk", query["kiosk"]]
    result = CliRunner().invoke(main, cli)
    assert result.exit_code == 0, result.output
    assert data == only_metric(out.read_bytes(), "touch", kiosks)


def test_download_file_names(admin, live) -> None:
    links = download_links(page(admin, live).text)
    csv_file = admin.get(live.url + links["csv"], timeout=30)
    assert (
        csv_file.headers["content-disposition"]
        == 'attachment; filename="statystyki-2026-10-22_2026-11-21-dzien.csv"'
    )
    links = download_links(
        page(admin, live, scope="group:centrum", by="month", metric="search_miss").text
    )
    xlsx = admin.get(live.url + links["xlsx"], timeout=30)
    assert xlsx.headers["content-disposition"] == (
        'attachment; filename="statystyki-2026-10-22_2026-11-21-miesiac-grupa-centrum-'
        'search-miss.xlsx"'
    )


def test_the_xlsx_download_holds_the_same_numbers(admin, live) -> None:
    shown = page(admin, live, scope="group:centrum")
    links = download_links(shown.text)
    answer = admin.get(live.url + links["xlsx"], timeout=30)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    csv_rows = parse_csv(admin.get(live.url + links["csv"], timeout=30).content)
    assert len(rows) == len(csv_rows)
    assert [(r[0], r[4], r[6], r[7]) for r in rows[1:]] == [
        (r[0], datetime.fromisoformat(r[4]), r[6], int(r[7])) for r in csv_rows[1:]
    ]
    assert sum(r[7] for r in rows[1:]) == sum(expected(kiosks={"rynek", "ratusz"}).values())


def test_only_administrators(env, live) -> None:
    staff = sign_in(live.url, "jan", env.user("jan", "staff"))
    for path in ("/admin/stats", "/admin/stats/export.csv", "/admin/stats/export.xlsx"):
        answer = staff.get(live.url + path, timeout=10)
        assert answer.status_code == 403
        assert "Brak uprawnień" in answer.text
        assert "home" not in answer.text  # nothing of the statistics leaks
        stranger = requests.get(live.url + path, allow_redirects=False, timeout=10)
        assert stranger.status_code == 303
        assert stranger.headers["location"].startswith("/login?next=/admin/stats")


BAD = [
    (
        {"from": "2026-11-30", "to": "2026-11-01"},
        "Okres kończy się (2026-11-01), zanim się zaczyna (2026-11-30).",
    ),
    (
        {"by": "hour", "from": "2026-01-01", "to": "2026-12-31"},
        "Dla godzin wybierz najwyżej 93 dni (wybrano 365). "
        "Wybierz krótszy okres albo dni zamiast godzin.",
    ),
    (
        {"by": "day", "from": "2020-01-01", "to": "2026-12-31"},
        "Dla dni wybierz najwyżej 731 dni (wybrano 2557). "
        "Wybierz krótszy okres albo miesiące zamiast dni.",
    ),
    ({"from": "2026-13-45"}, "„2026-13-45” to nie jest data. Wpisz ją np. tak: 2026-11-21."),
    ({"to": "21.11.2026"}, "„21.11.2026” to nie jest data. Wpisz ją np. tak: 2026-11-21."),
    ({"from": ""}, "Wpisz datę początkową."),
    ({"from": "0001-01-01"}, "Wybierz daty od 2000-01-01 do 2099-12-31."),
    ({"to": "9999-12-31"}, "Wybierz daty od 2000-01-01 do 2099-12-31."),
    ({"scope": "kiosk:nigdzie"}, "Nie ma kiosku „nigdzie”."),
    ({"scope": "group:nigdzie"}, "Żaden kiosk nie należy do grupy „nigdzie”."),
    ({"scope": "rynek"}, "Wybierz kioski z listy."),
    ({"by": "week"}, "Wybierz godziny, dni albo miesiące."),
    ({"metric": "clicks"}, "Wybierz z listy, co liczyć."),
]


@pytest.mark.parametrize(("params", "message"), BAD)
def test_bad_choices_get_a_clear_message(admin, live, params, message) -> None:
    for path in ("/admin/stats", "/admin/stats/export.csv", "/admin/stats/export.xlsx"):
        answer = admin.get(f"{live.url}{path}?{urlencode(params)}", timeout=30)
        assert answer.status_code == 400
        assert answer.headers["content-type"].startswith("text/html")
        assert problems_on(answer.text) == [message]
        assert "<svg" not in answer.text and "export.csv?" not in answer.text
        assert '<form method="get" action="/admin/stats"' in answer.text


def test_hostile_and_huge_values_are_refused_whole(admin, live) -> None:
    script = "<script>alert(1)</script>"
    answer = page(admin, live, **{"from": script * 500, "scope": f"kiosk:{script}"})
    assert answer.status_code == 400
    assert "<script>" not in answer.text
    problems = problems_on(answer.text)
    assert len(problems) == 2
    assert problems[0].startswith("„<script>alert(1)</script>") and problems[0].count("<") <= 9
    assert problems[1] == f"Nie ma kiosku „{script}”."
    # Several problems at once are all shown.
    several = page(admin, live, **{"from": "x", "to": "y", "by": "week"})
    assert len(problems_on(several.text)) == 3


def test_the_longest_periods_each_granularity_allows(admin, live) -> None:
    century = page(admin, live, by="month", **{"from": "2000-01-01", "to": "2099-12-31"})
    assert century.status_code == 200
    assert len(body_rows(century.text, "series")) == 1200
    everything = expected(start=date(2000, 1, 1), end=date(2099, 12, 31))
    assert total_on(century.text) == pl(sum(everything.values()))
    hours = page(admin, live, by="hour", **{"from": "2026-08-21", "to": "2026-11-21"})
    assert hours.status_code == 200 and 'class="line"' in hours.text
    days = page(admin, live, by="day", **{"from": "2024-11-22", "to": "2026-11-21"})
    assert days.status_code == 200 and len(body_rows(days.text, "series")) == 730


def test_an_empty_period_says_so(admin, live) -> None:
    answer = page(admin, live, **{"from": "2025-01-01", "to": "2025-01-31"})
    assert answer.status_code == 200
    assert "Nie zarejestrowano żadnych dotknięć w tym okresie." in answer.text
    assert total_on(answer.text) == "0"
    assert "<svg" not in answer.text and "export.csv?" not in answer.text
    views = page(admin, live, metric="view", scope="kiosk:dworzec")
    assert "Nie zarejestrowano żadnych wyświetleń w tym okresie." in views.text


def test_charts_on_the_page_are_accessible_images(admin, live) -> None:
    html = page(admin, live).text
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    # Over time, per kiosk and per screen; each wide and narrow.
    assert len(svgs) == 6
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    time_wide = next(s for s in svgs if 'id="time-wide-title"' in s)
    assert time_wide.count("<rect x=") == (DEFAULT[1] - DEFAULT[0]).days + 1
    assert "Dotknięcia na dzień: Wszystkie kioski, 22 paź 2026 – 21 lis 2026" in time_wide
    kiosks = next(s for s in svgs if 'id="kiosks-wide-title"' in s)
    assert "Rynek; wejście od ul. Świdnickiej" in kiosks and pl(expected()["rynek"]) in kiosks


def test_ukrainian_page(env, live) -> None:
    session = sign_in(live.url, "oksana", env.user("oksana", "admin", lang="uk"))
    html = page(session, live, by="month", **{"from": "2026-10-01", "to": "2026-11-30"}).text
    assert 'lang="uk"' in html and "Статистика" in html
    months = [row[0] for row in body_rows(html, "series")]
    assert months == ["жовтень 2026\u202fр.", "листопад 2026\u202fр."]


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


def browser_sign_in(page_, live: LiveServer, user: str, password: str) -> None:
    page_.goto(f"{live.url}/login?next=/admin/stats")
    page_.fill("#username", user)
    page_.fill("#password", password)
    page_.click("button[type=submit]")
    page_.wait_for_url("**/admin/stats**")


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_screenshots(env, live, chromium, device) -> None:
    password = env.user("ola", "admin")
    with open_page(chromium, device) as tab:
        browser_sign_in(tab, live, "ola", password)
        views = {
            "days": "",
            "hours": "?by=hour&from=2026-11-20&to=2026-11-21",
            "hours-line": "?by=hour&from=2026-10-01&to=2026-11-21",
            "group": "?scope=group%3Acentrum&by=month&from=2026-01-01&to=2026-12-31",
            "error": "?by=hour&from=2026-01-01&to=2026-12-31",
        }
        for name, query in views.items():
            tab.goto(f"{live.url}/admin/stats{query}")
            overflow = tab.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name}: the page is wider than the {device.name}"
            if name != "error":
                shown = "svg.chart-narrow" if device is PHONE else "svg.chart-wide"
                hidden = "svg.chart-wide" if device is PHONE else "svg.chart-narrow"
                assert tab.locator(shown).first.is_visible()
                assert not tab.locator(hidden).first.is_visible()
                box = tab.locator(shown).first.bounding_box()
                assert box["width"] >= 300
            screenshot(tab, f"stats-{name}-{device.name}")
        tab.goto(f"{live.url}/admin/stats")
        tab.select_option("#scope", "kiosk:rynek")
        tab.fill("#from", "2026-11-19")
        tab.click("button:has-text('Pokaż')")
        tab.wait_for_url("**scope=kiosk%3Arynek**")
        assert tab.locator("dd.total").inner_text() == pl(12345 + 25 + 12)
        with tab.expect_download() as download:
            tab.click("text=Pobierz CSV (Excel)")
        assert download.value.suggested_filename == (
            "statystyki-2026-11-19_2026-11-21-dzien-rynek.csv"
        )


def test_dates_default_to_the_towns_today(env, admin, live) -> None:
    # 23:30 UTC on 21 November is already the 22nd in Warsaw.
    env.hub.clock = lambda: datetime(2026, 11, 21, 23, 30, tzinfo=UTC)
    html = page(admin, live).text
    assert 'value="2026-11-22"' in html and 'value="2026-10-23"' in html
    assert body_rows(html, "series")[-1] == ["22 lis 2026", pl(99)]
    env.hub.clock = lambda: NOW + timedelta(0)

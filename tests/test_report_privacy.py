"""What anyone may read of a resident's report: a real hub under uvicorn, reports filed by a kiosk
over HTTP, staff publishing a description through the report page's own form, and what
anonymous Open311 clients (XML and JSON, the list and one by id) and the receipt's status page
show of it; headless Chromium for both pages."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import requests

from hub.accounts.users import add_user
from kiosk_core.content.build import build_release
from kiosk_core.content.problems import ContentError
from kiosk_core.content.source import load_source
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.conftest import write_tree
from tests.hubtools import HubEnv, LiveServer, bearer, report_body
from tests.open311tools import json_of, xml_of
from tests.webtools import post_form, sign_in

TIMEOUT = 10
PUBLIC_URL = "http://kiosk.probna.example"  # http: the test signs in over plain HTTP
CATEGORIES = """\
- service_code: lampa
  name: {pl: Nie świeci latarnia, en: Street lamp out}
  group: {pl: Oświetlenie}
  department: {pl: Referat Gospodarki Komunalnej}
  department_email: komunalny@example.org
- service_code: dziura
  name: {pl: Dziura w jezdni, en: Pothole}
  group: {pl: Drogi}
  department: {pl: Referat Dróg}
  department_email: drogi@example.org
  public: {place: exact}
- service_code: halas
  name: {pl: Hałas w nocy, en: Noise at night}
  group: {pl: Porządek}
  department: {pl: Straż Gminna}
  department_email: straz@example.org
  public: {description: never, place: none}
"""
"""The default (words after review, rough place), an exact place, and nothing but the
category and the answer."""
WORDS = "Ciemno przy Polnej 3 od tygodnia, dzwonił już Jan Kowalski"
PLACE = {"lat": 50.301234, "long": 16.883456, "address_string": "ul. Polna 3, Próbna"}
HIDDEN = ("Ciemno", "Kowalski", "Polna", "50.3012", "16.8834", "jan@example.org")


class Site:
    def __init__(self, env: HubEnv, url: str) -> None:
        self.env, self.url = env, url
        self.o311 = f"{url}/open311/v2"
        self.staff: requests.Session | None = None

    def file(self, service_code: str) -> tuple[str, str]:
        """A report filed by kiosk `rynek` over HTTP: (service_request_id, status token)."""
        body = report_body(
            service_code=service_code,
            description=WORDS,
            created=datetime.now(UTC).isoformat(),
            status_token=uuid.uuid4().hex,
            **PLACE,
        )
        answer = requests.post(
            f"{self.url}/api/v1/reports",
            json=body,
            headers=bearer(self.env.kiosk_token("rynek")) | {"Idempotency-Key": body["uuid"]},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()["service_request_id"], body["status_token"]

    def open311(self, rid: str, **params) -> dict[str, dict]:
        """The request as Open311 shows it, by id and in the list, in XML and in JSON, each as
        {field: value} (XML's empty elements and JSON's nulls both as None)."""
        window = {"start_date": (datetime.now(UTC) - timedelta(days=1)).isoformat()}
        shown = {}
        for fmt in ("json", "xml"):
            for path, query in ((f"requests/{rid}.{fmt}", params), (f"requests.{fmt}", window)):
                answer = requests.get(f"{self.o311}/{path}", params=query, timeout=TIMEOUT)
                assert answer.status_code == 200, answer.text
                for secret in ("jan@example.org", "Jan Kowalski"[:3] + "@"):
                    assert secret not in answer.text
                if fmt == "json":
                    rows = {r["service_request_id"]: r for r in json_of(answer)}
                else:
                    rows = {
                        r.findtext("service_request_id"): {c.tag: c.text or None for c in r}
                        for r in xml_of(answer)
                    }
                row = dict(rows[rid])
                for name in ("lat", "long"):
                    row[name] = float(row[name]) if row[name] is not None else None
                shown[f"{path.split('?')[0]}"] = row
        return shown

    def status_page(self, token: str) -> dict[str, str | None]:
        """What the receipt's status page shows of the resident's words and place."""
        answer = requests.get(f"{self.url}/r/{token}", timeout=TIMEOUT)
        assert answer.status_code == 200
        html = answer.text

        def part(pattern: str) -> str | None:
            found = re.search(pattern, html, re.S)
            return unescape(re.sub(r"<[^>]+>", "\n", found[1])).strip() if found else None

        return {
            "html": html,
            "description": part(r'<dd id="description">(.*?)</dd>'),
            "address": part(r'<span class="address">(.*?)</span>'),
            "coordinates": part(r'<span class="coordinates">(.*?)</span>'),
        }

    def mark(self, rid: str, public: bool) -> requests.Response:
        """Staff press the report page's button to publish the description (or hide it)."""
        page = f"{self.url}/admin/reports/{rid}"
        data = {"public": "1" if public else "0"}
        return post_form(self.staff, f"{page}/description", data, page_url=page)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    root = tmp_path_factory.mktemp("privacy")
    env = HubEnv.create(root / "hub", public_url=PUBLIC_URL, deliveries_interval=0)
    src = write_tree(root / "src")
    (src / "report_categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    build_release(src, root / "release")
    env.publish_release(root / "release")
    with env.hub.transaction() as conn:
        add_user(conn, "anna", "dobre-haslo-123", "staff", env.hub.now())
    with LiveServer(env.app) as live:
        found = Site(env, live.url)
        found.staff = sign_in(live.url, "anna", "dobre-haslo-123")
        yield found
    env.hub.close()


def fields(shown: dict[str, dict], *names: str) -> set[tuple]:
    """The values of these fields in every view of the request (one value each: they agree)."""
    return {tuple(view[n] for n in names) for view in shown.values()}


def test_anonymous_readers_get_no_words_address_or_exact_place_until_staff_publish(site):
    rid, _token = site.file("lampa")
    # By default: the category and the place to about 100 m; no words, no typed address.
    shown = site.open311(rid)
    assert len(shown) == 4  # by id and in the list, XML and JSON
    assert fields(shown, "service_code", "status") == {("lampa", "open")}
    assert fields(shown, "description", "address", "media_url") == {(None, None, None)}
    assert fields(shown, "lat", "long") == {(50.301, 16.883)}

    page = site.staff.get(f"{site.url}/admin/reports/{rid}", timeout=TIMEOUT).text
    assert "Make the description public" in page or "Opublikuj opis" in page
    answer = site.mark(rid, public=True)
    assert answer.status_code == 303
    assert answer.headers["location"].endswith(f"/admin/reports/{rid}?done=public")
    shown = site.open311(rid)
    assert fields(shown, "description", "address") == {(WORDS, None)}
    assert fields(shown, "lat", "long") == {(50.301, 16.883)}

    # Published by mistake: taken back, and the history keeps both steps.
    assert site.mark(rid, public=False).status_code == 303
    assert fields(site.open311(rid), "description") == {(None,)}
    history = site.staff.get(f"{site.url}/admin/reports/{rid}", timeout=TIMEOUT).text
    assert history.count("anna") >= 2
    assert site.mark(rid, public=False).headers["location"].endswith("?done=same")


def test_each_category_decides_what_is_public(site):
    exact, _ = site.file("dziura")
    shown = site.open311(exact)
    assert fields(shown, "address", "lat", "long") == {
        (PLACE["address_string"], PLACE["lat"], PLACE["long"])
    }
    assert fields(shown, "description") == {(None,)}  # the words still wait for staff

    never, _ = site.file("halas")
    shown = site.open311(never)
    assert fields(shown, "description", "address", "lat", "long") == {(None,) * 4}
    page = site.staff.get(f"{site.url}/admin/reports/{never}", timeout=TIMEOUT).text
    assert "never published" in page or "nigdy nie są publikowane" in page
    assert 'name="public" value="1"' not in page
    refused = site.mark(never, public=True)
    assert refused.status_code == 422
    assert fields(site.open311(never), "description") == {(None,)}


def test_the_status_page_shows_what_open311_shows(site):
    """One rule for both: for every category and both states of the description, the words,
    the address and the coordinates on the receipt's page are those Open311 gives anyone."""
    compared = 0
    for code in ("lampa", "dziura", "halas"):
        rid, token = site.file(code)
        for public in (False, True):
            if public and code != "halas":
                assert site.mark(rid, public=True).status_code == 303
            [json_view] = [v for k, v in site.open311(rid).items() if k.endswith(f"{rid}.json")]
            page = site.status_page(token)
            assert page["description"] == json_view["description"], (code, public)
            assert page["address"] == json_view["address"], (code, public)
            if json_view["lat"] is None:
                assert page["coordinates"] is None, (code, public)
            else:
                lat, long = (float(x) for x in page["coordinates"].split(","))
                decimals = len(page["coordinates"].split(",")[0].split(".")[1])
                assert (lat, long) == (
                    round(json_view["lat"], decimals),
                    round(json_view["long"], decimals),
                ), (code, public)
            for secret in ("jan@example.org", "Kowalski" if not json_view["description"] else ""):
                assert not secret or secret not in page["html"]
            compared += 1
    assert compared == 6


def test_the_client_that_filed_a_request_reads_it_back_and_no_other(site):
    env = site.env
    ours, theirs = env.token("open311", name="Naprawmy To"), env.token("open311", name="Inna")
    filed = requests.post(
        f"{site.o311}/requests.json",
        data={"api_key": ours, "service_code": "lampa", "description": WORDS} | PLACE,
        timeout=TIMEOUT,
    )
    assert filed.status_code == 200, filed.text
    rid = json_of(filed)[0]["service_request_id"]
    [own] = json_of(requests.get(f"{site.o311}/requests/{rid}.json", params={"api_key": ours}))
    assert (own["description"], own["address"], own["lat"]) == (
        WORDS,
        PLACE["address_string"],
        PLACE["lat"],
    )
    [other] = json_of(requests.get(f"{site.o311}/requests/{rid}.json", params={"api_key": theirs}))
    assert (other["description"], other["address"], other["lat"]) == (None, None, 50.301)
    wrong = requests.get(f"{site.o311}/requests.json", params={"api_key": "nie-ma-takiego"})
    assert wrong.status_code == 403


def test_content_check_says_where_a_publicity_setting_is_wrong(tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src")
    wrong = CATEGORIES.replace(
        "  public: {place: exact}\n", "  public:\n    place: street\n    photo: yes\n"
    )
    (src / "report_categories.yaml").write_text(wrong, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_source(src)
    found = [str(p) for p in info.value.problems]
    assert any(
        p.startswith("report_categories.yaml:12:") and "public.place" in p and "'rough'" in p
        for p in found
    ), found
    assert any(
        p.startswith("report_categories.yaml:13:") and "public.photo: unknown field" in p
        for p in found
    ), found


def test_the_pages_in_a_browser(site):
    rid, token = site.file("lampa")
    assert site.mark(rid, public=True).status_code == 303
    cookies = [{"name": c.name, "value": c.value, "url": site.url} for c in site.staff.cookies]
    with launch() as browser:
        with open_page(browser, PHONE) as page:
            page.goto(f"{site.url}/r/{token}")
            text = page.inner_text("main")
            assert WORDS in text and "50.301, 16.883" in text
            screenshot(page, "privacy-status-phone-pl")
        with open_page(browser, DESKTOP) as page:
            page.context.add_cookies(cookies)
            page.goto(f"{site.url}/admin/reports/{rid}")
            assert page.locator("#publicity button").count() == 1
            screenshot(page, "privacy-report-desktop")

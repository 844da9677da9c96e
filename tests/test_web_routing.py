"""Publishing content and changing where residents' reports go are separate rights.

A real hub under uvicorn on 127.0.0.1 with SMTP set (nothing is sent: the tests look at what
is queued), people signing in through the real form and using only the pages' own forms, the
real `kiosk-hub` command in its own process, and headless Chromium for the screenshots. An
editor's release that would change a category's department, department e-mail or add a
category is refused by every path (the upload form, `kiosk-hub publish`, a rollback) and
nothing is stored; an administrator's is published, recorded and shown; forwarding is for
administrators only and every change of it is recorded too.
"""

from __future__ import annotations

import re
import subprocess
import uuid
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from hub.db import deliveries, forward_targets, releases, reports, routing_changes
from hub.settings import Smtp
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.conftest import REPORTS, write_tree
from tests.hubtools import HUB_CLI, REPO, HubEnv, LiveServer, bearer
from tests.webtools import csrf_of, post_form, sign_in, upload_content, zip_tree

TIMEOUT = 10
PASSWORD = "haslo-ratusza-2026"
EVIL = "zbieracz@evil.example"
KIOSK_CATEGORY = """\
- service_code: kosz
  name: {pl: Przepełniony kosz}
  group: {pl: Czystość}
  department: {pl: Referat Ochrony Środowiska}
  department_email: srodowisko@example.org
"""


def text_of(html: str) -> str:
    inline = re.sub(r"</?(?:strong|span|a|em|code)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def tree(root: Path, reports: str = REPORTS, note: str = "") -> bytes:
    """The small test content, zipped as staff upload it, with these report categories."""
    src = write_tree(root)
    (src / "report_categories.yaml").write_text(reports, encoding="utf-8")
    if note:
        services = src / "services" / "documents.yaml"
        services.write_text(services.read_text().replace("17 zł", note), encoding="utf-8")
    return zip_tree(src)


class Site:
    """A live hub: administrator Ewa published the first release (setting where reports go);
    Anna is an editor, Piotr department staff for street lamps; a kiosk files reports."""

    def __init__(self, env: HubEnv, url: str, root: Path):
        self.env, self.url, self.root = env, url, root
        env.user("ewa", "admin", PASSWORD, display_name="Ewa Kowalska")
        env.user("anna", "editor", PASSWORD, display_name="Anna Nowak")
        env.user("piotr", "staff", PASSWORD, display_name="Piotr Zieliński", departments=["lampa"])
        self.kiosk = env.kiosk_token("rynek")
        answer = upload_content(self.session("ewa"), url, tree(root / "first"))
        assert answer.status_code == 303, answer.text

    def session(self, username: str) -> requests.Session:
        return sign_in(self.url, username, PASSWORD)

    def zip(self, reports: str = REPORTS, note: str = "") -> bytes:
        return tree(self.root / uuid.uuid4().hex, reports, note)

    def stored(self) -> tuple:
        """Every release and every recorded routing change: what 'nothing stored' compares."""
        with self.env.hub.transaction(write=False) as conn:
            return tuple(
                tuple(tuple(r) for r in conn.execute(select(table)))
                for table in (releases, routing_changes, forward_targets)
            )

    def changes(self) -> list[tuple]:
        with self.env.hub.transaction(write=False) as conn:
            rows = conn.execute(select(routing_changes).order_by(routing_changes.c.id))
            return [(r.actor, r.service_code, r.field, r.old, r.new, r.release) for r in rows]

    def report_goes_to(self, service_code: str = "lampa") -> str:
        """File a report at the kiosk; the e-mail address the hub queued it for."""
        body = {
            "uuid": str(uuid.uuid4()),
            "ref_code": "7KQ-4XM",
            "status_token": uuid.uuid4().hex,
            "created": "2026-11-21T14:00:00+00:00",
            "lang": "pl",
            "service_code": service_code,
            "description": "Nie świeci latarnia przy ul. Polnej 3",
            "lat": 50.3,
            "long": 16.88,
            "email": "jan@example.org",
            "phone": "+48600100200",
            "first_name": "Jan",
            "last_name": "Kowalski",
        }
        answer = requests.post(
            f"{self.url}/api/v1/reports",
            json=body,
            headers=bearer(self.kiosk) | {"Idempotency-Key": body["uuid"]},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        report_id = int(answer.json()["service_request_id"])
        with self.env.hub.transaction(write=False) as conn:
            return conn.scalar(
                select(deliveries.c.target).where(
                    deliveries.c.report_id == report_id, deliveries.c.channel == "email"
                )
            )

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        data = ["--data", str(self.env.hub.settings.data_dir), *self.env.database_args()]
        needs_data = args[0] not in ("publish",)
        return subprocess.run(
            [*HUB_CLI, *args, *(data if needs_data else [])],
            cwd=REPO,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )


@pytest.fixture
def site(tmp_path):
    smtp = Smtp(host="127.0.0.1", port=9, timeout=1)  # queued only: deliveries_interval 0
    env = HubEnv.create(tmp_path / "hub", smtp=smtp, deliveries_interval=0)
    with LiveServer(env.app) as live:
        yield Site(env, live.url, tmp_path)
    env.hub.close()


def test_an_editor_cannot_point_a_department_elsewhere_by_any_path(site: Site) -> None:
    anna = site.session("anna")
    before = site.stored()
    assert site.report_goes_to("lampa") == "komunalny@example.org"

    # The upload form: a changed e-mail, a changed department, a new category.
    stolen = REPORTS.replace("komunalny@example.org", EVIL)
    answer = upload_content(anna, site.url, site.zip(stolen))
    assert answer.status_code == 403
    shown = text_of(answer.text)
    assert "Treści nie zostały opublikowane" in shown
    assert (
        "report_categories.yaml, pole lampa: e-mail wydziału zmieniłby się z "
        f"komunalny@example.org na {EVIL}." in shown
    )
    assert "Tylko administrator może zmienić, dokąd trafiają zgłoszenia mieszkańców." in shown
    renamed = REPORTS.replace("Referat Gospodarki Komunalnej", "Biuro Prywatne")
    answer = upload_content(anna, site.url, site.zip(renamed))
    assert answer.status_code == 403
    assert "wydział zmieniłby się z Referat Gospodarki Komunalnej na Biuro Prywatne" in text_of(
        answer.text
    )
    added = upload_content(anna, site.url, site.zip(REPORTS + KIOSK_CATEGORY))
    assert added.status_code == 403
    assert "pole kosz: e-mail wydziału: srodowisko@example.org." in text_of(added.text)
    assert site.stored() == before

    # `kiosk-hub publish` with an editor's token.
    token = site.cli("token", "add", "--role", "editor", "--name", "Anna").stdout.strip()
    src = write_tree(site.root / "cli")
    (src / "report_categories.yaml").write_text(stolen, encoding="utf-8")
    refused = site.cli("publish", str(src), "--hub", site.url, "--token", token)
    assert refused.returncode == 1
    assert f"lampa: department_email 'komunalny@example.org' -> '{EVIL}'" in refused.stderr
    assert "403 only an administrator may change where reports go" in refused.stderr
    assert site.stored() == before
    assert site.report_goes_to("lampa") == "komunalny@example.org"

    # Editors still publish content that leaves routing alone, by the page and the CLI.
    assert upload_content(anna, site.url, site.zip(note="18 zł")).status_code == 303
    (src / "report_categories.yaml").write_text(REPORTS, encoding="utf-8")
    assert site.cli("publish", str(src), "--hub", site.url, "--token", token).returncode == 0

    # A rollback to a release routed differently: the page says so and offers no button.
    ewa = site.session("ewa")
    moved = REPORTS.replace("komunalny@example.org", "oswietlenie@example.org")
    assert upload_content(ewa, site.url, site.zip(moved)).status_code == 303
    before = site.stored()
    confirm = anna.get(f"{site.url}/admin/releases/1/rollback", timeout=TIMEOUT)
    assert confirm.status_code == 200
    words = text_of(confirm.text)
    assert "Przywrócenie zmieniłoby, dokąd trafiają zgłoszenia mieszkańców" in words
    assert "oswietlenie@example.org → komunalny@example.org" in words
    assert 'action="/admin/releases/1/rollback"' not in confirm.text
    token = csrf_of(anna.get(f"{site.url}/admin/releases", timeout=TIMEOUT).text)
    forced = anna.post(
        f"{site.url}/admin/releases/1/rollback",
        data={"csrf": token},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert forced.status_code == 403
    assert "tylko administrator może przywrócić to wydanie" in text_of(forced.text)
    assert site.stored() == before
    assert site.report_goes_to("lampa") == "oswietlenie@example.org"


def test_an_administrators_change_of_routing_is_recorded_and_shown(site: Site) -> None:
    ewa = site.session("ewa")
    first = [
        ("Ewa Kowalska", "lampa", "department", None, '{"pl": "Referat Gospodarki Komunalnej"}', 1),
        ("Ewa Kowalska", "lampa", "department_email", None, "komunalny@example.org", 1),
        ("Ewa Kowalska", "idea", "department", None, '{"pl": "Sekretariat Burmistrza"}', 1),
        ("Ewa Kowalska", "idea", "department_email", None, "sekretariat@example.org", 1),
    ]
    assert site.changes() == first

    moved = REPORTS.replace("komunalny@example.org", "oswietlenie@example.org")
    assert upload_content(ewa, site.url, site.zip(moved)).status_code == 303
    change = (
        "Ewa Kowalska",
        "lampa",
        "department_email",
        "komunalny@example.org",
        "oswietlenie@example.org",
        2,
    )
    assert site.changes() == [*first, change]
    assert site.report_goes_to("lampa") == "oswietlenie@example.org"

    # Forwarding set on the page, replaced and removed from the command line.
    key = "tajny-klucz-miasta-0123456789"
    saved = post_form(
        ewa,
        f"{site.url}/admin/forwarding",
        {
            "service_code": "lampa",
            "endpoint": "https://miasto.example/open311/v2",
            "api_key": key,
            "remote_service_code": "001",
            "jurisdiction_id": "",
        },
    )
    assert saved.status_code == 303, saved.text
    replaced = site.cli(
        "forward",
        "add",
        "lampa",
        "--endpoint",
        "https://inne.example/open311",
        "--api-key",
        "",
        "--remote-code",
        "002",
    )
    assert replaced.returncode == 0, replaced.stderr
    assert site.cli("forward", "remove", "lampa").returncode == 0
    forwarding = [c for c in site.changes() if c[2].startswith("forward_")]
    assert [c[1:5] for c in forwarding] == [
        ("lampa", "forward_endpoint", None, "https://miasto.example/open311/v2"),
        ("lampa", "forward_service_code", None, "001"),
        ("lampa", "forward_api_key", None, "…6789"),
        (
            "lampa",
            "forward_endpoint",
            "https://miasto.example/open311/v2",
            "https://inne.example/open311",
        ),
        ("lampa", "forward_service_code", "001", "002"),
        ("lampa", "forward_endpoint", "https://inne.example/open311", None),
        ("lampa", "forward_service_code", "002", None),
        ("lampa", "forward_api_key", "…6789", None),
    ]
    assert forwarding[0][0] == "Ewa Kowalska"
    assert all(c[0].startswith("command line (") for c in forwarding[3:])

    # Administrators see it all: on the forwarding page and, recently, on their start page.
    page = ewa.get(f"{site.url}/admin/forwarding", timeout=TIMEOUT)
    assert key not in page.text
    history = text_of(page.text.split('id="changes"', 1)[1])
    assert (
        "Ewa Kowalska Nie świeci latarnia lampa e-mail wydziału komunalny@example.org "
        "oswietlenie@example.org" in history
    )
    assert "przekazywanie: adres systemu miasta https://inne.example/open311 brak" in history
    start = ewa.get(f"{site.url}/admin/", timeout=TIMEOUT)
    assert start.url.endswith("/admin/fleet")
    assert "Zmieniono, dokąd trafiają zgłoszenia: 13 razy w ostatnich 7 dniach." in text_of(
        start.text
    )


def test_staff_cannot_publish_and_editors_cannot_route(site: Site) -> None:
    before = site.stored()
    piotr, anna = site.session("piotr"), site.session("anna")
    assert piotr.get(f"{site.url}/admin/", timeout=TIMEOUT).url.endswith("/admin/reports")
    assert anna.get(f"{site.url}/admin/", timeout=TIMEOUT).url.endswith("/admin/releases")

    # Department staff: their reports, no content, no alerts.
    reports = piotr.get(f"{site.url}/admin/reports", timeout=TIMEOUT).text
    token = csrf_of(reports)
    assert 'href="/admin/releases"' not in reports and 'href="/admin/alerts"' not in reports
    for path in ("/admin/releases", "/admin/alerts", "/admin/forwarding"):
        assert piotr.get(f"{site.url}{path}", timeout=TIMEOUT).status_code == 403
    upload = piotr.post(
        f"{site.url}/admin/releases/upload",
        data={"csrf": token},
        files={"archive": ("content.zip", site.zip(note="99 zł"), "application/zip")},
        allow_redirects=False,
        timeout=60,
    )
    assert upload.status_code == 403
    alert = {"csrf": token, "severity": "danger", "text_pl": "Fałszywy alarm", "valid_until": ""}
    assert piotr.post(f"{site.url}/admin/alerts", data=alert, timeout=TIMEOUT).status_code == 403

    # Editors: content and alerts, no reports, no forwarding.
    content = anna.get(f"{site.url}/admin/releases", timeout=TIMEOUT).text
    token = csrf_of(content)
    assert 'href="/admin/reports"' not in content and 'href="/admin/forwarding"' not in content
    assert anna.get(f"{site.url}/admin/reports", timeout=TIMEOUT).status_code == 403
    assert anna.get(f"{site.url}/admin/forwarding", timeout=TIMEOUT).status_code == 403
    forward = {
        "csrf": token,
        "service_code": "lampa",
        "endpoint": "https://zbieracz.evil.example/open311",
        "api_key": "klucz-zbieracza-0123456789",
        "remote_service_code": "1",
    }
    for path in ("/admin/forwarding", "/admin/forwarding/lampa/remove"):
        refused = anna.post(f"{site.url}{path}", data=forward, timeout=TIMEOUT)
        assert refused.status_code == 403
    assert site.stored() == before

    # Staff tokens are no more: editor tokens publish.
    old = site.cli("token", "add", "--role", "staff")
    assert (
        old.returncode == 2 and "'staff' is not one of 'editor', 'admin', 'open311'" in old.stderr
    )


def test_people_get_the_editor_role_on_the_people_page(site: Site) -> None:
    ewa = site.session("ewa")
    page = ewa.get(f"{site.url}/admin/people", timeout=TIMEOUT).text
    assert 'name="role" value="editor"' in page
    assert "treści i komunikaty, ale nie to, dokąd trafiają zgłoszenia" in text_of(page)
    added = post_form(
        ewa,
        f"{site.url}/admin/people",
        {
            "username": "marta",
            "display_name": "Marta Wiśniewska",
            "role": "editor",
            "lang": "pl",
            "email": "",
            "password": "dobre-haslo-marty",
            "password2": "dobre-haslo-marty",
        },
    )
    assert added.status_code == 303, added.text
    listed = text_of(ewa.get(f"{site.url}/admin/people", timeout=TIMEOUT).text)
    assert "Marta Wiśniewska marta Redaktor" in listed
    marta = sign_in(site.url, "marta", "dobre-haslo-marty")
    assert marta.get(f"{site.url}/admin/", timeout=TIMEOUT).url.endswith("/admin/releases")
    # An editor handles no reports: not offered for one, and cannot be given one.
    site.report_goes_to("lampa")
    with site.env.hub.transaction(write=False) as conn:
        report_id = conn.scalar(select(reports.c.id))
    page = ewa.get(f"{site.url}/admin/reports/{report_id}", timeout=TIMEOUT).text
    assert 'value="piotr"' in page and 'value="marta"' not in page and 'value="anna"' not in page
    given = post_form(
        ewa,
        f"{site.url}/admin/reports/{report_id}/assign",
        {"to": "marta"},
        page_url=f"{site.url}/admin/reports/{report_id}",
    )
    assert given.status_code >= 400
    with site.env.hub.transaction(write=False) as conn:
        assert conn.scalar(select(reports.c.assigned_to)) is None
    # Anna becomes department staff: she keeps signing in, for reports only.
    moved = post_form(
        ewa,
        f"{site.url}/admin/people/anna",
        {"display_name": "Anna Nowak", "role": "staff", "lang": "pl", "email": ""},
        page_url=f"{site.url}/admin/people/anna",
    )
    assert moved.status_code == 303
    anna = site.session("anna")
    assert anna.get(f"{site.url}/admin/releases", timeout=TIMEOUT).status_code == 403


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_routing_pages_in_a_browser(site: Site, chromium, device, tmp_path) -> None:
    stolen = tmp_path / "stolen.zip"
    stolen.write_bytes(site.zip(REPORTS.replace("komunalny@example.org", EVIL)))
    moved = tmp_path / "moved.zip"
    moved.write_bytes(site.zip(REPORTS.replace("komunalny@example.org", "swiatlo@example.org")))
    before = site.stored()
    with open_page(chromium, device, locale="pl-PL", timezone_id="Europe/Warsaw") as page:
        page.goto(f"{site.url}/login")
        page.fill("#username", "anna")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/admin/releases")
        assert page.locator("nav.main a").all_inner_texts() == ["Treści", "Wydania", "Komunikaty"]
        page.set_input_files("#archive", str(stolen))
        page.click("text=Sprawdź i pokaż zmiany")
        page.wait_for_selector("ul.upload-problems")
        (problem,) = page.locator("ul.upload-problems li").all_inner_texts()
        assert EVIL in problem and "lampa" in problem
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"routing-refused-{device.name}")
    assert site.stored() == before

    with open_page(chromium, device, locale="pl-PL", timezone_id="Europe/Warsaw") as page:
        page.goto(f"{site.url}/login")
        page.fill("#username", "ewa")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/admin/fleet")
        page.goto(f"{site.url}/admin/releases")
        page.set_input_files("#archive", str(moved))
        page.click("text=Sprawdź i pokaż zmiany")
        page.wait_for_selector(".routing-changes")  # an administrator is told, then confirms
        assert "swiatlo@example.org" in page.locator(".routing-changes").inner_text()
        page.click("text=Opublikuj wysłane treści")
        page.wait_for_selector(".flash.ok")
        page.goto(f"{site.url}/admin/fleet")
        page.click("text=Zobacz, co zmieniono i kto to zrobił")
        page.wait_for_selector("table.routing")
        rows = page.locator("table.routing tbody tr").all_inner_texts()
        assert "swiatlo@example.org" in rows[0] and "Ewa Kowalska" in rows[0]
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"routing-changes-{device.name}")
        page.goto(f"{site.url}/admin/people")
        page.check("input[name=role][value=editor]")
        screenshot(page, f"people-editor-{device.name}")

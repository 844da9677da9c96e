"""A report filed in a category that disappears before the kiosk syncs is kept, end to end:
`kiosk-hub serve` in its own process with e-mail to a real SMTP server (aiosmtpd) on
127.0.0.1, a real `kiosk enroll` and `kiosk sync --once`, staff signed in through the real
form, and headless Chromium for the pages' screenshots.

Before: the hub answered 422 `unknown service_code`, the kiosk marked the report rejected
for good and erased the resident's contact details, and the receipt's status page said 404.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
import requests

from kiosk.infra.store import open_store
from kiosk.visit.outbox import list_reports
from tests.browser import DESKTOP, launch, open_page, screenshot
from tests.conftest import REPORTS, write_tree
from tests.hubtools import KIOSK_CLI, REPO, HubProcess, enroll_kiosk, file_report, free_port, run
from tests.test_hub_mail import Sink, start_smtp
from tests.webtools import post_form, sign_in

pytestmark = pytest.mark.skipif(
    not (REPO / "hub" / "cli.py").exists(), reason="the hub is not in this tree"
)

PASSWORD = "Ewa-Hasło-2026-długie"
RENAMED = REPORTS.replace("service_code: lampa", "service_code: latarnie").replace(
    "komunalny@example.org", "oswietlenie@example.org"
)
"""The release staff publish next: street lamps under a new code, with a new department."""


def text_of(html: str) -> str:
    inline = re.sub(r"</?(?:strong|span|a|em)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def refs_in(html: str) -> list[str]:
    return re.findall(r'<strong class="ref">([^<]+)</strong>', html)


def sync(data: Path) -> str:
    done = run([*KIOSK_CLI, "sync", "--once", "--data", str(data)], check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return next(line for line in done.stdout.splitlines() if line.startswith("reports:"))


def kiosk_reports(data: Path) -> dict[str, dict]:
    db = open_store(data)
    try:
        return {r["uuid"]: r for r in list_reports(db, with_contact=True)}
    finally:
        db.close()


def wait_for(condition, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout} s")
        time.sleep(0.1)


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    sink, port = Sink(), free_port()
    controller = start_smtp(port, sink)
    yield sink, port
    controller.stop()


@pytest.fixture
def hub(tmp_path: Path, sink) -> Iterator[HubProcess]:
    config = (
        "deliveries_interval = 0.2\n"
        f'[smtp]\nhost = "127.0.0.1"\nport = {sink[1]}\ntimeout = 5\n'
        'sender = "Kioski <kioski@probna.example>"\n'
    )
    server = HubProcess(tmp_path, config)
    server.add_user("ewa", "admin", PASSWORD)
    yield server
    server.stop()


def test_a_report_whose_category_disappeared_is_kept_unsorted_shown_first_and_routed_once_sorted(
    hub: HubProcess, sink, tmp_path: Path
) -> None:
    mails, _port = sink
    src = write_tree(tmp_path / "src")  # report categories: lampa, idea
    hub.publish(src)
    data = tmp_path / "kiosk"
    enroll_kiosk(hub.url, hub.add_kiosk("rynek"), data)
    sync(data)

    # A resident reports a street lamp and is thanked; the kiosk has not synced since.
    lamp = file_report(data, description="Nie świeci latarnia przy ul. Polnej 3")
    receipt = kiosk_reports(data)[lamp]
    # Staff rename the category before the kiosk syncs; another report comes in after it.
    (src / "report_categories.yaml").write_text(RENAMED, encoding="utf-8")
    hub.publish(src)
    idea = file_report(data, service_code="idea", description="Ławki w parku")

    assert "2 report(s) delivered, 0 refused (need attention)" in sync(data)
    sent = kiosk_reports(data)
    assert sent[lamp]["state"] == "delivered" and sent[lamp]["service_request_id"]
    assert sent[lamp]["email"] is None  # erased at the kiosk: the hub has the report now
    lamp_id = int(sent[lamp]["service_request_id"])
    stored = hub.query(
        "SELECT service_code, unsorted, email, phone FROM reports WHERE uuid = ?", lamp
    )
    assert stored == [("lampa", 1, "jan@example.org", "+48600100200")]
    # Nobody is mailed about it yet (its department is unknown); the idea went to its own.
    wait_for(lambda: mails.to("sekretariat@example.org"), "the idea's e-mail")
    assert mails.to("komunalny@example.org") == mails.to("oswietlenie@example.org") == []

    # The receipt's status page works, and says the report is being sorted.
    status = requests.get(f"{hub.url}/r/{receipt['status_token']}?lang=en", timeout=10)
    assert status.status_code == 200
    assert receipt["ref_code"] in status.text
    assert "Being passed to the right department" in text_of(status.text)

    # Staff see it first, above the newer idea, with a count that leads to it.
    staff = sign_in(hub.url, "ewa", PASSWORD)
    inbox = staff.get(f"{hub.url}/admin/reports", timeout=10)
    assert refs_in(inbox.text) == [receipt["ref_code"], sent[idea]["ref_code"]]
    assert "1 zgłoszenie czeka na kategorię" in text_of(inbox.text)
    assert "Bez kategorii lampa" in text_of(inbox.text)
    pages_in_a_browser(hub.url, lamp_id)

    # An administrator chooses the new category: the report goes to its department.
    page = f"{hub.url}/admin/reports/{lamp_id}"
    moved = post_form(staff, f"{page}/category", {"service_code": "latarnie"}, page_url=page)
    assert moved.status_code == 303 and "done=category" in moved.headers["location"]
    (message,) = wait_for(lambda: mails.to("oswietlenie@example.org"), "the department's e-mail")
    assert receipt["ref_code"] in message["Subject"]
    assert "Nie świeci latarnia przy ul. Polnej 3" in message.get_body(("plain",)).get_content()
    report = text_of(staff.get(page, timeout=10).text)
    assert "Kategoria zmieniona: lampa → Nie świeci latarnia" in report
    assert hub.query("SELECT service_code, unsorted FROM reports WHERE id = ?", lamp_id) == [
        ("latarnie", 0)
    ]
    inbox = staff.get(f"{hub.url}/admin/reports", timeout=10)
    assert "czeka na kategorię" not in inbox.text
    status = requests.get(f"{hub.url}/r/{receipt['status_token']}?lang=en", timeout=10)
    assert "Street lamp out" in text_of(status.text)
    # Sent once: choosing the same category again changes nothing and queues nothing.
    again = post_form(staff, f"{page}/category", {"service_code": "latarnie"}, page_url=page)
    assert "done=same" in again.headers["location"]
    queued = "SELECT channel, target, state FROM deliveries WHERE report_id = ?"
    assert hub.query(queued, lamp_id) == [("email", "oswietlenie@example.org", "done")]


def pages_in_a_browser(url: str, report_id: int) -> None:
    """The inbox and the unsorted report as staff see them (screenshots to look at)."""
    with launch() as browser, open_page(browser, DESKTOP) as page:
        page.goto(f"{url}/admin/reports")
        page.fill("#username", "ewa")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{url}/admin/reports")
        screenshot(page, "reports-unsorted-desktop")
        page.goto(f"{url}/admin/reports/{report_id}")
        assert page.locator("#unsorted").is_visible()
        screenshot(page, "report-unsorted-desktop")

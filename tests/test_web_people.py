"""The people page (/admin/people): a real hub under uvicorn with published report categories,
reports filed by a kiosk over HTTP, an administrator who signs in through the real form and
manages accounts only through the page's own forms, the people concerned signing in (or being
thrown out) through the same real sign-in, and headless Chromium on a phone and a desktop."""

from __future__ import annotations

import re
import subprocess
import uuid
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from hub.accounts import users
from hub.db import sessions
from hub.db import users as users_table
from hub.errors import HubError
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.conftest import write_tree
from tests.hubtools import HUB_CLI, HubEnv, LiveServer, bearer
from tests.open311tools import CATEGORIES
from tests.webtools import csrf_of, post_form, sign_in

TIMEOUT = 10
PUBLIC_URL = "http://kiosk.probna.example"


def text_of(html: str) -> str:
    """The page's words as a reader sees them: no tags, entities decoded, spaces collapsed."""
    inline = re.sub(r"</?(?:strong|span|a|em)\b[^>]*>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", inline)).split())


def issued_password(html: str) -> str:
    found = re.search(r'id="issued-password">([^<]+)<', html)
    assert found, "the page shows no new password"
    return unescape(found.group(1))


def refs_in(html: str) -> list[str]:
    return re.findall(r'<strong class="ref">([^<]+)</strong>', html)


def signs_in(url: str, username: str, password: str) -> bool:
    """Whether the real sign-in form lets this person in."""
    session = requests.Session()
    page = session.get(f"{url}/login", timeout=TIMEOUT)
    answer = session.post(
        f"{url}/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert answer.status_code in (303, 401), answer.status_code
    return answer.status_code == 303


def signed_in(session: requests.Session, url: str) -> bool:
    """Whether this browser session is still let in (not sent to the sign-in page)."""
    answer = session.get(f"{url}/admin/reports", allow_redirects=False, timeout=TIMEOUT)
    return answer.status_code == 200


def accounts(env: HubEnv) -> list[tuple]:
    """Every stored account, password hash included: what 'nothing changed' compares."""
    with env.hub.transaction(write=False) as conn:
        return [tuple(r) for r in conn.execute(select(users_table).order_by("username"))]


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("release")
    src = write_tree(root / "src")
    (src / "report_categories.yaml").write_text(CATEGORIES, encoding="utf-8")
    build_release(src, root / "release")
    return root / "release"


class Site:
    """A live hub with content, one administrator (made as the CLI would) and two reports
    from a kiosk: a street lamp and an idea."""

    def __init__(self, env: HubEnv, url: str):
        self.env, self.url = env, url
        self.admin_password = env.user("ewa", "admin", display_name="Ewa Nowak")
        self.kiosk = env.kiosk_token("rynek")
        self.lamp = self.report("LMP-2AB", "lampa", "Nie świeci latarnia przy Rynku 5")
        self.idea = self.report("IDE-7QX", "idea", "Więcej ławek w parku")

    def report(self, ref: str, service_code: str, description: str) -> int:
        body = {
            "uuid": str(uuid.uuid4()),
            "ref_code": ref,
            "status_token": uuid.uuid4().hex,
            "created": "2026-11-21T14:00:00+00:00",
            "lang": "pl",
            "service_code": service_code,
            "description": description,
            "lat": 50.3,
            "long": 16.88,
        }
        answer = requests.post(
            f"{self.url}/api/v1/reports",
            json=body,
            headers=bearer(self.kiosk) | {"Idempotency-Key": body["uuid"]},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        return int(answer.json()["service_request_id"])

    def admin(self) -> requests.Session:
        return sign_in(self.url, "ewa", self.admin_password)

    def add(self, admin: requests.Session, **fields) -> requests.Response:
        data = {"role": "staff", "lang": "pl", "display_name": "", "email": ""} | fields
        return post_form(admin, f"{self.url}/admin/people", data)

    def person(self, admin: requests.Session, username: str, action: str = "", **fields):
        url = f"{self.url}/admin/people/{username}" + (f"/{action}" if action else "")
        return post_form(admin, url, fields, page_url=f"{self.url}/admin/people/{username}")


@pytest.fixture
def site(tmp_path, release):
    env = HubEnv.create(tmp_path / "hub", public_url=PUBLIC_URL)
    env.publish_release(release)
    with LiveServer(env.app) as live:
        yield Site(env, live.url)
    env.hub.close()


# --- adding people --------------------------------------------------------------------------


def test_an_admin_adds_a_department_member_who_sees_only_that_department(site: Site) -> None:
    admin = site.admin()
    page = admin.get(f"{site.url}/admin/people", timeout=TIMEOUT)
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Ewa Nowak (Ty)" in words and "Administrator" in words and "Aktywne" in words
    # The categories to choose from are the latest release's, by name.
    assert re.search(r'value="lampa"\s*>\s*Nie świeci latarnia', page.text)
    assert re.search(r'value="idea"\s*>\s*Pomysł dla miasta', page.text)
    assert '<a href="/admin/people" class="here">Użytkownicy</a>' in page.text

    made = site.add(
        admin,
        username="jan.kowalski",
        display_name="Jan  Kowalski",
        email="jan.kowalski@jodlow.example",
        department="lampa",
        lang="uk",
    )
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    password = issued_password(made.text)
    assert len(password) >= 20 and users.check_password(password) is None
    words = text_of(made.text)
    assert "Jan Kowalski może się już zalogować" in words
    assert "To hasło jest widoczne tylko teraz" in words

    listed = admin.get(f"{site.url}/admin/people", timeout=TIMEOUT)
    assert password not in listed.text
    row = re.search(
        r"<tr class=\"active\">\s*<td><strong>Jan Kowalski</strong>.*?</tr>", listed.text, re.S
    )
    assert row, "the new person is not listed"
    cells = text_of(row.group(0))
    for shown in ("jan.kowalski@jodlow.example", "jan.kowalski", "Pracownik"):
        assert shown in cells
    assert "Nie świeci latarnia" in cells and "Pomysł" not in cells
    assert "Українська" in cells and "Aktywne" in cells

    jan = sign_in(site.url, "jan.kowalski", password)
    inbox = jan.get(f"{site.url}/admin/reports", timeout=TIMEOUT)
    assert inbox.status_code == 200
    assert refs_in(inbox.text) == ["LMP-2AB"]
    assert jan.get(f"{site.url}/admin/reports/{site.idea}", timeout=TIMEOUT).status_code == 403
    assert jan.get(f"{site.url}/admin/reports/{site.lamp}", timeout=TIMEOUT).status_code == 200
    # A staff member is not offered the administrators' pages, and is refused them.
    assert "/admin/people" not in inbox.text and "/admin/forwarding" not in inbox.text
    assert jan.get(f"{site.url}/admin/people", timeout=TIMEOUT).status_code == 403


def test_a_typed_password_works_and_the_list_says_so(site: Site) -> None:
    admin = site.admin()
    made = site.add(
        admin,
        username="olga",
        display_name="Olga Sekretarz",
        password="ratusz-jodłów-2026",
        password2="ratusz-jodłów-2026",
    )
    assert made.status_code == 303
    assert made.headers["location"] == "/admin/people?done=added&user=olga"
    after = admin.get(f"{site.url}{made.headers['location']}", timeout=TIMEOUT)
    assert "Olga Sekretarz może się już zalogować ustalonym przez Ciebie hasłem." in text_of(
        after.text
    )
    assert "ratusz-jodłów-2026" not in after.text
    assert signs_in(site.url, "olga", "ratusz-jodłów-2026")
    # No category chosen: she sees every report.
    olga = sign_in(site.url, "olga", "ratusz-jodłów-2026")
    assert sorted(refs_in(olga.get(f"{site.url}/admin/reports", timeout=TIMEOUT).text)) == [
        "IDE-7QX",
        "LMP-2AB",
    ]


@pytest.mark.parametrize(
    ("fields", "status", "field", "message"),
    [
        ({"password": "krotkie", "password2": "krotkie"}, 422, "password", "co najmniej 10"),
        ({"password": "dobre-haslo-1", "password2": "dobre-haslo-2"}, 422, "password2", "Hasła"),
        ({"password": " " * 12, "password2": " " * 12}, 422, "password", "samych spacji"),
        ({"password": "x" * 1025, "password2": "x" * 1025}, 422, "password", "za długie"),
        ({"username": "ewa"}, 409, "username", "Osoba o nazwie użytkownika ewa już istnieje."),
        ({"username": "EWA "}, 409, "username", "ewa już istnieje"),
        ({"username": "Jan Kowalski"}, 422, "username", "od 2 do 64 znaków"),
        ({"username": "łukasz"}, 422, "username", "bez polskich znaków"),
        ({"username": "j"}, 422, "username", "od 2 do 64 znaków"),
        ({"username": "a" * 65}, 422, "username", "od 2 do 64 znaków"),
        ({"username": "<script>"}, 422, "username", "od 2 do 64 znaków"),
        ({"username": ""}, 422, "username", "od 2 do 64 znaków"),
        ({"display_name": "Jan\x07Kowalski"}, 422, "display_name", "znaki sterujące"),
        ({"display_name": "J" * 100_000}, 422, "display_name", "najwyżej 200 znaków"),
        ({"email": "jan(at)example.org"}, 422, "email", "To nie jest adres e-mail."),
        ({"department": "kanalizacja"}, 422, "departments", "Nieznana kategoria"),
        ({"role": "root"}, 422, "role", "Nieznana rola root."),
        ({"lang": "xx"}, 422, "lang", "Nieznany język xx."),
    ],
)
def test_bad_details_are_refused_with_the_reason_and_nothing_stored(
    site: Site, fields: dict, status: int, field: str, message: str
) -> None:
    admin = site.admin()
    before = accounts(site.env)
    refused = site.add(admin, **({"username": "jan"} | fields))
    assert refused.status_code == status
    error = re.search(rf'<p class="error-text" id="{field}-error">([^<]+)</p>', refused.text)
    assert error and message in unescape(error.group(1)), text_of(refused.text)[:400]
    assert "Nikogo nie dodano." in text_of(refused.text)
    assert accounts(site.env) == before
    # What was typed is kept (cut short), the passwords never.
    if "password" in fields:
        assert f'value="{fields["password"]}"' not in refused.text
    if fields.get("display_name", "").startswith("J"):
        assert len(refused.text) < 50_000


# --- one person: password, access, role -----------------------------------------------------


def test_a_reset_shows_a_new_password_once_and_the_old_one_stops_working(site: Site) -> None:
    old = site.env.user("anna", "staff", display_name="Anna Nowak", departments=("lampa",))
    anna = sign_in(site.url, "anna", old)
    admin = site.admin()
    reset = site.person(admin, "anna", "password")
    assert reset.status_code == 200 and reset.headers["cache-control"] == "no-store"
    new = issued_password(reset.text)
    assert new != old and users.check_password(new) is None
    assert "Stare hasło już nie działa" in text_of(reset.text)

    assert not signed_in(anna, site.url)  # her open session is over
    assert not signs_in(site.url, "anna", old)
    assert signs_in(site.url, "anna", new)
    again = admin.get(f"{site.url}/admin/people/anna", timeout=TIMEOUT)
    assert new not in again.text and "issued-password" not in again.text
    assert signed_in(admin, site.url)  # the administrator stays signed in


def test_an_admin_resetting_their_own_password_is_told_to_sign_in_again(site: Site) -> None:
    admin = site.admin()
    reset = site.person(admin, "ewa", "password")
    assert reset.status_code == 200
    new = issued_password(reset.text)
    assert "Dotyczy to także Ciebie: zaloguj się ponownie nowym hasłem." in text_of(reset.text)
    assert not signed_in(admin, site.url)
    assert not signs_in(site.url, "ewa", site.admin_password)
    assert signs_in(site.url, "ewa", new)


def test_disabling_throws_the_person_out_and_enabling_lets_them_back(site: Site) -> None:
    password = site.env.user("anna", "staff", display_name="Anna Nowak")
    anna = sign_in(site.url, "anna", password)
    admin = site.admin()
    done = site.person(admin, "anna", "disable")
    assert (
        done.status_code == 303 and done.headers["location"] == "/admin/people/anna?done=disabled"
    )
    page = admin.get(f"{site.url}{done.headers['location']}", timeout=TIMEOUT)
    words = text_of(page.text)
    assert "Konto Anna Nowak zostało wyłączone i wylogowane na wszystkich urządzeniach." in words
    assert "Wyłączone" in words and "Włącz konto" in words

    thrown_out = anna.get(f"{site.url}/admin/reports", allow_redirects=False, timeout=TIMEOUT)
    assert thrown_out.status_code == 303
    assert thrown_out.headers["location"] == "/login?next=/admin/reports"
    assert not signs_in(site.url, "anna", password)
    listed = text_of(admin.get(f"{site.url}/admin/people", timeout=TIMEOUT).text)
    assert "Anna Nowak" in listed and "Wyłączone" in listed

    assert site.person(admin, "anna", "enable").status_code == 303
    assert signs_in(site.url, "anna", password)


def test_role_and_categories_change_what_the_person_sees(site: Site) -> None:
    password = site.env.user("anna", "staff", display_name="Anna Nowak", departments=("lampa",))
    admin = site.admin()
    changed = site.person(
        admin,
        "anna",
        display_name="Anna Nowak-Wiśniewska",
        email="anna@jodlow.example",
        role="staff",
        department="idea",
        lang="en",
    )
    assert changed.status_code == 303
    anna = sign_in(site.url, "anna", password)
    inbox = anna.get(f"{site.url}/admin/reports", timeout=TIMEOUT)
    assert refs_in(inbox.text) == ["IDE-7QX"] and 'lang="en"' in inbox.text
    assert anna.get(f"{site.url}/admin/people", timeout=TIMEOUT).status_code == 403

    promoted = site.person(admin, "anna", display_name="Anna", role="admin", lang="pl")
    assert promoted.status_code == 303
    assert anna.get(f"{site.url}/admin/people", timeout=TIMEOUT).status_code == 200


def test_an_admin_cannot_lock_themselves_or_the_hub_out(site: Site) -> None:
    admin = site.admin()
    before = accounts(site.env)
    own = admin.get(f"{site.url}/admin/people/ewa", timeout=TIMEOUT)
    assert "Nie możesz wyłączyć własnego konta." in text_of(own.text)
    assert "/admin/people/ewa/disable" not in own.text  # no button to do it

    refused = site.person(admin, "ewa", "disable")
    assert refused.status_code == 409
    assert "Niczego nie zmieniono. Nie możesz wyłączyć własnego konta." in text_of(refused.text)
    demoted = site.person(admin, "ewa", display_name="Ewa Nowak", role="staff", lang="pl")
    assert demoted.status_code == 409
    assert "Nie możesz zmienić własnej roli" in text_of(demoted.text)
    assert accounts(site.env) == before
    assert signed_in(admin, site.url)

    # With a second administrator, one may take the other's role away, but the last one stays.
    marek_password = site.env.user("marek", "admin", display_name="Marek Wójcik")
    marek = sign_in(site.url, "marek", marek_password)
    assert (
        site.person(marek, "ewa", display_name="Ewa Nowak", role="staff", lang="pl").status_code
        == 303
    )
    with site.env.hub.transaction() as conn, pytest.raises(users.AccountRefused) as last:
        users.set_disabled(conn, "marek", True, site.env.hub.now())
    assert last.value.status == 409 and "last active administrator" in last.value.detail
    with site.env.hub.transaction() as conn, pytest.raises(users.AccountRefused):
        users.update_user(conn, "marek", "staff", "Marek", None, (), "pl")
    with site.env.hub.transaction(write=False) as conn:
        assert users.get_user(conn, "marek").is_admin()
        assert not users.get_user(conn, "ewa").is_admin()


def test_the_cli_keeps_the_last_administrator_too(site: Site) -> None:
    data = ["--data", str(site.env.hub.settings.data_dir), *site.env.database_args()]
    refused = subprocess.run(
        [*HUB_CLI, "user", "disable", "ewa", *data], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1
    assert "ewa is the last active administrator" in refused.stderr
    assert signs_in(site.url, "ewa", site.admin_password)


# --- who may ---------------------------------------------------------------------------------


def test_staff_get_the_403_page_and_strangers_the_sign_in(site: Site) -> None:
    password = site.env.user("anna", "staff", display_name="Anna Nowak")
    anna = sign_in(site.url, "anna", password)
    token = csrf_of(anna.get(f"{site.url}/admin/reports", timeout=TIMEOUT).text)
    before = accounts(site.env)
    for path in ("/admin/people", "/admin/people/ewa"):
        page = anna.get(f"{site.url}{path}", timeout=TIMEOUT)
        assert page.status_code == 403
        assert "Twoje konto nie ma dostępu do tej strony." in text_of(page.text)
    for path, data in (
        ("/admin/people", {"username": "intruz", "role": "admin", "lang": "pl"}),
        ("/admin/people/anna", {"role": "admin", "lang": "pl"}),
        ("/admin/people/ewa/disable", {}),
        ("/admin/people/ewa/password", {}),
    ):
        answer = anna.post(
            f"{site.url}{path}",
            data={"csrf": token, **data},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 403, path
    assert accounts(site.env) == before
    stranger = requests.get(f"{site.url}/admin/people", allow_redirects=False, timeout=TIMEOUT)
    assert stranger.headers["location"] == "/login?next=/admin/people"


def test_forged_forms_change_nothing(site: Site) -> None:
    password = site.env.user("anna", "staff", display_name="Anna Nowak")
    anna = sign_in(site.url, "anna", password)
    admin = site.admin()
    before = accounts(site.env)
    with site.env.hub.transaction(write=False) as conn:
        open_sessions = conn.execute(select(sessions.c.hash).order_by("hash")).all()
    for path, data in (
        ("/admin/people", {"username": "intruz", "role": "admin", "lang": "pl"}),
        ("/admin/people/anna", {"role": "admin", "lang": "pl", "display_name": "X"}),
        ("/admin/people/anna/disable", {}),
        ("/admin/people/anna/password", {}),
    ):
        for forged in ({"csrf": "forged"}, {}):
            answer = admin.post(
                f"{site.url}{path}", data=data | forged, allow_redirects=False, timeout=TIMEOUT
            )
            assert answer.status_code == 403, path
            assert "Formularz wygasł lub nie pochodzi z tej strony." in text_of(answer.text)
            assert "issued-password" not in answer.text
    assert accounts(site.env) == before
    with site.env.hub.transaction(write=False) as conn:
        assert conn.execute(select(sessions.c.hash).order_by("hash")).all() == open_sessions
    assert signed_in(anna, site.url)


def test_unknown_people_are_not_found(site: Site) -> None:
    admin = site.admin()
    for name in ("nikt", "a" * 300, "EWA", "ewa%00", "ewa%20"):
        page = admin.get(f"{site.url}/admin/people/{name}", timeout=TIMEOUT)
        assert page.status_code == 404, name
        assert "Nie ma takiego użytkownika." in text_of(page.text)
    token = csrf_of(admin.get(f"{site.url}/admin/people", timeout=TIMEOUT).text)
    for action in ("", "/disable", "/enable", "/password"):
        gone = admin.post(
            f"{site.url}/admin/people/nikt{action}",
            data={"csrf": token, "role": "staff", "lang": "pl"},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert gone.status_code == 404, action


# --- the core's rules -----------------------------------------------------------------------


def test_generated_passwords_are_strong_readable_and_different() -> None:
    made = {users.generate_password() for _ in range(200)}
    assert len(made) == 200
    for password in made:
        assert re.fullmatch(r"[a-z2-9]{5}(-[a-z2-9]{5}){3}", password)
        assert not set(password) & set("01ilo")
        users.check_password(password)


def test_a_category_the_release_dropped_is_kept_when_other_details_change(site: Site) -> None:
    site.env.user("anna", "staff", display_name="Anna", departments=("lampa", "stara"))
    admin = site.admin()
    page = admin.get(f"{site.url}/admin/people/anna", timeout=TIMEOUT)
    assert re.search(r'value="stara" checked>\s*stara', page.text)
    assert "brak w bieżących treściach" in text_of(page.text)
    kept = site.person(
        admin, "anna", display_name="Anna B", role="staff", lang="pl", department=["lampa", "stara"]
    )
    assert kept.status_code == 303
    with site.env.hub.transaction(write=False) as conn:
        assert users.get_user(conn, "anna").departments == ("lampa", "stara")
    # A code that neither the release nor the person has is refused.
    with site.env.hub.transaction() as conn, pytest.raises(HubError):
        users.update_user(conn, "anna", "staff", "A", None, ["inna"], "pl", known={"lampa"})


# --- in a browser ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_people_pages_in_a_browser(site: Site, chromium, device) -> None:
    site.env.user("anna", "staff", display_name="Anna Nowak", departments=("lampa",))
    site.env.user("piotr", "staff", display_name="Piotr Zieliński", departments=("idea", "lampa"))
    with site.env.hub.transaction() as conn:
        users.set_disabled(conn, "piotr", True, site.env.hub.now())
    with open_page(chromium, device, locale="pl-PL", timezone_id="Europe/Warsaw") as page:
        page.goto(f"{site.url}/admin/people")
        page.fill("#username", "ewa")
        page.fill("#password", site.admin_password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/admin/people")

        page.fill("#username", "Jan Kowalski")
        page.fill("#display_name", "Jan Kowalski")
        page.click("text=Dodaj użytkownika >> nth=-1")
        page.wait_for_selector(".flash.error")
        assert "od 2 do 64 znaków" in page.locator("#username-error").inner_text()
        assert page.input_value("#display_name") == "Jan Kowalski"
        page.locator("#username").scroll_into_view_if_needed()
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"people-problems-{device.name}")

        page.fill("#username", "jan.kowalski")
        page.fill("#email", "jan.kowalski@jodlow.example")
        page.check("input[name=department][value=lampa]")
        page.click("text=Dodaj użytkownika >> nth=-1")
        page.wait_for_selector("#issued-password")
        password = page.locator("#issued-password").inner_text()
        assert users.check_password(password) is None
        assert page.locator("table.people tbody tr").count() == 4
        if device is PHONE:
            assert page.locator("table.stack thead").is_hidden()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"people-{device.name}")

        page.click("a[href='/admin/people/jan.kowalski']")
        page.wait_for_url(f"{site.url}/admin/people/jan.kowalski")
        assert page.is_checked("input[name=department][value=lampa]")
        page.click("text=Utwórz nowe hasło")
        page.wait_for_selector("#issued-password")
        new = page.locator("#issued-password").inner_text()
        assert new != password
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, f"person-{device.name}")
    assert not signs_in(site.url, "jan.kowalski", password)
    assert signs_in(site.url, "jan.kowalski", new)

"""The content editor as clerks use it: a real hub under uvicorn on 127.0.0.1, Chromium
through Playwright for the forms, real `kiosk enroll` and `kiosk sync --once` for what the
kiosks then get. Cheaper checks (refusals, conflicts, every field's message in two languages)
go over plain HTTP."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from hub.content import draft
from hub.content.releases import latest
from hub.web.templating import gettext
from kiosk.content.release import Catalog, current_release_dir, load_release
from kiosk.sync.enrolment import load_enrolment
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import KIOSK_CLI, REPO, HubEnv, LiveServer, enroll_kiosk, run
from tests.test_hub_uploads import GPS_IFD
from tests.webtools import csrf_of, form_fields, post_form, review_upload, sign_in

SAMPLE = REPO / "content"
PASSWORD = "anna-Hasło-2026!"
CARD = "/admin/content/service/karta-duzej-rodziny"
NEW_HOURS = "pon.–pt. 8:00–16:00, czw. do 17:00"


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub")
    env.user("anna", "editor", password=PASSWORD, display_name="Anna Nowak")
    env.user("iryna", "editor", password=PASSWORD, display_name="Iryna Kowal", lang="uk")
    env.user("ewa", "admin", password=PASSWORD, display_name="Ewa Kowalska")
    env.user("olek", "staff", password=PASSWORD, display_name="Olek Wiśniewski")
    build_release(SAMPLE, tmp_path / "release")
    env.publish_release(tmp_path / "release")
    yield env
    env.hub.close()


@pytest.fixture
def live(env):
    with LiveServer(env.app) as server:
        yield server


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def kiosk(env: HubEnv, live: LiveServer, data: Path, kiosk_id: str, groups=()) -> Path:
    """A kiosk enrolled with the real CLI; returns its data directory."""
    token = env.kiosk(kiosk_id, name=kiosk_id.title(), groups=groups)
    done = enroll_kiosk(live.url, token, data)
    assert done.returncode == 0, done.stdout + done.stderr
    return data


def sync(data: Path) -> Catalog:
    """`kiosk sync --once`, then what this kiosk would show."""
    done = run([*KIOSK_CLI, "sync", "--once", "--data", str(data)], check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    enrolment = load_enrolment(data)
    folder = current_release_dir(data)
    assert folder is not None
    return Catalog(load_release(folder), enrolment.kiosk_id, frozenset(enrolment.groups))


def browser_sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")


def phone_poster() -> bytes:
    """A 4000×3000 photograph as a phone takes it: lying on its side (EXIF orientation 6),
    with the GPS position of whoever took it, and several megabytes of detail."""
    img = Image.effect_noise((4000, 3000), 60).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (50.0, 17.0, 31.5), 3: "E", 4: (16.0, 52.0, 12.2)})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def field(page, name: str):
    return page.locator(f'[name="{name}"]')


def test_a_clerk_changes_hours_adds_a_village_event_with_a_poster_and_the_kiosks_get_them(
    env, live, tmp_path: Path
) -> None:
    town = kiosk(env, live, tmp_path / "rynek", "rynek")
    village = kiosk(env, live, tmp_path / "borowina", "borowina", groups=["wsie"])
    assert sync(town).service("karta-duzej-rodziny").opening_hours["de"] == "Mo–Fr 7:30–15:30"
    start = (env.hub.now() + timedelta(days=12)).date().isoformat()

    with launch() as browser:
        with open_page(browser, DESKTOP) as page:
            browser_sign_in(page, live.url, "anna")
            page.goto(f"{live.url}/admin/content")
            screenshot(page, "editor-overview-desktop")
            page.goto(f"{live.url}/admin/content/service?q=karta")
            assert page.locator("table.items a", has_text="Karta Dużej Rodziny").count() == 1
            screenshot(page, "editor-list-desktop")

            # One card's opening hours, in Polish.
            page.goto(f"{live.url}{CARD}")
            field(page, "opening_hours.pl").fill(NEW_HOURS)
            page.click("form.editor button[type=submit]")
            assert page.url.endswith("?done=saved")
            # The translations written for the old hours are now to check, on the card...
            flagged = page.locator(".lang.to-check")
            assert {
                flagged.nth(i).locator("input, textarea").first.get_attribute("name")
                for i in range(flagged.count())
            } == {"opening_hours.en", "opening_hours.de", "opening_hours.uk"}
            screenshot(page, "editor-card-to-check-desktop")
            # ... and in the list of every text to check.
            page.goto(f"{live.url}/admin/content/texts-to-check")
            rows = text_of(page.content())
            assert "Mo–Fr 7:30–15:30" in rows and NEW_HOURS in rows
            screenshot(page, "editor-to-check-desktop")
            # The English is confirmed as still right: only German and Ukrainian stay flagged.
            page.goto(f"{live.url}{CARD}")
            field(page, "opening_hours.en").fill("Mon–Fri 8:00–16:00, Thu until 17:00")
            page.check('[name="confirm.opening_hours.uk"]')
            page.click("form.editor button[type=submit]")
            names = page.locator(".lang.to-check textarea, .lang.to-check input[type=text]")
            assert [names.nth(i).get_attribute("name") for i in range(names.count())] == [
                "opening_hours.de"
            ]

            # An event for the villages' kiosks, with a phone photograph as its poster.
            page.goto(f"{live.url}/admin/content/event/new")
            field(page, "id").fill("festyn-borowina")
            field(page, "title.pl").fill("Festyn w Borowinie")
            field(page, "title.de").fill("Dorffest in Borowina")
            field(page, "start.date").fill(start)
            field(page, "start.time").fill("15:00")
            page.check('input[name="groups"][value="wsie"]')
            poster = phone_poster()
            assert len(poster) > 2 * 1024 * 1024  # more than a form takes elsewhere
            field(page, "image").set_input_files(
                files=[{"name": "plakat.jpg", "mimeType": "image/jpeg", "buffer": poster}]
            )
            page.click("form.editor button[type=submit]")
            assert "/admin/content/event/festyn-borowina" in page.url, text_of(page.content())
            assert page.locator("img.thumb").count() == 1
            screenshot(page, "editor-event-desktop")
            page.goto(f"{live.url}/admin/content/event/festyn-borowina/history")
            screenshot(page, "editor-history-desktop")

            # What will change: exactly the hours of that card, and the new event.
            page.goto(f"{live.url}/admin/releases/changes")
            card = page.locator(".card.change", has_text="Karta Dużej Rodziny")
            rows = {
                r.locator("th").inner_text(): (
                    r.locator("td.old").inner_text(),
                    r.locator("td.new").inner_text(),
                )
                for r in card.locator("tbody tr").all()
            }
            assert rows == {
                "Godziny otwarcia (polski)": ("pon.–pt. 7:30–15:30", NEW_HOURS),
                "Godziny otwarcia (angielski)": (
                    "Mon–Fri 7:30–15:30",
                    "Mon–Fri 8:00–16:00, Thu until 17:00",
                ),
            }
            assert page.locator("#removed").count() == 0
            added = page.locator("section.kind-event").inner_text()
            assert "Festyn w Borowinie" in added and "festyn-borowina" in added
            screenshot(page, "editor-changes-desktop")
            page.fill("#note", "Godziny MGOPS, festyn w Borowinie")
            page.click("text=Opublikuj wersję roboczą")
            page.wait_for_selector("text=Wydanie 2 zostało opublikowane.")

        for device in (PHONE, DESKTOP):
            with open_page(browser, device) as page:
                browser_sign_in(page, live.url, "anna")
                for path, name in [
                    ("/admin/content", "editor-overview"),
                    ("/admin/content/service?q=karta", "editor-list"),
                    (CARD, "editor-card-to-check"),
                    ("/admin/content/event/festyn-borowina", "editor-event"),
                    ("/admin/content/texts-to-check", "editor-to-check"),
                    ("/admin/content/event/festyn-borowina/history", "editor-history"),
                    ("/admin/content/event/festyn-borowina/delete", "editor-delete"),
                    ("/admin/content/settings", "editor-settings"),
                    ("/admin/content/report_category/latarnia", "editor-report-category"),
                    ("/admin/content/attract/attract-1", "editor-attract"),
                ]:
                    page.goto(f"{live.url}{path}")
                    assert page.locator("h1").count() == 1
                    width = page.evaluate("document.documentElement.scrollWidth")
                    viewport = device.options["viewport"]["width"]
                    assert width <= viewport, f"{path} scrolls sideways"
                    screenshot(page, f"{name}-{device.name}")

    card = sync(town).service("karta-duzej-rodziny")
    assert card.opening_hours["pl"] == NEW_HOURS
    assert card.opening_hours["de"] == "Mo–Fr 7:30–15:30"  # to check, not lost
    assert sync(town).event("festyn-borowina") is None  # not for the town's kiosk
    shown = sync(village)
    event = shown.event("festyn-borowina")
    assert event is not None and event.title == {
        "pl": "Festyn w Borowinie",
        "de": "Dorffest in Borowina",
    }
    poster = Image.open(shown.release.media_path(event.image))
    assert max(poster.size) == 1080 and poster.size[1] > poster.size[0]  # turned upright
    assert not poster.getexif().get_ifd(GPS_IFD) and "exif" not in poster.info


class FormValues(HTMLParser):
    """What a browser would post from a page's forms: inputs, ticked boxes, text areas and
    the chosen options (files and buttons left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit"):
            checkbox = a.get("type") == "checkbox"
            if checkbox and "checked" not in a:
                return
            default = "on" if checkbox else ""
            self.values.setdefault(name, []).append(a.get("value") or default)
        elif tag == "textarea" and name:
            self._textarea = name
            self.values.setdefault(name, []).append("")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values.setdefault(self._select, []).append(a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea][-1] += data


def edit_form(session, url: str, path: str) -> tuple[str, dict[str, list[str]]]:
    """The page's CSRF token and what its editor form would post unchanged."""
    html = session.get(f"{url}{path}", timeout=30).text
    form = html[html.index('<form method="post" action="/admin/content') :]
    parser = FormValues()
    parser.feed(form[: form.index("</form>")])
    return csrf_of(html), parser.values


def test_two_editors_change_one_card_the_second_is_refused_and_nothing_is_lost(env, live) -> None:
    """Iryna opens the card in her browser; Anna saves a change of the Polish fees; Iryna's
    save of the Ukrainian fees is refused with Anna's change shown, and saving the page it
    shows keeps both."""
    anna = sign_in(live.url, "anna", PASSWORD)
    with launch() as browser, open_page(browser, DESKTOP) as page:
        browser_sign_in(page, live.url, "iryna")
        page.goto(f"{live.url}{CARD}")
        csrf, form = edit_form(anna, live.url, CARD)
        assert form["revision"] == [
            page.locator('form.editor [name="revision"]').get_attribute("value")
        ]
        saved = anna.post(
            f"{live.url}{CARD}",
            data=form | {"csrf": csrf, "fees.pl": "Bezpłatnie.", "phone": "+48 74 811 30 41"},
            allow_redirects=False,
            timeout=30,
        )
        assert saved.status_code == 303
        field(page, "fees.uk").fill("Безкоштовно.")
        field(page, "phone").fill("+48 74 811 30 49")  # both change the phone
        page.click("form.editor button[type=submit]")
        box = page.locator(".card.conflict")
        assert box.count() == 1
        shown = box.inner_text()
        assert "Anna Nowak" in shown and "+48 74 811 30 41" in shown  # theirs, beside hers
        with env.hub.transaction(write=False) as conn:
            card = draft.get_item(conn, "service", "karta-duzej-rodziny")
        assert (card.revision, card.data["fees"]["pl"], card.data["phone"]) == (
            2,
            "Bezpłatnie.",
            "+48 74 811 30 41",
        )
        # The form now holds Anna's version with Iryna's changes on top.
        assert field(page, "fees.pl").input_value() == "Bezpłatnie."
        assert field(page, "fees.uk").input_value() == "Безкоштовно."
        assert field(page, "phone").input_value() == "+48 74 811 30 49"
        screenshot(page, "editor-conflict-desktop")
        page.click("form.editor button[type=submit]")
        assert page.url.endswith("?done=saved")
    with env.hub.transaction(write=False) as conn:
        card = draft.get_item(conn, "service", "karta-duzej-rodziny")
    assert card.revision == 3 and card.updated_by == "Iryna Kowal"
    assert (card.data["fees"]["pl"], card.data["fees"]["uk"]) == ("Bezpłatnie.", "Безкоштовно.")


BAD_VALUES = [
    # (kind, item, input, bad value, the field's label (English message id))
    ("service", "karta-duzej-rodziny", "phone", "zadzwoń", "Phone"),
    ("service", "karta-duzej-rodziny", "email", "mgops(at)gmina", "E-mail"),
    ("service", "karta-duzej-rodziny", "link", "gmina.pl/karta", "Link"),
    ("service", "karta-duzej-rodziny", "title.pl", "", "Title"),
    ("service", "karta-duzej-rodziny", "last_reviewed", "wczoraj", "Last reviewed"),
    ("service", "karta-duzej-rodziny", "id", "Karta Dużej Rodziny", "Identifier"),
    ("service_category", "rodzina", "order", "pierwsza", "Order"),
    ("event", "jarmark-bozonarodzeniowy", "end.date", "2026-12-01", "End"),
    (
        "settings",
        "settings",
        "idle.reset_after",
        "5",
        "Seconds without a touch before the question",
    ),
    ("settings", "settings", "location.lat", "północ", "Latitude"),
    (
        "settings",
        "settings",
        "map.streets.0.points",
        "16.87, 50.30\n16.88, 50.30",
        "Street: its line on the map",
    ),
    ("report_category", "latarnia", "attributes.0.code", "numer słupa", "Question: code"),
    ("alert", "przerwa-woda-listopad", "severity", "pilne", "Severity"),
]


def test_a_bad_value_in_each_kind_of_field_is_named_by_its_label_and_kept(env, live) -> None:
    """In Polish and in Ukrainian, next to its field, what was typed kept, nothing saved."""
    sessions = {
        "pl": sign_in(live.url, "anna", PASSWORD),
        "uk": sign_in(live.url, "iryna", PASSWORD),
    }
    for kind, item_id, name, value, label in BAD_VALUES:
        path = f"/admin/content/{kind}/{item_id}"
        for lang, session in sessions.items():
            csrf, form = edit_form(session, live.url, path)
            answer = session.post(
                f"{live.url}{path}", data=form | {"csrf": csrf, name: value}, timeout=30
            )
            assert answer.status_code == 422, (name, text_of(answer.text)[:500])
            errors = re.findall(r'<p class="error-text" id="err-([^"]+)">([^<]+)</p>', answer.text)
            assert errors, f"{name}: the message is next to its field"
            (key, message), *_ = errors
            assert name.startswith(key), (name, key)
            shown = gettext(lang, label)
            assert lang == "pl" or shown != label, f"{label!r} has no {lang} translation"
            assert unescape(message).startswith(shown), message
            assert "pattern" not in message and "Input should" not in message
            if value and name != "severity":  # what was typed, kept
                assert f'value="{value}"' in answer.text or f">{value}</textarea>" in answer.text
        with env.hub.transaction(write=False) as conn:
            assert draft.get_item(conn, kind, item_id).revision == 1  # nothing saved


def test_who_may_edit_what(env, live) -> None:
    olek = sign_in(live.url, "olek", PASSWORD)  # department staff: reports only
    for path in ("/admin/content", CARD, "/admin/content/report_category/latarnia"):
        assert olek.get(f"{live.url}{path}", timeout=10).status_code == 403
    refused = post_form(olek, f"{live.url}{CARD}", {"fees.pl": "x"}, page_url=f"{live.url}/admin")
    assert refused.status_code == 403

    # An editor sees where reports go but cannot change it, nor add a category.
    anna = sign_in(live.url, "anna", PASSWORD)
    path = "/admin/content/report_category/latarnia"
    csrf, form = edit_form(anna, live.url, path)
    assert "department_email" not in form
    done = anna.post(
        f"{live.url}{path}",
        data=form
        | {"csrf": csrf, "department_email": "ktos@example.org", "name.pl": "Zgaszona latarnia"},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 303
    with env.hub.transaction(write=False) as conn:
        saved = draft.get_item(conn, "report_category", "latarnia")
    assert saved.data["name"]["pl"] == "Zgaszona latarnia"
    assert saved.data["department_email"] != "ktos@example.org"
    new = anna.post(
        f"{live.url}/admin/content/report_category/new",
        data={
            "csrf": csrf,
            "service_code": "hulajnogi",
            "name.pl": "Porzucona hulajnoga",
            "group.pl": "Drogi",
            "department.pl": "Wydział Dróg",
            "department_email": "drogi@example.org",
        },
        timeout=30,
    )
    assert new.status_code == 422 and "administrator" in text_of(new.text)

    # The administrator may.
    ewa = sign_in(live.url, "ewa", PASSWORD)
    csrf, form = edit_form(ewa, live.url, path)
    assert "department_email" in form
    done = ewa.post(
        f"{live.url}{path}",
        data=form | {"csrf": csrf, "department_email": "oswietlenie@example.org"},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 303
    with env.hub.transaction(write=False) as conn:
        saved = draft.get_item(conn, "report_category", "latarnia")
        history = draft.history(conn, "report_category", "latarnia")
    assert saved.data["department_email"] == "oswietlenie@example.org"
    assert [h.who for h in history] == [None, "Anna Nowak", "Ewa Kowalska"]


def test_cards_due_for_review_are_listed_and_marked_reviewed(tmp_path: Path) -> None:
    """Reviewed in January, the waste cards are due after ten months (the hub's
    `review_after_months`); the tax cards, reviewed in February, are not yet."""
    env = HubEnv.create(tmp_path / "hub", review_after_months=10)
    env.user("anna", "editor", password=PASSWORD, display_name="Anna Nowak")
    build_release(SAMPLE, tmp_path / "release")
    env.publish_release(tmp_path / "release")
    try:
        with LiveServer(env.app) as live:
            anna = sign_in(live.url, "anna", PASSWORD)
            page_url = f"{live.url}/admin/content/service?stale=1"
            listed = anna.get(page_url, timeout=10).text
            due = re.findall(r'action="/admin/content/service/([^/"]+)/reviewed"', listed)
            assert sorted(due) == ["deklaracja-odpady", "gabaryty", "harmonogram-odpady", "pszok"]
            done = post_form(
                anna,
                f"{live.url}/admin/content/service/pszok/reviewed",
                {"revision": "1", "next": "/admin/content/service?stale=1"},
                page_url=page_url,
            )
            assert done.status_code == 303
            listed = anna.get(page_url, timeout=10).text
            assert "service/pszok/reviewed" not in listed
            assert "service/gabaryty/reviewed" in listed
            # A card written today is not due for review at once.
            new = post_form(
                anna,
                f"{live.url}/admin/content/service/new",
                {
                    "id": "psy",
                    "category": "odpady",
                    "title.pl": "Rejestracja psa",
                    "summary.pl": "Jak zarejestrować psa w gminie.",
                },
            )
            assert new.status_code == 303, text_of(new.text)[:400]
            assert "service/psy/reviewed" not in anna.get(page_url, timeout=10).text
        with env.hub.transaction(write=False) as conn:
            card = draft.get_item(conn, "service", "pszok")
            new_card = draft.get_item(conn, "service", "psy")
        today = env.hub.now().astimezone(ZoneInfo(env.hub.settings.timezone)).date()
        assert card.data["last_reviewed"] == today.isoformat()  # the town's day
        assert card.updated_by == "Anna Nowak"
        assert new_card.data["last_reviewed"] == card.data["last_reviewed"]
    finally:
        env.hub.close()


def test_past_events_leave_the_list_for_the_archive(env, live) -> None:
    anna = sign_in(live.url, "anna", PASSWORD)
    current = anna.get(f"{live.url}/admin/content/event", timeout=10).text
    archive = anna.get(f"{live.url}/admin/content/event?archive=1", timeout=10).text
    assert "/admin/content/event/dozynki-gminne" not in current  # September 2026
    assert "/admin/content/event/dozynki-gminne" in archive
    assert "/admin/content/event/sylwester" in current
    assert "/admin/content/event/sylwester" not in archive


def test_the_content_exported_and_imported_again_is_the_same_release(env, live, tmp_path) -> None:
    """After an edit is published, the downloaded tree builds the live content.json byte for
    byte, and uploading it back would change nothing."""
    anna = sign_in(live.url, "anna", PASSWORD)
    csrf, form = edit_form(anna, live.url, CARD)
    done = anna.post(
        f"{live.url}{CARD}",
        data=form | {"csrf": csrf, "fees.pl": "Bezpłatnie."},
        allow_redirects=False,
        timeout=30,
    )
    assert done.status_code == 303
    page = anna.get(f"{live.url}/admin/releases/changes", timeout=30)
    fields = form_fields(page.text, "/admin/releases/publish-draft") | {"note": "opłaty"}
    published = anna.post(
        f"{live.url}/admin/releases/publish-draft", data=fields, allow_redirects=False
    )
    assert published.status_code == 303
    with env.hub.transaction(write=False) as conn:
        release = latest(conn)
    assert release is not None and release.version == 2
    live_json = env.hub.blobs.read(release.content_sha256)

    archive = anna.get(f"{live.url}/admin/releases/current-content.zip", timeout=60)
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as unpacked:
        unpacked.extractall(tmp_path / "export")
    build_release(tmp_path / "export" / "content", tmp_path / "built")
    assert (tmp_path / "built" / "content.json").read_bytes() == live_json

    review = review_upload(anna, live.url, archive.content)
    assert review.status_code == 303
    shown = text_of(anna.get(f"{live.url}{review.headers['location']}", timeout=30).text)
    assert "Nic by się nie zmieniło" in shown, shown[:600]


HOSTILE = ["", "x" * 5000, "\x00\x1b[31m", "-1e309", "9" * 400, "<script>alert(1)</script>", "🙂"]
"""Values no clerk types, in every input of every kind's form in turn."""


def test_no_value_in_any_input_of_any_form_gets_a_server_error(env, live) -> None:
    """Each input of each kind's form, given a hostile value, is saved or refused with a
    message; the page never fails."""
    anna = sign_in(live.url, "anna", PASSWORD)
    pages = [
        f"/admin/content/{kind}/{item_id}"
        for kind, item_id in [
            ("settings", "settings"),
            ("service_category", "rodzina"),
            ("service", "karta-duzej-rodziny"),
            ("event_category", "kultura"),
            ("event", "jarmark-bozonarodzeniowy"),
            ("report_category", "latarnia"),
            ("alert", "przerwa-woda-listopad"),
            ("attract", "attract-1"),
        ]
    ]
    sent = 0
    for path in pages:
        csrf, form = edit_form(anna, live.url, path)
        names = [n for n in form if n not in ("csrf", "revision")]
        for number, name in enumerate(names):
            value = HOSTILE[number % len(HOSTILE)]
            answer = anna.post(
                f"{live.url}{path}",
                data=form | {"csrf": csrf, name: value},
                allow_redirects=False,
                timeout=30,
            )
            assert answer.status_code in (303, 409, 422), (path, name, answer.text[-500:])
            if answer.status_code == 303:  # saved: the form names the new revision
                csrf, form = edit_form(anna, live.url, path)
            sent += 1
    assert sent > 200  # every input of every form

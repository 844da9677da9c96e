"""The preview of the draft as a kiosk will show it, in a real Chromium against a real hub
under uvicorn with the sample content published: the home screen, a service card with an
unpublished edit and an event with its poster, in Polish, in German (and Polish where a German
text is missing), at the kiosk's proportions on its side and upright; only for the content
team. Screenshots in tests/screenshots/hub/preview-*.png: look at them beside the kiosk's own
(tests/screenshots/landscape-home.png, portrait-event.png ...)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import requests

from hub.content import alerts, draft
from hub.content.alerts import AlertDraft
from hub.content.preview_pages import MEDIA_PREFIX
from hub.web.templating import gettext
from kiosk.ui.i18n import LOCALE_DIR
from kiosk_core.i18n import Translator
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import REPO, HubEnv, LiveServer
from tests.webtools import sign_in, upload_content, zip_tree

PASSWORD = "anna-Hasło-2026!"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
"""While the sample's water supply alert is on (20–23 November 2026)."""
CARD = "dowod-osobisty"
EVENT = "jarmark-bozonarodzeniowy"
NEW_HOURS = "pn–pt 7:30–15:30, sob. 9:00–12:00"
KIOSK = Translator(LOCALE_DIR)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    env = HubEnv.create(tmp_path_factory.mktemp("preview") / "hub")
    env.hub.clock = lambda: NOW
    env.user("anna", "editor", password=PASSWORD, display_name="Anna Nowak")
    env.user("ewa", "admin", password=PASSWORD, display_name="Ewa Kowalska")
    env.user("olek", "staff", password=PASSWORD, display_name="Olek Wiśniewski")
    with LiveServer(env.app) as server:
        ewa = sign_in(server.url, "ewa", PASSWORD)
        answer = upload_content(ewa, server.url, zip_tree(REPO / "content"))
        assert answer.status_code == 303, answer.text
        # An edit not published yet: the new hours in Polish only.
        hub = env.hub
        with draft.editing(hub) as conn:
            card = draft.get_item(conn, "service", CARD)
            changed = {**card.data, "opening_hours": {"pl": NEW_HOURS}}
            draft.save(conn, "service", CARD, changed, card.revision, "Anna", hub.now())
            server.logo = draft.get_item(conn, "settings", "settings").data["logo"]
            # The hub's own alerts go on the banner with the content's.
            notice = AlertDraft("info", {"pl": "Dyżur urzędu w sobotę"}, NOW + timedelta(days=3))
            alerts.create(conn, notice, hub.now(), "Ewa")
        server.env = env
        yield server
    env.hub.close()


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


def ratio(page) -> float:
    box = page.locator(".kiosk-frame").first.bounding_box()
    return box["width"] / box["height"]


def loaded(page, selector: str) -> bool:
    """The picture came (the media route answered with an image the browser could draw)."""
    return page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=lambda d: d.name)
def test_a_clerk_sees_the_draft_as_a_kiosk_will_show_it(live, chromium, device) -> None:
    name = device.name
    violations: list[str] = []
    with open_page(chromium, device, locale="pl-PL") as page:
        page.on(
            "console",
            lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.goto(f"{live.url}/admin/preview/home")
        page.fill("#username", "anna")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live.url}/admin/preview/home*")

        # The home screen in the kiosk's default language, Polish, on a screen on its side.
        frame = page.locator(".kiosk").first
        assert frame.locator(".k-municipality").inner_text() == "Miasto i Gmina Jodłów Śląski"
        assert frame.locator(".k-heading").inner_text() == "W czym możemy pomóc?"
        assert frame.locator(".k-tile").count() == 6  # the sample has a virtual walk
        assert frame.locator(".k-tile.accent").inner_text().startswith("Zgłoś problem")
        banner = frame.locator(".k-alert.warning").inner_text()
        assert banner.startswith("Przerwa w dostawie wody") and banner.endswith("(1/2)")
        assert loaded(page, ".k-logo")
        assert ratio(page) == pytest.approx(16 / 9, rel=0.01)
        services = page.locator(".kiosk").nth(1)
        assert services.locator(".k-heading").inner_text() == "Sprawy urzędowe"
        assert "4 sprawy" in services.locator(".k-tile").first.inner_text()
        screenshot(page, f"preview-home-pl-{name}")

        # The kiosk's own language button switches the preview, as it switches the kiosk.
        frame.locator("a.k-lang", has_text="DE").click()
        page.wait_for_url("**/admin/preview/home?lang=de*")
        frame = page.locator(".kiosk").first
        assert frame.locator(".k-municipality").inner_text() == (
            "Stadt- und Landgemeinde Jodłów Śląski"
        )
        heading = KIOSK.gettext("How can we help you?", "de")
        assert heading != "How can we help you?"
        assert frame.locator(".k-heading").inner_text() == heading
        assert "Wasserversorgung" in frame.locator(".k-alert").inner_text()
        assert frame.locator("a.k-lang.on").inner_text() == "DE"
        screenshot(page, f"preview-home-de-{name}")

        # A card with an unpublished edit: German where there is German, the new hours in
        # Polish, and the page says which text a German visitor reads in Polish.
        page.goto(f"{live.url}/admin/preview/service/{CARD}?lang=de")
        frame = page.locator(".kiosk")
        title = frame.locator(".k-heading").inner_text()
        assert title == "Personalausweis – neuen Ausweis beantragen"
        sections = frame.locator(".k-section").all_inner_texts()
        hours = KIOSK.gettext("Opening hours", "de")
        assert hours in sections and KIOSK.gettext("What to bring", "de") in sections
        assert frame.locator(f".k-section:text-is('{hours}') + .k-body").inner_text() == NEW_HOURS
        notes = page.locator(".preview-notes .untranslated").inner_text()
        assert gettext("pl", "Opening hours") in notes and "Tytuł" not in notes
        assert frame.locator(".k-qr-code").count() == 1  # the card has a link
        assert ratio(page) == pytest.approx(16 / 9, rel=0.01)
        screenshot(page, f"preview-service-de-{name}")

        # The same card upright (a 1080x1920 kiosk).
        page.click("a:text('Pionowo (9:16)')")
        page.wait_for_url("**shape=portrait*")
        assert ratio(page) == pytest.approx(9 / 16, rel=0.01)
        assert page.locator(".kiosk .k-heading").inner_text() == title
        screenshot(page, f"preview-service-de-portrait-{name}")

        # An event with its poster, its dates as the kiosk says them in German, upright.
        page.goto(f"{live.url}/admin/preview/event/{EVENT}?lang=de&shape=portrait")
        frame = page.locator(".kiosk")
        assert frame.locator(".k-heading").inner_text() == "Weihnachtsmarkt"
        texts = frame.locator(".k-body").all_inner_texts()
        assert "11. Dezember 2026 – 13. Dezember 2026" in texts and "Marktplatz" in texts
        assert loaded(page, ".k-poster")
        assert ratio(page) == pytest.approx(9 / 16, rel=0.01)
        assert page.locator(".preview-notes .untranslated").count() == 0
        screenshot(page, f"preview-event-de-portrait-{name}")

        page.goto(f"{live.url}/admin/preview/event/{EVENT}")
        assert page.locator(".kiosk .k-heading").inner_text() == "Jarmark Bożonarodzeniowy"
        when = page.locator(".kiosk .k-body").first.inner_text()
        assert when == "11 grudnia 2026 – 13 grudnia 2026"
        assert ratio(page) == pytest.approx(16 / 9, rel=0.01)
        screenshot(page, f"preview-event-pl-{name}")
        if device is PHONE:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert violations == []


def test_only_the_content_team_sees_the_preview_and_its_pictures(live) -> None:
    anna = sign_in(live.url, "anna", PASSWORD)
    olek = sign_in(live.url, "olek", PASSWORD)
    logo = f"{live.url}{MEDIA_PREFIX}{live.logo}"
    pages = [
        "/admin/preview/home",
        f"/admin/preview/service/{CARD}",
        f"/admin/preview/event/{EVENT}?lang=de&shape=portrait",
    ]
    for path in pages:
        assert anna.get(live.url + path, timeout=10).status_code == 200
        refused = olek.get(live.url + path, timeout=10)
        assert refused.status_code == 403 and "Jodłów" not in refused.text
    picture = anna.get(logo, timeout=10)
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG")
    assert olek.get(logo, timeout=10).status_code == 403
    stranger = requests.get(logo, allow_redirects=False, timeout=10)
    assert stranger.status_code in (303, 307) and "/login" in stranger.headers["location"]
    # Only the draft's own pictures, by the paths its items name them with.
    for path in ("media/nothing.png", "settings.yaml", "media/../hub.toml", "../../hub.toml"):
        answer = anna.get(f"{live.url}{MEDIA_PREFIX}{path}", timeout=10)
        assert answer.status_code == 404 and "image" not in answer.headers["content-type"]
    missing = anna.get(f"{live.url}/admin/preview/service/no-such-card", timeout=10)
    assert missing.status_code == 404 and "Nie ma takiej karty" in missing.text

"""The virtual walk's editor, on a real hub under uvicorn: a clerk adds a place with a phone's
360° photograph, puts hotspots on it by clicking on the picture in Chromium, sets the start
and publishes; the release's walk has it all, and the photograph kept no GPS position. Two
editors saving one place, bad values and deleting a place others lead to, over HTTP."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from pathlib import Path

import pytest
from PIL import Image

from hub.content import draft
from hub.content.releases import latest
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, PHONE, launch, open_page, screenshot
from tests.hubtools import REPO, HubEnv, LiveServer
from tests.webtools import csrf_of, sign_in

PASSWORD = "anna-Hasło-2026!"
GPS_IFD = 0x8825


@pytest.fixture(scope="module")
def sample_release(tmp_path_factory) -> Path:
    """The sample content built once (its five panoramas cut): each test publishes it."""
    out = tmp_path_factory.mktemp("walk") / "release"
    build_release(REPO / "content", out)
    return out


@pytest.fixture
def env(tmp_path: Path, sample_release: Path):
    env = HubEnv.create(tmp_path / "hub")
    env.user("anna", "editor", password=PASSWORD, display_name="Anna Nowak")
    env.user("ewa", "admin", password=PASSWORD, display_name="Ewa Kowalska")
    env.user("iryna", "editor", password=PASSWORD, display_name="Iryna Kowal", lang="uk")
    env.user("olek", "staff", password=PASSWORD, display_name="Olek Wiśniewski")
    env.publish_release(sample_release)
    yield env
    env.hub.close()


@pytest.fixture
def live(env):
    with LiveServer(env.app) as server:
        yield server


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


def panorama_with_gps(width: int = 1024, height: int = 512) -> bytes:
    """A 360° camera's JPEG: twice as wide as high, with the GPS position of where it was
    taken and the camera's name."""
    img = Image.new("RGB", (width, height), (90, 140, 200))
    img.paste((40, 120, 40), (0, height // 2, width, height))
    exif = Image.Exif()
    exif[0x010F] = "Camera360"
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: (50.0, 18.0, 3.5), 3: "E", 4: (16.0, 52.0, 48.0)})
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def sign_in_page(page, url: str, username: str) -> None:
    page.goto(url)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{url}*")


def released_walk(env: HubEnv) -> dict:
    with env.hub.transaction(write=False) as conn:
        release = latest(conn)
    assert release is not None
    return json.loads(env.hub.blobs.read(release.content_sha256))["walk"]


def test_a_clerk_adds_a_place_clicks_hotspots_onto_it_and_publishes(env, live, chromium) -> None:
    hub = env.hub
    way_at, note_at = (700, 200), (300, 262)  # pixels of the 1024x512 picture
    with open_page(chromium, DESKTOP) as page:
        sign_in_page(page, f"{live.url}/admin/walk", "anna")
        assert page.locator("table.walk-places tbody tr").count() == 5
        screenshot(page, "walk-list-desktop")

        page.fill("#title-pl", "Kościół św. Jadwigi")
        page.fill("#title-de", "St.-Hedwigs-Kirche")
        page.fill("#location-lat", "50,3012")  # a Polish decimal comma
        page.fill("#location-long", "16.8805")
        page.set_input_files(
            "#photo",
            files=[
                {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": panorama_with_gps()}
            ],
        )
        page.click("#new button[type=submit]")
        page.wait_for_url(f"{live.url}/admin/walk/kosciol-sw-jadwigi?done=added#picture")

        page.click("input[name=at1024]", position={"x": way_at[0], "y": way_at[1]})
        page.wait_for_selector("#hotspot")
        assert page.locator("#hotspot-target option").count() == 6  # "–" and five places
        page.select_option("#hotspot-target", "rynek")
        page.fill("#hotspot-label-pl", "Na rynek")
        page.click("button[name=save]")
        page.wait_for_url("**done=hotspot*")

        page.click("input[name=at1024]", position={"x": note_at[0], "y": note_at[1]})
        page.wait_for_selector("#hotspot")
        page.check("input[name='hotspot.kind'][value=note]")
        page.fill("#hotspot-info-pl", "Kościół z XV wieku, z drewnianą wieżą.")
        page.fill("#hotspot-info-en", "A 15th-century church with a wooden tower.")
        screenshot(page, "walk-place-hotspot-form-desktop")
        page.click("button[name=save]")
        page.wait_for_url("**done=hotspot*")
        assert page.locator("table.hotspots tbody tr").count() == 2
        screenshot(page, "walk-place-desktop")

        page.goto(f"{live.url}/admin/walk/most/delete")
        assert page.locator("input[name=remove_links]").is_visible()
        screenshot(page, "walk-delete-desktop")

        page.goto(f"{live.url}/admin/walk")
        assert page.locator("#warnings").is_visible()  # nothing leads to the new place yet
        screenshot(page, "walk-list-warnings-desktop", full_page=False)
        page.select_option("#start-choice", "kosciol-sw-jadwigi")
        page.click("#start button[type=submit]")
        page.wait_for_url("**done=start*")
        assert page.locator("#warnings").count() == 0

        page.goto(f"{live.url}/admin/releases/changes")
        page.fill("#note", "Kościół w wirtualnym spacerze")
        page.click("form[action='/admin/releases/publish-draft'] button[type=submit]")
        page.wait_for_url("**done=published*")

    walk = released_walk(env)
    assert walk["start"] == "kosciol-sw-jadwigi"
    place = next(n for n in walk["nodes"] if n["id"] == "kosciol-sw-jadwigi")
    assert place["title"] == {"pl": "Kościół św. Jadwigi", "de": "St.-Hedwigs-Kirche"}
    assert place["location"] == {"lat": 50.3012, "long": 16.8805}
    assert "image" not in place or place["image"] is None
    assert place["textures"]["width"] == 1024 and len(place["textures"]["files"]) == 2
    assert place["preview"].startswith("media/")
    way, note = place["hotspots"]
    assert way["target"] == "rynek" and way["label"] == {"pl": "Na rynek"}
    assert note["info"]["en"] == "A 15th-century church with a wooden tower."
    for spot, (x, y) in ((way, way_at), (note, note_at)):
        assert abs(spot["yaw"] - (x / 1024 * 360 - 180)) < 1.0
        assert abs(spot["pitch"] - (90 - y / 512 * 180)) < 1.0

    with hub.transaction(write=False) as conn:
        photo = draft.get_item(conn, "place", "kosciol-sw-jadwigi").data["image"]
        sha256, _size = draft.media(conn)[photo]
    with Image.open(io.BytesIO(hub.blobs.read(sha256))) as stored:
        assert stored.size == (1024, 512)
        assert not stored.getexif() and "exif" not in stored.info


@pytest.mark.parametrize("device", [PHONE], ids=lambda d: d.name)
def test_the_walk_pages_on_a_phone_in_ukrainian(env, live, chromium, device) -> None:
    with open_page(chromium, device) as page:
        sign_in_page(page, f"{live.url}/admin/walk", "iryna")
        page.wait_for_selector("text=Додати місце")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "walk-list-phone")

        page.goto(f"{live.url}/admin/walk/rynek")
        page.click("input[name=at720]", position={"x": 360, "y": 170})
        page.wait_for_selector("#hotspot")
        assert page.input_value("#hotspot-yaw") == "0.2"
        page.click("button[name=save]")  # a way, but no place chosen
        page.wait_for_selector("#hotspot-target-error")
        assert "Активна точка: веде до" in page.inner_text("#hotspot-target-error")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "walk-place-phone")

        page.goto(f"{live.url}/admin/walk/most/delete")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "walk-delete-phone")


def place_form(html: str) -> dict[str, str]:
    """The place form's inputs as the page filled them."""
    form = html.split('id="place"', 1)[1].split("</form>", 1)[0]
    values = {"csrf": csrf_of(form)}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
        values[unescape(name.group(1))] = unescape(value.group(1)) if value else ""
    for name, value in re.findall(r'name="([^"]+)"[^>]*>([^<]*)</textarea>', form, re.S):
        values[unescape(name)] = unescape(value)
    return values


def test_two_editors_bad_values_and_deleting_a_place_others_lead_to(env, live) -> None:
    url = f"{live.url}/admin/walk/most"
    anna, ewa = sign_in(live.url, "anna", PASSWORD), sign_in(live.url, "ewa", PASSWORD)
    mine = place_form(anna.get(url, timeout=10).text)
    theirs = place_form(ewa.get(url, timeout=10).text)

    saved = ewa.post(
        f"{url}/place", data={**theirs, "title.de": "Alte Brücke"}, allow_redirects=False
    )
    assert saved.status_code == 303
    refused = anna.post(
        f"{url}/place", data={**mine, "title.pl": "Stary most"}, allow_redirects=False
    )
    assert refused.status_code == 409
    assert "Ewa Kowalska" in refused.text and "Alte Brücke" in refused.text  # their version
    assert 'value="Stary most"' in refused.text  # what Anna typed
    with env.hub.transaction(write=False) as conn:
        assert draft.get_item(conn, "place", "most").data["title"]["de"] == "Alte Brücke"
    again = place_form(refused.text)
    assert anna.post(f"{url}/place", data=again, allow_redirects=False).status_code == 303

    bad = anna.post(
        f"{url}/place", data={**place_form(anna.get(url).text), "yaw": "prawo"}, timeout=10
    )
    assert bad.status_code == 422
    assert "Miejsce: kierunek widoku: musi być liczbą" in bad.text
    assert 'value="prawo"' in bad.text

    photo = io.BytesIO()
    Image.new("RGB", (1200, 900), "white").save(photo, "JPEG")
    refused_photo = anna.post(
        f"{live.url}/admin/walk/photo",
        data={"csrf": again["csrf"], "place": "most", "revision": "3"},
        files={"photo": ("square.jpg", photo.getvalue(), "image/jpeg")},
        timeout=10,
    )
    assert refused_photo.status_code == 422
    assert "1200x900" in refused_photo.text and "dwa razy szersze" in refused_photo.text

    sources = ("rynek", "park")  # both have a hotspot leading to the bridge
    delete = anna.get(f"{url}/delete", timeout=10).text
    form = dict(re.findall(r'name="(rev\.[^"]+|revision|csrf)" value="([^"]*)"', delete))
    kept = anna.post(f"{url}/delete", data=form, allow_redirects=False)
    assert kept.status_code == 409 and "Zaznacz" in kept.text
    done = anna.post(f"{url}/delete", data={**form, "remove_links": "1"}, allow_redirects=False)
    assert done.status_code == 303
    with env.hub.transaction(write=False) as conn:
        places = {i.item_id: i.data for i in draft.list_items(conn, "place")}
        assert "most" not in places
        for source in sources:
            assert all(s.get("target") != "most" for s in places[source].get("hotspots", []))
            assert draft.history(conn, "place", source)[-1].who == "Anna Nowak"

    with env.hub.transaction(write=False) as conn:
        park = draft.get_item(conn, "place", "park")
    replaced = anna.post(
        f"{live.url}/admin/walk/photo",
        data={"csrf": again["csrf"], "place": "park", "revision": str(park.revision)},
        files={"photo": ("park.jpg", panorama_with_gps(2048, 1024), "image/jpeg")},
        allow_redirects=False,
    )
    assert replaced.status_code == 303
    with env.hub.transaction(write=False) as conn:
        park = draft.get_item(conn, "place", "park")
    assert park.data["image"].startswith("media/") and "textures" not in park.data

    # A photograph sent with a form refused for another field is kept for the next try.
    new = {"csrf": again["csrf"], "location.lat": "50.3", "location.long": "16.88"}
    photo_file = {"photo": ("k.jpg", panorama_with_gps(), "image/jpeg")}
    first = anna.post(f"{live.url}/admin/walk/new", data=new, files=photo_file, timeout=10)
    assert first.status_code == 422
    assert "Miejsce: nazwa: tekst po polsku jest wymagany" in first.text
    kept_photo = re.search(r'name="photo_path" value="([^"]+)"', first.text)
    assert kept_photo is not None
    second = anna.post(
        f"{live.url}/admin/walk/new",
        data={**new, "title.pl": "Kapliczka", "photo_path": kept_photo.group(1)},
        allow_redirects=False,
    )
    assert second.status_code == 303
    assert second.headers["location"].startswith("/admin/walk/kapliczka?")

    start = anna.get(f"{live.url}/admin/walk/rynek/delete", timeout=10)
    assert "wybierz najpierw inne miejsce startowe" in start.text
    assert 'action="/admin/walk/rynek/delete"' not in start.text

    olek = sign_in(live.url, "olek", PASSWORD)
    assert olek.get(f"{live.url}/admin/walk", timeout=10).status_code == 403

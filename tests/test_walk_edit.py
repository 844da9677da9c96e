"""The walk editor's logic (hub.content.walkedit), without a server: a click on the picture
becomes the yaw and pitch the kiosk uses, the markers land where the hotspots are, and a
form's bad values come back as problems a clerk reads with the field's label."""

from __future__ import annotations

import re
from functools import partial

import pytest

from hub.content import walkedit
from hub.translations import translator
from kiosk.walk.projection import direction, equirect_uv
from kiosk_core.content.problemtext import message_for

PLACE = {
    "id": "rynek",
    "title": {"pl": "Rynek"},
    "image": "media/abc.jpg",
    "location": {"lat": 50.302, "long": 16.879},
}
SETTINGS = {"map": {"image": "media/map.png", "north": 50.308, "south": 50.2945,
                    "west": 16.865, "east": 16.896}}  # fmt: skip


def said(problems, lang: str = "pl", hotspot: int | None = None) -> dict[str, str]:
    """Each problem as the page shows it, by the input it marks."""
    translate = partial(translator.gettext, lang=lang)
    out = {}
    for p in problems:
        explained = message_for(p, lambda m: translate(m))
        out[walkedit.input_name(explained.field, hotspot)] = str(explained)
    return out


@pytest.mark.parametrize("width", walkedit.WIDTHS)
@pytest.mark.parametrize(("fx", "fy"), [(0, 0), (0.14, 0.11), (0.5, 0.5), (0.97, 0.83), (1, 1)])
def test_a_click_is_the_direction_the_kiosk_shows_at_that_point_of_the_picture(width, fx, fy):
    x, y = min(int(fx * width), width - 1), min(int(fy * width / 2), width // 2 - 1)
    yaw, pitch = walkedit.direction_at(x, y, width)
    u, v = equirect_uv(direction(yaw, pitch))  # where the kiosk's projection samples
    assert abs(u * width - (x + 0.5)) < 0.1 * width / 360 + 0.05
    assert abs(v * width / 2 - (y + 0.5)) < 0.1 * width / 360 + 0.05
    assert walkedit.point_of(yaw, pitch, width) == pytest.approx((x + 0.5, y + 0.5), abs=0.2)


def test_the_form_says_which_picture_was_clicked():
    assert walkedit.clicked({"at720.x": "360", "at720.y": "90", "csrf": "x"}) == (0.2, 44.8)
    assert walkedit.clicked({"at1024.x": "0", "at1024.y": "511"}) == (-179.8, -89.8)
    assert walkedit.clicked({"save": "1"}) is None
    assert walkedit.clicked({"at999.x": "5", "at999.y": "5"}) is None  # no such picture
    assert walkedit.clicked({"at720.x": "nan", "at720.y": "1"}) is None
    assert walkedit.clicked({"at720.x": "-40", "at720.y": "9000"}) == (-179.8, -89.8)


def test_markers_are_drawn_where_the_hotspots_are_and_across_the_seam():
    spots = [
        {"yaw": 90.0, "pitch": 45.0, "target": "most"},
        {"yaw": 179.0, "info": {"pl": "Ratusz"}},
    ]
    svg = walkedit.markers_svg(spots, view=(0.0, 0.0), pending=(-90.0, -45.0))
    assert svg.startswith("<svg") and 'viewBox="0 0 360 180"' in svg
    assert '<circle cx="270.00" cy="45.00"' in svg  # the way, numbered 1
    assert svg.count(">2</text>") == 2  # the note near 180°, also drawn at the left edge
    assert re.search(r'<rect x="354\.00"', svg) and re.search(r'<rect x="-6\.00"', svg)
    assert '<circle cx="90.00" cy="135.00" r="6.5"' in svg  # where the editor clicked
    assert "style" not in svg and "script" not in svg


def test_a_place_form_with_a_comma_and_defaults_gives_the_place_in_source_form():
    form = {
        "title.pl": " Rynek ",
        "title.de": "Marktplatz",
        "description.pl": "",
        "location.lat": "50,3021",
        "location.long": "16.879",
        "yaw": "0",
        "pitch": "\u22125",
    }
    data = walkedit.place_fields(PLACE, form)
    checked, problems = walkedit.check_place(data, {"rynek": "Rynek"}, SETTINGS)
    assert problems == []
    assert checked == {
        "id": "rynek",
        "title": {"pl": "Rynek", "de": "Marktplatz"},
        "image": "media/abc.jpg",
        "pitch": -5.0,
        "location": {"lat": 50.3021, "long": 16.879},
    }


def test_bad_values_are_named_by_their_labels_and_marked_on_their_inputs():
    form = {"title.de": "Markt", "location.lat": "abc", "location.long": "17.5", "yaw": "200"}
    data = walkedit.place_fields(PLACE, form)
    checked, problems = walkedit.check_place(data, {"rynek": "Rynek"}, SETTINGS)
    assert checked is None
    assert said(problems) == {
        "title.pl": "Miejsce: nazwa: tekst po polsku jest wymagany",
        "location.lat": "Miejsce: szerokość geograficzna: musi być liczbą, np. 50.25",
        "yaw": "Miejsce: kierunek widoku: może wynosić najwyżej 180",
    }
    on_land = walkedit.place_fields(PLACE, {"title.pl": "Rynek", "location.lat": "50.3",
                                             "location.long": "17.5"})  # fmt: skip
    _, off_map = walkedit.check_place(on_land, {}, SETTINGS)
    assert list(said(off_map, "uk")) == ["location.lat"]


def test_a_hotspot_form_checks_where_it_leads():
    base = {**PLACE, "hotspots": [{"yaw": 10.0, "target": "most"}]}
    places = {"rynek": "Rynek", "most": "Most"}

    def check(form, index=None):
        spot = walkedit.hotspot_fields(form)
        data = walkedit.with_hotspot(base, spot, index)
        where = 1 if index is None else index
        return walkedit.check_place(data, places, None, where, form.get("hotspot.kind"))

    checked, problems = check({"hotspot.yaw": "-30", "hotspot.kind": "way"})
    assert said(problems, hotspot=1) == {"hotspot.target": "Punkt aktywny: prowadzi do: "
                                         "pole jest wymagane; uzupełnij je"}  # fmt: skip
    checked, problems = check(
        {"hotspot.yaw": "5", "hotspot.kind": "way", "hotspot.target": "rynek"}
    )
    assert list(said(problems, hotspot=1)) == ["hotspot.target"]  # leads to itself
    checked, problems = check({"hotspot.yaw": "", "hotspot.kind": "note"})
    assert set(said(problems, hotspot=1)) == {"hotspot.yaw", "hotspot.info.pl"}
    checked, problems = check(
        {
            "hotspot.yaw": "-30.5",
            "hotspot.pitch": "2",
            "hotspot.kind": "note",
            "hotspot.info.pl": "Fontanna",
            "hotspot.target": "most",
        },
        0,  # fmt: skip
    )
    assert problems == []
    assert checked["hotspots"] == [{"yaw": -30.5, "pitch": 2.0, "info": {"pl": "Fontanna"}}]


def test_a_new_place_gets_an_identifier_from_its_polish_name():
    place_id, data = walkedit.new_place({"title.pl": "Kościół św. Łukasza"}, "media/x.jpg")
    assert place_id == "kosciol-sw-lukasza" and data["image"] == "media/x.jpg"
    taken = walkedit.check_new(place_id, data, {"kosciol-sw-lukasza": "K"})
    assert [p.code for p in taken] == ["duplicate_id"]
    assert said(walkedit.check_new("Rynek!", data, {})) == {
        "id": "Miejsce: identyfikator: tylko małe litery bez polskich znaków, cyfry, - i _ "
        "(najwyżej 64 znaki, na początku litera lub cyfra)"
    }
    without_photo = walkedit.check_new("x", walkedit.new_place({"title.pl": "X"}, None)[1], {})
    assert said(without_photo) == {"photo": "Miejsce: zdjęcie 360°: zdjęcie 360° jest wymagane"}


def test_deleting_a_place_finds_and_removes_the_ways_to_it_and_warns_of_the_rest():
    note = {"yaw": 2.0, "info": {"pl": "i"}}
    places = [
        ("rynek", {**PLACE, "hotspots": [{"yaw": 1.0, "target": "most"}, note]}),
        ("most", {**PLACE, "id": "most", "hotspots": [{"yaw": 3.0, "target": "rynek"}]}),
        ("las", {**PLACE, "id": "las", "hotspots": [{"yaw": 4.0, "target": "most"}]}),
    ]
    assert walkedit.links_to(places, "most") == [walkedit.Link("rynek", 0), walkedit.Link("las", 0)]
    assert walkedit.without_ways_to(places[2][1], "most").get("hotspots") is None
    assert walkedit.without_ways_to(places[0][1], "most")["hotspots"] == [note]
    warnings = walkedit.walk_warnings(places, "rynek", SETTINGS)
    assert [(w.place_id, w.problem.code) for w in warnings] == [("las", "unreachable")]
    gone = walkedit.walk_warnings(places[:2], "kosciol", None)
    assert [(w.place_id, w.problem.code) for w in gone] == [(None, "unknown_reference")]

"""The street a reported place is near, from the map's streets (plain Python), and the streets
as content staff write them: checked when the content is, and round-tripped by the editor."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from kiosk_core.content.model import MapImage, MapStreet
from kiosk_core.content.problems import ContentError
from kiosk_core.content.problemtext import message_for
from kiosk_core.content.source import load_source
from kiosk_core.geo import NEAR_STREET, latlong_to_tap, nearest_street
from tests.conftest import SAMPLE_CONTENT, write_tree

METRE = 1 / 111_195  # a metre of latitude, in degrees


def street(name: str, *points: tuple[float, float]) -> MapStreet:
    return MapStreet(name=name, points=[list(p) for p in points])


POLNA = street("ul. Polna", (50.3000, 16.8700), (50.3000, 16.8800))
"""West to east along a parallel."""
BEND = street("ul. Kręta", (50.2950, 16.8700), (50.2950, 16.8750), (50.2900, 16.8750))
RYNEK = street(
    "ul. Rynek",
    (50.3040, 16.8760),
    (50.3040, 16.8820),
    (50.3020, 16.8820),
    (50.3020, 16.8760),
    (50.3040, 16.8760),
)
"""A square: the line ends where it starts."""


def test_the_nearest_street_is_measured_to_its_line_in_metres() -> None:
    near = nearest_street([POLNA], 50.3000 + 40 * METRE, 16.8750)
    assert near is not None and near.name == "ul. Polna"
    assert near.metres == pytest.approx(40, abs=0.5)
    # beyond the street's end the distance is to its end, not to the line's extension
    east = 16.8800 + 100 / (111_195 * math.cos(math.radians(50.3)))
    assert nearest_street([POLNA], 50.3000, east).metres == pytest.approx(100, abs=1)
    # a bend: the nearest of its segments counts
    near = nearest_street([POLNA, BEND], 50.2925, 16.8750 + 0.0001)
    assert near.name == "ul. Kręta" and near.metres == pytest.approx(7.1, abs=0.3)


def test_a_place_far_from_every_street_or_without_streets_is_named_by_none() -> None:
    far = 50.3000 + (NEAR_STREET + 10) * METRE
    assert nearest_street([POLNA], far, 16.8750) is None
    assert nearest_street([POLNA], far, 16.8750, within=200).name == "ul. Polna"
    assert nearest_street([], 50.3, 16.875) is None


def test_inside_a_square_the_place_is_on_it() -> None:
    wodna = street("ul. Wodna", (50.3041, 16.8790), (50.3060, 16.8790))
    middle = nearest_street([RYNEK, wodna], 50.3030, 16.8791)
    assert middle is not None and middle.name == "ul. Rynek" and middle.metres == 0


def test_the_sample_town_names_its_market_square_and_streets() -> None:
    area = load_source(SAMPLE_CONTENT).content.settings.map
    assert area is not None and len(area.streets) >= 5
    assert nearest_street(area.streets, 50.30246, 16.87895).name == "ul. Rynek"
    assert nearest_street(area.streets, 50.3036, 16.8750).name == "ul. Polna"
    assert nearest_street(area.streets, 50.3075, 16.8930) is None  # in the forest
    fx, fy = latlong_to_tap(area, 50.30246, 16.87895)
    assert 0 < fx < 1 and 0 < fy < 1


def test_a_street_off_the_map_is_a_problem_named_for_the_clerk(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside the map"):
        MapImage(
            image="media/map.png",
            north=50.40,
            south=50.20,
            west=16.70,
            east=17.00,
            streets=[street("ul. Odwrócona", (16.80, 50.30), (16.81, 50.30))],
        )
    src = write_tree(tmp_path / "src")
    settings = src / "settings.yaml"
    text = settings.read_text(encoding="utf-8")

    def problems_with(streets: str) -> list:
        settings.write_text(text.replace("east: 17.00}", f"east: 17.00, streets: {streets}}}"))
        with pytest.raises(ContentError) as refused:
            load_source(src)
        return refused.value.problems

    [swapped] = problems_with("[{name: ul. Polna, points: [[50.3, 16.8], [16.81, 50.3]]}]")
    explained = message_for(swapped, lambda m: m)
    assert (explained.field, swapped.code) == ("map.streets[0].points", "street_off_map")
    assert str(explained) == (
        'Street: its line on the map: a point of "ul. Polna" (16.81, 50.3) lies outside the '
        "map's edges; give each point as latitude, longitude"
    )
    [short] = problems_with("[{name: ul. Krótka, points: [[50.3, 16.8]]}]")
    assert (short.field, short.code) == ("map.streets[0].points", "too_short")

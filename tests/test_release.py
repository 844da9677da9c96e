"""Reading a release for one kiosk: targeting, validity windows, activation."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.agenda import When
from kiosk.content.build import build_release
from kiosk.content.release import (
    Catalog,
    ReleaseError,
    activate_release,
    current_release_dir,
    load_release,
)
from tests.conftest import SERVICES

TARGETED = """\
- id: rynek-only
  category: podatki
  title: Opłata targowa
  summary: Tylko w kiosku na rynku
  kiosks: [rynek]
- id: library-group
  category: podatki
  title: Karta biblioteczna
  summary: Dla kiosków w bibliotekach
  groups: [biblioteki]
- id: winter-only
  category: podatki
  title: Zimowe utrzymanie dróg
  summary: Od grudnia
  valid_from: 2026-12-01T00:00:00+01:00
  valid_until: 2027-03-01T00:00:00+01:00
"""


@pytest.fixture
def release_dir(source: Path, tmp_path: Path) -> Path:
    (source / "services" / "documents.yaml").write_text(SERVICES + TARGETED, encoding="utf-8")
    out = tmp_path / "release"
    build_release(source, out, version=3)
    return out


def card_ids(catalog: Catalog, now: datetime) -> set[str]:
    return {c.id for cat in catalog.categories(now) for c in catalog.services(cat.id, now)}


NOV = datetime(2026, 11, 21, 12, tzinfo=UTC)
JAN = datetime(2027, 1, 10, 12, tzinfo=UTC)


def test_items_are_filtered_by_kiosk_id_and_groups(release_dir: Path) -> None:
    release = load_release(release_dir)
    assert release.version == 3
    plain = card_ids(Catalog(release, "dworzec"), NOV)
    assert plain == {"dowod", "meldunek", "podatek"}
    assert "rynek-only" in card_ids(Catalog(release, "rynek"), NOV)
    library = card_ids(Catalog(release, "biblioteka-1", frozenset({"biblioteki"})), NOV)
    assert "library-group" in library
    assert "rynek-only" not in library


def test_validity_windows(release_dir: Path) -> None:
    catalog = Catalog(load_release(release_dir))
    assert "winter-only" not in card_ids(catalog, NOV)
    assert "winter-only" in card_ids(catalog, JAN)
    assert [a.id for a in catalog.alerts(NOV)] == ["woda"]
    assert catalog.alerts(JAN) == []


def test_events_and_media(release_dir: Path) -> None:
    catalog = Catalog(load_release(release_dir))
    later = catalog.events(When.LATER, NOV)
    assert [e.id for e in later] == ["jarmark", "koncert"]
    assert [e.id for e in catalog.events(When.LATER, NOV, "kultura")] == ["koncert"]
    logo = catalog.release.media_path(catalog.settings.logo)
    assert logo is not None and logo.is_file()


def test_categories_sorted_and_empty_ones_hidden(release_dir: Path) -> None:
    catalog = Catalog(load_release(release_dir))
    assert [c.id for c in catalog.categories(NOV)] == ["dokumenty", "podatki"]


def test_a_broken_release_is_a_clear_error(release_dir: Path) -> None:
    (release_dir / "content.json").write_bytes(b'{"format": 1, "settings": ')
    with pytest.raises(ReleaseError, match="is not valid content"):
        load_release(release_dir)
    (release_dir / "content.json").unlink()
    with pytest.raises(ReleaseError, match="no readable content.json"):
        load_release(release_dir)


def test_activate_swaps_the_current_link(source: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert current_release_dir(data) is None
    for version in (1, 2):
        build_release(source, data / "releases" / str(version), version=version)
    activate_release(data, data / "releases" / "1")
    assert current_release_dir(data) == (data / "releases" / "1").resolve()
    activate_release(data, data / "releases" / "2")
    assert load_release(data / "current").version == 2
    assert os.readlink(data / "current") == "releases/2"
    assert sorted(p.name for p in data.iterdir()) == ["current", "releases"]

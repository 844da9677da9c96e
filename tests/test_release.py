"""Reading a release for one kiosk: targeting, validity windows, activation."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import get_args, get_type_hints

import pytest

from kiosk.content.release import (
    Catalog,
    ReleaseError,
    activate_release,
    current_release_dir,
    load_release,
    prepare_release,
)
from kiosk.visit.agenda import When
from kiosk_core.content.build import build_release
from kiosk_core.content.model import Content
from kiosk_core.content.texts import Fallback, Share, fallback, item_texts
from kiosk_core.validation import _plan
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


def test_what_a_visitor_reads_in_polish_and_the_share_wholly_in_their_language(
    release_dir: Path,
) -> None:
    catalog = Catalog(load_release(release_dir), "dworzec")
    read_as = {
        (kind, item.id, lang): fallback(item_texts(item).values(), lang)
        for kind, item in [("card", catalog.service(i)) for i in ("dowod", "meldunek")]
        + [("event", catalog.event("jarmark"))]
        for lang in ("pl", "en", "de")
    }
    assert read_as[("card", "dowod", "en")] is Fallback.NONE
    assert read_as[("card", "dowod", "de")] is Fallback.PART  # its summary is not in German
    assert read_as[("card", "meldunek", "de")] is Fallback.WHOLE
    assert read_as[("event", "jarmark", "en")] is Fallback.WHOLE
    assert {read_as[(k, i, "pl")] for k, i, _lang in read_as} == {Fallback.NONE}
    # the cards a visitor can reach (not other kiosks', not out of their window), events not over
    assert catalog.shares("en", NOV) == (Share(1, 3), Share(1, 2))
    assert catalog.shares("de", NOV) == (Share(0, 3), Share(0, 2))
    assert catalog.shares("pl", NOV) == (Share(3, 3), Share(2, 2))
    after_both = datetime(2026, 12, 21, 12, tzinfo=UTC)
    assert catalog.shares("en", after_both)[1] == Share(0, 0)


def test_the_sample_shown_by_kiosk_run_has_its_events_around_the_kiosks_day(
    source: Path, tmp_path: Path
) -> None:
    (source / "sample.yaml").write_text("dates_written_for: 2026-12-12\n", encoding="utf-8")
    tuesday = datetime(2027, 4, 6, 9, tzinfo=UTC)  # 17 weeks on: the fair is on Saturday
    catalog = Catalog(load_release(prepare_release(source, tmp_path / "data", tuesday)))
    assert [e.id for e in catalog.events(When.WEEK, tuesday)] == ["jarmark"]
    assert [e.id for e in catalog.events(When.LATER, tuesday)] == ["koncert"]


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


@pytest.fixture(scope="module")
def sample_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample: every kind of item (walk, attract loop, events, report map)."""
    out = tmp_path_factory.mktemp("sample") / "release"
    build_release(Path(__file__).resolve().parent.parent / "content", out, version=4)
    return out


def _assert_same(fast: object, checked: object, where: str = "content") -> None:
    if dataclasses.is_dataclass(checked):
        assert type(fast) is type(checked), where
        for f in dataclasses.fields(checked):
            _assert_same(getattr(fast, f.name), getattr(checked, f.name), f"{where}.{f.name}")
    elif isinstance(checked, list | dict):
        assert type(fast) is type(checked) and len(fast) == len(checked), where
        pairs = checked.items() if isinstance(checked, dict) else enumerate(checked)
        for key, value in pairs:
            _assert_same(fast[key], value, f"{where}[{key!r}]")
    else:
        assert type(fast) is type(checked) and fast == checked, where


def _nested_models(model: type, seen: set[type]) -> set[type]:
    seen.add(model)
    stack = list(get_type_hints(model, include_extras=True).values())
    while stack:
        annotation = stack.pop()
        stack.extend(get_args(annotation))
        is_model = isinstance(annotation, type) and dataclasses.is_dataclass(annotation)
        if is_model and annotation not in seen:
            _nested_models(annotation, seen)
    return seen


def test_every_content_field_has_a_fast_reading() -> None:
    """A field type the fast read cannot turn JSON into (a union of two models, say) fails
    here, not on a kiosk at start-up, even before the sample content uses it."""
    for model in _nested_models(Content, set()):
        _plan(model)
    assert len(_nested_models(Content, set())) >= 20  # every class, down to Hotspot


def test_the_screens_fast_read_gives_what_validation_gives(sample_release: Path) -> None:
    """The kiosk's screen starts without validating the release again: every field of the
    bundled sample must still come out exactly as the validating reader gives it."""
    checked = load_release(sample_release)
    fast = load_release(sample_release, validate=False)
    assert fast.version == checked.version == 4
    assert checked.content.walk is not None and checked.content.attract
    _assert_same(fast.content, checked.content)
    catalog = Catalog(fast)
    assert catalog.categories(NOV) and catalog.events(When.LATER, NOV)


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: [data], "expected an object for Content"),
        (lambda data: {"format": 1}, "missing settings"),
        (lambda data: data | {"services": {}}, "services: expected a list"),
        (lambda data: data | {"services": [*data["services"], 7]}, r"services: item \d+"),
        (lambda data: data | {"events": [data["events"][0] | {"start": "soon"}]}, "start"),
    ],
)
def test_a_damaged_release_is_refused_by_the_fast_read_too(
    sample_release: Path, tmp_path: Path, damage, message: str
) -> None:
    broken = tmp_path / "broken"
    shutil.copytree(sample_release, broken)
    data = json.loads((broken / "content.json").read_bytes())
    (broken / "content.json").write_text(json.dumps(damage(data)), encoding="utf-8")
    with pytest.raises(ReleaseError, match=f"is not valid content: .*{message}"):
        load_release(broken, validate=False)


def test_a_damaged_manifest_is_refused_by_the_fast_read(sample_release: Path, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(sample_release, broken)
    (broken / "manifest.json").write_text('{"version": "4"}', encoding="utf-8")
    with pytest.raises(ReleaseError, match="not a valid manifest"):
        load_release(broken, validate=False)

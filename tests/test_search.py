"""Search as a visitor types: case, diacritics, prefixes, keywords, other languages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kiosk.content.release import Catalog, load_release
from kiosk.visit.search import SearchIndex, fold
from kiosk_core.content.build import build_release

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


@pytest.fixture
def catalog(source: Path, tmp_path: Path) -> Catalog:
    build_release(source, tmp_path / "release")
    return Catalog(load_release(tmp_path / "release"))


def ids(catalog: Catalog, query: str, lang: str = "pl") -> list[str]:
    return [card.id for card in catalog.search(query, lang, NOW)]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Zaświadczenie", "zaswiadczenie"),
        ("ŻÓŁĆ GĘŚLĄ JAŹŃ", "zolc gesla jazn"),
        ("Straße", "strasse"),
        ("Žluťoučký kůň", "zlutoucky kun"),
        ("Київ", "киів"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_diacritics_and_case_do_not_matter(catalog: Catalog) -> None:
    for query in ("zaswiadczenie", "Zaświadczenie", "ZAŚWIADCZENIE", "zaSWIADczenie"):
        assert ids(catalog, query) == ["meldunek"], query


def test_prefixes_match_while_typing(catalog: Catalog) -> None:
    assert ids(catalog, "z") == ["meldunek"]
    assert ids(catalog, "zaśw") == ["meldunek"]
    assert ids(catalog, "dow") == ["dowod"]
    assert set(ids(catalog, "o")) == {"dowod", "meldunek", "podatek"}


def test_every_word_must_match(catalog: Catalog) -> None:
    assert ids(catalog, "zaświadczenie zameld") == ["meldunek"]
    assert ids(catalog, "zaświadczenie podatek") == []


def test_keywords_find_cards(catalog: Catalog) -> None:
    assert ids(catalog, "legitymacja") == ["dowod"]
    assert ids(catalog, "Ausweis", "de") == ["dowod"]


def test_visitor_language_and_polish_both_work(catalog: Catalog) -> None:
    assert ids(catalog, "Personalausweis", "de") == ["dowod"]
    assert ids(catalog, "dowód", "de") == ["dowod"]
    assert ids(catalog, "property", "en") == ["podatek"]
    assert ids(catalog, "Personalausweis", "en") == []


def test_inflected_polish_word_still_finds(catalog: Catalog) -> None:
    assert ids(catalog, "dowodu") == ["dowod"]
    assert ids(catalog, "podatku") == ["podatek"]


def test_empty_or_punctuation_query_finds_nothing(catalog: Catalog) -> None:
    assert ids(catalog, "") == []
    assert ids(catalog, "  ?!  ") == []


def test_title_hits_rank_above_body_hits() -> None:
    index = SearchIndex.build(
        [
            ("body-only", [("Inne sprawy", 16), ("opłata skarbowa 17 zł", 1)]),
            ("title", [("Opłata skarbowa", 16)]),
        ]
    )
    assert index.search("opłata") == ["title", "body-only"]

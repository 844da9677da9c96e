"""A synthetic content source tree of any size, for benchmarks and load tests.

The words are real Polish, English and German administrative vocabulary so that search and
layout are exercised as with real content, only more of it.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

import yaml

_SUBJECTS = [
    ("dowód osobisty", "ID card", "Personalausweis"),
    ("zaświadczenie o zameldowaniu", "certificate of residence", "Meldebescheinigung"),
    ("podatek od nieruchomości", "property tax", "Grundsteuer"),
    ("odbiór odpadów", "waste collection", "Müllabfuhr"),
    ("pozwolenie na budowę", "building permit", "Baugenehmigung"),
    ("karta dużej rodziny", "large family card", "Großfamilienkarte"),
    ("akt urodzenia", "birth certificate", "Geburtsurkunde"),
    ("wycinka drzewa", "tree felling permit", "Baumfällgenehmigung"),
    ("dodatek mieszkaniowy", "housing allowance", "Wohngeld"),
    ("zajęcie pasa drogowego", "road lane occupation", "Straßennutzung"),
]
_VERBS = [
    ("Wniosek o", "Application for", "Antrag auf"),
    ("Zmiana danych:", "Change of details:", "Änderung:"),
    ("Odbiór:", "Collection:", "Abholung:"),
    ("Informacja:", "Information:", "Auskunft:"),
]
_BODY = (
    "Wniosek składa się osobiście w urzędzie lub przez ePUAP. Urzędnik sprawdzi dokumenty "
    "i poinformuje o terminie odbioru. Opłatę można wnieść gotówką w kasie lub przelewem. "
    "W razie pytań prosimy o kontakt z biurem obsługi mieszkańców."
)


def _text(pl: str, en: str, de: str) -> dict[str, str]:
    return {"pl": pl, "en": en, "de": de}


def write_source(
    root: Path,
    services: int = 2000,
    events: int = 2000,
    seed: int = 7,
    one_category: bool = False,
) -> Path:
    """Write a valid source tree with the given numbers of service cards and events;
    `one_category` puts every card in the first category, so that one list holds them all."""
    rng = random.Random(seed)
    root = Path(root)
    (root / "services").mkdir(parents=True, exist_ok=True)
    (root / "events").mkdir(parents=True, exist_ok=True)
    _dump(
        root / "settings.yaml",
        {
            "municipality": _text("Gmina Syntetyczna", "Synthetic Commune", "Gemeinde Synthetik"),
            "timezone": "Europe/Warsaw",
            "location": {"lat": 50.3, "long": 16.88},
            "contact": {
                "name": _text("Urząd Gminy", "Town hall", "Gemeindeamt"),
                "address": "ul. Rynek 1",
                "phone": "+48 74 811 00 00",
            },
        },
    )
    categories = [f"cat{i}" for i in range(12)]
    _dump(
        root / "service_categories.yaml",
        [
            {
                "id": c,
                "name": _text(f"Sprawy {i}", f"Matters {i}", f"Angelegenheiten {i}"),
                "order": i,
            }
            for i, c in enumerate(categories)
        ],
    )
    cards = []
    for n in range(services):
        subject = rng.choice(_SUBJECTS)
        verb = rng.choice(_VERBS)
        category = rng.choice(categories)  # drawn either way: the same words with one_category
        cards.append(
            {
                "id": f"svc-{n}",
                "category": categories[0] if one_category else category,
                "title": _text(*(f"{v} {s} {n}" for v, s in zip(verb, subject, strict=True))),
                "summary": _text(
                    f"Jak załatwić: {subject[0]}",
                    f"How to: {subject[1]}",
                    f"So geht's: {subject[2]}",
                ),
                "body": {"pl": _BODY},
                "documents": [{"pl": "dokument tożsamości", "en": "proof of identity"}],
                "keywords": {"pl": subject[0].split(), "en": subject[1].split()},
            }
        )
    _dump(root / "services" / "all.yaml", cards)
    _dump(
        root / "event_categories.yaml",
        [
            {"id": "culture", "name": _text("Kultura", "Culture", "Kultur")},
            {"id": "sport", "name": _text("Sport", "Sport", "Sport")},
        ],
    )
    start = datetime(2026, 1, 1, 10, 0)
    items = []
    for n in range(events):
        begin = start + timedelta(hours=rng.randrange(0, 24 * 500))
        items.append(
            {
                "id": f"ev-{n}",
                "title": _text(f"Koncert nr {n}", f"Concert no. {n}", f"Konzert Nr. {n}"),
                "description": {"pl": "Zapraszamy całe rodziny na wspólne świętowanie."},
                "start": begin,
                "end": begin + timedelta(hours=2),
                "place": {"pl": "Rynek"},
                "category": rng.choice(["culture", "sport"]),
            }
        )
    _dump(root / "events" / "all.yaml", items)
    _dump(
        root / "report_categories.yaml",
        [
            {
                "service_code": "lamp",
                "name": _text("Lampa", "Lamp", "Laterne"),
                "group": _text("Oświetlenie", "Lighting", "Beleuchtung"),
                "department": {"pl": "Referat Gospodarki Komunalnej"},
                "department_email": "komunalny@example.org",
            }
        ],
    )
    return root


def _dump(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")

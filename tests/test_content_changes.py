"""What changed between two versions of the content (kiosk_core.content.changes): the "what
will change" page reads it before publishing, the release history keeps its counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk_core.content.build import build_release
from kiosk_core.content.changes import (
    FLAG,
    MEDIA,
    MOMENT,
    FieldChange,
    Reach,
    compare,
    counts_of,
    release_items,
    summary,
)
from kiosk_core.content.items import Item
from kiosk_core.content.unbuild import unbuild

SAMPLE = Path(__file__).resolve().parent.parent / "content"
CARD = "dowod-osobisty"


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    out = tmp_path_factory.mktemp("release") / "release"
    build_release(SAMPLE, out)
    return (out / "content.json").read_bytes()


def edited(items: list[Item], kind: str, item_id: str, **fields: object) -> list[Item]:
    """`items` with one item's fields replaced (a field given as None is taken out)."""
    out = []
    for item in items:
        if (item.kind, item.item_id) == (kind, item_id):
            data = {k: v for k, v in {**item.data, **fields}.items() if v is not None}
            item = Item(kind, item_id, data)
        out.append(item)
    return out


def test_a_changed_card_names_each_field_with_its_old_and_new_text(published: bytes) -> None:
    old = unbuild(published)
    card = next(i.data for i in old if i.item_id == CARD)
    new = edited(
        old,
        "service",
        CARD,
        opening_hours={"pl": "pn–pt 7:30–15:30", "de": "Mo–Fr 7:30–15:30"},
        office={**card["office"], "name": {"pl": "Biuro Obsługi Mieszkańców"}},
        documents=card["documents"][:1],
        groups=["wsie"],
    )

    changes = compare(old, new)

    assert [k.kind for k in changes.kinds] == ["service"]
    [item] = changes.of("service").changed
    assert item.title == card["title"]["pl"] and item.item_id == CARD
    assert (item.before, item.after) == (Reach(), Reach(groups=("wsie",)))
    assert item.reach_changed and item.before is not None and item.before.everywhere
    by_field = {(f.path, f.language): f for f in item.fields}
    assert by_field["opening_hours", "pl"] == FieldChange(
        "opening_hours", "pl", None, "pn–pt 7:30–15:30"
    )
    assert by_field["opening_hours", "de"].new == "Mo–Fr 7:30–15:30"
    assert ("opening_hours", "en") not in by_field  # no English before or after
    office = by_field["office.name", "pl"]
    assert (office.old, office.new) == (card["office"]["name"]["pl"], "Biuro Obsługi Mieszkańców")
    assert by_field["office.name", "en"].new is None  # the English name is gone
    documents = by_field["documents", "pl"]
    assert documents.old == "\n".join(d["pl"] for d in card["documents"])
    assert documents.new == card["documents"][0]["pl"]
    assert by_field["groups", None].new == "wsie"
    # The card's own fields first, as its form has them; where it is shown last.
    assert item.fields[-1].path == "groups"
    assert {f.path for f in item.fields} == {"opening_hours", "office.name", "documents", "groups"}


def test_added_and_removed_items_per_kind_and_their_summary(published: bytes) -> None:
    old = unbuild(published)
    events = [i for i in old if i.kind == "event"]
    gone = events[:2]
    poster = {"id": "kino", "title": {"pl": "Kino plenerowe"}, "start": "2026-07-01"}
    new = [i for i in old if i not in gone] + [
        Item("event", "kino", {**poster, "all_day": True, "groups": ["wsie"]})
    ]

    changes = compare(old, new)

    events_changed = changes.of("event")
    assert [i.item_id for i in events_changed.removed] == [i.item_id for i in gone]
    assert [i.title for i in changes.removed()] == [i.data["title"]["pl"] for i in gone]
    [added] = events_changed.added
    assert (added.title, added.before) == ("Kino plenerowe", None)
    assert added.after == Reach(groups=("wsie",))
    assert added.action == "added" and changes.removed()[0].action == "removed"
    stored = summary(changes)
    assert stored == {
        "kinds": {"event": {"added": 1, "changed": 0, "removed": 2}},
        "alerts_only": False,
    }
    assert json.loads(json.dumps(stored)) == stored
    assert counts_of(stored) == [("event", "added", 1), ("event", "removed", 2)]


def test_only_alerts_changed(published: bytes) -> None:
    items = release_items(published)
    alert = {"id": "hub-7", "severity": "danger", "text": {"pl": "Awaria wodociągu"}}
    with_alert = [*items, Item("alert", "hub-7", alert)]

    assert compare(items, with_alert).alerts_only
    assert compare(with_alert, items).alerts_only  # withdrawn
    both = edited(with_alert, "service", CARD, fees={"pl": "bezpłatnie"})
    assert not compare(items, both).alerts_only
    nothing = compare(items, items)
    assert nothing.empty and not nothing.alerts_only
    assert summary(nothing) == {"kinds": {}, "alerts_only": False}


def test_the_same_content_written_differently_is_no_change(published: bytes) -> None:
    """A release as it stores items (defaults written out) against the same release unbuilt
    (defaults left out); a plain string against the same Polish-only text; another order."""
    assert compare(release_items(published), unbuild(published)).empty
    items = unbuild(published)
    texts = edited(items, "service", CARD, fees={"pl": "bezpłatnie"})
    plain = edited(items, "service", CARD, fees="bezpłatnie")
    assert compare(texts, plain).empty
    assert compare(items, [items[-1], *items[:-1]]).empty


def test_values_read_as_what_they_are(published: bytes) -> None:
    """Times and days as moments (the page says them in the town's zone), flags as yes or
    no, media as media; a nested setting by its path; a field left out at its default."""
    old = unbuild(published)
    event = next(i.data for i in old if i.item_id == "final-wosp")
    assert "all_day" not in event and event["start"] == "2027-01-31T12:00:00+01:00"
    poster = "media/" + "0" * 64 + ".jpg"
    new = edited(
        old, "event", "final-wosp", start="2027-01-31", end=None, all_day=True, image=poster
    )
    [item] = compare(old, new).of("event").changed
    by_path = {f.path: f for f in item.fields}
    assert by_path["start"] == FieldChange(
        "start", None, "2027-01-31T12:00:00+01:00", "2027-01-31", MOMENT
    )
    assert by_path["end"].form == MOMENT and by_path["end"].new is None
    assert by_path["all_day"] == FieldChange("all_day", None, "no", "yes", FLAG)
    assert by_path["image"] == FieldChange("image", None, event["image"], poster, MEDIA)

    settings = edited(old, "settings", "settings", idle={"reset_after": 120})
    [changed] = compare(old, settings).of("settings").changed
    assert changed.title == "Miasto i Gmina Jodłów Śląski"
    assert [(f.path, f.old, f.new) for f in changed.fields] == [("idle.reset_after", "90", "120")]

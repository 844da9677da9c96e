"""The editor's forms, translation marks and lists as plain Python: what a clerk's form posts
becomes exactly the item it shows, every field has an input, and what needs doing is found."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from hub.content import forms, listing, translating
from hub.content.draft import DraftItem
from kiosk_core.content.build import build_release
from kiosk_core.content.fieldlabels import model_paths
from kiosk_core.content.items import BY_NAME, Item
from kiosk_core.content.problemtext import message_for
from kiosk_core.content.unbuild import unbuild

REPO = Path(__file__).resolve().parent.parent
EDITABLE = [k for k in BY_NAME if k not in ("walk", "place")]
WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> list[Item]:
    out = tmp_path_factory.mktemp("release")
    build_release(REPO / "content", out)
    return unbuild((out / "content.json").read_bytes())


def posted(values: dict) -> dict[str, list[str]]:
    return {k: v if isinstance(v, list) else [v] for k, v in values.items()}


def test_every_item_saved_unchanged_is_exactly_the_item_it_was(sample: list[Item]) -> None:
    kinds = set()
    for item in sample:
        if item.kind not in EDITABLE:
            continue
        form = forms.form_for(item.kind)
        back = forms.parse(form, posted(forms.values_of(form, item.data)), item.data)
        assert back == item.data, (item.kind, item.item_id)
        assert forms.problems_of(form, back) == []
        kinds.add(item.kind)
    assert kinds == set(EDITABLE)


@pytest.mark.parametrize("kind", EDITABLE)
def test_every_field_of_the_model_has_an_input(kind: str) -> None:
    form = forms.form_for(kind)
    inputs = {f.path for f in forms.walk_fields(form.fields)}
    fields = set(model_paths(BY_NAME[kind].model)) - forms.DERIVED
    assert fields == inputs
    # and a label a clerk reads, never the bare field name
    assert all(f.label != f.path for f in forms.walk_fields(form.fields))


def test_what_is_not_a_number_is_kept_as_typed_and_named_by_its_label() -> None:
    form = forms.form_for("service_category")
    data = forms.parse(form, posted({"id": "rodzina", "name.pl": "Rodzina", "order": "pierwsza"}))
    assert data["order"] == "pierwsza"
    errors = forms.problems_by_input(form, forms.problems_of(form, data), lambda m: m)
    assert errors == {"order": ["Order: must be a whole number, such as 10"]}
    data = forms.parse(form, posted({"id": "rodzina", "name.pl": "Rodzina", "order": " 3 "}))
    assert data["order"] == 3


def test_an_event_without_a_time_is_all_day_and_an_unchanged_time_keeps_its_offset() -> None:
    form = forms.form_for("event")
    base = {"id": "festyn", "title.pl": "Festyn"}
    day = forms.parse(form, posted(base | {"start.date": "2026-06-13"}))
    assert (day["start"], day["all_day"]) == ("2026-06-13", True)
    timed = forms.parse(form, posted(base | {"start.date": "2026-06-13", "start.time": "9:30"}))
    assert timed["start"] == "2026-06-13T09:30:00" and "all_day" not in timed
    old = {"id": "festyn", "title": {"pl": "Festyn"}, "start": "2026-06-13T15:00:00+02:00"}
    values = forms.values_of(form, old)
    assert (values["start.date"], values["start.time"]) == ("2026-06-13", "15:00")
    assert forms.parse(form, posted(values), old)["start"] == "2026-06-13T15:00:00+02:00"
    moved = forms.parse(form, posted(values | {"start.time": "16:00"}), old)
    assert moved["start"] == "2026-06-13T16:00:00"  # local time, as a source tree writes it
    # a time at the end of an all-day event is named, not dropped
    both = forms.parse(
        form,
        posted(base | {"start.date": "2026-06-13", "end.date": "2026-06-14", "end.time": "18:00"}),
    )
    [problem] = forms.problems_of(form, both)
    assert message_for(problem, lambda m: m).field == "start"


def test_documents_go_together_line_by_line_across_languages() -> None:
    form = forms.form_for("service")
    data = forms.parse(
        form,
        posted(
            {
                "documents.pl": "Wniosek\n\nDowód osobisty\n",
                "documents.en": "Application\n\nIdentity card",
                "documents.de": "Antrag",
            }
        ),
    )
    assert data["documents"] == [
        {"pl": "Wniosek", "en": "Application", "de": "Antrag"},
        {"pl": "Dowód osobisty", "en": "Identity card"},
    ]


def test_questions_are_added_in_the_empty_row_and_removed_by_their_box() -> None:
    form = forms.form_for("report_category")
    old = {
        "attributes": [
            {"code": "a", "datatype": "string", "description": {"pl": "Pierwsze"}},
            {"code": "b", "datatype": "string", "description": {"pl": "Drugie"}},
        ]
    }
    values = forms.values_of(form, old)
    assert values["attributes.count"] == "3"  # two and an empty one
    values |= {"attributes.0.remove": "on", "attributes.2.code": "c"}
    values |= {"attributes.2.datatype": "number", "attributes.2.description.pl": "Ile?"}
    data = forms.parse(form, posted(values), old)
    assert [a["code"] for a in data["attributes"]] == ["b", "c"]
    # an empty row (its boxes left at their defaults) adds nothing
    values = forms.values_of(form, old)
    assert len(forms.parse(form, posted(values), old)["attributes"]) == 2


def test_where_reports_go_is_kept_unless_an_administrator_changes_it() -> None:
    form = forms.form_for("report_category")
    old = {"department_email": "drogi@example.org", "department": {"pl": "Drogi"}}
    values = forms.values_of(form, old) | {"department_email": "ktos@example.org"}
    assert forms.parse(form, posted(values), old, may_route=False)["department_email"] == (
        "drogi@example.org"
    )
    assert forms.parse(form, posted(values), old, may_route=True)["department_email"] == (
        "ktos@example.org"
    )


def test_a_translation_is_to_check_once_its_polish_text_changes() -> None:
    model = BY_NAME["service"].model
    first = {"title": {"pl": "Dowód", "de": "Ausweis"}, "documents": [{"pl": "Wniosek"}]}
    assert translating.to_check(model, first, None) == []  # taken in from a release
    changed = {**first, "title": {"pl": "Dowód osobisty", "de": "Ausweis"}}
    marks = translating.marks_after(model, first, None, changed)
    assert translating.to_check(model, changed, marks) == [("title", "de")]
    # saved again without touching it: still to check
    marks = translating.marks_after(model, changed, marks, changed)
    assert translating.to_check(model, changed, marks) == [("title", "de")]
    # confirmed, or translated anew: done
    confirmed = translating.marks_after(model, changed, marks, changed, {("title", "de")})
    assert translating.to_check(model, changed, confirmed) == []
    edited = {**changed, "title": {"pl": "Dowód osobisty", "de": "Personalausweis"}}
    assert (
        translating.to_check(model, edited, translating.marks_after(model, changed, marks, edited))
        == []
    )


def item(kind: str, item_id: str, data: dict, checked=None) -> DraftItem:
    return DraftItem(kind, item_id, 0, data, 1, None, datetime(2026, 12, 1, tzinfo=UTC), checked)


def test_lists_find_without_diacritics_and_keep_past_events_in_the_archive() -> None:
    now = datetime(2026, 12, 7, 12, tzinfo=UTC)
    cards = [
        item("service", "meldunek", {"title": {"pl": "Zaświadczenie o zameldowaniu"}}),
        item(
            "service", "dowod", {"title": {"pl": "Dowód osobisty"}, "last_reviewed": "2026-11-01"}
        ),
    ]
    options = {"languages": ["pl", "en"], "now": now, "tz": WARSAW, "review_months": 12}
    found = listing.select(cards, listing.Filters(query="ZASWIADCZ"), **options)
    assert [i.item_id for i in found] == ["meldunek"]
    due = listing.select(cards, listing.Filters(stale=True), **options)
    assert [i.item_id for i in due] == ["meldunek"]  # never reviewed
    lacking = listing.select(cards, listing.Filters(missing="en"), **options)
    assert len(lacking) == 2
    events = [
        item("event", "wczoraj", {"title": {"pl": "A"}, "start": "2026-12-06", "all_day": True}),
        item("event", "dzis", {"title": {"pl": "B"}, "start": "2026-12-07T09:00:00"}),
        item("event", "trwa", {"title": {"pl": "C"}, "start": "2026-12-01", "end": "2026-12-10"}),
    ]
    current = listing.select(events, listing.Filters(), **options)
    assert [i.item_id for i in current] == ["dzis", "trwa"]
    archive = listing.select(events, listing.Filters(archive=True), **options)
    assert [i.item_id for i in archive] == ["wczoraj"]


def test_a_refused_form_keeps_both_changes_and_names_what_both_changed() -> None:
    base = {
        "fees.pl": "Bezpłatnie",
        "phone": "+48 1",
        "groups": "wsie, centrum",
        "documents.pl": "A\nB",
    }
    theirs = base | {"fees.pl": "10 zł", "phone": "+48 2"}
    mine = base | {"fees.uk": "10 злотих", "phone": "+48 3", "documents.pl": "A\r\nB"}
    form = forms.form_for("service")
    merged = forms.merge(form, base, theirs, mine | {"groups": ["centrum", "wsie", ""]})
    assert merged.values["fees.pl"] == "10 zł"  # theirs kept
    assert merged.values["fees.uk"] == "10 злотих"  # mine on top
    assert merged.values["phone"] == "+48 3"
    assert merged.both == ("phone",) and merged.theirs == ("fees.pl",)


def test_a_time_zone_name_too_long_for_a_file_is_refused_not_a_crash() -> None:
    form = forms.form_for("event")
    data = {"id": "a", "title": {"pl": "A"}, "start": "2026-05-01", "all_day": True}
    [problem] = forms.problems_of(form, data | {"timezone": "x" * 5000})
    assert problem.code == "timezone_unknown"  # zoneinfo raised OSError: name too long

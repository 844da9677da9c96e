"""Answers to a report category's questions (Open311 attributes), checked alike by the kiosk's
form, the hub's intake and its Open311 server (plain Python), and kept with the report in the
kiosk's outbox and its delivery."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from kiosk.infra.store import open_store
from kiosk.sync.reports import report_body
from kiosk.visit.outbox import due_reports, save_report
from kiosk_core.content.model import ReportCategory
from kiosk_core.reportanswers import (
    MAX_STRING,
    AnswerProblem,
    AnswerRefused,
    check_answer,
    check_answers,
    chosen,
    question_pages,
    questions,
    typed,
)
from kiosk_core.reports import ReportDraft
from kiosk_core.validation import validate

WASTE = validate(
    ReportCategory,
    {
        "service_code": "smieci",
        "name": {"pl": "Dzikie wysypisko"},
        "group": {"pl": "Czystość"},
        "department": {"pl": "Referat Ochrony Środowiska"},
        "department_email": "srodowisko@example.org",
        "attributes": [
            {
                "code": "kind",
                "datatype": "singlevaluelist",
                "required": True,
                "order": 1,
                "description": {"pl": "Jakie odpady?"},
                "values": [
                    {"key": "tyres", "name": {"pl": "Opony"}},
                    {"key": "rubble", "name": {"pl": "Gruz"}},
                ],
            },
            {
                "code": "extras",
                "datatype": "multivaluelist",
                "order": 3,
                "description": {"pl": "Co jeszcze?"},
                "values": [
                    {"key": "smell", "name": {"pl": "Odór"}},
                    {"key": "water", "name": {"pl": "Blisko wody"}},
                ],
            },
            {"code": "bags", "datatype": "number", "order": 2, "description": {"pl": "Ile?"}},
            {"code": "seen", "datatype": "datetime", "order": 4, "description": {"pl": "Kiedy?"}},
            {"code": "note", "datatype": "string", "variable": False, "order": 5,
             "description": {"pl": "Nie dotykaj beczek."}},
            {"code": "where", "datatype": "string", "order": 6, "description": {"pl": "Gdzie?"}},
            {"code": "details", "datatype": "text", "order": 7, "description": {"pl": "Opis"}},
        ],
    },
)  # fmt: skip
"""Every datatype; the required list first, a note that only informs between questions."""


def attribute(code: str):
    return next(a for a in WASTE.attributes if a.code == code)


def problem(code: str, values: list[str]) -> AnswerProblem:
    with pytest.raises(AnswerRefused) as refused:
        check_answer(attribute(code), values)
    return refused.value.problem


def test_questions_come_in_their_order_one_a_page_with_the_notes_before_them() -> None:
    assert [a.code for a in questions(WASTE)] == [
        "kind", "bags", "extras", "seen", "note", "where", "details",
    ]  # fmt: skip
    pages = question_pages(WASTE)
    assert [p.question.code for p in pages] == [
        "kind",
        "bags",
        "extras",
        "seen",
        "where",
        "details",
    ]
    assert [n.code for n in pages[4].notes] == ["note"]
    assert all(not p.notes for i, p in enumerate(pages) if i != 4)


def test_each_kind_of_answer_is_taken_as_its_datatype_says() -> None:
    assert check_answer(attribute("kind"), ["tyres"]) == "tyres"
    assert check_answer(attribute("extras"), ["water", "smell", "water", " "]) == ["water", "smell"]
    assert check_answer(attribute("bags"), ["3.5"]) == "3.5"
    assert check_answer(attribute("seen"), ["2026-11-20T08:30"]) == "2026-11-20T08:30"
    assert check_answer(attribute("where"), ["  przy lesie "]) == "przy lesie"
    assert check_answer(attribute("details"), ["dwie\r\nsterty"]) == "dwie\nsterty"
    assert check_answer(attribute("extras"), []) is None, "not required: may go unanswered"
    assert check_answer(attribute("note"), []) is None


def test_wrong_answers_are_named_by_what_is_wrong() -> None:
    assert problem("kind", ["  "]) == AnswerProblem("required", "kind")
    assert problem("kind", ["gold"]) == AnswerProblem("not_a_choice", "kind", "gold")
    assert problem("kind", ["tyres", "rubble"]) == AnswerProblem("one_value", "kind", limit=2)
    assert problem("extras", ["smell", "fire"]).code == "not_a_choice"
    assert problem("bags", ["kilka"]) == AnswerProblem("not_a_number", "bags", "kilka")
    assert problem("bags", ["nan"]).code == "not_a_number"
    assert problem("seen", ["wczoraj"]).code == "not_a_datetime"
    assert problem("note", ["123"]) == AnswerProblem("informs_only", "note")
    long = problem("where", ["x" * (MAX_STRING + 1)])
    assert (long.code, long.limit, len(long.value)) == ("too_long", MAX_STRING, 100)
    assert problem("where", ["dwie\nlinie"]).code == "line_break"
    assert problem("details", ["a\x07b"]).code == "control"


def test_a_whole_set_keeps_what_is_right_and_lists_every_problem() -> None:
    answers, problems = check_answers(
        WASTE, {"bags": "2", "extras": ["smell"], "colour": "red", "seen": "jutro"}
    )
    assert answers == {"bags": "2", "extras": ["smell"]}
    assert problems == [
        AnswerProblem("required", "kind"),
        AnswerProblem("not_a_datetime", "seen", "jutro"),
        AnswerProblem("not_asked", "colour"),
    ]


def test_a_touched_choice_takes_the_place_of_one_and_toggles_among_several() -> None:
    kind, extras = attribute("kind"), attribute("extras")
    assert chosen(kind, "tyres", "rubble") == "rubble"
    assert chosen(kind, "rubble", "rubble") == "rubble"  # a second touch keeps it chosen
    assert chosen(extras, None, "water") == ["water"]
    assert chosen(extras, ["water"], "smell") == ["smell", "water"]  # the question's order
    assert chosen(extras, ["smell", "water"], "smell") == ["water"]
    assert chosen(extras, ["water"], "water") is None  # nothing chosen: no answer


def test_what_a_visitor_types_is_read_as_the_answer_s_form() -> None:
    assert typed(attribute("bags"), " 2,5 ") == "2.5"
    assert typed(attribute("bags"), "1 200") == "1200"
    assert typed(attribute("seen"), "20.11.2026 8:30") == "2026-11-20T08:30"
    assert typed(attribute("seen"), "2026-11-20") == "2026-11-20"
    assert typed(attribute("seen"), "31.02.2026") == "31.02.2026", "no such day: left to check"
    assert typed(attribute("where"), " 12/345 ") == "12/345"
    assert check_answer(attribute("seen"), [typed(attribute("seen"), "20.11.2026")])


def test_answers_are_kept_with_the_report_and_sent_only_when_given(tmp_path) -> None:
    db = open_store(tmp_path)
    now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    base = dict(service_code="smieci", description="Opony w lesie", lat=50.3, long=16.88)
    answered = save_report(
        db, ReportDraft(**base, answers={"kind": "tyres", "where": " przy\x07 lesie "}), "rynek",
        "pl", now,
    )  # fmt: skip
    silent = save_report(db, ReportDraft(**base), "rynek", "pl", now)
    rows = {r["uuid"]: r for r in due_reports(db, now)}
    assert json.loads(rows[answered.uuid]["attributes"]) == {"kind": "tyres", "where": "przy lesie"}
    assert report_body(rows[answered.uuid])["attributes"] == {
        "kind": "tyres",
        "where": "przy lesie",
    }
    assert rows[silent.uuid]["attributes"] is None
    assert "attributes" not in report_body(rows[silent.uuid]), "the body earlier kiosks sent"

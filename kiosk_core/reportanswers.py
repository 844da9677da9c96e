"""A report's answers to its category's questions (the attributes of its Open311 service
definition), checked alike wherever they come from: the kiosk's form, a kiosk's delivery to
the hub and an Open311 client's POST. What each does with a problem is its own: the kiosk asks
again, the hub keeps a kiosk's report and leaves the wrong answer out with a note for staff,
and an Open311 POST is refused with every problem listed.

Answers are stored and sent as one JSON object, `{"pole_number": "12/345", "extras": ["smell",
"water"]}`: a string per question, a list of keys for a multivaluelist. A list question's
answer is its value's `key`; people read the value's name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from kiosk_core.content.model import LIST_DATATYPES, ReportAttribute, ReportCategory

Answer = str | list[str]

MAX_STRING = 500
"""Characters of a one-line answer (`string`)."""
MAX_TEXT = 4000
"""Characters of a longer answer (`text`), as many as a description."""
MAX_VALUE = 50
"""Characters of a number or a date and time."""
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n]")
_TYPED_MOMENT = re.compile(
    r"^(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})\.(\d{1,2})\.(\d{4}))(?:[ T](\d{1,2})[:.](\d{2}))?$"
)
"""A day as 2026-11-20 or 20.11.2026, and optionally a time as 8:30 or 8.30."""


@dataclass(frozen=True)
class AnswerProblem:
    """What is wrong with the answer to one question. `code` says what, for each program to
    word in its reader's language:

    required       a required question has no answer
    not_asked      the category asks no question with this code
    informs_only   the question only informs (variable: false) and takes no answer
    not_a_choice   `value` is not a key of the question's list
    one_value      several values where one is asked for (`limit`: how many came)
    too_long       `limit`: the most characters an answer may have
    line_break     a one-line answer with a line break in it
    control        invisible control characters
    not_a_number   `value` is not a number
    not_a_datetime `value` is not a date and time (ISO 8601)
    """

    code: str
    attribute: str
    """The question's code."""
    value: str = ""
    """The value at fault, cut to 100 characters (where one is)."""
    limit: int = 0


class AnswerRefused(ValueError):
    def __init__(self, problem: AnswerProblem) -> None:
        super().__init__(f"{problem.attribute}: {problem.code}")
        self.problem = problem


def questions(category: ReportCategory) -> list[ReportAttribute]:
    """The category's questions in their order (`order`, else their place in the list),
    including those that only inform."""
    ordered = sorted(zip(category.attribute_orders(), range(len(category.attributes)), strict=True))
    return [category.attributes[index] for _order, index in ordered]


@dataclass(frozen=True)
class QuestionPage:
    """What the kiosk shows at once: one question, with the notes (questions that only
    inform) that come before it."""

    notes: tuple[ReportAttribute, ...]
    question: ReportAttribute | None
    """None only on a page of notes alone (a category whose questions all inform)."""


def question_pages(category: ReportCategory) -> list[QuestionPage]:
    """The category's questions as the kiosk asks them, one a page in their order; notes
    after the last question join its page. No questions: no pages."""
    pages: list[QuestionPage] = []
    notes: list[ReportAttribute] = []
    for attribute in questions(category):
        if attribute.variable:
            pages.append(QuestionPage(tuple(notes), attribute))
            notes = []
        else:
            notes.append(attribute)
    if notes and pages:
        last = pages[-1]
        pages[-1] = QuestionPage(last.notes + tuple(notes), last.question)
    elif notes:
        pages.append(QuestionPage(tuple(notes), None))
    return pages


def max_length(attribute: ReportAttribute) -> int:
    """The most characters one answer to the question may have."""
    if attribute.datatype == "text":
        return MAX_TEXT
    if attribute.datatype in ("number", "datetime"):
        return MAX_VALUE
    return MAX_STRING


def chosen(attribute: ReportAttribute, answer: Answer | None, key: str) -> Answer | None:
    """The answer to a list question after a touch on the choice `key`: one choice takes the
    place of the last; of several, a touched one is added or taken away, kept in the
    question's order. None when nothing is chosen."""
    if attribute.datatype != "multivaluelist":
        return key
    keys = [answer] if isinstance(answer, str) else list(answer or [])
    keys = [k for k in keys if k != key] if key in keys else [*keys, key]
    order = [v.key for v in attribute.values]
    return sorted(keys, key=order.index) or None


def check_answer(attribute: ReportAttribute, values: Sequence[str]) -> Answer | None:
    """The answer to one question from the values given for it (blank ones and repeats left
    out): None for no answer to a question that may go unanswered; AnswerRefused otherwise."""
    code = attribute.code
    given = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if not attribute.variable:
        if given:
            raise AnswerRefused(AnswerProblem("informs_only", code))
        return None
    if not given:
        if attribute.required:
            raise AnswerRefused(AnswerProblem("required", code))
        return None
    if attribute.datatype in LIST_DATATYPES:
        keys = {v.key for v in attribute.values}
        for value in given:
            if value not in keys:
                raise AnswerRefused(AnswerProblem("not_a_choice", code, value[:100]))
        if attribute.datatype == "multivaluelist":
            return given
    if len(given) > 1:
        raise AnswerRefused(AnswerProblem("one_value", code, limit=len(given)))
    value = given[0]
    limit = max_length(attribute)
    if len(value) > limit:
        raise AnswerRefused(AnswerProblem("too_long", code, value[:100], limit))
    if _CONTROL.search(value):
        raise AnswerRefused(AnswerProblem("control", code))
    if attribute.datatype == "text":
        return value.replace("\r\n", "\n").replace("\r", "\n")
    if _LINE_BREAK.search(value):
        raise AnswerRefused(AnswerProblem("line_break", code))
    if attribute.datatype == "number" and not _is_number(value):
        raise AnswerRefused(AnswerProblem("not_a_number", code, value[:100]))
    if attribute.datatype == "datetime" and not _is_moment(value):
        raise AnswerRefused(AnswerProblem("not_a_datetime", code, value[:100]))
    return value


def check_answers(
    category: ReportCategory, given: Mapping[str, Answer]
) -> tuple[dict[str, Answer], list[AnswerProblem]]:
    """Every answer that can be taken, in the questions' order, and every problem with the
    others: wrong answers, answers to questions the category does not ask, required
    questions left unanswered."""
    answers: dict[str, Answer] = {}
    problems: list[AnswerProblem] = []
    for attribute in questions(category):
        raw = given.get(attribute.code, [])
        try:
            answer = check_answer(attribute, [raw] if isinstance(raw, str) else list(raw))
        except AnswerRefused as exc:
            problems.append(exc.problem)
            continue
        if answer is not None:
            answers[attribute.code] = answer
    asked = {a.code for a in category.attributes}
    problems += [AnswerProblem("not_asked", code[:64]) for code in given if code not in asked]
    return answers, problems


def typed(attribute: ReportAttribute, text: str) -> str:
    """What a visitor typed on the kiosk's keyboard, in the form the answer takes: a decimal
    comma as a point (3,5), a day as 20.11.2026 or 2026-11-20 with an optional time (8:30) as
    ISO 8601. Anything else stays as typed, for `check_answer` to name."""
    text = text.strip()
    if attribute.datatype == "number":
        compact = text.replace(" ", "")
        if re.fullmatch(r"-?\d+,\d+", compact):
            return compact.replace(",", ".")
        return compact
    if attribute.datatype == "datetime":
        match = _TYPED_MOMENT.match(text)
        if match:
            y1, m1, d1, d2, m2, y2, hour, minute = match.groups()
            year, month, day = (y1, m1, d1) if y1 else (y2, m2, d2)
            try:
                moment = datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0))
            except ValueError:
                return text
            return moment.strftime("%Y-%m-%dT%H:%M" if hour else "%Y-%m-%d")
    return text


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _is_moment(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True

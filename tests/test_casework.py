"""Casework, the core of the staff pages: the inbox and its filters, overdue reports on a
moving clock, status, answers and assignment with their history, and refusals that change
nothing."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from hub.accounts.users import add_user, get_user, set_disabled
from hub.db import deliveries, report_events, reports
from hub.errors import Forbidden, Invalid, NotFound
from hub.reports.casework import (
    ANSWER_LIMIT,
    InboxFilter,
    assign,
    assignees,
    clean_answer,
    get_report,
    inbox,
    set_answer,
    set_status,
)
from hub.reports.intake import ReportIn, submit
from hub.times import iso
from tests.hubtools import HubEnv

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
CODES = frozenset({"lampa", "dziura", "idea"})
OVERDUE_DAYS = 14


@pytest.fixture
def env(tmp_path: Path):
    env = HubEnv.create(tmp_path / "hub", overdue_days=OVERDUE_DAYS)
    env.kiosk("rynek", name="Rynek")
    env.kiosk("biblioteka", name="Biblioteka")
    yield env
    env.hub.close()


def file(env: HubEnv, at: datetime, kiosk: str = "rynek", **fields) -> int:
    """A kiosk's report received at `at`; returns its id."""
    body = {
        "uuid": str(uuid.uuid4()),
        "ref_code": f"R{uuid.uuid4().hex[:5].upper()}",
        "status_token": uuid.uuid4().hex,
        "created": at,
        "lang": "pl",
        "service_code": "lampa",
        "description": "Nie świeci latarnia",
    } | fields
    report = ReportIn.model_validate(body)
    with env.hub.transaction() as conn:
        receipt = submit(conn, kiosk, body["uuid"], report, CODES, at)
    return int(receipt.service_request_id)


def person(env: HubEnv, username: str, departments=(), role: str = "staff"):
    with env.hub.transaction() as conn:
        return add_user(
            conn,
            username,
            "dobre-haslo-123",
            role,
            T0,
            display_name=username.title(),
            departments=departments,
        )


def ids(env: HubEnv, now: datetime = T0, **filters) -> list[int]:
    with env.hub.transaction(write=False) as conn:
        page = inbox(conn, InboxFilter(**filters), now, OVERDUE_DAYS)
    return [r.id for r in page.rows]


def stored(env: HubEnv, report_id: int):
    with env.hub.transaction(write=False) as conn:
        return conn.execute(select(reports).where(reports.c.id == report_id)).first()


def events(env: HubEnv, report_id: int) -> list[tuple]:
    with env.hub.transaction(write=False) as conn:
        rows = conn.execute(
            select(report_events)
            .where(report_events.c.report_id == report_id)
            .order_by(report_events.c.id)
        )
        return [(e.kind, e.actor, e.status, e.note, e.at) for e in rows]


def test_inbox_filters_orders_and_pages(env: HubEnv) -> None:
    lamp = file(env, T0, ref_code="7KQ-4XM", description="Latarnia mruga przy szkole")
    hole = file(env, T0 + timedelta(hours=1), service_code="dziura", description="Dziura")
    idea = file(
        env,
        T0 + timedelta(hours=2),
        kiosk="biblioteka",
        service_code="idea",
        description="Więcej ławek w parku, 100% poparcia",
    )
    with env.hub.transaction() as conn:  # a report from an Open311 client: no kiosk
        conn.execute(
            reports.insert().values(
                kiosk_id=None,
                uuid=str(uuid.uuid4()),
                body_sha256="x",
                received=iso(T0 + timedelta(hours=3)),
                created=iso(T0),
                ref_code="O311-1",
                status_token="t" * 32,
                lang="en",
                service_code="dziura",
                description="Pothole",
                status="open",
                source="open311",
                client="FixMyStreet",
            )
        )
    app = 4
    anna = person(env, "anna")
    with env.hub.transaction() as conn:
        set_status(conn, hole, "in_progress", anna, T0, notify=False)
        set_status(conn, idea, "closed", anna, T0, notify=False, answer="Dziękujemy, rozważymy.")
        assign(conn, lamp, "anna", anna, T0)

    assert ids(env) == [app, idea, hole, lamp]  # newest first
    assert ids(env, oldest_first=True) == [lamp, hole, idea, app]
    assert ids(env, status="open") == [app, lamp]
    assert ids(env, status="in_progress") == [hole]
    assert ids(env, status="closed") == [idea]
    assert ids(env, status="active") == [app, hole, lamp]
    assert ids(env, service_code="dziura") == [app, hole]
    assert ids(env, departments=("lampa", "idea")) == [idea, lamp]
    assert ids(env, kiosk_id="biblioteka") == [idea]
    assert ids(env, assigned_to="anna") == [lamp]
    assert ids(env, unassigned=True) == [app, idea, hole]
    assert ids(env, text="7kq") == [lamp]  # reference code, any case
    assert ids(env, text="LATARNIA mruga") == [lamp]  # description, any case
    assert ids(env, text="100%") == [idea]  # % is a character here, not a wildcard
    assert ids(env, text="_") == []
    assert ids(env, text=f"#{hole}") == [hole]
    assert ids(env, text="nic takiego") == []
    assert ids(env, status="active", service_code="dziura", kiosk_id="rynek") == [hole]

    with env.hub.transaction(write=False) as conn:
        first = inbox(conn, InboxFilter(per_page=3), T0, OVERDUE_DAYS)
        second = inbox(conn, InboxFilter(per_page=3, page=2), T0, OVERDUE_DAYS)
        beyond = inbox(conn, InboxFilter(per_page=3, page=3), T0, OVERDUE_DAYS)
    assert (first.total, first.pages, len(first.rows)) == (4, 2, 3)
    assert [r.id for r in second.rows] == [lamp]
    assert beyond.rows == []
    row = {r.id: r for r in first.rows}
    assert row[app].kiosk_name is None and row[app].client == "FixMyStreet"
    assert row[idea].kiosk_name == "Biblioteka"
    assert row[idea].answered and row[idea].closed == T0
    assert row[hole].summary == "Dziura"


@pytest.mark.parametrize(
    "filters, words",
    [
        ({"status": "lost"}, "unknown status"),
        ({"page": 0}, "page"),
        ({"page": "2"}, "page"),
        ({"per_page": 0}, "per_page"),
        ({"per_page": 10_000}, "per_page"),
        ({"text": "x" * 201}, "at most 200"),
    ],
)
def test_bad_inbox_filters_are_refused(env: HubEnv, filters: dict, words: str) -> None:
    with env.hub.transaction(write=False) as conn, pytest.raises(Invalid, match=words):
        inbox(conn, InboxFilter(**filters), T0, OVERDUE_DAYS)


def test_overdue_follows_the_clock_and_the_status(env: HubEnv) -> None:
    old = file(env, T0)
    fresh = file(env, T0 + timedelta(days=10))
    anna = person(env, "anna")

    def overdue(now: datetime) -> dict[int, bool]:
        with env.hub.transaction(write=False) as conn:
            page = inbox(conn, InboxFilter(), now, OVERDUE_DAYS)
        return {r.id: r.overdue for r in page.rows}

    limit = T0 + timedelta(days=OVERDUE_DAYS)
    assert overdue(limit - timedelta(seconds=1)) == {old: False, fresh: False}
    assert ids(env, limit - timedelta(seconds=1), overdue=True) == []
    assert overdue(limit + timedelta(seconds=1)) == {old: True, fresh: False}
    assert ids(env, limit + timedelta(seconds=1), overdue=True) == [old]

    with env.hub.transaction() as conn:
        set_status(conn, old, "in_progress", anna, limit, notify=False)
    assert overdue(limit + timedelta(seconds=1))[old]  # being worked on is not answered

    later = T0 + timedelta(days=25)
    assert overdue(later) == {old: True, fresh: True}
    with env.hub.transaction() as conn:
        set_status(conn, old, "closed", anna, later, notify=False, answer="Naprawione.")
    assert overdue(later) == {old: False, fresh: True}
    assert ids(env, later, overdue=True) == [fresh]


def test_every_change_is_in_the_history_with_who_and_when(env: HubEnv) -> None:
    report_id = file(env, T0)
    anna = person(env, "anna", departments=("lampa",))
    person(env, "bartek", departments=("lampa",))
    t1, t2, t3, t4, t5 = (T0 + timedelta(hours=h) for h in range(1, 6))

    with env.hub.transaction() as conn:
        assert assign(conn, report_id, "Bartek ", anna, t1)
        assert set_status(conn, report_id, "in_progress", anna, t2, notify=False)
        assert set_answer(
            conn, report_id, "  Wymienimy żarówkę.\r\n\r\nPozdrawiamy  ", anna, t3, notify=False
        )
        assert set_status(conn, report_id, "closed", anna, t4, notify=False)
    row = stored(env, report_id)
    assert (row.status, row.assigned_to, row.updated, row.closed) == (
        "closed",
        "bartek",
        iso(t4),
        iso(t4),
    )
    assert row.status_notes == "Wymienimy żarówkę.\n\nPozdrawiamy"

    # The same again changes nothing and records nothing (a form sent twice).
    with env.hub.transaction() as conn:
        assert not assign(conn, report_id, "bartek", anna, t5)
        assert not set_status(conn, report_id, "closed", anna, t5, notify=False)
        assert not set_answer(
            conn, report_id, "Wymienimy żarówkę.\n\nPozdrawiamy", anna, t5, notify=False
        )
    assert stored(env, report_id).updated == iso(t4)

    with env.hub.transaction() as conn:  # reopened: no longer closed
        assert set_status(conn, report_id, "open", anna, t5, notify=False)
        assert assign(conn, report_id, None, anna, t5)
    row = stored(env, report_id)
    assert (row.status, row.closed, row.assigned_to, row.updated) == ("open", None, None, iso(t5))

    assert events(env, report_id) == [
        ("assign", "anna", None, "bartek", iso(t1)),
        ("status", "anna", "in_progress", "open", iso(t2)),
        ("answer", "anna", None, "Wymienimy żarówkę.\n\nPozdrawiamy", iso(t3)),
        ("status", "anna", "closed", "in_progress", iso(t4)),
        ("status", "anna", "open", "closed", iso(t5)),
        ("assign", "anna", None, None, iso(t5)),
    ]
    with env.hub.transaction(write=False) as conn:
        case = get_report(conn, report_id)
    assert case.kiosk_name == "Rynek"
    assert case.report["ref_code"] == row.ref_code
    assert [(e.kind, e.actor, e.at) for e in case.events][:2] == [
        ("assign", "anna", t1),
        ("status", "anna", t2),
    ]
    assert case.deliveries == []  # no e-mail configured in this hub


def test_closing_needs_a_public_answer(env: HubEnv) -> None:
    report_id = file(env, T0)
    anna = person(env, "anna")
    with env.hub.transaction() as conn, pytest.raises(Invalid, match="public answer"):
        set_status(conn, report_id, "closed", anna, T0, notify=False)
    with env.hub.transaction() as conn, pytest.raises(Invalid, match="public answer"):
        set_status(conn, report_id, "closed", anna, T0, notify=False, answer=" \n\t ")
    assert stored(env, report_id).status == "open"
    assert events(env, report_id) == []
    with env.hub.transaction() as conn:
        set_status(conn, report_id, "closed", anna, T0, notify=False, answer="Zrobione.")
    row = stored(env, report_id)
    assert (row.status, row.status_notes, row.closed) == ("closed", "Zrobione.", iso(T0))
    assert [e[0] for e in events(env, report_id)] == ["answer", "status"]


def test_answers_are_cleaned_and_bounded(env: HubEnv) -> None:
    assert clean_answer("Naprawa\x00 \x07jutro\u202e.\x1b[31m") == "Naprawa jutro.[31m"
    assert clean_answer("a\tb\r\nc\rd") == "a b\nc\nd"
    assert clean_answer("x" * ANSWER_LIMIT) == "x" * ANSWER_LIMIT
    for bad, words in (
        ("", "empty"),
        ("   \n\x00\x01  ", "empty"),
        ("x" * (ANSWER_LIMIT + 1), "at most 4000"),
        ("x" * 10_000_000, "at most 4000"),
    ):
        with pytest.raises(Invalid, match=words):
            clean_answer(bad)

    report_id = file(env, T0)
    anna = person(env, "anna")
    with env.hub.transaction() as conn:
        set_answer(conn, report_id, "Pierwsza odpowiedź", anna, T0, notify=False)
    for bad in ("", "x" * (ANSWER_LIMIT + 1)):
        with env.hub.transaction() as conn, pytest.raises(Invalid):
            set_answer(conn, report_id, bad, anna, T0 + timedelta(hours=1), notify=False)
    row = stored(env, report_id)
    assert (row.status_notes, row.updated) == ("Pierwsza odpowiedź", iso(T0))


def test_refusals_change_nothing(env: HubEnv) -> None:
    report_id = file(env, T0)
    roads = person(env, "drogowiec", departments=("dziura",))
    anna = person(env, "anna", departments=("lampa",))
    person(env, "ola", departments=("lampa",))
    with env.hub.transaction() as conn:
        set_disabled(conn, "ola", True, T0)
        ola = get_user(conn, "ola")
    before = stored(env, report_id)
    attempts = [
        (
            Invalid,
            "unknown status",
            lambda c: set_status(c, report_id, "done", anna, T0, notify=False),
        ),
        (Invalid, "unknown status", lambda c: set_status(c, report_id, "", anna, T0, notify=False)),
        (NotFound, "no report", lambda c: set_status(c, 999, "open", anna, T0, notify=False)),
        (NotFound, "no report", lambda c: set_answer(c, "1; DROP", "x", anna, T0, notify=False)),
        (
            Forbidden,
            "does not handle",
            lambda c: set_answer(c, report_id, "x", roads, T0, notify=False),
        ),
        (Forbidden, "does not handle", lambda c: assign(c, report_id, "anna", roads, T0)),
        (
            Forbidden,
            "disabled",
            lambda c: set_status(c, report_id, "in_progress", ola, T0, notify=False),
        ),
        (Invalid, "no user", lambda c: assign(c, report_id, "nikt", anna, T0)),
        (Invalid, "disabled", lambda c: assign(c, report_id, "ola", anna, T0)),
        (Invalid, "does not handle", lambda c: assign(c, report_id, "drogowiec", anna, T0)),
    ]
    for error, words, attempt in attempts:
        with env.hub.transaction() as conn, pytest.raises(error, match=words):
            attempt(conn)
    assert stored(env, report_id) == before
    assert events(env, report_id) == []
    with env.hub.transaction(write=False) as conn, pytest.raises(NotFound):
        get_report(conn, 12345)
    with env.hub.transaction(write=False) as conn:
        assert [p.username for p in assignees(conn, "lampa")] == ["anna"]
        assert [p.username for p in assignees(conn, "dziura")] == ["drogowiec"]


def test_an_admin_handles_every_category(env: HubEnv) -> None:
    report_id = file(env, T0, service_code="idea")
    boss = person(env, "sekretarz", departments=("lampa",), role="admin")
    with env.hub.transaction() as conn:
        assert set_status(conn, report_id, "in_progress", boss, T0, notify=False)
        assert conn.execute(select(deliveries)).all() == []

"""Casework: what town hall staff do with reports — find them, read them, change their status,
publish an answer, hand them to a colleague. The staff pages are a thin shell over this.

Rules (the town halls promise that no report stays without an answer):
- A report is closed only with a public answer: closing one that has none is refused unless
  the answer comes with it (`set_status(..., answer=...)`). Reopening clears `closed`.
- An answer is plain text of at most ANSWER_LIMIT characters, line breaks kept, every other
  control character (and bidirectional override) removed; an empty answer is refused (to take
  an answer back, publish a corrected one: the history keeps both).
- Staff act only on reports of the categories they handle (`User.handles`); a report is
  assigned only to an active person who handles its category.
- Every change records a report_events row (who, when, what) and sets `updated`; doing what
  is already done (the same status, the same answer, the same person) changes nothing and
  records nothing, so a form sent twice is harmless.
- With `notify=True` (the hub has e-mail), publishing an answer or closing a report queues a
  notice to the resident, if they left an e-mail (`hub.sending.mail.queue_resident_notice`).
- The resident's description is public only once staff mark it so (and may be hidden
  again); what else of a report is public is hub.reports.disclosure's rule.
- A report is overdue while it is open or in progress and was received more than
  `overdue_days` (Settings.overdue_days) ago.
- Unsorted reports (received in a category the hub did not know, see `hub.reports.intake`) come
  first in the inbox, whatever else it is ordered by. Whoever may act on a report may move
  it to another category of the latest release (`recategorise`): it leaves the unsorted
  queue and is routed to that category's department like a new report.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, case, exists, func, or_, select

from hub.accounts.users import User, get_user, list_users
from hub.content.releases import report_categories
from hub.db import REPORT_STATUSES, deliveries, kiosks, report_events, reports
from hub.errors import Forbidden, Invalid, NotFound
from hub.reports.intake import flags_of
from hub.reports.routing import route_new_report
from hub.sending.deliveries import list_deliveries
from hub.sending.mail import queue_resident_notice
from hub.times import iso, parse

if TYPE_CHECKING:
    from hub.context import Hub

ANSWER_LIMIT = 4000
SEARCH_LIMIT = 200
MAX_PER_PAGE = 200
ACTIVE = ("open", "in_progress")
STATUS_FILTERS = (*REPORT_STATUSES, "active")
"""`active`: open or in progress, what still needs someone."""
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


class EmptyAnswer(Invalid):
    """An answer with nothing left to read once cleaned: the page asks for one."""


class AnswerTooLong(Invalid):
    """An answer over ANSWER_LIMIT characters; `length` lets the page say by how much."""

    def __init__(self, length: int):
        super().__init__(f"the answer may have at most {ANSWER_LIMIT} characters (it has {length})")
        self.length = length
        self.limit = ANSWER_LIMIT


class AnswerNeeded(Invalid):
    """Closing a report that has no public answer, without giving one."""


@dataclass(frozen=True)
class InboxFilter:
    """What the inbox shows; every field optional (None / empty: no restriction)."""

    status: str | None = None
    """One of REPORT_STATUSES, or `active` (open and in progress)."""
    service_code: str | None = None
    departments: tuple[str, ...] = ()
    """Only these categories: the staff member's own (`User.departments`); empty: all."""
    kiosk_id: str | None = None
    assigned_to: str | None = None
    unassigned: bool = False
    overdue: bool = False
    text: str | None = None
    """Found in the reference code or the description (case-insensitive for Latin letters),
    or a report number."""
    unsorted: bool = False
    """Only reports waiting for a category."""
    oldest_first: bool = False
    page: int = 1
    per_page: int = 50


@dataclass(frozen=True)
class InboxRow:
    id: int
    ref_code: str
    service_code: str
    status: str
    received: datetime
    updated: datetime | None
    closed: datetime | None
    source: str
    kiosk_id: str | None
    kiosk_name: str | None
    client: str | None
    assigned_to: str | None
    lang: str
    summary: str
    """The description's beginning, one line."""
    answered: bool
    overdue: bool
    undelivered: bool
    """An e-mail or forwarding of it failed for good: someone must pass it on by hand."""
    unsorted: bool = False
    """Received in a category the hub did not know: it waits for staff to choose one."""
    flags: tuple[str, ...] = ()
    """What the hub mended to store it (`hub.reports.intake.mend`): cut, dropped, lang, created."""


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Event:
    id: int
    at: datetime
    actor: str | None
    """The user name; None for the hub itself (e-mailed, forwarded)."""
    kind: str
    status: str | None
    note: str | None


@dataclass(frozen=True)
class CaseFile:
    """One report with everything staff may see: its fields, its history, its deliveries."""

    report: dict[str, Any]
    kiosk_name: str | None
    events: list[Event] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)


def is_overdue(status: str, received: datetime, now: datetime, overdue_days: int) -> bool:
    return status in ACTIVE and received < now - timedelta(days=overdue_days)


def inbox(conn: Connection, filters: InboxFilter, now: datetime, overdue_days: int) -> InboxPage:
    """One page of reports matching `filters`, newest (or oldest) received first."""
    _check_filters(filters)
    conditions = []
    if filters.status == "active":
        conditions.append(reports.c.status.in_(ACTIVE))
    elif filters.status:
        conditions.append(reports.c.status == filters.status)
    if filters.service_code:
        conditions.append(reports.c.service_code == filters.service_code)
    if filters.departments:
        conditions.append(reports.c.service_code.in_(filters.departments))
    if filters.kiosk_id:
        conditions.append(reports.c.kiosk_id == filters.kiosk_id)
    if filters.unsorted:
        conditions.append(reports.c.unsorted.is_(True))
    if filters.unassigned:
        conditions.append(reports.c.assigned_to.is_(None))
    elif filters.assigned_to:
        conditions.append(reports.c.assigned_to == filters.assigned_to)
    cutoff = iso(now - timedelta(days=overdue_days))
    if filters.overdue:
        conditions += [reports.c.status.in_(ACTIVE), reports.c.received < cutoff]
    text = (filters.text or "").strip()
    if text:
        conditions.append(_matches(text))
    where = and_(*conditions) if conditions else None

    count = select(func.count()).select_from(reports)
    total = conn.scalar(count.where(where) if where is not None else count)
    failed = exists().where(deliveries.c.report_id == reports.c.id, deliveries.c.state == "failed")
    order = reports.c.received.asc() if filters.oldest_first else reports.c.received.desc()
    tiebreak = reports.c.id.asc() if filters.oldest_first else reports.c.id.desc()
    stmt = (
        select(
            reports.c.id,
            reports.c.unsorted,
            reports.c.flags,
            reports.c.ref_code,
            reports.c.service_code,
            reports.c.status,
            reports.c.received,
            reports.c.updated,
            reports.c.closed,
            reports.c.source,
            reports.c.kiosk_id,
            kiosks.c.name.label("kiosk_name"),
            reports.c.client,
            reports.c.assigned_to,
            reports.c.lang,
            func.substr(reports.c.description, 1, 200).label("start"),
            reports.c.status_notes,
            failed.label("undelivered"),
        )
        .select_from(reports.outerjoin(kiosks, kiosks.c.id == reports.c.kiosk_id))
        .order_by(_waiting_for_category.desc(), order, tiebreak)
        .limit(filters.per_page)
        .offset((filters.page - 1) * filters.per_page)
    )
    if where is not None:
        stmt = stmt.where(where)
    rows = [
        InboxRow(
            id=r.id,
            ref_code=r.ref_code,
            service_code=r.service_code,
            status=r.status,
            received=parse(r.received),
            updated=parse(r.updated),
            closed=parse(r.closed),
            source=r.source,
            kiosk_id=r.kiosk_id,
            kiosk_name=r.kiosk_name,
            client=r.client,
            assigned_to=r.assigned_to,
            lang=r.lang,
            summary=_summary(r.start),
            answered=bool(r.status_notes),
            overdue=r.status in ACTIVE and r.received < cutoff,
            undelivered=bool(r.undelivered),
            unsorted=bool(r.unsorted),
            flags=tuple(flags_of(r.flags)),
        )
        for r in conn.execute(stmt)
    ]
    return InboxPage(rows, total, filters.page, filters.per_page)


_waiting_for_category = case(
    (and_(reports.c.unsorted.is_(True), reports.c.status != "closed"), 1), else_=0
)
"""Unsorted and not closed: on top of the inbox."""


def _check_filters(filters: InboxFilter) -> None:
    if filters.status is not None and filters.status not in STATUS_FILTERS:
        raise Invalid(f"unknown status {filters.status!r} (one of {', '.join(STATUS_FILTERS)})")
    if isinstance(filters.page, bool) or not isinstance(filters.page, int) or filters.page < 1:
        raise Invalid("page must be a whole number of at least 1")
    if (
        isinstance(filters.per_page, bool)
        or not isinstance(filters.per_page, int)
        or not 1 <= filters.per_page <= MAX_PER_PAGE
    ):
        raise Invalid(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if filters.text and len(filters.text) > SEARCH_LIMIT:
        raise Invalid(f"the search text may have at most {SEARCH_LIMIT} characters")


def _matches(text: str):
    pattern = f"%{_escape(text)}%"
    options = [
        reports.c.ref_code.ilike(pattern, escape="\\"),
        reports.c.description.ilike(pattern, escape="\\"),
    ]
    bare = text.removeprefix("#")
    if bare.isdigit() and len(bare) < 12:
        options.append(reports.c.id == int(bare))
    return or_(*options)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _summary(text: str | None) -> str:
    line = " ".join((text or "").split())
    return line if len(line) <= 120 else line[:119] + "…"


def get_report(conn: Connection, report_id: int) -> CaseFile:
    """A report with its history (oldest first) and its deliveries."""
    row = _report(conn, report_id)
    kiosk_name = None
    if row.kiosk_id:
        kiosk_name = conn.scalar(select(kiosks.c.name).where(kiosks.c.id == row.kiosk_id))
    events = [
        Event(e.id, parse(e.at), e.actor, e.kind, e.status, e.note)
        for e in conn.execute(
            select(report_events)
            .where(report_events.c.report_id == report_id)
            .order_by(report_events.c.id)
        )
    ]
    sent = [dict(d._mapping) for d in list_deliveries(conn, report_id)]
    return CaseFile(dict(row._mapping), kiosk_name, events, sent)


def _report(conn: Connection, report_id: int):
    if isinstance(report_id, bool) or not isinstance(report_id, int):
        raise NotFound(f"no report {report_id!r}")
    row = conn.execute(select(reports).where(reports.c.id == report_id)).first()
    if row is None:
        raise NotFound(f"no report {report_id}")
    return row


def _check_actor(actor: User, report) -> None:
    if not isinstance(actor, User):
        raise TypeError("actor must be the signed-in User")
    if actor.disabled:
        raise Forbidden(f"{actor.username}'s account is disabled")
    if not actor.handles(report.service_code):
        raise Forbidden(f"{actor.username} does not handle reports of {report.service_code}")


def add_event(
    conn: Connection,
    report_id: int,
    actor: str | None,
    now: datetime,
    kind: str,
    status: str | None = None,
    note: str | None = None,
) -> int:
    """Record one change in the report's history (`actor`: a user name, an endpoint, or None
    for the hub itself); returns the event's id, which a resident's notice is keyed by."""
    result = conn.execute(
        report_events.insert().values(
            report_id=report_id,
            at=iso(now),
            actor=actor,
            kind=kind,
            status=status,
            note=note,
        )
    )
    return result.inserted_primary_key[0]


def clean_answer(text: str) -> str:
    """The answer as it will be published, or Invalid: empty or over ANSWER_LIMIT."""
    if not isinstance(text, str):
        raise Invalid("the answer must be text")
    if len(text) > 4 * ANSWER_LIMIT:
        raise AnswerTooLong(len(text))
    text = _BIDI.sub("", text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " "))
    text = "".join(c for c in text if c == "\n" or unicodedata.category(c) not in ("Cc", "Cs"))
    # NFC last: a control character removed may leave a letter and its accent side by side.
    text = unicodedata.normalize("NFC", text)
    text = "\n".join(line.rstrip() for line in text.strip().split("\n"))
    if not text:
        raise EmptyAnswer("the answer is empty")
    if len(text) > ANSWER_LIMIT:
        raise AnswerTooLong(len(text))
    return text


def set_answer(
    conn: Connection, report_id: int, text: str, actor: User, now: datetime, *, notify: bool
) -> bool:
    """Publish (or correct) the public answer; returns whether it changed."""
    report = _report(conn, report_id)
    _check_actor(actor, report)
    return _publish(conn, report, clean_answer(text), actor, now, notify)


def _publish(
    conn: Connection, report, answer: str, actor: User, now: datetime, notify: bool
) -> bool:
    """Store a cleaned answer on a report already checked for `actor`."""
    report_id = report.id
    if answer == report.status_notes:
        return False
    conn.execute(
        reports.update()
        .where(reports.c.id == report_id)
        .values(status_notes=answer, updated=iso(now))
    )
    event_id = add_event(conn, report_id, actor.username, now, "answer", note=answer)
    if notify:
        queue_resident_notice(conn, report_id, event_id, now)
    return True


def set_status(
    conn: Connection,
    report_id: int,
    status: str,
    actor: User,
    now: datetime,
    *,
    notify: bool,
    answer: str | None = None,
) -> bool:
    """Move a report to `status`, publishing `answer` with it if given; returns whether
    anything changed. Closing needs a public answer (already published, or `answer`)."""
    if status not in REPORT_STATUSES:
        raise Invalid(f"unknown status {status!r} (one of {', '.join(REPORT_STATUSES)})")
    report = _report(conn, report_id)
    _check_actor(actor, report)
    cleaned = clean_answer(answer) if answer is not None and answer.strip() else None
    if status == "closed" and cleaned is None and not report.status_notes:
        raise AnswerNeeded("write a public answer for the resident before closing the report")
    changed = False
    if cleaned is not None:
        changed = _publish(conn, report, cleaned, actor, now, notify)
    if status == report.status:
        return changed
    conn.execute(
        reports.update()
        .where(reports.c.id == report_id)
        .values(
            status=status,
            updated=iso(now),
            closed=iso(now) if status == "closed" else None,
        )
    )
    # The note keeps the status it had before, so the history reads "open → in progress".
    event_id = add_event(
        conn, report_id, actor.username, now, "status", status=status, note=report.status
    )
    if notify and status == "closed":
        queue_resident_notice(conn, report_id, event_id, now)
    return True


def assign(
    conn: Connection, report_id: int, username: str | None, actor: User, now: datetime
) -> bool:
    """Hand the report to `username` (None: to nobody); returns whether it changed."""
    report = _report(conn, report_id)
    _check_actor(actor, report)
    if username is not None:
        username = username.strip().lower()
        try:
            person = get_user(conn, username)
        except NotFound:
            raise Invalid(f"no user {username!r}") from None
        if person.disabled:
            raise Invalid(f"{username}'s account is disabled")
        if not person.handles(report.service_code):
            raise Invalid(f"{username} does not handle reports of {report.service_code}")
    if username == report.assigned_to:
        return False
    conn.execute(
        reports.update()
        .where(reports.c.id == report_id)
        .values(assigned_to=username, updated=iso(now))
    )
    add_event(conn, report_id, actor.username, now, "assign", note=username)
    return True


def set_description_public(
    conn: Connection, report_id: int, public: bool, actor: User, now: datetime
) -> bool:
    """Publish the resident's description (or take it back), once staff have read it; where
    its category allows that is for hub.reports.disclosure to say. Returns whether it changed."""
    report = _report(conn, report_id)
    _check_actor(actor, report)
    if bool(report.description_public) == public:
        return False
    conn.execute(
        reports.update()
        .where(reports.c.id == report_id)
        .values(description_public=public, updated=iso(now))
    )
    add_event(
        conn, report_id, actor.username, now, "disclose", note="public" if public else "hidden"
    )
    return True


def assignees(conn: Connection, service_code: str) -> list[User]:
    """Active people who may be given a report of this category (for the page's list)."""
    return sorted(
        (p for p in list_users(conn) if not p.disabled and p.handles(service_code)),
        key=lambda p: p.display_name.lower(),
    )


def recategorise(
    conn: Connection, report_id: int, service_code: str, actor: User, now: datetime, hub: Hub
) -> bool:
    """Move a report to another category of the latest release; returns whether it changed.

    It leaves the unsorted queue and is routed like a new report (the new department's
    e-mail, its forwarding), each delivery once: a report moved back to a department it
    was already sent to is not sent again. Its assignee keeps it only if they handle the
    new category. The history records the move (from, to)."""
    report = _report(conn, report_id)
    _check_actor(actor, report)
    if service_code not in report_categories(conn, hub.blobs):
        raise Invalid(f"unknown category {service_code!r}: choose one of the latest release")
    if service_code == report.service_code and not report.unsorted:
        return False
    assignee = report.assigned_to
    if assignee is not None:
        try:
            keeps = get_user(conn, assignee).handles(service_code)
        except NotFound:
            keeps = False
        assignee = assignee if keeps else None
    conn.execute(
        reports.update()
        .where(reports.c.id == report_id)
        .values(service_code=service_code, unsorted=False, assigned_to=assignee, updated=iso(now))
    )
    moved = json.dumps({"from": report.service_code, "to": service_code})
    add_event(conn, report_id, actor.username, now, "category", note=moved)
    if assignee != report.assigned_to:
        add_event(conn, report_id, actor.username, now, "assign", note=None)
    route_new_report(conn, report_id, service_code, now, hub)
    return True


def moved_categories(note: str | None) -> tuple[str, str] | None:
    """(from, to) of a `category` event's note."""
    try:
        moved = json.loads(note or "")
        return str(moved["from"]), str(moved["to"])
    except (ValueError, TypeError, KeyError):
        return None

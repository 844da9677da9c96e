"""The reports pages for town hall staff: the inbox and one report with its forms.

A thin shell over `hub.reports.casework`: the inbox's filters become an `InboxFilter`, and each form
(status, assignment, public answer, category) calls one casework function, then comes back
to the report with a message (POST-redirect-GET). A refused form shows the report again with
the reason and with what was typed, and nothing stored changes. Unsorted reports (a category
the hub did not know) head the inbox, with a count and a link to them, until staff choose a
category. Department staff see and act on only their own categories; another department's
report is refused with a 403 page.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode, urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection, select
from starlette.concurrency import run_in_threadpool

from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.accounts.users import User, list_users
from hub.content.releases import report_categories
from hub.context import Hub
from hub.db import REPORT_STATUSES, reports
from hub.errors import Forbidden, Invalid, NotFound
from hub.fleet.kiosks import list_kiosks
from hub.reports import casework
from hub.reports.casework import (
    ANSWER_LIMIT,
    SEARCH_LIMIT,
    AnswerNeeded,
    AnswerTooLong,
    CaseFile,
    EmptyAnswer,
    InboxFilter,
)
from hub.reports.disclosure import description_may_be_public, publicity
from hub.reports.intake import flags_of
from hub.sending.mail import map_url, split_target, status_url
from hub.times import parse
from hub.web.templating import gettext, render
from kiosk_core.content.model import ReportCategory, tr
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Staffer = Annotated[Staff, Depends(staff_page("staff"))]

PER_PAGE = 50
STATUS_NAMES = {
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "closed": N_("Closed"),
}
"""Each status as staff read it."""
STATUS_BADGES = {"open": "", "in_progress": "warn", "closed": "ok"}
STATUS_CHOICES = {
    "active": N_("Open or in progress"),
    "open": N_("Open"),
    "in_progress": N_("In progress"),
    "closed": N_("Closed"),
    "all": N_("All"),
}
"""The inbox's status filter; `active` (what still needs someone) unless chosen otherwise."""
ASSIGNED_CHOICES = {"": N_("Anyone or nobody"), "me": N_("Me"), "nobody": N_("Nobody")}
ORDER_CHOICES = {"newest": N_("Newest first"), "oldest": N_("Oldest first")}
DONE = {
    "status": N_("The status was changed."),
    "answer": N_("The answer was published. The resident sees it on the status page."),
    "closed": N_("The answer was published and the report closed."),
    "assign": N_("The assignment was changed."),
    "category": N_("The category was changed. The report goes to that category's department."),
    "same": N_("Nothing changed: it was already so."),
    "public": N_("The description is public now: anyone can read it with the report."),
    "hidden": N_("The description is no longer public."),
}
"""The message shown after a form, by the `done` query parameter of the redirect."""
EVENT_KINDS = {
    "answer": N_("Public answer published"),
    "assign": N_("Assigned"),
    "category": N_("Category changed"),
    "emailed": N_("E-mailed"),
    "forwarded": N_("Forwarded to the city's system"),
    "remote": N_("Status from the city's system"),
    "status": N_("Status changed"),
}
DISCLOSE_EVENTS = {
    "public": N_("Description made public"),
    "hidden": N_("Description no longer public"),
}
PLACE_RULES = {
    "rough": N_("Anyone can see the place to within about 100 m, without the address."),
    "exact": N_("Anyone can see the exact place and the address."),
    "none": N_("Nothing of the place is public."),
}
"""What the public sees of a report's place, by its category's rule (hub.reports.disclosure)."""
DELIVERY_STATES = {
    "pending": (N_("waiting to be sent"), "warn"),
    "waiting": (N_("sent, waiting for the city's number"), "warn"),
    "done": (N_("sent"), "ok"),
    "failed": (N_("failed"), "bad"),
}
UNSORTED = N_("Unsorted")
FLAG_BADGES = {"created": N_("Kiosk clock wrong"), "answers": N_("Answers to check")}
"""The inbox's badge for each flag of `hub.reports.intake.mend`; any other: CHANGED."""
CHANGED = N_("Changed on arrival")
FIELD_NAMES = {
    "ref_code": N_("Reference number"),
    "status_token": N_("Status page"),
    "service_code": N_("Category"),
    "address_string": N_("Location"),
    "lat": N_("Location"),
    "long": N_("Location"),
    "first_name": N_("Contact"),
    "last_name": N_("Contact"),
    "email": N_("Contact"),
    "phone": N_("Contact"),
}


# --- the inbox -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InboxQuery:
    """The inbox's filters as they are in the page's address (and its filter form)."""

    status: str = "active"
    category: str = ""
    kiosk: str = ""
    assigned: str = ""
    overdue: bool = False
    unsorted: bool = False
    q: str = ""
    order: str = "newest"
    page: int = 1

    def filters(self, user: User) -> InboxFilter:
        """The casework filter: department staff never see other departments' reports."""
        return InboxFilter(
            status=None if self.status == "all" else self.status,
            service_code=self.category or None,
            departments=_departments(user),
            kiosk_id=self.kiosk or None,
            assigned_to=user.username if self.assigned == "me" else None,
            unassigned=self.assigned == "nobody",
            overdue=self.overdue,
            unsorted=self.unsorted,
            text=self.q or None,
            oldest_first=self.order == "oldest",
            page=self.page,
            per_page=PER_PAGE,
        )

    def link(self, **changes: Any) -> str:
        """This inbox's address with some filters changed (defaults left out)."""
        query = replace(self, **changes)
        params = {
            name: value
            for name, value, default in (
                ("status", query.status, "active"),
                ("category", query.category, ""),
                ("kiosk", query.kiosk, ""),
                ("assigned", query.assigned, ""),
                ("overdue", "1" if query.overdue else "", ""),
                ("unsorted", "1" if query.unsorted else "", ""),
                ("q", query.q, ""),
                ("order", query.order, "newest"),
                ("page", str(query.page), "1"),
            )
            if value != default
        }
        return "/admin/reports" + ("?" + urlencode(params) if params else "")

    @property
    def filtered(self) -> bool:
        return self.link(page=1) != "/admin/reports"


def parse_query(params: Mapping[str, str], lang: str) -> InboxQuery:
    """The inbox's filters from the address; a value no form could send is refused."""

    def choice(name: str, allowed: Mapping[str, str], default: str) -> str:
        value = params.get(name) or default
        if value not in allowed:
            raise PageError(400, N_("This filter has a value the inbox does not know."), lang)
        return value

    def identifier(name: str) -> str:
        value = (params.get(name) or "").strip()
        if len(value) > 64:
            raise PageError(400, N_("This filter has a value the inbox does not know."), lang)
        return value

    text = (params.get("q") or "").strip()
    if len(text) > SEARCH_LIMIT:
        raise PageError(400, N_("The search text is too long."), lang)
    page = params.get("page") or "1"
    if not page.isascii() or not page.isdigit() or len(page) > 6 or int(page) < 1:
        raise PageError(400, N_("There is no such page of the inbox."), lang)
    return InboxQuery(
        status=choice("status", STATUS_CHOICES, "active"),
        category=identifier("category"),
        kiosk=identifier("kiosk"),
        assigned=choice("assigned", ASSIGNED_CHOICES, ""),
        overdue=params.get("overdue") in ("1", "on", "true"),
        unsorted=params.get("unsorted") in ("1", "on", "true"),
        q=text,
        order=choice("order", ORDER_CHOICES, "newest"),
        page=int(page),
    )


def _departments(user: User) -> tuple[str, ...]:
    return () if user.is_admin() else user.departments


def _category_names(categories: dict[str, ReportCategory], lang: str) -> dict[str, str]:
    return {code: tr(category.name, lang) for code, category in categories.items()}


@router.get("/admin/reports")
def inbox_page(request: Request, staff: Staffer) -> Response:
    query = parse_query(request.query_params, staff.lang)
    hub, user = staff.hub, staff.user
    now, days = hub.now(), hub.settings.overdue_days
    with hub.transaction(write=False) as conn:
        page = casework.inbox(conn, query.filters(user), now, days)
        overdue = casework.inbox(
            conn, InboxFilter(departments=_departments(user), overdue=True, per_page=1), now, days
        ).total
        unsorted = casework.inbox(
            conn,
            InboxFilter(status="active", departments=_departments(user), unsorted=True, per_page=1),
            now,
            days,
        ).total
        categories = report_categories(conn, hub.blobs)
        kiosks = list_kiosks(conn)
        people = {u.username: u.display_name for u in list_users(conn)}
    names = _category_names(categories, staff.lang)
    mine = sorted(
        ((code, name) for code, name in names.items() if user.handles(code)),
        key=lambda item: item[1].lower(),
    )
    return render(
        request,
        "reports.html",
        staff.lang,
        staff=staff,
        query=query,
        page=page,
        overdue=overdue,
        unsorted=unsorted,
        overdue_days=days,
        category_names=names,
        flag_badges=_flag_badges,
        unsorted_badge=UNSORTED,
        category_choices=mine,
        kiosk_choices=[(k.id, k.name) for k in sorted(kiosks, key=lambda k: k.name.lower())],
        people=people,
        status_names=STATUS_NAMES,
        status_badges=STATUS_BADGES,
        status_choices=STATUS_CHOICES,
        assigned_choices=ASSIGNED_CHOICES,
        order_choices=ORDER_CHOICES,
        search_limit=SEARCH_LIMIT,
        department_only=bool(_departments(user)),
    )


# --- one report ----------------------------------------------------------------------------


def _report_id(text: str, lang: str) -> int:
    if not text.isascii() or not text.isdigit() or len(text) > 12:
        raise PageError(404, N_("There is no such report."), lang)
    return int(text)


def _case(conn: Connection, report_id: int, user: User) -> CaseFile:
    """The report, if this person may see it: 404 if there is none, 403 if it is not theirs."""
    try:
        case = casework.get_report(conn, report_id)
    except NotFound:
        raise PageError(404, N_("There is no such report."), user.lang) from None
    if not user.handles(case.report["service_code"]):
        raise PageError(
            403,
            N_(
                "This report belongs to a category your department does not handle. "
                "Ask an administrator if it should be yours."
            ),
            user.lang,
        )
    return case


@dataclass(frozen=True)
class Answer:
    """One Open311 attribute's answer as staff read it."""

    question: str
    value: str


def _attributes(raw: str | None, category: ReportCategory | None, lang: str) -> list[Answer]:
    """The answers to the category's extra questions, with their questions and value names."""
    if not raw:
        return []
    try:
        answers = json.loads(raw)
    except ValueError:
        return [Answer("?", raw)]
    if not isinstance(answers, dict):
        return [Answer("?", raw)]
    asked = {a.code: a for a in category.attributes} if category else {}
    out = []
    for code, value in answers.items():
        attribute = asked.get(code)
        names = {v.key: tr(v.name, lang) for v in attribute.values} if attribute else {}
        values = value if isinstance(value, list) else [value]
        shown = ", ".join(names.get(str(v), str(v)) for v in values)
        question = tr(attribute.description, lang) if attribute else code
        out.append(Answer(question, shown))
    return out


def _web_link(url: str | None) -> str | None:
    """A link only to a web page: never javascript: or data: from an outside client."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True)
class Delivery:
    what: str
    target: str
    state: str
    badge: str
    attempts: int
    error: str | None


def _deliveries(rows: list[dict[str, Any]]) -> list[Delivery]:
    out = []
    for row in rows:
        if row["channel"] == "email":
            address, event = split_target(row["target"])
            what = N_("Notice to the resident") if event else N_("E-mail to the department")
        elif row["channel"] == "open311":
            address, what = row["target"], N_("Forwarding to the city's system")
        else:
            address, what = row["target"], row["channel"]
        state, badge = DELIVERY_STATES.get(row["state"], (row["state"], ""))
        out.append(Delivery(what, address, state, badge, row["attempts"], row["last_error"]))
    return out


@dataclass(frozen=True)
class Step:
    """One line of a report's history, in the reader's words."""

    at: datetime
    title: str
    detail: str | None
    quote: str | None
    """Text quoted as written: a published answer, a city system's note."""
    actor: str


def _history(
    case: CaseFile, people: dict[str, str], names: dict[str, str], lang: str
) -> list[Step]:
    """The report's history, oldest first, starting with its arrival (`names`: category
    names by service code)."""

    def status(code: str | None) -> str:
        return gettext(lang, STATUS_NAMES[code]) if code in STATUS_NAMES else (code or "")

    report = case.report
    source = (
        f"{gettext(lang, N_('Kiosk'))}: {case.kiosk_name or report['kiosk_id']}"
        if report["kiosk_id"]
        else f"Open311: {report['client'] or '–'}"
    )
    hub_itself = gettext(lang, N_("the hub"))
    steps = [
        Step(parse(report["received"]), gettext(lang, N_("Received")), source, None, hub_itself)
    ]
    for event in case.events:
        detail = quote = None
        if event.kind == "status":
            moved = [status(event.note)] if event.note in STATUS_NAMES else []
            detail = " → ".join([*moved, status(event.status)])
        elif event.kind == "assign":
            nobody = gettext(lang, N_("nobody"))
            detail = people.get(event.note, event.note) if event.note else nobody
        elif event.kind == "answer":
            quote = event.note
        elif event.kind == "remote":
            detail, quote = status(event.status), event.note
        elif event.kind == "category":
            moved = casework.moved_categories(event.note)
            detail = " → ".join(names.get(c, c) for c in moved) if moved else event.note
        else:
            detail = event.note
        title = gettext(lang, EVENT_KINDS[event.kind]) if event.kind in EVENT_KINDS else event.kind
        if event.kind == "disclose" and event.note in DISCLOSE_EVENTS:
            title, detail = gettext(lang, DISCLOSE_EVENTS[event.note]), None
        actor = people.get(event.actor, event.actor) if event.actor else hub_itself
        steps.append(Step(event.at, title, detail, quote, actor))
    return steps


def _written(report: dict[str, Any], received: datetime) -> datetime | None:
    """When the kiosk wrote it down, if that was notably before it reached the hub (offline)."""
    created = parse(report["created"])
    return created if report["kiosk_id"] and received - created > timedelta(minutes=5) else None


def _report_page(
    request: Request,
    staff: Staff,
    report_id: int,
    *,
    error: str | None = None,
    draft: str | None = None,
    status_code: int = 200,
) -> Response:
    hub, user = staff.hub, staff.user
    now = hub.now()
    with hub.transaction(write=False) as conn:
        case = _case(conn, report_id, user)
        report = case.report
        categories = report_categories(conn, hub.blobs)
        category = categories.get(report["service_code"])
        people = {u.username: u.display_name for u in list_users(conn)}
        assignees = casework.assignees(conn, report["service_code"])
    received = parse(report["received"])
    names = _category_names(categories, staff.lang)
    done = request.query_params.get("done")
    flash = gettext(staff.lang, error) if error else None
    if flash is None and done in DONE:
        flash = gettext(staff.lang, DONE[done])
    return render(
        request,
        "report.html",
        staff.lang,
        status_code=status_code,
        staff=staff,
        case=case,
        report=report,
        category=category,
        category_name=_category_name(report, category, staff.lang),
        category_choices=sorted(names.items(), key=lambda item: item[1].lower()),
        flags=_flag_notes(flags_of(report["flags"]), report, staff.lang, category),
        department=tr(category.department, staff.lang) if category else None,
        received=received,
        written=_written(report, received),
        closed=parse(report["closed"]),
        overdue=casework.is_overdue(report["status"], received, now, hub.settings.overdue_days),
        overdue_days=hub.settings.overdue_days,
        attributes=_attributes(report["attributes"], category, staff.lang),
        media_link=_web_link(report["media_url"]),
        map_link=map_url(report["lat"], report["long"]) if report["lat"] is not None else None,
        deliveries=_deliveries(case.deliveries),
        history=_history(case, people, names, staff.lang),
        people=people,
        assignees=assignees,
        status_url=status_url(hub.settings, report["status_token"]),
        status_names=STATUS_NAMES,
        status_badges=STATUS_BADGES,
        answer_limit=ANSWER_LIMIT,
        draft=report["status_notes"] if draft is None else draft,
        may_publish=description_may_be_public(category),
        place_rule=PLACE_RULES[publicity(category).place],
        flash=flash,
        flash_kind="error" if error else "ok",
    )


def _flag_badges(flags: tuple[str, ...]) -> list[str]:
    """The inbox's badges for a report's flags (message ids), each once."""
    return list(dict.fromkeys(FLAG_BADGES.get(flag, CHANGED) for flag in flags))


def _category_name(report: dict[str, Any], category: ReportCategory | None, lang: str) -> str:
    """The category as staff read it; an unsorted report's says so, with the code it came in."""
    if report["unsorted"]:
        return f"{gettext(lang, UNSORTED)} ({report['service_code']})"
    return tr(category.name, lang) if category else report["service_code"]


ANSWER_PROBLEMS = {
    "required": N_("No answer to a required question: {question}."),
    "not_asked": N_("An answer to a question this category does not ask: {question}: “{value}”."),
    "not_a_choice": N_("An answer that is not one of the choices: {question}: “{value}”."),
    "too_long": N_("An answer too long to keep as an answer: {question}: “{value}”."),
    "not_a_number": N_("An answer that is not a number: {question}: “{value}”."),
    "not_a_datetime": N_("An answer that is not a date and time: {question}: “{value}”."),
}
"""Why an answer was left out on arrival (kiosk_core.reportanswers.AnswerProblem's codes);
any other: ANSWER_LEFT_OUT."""
ANSWER_LEFT_OUT = N_("An answer the hub could not keep as an answer: {question}: “{value}”.")


def _flag_notes(
    flags: dict[str, Any],
    report: dict[str, Any],
    lang: str,
    category: ReportCategory | None = None,
) -> list[str]:
    """What the hub changed to store the report (`hub.reports.intake.mend`), in the reader's
    words."""

    def fields(names: Any) -> str:
        shown = [gettext(lang, FIELD_NAMES.get(n, n)) for n in names if isinstance(n, str)]
        return ", ".join(dict.fromkeys(shown))

    notes = []
    if "created" in flags:
        message = N_(
            "The kiosk's clock was wrong: it said the report was written {time}. "
            "The time the hub received it is used instead."
        )
        notes.append(gettext(lang, message).format(time=flags["created"]))
    if flags.get("cut"):
        message = N_("Text longer than the hub keeps was cut: {fields}.")
        notes.append(gettext(lang, message).format(fields=fields(flags["cut"])))
    if flags.get("dropped"):
        message = N_("Details the hub cannot keep were left out: {fields}.")
        notes.append(gettext(lang, message).format(fields=fields(flags["dropped"])))
    if "lang" in flags:
        message = N_("The kiosk sent a language the hub does not know (“{lang}”).")
        notes.append(gettext(lang, message).format(lang=flags["lang"]))
    asked = {a.code: a for a in category.attributes} if category else {}
    for left in flags.get("answers") or []:
        if not isinstance(left, dict):
            continue
        code = str(left.get("code", "?"))
        question = tr(asked[code].description, lang) if code in asked else code
        message = ANSWER_PROBLEMS.get(str(left.get("problem")), ANSWER_LEFT_OUT)
        notes.append(gettext(lang, message).format(question=question, value=left.get("value")))
    return notes


@router.get("/admin/reports/{report_id}")
def report_page(request: Request, report_id: str, staff: Staffer) -> Response:
    return _report_page(request, staff, _report_id(report_id, staff.lang))


Action = Callable[[Connection, int, User, datetime, Hub], bool]
"""One casework change: (conn, report id, who, now, the hub)."""


async def _act(request: Request, staff: Staff, report_id: str, action: Action, done: str):
    """Run one casework change for a checked form, then back to the report with the outcome
    (a refusal raised by casework is for the caller to show)."""
    rid = _report_id(report_id, staff.lang)
    hub = staff.hub

    def change() -> bool:
        with hub.transaction() as conn:
            _case(conn, rid, staff.user)
            return action(conn, rid, staff.user, hub.now(), hub)

    try:
        changed = await run_in_threadpool(change)
    except Forbidden:
        raise PageError(403, N_("Your account may not change this report."), staff.lang) from None
    return RedirectResponse(
        f"/admin/reports/{rid}?done={done if changed else 'same'}", status_code=303
    )


async def _refused(
    request: Request, staff: Staff, report_id: str, message: str, draft: str | None = None
) -> Response:
    """The report again, with why the form was refused and what was typed (nothing stored)."""
    rid = _report_id(report_id, staff.lang)
    return await run_in_threadpool(
        partial(_report_page, request, staff, rid, error=message, draft=draft, status_code=422)
    )


@router.post("/admin/reports/{report_id}/status")
async def change_status(request: Request, report_id: str, staff: Staffer) -> Response:
    form = await read_form(request, staff)
    status = form.get("status")
    if status not in REPORT_STATUSES:
        return await _refused(request, staff, report_id, N_("Choose one of the statuses."))

    def action(conn: Connection, rid: int, user: User, now: datetime, hub: Hub) -> bool:
        return casework.set_status(conn, rid, status, user, now, notify=_notify(hub))

    try:
        return await _act(request, staff, report_id, action, "status")
    except AnswerNeeded:
        message = N_("Write a public answer for the resident before closing the report.")
        return await _refused(request, staff, report_id, message)


@router.post("/admin/reports/{report_id}/answer")
async def answer(request: Request, report_id: str, staff: Staffer) -> Response:
    form = await read_form(request, staff)
    text = form.get("answer")
    text = text if isinstance(text, str) else ""
    close = form.get("close") == "1"

    def action(conn: Connection, rid: int, user: User, now: datetime, hub: Hub) -> bool:
        notify = _notify(hub)
        if close:
            return casework.set_status(conn, rid, "closed", user, now, notify=notify, answer=text)
        return casework.set_answer(conn, rid, text, user, now, notify=notify)

    try:
        return await _act(request, staff, report_id, action, "closed" if close else "answer")
    except (EmptyAnswer, AnswerNeeded):
        message = N_("Write the answer first: an empty answer cannot be published.")
        return await _refused(request, staff, report_id, message, draft=text)
    except AnswerTooLong as exc:
        message = gettext(
            staff.lang, N_("The answer is too long: {length} characters, at most {limit}.")
        ).format(length=exc.length, limit=exc.limit)
        return await _refused(request, staff, report_id, message, draft=text)


@router.post("/admin/reports/{report_id}/assign")
async def assign(request: Request, report_id: str, staff: Staffer) -> Response:
    form = await read_form(request, staff)
    to = form.get("to")
    username = to.strip() if isinstance(to, str) and to.strip() else None

    def action(conn: Connection, rid: int, user: User, now: datetime, _hub: Hub) -> bool:
        return casework.assign(conn, rid, username, user, now)

    try:
        return await _act(request, staff, report_id, action, "assign")
    except Invalid:
        message = N_("This person cannot take reports of this category.")
        return await _refused(request, staff, report_id, message)


@router.post("/admin/reports/{report_id}/description")
async def description_public(request: Request, report_id: str, staff: Staffer) -> Response:
    """Make the description public (staff have read it), or take that back."""
    form = await read_form(request, staff)
    public = form.get("public")
    if public not in ("1", "0"):
        return await _refused(request, staff, report_id, N_("Choose whether to publish it."))

    def action(conn: Connection, rid: int, user: User, now: datetime, hub: Hub) -> bool:
        code = conn.scalar(select(reports.c.service_code).where(reports.c.id == rid))
        if public == "1" and not description_may_be_public(
            report_categories(conn, hub.blobs).get(code)
        ):
            raise Invalid(f"descriptions of {code} are never published")
        return casework.set_description_public(conn, rid, public == "1", user, now)

    try:
        return await _act(
            request, staff, report_id, action, "public" if public == "1" else "hidden"
        )
    except Invalid:
        message = N_("Descriptions of this category are never published.")
        return await _refused(request, staff, report_id, message)


@router.post("/admin/reports/{report_id}/category")
async def change_category(request: Request, report_id: str, staff: Staffer) -> Response:
    form = await read_form(request, staff)
    code = form.get("service_code")
    if not isinstance(code, str) or not code.strip():
        return await _refused(request, staff, report_id, N_("Choose one of the report categories."))

    def action(conn: Connection, rid: int, user: User, now: datetime, hub: Hub) -> bool:
        return casework.recategorise(conn, rid, code.strip(), user, now, hub)

    try:
        return await _act(request, staff, report_id, action, "category")
    except Invalid:
        message = N_("This category is not in the published content. Choose one of the list.")
        return await _refused(request, staff, report_id, message)


def _notify(hub: Hub) -> bool:
    """Whether residents hear about answers: only when the hub has e-mail."""
    return hub.settings.smtp is not None

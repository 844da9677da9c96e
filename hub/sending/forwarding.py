"""Forwarding reports to the city's own Open311 system, and bringing its answers back.

A report category may be forwarded (`forward_targets`: service code → the city's GeoReport v2
endpoint, api_key, the city's service code, jurisdiction): `hub.reports.routing` queues an `open311`
delivery for each new report of it, and `deliver` (this channel's outbox handler) files it
there as any Open311 client would: `POST <endpoint>/requests.json`, form-encoded. JSON only: a
server that answers in XML alone is not supported (its answer is reported as unreadable).

The answer decides the delivery's state: a `service_request_id` → done, with the id kept as
`external_id`; only a `token` (a batch service) → waiting, and `GET tokens/<token>.json` is
asked again with the outbox's backoff until it gives the id; neither (a blackbox service) →
done without an id. Errors follow the kiosk's rules: 4xx other than 408 and 429 is permanent
(failed, with the city's own error text kept for staff), everything else is tried again.

What is sent: the city's service code, the location (lat/long and/or address_string), the
description, `device_id` = the kiosk's id, `media_url`, and the resident's e-mail, phone and
names only when they gave them: at the kiosk a resident leaves them only after consenting to
be contacted by the town about the report, and the city's system is the town's. The answers to
the category's questions go as `attribute[CODE]=value` (`attribute[CODE][]=key` for each
choice of a multivaluelist) where the city's service asks a question of the same code and
takes those keys: a report with answers first reads the city's service definition
(`GET services/<code>.json`). Answers the city does not ask for, or to a service without a
definition, are written into the description instead ("Question: answer", in Polish), so the
city's staff read them and a strict server does not refuse the report for them.

Exactly once is impossible against a server that takes no idempotency key, so duplicates are
kept as rare as we can make them:

- Before each POST, the delivery is marked `unanswered` (its `last_error` starts with
  UNANSWERED), in its own transaction. A POST that may have reached the city without us
  hearing the answer (a timeout or reset after sending, a 5xx) leaves the mark, and so does a
  hub that dies mid-POST. A POST that certainly never left (connection refused, no such host,
  TLS handshake, connect timeout), or that was answered, removes it.
- A marked delivery is never POSTed again before searching the city for it: every forwarded
  description ends with MARKER (`[kiosk-hub <the report's uuid>]`), and `GET requests.json`
  with the city's service code from a day before the delivery was queued (and our api_key, so
  that a city which keeps descriptions from the public shows us ours) finds it. Found: done
  with its id, nothing sent. Not found: POSTed again. The search cannot be made (the server
  refuses GET requests with a 4xx, or answers something unreadable): failed, so that staff
  look at the city's system by hand, rather than risking a copy on every retry.
- What remains: a request the city stored but does not list yet when we search (e.g. a batch
  service that lists requests only once they have an id) or lists beyond its first page (more
  than a page of requests of that service in the window) is sent again.

`pull_status` brings back what the city did: for forwarded reports not closed here it asks
`GET requests.json?service_request_id=a,b,c` in batches and, where the city's status or
status_notes changed since the last time, records a `remote` event (actor: the endpoint) and
publishes the city's notes as our public answer and closes the report when the city closed it,
so the resident's status page shows the city's answer. A closing without any public answer
(neither the city's notes nor ours) is recorded but leaves the report open, as staff may
close a report only with an answer. The delivery worker runs it every
`hub.sending.sender.PULL_INTERVAL`, and `kiosk-hub deliver` does too.
"""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from sqlalchemy import Connection, Row, select

from hub.content import releases
from hub.db import deliveries, forward_targets, report_events, reports
from hub.errors import Invalid
from hub.reports.casework import ANSWER_LIMIT, add_event, clean_answer
from hub.sending import open311_client as city
from hub.sending.deliveries import DUE_STATES, MAX_BACKOFF, Done, Failed, Outcome, Retry, Waiting
from hub.sending.mail import queue_resident_notice
from hub.times import iso, parse
from kiosk_core.content.model import ReportCategory, tr

if TYPE_CHECKING:
    from hub.context import Hub

log = logging.getLogger(__name__)

CHANNEL = "open311"
MAX_DESCRIPTION = 4000
"""GeoReport v2's limit for a description, the marker included."""
MARKER = "[kiosk-hub {uuid}]"
UNANSWERED = "unanswered: "
SEARCH_MARGIN = timedelta(days=1)
"""The search for an unanswered POST starts this long before the delivery was queued (the
city's clock may differ from ours); servers list 90 days from the start."""
TOKEN_PATIENCE = timedelta(days=14)
"""How long a token is asked for its id; after that the delivery is done without one."""
PULL_BATCH = 50
"""Ids per GET requests.json when pulling statuses (a short URL for any server)."""
MAX_ACTOR = 200


def _retry_after(answer: city.Answer) -> timedelta | None:
    try:
        seconds = float(answer.retry_after or "")
    except ValueError:
        return None
    if not math.isfinite(seconds):
        return None
    return timedelta(seconds=min(MAX_BACKOFF.total_seconds(), max(1.0, seconds)))


# --- the channel handler --------------------------------------------------------------------


def deliver(hub: Hub, delivery: Row, report: Row) -> Outcome:
    """The outbox handler of the `open311` channel (see the module's docstring)."""
    with hub.transaction(write=False) as conn:
        target = conn.execute(
            select(forward_targets).where(
                forward_targets.c.service_code == report.service_code,
                forward_targets.c.endpoint == delivery.target,
            )
        ).first()
    if delivery.state == "waiting" and delivery.external_token:
        jurisdiction = target.jurisdiction_id if target is not None else None
        return _resolve_token(hub, delivery, jurisdiction)
    if target is None or not target.enabled:
        return Failed(
            f"forwarding of {report.service_code!r} to {delivery.target} is no longer "
            "configured (kiosk-hub forward list); pass the report on by hand"
        )
    if (delivery.last_error or "").startswith(UNANSWERED):
        found = _search(delivery, report, target)
        if not isinstance(found, _NotThere):
            return found
    asked: dict[str, frozenset[str] | None] = {}
    if report.attributes:
        jurisdiction = target.jurisdiction_id or None
        try:
            asked = city.service_definition(
                target.endpoint, target.remote_service_code, jurisdiction
            )
        except (city.NotSent, city.Unanswered, city.Unreadable) as exc:
            return Retry(f"could not read the city's questions of its service yet: {exc}")
    with hub.transaction(write=False) as conn:
        category = releases.report_categories(conn, hub.blobs).get(report.service_code)
    _mark_unanswered(hub, delivery)
    return _post(delivery, report, target, Answers.split(report, category, asked))


@dataclass(frozen=True)
class _NotThere:
    """The search found no earlier copy: POST it."""


@dataclass(frozen=True)
class Answers:
    """A report's answers as the city gets them: as its attributes, or written out."""

    fields: tuple[tuple[str, str], ...] = ()
    """`attribute[CODE]` fields, for the questions the city's service asks."""
    lines: tuple[str, ...] = ()
    """"Question: answer" for the others, for the description."""

    @classmethod
    def split(
        cls, report: Row, category: ReportCategory | None, asked: dict[str, frozenset[str] | None]
    ) -> Answers:
        try:
            given = json.loads(report.attributes or "{}")
        except ValueError:
            given = {}
        questions = {a.code: a for a in category.attributes} if category else {}
        fields: list[tuple[str, str]] = []
        lines: list[str] = []
        for code, answer in given.items() if isinstance(given, dict) else ():
            values = [str(v) for v in answer] if isinstance(answer, list) else [str(answer)]
            keys = asked.get(code, frozenset())
            if code in asked and (keys is None or set(values) <= keys):
                name = f"attribute[{code}][]" if isinstance(answer, list) else f"attribute[{code}]"
                fields += [(name, value) for value in values]
                continue
            question = questions.get(code)
            names = {v.key: tr(v.name, "pl") for v in question.values} if question else {}
            said = ", ".join(names.get(v, v) for v in values)
            lines.append(f"{tr(question.description, 'pl') if question else code}: {said}")
        return cls(tuple(fields), tuple(lines))


def forwarded_description(report: Row, answers: Answers | None = None) -> str:
    """The resident's description, the answers the city does not ask for, and the marker
    that lets us find it at the city again, cut (with …) so that all fit in GeoReport's 4000
    characters: the description first, then the answers."""
    marker = MARKER.format(uuid=report.uuid)
    extra = "\n".join(answers.lines) if answers and answers.lines else ""
    room = MAX_DESCRIPTION - len(marker) - 2
    if extra:
        extra = extra[: max(0, room // 2 - 3)]
        room -= len(extra) + 2
    text = report.description.strip()
    if len(text) > room:
        text = text[: room - 1].rstrip() + "…"
    return "\n\n".join(filter(None, (text, extra, marker)))


def request_form(report: Row, target: Row, answers: Answers | None = None) -> list[tuple[str, str]]:
    """The POST's fields: contact details only those the resident gave; answers as the
    city's attributes where it asks them."""
    form: dict[str, str] = {
        "api_key": target.api_key,
        "service_code": target.remote_service_code,
        "description": forwarded_description(report, answers),
    }
    if target.jurisdiction_id:
        form["jurisdiction_id"] = target.jurisdiction_id
    if report.lat is not None and report.long is not None:
        form["lat"] = repr(float(report.lat))
        form["long"] = repr(float(report.long))
    optional = {
        "address_string": report.address_string,
        "email": report.email,
        "phone": report.phone,
        "first_name": report.first_name,
        "last_name": report.last_name,
        "device_id": report.kiosk_id,
        "media_url": report.media_url,
    }
    form |= {name: value for name, value in optional.items() if value}
    return [*form.items(), *(answers.fields if answers else ())]


def _mark_unanswered(hub: Hub, delivery: Row) -> None:
    """Written before the POST: if no answer is recorded (a lost answer, a hub that died),
    the next attempt searches the city before sending again."""
    note = f"{UNANSWERED}sent at {iso(hub.now())}, no answer recorded yet"
    with hub.transaction() as conn:
        conn.execute(
            deliveries.update()
            .where(deliveries.c.id == delivery.id, deliveries.c.state.in_(DUE_STATES))
            .values(last_error=note)
        )


def _post(delivery: Row, report: Row, target: Row, answers: Answers) -> Outcome:
    url = city.url(target.endpoint, "requests.json")
    try:
        answer = city.call("POST", url, data=request_form(report, target, answers))
    except city.NotSent as exc:
        return Retry(f"the city's system could not be reached: {exc}")
    except city.Unanswered as exc:
        return Retry(f"{UNANSWERED}no answer to the POST ({exc}); searching first next time")
    if answer.status >= 500:
        return Retry(
            f"{UNANSWERED}the city's system answered {answer.status} ({answer.errors()}); "
            "searching first next time"
        )
    if answer.status in (408, 429):
        return Retry(
            f"the city's system asked to wait ({answer.status}: {answer.errors()})",
            _retry_after(answer),
        )
    if 300 <= answer.status < 400:
        return Failed(
            f"the city's endpoint answered {answer.status} (moved?): check it with "
            "kiosk-hub forward list"
        )
    if answer.status >= 400:
        return Failed(f"the city's system refused the report ({answer.status}): {answer.errors()}")
    item = city.first(answer.json())
    if item is None:
        return Failed(
            f"the city's system answered {answer.status} but not with GeoReport JSON "
            f"({answer.errors()}); it may have stored the report: check there"
        )
    request_id, token = city.text(item.get("service_request_id")), city.text(item.get("token"))
    if request_id:
        return Done(request_id, ("forwarded", f"{target.endpoint}: {request_id}"))
    if token:
        return Waiting(token)
    return Done(None, ("forwarded", f"{target.endpoint}: (the city gives no number)"))


def _search(delivery: Row, report: Row, target: Row) -> Outcome | _NotThere:
    """Look for an earlier POST of this report at the city (by its marker)."""
    start = parse(delivery.created) - SEARCH_MARGIN
    params = {
        "service_code": target.remote_service_code,
        "start_date": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        # A city that publishes descriptions only after review (as this hub does) shows
        # them whole to the client that filed them; others ignore a key on GET.
        "api_key": target.api_key,
    }
    if target.jurisdiction_id:
        params["jurisdiction_id"] = target.jurisdiction_id
    try:
        answer = city.call("GET", city.url(target.endpoint, "requests.json"), params=params)
    except (city.NotSent, city.Unanswered) as exc:
        return Retry(f"{UNANSWERED}could not search the city's system for it yet: {exc}")
    if answer.status >= 500 or answer.status in (408, 429):
        return Retry(
            f"{UNANSWERED}could not search the city's system for it yet "
            f"({answer.status}: {answer.errors()})",
            _retry_after(answer) if answer.status == 429 else None,
        )
    found = answer.json() if answer.status == 200 else None
    if not isinstance(found, list):
        return Failed(
            "an earlier attempt may have reached the city's system, and it cannot be searched "
            f"({answer.status}: {answer.errors()}): check there and pass it on by hand"
        )
    marker = MARKER.format(uuid=report.uuid)
    for item in found:
        if isinstance(item, dict) and marker in str(item.get("description") or ""):
            request_id = city.text(item.get("service_request_id"))
            note = f"{target.endpoint}: {request_id or '(no number)'} (found after no answer)"
            return Done(request_id, ("forwarded", note))
    return _NotThere()


def _resolve_token(hub: Hub, delivery: Row, jurisdiction: str | None) -> Outcome:
    """Ask the city for the id of the request it gave `external_token` for."""
    token = delivery.external_token
    if hub.now() - parse(delivery.created) > TOKEN_PATIENCE:
        note = f"{delivery.target}: token {token}; the city never gave its number"
        return Done(None, ("forwarded", note))
    url = city.url(delivery.target, f"tokens/{quote(token, safe='')}.json")
    params = {"jurisdiction_id": jurisdiction} if jurisdiction else None
    try:
        answer = city.call("GET", url, params=params)
    except (city.NotSent, city.Unanswered) as exc:
        return Retry(f"could not ask the city for the number of token {token}: {exc}")
    item = city.first(answer.json()) if answer.status == 200 else None
    request_id = city.text(item.get("service_request_id")) if item else None
    if request_id:
        note = f"{delivery.target}: {request_id} (token {token})"
        return Done(request_id, ("forwarded", note))
    if answer.status in (200, 404):
        return Waiting(token)
    return Retry(f"the city's system answered {answer.status} for token {token}: {answer.errors()}")


# --- bringing the city's answers back -----------------------------------------------------


@dataclass
class Pulled:
    """What one `pull_status` did."""

    asked: int = 0
    """Forwarded reports whose status was asked for."""
    changed: int = 0
    """Reports where the city's status or notes had changed (a `remote` event each)."""
    errors: list[str] = field(default_factory=list)


def pull_status(hub: Hub, batch: int = PULL_BATCH) -> Pulled:
    """Bring back the city's status and public notes of every forwarded report not closed."""
    with hub.transaction(write=False) as conn:
        rows = conn.execute(
            select(deliveries.c.report_id, deliveries.c.target, deliveries.c.external_id)
            .select_from(deliveries.join(reports, reports.c.id == deliveries.c.report_id))
            .where(
                deliveries.c.channel == CHANNEL,
                deliveries.c.state == "done",
                deliveries.c.external_id.is_not(None),
                reports.c.status != "closed",
            )
            .order_by(deliveries.c.id)
        ).all()
        jurisdictions = {
            t.endpoint: t.jurisdiction_id
            for t in conn.execute(
                select(forward_targets.c.endpoint, forward_targets.c.jurisdiction_id)
            )
        }
    by_endpoint: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        by_endpoint[row.target].append(row)
    pulled = Pulled()
    for endpoint, forwarded in by_endpoint.items():
        for i in range(0, len(forwarded), batch):
            chunk = forwarded[i : i + batch]
            pulled.asked += len(chunk)
            try:
                found = city.requests_by_id(
                    endpoint, [r.external_id for r in chunk], jurisdictions.get(endpoint)
                )
            except (city.NotSent, city.Unanswered, ValueError) as exc:
                log.warning("pulling statuses from %s: %s", endpoint, exc)
                pulled.errors.append(f"{endpoint}: {exc}")
                continue
            ours = defaultdict(list)
            for row in chunk:
                ours[row.external_id].append(row.report_id)
            with hub.transaction() as conn:
                for item in found:
                    for report_id in ours.get(city.text(item.get("service_request_id")) or "", []):
                        pulled.changed += _apply(hub, conn, report_id, endpoint, item)
    return pulled


def public_notes(notes: Any) -> str | None:
    """The city's status_notes as a public answer (cleaned and cut as staff answers are)."""
    if not isinstance(notes, str) or not notes.strip():
        return None
    text = notes[: 4 * ANSWER_LIMIT]
    try:
        return clean_answer(text)
    except Invalid:
        pass
    try:
        return clean_answer(text[: ANSWER_LIMIT - 1].rstrip() + "…")
    except Invalid:
        return None


def _apply(hub: Hub, conn: Connection, report_id: int, endpoint: str, item: dict) -> int:
    """Record one request's news; 1 if the city's status or notes changed since last time."""
    status = "closed" if str(item.get("status") or "").strip().lower() == "closed" else "open"
    notes = public_notes(item.get("status_notes"))
    stmt = select(reports).where(reports.c.id == report_id)
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    report = conn.execute(stmt).first()
    last = conn.execute(
        select(report_events.c.status, report_events.c.note)
        .where(report_events.c.report_id == report_id, report_events.c.kind == "remote")
        .order_by(report_events.c.id.desc())
        .limit(1)
    ).first()
    before = (last.status, last.note) if last is not None else ("open", None)
    if report is None or report.status == "closed" or (status, notes) == before:
        return 0
    now = hub.now()
    event_id = add_event(conn, report_id, endpoint[:MAX_ACTOR], now, "remote", status, notes)
    values: dict[str, Any] = {}
    if notes and notes != report.status_notes:
        values["status_notes"] = notes
    if status == "closed" and (notes or report.status_notes):
        values |= {"status": "closed", "closed": iso(now)}
    if values:
        conn.execute(
            reports.update().where(reports.c.id == report_id).values(updated=iso(now), **values)
        )
        if hub.settings.smtp is not None:
            queue_resident_notice(conn, report_id, event_id, now)
    return 1

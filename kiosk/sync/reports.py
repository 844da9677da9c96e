"""Delivering problem reports: each exactly once, through the outbox's state machine.

The report's uuid is its idempotency key, so a report sent again after a crash or a lost
answer is recognised by the hub and answered as the first time. A round sends the first due
report alone (POST /reports) as a probe: if the hub is down, one request says so. The hub's
answer says in its `Kiosk-Report-Batch` header how many reports it takes in one
POST /reports/batch; the rest of the round then goes in batches, each item answered on its
own. A hub without that header (an older one) gets the reports one by one, several at once.

Outcomes, per report:

- delivered (2xx, or `stored`/`replay` in a batch): the outbox erases the personal data;
- a permanent refusal of the report (422, 409, 413, 400; `rejected` in a batch): the hub
  cannot store it, so it needs attention: kept whole on the kiosk, contact details and all,
  with the hub's reason, shown on the staff screen and in the heartbeat, and not tried again
  until a person says so (see kiosk.visit.outbox);
- 401, 403, 404: permanent by the protocol's rule, but about this kiosk (its token revoked, a
  wrong hub address), not the report: it is retried later like a passing failure;
- anything else: back to pending with a full-jitter backoff.

A hub that limits how many reports a kiosk sends an hour answers 429 (to a single report, a
whole batch, or items of a batch: `{"outcome": "rejected", "status": 429, "retry_after": N}`),
usually with `Retry-After` seconds (capped at an hour; anything but a number of seconds is
ignored). The reports concerned stay pending, contact details and all, due again at that time;
the round stops, and no report at all is sent before then (`STATE_HOLD`, kept across restarts):
the limit is the kiosk's, so any report sent earlier would only be refused again.

A batch refused as a whole with a permanent status (404 from a hub that turned out not to
have the batch route, 413 from a hub with a smaller body limit, 422) says nothing about its
reports: they are sent again one by one in the same round, each to get its own answer.
After a failure that is not about the reports themselves the round stops: the next requests
would only fail the same way and keep a struggling hub busy.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

from sqlite_utils import Database

from kiosk.infra.store import get_state, set_state, write_transaction
from kiosk.sync.client import RETRY_AFTER_CAP, HubClient, HubError, is_permanent, retry_after
from kiosk.visit.outbox import due_reports, mark_attention, mark_delivered, mark_retry, mark_sending

REPORT_FIELDS = (
    "uuid",
    "ref_code",
    "status_token",
    "created",
    "lang",
    "service_code",
    "description",
    "lat",
    "long",
    "address_string",
    "email",
    "phone",
    "first_name",
    "last_name",
)
KIOSK_PROBLEMS = frozenset({401, 403, 404})
"""Statuses that say something is wrong with the kiosk's access, not with a report."""
BATCH_HEADER = "Kiosk-Report-Batch"
"""The hub's answer header: the most reports it takes in one POST /reports/batch."""
BATCH_SIZE = 100
"""The most reports this agent puts in one batch (the hub may allow fewer)."""
BATCH_BYTES = 512 * 1024
"""JSON bytes of reports in one batch at most: half the hub's body limit (1 MiB), so a batch
is never refused for its size. An ordinary report is about 1 KB, the largest about 60 KB."""
ROUND_LIMIT = 500
"""Reports sent in one round (one agent cycle) at most: a backlog after a long outage drains
in a few cycles without holding the content download back for long."""
IN_FLIGHT = 4
"""Single reports sent at once after the first one got through: on a slow link most of the
time is waiting for answers, and the hub handles requests in parallel."""
BATCHES_IN_FLIGHT = 2
"""Batches sent at once: on a slow link one travels while the hub stores the other (over
loopback, where the hub's work is all there is, it makes no measurable difference)."""
STATE_HOLD = "reports_not_before"
"""The sync_state key: no report is sent before this time (the hub's last Retry-After)."""
TOO_MANY = 429


@dataclass
class DeliveryOutcome:
    delivered: int = 0
    attention: int = 0
    """Refused by the hub: kept, waiting for a person."""
    retried: int = 0
    errors: list[str] = field(default_factory=list)
    held_until: datetime | None = None
    """Set when the hub asked (Retry-After) that no report be sent before then."""

    def __str__(self) -> str:
        text = (
            f"{self.delivered} report(s) delivered, {self.attention} refused (need attention), "
            f"{self.retried} to retry"
        )
        if self.held_until is not None:
            text += f"; none sent before {self.held_until.isoformat(timespec='seconds')}"
            text += " (the hub asked to wait)"
        return text


def report_body(row: dict) -> dict:
    """The protocol's POST /reports body from an outbox row; `attributes` (the answers to
    the category's questions) only when there are some, so a report without answers is the
    very body earlier kiosks sent."""
    body = {name: row.get(name) for name in REPORT_FIELDS}
    if row.get("attributes"):
        body["attributes"] = json.loads(row["attributes"])
    return body


@dataclass(frozen=True)
class _Verdict:
    """What became of one report: delivered (with the hub's id), attention or to retry."""

    state: str
    service_request_id: str | None = None
    reason: str = ""
    retry_after: float | None = None
    """Seconds the hub asked to wait before this report is sent again."""
    too_many: bool = False
    """The hub refused it for the kiosk's rate (429): the round ends."""


@dataclass
class _Reply:
    """The hub's answer to one request: a verdict per report it carried, or a failure."""

    verdicts: list[_Verdict] = field(default_factory=list)
    failure: HubError | None = None
    batch_limit: int = 0
    """What the hub's header said it takes in a batch (0: no batches)."""

    @property
    def batch_refused(self) -> bool:
        """A batch refused as a whole for a reason that is not about its reports."""
        failure = self.failure
        return (
            failure is not None
            and failure.permanent
            and failure.status not in (401, 403)
            and not self.verdicts
        )


def deliver_reports(
    client: HubClient,
    db: Database,
    now: datetime,
    limit: int | None = None,
    rng: random.Random | None = None,
    in_flight: int = IN_FLIGHT,
    batch_size: int | None = None,
) -> DeliveryOutcome:
    """Send every report that is due (at most `limit`, by default ROUND_LIMIT): the first
    alone, then in batches of up to `batch_size` (by default BATCH_SIZE; 1: always one by
    one) when the hub takes them, else one by one with up to `in_flight` requests at once.
    The database is written from this thread only."""
    outcome = DeliveryOutcome()
    outcome.held_until = held_until(db, now)
    if outcome.held_until is not None:
        return outcome
    queue = due_reports(db, now, ROUND_LIMIT if limit is None else limit)
    batch_size = BATCH_SIZE if batch_size is None else batch_size
    marked: set[str] = set()
    hub_batch = 0
    first = True
    with ThreadPoolExecutor(max_workers=max(1, in_flight, BATCHES_IN_FLIGHT)) as pool:
        while queue:
            size = min(batch_size, hub_batch)
            if first:
                wave = [queue[:1]]
            elif size >= 2:
                wave = _pack(queue, size, BATCHES_IN_FLIGHT)
            else:
                wave = [[row] for row in queue[: max(1, in_flight)]]
            queue = queue[sum(len(chunk) for chunk in wave) :]
            for row in (row for chunk in wave for row in chunk):
                if row["uuid"] not in marked:
                    mark_sending(db, row["uuid"])
                    marked.add(row["uuid"])
            send: Callable[[HubClient, list[dict]], _Reply] = (
                _post_batch if size >= 2 else _post_one
            )
            replies = list(pool.map(send, [client] * len(wave), wave))
            first, stop, refused = False, False, []
            for chunk, reply in zip(wave, replies, strict=True):
                if size >= 2 and reply.batch_refused:
                    refused.extend(chunk)
                    outcome.errors.append(f"a batch was refused, sent one by one: {reply.failure}")
                    continue
                if reply.failure is None:
                    hub_batch = reply.batch_limit
                stop |= _record(db, chunk, reply, now, rng, outcome)
            if refused:
                queue = refused + queue
                batch_size = 1
            if stop:
                break
    return outcome


def held_until(db: Database, now: datetime) -> datetime | None:
    """The time before which the hub asked for no report, if it is still ahead (and not
    further than RETRY_AFTER_CAP: a clock set back must not silence the kiosk for long)."""
    raw = get_state(db, STATE_HOLD)
    try:
        until = datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if until is None or until.tzinfo is None or not now < until:
        return None
    if until - now > timedelta(seconds=RETRY_AFTER_CAP):
        return None
    return until


def _hold(db: Database, until: datetime) -> None:
    with write_transaction(db):
        set_state(db, STATE_HOLD, until.isoformat())


def _pack(rows: list[dict], size: int, count: int) -> list[list[dict]]:
    """Up to `count` batches from the front of `rows`, each of at most `size` reports and
    BATCH_BYTES of JSON (a report larger than that goes alone)."""
    chunks: list[list[dict]] = []
    chunk: list[dict] = []
    used = 0
    for row in rows:
        weight = len(json.dumps(report_body(row))) + 2
        if chunk and (len(chunk) >= size or used + weight > BATCH_BYTES):
            chunks.append(chunk)
            if len(chunks) == count:
                return chunks
            chunk, used = [], 0
        chunk.append(row)
        used += weight
    if chunk:
        chunks.append(chunk)
    return chunks


def _batch_limit(headers) -> int:
    raw = (headers.get(BATCH_HEADER) or "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 6 else 0


def _post_one(client: HubClient, chunk: list[dict]) -> _Reply:
    """One report, POST /reports (on a worker thread)."""
    (row,) = chunk
    try:
        answer = client.request(
            "POST",
            "/reports",
            json_body=report_body(row),
            headers={"Idempotency-Key": row["uuid"]},
        )
    except HubError as exc:
        return _Reply(failure=exc)
    try:
        data = answer.json()
    except HubError:
        data = {}
    request_id = data.get("service_request_id") if isinstance(data, dict) else None
    verdict = _Verdict("delivered", str(request_id) if request_id is not None else None)
    return _Reply([verdict], batch_limit=_batch_limit(answer.headers))


def _post_batch(client: HubClient, chunk: list[dict]) -> _Reply:
    """Several reports, POST /reports/batch (on a worker thread)."""
    what = "POST /reports/batch"
    try:
        answer = client.request(
            "POST", "/reports/batch", json_body={"reports": [report_body(r) for r in chunk]}
        )
        data = answer.json()
    except HubError as exc:
        return _Reply(failure=exc)
    results = data.get("results") if isinstance(data, dict) else None
    if not isinstance(results, list) or len(results) != len(chunk):
        return _Reply(failure=HubError(f"{what}: the answer does not list every report"))
    verdicts = []
    for row, result in zip(chunk, results, strict=True):
        if not isinstance(result, dict) or not _same_uuid(result.get("uuid"), row["uuid"]):
            return _Reply(failure=HubError(f"{what}: the answer does not match the reports"))
        verdicts.append(_item_verdict(what, result))
    return _Reply(verdicts, batch_limit=_batch_limit(answer.headers))


def _same_uuid(answered: object, sent: str) -> bool:
    """The hub echoes each uuid (None for an item it could not read, never for ours)."""
    if answered is None:
        return True
    try:
        return isinstance(answered, str) and UUID(answered) == UUID(sent)
    except ValueError:
        return False


def _item_verdict(what: str, result: dict) -> _Verdict:
    outcome = result.get("outcome")
    if outcome in ("stored", "replay"):
        request_id = result.get("service_request_id")
        return _Verdict("delivered", str(request_id) if request_id is not None else None)
    status = result.get("status")
    detail = str(result.get("detail") or outcome)[:400]
    reason = f"{what}: {status} {detail}"
    permanent = isinstance(status, int) and is_permanent(status) and status not in KIOSK_PROBLEMS
    if outcome == "rejected" and permanent:
        return _Verdict("attention", reason=reason)
    too_many = status == TOO_MANY
    wait = retry_after(result.get("retry_after")) if too_many else None
    return _Verdict("retry", reason=reason, retry_after=wait, too_many=too_many)


def _record(
    db: Database,
    chunk: list[dict],
    reply: _Reply,
    now: datetime,
    rng: random.Random | None,
    outcome: DeliveryOutcome,
) -> bool:
    """Write one request's outcome; True when the round should stop (the hub is failing)."""
    failure = reply.failure
    if failure is not None:
        permanent = failure.permanent and failure.status not in KIOSK_PROBLEMS
        if len(chunk) == 1 and permanent:
            verdicts = [_Verdict("attention", reason=str(failure))]
        else:
            retry = _Verdict(
                "retry",
                reason=str(failure),
                retry_after=failure.retry_after,
                too_many=failure.status == TOO_MANY,
            )
            verdicts = [retry] * len(chunk)
            if len(chunk) > 1:
                outcome.errors.append(f"{len(chunk)} reports not delivered: {failure}")
    else:
        verdicts = reply.verdicts
    waits = [v.retry_after for v in verdicts if v.retry_after is not None]
    not_before = now + timedelta(seconds=max(waits)) if waits else None
    if not_before is not None and not_before > now:
        _hold(db, not_before)
        outcome.held_until = max(not_before, outcome.held_until or not_before)
    for row, verdict in zip(chunk, verdicts, strict=True):
        uuid = row["uuid"]
        if verdict.state == "delivered":
            mark_delivered(db, uuid, verdict.service_request_id, now)
            outcome.delivered += 1
        elif verdict.state == "attention":
            mark_attention(db, uuid, verdict.reason)
            outcome.attention += 1
            outcome.errors.append(
                f"report {row['ref_code']} refused by the hub, kept for attention: {verdict.reason}"
            )
        else:
            due = not_before if verdict.retry_after is not None else None
            mark_retry(db, uuid, verdict.reason, now, rng, not_before=due)
            outcome.retried += 1
            if failure is None or len(chunk) == 1:
                outcome.errors.append(f"report {row['ref_code']} not delivered: {verdict.reason}")
    passing = failure is not None and verdicts[0].state == "retry"
    return passing or any(v.too_many for v in verdicts)

"""Delivering problem reports: each exactly once, through the outbox's state machine.

The report's uuid is the Idempotency-Key, so a report sent again after a crash or a lost
answer is recognised by the hub and answered as the first time. Outcomes:

- 2xx: delivered; the outbox erases the reporter's personal data;
- a permanent refusal of the report (422 unknown category, 409, 413, 400): rejected, never
  retried, with the hub's reason;
- 401, 403, 404: permanent by the protocol's rule, but about this kiosk (its token revoked, a
  wrong hub address), not the report: rejecting it would lose a resident's report for an
  administrator's mistake, so it is retried later like a passing failure;
- anything else: back to pending with a full-jitter backoff.

After a failure that is not about the report itself the round stops: the next reports would
only fail the same way and keep a struggling hub busy.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlite_utils import Database

from kiosk.outbox import due_reports, mark_delivered, mark_rejected, mark_retry, mark_sending
from kiosk.sync.client import HubClient, HubError

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


@dataclass
class DeliveryOutcome:
    delivered: int = 0
    rejected: int = 0
    retried: int = 0
    errors: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"{self.delivered} report(s) delivered, {self.rejected} rejected, "
            f"{self.retried} to retry"
        )


def report_body(row: dict) -> dict:
    """The protocol's POST /reports body from an outbox row."""
    return {name: row.get(name) for name in REPORT_FIELDS}


IN_FLIGHT = 4
"""Reports sent at once after the first one got through: on a slow link most of the time is
waiting for answers, and the hub handles requests in parallel."""


def deliver_reports(
    client: HubClient,
    db: Database,
    now: datetime,
    limit: int = 50,
    rng: random.Random | None = None,
    in_flight: int = IN_FLIGHT,
) -> DeliveryOutcome:
    """Send every report that is due (at most `limit`), one request each.

    The first report goes alone, as a probe: if the hub is down, one request says so. After
    that, up to `in_flight` go at once. The database is written from this thread only.
    """
    outcome = DeliveryOutcome()
    rows = due_reports(db, now, limit)
    wave, start = 1, 0
    with ThreadPoolExecutor(max_workers=max(1, in_flight)) as pool:
        while start < len(rows):
            batch = rows[start : start + wave]
            start += len(batch)
            for row in batch:
                mark_sending(db, row["uuid"])
            answers = list(pool.map(lambda row: _post(client, row), batch))
            stop = False
            for row, answer in zip(batch, answers, strict=True):
                stop |= _record(db, row, answer, now, rng, outcome)
            if stop:
                break
            wave = max(1, in_flight)
    return outcome


def _post(client: HubClient, row: dict) -> dict | HubError:
    """One delivery; the answer's JSON, or the failure (raised on a worker thread)."""
    try:
        answer = client.request(
            "POST",
            "/reports",
            json_body=report_body(row),
            headers={"Idempotency-Key": row["uuid"]},
        )
    except HubError as exc:
        return exc
    try:
        data = answer.json()
    except HubError:
        data = {}
    return data if isinstance(data, dict) else {}


def _record(
    db: Database,
    row: dict,
    answer: dict | HubError,
    now: datetime,
    rng: random.Random | None,
    outcome: DeliveryOutcome,
) -> bool:
    """Write one delivery's outcome; True when the round should stop (the hub is failing)."""
    uuid = row["uuid"]
    if isinstance(answer, HubError):
        if answer.permanent and answer.status not in KIOSK_PROBLEMS:
            mark_rejected(db, uuid, str(answer))
            outcome.rejected += 1
            outcome.errors.append(f"report {row['ref_code']} rejected by the hub: {answer}")
            return False
        mark_retry(db, uuid, str(answer), now, rng)
        outcome.retried += 1
        outcome.errors.append(f"report {row['ref_code']} not delivered: {answer}")
        return True
    request_id = answer.get("service_request_id")
    mark_delivered(db, uuid, str(request_id) if request_id is not None else None, now)
    outcome.delivered += 1
    return False

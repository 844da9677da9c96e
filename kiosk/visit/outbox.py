"""The report outbox: stored durably before the visitor is thanked, delivered exactly once.

States: pending -> sending -> delivered | attention, and back to pending with a later
`next_attempt` after a failure that may pass (full-jitter exponential backoff). Once the hub
acknowledges a report, its personal data is erased here.

A report a visitor was thanked for is never thrown away by the machine. One the hub refuses
to store (a permanent 4xx about the report itself) needs *attention*: it is kept whole,
contact details included, shown on the staff screen and in the heartbeat, and not tried again
by itself (the same refusal would come back). A person decides: send it again once the cause
is fixed (`retry_attention`: the staff screen, `kiosk reports --retry`), or discard it
(`discard`, `kiosk reports --discard REF`: its contact details are erased, the rest is kept
with the time of that decision, so its reference code can still be looked up).
"""

from __future__ import annotations

import json
import random
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlite_utils import Database

from kiosk.infra.store import write_transaction
from kiosk_core.refcodes import new_ref_code
from kiosk_core.reports import ReportDraft

PERSONAL = ("email", "phone", "first_name", "last_name")
BACKOFF_BASE = 30.0
BACKOFF_CAP = 6 * 3600.0


@dataclass(frozen=True)
class SavedReport:
    uuid: str
    ref_code: str
    status_token: str
    created: str


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def save_report(
    db: Database, draft: ReportDraft, kiosk_id: str | None, lang: str, now: datetime
) -> SavedReport:
    """Validate and store in one durable transaction; the same draft twice is one report."""
    clean = draft.validated()
    for _attempt in range(20):
        ref_code = new_ref_code()
        token = secrets.token_urlsafe(16)
        try:
            with write_transaction(db):
                existing = db.execute(
                    "SELECT uuid, ref_code, status_token, created FROM reports WHERE uuid = ?",
                    [clean.uuid],
                ).fetchone()
                if existing:
                    return SavedReport(*existing)
                created = _iso(now)
                db.execute(
                    """INSERT INTO reports (uuid, ref_code, status_token, kiosk_id, lang, created,
                        service_code, description, lat, long, address_string, email, phone,
                        first_name, last_name, attributes, state, attempts, next_attempt)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?)""",
                    [
                        clean.uuid,
                        ref_code,
                        token,
                        kiosk_id,
                        lang,
                        created,
                        clean.service_code,
                        clean.description,
                        clean.lat,
                        clean.long,
                        clean.address_string,
                        clean.email,
                        clean.phone,
                        clean.first_name,
                        clean.last_name,
                        json.dumps(clean.answers, ensure_ascii=False) if clean.answers else None,
                        created,
                    ],
                )
            return SavedReport(clean.uuid, ref_code, token, created)
        except sqlite3.IntegrityError as exc:
            if "ref_code" not in str(exc) and "status_token" not in str(exc):
                raise
    raise RuntimeError("could not find a free reference code")


def list_reports(db: Database, with_contact: bool = False) -> list[dict]:
    hidden = set() if with_contact else set(PERSONAL)
    rows = db.execute("SELECT * FROM reports ORDER BY created, ref_code")
    columns = [c[0] for c in rows.description]
    return [{k: v for k, v in zip(columns, row, strict=True) if k not in hidden} for row in rows]


@dataclass(frozen=True)
class AttentionReport:
    """A report the hub refused, as staff and administrators see it (no personal data)."""

    ref_code: str
    created: str
    service_code: str
    reason: str
    has_contact: bool


def attention_count(db: Database) -> int:
    return db.execute("SELECT COUNT(*) FROM reports WHERE state = 'attention'").fetchone()[0]


ATTENTION_COLUMNS = (
    "ref_code, created, service_code, COALESCE(last_error, ''), email IS NOT NULL "
    "OR phone IS NOT NULL OR first_name IS NOT NULL OR last_name IS NOT NULL"
)


def attention_reports(db: Database, limit: int | None = None) -> list[AttentionReport]:
    """Reports needing attention, oldest first."""
    rows = db.execute(
        f"SELECT {ATTENTION_COLUMNS} FROM reports WHERE state = 'attention' "
        "ORDER BY created, ref_code LIMIT ?",
        [-1 if limit is None else limit],
    )
    return [AttentionReport(r, c, s, e, bool(h)) for r, c, s, e, h in rows]


def outbox_depth(db: Database) -> int:
    row = db.execute("SELECT COUNT(*) FROM reports WHERE state IN ('pending', 'sending')")
    return row.fetchone()[0]


def due_reports(db: Database, now: datetime, limit: int = 50) -> list[dict]:
    """Reports to deliver now: pending and due, or left `sending` by a crashed agent."""
    rows = db.execute(
        "SELECT * FROM reports WHERE state IN ('pending', 'sending') AND next_attempt <= ? "
        "ORDER BY created LIMIT ?",
        [_iso(now), limit],
    )
    columns = [c[0] for c in rows.description]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def mark_sending(db: Database, uuid: str) -> None:
    with write_transaction(db):
        db.execute(
            "UPDATE reports SET state = 'sending', attempts = attempts + 1 "
            "WHERE uuid = ? AND state IN ('pending', 'sending')",
            [uuid],
        )


def mark_delivered(db: Database, uuid: str, service_request_id: str | None, now: datetime) -> None:
    """The hub has it: keep what the receipt needs, erase who sent it."""
    with write_transaction(db):
        db.execute(
            "UPDATE reports SET state = 'delivered', delivered = ?, service_request_id = ?, "
            "last_error = NULL, email = NULL, phone = NULL, first_name = NULL, "
            "last_name = NULL WHERE uuid = ?",
            [_iso(now), service_request_id, uuid],
        )


def mark_attention(db: Database, uuid: str, reason: str) -> None:
    """The hub refused to store it (a permanent 4xx): kept whole, not tried again by itself."""
    with write_transaction(db):
        db.execute(
            "UPDATE reports SET state = 'attention', last_error = ? "
            "WHERE uuid = ? AND state IN ('pending', 'sending')",
            [reason[:500], uuid],
        )


def retry_attention(db: Database, now: datetime) -> int:
    """Send every report needing attention again at the next round, e.g. once the hub was
    fixed; returns how many. A person's decision, never the agent's."""
    with write_transaction(db):
        cursor = db.execute(
            "UPDATE reports SET state = 'pending', attempts = 0, next_attempt = ? "
            "WHERE state = 'attention'",
            [_iso(now)],
        )
    return cursor.rowcount


class NotDiscardable(ValueError):
    """Only a report needing attention may be discarded, and only one that exists."""


def discard(db: Database, ref_code: str, now: datetime, note: str = "") -> AttentionReport:
    """A person decided this refused report is not to be sent: its contact details are
    erased, the rest (and why the hub refused it) kept, so its code can still be looked up."""
    code = ref_code.strip().upper()
    with write_transaction(db):
        row = db.execute(
            f"SELECT state, {ATTENTION_COLUMNS} FROM reports WHERE ref_code = ?", [code]
        ).fetchone()
        if row is None:
            raise NotDiscardable(f"there is no report {ref_code}")
        state, *fields = row
        if state != "attention":
            raise NotDiscardable(f"report {code} is {state}, not in need of attention")
        stamp = f"discarded {_iso(now)}" + (f" ({note})" if note else "")
        db.execute(
            "UPDATE reports SET state = 'discarded', email = NULL, phone = NULL, "
            "first_name = NULL, last_name = NULL, "
            "last_error = ? || COALESCE(': ' || last_error, '') WHERE ref_code = ?",
            [stamp[:200], code],
        )
    return AttentionReport(*fields[:4], bool(fields[4]))


def backoff_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Full jitter: uniform between 0 and the capped exponential step."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** max(0, attempts - 1))
    return (rng or random).uniform(0, ceiling)


def mark_retry(
    db: Database,
    uuid: str,
    error: str,
    now: datetime,
    rng: random.Random | None = None,
    not_before: datetime | None = None,
) -> datetime:
    """A failure that may pass: back to pending, due again after a jittered backoff, or at
    `not_before` when the hub said when (Retry-After)."""
    if not_before is not None:
        due = not_before
    else:
        row = db.execute("SELECT attempts FROM reports WHERE uuid = ?", [uuid]).fetchone()
        attempts = row[0] if row else 1
        due = now + timedelta(seconds=backoff_delay(attempts, rng))
    with write_transaction(db):
        db.execute(
            "UPDATE reports SET state = 'pending', last_error = ?, next_attempt = ? "
            "WHERE uuid = ? AND state IN ('pending', 'sending')",
            [error[:500], _iso(due), uuid],
        )
    return due


def status_url(hub_url: str | None, status_token: str) -> str | None:
    """The receipt's QR code: the report's public status page on the hub."""
    if not hub_url:
        return None
    return f"{str(hub_url).rstrip('/')}/r/{status_token}"

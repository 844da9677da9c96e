"""The agent's recent errors: a short list in sync_state, sent with the next heartbeat.

Bounded, so a kiosk that fails the same way every minute for a month does not grow its
database; each entry says when and in which step, so an administrator reading the hub's fleet
status sees what went wrong without logging in to the kiosk.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlite_utils import Database

from kiosk.infra.store import get_state, set_state, write_transaction

STATE_ERRORS = "errors"
MAX_ERRORS = 20
MAX_LENGTH = 300


def pending_errors(db: Database) -> list[str]:
    raw = get_state(db, STATE_ERRORS)
    return json.loads(raw) if raw else []


def record_error(db: Database, step: str, message: str, now: datetime) -> str:
    """Add one error (the oldest drop out beyond MAX_ERRORS); returns the entry."""
    entry = f"{now.isoformat(timespec='seconds')} {step}: {' '.join(message.split())}"
    entry = entry[:MAX_LENGTH]
    with write_transaction(db):
        errors = [*pending_errors(db), entry][-MAX_ERRORS:]
        set_state(db, STATE_ERRORS, json.dumps(errors, ensure_ascii=False))
    return entry


def forget_errors(db: Database, sent: list[str]) -> None:
    """Drop errors the hub has received; any recorded meanwhile stay."""
    with write_transaction(db):
        errors = pending_errors(db)
        for entry in sent:
            if entry in errors:
                errors.remove(entry)
        set_state(db, STATE_ERRORS, json.dumps(errors, ensure_ascii=False))

"""The heartbeat: how the hub's fleet status knows this kiosk is alive and well.

`last_touch` comes from the touch counters, which the UI keeps per UTC hour: it is the start of
the latest hour with a touch (the exact moment lives only in the UI's memory), enough to tell
a kiosk nobody uses from one whose screen has died.

Reports the hub refused to store (kept on the kiosk, needing attention) go with every
heartbeat until a person has dealt with them: how many, and the oldest ATTENTION_SENT with
their reference codes and the hub's reasons (no personal data), for the fleet page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from kiosk import __version__
from kiosk.infra.store import set_state
from kiosk.sync import STATE_SKEW
from kiosk.sync.client import HubClient
from kiosk.sync.content import active_version
from kiosk.sync.errors import forget_errors, pending_errors
from kiosk.visit.outbox import attention_count, attention_reports, outbox_depth

ATTENTION_SENT = 10
"""Reports needing attention described in a heartbeat at most (the oldest; the count is
always whole)."""
REASON_LENGTH = 300


@dataclass
class HeartbeatOutcome:
    skew: float | None

    def __str__(self) -> str:
        skew = "unknown" if self.skew is None else f"{self.skew:+.1f} s"
        return f"heartbeat sent (clock skew {skew})"


def last_touch(db: Database) -> str | None:
    row = db.execute("SELECT MAX(hour) FROM counters WHERE metric = 'touch'").fetchone()
    return f"{row[0]}:00:00+00:00" if row and row[0] else None


def heartbeat_body(
    db: Database, data_dir: Path, now: datetime, errors: list[str], uptime: float
) -> dict:
    return {
        "sent_at": now.isoformat(timespec="seconds"),
        "content_version": active_version(data_dir),
        "outbox_depth": outbox_depth(db),
        "last_touch": last_touch(db),
        "uptime": int(uptime),
        "app_version": __version__,
        "errors": errors,
        "attention": attention_count(db),
        "attention_reports": [
            {
                "ref_code": report.ref_code,
                "created": report.created,
                "service_code": report.service_code,
                "reason": report.reason[:REASON_LENGTH],
            }
            for report in attention_reports(db, ATTENTION_SENT)
        ],
    }


def send_heartbeat(
    client: HubClient, db: Database, data_dir: Path, now: datetime, uptime: float
) -> HeartbeatOutcome:
    """POST /heartbeat with the pending errors; once the hub has them they are forgotten."""
    errors = pending_errors(db)
    body = heartbeat_body(db, data_dir, now, errors, uptime)
    data = client.request("POST", "/heartbeat", json_body=body).json()
    forget_errors(db, errors)
    skew = None
    try:
        server_time = datetime.fromisoformat(data["server_time"])
        skew = (server_time - now).total_seconds()
        set_state(db, STATE_SKEW, f"{skew:.1f}")
    except (KeyError, TypeError, ValueError):
        pass
    return HeartbeatOutcome(skew)

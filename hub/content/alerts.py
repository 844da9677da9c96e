"""Urgent notices from the town hall (a water main failure, a storm warning) for the kiosks.

Staff write an alert on the hub; it reaches the kiosks inside a release's content.json, as an
alert the kiosk shows as a banner while it is valid. The hub's alerts live in the `alerts`
table and are merged into every release the hub publishes (`merge_alerts`), named `hub-<id>`
so that they never collide with the alerts of the content source. Creating or withdrawing one
is followed by a new release (`hub.content.releases.republish`); an expired one needs none,
since each kiosk hides an alert at its `valid_until` by itself.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Connection, select, update

from hub.db import alerts
from hub.errors import Conflict, Invalid, NotFound
from hub.fleet.kiosks import list_kiosks
from hub.times import EARLIEST, OutOfRange, aware, bounded, iso, parse
from kiosk_core.i18n import N_

SEVERITIES = ("info", "warning", "danger")
LANGUAGES = ("pl", "uk", "en", "de", "cs")
"""Polish first (required), then the languages visitors most often need here."""
MAX_TEXT = 500
"""Characters per language: a banner is read in passing, not studied."""
MAX_DURATION = timedelta(days=366)
"""A year at most, so a mistyped year does not keep a banner up for decades."""
CONTENT_PREFIX = "hub-"
"""The hub's alerts in content.json are `hub-<id>`; a source tree's alerts never use this."""
MAX_TARGETS = 500
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class HubAlert:
    id: str
    severity: str
    text: dict[str, str]
    kiosks: list[str]
    groups: list[str]
    valid_from: datetime | None
    valid_until: datetime
    created: datetime
    created_by: str | None
    withdrawn: datetime | None

    @property
    def content_id(self) -> str:
        return CONTENT_PREFIX + self.id

    def state(self, now: datetime) -> str:
        """withdrawn, expired, scheduled (not started yet) or active."""
        if self.withdrawn is not None:
            return "withdrawn"
        if aware(now) >= self.valid_until:
            return "expired"
        if self.valid_from is not None and aware(now) < self.valid_from:
            return "scheduled"
        return "active"

    def on_air(self, now: datetime) -> bool:
        """Whether releases carry it: not withdrawn and not expired (may not have started)."""
        return self.state(now) in ("active", "scheduled")

    def as_content(self) -> dict:
        """The alert as content.json holds it (kiosk_core.content.model.Alert)."""
        return {
            "id": self.content_id,
            "severity": self.severity,
            "text": dict(self.text),
            "kiosks": list(self.kiosks),
            "groups": list(self.groups),
            "valid_from": iso(self.valid_from) if self.valid_from else None,
            "valid_until": iso(self.valid_until),
        }


@dataclass(frozen=True)
class AlertDraft:
    """What staff typed in; `create` checks every part of it."""

    severity: str
    text: dict[str, str]
    valid_until: datetime | None
    """None when what was typed is not a date and time."""
    valid_from: datetime | None = None
    kiosks: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class FieldProblem:
    """What is wrong with one field: an English message id and its values (for the page)."""

    field: str
    message: str
    values: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.field}: {self.message.format(**self.values)}"


class AlertInvalid(Invalid):
    """The draft has problems; all of them are in `fields`."""

    def __init__(self, fields: list[FieldProblem]):
        super().__init__("the alert is not valid", [str(p) for p in fields])
        self.fields = fields


def _from_row(row) -> HubAlert:
    return HubAlert(
        id=row.id,
        severity=row.severity,
        text=json.loads(row.text),
        kiosks=json.loads(row.kiosks),
        groups=json.loads(row.groups),
        valid_from=parse(row.valid_from),
        valid_until=parse(row.valid_until),
        created=parse(row.created),
        created_by=row.created_by,
        withdrawn=parse(row.withdrawn),
    )


def _clean_text(raw: dict[str, str], problems: list[FieldProblem]) -> dict[str, str]:
    text = {}
    for lang, value in raw.items():
        if lang not in LANGUAGES:
            problems.append(FieldProblem(f"text_{lang}", N_("Unknown language.")))
            continue
        # A banner is one line: line breaks and runs of spaces become single spaces.
        value = " ".join(str(value or "").replace("\x00", " ").split())
        if _CONTROL.search(value):
            problems.append(
                FieldProblem(f"text_{lang}", N_("The text contains control characters."))
            )
        elif len(value) > MAX_TEXT:
            problems.append(
                FieldProblem(
                    f"text_{lang}",
                    N_("At most {limit} characters; this text has {length}."),
                    {"limit": MAX_TEXT, "length": len(value)},
                )
            )
        if value:
            text[lang] = value
    if "pl" not in text and not any(p.field == "text_pl" for p in problems):
        problems.append(FieldProblem("text_pl", N_("The Polish text is required.")))
    return {lang: text[lang] for lang in LANGUAGES if lang in text}


def _check_targets(
    conn: Connection, draft: AlertDraft, problems: list[FieldProblem]
) -> tuple[list[str], list[str]]:
    known = list_kiosks(conn)
    kiosk_ids = {k.id for k in known}
    group_ids = {g for k in known for g in k.groups}
    chosen_kiosks = sorted(set(draft.kiosks))
    chosen_groups = sorted(set(draft.groups))
    if len(chosen_kiosks) + len(chosen_groups) > MAX_TARGETS:
        problems.append(FieldProblem("kiosks", N_("Too many kiosks and groups chosen.")))
        return [], []
    for ident in chosen_kiosks:
        if ident not in kiosk_ids:
            problems.append(FieldProblem("kiosks", N_("Unknown kiosk {id}."), {"id": ident}))
    for ident in chosen_groups:
        if ident not in group_ids:
            problems.append(FieldProblem("groups", N_("Unknown group {id}."), {"id": ident}))
    return chosen_kiosks, chosen_groups


def _moment(moment: datetime | None) -> datetime | None:
    """A form's time in UTC; one past the hub's range (`hub.times.bounded`) is kept as it is,
    without converting it (that would overflow): the checks below refuse it as too early
    (before the range) or as too long an alert (after it)."""
    if moment is None:
        return None
    try:
        return bounded(moment)
    except OutOfRange:
        return moment


def check_draft(conn: Connection, draft: AlertDraft, now: datetime) -> AlertDraft:
    """The draft cleaned up (text trimmed, targets sorted); raises AlertInvalid listing
    every problem, so staff fix them all in one round."""
    problems: list[FieldProblem] = []
    if draft.severity not in SEVERITIES:
        problems.append(FieldProblem("severity", N_("Choose how urgent the alert is.")))
    text = _clean_text(draft.text, problems)
    until = _moment(draft.valid_until)
    start = bounded(draft.valid_from, "valid_from") if draft.valid_from else None
    if until is None:
        problems.append(FieldProblem("valid_until", N_("Enter the date and time of the expiry.")))
    elif until.year < EARLIEST.year or until <= aware(now):
        problems.append(FieldProblem("valid_until", N_("The expiry must be in the future.")))
    elif start is not None and until <= start:
        problems.append(FieldProblem("valid_until", N_("The expiry must be after the start.")))
    elif until - max(start or aware(now), aware(now)) > MAX_DURATION:
        problems.append(FieldProblem("valid_until", N_("An alert may last at most a year.")))
    kiosks, groups = _check_targets(conn, draft, problems)
    if problems:
        raise AlertInvalid(problems)
    return AlertDraft(draft.severity, text, until, start, kiosks, groups)


def create(
    conn: Connection, draft: AlertDraft, now: datetime, created_by: str | None
) -> tuple[HubAlert, bool]:
    """Store a new alert; returns it and whether it is new.

    The same alert sent twice (a double click, a reloaded form) is stored once: an identical
    alert that is still on the air is returned instead of a second banner."""
    draft = check_draft(conn, draft, now)
    for existing in on_air(conn, now):
        if _same(existing, draft):
            return existing, False
    while True:
        alert_id = secrets.token_hex(4)
        if conn.scalar(select(alerts.c.id).where(alerts.c.id == alert_id)) is None:
            break
    conn.execute(
        alerts.insert().values(
            id=alert_id,
            severity=draft.severity,
            text=json.dumps(draft.text, ensure_ascii=False),
            kiosks=json.dumps(draft.kiosks),
            groups=json.dumps(draft.groups),
            valid_from=iso(draft.valid_from) if draft.valid_from else None,
            valid_until=iso(draft.valid_until),
            created=iso(now),
            created_by=created_by,
            withdrawn=None,
        )
    )
    return get_alert(conn, alert_id), True


def _same(alert: HubAlert, draft: AlertDraft) -> bool:
    mine = (alert.severity, alert.text, alert.kiosks, alert.groups, alert.valid_from)
    theirs = (draft.severity, draft.text, draft.kiosks, draft.groups, draft.valid_from)
    return mine == theirs and alert.valid_until == draft.valid_until


def get_alert(conn: Connection, alert_id: str) -> HubAlert:
    row = conn.execute(select(alerts).where(alerts.c.id == alert_id)).first()
    if row is None:
        raise NotFound(f"no alert {alert_id!r}")
    return _from_row(row)


def all_alerts(conn: Connection) -> list[HubAlert]:
    """Every alert the hub ever had, newest first."""
    rows = conn.execute(select(alerts).order_by(alerts.c.created.desc(), alerts.c.id))
    return [_from_row(r) for r in rows]


def list_alerts(conn: Connection, now: datetime, past: int = 50) -> list[HubAlert]:
    """Alerts on the air first (soonest expiry first), then the `past` most recent expired or
    withdrawn ones, newest first."""
    everything = all_alerts(conn)
    current = sorted((a for a in everything if a.on_air(now)), key=lambda a: a.valid_until)
    gone = [a for a in everything if not a.on_air(now)][:past]
    return current + gone


def on_air(conn: Connection, now: datetime) -> list[HubAlert]:
    """The alerts every release must carry now."""
    return [a for a in all_alerts(conn) if a.on_air(now)]


def withdraw(conn: Connection, alert_id: str, now: datetime) -> HubAlert:
    """Take an alert off the kiosks before its expiry (publish a release afterwards)."""
    alert = get_alert(conn, alert_id)
    if alert.withdrawn is not None:
        raise Conflict(f"alert {alert_id} was already withdrawn")
    if alert.state(now) == "expired":
        raise Conflict(f"alert {alert_id} has already expired")
    conn.execute(update(alerts).where(alerts.c.id == alert_id).values(withdrawn=iso(now)))
    return get_alert(conn, alert_id)


def merge_alerts(content: dict, hub_alerts: list[HubAlert], now: datetime) -> dict:
    """content.json (parsed) with the hub's alerts on the air added to the source's own.

    Any earlier copy of one of `hub_alerts` in the document is dropped first (a rolled-back
    release may carry one that has since been withdrawn), so the result always shows exactly
    the hub's alerts that are on the air now. Returns `content` itself when nothing changes."""
    ours = {a.content_id for a in hub_alerts}
    kept = [a for a in content.get("alerts", []) if a.get("id") not in ours]
    added = [a.as_content() for a in sorted(hub_alerts, key=lambda a: a.id) if a.on_air(now)]
    merged = kept + added
    if merged == content.get("alerts", []):
        return content
    return {**content, "alerts": merged}

"""Where reports go, who may change it, and the record of every change.

A report's personal details (name, e-mail, phone) go to its category's department e-mail and,
for a forwarded category, to the city's own Open311 system. Publishing content is an editor's
right; changing where reports go is an administrator's: a release that would change any
category's `department` or `department_email`, or add a category (whose reports would go
somewhere new), is refused unless an administrator publishes it, however it is published
(the web form, `kiosk-hub publish`, a rollback). Removing a category is not a change of
routing: its reports can no longer be filed, and late ones wait unsorted at the hub.

Every change an administrator makes (in a release, or of a forwarding setting) is recorded
here — when, by whom, which category, which field, old and new value — and shown to
administrators. An api key is recorded masked, never in full.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from hub.db import routing_changes
from hub.errors import Forbidden
from hub.times import iso, parse
from kiosk_core.content.model import Content, ReportCategory, tr
from kiosk_core.i18n import N_

CATEGORY_FIELDS = ("department", "department_email")
FORWARD_FIELDS = (
    "forward_endpoint",
    "forward_service_code",
    "forward_jurisdiction",
    "forward_api_key",
)
FIELD_NAMES = {
    "department": N_("department"),
    "department_email": N_("department e-mail"),
    "forward_endpoint": N_("forwarding: the city's endpoint"),
    "forward_service_code": N_("forwarding: the city's service code"),
    "forward_jurisdiction": N_("forwarding: jurisdiction"),
    "forward_api_key": N_("forwarding: api key"),
}
"""What a field is called on the pages (English message ids)."""
MAX_ACTOR = 200


@dataclass(frozen=True)
class RoutingChange:
    """One field of one category's routing, before and after (None: there was none)."""

    service_code: str
    field: str
    old: str | None
    new: str | None

    def describe(self) -> str:
        """In words for the command line and API answers (department names in Polish)."""
        return f"{self.service_code}: {self.field} {plain(self.old)} -> {plain(self.new)}"


@dataclass(frozen=True)
class RecordedChange(RoutingChange):
    at: datetime
    actor: str | None
    release: int | None


class RoutingRefused(Forbidden):
    """Somebody who may publish content but not change routing tried to change routing."""

    def __init__(self, changes: list[RoutingChange]):
        codes = sorted({c.service_code for c in changes})
        super().__init__(
            "only an administrator may change where reports go; this release changes the "
            f"routing of: {', '.join(codes)}",
            [c.describe() for c in changes],
        )
        self.changes = changes


def department_value(category: ReportCategory) -> str:
    """The department as stored in the record: every language, as JSON."""
    return json.dumps(dict(category.department), ensure_ascii=False, sort_keys=True)


def routing_of(content: Content | None) -> dict[str, dict[str, str]]:
    """Each category's routing fields by service code."""
    if content is None:
        return {}
    return {
        c.service_code: {
            "department": department_value(c),
            "department_email": str(c.department_email),
        }
        for c in content.report_categories
    }


def release_changes(old: Content | None, new: Content) -> list[RoutingChange]:
    """What publishing `new` over `old` changes in where reports go: changed fields of kept
    categories, and both fields of added ones; in the new release's order."""
    before = routing_of(old)
    changes = []
    for code, fields in routing_of(new).items():
        was = before.get(code, {})
        for name in CATEGORY_FIELDS:
            if was.get(name) != fields[name]:
                changes.append(RoutingChange(code, name, was.get(name), fields[name]))
    return changes


def forward_changes(
    service_code: str, old: dict[str, str | None] | None, new: dict[str, str | None] | None
) -> list[RoutingChange]:
    """What a change of a category's forwarding settings changes (None: not forwarded);
    the settings by FORWARD_FIELDS name, the api key already masked."""
    before, after = old or {}, new or {}
    return [
        RoutingChange(service_code, name, before.get(name), after.get(name))
        for name in FORWARD_FIELDS
        if before.get(name) != after.get(name)
    ]


def check_may_route(changes: list[RoutingChange], may_route: bool) -> None:
    """Refuse routing changes by somebody who may not make them."""
    if changes and not may_route:
        raise RoutingRefused(changes)


def record(
    conn: Connection,
    changes: Iterable[RoutingChange],
    actor: str | None,
    now: datetime,
    release: int | None = None,
) -> int:
    """Keep the changes in the record; returns how many."""
    rows = [
        {
            "at": iso(now),
            "actor": (actor or "")[:MAX_ACTOR] or None,
            "service_code": c.service_code,
            "field": c.field,
            "old": c.old,
            "new": c.new,
            "release": release,
        }
        for c in changes
    ]
    if rows:
        conn.execute(routing_changes.insert(), rows)
    return len(rows)


def recorded(
    conn: Connection, limit: int = 200, since: datetime | None = None
) -> list[RecordedChange]:
    """The latest recorded changes, newest first."""
    query = select(routing_changes).order_by(
        routing_changes.c.at.desc(), routing_changes.c.id.desc()
    )
    if since is not None:
        query = query.where(routing_changes.c.at >= iso(since))
    return [
        RecordedChange(r.service_code, r.field, r.old, r.new, parse(r.at), r.actor, r.release)
        for r in conn.execute(query.limit(limit))
    ]


def count_since(conn: Connection, since: datetime) -> int:
    return (
        conn.scalar(
            select(func.count())
            .select_from(routing_changes)
            .where(routing_changes.c.at >= iso(since))
        )
        or 0
    )


RECENT = timedelta(days=7)
"""The administrators' start page mentions changes this recent."""


def shown(value: str | None, lang: str) -> str | None:
    """A recorded value for a reader of `lang`: a department in their language."""
    if value is None or not value.startswith("{"):
        return value
    try:
        text = json.loads(value)
    except ValueError:
        return value
    return tr(text, lang) if isinstance(text, dict) else value


def plain(value: str | None) -> str:
    return repr(shown(value, "pl")) if value is not None else "(none)"

"""Which report categories are forwarded to the city's Open311 system, as administrators set
them (`kiosk-hub forward`, the forwarding page): a service code → the city's endpoint, api key,
service code and jurisdiction (`forward_targets`). Every change is recorded as a change of
where reports go (`hub.reports.routingchanges`); sending is `hub.sending.forwarding`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import Connection, Row, delete, func, select

from hub.content.blobs import BlobStore
from hub.content.releases import service_codes
from hub.db import deliveries, forward_targets, reports
from hub.errors import FieldRefused, NotFound
from hub.reports import routingchanges
from hub.sending.forwarding import CHANNEL
from hub.times import iso
from kiosk_core.i18n import N_

MAX_ENDPOINT = 500
MAX_CODE = 64
MAX_KEY = 500
MAX_JURISDICTION = 200


@dataclass(frozen=True)
class Configured:
    """What `add_target` did: the row, whether it replaced one, and what to be careful of."""

    service_code: str
    endpoint: str
    replaced: bool
    warnings: list[str]
    stranded: int = 0
    """Reports still queued for the endpoint this one replaced: they will fail."""


FIELD_NAMES = {
    "service_code": "SERVICE_CODE",
    "endpoint": "the endpoint",
    "api_key": "the api key",
    "remote_service_code": "the remote service code",
    "jurisdiction_id": "the jurisdiction",
}


class TargetRefused(FieldRefused):
    """A refused forwarding setting; its `detail` (what the CLI prints) names the field."""

    def __init__(self, field: str, message: str, **values: object):
        detail = f"{FIELD_NAMES[field]}: {message.format(**values)}"
        super().__init__(field, message, detail, **values)


def check_endpoint(url: str) -> str:
    """An Open311 base URL (http or https, a host, no query, no password), without a
    trailing slash; TargetRefused otherwise."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(
            "endpoint",
            N_("The endpoint must be an http or https URL, e.g. {example}"),
            example="https://city.example/open311/v2",
        )
    if parts.query or parts.fragment or any(not c.isprintable() or c.isspace() for c in url):
        raise TargetRefused(
            "endpoint",
            N_("The endpoint is a base URL without a query or spaces, e.g. {example}"),
            example="https://city.example/open311/v2",
        )
    if parts.username or parts.password:
        raise TargetRefused(
            "endpoint",
            N_("The endpoint must not carry a user or password: the api key has its own field."),
        )
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        raise TargetRefused("endpoint", N_("The endpoint's port is not valid.")) from None
    url = url.rstrip("/")
    if len(url) > MAX_ENDPOINT:
        raise TargetRefused("endpoint", N_("At most {count} characters."), count=MAX_ENDPOINT)
    return url


def plain_http(url: str) -> bool:
    """Whether the api key and residents' contact details would travel unencrypted (plain
    http to anything but this machine)."""
    host = urlsplit(url).hostname or ""
    return url.startswith("http://") and host not in ("localhost", "127.0.0.1", "::1")


def _field(field: str, value: str | None, limit: int, required: bool = True) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise TargetRefused(field, N_("This field is required."))
        return None
    if len(value) > limit:
        raise TargetRefused(field, N_("At most {count} characters."), count=limit)
    if any(not c.isprintable() for c in value):
        raise TargetRefused(field, N_("Control characters are not allowed."))
    return value


def add_target(
    conn: Connection,
    blobs: BlobStore,
    service_code: str,
    endpoint: str,
    api_key: str | None,
    remote_service_code: str,
    jurisdiction_id: str | None,
    now: datetime,
    by: str | None = None,
) -> Configured:
    """Forward reports of `service_code` to the city's endpoint (replacing an earlier target
    of the same code; an empty `api_key` then keeps the earlier key). Reports received from
    now on are forwarded; earlier ones are not. What changed is recorded as done `by` whom
    (`hub.reports.routingchanges`)."""
    code = _field("service_code", service_code, MAX_CODE)
    url = check_endpoint(endpoint)
    old = conn.execute(
        select(forward_targets).where(forward_targets.c.service_code == code)
    ).first()
    if old is not None and not (api_key or "").strip():
        api_key = old.api_key
    key = _field("api_key", api_key, MAX_KEY)
    if any(c.isspace() for c in key):
        raise TargetRefused("api_key", N_("The api key cannot contain spaces."))
    remote = _field("remote_service_code", remote_service_code, MAX_CODE)
    jurisdiction = _field("jurisdiction_id", jurisdiction_id, MAX_JURISDICTION, required=False)
    warnings = []
    if code not in service_codes(conn, blobs):
        warnings.append(
            f"{code!r} is not a report category of the latest release: nothing is forwarded "
            "until a release has it"
        )
    if plain_http(url):
        warnings.append(
            "the endpoint is plain http: the api key and residents' contact details travel "
            "unencrypted"
        )
    pending = 0
    if old is not None and old.endpoint != url:
        pending = _pending(conn, code, old.endpoint)
        if pending:
            warnings.append(
                f"{pending} report(s) still queued for {old.endpoint} will fail: pass them on "
                "by hand"
            )
    values = dict(
        endpoint=url,
        api_key=key,
        remote_service_code=remote,
        jurisdiction_id=jurisdiction,
        enabled=True,
    )
    if old is None:
        conn.execute(forward_targets.insert().values(service_code=code, created=iso(now), **values))
    else:
        conn.execute(
            forward_targets.update().where(forward_targets.c.service_code == code).values(**values)
        )
    routingchanges.record(
        conn,
        routingchanges.forward_changes(code, _recorded(old), _recorded(values, old)),
        by,
        now,
    )
    return Configured(code, url, old is not None, warnings, pending)


def _recorded(target: Row | dict | None, before: Row | None = None) -> dict | None:
    """A forward target's settings as the routing record keeps them: the api key masked (and
    marked new when a different key masks the same as the one it replaces)."""
    if target is None:
        return None
    get = target.get if isinstance(target, dict) else target._mapping.get
    key = get("api_key") or ""
    shown = masked(key)
    if before is not None and before.api_key != key and masked(before.api_key) == shown:
        shown += " (new key)"
    return {
        "forward_endpoint": get("endpoint"),
        "forward_service_code": get("remote_service_code"),
        "forward_jurisdiction": get("jurisdiction_id"),
        "forward_api_key": shown,
    }


def _pending(conn: Connection, service_code: str, endpoint: str) -> int:
    """Deliveries not yet POSTed to `endpoint` for reports of this code."""
    return conn.scalar(
        select(func.count())
        .select_from(deliveries.join(reports, reports.c.id == deliveries.c.report_id))
        .where(
            deliveries.c.channel == CHANNEL,
            deliveries.c.target == endpoint,
            deliveries.c.state == "pending",
            reports.c.service_code == service_code,
        )
    )


def list_targets(conn: Connection) -> list[Row]:
    """Every forwarded category, by service code."""
    return conn.execute(select(forward_targets).order_by(forward_targets.c.service_code)).all()


def remove_target(conn: Connection, service_code: str, now: datetime, by: str | None = None) -> int:
    """Stop forwarding `service_code`; returns how many queued reports will now fail. The
    change is recorded as done `by` whom."""
    row = conn.execute(
        select(forward_targets).where(forward_targets.c.service_code == service_code)
    ).first()
    if row is None:
        raise NotFound(f"{service_code!r} is not forwarded (kiosk-hub forward list)")
    pending = _pending(conn, service_code, row.endpoint)
    conn.execute(delete(forward_targets).where(forward_targets.c.service_code == service_code))
    changes = routingchanges.forward_changes(service_code, _recorded(row), None)
    routingchanges.record(conn, changes, by, now)
    return pending


def delivery_counts(conn: Connection) -> dict[str, dict[str, int]]:
    """Per forwarded category: its reports' deliveries to its current endpoint, by state
    (pending, waiting, done, failed), so an administrator sees what is stuck."""
    rows = conn.execute(
        select(forward_targets.c.service_code, deliveries.c.state, func.count())
        .select_from(
            forward_targets.join(
                reports, reports.c.service_code == forward_targets.c.service_code
            ).join(
                deliveries,
                (deliveries.c.report_id == reports.c.id)
                & (deliveries.c.channel == CHANNEL)
                & (deliveries.c.target == forward_targets.c.endpoint),
            )
        )
        .group_by(forward_targets.c.service_code, deliveries.c.state)
    )
    counts: dict[str, dict[str, int]] = {}
    for code, state, count in rows:
        counts.setdefault(code, {"pending": 0, "waiting": 0, "done": 0, "failed": 0})[state] = count
    return counts


def masked(api_key: str) -> str:
    """Enough of a key to tell two apart, never enough to use it."""
    return f"…{api_key[-4:]}" if len(api_key) >= 16 else "…"

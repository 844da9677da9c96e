"""Where a new report goes: its category's department by e-mail, and the city's own system.

Called in the transaction that stores the report, so a report is never stored without its
deliveries queued (nor the other way round); the deliveries themselves are sent later by
`hub.sending.deliveries`. Only a new report is routed: a kiosk's replay of one already stored
is not.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection, select

from hub.content.releases import report_categories
from hub.db import forward_targets
from hub.sending import deliveries

if TYPE_CHECKING:
    from hub.context import Hub

log = logging.getLogger(__name__)

EMAIL = "email"
OPEN311 = "open311"


@dataclass(frozen=True)
class Routed:
    """What was queued for the report (empty when nothing applies)."""

    email: str | None = None
    """The department's address, when e-mail is configured and the category is known."""
    open311: str | None = None
    """The city's Open311 endpoint, when the category is forwarded there."""


def route_new_report(
    conn: Connection, report_id: int, service_code: str, now: datetime, hub: Hub
) -> Routed:
    """Queue the e-mail to the category's department (only when the hub has SMTP settings)
    and, when the category has an enabled forward target, the Open311 forwarding. The caller
    has just stored the report, of `service_code`."""
    email = None
    if hub.settings.smtp is not None:
        category = report_categories(conn, hub.blobs).get(service_code)
        if category is None:
            # Only possible for a category dropped from the latest release after the report
            # was checked against it; staff still see the report in their inbox.
            log.warning("report %s: category %r has no department", report_id, service_code)
        else:
            email = str(category.department_email)
            deliveries.enqueue(conn, report_id, EMAIL, email, now)
    target = conn.execute(
        select(forward_targets.c.endpoint).where(
            forward_targets.c.service_code == service_code,
            forward_targets.c.enabled.is_(True),
        )
    ).first()
    endpoint = None
    if target is not None:
        endpoint = target.endpoint
        deliveries.enqueue(conn, report_id, OPEN311, endpoint, now)
    return Routed(email, endpoint)

"""PUT /stats (kiosk: whole-hour totals) and GET /stats/export (admin: CSV or XLSX)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from hub.deps import CallDep
from hub.statistics import export, stats

router = APIRouter(tags=["statistics"])


@router.put("/stats")
async def put_stats(body: stats.StatsUpload, call: CallDep) -> dict:
    hub = call.hub
    with call.as_caller("kiosk") as (conn, caller):
        stored = stats.store_hours(
            conn, caller.kiosk_id, body.hours, hub.settings.timezone, hub.now()
        )
    return {"stored": stored}


@router.get("/stats/export")
def get_export(
    call: CallDep,
    start: Annotated[date, Query(alias="from")],
    end: Annotated[date, Query(alias="to")],
    by: Literal["hour", "day", "month"] = "day",
    kiosk: str | None = None,
    group: str | None = None,
    metric: str | None = None,
    format: Literal["csv", "xlsx"] = "csv",
) -> Response:
    """Totals per kiosk, period, metric and key for local dates from..to (inclusive), of
    one kiosk or one group's kiosks, of one metric or all."""
    with call.as_caller("admin") as (conn, _caller):
        rows = stats.aggregate(conn, start, end, by, kiosk, group, metric)
    name = export.filename(start, end, by, format, kiosk or (group and f"group-{group}"))
    return Response(
        export.render(rows, format),
        media_type=export.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )

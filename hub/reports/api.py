"""POST /reports and POST /reports/batch: a kiosk delivers problem reports, as often as it
takes. Both answers carry `Kiosk-Report-Batch: <n>`, so a kiosk that sent its first report
alone learns that this hub takes batches of up to n reports. New reports beyond the kiosk's
hourly limit are answered 429 with Retry-After (see `hub.reports.intake`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response
from sqlalchemy import Connection

from hub.content import releases
from hub.deps import Call, CallDep
from hub.reports.intake import BATCH_MAX, KioskQuota, ReportBatchIn, ReportIn, submit, submit_batch

router = APIRouter(tags=["reports"])

BATCH_HEADER = "Kiosk-Report-Batch"


@router.post("/reports", status_code=201)
async def post_report(
    body: ReportIn,
    response: Response,
    call: CallDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> dict:
    with call.as_caller("kiosk") as (conn, caller):
        categories = releases.report_categories(conn, call.hub.blobs)
        now = call.hub.now()
        quota = _quota(conn, caller.kiosk_id, call, now)
        receipt = submit(
            conn, caller.kiosk_id, idempotency_key, body, categories, now, call.hub, quota
        )
    if not receipt.new:
        response.status_code = 200
    response.headers[BATCH_HEADER] = str(BATCH_MAX)
    return {"service_request_id": receipt.service_request_id}


@router.post("/reports/batch")
def post_report_batch(body: ReportBatchIn, response: Response, call: CallDep) -> dict:
    # A plain `def`, in the threadpool: a full batch takes tens of milliseconds, too long to
    # hold the event loop (see hub/deps.py); the transaction still runs in this one thread.
    with call.as_caller("kiosk") as (conn, caller):
        categories = releases.report_categories(conn, call.hub.blobs)
        now = call.hub.now()
        quota = _quota(conn, caller.kiosk_id, call, now)
        results = submit_batch(
            conn, caller.kiosk_id, body.reports, categories, now, call.hub, quota
        )
    response.headers[BATCH_HEADER] = str(BATCH_MAX)
    return {"results": results}


def _quota(conn: Connection, kiosk_id: str, call: Call, now: datetime) -> KioskQuota:
    return KioskQuota.count(conn, kiosk_id, call.hub.settings.reports_per_kiosk_hour, now)

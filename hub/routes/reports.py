"""POST /reports and POST /reports/batch: a kiosk delivers problem reports, as often as it
takes. Both answers carry `Kiosk-Report-Batch: <n>`, so a kiosk that sent its first report
alone learns that this hub takes batches of up to n reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from hub import releases
from hub.deps import CallDep
from hub.reports import BATCH_MAX, ReportBatchIn, ReportIn, submit, submit_batch

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
        codes = releases.service_codes(conn, call.hub.blobs)
        now = call.hub.now()
        receipt = submit(conn, caller.kiosk_id, idempotency_key, body, codes, now, call.hub)
    if not receipt.new:
        response.status_code = 200
    response.headers[BATCH_HEADER] = str(BATCH_MAX)
    return {"service_request_id": receipt.service_request_id}


@router.post("/reports/batch")
def post_report_batch(body: ReportBatchIn, response: Response, call: CallDep) -> dict:
    # A plain `def`, in the threadpool: a full batch takes tens of milliseconds, too long to
    # hold the event loop (see hub/deps.py); the transaction still runs in this one thread.
    with call.as_caller("kiosk") as (conn, caller):
        codes = releases.service_codes(conn, call.hub.blobs)
        now = call.hub.now()
        results = submit_batch(conn, caller.kiosk_id, body.reports, codes, now, call.hub)
    response.headers[BATCH_HEADER] = str(BATCH_MAX)
    return {"results": results}

"""POST /reports: a kiosk delivers a problem report, as often as it takes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Response

from hub import releases
from hub.deps import CallDep
from hub.reports import ReportIn, submit

router = APIRouter(tags=["reports"])


@router.post("/reports", status_code=201)
async def post_report(
    body: ReportIn,
    response: Response,
    call: CallDep,
    idempotency_key: Annotated[str | None, Header()] = None,
) -> dict:
    with call.as_caller("kiosk") as (conn, caller):
        codes = releases.service_codes(conn, call.hub.blobs)
        receipt = submit(conn, caller.kiosk_id, idempotency_key, body, codes, call.hub.now())
    if not receipt.new:
        response.status_code = 200
    return {"service_request_id": receipt.service_request_id}

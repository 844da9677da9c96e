"""The fleet in the kiosks' API: POST /enroll (a kiosk spends its one-time token for a bearer
token and the public key), POST /heartbeat (a kiosk says it is alive and what it is showing),
GET /kiosks (admin: fleet status) and GET /health (is the hub up, for monitors)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from hub import __version__
from hub.deps import CallDep
from hub.fleet import heartbeats
from hub.fleet.kiosks import enroll
from hub.times import iso

router = APIRouter()
MINUTES_PER_YEAR = 365 * 24 * 60


class EnrolIn(BaseModel):
    token: Annotated[str, Field(min_length=1, max_length=200)]


@router.post("/enroll", tags=["enrolment"])
def post_enroll(body: EnrolIn, call: CallDep) -> dict:
    with call.transaction() as conn:
        return enroll(conn, body.token, call.hub.signer.public_key, call.hub.now())


@router.post("/heartbeat", tags=["fleet"])
async def post_heartbeat(body: heartbeats.Heartbeat, call: CallDep) -> dict:
    now = call.hub.now()
    with call.as_caller("kiosk") as (conn, caller):
        heartbeats.record(conn, caller.kiosk_id, body, now)
    return {"server_time": iso(now)}


@router.get("/kiosks", tags=["fleet"])
def get_kiosks(
    call: CallDep,
    offline_after: Annotated[
        int | None, Query(ge=1, le=MINUTES_PER_YEAR, description="minutes")
    ] = None,
) -> dict:
    hub = call.hub
    after = timedelta(minutes=offline_after) if offline_after else hub.settings.offline_after
    with call.as_caller("admin") as (conn, _caller):
        kiosks = heartbeats.status(conn, hub.now(), after)
    return {"kiosks": [k.as_json() for k in kiosks]}


@router.get("/health", tags=["fleet"])
async def get_health() -> dict:
    return {"status": "ok", "version": __version__}

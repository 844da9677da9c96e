"""POST /heartbeat: a kiosk says it is alive and what it is showing."""

from __future__ import annotations

from fastapi import APIRouter

from hub import fleet
from hub.deps import CallDep
from hub.times import iso

router = APIRouter(tags=["fleet"])


@router.post("/heartbeat")
async def post_heartbeat(body: fleet.Heartbeat, call: CallDep) -> dict:
    now = call.hub.now()
    with call.as_caller("kiosk") as (conn, caller):
        fleet.record(conn, caller.kiosk_id, body, now)
    return {"server_time": iso(now)}

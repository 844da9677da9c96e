"""GET /kiosks (admin): fleet status; GET /health: is the hub up (for monitors)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from hub import __version__, fleet
from hub.deps import CallDep

router = APIRouter(tags=["fleet"])
MINUTES_PER_YEAR = 365 * 24 * 60


@router.get("/kiosks")
def get_kiosks(
    call: CallDep,
    offline_after: Annotated[
        int | None, Query(ge=1, le=MINUTES_PER_YEAR, description="minutes")
    ] = None,
) -> dict:
    hub = call.hub
    after = timedelta(minutes=offline_after) if offline_after else hub.settings.offline_after
    with call.as_caller("admin") as (conn, _caller):
        kiosks = fleet.status(conn, hub.now(), after)
    return {"kiosks": [k.as_json() for k in kiosks]}


@router.get("/health")
async def get_health() -> dict:
    return {"status": "ok", "version": __version__}

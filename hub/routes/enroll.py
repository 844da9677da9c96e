"""POST /enroll: a kiosk spends its one-time token for a bearer token and the public key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field

from hub.deps import CallDep
from hub.kiosks import enroll

router = APIRouter(tags=["enrolment"])


class EnrolIn(BaseModel):
    token: Annotated[str, Field(min_length=1, max_length=200)]


@router.post("/enroll")
def post_enroll(body: EnrolIn, call: CallDep) -> dict:
    with call.transaction() as conn:
        return enroll(conn, body.token, call.hub.signer.public_key, call.hub.now())

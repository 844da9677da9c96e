"""Publishing (editors; a release that changes where reports go: administrators only),
rolling back (admin) and fetching (kiosk) content releases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Request, Response
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from hub.content import releases
from hub.content.blobs import check_sha256
from hub.deps import CallDep
from hub.errors import NotFound
from kiosk_core.signature import SIGNATURE_HEADER

MAX_VERSION = 2**62
"""Release versions fit a 64-bit database integer."""

router = APIRouter(tags=["content"])

IMMUTABLE = "public, max-age=31536000, immutable"
WRITE_CHUNK = 1024 * 1024


class BlobRef(BaseModel):
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Field(ge=0)]


class MissingIn(BaseModel):
    files: Annotated[list[BlobRef], Field(max_length=100_000)]


class ReleaseIn(BaseModel):
    files: Annotated[list[dict], Field(min_length=1, max_length=100_000)]


@router.post("/publish/missing")
def post_missing(body: MissingIn, call: CallDep) -> dict:
    call.check_caller("editor")
    return {"missing": call.hub.blobs.missing([(f.sha256, f.size) for f in body.files])}


@router.put("/blobs/{sha256}", status_code=201)
async def put_blob(sha256: str, request: Request, call: CallDep) -> dict:
    """Streamed to a temporary file in 1 MiB writes; no transaction is held meanwhile."""
    await run_in_threadpool(call.check_caller, "editor")
    length = request.headers.get("content-length")
    writer = await run_in_threadpool(
        call.hub.blobs.writer, check_sha256(sha256), int(length) if length else None
    )
    try:
        pending: list[bytes] = []
        buffered = 0
        async for chunk in request.stream():
            pending.append(chunk)
            buffered += len(chunk)
            if buffered >= WRITE_CHUNK:
                await run_in_threadpool(writer.write, b"".join(pending))
                pending, buffered = [], 0
        await run_in_threadpool(writer.write, b"".join(pending))
        await run_in_threadpool(writer.finish)
    except BaseException:
        writer.abort()
        raise
    return {"sha256": sha256, "size": writer.written}


@router.head("/blobs/{sha256}", include_in_schema=False)
@router.get("/blobs/{sha256}")
def get_blob(sha256: str, call: CallDep) -> FileResponse:
    """Public and immutable, so a CDN or proxy may serve it; supports `Range: bytes=N-`."""
    path = call.hub.blobs.path(check_sha256(sha256))
    if not path.is_file():
        raise NotFound(f"no blob {sha256}")
    return FileResponse(
        path, media_type="application/octet-stream", headers={"Cache-Control": IMMUTABLE}
    )


@router.post("/releases", status_code=201)
def post_release(body: ReleaseIn, call: CallDep) -> dict:
    with call.as_caller("editor") as (conn, caller):
        files = releases.parse_files(body.files)
        release = releases.publish(
            conn,
            call.hub.blobs,
            files,
            call.hub.now(),
            caller.name or caller.role,
            may_route=caller.has("admin"),
        )
    return {"version": release.version}


@router.get("/releases")
def get_releases(call: CallDep) -> dict:
    with call.as_caller("editor") as (conn, _caller):
        return {"releases": [r.summary() for r in releases.list_releases(conn)]}


@router.post("/releases/{version}/activate", status_code=201)
def post_activate(version: Annotated[int, Path(ge=1, le=MAX_VERSION)], call: CallDep) -> dict:
    with call.as_caller("admin") as (conn, caller):
        release = releases.activate(
            conn,
            call.hub.blobs,
            version,
            call.hub.now(),
            caller.name or caller.role,
            may_route=True,
        )
    return {"version": release.version, "copy_of": version}


@router.get("/manifest")
async def get_manifest(
    call: CallDep, if_none_match: Annotated[str | None, Header()] = None
) -> Response:
    with call.as_caller("kiosk", "editor") as (conn, _caller):
        release = releases.latest(conn)
    if release is None:
        raise NotFound("nothing has been published yet")
    hub = call.hub
    signed = releases.signed_manifest(release, hub.signer, hub.now(), hub.settings.manifest_ttl)
    headers = {"ETag": signed.etag, "Cache-Control": "no-cache"}
    if releases.etag_matches(if_none_match, signed.etag):
        return Response(status_code=304, headers=headers)
    headers[SIGNATURE_HEADER] = signed.signature
    return Response(signed.body, media_type="application/json", headers=headers)

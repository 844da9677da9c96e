"""Request body limits, enforced before the body is read and again while it streams.

A declared Content-Length over the limit is refused at once; a body without one (chunked)
is counted as it arrives and cut off at the limit, so nobody can fill the disk or memory by
lying about the size.

A body must also keep coming: the time the app spends waiting for it may be at most
BODY_GRACE seconds plus one second for every BODY_MIN_RATE bytes received. A report arrives
in milliseconds and a 1 GiB upload at 1 MB/s has hours to spare, but a client sending a byte
every few seconds to hold a connection (and a worker, and an open file) is answered 408 and
cut off within about BODY_GRACE seconds. The head of a request has its own deadline, in the
server (hub.serving).
"""

from __future__ import annotations

import asyncio
import json
import logging

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("hub.serving")

BODY_GRACE = 30.0
BODY_MIN_RATE = 1024
"""Bytes a second a body must average, beyond the grace, not to be cut off as too slow."""
BLOB_PREFIX = "/api/v1/blobs/"
UPLOAD_PATHS = frozenset({"/admin/releases/upload", "/admin/walk/new", "/admin/walk/photo"})
"""Web forms that upload a whole content source tree or a 360° photograph (up to 200 MB, the
page checks): they get the blob limit too."""
UPLOAD_PREFIXES = ("/admin/content/",)
"""The content editor's forms: a poster from a phone (up to 25 MB) or an attract loop's
video (up to the blob limit) rides in the form (hub.content.editor_pages)."""


def _size(limit: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return f"{limit} bytes"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"request body too large: at most {_size(limit)} here")


class BodyLimit:
    def __init__(
        self,
        app: ASGIApp,
        json_limit: int,
        blob_limit: int,
        grace: float = BODY_GRACE,
        min_rate: int = BODY_MIN_RATE,
    ):
        self.app = app
        self.json_limit = json_limit
        self.blob_limit = blob_limit
        self.grace = grace
        self.min_rate = min_rate

    def limit_for(self, path: str) -> int:
        if path.startswith((BLOB_PREFIX, *UPLOAD_PREFIXES)) or path in UPLOAD_PATHS:
            return self.blob_limit
        return self.json_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                declared = value
        if declared is not None:
            if not declared.isdigit():
                await _reply(send, 400, "invalid Content-Length header")
                return
            if int(declared) > limit:
                await _reply(send, 413, BodyTooLarge(limit).detail)
                return
        received = 0
        waited = 0.0
        complete = False
        answered = False  # the app began its answer
        cut = False  # the body was too slow: the client was answered 408

        async def counting_receive() -> Message:
            nonlocal received, waited, complete, cut
            if cut:
                return {"type": "http.disconnect"}
            if complete:  # waiting for a disconnect, not for the body: no deadline
                return await receive()
            allowed = self.grace + received / self.min_rate - waited
            began = asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), max(allowed, 0.0))
            except TimeoutError:
                cut = True
                _too_slow(scope, received, waited + allowed)
                if not answered:
                    await _reply(send, 408, "the request body came too slowly")
                return {"type": "http.disconnect"}
            waited += asyncio.get_running_loop().time() - began
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal answered
            if cut:
                return  # the client has had its answer and the connection is closing
            answered = answered or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watched_send)
        except Exception:
            if not cut:
                raise
            # What the app made of the missing body (a ClientDisconnect) is no news.


def _too_slow(scope: Scope, received: int, seconds: float) -> None:
    client = scope.get("client") or ("?",)
    log.warning(
        "cut off a request body that came too slowly (%s, %s: %d bytes in %.0f s)",
        client[0],
        scope["path"],
        received,
        seconds,
    )


async def _reply(send: Send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

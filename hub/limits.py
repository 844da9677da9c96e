"""Request body limits, enforced before the body is read and again while it streams.

A declared Content-Length over the limit is refused at once; a body without one (chunked)
is counted as it arrives and cut off at the limit, so nobody can fill the disk or memory by
lying about the size.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BLOB_PREFIX = "/api/v1/blobs/"
UPLOAD_PATHS = frozenset({"/admin/releases/upload"})
"""Web forms that upload a whole content source tree: they get the blob limit too."""


def _size(limit: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if limit >= factor and limit % factor == 0:
            return f"{limit // factor} {unit}"
    return f"{limit} bytes"


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int):
        super().__init__(413, f"request body too large: at most {_size(limit)} here")


class BodyLimit:
    def __init__(self, app: ASGIApp, json_limit: int, blob_limit: int):
        self.app = app
        self.json_limit = json_limit
        self.blob_limit = blob_limit

    def limit_for(self, path: str) -> int:
        if path.startswith(BLOB_PREFIX) or path in UPLOAD_PATHS:
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

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counting_receive, send)


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

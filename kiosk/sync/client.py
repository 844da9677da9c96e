"""HTTP to the hub: one keep-alive session, bounded waits, and failures sorted in two kinds.

A kiosk's network is often poor. Every request has a connect and a read timeout and every
answer a deadline and a size limit, so a stalled or dripping hub can never hang the agent.
A body is read as its bytes arrive (`body_chunks`), not in fixed blocks that a hub sending a
byte every few seconds would take hours to fill: the deadline is looked at after every read
from the socket, so it is kept to within one read timeout however slowly the bytes drip.
A failure is *permanent* (a 4xx other than 408 and 429: sending the same again cannot help)
or *passing* (5xx, 408, 429, a reset connection, a timeout, a truncated body: try later).
A 429 or 503 may say in `Retry-After` how long to wait (`HubError.retry_after`).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import requests
import urllib3.exceptions

from kiosk import __version__

API_PREFIX = "/api/v1"
CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
"""Seconds without a single byte from the hub before a request is given up."""
ANSWER_DEADLINE = 120.0
"""Seconds a whole JSON answer may take, however it trickles in."""
MAX_ANSWER = 8 * 1024 * 1024
"""Bytes of a JSON answer (manifests included) read at most."""
CHUNK = 64 * 1024
RETRY_AFTER_CAP = 3600.0
"""The longest `Retry-After` heeded, in seconds: a hub (or a proxy in front of it) asking for
days would otherwise silence a kiosk's reports for days."""
RETRY_AFTER_STATUSES = frozenset({429, 503})


def is_permanent(status: int) -> bool:
    """The protocol's rule: a 4xx other than 408 and 429 will fail again if repeated."""
    return 400 <= status < 500 and status not in (408, 429)


class HubError(Exception):
    """A request that failed; `permanent` says whether repeating it can ever help."""

    def __init__(
        self,
        message: str,
        status: int | None = None,
        permanent: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.permanent = permanent
        self.retry_after = retry_after
        """Seconds the hub asked us to wait (429, 503), None when it did not say."""


def retry_after(value: object) -> float | None:
    """The seconds of a `Retry-After` (header or batch item), at most RETRY_AFTER_CAP; None
    for anything else (an HTTP date, a negative number, words): the usual backoff applies."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        seconds = float(value.strip()[:12])
    else:
        return None
    if not 0 <= seconds < float("inf"):
        return None
    return min(seconds, RETRY_AFTER_CAP)


@dataclass(frozen=True)
class Answer:
    """A complete answer with a status below 400 (200, 201, 206, 304 ...)."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise HubError(f"the hub answered {self.status} with a body that is not JSON") from exc


def _detail(response: requests.Response, body: bytes) -> str:
    """The hub's `{"detail": ...}`, or the start of whatever else came back."""
    try:
        data = json.loads(body)
    except ValueError:
        return body[:200].decode("utf-8", "replace").strip() or response.reason or ""
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        text = detail if isinstance(detail, str) else json.dumps(detail, ensure_ascii=False)
        if data.get("problems"):
            text += " " + json.dumps(data["problems"], ensure_ascii=False)
        return text[:500]
    return json.dumps(data, ensure_ascii=False)[:200]


class HubClient:
    """Requests to `<hub_url>/api/v1/...`, with the kiosk's bearer token when it has one."""

    def __init__(
        self,
        hub_url: str,
        token: str | None = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (CONNECT_TIMEOUT, READ_TIMEOUT),
        deadline: float = ANSWER_DEADLINE,
    ):
        self.hub_url = hub_url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.deadline = deadline
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"kiosk-sync/{__version__}"
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def clone(self) -> HubClient:
        """The same hub, token and limits on a session of its own, for another thread
        (a requests session is not meant to be shared between threads)."""
        return HubClient(self.hub_url, self.token, timeout=self.timeout, deadline=self.deadline)

    def url(self, path: str) -> str:
        return f"{self.hub_url}{API_PREFIX}{path}"

    def close(self) -> None:
        self.session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        limit: int = MAX_ANSWER,
    ) -> Answer:
        """Send one request and read the whole answer; HubError for any failure."""
        what = f"{method} {path}"
        try:
            with self.session.request(
                method,
                self.url(path),
                json=json_body,
                headers=dict(headers or {}),
                timeout=self.timeout,
                stream=True,
                allow_redirects=False,
            ) as response:
                body = self._read(response, what, limit)
        except requests.RequestException as exc:
            raise HubError(f"{what}: {_reason(exc)}") from exc
        if response.status_code >= 400:
            raise _refusal(what, response, body)
        if response.status_code >= 300 and response.status_code != 304:
            raise HubError(f"{what}: unexpected redirect {response.status_code}")
        return Answer(response.status_code, response.headers, body)

    def _read(self, response: requests.Response, what: str, limit: int) -> bytes:
        chunks: list[bytes] = []
        size = 0
        for chunk in body_chunks(response, what, self.deadline):
            size += len(chunk)
            if size > limit:
                raise HubError(f"{what}: answer larger than {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    @contextmanager
    def stream(
        self, path: str, headers: Mapping[str, str] | None = None
    ) -> Iterator[requests.Response]:
        """GET with the body left to the caller (blobs); HubError for a status >= 400.
        The caller must catch `requests.RequestException` while reading (see `failure`)."""
        what = f"GET {path}"
        try:
            response = self.session.get(
                self.url(path),
                headers=dict(headers or {}),
                timeout=self.timeout,
                stream=True,
                allow_redirects=True,
            )
        except requests.RequestException as exc:
            raise HubError(f"{what}: {_reason(exc)}") from exc
        with response:
            if response.status_code >= 400:
                try:
                    body = response.raw.read(4096, decode_content=True) or b""
                except Exception:
                    body = b""
                raise _refusal(what, response, body)
            yield response


def _refusal(what: str, response: requests.Response, body: bytes) -> HubError:
    status = response.status_code
    wait = None
    if status in RETRY_AFTER_STATUSES:
        wait = retry_after(response.headers.get("Retry-After"))
    return HubError(
        f"{what}: {status} {_detail(response, body)}".strip(),
        status=status,
        permanent=is_permanent(status),
        retry_after=wait,
    )


def body_chunks(response: requests.Response, what: str, deadline: float) -> Iterator[bytes]:
    """A streamed answer's body, each piece as soon as the socket has it, within `deadline`
    seconds from now (a passing HubError once it is passed); network failures while reading
    become passing HubErrors too."""
    end = time.monotonic() + deadline
    raw = response.raw
    while True:
        if time.monotonic() > end:
            raise HubError(f"{what}: answer took longer than {deadline:.0f} s")
        try:
            chunk = raw.read1(CHUNK, decode_content=True)
        except urllib3.exceptions.ReadTimeoutError as exc:
            raise HubError(f"{what}: the hub did not answer in time") from exc
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise HubError(f"{what}: the answer was cut off ({type(exc).__name__})") from exc
        if not chunk:
            return
        yield chunk


def failure(what: str, exc: requests.RequestException) -> HubError:
    """A network failure while reading a streamed body: always passing."""
    return HubError(f"{what}: {_reason(exc)}")


def _reason(exc: requests.RequestException) -> str:
    if isinstance(exc, requests.Timeout):
        return "the hub did not answer in time"
    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
        first = str(exc).split("(Caused by", 1)[-1].strip(" )")
        return f"cannot reach the hub ({first[:200]})"
    if isinstance(exc, requests.exceptions.ChunkedEncodingError):
        return "the answer was cut off"
    return f"{type(exc).__name__}: {str(exc)[:200]}"

"""The hub as a client of a GeoReport v2 (Open311) server: the city's own system, which
forwarded reports go to (`hub.sending.forwarding`). The hub's own Open311 server is
`hub.reports.open311`.

One HTTP call at a time, no redirects followed (a POST must not become a GET), the answer read
up to MAX_ANSWER bytes, and whether a failed call may have reached the server told apart:
`NotSent` (refused, no such host, TLS, connect timeout) or `Unanswered` (anything after the
request may have left).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError
from urllib3.exceptions import SSLError as Urllib3SSLError

from hub import __version__

CONNECT_TIMEOUT = 10.0
READ_TIMEOUT = 30.0
"""Seconds; a delivery makes at most two calls (a search and a POST), far under the lease."""
MAX_ANSWER = 4 * 1024 * 1024
"""Bytes of an answer read at most: a page of requests is far smaller; a hostile server is cut."""
USER_AGENT = f"kiosk-hub/{__version__} (Open311 forwarding)"


class NotSent(Exception):
    """The call certainly never reached the server (refused, no such host, TLS, connect)."""


class Unanswered(Exception):
    """The call may have reached the server, but no whole answer came back."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    retry_after: str | None = None

    def json(self) -> Any:
        """The parsed body, or None if it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None

    def errors(self) -> str:
        """The server's own words: the descriptions of a GeoReport error list, or the body."""
        parsed = self.json()
        items = parsed if isinstance(parsed, list) else [parsed]
        words = [
            str(e.get("description")).strip()
            for e in items
            if isinstance(e, dict) and e.get("description")
        ]
        if words:
            return "; ".join(words)[:500]
        text = self.body[:300].decode("utf-8", "replace").strip()
        return " ".join(text.split()) or "no explanation"


def call(method: str, url: str, **kwargs: Any) -> Answer:
    """One HTTP call, no redirects followed (a POST must not become a GET), the answer read up
    to MAX_ANSWER bytes; raises NotSent or Unanswered."""
    try:
        with requests.request(
            method,
            url,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=False,
            stream=True,
            headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
            **kwargs,
        ) as response:
            body = bytearray()
            for chunk in response.iter_content(65536):
                body += chunk
                if len(body) > MAX_ANSWER:
                    break
            return Answer(response.status_code, bytes(body), response.headers.get("Retry-After"))
    except requests.ConnectTimeout as exc:
        raise NotSent(describe(exc)) from exc
    except requests.ConnectionError as exc:
        # Failing to connect (refused, no such host, the TLS handshake) comes wrapped in
        # MaxRetryError; a reset or a broken answer after the request was sent does not.
        cause = exc.args[0] if exc.args else None
        reason = getattr(cause, "reason", None)
        if isinstance(cause, MaxRetryError) and isinstance(
            reason, ConnectTimeoutError | Urllib3SSLError
        ):
            raise NotSent(describe(exc)) from exc
        raise Unanswered(describe(exc)) from exc
    except requests.RequestException as exc:
        raise Unanswered(describe(exc)) from exc


def describe(exc: Exception) -> str:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    text = str(reason or exc)
    return f"{type(exc).__name__}: {text}"[:500]


def url(endpoint: str, path: str) -> str:
    return f"{endpoint.rstrip('/')}/{path}"


def first(parsed: Any) -> dict | None:
    """The first request of a GeoReport answer (a list, as the spec's JSON; or a bare object)."""
    if isinstance(parsed, list) and parsed and isinstance(parsed[0], dict):
        return parsed[0]
    if isinstance(parsed, dict):
        return parsed
    return None


def text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text[:100] if text else None


def requests_by_id(endpoint: str, ids: list[str], jurisdiction: str | None) -> list[dict]:
    """GET requests.json for these ids: the requests the server lists; ValueError if it
    answers anything but a list."""
    params = {"service_request_id": ",".join(ids)}
    if jurisdiction:
        params["jurisdiction_id"] = jurisdiction
    answer = call("GET", url(endpoint, "requests.json"), params=params)
    found = answer.json() if answer.status == 200 else None
    if not isinstance(found, list):
        raise ValueError(f"GET requests.json answered {answer.status}: {answer.errors()}")
    return [item for item in found if isinstance(item, dict)]


class Unreadable(ValueError):
    """The server answered, but not in a way that says what was asked (a 5xx, a throttle)."""


def service_definition(
    endpoint: str, service_code: str, jurisdiction: str | None
) -> dict[str, frozenset[str] | None]:
    """The questions a service asks (`GET services/<code>.json`): each attribute's code with
    the keys it takes (None for an answer that is not a choice). A service without a
    definition (a 4xx, or an answer that lists none) asks nothing: {}. Raises NotSent or
    Unanswered as `call` does, and Unreadable when the server could not say (5xx, 408, 429)."""
    params = {"jurisdiction_id": jurisdiction} if jurisdiction else None
    path = f"services/{quote(service_code, safe='')}.json"
    answer = call("GET", url(endpoint, path), params=params)
    if answer.status >= 500 or answer.status in (408, 429):
        raise Unreadable(f"GET {path} answered {answer.status}: {answer.errors()}")
    parsed = answer.json() if answer.status == 200 else None
    attributes = parsed.get("attributes") if isinstance(parsed, dict) else None
    asked: dict[str, frozenset[str] | None] = {}
    for item in attributes if isinstance(attributes, list) else []:
        if not isinstance(item, dict) or not isinstance(item.get("code"), str):
            continue
        if str(item.get("variable", True)).lower() == "false":
            continue
        values = item.get("values")
        keys = [str(v.get("key")) for v in values or [] if isinstance(v, dict) and "key" in v]
        listed = str(item.get("datatype", "")).endswith("valuelist")
        asked[item["code"]] = frozenset(keys) if listed else None
    return asked

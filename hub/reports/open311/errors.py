"""Open311 error lists: how GeoReport v2 says no.

The spec answers every failure with a list of errors, each with a `code` and a
`description` meant for the person using the client, and the HTTP status that fits:
404 for what does not exist, 403 for a missing or wrong api_key, 400 for anything else
that cannot be done. We add 429 for a client that posts too fast.
"""

from __future__ import annotations

import math


class Open311Error(Exception):
    """A request refused with one or more reasons; each becomes one `<error>`."""

    status = 400

    def __init__(self, *descriptions: str, headers: dict[str, str] | None = None):
        super().__init__("; ".join(descriptions))
        self.descriptions = list(descriptions) or ["the request cannot be served"]
        self.headers = headers or {}

    @property
    def errors(self) -> list[tuple[int, str]]:
        """(code, description) pairs; the code is the HTTP status, as the spec's examples."""
        return [(self.status, d) for d in self.descriptions]


class BadRequest(Open311Error):
    status = 400


class Forbidden(Open311Error):
    status = 403


class NotFound(Open311Error):
    status = 404


class TooManyRequests(Open311Error):
    status = 429

    def __init__(self, description: str, retry_after: float):
        seconds = max(1, math.ceil(retry_after))
        super().__init__(
            f"{description}; try again in {seconds} s", headers={"Retry-After": str(seconds)}
        )


class StatusError(Open311Error):
    """An error whose status comes from elsewhere (the web framework: 404, 405, 413…)."""

    def __init__(self, status: int, description: str, headers: dict[str, str] | None = None):
        self.status = status
        super().__init__(description, headers=headers)

"""What the core refuses, by meaning; the app turns each into its HTTP status.

Kept free of HTTP machinery so the CLI and tests can catch the same errors.
"""

from __future__ import annotations


class HubError(Exception):
    """A request the hub refuses; `detail` says what is wrong, in words."""

    status = 400
    headers: dict[str, str] | None = None
    """Extra response headers (e.g. Retry-After)."""

    def __init__(self, detail: str, problems: list[str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []


class BadRequest(HubError):
    status = 400


class Unauthorized(HubError):
    status = 401


class Forbidden(HubError):
    status = 403


class NotFound(HubError):
    status = 404


class Conflict(HubError):
    status = 409


class Invalid(HubError):
    """Well-formed but unacceptable (unknown category, invalid content): permanent."""

    status = 422


class FieldRefused(Invalid):
    """A refused form field: an English message id with its values, and the field it is
    about. A page translates it and shows it by the field; the CLI prints `detail`."""

    def __init__(
        self, field: str, message: str, detail: str | None = None, status: int = 422, **values
    ):
        super().__init__(detail or message.format(**values))
        self.field = field
        self.message = message
        self.values = values
        self.status = status


class TooManyRequests(HubError):
    """Too many at once from one caller: 429, with when to try again (`Retry-After`)."""

    status = 429

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def unstorable() -> Invalid:
    """What a value the database refuses (PostgreSQL: a NUL character, a number out of range)
    is answered with, in each part's own style."""
    return Invalid("a value cannot be stored: remove NUL characters or out-of-range numbers")

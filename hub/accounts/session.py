"""Who is looking at a staff page, and whether a form really came from our own page.

A page depends on `staff_page(...)`: no valid session cookie → a redirect to the sign-in page
(coming back afterwards); the wrong role → a 403 page. Every form carries the session's CSRF
token in a hidden `csrf` field and `read_form` refuses a POST without the right one
(synchronizer token; SameSite=Lax cookies as a second line).
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.datastructures import FormData

from hub.accounts.users import User, find_session
from hub.context import Hub
from kiosk_core.i18n import N_

SESSION_COOKIE = "hub_session"


class SignInRequired(Exception):
    """No (valid) session: the page answers with a redirect to /login?next=…"""

    def __init__(self, next_path: str):
        super().__init__(next_path)
        self.next_path = next_path


class PageError(Exception):
    """A refusal shown as a page in the visitor's language (the message is an English msgid)."""

    def __init__(self, status: int, message: str, lang: str = "pl"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.lang = lang


@dataclass(frozen=True)
class Staff:
    """A signed-in person on a staff page."""

    hub: Hub
    user: User
    csrf: str

    @property
    def lang(self) -> str:
        return self.user.lang


def staff_page(*roles: str) -> Callable[[Request], Awaitable[Staff]]:
    """A dependency: the signed-in person, who must have one of `roles` (admin may do all)."""

    async def dependency(request: Request) -> Staff:
        hub: Hub = request.app.state.hub
        token = request.cookies.get(SESSION_COOKIE)
        with hub.transaction(write=False) as conn:
            session = find_session(conn, token, hub.now())
        if session is None:
            target = request.url.path
            if request.url.query and request.method == "GET":
                target += "?" + request.url.query
            raise SignInRequired(target)
        user = session.user
        if roles and not user.has(*roles):
            raise PageError(403, N_("Your account may not open this page."), user.lang)
        return Staff(hub, user, session.csrf)

    return dependency


async def read_form(request: Request, staff: Staff) -> FormData:
    """The posted form, once its CSRF token is checked."""
    form = await request.form()
    sent = form.get("csrf")
    if not isinstance(sent, str) or not hmac.compare_digest(sent, staff.csrf):
        raise PageError(
            403,
            N_("This form has expired or did not come from this site. Please try again."),
            staff.lang,
        )
    return form


def cookie_secure(request: Request) -> bool:
    """Secure cookies whenever the hub is reached over HTTPS (directly or behind a proxy)."""
    hub: Hub = request.app.state.hub
    return request.url.scheme == "https" or hub.settings.public_url.startswith("https://")


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect to somebody else's."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/admin/"
    return target

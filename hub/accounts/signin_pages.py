"""Signing in and out of the staff pages, and where "/" leads.

Guessing is slowed down per address and per user name at an address (`hub.accounts.signinlimits`,
kept in the database): a stranger's wrong guesses never stop the real person signing in from
another address."""

from __future__ import annotations

import hmac
import math
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from hub.accounts import signinlimits
from hub.accounts.session import (
    SESSION_COOKIE,
    PageError,
    Staff,
    cookie_secure,
    read_form,
    safe_next,
    staff_page,
)
from hub.accounts.users import end_session, set_language, start_session, verify
from hub.context import Hub
from hub.web.templating import STAFF_LANGUAGES, pick_language, render
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
SIGNIN_COOKIE = "hub_signin"
"""A random value both in a cookie and in the sign-in form: login CSRF protection."""

SignedIn = Annotated[Staff, Depends(staff_page())]


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _limits(hub: Hub) -> signinlimits.Limits:
    settings = hub.settings
    return signinlimits.Limits(
        per_user=settings.sign_in_attempts,
        per_address=settings.sign_in_address_attempts,
        max_wait=settings.sign_in_max_wait,
    )


def _signin_page(
    request: Request, next_path: str, error: str | None = None, status: int = 200, username=""
) -> Response:
    lang = pick_language(request, STAFF_LANGUAGES)
    token = secrets.token_urlsafe(24)
    page = render(
        request,
        "signin.html",
        lang,
        status_code=status,
        error=error,
        next_path=next_path,
        csrf=token,
        username=username,
    )
    page.set_cookie(
        SIGNIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
        path="/login",
    )
    return page


@router.get("/login")
def signin_form(request: Request, next: str | None = None) -> Response:
    return _signin_page(request, safe_next(next))


@router.post("/login")
async def signin(request: Request) -> Response:
    hub: Hub = request.app.state.hub
    form = await request.form()
    next_path = safe_next(str(form.get("next") or ""))
    username = str(form.get("username") or "").strip().lower()[:64]
    password = str(form.get("password") or "")
    sent, expected = str(form.get("csrf") or ""), request.cookies.get(SIGNIN_COOKIE) or ""
    if not expected or not hmac.compare_digest(sent, expected):
        return _signin_page(
            request, next_path, N_("The sign-in form expired. Please try again."), 403, username
        )
    if not username or not password:
        return _signin_page(
            request, next_path, N_("Enter your user name and password."), 400, username
        )
    address = _client(request)
    now = hub.now()
    with hub.transaction() as conn:
        wait = signinlimits.admit(conn, username, address, now, _limits(hub))
    if wait > 0:
        page = _signin_page(
            request, next_path, N_("Too many failed attempts. Try again later."), 429, username
        )
        page.headers["Retry-After"] = str(math.ceil(wait))
        return page
    with hub.transaction() as conn:
        user = verify(conn, username, password)
        token = start_session(conn, user, now, hub.settings.session_ttl) if user else None
        if user is not None:
            signinlimits.succeeded(conn, username, address)
    if user is None or token is None:
        return _signin_page(request, next_path, N_("Wrong user name or password."), 401, username)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(hub.settings.session_ttl.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request),
        path="/",
    )
    response.delete_cookie(SIGNIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def signout(request: Request, staff: SignedIn) -> Response:
    await read_form(request, staff)
    with staff.hub.transaction() as conn:
        end_session(conn, request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/admin/language")
async def change_language(request: Request, staff: SignedIn) -> Response:
    form = await read_form(request, staff)
    lang = str(form.get("lang") or "")
    if lang not in STAFF_LANGUAGES:
        raise PageError(400, N_("Unknown language."), staff.lang)
    with staff.hub.transaction() as conn:
        set_language(conn, staff.user.username, lang)
    return RedirectResponse(safe_next(str(form.get("next") or "")), status_code=303)


@router.get("/")
def root() -> Response:
    return RedirectResponse("/admin/", status_code=303)


@router.get("/admin/")
def start_page(staff: SignedIn) -> Response:
    """Administrators start at the fleet, editors at the content, department staff at their
    reports."""
    start = {"admin": "/admin/fleet", "editor": "/admin/releases"}.get(staff.user.role)
    return RedirectResponse(start or "/admin/reports", status_code=303)

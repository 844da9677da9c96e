"""People who sign in to the hub's web pages: accounts, passwords and sessions.

Passwords are hashed with Argon2id (argon2-cffi's defaults, the OWASP recommendation); a
session is a random token in an HttpOnly cookie, stored (like API tokens) only as its SHA-256,
with its own CSRF token for every form. Roles: `staff` (reports of their departments, content,
alerts) and `admin` (everything, including the fleet, statistics and other people's accounts).
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, select, update

from hub.db import sessions, users
from hub.errors import Conflict, Invalid, NotFound
from hub.times import iso, parse
from hub.tokens import token_hash

WEB_ROLES = ("staff", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
"""Long enough for any passphrase, short enough that hashing stays cheap for an attacker's junk."""
LANGS = ("pl", "uk", "en")

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
"""Verified against when the user does not exist, so timing does not reveal user names."""


@dataclass(frozen=True)
class User:
    username: str
    role: str
    display_name: str
    email: str | None
    departments: tuple[str, ...]
    """Service codes whose reports this person handles; empty: all of them."""
    lang: str
    disabled: bool = False

    def is_admin(self) -> bool:
        return self.role == "admin"

    def handles(self, service_code: str) -> bool:
        return self.is_admin() or not self.departments or service_code in self.departments


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    expires: datetime


def _user(row) -> User:
    return User(
        row.username,
        row.role,
        row.display_name,
        row.email,
        tuple(json.loads(row.departments or "[]")),
        row.lang,
        row.disabled is not None,
    )


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise Invalid(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise Invalid(f"the password may have at most {MAX_PASSWORD} characters")
    if not password.strip():
        raise Invalid("the password cannot be only spaces")


def add_user(
    conn: Connection,
    username: str,
    password: str,
    role: str,
    now: datetime,
    display_name: str | None = None,
    email: str | None = None,
    departments: list[str] | tuple[str, ...] = (),
    lang: str = "pl",
) -> User:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise Invalid(
            "a user name is 2-64 characters: lower-case letters, digits, dot, dash, underscore"
        )
    if role not in WEB_ROLES:
        raise Invalid(f"unknown role {role!r} (one of {', '.join(WEB_ROLES)})")
    if lang not in LANGS:
        raise Invalid(f"unknown language {lang!r} (one of {', '.join(LANGS)})")
    check_password(password)
    name = (display_name or username).strip()[:200] or username
    if conn.execute(select(users.c.username).where(users.c.username == username)).first():
        raise Conflict(f"user {username} already exists")
    conn.execute(
        users.insert().values(
            username=username,
            password_hash=_hasher.hash(password),
            role=role,
            display_name=name,
            email=email,
            departments=json.dumps(sorted(set(departments))),
            lang=lang,
            created=iso(now),
        )
    )
    return get_user(conn, username)


def get_user(conn: Connection, username: str) -> User:
    row = conn.execute(select(users).where(users.c.username == username)).first()
    if row is None:
        raise NotFound(f"no user {username}")
    return _user(row)


def list_users(conn: Connection) -> list[User]:
    return [_user(r) for r in conn.execute(select(users).order_by(users.c.username))]


def set_password(conn: Connection, username: str, password: str) -> None:
    """A new password; every open session of that user ends."""
    check_password(password)
    get_user(conn, username)
    conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(password_hash=_hasher.hash(password))
    )
    conn.execute(delete(sessions).where(sessions.c.username == username))


def set_disabled(conn: Connection, username: str, disabled: bool, now: datetime) -> None:
    get_user(conn, username)
    conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(disabled=iso(now) if disabled else None)
    )
    if disabled:
        conn.execute(delete(sessions).where(sessions.c.username == username))


def set_language(conn: Connection, username: str, lang: str) -> None:
    if lang not in LANGS:
        raise Invalid(f"unknown language {lang!r}")
    conn.execute(update(users).where(users.c.username == username).values(lang=lang))


def verify(conn: Connection, username: str, password: str) -> User | None:
    """The user if the password is right and the account enabled; None otherwise."""
    row = conn.execute(
        select(users).where(users.c.username == username.strip().lower()[:64])
    ).first()
    if len(password) > MAX_PASSWORD:
        return None
    try:
        _hasher.verify(row.password_hash if row else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None or row.disabled is not None:
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        conn.execute(
            update(users)
            .where(users.c.username == row.username)
            .values(password_hash=_hasher.hash(password))
        )
    return _user(row)


def start_session(conn: Connection, user: User, now: datetime, ttl: timedelta) -> str:
    """A new session for `user`; returns the cookie value (seen only now)."""
    token = secrets.token_urlsafe(32)
    conn.execute(
        sessions.insert().values(
            hash=token_hash(token),
            username=user.username,
            csrf=secrets.token_urlsafe(32),
            created=iso(now),
            expires=iso(now + ttl),
        )
    )
    conn.execute(delete(sessions).where(sessions.c.expires < iso(now)))
    return token


def find_session(conn: Connection, token: str | None, now: datetime) -> Session | None:
    if not token or len(token) > 100:
        return None
    row = conn.execute(
        select(sessions.c.csrf, sessions.c.expires, users)
        .select_from(sessions.join(users, users.c.username == sessions.c.username))
        .where(sessions.c.hash == token_hash(token))
    ).first()
    if row is None or row.disabled is not None:
        return None
    expires = parse(row.expires)
    if expires is None or expires <= now:
        return None
    return Session(_user(row), row.csrf, expires)


def end_session(conn: Connection, token: str | None) -> None:
    if token:
        conn.execute(delete(sessions).where(sessions.c.hash == token_hash(token)))

"""People who sign in to the hub's web pages: accounts, passwords and sessions.

Passwords are hashed with Argon2id (argon2-cffi's defaults, the OWASP recommendation); a
session is a random token in an HttpOnly cookie, stored (like API tokens) only as its SHA-256,
with its own CSRF token for every form. Roles: `editor` (content and alerts), `staff` (the
reports of their departments) and `admin` (everything, including where reports go, the fleet,
statistics and other people's accounts). Publishing content and changing where residents'
reports go are separate rights: before editors existed, staff could publish, and a release
could point another department's e-mail anywhere; staff accounts kept their reports (and
lost publishing) when editors came, so an administrator makes editors of those who publish.
An administrator cannot disable their own account nor change their own role, and the last
enabled administrator can be neither disabled nor demoted: the hub always keeps someone who
can manage accounts. Refusals are `AccountRefused`, whose English message a page translates.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, select, update

from hub.accounts.tokens import token_hash
from hub.db import sessions, users
from hub.errors import FieldRefused, NotFound
from hub.times import iso, parse
from kiosk_core.i18n import N_

WEB_ROLES = ("editor", "staff", "admin")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
"""Long enough for any passphrase, short enough that hashing stays cheap for an attacker's junk."""
LANGS = ("pl", "uk", "en")
MAX_NAME = 200
MAX_EMAIL = 254
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_DEPARTMENTS = 200
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""Generated passwords: lower case and digits without look-alikes (0/o, 1/l/i), easy to read
out over the phone and to type on one."""
PASSWORD_GROUPS = 4
PASSWORD_GROUP = 5
"""Four groups of five: 20 characters from 31, about 99 bits."""

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

    def has(self, *roles: str) -> bool:
        """Whether this person may do what any of `roles` may (an administrator: anything)."""
        return self.is_admin() or self.role in roles

    def handles(self, service_code: str) -> bool:
        """Whether reports of this category are this person's: an administrator's all, an
        editor's none."""
        if self.is_admin():
            return True
        return self.role == "staff" and (not self.departments or service_code in self.departments)


class AccountRefused(FieldRefused):
    """What the core refuses about an account (a page shows it by its form field)."""

    def __init__(self, field: str, message: str, status: int = 422, **values: object):
        super().__init__(field, message, None, status, **values)


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
        raise AccountRefused(
            "password",
            N_("The password must have at least {count} characters."),
            count=MIN_PASSWORD,
        )
    if len(password) > MAX_PASSWORD:
        raise AccountRefused(
            "password", N_("The password may have at most {count} characters."), count=MAX_PASSWORD
        )
    if not password.strip():
        raise AccountRefused("password", N_("The password cannot be only spaces."))


def generate_password() -> str:
    """A strong random password for a new or reset account, to be shown once and handed over."""
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP))
        for _ in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def check_username(username: str) -> str:
    """The user name as stored (lower case); refused unless 2-64 safe characters."""
    username = (username or "").strip().lower()
    if not USERNAME.match(username):
        raise AccountRefused(
            "username",
            N_(
                "A user name has 2-64 characters: lower-case letters a-z, digits, dots, "
                "dashes and underscores, starting with a letter or digit."
            ),
        )
    return username


def check_display_name(name: str | None, username: str) -> str:
    """The full name as shown to staff; the user name when none is given."""
    name = " ".join((name or "").split())
    if len(name) > MAX_NAME:
        raise AccountRefused(
            "display_name", N_("The name may have at most {count} characters."), count=MAX_NAME
        )
    if any(not c.isprintable() for c in name):
        raise AccountRefused("display_name", N_("The name contains control characters."))
    return name or username


def check_email(email: str | None) -> str | None:
    email = (email or "").strip()
    if not email:
        return None
    if len(email) > MAX_EMAIL or not EMAIL.match(email) or not email.isprintable():
        raise AccountRefused("email", N_("This is not an e-mail address."))
    return email


def check_role(role: str) -> str:
    if role not in WEB_ROLES:
        raise AccountRefused("role", N_("Unknown role {role}."), role=str(role)[:20])
    return role


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise AccountRefused("lang", N_("Unknown language {lang}."), lang=str(lang)[:20])
    return lang


def check_departments(
    departments: Collection[str], known: Collection[str] | None = None
) -> list[str]:
    """Service codes, sorted and without repeats; with `known`, only those (a page offers the
    latest release's categories; the CLI may name one before it is published)."""
    codes = sorted({str(code).strip() for code in departments} - {""})
    if len(codes) > MAX_DEPARTMENTS:
        raise AccountRefused("departments", N_("Too many categories chosen."))
    for code in codes:
        if len(code) > 64 or not code.isprintable() or (known is not None and code not in known):
            raise AccountRefused(
                "departments", N_("Unknown report category {code}."), code=code[:64]
            )
    return codes


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
    known: Collection[str] | None = None,
) -> User:
    """A new account; `known`: the service codes `departments` may name (None: any)."""
    username = check_username(username)
    check_role(role)
    check_lang(lang)
    check_password(password)
    name = check_display_name(display_name, username)
    email = check_email(email)
    codes = check_departments(departments, known)
    if conn.execute(select(users.c.username).where(users.c.username == username)).first():
        raise AccountRefused(
            "username",
            N_("A person with the user name {username} already exists."),
            409,
            username=username,
        )
    conn.execute(
        users.insert().values(
            username=username,
            password_hash=_hasher.hash(password),
            role=role,
            display_name=name,
            email=email,
            departments=json.dumps(codes),
            lang=lang,
            created=iso(now),
        )
    )
    return get_user(conn, username)


def get_user(conn: Connection, username: str) -> User:
    if not USERNAME.match(username):  # no query for what cannot be a name (NUL, 300 chars…)
        raise NotFound(f"no user {username[:64]!r}")
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


def reset_password(conn: Connection, username: str) -> str:
    """A new generated password (returned: shown once); every open session of the user ends."""
    password = generate_password()
    set_password(conn, username, password)
    return password


def _active_admins(conn: Connection) -> list[str]:
    """Enabled administrators, their rows locked (PostgreSQL) until the transaction ends, so
    that two administrators demoting each other at once cannot both succeed."""
    stmt = (
        select(users.c.username)
        .where(users.c.role == "admin", users.c.disabled.is_(None))
        .with_for_update()
    )
    return list(conn.scalars(stmt))


def _keep_an_admin(conn: Connection, user: User, field: str) -> None:
    """Refuse what would leave the hub without an enabled administrator."""
    if user.is_admin() and not user.disabled and _active_admins(conn) == [user.username]:
        raise AccountRefused(
            field,
            N_(
                "{username} is the last active administrator: make someone else an "
                "administrator first."
            ),
            409,
            username=user.username,
        )


def update_user(
    conn: Connection,
    username: str,
    role: str,
    display_name: str | None,
    email: str | None,
    departments: Collection[str],
    lang: str,
    by: str | None = None,
    known: Collection[str] | None = None,
) -> User:
    """Change an account's details; `by` (the administrator doing it) may not change their own
    role, and the last enabled administrator stays one."""
    user = get_user(conn, username)
    check_role(role)
    check_lang(lang)
    name = check_display_name(display_name, username)
    email = check_email(email)
    codes = check_departments(departments, None if known is None else {*known, *user.departments})
    if role != user.role:
        if by == username:
            raise AccountRefused(
                "role", N_("You cannot change your own role: ask another administrator."), 409
            )
        _keep_an_admin(conn, user, "role")
    conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(role=role, display_name=name, email=email, departments=json.dumps(codes), lang=lang)
    )
    return get_user(conn, username)


def set_disabled(
    conn: Connection, username: str, disabled: bool, now: datetime, by: str | None = None
) -> None:
    """Disable (every open session ends) or enable an account; `by` (the administrator doing
    it) may not disable themselves, and the last enabled administrator stays enabled."""
    user = get_user(conn, username)
    if disabled and by == username:
        raise AccountRefused("disabled", N_("You cannot disable your own account."), 409)
    if disabled:
        _keep_an_admin(conn, user, "disabled")
    conn.execute(
        update(users)
        .where(users.c.username == username)
        .values(disabled=iso(now) if disabled else None)
    )
    if disabled:
        conn.execute(delete(sessions).where(sessions.c.username == username))


def set_language(conn: Connection, username: str, lang: str) -> None:
    check_lang(lang)
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

"""The people page for administrators: who may sign in to the hub, in which role, for which
report categories.

`/admin/people` lists every account (full name, user name, role, categories by their names in
the latest release, language, active or disabled) above a form for a new person. Roles:
department staff (their categories' reports), editors (content and alerts, not where reports
go) and administrators (everything);
`/admin/people/<user name>` changes one person's details, resets their password or disables
(enables) them. The rules are the core's (`hub.accounts.users`): weak passwords, bad or
repeated user names, an administrator disabling themselves or changing their own role, and
leaving the hub without an enabled administrator are refused with the reason next to the field,
and nothing is changed.

Passwords: the administrator either leaves the password empty and the hub generates a strong
one, or types one twice (it must pass the core's rules). A generated password, like the one a
reset makes, is shown once, on the answer to the form itself (never in an address, and marked
not to be cached), to be handed over in person or read out over the phone. A reset and a
disabling end that person's open sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from hub.accounts import users
from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.accounts.users import AccountRefused, User
from hub.content.releases import report_categories
from hub.errors import NotFound
from hub.web.templating import gettext, render
from kiosk_core.content.model import tr
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Admin = Annotated[Staff, Depends(staff_page("admin"))]

ROLE_NAMES = {"editor": N_("Editor"), "staff": N_("Staff"), "admin": N_("Administrator")}
ROLE_HINTS = {
    "staff": N_("reports of the categories below"),
    "editor": N_("content and alerts, but not where reports go"),
    "admin": N_(
        "everything: every report, content, where reports go (departments, e-mail, "
        "forwarding), kiosks, statistics and people"
    ),
}
DONE = {
    "added": N_("{name} can now sign in with the password you set."),
    "saved": N_("The changes for {name} are saved."),
    "disabled": N_("{name} is disabled and was signed out everywhere."),
    "enabled": N_("{name} can sign in again."),
}
NO_STORE = {"Cache-Control": "no-store"}
"""A page showing a password is kept in no cache (the browser's back button included)."""
MAX_ECHO = 300
"""Characters of a refused field shown again in the form."""


@dataclass(frozen=True)
class Issued:
    """A generated password, shown once on the answer to the form that made it."""

    user: User
    password: str
    reset: bool
    own: bool


def _categories(staff: Staff) -> tuple[dict[str, str], list[str]]:
    """The latest release's report categories: names in the staff member's language, codes
    in the release's order."""
    with staff.hub.transaction(write=False) as conn:
        categories = report_categories(conn, staff.hub.blobs)
    return {code: tr(c.name, staff.lang) for code, c in categories.items()}, list(categories)


def _values(form: FormData) -> dict:
    """The submitted details, cut short, to show again if refused (never the passwords)."""

    def text(name: str) -> str:
        value = form.get(name)
        return value[:MAX_ECHO] if isinstance(value, str) else ""

    return {
        "username": text("username"),
        "display_name": text("display_name"),
        "email": text("email"),
        "role": text("role"),
        "lang": text("lang"),
        "departments": [v for v in form.getlist("department") if isinstance(v, str)],
    }


def _refusal(staff: Staff, exc: AccountRefused) -> dict[str, str]:
    return {exc.field: gettext(staff.lang, exc.message).format(**exc.values)}


def _flash(request: Request, staff: Staff, people: list[User]) -> str | None:
    done = request.query_params.get("done")
    who = {u.username: u for u in people}.get(request.query_params.get("user", ""))
    if done in DONE and who is not None:
        return gettext(staff.lang, DONE[done]).format(name=who.display_name)
    return None


def _list_page(
    request: Request,
    staff: Staff,
    values: dict | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    issued: Issued | None = None,
) -> Response:
    names, order = _categories(staff)
    with staff.hub.transaction(write=False) as conn:
        people = users.list_users(conn)
    people.sort(key=lambda u: (u.disabled, u.display_name.lower(), u.username))
    return render(
        request,
        "people.html",
        staff.lang,
        status_code=status,
        headers=NO_STORE if issued else None,
        staff=staff,
        people=people,
        category_names=names,
        category_order=order,
        values=values or {"role": "staff", "lang": "pl", "departments": []},
        errors=errors or {},
        issued=issued,
        role_names=ROLE_NAMES,
        role_hints=ROLE_HINTS,
        languages=users.LANGS,
        min_password=users.MIN_PASSWORD,
        flash=None if issued else _flash(request, staff, people),
        flash_kind="ok",
    )


def _person(staff: Staff, username: str) -> User:
    try:
        with staff.hub.transaction(write=False) as conn:
            return users.get_user(conn, username)
    except NotFound as exc:
        raise PageError(404, N_("There is no such person."), staff.lang) from exc


def _person_page(
    request: Request,
    staff: Staff,
    username: str,
    values: dict | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
    issued: Issued | None = None,
) -> Response:
    person = _person(staff, username)
    names, order = _categories(staff)
    if values is None:
        values = {
            "display_name": person.display_name,
            "email": person.email or "",
            "role": person.role,
            "lang": person.lang,
            "departments": list(person.departments),
        }
    # A category the person handles that the latest release no longer has stays choosable.
    order = order + [code for code in person.departments if code not in names]
    flash = None
    done = request.query_params.get("done")
    if done in DONE and not issued:
        flash = gettext(staff.lang, DONE[done]).format(name=person.display_name)
    return render(
        request,
        "person.html",
        staff.lang,
        status_code=status,
        headers=NO_STORE if issued else None,
        staff=staff,
        person=person,
        own=person.username == staff.user.username,
        category_names=names,
        category_order=order,
        values=values,
        errors=errors or {},
        issued=issued,
        role_names=ROLE_NAMES,
        role_hints=ROLE_HINTS,
        languages=users.LANGS,
        flash=flash,
        flash_kind="ok",
    )


@router.get("/admin/people")
def people_list(request: Request, staff: Admin) -> Response:
    return _list_page(request, staff)


@router.post("/admin/people")
async def add_person(request: Request, staff: Admin) -> Response:
    form = await read_form(request, staff)
    values = _values(form)
    password, again = (str(form.get(name) or "") for name in ("password", "password2"))
    generated = not password and not again
    if generated:
        password = users.generate_password()
    elif password != again:
        message = gettext(staff.lang, N_("The two passwords are not the same."))
        return _list_page(request, staff, values, {"password2": message}, 422)
    hub = staff.hub
    try:
        with hub.transaction() as conn:
            person = users.add_user(
                conn,
                values["username"],
                password,
                values["role"],
                hub.now(),
                display_name=values["display_name"],
                email=values["email"],
                departments=values["departments"],
                lang=values["lang"],
                known=report_categories(conn, hub.blobs),
            )
    except AccountRefused as exc:
        return _list_page(request, staff, values, _refusal(staff, exc), exc.status)
    if generated:
        return _list_page(request, staff, issued=Issued(person, password, False, False))
    return RedirectResponse(
        f"/admin/people?done=added&user={quote(person.username)}", status_code=303
    )


@router.get("/admin/people/{username}")
def person_page(request: Request, username: str, staff: Admin) -> Response:
    return _person_page(request, staff, username)


def _back(person: User, done: str) -> RedirectResponse:
    return RedirectResponse(f"/admin/people/{quote(person.username)}?done={done}", status_code=303)


@router.post("/admin/people/{username}")
async def change_person(request: Request, username: str, staff: Admin) -> Response:
    form = await read_form(request, staff)
    person = _person(staff, username)
    values = _values(form)
    hub = staff.hub
    try:
        with hub.transaction() as conn:
            users.update_user(
                conn,
                person.username,
                values["role"],
                values["display_name"],
                values["email"],
                values["departments"],
                values["lang"],
                by=staff.user.username,
                known=report_categories(conn, hub.blobs),
            )
    except AccountRefused as exc:
        return _person_page(request, staff, username, values, _refusal(staff, exc), exc.status)
    return _back(person, "saved")


async def _set_disabled(request: Request, username: str, staff: Staff, disabled: bool) -> Response:
    await read_form(request, staff)
    person = _person(staff, username)
    hub = staff.hub
    try:
        with hub.transaction() as conn:
            users.set_disabled(conn, person.username, disabled, hub.now(), by=staff.user.username)
    except AccountRefused as exc:
        return _person_page(request, staff, username, None, _refusal(staff, exc), exc.status)
    return _back(person, "disabled" if disabled else "enabled")


@router.post("/admin/people/{username}/disable")
async def disable_person(request: Request, username: str, staff: Admin) -> Response:
    return await _set_disabled(request, username, staff, True)


@router.post("/admin/people/{username}/enable")
async def enable_person(request: Request, username: str, staff: Admin) -> Response:
    return await _set_disabled(request, username, staff, False)


@router.post("/admin/people/{username}/password")
async def reset_password(request: Request, username: str, staff: Admin) -> Response:
    await read_form(request, staff)
    person = _person(staff, username)
    with staff.hub.transaction() as conn:
        password = users.reset_password(conn, person.username)
    own = person.username == staff.user.username
    return _person_page(request, staff, username, issued=Issued(person, password, True, own))

"""The forwarding page for administrators: which report categories go on to the city's own
Open311 system, and how their deliveries are doing.

`/admin/forwarding` lists the forwarded categories (the category's name in the latest release,
the city's endpoint, the city's service code and jurisdiction, the api key masked to its last
characters, enabled or not) with each one's deliveries still to be sent, waiting for the
city's id, and failed; under it, a form that forwards a category (or replaces its settings)
and a button per category that stops forwarding it. The rules are `hub.sending.forwarding`'s (the
same as `kiosk-hub forward`): a refused field is shown next to it and nothing is stored.

The api key never appears on a page: the list shows it masked, and a refused form is shown
again without it. Replacing a category's settings with the key left empty keeps its key.

At the bottom, every recorded change of where reports go (`hub.reports.routingchanges`): forwarding
settings changed here or with `kiosk-hub forward`, and departments and department e-mails
changed by a release, each with when, who, the category and the old and new value.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.content.releases import report_categories
from hub.errors import NotFound
from hub.reports import routingchanges
from hub.sending import forward_targets
from hub.web.templating import gettext, render
from kiosk_core.content.model import tr
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Admin = Annotated[Staff, Depends(staff_page("admin"))]

DONE = {
    "added": N_("New reports of {category} will be forwarded to the city's system."),
    "replaced": N_("The forwarding of {category} is changed: new reports go by the new settings."),
    "removed": N_(
        "{category} is no longer forwarded. Reports forwarded before keep their city status."
    ),
}
CHANGES_SHOWN = 200
"""The latest changes of where reports go listed on the page."""
MAX_ECHO = 600
"""Characters of a refused field shown again in the form."""


def _values(form: FormData) -> dict[str, str]:
    """The submitted settings to show again if refused: never the api key."""

    def text(name: str) -> str:
        value = form.get(name)
        return value[:MAX_ECHO] if isinstance(value, str) else ""

    return {
        name: text(name)
        for name in ("service_code", "endpoint", "remote_service_code", "jurisdiction_id")
    }


def _page(
    request: Request,
    staff: Staff,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    hub = staff.hub
    with hub.transaction(write=False) as conn:
        categories = report_categories(conn, hub.blobs)
        targets = forward_targets.list_targets(conn)
        counts = forward_targets.delivery_counts(conn)
        changes = routingchanges.recorded(conn, CHANGES_SHOWN)
    names = {code: tr(c.name, staff.lang) for code, c in categories.items()}
    flash = None
    done = request.query_params.get("done")
    code = request.query_params.get("code", "")
    if done in DONE and 0 < len(code) <= forward_targets.MAX_CODE:
        flash = gettext(staff.lang, DONE[done]).format(category=names.get(code, code))
    stranded = request.query_params.get("stranded", "")
    return render(
        request,
        "forwarding.html",
        staff.lang,
        status_code=status,
        staff=staff,
        targets=targets,
        counts=counts,
        category_names=names,
        forwarded={t.service_code for t in targets},
        masked=forward_targets.masked,
        plain_http=forward_targets.plain_http,
        values=values or {},
        errors=errors or {},
        flash=flash,
        flash_kind="ok",
        stranded=int(stranded) if stranded.isdigit() and len(stranded) < 9 else 0,
        changes=changes,
        changes_shown=CHANGES_SHOWN,
        field_names=routingchanges.FIELD_NAMES,
        shown=lambda value: routingchanges.shown(value, staff.lang),
    )


def _done(done: str, code: str, stranded: int) -> RedirectResponse:
    query = urlencode({"done": done, "code": code} | ({"stranded": stranded} if stranded else {}))
    return RedirectResponse(f"/admin/forwarding?{query}", status_code=303)


@router.get("/admin/forwarding")
def forwarding_page(request: Request, staff: Admin) -> Response:
    return _page(request, staff)


@router.post("/admin/forwarding")
async def forward_category(request: Request, staff: Admin) -> Response:
    form = await read_form(request, staff)
    values = _values(form)
    api_key = form.get("api_key")
    hub = staff.hub
    with hub.transaction(write=False) as conn:
        known = report_categories(conn, hub.blobs)
    if values["service_code"] not in known:
        message = gettext(staff.lang, N_("Choose one of the report categories."))
        return _page(request, staff, values, {"service_code": message}, 422)
    try:
        with hub.transaction() as conn:
            done = forward_targets.add_target(
                conn,
                hub.blobs,
                values["service_code"],
                values["endpoint"],
                api_key if isinstance(api_key, str) else None,
                values["remote_service_code"],
                values["jurisdiction_id"],
                hub.now(),
                staff.user.display_name,
            )
    except forward_targets.TargetRefused as exc:
        message = gettext(staff.lang, exc.message).format(**exc.values)
        return _page(request, staff, values, {exc.field: message}, 422)
    return _done("replaced" if done.replaced else "added", done.service_code, done.stranded)


@router.post("/admin/forwarding/{service_code}/remove")
async def stop_forwarding(request: Request, service_code: str, staff: Admin) -> Response:
    await read_form(request, staff)
    try:
        with staff.hub.transaction() as conn:
            stranded = forward_targets.remove_target(
                conn, service_code, staff.hub.now(), staff.user.display_name
            )
    except NotFound as exc:
        raise PageError(404, N_("This category is not forwarded."), staff.lang) from exc
    return _done("removed", service_code, stranded)

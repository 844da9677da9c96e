"""The alerts page for staff: an urgent notice on the kiosks' screens, and taking it down.

`/admin/alerts` lists the hub's alerts (those on the air first, soonest expiry first) under a
form for a new one: how urgent, the Polish text (other languages optional), until when (in
the municipality's time zone, a day ahead by default) and, optionally, which kiosks or groups.
Saving or withdrawing one publishes a new release at once (`hub.content.releases.republish`), so the
banner appears or disappears at every kiosk's next sync.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.content import alerts, releases
from hub.errors import Conflict, NotFound
from hub.fleet.kiosks import list_kiosks
from hub.web.templating import gettext, render
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Editor = Annotated[Staff, Depends(staff_page("editor"))]

DEFAULT_DURATION = timedelta(hours=24)
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
"""What an <input type=datetime-local> sends and shows."""
SEVERITY_NAMES = {
    "info": N_("Information"),
    "warning": N_("Warning"),
    "danger": N_("Danger"),
}
STATE_NAMES = {
    "active": N_("On the kiosks"),
    "scheduled": N_("Not started yet"),
    "expired": N_("Expired"),
    "withdrawn": N_("Withdrawn"),
}
DONE = {
    "published": N_(
        "The alert is published in release {version}. "
        "It will appear on the kiosks within one sync interval."
    ),
    "withdrawn": N_(
        "The alert is withdrawn. Release {version} without it goes out to the kiosks "
        "within one sync interval."
    ),
    "saved": N_(
        "The alert is saved. No content has been published yet: "
        "it will go out with the first release."
    ),
    "same": N_("This alert is already on the kiosks."),
    "withdrawn_saved": N_("The alert is withdrawn."),
}


def parse_local(value: str, tz: ZoneInfo) -> datetime | None:
    """A datetime-local field's value as a moment in the municipality's zone."""
    for fmt in (LOCAL_FORMAT, LOCAL_FORMAT + ":%S"):
        try:
            return datetime.strptime(value.strip(), fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    return None


def draft_from(form: FormData, tz: ZoneInfo) -> tuple[alerts.AlertDraft, dict]:
    """The form as a draft and as the values to show again if it is refused."""
    values = {
        "severity": str(form.get("severity") or ""),
        "text": {lang: str(form.get(f"text_{lang}") or "") for lang in alerts.LANGUAGES},
        "valid_until": str(form.get("valid_until") or "")[:40],
        "kiosks": [str(v) for v in form.getlist("kiosk")],
        "groups": [str(v) for v in form.getlist("group")],
    }
    draft = alerts.AlertDraft(
        severity=values["severity"],
        text=values["text"],
        valid_until=parse_local(values["valid_until"], tz),
        kiosks=values["kiosks"],
        groups=values["groups"],
    )
    return draft, values


def _page(
    request: Request,
    staff: Staff,
    values: dict | None = None,
    problems: list[alerts.FieldProblem] | None = None,
    status: int = 200,
) -> Response:
    hub = staff.hub
    tz = ZoneInfo(hub.settings.timezone)
    now = hub.now()
    with hub.transaction(write=False) as conn:
        shown = alerts.list_alerts(conn, now)
        kiosks = list_kiosks(conn)
        live = releases.latest(conn)
    if values is None:
        default = (now + DEFAULT_DURATION).astimezone(tz).strftime(LOCAL_FORMAT)
        values = {"severity": "warning", "text": {}, "valid_until": default}
        values |= {"kiosks": [], "groups": []}
    errors: dict[str, list[str]] = {}
    for problem in problems or []:
        text = gettext(staff.lang, problem.message).format(**problem.values)
        errors.setdefault(problem.field, []).append(text)
    flash = None
    done = request.query_params.get("done")
    version = request.query_params.get("version", "")
    if done in DONE and (version.isdigit() or "{version}" not in DONE[done]):
        flash = gettext(staff.lang, DONE[done]).format(version=version)
    names = {k.id: k.name for k in kiosks}
    translated = any(values["text"].get(lang) for lang in alerts.LANGUAGES if lang != "pl")
    open_translations = translated or any(f.startswith("text_") and f != "text_pl" for f in errors)
    return render(
        request,
        "alerts.html",
        staff.lang,
        status_code=status,
        staff=staff,
        alerts=shown,
        now=now,
        kiosks=kiosks,
        kiosk_names=names,
        groups=sorted({g for k in kiosks for g in k.groups}),
        values=values,
        errors=errors,
        languages=alerts.LANGUAGES,
        severities=alerts.SEVERITIES,
        severity_names=SEVERITY_NAMES,
        state_names=STATE_NAMES,
        max_text=alerts.MAX_TEXT,
        timezone=hub.settings.timezone,
        published=live is not None,
        open_translations=open_translations,
        flash=flash,
        flash_kind="ok",
    )


@router.get("/admin/alerts")
def alert_list(request: Request, staff: Editor) -> Response:
    return _page(request, staff)


@router.post("/admin/alerts")
async def create_alert(request: Request, staff: Editor) -> Response:
    form = await read_form(request, staff)
    hub = staff.hub
    draft, values = draft_from(form, ZoneInfo(hub.settings.timezone))
    by = staff.user.display_name
    now = hub.now()
    try:
        with hub.transaction() as conn:
            _alert, new = alerts.create(conn, draft, now, by)
            release = releases.republish(conn, hub.blobs, now, by) if new else None
    except alerts.AlertInvalid as exc:
        return _page(request, staff, values, exc.fields, 422)
    if not new:
        return RedirectResponse("/admin/alerts?done=same", status_code=303)
    if release is None:
        return RedirectResponse("/admin/alerts?done=saved", status_code=303)
    return RedirectResponse(
        f"/admin/alerts?done=published&version={release.version}", status_code=303
    )


@router.post("/admin/alerts/{alert_id}/withdraw")
async def withdraw_alert(request: Request, alert_id: str, staff: Editor) -> Response:
    await read_form(request, staff)
    hub = staff.hub
    now = hub.now()
    try:
        with hub.transaction() as conn:
            alerts.withdraw(conn, alert_id, now)
            release = releases.republish(conn, hub.blobs, now, staff.user.display_name)
    except NotFound as exc:
        raise PageError(404, N_("There is no such alert."), staff.lang) from exc
    except Conflict as exc:
        raise PageError(409, N_("This alert is no longer on the kiosks."), staff.lang) from exc
    if release is None:
        return RedirectResponse("/admin/alerts?done=withdrawn_saved", status_code=303)
    return RedirectResponse(
        f"/admin/alerts?done=withdrawn&version={release.version}", status_code=303
    )

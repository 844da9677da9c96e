"""The tokens page for administrators: which bearer tokens work, and revoking one.

`/admin/tokens` lists the tokens in use by their public id (never the token itself): role,
name, kiosk, when issued; each with a button that revokes it at once (a kiosk's token: the
kiosk stops syncing until it is enrolled again). Below, the most recently revoked ones.
Issuing tokens stays on the server's command line (`kiosk-hub token add`, `kiosk-hub kiosk
add`/`enrol`), where a secret shown once cannot end up in a browser's history.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from hub.accounts import tokens
from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.errors import HubError
from hub.web.templating import gettext, render
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Admin = Annotated[Staff, Depends(staff_page("admin"))]

ROLE_NAMES = {
    "kiosk": N_("Kiosk"),
    "editor": N_("Editor"),
    "admin": N_("Administrator"),
    "open311": N_("Open311 client"),
}
REVOKED_SHOWN = 50
REVOKED_DONE = N_("Token {id} is revoked: it no longer works.")


@router.get("/admin/tokens")
def tokens_page(request: Request, staff: Admin) -> Response:
    with staff.hub.transaction(write=False) as conn:
        every = tokens.list_tokens(conn, revoked=True)
    active = [t for t in every if t.revoked is None]
    revoked = sorted((t for t in every if t.revoked), key=lambda t: t.revoked, reverse=True)
    done = request.query_params.get("revoked", "")
    flash = None
    if any(t.id == done for t in revoked):
        flash = gettext(staff.lang, REVOKED_DONE).format(id=done)
    return render(
        request,
        "tokens.html",
        staff.lang,
        staff=staff,
        active=active,
        revoked=revoked[:REVOKED_SHOWN],
        revoked_total=len(revoked),
        role_names=ROLE_NAMES,
        flash=flash,
        flash_kind="ok",
    )


@router.post("/admin/tokens/{token_id}/revoke")
async def revoke(request: Request, token_id: str, staff: Admin) -> Response:
    await read_form(request, staff)
    try:
        with staff.hub.transaction() as conn:
            done = tokens.revoke_token(conn, token_id, staff.hub.now())
    except HubError as exc:
        raise PageError(404, N_("There is no such token."), staff.lang) from exc
    return RedirectResponse(f"/admin/tokens?revoked={quote(done.id)}", status_code=303)

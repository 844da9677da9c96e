"""The preview for editors: the home screen, a service card or an event of the draft as a
kiosk will show them once published, on a screen of a kiosk's proportions (16:9 landscape,
1920x1080, or 9:16 portrait, 1080x1920) scaled to the browser's width.

    /admin/preview/home
    /admin/preview/service/<id>
    /admin/preview/event/<id>        each with ?lang=pl|en|de|cs|uk and ?shape=landscape|portrait

What each screen holds comes from `hub.content.preview`; the layout, colours and type sizes
copy the kiosk's (hub/web/static/preview.css says from where). The visitor's language and
the screen's shape are plain links; the page has no script. Pictures (the logo, a poster) are
the draft's media, served to editors by `/admin/preview/media/<path>`: only paths the draft
names, only pictures, from the blob store by their sha256.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from hub.accounts.session import PageError, Staff, staff_page
from hub.content import draft, preview
from hub.errors import NotFound
from hub.web.templating import gettext, render
from kiosk_core.content.fieldlabels import COMMON, LANGUAGE_LABELS
from kiosk_core.i18n import LANGUAGE_NAMES, N_

router = APIRouter(include_in_schema=False)
Editor = Annotated[Staff, Depends(staff_page("editor"))]

PREFIX = "/admin/preview"
MEDIA_PREFIX = f"{PREFIX}/media/"
SHAPES = {"landscape": N_("Landscape (16:9)"), "portrait": N_("Portrait (9:16)")}
"""A kiosk's screen: 1920x1080 on its side, or 1080x1920 upright (`kiosk run --size`)."""
PICTURE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
"""The pictures content may hold (kiosk_core.content.media.IMAGE_SUFFIXES)."""
TITLES = {
    "home": N_("Preview of the home screen"),
    "service": N_("Preview of a service card"),
    "event": N_("Preview of an event"),
}
NOT_IN_DRAFT = {
    "service": N_("There is no such service card in the draft."),
    "event": N_("There is no such event in the draft."),
}


def media_url(path: str) -> str:
    return MEDIA_PREFIX + quote(path)


def _shape(request: Request) -> str:
    asked = request.query_params.get("shape")
    return asked if asked in SHAPES else "landscape"


def _show(request: Request, staff: Staff, kind: str, item_id: str | None = None) -> Response:
    hub = staff.hub
    asked = request.query_params.get("lang")
    now = hub.now()
    with draft.editing(hub):  # a hub that never had a draft shows its latest release
        pass
    with hub.transaction(write=False) as conn:
        try:
            if kind == "home":
                shown: Any = preview.home(conn, asked, now)
            elif kind == "service":
                shown = preview.service(conn, item_id or "", asked, now)
            else:
                shown = preview.event(conn, item_id or "", asked, now)
        except NotFound as exc:
            raise PageError(404, NOT_IN_DRAFT[kind], staff.lang) from exc
    shape = _shape(request)
    lang = shown.frame.lang
    path = request.url.path

    def url(**changes: str) -> str:
        return f"{path}?{urlencode({'lang': lang, 'shape': shape} | changes)}"

    heading = gettext(staff.lang, TITLES[kind])
    if kind != "home":
        heading = f"{heading}: {shown.title}"
    return render(
        request,
        "preview.html",
        staff.lang,
        staff=staff,
        title=heading,
        kind=kind,
        shown=shown,
        shape=shape,
        lang_links=[
            (code, LANGUAGE_NAMES[code], url(lang=code), code == lang)
            for code in shown.frame.languages
        ],
        shape_links=[
            (name, gettext(staff.lang, label), url(shape=name), name == shape)
            for name, label in SHAPES.items()
        ],
        lang_url=lambda code: url(lang=code),
        home_url=f"{PREFIX}/home?{urlencode({'lang': lang, 'shape': shape})}",
        media_url=media_url,
        language_label=gettext(staff.lang, LANGUAGE_LABELS.get(lang, lang)),
        only_kiosks=COMMON["kiosks"],
        only_groups=COMMON["groups"],
        shown_from=COMMON["valid_from"],
        shown_until=COMMON["valid_until"],
    )


@router.get(f"{PREFIX}/home")
def home(request: Request, staff: Editor) -> Response:
    return _show(request, staff, "home")


@router.get(PREFIX + "/service/{item_id}")
def service(request: Request, item_id: str, staff: Editor) -> Response:
    return _show(request, staff, "service", item_id)


@router.get(PREFIX + "/event/{item_id}")
def event(request: Request, item_id: str, staff: Editor) -> Response:
    return _show(request, staff, "event", item_id)


@router.get(MEDIA_PREFIX + "{path:path}")
def media(path: str, staff: Editor) -> Response:
    """A picture of the draft (the logo, a poster) by the path its items name it with. The
    path is only looked up, never opened: the file is the blob of that sha256."""
    kind = PICTURE_TYPES.get(PurePosixPath(path).suffix.lower())
    with staff.hub.transaction(write=False) as conn:
        found = preview.media_file(conn, path) if kind else None
    if found is None or not staff.hub.blobs.has(*found):
        raise PageError(404, N_("This page does not exist."), staff.lang)
    return FileResponse(
        staff.hub.blobs.path(found[0]),
        media_type=kind,
        headers={"Cache-Control": "private, no-cache"},
    )

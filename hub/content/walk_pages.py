"""The virtual walk's editor: its places, their 360° photographs and hotspots, the start.

`/admin/walk` lists the walk's places in the shared draft (hub.content.draft) with a
thumbnail, their hotspots and where they lead, says what would stop the walk from being
published (a place no chain of hotspots reaches), sets the starting place and adds a place
with its photograph (checked, made upright and stripped of its GPS position and other
metadata by hub.content.uploads). `/admin/walk/{place}` edits one place: its names and
descriptions in every language side by side, location, the direction the view starts in,
a new photograph, and its hotspots, placed by clicking on the picture (no JavaScript: the
picture is the form's `<input type="image">`, see hub.content.walkedit).

Every save names the revision its page showed; when someone else saved the place since, the
save is refused, their version is shown and what was typed stays in the form. Errors are
worded for a clerk and shown by the field (kiosk_core.content.problemtext). Changes reach
the kiosks when the draft is published on the content page (hub.content.releases_pages).
Editors and administrators only.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from functools import partial
from typing import Annotated, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.content import draft, uploads, walkedit, walkpictures
from hub.content.draft import DraftItem, EditConflict
from hub.content.uploads import ImageRefused, Purpose
from hub.errors import NotFound
from hub.web.templating import gettext, render, when
from kiosk_core.content import problems as codes
from kiosk_core.content.fieldlabels import ITEMS
from kiosk_core.content.model import LANGUAGES, tr
from kiosk_core.content.problems import Problem
from kiosk_core.content.problemtext import message_for
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Editor = Annotated[Staff, Depends(staff_page("editor"))]

LIST_PATH = "/admin/walk"
NEW_PATH = "/admin/walk/new"
PHOTO_PATH = "/admin/walk/photo"
"""The two forms that upload a photograph: fixed paths, which hub.limits lets carry one."""
START_PATH = "/admin/walk/start"
KEPT_PHOTO_PATH = "/admin/walk/photo.jpg"
"""A thumbnail of a photograph uploaded with a form that was refused for another field: it
is kept, so the clerk need not upload it again. (A dot: no place's id can take this path.)"""
PLACE = "place"
WALK = "walk"
FOREVER = "private, max-age=31536000, immutable"
DONE = {
    "added": N_("The place is added. Click on its picture to put hotspots on it."),
    "saved": N_("The place is saved."),
    "hotspot": N_("The hotspot is saved."),
    "hotspot_deleted": N_("The hotspot is deleted."),
    "photo": N_("The new photograph is saved. Publishing cuts it for the kiosks."),
    "start": N_("The starting place is saved."),
    "deleted": N_("The place is deleted."),
}
DONE_AT = {
    "added": "picture",
    "hotspot": "picture",
    "hotspot_deleted": "hotspots",
    "saved": "place",
    "photo": "photo",
}
"""Where on a place's page each confirmation shows: the part the page opens at."""
DELETED_MEANWHILE = N_("Someone deleted this place after you opened it.")
HOTSPOT_GONE = N_(
    "{who} saved this place at {when}, after you opened it: check the hotspots as they are "
    "now and delete again if you still want to."
)
NO_FILE = N_("Choose the photograph to upload.")
SOMEONE = N_("Someone")


# --- reading the draft ----------------------------------------------------------------------


@dataclass
class WalkDraft:
    """The walk as the draft has it: its places, its own item (the start), the settings."""

    places: list[DraftItem]
    walk: DraftItem | None
    settings: dict[str, Any] | None

    @property
    def chosen_start(self) -> str | None:
        """The start someone set (without one, the walk starts at its first place)."""
        return (self.walk.data if self.walk else {}).get("start")

    @property
    def start(self) -> str | None:
        return self.chosen_start or (self.places[0].item_id if self.places else None)

    def names(self, lang: str) -> dict[str, str]:
        return {p.item_id: tr(p.data.get("title"), lang) or p.item_id for p in self.places}

    def find(self, place_id: str) -> DraftItem | None:
        return next((p for p in self.places if p.item_id == place_id), None)


def _optional(conn: Connection, kind: str, item_id: str) -> DraftItem | None:
    try:
        return draft.get_item(conn, kind, item_id)
    except NotFound:
        return None


def _walk(conn: Connection) -> WalkDraft:
    settings = _optional(conn, "settings", "settings")
    return WalkDraft(
        draft.list_items(conn, PLACE),
        _optional(conn, WALK, WALK),
        settings.data if settings else None,
    )


def _read(staff: Staff) -> WalkDraft:
    """The walk, the draft started from the latest release first if it never was."""
    with draft.editing(staff.hub) as conn:
        return _walk(conn)


def _place_or_404(walk: WalkDraft, place_id: str, staff: Staff) -> DraftItem:
    place = walk.find(place_id)
    if place is None:
        raise PageError(404, N_("There is no such place in the walk."), staff.lang)
    return place


# --- errors as a clerk reads them -------------------------------------------------------------


@dataclass
class Shown:
    """A form's problems as the page shows them: by input, and all of them above the form."""

    by_input: dict[str, list[str]] = field(default_factory=dict)
    summary: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.summary)

    def add(self, name: str, text: str) -> None:
        self.by_input.setdefault(name, []).append(text)
        self.summary.append(text)


def _shown(problems: list[Problem], lang: str, hotspot: int | None = None) -> Shown:
    shown = Shown()
    for p in problems:
        explained = message_for(p, partial(gettext, lang))
        shown.add(walkedit.input_name(explained.field, hotspot), str(explained))
    return shown


def _refusal(exc: ImageRefused, lang: str) -> str:
    label = gettext(lang, N_("Place: 360° photograph"))
    return f"{label}: {gettext(lang, exc.message).format(**exc.values)}"


def _who(item: DraftItem | None, lang: str) -> str:
    return (item.updated_by if item else None) or gettext(lang, SOMEONE)


# --- pictures -----------------------------------------------------------------------------------


def _picture_headers(fresh: bool) -> dict[str, str]:
    return {"Cache-Control": FOREVER if fresh else "no-cache"}


@router.get("/admin/walk/{place_id}/picture-{width}.jpg")
def place_picture(place_id: str, width: int, request: Request, staff: Editor) -> Response:
    """The whole panorama to click on, at one of the page's widths."""
    if width not in walkedit.WIDTHS:
        raise PageError(404, N_("This page does not exist."), staff.lang)
    hub = staff.hub
    with hub.transaction(write=False) as conn:
        place = draft.get_item(conn, PLACE, place_id)
        picture = walkpictures.view(conn, hub.blobs, place.data, width)
    fresh = request.query_params.get("of") == walkpictures.picture_key(place.data)
    return Response(picture.data, media_type=picture.media_type, headers=_picture_headers(fresh))


@router.get("/admin/walk/{place_id}/thumbnail.jpg")
def place_thumbnail(place_id: str, request: Request, staff: Editor) -> Response:
    hub = staff.hub
    with hub.transaction(write=False) as conn:
        place = draft.get_item(conn, PLACE, place_id)
        picture = walkpictures.place_thumbnail(conn, hub.blobs, place.data)
    fresh = request.query_params.get("of") == walkpictures.picture_key(place.data)
    return Response(picture.data, media_type=picture.media_type, headers=_picture_headers(fresh))


@router.get(KEPT_PHOTO_PATH)
def kept_photo(request: Request, staff: Editor) -> Response:
    path = request.query_params.get("path", "")
    hub = staff.hub
    with hub.transaction(write=False) as conn:
        picture = uploads.thumbnail(conn, hub.blobs, path)
    return Response(picture.data, media_type=picture.media_type, headers=_picture_headers(True))


@router.get("/admin/walk/{place_id}/markers.svg")
def markers(place_id: str, request: Request, staff: Editor) -> Response:
    """The hotspots drawn over the picture; `new` is where the editor last clicked,
    `chosen` the hotspot being edited."""
    with staff.hub.transaction(write=False) as conn:
        place = draft.get_item(conn, PLACE, place_id)
    data = place.data
    pending = _direction(request.query_params.get("new", ""))
    chosen = request.query_params.get("chosen", "")
    svg = walkedit.markers_svg(
        data.get("hotspots") or [],
        (float(data.get("yaw", 0.0)), float(data.get("pitch", 0.0))),
        pending,
        int(chosen) if chosen.isdigit() else None,
    )
    fresh = request.query_params.get("rev") == str(place.revision)
    return Response(svg, media_type="image/svg+xml", headers=_picture_headers(fresh))


def _direction(raw: str) -> tuple[float, float] | None:
    yaw, _, pitch = raw.partition(",")
    values = (walkedit.number(yaw), walkedit.number(pitch))
    if all(isinstance(v, float) for v in values):
        return min(max(values[0], -180.0), 180.0), min(max(values[1], -90.0), 90.0)
    return None


# --- uploading a photograph -------------------------------------------------------------------


async def _photo(staff: Staff, form: FormData, name: str = "photo") -> str | None:
    """The photograph uploaded in the form's field `name`, prepared and stored (in a
    transaction of its own, so it is kept however the rest of the form fares); None when
    no file was chosen. ImageRefused when it cannot be a place's photograph."""
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    uploads.check_size(upload.size or 0, Purpose.PANORAMA, name)
    data = await upload.read()
    prepared = await run_in_threadpool(_prepare, data, name)
    hub = staff.hub
    with hub.transaction() as conn:
        return uploads.store_prepared(conn, hub.blobs, prepared)


_PREPARING = threading.Lock()
"""One 360° photograph prepared at a time in a hub process: a large one takes a few hundred
megabytes while it is decoded and scaled (hub.content.uploads.MAX_PANORAMA_PIXELS), and two
editors uploading at once should not take twice that from the server the kiosks sync with."""


def _prepare(data: bytes, field: str) -> uploads.PreparedImage:
    with _PREPARING:
        return uploads.prepare_image(data, Purpose.PANORAMA, field)


def _kept(staff: Staff, form: FormData) -> str | None:
    """A photograph uploaded with an earlier try of the form, if it is the draft's."""
    path = form.get("photo_path")
    if not isinstance(path, str) or not path.startswith("media/"):
        return None
    with staff.hub.transaction(write=False) as conn:
        return path if path in draft.media(conn) else None


# --- the list of places -----------------------------------------------------------------------


@dataclass(frozen=True)
class PlaceRow:
    id: str
    title: str
    ways: int
    notes: int
    leads_to: list[tuple[str, str]]
    reached_from: list[tuple[str, str]]
    thumbnail: str


def _rows(walk: WalkDraft, lang: str) -> list[PlaceRow]:
    names = walk.names(lang)
    rows = []
    for p in walk.places:
        spots = p.data.get("hotspots") or []
        targets = list(dict.fromkeys(s["target"] for s in spots if s.get("target")))
        sources = [
            q.item_id
            for q in walk.places
            if q.item_id != p.item_id
            and any(s.get("target") == p.item_id for s in q.data.get("hotspots") or [])
        ]
        key = walkpictures.picture_key(p.data)
        rows.append(
            PlaceRow(
                p.item_id,
                names[p.item_id],
                sum(1 for s in spots if s.get("target")),
                sum(1 for s in spots if not s.get("target")),
                [(t, names.get(t, t)) for t in targets],
                [(s, names[s]) for s in sources],
                f"/admin/walk/{quote(p.item_id)}/thumbnail.jpg?of={key}",
            )
        )
    return rows


def _warnings(walk: WalkDraft, lang: str) -> list[tuple[str | None, str, str]]:
    """What would stop publishing: (place id, its name, what is wrong)."""
    names = walk.names(lang)
    places = [(p.item_id, p.data) for p in walk.places]
    out = []
    for w in walkedit.walk_warnings(
        places, (walk.walk.data if walk.walk else {}).get("start"), walk.settings
    ):
        explained = message_for(w.problem, partial(gettext, lang))
        # "Rynek: no chain of hotspots leads to this place", "Rynek: Hotspot: leads to: ..."
        own = w.place_id is not None and w.problem.code == codes.UNREACHABLE
        text = explained.text if own else str(explained)
        out.append((w.place_id, names.get(w.place_id or "", ""), text))
    return out


def _list_page(
    request: Request,
    staff: Staff,
    walk: WalkDraft | None = None,
    new: dict[str, str] | None = None,
    new_errors: Shown | None = None,
    kept_photo_path: str | None = None,
    start_choice: str | None = None,
    start_errors: Shown | None = None,
    start_conflict: DraftItem | None = None,
    status: int = 200,
) -> Response:
    walk = walk or _read(staff)
    lang = staff.lang
    settings = walk.settings or {}
    flash = None
    done = request.query_params.get("done")
    if done in DONE:
        flash = gettext(lang, DONE[done])
    return render(
        request,
        "walk.html",
        lang,
        status_code=status,
        staff=staff,
        title=gettext(lang, ITEMS["walk"]),
        rows=_rows(walk, lang),
        start=walk.start,
        start_choice=start_choice or walk.start,
        start_revision=walk.walk.revision if walk.walk else 0,
        start_errors=start_errors or Shown(),
        start_conflict=start_conflict,
        start_conflict_name=(
            walk.names(lang).get(start_conflict.data.get("start") or "", "")
            if start_conflict
            else ""
        ),
        warnings=_warnings(walk, lang),
        new=new or {},
        new_errors=new_errors or Shown(),
        kept_photo_path=kept_photo_path,
        kept_photo_url=f"{KEPT_PHOTO_PATH}?path={quote(kept_photo_path)}"
        if kept_photo_path
        else None,
        example=settings.get("location") or {},
        languages=LANGUAGES,
        flash=flash,
        flash_kind="ok",
    )


@router.get(LIST_PATH)
def walk_page(request: Request, staff: Editor) -> Response:
    return _list_page(request, staff)


@router.post(START_PATH)
async def set_start(request: Request, staff: Editor) -> Response:
    form = await read_form(request, staff)
    choice = str(form.get("start") or "")
    revision = _revision(form)
    hub = staff.hub
    with draft.editing(hub) as conn:
        walk = _walk(conn)
        if walk.find(choice) is None:
            problem = Problem("panoramas/walk.yaml", None, "start", "unknown", "missing")
            shown = _shown([problem], staff.lang)
            return _list_page(
                request, staff, walk, start_errors=shown, start_choice=choice, status=422
            )
        data = {**(walk.walk.data if walk.walk else {}), "start": choice}
        try:
            draft.save(conn, WALK, WALK, data, revision, staff.user.display_name, hub.now())
        except EditConflict as exc:
            return _list_page(
                request,
                staff,
                walk,
                start_choice=choice,
                start_conflict=exc.current,
                status=409,
            )
    return RedirectResponse(f"{LIST_PATH}?done=start#start", status_code=303)


def _revision(form: FormData, name: str = "revision") -> int:
    raw = form.get(name)
    return int(raw) if isinstance(raw, str) and raw.isdigit() and len(raw) < 12 else -1


def _values(form: FormData) -> dict[str, str]:
    """What was typed, to show again (files left out)."""
    return {k: v for k, v in form.multi_items() if isinstance(v, str) and k != "csrf"}


@router.post(NEW_PATH)
async def add_place(request: Request, staff: Editor) -> Response:
    form = await read_form(request, staff)
    try:
        values = _values(form)
        refused: ImageRefused | None = None
        try:
            photo = await _photo(staff, form) or _kept(staff, form)
        except ImageRefused as exc:
            photo, refused = _kept(staff, form), exc
        place_id, data = walkedit.new_place(form, photo)
        hub = staff.hub
        with draft.editing(hub) as conn:
            walk = _walk(conn)
            names = walk.names(staff.lang)
            problems = walkedit.check_new(place_id, data, names)
            checked, more = walkedit.check_place(data, {**names, place_id: ""}, walk.settings)
            problems += [p for p in more if p.code != "panorama_image_required"]
            if refused is not None:  # said by the upload's own words, not as "required"
                problems = [p for p in problems if walkedit.input_name(p.field) != "photo"]
            if not problems and refused is None and checked is not None:
                try:
                    draft.save(
                        conn, PLACE, place_id, checked, 0, staff.user.display_name, hub.now()
                    )
                except EditConflict:
                    problems = walkedit.check_new(place_id, data, {place_id: ""})
            if problems or refused is not None:
                shown = _shown(problems, staff.lang)
                if refused is not None:
                    shown.add("photo", _refusal(refused, staff.lang))
                return _list_page(
                    request,
                    staff,
                    walk,
                    new=values,
                    new_errors=shown,
                    kept_photo_path=photo,
                    status=422,
                )
    finally:
        await form.close()
    return RedirectResponse(f"/admin/walk/{quote(place_id)}?done=added#picture", status_code=303)


# --- one place ----------------------------------------------------------------------------------


@dataclass
class HotspotForm:
    """The hotspot form as the page shows it: which hotspot (None: a new one), what its
    inputs hold, its problems."""

    index: int | None
    values: dict[str, str]
    errors: Shown = field(default_factory=Shown)
    conflict: DraftItem | None = None

    @property
    def kind(self) -> str:
        return self.values.get("hotspot.kind") or walkedit.WAY

    @property
    def pending(self) -> tuple[float, float] | None:
        return _direction(
            f"{self.values.get('hotspot.yaw', '')},{self.values.get('hotspot.pitch', '')}"
        )


def _place_page(
    request: Request,
    staff: Staff,
    place_id: str,
    walk: WalkDraft | None = None,
    values: dict[str, str] | None = None,
    errors: Shown | None = None,
    conflict: DraftItem | None = None,
    hotspot: HotspotForm | None = None,
    photo_errors: Shown | None = None,
    kept_photo_path: str | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    walk = walk or _read(staff)
    place = _place_or_404(walk, place_id, staff)
    lang = staff.lang
    data = place.data
    names = walk.names(lang)
    if hotspot is None:
        hotspot = _hotspot_from_query(request, data)
    done = request.query_params.get("done")
    flash = gettext(lang, DONE[done]) if done in DONE and status == 200 else None
    key = walkpictures.picture_key(data)
    base = f"/admin/walk/{quote(place_id)}"
    marks = f"{base}/markers.svg?rev={place.revision}"
    if hotspot is not None:
        pending = hotspot.pending
        if pending is not None:
            marks += f"&new={pending[0]},{pending[1]}"
        if hotspot.index is not None:
            marks += f"&chosen={hotspot.index}"
    spots = data.get("hotspots") or []
    return render(
        request,
        "walk_place.html",
        lang,
        status_code=status,
        staff=staff,
        title=names[place_id],
        place=place,
        base=base,
        is_start=walk.start == place_id,
        values=values
        if values is not None
        else walkedit.form_values({"yaw": 0, "pitch": 0} | data),
        errors=errors or Shown(),
        conflict=conflict,
        conflict_who=_who(conflict, lang),
        hotspot=hotspot,
        spots=spots,
        targets=[(p.item_id, names[p.item_id]) for p in walk.places if p.item_id != place_id],
        names=names,
        pictures=[(w, f"{base}/picture-{w}.jpg?of={key}") for w in walkedit.WIDTHS],
        markers_url=marks,
        photo_errors=photo_errors or Shown(),
        kept_photo_path=kept_photo_path,
        kept_photo_url=f"{KEPT_PHOTO_PATH}?path={quote(kept_photo_path)}"
        if kept_photo_path
        else None,
        has_photo=bool(data.get("image")),
        languages=LANGUAGES,
        number=walkedit.shown_number,
        tr=tr,
        notice=notice,
        done=flash,
        done_at=DONE_AT.get(done or ""),
    )


def _hotspot_from_query(request: Request, data: dict[str, Any]) -> HotspotForm | None:
    """The hotspot form a link opened: `?hotspot=2` edits the third, `?hotspot=new` adds
    one by typing its direction."""
    asked = request.query_params.get("hotspot", "")
    spots = data.get("hotspots") or []
    if asked == "new":
        return HotspotForm(None, {})
    if asked.isdigit() and int(asked) < len(spots):
        spot = spots[int(asked)]
        values = walkedit.form_values(spot, "hotspot.")
        values["hotspot.kind"] = walkedit.WAY if spot.get("target") else walkedit.NOTE
        return HotspotForm(int(asked), values)
    return None


@router.get("/admin/walk/{place_id}")
def place_page(place_id: str, request: Request, staff: Editor) -> Response:
    return _place_page(request, staff, place_id)


@router.post("/admin/walk/{place_id}/place")
async def save_place(place_id: str, request: Request, staff: Editor) -> Response:
    form = await read_form(request, staff)
    values = _values(form)
    hub = staff.hub
    with draft.editing(hub) as conn:
        walk = _walk(conn)
        current = _place_or_404(walk, place_id, staff)
        data = walkedit.place_fields(current.data, form)
        checked, problems = walkedit.check_place(data, walk.names(staff.lang), walk.settings)
        if problems or checked is None:
            shown = _shown(problems, staff.lang)
            return _place_page(request, staff, place_id, walk, values, shown, status=422)
        try:
            draft.save(
                conn, PLACE, place_id, checked, _revision(form), staff.user.display_name, hub.now()
            )
        except EditConflict as exc:
            return _conflict(request, staff, place_id, walk, exc, values=values)
    return RedirectResponse(f"/admin/walk/{quote(place_id)}?done=saved#place", status_code=303)


def _conflict(
    request: Request,
    staff: Staff,
    place_id: str,
    walk: WalkDraft,
    exc: EditConflict,
    **kept: Any,
) -> Response:
    """The page again after a refused save: the other person's version shown (the page
    reads the place as it is now, and its forms carry its revision), what was typed kept."""
    if exc.current is None:
        raise PageError(409, DELETED_MEANWHILE, staff.lang)
    return _place_page(request, staff, place_id, walk, conflict=exc.current, status=409, **kept)


@router.post("/admin/walk/{place_id}/hotspot")
async def hotspot(place_id: str, request: Request, staff: Editor) -> Response:
    """A click on the picture opens (or moves) the hotspot form at that direction; its
    Save button saves it."""
    form = await read_form(request, staff)
    values = {k: v for k, v in _values(form).items() if k.startswith("hotspot.")}
    raw_index = str(form.get("hotspot.index") or "")
    index = int(raw_index) if raw_index.isdigit() and len(raw_index) < 6 else None
    click = walkedit.clicked(form)
    hub = staff.hub
    if click is not None or form.get("save") is None:
        walk = _read(staff)
        place = _place_or_404(walk, place_id, staff)
        spots = place.data.get("hotspots") or []
        if index is not None and index >= len(spots):
            index = None
        if "hotspot.kind" not in values:
            values["hotspot.kind"] = walkedit.WAY if len(walk.places) > 1 else walkedit.NOTE
        if click is not None:
            values["hotspot.yaw"], values["hotspot.pitch"] = (
                walkedit.shown_number(click[0]),
                walkedit.shown_number(click[1]),
            )
        return _place_page(request, staff, place_id, walk, hotspot=HotspotForm(index, values))
    with draft.editing(hub) as conn:
        walk = _walk(conn)
        current = _place_or_404(walk, place_id, staff)
        spots = current.data.get("hotspots") or []
        if index is not None and index >= len(spots):
            index = None
        spot = walkedit.hotspot_fields(form)
        data = walkedit.with_hotspot(current.data, spot, index)
        where = index if index is not None else len(spots)
        kind = str(form.get("hotspot.kind") or walkedit.WAY)
        checked, problems = walkedit.check_place(
            data, walk.names(staff.lang), walk.settings, where, kind
        )
        if problems or checked is None:
            shown = _shown(problems, staff.lang, where)
            return _place_page(
                request,
                staff,
                place_id,
                walk,
                hotspot=HotspotForm(index, values, shown),
                status=422,
            )
        try:
            draft.save(
                conn, PLACE, place_id, checked, _revision(form), staff.user.display_name, hub.now()
            )
        except EditConflict as exc:
            if exc.current is None:
                raise PageError(409, DELETED_MEANWHILE, staff.lang) from None
            kept = HotspotForm(index, values, conflict=exc.current)
            return _place_page(request, staff, place_id, walk, hotspot=kept, status=409)
    return RedirectResponse(f"/admin/walk/{quote(place_id)}?done=hotspot#picture", status_code=303)


@router.post("/admin/walk/{place_id}/hotspots/{index}/delete")
async def delete_hotspot(place_id: str, index: int, request: Request, staff: Editor) -> Response:
    form = await read_form(request, staff)
    hub = staff.hub
    with draft.editing(hub) as conn:
        walk = _walk(conn)
        current = _place_or_404(walk, place_id, staff)
        revision = _revision(form)
        if revision != current.revision:
            notice = gettext(staff.lang, HOTSPOT_GONE).format(
                who=_who(current, staff.lang), when=_when(current, staff)
            )
            return _place_page(request, staff, place_id, walk, notice=notice, status=409)
        if not 0 <= index < len(current.data.get("hotspots") or []):
            raise PageError(404, N_("There is no such hotspot."), staff.lang)
        data = walkedit.without_hotspot(current.data, index)
        try:
            draft.save(conn, PLACE, place_id, data, revision, staff.user.display_name, hub.now())
        except EditConflict as exc:
            return _conflict(request, staff, place_id, walk, exc)
    return RedirectResponse(
        f"/admin/walk/{quote(place_id)}?done=hotspot_deleted#hotspots", status_code=303
    )


def _when(item: DraftItem, staff: Staff) -> str:
    return when(item.updated_at, staff.lang, ZoneInfo(staff.hub.settings.timezone), "short")


@router.post(PHOTO_PATH)
async def replace_photo(request: Request, staff: Editor) -> Response:
    form = await read_form(request, staff)
    try:
        place_id = str(form.get("place") or "")
        refused = None
        try:
            photo = await _photo(staff, form) or _kept(staff, form)
        except ImageRefused as exc:
            photo, refused = None, exc
        hub = staff.hub
        with draft.editing(hub) as conn:
            walk = _walk(conn)
            current = _place_or_404(walk, place_id, staff)
            if refused is not None or photo is None:
                shown = Shown()
                label = gettext(staff.lang, N_("Place: 360° photograph"))
                text = (
                    _refusal(refused, staff.lang)
                    if refused
                    else f"{label}: {gettext(staff.lang, NO_FILE)}"
                )
                shown.add("photo", text)
                return _place_page(request, staff, place_id, walk, photo_errors=shown, status=422)
            data = {k: v for k, v in current.data.items() if k not in ("textures", "preview")}
            data["image"] = photo
            try:
                draft.save(
                    conn, PLACE, place_id, data, _revision(form), staff.user.display_name, hub.now()
                )
            except EditConflict as exc:
                return _conflict(request, staff, place_id, walk, exc, kept_photo_path=photo)
    finally:
        await form.close()
    return RedirectResponse(f"/admin/walk/{quote(place_id)}?done=photo#photo", status_code=303)


# --- deleting a place ---------------------------------------------------------------------------


def _delete_page(
    request: Request,
    staff: Staff,
    place_id: str,
    walk: WalkDraft | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> Response:
    walk = walk or _read(staff)
    place = _place_or_404(walk, place_id, staff)
    names = walk.names(staff.lang)
    links = walkedit.links_to([(p.item_id, p.data) for p in walk.places], place_id)
    revisions = {p.item_id: p.revision for p in walk.places}
    return render(
        request,
        "walk_delete.html",
        staff.lang,
        status_code=status,
        staff=staff,
        title=gettext(staff.lang, N_("Delete the place {name}")).format(name=names[place_id]),
        place=place,
        name=names[place_id],
        is_start=walk.chosen_start == place_id and len(walk.places) > 1,
        links=[(link, names.get(link.place_id, link.place_id)) for link in links],
        sources=sorted({link.place_id for link in links}),
        revisions=revisions,
        refusal=refusal,
    )


@router.get("/admin/walk/{place_id}/delete")
def confirm_delete(place_id: str, request: Request, staff: Editor) -> Response:
    return _delete_page(request, staff, place_id)


LINKED = N_(
    "Hotspots of other places lead to this place. Tick that they are to be removed with it, "
    "or change them first."
)
IS_START = N_("This is the starting place of the walk: choose another starting place first.")
CHANGED_SINCE = N_(
    "The walk was changed after you opened this page. Check what it says now and delete again."
)


@router.post("/admin/walk/{place_id}/delete")
async def delete_place(place_id: str, request: Request, staff: Editor) -> Response:
    form = await read_form(request, staff)
    hub = staff.hub
    who, now = staff.user.display_name, hub.now()
    with draft.editing(hub) as conn:
        walk = _walk(conn)
        place = _place_or_404(walk, place_id, staff)
        links = walkedit.links_to([(p.item_id, p.data) for p in walk.places], place_id)
        sources = {link.place_id for link in links}
        if walk.chosen_start == place_id and len(walk.places) > 1:
            return _delete_page(request, staff, place_id, walk, gettext(staff.lang, IS_START), 409)
        if links and form.get("remove_links") != "1":
            return _delete_page(request, staff, place_id, walk, gettext(staff.lang, LINKED), 409)
        shown = {p.item_id: _revision(form, f"rev.{p.item_id}") for p in walk.places}
        stale = any(shown[s] != walk.find(s).revision for s in sources)  # type: ignore[union-attr]
        if stale or _revision(form) != place.revision:
            message = gettext(staff.lang, CHANGED_SINCE)
            return _delete_page(request, staff, place_id, walk, message, 409)
        try:
            for source in sorted(sources):
                other = walk.find(source)
                assert other is not None
                data = walkedit.without_ways_to(other.data, place_id)
                draft.save(conn, PLACE, source, data, other.revision, who, now)
            draft.delete_item(conn, PLACE, place_id, place.revision, who, now)
            if walk.walk is not None and walk.chosen_start == place_id:  # the walk's last place
                rest = {k: v for k, v in walk.walk.data.items() if k != "start"}
                draft.save(conn, WALK, WALK, rest, walk.walk.revision, who, now)
        except EditConflict:
            # Nothing of this request is kept: the transaction is rolled back with the page.
            raise PageError(409, CHANGED_SINCE, staff.lang) from None
    return RedirectResponse(f"{LIST_PATH}?done=deleted", status_code=303)

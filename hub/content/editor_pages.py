"""The content editor: staff edit the kiosks' content in forms, in the shared draft.

`/admin/content` says what needs doing (translations to check or missing, cards due for
review) and lists the kinds; `/admin/content/<kind>` lists a kind's items with search and
filters; `/admin/content/<kind>/<id>` edits one item in its form (hub.content.forms), every
visitor-facing text in the offered languages side by side. A save names the revision the
form was opened at: if someone saved the item since, the save is refused and the page shows
their version beside what this person typed (hub.content.draft.EditConflict). Problems are
worded for a clerk and shown next to their field, what was typed kept. Pictures are checked,
turned upright, stripped of their metadata and scaled on upload (hub.content.uploads).
The walk's places have their own pages (hub.content.walk_pages); publishing goes through
"what will change" on the releases pages.

Editors and administrators edit; where residents' reports go (a report category's department
and its e-mail) only an administrator changes.
"""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.content import draft, forms, listing, translating, uploads
from hub.content.forms import Form
from hub.errors import FieldRefused, Invalid, NotFound
from hub.fleet.kiosks import list_kiosks
from hub.web.templating import gettext, render
from kiosk_core.content.items import BY_NAME, SINGLETON_ID
from kiosk_core.content.model import LANGUAGES
from kiosk_core.content.texts import texts_of
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Editor = Annotated[Staff, Depends(staff_page("editor"))]

EDITABLE = (
    "settings",
    "service_category",
    "service",
    "event_category",
    "event",
    "report_category",
    "alert",
    "attract",
)
"""Kinds edited in a form here, in the order the overview lists them."""
KIND_TITLES = {
    "settings": N_("Municipality settings"),
    "service_category": N_("Service categories"),
    "service": N_("Service cards"),
    "event_category": N_("Event categories"),
    "event": N_("Events"),
    "report_category": N_("Report categories"),
    "alert": N_("Content alerts"),
    "attract": N_("Attract loop"),
}
TRANSLATED_KINDS = (*EDITABLE, "place")
"""Kinds whose translations the list of texts to check covers: the walk's places too."""
WALK_TITLE = N_("Virtual walk")
NEW_TITLES = {
    "service_category": N_("New service category"),
    "service": N_("New service card"),
    "event_category": N_("New event category"),
    "event": N_("New event"),
    "report_category": N_("New report category"),
    "alert": N_("New alert"),
    "attract": N_("New slide"),
}
PURPOSES = {
    "logo": uploads.Purpose.LOGO,
    "map.image": uploads.Purpose.MAP,
    "image": uploads.Purpose.POSTER,
}
"""What each picture field is for (its size on a kiosk screen); attract slides fill it."""
PREVIEWS = {"service": "/admin/preview/service/{id}", "event": "/admin/preview/event/{id}"}
PAGE_SIZE = 50
VIDEO_TYPES = {b"ftyp": ".mp4", b"\x1a\x45\xdf\xa3": ".webm"}
DONE = {
    "saved": N_("Saved in the draft. It reaches the kiosks when the draft is published."),
    "deleted": N_("Deleted from the draft. The kiosks keep it until the draft is published."),
    "reviewed": N_("Marked as reviewed today."),
}


def _kind(kind: str, staff: Staff) -> str:
    if kind not in EDITABLE:
        raise PageError(404, N_("There is no such kind of content."), staff.lang)
    return kind


def _context(staff: Staff) -> dict[str, Any]:
    """What every editor page needs: the offered languages, the kiosks and groups."""
    hub = staff.hub
    with draft.editing(hub) as conn:
        settings = draft.find_item(conn, "settings", "settings")
        kiosks = list_kiosks(conn)
    offered = (settings.data.get("languages") if settings else None) or list(LANGUAGES)
    languages = ["pl", *(lang for lang in LANGUAGES if lang in offered and lang != "pl")]
    return {
        "languages": languages,
        "kiosks": kiosks,
        "groups": sorted({g for k in kiosks for g in k.groups}),
    }


def _zone(staff: Staff) -> ZoneInfo:
    return ZoneInfo(staff.hub.settings.timezone)


# --- the overview and the lists ------------------------------------------------------------


@router.get("/admin/content")
def overview(request: Request, staff: Editor) -> Response:
    hub = staff.hub
    context = _context(staff)
    now = hub.now()
    with hub.transaction(write=False) as conn:
        items = {kind: draft.list_items(conn, kind) for kind in TRANSLATED_KINDS}
        state = draft.state(conn)
    everything = [i for kind in TRANSLATED_KINDS for i in items[kind]]
    today = now.astimezone(_zone(staff)).date()
    months = hub.settings.review_after_months
    return render(
        request,
        "editor_overview.html",
        staff.lang,
        staff=staff,
        title=gettext(staff.lang, N_("Content")),
        kinds=EDITABLE,
        kind_titles=KIND_TITLES,
        counts={kind: len(items[kind]) for kind in EDITABLE},
        to_check=len(listing.texts_to_check(everything, staff.lang)),
        missing=listing.missing_counts(everything, context["languages"]),
        review_due=sum(1 for i in items["service"] if listing.review_due(i, today, months)),
        review_months=months,
        edited=bool(state and state.edited),
        **context,
    )


@router.get("/admin/content/texts-to-check")
def texts_to_check(request: Request, staff: Editor) -> Response:
    hub = staff.hub
    _context(staff)
    with hub.transaction(write=False) as conn:
        everything = [i for kind in TRANSLATED_KINDS for i in draft.list_items(conn, kind)]
    return render(
        request,
        "editor_to_check.html",
        staff.lang,
        staff=staff,
        title=gettext(staff.lang, N_("Translations to check")),
        entries=listing.texts_to_check(everything, staff.lang),
        kind_titles={**KIND_TITLES, "place": WALK_TITLE},
        label=lambda kind, path: _text_label(kind, path, staff.lang),
    )


def _text_label(kind: str, path: str, lang: str) -> str:
    key = BY_NAME[kind].key
    bare = ".".join(p for p in path.split(".") if not p.isdigit())
    return gettext(lang, forms.label_of(key, bare))


@router.get("/admin/content/{kind}")
def item_list(request: Request, kind: str, staff: Editor) -> Response:
    kind = _kind(kind, staff)
    if kind in SINGLETON_ID:
        return RedirectResponse(f"/admin/content/{kind}/{SINGLETON_ID[kind]}", status_code=303)
    hub = staff.hub
    context = _context(staff)
    params = request.query_params
    filters = listing.Filters(
        query=params.get("q", "")[:200],
        category=params.get("category", "")[:64],
        missing=params.get("missing", "") if params.get("missing") in LANGUAGES else "",
        to_check=params.get("check") == "1",
        stale=params.get("stale") == "1",
        archive=params.get("archive") == "1",
    )
    now = hub.now()
    tz = _zone(staff)
    months = hub.settings.review_after_months
    with hub.transaction(write=False) as conn:
        items = draft.list_items(conn, kind)
        categories = _categories(conn, kind)
    shown = listing.select(
        items,
        filters,
        languages=context["languages"],
        now=now,
        tz=tz,
        review_months=months,
    )
    raw_page = params.get("page", "1")
    pages = max(1, -(-len(shown) // PAGE_SIZE))
    page = min(int(raw_page), pages) if raw_page.isdigit() and int(raw_page) > 0 else 1
    rows = listing.rows(
        shown[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        languages=context["languages"],
        lang=staff.lang,
        now=now,
        tz=tz,
        review_months=months,
    )
    query = {k: v for k, v in params.items() if k != "page"}
    return render(
        request,
        "editor_list.html",
        staff.lang,
        staff=staff,
        title=gettext(staff.lang, KIND_TITLES[kind]),
        kind=kind,
        rows=rows,
        total=len(items),
        found=len(shown),
        filters=filters,
        categories=categories,
        page=page,
        pages=pages,
        page_link=lambda n: f"?{urlencode({**query, 'page': n})}",
        new_title=NEW_TITLES.get(kind),
        review_months=months,
        flash=_flash(request, staff),
        **context,
    )


def _categories(conn: Any, kind: str) -> list[tuple[str, str]]:
    """The categories a list filters by and a form chooses from (id, name)."""
    other = {"service": "service_category", "event": "event_category"}.get(kind)
    if other is None:
        return []
    return [(i.item_id, listing.title_of(i)) for i in draft.list_items(conn, other)]


def _flash(request: Request, staff: Staff) -> str | None:
    done = request.query_params.get("done")
    return gettext(staff.lang, DONE[done]) if done in DONE else None


# --- one item ------------------------------------------------------------------------------


@router.get("/admin/content/{kind}/new")
def new_item(request: Request, kind: str, staff: Editor) -> Response:
    kind = _kind(kind, staff)
    if kind in SINGLETON_ID:
        raise PageError(404, N_("There is no such kind of content."), staff.lang)
    form = forms.form_for(kind)
    return _edit_page(request, staff, form, None, forms.values_of(form, {}))


@router.get("/admin/content/{kind}/{item_id}")
def edit_item(request: Request, kind: str, item_id: str, staff: Editor) -> Response:
    kind = _kind(kind, staff)
    item = _get(staff, kind, item_id)
    form = forms.form_for(kind)
    return _edit_page(request, staff, form, item, forms.values_of(form, item.data))


def _get(staff: Staff, kind: str, item_id: str) -> draft.DraftItem:
    with draft.editing(staff.hub) as conn:
        try:
            return draft.get_item(conn, kind, item_id)
        except NotFound as exc:
            raise PageError(404, N_("There is no such item in the draft."), staff.lang) from exc


def _edit_page(
    request: Request,
    staff: Staff,
    form: Form,
    item: draft.DraftItem | None,
    values: dict[str, Any],
    *,
    errors: dict[str, list[str]] | None = None,
    conflict: draft.DraftItem | None = None,
    merged: forms.Merged | None = None,
    revision: int | None = None,
    status: int = 200,
) -> Response:
    hub = staff.hub
    context = _context(staff)
    with hub.transaction(write=False) as conn:
        categories = _categories(conn, form.kind)
        media = draft.media(conn)
    model = BY_NAME[form.kind].model
    flagged = _flagged_inputs(form, item) if item is not None else set()
    id_field = BY_NAME[form.kind].id_field
    title = (
        listing.title_of(item, staff.lang)
        if item is not None
        else gettext(staff.lang, NEW_TITLES.get(form.kind, KIND_TITLES[form.kind]))
    )
    preview = PREVIEWS.get(form.kind) if item is not None else None
    return render(
        request,
        "editor_item.html",
        staff.lang,
        status_code=status,
        staff=staff,
        title=title,
        form=form,
        kind=form.kind,
        kind_title=KIND_TITLES[form.kind],
        item=item,
        values=values,
        errors=errors or {},
        flagged=flagged,
        conflict=conflict,
        conflict_values=forms.values_of(form, conflict.data) if conflict else None,
        merged=merged,
        input_label=lambda name: forms.input_label(form, name, partial(gettext, staff.lang)),
        revision=revision if revision is not None else (item.revision if item else 0),
        id_field=id_field if item is None else "",
        locked_id=id_field if item is not None else "",
        references={"service_category": categories, "event_category": categories},
        media=media,
        may_route=staff.user.is_admin(),
        language_label=lambda lang: gettext(staff.lang, forms.language_label(lang)),
        field_label=lambda f: gettext(staff.lang, f.label),
        action=_item_path(form.kind, item.item_id) if item else f"/admin/content/{form.kind}/new",
        preview=preview.format(id=item.item_id) if preview and item else None,
        singleton=form.kind in SINGLETON_ID,
        all_languages=LANGUAGES,
        targeting=forms.TARGETING,
        choice_label=lambda value: gettext(staff.lang, forms.CHOICE_LABELS.get(value, value)),
        text_count=len(texts_of(model, item.data)) if item else 0,
        flash=_flash(request, staff),
        **context,
    )


def _item_path(kind: str, item_id: str) -> str:
    return f"/admin/content/{kind}/{item_id}"


def _to_check_inputs(form: Form, item: draft.DraftItem) -> dict[tuple[str, str], str]:
    """Each translation to check (text path, language) with the input that holds it
    (`title.de`; `documents.en` for every document, one a line)."""
    model = BY_NAME[form.kind].model
    lists = {f.path for f in forms.walk_fields(form.fields) if f.widget == "textlist"}
    out = {}
    for path, lang in translating.to_check(model, item.data, item.checked):
        parts = path.split(".")
        if parts[-1].isdigit() and ".".join(p for p in parts[:-1] if not p.isdigit()) in lists:
            parts = parts[:-1]
        out[path, lang] = f"{'.'.join(parts)}.{lang}"
    return out


def _flagged_inputs(form: Form, item: draft.DraftItem) -> set[str]:
    """The inputs holding a translation to check."""
    return set(_to_check_inputs(form, item).values())


def _confirmed(form: Form, item: draft.DraftItem | None, posted: FormData) -> set[tuple[str, str]]:
    """The translations to check this person ticked as still right."""
    if item is None:
        return set()
    ticked = {name[len("confirm.") :] for name in posted if name.startswith("confirm.")}
    return {key for key, name in _to_check_inputs(form, item).items() if name in ticked}


def _posted(form: FormData) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            out.setdefault(name, []).append(value)
    return out


@router.post("/admin/content/{kind}/new")
async def create_item(request: Request, kind: str, staff: Editor) -> Response:
    kind = _kind(kind, staff)
    if kind in SINGLETON_ID:
        raise PageError(404, N_("There is no such kind of content."), staff.lang)
    return await _save(request, staff, kind, None)


@router.post("/admin/content/{kind}/{item_id}")
async def save_item(request: Request, kind: str, item_id: str, staff: Editor) -> Response:
    kind = _kind(kind, staff)
    return await _save(request, staff, kind, item_id)


async def _save(request: Request, staff: Staff, kind: str, item_id: str | None) -> Response:
    form_data = await read_form(request, staff)
    try:
        return await run_in_threadpool(_save_posted, request, staff, kind, item_id, form_data)
    finally:
        await form_data.close()


def _save_posted(
    request: Request, staff: Staff, kind: str, item_id: str | None, form_data: FormData
) -> Response:
    hub = staff.hub
    form = forms.form_for(kind)
    spec = BY_NAME[kind]
    posted = _posted(form_data)
    raw_revision = (posted.get("revision") or ["0"])[-1]
    revision = int(raw_revision) if raw_revision.isdigit() else 0
    old = _get(staff, kind, item_id) if item_id is not None else None
    errors: dict[str, list[str]] = {}
    uploaded = _store_uploads(staff, form, form_data, posted, errors)
    for name, path in uploaded.items():
        posted[f"{name}.uploaded"] = [path]
    data = forms.parse(
        form,
        posted,
        old.data if old else None,
        uploaded=uploaded,
        may_route=staff.user.is_admin(),
    )
    if item_id is None:
        item_id = _new_id(staff, kind, data)
        if kind == "service" and not data.get("last_reviewed"):
            # A card written today was reviewed today: not due at once.
            data["last_reviewed"] = hub.now().astimezone(_zone(staff)).date().isoformat()
        if spec.id_field and kind == "report_category" and not staff.user.is_admin():
            errors.setdefault("", []).append(gettext(staff.lang, ROUTING_NEW))
    problems = forms.problems_of(form, data)
    errors_found = forms.problems_by_input(form, problems, lambda m: gettext(staff.lang, m))
    for key, messages in errors_found.items():
        errors.setdefault(key, []).extend(messages)
    if item_id is not None and spec.id_field and not errors:
        try:
            draft.check_item(kind, item_id, data)
        except Invalid as exc:
            errors.setdefault(spec.id_field, []).extend(exc.problems or [exc.detail])
    values = {k: v if len(v) > 1 or _multi(form, k) else v[-1] for k, v in posted.items()}
    if errors or item_id is None:
        return _edit_page(
            request, staff, form, old, values, errors=errors, revision=revision, status=422
        )
    try:
        with draft.editing(hub) as conn:
            draft.save(
                conn,
                kind,
                item_id,
                data,
                revision,
                staff.user.display_name,
                hub.now(),
                confirmed=_confirmed(form, old, form_data),
            )
    except draft.EditConflict as exc:
        merged = None
        if exc.current is None:
            errors.setdefault("", []).append(gettext(staff.lang, DELETED_MEANWHILE))
        elif revision == 0:
            errors.setdefault(spec.id_field or "", []).append(
                gettext(staff.lang, ID_TAKEN).format(value=item_id)
            )
        else:
            merged = _merged(staff, form, exc.current, revision, values)
            values = merged.values
        return _edit_page(
            request,
            staff,
            form,
            exc.current or old,
            values,
            errors=errors,
            conflict=exc.current if merged else None,
            merged=merged,
            revision=exc.current.revision if exc.current else revision,
            status=409,
        )
    return RedirectResponse(f"{_item_path(kind, item_id)}?done=saved", status_code=303)


def _merged(
    staff: Staff, form: Form, current: draft.DraftItem, revision: int, mine: dict[str, Any]
) -> forms.Merged:
    """This person's changes over the item as the other person saved it: saving the page
    again keeps both, unless both changed the same input (then the page shows theirs)."""
    with staff.hub.transaction(write=False) as conn:
        history = draft.history(conn, current.kind, current.item_id)
    base = next((h.data for h in history if h.revision == revision), None) or {}
    return forms.merge(form, forms.values_of(form, base), forms.values_of(form, current.data), mine)


ROUTING_NEW = N_(
    "Only an administrator may add a report category: it decides where residents' reports go."
)
ID_TAKEN = N_('"{value}" is already used by another item; choose another identifier.')
DELETED_MEANWHILE = N_(
    "Someone deleted this item while you were editing it. What you typed is kept below: "
    "save it as a new item, or leave it."
)


def _multi(form: Form, name: str) -> bool:
    return any(f.widget in ("languages", "ids") and f.name == name for f in form.fields)


def _new_id(staff: Staff, kind: str, data: dict[str, Any]) -> str | None:
    """The id of a new item: the one typed, or for slides the next free number."""
    spec = BY_NAME[kind]
    if spec.id_field:
        value = data.get(spec.id_field)
        return value if isinstance(value, str) and value else None
    with staff.hub.transaction(write=False) as conn:
        taken = {i.item_id for i in draft.list_items(conn, kind)}
    number = len(taken) + 1
    while f"{kind}-{number}" in taken:
        number += 1
    return f"{kind}-{number}"


def _store_uploads(
    staff: Staff,
    form: Form,
    form_data: FormData,
    posted: dict[str, list[str]],
    errors: dict[str, list[str]],
) -> dict[str, str]:
    """Store each picture or video chosen in the form; returns input name -> media path.
    A file stored by an earlier attempt of this form (refused for another field) comes back
    as `<name>.uploaded`, so it need not be chosen again."""
    hub = staff.hub
    stored: dict[str, str] = {}
    with hub.transaction(write=False) as conn:
        known = draft.media(conn)
    for f in forms.walk_fields(form.fields):
        if f.widget != "media":
            continue
        name = f.path
        again = (posted.get(f"{name}.uploaded") or [""])[-1]
        if again in known:
            stored[name] = again
        upload = form_data.get(name)
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        data = upload.file.read(hub.settings.blob_limit + 1)
        try:
            with draft.editing(hub) as conn:
                if f.video:
                    stored[name] = _store_video(conn, hub, data, name)
                else:
                    purpose = uploads.Purpose.ATTRACT if form.kind == "attract" else PURPOSES[name]
                    stored[name] = uploads.store_image(conn, hub.blobs, data, purpose, name)
        except FieldRefused as exc:
            message = gettext(staff.lang, exc.message).format(**exc.values)
            errors.setdefault(name, []).append(message)
    return stored


VIDEO_REFUSED = N_("The file is not a video the kiosk plays: choose an MP4 or WebM file.")
VIDEO_TOO_BIG = N_("The video is larger than the hub accepts ({limit}).")


def _store_video(conn: Any, hub: Any, data: bytes, field: str) -> str:
    """A video as uploaded (a kiosk plays it with libVLC): only its kind and size checked."""
    if len(data) > hub.settings.blob_limit:
        limit = f"{hub.settings.blob_limit // (1024 * 1024)} MB"
        raise FieldRefused(field, VIDEO_TOO_BIG, limit=limit)
    suffix = next((s for sig, s in VIDEO_TYPES.items() if sig in data[:12]), None)
    if suffix is None:
        raise FieldRefused(field, VIDEO_REFUSED)
    sha256 = hub.blobs.put(data)
    path = f"media/{sha256}{suffix}"
    draft.add_media(conn, path, sha256, len(data))
    return path


# --- reviewed, deleted, history, thumbnails ------------------------------------------------


@router.post("/admin/content/{kind}/{item_id}/reviewed")
async def mark_reviewed(request: Request, kind: str, item_id: str, staff: Editor) -> Response:
    """ "Reviewed, nothing changed": the card's last_reviewed becomes today."""
    form_data = await read_form(request, staff)
    if kind != "service":
        raise PageError(404, N_("There is no such kind of content."), staff.lang)
    raw = form_data.get("revision")
    revision = int(raw) if isinstance(raw, str) and raw.isdigit() else 0
    hub = staff.hub
    item = _get(staff, kind, item_id)
    today = hub.now().astimezone(_zone(staff)).date()
    data = {**item.data, "last_reviewed": date.isoformat(today)}
    try:
        with draft.editing(hub) as conn:
            draft.save(
                conn,
                kind,
                item_id,
                data,
                revision,
                staff.user.display_name,
                hub.now(),
                note="reviewed",
            )
    except draft.EditConflict as exc:
        raise PageError(409, CHANGED_MEANWHILE, staff.lang) from exc
    back = form_data.get("next")
    target = back if isinstance(back, str) and back.startswith("/admin/content/") else None
    return RedirectResponse(target or f"{_item_path(kind, item_id)}?done=reviewed", status_code=303)


CHANGED_MEANWHILE = N_(
    "Someone changed this item a moment ago. Open it again to see their change first."
)


@router.get("/admin/content/{kind}/{item_id}/delete")
def confirm_delete(request: Request, kind: str, item_id: str, staff: Editor) -> Response:
    kind = _kind(kind, staff)
    if kind in SINGLETON_ID:
        raise PageError(404, N_("There is no such kind of content."), staff.lang)
    item = _get(staff, kind, item_id)
    return render(
        request,
        "editor_delete.html",
        staff.lang,
        staff=staff,
        title=listing.title_of(item, staff.lang),
        item=item,
        kind=kind,
        kind_title=KIND_TITLES[kind],
    )


@router.post("/admin/content/{kind}/{item_id}/delete")
async def delete(request: Request, kind: str, item_id: str, staff: Editor) -> Response:
    form_data = await read_form(request, staff)
    kind = _kind(kind, staff)
    raw = form_data.get("revision")
    revision = int(raw) if isinstance(raw, str) and raw.isdigit() else 0
    hub = staff.hub
    if kind == "report_category" and not staff.user.is_admin():
        raise PageError(403, ROUTING_DELETE, staff.lang)
    try:
        with draft.editing(hub) as conn:
            draft.delete_item(conn, kind, item_id, revision, staff.user.display_name, hub.now())
    except draft.EditConflict as exc:
        raise PageError(409, CHANGED_MEANWHILE, staff.lang) from exc
    except NotFound as exc:
        raise PageError(404, N_("There is no such item in the draft."), staff.lang) from exc
    return RedirectResponse(f"/admin/content/{kind}?done=deleted", status_code=303)


ROUTING_DELETE = N_(
    "Only an administrator may remove a report category: it decides where residents' reports go."
)


@router.get("/admin/content/{kind}/{item_id}/history")
def item_history(request: Request, kind: str, item_id: str, staff: Editor) -> Response:
    kind = _kind(kind, staff)
    with staff.hub.transaction(write=False) as conn:
        entries = draft.history(conn, kind, item_id)
        current = draft.find_item(conn, kind, item_id)
    if not entries:
        raise PageError(404, N_("There is no such item in the draft."), staff.lang)
    form = forms.form_for(kind)
    shown = []
    previous: dict[str, Any] = {}
    for entry in entries:
        now_values = forms.values_of(form, entry.data) if entry.data is not None else {}
        changed = [
            name
            for name in sorted(set(now_values) | set(previous))
            if not name.endswith(".count") and now_values.get(name) != previous.get(name)
        ]
        shown.append((entry, changed, previous, now_values))
        previous = now_values
    return render(
        request,
        "editor_history.html",
        staff.lang,
        staff=staff,
        title=gettext(staff.lang, N_("History of {item}")).format(
            item=listing.title_of(current, staff.lang) if current else item_id
        ),
        kind=kind,
        item_id=item_id,
        current=current,
        entries=list(reversed(shown)),
        kind_title=KIND_TITLES[kind],
        input_label=lambda name: forms.input_label(form, name, partial(gettext, staff.lang)),
    )


@router.get("/admin/content/thumbnail/{path:path}")
def thumbnail(path: str, staff: Editor) -> Response:
    """A small copy of a draft picture for the forms and lists."""
    with staff.hub.transaction(write=False) as conn:
        try:
            small = uploads.thumbnail(conn, staff.hub.blobs, path)
        except (NotFound, FieldRefused) as exc:
            raise PageError(404, N_("There is no such picture."), staff.lang) from exc
    return Response(
        small.data,
        media_type=small.media_type,
        headers={"Cache-Control": "private, max-age=31536000, immutable"},
    )

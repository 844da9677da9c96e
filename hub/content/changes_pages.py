"""The "what will change" page: nothing is published before a clerk has read what it changes.

`/admin/releases/changes` compares the shared draft with the live release (hub.content.changes):
per kind the items added, changed and removed, each changed field by its label with its old
and new text, and which kiosks or groups each item reaches; removals are called out above
everything else. The form that publishes the draft (a short note, and when the draft is
behind a release published by other means, a tick that undoing it is meant) is on this page
only, and is not offered when nothing would change. It names the live release and the draft's
count of saves it was shown against: when either moved on meanwhile, the page is shown again
with what would change now, instead of publishing what nobody read.

An uploaded content tree (.zip/.tar.gz) goes the same way: the upload is unpacked, checked and
built at once (every problem shown on the content page as before, and an editor's change of
where reports go refused there), then kept waiting (hub.content.staging) while the page shows
what it would change, `?upload=<token>`. Publishing it publishes exactly the files that were
built; cancelling forgets it. The draft then takes the release in as any release published by
other means (hub.content.draft).
"""

from __future__ import annotations

from functools import partial
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from hub.accounts.session import PageError, Staff, read_form
from hub.content import changes, draft, releases, sourcetree, staging
from hub.content.releases_pages import (
    CHANGES_PATH,
    DRAFT_FOLDER,
    DRAFT_PUBLISH_PATH,
    UPLOAD_CANCEL_PATH,
    UPLOAD_PATH,
    UPLOAD_PUBLISH_PATH,
    Editor,
    history_page,
    problem_text,
    routing_problems,
    shown_changes,
)
from hub.errors import HubError, NotFound
from hub.reports.routingchanges import RoutingChange, RoutingRefused
from hub.web.templating import gettext, ngettext, render
from kiosk_core.content.changes import counts_of, summary
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)

GONE = N_(
    "This upload is no longer waiting to be published: it was published or cancelled, or it "
    "waited longer than two hours. Upload the archive again."
)
MOVED_ON = N_(
    "The content changed while you were reading this page (someone saved the draft or "
    "published a release). This is what publishing would change now: read it again."
)


def _wording(staff: Staff) -> changes.Wording:
    return changes.Wording(
        staff.lang,
        partial(gettext, staff.lang),
        partial(ngettext, staff.lang),
        ZoneInfo(staff.hub.settings.timezone),
    )


def _page(
    request: Request,
    staff: Staff,
    review: changes.Review,
    *,
    upload: staging.StagedUpload | None = None,
    routing: list[RoutingChange] | None = None,
    problems: list[sourcetree.UploadProblem] | None = None,
    notice: str | None = None,
    note: str = "",
    status: int = 200,
) -> Response:
    kinds = changes.shown(review, _wording(staff))
    behind = review.behind if isinstance(review, changes.DraftReview) else None
    return render(
        request,
        "release_changes.html",
        staff.lang,
        status_code=status,
        staff=staff,
        kinds=kinds,
        counts=counts_of(summary(review.changes)),
        removed=[(k, i) for k in kinds for i in k.removed],
        removed_counts=[(k.kind, len(k.removed)) for k in review.changes.kinds if k.removed],
        nothing=review.changes.empty,
        live=review.live,
        review=review,
        upload=upload,
        behind=behind,
        routing=shown_changes(staff, routing or []),
        may_route=staff.user.is_admin(),
        problems=problems or [],
        problem_text=lambda p: problem_text(p, staff.lang),
        archive_name=sourcetree.ARCHIVE,
        notice=gettext(staff.lang, notice) if notice else None,
        note=note,
        max_note=draft.MAX_NOTE,
        publish_path=UPLOAD_PUBLISH_PATH if upload else DRAFT_PUBLISH_PATH,
        cancel_path=UPLOAD_CANCEL_PATH,
    )


def _staged(staff: Staff, token: str) -> staging.StagedUpload:
    try:
        return staging.find(
            staff.hub.settings.data_dir, token, staff.user.username, staff.hub.now()
        )
    except NotFound as exc:
        raise PageError(404, GONE, staff.lang) from exc


def _upload_page(request: Request, staff: Staff, upload: staging.StagedUpload, **kw) -> Response:
    review = changes.upload_review(staff.hub, upload.files)
    with staff.hub.transaction(write=False) as conn:
        routing = releases.routing_changes(conn, staff.hub.blobs, upload.files)
    return _page(request, staff, review, upload=upload, routing=routing, **kw)


@router.get(CHANGES_PATH)
async def review(request: Request, staff: Editor) -> Response:
    token = request.query_params.get("upload")
    if token is not None:
        upload = _staged(staff, token)
        return await run_in_threadpool(_upload_page, request, staff, upload)
    found = await run_in_threadpool(changes.draft_review, staff.hub)
    return _page(request, staff, found)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _number(form: FormData, name: str) -> int | None:
    value = _text(form, name)
    return int(value) if value.isdigit() and len(value) < 19 else None


@router.post(UPLOAD_PATH)
async def upload(request: Request, staff: Editor) -> Response:
    """Build and check an uploaded tree, keep it waiting, and show what it would change."""
    form = await read_form(request, staff)
    archive = form.get("archive")
    hub = staff.hub
    try:
        if not isinstance(archive, UploadFile) or not archive.filename:
            problem = sourcetree.UploadProblem(
                sourcetree.ARCHIVE, None, "", N_("Choose the archive to upload.")
            )
            return history_page(request, staff, [problem], status=400)
        try:
            files = await run_in_threadpool(sourcetree.build_upload, archive.file, hub.blobs)
        except sourcetree.SourceTreeError as exc:
            return history_page(request, staff, exc.upload_problems, archive.filename, 422)
        filename = archive.filename
    finally:
        await form.close()
    with hub.transaction(write=False) as conn:
        routing = releases.routing_changes(conn, hub.blobs, files)
    if routing and not staff.user.is_admin():  # refused now, as publishing would refuse it
        return history_page(request, staff, routing_problems(staff, routing), filename, 403)
    staged = staging.stage(hub.settings.data_dir, files, staff.user.username, filename, hub.now())
    return RedirectResponse(f"{CHANGES_PATH}?upload={staged.token}", status_code=303)


@router.post(UPLOAD_PUBLISH_PATH)
async def publish_upload(request: Request, staff: Editor) -> Response:
    """Publish exactly the files of an upload whose changes its uploader has read."""
    form = await read_form(request, staff)
    upload = _staged(staff, _text(form, "upload"))
    note = _text(form, "note")
    again = partial(_upload_page, request, staff, upload, note=note)
    try:
        release = await run_in_threadpool(
            _publish_staged, staff, upload, _number(form, "live"), note
        )
    except RoutingRefused as exc:
        problems = routing_problems(staff, exc.changes)
        return history_page(request, staff, problems, upload.filename, 403)
    except HubError as exc:  # a note too long, or the hub's own check of the release
        lines = exc.problems or [exc.detail]
        problems = [sourcetree.UploadProblem(sourcetree.ARCHIVE, None, "", p) for p in lines]
        return await run_in_threadpool(partial(again, problems=problems, status=422))
    if release is None:
        return await run_in_threadpool(partial(again, notice=MOVED_ON, status=409))
    staging.drop(staff.hub.settings.data_dir, upload.token)
    return RedirectResponse(
        f"/admin/releases?done=published&version={release.version}", status_code=303
    )


def _publish_staged(
    staff: Staff, upload: staging.StagedUpload, seen: int | None, note: str
) -> releases.Release | None:
    """Publish a waiting upload, or None when the live release is no longer the one its
    changes were shown against."""
    hub = staff.hub
    with hub.transaction() as conn:
        live = releases.latest(conn)
        if (live.version if live is not None else None) != seen:
            return None
        return releases.publish(
            conn,
            hub.blobs,
            upload.files,
            hub.now(),
            staff.user.display_name,
            may_route=staff.user.is_admin(),
            note=draft.clean_note(note),
        )


@router.post(UPLOAD_CANCEL_PATH)
async def cancel_upload(request: Request, staff: Editor) -> Response:
    form = await read_form(request, staff)
    staging.drop(staff.hub.settings.data_dir, _text(form, "upload"))
    return RedirectResponse("/admin/releases?done=cancelled", status_code=303)


@router.post(DRAFT_PUBLISH_PATH)
async def publish_draft(request: Request, staff: Editor) -> Response:
    """Publish the draft, as it was when its changes were shown."""
    form = await read_form(request, staff)
    hub = staff.hub
    note = _text(form, "note")
    shown = await run_in_threadpool(changes.draft_review, hub)
    seen = (_number(form, "live"), _number(form, "draft_changes"))
    if shown.changes.empty:
        return _page(request, staff, shown, status=409)  # the page says nothing would change
    if seen != (shown.live, shown.draft_changes):
        return _page(request, staff, shown, notice=MOVED_ON, note=note, status=409)
    try:
        release = await run_in_threadpool(
            partial(
                draft.publish_draft,
                hub,
                staff.user.display_name,
                note,
                may_route=staff.user.is_admin(),
                undoing=_number(form, "undoing"),
            )
        )
    except draft.DraftBehind:
        return _page(request, staff, shown, note=note, status=409)  # says why, and asks
    except RoutingRefused as exc:
        problems = routing_problems(staff, exc.changes)
        return _page(request, staff, shown, problems=problems, note=note, status=403)
    except sourcetree.SourceTreeError as exc:
        return _page(request, staff, shown, problems=exc.upload_problems, note=note, status=422)
    except HubError as exc:
        lines = exc.problems or [exc.detail]
        problems = [sourcetree.UploadProblem(DRAFT_FOLDER, None, "", p) for p in lines]
        return _page(request, staff, shown, problems=problems, note=note, status=422)
    return RedirectResponse(
        f"/admin/releases?done=published&version={release.version}", status_code=303
    )

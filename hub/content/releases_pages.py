"""The content pages for staff: upload a source tree, see the history, roll back.

`/admin/releases` lists every release (newest first, which one is live, how many kiosks run
each according to their heartbeats, its note and what it changed: "2 service cards changed",
or "Alerts only" for a release that only carried the hub's alerts) under a form that uploads
the zipped `content/` folder; a refused upload comes back with every problem, naming file,
line and field, and one that passes is shown on the "what will change" page before anything
is published (hub.content.changes_pages). Rolling back asks first on a page of its own (no
JavaScript), then publishes the old release's files as a new version. The work is done by
`hub.content.sourcetree` and `hub.content.releases`.

The same page offers the current content, the shared draft (`hub.content.draft`): a download
of it as a zipped source tree, and the way to review what publishing it would change and
publish it (hub.content.changes_pages).

Editors and administrators publish. A release that changes where reports go (a category's
department or department e-mail, or a new category) is refused for an editor, with each
change named, and nothing is stored; an administrator's is recorded (`hub.reports.routingchanges`).
The rollback page says beforehand what a rollback would change in where reports go.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections import Counter
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Annotated

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from hub.accounts.session import PageError, Staff, read_form, staff_page
from hub.content import draft, releases, sourcetree
from hub.errors import NotFound
from hub.fleet import heartbeats
from hub.reports import routingchanges
from hub.reports.routingchanges import RoutingChange, RoutingRefused
from hub.web.templating import gettext, render
from kiosk_core.content.changes import counts_of
from kiosk_core.content.model import tr
from kiosk_core.content.problemtext import message_for
from kiosk_core.i18n import N_

router = APIRouter(include_in_schema=False)
Editor = Annotated[Staff, Depends(staff_page("editor"))]

PAGE_SIZE = 20
UPLOAD_PATH = "/admin/releases/upload"
UPLOAD_PUBLISH_PATH = "/admin/releases/upload/publish"
UPLOAD_CANCEL_PATH = "/admin/releases/upload/cancel"
CHANGES_PATH = "/admin/releases/changes"
DRAFT_ZIP_PATH = "/admin/releases/current-content.zip"
DRAFT_PUBLISH_PATH = "/admin/releases/publish-draft"
DRAFT_FOLDER = "content"
"""The folder inside the downloaded archive, as staff zip it: uploading it back works."""
DONE = {
    "published": N_(
        "Release {version} is published. The kiosks will show it within one sync interval."
    ),
    "rolledback": N_(
        "Release {version} is published with the files of release {old}. "
        "The kiosks will switch to it within one sync interval."
    ),
    "cancelled": N_("The upload was not published. The kiosks keep showing the live release."),
}


def size_text(size: int, lang: str) -> str:
    """Bytes as people read them: kB below a megabyte, MB or GB with one decimal above."""
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)), locale=lang)} kB"
    if size < 1024**3:
        return f"{format_decimal(round(size / 1024**2, 1), locale=lang)} MB"
    return f"{format_decimal(round(size / 1024**3, 1), locale=lang)} GB"


def problem_text(problem: sourcetree.UploadProblem, lang: str) -> str:
    """A problem's message in `lang`: a content problem worded for a clerk (the field by its
    label, never the validator's English), an archive problem from the catalog."""
    if problem.content is not None:
        return str(message_for(problem.content, partial(gettext, lang)))
    message = gettext(lang, problem.message)
    return message.format(**problem.values) if problem.values else message


ROUTING_FILE = "report_categories.yaml"
ROLLBACK_REFUSED = N_(
    "This release would change where residents' reports go: only an administrator may roll "
    "back to it."
)
NEW_CATEGORY = N_(
    "{what}: {new}. Only an administrator may add a report category: it decides where "
    "residents' reports go."
)
CHANGED = N_(
    "{what} would change from {old} to {new}. Only an administrator may change where "
    "residents' reports go."
)


@dataclass(frozen=True)
class ShownChange:
    """A routing change as the page shows it: names in the reader's language."""

    service_code: str
    category: str
    what: str
    old: str | None
    new: str | None


def shown_changes(staff: Staff, changes: list[RoutingChange]) -> list[ShownChange]:
    with staff.hub.transaction(write=False) as conn:
        names = releases.report_categories(conn, staff.hub.blobs)
    return [
        ShownChange(
            c.service_code,
            tr(names[c.service_code].name, staff.lang) if c.service_code in names else "",
            gettext(staff.lang, routingchanges.FIELD_NAMES[c.field]),
            routingchanges.shown(c.old, staff.lang),
            routingchanges.shown(c.new, staff.lang),
        )
        for c in changes
    ]


def routing_problems(staff: Staff, changes: list[RoutingChange]) -> list[sourcetree.UploadProblem]:
    """One problem per refused change, by category code, in the reader's language."""
    return [
        sourcetree.UploadProblem(
            ROUTING_FILE,
            None,
            c.service_code,
            NEW_CATEGORY if c.old is None else CHANGED,
            {"what": c.what, "old": c.old, "new": c.new},
        )
        for c in shown_changes(staff, changes)
    ]


def _page_number(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def history_page(
    request: Request,
    staff: Staff,
    problems: list[sourcetree.UploadProblem] | None = None,
    filename: str | None = None,
    status: int = 200,
) -> Response:
    hub = staff.hub
    page = _page_number(request)
    now = hub.now()
    with hub.transaction(write=False) as conn:
        total = releases.count_releases(conn)
        pages = max(1, -(-total // PAGE_SIZE))
        page = min(page, pages)
        shown = releases.list_releases(conn, PAGE_SIZE, (page - 1) * PAGE_SIZE)
        live = releases.latest(conn)
        kiosks = heartbeats.status(conn, now, hub.settings.offline_after)
        has_draft = draft.has_content(conn)
        behind = draft.behind(conn)
    running = Counter(k.content_version for k in kiosks if k.content_version is not None)
    flash = None
    done = request.query_params.get("done")
    version = request.query_params.get("version", "")
    old = request.query_params.get("old", "")
    if done == "cancelled":
        flash = gettext(staff.lang, DONE[done])
    elif done in DONE and version.isdigit() and (done != "rolledback" or old.isdigit()):
        flash = gettext(staff.lang, DONE[done]).format(version=version, old=old)
    return render(
        request,
        "releases.html",
        staff.lang,
        status_code=status,
        staff=staff,
        releases=shown,
        live=live.version if live else None,
        running=running,
        kiosk_count=len(kiosks),
        unknown=sum(1 for k in kiosks if k.content_version is None),
        page=page,
        pages=pages,
        size_text=lambda n: size_text(n, staff.lang),
        problems=problems or [],
        problem_text=lambda p: problem_text(p, staff.lang),
        archive_name=sourcetree.ARCHIVE,
        filename=filename,
        upload_limit=size_text(hub.settings.blob_limit, staff.lang),
        upload_path=UPLOAD_PATH,
        draft_zip_path=DRAFT_ZIP_PATH if has_draft else None,
        changes_path=CHANGES_PATH,
        draft_behind=behind,
        counts_of=counts_of,
        flash=flash,
    )


@router.get("/admin/releases")
def history(request: Request, staff: Editor) -> Response:
    return history_page(request, staff)


@router.get(DRAFT_ZIP_PATH)
def download_draft(staff: Editor) -> Response:
    """The current content (the draft) as a zipped source tree: what `kiosk content check`
    and `build` take, and what the upload form takes back."""
    hub = staff.hub
    work = Path(tempfile.mkdtemp(prefix="download.", dir=hub.blobs.tmp_dir))
    try:
        root = draft.export(hub, work / DRAFT_FOLDER)
        archive = work / "content.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    out.write(path, path.relative_to(work).as_posix())
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    day = hub.now().strftime("%Y-%m-%d")
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=f"content-{day}.zip",
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )


def _older_release(staff: Staff, version: int) -> tuple[releases.Release, int, list[RoutingChange]]:
    """The release to roll back to, the live version, and what the rollback would change in
    where reports go; refuses the live one itself."""
    with staff.hub.transaction(write=False) as conn:
        try:
            release = releases.get_release(conn, version)
        except NotFound as exc:
            raise PageError(404, N_("There is no such release."), staff.lang) from exc
        live = releases.latest(conn)
        changes = releases.routing_changes(conn, staff.hub.blobs, release.files)
    assert live is not None  # a release exists, so a latest one does
    if release.version == live.version:
        raise PageError(409, N_("This release is already live."), staff.lang)
    return release, live.version, changes


@router.get("/admin/releases/{version}/rollback")
def confirm_rollback(request: Request, version: int, staff: Editor) -> Response:
    release, live, changes = _older_release(staff, version)
    return render(
        request,
        "release_rollback.html",
        staff.lang,
        staff=staff,
        title=gettext(staff.lang, N_("Roll back to release {version}")).format(
            version=release.version
        ),
        release=release,
        live=live,
        size_text=lambda n: size_text(n, staff.lang),
        changes=shown_changes(staff, changes),
        may_route=staff.user.is_admin(),
    )


@router.post("/admin/releases/{version}/rollback")
async def rollback(request: Request, version: int, staff: Editor) -> Response:
    await read_form(request, staff)
    _older_release(staff, version)
    hub = staff.hub
    try:
        with hub.transaction() as conn:
            release = releases.activate(
                conn,
                hub.blobs,
                version,
                hub.now(),
                staff.user.display_name,
                may_route=staff.user.is_admin(),
            )
    except RoutingRefused as exc:
        raise PageError(403, ROLLBACK_REFUSED, staff.lang) from exc
    return RedirectResponse(
        f"/admin/releases?done=rolledback&version={release.version}&old={version}",
        status_code=303,
    )

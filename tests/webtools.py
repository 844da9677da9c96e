"""Helpers for the web pages' tests: signing in with a real HTTP client, reading forms and
uploading content."""

from __future__ import annotations

import io
import re
import zipfile
from html import unescape
from pathlib import Path

import requests

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(html)
    assert found, "the page has no form with a CSRF token"
    return unescape(found.group(1))


def sign_in(base_url: str, username: str, password: str) -> requests.Session:
    """A browser-like session signed in through the real sign-in form."""
    session = requests.Session()
    page = session.get(f"{base_url}/login", timeout=10)
    answer = session.post(
        f"{base_url}/login",
        data={"username": username, "password": password, "csrf": csrf_of(page.text)},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 303, answer.text
    return session


def post_form(
    session: requests.Session, url: str, data: dict, page_url: str | None = None, **kwargs
) -> requests.Response:
    """POST a form the way a browser does: with the CSRF token of the page it sits on."""
    page = session.get(page_url or url, timeout=10)
    return session.post(
        url, data={"csrf": csrf_of(page.text), **data}, allow_redirects=False, timeout=30, **kwargs
    )


def zip_tree(root: Path) -> bytes:
    """The folder zipped the way staff do it: the folder itself inside the archive."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            archive.write(path, "content/" + path.relative_to(root).as_posix())
    return buf.getvalue()


def upload_content(session: requests.Session, base_url: str, data: bytes) -> requests.Response:
    """Send a zipped content folder through the content page's upload form and, once the
    "what will change" page shows what it would change, confirm it the way a clerk does:
    the answer to the confirmation (a redirect once published), or the first answer that is
    not the way to the confirmation (a refused upload, or a page with nothing to publish)."""
    answer = review_upload(session, base_url, data)
    if answer.status_code != 303 or "upload=" not in answer.headers.get("location", ""):
        return answer
    page = session.get(f"{base_url}{answer.headers['location']}", timeout=30)
    if page.status_code != 200 or 'action="/admin/releases/upload/publish"' not in page.text:
        return page
    fields = form_fields(page.text, "/admin/releases/upload/publish")
    return session.post(
        f"{base_url}/admin/releases/upload/publish",
        data=fields,
        allow_redirects=False,
        timeout=60,
    )


def review_upload(session: requests.Session, base_url: str, data: bytes) -> requests.Response:
    """Send a zipped content folder through the upload form, nothing more: the answer leads
    to the "what will change" page (or shows why the upload was refused)."""
    page = session.get(f"{base_url}/admin/releases", timeout=10)
    return session.post(
        f"{base_url}/admin/releases/upload",
        data={"csrf": csrf_of(page.text)},
        files={"archive": ("content.zip", data, "application/zip")},
        allow_redirects=False,
        timeout=60,
    )


FORM = re.compile(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', re.S)
INPUT = re.compile(r"<input\b([^>]*)>")
ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')


def form_fields(html: str, action: str) -> dict[str, str]:
    """The values a browser would send from the form posting to `action` (hidden and text
    inputs; boxes to tick are left to the caller)."""
    for found, body in FORM.findall(html):
        if unescape(found) != action:
            continue
        fields = {}
        for attributes in INPUT.findall(body):
            given = dict(ATTRIBUTE.findall(attributes))
            if given.get("type") in ("hidden", "text") and "name" in given:
                fields[given["name"]] = unescape(given.get("value", ""))
        return fields
    raise AssertionError(f"the page has no form posting to {action}")

"""Every page of the hub refuses to be framed and runs no script: X-Frame-Options DENY and a
Content-Security-Policy (frame-ancestors 'none', no script, styles and images from the hub
only, forms sent to the hub only) on each page route, enumerated from the app itself, so a
page added later is checked too. A real hub under uvicorn on 127.0.0.1; headless Chromium
shows that another page of the same site can no longer frame a staff page, and that the
policy breaks no page (no violation reported, the style sheet applied)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from starlette.routing import Mount

from hub.accounts.tokens import list_tokens
from hub.content import alerts
from hub.db import reports
from hub.web.pages import PAGE_PREFIXES, PagePaths
from kiosk_core.content.build import build_release
from tests.browser import DESKTOP, launch, open_page
from tests.conftest import write_tree
from tests.hubtools import HubEnv, LiveServer, bearer, report_body
from tests.webtools import sign_in

TIMEOUT = 10
PASSWORD = "haslo-ratusza-2026"


def page_routes(routes, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route the app serves under the pages' prefixes."""
    for route in routes:
        if isinstance(route, PagePaths):  # the pages' sub-application
            yield from page_routes(route.app.routes, prefix)
            continue
        included = getattr(route, "original_router", None)  # FastAPI's included routers
        if included is not None:
            yield from page_routes(included.routes, prefix + route.include_context.prefix)
            continue
        path = prefix + getattr(route, "path", "")
        if not (path.startswith(PAGE_PREFIXES) or path == "/"):
            continue
        if isinstance(route, Mount):
            yield "GET", f"{path}/hub.css"
        for method in sorted(set(getattr(route, "methods", None) or ()) - {"HEAD"}):
            yield method, path


def fill(path: str, values: dict[str, str]) -> str:
    def value(match: re.Match) -> str:
        name = match.group(1).split(":")[0]
        if name not in values:
            pytest.fail(f"{path}: no test value for the path parameter {name!r}: add one")
        return values[name]

    return re.sub(r"{([^}]+)}", value, path)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root: Path = tmp_path_factory.mktemp("headers")
    env = HubEnv.create(root / "hub")
    build_release(write_tree(root / "src"), root / "release")
    env.publish_release(root / "release")
    env.user("ewa", "admin", PASSWORD, display_name="Ewa Kowalska")
    body = report_body()
    with LiveServer(env.app) as live:
        answer = requests.post(
            f"{live.url}/api/v1/reports",
            json=body,
            headers=bearer(env.kiosk_token("rynek")) | {"Idempotency-Key": body["uuid"]},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 201, answer.text
        with env.hub.transaction() as conn:
            report_id = conn.scalar(select(reports.c.id))
            draft = alerts.AlertDraft(
                "warning", {"pl": "Przerwa w dostawie wody"}, env.hub.now() + timedelta(days=1)
            )
            alert, _ = alerts.create(conn, draft, env.hub.now(), "Ewa")
            token_id = list_tokens(conn)[0].id
        live.values = {
            "kiosk_id": "rynek",
            "report_id": str(report_id),
            "version": "1",
            "alert_id": alert.id,
            "username": "ewa",
            "service_code": "lampa",
            "token_id": token_id,
            "token": body["status_token"],
            "item_id": "dowod",
            "kind": "service",
            "path": "media/none.png",
            "place_id": "rynek",
            "width": "720",
            "index": "0",
        }
        live.env = env
        yield live
    env.hub.close()


def checked(answer: requests.Response) -> None:
    headers = answer.headers
    where = f"{answer.request.method} {answer.request.url} ({answer.status_code})"
    assert headers.get("x-frame-options") == "DENY", where
    policy = headers.get("content-security-policy", "")
    for part in ("frame-ancestors 'none'", "default-src 'none'", "form-action 'self'"):
        assert part in policy, where
    assert "script-src" not in policy and "unsafe-inline" not in policy, where
    assert headers.get("x-content-type-options") == "nosniff", where


def test_every_page_route_refuses_frames_and_scripts(site) -> None:
    routes = sorted(set(page_routes(site.env.app.routes)))
    assert ("GET", "/admin/fleet") in routes and ("GET", "/r/{token:path}") in routes
    admin = sign_in(site.url, "ewa", PASSWORD)
    stranger = requests.Session()
    seen = 0
    for method, path in routes:
        url = site.url + fill(path, site.values)
        for session in (admin, stranger):
            # A POST without the form's CSRF token is refused (or sent to sign in): a page too.
            answer = session.request(method, url, allow_redirects=False, timeout=TIMEOUT)
            assert answer.status_code < 500, f"{method} {url}: {answer.status_code}"
            checked(answer)
            seen += 1
    assert len(routes) > 30 and seen == 2 * len(routes)
    # The status page keeps its own stricter referrer rule.
    status = stranger.get(site.url + fill("/r/{token}", site.values), timeout=TIMEOUT)
    assert status.status_code == 200 and status.headers["referrer-policy"] == "no-referrer"
    # The kiosks' API is not a page: its answers stay as they were.
    health = requests.get(f"{site.url}/api/v1/health", timeout=TIMEOUT)
    assert "content-security-policy" not in health.headers


@pytest.fixture(scope="module")
def chromium():
    with launch() as browser:
        yield browser


def test_a_page_of_the_same_site_cannot_frame_a_staff_page(site, chromium) -> None:
    with open_page(chromium, DESKTOP, locale="pl-PL") as page:
        page.goto(f"{site.url}/login")
        page.fill("#username", "ewa")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/admin/fleet")
        # Another page on the hub's own origin (a stand-in for anything else a site serves:
        # an uploaded file, another application behind the same nginx) frames the fleet page.
        attacker = f"{site.url}/static/attacker.html"
        html = (
            '<iframe src="/admin/fleet" onload="window.framed = true"></iframe>'
            '<iframe src="/admin/people" onload="window.framed2 = true"></iframe>'
        )
        page.route(attacker, lambda route: route.fulfill(body=html, content_type="text/html"))
        page.goto(attacker)
        page.wait_for_function("window.framed === true && window.framed2 === true")
        framed = page.evaluate(
            """() => [...document.querySelectorAll('iframe')].map(f => {
                   const d = f.contentDocument;
                   return d && d.body ? d.body.innerText : null;
               })"""
        )
        assert all(not text or "Kioski" not in text for text in framed), framed


def test_the_policy_breaks_no_page(site, chromium) -> None:
    routes = sorted(p for m, p in set(page_routes(site.env.app.routes)) if m == "GET")
    violations: list[str] = []
    with open_page(chromium, DESKTOP, locale="pl-PL") as page:
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.goto(f"{site.url}/login")
        page.fill("#username", "ewa")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{site.url}/admin/fleet")
        for path in routes:
            if path.endswith((".csv", ".xlsx", ".zip", ".css", ".jpg", ".svg")) or path in (
                "/logout",
            ):
                continue
            page.goto(site.url + fill(path, site.values))
            brand = page.evaluate(
                "getComputedStyle(document.body).fontFamily + '|' + "
                "getComputedStyle(document.querySelector('header.top')).backgroundColor"
            )
            assert brand.endswith("rgb(11, 79, 138)"), (path, brand)  # hub.css applied
    assert violations == []

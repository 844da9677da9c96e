"""Headless Chromium for the hub's web pages: a real browser, phone- and desktop-sized.

Uses the system's /usr/bin/chromium through Playwright's sync API (nothing downloaded). A
test module opts in with a fixture of its own:

    @pytest.fixture(scope="module")
    def chromium():
        with launch() as browser:
            yield browser

    def test_page(chromium, live):
        with open_page(chromium, PHONE) as page:
            page.goto(f"{live.url}/r/...")
            screenshot(page, "status-phone-pl")

`launch()` skips the test cleanly when Chromium is not installed; any other failure to start
it is an error. Screenshots land in tests/screenshots/hub/ (not kept in git): look at them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).parent / "screenshots" / "hub"
TIMEOUT_MS = 15_000
"""Any single browser action (navigation, click, wait) fails after this long."""


@dataclass(frozen=True)
class Device:
    name: str
    options: dict[str, Any] = field(default_factory=dict)


PHONE = Device(
    "phone",
    {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
)
"""A common phone (the receipt's QR code is scanned with one)."""
DESKTOP = Device("desktop", {"viewport": {"width": 1366, "height": 768}})
"""A town hall office computer."""


@contextmanager
def launch() -> Iterator[Any]:
    """A headless Chromium Browser, closed afterwards; the test is skipped without one."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, timeout=TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def open_page(browser: Any, device: Device = DESKTOP, **options: Any) -> Iterator[Any]:
    """A fresh page in its own context (no shared cookies), sized like `device`; extra
    options (locale, extra_http_headers, …) go to `browser.new_context`."""
    context = browser.new_context(**(device.options | options))
    context.set_default_timeout(TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def screenshot(page: Any, name: str, full_page: bool = True) -> Path:
    """Save the page as tests/screenshots/hub/<name>.png and return the path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path

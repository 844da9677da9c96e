"""Shared fixtures: small real source trees on disk."""

from __future__ import annotations

import random
import struct
import zlib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = REPO / "content"

SETTINGS = """\
municipality: {pl: Gmina Próbna, en: Test Commune, de: Testgemeinde}
logo: media/logo.png
timezone: Europe/Warsaw
location: {lat: 50.3, long: 16.88}
contact:
  name: {pl: Urząd Gminy, en: Town hall}
  address: ul. Rynek 1, 57-550 Próbna
  phone: "+48 74 811 00 00"
  email: urzad@example.org
map: {image: media/map.png, north: 50.40, south: 50.20, west: 16.70, east: 17.00}
"""

CATEGORIES = """\
- id: dokumenty
  name: {pl: Dokumenty, en: Documents, de: Dokumente}
- id: podatki
  name: {pl: Podatki, en: Taxes}
  order: 2
"""

SERVICES = """\
- id: dowod
  category: dokumenty
  title: {pl: Dowód osobisty, en: ID card, de: Personalausweis}
  summary: {pl: Wniosek o wydanie dowodu osobistego, en: Applying for an ID card}
  keywords: {pl: [legitymacja], de: [Ausweis]}
  link: https://example.org/dowod
- id: meldunek
  category: dokumenty
  title: {pl: Zaświadczenie o zameldowaniu, en: Certificate of residence}
  summary: {pl: Potwierdzenie adresu zameldowania}
  body: {pl: Opłata skarbowa wynosi 17 zł.}
- id: podatek
  category: podatki
  title: {pl: Podatek od nieruchomości, en: Property tax}
  summary: {pl: Terminy płatności rat podatku}
"""

EVENT_CATEGORIES = """\
- id: kultura
  name: {pl: Kultura, en: Culture}
"""

EVENTS = """\
- id: koncert
  title: {pl: Koncert kolęd, en: Carol concert}
  start: 2026-12-20T18:00:00
  end: 2026-12-20T20:00:00
  category: kultura
- id: jarmark
  title: {pl: Jarmark świąteczny}
  all_day: true
  start: 2026-12-12
  end: 2026-12-13
"""

REPORTS = """\
- service_code: lampa
  name: {pl: Nie świeci latarnia, en: Street lamp out}
  group: {pl: Oświetlenie, en: Lighting}
  department: {pl: Referat Gospodarki Komunalnej}
  department_email: komunalny@example.org
- service_code: idea
  name: {pl: Pomysł lub opinia o przyszłości miasta}
  group: {pl: Pomysły i opinie}
  department: {pl: Sekretariat Burmistrza}
  department_email: sekretariat@example.org
"""

ALERTS = """\
- id: woda
  severity: warning
  text: {pl: Przerwa w dostawie wody, en: Water supply interruption}
  valid_from: 2026-11-20T08:00:00+01:00
  valid_until: 2026-11-22T16:00:00+01:00
"""


def tiny_png(color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid 1x1 PNG, written by hand so tests need no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00" + bytes(color)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def png_of_size(size: int, seed: int = 0) -> bytes:
    """A valid PNG (tiny_png's pixel) of exactly `size` bytes: incompressible filler in a
    private chunk after the image data, which readers skip. For tests that need a big
    media file, now that content checks that images are images."""
    png = tiny_png()
    filler = random.Random(seed).randbytes(size - len(png) - 12)
    chunk = b"raNd" + filler
    padding = struct.pack(">I", len(filler)) + chunk + struct.pack(">I", zlib.crc32(chunk))
    end = len(png) - 12  # before IEND
    return png[:end] + padding + png[end:]


def write_tree(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    files = {
        "settings.yaml": SETTINGS,
        "service_categories.yaml": CATEGORIES,
        "services/documents.yaml": SERVICES,
        "event_categories.yaml": EVENT_CATEGORIES,
        "events/2026.yaml": EVENTS,
        "report_categories.yaml": REPORTS,
        "alerts.yaml": ALERTS,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    (root / "media").mkdir(exist_ok=True)
    (root / "media" / "logo.png").write_bytes(tiny_png())
    (root / "media" / "map.png").write_bytes(tiny_png((120, 200, 120)))
    return root


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A small, valid content source tree."""
    return write_tree(tmp_path / "src")


@pytest.fixture(scope="session")
def display():
    from tests.kivy_driver import virtual_display

    with virtual_display():
        yield


@pytest.fixture
def kiosk_app(display, tmp_path: Path):
    """Start the real app on a content tree; yields a factory for (app, driver)."""
    from tests.kivy_driver import Driver, FakeClock

    started = []

    def start(content=..., size=(1920, 1080), clock=None, **kwargs):
        """`content`: a folder, None for the data directory's current release, or by
        default the small test tree."""
        from kiosk.ui.app import KioskApp

        clock = clock or FakeClock()
        app = KioskApp(
            content=write_tree(tmp_path / "src") if content is ... else content,
            data_dir=kwargs.pop("data_dir", tmp_path / "data"),
            size=size,
            clock=clock,
            **kwargs,
        )
        driver = Driver(app).start()
        driver.clock = clock
        started.append(driver)
        return app, driver

    yield start
    for driver in started:
        driver.stop()


CORE_TESTS = frozenset(
    [
        "test_agenda",
        "test_attract",
        "test_charts",
        "test_check_wheels",
        "test_config",
        "test_content_build",
        "test_content_changes",
        "test_content_check",
        "test_content_unbuild",
        "test_display_power",
        "test_doc_links",
        "test_editor_forms",
        "test_geo",
        "test_gesture",
        "test_hub_preview",
        "test_i18n",
        "test_import_cycles",
        "test_outbox",
        "test_pin",
        "test_printer",
        "test_problem_text",
        "test_release",
        "test_report_answers",
        "test_retention",
        "test_schedule",
        "test_search",
        "test_speech_text",
        "test_staffstatus",
        "test_store",
        "test_sync_manifest",
        "test_sync_release",
        "test_touchstats",
        "test_walk_content",
        "test_walk_edit",
        "test_walk_fade",
        "test_walk_labels",
        "test_walk_preload",
        "test_walk_projection",
        "test_walk_uploads",
    ]
)
"""Test files of the plain-Python core: content, search, outbox, statistics, the sync
protocol's pieces and the kiosk's logic without its window. `./dev test -m core` runs only
these, in well under a minute, with no display, browser or server; a file belongs here when it
needs none of them (the session below fails if one sneaks in)."""
LOOP_ONLY = ("kivy", "playwright", "uvicorn")
"""What a core test must not load: a window, a browser, a server."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "core: plain-Python core tests (no display, browser or server); ./dev test -m core",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in CORE_TESTS:
            item.add_marker(pytest.mark.core)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """With `-m core` the other files are not even imported, so Kivy, the hub's server and the
    browser stay unloaded (and the check below means something)."""
    if config.getoption("markexpr", "") != "core" or collection_path.suffix != ".py":
        return None
    if collection_path.name.startswith("test_") and collection_path.stem not in CORE_TESTS:
        return True
    return None


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Keep the core run honest: it must stay runnable where there is no display or browser."""
    import sys

    if session.config.getoption("markexpr", "") != "core":
        return
    loaded = [name for name in LOOP_ONLY if name in sys.modules]
    if loaded:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        print(f"\ncore tests loaded {', '.join(loaded)}: move that test out of CORE_TESTS")

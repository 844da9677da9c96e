"""New content on disk is picked up at the next idle moment, without a restart."""

from __future__ import annotations

from pathlib import Path

from kiosk.content.release import activate_release
from kiosk_core.content.build import build_release
from tests.conftest import write_tree


def install(src: Path, data: Path, version: int) -> Path:
    """Build a release into the data directory and make it the active one."""
    release = data / "releases" / str(version)
    build_release(src, release, version=version)
    activate_release(data, release)
    return release


def test_new_release_is_picked_up_when_the_kiosk_rests(kiosk_app, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src2")
    data = tmp_path / "kioskdata"
    install(src, data, 1)
    app, ui = kiosk_app(content=None, data_dir=data)
    assert app.content_path is None  # the app follows DATA/current
    assert app.catalog.release.version == 1
    ui.tap(ui.button("Sprawy urzędowe"))
    ui.tap(ui.button("Dokumenty"))

    path = src / "services" / "documents.yaml"
    path.write_text(path.read_text().replace("Dowód osobisty", "Dowód osobisty i e-dowód"))
    install(src, data, 2)

    app._check_release()
    assert app.catalog.release.version == 1, "a visitor is reading: do not swap now"
    assert app.manager.current == "services"
    ui.advance(101)
    ui.wait(1.5)  # idle reset, then the reload and its slide home (slow on a busy machine)
    assert app.catalog.release.version == 2
    ui.tap(ui.button("Sprawy urzędowe"))
    ui.tap(ui.button("Dokumenty"))
    assert "Dowód osobisty i e-dowód" in {r.title for r in ui.find("ListRow")}


def test_reload_on_a_quiet_home_screen(kiosk_app, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src3")
    data = tmp_path / "kioskdata"
    install(src, data, 1)
    app, ui = kiosk_app(content=None, data_dir=data)
    ui.choose_language("English")  # somebody is here, on the home screen
    install(src, data, 2)
    app._check_release()
    assert app.catalog.release.version == 1
    ui.clock.advance(6)
    app._check_release()
    assert app.catalog.release.version == 2


def test_a_broken_new_release_keeps_the_old_one(kiosk_app, tmp_path: Path) -> None:
    src = write_tree(tmp_path / "src4")
    data = tmp_path / "kioskdata"
    install(src, data, 1)
    app, ui = kiosk_app(content=None, data_dir=data)
    broken = data / "releases" / "2"
    build_release(src, broken, version=2)
    (broken / "content.json").write_text("{not json", encoding="utf-8")
    activate_release(data, broken)
    app._check_release()  # resting: reload is attempted at once
    assert app.catalog.release.version == 1
    ui.tap(ui.button("Sprawy urzędowe"))
    assert app.manager.current == "categories"

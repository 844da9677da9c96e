"""Kiosk mode: no way out from the screen, no cursor, no multitouch emulation dots."""

from __future__ import annotations

from pathlib import Path

from kiosk.infra.config import KioskConfig


def test_escape_and_close_requests_do_not_exit(kiosk_app, tmp_path: Path) -> None:
    from kivy.base import EventLoop
    from kivy.config import Config
    from kivy.core.window import Window

    kiosk = KioskConfig(fullscreen=True, data_dir=tmp_path / "data")
    app, ui = kiosk_app(kiosk=kiosk)
    Window.dispatch("on_keyboard", 27, 41, None, [])  # Escape
    ui.frames(3)
    assert Window.dispatch("on_request_close") is True
    ui.frames(3)
    assert EventLoop.status == "started"
    assert app.manager.current == "home"
    assert Window.show_cursor is False
    assert Config.get("kivy", "exit_on_escape") == "0"
    assert "disable_multitouch" in Config.get("input", "mouse")
    ui.tap(ui.button("Wydarzenia"))
    assert app.manager.current == "events"


def test_a_development_window_can_be_closed(kiosk_app) -> None:
    from kivy.core.window import Window

    app, ui = kiosk_app()
    assert app.kiosk.fullscreen is False
    assert not Window.dispatch("on_request_close")

"""Long lists: every row a visitor scrolls to is the height its text needs."""

from __future__ import annotations

from pathlib import Path

from kiosk_core.content.synthetic import write_source
from tests.test_ui_screens import misfit_rows


def test_rows_reused_while_scrolling_take_the_height_of_their_new_text(
    kiosk_app, tmp_path: Path
) -> None:
    source = write_source(tmp_path / "src", services=300, events=5, one_category=True)
    app, ui = kiosk_app(content=source, size=(1280, 800))
    app.go("services", category="cat0")
    ui.wait(0.5)
    rv = ui.screen.ids.list
    assert len(rv.data) == 300
    misfit = []
    for step in range(40):  # down the list a little at a time, as a finger drags it
        rv.scroll_y = max(0.0, 1 - step * 0.004)
        ui.frames(3)
        misfit.extend((step, *row) for row in misfit_rows(ui))
    assert misfit == [], f"rows not the height of their text: {misfit[:5]}"

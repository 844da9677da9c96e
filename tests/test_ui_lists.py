"""Long lists: every row a visitor scrolls to is the height its text needs."""

from __future__ import annotations

from pathlib import Path

import yaml

from kiosk.content.synthetic import write_source
from tests.test_ui_screens import misfit_rows


def one_long_list(root: Path, cards: int) -> Path:
    """Synthetic content whose cards all sit in one category."""
    source = write_source(root, services=cards, events=5)
    path = source / "services" / "all.yaml"
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in items:
        item["category"] = "cat0"
    path.write_text(yaml.safe_dump(items, allow_unicode=True), encoding="utf-8")
    return source


def test_rows_reused_while_scrolling_take_the_height_of_their_new_text(
    kiosk_app, tmp_path: Path
) -> None:
    app, ui = kiosk_app(content=one_long_list(tmp_path / "src", 300), size=(1280, 800))
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

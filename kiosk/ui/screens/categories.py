"""Service categories: a tile for each group of matters."""

from __future__ import annotations

from kivy.factory import Factory

from kiosk.ui import markup
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk_core.content.model import tr

load_kv(__file__)


class CategoriesScreen(KioskScreen):
    def refresh(self) -> None:
        app = self.app
        grid = self.ids.grid
        grid.clear_widgets()
        for category in app.catalog.categories(app.now()):
            count = len(app.catalog.services(category.id, app.now()))
            matters = app.ngettext("{n} matter", "{n} matters", count).format(n=count)
            size = app.unit * 24 * app.font_scale
            tile = Factory.TileButton(
                text=markup.tile(tr(category.name, app.lang), matters, size),
                font_size=app.unit * 34 * app.font_scale,
            )
            tile.category_id = category.id
            tile.bind(on_release=lambda t: app.go("services", category=t.category_id))
            grid.add_widget(tile)

"""Home: large tiles for everything a visitor can do."""

from __future__ import annotations

from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class HomeScreen(KioskScreen):
    _walk_tile = None
    """Held here: `ids` keeps only a weak reference to a tile taken off the grid."""

    def refresh(self) -> None:
        """The virtual walk's tile shows only when the release has a walk."""
        if self._walk_tile is None:
            self._walk_tile = self.ids.walk.__self__
        tile, grid = self._walk_tile, self.ids.grid
        catalog = self.app.catalog if self.app else None
        has_walk = bool(catalog and catalog.walk)
        if has_walk and tile.parent is None:
            grid.add_widget(tile)
        elif not has_walk and tile.parent is not None:
            grid.remove_widget(tile)

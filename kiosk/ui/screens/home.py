"""Home: large tiles for everything a visitor can do, and how much of the content is in
the visitor's language."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.ui.fallback import share_line
from kiosk.ui.screens.base import KioskScreen, load_kv

load_kv(__file__)


class HomeScreen(KioskScreen):
    share = StringProperty("")
    """How much of the content is wholly in the visitor's language (nothing when all is)."""
    _walk_tile = None
    """Held here: `ids` keeps only a weak reference to a tile taken off the grid."""

    def show(self, **_params) -> None:
        """Home starts over: a search typed before is forgotten (typing again would add to
        it), though the search screen may still be built."""
        app = self.app
        if app.manager.has_screen("search"):
            app.screen("search").start_over()
        self.refresh()

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
        if catalog is not None:
            cards, events = catalog.shares(self.app.lang, self.app.now())
            self.share = share_line(cards, events, self.app._)

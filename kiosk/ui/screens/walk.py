"""The virtual walk: a 360° place to look around in, arrows to the next places, a strip of
all places and a map to jump anywhere.

The screen is glue: the projection runs in the shader (kiosk/ui/widgets/panorama.py), looking
around, hit-testing and the graph are plain Python (kiosk/walk/), and the files are decoded
by the preloader and uploaded ahead by GpuTextures. Moving to a place cross-fades from the old
one at once: with its full textures if the GPU holds them whole, else with its small preview,
which sharpens when the full textures have been uploaded, a band at a time, in the frames
after the fade. Nothing big is decoded or uploaded while a fade is drawn: the places one
touch further are prepared once the new place is on screen.
"""

from __future__ import annotations

from kivy.app import App
from kivy.clock import Clock
from kivy.factory import Factory
from kivy.properties import (
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.widget import Widget

from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets.panorama import GpuTextures, PanoramaView, make_texture
from kiosk.walk import hotspots
from kiosk.walk.places import map_positions
from kiosk.walk.preload import Preloader, decode
from kiosk.walk.projection import View
from kiosk_core.content.model import PanoramaNode, Walk, tr
from kiosk_core.content.walkgraph import neighbours

load_kv(__file__)

START_FOV = 75.0
CROSSFADE = 0.35
"""Seconds a new place takes to fade in over the one left."""
SHARPEN = 0.2
"""Seconds the full textures take to fade in over a place's preview."""
UPLOAD_SECONDS = 0.004
"""Time a frame may spend uploading places ahead (while nobody drags)."""
SHARPEN_UPLOAD_SECONDS = 0.012
"""Time a frame may spend uploading the place on screen while it shows its preview."""
MARKER_SIZE = 84
"""Marker diameter at unit 1 (about 21 mm on a 21.5-inch panel: easy to hit)."""


class HotspotMarker(Widget):
    """An arrow to another place, or an "i" for a note; the hit test is the screen's."""

    kind = StringProperty("go")
    caption = StringProperty("")


class WalkThumb(ButtonBehavior, BoxLayout):
    node_id = StringProperty("")
    title = StringProperty("")
    texture = ObjectProperty(None, allownone=True)
    selected = BooleanProperty(False)


class MapPoint(ButtonBehavior, Widget):
    node_id = StringProperty("")
    title = StringProperty("")
    selected = BooleanProperty(False)
    fx = NumericProperty(0.5)
    fy = NumericProperty(0.5)


class WalkMapPanel(BoxLayout):
    """The municipality map with a point for every place; touching one goes there."""

    source = StringProperty("")
    points = ListProperty([])
    top_limit = NumericProperty(0)
    """Where the panel's top edge goes: below the map button and the title card (set by the
    screen)."""
    bottom_limit = NumericProperty(0)
    """How low the panel may reach: above the strip of places."""

    def __init__(self, **kwargs):
        self._points: list[MapPoint] = []
        super().__init__(**kwargs)
        image = self.ids.map
        for name in ("pos", "size", "norm_image_size"):
            image.bind(**{name: self._layout})

    def on_points(self, *_args) -> None:
        area = self.ids.area
        for point in self._points:
            area.remove_widget(point)
        self._points = []
        screen = App.get_running_app().screen("walk")
        for spec in self.points:
            point = Factory.MapPoint(**spec)
            point.bind(on_release=lambda p: screen.jump(p.node_id))
            area.add_widget(point)
            self._points.append(point)
        self._layout()

    def _layout(self, *_args) -> None:
        """Put each point where its place is on the map as it is drawn (kept in proportion,
        centred), or on the plain panel when there is no map."""
        image, area = self.ids.map, self.ids.area
        if self.source and image.texture is not None:
            width, height = image.norm_image_size
            x0, y0 = image.center_x - width / 2, image.center_y - height / 2
        else:
            x0, y0, width, height = area.x, area.y, area.width, area.height
        for point in self._points:
            point.center = (x0 + point.fx * width, y0 + (1 - point.fy) * height)

    def on_touch_down(self, touch) -> bool:
        if self.collide_point(*touch.pos):
            super().on_touch_down(touch)
            return True  # the map is not the panorama: no drag through it
        return False


class WalkInfoCard(BoxLayout):
    heading = StringProperty("")
    text = StringProperty("")

    def on_touch_down(self, touch) -> bool:
        if self.collide_point(*touch.pos):
            super().on_touch_down(touch)
            return True
        return False


class WalkScreen(KioskScreen):
    item_id = StringProperty("")
    """The place on screen."""
    heading = StringProperty("")
    description = StringProperty("")
    map_open = BooleanProperty(False)
    hint = BooleanProperty(True)
    """Shown until the visitor first drags: how the view works."""
    keep_built = False
    """The view's GL context holds the last textures it drew until it is destroyed: once the
    visitor has left (and Back does not lead here), the screen goes, and with it the place."""

    def __init__(self, **kwargs):
        self.preloader: Preloader | None = None
        self.gpu = GpuTextures()
        self._walk_seen: Walk | None = None
        self._previews: dict[str, object] = {}
        self._markers: list[HotspotMarker] = []
        self._trail: list[str] = []
        self._sharp = False
        self._ahead = False
        """Whether the places one touch away still wait to be prepared (after a fade)."""
        self._frames = None
        self._info: WalkInfoCard | None = None
        self._map: WalkMapPanel | None = None
        self._owner = App.get_running_app()
        super().__init__(**kwargs)
        self.view: PanoramaView = self.ids.view
        self.view.bind(on_view=self._place_markers, on_tap=self._on_tap, blend=self._place_markers)
        self.view.bind(on_touch_down=self._first_touch)
        self.ids.strip_box.bind(width=self._size_thumbs, top=self._place_map)
        for widget in (self.ids.title_card, self.ids.map_button):
            widget.bind(pos=self._place_map, size=self._place_map, opacity=self._place_map)

    # --- the screen's life ---------------------------------------------------------------------

    @property
    def walk(self) -> Walk | None:
        return self.app.catalog.walk if self.app.catalog else None

    def show(self, item_id: str = "", **_params) -> None:
        walk = self._sync_walk()
        if walk is None:
            return
        target = item_id if walk.node(item_id) else (self.item_id or walk.start_id)
        if not walk.node(target):
            target = walk.start_id
        self._arrive(target, fade=False)

    def on_enter(self, *_args) -> None:
        self.view.start()
        if self._frames is None:
            self._frames = Clock.schedule_interval(self._frame, 0)

    def on_leave(self, *_args) -> None:
        """Out of sight, out of memory: textures and decoded pixels are given back."""
        self.view.stop()
        if self._frames is not None:
            self._frames.cancel()
            self._frames = None
        self.view.show([])
        self._sharp = False
        self._ahead = False
        self.gpu.clear()
        if self.preloader is not None:
            self.preloader.clear()

    def dropped(self) -> None:
        if self.preloader is not None:
            self.preloader.close()
            self.preloader = None

    def spoken(self) -> list:
        return [self.heading, self.description]

    def refresh(self) -> None:
        walk = self._sync_walk()
        node = walk.node(self.item_id) if walk and self.item_id else None
        lang = self.app.lang
        self.heading = tr(node.title, lang) if node else ""
        self.description = tr(node.description, lang) if node else ""
        for thumb in self.ids.strip.children:
            place = walk.node(thumb.node_id) if walk else None
            thumb.title = tr(place.title, lang) if place else ""
        self._build_markers()
        if self._map is not None:
            self._fill_map()
        if self._info is not None:
            self.close_info()

    def reset(self) -> None:
        self.close_info()
        self.close_map()
        self._trail.clear()
        self.item_id = ""
        self.heading = self.description = ""
        self.hint = True
        self.view.show([])

    def handle_back(self) -> bool:
        """Back closes a note or the map first, then retraces the visitor's steps."""
        if self._info is not None:
            self.close_info()
            return True
        if self._map is not None:
            self.close_map()
            return True
        if self._trail:
            self.go_to(self._trail.pop(), remember=False)
            return True
        return False

    # --- moving between places -----------------------------------------------------------------

    def go_to(self, node_id: str, remember: bool = True) -> None:
        """Walk to a place: it fades in over the place the visitor leaves."""
        walk = self.walk
        if walk is None or walk.node(node_id) is None or node_id == self.item_id:
            return
        if remember and self.item_id:
            self._trail.append(self.item_id)
        self.close_info()
        self._arrive(node_id, fade=True)

    def _arrive(self, node_id: str, fade: bool) -> None:
        """Show a place now: its full textures if the GPU holds them whole, else its preview
        until they are uploaded. Nothing is uploaded here: a whole texture at once would stall
        the very frame that should show the new place."""
        walk = self.walk
        node = walk.node(node_id) if walk else None
        if node is None:
            return
        self.item_id = node_id
        self.app.counter.view("panorama", node_id)
        self._want(walk, node_id, ahead=False)
        self._ahead = True
        textures = self.gpu.get(node_id)
        self._sharp = textures is not None
        if textures is None:
            preview = self._previews.get(node_id)
            textures = [preview] if preview is not None else []
        start = View(node.yaw, node.pitch, START_FOV)
        self.view.crossfade(textures, start, CROSSFADE if fade else 0)
        for thumb in self.ids.strip.children:
            thumb.selected = thumb.node_id == node_id
        self.refresh()

    def _want(self, walk: Walk, node_id: str, ahead: bool = True) -> None:
        """The place and its neighbours: on the GPU as far as its budget goes, decoded in
        memory where they are not on the GPU yet. Without `ahead` (during a fade) only the
        place itself starts decoding, and what is held stays held as far as the budgets allow:
        decoding a large panorama takes the processor the fade's frames need, and giving back
        a large texture or buffer takes time too."""
        if self.preloader is None:
            self.preloader = Preloader()
        order = [k for k in (node_id, *neighbours(walk, node_id)) if self._texture_files(k)]
        if not ahead:
            held = (*self.gpu.plan.kept(), *self.preloader.wanted())
            order += [k for k in dict.fromkeys(held) if k not in order and walk.node(k)]
        sizes = {k: self._texture_sizes(k) for k in order}
        self.gpu.want([(k, sizes[k]) for k in order])
        done = set(self.gpu.ready())
        started = set(self.preloader.wanted())
        self.preloader.want(
            [
                (k, self._texture_files(k), sum(w * h * 3 for w, h in sizes[k]))
                for k in order
                if k not in done and (ahead or k == node_id or k in started)
            ]
        )

    def _frame(self, _dt: float) -> None:
        """Once a frame while the walk is shown and no fade is drawn: prepare the places one
        touch away, upload a little (not while a finger is on the panorama), and sharpen the
        place shown once its full textures are complete."""
        if App.get_running_app() is not self._owner:  # the app stopped without leaving us
            self.on_leave()
            return
        walk = self.walk
        if self.preloader is None or not self.item_id or walk is None or self.view.fading:
            return
        if self._ahead:
            self._ahead = False
            self._want(walk, self.item_id)
        if self.view.touching:
            return
        seconds = UPLOAD_SECONDS if self._sharp else SHARPEN_UPLOAD_SECONDS
        completed = self.gpu.step(self.preloader.get, seconds)
        if not self._sharp:
            textures = self.gpu.get(self.item_id)
            if textures is not None:
                self._sharp = True
                self.view.crossfade(textures, self.view.view, SHARPEN)
        if completed:
            self._want(walk, self.item_id)  # uploaded: the decoded copy can go

    def _texture_files(self, node_id: str) -> list:
        walk = self.walk
        node = walk.node(node_id) if walk else None
        if node is None or node.textures is None:
            return []
        release = self.app.catalog.release
        return [release.media_path(ref) for ref in node.textures.files]

    def _texture_sizes(self, node_id: str) -> list[tuple[int, int]]:
        textures = self.walk.node(node_id).textures
        half = textures.width // 2
        return [(half, textures.height)] * len(textures.files)

    # --- hotspots ----------------------------------------------------------------------------

    def _node(self) -> PanoramaNode | None:
        walk = self.walk
        return walk.node(self.item_id) if walk and self.item_id else None

    def _build_markers(self) -> None:
        layer = self.ids.markers
        node = self._node()
        spots = node.hotspots if node else []
        while len(self._markers) > len(spots):
            layer.remove_widget(self._markers.pop())
        while len(self._markers) < len(spots):
            marker = Factory.HotspotMarker()
            self._markers.append(marker)
            layer.add_widget(marker)
        lang = self.app.lang
        walk = self.walk
        for marker, spot in zip(self._markers, spots, strict=True):
            marker.kind = "go" if spot.target else "info"
            target = walk.node(spot.target) if walk and spot.target else None
            label = spot.label or (target.title if target else None)
            marker.caption = tr(label, lang)
        self._place_markers()

    def _radius(self) -> float:
        return self.app.unit * MARKER_SIZE / 2

    def _bounds(self) -> hotspots.Bounds:
        """Where markers are drawn whole, their captions (below them) included."""
        radius = self._radius()
        caption = self.app.unit * (50 * self.app.font_scale + 10)
        return hotspots.inset(self.view.viewport, radius, radius + caption, radius, radius)

    def _covered(self) -> list[hotspots.Bounds]:
        """The title card and the map button, widened by a marker's radius: a marker is not
        drawn (nor touched) under them."""
        r, vx, vy = self._radius(), self.view.x, self.view.y
        out = []
        for widget in (self.ids.title_card, self.ids.map_button):
            if widget.opacity > 0:
                x, y = widget.x - vx, widget.y - vy
                out.append((x - r, y - r, x + widget.width + r, y + widget.height + r))
        return out

    def _place_markers(self, *_args) -> None:
        node = self._node()
        if node is None:
            return
        found = hotspots.positions(
            self.view.view, self.view.viewport, node.hotspots, self._bounds(), self._covered()
        )
        for marker, point in zip(self._markers, found, strict=False):
            if point is None:
                marker.opacity = 0
                continue
            marker.opacity = self.view.blend
            marker.center = (self.view.x + point[0], self.view.y + point[1])

    def _on_tap(self, _view, x: float, y: float) -> None:
        node = self._node()
        if node is None or self.view.blend < 1.0:
            return
        radius = self._radius()
        index = hotspots.hit(
            self.view.view,
            self.view.viewport,
            node.hotspots,
            x,
            y,
            radius * 1.3,
            self._bounds(),
            self._covered(),
        )
        if index is None:
            self.close_info()
            return
        spot = node.hotspots[index]
        caption = self._markers[index].caption if index < len(self._markers) else ""
        if self.app.read_aloud.explore(self.view, index, lambda: (caption, None)):
            return  # read aloud: the first touch says where the arrow leads
        if spot.target:
            self.go_to(spot.target)
        else:
            self.open_info(tr(spot.label, self.app.lang), tr(spot.info, self.app.lang))

    def _first_touch(self, view, touch) -> None:
        if view.collide_point(*touch.pos):
            self.hint = False

    # --- the note, the strip and the map -----------------------------------------------------

    def open_info(self, heading: str, text: str) -> None:
        self.close_info()
        self._info = Factory.WalkInfoCard(heading=heading, text=text)
        self.ids.overlay.add_widget(self._info)

    def close_info(self, *_args) -> None:
        if self._info is not None:
            self.ids.overlay.remove_widget(self._info)
            self._info = None

    def toggle_map(self) -> None:
        if self._map is None:
            self.close_info()
            self._map = Factory.WalkMapPanel()
            self._map.bind(x=self._place_map, width=self._place_map)
            self._fill_map()
            self.ids.overlay.add_widget(self._map)
            self._place_map()
            self.map_open = True
        else:
            self.close_map()

    def close_map(self) -> None:
        if self._map is not None:
            self.ids.overlay.remove_widget(self._map)
            self._map = None
        self.map_open = False

    def _place_map(self, *_args) -> None:
        """Keep the map panel below the map button, below the title card where the two share
        columns (in portrait the panel is nearly as wide as the screen), and above the strip:
        it must not hide the name of the place the visitor is in."""
        panel = self._map
        if panel is None:
            return
        gap = self.app.unit * 16
        top = self.ids.map_button.y
        card = self.ids.title_card
        if card.opacity > 0 and card.x < panel.right and panel.x < card.right:
            top = min(top, card.y)
        panel.top_limit = top - gap
        panel.bottom_limit = self.ids.strip_box.top + gap

    def jump(self, node_id: str) -> None:
        """From the strip or the map: straight to a place."""
        self.close_map()
        self.go_to(node_id)

    def _fill_map(self) -> None:
        walk, panel = self.walk, self._map
        if walk is None or panel is None:
            return
        settings = self.app.catalog.settings
        path = self.app.catalog.release.media_path(settings.map.image) if settings.map else None
        panel.source = str(path) if path else ""
        spots = map_positions(walk, settings.map)
        panel.points = [
            {
                "node_id": n.id,
                "title": tr(n.title, self.app.lang),
                "fx": spots[n.id][0],
                "fy": spots[n.id][1],
                "selected": n.id == self.item_id,
            }
            for n in walk.nodes
        ]

    def _sync_walk(self) -> Walk | None:
        """A new release may bring a new walk: previews, strip and memory start afresh."""
        walk = self.walk
        if walk is self._walk_seen:
            return walk
        self._walk_seen = walk
        self._previews.clear()
        self.ids.strip.clear_widgets()
        if self.preloader is not None:
            self.preloader.clear()
        self.gpu.clear()
        self.item_id = ""
        self._trail.clear()
        if walk is None:
            return None
        release = self.app.catalog.release
        for node in walk.nodes:
            texture = None
            if node.preview:
                try:
                    texture = make_texture(decode(release.media_path(node.preview)))
                    texture.flip_vertical()  # rows come top first; the shader ignores this
                except OSError:
                    texture = None  # a damaged preview: the thumbnail stays blank
            self._previews[node.id] = texture
            thumb = Factory.WalkThumb(node_id=node.id, texture=texture)
            thumb.bind(on_release=lambda t: self.jump(t.node_id))
            self.ids.strip.add_widget(thumb)
        self._size_thumbs()
        return walk

    def _size_thumbs(self, *_args) -> None:
        """Thumbnails share the strip's width while they fit, else the strip scrolls."""
        thumbs = self.ids.strip.children
        if not thumbs:
            return
        unit = self.app.unit
        free = self.ids.strip_box.width - unit * 12 * (len(thumbs) + 1)
        width = max(unit * 150, min(unit * 250, free / len(thumbs)))
        for thumb in thumbs:
            thumb.width = width


class WalkLayer(FloatLayout):
    """The layer above the panorama: it lets touches through to the view below except where
    a child (a button, the map, a note) takes them."""

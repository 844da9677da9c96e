"""The virtual walk: a 360° place to look around in, arrows to the next places, a strip of
all places and a map to jump anywhere.

The screen is glue: the projection runs in the shader (kiosk/ui/widgets/panorama.py), looking
around, hit-testing and the graph are plain Python (kiosk/walk/), and the files are decoded
by the preloader and uploaded ahead by GpuTextures. Moving to a place cross-fades from the old
one at once: with its full textures if the GPU holds them whole, else with its small preview,
which sharpens when the full textures have been uploaded, a band at a time, in the frames
after the fade. Nothing big is decoded or uploaded while a fade is drawn: the places one
touch further are prepared once the new place is on screen.

Whatever the language, text size or screen, everything is read whole and nothing lies over
anything else: a marker is drawn only where all of it, caption included, is clear of the
panels above the panorama (kiosk.walk.hotspots); the strip's cells are as wide as their names
need in two lines, with arrows when the strip scrolls; the map's names go where they read
whole (kiosk.walk.labels); the map or a note takes the strip's room while it is open. Back
retraces the places walked; "Leave the walk" goes back to where the visitor came from.
"""

from __future__ import annotations

import math

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
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
from kiosk.walk import hotspots, labels, places
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
CAPTION_GAP = 10
"""Units between a marker and its caption."""
DOT_RADIUS = 22
"""A map point's dot, at unit 1."""
TOUCH_RADIUS = 40
"""How far from a map point's dot a touch still means it, at unit 1: 80 units across, 10 mm
on a 10.1-inch 1280x800 panel."""
HINT_LOOK = "look"
HINT_BACK = "back"
THUMB_IMAGE = 96
"""The height of a place's picture in the strip, at unit 1."""


class HotspotMarker(Widget):
    """An arrow to another place, or an "i" for a note; the hit test is the screen's. Its
    caption is a widget of its own below it (`caption_label`): each draws inside its box."""

    kind = StringProperty("go")
    caption = StringProperty("")
    caption_label = ObjectProperty(None, allownone=True)
    caption_above = BooleanProperty(False)
    """The caption goes above the disc (no room below it)."""

    def on_caption(self, *_args) -> None:
        if self.caption_label is not None:
            self.caption_label.text = self.caption
            self.caption_label.texture_update()  # its size counts in the next placing

    def on_opacity(self, instance, value) -> None:
        super().on_opacity(instance, value)  # Kivy's: the canvas follows
        if self.caption_label is not None:
            self.caption_label.opacity = self.opacity if self.caption else 0

    def on_pos(self, *_args) -> None:
        self.place_caption()

    def place_caption(self) -> None:
        """Below the disc (or above it), centred; its size follows its text, which may have
        changed."""
        label = self.caption_label
        if label is not None:
            gap = App.get_running_app().unit * CAPTION_GAP
            label.center_x = self.center_x
            if self.caption_above:
                label.y = self.top + gap
            else:
                label.top = self.y - gap

    def footprints(self) -> list[hotspots.Footprint]:
        """How far the disc, its shadow and its caption reach from the marker's centre: with
        the caption below, then with the caption above."""
        unit = App.get_running_app().unit
        r = self.width / 2
        side, shadow = r + unit * 3, r + unit * 6
        if not self.caption or self.caption_label is None:
            return [(side, shadow, side, r)]
        side = max(side, self.caption_label.width / 2)
        caption = unit * CAPTION_GAP + self.caption_label.height
        return [(side, r + caption, side, r), (side, shadow, side, r + caption)]


class WalkThumb(ButtonBehavior, BoxLayout):
    node_id = StringProperty("")
    title = StringProperty("")
    texture = ObjectProperty(None, allownone=True)
    selected = BooleanProperty(False)
    name_height = NumericProperty(0)
    """Two lines of the name: every cell's name has the same room."""


class MapPoint(Widget):
    """A place on the map: its dot and its name beside it, in one box (the panel decides
    where the name goes and which place a touch means)."""

    node_id = StringProperty("")
    title = StringProperty("")
    selected = BooleanProperty(False)
    fx = NumericProperty(0.5)
    fy = NumericProperty(0.5)
    dot = ListProperty([0, 0])
    """Where the dot's centre is drawn."""


class WalkPanel(BoxLayout):
    """A panel laid over the walk (the map, a note): the screen keeps it below the place's
    name and the buttons; while one is open the strip of places makes room for it."""

    top_limit = NumericProperty(0)
    """Where the panel's top edge goes (set by the screen)."""
    bottom_limit = NumericProperty(0)
    """How low the panel may reach."""

    def on_touch_down(self, touch) -> bool:
        if self.collide_point(*touch.pos):
            super().on_touch_down(touch)
            return True  # a panel is not the panorama: no drag through it
        return False


class WalkMapPanel(WalkPanel):
    """The municipality map with a point for every place; touching one, its name or near it
    goes there."""

    source = StringProperty("")
    points = ListProperty([])

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
        self._points = [Factory.MapPoint(**spec) for spec in self.points]
        for point in self._points:
            area.add_widget(point)
        self._layout()

    def _layout(self, *_args) -> None:
        """Put each dot where its place is on the map as it is drawn (kept in proportion,
        centred), or on the plain panel when there is no map, and each name beside its dot
        where it is read whole (kiosk.walk.labels), the place the visitor is in first."""
        image, area = self.ids.map, self.ids.area
        if self.source and image.texture is not None:
            width, height = image.norm_image_size
            x0, y0 = image.center_x - width / 2, image.center_y - height / 2
        else:
            x0, y0, width, height = area.x, area.y, area.width, area.height
        if not self._points:
            return
        unit = App.get_running_app().unit
        order = sorted(self._points, key=lambda p: not p.selected)
        dots = [(x0 + p.fx * width, y0 + (1 - p.fy) * height) for p in order]
        names = []
        for point in order:
            name = point.ids.name
            name.texture_update()
            names.append((name.texture_size[0] + unit * 16, name.texture_size[1] + unit * 8))
        area_box = (area.x, area.y, area.right, area.top)
        radius = unit * DOT_RADIUS
        boxes = labels.name_boxes(dots, names, radius, unit * 4, area_box)
        for point, (x, y), box in zip(order, dots, boxes, strict=True):
            name = point.ids.name
            name.pos = (box[0], box[1])
            whole = labels.union(box, (x - radius, y - radius, x + radius, y + radius))
            point.pos = whole[:2]
            point.size = (whole[2] - whole[0], whole[3] - whole[1])
            point.dot = [x, y]

    def on_touch_down(self, touch) -> bool:
        if self.collide_point(*touch.pos):
            touch.grab(self)
            return True  # the map is not the panorama: no drag through it
        return False

    def on_touch_up(self, touch) -> bool:
        if touch.grab_current is not self:
            return False
        touch.ungrab(self)
        if not self.collide_point(*touch.pos):
            return True
        boxes = [(p.x, p.y, p.right, p.top) for p in self._points]
        dots = [tuple(p.dot) for p in self._points]
        radius = App.get_running_app().unit * TOUCH_RADIUS
        index = places.touched(boxes, dots, *touch.pos, radius)
        if index is not None:
            App.get_running_app().screen("walk").jump(self._points[index].node_id)
        return True


class WalkInfoCard(WalkPanel):
    heading = StringProperty("")
    text = StringProperty("")


class WalkScreen(KioskScreen):
    item_id = StringProperty("")
    """The place on screen."""
    heading = StringProperty("")
    description = StringProperty("")
    map_open = BooleanProperty(False)
    panel_open = BooleanProperty(False)
    """The map or a note is open: the strip of places gives it its room."""
    hint = StringProperty(HINT_LOOK)
    """Which hint the pill above the strip shows: how to look around (until the visitor
    first touches the panorama), what Back does (after the first step to another place, until
    the next touch), or none."""
    hint_text = StringProperty("")
    strip_height = NumericProperty(176)
    strip_scrolls = BooleanProperty(False)
    """The places do not all fit across the screen: arrows at the strip's ends scroll it."""
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
        self._told_back = False
        """Whether the visitor has been told what Back does (once a visit)."""
        self._info: WalkInfoCard | None = None
        self._map: WalkMapPanel | None = None
        self._owner = App.get_running_app()
        super().__init__(**kwargs)
        self.view: PanoramaView = self.ids.view
        self.view.bind(on_view=self._place_markers, on_tap=self._on_tap, blend=self._place_markers)
        self.view.bind(on_touch_down=self._first_touch)
        self.ids.strip_box.bind(width=self._size_thumbs)
        self.ids.strip.bind(width=self._strip_fits)
        self.ids.strip_box.bind(width=self._strip_fits)
        for widget in (self.ids.title_card, self.ids.actions):
            widget.bind(pos=self._place_panels, size=self._place_panels)
        for widget in (self.ids.title_card, self.ids.actions, self.ids.hint):
            widget.bind(pos=self._place_markers, size=self._place_markers)
            widget.bind(opacity=self._place_markers)
        self.bind(size=self._place_panels, hint=self._say_hint)

    # --- the screen's life ---------------------------------------------------------------------

    @property
    def tour(self) -> Walk | None:
        """The walk shown (not `walk`: that is Kivy's walk through the widget tree)."""
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
        self._size_thumbs()
        self._say_hint()
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
        self.hint = HINT_LOOK
        self._told_back = False
        self.view.show([])

    def handle_back(self) -> bool:
        """Back closes a note or the map first, then retraces the visitor's steps, place by
        place (as Back retraces screens elsewhere); "Leave the walk" leaves at once."""
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

    def leave(self) -> None:
        """Out of the walk at once, to the screen the visitor came from (home, as a rule),
        without retracing the places first."""
        self._trail.clear()
        self.close_info()
        self.close_map()
        if self.app.can_go_back:
            self.app.back()
        else:
            self.app.home()

    # --- moving between places -----------------------------------------------------------------

    def go_to(self, node_id: str, remember: bool = True) -> None:
        """Walk to a place: it fades in over the place the visitor leaves."""
        walk = self.tour
        if walk is None or walk.node(node_id) is None or node_id == self.item_id:
            return
        if remember and self.item_id:
            self._trail.append(self.item_id)
        self.close_info()
        self._arrive(node_id, fade=True)
        if self._trail and not self._told_back:
            self._told_back = True
            self.hint = HINT_BACK
        elif self.hint == HINT_BACK:
            self.hint = ""

    def _arrive(self, node_id: str, fade: bool) -> None:
        """Show a place now: its full textures if the GPU holds them whole, else its preview
        until they are uploaded. Nothing is uploaded here: a whole texture at once would stall
        the very frame that should show the new place."""
        walk = self.tour
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
            if thumb.selected and self.strip_scrolls:
                self.ids.strip_box.scroll_to(thumb, animate=False)
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
        walk = self.tour
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
        walk = self.tour
        node = walk.node(node_id) if walk else None
        if node is None or node.textures is None:
            return []
        release = self.app.catalog.release
        return [release.media_path(ref) for ref in node.textures.files]

    def _texture_sizes(self, node_id: str) -> list[tuple[int, int]]:
        textures = self.tour.node(node_id).textures
        half = textures.width // 2
        return [(half, textures.height)] * len(textures.files)

    # --- hotspots ----------------------------------------------------------------------------

    def _node(self) -> PanoramaNode | None:
        walk = self.tour
        return walk.node(self.item_id) if walk and self.item_id else None

    def _build_markers(self) -> None:
        layer = self.ids.markers
        node = self._node()
        spots = node.hotspots if node else []
        while len(self._markers) > len(spots):
            marker = self._markers.pop()
            layer.remove_widget(marker.caption_label)
            layer.remove_widget(marker)
        while len(self._markers) < len(spots):
            caption = Factory.HotspotCaption()
            marker = Factory.HotspotMarker(caption_label=caption)
            self._markers.append(marker)
            layer.add_widget(marker)
            layer.add_widget(caption)
        lang = self.app.lang
        walk = self.tour
        for marker, spot in zip(self._markers, spots, strict=True):
            marker.kind = "go" if spot.target else "info"
            target = walk.node(spot.target) if walk and spot.target else None
            label = spot.label or (target.title if target else None)
            marker.caption = tr(label, lang)
            marker.caption_label.texture_update()
        self._place_markers()

    def _radius(self) -> float:
        return self.app.unit * MARKER_SIZE / 2

    def _covered(self) -> list[hotspots.Bounds]:
        """What the layer above the panorama shows (the place's name, the buttons, the hint,
        a note, the map), in the view's pixels: no marker is drawn (nor touched) under it."""
        vx, vy = self.view.x, self.view.y
        return [
            (w.x - vx, w.y - vy, w.right - vx, w.top - vy)
            for w in self.ids.overlay.children
            if w.opacity > 0 and w.width > 0 and w.height > 0
        ]

    def _footprints(self) -> list[list[hotspots.Footprint]]:
        for marker in self._markers:
            marker.caption_label.texture_update()  # its rule sizes it from its texture
        return [marker.footprints() for marker in self._markers]

    def _place_markers(self, *_args) -> None:
        node = self._node()
        if node is None or len(node.hotspots) != len(self._markers):
            return  # between two places: _build_markers places them
        found = hotspots.placements(
            self.view.view,
            self.view.viewport,
            node.hotspots,
            None,
            self._covered(),
            self._footprints(),
        )
        for marker, place in zip(self._markers, found, strict=True):
            if place is None:
                marker.opacity = 0
                continue
            (x, y), choice = place
            marker.opacity = self.view.blend
            marker.caption_above = choice == 1
            marker.center = (self.view.x + x, self.view.y + y)
            marker.place_caption()

    def _on_tap(self, _view, x: float, y: float) -> None:
        node = self._node()
        if node is None or self.view.blend < 1.0 or len(node.hotspots) != len(self._markers):
            return
        radius = self._radius()
        index = hotspots.hit(
            self.view.view,
            self.view.viewport,
            node.hotspots,
            x,
            y,
            radius * 1.3,
            None,
            self._covered(),
            self._footprints(),
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
            self.hint = ""

    def _say_hint(self, *_args) -> None:
        _ = self.app._
        if self.hint == HINT_LOOK:
            self.hint_text = _("Drag to look around. Touch an arrow to walk on.", self.app.lang)
        elif self.hint == HINT_BACK and self._trail and self.tour is not None:
            place = self.tour.node(self._trail[-1])
            title = tr(place.title, self.app.lang) if place else ""
            text = _("“Back” takes you back to {place}.", self.app.lang)
            self.hint_text = text.format(place=title)
        else:
            self.hint_text = ""

    # --- the note, the strip and the map -----------------------------------------------------

    def open_info(self, heading: str, text: str) -> None:
        self.close_info()
        self.close_map()  # the two take the same place
        self._info = Factory.WalkInfoCard(heading=heading, text=text)
        self._add_panel(self._info)

    def close_info(self, *_args) -> None:
        if self._info is not None:
            self.ids.overlay.remove_widget(self._info)
            self._info = None
            self._panels_changed()

    def toggle_map(self) -> None:
        if self._map is None:
            self.close_info()
            self._map = Factory.WalkMapPanel()
            self._fill_map()
            self.map_open = True
            self._add_panel(self._map)
        else:
            self.close_map()

    def close_map(self) -> None:
        if self._map is not None:
            self.ids.overlay.remove_widget(self._map)
            self._map = None
            self.map_open = False
            self._panels_changed()

    def _add_panel(self, panel: WalkPanel) -> None:
        panel.bind(x=self._place_panels, width=self._place_panels)
        panel.bind(pos=self._place_markers, size=self._place_markers)
        self.ids.overlay.add_widget(panel)
        self._panels_changed()

    def _panels_changed(self) -> None:
        self.panel_open = self._map is not None or self._info is not None
        self._place_panels()
        self._place_markers()

    def _place_panels(self, *_args) -> None:
        """Keep the map or the note below the buttons, below the title card where the two
        share columns (in portrait a panel is nearly as wide as the screen): it must not hide
        the name of the place the visitor is in. The strip makes way while a panel is open."""
        gap = self.app.unit * 16
        for panel in (self._map, self._info):
            if panel is None:
                continue
            top = self.ids.actions.y
            card = self.ids.title_card
            if card.opacity > 0 and card.x < panel.right and panel.x < card.right:
                top = min(top, card.y)
            panel.top_limit = top - gap
            panel.bottom_limit = gap

    def jump(self, node_id: str) -> None:
        """From the strip or the map: straight to a place."""
        self.close_map()
        self.go_to(node_id)

    def _fill_map(self) -> None:
        walk, panel = self.tour, self._map
        if walk is None or panel is None:
            return
        settings = self.app.catalog.settings
        path = self.app.catalog.release.media_path(settings.map.image) if settings.map else None
        panel.source = str(path) if path else ""
        spots = places.map_positions(walk, settings.map)
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
        walk = self.tour
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
        """Every name in the strip whole, in at most two lines: a cell is as wide as its name
        needs (kiosk.walk.labels), at least its share of the strip's width while the places
        fit; the strip is as tall as two lines of names."""
        thumbs = self.ids.strip.children
        unit, scale = self.app.unit, self.app.font_scale
        measure = CoreLabel(font_size=unit * 22 * scale, bold=True)
        name_height = 2 * measure.get_extents("ÅÝgj")[1]
        self.strip_height = unit * (12 * 2 + 6 * 2 + 4 + THUMB_IMAGE) + name_height
        if not thumbs:
            return
        free = self.ids.strip_box.width - unit * 12 * (len(thumbs) + 1)
        share = max(unit * 150, min(unit * 250, free / len(thumbs)))
        margin = unit * 6 * 2 + 4  # the cell's padding, and a little for rounding
        for thumb in thumbs:
            name = labels.two_line_width(thumb.title, lambda text: measure.get_extents(text)[0])
            thumb.width = max(share, math.ceil(name + margin))
            thumb.name_height = name_height

    def _strip_fits(self, *_args) -> None:
        self.strip_scrolls = self.ids.strip.minimum_width > self.ids.strip_box.width + 1

    def scroll_strip(self, direction: int) -> None:
        """One screenful of places on (1) or back (-1), from the arrows at the strip's ends."""
        box, strip = self.ids.strip_box, self.ids.strip
        hidden = strip.width - box.width
        if hidden <= 0:
            return
        step = box.width * 0.8 / hidden
        box.scroll_x = min(1.0, max(0.0, box.scroll_x + direction * step))


class WalkLayer(FloatLayout):
    """The layer above the panorama: it lets touches through to the view below except where
    a child (a button, the map, a note) takes them."""

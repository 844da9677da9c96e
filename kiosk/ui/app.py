"""The kiosk app: the Kivy shell around the plain-Python core.

It reads the active release, shows it in the visitor's language, counts touches and resets
itself when the visitor walks away. It never touches the network.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import importlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.config import Config  # noqa: E402
from kivy.core.text import DEFAULT_FONT, LabelBase  # noqa: E402
from kivy.factory import Factory  # noqa: E402
from kivy.logger import Logger  # noqa: E402
from kivy.properties import (  # noqa: E402
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from kiosk.content.release import (  # noqa: E402
    Catalog,
    ReleaseError,
    load_release,
    prepare_release,
    release_stamp,
)
from kiosk.infra.config import KioskConfig  # noqa: E402
from kiosk.ui.i18n import LOCALE_DIR, format_day, format_when  # noqa: E402
from kiosk.ui.screens.base import load_kv_once, load_widget_classes  # noqa: E402
from kiosk.ui.theme import palette  # noqa: E402
from kiosk.visit.idle import IdleWatch, Phase  # noqa: E402
from kiosk.visit.touchstats import TouchCounter  # noqa: E402
from kiosk_core.content.model import DEFAULT_LANGUAGE, tr  # noqa: E402
from kiosk_core.i18n import LANGUAGE_NAMES, Translator  # noqa: E402

if TYPE_CHECKING:
    from sqlite_utils import Database

    from kiosk.visit.outbox import SavedReport
    from kiosk_core.reports import ReportDraft

# Heavier modules (the database, the printer, report validation) are imported where first
# used: the kiosk shows its first screen sooner.

HERE = Path(__file__).parent
FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu")]
M_MMAP_THRESHOLD = -3  # mallopt() parameter, from glibc's malloc.h
MMAP_THRESHOLD = 128 * 1024
"""Blocks from this size up get their own mapping (glibc's starting value, kept fixed)."""
LARGER_TEXT = 1.3
RELEASE_CHECK_SECONDS = 5.0
REST_BEFORE_RELOAD = 5.0
"""Seconds without a touch on the home screen before a new release may replace the old."""
SCREENS = (
    "home",
    "categories",
    "services",
    "service",
    "search",
    "events",
    "event",
    "contact",
    "report",
    "receipt",
    "staff",
    "walk",
)
KEEP_BUILT = 3
"""How many of the screens shown most recently stay built besides home, the one shown and
those Back leads to: a visit through every screen does not hold every screen's widgets and
textures, and going back and forth between a few screens never rebuilds them."""
TIDY_AFTER = 2.0
"""Seconds after the last change of screen before garbage is collected and freed memory is
returned to the system: the visitor is reading by then, and dropped screens are gone."""
TRIM_AGAIN_AFTER = 0.5
"""Seconds after a garbage collection before freed memory is returned once more: the
textures of the screens collected go with the next frame, a panorama's pixels with the
threads that decoded them."""
TOUCH_QUIET = 0.5
"""Seconds without a touch event (down, move or up) before the tidy-up may run: a full
garbage collection must not land in the middle of a drag."""
WARM_UP_AFTER = 0.2
"""Seconds after a release is first shown before work its first screen did not need (the
search index, the calendar words, the other screens' code and layout rules) begins."""
APP_KV = ("widgets/widgets.kv", "app.kv", "widgets/overlays.kv")
"""The layout rules of the app itself (each screen loads its own), widgets.kv first: its
TightLabel rule replaces Kivy's Label look and must come before every rule built on it."""
NOT_WARMED = ("home", "staff")
"""Screens whose code is not loaded ahead: home is loaded at start; the staff screen is for
the few who know the PIN, and waits until asked for."""
ALERT_SECONDS = 8.0
"""Seconds each alert stays on the banner when several are valid (and how often validity
windows are looked at again)."""


def configure_kivy(kiosk: KioskConfig, size: tuple[int, int] | None = None) -> None:
    """Settings that must be in place before the window opens: a kiosk has no way out, and
    a window opened at its final size is not made twice."""
    fullscreen = kiosk.fullscreen
    if size:
        Config.set("graphics", "width", str(size[0]))
        Config.set("graphics", "height", str(size[1]))
    # No multisampled framebuffer: at 1080p it costs ~65 MB and ~85 ms of start-up under
    # software GL; rounded shapes are Smooth* instructions, which antialias their own edges.
    Config.set("graphics", "multisamples", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "window_icon", "")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "show_cursor", "0" if fullscreen else "1")
    if fullscreen:
        from kiosk.ui.kivysettings import kiosk_settings

        for section, key, value in kiosk_settings(kiosk):
            Config.set(section, key, value)


class NoDisplay(RuntimeError):
    """No window could be opened: no screen connected or switched on, or no driver for it.
    A restart cannot help until someone sees to the screen (`kiosk run` exits with its own
    status for it, and systemd tries again slowly)."""


_PROVIDER_ERROR = re.compile(r"^(\w+) - \w+: (?:b'(.*)'|(.*))$")
"""A line of Kivy's "Unable to find any valuable Window provider" message: `sdl2 -
RuntimeError: b'kmsdrm not available'`."""


class _ProviderErrors(logging.Handler):
    """What Kivy says about each window provider it could not use, while the window opens."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        for line in record.getMessage().splitlines():
            if found := _PROVIDER_ERROR.match(line.strip()):
                self.reasons.append(f"{found[1]}: {found[2] or found[3]}")


def _open_window():
    """Kivy's window, which it opens on first import (after configure_kivy); NoDisplay with
    Kivy's reasons when it could open none (Kivy leaves Window None and carries on)."""
    errors = _ProviderErrors()
    Logger.addHandler(errors)
    try:
        from kivy.core.window import Window
    finally:
        Logger.removeHandler(errors)
    if Window is None:
        raise NoDisplay("; ".join(errors.reasons) or "no window provider could open one")
    return Window


def _register_fonts() -> None:
    """DejaVu Sans covers Polish, German, Czech and Ukrainian alike."""
    for folder in FONT_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            LabelBase.register(DEFAULT_FONT, str(regular), fn_bold=str(bold))
            return


def _drop_label_surfaces() -> None:
    """Kivy's SDL2 text provider keeps each label's rendered pixels (an SDL surface as large
    as the label) after copying them into the label's texture: with a few hundred labels that
    is tens of MB held for nothing. The next render makes a new surface anyway."""
    from kivy.core.text import Label as CoreLabel

    render_end = CoreLabel._render_end
    if CoreLabel.__name__ != "LabelSDL2" or getattr(render_end, "drops_surface", False):
        return

    def _render_end(label):
        try:
            return render_end(label)
        finally:
            label._surface = None

    _render_end.drops_surface = True
    CoreLabel._render_end = _render_end


def _share_fonts_by_pixel_size() -> None:
    """Kivy's SDL2 text provider keeps a font open (its file, a FreeType face and a glyph
    cache: some 0.2 MB) for each size as written, though SDL_ttf opens it at whole pixels:
    26, 26.0 and 26.4 (a markup size, a kv size, the larger-text size) were three fonts of
    26 px. It keeps 64 at most, the oldest closed first: a tour of the kiosk's screens asked
    for some 50 sizes written 64 ways, kept 64 fonts open and opened them again and again.
    Keyed by the pixels it opens, each size is opened once (tests/test_ui_memory.py counts
    the open font files).

    `_get_font_id` is the provider's private hook for that key (Kivy 2.3's text_sdl2.py);
    if another provider is in use, nothing is changed."""
    from kivy.core.text import Label as CoreLabel

    if CoreLabel.__name__ != "LabelSDL2" or getattr(CoreLabel._get_font_id, "by_pixels", False):
        return

    def _get_font_id(label) -> str:
        options = label.options
        return "|".join(
            str(value)
            for value in (
                int(options["font_size"]),  # what _text_sdl2 passes to TTF_OpenFont
                options["font_name_r"],
                options["bold"],
                options["italic"],
                options["underline"],
                options["strikethrough"],
            )
        )

    _get_font_id.by_pixels = True
    CoreLabel._get_font_id = _get_font_id


def _skip_rules_of_freed_widgets() -> None:
    """A widget let go but not yet collected (a closed overlay, the tiles a screen rebuilt)
    keeps its kv rules bound to the app until the garbage collector frees it, and a new
    language, theme or text size runs them. Python starts a collection wherever enough
    objects have been made, so now and then one starts inside such a rule and frees the
    widget under it: Kivy's rule then writes to a widget that is gone and raises
    ReferenceError, and the kiosk stopped (twice in some 100,000 random touches of
    bench/monkey.py; tests/test_ui_memory.py makes it happen on purpose). Kivy already lets
    the rules it runs later (canvas rules, in Builder.sync) skip a widget freed meanwhile;
    this lets the rules it runs at once do the same.

    `call_fn` is the private function (Kivy 2.3's kivy/lang/builder.py) that Builder binds
    for each rule, looked up when a rule is bound: this must run before any kv rule is."""
    from kivy.lang import builder

    if getattr(builder.call_fn, "skips_freed", False):
        return
    run_rule = builder.call_fn

    def call_fn(args, instance, value) -> None:
        with contextlib.suppress(ReferenceError):  # freed while the rule ran: nothing to do
            run_rule(args, instance, value)

    call_fn.skips_freed = True
    builder.call_fn = call_fn


def _tune_malloc() -> None:
    """glibc serves blocks under its mmap threshold from the heap, and raises that threshold
    to the largest block freed so far: after a few label textures every later one lands in
    the heap, which then holds the peak of all of them. A fixed threshold keeps large blocks
    (textures, label pixels) in their own mappings, returned to the system when freed."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: its own policy
        ctypes.CDLL("libc.so.6").mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)


def _give_back_memory() -> None:
    """Collect garbage and return freed heap to the system (glibc keeps it otherwise), so
    months of visits do not grow the kiosk's memory.

    What survives is frozen (gc.freeze): the collections Python starts by itself while a
    visitor touches the screen look only at objects made since, a millisecond's work, where
    a full one over the whole kiosk would hold up the frame after a touch by some 30 ms.
    Every call here (at quiet moments) looks at everything again."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _trim_heap()
    Clock.schedule_once(_trim_heap, TRIM_AGAIN_AFTER)


def _trim_heap(_dt: float = 0) -> None:
    """Return the heap's free pages to the system: glibc keeps them otherwise, and after a
    change of language every label's pixels were made anew (about a millisecond)."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to trim
        ctypes.CDLL("libc.so.6").malloc_trim(0)


class KioskApp(App):
    title = "Kiosk"
    lang = StringProperty(DEFAULT_LANGUAGE)
    languages = ListProperty([])
    font_scale = NumericProperty(1.0)
    high_contrast = BooleanProperty(False)
    pal = ObjectProperty(palette(False), rebind=True)
    """The colours in use. kv rules read `app.pal.<colour>`: rebind makes Kivy follow a new
    palette into widgets already built, not only into those built after the switch."""
    unit = NumericProperty(1.0)
    catalog = ObjectProperty(None, allownone=True)
    municipality = StringProperty("")
    logo = StringProperty("")
    alert_text = StringProperty("")
    alert_severity = StringProperty("")
    idle_left = NumericProperty(0)
    can_go_back = BooleanProperty(False)
    portrait = BooleanProperty(False)

    def __init__(
        self,
        content: Path | str | None = None,
        data_dir: Path | str | None = None,
        kiosk: KioskConfig | None = None,
        size: tuple[int, int] | None = None,
        clock: Callable[[], float] = time.time,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.kiosk = kiosk or KioskConfig(fullscreen=False)
        self.content_path = Path(content) if content else self.kiosk.content
        self.data_dir = Path(data_dir) if data_dir else self.kiosk.data_dir
        self.window_size = size
        self.clock = clock
        self.translator = Translator(LOCALE_DIR)
        self.counter = TouchCounter(clock)
        self.history: list[tuple[str, dict]] = []
        self.release_path: Path | None = None
        self._stamp: tuple | None = None
        self._reload_pending = False
        self._overlay = None
        self._timers: list = []
        self._alert_turn = 0
        self._touched_at = 0.0
        """time.monotonic() of the last touch event (real time, whatever `clock` is)."""
        self._shown: list[str] = []
        """Names of the screens shown and still built, the most recently shown last."""
        self._warming: list[Callable[[], object]] = []
        """What is still to be prepared ahead of the first visitor, a step a frame."""
        self.db = None

    # --- start and stop -------------------------------------------------------------------

    def build(self):
        configure_kivy(self.kiosk, self.window_size)
        Window = _open_window()  # noqa: N806 (Kivy's name for it)
        _register_fonts()
        _drop_label_surfaces()
        _share_fonts_by_pixel_size()
        _skip_rules_of_freed_widgets()
        Window.show_cursor = not self.kiosk.fullscreen
        if bool(Window.fullscreen) != self.kiosk.fullscreen:
            Window.fullscreen = "auto" if self.kiosk.fullscreen else False
        if self.window_size:
            Window.size = self.window_size
        Window.clearcolor = (0, 0, 0, 1)
        Window.bind(size=self._on_resize, on_request_close=self._refuse_close)
        Window.bind(on_touch_down=self._on_any_touch)
        Window.bind(on_touch_move=self._finger_moved, on_touch_up=self._finger_moved)
        self._on_resize(Window, Window.size)
        self._load_content()
        from kiosk.ui.widgets import buttons, keyboard, qr, rows, text  # noqa: F401

        for kv in APP_KV:
            load_kv_once(HERE / kv)
        root = Factory.KioskRoot()
        self.root_widget = root
        self.manager = root.ids.manager
        self.screen("home")
        self.idle = IdleWatch(
            self.catalog.settings.idle.reset_after, self.catalog.settings.idle.countdown
        )
        self._tidy = Clock.create_trigger(self._tidy_up, TIDY_AFTER)
        self._timers = [
            self._tidy,
            Clock.schedule_interval(self._tick, 0.25),
            Clock.schedule_interval(self._flush, self.kiosk.flush_interval),
            Clock.schedule_interval(self._check_release, RELEASE_CHECK_SECONDS),
            Clock.schedule_interval(lambda _dt: self._refresh_alert(advance=True), ALERT_SECONDS),
        ]
        from kiosk.appliance.appliance import Appliance

        self.appliance = Appliance(self)
        self.appliance.start()
        self.bind(lang=self._on_lang, high_contrast=self._on_theme, font_scale=self._on_lang)
        return root

    def on_start(self) -> None:
        from kivy.core.window import Window

        self._refresh_all()
        Window.bind(on_flip=self._first_frame)

    def _first_frame(self, window) -> None:
        """systemd hears READY=1 once the first screen is drawn, not merely built; what the
        first screen does not need is prepared after it."""
        window.unbind(on_flip=self._first_frame)
        self.appliance.ready()
        Clock.schedule_once(self._warm_up, WARM_UP_AFTER)

    def _warm_up(self, _dt: float = 0) -> None:
        """While the kiosk waits for its first visitor, a step a frame: the search index,
        the calendar words of the first dates shown, then each screen's code and layout
        rules and the libraries screens load on first use, so that no screen's first
        opening waits for them."""
        from PIL import Image  # loaded with Kivy's image providers

        self._warming = [
            self._warm_search,
            *(
                partial(importlib.import_module, f"kiosk.ui.screens.{name}")
                for name in SCREENS
                if name not in NOT_WARMED
            ),
            *(partial(load_widget_classes, HERE / kv) for kv in APP_KV),
            partial(importlib.import_module, "qrcode"),  # for every page with a web link
            Image.preinit,  # Pillow's decoders, for the walk's previews and the report map
        ]
        self._warm_step()

    def _warm_step(self, _dt: float = 0) -> None:
        if not self._warming:
            return
        if self._touching():  # a visitor's frames come first; the rest waits
            Clock.schedule_once(self._warm_step, TOUCH_QUIET)
            return
        self._warming.pop(0)()
        if self._warming:
            Clock.schedule_once(self._warm_step, 0)
        else:
            _give_back_memory()

    def _warm_search(self) -> None:
        if self.catalog is not None:
            default = self.catalog.settings.default_language
            self.catalog.search_index(default)
            format_day(self.now().date(), default)

    def on_stop(self) -> None:
        from kivy.core.window import Window

        for timer in self._timers:
            timer.cancel()
        self._warming.clear()  # a warm-up step still scheduled finds nothing left to do
        Window.unbind(size=self._on_resize, on_request_close=self._refuse_close)
        Window.unbind(on_touch_down=self._on_any_touch, on_flip=self._first_frame)
        Window.unbind(on_touch_move=self._finger_moved, on_touch_up=self._finger_moved)
        self._close_overlay()
        self.appliance.stop()
        self._flush()
        if self.db is not None:
            self.db.close()
            self.db = None

    def run(self) -> None:
        _tune_malloc()
        configure_kivy(self.kiosk, self.window_size)  # before the window opens
        super().run()

    def _refuse_close(self, *_args) -> bool:
        """A kiosk cannot be closed from its screen; a development window can."""
        return self.kiosk.fullscreen

    def _on_resize(self, _window, size) -> None:
        self.unit = max(0.5, min(2.0, min(size) / 1080))
        self.portrait = size[1] > size[0]

    # --- content -------------------------------------------------------------------------

    def _load_content(self) -> None:
        path = prepare_release(self.content_path, self.data_dir)
        release = load_release(path, validate=False)  # validated by the build and the agent
        self.catalog = Catalog(release, self.kiosk.kiosk_id, frozenset(self.kiosk.groups))
        self.release_path = path
        watch = self.data_dir / "current" if self.content_path is None else path
        self._stamp = release_stamp(watch)
        self._watch = watch
        settings = self.catalog.settings
        self.languages = [(code, LANGUAGE_NAMES[code]) for code in settings.languages]
        self.lang = settings.default_language
        logo = release.media_path(settings.logo)
        self.logo = str(logo) if logo else ""

    def _check_release(self, _dt: float = 0) -> None:
        if self.content_path is not None and not (self.content_path / "content.json").exists():
            return  # a source tree is built once at start, not watched
        if release_stamp(self._watch) != self._stamp:
            self._reload_pending = True
        if self._reload_pending and self._at_rest():
            self.reload_content()

    def _at_rest(self) -> bool:
        now = self.clock()
        phase = self.idle.phase(now)
        if phase is Phase.RESTING:
            return True
        return (
            self.manager.current == "home"
            and phase is Phase.ACTIVE
            and self.idle.quiet_for(now) >= REST_BEFORE_RELOAD
        )

    def reload_content(self) -> None:
        """Swap in the new release; a release that fails to load leaves the old one shown."""
        self._reload_pending = False
        self.appliance.end_attract()  # its media belong to the old release
        old = (self.catalog, self.release_path, self._stamp, self.lang)
        try:
            self._load_content()
        except (ReleaseError, OSError, ValueError) as exc:
            Logger.error(f"Kiosk: new release not loaded, keeping the old one: {exc}")
            self.catalog, self.release_path, self._stamp, self.lang = old
            self._stamp = release_stamp(self._watch)
            return
        Logger.info(f"Kiosk: release {self.catalog.release.version} loaded")
        self.home()
        self._refresh_all()
        Clock.schedule_once(self._warm_up, WARM_UP_AFTER)

    # --- what screens call ---------------------------------------------------------------

    def _(self, message: str, _lang: str | None = None) -> str:
        """Translate a UI text; kv passes `app.lang` so the text follows language changes."""
        return self.translator.gettext(message, self.lang)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translator.ngettext(singular, plural, n, self.lang)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def format_when(self, event) -> str:
        return format_when(event.start, event.end, self.lang, self.catalog.timezone, event.all_day)

    def format_day(self, day: date) -> str:
        return format_day(day, self.lang)

    def go(self, name: str, **params) -> None:
        if self.manager.current != name or params:
            self.history.append((self.manager.current, self._params_of(self.manager.current)))
        self._show(name, params, "left")

    def back(self) -> None:
        if self.manager.current_screen.handle_back():
            return
        if not self.history:
            return
        name, params = self.history.pop()
        self._show(name, params, "right")

    def home(self) -> None:
        self.history.clear()
        self._show("home", {}, "right")

    def open_item(self, kind: str, item_id: str) -> None:
        self.go({"service": "service", "event": "event"}[kind], item_id=item_id)

    def submit_report(self, draft: ReportDraft) -> SavedReport:
        """Store the report durably, then thank the visitor (never the other way round)."""
        from kiosk.visit.outbox import save_report, status_url

        saved = save_report(self.database(), draft, self.kiosk.kiosk_id, self.lang, self.now())
        link = status_url(
            str(self.kiosk.hub_url) if self.kiosk.hub_url else None, saved.status_token
        )
        self.history.clear()
        self._show("receipt", {"ref_code": saved.ref_code, "status_link": link or ""}, "left")
        self.screen("report").reset()
        self._print_ticket(saved, draft.service_code, link)
        return saved

    def _print_ticket(self, saved: SavedReport, service_code: str, link: str | None) -> None:
        """Print on a worker thread: a slow or broken printer never blocks the screen."""
        from kiosk.appliance.devices.printer import PrinterError, Ticket, TicketLabels, print_ticket

        receipt = self.screen("receipt")
        device = self.kiosk.printer.device
        if not device:
            receipt.print_state = ""
            return
        categories = {c.service_code: c for c in self.catalog.report_categories(self.now())}
        category = categories.get(service_code)
        ticket = Ticket(
            municipality=tr(self.catalog.settings.municipality, self.lang),
            reference=saved.ref_code,
            category=tr(category.name, self.lang) if category else service_code,
            created=datetime.fromisoformat(saved.created),
            status_url=link or "",
            labels=TicketLabels(
                heading=self._("Report received"),
                reference=self._("Reference number"),
                category=self._("Category"),
                date=self._("Date"),
                status=self._("Follow your report:"),
            ),
            timezone=self.catalog.settings.timezone,
        )
        receipt.print_state = "printing"
        baudrate = self.kiosk.printer.baudrate

        def work() -> None:
            try:
                print_ticket(ticket, device, baudrate)
                state = "printed"
            except PrinterError as exc:
                Logger.warning(f"Kiosk: ticket not printed ({exc.reason})")
                state = "failed"
            Clock.schedule_once(lambda _dt: setattr(receipt, "print_state", state))

        threading.Thread(target=work, name="ticket-printer", daemon=True).start()

    def set_language(self, lang: str) -> None:
        self.lang = lang

    def toggle_larger_text(self) -> None:
        self.font_scale = 1.0 if self.font_scale != 1.0 else LARGER_TEXT

    def toggle_high_contrast(self) -> None:
        self.high_contrast = not self.high_contrast

    def screen(self, name: str):
        """A screen by name, built the first time it is needed (a fast start, less memory)."""
        if not self.manager.has_screen(name):
            if name not in SCREENS:
                raise KeyError(name)
            importlib.import_module(f"kiosk.ui.screens.{name}")  # registers it, loads its .kv
            screen = Factory.get(f"{name.capitalize()}Screen")(name=name)
            self.manager.add_widget(screen)
            screen.refresh()
        return self.manager.get_screen(name)

    def _params_of(self, name: str) -> dict:
        screen = self.manager.get_screen(name)
        return {k: getattr(screen, k) for k in ("item_id", "category") if hasattr(screen, k)}

    def _show(self, name: str, params: dict, direction: str) -> None:
        screen = self.screen(name)
        screen.show(**params)
        self.manager.transition.direction = direction
        self.manager.current = name
        self.can_go_back = bool(self.history)
        if name in self._shown:
            self._shown.remove(name)
        self._shown.append(name)
        self._tidy_later()

    def _tidy_later(self) -> None:
        """The tidy-up, TIDY_AFTER from now: the visitor has just changed what is shown."""
        self._tidy.cancel()
        self._tidy()

    def _tidy_up(self, _dt: float = 0) -> None:
        """Once the visitor is reading, not touching: drop the screens not needed any more,
        then give their memory back (a full garbage collection only when a screen went)."""
        if self.manager.transition.is_active or self._touching():
            self._tidy()
            return
        if self._drop_spare_screens():
            _give_back_memory()
        else:
            _trim_heap()

    def _touching(self) -> bool:
        return time.monotonic() - self._touched_at < TOUCH_QUIET

    def _drop_spare_screens(self) -> list[str]:
        """Drop the screens `screens_to_drop` names; a dropped screen is built again, with
        what Back needs to show it, when it is next needed."""
        from kiosk.ui.retention import screens_to_drop

        manager = self.manager
        needed = {"home", manager.current, *(name for name, _params in self.history)}
        needed |= {s.name for s in manager.screens if s.holds_input()}
        dropped = screens_to_drop(
            self._shown, needed, lambda name: manager.get_screen(name).keep_built, KEEP_BUILT
        )
        for name in dropped:
            self._shown.remove(name)
            screen = manager.get_screen(name)
            manager.remove_widget(screen)
            screen.dropped()
            if manager.transition.screen_out is screen:  # it keeps the last screen it slid
                manager.transition.screen_out = manager.current_screen
        return dropped

    def _refresh_all(self) -> None:
        self._refresh_alert()
        self._language_buttons()
        for screen in self.manager.screens:
            screen.refresh()

    def _language_buttons(self) -> None:
        box = self.root_widget.ids.topbar.ids.languages
        codes = [code for code, _name in self.languages]
        if [b.code for b in reversed(box.children)] != codes:
            box.clear_widgets()
            for code in codes:
                box.add_widget(Factory.LanguageButton(code=code))

    def _on_lang(self, *_args) -> None:
        self._refresh_all()
        self._tidy_later()

    def _on_theme(self, *_args) -> None:
        self.pal = palette(self.high_contrast)
        self._refresh_all()
        self._tidy_later()

    def _refresh_alert(self, advance: bool = False) -> None:
        """The banner: valid alerts, most severe first, taking turns when there are several;
        a danger alert keeps the banner to the danger alerts."""
        alerts = self.catalog.alerts(self.now()) if self.catalog else []
        if alerts and alerts[0].severity == "danger":
            alerts = [a for a in alerts if a.severity == "danger"]
        self._alert_turn += 1 if advance else 0
        alert = alerts[self._alert_turn % len(alerts)] if alerts else None
        text = tr(alert.text, self.lang) if alert else ""
        if len(alerts) > 1:
            text += f"   ({self._alert_turn % len(alerts) + 1}/{len(alerts)})"
        self.alert_text = text
        self.alert_severity = alert.severity if alert else ""
        self.municipality = tr(self.catalog.settings.municipality, self.lang)

    # --- touches, idle, counters ---------------------------------------------------------

    def _on_any_touch(self, _window, touch) -> bool:
        self._touched_at = time.monotonic()
        now = self.clock()
        if self.idle.touched(now):
            self.counter.session()
        if self.appliance.touched(touch, now):
            return True  # stopped the attract loop or woke the display
        screen = "idle_overlay" if self._overlay else self.manager.current
        self.counter.touch(screen)
        if self._overlay:
            self._close_overlay()
            return True  # the touch only wakes the kiosk
        return False

    def _finger_moved(self, _window, _touch) -> bool:
        self._touched_at = time.monotonic()
        return False

    def _tick(self, _dt: float) -> None:
        now = self.clock()
        phase = self.idle.phase(now)
        if phase is Phase.WARNING:
            self.idle_left = self.idle.remaining(now)
            if not self._overlay:
                self._overlay = Factory.IdleOverlay()
                self._overlay.open(animation=False)
        elif phase is Phase.EXPIRED:
            self.reset_for_next_visitor()
        self.appliance.tick(now, phase)

    def _close_overlay(self) -> None:
        if self._overlay:
            self._overlay.dismiss(animation=False)
            self._overlay = None

    def reset_for_next_visitor(self) -> None:
        """Privacy and a fresh start: home, default language, nothing typed survives."""
        self._close_overlay()
        self.idle.reset()
        self.appliance.rested(self.clock())
        for screen in self.manager.screens:
            screen.reset()
        self.font_scale = 1.0
        self.high_contrast = False
        self.lang = self.catalog.settings.default_language
        self.home()
        self._flush()
        _give_back_memory()
        if self._reload_pending:
            self.reload_content()
        else:
            self._refresh_all()

    def database(self) -> Database:
        """The kiosk database, opened on first use (not before the first screen)."""
        if self.db is None:
            from kiosk.infra.store import open_store

            self.db = open_store(self.data_dir)
        return self.db

    def _flush(self, _dt: float = 0) -> None:
        if not self.counter.pending:
            return
        try:
            self.counter.flush(self.database())
        except Exception as exc:  # the counts are kept in memory for the next try
            Logger.error(f"Kiosk: could not save touch counters: {exc}")

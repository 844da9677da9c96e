"""The kiosk app: the Kivy shell around the plain-Python core, and only its wiring.

It reads the active release, shows it in the visitor's language, counts touches and resets
itself when the visitor walks away. It never touches the network. The pieces it wires:

- kiosk.ui.window: Kivy's settings and the window; kiosk.ui.kivypatches: what the kiosk
  changes in Kivy's classes; kiosk.ui.memory: malloc tuning and giving memory back;
- kiosk.ui.navigation: Go, Back, Home and which screens stay built; kiosk.ui.warmup: what
  is prepared before the first visitor;
- kiosk.visit (idle, touch counters, the alert banner, the outbox): the visit's core;
- kiosk.appliance.appliance: watchdog, staff, attract loop, display schedule (through the
  narrow `Host` it names); kiosk.appliance.printing: the tickets the screens print.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.factory import Factory  # noqa: E402
from kivy.logger import Logger  # noqa: E402
from kivy.properties import (  # noqa: E402
    BooleanProperty,
    ListProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)

from kiosk.appliance.appliance import Appliance  # noqa: E402
from kiosk.appliance.printing import TicketPrinting  # noqa: E402
from kiosk.content.release import (  # noqa: E402
    Catalog,
    ReleaseError,
    load_release,
    prepare_release,
    release_stamp,
)
from kiosk.infra.config import KioskConfig  # noqa: E402
from kiosk.ui.i18n import LOCALE_DIR, format_day, format_when  # noqa: E402
from kiosk.ui.kivypatches import patch_kivy  # noqa: E402
from kiosk.ui.memory import give_back_memory, tune_malloc  # noqa: E402
from kiosk.ui.navigation import Navigator  # noqa: E402
from kiosk.ui.screens.base import load_kv_once  # noqa: E402
from kiosk.ui.speech import ReadAloud  # noqa: E402
from kiosk.ui.theme import palette  # noqa: E402
from kiosk.ui.touches import TouchActivity  # noqa: E402
from kiosk.ui.warmup import WarmUp  # noqa: E402
from kiosk.ui.window import configure_kivy, open_window  # noqa: E402
from kiosk.visit.banner import ALERT_SECONDS, AlertBanner  # noqa: E402
from kiosk.visit.idle import IdleWatch, Phase  # noqa: E402
from kiosk.visit.touchstats import TouchCounter  # noqa: E402
from kiosk_core.content.model import DEFAULT_LANGUAGE, tr  # noqa: E402
from kiosk_core.i18n import LANGUAGE_NAMES, Translator  # noqa: E402

if TYPE_CHECKING:
    from kivy.uix.screenmanager import Screen
    from sqlite_utils import Database

    from kiosk.speech.engine import SpeechEngine
    from kiosk.visit.outbox import SavedReport
    from kiosk_core.reports import ReportDraft

# Heavier modules (the database, the printer, report validation) are imported where first
# used: the kiosk shows its first screen sooner.

HERE = Path(__file__).parent
LARGER_TEXT = 1.3
RELEASE_CHECK_SECONDS = 5.0
REST_BEFORE_RELOAD = 5.0
"""Seconds without a touch on the home screen before a new release may replace the old."""
APP_KV_PATHS = tuple(HERE / kv for kv in ("widgets/widgets.kv", "app.kv", "widgets/overlays.kv"))
"""The layout rules of the app itself (each screen loads its own), widgets.kv first: its
TightLabel rule replaces Kivy's Label look and must come before every rule built on it."""


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
    listening = BooleanProperty(False)
    """Read-aloud is on for this visit (the "Listen" button; off again at the idle reset)."""
    speech_available = BooleanProperty(False)
    """Read-aloud can be turned on: the kiosk has a voice (espeak-ng, aplay) and a speaker."""

    def __init__(
        self,
        content: Path | str | None = None,
        data_dir: Path | str | None = None,
        kiosk: KioskConfig | None = None,
        size: tuple[int, int] | None = None,
        clock: Callable[[], float] = time.time,
        speech: SpeechEngine | None = None,
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
        self.touches = TouchActivity()
        self.alerts = AlertBanner()
        self.printing = TicketPrinting(self.kiosk, self)
        self.warm_up = WarmUp(self.touches, lambda: self.catalog, self.now, APP_KV_PATHS)
        self.release_path: Path | None = None
        self._stamp: tuple | None = None
        self._reload_pending = False
        self._overlay = None
        self._chooser = None
        self._timers: list = []
        self.db = None
        self.read_aloud = ReadAloud(self, speech or self._speech_engine())
        self.speech_available = self.read_aloud.available
        self._phase = Phase.RESTING

    def _speech_engine(self) -> SpeechEngine | None:
        settings = self.kiosk.speech
        if not settings.enabled:
            return None
        from kiosk.speech.engine import SpeechEngine

        return SpeechEngine(settings.device, settings.rate, settings.volume)

    # --- start and stop -------------------------------------------------------------------

    def build(self):
        Window = open_window(self.kiosk, self.window_size)  # noqa: N806 (Kivy's name for it)
        patch_kivy()
        Window.bind(size=self._on_resize, on_request_close=self._refuse_close)
        Window.bind(on_touch_down=self._on_any_touch)
        Window.bind(on_touch_move=self._finger_moved, on_touch_up=self._finger_moved)
        self._on_resize(Window, Window.size)
        self._load_content()
        from kiosk.ui.widgets import buttons, keyboard, languages, qr, rows, text  # noqa: F401

        for kv in APP_KV_PATHS:
            load_kv_once(kv)
        root = Factory.KioskRoot()
        self.root_widget = root
        self.manager = root.ids.manager
        self.navigator = Navigator(self.manager, self.touches, self._set_can_go_back)
        self.screen("home")
        self.idle = IdleWatch(
            self.catalog.settings.idle.reset_after, self.catalog.settings.idle.countdown
        )
        self._timers = [
            Clock.schedule_interval(self._tick, 0.25),
            Clock.schedule_interval(self._flush, self.kiosk.flush_interval),
            Clock.schedule_interval(self._check_release, RELEASE_CHECK_SECONDS),
            Clock.schedule_interval(lambda _dt: self._refresh_alert(advance=True), ALERT_SECONDS),
        ]
        self.appliance = Appliance(self.kiosk, self.data_dir, self.clock, self.idle, self)
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
        self.warm_up.later()

    def on_stop(self) -> None:
        from kivy.core.window import Window

        for timer in self._timers:
            timer.cancel()
        self.navigator.stop()
        self.warm_up.stop()
        Window.unbind(size=self._on_resize, on_request_close=self._refuse_close)
        Window.unbind(on_touch_down=self._on_any_touch, on_flip=self._first_frame)
        Window.unbind(on_touch_move=self._finger_moved, on_touch_up=self._finger_moved)
        self._close_overlay()
        self._close_chooser()
        self.appliance.stop()
        self.read_aloud.close()
        self._flush()
        if self.db is not None:
            self.db.close()
            self.db = None

    def run(self) -> None:
        tune_malloc()
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
        path = prepare_release(self.content_path, self.data_dir, self.now())
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
        self.warm_up.later()

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

    @property
    def history(self) -> list[tuple[str, dict]]:
        """Where Back leads: (screen, its parameters), the most recent last."""
        return self.navigator.history

    def go(self, name: str, **params) -> None:
        self.navigator.go(name, **params)

    def back(self) -> None:
        self.navigator.back()

    def home(self) -> None:
        self.navigator.home()

    def screen(self, name: str) -> Screen:
        return self.navigator.screen(name)

    def open_item(self, kind: str, item_id: str) -> None:
        self.go({"service": "service", "event": "event"}[kind], item_id=item_id)

    def show_staff(self) -> None:
        if self.manager.current != "staff":
            self.go("staff")

    def submit_report(self, draft: ReportDraft) -> SavedReport:
        """Store the report durably, then thank the visitor (never the other way round)."""
        from kiosk.visit.outbox import save_report, status_url

        saved = save_report(self.database(), draft, self.kiosk.kiosk_id, self.lang, self.now())
        link = status_url(
            str(self.kiosk.hub_url) if self.kiosk.hub_url else None, saved.status_token
        )
        self.navigator.start_at("receipt", ref_code=saved.ref_code, status_link=link or "")
        self.screen("report").reset()
        self.screen("receipt").print_ticket(saved, draft.service_code, link or "")
        return saved

    def set_language(self, lang: str) -> None:
        self.lang = lang

    def choose_language(self) -> None:
        """The chooser of every language, each named in itself, over the screen."""
        from kiosk.ui.widgets.languages import LanguageChooser

        self._close_chooser()
        self._chooser = LanguageChooser(self.languages, self.lang, self.set_language)
        self._chooser.bind(on_dismiss=lambda *_a: setattr(self, "_chooser", None))
        self._chooser.open(animation=False)

    def _close_chooser(self) -> None:
        if self._chooser is not None:
            self._chooser.dismiss(animation=False)
            self._chooser = None

    def toggle_larger_text(self) -> None:
        self.font_scale = 1.0 if self.font_scale != 1.0 else LARGER_TEXT

    def toggle_high_contrast(self) -> None:
        self.high_contrast = not self.high_contrast

    def toggle_listening(self) -> None:
        self.read_aloud.switch(not self.listening)
        settings = self.catalog.settings.idle
        self.idle.countdown_for(settings.countdown, self.listening)

    def still_here(self) -> None:
        """The idle warning's "Yes, I am still here" (the touch itself restarted the wait)."""
        self._close_overlay()

    def _set_can_go_back(self, can: bool) -> None:
        self.can_go_back = can

    def _refresh_all(self) -> None:
        self._refresh_alert()
        for screen in self.manager.screens:
            screen.refresh()

    def _on_lang(self, *_args) -> None:
        self._refresh_all()
        self.navigator.tidy_later()

    def _on_theme(self, *_args) -> None:
        self.pal = palette(self.high_contrast)
        self._refresh_all()
        self.navigator.tidy_later()

    def _refresh_alert(self, advance: bool = False) -> None:
        alerts = self.catalog.alerts(self.now()) if self.catalog else []
        self.alert_text, self.alert_severity = self.alerts.show(alerts, self.lang, advance)
        self.municipality = tr(self.catalog.settings.municipality, self.lang)

    # --- touches, idle, counters ---------------------------------------------------------

    def _on_any_touch(self, _window, touch) -> bool:
        self.touches.touched()
        now = self.clock()
        if self.idle.touched(now):
            self.counter.session()
        if used_by := self.appliance.touched(touch, now):
            self.counter.touch(used_by)
            return True  # stopped the attract loop or woke the display
        screen = "idle_overlay" if self._overlay else self.manager.current
        self.counter.touch(screen)
        if self._overlay:
            stay = self._overlay.ids.stay
            if self.listening and stay.collide_point(*stay.to_widget(*touch.pos)):
                return False  # heard first, then used, like every button
            self._close_overlay()
            return True  # the touch only wakes the kiosk
        return False

    def _finger_moved(self, _window, _touch) -> bool:
        self.touches.touched()
        return False

    def _tick(self, _dt: float) -> None:
        now = self.clock()
        phase = self.idle.phase(now)
        if phase is Phase.WARNING:
            self.idle_left = self.idle.remaining(now)
            if not self._overlay:
                self._overlay = Factory.IdleOverlay()
                self._overlay.open(animation=False)
            if self._phase is not Phase.WARNING:
                self.read_aloud.warn_idle(self.idle_left)
        elif phase is Phase.EXPIRED:
            self.reset_for_next_visitor()
        self._phase = phase
        self.appliance.tick(now, phase)

    def _close_overlay(self) -> None:
        if self._overlay:
            self._overlay.dismiss(animation=False)
            self._overlay = None

    def reset_for_next_visitor(self) -> None:
        """Privacy and a fresh start: home, default language, nothing typed survives."""
        self._close_overlay()
        self._close_chooser()
        self.idle.reset()
        self.appliance.rested(self.clock())
        for screen in self.manager.screens:
            screen.reset()
        self.font_scale = 1.0
        self.high_contrast = False
        self.read_aloud.reset()
        self.idle.countdown_for(self.catalog.settings.idle.countdown, False)
        self.lang = self.catalog.settings.default_language
        self.home()
        self._flush()
        give_back_memory()
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

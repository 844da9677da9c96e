"""The app's appliance side: what an unattended kiosk needs beyond showing content.

- the systemd watchdog, fed from the main loop (a hung loop gets the kiosk restarted);
- the hidden staff gesture, the PIN gate and what the staff screen shows and does;
- the attract loop at rest, with video through libVLC where it is installed;
- the display schedule: off outside the hours once the kiosk is at rest, on at a touch.

The app owns one `Appliance` and calls it from its touch handler, its tick and its reset;
screens reach it as `app.appliance`. The appliance asks the app only for what `Host` names
(it never imports the app). The logic lives in plain-Python modules (watchdog, gesture, pin,
attract, schedule, staffstatus, devices.display); this is the Kivy glue.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.logger import Logger

from kiosk.appliance.attract import Playlist, should_start, slides_for
from kiosk.appliance.gesture import CornerTaps
from kiosk.appliance.pin import Attempt, PinGate
from kiosk.appliance.schedule import display_wanted
from kiosk.appliance.watchdog import Notifier
from kiosk.visit.idle import IdleWatch, Phase

if TYPE_CHECKING:
    from sqlite_utils import Database

    from kiosk.appliance.staffstatus import StaffStatus
    from kiosk.content.release import Catalog
    from kiosk.infra.config import KioskConfig

LOCKOUT_FILE = "staff-lockout.json"


class Host(Protocol):
    """All the appliance asks of the app that owns it (kiosk.ui.app.KioskApp)."""

    catalog: Catalog | None
    """The release shown (read when needed: a new release replaces it)."""

    def database(self) -> Database:
        """The kiosk's database (opened by the app on first use)."""
        ...

    def show_staff(self) -> None:
        """Show the staff screen (the gesture was made and a PIN is configured)."""
        ...

    def stop(self) -> None:
        """Stop the app: the main loop ends, then the appliance's own `stop`."""
        ...


class Appliance:
    def __init__(
        self,
        kiosk: KioskConfig,
        data_dir: Path,
        clock: Callable[[], float],
        idle: IdleWatch,
        host: Host,
    ):
        self.kiosk = kiosk
        self.data_dir = data_dir
        self.clock = clock
        self.idle = idle
        self.host = host
        self.notifier = Notifier()
        self.gesture = CornerTaps()
        self.pin_gate = PinGate(self.kiosk.staff.pin_hash, data_dir / LOCKOUT_FILE)
        self.schedule = self.kiosk.display.schedule()
        self.display_on = True
        self.rest_since = clock()
        self.attract = None
        self.player = None
        self._player_tried = False
        self._blank = None
        self.touch_test = None
        self.restart_requested = False
        self._power = None
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="display-power")
        self._timers: list = []
        self._signals: dict[int, object] = {}

    # --- start and stop ------------------------------------------------------------------

    def start(self) -> None:
        if not self.pin_gate.configured:
            Logger.info("Staff: no staff.pin_hash in the configuration; the staff screen is off")
        self._catch_stop_signals()

    def _catch_stop_signals(self) -> None:
        """`systemctl stop` sends SIGTERM. SDL would turn it into a window close request,
        which a kiosk refuses (then systemd kills it after a timeout, and the touch counters
        of the last minute are lost); instead, stop the app cleanly from the main loop."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGTERM, signal.SIGINT):
            self._signals[signum] = signal.signal(signum, self._on_stop_signal)

    def _on_stop_signal(self, signum: int, _frame) -> None:
        Logger.info(f"Kiosk: {signal.Signals(signum).name} received, stopping")
        Clock.schedule_once(lambda _dt: self.host.stop())

    def ready(self) -> None:
        """The first frame is drawn: tell systemd, then feed its watchdog from the main loop."""
        catalog = self.host.catalog
        release = catalog.release.version if catalog else 0
        self.notifier.ready(f"showing release {release}")
        if self.notifier.interval:
            self._timers.append(
                Clock.schedule_interval(lambda _dt: self.notifier.ping(), self.notifier.interval)
            )

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        for signum, handler in self._signals.items():
            signal.signal(signum, handler)
        self._signals.clear()
        self.end_attract()
        if self.player is not None:
            self.player.close()
            self.player = None
        if self.touch_test is not None:
            self.touch_test.dismiss(animation=False)
        if self._blank is not None:
            self._blank.dismiss(animation=False)
            self._blank = None
            self._switch_display(True)  # never leave a kiosk's display off behind us
        self._worker.shutdown(wait=True)
        self.notifier.stopping()
        self.notifier.close()

    # --- touches, ticks, resets ------------------------------------------------------------

    def touched(self, touch, now: float) -> str | None:
        """First look at every touch-down; when it was used up here, where it is counted
        ("attract", "display_off")."""
        from kivy.core.window import Window

        if self.gesture.touch(touch.x, touch.y, Window.width, Window.height, now):
            self.open_staff()
        if self.attract is not None:
            self.end_attract()
            return "attract"  # the touch only stops the loop; the visitor starts from home
        if not self.display_on:
            self.update_display(now)
            return "display_off"  # a touch on a dark screen only wakes it
        return None

    def tick(self, now: float, phase: Phase) -> None:
        self.update_display(now)
        settings = self.host.catalog.settings
        if (
            self.attract is None
            and self.kiosk.attract.enabled
            and should_start(
                phase is Phase.RESTING,
                now - self.rest_since,
                settings.idle.attract_after,
                self.display_on,
            )
        ):
            self.start_attract()

    def rested(self, now: float) -> None:
        """The idle reset happened: the rest (and its attract loop) starts now."""
        self.rest_since = now
        if self.touch_test is not None:
            self.touch_test.dismiss(animation=False)
            self.touch_test = None

    # --- attract loop ----------------------------------------------------------------------

    def playlist(self) -> Playlist:
        catalog = self.host.catalog
        slides = slides_for(
            catalog.release.content.attract,
            catalog.release.media_path,
            catalog.kiosk_id,
            catalog.groups,
            self._now(),
        )
        videos = any(s.kind == "video" for s in slides) and self._video_player() is not None
        return Playlist(slides, videos)

    def _video_player(self):
        """The libVLC player, made on first need; None (logged once) where video cannot play."""
        if self.player is None and not self._player_tried:
            self._player_tried = True
            from kiosk.appliance.video import VlcPlayer, vlc_status

            status = vlc_status()
            if not status.available:
                Logger.warning(f"Attract: videos are left out, images only: {status.detail}")
                return None
            try:
                attract = self.kiosk.attract
                self.player = VlcPlayer(sound=attract.sound, volume=attract.volume)
            except Exception as exc:  # a broken libVLC must not take the kiosk down
                Logger.warning(f"Attract: videos are left out, images only: {exc}")
                return None
            Logger.info(f"Attract: videos through {status.detail}")
        return self.player

    def start_attract(self) -> bool:
        playlist = self.playlist()
        if not playlist:
            self.rest_since = float("inf")  # nothing to play: do not ask again until a reset
            return False
        from kiosk.ui.widgets.attract import AttractOverlay

        videos = any(s.kind == "video" for s in playlist.slides)
        languages = tuple(self.host.catalog.settings.languages)
        self.attract = AttractOverlay(playlist, self.player if videos else None, languages)
        self.attract.begin()
        return True

    def end_attract(self) -> None:
        if self.attract is not None:
            attract, self.attract = self.attract, None
            attract.end()

    # --- display schedule ------------------------------------------------------------------

    def update_display(self, now: float) -> None:
        local = datetime.fromtimestamp(now, self.host.catalog.timezone)
        resting = self.idle.phase(now) is Phase.RESTING
        wanted = display_wanted(
            self.schedule, local, resting, now - self.rest_since, self.kiosk.display.grace
        )
        if wanted == self.display_on:
            return
        self.display_on = wanted
        if wanted:
            if self._blank is not None:
                self._blank.dismiss(animation=False)
                self._blank = None
        else:
            self.end_attract()
            self._blank = Factory.BlankOverlay()
            self._blank.open(animation=False)
        Logger.info(f"Display: {'on' if wanted else 'off'} ({self.power().name})")
        self._switch_display(wanted)

    def power(self):
        if self._power is None:
            from kiosk.appliance.devices.display import choose

            self._power = choose(self.kiosk.display.power)
        return self._power

    def _switch_display(self, on: bool) -> None:
        power = self.power()

        def work() -> None:
            from kiosk.appliance.devices.display import DisplayPowerError

            try:
                power.set(on)
            except DisplayPowerError as exc:
                Logger.warning(f"Display: {exc}; blanking only")

        self._worker.submit(work)

    # --- staff -----------------------------------------------------------------------------

    def open_staff(self) -> None:
        if not self.pin_gate.configured:
            Logger.warning("Staff: gesture seen, but no staff.pin_hash is configured")
            return
        self.host.show_staff()

    def unlock(self, pin: str) -> Attempt:
        attempt = self.pin_gate.attempt(pin, self.clock())
        Logger.info(f"Staff: PIN {'accepted' if attempt.ok else 'refused'}")
        return attempt

    def status(self) -> StaffStatus:
        from kiosk.appliance.staffstatus import gather

        host = self.host
        return gather(host.database(), self.kiosk.kiosk_id, host.catalog.release.version)

    def display_summary(self, _: Callable[[str], str]) -> str:
        """On or off, how it is switched and its hours, in the words `_` translates."""
        state = _("on") if self.display_on else _("off")
        hours = ", ".join(f"{h.days} {h.on}–{h.off}" for h in self.kiosk.display.hours)
        return f"{state} ({self.power().name}); " + (hours or _("always on"))

    def video_summary(self, _: Callable[[str], str]) -> str:
        """How videos play here (libVLC's version), or why they do not."""
        from kiosk.appliance.video import vlc_status

        status = vlc_status()
        if status.available:
            return status.detail
        return _("images only") + f" ({status.detail})"

    def sync_now(self) -> bool:
        from kiosk.appliance.staffstatus import request_sync

        try:
            request_sync(self.data_dir)
        except OSError as exc:
            Logger.warning(f"Staff: could not ask for a sync: {exc}")
            return False
        return True

    def send_again(self) -> int | None:
        """Reports needing attention go to the hub again; None when that could not be asked."""
        from kiosk.appliance.staffstatus import send_again

        try:
            return send_again(self.host.database(), self.data_dir, self._now())
        except (OSError, sqlite3.Error) as exc:
            Logger.warning(f"Staff: could not send the reports again: {exc}")
            return None

    def open_touch_test(self) -> None:
        from kiosk.ui.widgets.touchtest import TouchTest

        self.touch_test = TouchTest()
        self.touch_test.bind(on_dismiss=lambda *_a: setattr(self, "touch_test", None))
        self.touch_test.open(animation=False)

    def restart(self) -> None:
        """Leave; systemd (Restart=always) starts the kiosk again, `kiosk run` re-executes
        itself where there is no systemd."""
        Logger.info("Staff: restart requested")
        self.restart_requested = True
        self.notifier.status("restarting at the staff's request")
        self.host.stop()

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)


def restart_process() -> None:
    """Start this program afresh in this process (no systemd to do it)."""
    os.execv(sys.executable, [sys.executable, *sys.argv])

"""Read-aloud on the screen: what the kiosk says while a visitor has turned "Listen" on.

- A screen is read when it opens (its heading and main text: `KioskScreen.spoken`), and again
  when what it shows changes in place (a report's next step, an error, another language):
  each screen names its page with `KioskScreen.spoken_page`, checked a few times a second.
- Explore by touch, as phone screen readers do: the first touch on a control says what it is
  and does nothing else; a second touch on the same control uses it. Every button of the
  kiosk asks `heard_only` before it is pressed (kiosk.ui.kivypatches.hear_buttons_first), the
  on-screen keyboard for each key, the walk for its arrows; nothing else needs to know.
- The idle warning is said aloud, and lasts longer (kiosk.visit.idle.SPOKEN_WARNING).

The words are made speakable by kiosk_core.speech and said by kiosk.speech.engine, off the
UI's thread. Turned off, and at the idle reset, the kiosk is silent again.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from kivy.app import App
from kivy.clock import Clock

from kiosk.ui.markup import plain
from kiosk_core.i18n import LANGUAGE_NAMES
from kiosk_core.speech.utterance import Piece

if TYPE_CHECKING:
    from kivy.uix.widget import Widget

    from kiosk.speech.engine import SpeechEngine

PAGE_CHECK_SECONDS = 0.2
"""How often the screen shown is compared with the one last read (while reading aloud)."""
READ = frozenset(["Heading", "SectionTitle", "Body", "Muted"])
"""The labels a screen's reading is made of (and any label class built on them)."""


def readable(root: Widget) -> list[Piece]:
    """The text of the headings, section titles, paragraphs and hints under `root`, in reading
    order (Kivy keeps children last-added first), leaving out what is hidden."""
    pieces: list[Piece] = []

    def visit(widget: Widget) -> None:
        if widget.opacity == 0:
            return
        names = {cls.__name__ for cls in type(widget).__mro__}
        text = getattr(widget, "text", "")
        if names & READ and isinstance(text, str) and text.strip():
            pieces.append(plain(text))
            return
        for child in reversed(widget.children):
            visit(child)

    visit(root)
    return pieces


def label_of(widget: Widget) -> tuple[str, str | None]:
    """What a control is called aloud, and in which language (None: the visitor's)."""
    code = getattr(widget, "code", "")
    if code in LANGUAGE_NAMES and type(widget).__name__ == "LanguageChoice":
        return LANGUAGE_NAMES[code], code  # "Deutsch", in German, in the chooser
    spoken = getattr(widget, "spoken", "")
    if isinstance(spoken, str) and spoken:
        return spoken, None
    title = getattr(widget, "title", "")
    if isinstance(title, str) and title:
        subtitle = getattr(widget, "subtitle", "")
        return (f"{title}.\n{subtitle}" if subtitle else title), None
    text = getattr(widget, "text", "")
    return (plain(text).strip() if isinstance(text, str) else ""), None


def heard_only(
    widget: Widget,
    part: object = None,
    label: Callable[[], tuple[str, str | None]] | None = None,
) -> bool:
    """Whether a touch on this control only says what it is (read-aloud's first touch; see
    ReadAloud.explore)."""
    reader = getattr(App.get_running_app(), "read_aloud", None)
    return bool(reader) and reader.explore(widget, part, label)


class ReadAloud:
    """The app's read-aloud: on or off for the visit, what was read, which control was heard."""

    def __init__(self, app, engine: SpeechEngine | None) -> None:
        self.app = app
        self.engine = engine
        self._focus: tuple[weakref.ref, object] | None = None
        self._page: tuple | None = None
        self._checks = None

    @property
    def available(self) -> bool:
        return self.engine is not None and self.engine.available

    @property
    def on(self) -> bool:
        return bool(self.app.listening)

    def switch(self, on: bool) -> None:
        """Listen on (say how it works, then read the screen) or off (say so, then silence)."""
        if on and not self.available:
            return
        self.app.listening = on
        self._focus = None
        _ = self.app._
        if on:
            self._page = self._page_key()
            hint = _("Read-aloud is on. Touch something once to hear it, twice to use it.")
            self.say([hint, *self._screen_pieces()])
            self._checks = self._checks or Clock.schedule_interval(
                self._check_page, PAGE_CHECK_SECONDS
            )
            self.app.manager.bind(current=self._screen_changed)
        else:
            self._stop_checks()
            self.say([_("Read-aloud is off.")], force=True)

    def reset(self) -> None:
        """The visit is over: silent, off, nothing heard."""
        self.app.listening = False
        self._focus = None
        self._page = None
        self._stop_checks()
        if self.engine is not None:
            self.engine.stop()

    def close(self) -> None:
        self._stop_checks()
        if self.engine is not None:
            self.engine.close()

    def say(self, pieces: Iterable[Piece], lang: str | None = None, force: bool = False) -> None:
        if self.engine is not None and (self.on or force):
            self.engine.say(list(pieces), lang or self.app.lang)

    # --- explore by touch -------------------------------------------------------------------

    def explore(
        self,
        control: Widget,
        part: object = None,
        label: Callable[[], tuple[str, str | None]] | None = None,
    ) -> bool:
        """True when this touch on `control` (or on its `part`, a keyboard's key) only says
        what it is: the first touch on it while reading aloud. A second touch on the same
        control is let through, and uses it. `label` gives what to say instead of the
        control's own words: (text, language), said as it is when a language is given, else
        as a button ("Search, button")."""
        if not self.on:
            return False
        focus = self._focus
        if focus is not None and focus[0]() is control and focus[1] == part:
            self._focus = None
            return False
        text, lang = label() if label else label_of(control)
        if not text:
            return False  # nothing to say: the touch does what it does
        self._focus = (weakref.ref(control), part)
        self._page = self._page_key()  # the visitor explores this page: not read over them
        _ = self.app._
        said = text if lang or text[-1] in ".!?" else _("{name}, button").format(name=text)
        if getattr(control, "selected", False):
            said = _("{name}, selected").format(name=said)
        self.say([said], lang)
        return True

    # --- screens and the idle warning --------------------------------------------------------

    def warn_idle(self, seconds: int) -> None:
        """The idle warning, by sound too."""
        _ = self.app._
        self.say(
            [
                _("Are you still there?"),
                self.app.ngettext(
                    "Returning to the start in {n} second.",
                    "Returning to the start in {n} seconds.",
                    seconds,
                ).format(n=seconds),
                _("Touch the screen to stay."),
            ]
        )

    def _page_key(self) -> tuple:
        screen = self.app.manager.current_screen
        return (screen.name, self.app.lang, tuple(screen.spoken_page()))

    def _screen_pieces(self) -> list[Piece]:
        return list(self.app.manager.current_screen.spoken())

    def _check_page(self, _dt: float = 0) -> None:
        """A new screen, or a new page of this one: read it (and forget the control heard)."""
        if not self.on:
            return
        page = self._page_key()
        if page != self._page:
            self._page = page
            self._focus = None
            self.say(self._screen_pieces())

    def _screen_changed(self, *_args) -> None:
        self._check_page()  # the new screen is filled in before it is made current

    def _stop_checks(self) -> None:
        self.app.manager.unbind(current=self._screen_changed)
        if self._checks is not None:
            self._checks.cancel()
            self._checks = None

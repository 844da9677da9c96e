"""The kiosk's changes to Kivy's own classes: the one place that reaches into Kivy's private
parts, each change written against Kivy 2.3 and checked for there, so that an upgrade of Kivy
is checked here. None of them changes what is drawn.

- `drop_label_surfaces`: no second copy of each label's pixels (memory);
- `share_fonts_by_pixel_size`: each font size opened once (memory);
- `skip_rules_of_freed_widgets`: a garbage collection inside a kv rule does not stop the
  kiosk (robustness);
- `hear_buttons_first`: while the kiosk reads aloud, a button's first touch says what it is
  and a second uses it (accessibility; the only one that changes what a touch does).

`patch_kivy` applies them once per process, when the window is open (the text provider is
chosen then) and before any kv rule is bound. Each change marks what it replaced, so a second
app in the same process (the tests) does not wrap it twice.

What the first two buy is measured by bench/ui_bench.py (RSS after visiting every screen and
after the idle reset: take one out and run the bench against the same commit) and by
tests/test_ui_memory.py (the fonts held open); the third by the test there that starts a
collection inside a rule on purpose.
"""

from __future__ import annotations

import contextlib


def patch_kivy() -> None:
    drop_label_surfaces()
    share_fonts_by_pixel_size()
    skip_rules_of_freed_widgets()
    hear_buttons_first()


def drop_label_surfaces() -> None:
    """Kivy's SDL2 text provider keeps each label's rendered pixels (an SDL surface as large
    as the label) after copying them into the label's texture: with a few hundred labels that
    is tens of MB held for nothing. The next render makes a new surface anyway.

    `_render_end` is the provider's private last step of a render (Kivy 2.3's text_sdl2.py);
    if another provider is in use, nothing is changed."""
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


def share_fonts_by_pixel_size() -> None:
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


def skip_rules_of_freed_widgets() -> None:
    """A widget let go but not yet collected (a closed overlay, the tiles a screen rebuilt)
    keeps its kv rules bound to the app until the garbage collector frees it, and a new
    language, theme or text size runs them. Python starts a collection wherever enough
    objects have been made, so now and then one starts inside such a rule and frees the
    widget under it: Kivy's rule then writes to a widget that is gone and raises
    ReferenceError, and the kiosk stopped (twice in some 100,000 random touches of
    bench/monkey.py; tests/test_ui_memory.py makes it happen on purpose). Kivy already lets
    the rules it runs later (canvas rules, in Builder.sync) skip a widget freed meanwhile;
    this lets the rules it runs at once do the same.

    It buys the kiosk leaving garbage collection to Python: choosing the moments itself (only
    when no finger touched) let garbage pile up while visitors kept touching (bench/monkey.py,
    a reset every 2,000 touches, held 930 MB after each reset instead of some 280).

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


def hear_buttons_first() -> None:
    """Read-aloud's explore by touch (kiosk.ui.speech) for every button there is: the kiosk's
    own, list rows, the walk's places, the report's fields, and any Kivy ButtonBehavior a
    screen adds later. Before a button is pressed, `heard_only` is asked; when the touch only
    says what the button is, the button is neither pressed nor released. A touch that starts
    a drag in a list never reaches a row (the ScrollView keeps it), so lists still scroll.

    `on_touch_down` is ButtonBehavior's public handler (Kivy 2.3's
    kivy/uix/behaviors/button.py); the change is in front of it, not inside it."""
    from kivy.uix.behaviors import ButtonBehavior

    from kiosk.ui.speech import heard_only

    press = ButtonBehavior.on_touch_down
    if getattr(press, "hears_first", False):
        return

    def on_touch_down(self, touch) -> bool:
        if (
            not self.disabled
            and not getattr(touch, "is_mouse_scrolling", False)
            and self.collide_point(*touch.pos)
            and heard_only(self)
        ):
            return True
        return press(self, touch)

    on_touch_down.hears_first = True
    ButtonBehavior.on_touch_down = on_touch_down

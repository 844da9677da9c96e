"""Fading to a new place: timed from the touch, eased out, and timed for the moment each frame
is seen."""

from __future__ import annotations

import pytest

from kiosk.walk.fade import MAX_LEAD, Fade, FramePace, fade_in


def test_the_fade_runs_from_nothing_to_everything_in_its_time() -> None:
    assert fade_in(0.0, 0.35) == 0.0
    assert fade_in(-1.0, 0.35) == 0.0  # a clock read before the touch
    assert fade_in(0.35, 0.35) == 1.0
    assert fade_in(10.0, 0.35) == 1.0
    assert fade_in(0.1, 0.0) == 1.0  # no fade: there at once
    steps = [fade_in(t / 100, 0.35) for t in range(0, 40)]
    assert all(a < b for a, b in zip(steps, steps[1:36], strict=False))  # always forward
    assert all(s == 1.0 for s in steps[35:])


def test_most_of_the_new_place_is_there_early() -> None:
    assert fade_in(0.07, 0.35) == pytest.approx(1 - 0.8**3)  # nearly half after a fifth
    assert fade_in(0.35 / 2, 0.35) == pytest.approx(0.875)
    # more change at the start than at the end: the old place lingers only as a ghost
    assert fade_in(0.05, 0.35) - fade_in(0.0, 0.35) > 5 * (fade_in(0.35, 0.35) - fade_in(0.3, 0.35))


def test_a_fade_is_timed_from_its_start_for_the_frame_being_seen() -> None:
    fade = Fade(start=100.0, duration=0.35)
    assert fade.blend(100.0) == 0.0
    assert fade.blend(100.0, lead=0.1) == pytest.approx(fade_in(0.1, 0.35))
    assert fade.blend(100.2, lead=0.1) == pytest.approx(fade_in(0.3, 0.35))
    assert fade.blend(100.3, lead=0.1) == 1.0  # seen after the end: the fade is over


def test_the_pace_is_learnt_from_frames_that_drew() -> None:
    pace = FramePace()
    pace.computed(0.0)
    pace.computed(0.016)  # nothing drawn: an idle frame says nothing about drawing
    assert pace.lead == 0.0
    pace.drawn()
    pace.computed(0.096)  # the frame computed at 0.016 drew and was seen at 0.096
    assert pace.lead == pytest.approx(0.08)
    pace.drawn()
    pace.computed(0.156)
    assert 0.06 < pace.lead < 0.08  # a running average
    for start in range(1, 12):  # long stalls (a texture allocated) count as MAX_LEAD
        pace.computed(start)
        pace.drawn()
        pace.computed(start + 0.9)
    assert pace.lead <= MAX_LEAD
    assert pace.lead == pytest.approx(MAX_LEAD, abs=1e-3)

"""The hidden staff gesture: five taps in the top-left corner within three seconds."""

from __future__ import annotations

from kiosk.appliance.gesture import CornerTaps

W, H = 1920, 1080
CORNER = (20, H - 20)  # Kivy's origin is bottom-left


def tap(gesture: CornerTaps, when: float, where=CORNER) -> bool:
    return gesture.touch(where[0], where[1], W, H, when)


def test_five_quick_taps_in_the_corner_open_it_once() -> None:
    gesture = CornerTaps()
    assert [tap(gesture, t * 0.4) for t in range(5)] == [False] * 4 + [True]
    assert not tap(gesture, 2.5)  # the sequence starts over


def test_too_slow_too_few_or_elsewhere_does_not() -> None:
    gesture = CornerTaps()
    assert not any(tap(gesture, t * 0.9) for t in range(5))  # 3.6 s for five taps
    gesture = CornerTaps()
    assert not any(tap(gesture, t * 0.1, (W - 20, H - 20)) for t in range(10))  # top-right
    gesture = CornerTaps()
    results = [tap(gesture, 0.1 * t) for t in range(4)]
    results.append(tap(gesture, 0.5, (W / 2, H / 2)))  # a touch elsewhere breaks it
    results.append(tap(gesture, 0.6))
    assert not any(results)


def test_the_corner_scales_with_the_screen() -> None:
    gesture = CornerTaps()
    side = gesture.corner * 1080
    assert gesture.in_corner(side - 1, H - side + 1, W, H)
    assert not gesture.in_corner(side + 5, H - 5, W, H)
    assert gesture.in_corner(5, 1920 - 5, 1080, 1920)  # portrait

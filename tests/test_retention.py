"""Which screens the kiosk lets go (plain Python)."""

from __future__ import annotations

from kiosk.ui.retention import screens_to_drop


def keep_all(_name: str) -> bool:
    return True


def test_the_most_recent_stay_and_the_needed_are_never_dropped() -> None:
    shown = ["search", "events", "contact", "report", "categories", "services"]
    needed = {"home", "services", "categories"}  # on screen, and where Back leads
    assert screens_to_drop(shown, needed, keep_all, 2) == ["search", "events"]
    assert screens_to_drop(shown, needed, keep_all, 0) == ["search", "events", "contact", "report"]
    assert screens_to_drop(shown, set(shown), keep_all, 0) == []


def test_a_screen_not_worth_keeping_goes_first_without_taking_a_place() -> None:
    shown = ["events", "walk", "contact", "search"]
    dropped = screens_to_drop(shown, {"home", "search"}, lambda name: name != "walk", 2)
    assert dropped == ["walk"]
    assert screens_to_drop(["walk"], {"walk"}, lambda name: name != "walk", 3) == []

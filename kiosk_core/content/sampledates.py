"""The bundled sample's events moved to the weeks around the day it is built.

The sample town's events are written with real dates, as any town writes them, for the week
of one day (`sample.yaml` beside settings.yaml: `dates_written_for: 2026-11-21`). Built weeks
later, a demonstration kiosk would show an empty calendar; so a build asked to (`kiosk content
build`, and `kiosk run` building a source folder) moves every event of a tree that declares
itself a sample by whole weeks, keeping each on its weekday and time, until that day falls in
the week of the build (on it or in the six days after).

Only a tree with `sample.yaml` is moved: a real town's content never is, and `sample.yaml` is
no part of the content format (`kiosk content check`, the hub and its draft never read it),
so the files the sample is made of stay honest examples of what a town writes. Alerts and the
attract loop keep their dates, which their texts name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from kiosk_core.content.model import Content, Event
from kiosk_core.content.problems import ContentError, Problem
from kiosk_core.content.yamlfile import read_yaml

SAMPLE_FILE = "sample.yaml"
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Moved:
    """What a build did to a sample's dates."""

    written_for: date
    weeks: int


def written_for(root: Path) -> date | None:
    """The day a sample tree's events were written for; None for a town's own content."""
    path = Path(root) / SAMPLE_FILE
    if not path.is_file():
        return None
    doc, problems = read_yaml(path, SAMPLE_FILE)
    if doc is None:
        raise ContentError(problems)
    day = doc.data.get("dates_written_for") if isinstance(doc.data, dict) else None
    if not isinstance(day, date) or isinstance(day, datetime):
        line = doc.line_of(("dates_written_for",))
        message = "must be a date (2026-11-21): the day the sample's events were written for"
        raise ContentError([Problem(SAMPLE_FILE, line, "dates_written_for", message)])
    return day


def weeks_to(written: date, today: date) -> int:
    """Whole weeks that bring `written` to `today` or the six days after it."""
    return -(-(today - written).days // 7)


def move_events(content: Content, weeks: int) -> Content:
    """The content with every event `weeks` later (earlier when negative)."""
    if weeks == 0:
        return content
    shift = weeks * WEEK
    return replace(content, events=[_moved(event, shift) for event in content.events])


def _moved(event: Event, shift: timedelta) -> Event:
    return replace(
        event,
        start=event.start + shift,
        end=event.end + shift if event.end is not None else None,
        valid_from=event.valid_from + shift if event.valid_from is not None else None,
        valid_until=event.valid_until + shift if event.valid_until is not None else None,
    )


def move_sample(root: Path, content: Content, today: date) -> tuple[Content, Moved | None]:
    """The content as built `today`: a sample's events moved, a town's content untouched."""
    written = written_for(root)
    if written is None:
        return content, None
    weeks = weeks_to(written, today)
    return move_events(content, weeks), Moved(written, weeks)

"""The alert banner: which of the valid alerts it shows, taking turns when there are several.
Plain Python; the app asks it every ALERT_SECONDS and whenever the language or content
changes."""

from __future__ import annotations

from collections.abc import Sequence

from kiosk_core.content.model import Alert, tr

ALERT_SECONDS = 8.0
"""Seconds each alert stays on the banner when several are valid (and how often validity
windows are looked at again)."""


class AlertBanner:
    def __init__(self) -> None:
        self._turn = 0

    def show(self, alerts: Sequence[Alert], lang: str, advance: bool = False) -> tuple[str, str]:
        """The banner's text and severity ("" and "" for none) for the valid `alerts`, most
        severe first; a danger alert keeps the banner to the danger alerts. `advance` passes
        the turn to the next alert."""
        if alerts and alerts[0].severity == "danger":
            alerts = [a for a in alerts if a.severity == "danger"]
        self._turn += 1 if advance else 0
        alert = alerts[self._turn % len(alerts)] if alerts else None
        text = tr(alert.text, lang) if alert else ""
        if len(alerts) > 1:
            text += f"   ({self._turn % len(alerts) + 1}/{len(alerts)})"
        return text, alert.severity if alert else ""
